/* kmig-testkit's entry point and the helpers its subcommands share: client
 * creation with the testkit's settings, partition counts, number parsing,
 * clocks, message digests and the transaction flags. See testkit.h for the
 * subcommands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testkit.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: kmig-testkit COMMAND [options]   (COMMAND --help for its options)\n"
            "  mockd    serve a librdkafka mock cluster, controlled over stdin\n"
            "  produce  produce generated records of every shape\n"
            "  check    verify a topic holds exactly the generated (or a source topic's) records\n"
            "  count    print per-partition watermarks and the total\n"
            "  consume  read as a consumer group member, verify, commit what was read\n"
            "  commit   commit explicit offsets for a group\n"
            "  committed  print a group's committed offsets\n"
            "  admin-seed  create topics, configs, records, groups and ACLs on a real cluster\n"
            "  fake-aws  serve fake AWS credential endpoints (IMDSv2, ECS, STS) on 127.0.0.1\n");
}

int main(int argc, char **argv) {
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"mockd", testkit_mockd_main},
                {"produce", testkit_produce_main},
                {"check", testkit_check_main},
                {"count", testkit_count_main},
                {"consume", testkit_consume_main},
                {"commit", testkit_commit_main},
                {"committed", testkit_committed_main},
                {"admin-seed", testkit_admin_seed_main},
                {"fake-aws", testkit_fakeaws_main}};
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++)
        if (!strcmp(argv[1], cmds[c].name)) return cmds[c].fn(argc - 1, argv + 1);
    fprintf(stderr, "kmig-testkit: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}

rd_kafka_conf_t *testkit_conf_new(rd_kafka_type_t type, const char *bootstrap,
                                  const char *const *kv, char *err, size_t errsz) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *common[] = {"bootstrap.servers", bootstrap, "log_level", "4", NULL};
    /* (Consumers do not auto-create topics by default; setting it anyway
     * makes librdkafka warn that the mock cluster cannot honour it.) */
    const char *producer[] = {"allow.auto.create.topics", "false", NULL};
    const char *consumer[] = {"enable.partition.eof", "true", NULL};
    const char *const *lists[] = {common, type == RD_KAFKA_CONSUMER ? consumer : producer, kv};
    for (size_t l = 0; l < 3; l++) {
        for (const char *const *p = lists[l]; p && *p; p += 2) {
            if (rd_kafka_conf_set(conf, p[0], p[1], err, errsz) != RD_KAFKA_CONF_OK) {
                rd_kafka_conf_destroy(conf);
                return NULL;
            }
        }
    }
    return conf;
}

rd_kafka_t *testkit_client_new(rd_kafka_type_t type, const char *bootstrap, const char *const *kv,
                               char *err, size_t errsz) {
    rd_kafka_conf_t *conf = testkit_conf_new(type, bootstrap, kv, err, errsz);
    rd_kafka_t *rk = conf ? rd_kafka_new(type, conf, err, errsz) : NULL;
    if (conf && !rk) rd_kafka_conf_destroy(conf);
    return rk;
}

int testkit_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms, char *err,
                            size_t errsz) {
    int64_t deadline = testkit_mono_ms() + timeout_ms;
    int n = -1;
    snprintf(err, errsz, "%s: no metadata within %d ms", topic, timeout_ms);
    do {
        /* All topics: a request naming a missing topic would make the mock
         * cluster create it (librdkafka 2.0.2 speaks Metadata v2 to it, which
         * cannot opt out of auto-creation). */
        const struct rd_kafka_metadata *md;
        rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, 2000);
        if (e) {
            snprintf(err, errsz, "%s: metadata: %s", topic, rd_kafka_err2str(e));
        } else {
            snprintf(err, errsz, "topic %s does not exist", topic);
            for (int t = 0; t < md->topic_cnt; t++) {
                if (strcmp(md->topics[t].topic, topic)) continue;
                if (md->topics[t].err)
                    snprintf(err, errsz, "%s: %s", topic, rd_kafka_err2str(md->topics[t].err));
                else if (md->topics[t].partition_cnt > 0)
                    n = md->topics[t].partition_cnt;
            }
            rd_kafka_metadata_destroy(md);
        }
        if (n < 0) usleep(100 * 1000);
    } while (n < 0 && testkit_mono_ms() < deadline);
    return n;
}

int64_t testkit_parse_count(const char *s) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 0) return -1;
    return v;
}

int64_t testkit_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t testkit_mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int testkit_txn_opt(testkit_txn_t *t, int c, const char *arg) {
    int64_t *num;
    switch (c) {
    case 'X': t->on = true; return 1;
    case 'M': num = &t->size; break;
    case 'A': num = &t->abort_every; break;
    default: return 0;
    }
    if ((*num = testkit_parse_count(arg)) < 0) {
        fprintf(stderr, "kmig-testkit: bad number '%s'\n", arg);
        return -1;
    }
    return 1;
}

int testkit_txn_validate(const testkit_txn_t *t, const char *cmd) {
    if (t->size < 1) {
        fprintf(stderr, "%s: --txn-size must be at least 1\n", cmd);
        return -1;
    }
    if (!t->on && (t->abort_every || t->size != TESTKIT_TXN_SIZE)) {
        fprintf(stderr, "%s: --txn-size and --abort-every need --transactional\n", cmd);
        return -1;
    }
    return 0;
}

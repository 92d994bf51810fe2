/* `kmig demo`: a whole migration on one machine with nothing installed but
 * kmig. Starts two librdkafka mock clusters in this process (real Kafka
 * protocol over TCP on loopback), seeds topics with records of every shape
 * (NULL and empty keys and values, repeated and NULL-valued headers, old
 * timestamps) and a few consumer groups, runs the real mirror engine between
 * them, then checks every record through the offset map and translates the
 * groups' committed offsets. Exits 0 only when every check passes. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "cmd/cmd.h"
#include "cmd/cmd_common.h"
#include "cmd/cmd_demo_cluster.h"
#include "cmd/cmd_demo_cutover.h"
#include "core/exitcode.h"
#include "core/log.h"
#include "kafka/map_store.h"
#include "mirror/mirror.h"
#include "verify/verify.h"
#include "offsets/map_set.h"

typedef struct demo_topic {
    const char *name;
    int partitions;
    int records;
    bool copied; /* selected by the demo's topic filters */
} demo_topic_t;

static const demo_topic_t demo_topics[] = {
    {"orders", 6, 30000, true},
    {"payments", 3, 12000, true},
    {"audit", 2, 6000, true},
    {"scratch.tmp", 2, 500, false},
};
#define DEMO_NTOPICS (sizeof demo_topics / sizeof demo_topics[0])

static const char *const demo_groups[] = {"billing", "analytics", "fraud-check"};

static rd_kafka_t *demo_client(rd_kafka_type_t type, const char *bootstrap, const char *group,
                               char *err, size_t errsz) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, NULL, 0);
    rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
    if (type == RD_KAFKA_PRODUCER) {
        rd_kafka_conf_set(conf, "enable.idempotence", "true", NULL, 0);
        rd_kafka_conf_set(conf, "linger.ms", "5", NULL, 0);
    } else {
        rd_kafka_conf_set(conf, "enable.partition.eof", "true", NULL, 0);
        /* Short fetch waits: a partition read stops without waiting out a long poll. */
        rd_kafka_conf_set(conf, "fetch.wait.max.ms", "20", NULL, 0);
        if (group) {
            rd_kafka_conf_set(conf, "group.id", group, NULL, 0);
            rd_kafka_conf_set(conf, "enable.auto.commit", "false", NULL, 0);
        }
    }
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, errsz);
    if (!rk) rd_kafka_conf_destroy(conf);
    return rk;
}

/* Record i of a topic: a mix of every shape a copy must keep. */
static rd_kafka_resp_err_t demo_produce_one(rd_kafka_t *p, const demo_topic_t *t, int i) {
    char key[32], val[160];
    int klen = snprintf(key, sizeof key, "%s-%d", t->name, i % 997);
    int vlen = snprintf(val, sizeof val,
                        "{\"id\":%d,\"topic\":\"%s\",\"amount\":%d.%02d,\"note\":\"demo record\"}",
                        i, t->name, i * 7 % 1000, i % 100);
    const void *k = key, *v = val;
    size_t kl = (size_t)klen, vl = (size_t)vlen;
    if (i % 13 == 0) k = NULL, kl = 0;  /* NULL key */
    if (i % 17 == 0) kl = 0;            /* empty key */
    if (i % 19 == 0) v = NULL, vl = 0;  /* NULL value (tombstone) */
    if (i % 23 == 0) vl = 0;            /* empty value */
    rd_kafka_headers_t *h = NULL;
    if (i % 3 == 0) {
        h = rd_kafka_headers_new(4);
        rd_kafka_header_add(h, "trace", -1, "a1", 2);
        rd_kafka_header_add(h, "trace", -1, "b2", 2); /* repeated name, order matters */
        if (i % 2) rd_kafka_header_add(h, "null-valued", -1, NULL, 0);
        rd_kafka_header_add(h, "empty", -1, "", 0);
    }
    /* Timestamps: a fixed past base, so copies are compared exactly. */
    int64_t ts = 1577836800000LL + (int64_t)i * 1000;
    rd_kafka_resp_err_t e;
    do {
        rd_kafka_headers_t *hc = h ? rd_kafka_headers_copy(h) : NULL;
        if (hc)
            e = rd_kafka_producev(p, RD_KAFKA_V_TOPIC(t->name),
                                  RD_KAFKA_V_PARTITION(i % t->partitions), RD_KAFKA_V_KEY(k, kl),
                                  RD_KAFKA_V_VALUE((void *)v, vl),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_HEADERS(hc), RD_KAFKA_V_END);
        else
            e = rd_kafka_producev(p, RD_KAFKA_V_TOPIC(t->name),
                                  RD_KAFKA_V_PARTITION(i % t->partitions), RD_KAFKA_V_KEY(k, kl),
                                  RD_KAFKA_V_VALUE((void *)v, vl),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_END);
        if (e && hc) rd_kafka_headers_destroy(hc);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) rd_kafka_poll(p, 50);
    } while (e == RD_KAFKA_RESP_ERR__QUEUE_FULL);
    if (h) rd_kafka_headers_destroy(h);
    return e;
}

static int demo_seed(const char *bootstrap, char *err, size_t errsz) {
    rd_kafka_t *p = demo_client(RD_KAFKA_PRODUCER, bootstrap, NULL, err, errsz);
    if (!p) return -1;
    for (size_t t = 0; t < DEMO_NTOPICS; t++)
        for (int i = 0; i < demo_topics[t].records; i++) {
            rd_kafka_resp_err_t e = demo_produce_one(p, &demo_topics[t], i);
            if (e) {
                snprintf(err, errsz, "seeding %s: %s", demo_topics[t].name, rd_kafka_err2str(e));
                rd_kafka_destroy(p);
                return -1;
            }
        }
    rd_kafka_resp_err_t e = rd_kafka_flush(p, 60000);
    rd_kafka_destroy(p);
    if (e) {
        snprintf(err, errsz, "seeding: flush: %s", rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}

/* Group g has read up to a different point of each partition of orders. */
static int64_t demo_group_offset(size_t g, int partition, int per_partition) {
    switch (g) {
    case 0: return per_partition / 2 + partition * 11; /* mid-log */
    case 1: return per_partition;                      /* at the end */
    default: return 0;                                 /* at the start */
    }
}

static int demo_commit_groups(const char *bootstrap, char *err, size_t errsz) {
    const demo_topic_t *t = &demo_topics[0];
    for (size_t g = 0; g < sizeof demo_groups / sizeof demo_groups[0]; g++) {
        rd_kafka_t *c = demo_client(RD_KAFKA_CONSUMER, bootstrap, demo_groups[g], err, errsz);
        if (!c) return -1;
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(t->partitions);
        for (int p = 0; p < t->partitions; p++)
            rd_kafka_topic_partition_list_add(l, t->name, p)->offset =
                demo_group_offset(g, p, t->records / t->partitions);
        rd_kafka_resp_err_t e = rd_kafka_commit(c, l, 0);
        rd_kafka_topic_partition_list_destroy(l);
        rd_kafka_consumer_close(c);
        rd_kafka_destroy(c);
        if (e) {
            snprintf(err, errsz, "committing offsets of group %s: %s", demo_groups[g],
                     rd_kafka_err2str(e));
            return -1;
        }
    }
    return 0;
}

static int demo_write_config(char *path, size_t size, const char *src, const char *tgt,
                             char *err, size_t errsz) {
    snprintf(path, size, "/tmp/kmig-demo-XXXXXX");
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(err, errsz, "cannot write the demo's config file in /tmp");
        return -1;
    }
    fprintf(f,
            "# The demo's MirrorMaker 2 style configuration.\n"
            "clusters = old, new\n"
            "old.bootstrap.servers = %s\n"
            "new.bootstrap.servers = %s\n"
            "old->new.enabled = true\n"
            "old->new.topics = orders, payments, audit, scratch\\..*\n"
            "old->new.topics.exclude = scratch\\.tmp, .*[\\-\\.]internal, __.*\n"
            "replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy\n"
            "replication.factor = 3\n"
            "offset-syncs.topic.replication.factor = 3\n"
            "checkpoints.topic.replication.factor = 3\n"
            "# Groups are named: the mock cannot list them.\n"
            "groups = billing, analytics, fraud-check\n"
            "sync.group.offsets.enabled = true\n"
            "# The mock cluster has no admin API: target topics exist already.\n"
            "sync.topic.configs.enabled = false\n"
            "kmig.admin.timeout.ms = 1000\n",
            src, tgt);
    fclose(f);
    return 0;
}

typedef struct demo_totals {
    int64_t records, checked, bad;
} demo_totals_t;

static int demo_verify(const mm2_flow_t *flow, const char *src, const char *tgt, map_set_t *maps,
                       demo_totals_t *tot, char *err, size_t errsz) {
    rd_kafka_t *sc = demo_client(RD_KAFKA_CONSUMER, src, NULL, err, errsz);
    rd_kafka_t *tc = sc ? demo_client(RD_KAFKA_CONSUMER, tgt, NULL, err, errsz) : NULL;
    char map_topic[300];
    size_t records;
    int rc = -1;
    map_store_topic_name(map_topic, sizeof map_topic, flow->source);
    if (!tc || map_store_load(tc, map_topic, 10000, map_set_add_seg, maps, &records, err, errsz))
        goto out;
    printf("\n  %-12s %5s %9s %9s %8s %9s %9s\n", "TOPIC", "PART", "SOURCE", "MATCHED",
           "MISSING", "DIFFERENT", "UNMAPPED");
    for (size_t t = 0; t < DEMO_NTOPICS; t++) {
        const demo_topic_t *dt = &demo_topics[t];
        for (int p = 0; p < dt->partitions; p++) {
            map_entry_t *e = map_set_get(maps, dt->name, p);
            if (!dt->copied) {
                if (e) {
                    printf("  %s was excluded, but has an offset map\n", dt->name);
                    tot->bad++;
                }
                continue;
            }
            if (!e) {
                printf("  %s [%d]: no offset map\n", dt->name, p);
                tot->bad++;
                continue;
            }
            verify_result_t r;
            if (verify_partition(sc, tc, dt->name, e->target, p, e->map, &r, err, errsz))
                goto out;
            printf("  %-12s %5d %9" PRId64 " %9" PRId64 " %8" PRId64 " %9" PRId64 " %9" PRId64
                   "\n",
                   dt->name, p, r.source_records, r.matched, r.missing, r.mismatched, r.unmapped);
            tot->records += r.source_records;
            tot->checked += r.matched;
            tot->bad += r.missing + r.mismatched + r.unmapped;
        }
    }
    rc = 0;
out:
    if (tc) rd_kafka_destroy(tc);
    if (sc) rd_kafka_destroy(sc);
    return rc;
}

/* Translates each group's committed source offsets and checks the result
 * against what the consumer should read next on the target. */
static int demo_groups_report(const char *src, const char *tgt, map_set_t *maps,
                              demo_totals_t *tot, char *err, size_t errsz) {
    const demo_topic_t *t = &demo_topics[0];
    printf("\n  %-12s %-8s %5s %16s %14s %16s  %s\n", "GROUP", "TOPIC", "PART",
           "SOURCE-COMMITTED", "TARGET-OFFSET", "TARGET-COMMITTED", "STATUS");
    for (size_t g = 0; g < sizeof demo_groups / sizeof demo_groups[0]; g++) {
        rd_kafka_t *c = demo_client(RD_KAFKA_CONSUMER, src, demo_groups[g], err, errsz);
        if (!c) return -1;
        rd_kafka_t *tc = demo_client(RD_KAFKA_CONSUMER, tgt, demo_groups[g], err, errsz);
        if (!tc) {
            rd_kafka_destroy(c);
            return -1;
        }
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(t->partitions);
        rd_kafka_topic_partition_list_t *tl = rd_kafka_topic_partition_list_new(t->partitions);
        for (int p = 0; p < t->partitions; p++) {
            rd_kafka_topic_partition_list_add(l, t->name, p);
            rd_kafka_topic_partition_list_add(tl, t->name, p);
        }
        rd_kafka_resp_err_t e = rd_kafka_committed(c, l, 10000);
        if (!e) e = rd_kafka_committed(tc, tl, 10000);
        for (int i = 0; !e && i < l->cnt; i++) {
            int64_t committed = l->elems[i].offset, to = -1;
            map_entry_t *me = map_set_get(maps, t->name, l->elems[i].partition);
            offset_map_result_t r = me ? offset_map_translate(me->map, committed, &to)
                                       : OFFSET_MAP_NOT_COPIED;
            /* A group at the end of a fully copied partition resumes at the
             * target's end (the demo's source is idle, so its end is src_next). */
            if (me) r = offset_map_translate_at_end(me->map, committed,
                                                    offset_map_src_next(me->map), &to);
            int64_t synced = tl->elems[i].offset;
            bool ok = r == OFFSET_MAP_EXACT && synced == to &&
                      committed == demo_group_offset(g, l->elems[i].partition,
                                                     t->records / t->partitions);
            printf("  %-12s %-8s %5d %16" PRId64 " %14" PRId64 " %16" PRId64 "  %s\n",
                   demo_groups[g], t->name, l->elems[i].partition, committed, to, synced,
                   !ok ? "WRONG" : "exact, synced");
            if (!ok) tot->bad++;
        }
        rd_kafka_topic_partition_list_destroy(l);
        rd_kafka_topic_partition_list_destroy(tl);
        rd_kafka_consumer_close(c);
        rd_kafka_destroy(c);
        rd_kafka_consumer_close(tc);
        rd_kafka_destroy(tc);
        if (e) {
            snprintf(err, errsz, "reading committed offsets of %s: %s", demo_groups[g],
                     rd_kafka_err2str(e));
            return -1;
        }
    }
    return 0;
}

int cmd_demo(int argc, char **argv) {
    static const struct option opts[] = {{"log-level", required_argument, 0, 'l'},
                                         {"help", no_argument, 0, 'h'},
                                         {"cutover", no_argument, 0, 'C'},
                                         {"json", no_argument, 0, 'j'},
                                         {0, 0, 0, 0}};
    int c;
    bool cutover = false, json = false, level = false;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'l' && log_level_parse(optarg) >= 0) {
            log_set_level((log_level_t)log_level_parse(optarg));
            level = true;
        } else if (c == 'C') {
            cutover = true;
        } else if (c == 'j') {
            json = true;
        } else {
            fprintf(c == 'h' ? stdout : stderr,
                    "usage: kmig demo [--log-level LEVEL]\n"
                    "       kmig demo --cutover [--json] [--log-level LEVEL]\n"
                    "  Mirrors seeded topics between two in-process mock clusters, then checks\n"
                    "  every record and translates consumer-group offsets. Exit 0 on success.\n"
                    "  --cutover: moves three services (consumer, consume-and-produce, producer)\n"
                    "  to the target in the planned order with the board of `kmig cutover\n"
                    "  status` at each step, one group back and forward again, until drained;\n"
                    "  then checks every record and offset. --json: a summary on stdout (the\n"
                    "  walkthrough goes to stderr).\n");
            return c == 'h' ? KMIG_EXIT_OK : KMIG_EXIT_USAGE;
        }
    }
    if (json && !cutover) {
        fprintf(stderr, "kmig demo: --json needs --cutover\n");
        return KMIG_EXIT_USAGE;
    }
    if (cutover) {
        if (!level) log_set_level(LL_ERROR); /* the walkthrough, not the mirror's log */
        return demo_cutover_run(json);
    }
    char err[1024], path[64] = "";
    dcluster_t src = {0}, tgt = {0};
    cmd_flow_t cf = {0};
    mirror_t *m = NULL;
    map_set_t *maps = map_set_new();
    demo_totals_t tot = {0};
    int rc = KMIG_EXIT_FAIL;
    int64_t seeded = 0;

    printf("kmig demo: a migration between two in-process mock Kafka clusters\n");
    if (demo_cluster_start(&src, 3, err, sizeof err) ||
        demo_cluster_start(&tgt, 3, err, sizeof err))
        goto out;
    printf("  source cluster 'old' at %s, target cluster 'new' at %s (3 brokers each)\n",
           src.bootstrap, tgt.bootstrap);
    for (size_t t = 0; t < DEMO_NTOPICS; t++) {
        rd_kafka_mock_topic_create(src.mock, demo_topics[t].name, demo_topics[t].partitions, 3);
        /* The mock has no CreateTopics: the target topics are provisioned up
         * front, as Terraform-managed topics would be. */
        if (demo_topics[t].copied)
            rd_kafka_mock_topic_create(tgt.mock, demo_topics[t].name, demo_topics[t].partitions, 3);
        seeded += demo_topics[t].records;
    }
    if (demo_seed(src.bootstrap, err, sizeof err) || demo_commit_groups(src.bootstrap, err, sizeof err))
        goto out;
    printf("  seeded %" PRId64 " records in %zu topics (NULL/empty keys and values, repeated and "
           "NULL-valued headers, old timestamps), committed offsets for %zu groups\n",
           seeded, DEMO_NTOPICS, sizeof demo_groups / sizeof demo_groups[0]);
    if (demo_write_config(path, sizeof path, src.bootstrap, tgt.bootstrap, err, sizeof err) ||
        cmd_flow_load(&cf, path, NULL, NULL, NULL, 0, err, sizeof err))
        goto out;
    printf("  mirroring old -> new with the identity policy (topics: %s; excluded: %s)\n\n",
           cf.flow->topics, cf.flow->topics_exclude);
    fflush(stdout);
    mirror_opts_t mo = {.mm2 = cf.mm2, .flow = cf.flow, .stop_at_end = true,
                        .progress_interval_ms = 0};
    if (!(m = mirror_new(&mo, err, sizeof err))) goto out;
    int mrc = mirror_run(m);
    mirror_stats_t st;
    mirror_get_stats(m, &st);
    mirror_destroy(m);
    m = NULL;
    if (mrc != KMIG_EXIT_OK) {
        snprintf(err, sizeof err, "the mirror stopped with exit code %d", mrc);
        goto out;
    }
    printf("\n  copied %" PRId64 " records (%.1f MB) in %d topics / %d partitions\n", st.records,
           (double)st.bytes / 1e6, st.topics, st.partitions);
    if (demo_verify(cf.flow, src.bootstrap, tgt.bootstrap, maps, &tot, err, sizeof err) ||
        demo_groups_report(src.bootstrap, tgt.bootstrap, maps, &tot, err, sizeof err))
        goto out;
    if (tot.bad == 0 && tot.checked == st.records) {
        printf("\nPASS: %" PRId64 " records copied and checked one by one (key, value, headers, "
               "timestamp, partition, order); every group offset translated exactly and committed on the target.\n",
               tot.checked);
        rc = KMIG_EXIT_OK;
    } else {
        printf("\nFAIL: %" PRId64 " problems (checked %" PRId64 " of %" PRId64 " copied)\n",
               tot.bad, tot.checked, st.records);
        rc = KMIG_EXIT_MISMATCH;
    }
out:
    if (rc == KMIG_EXIT_FAIL) fprintf(stderr, "kmig demo: %s\n", err);
    mirror_destroy(m);
    map_set_destroy(maps);
    cmd_flow_clear(&cf);
    if (*path) unlink(path);
    demo_cluster_stop(&tgt);
    demo_cluster_stop(&src);
    return rc;
}

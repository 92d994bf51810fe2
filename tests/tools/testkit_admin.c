/* `kmig-testkit admin-seed`: fills a real cluster with what `kmig assess`,
 * `plan` and `apply` read, quickly and independently of kmig's own admin code
 * (plain librdkafka calls, so a bug there cannot hide in the fixture too):
 *
 *   topics  P-000 .. P-<N-1>, K partitions, replication factor 1, each with
 *           SEED_RECORDS keyed records of SEED_VALUE_BYTES per partition;
 *           --configs adds overrides: every 5th topic (i % 5 == 0)
 *           cleanup.policy=compact, every 7th retention.ms=3600000, every 3rd
 *           max.message.bytes=2000000, every 4th min.insync.replicas=1
 *   groups  P-group-00 .. P-group-<M-1>: group g commits offset SEED_RECORDS
 *           (the end) on every partition of topic g % N, and offset
 *           1 + g % SEED_RECORDS on every partition of topic (g + 1) % N
 *   acls    the fixed bindings of seed_acls below (needs an authorizer)
 *
 * It prints one summary line and exits 0, or 1 with the first failure (a
 * topic that already exists is one: use a fresh prefix), 2 on bad usage. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "kafka/kadmin.h"
#include "testkit.h"

#define SEED_TIMEOUT_MS 30000
#define SEED_RECORDS 10     /* per partition */
#define SEED_VALUE_BYTES 100
#define SEED_MAX_TOPICS 1000 /* names have 3 digits */
#define SEED_MAX_GROUPS 100  /* and groups 2 */

typedef struct seed_delivery {
    int64_t failed;
    char first_error[256];
} seed_delivery_t;

static void seed_usage(FILE *out) {
    fprintf(out,
            "usage: kmig-testkit admin-seed --bootstrap B --topics N --prefix P [--partitions K]\n"
            "                               [--configs] [--acls] [--groups M]\n"
            "  creates topics P-000..P-<N-1> (K partitions, default 3, RF 1) holding %d keyed\n"
            "  records of %d bytes per partition; --configs: non-default configs on some\n"
            "  topics; --groups M: groups P-group-00.. with committed offsets on two topics\n"
            "  each; --acls: a fixed set of ACL bindings on P-... (see testkit_admin.c)\n",
            SEED_RECORDS, SEED_VALUE_BYTES);
}

static void seed_topic_name(char *buf, size_t sz, const char *prefix, int i) {
    snprintf(buf, sz, "%s-%03d", prefix, i);
}

/* The --configs overrides of topic i as name, value pairs; returns how many. */
static size_t seed_topic_configs(int i, const char *kv[8]) {
    size_t n = 0;
    if (i % 5 == 0) kv[n++] = "cleanup.policy", kv[n++] = "compact";
    if (i % 7 == 0) kv[n++] = "retention.ms", kv[n++] = "3600000";
    if (i % 3 == 0) kv[n++] = "max.message.bytes", kv[n++] = "2000000";
    if (i % 4 == 0) kv[n++] = "min.insync.replicas", kv[n++] = "1";
    return n / 2;
}

/* Creates the topics (their configs with --configs, counted in *configured). */
static int seed_topics(rd_kafka_t *rk, const char *prefix, int n, int parts, bool configs,
                       int *configured, char *err, size_t errsz) {
    rd_kafka_NewTopic_t **nt = xcalloc((size_t)n, sizeof *nt);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    char name[256];
    int rc = -1;
    *configured = 0;
    rd_kafka_AdminOptions_set_request_timeout(o, SEED_TIMEOUT_MS, err, errsz);
    rd_kafka_AdminOptions_set_operation_timeout(o, SEED_TIMEOUT_MS, err, errsz);
    for (int i = 0; i < n; i++) {
        seed_topic_name(name, sizeof name, prefix, i);
        nt[i] = rd_kafka_NewTopic_new(name, parts, 1, err, errsz);
        if (!nt[i]) goto out;
        const char *kv[8];
        size_t nkv = configs ? seed_topic_configs(i, kv) : 0;
        *configured += nkv > 0;
        for (size_t k = 0; k < nkv; k++)
            rd_kafka_NewTopic_set_config(nt[i], kv[2 * k], kv[2 * k + 1]);
    }
    rd_kafka_CreateTopics(rk, nt, (size_t)n, o, q);
    rd_kafka_event_t *ev = kadmin_wait(q, SEED_TIMEOUT_MS, err, errsz, "CreateTopics");
    if (!ev) goto out;
    size_t cnt;
    const rd_kafka_topic_result_t **res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);
    rc = 0;
    for (size_t i = 0; i < cnt && !rc; i++) {
        if (rd_kafka_topic_result_error(res[i])) {
            snprintf(err, errsz, "create topic %s: %s", rd_kafka_topic_result_name(res[i]),
                     rd_kafka_topic_result_error_string(res[i]));
            rc = -1;
        }
    }
    rd_kafka_event_destroy(ev);
out:
    for (int i = 0; i < n; i++)
        if (nt[i]) rd_kafka_NewTopic_destroy(nt[i]);
    free(nt);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    return rc;
}

static void seed_on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    seed_delivery_t *d = opaque;
    if (m->err && d->failed++ == 0)
        snprintf(d->first_error, sizeof d->first_error, "%s [%d]: %s",
                 rd_kafka_topic_name(m->rkt), m->partition, rd_kafka_err2str(m->err));
}

/* SEED_RECORDS records with keys k-0.. (compacted topics need keys) on every
 * partition of every topic; waits for all delivery reports. */
static int seed_records(rd_kafka_t *rk, seed_delivery_t *d, const char *prefix, int n, int parts,
                        char *err, size_t errsz) {
    char name[256], key[16], value[SEED_VALUE_BYTES];
    memset(value, 'v', sizeof value);
    for (int i = 0; i < n; i++) {
        seed_topic_name(name, sizeof name, prefix, i);
        for (int32_t p = 0; p < parts; p++) {
            for (int r = 0; r < SEED_RECORDS; r++) {
                int klen = snprintf(key, sizeof key, "k-%d", r);
                rd_kafka_resp_err_t e;
                while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(name), RD_KAFKA_V_PARTITION(p),
                                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                              RD_KAFKA_V_KEY(key, (size_t)klen),
                                              RD_KAFKA_V_VALUE(value, sizeof value),
                                              RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                    rd_kafka_poll(rk, 100);
                if (e) {
                    snprintf(err, errsz, "produce to %s [%d]: %s", name, p, rd_kafka_err2str(e));
                    return -1;
                }
            }
        }
    }
    while (rd_kafka_outq_len(rk) > 0) rd_kafka_flush(rk, 1000);
    if (d->failed) {
        snprintf(err, errsz, "%" PRId64 " records failed, first: %s", d->failed, d->first_error);
        return -1;
    }
    return 0;
}

/* Commits group g's offsets (see the top of the file) without joining it. */
static int seed_groups(const char *bootstrap, const char *prefix, int n, int parts, int m,
                       char *err, size_t errsz) {
    char group[256], name[256];
    for (int g = 0; g < m; g++) {
        snprintf(group, sizeof group, "%s-group-%02d", prefix, g);
        const char *kv[] = {"group.id", group, "enable.auto.commit", "false", NULL};
        rd_kafka_t *rk = testkit_client_new(RD_KAFKA_CONSUMER, bootstrap, kv, err, errsz);
        if (!rk) return -1;
        rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(2 * parts);
        for (int t = 0; t < (n > 1 ? 2 : 1); t++) {
            seed_topic_name(name, sizeof name, prefix, (g + t) % n);
            for (int32_t p = 0; p < parts; p++)
                rd_kafka_topic_partition_list_add(list, name, p)->offset =
                    t == 0 ? SEED_RECORDS : 1 + g % SEED_RECORDS;
        }
        rd_kafka_resp_err_t e = rd_kafka_commit(rk, list, 0);
        for (int i = 0; !e && i < list->cnt; i++) e = list->elems[i].err;
        rd_kafka_topic_partition_list_destroy(list);
        rd_kafka_destroy(rk);
        if (e) {
            snprintf(err, errsz, "commit for group %s: %s", group, rd_kafka_err2str(e));
            return -1;
        }
    }
    return 0;
}

/* The --acls bindings: literal and prefixed, topic, group and cluster, allow
 * and deny, and a certificate-DN principal (for principal mapping). A NULL
 * suffix is the cluster resource. Returns how many were created, or -1. */
static int seed_acls(rd_kafka_t *rk, const char *prefix, char *err, size_t errsz) {
    static const struct {
        rd_kafka_ResourceType_t type;
        const char *suffix; /* resource name: prefix + suffix */
        rd_kafka_ResourcePatternType_t pattern;
        const char *principal;
        rd_kafka_AclOperation_t op;
        rd_kafka_AclPermissionType_t perm;
    } acls[] = {
        {RD_KAFKA_RESOURCE_TOPIC, "-000", RD_KAFKA_RESOURCE_PATTERN_LITERAL, "User:alice",
         RD_KAFKA_ACL_OPERATION_READ, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW},
        {RD_KAFKA_RESOURCE_TOPIC, "-000", RD_KAFKA_RESOURCE_PATTERN_LITERAL, "User:alice",
         RD_KAFKA_ACL_OPERATION_WRITE, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW},
        {RD_KAFKA_RESOURCE_TOPIC, "-", RD_KAFKA_RESOURCE_PATTERN_PREFIXED, "User:bob",
         RD_KAFKA_ACL_OPERATION_DESCRIBE, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW},
        {RD_KAFKA_RESOURCE_GROUP, "-group-00", RD_KAFKA_RESOURCE_PATTERN_LITERAL, "User:alice",
         RD_KAFKA_ACL_OPERATION_READ, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW},
        {RD_KAFKA_RESOURCE_GROUP, "-group-", RD_KAFKA_RESOURCE_PATTERN_PREFIXED, "User:bob",
         RD_KAFKA_ACL_OPERATION_READ, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW},
        {RD_KAFKA_RESOURCE_BROKER, NULL, RD_KAFKA_RESOURCE_PATTERN_LITERAL, "User:alice",
         RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW},
        {RD_KAFKA_RESOURCE_TOPIC, "-001", RD_KAFKA_RESOURCE_PATTERN_LITERAL, "User:mallory",
         RD_KAFKA_ACL_OPERATION_WRITE, RD_KAFKA_ACL_PERMISSION_TYPE_DENY},
        {RD_KAFKA_RESOURCE_TOPIC, "-002", RD_KAFKA_RESOURCE_PATTERN_LITERAL,
         "User:CN=carol,OU=apps,O=acme", RD_KAFKA_ACL_OPERATION_READ,
         RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW},
    };
    enum { N = sizeof acls / sizeof acls[0] };
    rd_kafka_AclBinding_t *b[N] = {0};
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATEACLS);
    char name[256];
    int rc = -1;
    rd_kafka_AdminOptions_set_request_timeout(o, SEED_TIMEOUT_MS, err, errsz);
    for (size_t i = 0; i < N; i++) {
        if (acls[i].suffix)
            snprintf(name, sizeof name, "%s%s", prefix, acls[i].suffix);
        else
            snprintf(name, sizeof name, "kafka-cluster");
        b[i] = rd_kafka_AclBinding_new(acls[i].type, name, acls[i].pattern, acls[i].principal,
                                       "*", acls[i].op, acls[i].perm, err, errsz);
        if (!b[i]) goto out;
    }
    rd_kafka_CreateAcls(rk, b, N, o, q);
    rd_kafka_event_t *ev = kadmin_wait(q, SEED_TIMEOUT_MS, err, errsz, "CreateAcls");
    if (!ev) goto out;
    size_t cnt;
    const rd_kafka_acl_result_t **res =
        rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(ev), &cnt);
    rc = (int)cnt;
    for (size_t i = 0; i < cnt && rc >= 0; i++) {
        const rd_kafka_error_t *e = rd_kafka_acl_result_error(res[i]);
        if (e) {
            snprintf(err, errsz, "ACL binding %zu: %s", i, rd_kafka_error_string(e));
            rc = -1;
        }
    }
    rd_kafka_event_destroy(ev);
out:
    for (size_t i = 0; i < N; i++)
        if (b[i]) rd_kafka_AclBinding_destroy(b[i]);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    return rc;
}

int testkit_admin_seed_main(int argc, char **argv) {
    static const struct option opts[] = {
        {"bootstrap", required_argument, 0, 'b'}, {"topics", required_argument, 0, 'n'},
        {"prefix", required_argument, 0, 'p'},    {"partitions", required_argument, 0, 'k'},
        {"configs", no_argument, 0, 'c'},         {"acls", no_argument, 0, 'a'},
        {"groups", required_argument, 0, 'g'},    {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *bootstrap = NULL, *prefix = NULL;
    int64_t n = -1, parts = 3, groups = 0;
    bool configs = false, acls = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': bootstrap = optarg; break;
        case 'p': prefix = optarg; break;
        case 'n': n = testkit_parse_count(optarg); break;
        case 'k': parts = testkit_parse_count(optarg); break;
        case 'g': groups = testkit_parse_count(optarg); break;
        case 'c': configs = true; break;
        case 'a': acls = true; break;
        case 'h': seed_usage(stdout); return 0;
        default: seed_usage(stderr); return 2;
        }
    }
    if (!bootstrap || !prefix || optind < argc || n < 1 || n > SEED_MAX_TOPICS || parts < 1 ||
        parts > 10000 || groups < 0 || groups > SEED_MAX_GROUPS) {
        seed_usage(stderr);
        return 2;
    }
    char err[512];
    seed_delivery_t d = {0};
    const char *kv[] = {"message.timeout.ms", "30000", NULL};
    rd_kafka_conf_t *conf = testkit_conf_new(RD_KAFKA_PRODUCER, bootstrap, kv, err, sizeof err);
    rd_kafka_t *rk = NULL;
    if (conf) {
        rd_kafka_conf_set_dr_msg_cb(conf, seed_on_delivery);
        rd_kafka_conf_set_opaque(conf, &d);
        if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err)))
            rd_kafka_conf_destroy(conf);
    }
    int configured = 0, nacls = 0;
    bool ok = rk &&
              !seed_topics(rk, prefix, (int)n, (int)parts, configs, &configured, err, sizeof err) &&
              !seed_records(rk, &d, prefix, (int)n, (int)parts, err, sizeof err) &&
              !seed_groups(bootstrap, prefix, (int)n, (int)parts, (int)groups, err, sizeof err) &&
              (!acls || (nacls = seed_acls(rk, prefix, err, sizeof err)) >= 0);
    if (rk) rd_kafka_destroy(rk);
    if (!ok) {
        fprintf(stderr, "admin-seed: %s\n", err);
        return 1;
    }
    printf("admin-seed: %" PRId64 " topics x %" PRId64 " partitions (%d with configs), %" PRId64
           " records, %" PRId64 " groups, %d ACL bindings on %s\n",
           n, parts, configured, n * parts * SEED_RECORDS, groups, nacls, bootstrap);
    return 0;
}

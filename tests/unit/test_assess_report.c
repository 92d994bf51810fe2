/* Unit tests of the assess report: each warning raised by a minimal pair of
 * inventories and not raised when the clusters match, and the text and JSON
 * renderings (JSON parses and carries the sizing inputs). */
#include <jansson.h>
#include <string.h>

#include "assess/assess_report.h"
#include "unit.h"

static inventory_t *cluster(const char *alias, int nbrokers) {
    inventory_t *inv = inventory_new(alias, "localhost:9092");
    for (int i = 1; i <= nbrokers; i++) inventory_add_broker(inv, i, "localhost", 9090 + i);
    return inv;
}

static void bcfg(inventory_t *inv, const char *key, const char *value) {
    kv_list_add(&inv->broker_configs, key, value, "test", false);
}

static inv_topic_t *topic(inventory_t *inv, const char *name, int partitions) {
    inv_topic_t *t = inventory_add_topic(inv, name, partitions, 3);
    t->retention_ms = 604800000;
    t->retention_bytes = -1;
    return t;
}

static void tcfg(inv_topic_t *t, const char *key, const char *value) {
    kv_list_add(&t->configs, key, value, "test", false);
}

/* The number of warnings with `code`; with `needle`, only those whose text
 * contains it. */
static int count(const assess_warnings_t *w, const char *code, const char *needle) {
    int n = 0;
    for (size_t i = 0; i < w->n; i++)
        if (strcmp(w->items[i].code, code) == 0 && (!needle || strstr(w->items[i].text, needle)))
            n++;
    return n;
}

/* Runs the checks on a fresh list. */
static void run(const inventory_t *src, const inventory_t *tgt, int rf, assess_warnings_t *w) {
    assess_warnings_clear(w);
    assess_warnings(src, tgt, rf, w);
}

static void test_auto_create(void) {
    inventory_t *src = cluster("src", 3), *tgt = cluster("tgt", 3);
    assess_warnings_t w = {0};
    run(src, tgt, 3, &w);
    CHECK_EQ_INT(count(&w, "auto-create", NULL), 0); /* configs not read: nothing known */
    bcfg(tgt, "num.partitions", "1");
    run(src, tgt, 3, &w);
    CHECK_EQ_INT(count(&w, "auto-create", "Kafka's default"), 1); /* absent: Kafka's true */
    bcfg(tgt, "auto.create.topics.enable", "true");
    run(src, tgt, 3, &w);
    CHECK_EQ_INT(count(&w, "auto-create", "auto.create.topics.enable=true:"), 1);
    CHECK_EQ_INT(count(&w, "auto-create", "num.partitions=1"), 1);
    kv_list_clear(&tgt->broker_configs);
    bcfg(tgt, "auto.create.topics.enable", "false");
    run(src, tgt, 3, &w);
    CHECK_EQ_INT(count(&w, "auto-create", NULL), 0);
    assess_warnings_clear(&w);
    inventory_destroy(src);
    inventory_destroy(tgt);
}

static void test_message_size(void) {
    inventory_t *src = cluster("src", 3), *tgt = cluster("tgt", 3);
    topic(src, "plain", 1);
    tcfg(topic(src, "big", 1), "max.message.bytes", "5000000");
    bcfg(src, "message.max.bytes", "2000000");
    bcfg(tgt, "message.max.bytes", "1048588");
    assess_warnings_t w = {0};
    run(src, tgt, 3, &w);
    CHECK_EQ_INT(count(&w, "max-message-bytes", NULL), 2);
    CHECK_EQ_INT(count(&w, "max-message-bytes", "own max.message.bytes (plain)"), 1);
    CHECK_EQ_INT(count(&w, "max-message-bytes", "big (5000000)"), 1);

    kv_list_clear(&src->broker_configs);
    bcfg(src, "message.max.bytes", "1048588");
    kv_list_clear(&tgt->broker_configs);
    bcfg(tgt, "message.max.bytes", "8000000");
    run(src, tgt, 3, &w);
    CHECK_EQ_INT(count(&w, "max-message-bytes", NULL), 0);
    assess_warnings_clear(&w);
    inventory_destroy(src);
    inventory_destroy(tgt);
}

static void test_min_isr(void) {
    inventory_t *src = cluster("src", 3), *tgt = cluster("tgt", 3);
    topic(src, "a", 1);
    tcfg(topic(src, "b", 1), "min.insync.replicas", "5");
    tcfg(topic(src, "c", 1), "min.insync.replicas", "2");
    bcfg(src, "min.insync.replicas", "1");
    bcfg(tgt, "min.insync.replicas", "2");
    assess_warnings_t w = {0};
    run(src, tgt, 3, &w);
    CHECK_EQ_INT(count(&w, "min-isr", "defaults differ: source brokers 1, target brokers 2; "
                                      "topics relying on the default (a)"),
                 1);
    CHECK_EQ_INT(count(&w, "min-isr", "above the target replication factor 3: b (5)"), 1);
    CHECK_EQ_INT(count(&w, "min-isr", "equals the replication factor 3 on the target for: b;"),
                 1);

    /* a default above the RF: acks=all writes fail */
    kv_list_clear(&tgt->broker_configs);
    bcfg(tgt, "min.insync.replicas", "4");
    run(src, tgt, 3, &w);
    CHECK_EQ_INT(count(&w, "min-isr", "acks=all writes to a will fail"), 1);

    /* matching defaults, own values below the RF: nothing */
    inventory_t *src2 = cluster("src", 3);
    topic(src2, "a", 1);
    tcfg(topic(src2, "c", 1), "min.insync.replicas", "2");
    bcfg(src2, "min.insync.replicas", "2");
    kv_list_clear(&tgt->broker_configs);
    bcfg(tgt, "min.insync.replicas", "2");
    run(src2, tgt, 3, &w);
    CHECK_EQ_INT(count(&w, "min-isr", NULL), 0);
    assess_warnings_clear(&w);
    inventory_destroy(src);
    inventory_destroy(src2);
    inventory_destroy(tgt);
}

static void test_replication_factor(void) {
    inventory_t *src = cluster("src", 3), *small = cluster("tgt", 2), *big = cluster("tgt", 3);
    topic(src, "t", 1);
    assess_warnings_t w = {0};
    run(src, small, 3, &w);
    CHECK_EQ_INT(count(&w, "rf-brokers", "above the 2 brokers of target tgt"), 1);
    run(src, big, 3, &w);
    CHECK_EQ_INT(count(&w, "rf-brokers", NULL), 0);
    CHECK_EQ_INT(count(&w, "rf-lower", NULL), 0);
    /* RF from the target's default */
    bcfg(big, "default.replication.factor", "4");
    run(src, big, 0, &w);
    CHECK_EQ_INT(count(&w, "rf-brokers", "factor 4"), 1);
    /* fewer copies than on the source */
    run(src, big, 2, &w);
    CHECK_EQ_INT(count(&w, "rf-lower", "replication factor 2 on the target, fewer copies than on "
                                       "the source: t (RF 3)."),
                 1);
    assess_warnings_clear(&w);
    inventory_destroy(src);
    inventory_destroy(small);
    inventory_destroy(big);
}

static void test_name_collision(void) {
    inventory_t *src = cluster("src", 3), *tgt = cluster("tgt", 3);
    topic(src, "orders", 6);
    topic(src, "my.topic", 1);
    topic(src, "same", 2);
    topic(tgt, "orders", 3);
    topic(tgt, "my_topic", 1);
    topic(tgt, "same", 2);
    assess_warnings_t w = {0};
    run(src, tgt, 3, &w);
    CHECK_EQ_INT(count(&w, "name-collision", "orders (source 6, target 3)"), 1);
    CHECK_EQ_INT(count(&w, "name-collision", "my.topic vs my_topic"), 1);
    CHECK_EQ_INT(count(&w, "name-collision", "same"), 0);

    inventory_t *tgt2 = cluster("tgt", 3);
    topic(tgt2, "orders", 6);
    topic(tgt2, "my.topic", 1);
    run(src, tgt2, 3, &w);
    CHECK_EQ_INT(count(&w, "name-collision", NULL), 0);
    assess_warnings_clear(&w);
    inventory_destroy(src);
    inventory_destroy(tgt);
    inventory_destroy(tgt2);
}

static void test_retention_drift(void) {
    inventory_t *src = cluster("src", 3), *tgt = cluster("tgt", 3);
    topic(src, "default-ret", 1);
    tcfg(topic(src, "own-ret", 1), "retention.ms", "3600000");
    bcfg(src, "log.retention.ms", ""); /* unset, as DescribeConfigs reports it */
    bcfg(src, "log.retention.hours", "168");
    bcfg(tgt, "log.retention.ms", "604800000");
    assess_warnings_t w = {0};
    run(src, tgt, 3, &w);
    CHECK_EQ_INT(count(&w, "retention-drift", NULL), 0); /* 168 h == 7 days */

    kv_list_clear(&tgt->broker_configs);
    bcfg(tgt, "log.retention.ms", "86400000");
    bcfg(tgt, "log.retention.bytes", "1073741824");
    bcfg(tgt, "log.cleanup.policy", "compact");
    run(src, tgt, 3, &w);
    CHECK_EQ_INT(count(&w, "retention-drift", "source brokers 7d, target brokers 1d"), 1);
    CHECK_EQ_INT(count(&w, "retention-drift",
                       "own retention.ms follow the target's default: default-ret. Copied"),
                 1);
    /* own-ret sets retention.ms only: it relies on the bytes and cleanup defaults */
    CHECK_EQ_INT(count(&w, "retention-drift", "own-ret"), 2);
    CHECK_EQ_INT(count(&w, "retention-drift", "log.retention.bytes differs: source brokers -1, "
                                              "target brokers 1073741824"),
                 1);
    CHECK_EQ_INT(count(&w, "retention-drift", "source brokers delete, target brokers compact"),
                 1);
    assess_warnings_clear(&w);
    inventory_destroy(src);
    inventory_destroy(tgt);
}

static void test_source_checks(void) {
    inventory_t *src = cluster("src", 3);
    topic(src, "log", 1)->compacted = true;
    topic(src, "payments", 1)->transactional = true;
    topic(src, "__consumer_offsets", 50)->compacted = true;
    topic(src, "plain", 1);
    assess_warnings_t w = {0};
    run(src, NULL, 3, &w); /* no target: the source checks only */
    CHECK_EQ_INT(count(&w, "compacted", "Compacted topics: log."), 1);
    CHECK_EQ_INT(count(&w, "transactional", "seen in: payments."), 1);
    CHECK_EQ_INT(count(&w, "old-protocol", NULL), 0);

    src->brokers[0].version = xstrdup("0.10.2");
    src->brokers[1].version = xstrdup("< 0.10");
    src->brokers[2].version = xstrdup(">= 4.0");
    run(src, NULL, 3, &w);
    CHECK_EQ_INT(count(&w, "old-protocol", "brokers 1 (0.10.2), 2 (< 0.10) run"), 1);

    free(src->brokers[0].version);
    free(src->brokers[1].version);
    src->brokers[0].version = xstrdup("2.8");
    src->brokers[1].version = xstrdup("0.11.0");
    bcfg(src, "log.message.format.version", "0.10.2-IV0");
    tcfg(topic(src, "old", 1), "message.format.version", "0.9.0");
    tcfg(topic(src, "new", 1), "message.format.version", "3.0-IV1");
    run(src, NULL, 3, &w);
    CHECK_EQ_INT(count(&w, "old-protocol", "run Kafka"), 0);
    CHECK_EQ_INT(count(&w, "old-protocol", "brokers (log.message.format.version=0.10.2-IV0), "
                                           "old (message.format.version=0.9.0);"),
                 1);
    assess_warnings_clear(&w);
    inventory_destroy(src);
}

static void test_configs_unread(void) {
    inventory_t *src = cluster("src", 3), *tgt = cluster("tgt", 3);
    tgt->configs_error = xstrdup("DescribeConfigs: not authorized");
    assess_warnings_t w = {0};
    run(src, tgt, 3, &w);
    CHECK_EQ_INT(count(&w, "configs-unread", "Target tgt: broker and topic configs could not be "
                                             "read (DescribeConfigs: not authorized)"),
                 1);
    CHECK_EQ_INT(w.n, 1);
    assess_warnings_clear(&w);
    inventory_destroy(src);
    inventory_destroy(tgt);
}

/* A source with a little of everything, sized and rendered. */
static void build_report(inventory_t **src, inventory_t **tgt, sizing_t *s,
                         assess_warnings_t *w) {
    *src = cluster("src", 3);
    (*src)->cluster_id = xstrdup("abc123");
    (*src)->brokers[0].rack = xstrdup("az1");
    (*src)->brokers[0].version = xstrdup("3.9");
    (*src)->sample_s = 10;
    inv_topic_t *t = topic(*src, "orders", 400);
    t->records_per_s = 45000;
    t->avg_record_bytes = 1000; /* 45 MB/s */
    t->records = 1000000;
    tcfg(t, "retention.ms", "604800000");
    inv_group_t *g = inventory_add_group(*src, "billing");
    g->state = xstrdup("Stable");
    g->members = 2;
    g->lag = 17;
    g->topics = xstrdup("orders");
    inventory_add_group(*src, "audit")->topics = xstrdup("orders");
    inventory_add_group(*src, "idle")->lag = -1;
    (*src)->acls_error = xstrdup("no authorizer is configured");
    *tgt = cluster("tgt", 3);
    bcfg(*tgt, "auto.create.topics.enable", "true");

    sizing_input_t in;
    sizing_input_from_inventory(*src, &in);
    sizing_compute(&in, s);
    assess_warnings(*src, *tgt, 3, w);
}

static void test_render_text(void) {
    inventory_t *src, *tgt;
    sizing_t s;
    assess_warnings_t w = {0};
    build_report(&src, &tgt, &s, &w);
    sbuf_t out = {0};
    assess_render_text(src, tgt, &s, &w, &out);
    const char *txt = sbuf_str(&out);
    CHECK(strstr(txt, "Source cluster src (localhost:9092)\n  cluster id: abc123") != NULL);
    CHECK(strstr(txt, "  ID  HOST:PORT       RACK  VERSION\n"
                      "   1  localhost:9091  az1   3.9\n") != NULL);
    CHECK(strstr(txt, "  NAME    PARTITIONS  RF  RETENTION  RECORDS/S  AVG SIZE  RECORDS  CONFIGS\n"
                      "  orders         400   3  7d           45000.0    1000 B  1000000        1\n"
                      "  total          400                   45000.0            1000000\n") !=
          NULL);
    CHECK(strstr(txt, "  billing  Stable        2   17\n") != NULL);
    CHECK(strstr(txt, "  idle     ?             0    ?\n") != NULL);
    CHECK(strstr(txt, "ACLs: not listed: no authorizer is configured") != NULL);
    CHECK(strstr(txt, "sampled over 10 s: 45000.0 records/s, 45000000 bytes/s") != NULL);
    /* egress: 2 groups read orders */
    CHECK(strstr(txt, "90000000 B/s = 90.00 MB/s") != NULL);
    CHECK(strstr(txt, "Recommended Express: 3 x express.m7g.large") != NULL);
    CHECK(strstr(txt, "kmig workers to copy the backlog within 24.00 h") != NULL);
    CHECK(strstr(txt, "records/s per worker") != NULL);
    CHECK(strstr(txt, "ceil(1200 partition replicas (400 x RF 3) / 1000 per broker) = 2") !=
          NULL);
    CHECK(strstr(txt, "[auto-create] Target tgt has auto.create.topics.enable=true") != NULL);
    CHECK(strstr(txt, "Target cluster tgt") != NULL);

    /* nothing sampled, groups unknown, no target */
    sbuf_reset(&out);
    src->sample_s = 0;
    src->groups_error = xstrdup("not authorized to describe groups");
    assess_render_text(src, NULL, NULL, NULL, &out);
    txt = sbuf_str(&out);
    CHECK(strstr(txt, "Consumer groups: not listed: not authorized to describe groups") != NULL);
    CHECK(strstr(txt, "  not sampled:") != NULL);
    CHECK(strstr(txt, "Warnings: none") != NULL);
    CHECK(strstr(txt, "Target cluster") == NULL);
    sbuf_free(&out);
    assess_warnings_clear(&w);
    inventory_destroy(src);
    inventory_destroy(tgt);
}

static void test_render_json(void) {
    inventory_t *src, *tgt;
    sizing_t s;
    assess_warnings_t w = {0};
    build_report(&src, &tgt, &s, &w);
    json_t *j = assess_render_json(src, tgt, &s, &w);
    CHECK(j != NULL);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    json_error_t err;
    json_t *back = json_loads(text, 0, &err);
    free(text);
    CHECK(back != NULL);
    if (!back) return;

    json_t *in = json_object_get(json_object_get(back, "sizing"), "inputs");
    CHECK(json_real_value(json_object_get(in, "ingress_bytes_per_s")) == 45e6);
    CHECK(json_real_value(json_object_get(in, "egress_bytes_per_s")) == 90e6);
    CHECK_EQ_INT(json_integer_value(json_object_get(in, "partitions")), 400);
    CHECK_EQ_INT(json_integer_value(json_object_get(in, "target_replication_factor")), 3);
    CHECK(json_real_value(json_object_get(in, "headroom")) == 0.4);
    json_t *classes = json_object_get(json_object_get(back, "sizing"), "classes");
    CHECK_EQ_INT(json_array_size(classes), SIZING_NCLASSES);
    json_t *first = json_array_get(classes, 0);
    CHECK_EQ_STR(json_string_value(json_object_get(first, "name")), "kafka.t3.small");
    CHECK(json_object_get(json_object_get(first, "bounds"), "writes") != NULL);
    CHECK_EQ_STR(json_string_value(json_object_get(
                     json_object_get(json_object_get(back, "sizing"), "recommended"), "express")),
                 "express.m7g.large");

    json_t *workers = json_object_get(json_object_get(back, "sizing"), "workers");
    CHECK(json_integer_value(json_object_get(workers, "workers")) >= 1);
    CHECK(strstr(json_string_value(json_object_get(workers, "formula")), "records/s per worker") !=
          NULL);
    CHECK(json_real_value(json_object_get(workers, "catch_up_hours_target")) ==
          SIZING_DEFAULT_CATCH_UP_HOURS);

    json_t *source = json_object_get(back, "source");
    CHECK_EQ_STR(json_string_value(json_object_get(source, "cluster_id")), "abc123");
    CHECK_EQ_INT(json_array_size(json_object_get(source, "topics")), 1);
    CHECK_EQ_INT(json_array_size(json_object_get(source, "groups")), 3);
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(source, "acls"), "error")),
                 "no authorizer is configured");
    json_t *warnings = json_object_get(back, "warnings");
    CHECK_EQ_INT(json_array_size(warnings), w.n);
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(warnings, 0), "code")),
                 "auto-create");
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(back, "target"), "alias")),
                 "tgt");
    json_decref(back);
    assess_warnings_clear(&w);
    inventory_destroy(src);
    inventory_destroy(tgt);
}

UNIT_MAIN(UNIT_TEST(test_auto_create), UNIT_TEST(test_message_size), UNIT_TEST(test_min_isr),
          UNIT_TEST(test_replication_factor), UNIT_TEST(test_name_collision),
          UNIT_TEST(test_retention_drift), UNIT_TEST(test_source_checks),
          UNIT_TEST(test_configs_unread), UNIT_TEST(test_render_text),
          UNIT_TEST(test_render_json))

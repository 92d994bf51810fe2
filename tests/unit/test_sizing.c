/* Unit tests of the MSK sizing: inputs summed from an inventory, and the
 * broker counts and formulas per broker size, checked against arithmetic
 * done by hand in the comments. */
#include <math.h>
#include <string.h>

#include "assess/sizing.h"
#include "core/sbuf.h"
#include "unit.h"

#define GIB 1073741824.0

static const sizing_class_t *find_class(const sizing_t *s, const char *name) {
    for (size_t i = 0; i < s->nclasses; i++)
        if (strcmp(s->classes[i].spec->name, name) == 0) return &s->classes[i];
    return NULL;
}

static sizing_input_t base_input(void) {
    sizing_input_t in = {0};
    in.sampled = true;
    in.target_rf = 3;
    in.headroom = 0.4;
    in.azs = 3;
    return in;
}

/* AWS's own Express example: 45 MB/s in, 90 MB/s out -> 3 x express.m7g.large. */
static void test_express_aws_example(void) {
    sizing_input_t in = base_input();
    in.ingress_bps = 45e6;
    in.egress_bps = 90e6;
    in.partitions = 400;
    in.retained_bytes = 1000 * GIB;
    sizing_t s;
    sizing_compute(&in, &s);
    CHECK_EQ_INT(s.nclasses, SIZING_NCLASSES);

    const sizing_class_t *c = find_class(&s, "express.m7g.large");
    CHECK(c != NULL);
    if (!c) return;
    /* 400 x 3 = 1200 replicas / 1000 = 1.2 -> 2; 45 / 15.6 = 2.88 -> 3; 90 / 31.2 -> 3 */
    CHECK_EQ_INT(c->bounds[SIZING_BY_AZS].brokers, 3);
    CHECK_EQ_INT(c->bounds[SIZING_BY_PARTITIONS].brokers, 2);
    CHECK_EQ_INT(c->bounds[SIZING_BY_INGRESS].brokers, 3);
    CHECK_EQ_INT(c->bounds[SIZING_BY_EGRESS].brokers, 3);
    CHECK(!c->bounds[SIZING_BY_WRITES].applies);
    CHECK(!c->bounds[SIZING_BY_VOLUME].applies);
    CHECK_EQ_INT(c->brokers, 3);
    CHECK_EQ_INT(c->vcpus, 6);
    CHECK_EQ_INT(c->volume_gib, 0);
    CHECK_EQ_STR(c->bounds[SIZING_BY_PARTITIONS].formula,
                 "ceil(1200 partition replicas (400 x RF 3) / 1000 per broker) = 2");
    CHECK_EQ_STR(c->bounds[SIZING_BY_INGRESS].formula,
                 "ceil(45.00 MB/s ingress / 15.6 MB/s per broker) = 3");
    CHECK_EQ_STR(c->bounds[SIZING_BY_EGRESS].formula,
                 "ceil(90.00 MB/s egress / 31.2 MB/s per broker) = 3");
    CHECK_EQ_STR(c->brokers_formula, "max(3, 2, 3, 3) = 3, rounded up to a multiple of 3 AZs = 3");

    /* xlarge: 2, 2, 2 but 3 AZs -> 3 brokers, 12 vCPUs: large wins */
    c = find_class(&s, "express.m7g.xlarge");
    CHECK_EQ_INT(c->brokers, 3);
    CHECK_EQ_INT(c->vcpus, 12);
    CHECK_EQ_STR(s.classes[s.recommended[SIZING_EXPRESS]].spec->name, "express.m7g.large");
}

static void test_standard(void) {
    sizing_input_t in = base_input();
    in.ingress_bps = 45e6; /* 42.92 MiB/s */
    in.partitions = 400;
    in.retained_bytes = 1000 * GIB;
    sizing_t s;
    sizing_compute(&in, &s);

    const sizing_class_t *c = find_class(&s, "kafka.m7g.large");
    /* writes: 42.92 x 3 = 128.76 / 250 -> 1; volume: 1000 x 3 / 0.6 / 16384 = 0.31 -> 1 */
    CHECK_EQ_INT(c->bounds[SIZING_BY_PARTITIONS].brokers, 2);
    CHECK_EQ_INT(c->bounds[SIZING_BY_WRITES].brokers, 1);
    CHECK_EQ_INT(c->bounds[SIZING_BY_VOLUME].brokers, 1);
    CHECK(!c->bounds[SIZING_BY_INGRESS].applies);
    CHECK_EQ_INT(c->brokers, 3);
    /* 1000 x 3 / 3 / 0.6 = 1666.7 -> 1667 GiB */
    CHECK_EQ_INT(c->volume_gib, 1667);
    CHECK_EQ_STR(c->bounds[SIZING_BY_WRITES].formula,
                 "ceil(42.92 MiB/s ingress x RF 3 / 250.0 MiB/s storage throughput per broker) "
                 "= 1");
    CHECK_EQ_STR(c->bounds[SIZING_BY_VOLUME].formula,
                 "ceil(1000.00 GiB retained x RF 3 / 0.60 fill / 16384 GiB per broker) = 1");
    CHECK_EQ_STR(c->volume_formula,
                 "max(1, ceil(1000.00 GiB retained x RF 3 / 3 brokers / 0.60 fill)) = 1667 GiB");

    /* t3.small: 1200 / 300 = 4 -> 6 brokers, and never recommended */
    c = find_class(&s, "kafka.t3.small");
    CHECK_EQ_INT(c->bounds[SIZING_BY_PARTITIONS].brokers, 4);
    CHECK_EQ_INT(c->brokers, 6);
    CHECK(!c->spec->production);
    CHECK_EQ_STR(s.classes[s.recommended[SIZING_STANDARD]].spec->name, "kafka.m7g.large");
}

static void test_standard_throughput_and_storage_bound(void) {
    sizing_input_t in = base_input();
    in.ingress_bps = 300 * 1048576.0; /* 300 MiB/s x RF 3 = 900 MiB/s written */
    in.retained_bytes = 10240 * GIB;  /* 10 TiB: 30720 GiB replicated / 0.6 = 51200 GiB */
    sizing_t s;
    sizing_compute(&in, &s);

    const sizing_class_t *c = find_class(&s, "kafka.m7g.large");
    CHECK_EQ_INT(c->bounds[SIZING_BY_WRITES].brokers, 4);  /* 900 / 250 = 3.6 */
    CHECK_EQ_INT(c->bounds[SIZING_BY_VOLUME].brokers, 4);  /* 51200 / 16384 = 3.125 */
    CHECK_EQ_INT(c->brokers, 6);
    CHECK_EQ_INT(c->volume_gib, 8534); /* 51200 / 6 = 8533.3 */

    c = find_class(&s, "kafka.m7g.4xlarge");
    CHECK_EQ_INT(c->bounds[SIZING_BY_WRITES].brokers, 2); /* 900 / 625 = 1.44 */
    CHECK_EQ_INT(c->brokers, 6);                          /* the volume bound still says 4 */

    /* no traffic, no data: 3 brokers of 1 GiB */
    sizing_input_t empty = base_input();
    sizing_compute(&empty, &s);
    c = find_class(&s, "kafka.m7g.large");
    CHECK_EQ_INT(c->brokers, 3);
    CHECK_EQ_INT(c->volume_gib, 1);
    CHECK_EQ_STR(c->bounds[SIZING_BY_PARTITIONS].formula,
                 "ceil(0 partition replicas (0 x RF 3) / 1000 per broker) = 0");
}

static void test_defaults_and_exact_division(void) {
    sizing_input_t in = base_input();
    in.target_rf = 0;    /* -> 3 */
    in.headroom = 2;     /* -> 0.4 */
    in.azs = 2;          /* Standard in 2 AZs; Express stays at 3 */
    in.ingress_bps = 31.2e6;
    in.egress_bps = 62.4e6;
    sizing_t s;
    sizing_compute(&in, &s);
    CHECK_EQ_INT(s.in.target_rf, 3);
    CHECK(fabs(s.in.headroom - 0.4) < 1e-9);
    const sizing_class_t *c = find_class(&s, "express.m7g.large");
    CHECK_EQ_INT(c->bounds[SIZING_BY_INGRESS].brokers, 2); /* 31.2 / 15.6 is exactly 2 */
    CHECK_EQ_INT(c->bounds[SIZING_BY_EGRESS].brokers, 2);
    CHECK_EQ_INT(c->brokers, 3);
    c = find_class(&s, "kafka.m7g.large");
    CHECK_EQ_INT(c->bounds[SIZING_BY_AZS].brokers, 2);
    CHECK_EQ_INT(c->brokers, 2);
}

static inv_topic_t *topic(inventory_t *inv, const char *name, int partitions, int64_t retention_ms,
                          double rps, double avg, int64_t records) {
    inv_topic_t *t = inventory_add_topic(inv, name, partitions, 3);
    t->retention_ms = retention_ms;
    t->retention_bytes = -1;
    t->records_per_s = rps;
    t->avg_record_bytes = avg;
    t->records = records;
    return t;
}

static void test_input_from_inventory(void) {
    inventory_t *inv = inventory_new("src", "localhost:9092");
    inv->sample_s = 10;
    /* 100 rec/s x 1000 B = 1e5 B/s; 1 day: 8.64e9 B > current 1e9 */
    topic(inv, "orders", 6, 86400000, 100, 1000, 1000000);
    /* compacted: current size only, 5000 x 200 = 1e6 */
    topic(inv, "users", 1, 86400000, 10, 200, 5000)->compacted = true;
    /* 7 days x 1000 B/s = 6.048e8, capped by 1e6 B x 2 partitions = 2e6 */
    topic(inv, "capped", 2, 604800000, 10, 100, 100)->retention_bytes = 1000000;
    topic(inv, "unsized", 1, -1, 0, 0, 10);
    topic(inv, "__consumer_offsets", 50, -1, 5, 100, 1000);
    inventory_add_group(inv, "g1")->topics = xstrdup("orders,users");
    inventory_add_group(inv, "g2")->topics = xstrdup("orders");
    inventory_add_group(inv, "g3")->topics = xstrdup("gone");

    sizing_input_t in;
    sizing_input_from_inventory(inv, &in);
    CHECK(in.sampled);
    CHECK_EQ_INT(in.target_rf, SIZING_DEFAULT_RF);
    CHECK_EQ_INT(in.azs, SIZING_DEFAULT_AZS);
    CHECK(fabs(in.ingress_bps - 103000) < 1e-6);
    CHECK(fabs(in.records_ps - 120) < 1e-9);
    /* orders read by g1 and g2, users by g1: 2 x 1e5 + 2000 */
    CHECK(fabs(in.egress_bps - 202000) < 1e-6);
    CHECK_EQ_INT(in.group_reads, 3);
    CHECK(!in.egress_assumed);
    CHECK_EQ_INT(in.partitions, 10);
    CHECK(fabs(in.retained_bytes - (8.64e9 + 1e6 + 2e6)) < 1);
    CHECK(fabs(in.current_bytes - (1e9 + 1e6 + 1e4)) < 1);
    CHECK(in.current_records > 0);
    CHECK(fabs(in.catch_up_hours - SIZING_DEFAULT_CATCH_UP_HOURS) < 1e-9);
    CHECK_EQ_INT(in.unsized_topics, 1);

    /* groups unknown: one reader per topic */
    inv->groups_error = xstrdup("not authorized");
    sizing_input_from_inventory(inv, &in);
    CHECK(in.egress_assumed);
    CHECK(fabs(in.egress_bps - 103000) < 1e-6);
    CHECK_EQ_INT(in.group_reads, 4);
    inventory_destroy(inv);
}

/* kmig workers: rate from the per-record and per-byte cost, count from the
 * backlog, the catch-up time and the live traffic (arithmetic in comments). */
static void test_workers(void) {
    sizing_input_t in = base_input();
    in.current_records = 1e11;
    in.current_bytes = 1e13; /* 100 B per record */
    in.records_ps = 50000;
    in.partitions = 1000;
    in.catch_up_hours = 2;
    in.record_us = 1.5;
    in.byte_ns = 2.0;
    sizing_t s;
    sizing_compute(&in, &s);
    const sizing_workers_t *w = &s.workers;
    /* 1 / (1.5 us + 2 ns x 100) = 1 / 1.7 us = 588235.29 -> 588235 */
    CHECK(fabs(w->record_bytes - 100) < 1e-9);
    CHECK(fabs(w->worker_rps - 588235) < 1e-9);
    /* 1e11 / 7200 + 50000 = 13938888.89; / 588235 = 23.7 -> 24 */
    CHECK(fabs(w->need_rps - 13938888.89) < 1e-6);
    CHECK_EQ_INT(w->workers, 24);
    CHECK(!w->capped);
    /* 1e11 / (24 x 588235 - 50000) / 3600 = 1.9746 -> 1.97 */
    CHECK(fabs(w->catch_up_hours - 1.97) < 1e-9);
    CHECK_EQ_STR(w->rate_formula,
                 "1 / (1.50 us + 2.00 ns/B x 100 B per record) = 588235 records/s per worker");
    CHECK_EQ_STR(w->formula, "max(1, ceil((100000000000 records backlog / (2.00 h x 3600 s) + "
                             "50000.00 records/s live) / 588235 records/s per worker)) = 24");
    CHECK_EQ_STR(w->time_formula,
                 "100000000000 records / (24 x 588235 - 50000.00 records/s live) / 3600 = 1.97 h");

    /* More workers than partitions help nothing: capped; and a live rate the
     * capped fleet cannot carry never catches up. */
    in.partitions = 3;
    in.records_ps = 1e7;
    sizing_compute(&in, &s);
    CHECK_EQ_INT(s.workers.workers, 3);
    CHECK(s.workers.capped);
    CHECK(s.workers.catch_up_hours < 0);
    CHECK(strstr(s.workers.formula, "capped at the 3 partitions") != NULL);
    CHECK(strstr(s.workers.time_formula, "never catches up") != NULL);

    /* No backlog: the record size comes from the traffic, at least 1 worker;
     * unset costs and hours take the defaults. */
    in = base_input();
    in.ingress_bps = 1e6;
    in.records_ps = 1000;
    sizing_compute(&in, &s);
    CHECK(fabs(s.in.catch_up_hours - SIZING_DEFAULT_CATCH_UP_HOURS) < 1e-9);
    CHECK(fabs(s.in.record_us - SIZING_KMIG_RECORD_US) < 1e-9);
    CHECK(fabs(s.in.byte_ns - SIZING_KMIG_BYTE_NS) < 1e-9);
    CHECK(fabs(s.workers.record_bytes - 1000) < 1e-9);
    CHECK_EQ_INT(s.workers.workers, 1);
    CHECK(fabs(s.workers.catch_up_hours) < 1e-9);
}

UNIT_MAIN(UNIT_TEST(test_express_aws_example), UNIT_TEST(test_standard),
          UNIT_TEST(test_standard_throughput_and_storage_bound),
          UNIT_TEST(test_defaults_and_exact_division), UNIT_TEST(test_input_from_inventory), UNIT_TEST(test_workers))

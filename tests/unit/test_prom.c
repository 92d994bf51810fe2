/* Prometheus text format: HELP/TYPE lines, label escaping, number spelling. */
#include <math.h>
#include <stdint.h>

#include "metrics/prom.h"
#include "unit.h"

/* One sample line for value, without labels. */
static const char *sample(double value) {
    static sbuf_t b;
    sbuf_reset(&b);
    prom_sample(&b, "m", NULL, value);
    return sbuf_str(&b);
}

static void test_family(void) {
    sbuf_t b = {0};
    prom_family(&b, "kmig_x_total", "counter", "Back\\slash, \"quotes\" and\nnewline.");
    CHECK_EQ_STR(sbuf_str(&b), "# HELP kmig_x_total Back\\\\slash, \"quotes\" and\\nnewline.\n"
                               "# TYPE kmig_x_total counter\n");
    sbuf_reset(&b);
    prom_family(&b, "kmig_lag", "gauge", "Lag.");
    CHECK_EQ_STR(sbuf_str(&b), "# HELP kmig_lag Lag.\n# TYPE kmig_lag gauge\n");
    sbuf_free(&b);
}

static void test_labels(void) {
    sbuf_t b = {0};
    const char *labels[] = {"topic", "a\"b\\c\nd", "partition", "3", NULL};
    prom_sample_i64(&b, "kmig_x_total", labels, 7);
    const char *none[] = {NULL};
    prom_sample_i64(&b, "kmig_y", none, 1);
    prom_sample(&b, "kmig_z", NULL, 2);
    const char *empty[] = {"topic", "", NULL};
    prom_sample(&b, "kmig_w", empty, 0.5);
    CHECK_EQ_STR(sbuf_str(&b), "kmig_x_total{topic=\"a\\\"b\\\\c\\nd\",partition=\"3\"} 7\n"
                               "kmig_y 1\n"
                               "kmig_z 2\n"
                               "kmig_w{topic=\"\"} 0.5\n");
    sbuf_free(&b);
}

static void test_integers(void) {
    CHECK_EQ_STR(sample(0), "m 0\n");
    CHECK_EQ_STR(sample(-0.0), "m 0\n");
    CHECK_EQ_STR(sample(42), "m 42\n");
    CHECK_EQ_STR(sample(-17), "m -17\n");
    CHECK_EQ_STR(sample(1234567890123.0), "m 1234567890123\n");
    CHECK_EQ_STR(sample(9007199254740992.0), "m 9007199254740992\n"); /* 2^53 */
    CHECK_EQ_STR(sample(-9223372036854775808.0), "m -9223372036854775808\n");
    /* Beyond int64 the shortest exact spelling is used; it reads back as the same double. */
    CHECK_EQ_STR(sample(9223372036854775808.0), "m 9.223372036854776e+18\n");
    CHECK_EQ_STR(sample(1e300), "m 1e+300\n");

    sbuf_t b = {0};
    prom_sample_i64(&b, "m", NULL, 9007199254740993LL); /* 2^53 + 1: no double in between */
    prom_sample_i64(&b, "m", NULL, INT64_MAX);
    prom_sample_i64(&b, "m", NULL, INT64_MIN);
    CHECK_EQ_STR(sbuf_str(&b), "m 9007199254740993\nm 9223372036854775807\n"
                               "m -9223372036854775808\n");
    sbuf_free(&b);
}

static void test_fractions_and_specials(void) {
    CHECK_EQ_STR(sample(2.5), "m 2.5\n");
    CHECK_EQ_STR(sample(0.1), "m 0.1\n");
    CHECK_EQ_STR(sample(-1.25e-5), "m -1.25e-05\n");
    CHECK_EQ_STR(sample(1.0 / 3), "m 0.3333333333333333\n");
    CHECK_EQ_STR(sample(0.1 + 0.2), "m 0.30000000000000004\n");
    CHECK_EQ_STR(sample(NAN), "m NaN\n");
    CHECK_EQ_STR(sample(-NAN), "m NaN\n");
    CHECK_EQ_STR(sample(INFINITY), "m +Inf\n");
    CHECK_EQ_STR(sample(-INFINITY), "m -Inf\n");
}

static void test_name_valid(void) {
    CHECK(prom_name_valid("kmig_mirror_record_count_total"));
    CHECK(prom_name_valid("a:b"));
    CHECK(prom_name_valid("_x9"));
    CHECK(prom_name_valid(":"));
    CHECK(prom_name_valid("Z"));
    CHECK(!prom_name_valid("9x"));
    CHECK(!prom_name_valid("a-b"));
    CHECK(!prom_name_valid("a.b"));
    CHECK(!prom_name_valid("a b"));
    CHECK(!prom_name_valid("caf\xc3\xa9"));
    CHECK(!prom_name_valid(""));
    CHECK(!prom_name_valid(NULL));
}

UNIT_MAIN(UNIT_TEST(test_family), UNIT_TEST(test_labels), UNIT_TEST(test_integers),
          UNIT_TEST(test_fractions_and_specials), UNIT_TEST(test_name_valid))

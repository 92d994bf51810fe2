/* Unit tests for verify/vplan: --since as an offset, a duration or a UTC
 * time; --sample picks a reproducible share of partitions and ranges. */
#include "verify/vplan.h"

#include "unit.h"

static void test_since(void) {
    vplan_since_t s;
    char err[256];
    CHECK_EQ_INT(vplan_parse_since("1500", 0, &s, err, sizeof err), 0);
    CHECK_EQ_INT(s.kind, VPLAN_SINCE_OFFSET);
    CHECK_EQ_INT(s.value, 1500);
    CHECK_EQ_INT(vplan_parse_since("30m", 10000000, &s, err, sizeof err), 0);
    CHECK_EQ_INT(s.kind, VPLAN_SINCE_TIME);
    CHECK_EQ_INT(s.value, 10000000 - 1800000);
    CHECK_EQ_INT(vplan_parse_since("2h", 10000000, &s, err, sizeof err), 0);
    CHECK_EQ_INT(s.value, 10000000 - 7200000);
    CHECK_EQ_INT(vplan_parse_since("1970-01-02T00:00:01Z", 0, &s, err, sizeof err), 0);
    CHECK_EQ_INT(s.value, 86401000);
    CHECK_EQ_INT(vplan_parse_since("1970-01-01 00:01", 0, &s, err, sizeof err), 0);
    CHECK_EQ_INT(s.value, 60000);
    CHECK_EQ_INT(vplan_parse_since("yesterday", 0, &s, err, sizeof err), -1);
    CHECK(strstr(err, "yesterday") != NULL);
    CHECK_EQ_INT(vplan_parse_since("-5", 0, &s, err, sizeof err), -1);
    CHECK_EQ_INT(vplan_parse_since("5w", 0, &s, err, sizeof err), -1);
    CHECK_EQ_INT(vplan_parse_since("", 0, &s, err, sizeof err), -1);
}

static void test_sample(void) {
    int64_t start[10], next[10];
    for (int i = 0; i < 10; i++) start[i] = 100, next[i] = 1100;
    vplan_pick_t a[10], b[10];
    size_t n = vplan_sample(start, next, 10, 20, 42, a);
    CHECK_EQ_INT(n, 2);
    CHECK(a[0].index < a[1].index);
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ_INT(a[i].to - a[i].from, 200);
        CHECK(a[i].from >= 100 && a[i].to <= 1100);
    }
    CHECK_EQ_INT(vplan_sample(start, next, 10, 20, 42, b), 2);
    CHECK(!memcmp(a, b, 2 * sizeof a[0]));
    /* Different seeds pick differently at least once. */
    int differ = 0;
    for (uint64_t seed = 1; seed < 20 && !differ; seed++) {
        vplan_sample(start, next, 10, 20, seed, b);
        differ = memcmp(a, b, 2 * sizeof a[0]) != 0;
    }
    CHECK(differ);
    /* At least one partition and one offset; 100% is everything. */
    CHECK_EQ_INT(vplan_sample(start, next, 10, 1, 7, a), 1);
    CHECK_EQ_INT(a[0].to - a[0].from, 10);
    CHECK_EQ_INT(vplan_sample(start, next, 10, 100, 7, a), 10);
    for (int i = 0; i < 10; i++) CHECK(a[i].from == 100 && a[i].to == 1100);
    int64_t s1 = 5, n1 = 5;
    CHECK_EQ_INT(vplan_sample(&s1, &n1, 1, 50, 1, a), 1);
    CHECK_EQ_INT(a[0].to - a[0].from, 0);
    CHECK_EQ_INT(vplan_sample(start, next, 0, 50, 1, a), 0);
    CHECK(vplan_seed(1, 2) != vplan_seed(2, 2));
}

UNIT_MAIN(UNIT_TEST(test_since), UNIT_TEST(test_sample))

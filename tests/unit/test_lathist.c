/* Unit tests of the latency histogram: bucket placement at the bounds,
 * quantile estimates, merging. */
#include <math.h>

#include "core/lathist.h"
#include "unit.h"

static void test_buckets(void) {
    lathist_t h = {0};
    lathist_add(&h, -5); /* ignored */
    lathist_add(&h, 0);
    lathist_add(&h, 1);   /* le 1 */
    lathist_add(&h, 2);   /* le 2 */
    lathist_add(&h, 3);   /* le 5 */
    lathist_add(&h, 600000);
    lathist_add(&h, 600001); /* +Inf */
    CHECK(h.n == 6);
    CHECK(h.counts[0] == 2);
    CHECK(h.counts[1] == 1);
    CHECK(h.counts[2] == 1);
    CHECK(h.counts[LATHIST_NBOUNDS - 1] == 1);
    CHECK(h.counts[LATHIST_NBOUNDS] == 1);
    CHECK(h.sum_ms == 1200007);
    CHECK(lathist_bounds_ms()[LATHIST_NBOUNDS - 1] == 600000);
}

static void test_quantiles(void) {
    lathist_t h = {0};
    CHECK(lathist_quantile(&h, 0.5) < 0);
    /* 100 observations in (50, 100]: p50 interpolates to the middle */
    for (int i = 0; i < 100; i++) lathist_add(&h, 80);
    CHECK(fabs(lathist_quantile(&h, 0.5) - 75.0) < 1e-9);
    CHECK(fabs(lathist_quantile(&h, 0.99) - 99.5) < 1e-9);
    /* one slow record in (1000, 2500]: p99 stays in the fast bucket, p100 moves */
    lathist_add(&h, 2000);
    CHECK(lathist_quantile(&h, 0.99) <= 100.0);
    CHECK(fabs(lathist_quantile(&h, 1.0) - 2500.0) < 1e-9);
    /* beyond the last bound: the last finite bound */
    lathist_t inf = {0};
    lathist_add(&inf, 10000000);
    CHECK(fabs(lathist_quantile(&inf, 0.5) - 600000.0) < 1e-9);
}

static void test_merge(void) {
    lathist_t a = {0}, b = {0};
    lathist_add(&a, 3);
    lathist_add(&b, 3);
    lathist_add(&b, 40);
    lathist_merge(&a, &b);
    CHECK(a.n == 3);
    CHECK(a.counts[2] == 2);
    CHECK(a.sum_ms == 46);
}

UNIT_MAIN(UNIT_TEST(test_buckets), UNIT_TEST(test_quantiles), UNIT_TEST(test_merge))

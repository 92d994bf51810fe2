#ifndef KMIG_CORE_LATHIST_H
#define KMIG_CORE_LATHIST_H
/* A latency histogram with fixed, log-scale buckets (1 ms .. 10 min, then
 * +Inf), the shape Prometheus histograms expect (cumulative counts rendered
 * by the caller), and a quantile estimate by linear interpolation inside the
 * bucket that holds the rank (as PromQL's histogram_quantile does). Pure and
 * not locked: one owner updates it; readers get a copy (plain struct
 * assignment). */
#include <stddef.h>
#include <stdint.h>

#define LATHIST_NBOUNDS 18 /* finite upper bounds; counts has one more (+Inf) */

typedef struct lathist {
    int64_t counts[LATHIST_NBOUNDS + 1]; /* per bucket, not cumulative */
    int64_t n;                           /* observations */
    int64_t sum_ms;
} lathist_t;

/* The finite upper bounds in milliseconds, ascending (LATHIST_NBOUNDS of them). */
const int64_t *lathist_bounds_ms(void);

/* Counts one observation; a negative value is ignored. */
void lathist_add(lathist_t *h, int64_t ms);
/* Adds every count of `from` into `to`. */
void lathist_merge(lathist_t *to, const lathist_t *from);
/* The q-quantile (0 < q <= 1) in milliseconds, or -1 when empty. A rank in
 * the +Inf bucket gives the largest finite bound. */
double lathist_quantile(const lathist_t *h, double q);

#endif

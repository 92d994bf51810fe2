/* Latency histograms for the mirror's end-to-end replication latency and
 * heartbeat latency (docs/METRICS.md): fixed log-scale buckets so that any two
 * histograms merge by adding counts, and a quantile estimate for the p50/p99
 * shown in the progress lines and the run summary. */
#include "core/lathist.h"

static const int64_t BOUNDS_MS[LATHIST_NBOUNDS] = {
    1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000, 300000,
    600000};

const int64_t *lathist_bounds_ms(void) {
    return BOUNDS_MS;
}

void lathist_add(lathist_t *h, int64_t ms) {
    if (ms < 0) return;
    size_t i = 0;
    while (i < LATHIST_NBOUNDS && ms > BOUNDS_MS[i]) i++;
    h->counts[i]++;
    h->n++;
    h->sum_ms += ms;
}

void lathist_merge(lathist_t *to, const lathist_t *from) {
    for (size_t i = 0; i <= LATHIST_NBOUNDS; i++) to->counts[i] += from->counts[i];
    to->n += from->n;
    to->sum_ms += from->sum_ms;
}

double lathist_quantile(const lathist_t *h, double q) {
    if (h->n <= 0) return -1;
    if (q <= 0) q = 0;
    if (q > 1) q = 1;
    double rank = q * (double)h->n;
    int64_t below = 0;
    for (size_t i = 0; i <= LATHIST_NBOUNDS; i++) {
        int64_t c = h->counts[i];
        if (c > 0 && (double)(below + c) >= rank) {
            if (i == LATHIST_NBOUNDS) return (double)BOUNDS_MS[LATHIST_NBOUNDS - 1];
            double lo = i ? (double)BOUNDS_MS[i - 1] : 0, hi = (double)BOUNDS_MS[i];
            return lo + (hi - lo) * ((rank - (double)below) / (double)c);
        }
        below += c;
    }
    return (double)BOUNDS_MS[LATHIST_NBOUNDS - 1];
}

#ifndef KMIG_METRICS_PROM_H
#define KMIG_METRICS_PROM_H
/* Prometheus text exposition format 0.0.4, appended to an sbuf_t. Pure (no
 * I/O, no state): the engine keeps its own counters and renders them with
 * these on each scrape, so there is no registry here. The caller owns `out`
 * and every string passed in; names are written as given, so check names that
 * are not compile-time constants with prom_name_valid(). */
#include <stdbool.h>
#include <stdint.h>

#include "core/sbuf.h"

/* "# HELP name help" and "# TYPE name type" lines; type is "counter" or
 * "gauge". Backslash and newline in help are escaped. */
void prom_family(sbuf_t *out, const char *name, const char *type, const char *help);

/* `name{k="v",...} value\n`. labels is NULL or a NULL-terminated list of
 * key, value pairs; label values are escaped (backslash, double quote,
 * newline). Integral values in int64 range print as plain integers
 * (1234567890123), others with the fewest digits that read back exactly
 * (0.1, 1e+300); NaN, +Inf and -Inf as the format spells them. */
void prom_sample(sbuf_t *out, const char *name, const char *const *labels, double value);
/* The same for exact integer counters (no rounding above 2^53). */
void prom_sample_i64(sbuf_t *out, const char *name, const char *const *labels, int64_t value);

/* Metric and label names: [a-zA-Z_:][a-zA-Z0-9_:]*. NULL is not valid. */
bool prom_name_valid(const char *name);

#endif

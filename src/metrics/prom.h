#ifndef KMIG_METRICS_PROM_H
#define KMIG_METRICS_PROM_H
/* Prometheus text exposition format 0.0.4, written into an sbuf_t. Pure: the
 * engine keeps its own counters and renders them with these on each scrape,
 * so there is no registry here. */
#include <stdbool.h>
#include <stdint.h>

#include "core/sbuf.h"

/* "# HELP" and "# TYPE" lines; type is "counter" or "gauge". */
void prom_family(sbuf_t *out, const char *name, const char *type, const char *help);

/* `name{k="v",...} value`; labels is a NULL-terminated k,v,k,v list or NULL.
 * Label values are escaped (backslash, double quote, newline). */
void prom_sample(sbuf_t *out, const char *name, const char *const *labels, double value);
/* The same for exact integer counters (no rounding above 2^53). */
void prom_sample_i64(sbuf_t *out, const char *name, const char *const *labels, int64_t value);

/* [a-zA-Z_:][a-zA-Z0-9_:]* */
bool prom_name_valid(const char *name);

#endif

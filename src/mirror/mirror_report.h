#ifndef KMIG_MIRROR_MIRROR_REPORT_H
#define KMIG_MIRROR_MIRROR_REPORT_H
/* What the mirror shows an operator, rendered from a published snapshot
 * (msnap.h) on whichever thread asks: Prometheus metrics (docs/METRICS.md),
 * per-topic progress lines, and the run summary JSON of
 * `kmig mirror --summary-json` (README). Never touches live state.
 *
 * Ownership: everything here borrows its arguments. */
#include <stdint.h>
#include <stdio.h>

#include "core/sbuf.h"
#include "mirror/groups.h"
#include "mirror/msnap.h"

/* Prometheus text for the flow source -> target; g may be NULL. */
void mirror_report_metrics(sbuf_t *out, const msnap_t *s, groups_t *g, const char *source,
                           const char *target);

/* One line per topic: copied, lag, rate since `prev` (may be NULL) over dt_s
 * seconds, and an ETA. */
void mirror_report_progress(FILE *f, const msnap_t *s, const msnap_t *prev, double dt_s);

typedef struct mirror_report_end {
    const char *source, *target;
    int exit_code;
    const char *exit_reason; /* caught-up, stopped, data-loss, failed, internal-topics */
    const char *errors;      /* newline-separated error lines, may be empty */
    int64_t foreign_records; /* records others wrote to the target (verify/vforeign.h) */
} mirror_report_end_t;

/* Writes the summary JSON to path atomically (a temporary file renamed).
 * s may be NULL (nothing was copied). Returns 0, or -1 with err. */
int mirror_report_summary(const char *path, const msnap_t *s, const mirror_report_end_t *end,
                          char *err, size_t errsz);

#endif

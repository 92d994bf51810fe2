#ifndef KMIG_MIRROR_MTXN_REPORT_H
#define KMIG_MIRROR_MTXN_REPORT_H
/* What the run reports about its copy mode and, in exactly-once mode, its
 * transactions (docs/METRICS.md, docs/EXACTLY_ONCE.md): Prometheus families
 * and the `mode`/`transactions` members of the --summary-json file. Rendered
 * from a snapshot (msnap.h); s may be NULL. */
#include <jansson.h>

#include "core/sbuf.h"
#include "mirror/msnap.h"

/* "exactly-once" or "at-least-once" (the default mode: duplicates after a
 * crash are paired away or counted). */
const char *mtxn_report_mode(const msnap_t *s);
void mtxn_report_metrics(sbuf_t *out, const msnap_t *s, const char *source, const char *target);
/* Sets `mode` (null while s is NULL) and, in exactly-once mode,
 * `transactions` {committed, aborted, fenced, commit_p50_ms, commit_p99_ms}. */
void mtxn_report_json(json_t *root, const msnap_t *s);

#endif

#ifndef KMIG_ASSESS_ASSESS_REPORT_H
#define KMIG_ASSESS_ASSESS_REPORT_H
/* The `kmig assess` report: the warnings a reviewer needs before migrating a
 * source cluster to a target, and the report itself as readable text and as
 * JSON, from the inventories (plan/inventory.h) and the MSK sizing
 * (assess/sizing.h). Pure: no Kafka I/O. Warnings and their rules are listed
 * in docs/ASSESS.md.
 *
 * Topics are compared with the target by their own name (as under the
 * identity replication policy); `kmig plan` compares the renamed topics of a
 * flow.
 *
 * Ownership: assess_warnings_t owns its texts (codes are static strings);
 * free with assess_warnings_clear(). Inventories and sizing are borrowed. */
#include <stddef.h>

#include <jansson.h>

#include "assess/sizing.h"
#include "core/sbuf.h"
#include "plan/inventory.h"

typedef struct assess_warning {
    const char *code; /* "auto-create", "retention-drift", ... (docs/ASSESS.md) */
    char *text;       /* one sentence naming the topics or brokers concerned */
} assess_warning_t;

typedef struct assess_warnings {
    assess_warning_t *items;
    size_t n;
} assess_warnings_t;

/* Appends to `out` every warning that applies. `tgt` may be NULL (only the
 * source-side checks run). `target_rf` is the replication factor topics get
 * on the target; < 1 means the target's default.replication.factor. */
void assess_warnings(const inventory_t *src, const inventory_t *tgt, int target_rf,
                     assess_warnings_t *out);
void assess_warnings_clear(assess_warnings_t *w); /* frees the texts; leaves it empty */

/* The readable report: cluster, topics, consumer groups, ACLs, traffic, the
 * target (when given), sizing (when `s` is not NULL) and warnings, appended
 * to `out`. Missing data is shown with the reason it is missing. */
void assess_render_text(const inventory_t *src, const inventory_t *tgt, const sizing_t *s,
                        const assess_warnings_t *w, sbuf_t *out);

/* The same content as a JSON object (numbers as numbers); the caller owns
 * the result (json_decref). */
json_t *assess_render_json(const inventory_t *src, const inventory_t *tgt, const sizing_t *s,
                           const assess_warnings_t *w);

#endif

#ifndef KMIG_CUTOVER_CUTOVER_RENDER_H
#define KMIG_CUTOVER_CUTOVER_RENDER_H
/* Renders a cutover plan (cutover_plan.h) as a runbook: plain text for a
 * terminal, Markdown (checkboxes, for a ticket or a wiki page), or JSON for
 * scripts (docs/CUTOVER.md gives the JSON fields). Pure.
 * Ownership: the text renderers append to the caller's buffer;
 * cutover_render_json() returns a new reference the caller json_decref()s. */
#include <jansson.h>

#include "core/sbuf.h"
#include "cutover/cutover_plan.h"

void cutover_render_text(const cutover_plan_t *p, sbuf_t *out);
void cutover_render_markdown(const cutover_plan_t *p, sbuf_t *out);
json_t *cutover_render_json(const cutover_plan_t *p);

#endif

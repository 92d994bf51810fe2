/* A fuzz target for the cutover services manifest (cutover/cutover_manifest,
 * YAML or JSON): the input is a manifest text; when it parses, the move order
 * is planned (with every topic selected, then with none) and rendered as text,
 * Markdown and JSON. Errors are fine; crashes, leaks and undefined behaviour
 * are not. Replayed by the unit tier's test_fuzz_manifest. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "core/sbuf.h"
#include "cutover/cutover_manifest.h"
#include "cutover/cutover_plan.h"
#include "cutover/cutover_render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool none(const char *topic, void *arg) {
    (void)topic;
    (void)arg;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[512];
    cutover_manifest_t *m =
        cutover_manifest_parse((const char *)data, size, "fuzz.yaml", err, sizeof err);
    if (!m) return 0;
    for (int pass = 0; pass < 2; pass++) {
        cutover_plan_t *p = cutover_plan_build(m, pass ? none : NULL, NULL);
        sbuf_t out = {0};
        cutover_render_text(p, &out);
        cutover_render_markdown(p, &out);
        sbuf_free(&out);
        json_decref(cutover_render_json(p));
        cutover_plan_destroy(p);
    }
    cutover_manifest_destroy(m);
    return 0;
}

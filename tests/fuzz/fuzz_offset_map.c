/* A fuzz target for the persisted offset-map records (offsets/offset_map),
 * which kmig reads back from a topic anyone with write access could fill: the
 * input is records separated by a line "\n--\n", each a key, a newline and a
 * value. Each record is decoded; decoded segments are loaded into one map per
 * run, which is then translated at every segment boundary. Errors are fine;
 * crashes and undefined behaviour (e.g. offset overflow) are not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offsets/offset_map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    offset_map_t *map = offset_map_new();
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *sep = memmem(p, (size_t)(end - p), "\n--\n", 4);
        const char *rec_end = sep ? sep : end;
        const char *nl = memchr(p, '\n', (size_t)(rec_end - p));
        char topic[256], target[256], err[512];
        int32_t part;
        offset_seg_t seg;
        if (nl && offset_map_decode(p, (size_t)(nl - p), nl + 1, (size_t)(rec_end - nl - 1),
                                    topic, sizeof topic, &part, target, sizeof target, &seg, err,
                                    sizeof err) == 0)
            (void)offset_map_load(map, &seg);
        p = sep ? sep + 4 : end;
    }
    for (size_t i = 0; i < offset_map_count(map); i++) {
        const offset_seg_t *s = offset_map_at(map, i);
        int64_t probes[] = {s->src_start, s->src_start + s->count, s->src_end - 1, s->src_end};
        for (size_t k = 0; k < 4; k++) {
            int64_t t;
            (void)offset_map_translate(map, probes[k], &t);
            (void)offset_map_translate_at_end(map, probes[k], s->src_end, &t);
        }
    }
    (void)offset_map_tgt_next(map);
    int64_t next = offset_map_src_next(map);
    if (next >= 0 && next < INT64_MAX) {
        (void)offset_map_add(map, next, offset_map_tgt_next(map) < 0 ? 0 : offset_map_tgt_next(map));
    }
    offset_map_destroy(map);
    return 0;
}

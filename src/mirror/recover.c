/* Pairs unmapped target records with their source records after a crash. */
#include "mirror/recover.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "kafka/kread.h"

typedef struct {
    krecords_t *tail;
    size_t next;
    offset_map_t *pairs; /* scratch map: only committed to the real one at the end */
} pair_ctx_t;

static int pair(void *opaque, const krecord_t *r) {
    pair_ctx_t *c = opaque;
    if (c->next >= c->tail->n) return 1;
    const krecord_t *t = &c->tail->v[c->next];
    if (memcmp(t->digest, r->digest, RECORD_DIGEST_LEN)) return 1;
    if (offset_map_count(c->pairs) == 0) offset_map_begin(c->pairs, r->offset);
    if (offset_map_add(c->pairs, r->offset, t->offset)) return 1;
    c->next++;
    return c->next >= c->tail->n;
}

int recover_partition(rd_kafka_t *source, rd_kafka_t *target, const char *source_topic,
                      const char *target_topic, int32_t partition, offset_map_t *map,
                      int64_t target_end, recover_result_t *res, char *err, size_t errsz) {
    memset(res, 0, sizeof *res);
    int64_t tn = offset_map_tgt_next(map), sn = offset_map_src_next(map);
    if (tn < 0) tn = 0;
    if (sn < 0) sn = 0;
    if (target_end <= tn) return 0;
    krecords_t tail = {0};
    int rc = kread_partition(target, target_topic, partition, tn, 10000, krecords_collect, &tail,
                             err, errsz);
    res->target_extra = (int64_t)tail.n;
    if (rc == 0 && tail.n) {
        pair_ctx_t c = {&tail, 0, offset_map_new()};
        rc = kread_partition(source, source_topic, partition, sn, 10000, pair, &c, err, errsz);
        if (rc > 0) rc = 0; /* stopped at the first difference or at the tail's end */
        if (rc == 0) {
            /* Replay the pairs into the real map (same checks as live copying). */
            for (size_t s = 0; s < offset_map_count(c.pairs); s++) {
                const offset_seg_t *g = offset_map_at(c.pairs, s);
                if (offset_map_count(map) == 0) offset_map_begin(map, g->src_start);
                for (int64_t k = 0; k < g->count; k++)
                    if (offset_map_add(map, g->src_start + k, g->tgt_start + k) == 0)
                        res->recovered++;
            }
        }
        offset_map_destroy(c.pairs);
    }
    krecords_clear(&tail);
    return rc;
}

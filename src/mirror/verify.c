/* Record-by-record verification of a copied partition through its offset map. */
#include "mirror/verify.h"

#include <stdlib.h>
#include <string.h>

#include <stdbool.h>
#include "core/sbuf.h"
#include "kafka/kread.h"

typedef struct {
    krecords_t recs;
    bool *used;
} target_set_t;

static krecord_t *find(target_set_t *t, int64_t offset, size_t *idx) {
    size_t lo = 0, hi = t->recs.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->recs.v[mid].offset < offset) lo = mid + 1;
        else hi = mid;
    }
    if (lo < t->recs.n && t->recs.v[lo].offset == offset) {
        *idx = lo;
        return &t->recs.v[lo];
    }
    return NULL;
}

typedef struct {
    target_set_t *tgt;
    const offset_map_t *map;
    verify_result_t *res;
} check_ctx_t;

static int check(void *opaque, const krecord_t *r) {
    check_ctx_t *c = opaque;
    c->res->source_records++;
    int64_t to;
    if (offset_map_translate(c->map, r->offset, &to) != OFFSET_MAP_EXACT) {
        c->res->missing++;
        return 0;
    }
    size_t idx;
    krecord_t *t = find(c->tgt, to, &idx);
    if (t && !memcmp(t->digest, r->digest, RECORD_DIGEST_LEN)) {
        c->tgt->used[idx] = true;
        c->res->matched++;
    } else {
        c->res->mismatched++;
    }
    return 0;
}

int verify_partition(rd_kafka_t *source, rd_kafka_t *target, const char *source_topic,
                     const char *target_topic, int32_t partition, const offset_map_t *map,
                     verify_result_t *res, char *err, size_t errsz) {
    memset(res, 0, sizeof *res);
    target_set_t tgt = {0};
    int rc = kread_partition(target, target_topic, partition, 0, 10000, krecords_collect, &tgt.recs,
                             err, errsz);
    if (rc == 0) {
        tgt.used = xcalloc(tgt.recs.n ? tgt.recs.n : 1, sizeof *tgt.used);
        check_ctx_t c = {&tgt, map, res};
        int64_t from = offset_map_count(map) ? offset_map_at(map, 0)->src_start : 0;
        rc = kread_partition(source, source_topic, partition, from, 10000, check, &c, err, errsz);
        for (size_t i = 0; i < tgt.recs.n; i++)
            if (!tgt.used[i]) res->unmapped++;
    }
    krecords_clear(&tgt.recs);
    free(tgt.used);
    return rc;
}

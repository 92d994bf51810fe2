/* The streamed merge of `kmig verify`: a partition's source and target
 * records, pulled one at a time in offset order, are classified through the
 * offset map (matched, different, missing, extra, foreign, ...) with two
 * segment cursors that only move forward, so a partition of any size is
 * compared in constant memory and linear time. The rules are in vcompare.h. */
#include "verify/vcompare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "offsets/backmap.h"

typedef struct head {
    bool have, end;
    int64_t offset, timestamp;
    uint8_t digest[RECORD_DIGEST_LEN];
} head_t;

struct vcompare {
    const offset_map_t *map;
    const offset_map_t *opp; /* the opposite flow's map, NULL: none */
    size_t nseg, si, ti; /* segment cursors for source and target offsets */
    int64_t src_first, src_next, tgt_next;
    head_t s, t;
    vc_result_t res;
};

static const char *const kind_names[VC_NKINDS] = {"different", "missing", "not-copied", "extra",
                                                  "foreign"};

const char *vc_kind_name(vc_kind_t k) {
    return k >= 0 && k < VC_NKINDS ? kind_names[k] : "?";
}

int64_t vc_failures(const vc_counts_t *n) {
    return n->different + n->missing + n->not_copied + n->extra + n->foreign;
}

vcompare_t *vcompare_new(const offset_map_t *map) {
    vcompare_t *vc = xcalloc(1, sizeof *vc);
    vc->map = map;
    vc->nseg = offset_map_count(map);
    vc->src_first = vc->nseg ? offset_map_at(map, 0)->src_start : -1;
    vc->src_next = offset_map_src_next(map);
    vc->tgt_next = offset_map_tgt_next(map);
    vc->res.first.kind = -1;
    vc->res.first.source_offset = vc->res.first.target_offset = -1;
    for (int k = 0; k < VC_NKINDS; k++) vc->res.first_of[k] = vc->res.last_of[k] = vc->res.first;
    return vc;
}

void vcompare_set_opposite(vcompare_t *vc, const offset_map_t *opp) { vc->opp = opp; }

void vcompare_destroy(vcompare_t *vc) { free(vc); }

const vc_result_t *vcompare_result(const vcompare_t *vc) { return &vc->res; }

static void feed(head_t *h, const vc_rec_t *r) {
    if (!r) {
        h->end = true;
        h->have = false;
        return;
    }
    h->have = true;
    h->offset = r->offset;
    h->timestamp = r->timestamp;
    memcpy(h->digest, r->digest, RECORD_DIGEST_LEN);
}

void vcompare_source(vcompare_t *vc, const vc_rec_t *r) {
    if (r) vc->res.n.source_records++;
    feed(&vc->s, r);
}

void vcompare_target(vcompare_t *vc, const vc_rec_t *r) {
    if (r) vc->res.n.target_records++;
    feed(&vc->t, r);
}

static void event(vcompare_t *vc, vc_kind_t k, int64_t s, int64_t t, bool ts) {
    vc_event_t e = {(int)k, s, t, ts};
    if (vc->res.first.kind < 0) vc->res.first = e;
    if (vc->res.first_of[k].kind < 0) vc->res.first_of[k] = e;
    vc->res.last_of[k] = e;
}

typedef enum { S_BEFORE, S_EXACT, S_UNMAPPED, S_BEYOND } s_class_t;

/* Where source offset s stands in the map; *t is its target offset (EXACT). */
static s_class_t classify_source(vcompare_t *vc, int64_t s, int64_t *t) {
    if (!vc->nseg || vc->src_next < 0 || s >= vc->src_next) return S_BEYOND;
    if (s < vc->src_first) return S_BEFORE;
    while (vc->si < vc->nseg && offset_map_at(vc->map, vc->si)->src_end <= s) vc->si++;
    if (vc->si == vc->nseg) return S_BEYOND;
    const offset_seg_t *g = offset_map_at(vc->map, vc->si);
    if (s < g->src_start || s >= g->src_start + g->count) return S_UNMAPPED; /* hole or gap */
    *t = g->tgt_start + (s - g->src_start);
    return S_EXACT;
}

typedef enum { T_NAMED, T_EXTRA, T_BEYOND } t_class_t;

/* Whether target offset t is named by the map (*s its source offset). */
static t_class_t classify_target(vcompare_t *vc, int64_t t, int64_t *s) {
    if (vc->tgt_next < 0 || t >= vc->tgt_next) return T_BEYOND;
    for (; vc->ti < vc->nseg; vc->ti++) {
        const offset_seg_t *g = offset_map_at(vc->map, vc->ti);
        if (g->count > 0 && g->tgt_start + g->count > t) break;
    }
    if (vc->ti == vc->nseg) return T_BEYOND;
    const offset_seg_t *g = offset_map_at(vc->map, vc->ti);
    if (t < g->tgt_start) return T_EXTRA;
    *s = g->src_start + (t - g->tgt_start);
    return T_NAMED;
}

/* A record the opposite flow wrote on this flow's source (a target record
 * of its map). */
static bool opp_copy(const vcompare_t *vc, int64_t s) {
    return vc->opp && backmap_is_tgt_record(vc->opp, s);
}

/* A record of this flow's target that the opposite flow copied (a source
 * record in one of its map's segments). */
static bool opp_original(const vcompare_t *vc, int64_t t) {
    return vc->opp && backmap_is_src_record(vc->opp, t);
}

/* One decision on the two heads; consumes at least one of them. */
static void step(vcompare_t *vc) {
    vc_counts_t *n = &vc->res.n;
    int64_t ts = -1, st = -1;
    t_class_t tc = vc->t.have ? classify_target(vc, vc->t.offset, &st) : T_BEYOND;
    if (vc->t.have && tc != T_NAMED && opp_original(vc, vc->t.offset)) {
        n->other_flow_originals++;
        vc->t.have = false;
        return;
    }
    if (vc->t.have && tc == T_EXTRA) {
        n->extra++;
        event(vc, VC_EXTRA, -1, vc->t.offset, false);
        vc->t.have = false;
        return;
    }
    if (!vc->s.have) { /* the source has ended */
        if (tc == T_NAMED) {
            n->source_gone++;
        } else {
            n->foreign++;
            event(vc, VC_FOREIGN, -1, vc->t.offset, false);
        }
        vc->t.have = false;
        return;
    }
    s_class_t sc = classify_source(vc, vc->s.offset, &ts);
    switch (sc) {
    case S_BEFORE: /* outside the copied range: not ours to judge */
        vc->s.have = false;
        return;
    case S_UNMAPPED:
        if (opp_copy(vc, vc->s.offset)) {
            n->other_flow_copies++;
            vc->s.have = false;
            return;
        }
        n->not_copied++;
        event(vc, VC_NOT_COPIED, vc->s.offset, -1, false);
        vc->s.have = false;
        return;
    case S_EXACT:
        if (!vc->t.have || tc == T_BEYOND || ts < vc->t.offset) {
            n->missing++;
            event(vc, VC_MISSING, vc->s.offset, ts, false);
            vc->s.have = false;
        } else if (ts > vc->t.offset) { /* the target record's source record is gone */
            n->source_gone++;
            vc->t.have = false;
        } else {
            if (!memcmp(vc->s.digest, vc->t.digest, RECORD_DIGEST_LEN)) {
                n->matched++;
            } else {
                n->different++;
                event(vc, VC_DIFFERENT, vc->s.offset, vc->t.offset,
                      vc->s.timestamp != vc->t.timestamp);
            }
            vc->s.have = vc->t.have = false;
        }
        return;
    case S_BEYOND:
        if (opp_copy(vc, vc->s.offset)) { /* the mirror skips it: never pending */
            n->other_flow_copies++;
            vc->s.have = false;
        } else if (!vc->t.have) {
            n->pending++;
            vc->s.have = false;
        } else if (tc == T_NAMED) {
            n->source_gone++;
            vc->t.have = false;
        } else if (!memcmp(vc->s.digest, vc->t.digest, RECORD_DIGEST_LEN)) {
            n->unmapped_copies++;
            vc->s.have = vc->t.have = false;
        } else {
            n->foreign++;
            event(vc, VC_FOREIGN, -1, vc->t.offset, false);
            vc->t.have = false;
        }
        return;
    }
}

vc_want_t vcompare_want(vcompare_t *vc) {
    for (;;) {
        if (!vc->s.have && !vc->s.end) return VC_WANT_SOURCE;
        if (!vc->t.have && !vc->t.end) return VC_WANT_TARGET;
        if (!vc->s.have && !vc->t.have) return VC_DONE;
        step(vc);
    }
}

static bool same_bytes(const void *a, size_t alen, const void *b, size_t blen) {
    if (!a || !b) return !a && !b;
    return alen == blen && (!alen || !memcmp(a, b, alen));
}

unsigned vc_fields_diff(const vc_fields_t *a, const vc_fields_t *b) {
    unsigned m = 0;
    if (!same_bytes(a->key, a->key_len, b->key, b->key_len)) m |= VC_F_KEY;
    if (!same_bytes(a->value, a->value_len, b->value, b->value_len)) m |= VC_F_VALUE;
    if (a->timestamp != b->timestamp) m |= VC_F_TIMESTAMP;
    bool hsame = a->nheaders == b->nheaders;
    for (size_t i = 0; hsame && i < a->nheaders; i++) {
        const vc_header_t *x = &a->headers[i], *y = &b->headers[i];
        hsame = !strcmp(x->name, y->name) && same_bytes(x->value, x->len, y->value, y->len);
    }
    if (!hsame) m |= VC_F_HEADERS;
    return m;
}

const char *vc_fields_names(unsigned mask, char *buf, size_t size) {
    static const char *const names[] = {"key", "value", "headers", "timestamp"};
    size_t len = 0;
    if (size) buf[0] = '\0';
    for (int i = 0; i < 4; i++) {
        if (!(mask & (1u << i))) continue;
        int w = snprintf(buf + len, size > len ? size - len : 0, "%s%s", len ? "," : "",
                         names[i]);
        if (w > 0) len += (size_t)w;
        if (len >= size) break;
    }
    return buf;
}

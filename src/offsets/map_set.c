/* A table of per-partition offset maps with lookup by "topic:partition". */
#include "offsets/map_set.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "core/strmap.h"

struct map_set {
    strmap_t *index;
    map_entry_t **v;
    size_t n;
    size_t conflicts, superseded;
    int sorted;
};

map_set_t *map_set_new(void) {
    map_set_t *s = xcalloc(1, sizeof *s);
    s->index = strmap_new();
    return s;
}

void map_set_destroy(map_set_t *s) {
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) {
        offset_map_destroy(s->v[i]->map);
        free(s->v[i]->topic);
        free(s->v[i]->target);
        free(s->v[i]);
    }
    free(s->v);
    strmap_destroy(s->index);
    free(s);
}

/* "topic:partition" (malloc'd): any topic length, no truncation that could
 * make two partitions share an entry. */
static char *map_set_key(const char *topic, int32_t partition) {
    sbuf_t key = {0};
    sbuf_printf(&key, "%s:%d", topic, partition);
    return key.s;
}

/* Two segments claim some of the same source or target offsets. */
static bool overlaps(const offset_seg_t *a, const offset_seg_t *b) {
    if (a->src_start < b->src_end && b->src_start < a->src_end) return true;
    return a->count && b->count && a->tgt_start < b->tgt_start + b->count &&
           b->tgt_start < a->tgt_start + a->count;
}

/* Cuts x to the records it maps before `b` starts, on the source and on the
 * target; false when none is left. A cut segment claims no trailing gap. */
static bool cut_before(offset_seg_t *x, const offset_seg_t *b) {
    if (x->src_start >= b->src_start || !x->count) return false;
    int64_t n = x->count, before = b->src_start - x->src_start;
    if (n > before) n = before;
    if (b->count && b->tgt_start - x->tgt_start < n) n = b->tgt_start - x->tgt_start;
    if (n <= 0) return false;
    if (n < x->count || x->src_end > b->src_start) x->src_end = x->src_start + n;
    x->count = n;
    return true;
}

/* A segment that contradicts the partition's map: written by two owners of
 * the partition (workers: one that lost it and wrote on, a zombie, and the
 * next). The higher epoch wins: the lower one's segments keep only what they
 * map before the winner's start, the rest is dropped (superseded). Equal
 * epochs cannot contradict each other (one writer): that is a conflict. */
static void resolve(map_set_t *s, map_entry_t *e, const offset_seg_t *seg) {
    int64_t top = -1; /* the highest epoch among the overlapping segments */
    size_t n = offset_map_count(e->map);
    for (size_t i = 0; i < n; i++) {
        const offset_seg_t *x = offset_map_at(e->map, i);
        if (overlaps(x, seg) && x->epoch > top) top = x->epoch;
    }
    if (top < 0 || top == seg->epoch) {
        s->conflicts++;
        return;
    }
    if (seg->epoch < top) {
        /* The newcomer loses: keep what it maps before the first winner. */
        offset_seg_t y = *seg;
        for (size_t i = 0; i < n; i++) {
            const offset_seg_t *x = offset_map_at(e->map, i);
            if (overlaps(x, &y) && !cut_before(&y, x)) {
                s->superseded++;
                return;
            }
        }
        s->superseded++;
        if (offset_map_load(e->map, &y)) s->conflicts++;
        return;
    }
    /* The newcomer wins: the map again, the losers cut before it. */
    offset_map_t *m = offset_map_new();
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        offset_seg_t x = *offset_map_at(e->map, i);
        if (overlaps(&x, seg)) {
            s->superseded++;
            if (!cut_before(&x, seg)) continue;
        }
        ok = !offset_map_load(m, &x);
    }
    if (ok && !offset_map_load(m, seg)) {
        offset_map_destroy(e->map);
        e->map = m;
        e->max_epoch = seg->epoch;
        return;
    }
    offset_map_destroy(m);
    s->conflicts++;
}

map_entry_t *map_set_get(map_set_t *s, const char *topic, int32_t partition) {
    char *key = map_set_key(topic, partition);
    map_entry_t *e = strmap_get(s->index, key);
    free(key);
    return e;
}

map_entry_t *map_set_ensure(map_set_t *s, const char *topic, int32_t partition,
                            const char *target) {
    map_entry_t *e = map_set_get(s, topic, partition);
    if (!e) {
        e = xcalloc(1, sizeof *e);
        e->topic = xstrdup(topic);
        e->partition = partition;
        e->target = xstrdup(target);
        e->map = offset_map_new();
        e->source_end = e->target_end = -1;
        s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
        s->v[s->n++] = e;
        s->sorted = 0;
        char *key = map_set_key(topic, partition);
        strmap_put(s->index, key, e);
        free(key);
    }
    return e;
}

void map_set_add_seg(void *set, const char *topic, int32_t partition, const char *target,
                     const offset_seg_t *seg) {
    map_set_t *s = set;
    map_entry_t *e = map_set_ensure(s, topic, partition, target);
    if (!e->map) {
        s->conflicts++;
    } else if (!offset_map_load(e->map, seg)) {
        if (seg->epoch > e->max_epoch) e->max_epoch = seg->epoch;
    } else {
        resolve(s, e, seg);
    }
}

size_t map_set_conflicts(const map_set_t *s) { return s->conflicts; }
size_t map_set_superseded(const map_set_t *s) { return s->superseded; }

offset_map_t *map_set_take(map_set_t *s, const char *topic, int32_t partition) {
    map_entry_t *e = map_set_get(s, topic, partition);
    if (!e) return NULL;
    offset_map_t *m = e->map;
    e->map = NULL;
    return m;
}

static int map_set_cmp(const void *a, const void *b) {
    const map_entry_t *x = *(map_entry_t *const *)a, *y = *(map_entry_t *const *)b;
    int c = strcmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

size_t map_set_count(const map_set_t *s) { return s->n; }

map_entry_t *map_set_sorted(map_set_t *s, size_t i) {
    if (!s->sorted && s->n) { /* qsort wants a non-NULL array */
        qsort(s->v, s->n, sizeof *s->v, map_set_cmp);
        s->sorted = 1;
    }
    return i < s->n ? s->v[i] : NULL;
}

offset_map_result_t map_set_translate(void *set, const char *topic, int32_t partition,
                                      int64_t committed, int64_t *target) {
    map_entry_t *e = map_set_get(set, topic, partition);
    if (!e || !e->map) return OFFSET_MAP_NOT_COPIED;
    int64_t end = e->source_end;
    offset_map_result_t r = offset_map_translate_at_end(e->map, committed, end, target);
    if (r == OFFSET_MAP_PENDING && end >= 0 && committed == end && e->target_end >= 0 &&
        offset_map_tgt_next(e->map) < 0 && offset_map_src_next(e->map) == end) {
        *target = e->target_end;
        r = OFFSET_MAP_EXACT;
    }
    return r;
}

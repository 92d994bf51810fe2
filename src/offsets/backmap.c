/* The way back: which records of a flow's source are copies the opposite flow
 * wrote (never copied back, so no record loops), when a record beyond the
 * opposite map's end can be decided, and how a consumer group's position on
 * the target of the forward flow translates back to its source through both
 * maps. The rules and their proof sketches are in docs/CUTOVER.md ("The way
 * back"); lookups are binary searches over the maps' segments. */
#include "offsets/backmap.h"

#include <stddef.h>
#include <string.h>

/* First segment index holding records (only the first segment may be a pure
 * gap). */
static size_t rec_lo(const offset_map_t *m) {
    size_t i = 0, n = offset_map_count(m);
    while (i < n && offset_map_at(m, i)->count == 0) i++;
    return i;
}

/* The first record whose target offset is >= t: its target and source
 * offsets. */
static bool first_tgt_ge(const offset_map_t *m, int64_t t, int64_t *tgt, int64_t *src) {
    if (!m) return false;
    size_t lo = rec_lo(m), hi = offset_map_count(m);
    while (lo < hi) { /* smallest i with tgt_start + count > t */
        size_t mid = lo + (hi - lo) / 2;
        const offset_seg_t *s = offset_map_at(m, mid);
        if (s->count > 0 && s->tgt_start + s->count > t)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo >= offset_map_count(m)) return false;
    const offset_seg_t *s = offset_map_at(m, lo);
    int64_t at = t > s->tgt_start ? t : s->tgt_start;
    *tgt = at;
    *src = s->src_start + (at - s->tgt_start);
    return true;
}

/* The first record whose source offset is >= c. */
static bool first_src_ge(const offset_map_t *m, int64_t c, int64_t *src, int64_t *tgt) {
    if (!m) return false;
    size_t lo = rec_lo(m), hi = offset_map_count(m);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const offset_seg_t *s = offset_map_at(m, mid);
        if (s->count > 0 && s->src_start + s->count > c)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo >= offset_map_count(m)) return false;
    const offset_seg_t *s = offset_map_at(m, lo);
    int64_t at = c > s->src_start ? c : s->src_start;
    *src = at;
    *tgt = s->tgt_start + (at - s->src_start);
    return true;
}

/* The last record whose target offset is < x. */
static bool last_tgt_lt(const offset_map_t *m, int64_t x, int64_t *tgt, int64_t *src) {
    if (!m) return false;
    size_t lo = rec_lo(m), hi = offset_map_count(m);
    while (lo < hi) { /* smallest i with tgt_start >= x */
        size_t mid = lo + (hi - lo) / 2;
        if (offset_map_at(m, mid)->tgt_start >= x)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo == rec_lo(m)) return false;
    const offset_seg_t *s = offset_map_at(m, lo - 1);
    int64_t last = s->tgt_start + s->count - 1;
    int64_t at = x - 1 < last ? x - 1 : last;
    *tgt = at;
    *src = s->src_start + (at - s->tgt_start);
    return true;
}

/* The last record whose source offset is < c. */
static bool last_src_lt(const offset_map_t *m, int64_t c, int64_t *src, int64_t *tgt) {
    if (!m) return false;
    size_t lo = rec_lo(m), hi = offset_map_count(m);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (offset_map_at(m, mid)->src_start >= c)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo == rec_lo(m)) return false;
    const offset_seg_t *s = offset_map_at(m, lo - 1);
    int64_t last = s->src_start + s->count - 1;
    int64_t at = c - 1 < last ? c - 1 : last;
    *src = at;
    *tgt = s->tgt_start + (at - s->src_start);
    return true;
}

bool backmap_is_tgt_record(const offset_map_t *map, int64_t offset) {
    int64_t t, s;
    return offset >= 0 && first_tgt_ge(map, offset, &t, &s) && t == offset;
}

bool backmap_is_src_record(const offset_map_t *map, int64_t offset) {
    int64_t s, t;
    return offset >= 0 && first_src_ge(map, offset, &s, &t) && s == offset;
}

/* When `from` is a target record of m: one past the end of its run of
 * target records within its segment; else -1. */
static int64_t tgt_run_end(const offset_map_t *m, int64_t from) {
    if (!m) return -1;
    size_t lo = rec_lo(m), hi = offset_map_count(m);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const offset_seg_t *s = offset_map_at(m, mid);
        if (s->count > 0 && s->tgt_start + s->count > from)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo >= offset_map_count(m)) return -1;
    const offset_seg_t *s = offset_map_at(m, lo);
    return s->tgt_start <= from ? s->tgt_start + s->count : -1;
}

bool backmap_tgt_covered(const offset_map_t *map, int64_t from, int64_t to) {
    while (from < to) {
        int64_t end = tgt_run_end(map, from);
        if (end < 0) return false;
        from = end;
    }
    return true;
}

backmap_class_t backmap_classify(const offset_map_t *opp, int64_t offset, int64_t settled) {
    if (backmap_is_tgt_record(opp, offset)) return BACKMAP_SKIP;
    int64_t tn = opp ? offset_map_tgt_next(opp) : -1;
    if (offset < tn) return BACKMAP_COPY_UNACCOUNTED;
    if (offset < settled) return BACKMAP_COPY;
    return BACKMAP_WAIT;
}

int64_t backmap_settled(const offset_map_t *opp, const offset_map_t *own, int64_t source_end,
                        int64_t target_start, int64_t target_end) {
    int64_t tn = opp ? offset_map_tgt_next(opp) : -1;
    int64_t decided = tn > 0 ? tn : 0;
    if (source_end < 0 || target_end < 0) return decided;
    int64_t from = opp ? offset_map_src_next(opp) : -1;
    if (from < target_start) from = target_start;
    if (from < 0) from = 0;
    if (from >= target_end || backmap_tgt_covered(own, from, target_end))
        return source_end > decided ? source_end : decided;
    return decided;
}

static backmap_result_t say(const char **why, const char *text, backmap_result_t r) {
    if (why) *why = text;
    return r;
}

/* Every A offset in [from, x) the forward flow has not covered yet must be a
 * reverse copy: otherwise A holds a record the group never read on B. */
static bool a_accounted(const offset_map_t *fwd, const offset_map_t *rev, int64_t x) {
    int64_t from = fwd ? offset_map_src_next(fwd) : -1;
    if (from < 0) from = 0;
    return from >= x || backmap_tgt_covered(rev, from, x);
}

backmap_result_t backmap_translate(const offset_map_t *fwd, const offset_map_t *rev, int64_t c,
                                   int64_t b_end, int64_t a_end, int64_t *a, const char **why) {
    if (why) *why = NULL;
    int64_t tF = -1, aF = -1, tR = -1, aR = -1;
    bool hasF = first_tgt_ge(fwd, c, &tF, &aF);
    bool hasR = first_src_ge(rev, c, &tR, &aR);
    int64_t rnext = rev ? offset_map_src_next(rev) : -1;
    {
        const offset_seg_t *r0 = rev && offset_map_count(rev) ? offset_map_at(rev, 0) : NULL;
        int64_t f0t = -1, f0s = -1;
        bool f0 = first_tgt_ge(fwd, 0, &f0t, &f0s);
        if ((!r0 || c < r0->src_start) && (!f0 || c < f0t))
            return say(why, "below the first record either flow copied", BACKMAP_NOT_COPIED);
    }
    if (!hasF && !hasR) {
        /* No record at or after c is known: at B's end, once the reverse flow
         * read all of B and every A record is accounted for, A's end. */
        if (b_end < 0 || a_end < 0) return say(why, "end offsets unknown", BACKMAP_PENDING);
        if (c < b_end && rnext < b_end)
            return say(why, "the reverse flow has not copied B up to the group's position yet",
                       BACKMAP_PENDING);
        if (rnext < b_end)
            return say(why, "the reverse flow has not read B to its end yet", BACKMAP_PENDING);
        if (!a_accounted(fwd, rev, a_end))
            return say(why, "A holds records neither flow mapped yet", BACKMAP_PENDING);
        *a = a_end;
        return BACKMAP_EXACT;
    }
    if (hasF && hasR && tF == tR)
        return say(why, "a B record is in both maps", BACKMAP_CONFLICT);
    bool fromF = hasF && (!hasR || tF < tR);
    int64_t t = fromF ? tF : tR, x = fromF ? aF : aR;
    /* B offsets in [c, t) are neither copies nor copied: they must be known
     * to hold no record (the reverse flow read past them). */
    if (c < t && rnext < t)
        return say(why, "the reverse flow has not copied B up to the group's position yet",
                   BACKMAP_PENDING);
    /* The group read exactly the A records below x: every record of either
     * map below c lands below x, every one at or after c lands at or after x. */
    int64_t pt, pa;
    if (last_tgt_lt(fwd, c, &pt, &pa) && pa >= x)
        return say(why, "a forward copy the group read lies after the position on A",
                   BACKMAP_CONFLICT);
    if (last_src_lt(rev, c, &pt, &pa) && pa >= x)
        return say(why, "a reverse copy the group read lies after the position on A",
                   BACKMAP_CONFLICT);
    if (hasF && aF < x)
        return say(why, "a forward copy the group did not read lies before the position on A",
                   BACKMAP_CONFLICT);
    if (hasR && aR < x)
        return say(why, "a reverse copy the group did not read lies before the position on A",
                   BACKMAP_CONFLICT);
    if (!a_accounted(fwd, rev, x))
        return say(why, "A holds records neither flow mapped yet", BACKMAP_PENDING);
    *a = x;
    return BACKMAP_EXACT;
}

const char *backmap_class_name(backmap_class_t c) {
    switch (c) {
    case BACKMAP_COPY: return "copy";
    case BACKMAP_COPY_UNACCOUNTED: return "copy-unaccounted";
    case BACKMAP_SKIP: return "skip";
    case BACKMAP_WAIT: return "wait";
    }
    return "?";
}

const char *backmap_pair_a_topic(const backmap_pair_t *p, const char *topic, int32_t partition) {
    map_entry_t *r = p->rev ? map_set_get(p->rev, topic, partition) : NULL;
    if (r) return r->target;
    for (size_t i = 0; p->fwd && i < map_set_count(p->fwd); i++) {
        map_entry_t *f = map_set_sorted(p->fwd, i);
        if (f->partition == partition && !strcmp(f->target, topic)) return f->topic;
    }
    return topic;
}

offset_map_result_t backmap_pair_translate(void *pair, const char *topic, int32_t partition,
                                           int64_t committed, int64_t *target) {
    backmap_pair_t *p = pair;
    map_entry_t *r = p->rev ? map_set_get(p->rev, topic, partition) : NULL;
    const char *atopic = backmap_pair_a_topic(p, topic, partition);
    map_entry_t *f = p->fwd ? map_set_get(p->fwd, atopic, partition) : NULL;
    if (f && strcmp(f->target, topic)) f = NULL; /* copied elsewhere: not this way back */
    if (!r && !f) return OFFSET_MAP_NOT_COPIED;
    int64_t b_end = r ? r->source_end : f->target_end;
    int64_t a_end = r ? r->target_end : f->source_end;
    switch (backmap_translate(f ? f->map : NULL, r ? r->map : NULL, committed, b_end, a_end,
                              target, NULL)) {
    case BACKMAP_EXACT: return OFFSET_MAP_EXACT;
    case BACKMAP_NOT_COPIED: return OFFSET_MAP_NOT_COPIED;
    default: return OFFSET_MAP_PENDING;
    }
}

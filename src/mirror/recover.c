/* Recovery of target records that are not in the offset map: after a crash
 * (acknowledged, not yet mapped) or when adopting another tool's copy. Reads
 * the target tail and the source in windows through kread cursors, lets the
 * pure pairing module decide record by record, collects the pairs in a
 * scratch map and replays them into the partition's map at the end. */
#include "mirror/recover.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/kread.h"
#include "offsets/pairing.h"

#define RECOVER_TIMEOUT_MS 10000
#define RECOVER_SEED_BACK 100000 /* source offsets re-read to explain an early repeat */

/* One side's read: the current window and the next record in it. */
typedef struct side {
    kread_cursor_t *c;
    const krecord_t *v;
    ssize_t n, i;
    bool done;
} side_t;

/* Makes v[i] the side's next record: 1, 0 at its end, -1 (err filled) or
 * KREAD_STOPPED. */
static int side_peek(side_t *s, const atomic_int *stop, char *err, size_t errsz) {
    if (s->i < s->n) return 1;
    if (s->done) return 0;
    ssize_t n = kread_cursor_next(s->c, stop, &s->v, err, errsz);
    if (n <= 0) {
        s->done = n == 0;
        return (int)n;
    }
    s->n = n;
    s->i = 0;
    return 1;
}

/* Replays the pairs into the partition's map (same checks as live copying);
 * an empty map starts at `src_start`, where the source read began. */
static int64_t commit_pairs(offset_map_t *map, const offset_map_t *pairs, int64_t src_start) {
    int64_t added = 0;
    if (offset_map_count(pairs) && offset_map_count(map) == 0) offset_map_begin(map, src_start);
    for (size_t s = 0; s < offset_map_count(pairs); s++) {
        const offset_seg_t *g = offset_map_at(pairs, s);
        for (int64_t k = 0; k < g->count; k++)
            if (offset_map_add(map, g->src_start + k, g->tgt_start + k) == 0) added++;
    }
    return added;
}

/* Offers target records to the pairing until the tail's end, a stop, or the
 * pairing's STOP. Returns 0, -1 (err filled) or KREAD_STOPPED. */
static int pair_tail(side_t *t, side_t *s, pairing_t *p, offset_map_t *pairs,
                     const atomic_int *stop, char *err, size_t errsz) {
    for (;;) {
        int r = side_peek(t, stop, err, errsz);
        if (r <= 0) return r;
        if ((r = side_peek(s, stop, err, errsz)) < 0) return r;
        const krecord_t *tr = &t->v[t->i], *sr = r ? &s->v[s->i] : NULL;
        pairing_action_t a = pairing_offer(p, tr->digest, sr ? sr->digest : NULL);
        if (a == PAIRING_STOP) return 0;
        if (a == PAIRING_PAIRED) {
            if (offset_map_count(pairs) == 0) offset_map_begin(pairs, sr->offset);
            if (offset_map_add(pairs, sr->offset, tr->offset)) {
                snprintf(err, errsz, "offsets out of order: source %lld, target %lld",
                         (long long)sr->offset, (long long)tr->offset);
                return -1;
            }
            s->i++;
        }
        t->i++;
    }
}

/* Whether source offset o is a copied record of map; *i is a segment index
 * kept between calls with increasing o. */
static bool is_mapped(const offset_map_t *map, size_t *i, int64_t o) {
    const offset_seg_t *g;
    while ((g = offset_map_at(map, *i)) && g->src_end <= o) (*i)++;
    return g && o >= g->src_start && o < g->src_start + g->count;
}

/* A target tail that repeats records mapped before this run (an adoption
 * stopped by a restart in the middle of a copier's repeated run) cannot be
 * explained by what this run paired. Re-reads the source records mapped
 * (in map or pairs) in the RECOVER_SEED_BACK offsets before `until` into a
 * fresh pairing. Returns 0, -1 (err filled) or KREAD_STOPPED. */
static int seed_mapped(pairing_t *p, rd_kafka_t *source, const char *topic, int32_t partition,
                       const offset_map_t *map, const offset_map_t *pairs, int64_t until,
                       const atomic_int *stop, char *err, size_t errsz) {
    int64_t from = until > RECOVER_SEED_BACK ? until - RECOVER_SEED_BACK : 0;
    kread_cursor_t *c = kread_cursor_open(source, topic, partition, from, until, RECOVER_WINDOW,
                                          RECOVER_TIMEOUT_MS, err, errsz);
    if (!c) return -1;
    size_t mi = 0, pi = 0;
    const krecord_t *r;
    ssize_t n;
    while ((n = kread_cursor_next(c, stop, &r, err, errsz)) > 0)
        for (ssize_t k = 0; k < n; k++)
            if (is_mapped(map, &mi, r[k].offset) || is_mapped(pairs, &pi, r[k].offset))
                pairing_seed(p, r[k].digest);
    kread_cursor_close(c);
    return (int)n;
}

int recover_partition(rd_kafka_t *source, rd_kafka_t *target, const atomic_int *stop,
                      const char *source_topic, const char *target_topic, int32_t partition,
                      offset_map_t *map, int64_t target_end, recover_result_t *res, char *err,
                      size_t errsz) {
    memset(res, 0, sizeof *res);
    int64_t tn = offset_map_tgt_next(map), sn = offset_map_src_next(map);
    res->adopting = tn < 0;
    if (target_end <= (tn < 0 ? 0 : tn)) return 0;
    side_t t = {0}, s = {0};
    pairing_t *p = NULL;
    offset_map_t *pairs = NULL;
    int rc = -1;
    t.c = kread_cursor_open(target, target_topic, partition, tn < 0 ? 0 : tn, target_end,
                            RECOVER_WINDOW, RECOVER_TIMEOUT_MS, err, errsz);
    if (!t.c) goto out;
    res->target_extra = kread_cursor_end(t.c) - kread_cursor_start(t.c);
    if (res->target_extra <= 0) {
        res->target_extra = 0;
        rc = 0;
        goto out;
    }
    s.c = kread_cursor_open(source, source_topic, partition, sn < 0 ? 0 : sn, -1, RECOVER_WINDOW,
                            RECOVER_TIMEOUT_MS, err, errsz);
    if (!s.c) goto out;
    p = pairing_new(res->adopting, RECOVER_LOOKBACK);
    pairs = offset_map_new();
    rc = pair_tail(&t, &s, p, pairs, stop, err, errsz);
    int64_t dups = pairing_duplicates(p);
    if (rc == 0 && pairing_stopped(p) && !res->adopting) {
        /* Once: explain the difference by the records mapped before this run. */
        int64_t until = s.i < s.n ? s.v[s.i].offset : kread_cursor_end(s.c);
        pairing_destroy(p);
        p = pairing_new(false, RECOVER_LOOKBACK);
        rc = seed_mapped(p, source, source_topic, partition, map, pairs, until, stop, err, errsz);
        if (rc == 0) rc = pair_tail(&t, &s, p, pairs, stop, err, errsz);
        dups += pairing_duplicates(p);
    }
    if (rc == KREAD_STOPPED) res->interrupted = true, rc = 0;
    if (rc == 0) {
        res->recovered = commit_pairs(map, pairs, kread_cursor_start(s.c));
        res->target_duplicates = dups;
        res->no_source = pairing_unpaired(p);
    }
out:
    res->unpaired = res->target_extra - res->recovered - res->target_duplicates;
    pairing_destroy(p);
    offset_map_destroy(pairs);
    kread_cursor_close(t.c);
    kread_cursor_close(s.c);
    return rc;
}

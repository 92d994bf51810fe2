/* Partition bookkeeping for the copy loop (see mpart.h): every decision the
 * mirror makes about one partition's map (extend it from a delivery report,
 * place records acknowledged without offsets, cover gaps, judge a refused
 * fetch position) lives here, free of Kafka I/O, so that it can be tested
 * case by case. */
#include "mirror/mpart.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"

void mpart_init(mpart_t *p, offset_map_t *map) {
    memset(p, 0, sizeof *p);
    p->map = map ? map : offset_map_new();
    p->next_fetch = p->eof_offset = p->loss_cover = p->tgt_base = p->verify_src = -1;
    p->skip_below = -1;
    p->txn_src_next = offset_map_src_next(p->map);
}

void mpart_clear(mpart_t *p) {
    offset_map_destroy(p->map);
    free(p->unknown);
    memset(p, 0, sizeof *p);
}

const char *mpart_state_name(mpart_state_t s) {
    switch (s) {
    case MPART_COPYING: return "copying";
    case MPART_FAILED: return "failed";
    case MPART_DATA_LOSS: return "data-loss";
    case MPART_REMOVED: return "removed";
    }
    return "?";
}

int64_t mpart_position(const mpart_t *p) {
    return p->next_fetch >= 0 ? p->next_fetch : offset_map_src_next(p->map);
}

/* When nothing is in flight or waiting, extends the map over source offsets
 * that hold no record up to where the consumer has been: the end of the
 * partition, or the first offset after a gap reported as lost. */
static void try_cover(mpart_t *p) {
    if (p->inflight || p->state != MPART_COPYING || p->nunknown) return;
    int64_t to = p->eof_offset > p->loss_cover ? p->eof_offset : p->loss_cover;
    if (to < 0) return;
    if (offset_map_count(p->map) == 0) {
        offset_map_begin(p->map, to);
        p->version++;
    }
    if (to > offset_map_src_next(p->map) && offset_map_cover(p->map, to) == 0) p->version++;
}

void mpart_consumed(mpart_t *p, int64_t src) {
    if (offset_map_count(p->map) == 0) {
        offset_map_begin(p->map, src);
        p->version++;
    }
    p->eof_offset = -1;
    p->next_fetch = src + 1;
    p->inflight++;
}

static mpart_rc_t stop(mpart_t *p, mpart_state_t why) {
    p->state = why;
    p->nunknown = 0;
    return MPART_STOPPED;
}

/* Places the waiting records right before target offset `next` if they fit
 * exactly after the last record this partition's target holds from kmig. */
static mpart_rc_t place(mpart_t *p, int64_t next, char *err, size_t errsz) {
    int64_t at = offset_map_tgt_next(p->map);
    if (p->tgt_base > at) at = p->tgt_base; /* this run writes after the target's end at start */
    bool fits = at >= 0 && next - at == (int64_t)p->nunknown;
    for (size_t i = 0; fits && i < p->nunknown; i++)
        fits = offset_map_add(p->map, p->unknown[i], at + (int64_t)i) == 0;
    if (!fits) {
        snprintf(err, errsz,
                 "%zu record(s) from source offset %" PRId64 " were acknowledged without target "
                 "offsets and cannot be placed (the target's next offset is %" PRId64
                 ", the map's %" PRId64 "): stopping this partition; a restart re-pairs them "
                 "from the target's records",
                 p->nunknown, p->unknown[0], next, at);
        return stop(p, MPART_FAILED);
    }
    snprintf(err, errsz,
             "%zu record(s) the target acknowledged without offsets placed at target offsets "
             "%" PRId64 "..%" PRId64,
             p->nunknown, at, next - 1);
    p->nunknown = 0;
    p->version++;
    return MPART_OK;
}

mpart_rc_t mpart_delivered(mpart_t *p, int64_t src, int64_t tgt, int64_t bytes, int64_t latency_ms,
                           char *err, size_t errsz) {
    if (errsz) err[0] = '\0';
    if (p->inflight > 0) p->inflight--;
    if (p->state != MPART_COPYING) return MPART_STOPPED;
    if (tgt < 0) {
        if (p->nunknown == p->unknown_cap) {
            p->unknown_cap = p->unknown_cap ? 2 * p->unknown_cap : 64;
            p->unknown = xrealloc(p->unknown, p->unknown_cap * sizeof *p->unknown);
        }
        p->unknown[p->nunknown++] = src;
    } else {
        if (p->nunknown && place(p, tgt, err, errsz) != MPART_OK) return MPART_STOPPED;
        if (offset_map_add(p->map, src, tgt)) {
            snprintf(err, errsz,
                     "delivery out of order (source %" PRId64 " -> target %" PRId64
                     ", the map is at source %" PRId64 ", target %" PRId64
                     "); stopping this partition",
                     src, tgt, offset_map_src_next(p->map), offset_map_tgt_next(p->map));
            return stop(p, MPART_FAILED);
        }
        p->version++;
    }
    p->records++;
    p->bytes += bytes;
    if (latency_ms >= 0) {
        p->lat_sum_ms += latency_ms;
        p->lat_n++;
        if (latency_ms > p->lat_max_ms) p->lat_max_ms = latency_ms;
    }
    try_cover(p);
    return MPART_OK;
}

bool mpart_delivery_failed(mpart_t *p) {
    if (p->inflight > 0) p->inflight--;
    if (p->state != MPART_COPYING) return false;
    stop(p, MPART_FAILED);
    return true;
}

bool mpart_needs_tail(const mpart_t *p) {
    return p->nunknown && !p->inflight && p->state == MPART_COPYING;
}

mpart_rc_t mpart_place_tail(mpart_t *p, int64_t target_end, char *err, size_t errsz) {
    if (errsz) err[0] = '\0';
    if (!mpart_needs_tail(p)) return p->state == MPART_COPYING ? MPART_OK : MPART_STOPPED;
    mpart_rc_t rc = place(p, target_end, err, errsz);
    try_cover(p);
    return rc;
}

void mpart_eof(mpart_t *p, int64_t end) {
    p->eof_offset = end;
    try_cover(p);
}

mpart_gap_t mpart_offset_reset(mpart_t *p, int64_t lo, int64_t hi, bool go_on, int64_t *from,
                               int64_t *to, int64_t *resume) {
    int64_t pos = mpart_position(p);
    *from = *to = -1;
    if (pos < 0) { /* nothing consumed or mapped: start at the log start */
        *resume = lo;
        return MPART_GAP_NONE;
    }
    mpart_gap_t gap = MPART_GAP_NONE;
    if (lo > pos) {
        gap = MPART_GAP_DELETED;
        *from = pos;
        *to = lo;
        *resume = lo;
    } else if (hi >= 0 && hi < pos) {
        gap = MPART_GAP_TRUNCATED;
        *from = hi;
        *to = pos;
        *resume = pos; /* offsets below pos are mapped: new records there cannot be */
    } else {
        *resume = pos;
        return MPART_GAP_NONE;
    }
    p->lost += *to - *from;
    if (!go_on) {
        stop(p, MPART_DATA_LOSS);
        return gap;
    }
    if (gap == MPART_GAP_TRUNCATED) { /* fetch from the source's end, drop up to pos */
        p->skip_below = pos;
        *resume = hi;
        return gap;
    }
    if (*resume > p->loss_cover) p->loss_cover = *resume;
    p->next_fetch = *resume;
    try_cover(p);
    return gap;
}

bool mpart_caught_up(const mpart_t *p) {
    return p->state == MPART_COPYING && p->eof_offset >= 0 && !p->inflight && !p->nunknown &&
           offset_map_src_next(p->map) >= p->eof_offset;
}

void mpart_latency_take(mpart_t *p, int64_t *max_ms, int64_t *avg_ms) {
    *max_ms = p->lat_max_ms;
    *avg_ms = p->lat_n ? p->lat_sum_ms / p->lat_n : 0;
    p->lat_sum_ms = p->lat_n = p->lat_max_ms = 0;
}

offset_map_result_t mpart_translate(const offset_map_t *map, int64_t end, int64_t tgt_base,
                                    int64_t committed, int64_t *target) {
    offset_map_result_t r = offset_map_translate_at_end(map, committed, end, target);
    if (r == OFFSET_MAP_PENDING && end >= 0 && committed == end && tgt_base >= 0 &&
        offset_map_tgt_next(map) < 0 && offset_map_src_next(map) == end) {
        *target = tgt_base;
        r = OFFSET_MAP_EXACT;
    }
    return r;
}

bool mpart_last_pair(const mpart_t *p, int64_t *src, int64_t *tgt) {
    for (size_t i = offset_map_count(p->map); i-- > 0;) {
        const offset_seg_t *s = offset_map_at(p->map, i);
        if (s->count) {
            *src = s->src_start + s->count - 1;
            *tgt = s->tgt_start + s->count - 1;
            return true;
        }
    }
    return false;
}

mpart_resume_t mpart_resume_check(mpart_t *p, int64_t offset,
                                  const uint8_t digest[RECORD_DIGEST_LEN]) {
    if (p->verify_src < 0) return MPART_RESUME_NONE;
    int64_t at = p->verify_src, end = offset_map_src_next(p->map);
    p->verify_src = -1;
    if (digest && offset == at)
        return memcmp(digest, p->verify_digest, RECORD_DIGEST_LEN) ? MPART_RESUME_CHANGED
                                                                   : MPART_RESUME_SAME;
    return offset < end ? MPART_RESUME_CHANGED : MPART_RESUME_UNKNOWN;
}

int64_t mpart_rewritten(mpart_t *p, int64_t lo, bool go_on, int64_t *resume) {
    int64_t end = offset_map_src_next(p->map);
    int64_t n = end > lo ? end - (lo > 0 ? lo : 0) : 0;
    p->lost += n;
    p->verify_src = -1;
    *resume = end;
    if (!go_on)
        stop(p, MPART_DATA_LOSS);
    else
        p->skip_below = end; /* fetching goes on; what comes below the map's end is dropped */
    return n;
}

bool mpart_skips(mpart_t *p, int64_t offset) {
    if (p->skip_below < 0) return false;
    if (offset < p->skip_below) return true;
    p->skip_below = -1;
    return false;
}

void mpart_txn_committed(mpart_t *p) {
    p->txn_src_next = offset_map_src_next(p->map);
    p->txn_records = p->records;
    p->txn_bytes = p->bytes;
}

int64_t mpart_txn_rewind(mpart_t *p) {
    /* Below any mapped offset (nothing committed yet): the map keeps only its
     * start (offset_map_begin's empty first segment). */
    offset_map_truncate(p->map, p->txn_src_next < 0 ? INT64_MIN : p->txn_src_next);
    p->records = p->txn_records;
    p->bytes = p->txn_bytes;
    p->inflight = 0;
    p->nunknown = 0;
    p->next_fetch = -1;
    p->eof_offset = -1;
    p->verify_src = -1;
    p->version++;
    return offset_map_src_next(p->map);
}

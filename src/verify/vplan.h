#ifndef KMIG_VERIFY_VPLAN_H
#define KMIG_VERIFY_VPLAN_H
/* What `kmig verify` reads: the --since window (an offset or a time) and the
 * --sample choice of partitions and ranges, reproducible from a printed seed.
 * Pure: the caller turns a time into offsets (offsets_for_times). */
#include <stddef.h>
#include <stdint.h>

typedef enum { VPLAN_SINCE_NONE = 0, VPLAN_SINCE_OFFSET, VPLAN_SINCE_TIME } vplan_since_kind_t;

typedef struct vplan_since {
    vplan_since_kind_t kind;
    int64_t value; /* a source offset, or a time in ms since the epoch */
} vplan_since_t;

/* Parses --since: digits = a source offset; N followed by ms, s, m, h or d =
 * that long before now_ms; YYYY-MM-DDTHH:MM[:SS][Z] = a UTC time (also with a
 * space for T). Returns 0, or -1 with err filled. */
int vplan_parse_since(const char *text, int64_t now_ms, vplan_since_t *out, char *err,
                      size_t errsz);

/* A range of source offsets [from, to) of partition `index` (the caller's). */
typedef struct vplan_pick {
    size_t index;
    int64_t from, to;
} vplan_pick_t;

/* --sample PCT: of n partitions whose verifiable source ranges are
 * [start[i], next[i]), picks ceil(n * pct / 100) of them (at least one when
 * n > 0) at random, and in each a random contiguous range of ceil(len * pct /
 * 100) offsets (at least one when len > 0). Deterministic for a seed. Writes
 * the picks in increasing index order into out (room for n) and returns their
 * number. pct in (0, 100]; 100 picks everything whole. */
size_t vplan_sample(const int64_t *start, const int64_t *next, size_t n, double pct,
                    uint64_t seed, vplan_pick_t *out);

/* A seed from the clock and the process, for when none is given. */
uint64_t vplan_seed(int64_t now_ms, long pid);

#endif

#ifndef KMIG_OFFSETS_OFFSET_MAP_H
#define KMIG_OFFSETS_OFFSET_MAP_H
/* The exact map of one source partition onto its target partition, as
 * run-length segments. Pure logic: no Kafka I/O.
 *
 * A segment covers the source offsets [src_start, src_end). The first `count`
 * of them, src_start .. src_start+count-1, are records that were copied, in
 * order, to the target offsets tgt_start .. tgt_start+count-1. The rest,
 * [src_start+count, src_end), hold no record that was copied (compaction gap,
 * transaction marker, aborted record, or a range reported as lost).
 * Segments are sorted, do not overlap and (once the first exists) leave no
 * hole: segment i+1 starts at segment i's src_end.
 *
 * Ownership: the map owns its segments; pointers returned by offset_map_at()
 * stay valid until the next call that modifies the map. */
#include <stddef.h>
#include <stdint.h>

typedef struct offset_seg {
    int64_t src_start; /* first source offset covered */
    int64_t src_end;   /* one past the last source offset covered */
    int64_t tgt_start; /* target offset of the record at src_start */
    int64_t count;     /* records copied: src_start .. src_start+count-1 */
} offset_seg_t;

typedef struct offset_map offset_map_t;

offset_map_t *offset_map_new(void);
void offset_map_destroy(offset_map_t *map); /* accepts NULL */

/* Records that the record at source offset `src` is acknowledged at target
 * offset `tgt`. Calls must come in increasing `src` order and increasing `tgt`
 * order. A contiguous record extends the last segment; otherwise a new segment
 * starts at `src` and the previous one's src_end moves up to `src` (the skipped
 * source offsets become its trailing gap). Returns 0, or -1 when out of order. */
int offset_map_add(offset_map_t *map, int64_t src, int64_t tgt);

/* Declares that every source offset below `src_next` is covered: offsets
 * between the last record and src_next become a trailing gap of the last
 * segment. No-op on an empty map (call offset_map_begin() first). Returns -1
 * when src_next is below the current end. */
int offset_map_cover(offset_map_t *map, int64_t src_next);

/* Starts an empty map at `src_start`, the first offset kmig copies from: it
 * creates the segment [src_start, src_start) with count 0. A segment with
 * count 0 is a pure gap (its tgt_start is -1 and unused). The first
 * offset_map_add() at src_start fills it; one at a higher offset leaves it as
 * the gap [src_start, src) in front of a new segment. No-op on a non-empty map. */
void offset_map_begin(offset_map_t *map, int64_t src_start);

/* One past the last covered source offset (where copying resumes); -1 when
 * the map is empty. */
int64_t offset_map_src_next(const offset_map_t *map);
/* One past the last mapped target offset; -1 when no record is mapped. */
int64_t offset_map_tgt_next(const offset_map_t *map);

typedef enum {
    OFFSET_MAP_EXACT = 0,      /* *tgt is the exact target offset */
    OFFSET_MAP_PENDING = 1,    /* c is at or beyond what has been copied */
    OFFSET_MAP_NOT_COPIED = 2, /* c is below the first covered source offset */
} offset_map_result_t;

/* Translates a committed source offset `c` (the next record a consumer would
 * read) to the target offset of the first copied record whose source offset
 * is >= c; when c falls in a gap, that is the next non-empty segment's
 * tgt_start, or tgt_next after the last record (tgt_next of an empty map:
 * PENDING). c == src_next of a map whose
 * last segment ends exactly at the source end is EXACT (*tgt = tgt_next): the
 * caller decides what "source end" is by calling offset_map_cover(). */
offset_map_result_t offset_map_translate(const offset_map_t *map, int64_t c, int64_t *tgt);

size_t offset_map_count(const offset_map_t *map);
const offset_seg_t *offset_map_at(const offset_map_t *map, size_t i);

/* Segments changed since the last offset_map_mark_clean(): indexes
 * [offset_map_dirty_from(map), offset_map_count(map)). */
size_t offset_map_dirty_from(const offset_map_t *map);
void offset_map_mark_clean(offset_map_t *map);

/* Inserts or replaces (same src_start) a segment read back from storage.
 * Later versions of a segment only grow. Returns -1 when it overlaps another
 * segment inconsistently. Leaves the map clean. */
int offset_map_load(offset_map_t *map, const offset_seg_t *seg);

/* Persisted record format (docs/OFFSET_MAP.md). Key: "<topic>:<partition>:<src_start>".
 * Value: JSON {"v":1,"target":"<target topic>","src_start":..,"src_end":..,
 * "tgt_start":..,"count":..}. encode_* write a NUL-terminated string into buf and
 * return its length, or -1 when buf is too small. decode returns 0 or -1 with a
 * message in err. */
int offset_map_encode_key(char *buf, size_t size, const char *topic, int32_t partition,
                          int64_t src_start);
int offset_map_encode_value(char *buf, size_t size, const char *target_topic,
                            const offset_seg_t *seg);
int offset_map_decode(const void *key, size_t key_len, const void *value, size_t value_len,
                      char *topic, size_t topic_size, int32_t *partition, char *target_topic,
                      size_t target_size, offset_seg_t *seg, char *err, size_t errsz);

#endif

#ifndef KMIG_OFFSETS_OFFSET_MAP_H
#define KMIG_OFFSETS_OFFSET_MAP_H
/* The exact map of one source partition onto its target partition, as
 * run-length segments (docs/OFFSET_MAP.md). Pure logic: no Kafka I/O.
 *
 * A segment covers the source offsets [src_start, src_end). The first `count`
 * of them, src_start .. src_start+count-1, are records that were copied, in
 * order, to the target offsets tgt_start .. tgt_start+count-1. The rest,
 * [src_start+count, src_end), hold no record that was copied (compaction gap,
 * transaction marker, aborted record, or a range reported as lost).
 * Segments are sorted and do not overlap, and both their source and target
 * ranges increase. A map built with offset_map_begin()/offset_map_add() leaves
 * no hole: segment i+1 starts at segment i's src_end. Only a map rebuilt with
 * offset_map_load() can have holes (while loading, or for good when a stored
 * segment update was lost); offsets in a hole translate as PENDING.
 *
 * Not thread-safe: the owner serialises calls.
 * Ownership: the map owns its segments; pointers returned by offset_map_at()
 * stay valid until the next call that modifies the map. */
#include <stddef.h>
#include <stdint.h>

typedef struct offset_seg {
    int64_t src_start; /* first source offset covered */
    int64_t src_end;   /* one past the last source offset covered */
    int64_t tgt_start; /* target offset of the record at src_start; -1 when count is 0 */
    int64_t count;     /* records copied: src_start .. src_start+count-1 */
    /* The writer's ownership epoch (workers, docs/OFFSET_MAP.md): each new
     * owner of a partition writes with a higher one; where persisted segments
     * contradict each other the higher epoch wins (map_set.h). 0 in format
     * version 1 records. Carried, not interpreted, by the map itself. */
    int64_t epoch;
} offset_seg_t;

typedef struct offset_map offset_map_t;

offset_map_t *offset_map_new(void);
void offset_map_destroy(offset_map_t *map); /* accepts NULL */

/* Records that the record at source offset `src` is acknowledged at target
 * offset `tgt`. Calls must come in increasing `src` order and increasing `tgt`
 * order: src >= src_next and tgt >= tgt_next. A contiguous record (src ==
 * src_next of a last segment without trailing gap, tgt == tgt_next) extends
 * the last segment; a record at the src_start of an empty last segment fills
 * it; otherwise a new segment starts at `src` and the previous one's src_end
 * moves up to `src` (the skipped source offsets become its trailing gap). On
 * an empty map the first add starts the map at `src`. Returns 0, or -1 when
 * out of order, an offset is negative or INT64_MAX (the segment's end would
 * not fit) (the map is unchanged). */
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
 * is >= c. By region of c (*tgt is set only for EXACT):
 *   - below the first segment's src_start: NOT_COPIED;
 *   - in the records of a segment: EXACT, tgt_start + (c - src_start);
 *   - in a gap: EXACT, the tgt_start of the next segment that has records, or
 *     tgt_next when no record follows (PENDING when no record is mapped at all);
 *   - at or above src_next, and on an empty map: PENDING. c == src_next is
 *     PENDING too: kmig has not read source offset c yet, so it does not know
 *     where the record there (if any) will land. A caller that knows the
 *     source end uses offset_map_translate_at_end();
 *   - in a hole (see above): PENDING.
 * O(log n) in the number of segments. */
offset_map_result_t offset_map_translate(const offset_map_t *map, int64_t c, int64_t *tgt);

/* As offset_map_translate(), for a caller that knows the source partition's
 * end offset `source_end` (high watermark, or last stable offset when reading
 * committed): when c == source_end == src_next the consumer has read
 * everything and kmig has copied everything, so the answer is EXACT with
 * *tgt = tgt_next, where the next copied record will land. PENDING when no
 * record is mapped (the target position is unknown). */
offset_map_result_t offset_map_translate_at_end(const offset_map_t *map, int64_t c,
                                                int64_t source_end, int64_t *tgt);

size_t offset_map_count(const offset_map_t *map);
const offset_seg_t *offset_map_at(const offset_map_t *map, size_t i); /* NULL when i >= count */

/* Segments changed since the last offset_map_mark_clean(): indexes
 * [offset_map_dirty_from(map), offset_map_count(map)). An add that moves the
 * previous segment's src_end makes that segment dirty too. Writers must store
 * the dirty segments in index order (a stored segment then implies the stored
 * final versions of all before it, so a reloaded map has no hole). */
size_t offset_map_dirty_from(const offset_map_t *map);
void offset_map_mark_clean(offset_map_t *map);
/* Marks segments from index i on dirty again (their write failed). */
void offset_map_mark_dirty_from(offset_map_t *map, size_t i);

/* Takes the map back to where it stood when its src_next was `src_next`
 * (exactly-once mode: the records of an aborted transaction are no longer
 * copied). Segments starting at or after src_next go; the last one keeps
 * its records below src_next and ends there. Exact because a segment only
 * grows at its end: the state at any earlier src_next is a prefix. A
 * src_next at or below the first segment's start keeps that start as an
 * empty first segment. No-op when src_next >= the map's src_next or the map
 * is empty. The last kept segment is marked dirty. */
void offset_map_truncate(offset_map_t *map, int64_t src_next);

/* Inserts or replaces (same src_start) a segment read back from storage.
 * Later versions of a segment only grow (same tgt_start unless it had no
 * record, count and src_end not smaller): the larger of two versions is kept,
 * in whatever order they arrive. Returns -1 when the segment is malformed
 * (negative offsets, src_end < src_start+count, tgt_start not -1 for count 0,
 * src_start+count or tgt_start+count above INT64_MAX)
 * or overlaps another segment inconsistently (source or target ranges).
 * Loading in increasing src_start order costs O(log n) per segment. Leaves the
 * map clean. */
int offset_map_load(offset_map_t *map, const offset_seg_t *seg);

/* Persisted record format (docs/OFFSET_MAP.md). Key: "<topic>:<partition>:<src_start>".
 * Value: JSON {"v":2,"target":"<target topic>","src_start":..,"src_end":..,
 * "tgt_start":..,"count":..,"epoch":..}; a segment of epoch 0 is written as
 * version 1 (no "epoch"), and version 1 records read as epoch 0. encode_* write a NUL-terminated string into buf and
 * return its length, or -1 when buf is too small (or, for the value, when the
 * target topic holds a character that JSON would need escaped, which no valid
 * Kafka topic name does). decode returns 0 or -1 with a message in err; it
 * rejects any "v" other than 1 or 2, unknown or missing fields, non-integer numbers
 * and a segment offset_map_load() would call malformed. */
int offset_map_encode_key(char *buf, size_t size, const char *topic, int32_t partition,
                          int64_t src_start);
int offset_map_encode_value(char *buf, size_t size, const char *target_topic,
                            const offset_seg_t *seg);
int offset_map_decode(const void *key, size_t key_len, const void *value, size_t value_len,
                      char *topic, size_t topic_size, int32_t *partition, char *target_topic,
                      size_t target_size, offset_seg_t *seg, char *err, size_t errsz);

#endif

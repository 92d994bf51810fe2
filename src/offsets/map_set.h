#ifndef KMIG_OFFSETS_MAP_SET_H
#define KMIG_OFFSETS_MAP_SET_H
/* The offset maps of many partitions, keyed by source topic and partition,
 * as read back from the map topic. Pure: no Kafka I/O.
 *
 * Ownership: the set owns its entries and their maps; map_set_take() hands a
 * map over to the caller (the entry then holds NULL). */
#include <stddef.h>
#include <stdint.h>

#include "offsets/offset_map.h"

typedef struct map_entry {
    char *topic;  /* source topic */
    int32_t partition;
    char *target; /* target topic it was copied to */
    offset_map_t *map;
    /* The partition's end offsets when the caller last read them (-1: not
     * known), for map_set_translate. */
    int64_t source_end, target_end;
    int64_t max_epoch; /* the highest writer epoch among its segments (workers) */
} map_entry_t;

typedef struct map_set map_set_t;

map_set_t *map_set_new(void);
void map_set_destroy(map_set_t *s); /* accepts NULL */

map_entry_t *map_set_get(map_set_t *s, const char *topic, int32_t partition);

/* Adds a segment read from storage (creating the entry); the signature fits
 * map_store_seg_fn. Where segments of different writer epochs contradict
 * each other (two workers wrote for the partition: the one that lost it and
 * the next owner), the higher epoch wins: the other's segments keep only what
 * they map before it, in whatever order they arrive; the parts dropped are
 * counted in map_set_superseded(). Any other segment that contradicts an
 * earlier one is counted in map_set_conflicts() and dropped. */
void map_set_add_seg(void *set, const char *topic, int32_t partition, const char *target,
                     const offset_seg_t *seg);
size_t map_set_conflicts(const map_set_t *s);
size_t map_set_superseded(const map_set_t *s);

/* The entry of topic/partition, created with an empty map (copied to
 * `target`) when there is none. */
map_entry_t *map_set_ensure(map_set_t *s, const char *topic, int32_t partition,
                            const char *target);

offset_map_t *map_set_take(map_set_t *s, const char *topic, int32_t partition);

/* Translates a group's committed source offset through the partition's map
 * (offset_map_translate_at_end with the entry's source_end). With nothing
 * copied yet and the group at the source end, the group resumes where the
 * next copied record will land: the target's end. The signature fits
 * groups_translate_fn, with the set as opaque. */
offset_map_result_t map_set_translate(void *set, const char *topic, int32_t partition,
                                      int64_t committed, int64_t *target);

/* Entries sorted by topic, then partition (for printing). */
size_t map_set_count(const map_set_t *s);
map_entry_t *map_set_sorted(map_set_t *s, size_t i);

#endif

#ifndef KMIG_MIRROR_VERIFY_H
#define KMIG_MIRROR_VERIFY_H
/* Proves a copy of one partition: every source record must be in the offset
 * map and the target record the map names must have the same digest (key,
 * value, headers, timestamp). Target records the map does not name are
 * counted as unmapped (re-sent duplicates or foreign writes). */
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "offsets/offset_map.h"

typedef struct verify_result {
    int64_t source_records; /* records read from the source */
    int64_t matched;        /* found at the mapped target offset with equal content */
    int64_t missing;        /* source records the map does not cover (not copied yet) */
    int64_t mismatched;     /* mapped, but the target record differs or is absent */
    int64_t unmapped;       /* target records no source record maps to */
} verify_result_t;

/* Reads the source partition from the map's first covered offset, and the
 * target partition, holding the target's digests in memory (40 bytes a
 * record). Returns 0 (see *res for the verdict) or -1 with err filled. */
int verify_partition(rd_kafka_t *source, rd_kafka_t *target, const char *source_topic,
                     const char *target_topic, int32_t partition, const offset_map_t *map,
                     verify_result_t *res, char *err, size_t errsz);

#endif

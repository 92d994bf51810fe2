#ifndef KMIG_MIRROR_RECOVER_H
#define KMIG_MIRROR_RECOVER_H
/* Crash recovery without duplicates. After a hard stop the target can hold
 * records that were acknowledged but not yet written to the offset map. They
 * are the copies, in order, of the source records that follow the map's end
 * (one idempotent producer, one partition, order kept). This pairs them with
 * those source records, compares content digests (key, value, headers,
 * timestamp) and maps every pair that matches, so the copy resumes after them
 * instead of writing them again. It stops at the first difference; whatever
 * is left unpaired is reported (and counted as possibly re-sent). */
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "offsets/offset_map.h"

typedef struct recover_result {
    int64_t target_extra; /* target records after the map's last target offset */
    int64_t recovered;    /* of those, paired with their source record and mapped */
} recover_result_t;

/* source/target: consumer handles without a group (legacy API), reading with
 * the mirror's isolation level. target_end: the target partition's end offset.
 * Returns 0, or -1 with err filled (the map is then unchanged). */
int recover_partition(rd_kafka_t *source, rd_kafka_t *target, const char *source_topic,
                      const char *target_topic, int32_t partition, offset_map_t *map,
                      int64_t target_end, recover_result_t *res, char *err, size_t errsz);

#endif

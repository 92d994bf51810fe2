#ifndef KMIG_MIRROR_RECOVER_H
#define KMIG_MIRROR_RECOVER_H
/* Pairing target records that are not in the offset map with their source
 * records, so the copy resumes after them instead of writing them again.
 *   - After a hard stop the target can hold records that were acknowledged
 *     but not yet written to the map: the copies, in order, of the source
 *     records that follow the map's end.
 *   - When nothing is mapped yet, the target may hold a copy made by another
 *     tool with the same topic names and partitions (MirrorMaker 2 with the
 *     identity policy): it is adopted. Target records before the copy of the
 *     source's first record (their source records are gone) stay unpaired;
 *     runs that an at-least-once copier wrote twice are skipped as duplicates.
 * Pairs compare content digests (key, value, headers, timestamp) in order
 * (offsets/pairing.h); pairing stops at the first difference nothing explains,
 * and what is left is counted as unpaired (possibly re-sent).
 *
 * Memory is bounded whatever the tail's length: both partitions are read in
 * windows of RECOVER_WINDOW records (plus the readers' prefetch,
 * queued.max.messages.kbytes), and duplicate runs are recognised within the
 * last RECOVER_LOOKBACK paired records (8 bytes each). */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "offsets/offset_map.h"

#define RECOVER_WINDOW 1024
#define RECOVER_LOOKBACK (1 << 20)

typedef struct recover_result {
    bool adopting;             /* nothing was mapped: the tail is another tool's copy, or none */
    bool interrupted;          /* *stop was set before the tail's end */
    int64_t target_extra;      /* target offsets after the map's last target offset (all of
                                * the partition when nothing was mapped) up to target_end */
    int64_t recovered;         /* of those, paired with their source record and mapped */
    int64_t target_duplicates; /* repeats of source records paired before: skipped, not mapped */
    int64_t unpaired;          /* the rest: no source record (gone), after the first
                                * unexplained difference, or not read (stop) */
    int64_t no_source;         /* of unpaired, adopting: before the copy of the source's first
                                * record (their source is gone), so never re-sent. The others
                                * may be re-sent: unpaired - no_source */
} recover_result_t;

/* source/target: consumer handles without a group (legacy API), reading with
 * the mirror's isolation level. map: the partition's live map (the target is
 * read from its end, or from the target's log start when no record is mapped;
 * the source likewise, or from its log start). target_end: the target
 * partition's end offset. stop: when set (any time), the reads end within
 * about 200 ms; the pairs found so far are mapped (they are correct) and
 * res->interrupted is set. Returns 0, or -1 with err filled when a read
 * failed (the map is then unchanged and res counts nothing recovered). */
int recover_partition(rd_kafka_t *source, rd_kafka_t *target, const atomic_int *stop,
                      const char *source_topic, const char *target_topic, int32_t partition,
                      offset_map_t *map, int64_t target_end, recover_result_t *res, char *err,
                      size_t errsz);

#endif

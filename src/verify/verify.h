#ifndef KMIG_VERIFY_VERIFY_H
#define KMIG_VERIFY_VERIFY_H
/* Proves a copy of one partition through its offset map: reads the source
 * range and the target range side by side in windows (memory bounded by the
 * window and librdkafka's prefetch, whatever the partition's size), feeds
 * both streams to the pure merge of verify/vcompare.h, and on the first pair
 * of differing records re-reads those two to say which fields differ.
 *
 * The handles must be consumers made by verify_client_defaults()
 * (enable.partition.eof, the flow's isolation level on the source); one
 * partition at a time per pair of handles.
 * Ownership: everything is borrowed; the report is plain data. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "config/mm2.h"
#include "offsets/offset_map.h"
#include "verify/vcompare.h"

typedef struct verify_range {
    const char *source_topic, *target_topic;
    int32_t partition;
    const offset_map_t *map;
    int64_t from; /* first source offset, -1: the map's first */
    int64_t to;   /* one past the last source offset, -1: the source's end (pending
                     records and foreign writes beyond the map are then seen) */
    const offset_map_t *opp; /* the opposite flow's map of this partition (the way
                                back, docs/CUTOVER.md), NULL: none */
} verify_range_t;

typedef struct verify_report {
    vc_result_t vc;
    int64_t src_lo, src_hi, tgt_lo, tgt_hi;     /* watermarks when the read began */
    int64_t src_from, src_to, tgt_from, tgt_to; /* the ranges read, [from, to) */
    unsigned first_diff_fields; /* VC_F_* of vc.first_of[VC_DIFFERENT], 0 unknown */
    int64_t bytes;              /* key, value and header bytes read, both sides */
} verify_report_t;

/* kmig's defaults and required settings for verify's consumers (the user's
 * come from mm2_client_settings()): fetch sizes, partition EOF events; the
 * flow's isolation level on the source (as the mirror reads it),
 * read_uncommitted on the target so that every write there is seen. */
void verify_client_defaults(const mm2_flow_t *flow, bool source, kv_list_t *defaults,
                            kv_list_t *required);

/* Verifies one range. `progress`, when given, is increased by the records read
 * as they are read. Stops early (returns -1, "stopped") once *stop is set.
 * Returns 0 (the verdict is in *out), or -1 with err filled (a read failed). */
int verify_range(rd_kafka_t *source, rd_kafka_t *target, const verify_range_t *r,
                 int timeout_ms, const atomic_int *stop, atomic_llong *progress,
                 verify_report_t *out, char *err, size_t errsz);

/* The summary `kmig demo` prints: a whole partition from the map's start. */
typedef struct verify_result {
    int64_t source_records; /* records read from the source */
    int64_t matched;        /* found at the mapped target offset with equal content */
    int64_t missing;        /* not copied (gap) or mapped but gone from the target */
    int64_t mismatched;     /* mapped, but the target record differs */
    int64_t unmapped;       /* target records no source record maps to (extra, foreign) */
} verify_result_t;

int verify_partition(rd_kafka_t *source, rd_kafka_t *target, const char *source_topic,
                     const char *target_topic, int32_t partition, const offset_map_t *map,
                     verify_result_t *res, char *err, size_t errsz);

#endif

#ifndef KMIG_KAFKA_MAP_STORE_H
#define KMIG_KAFKA_MAP_STORE_H
/* Reads and writes the offset map topic on the target cluster
 * ("kmig-offset-map.<source-alias>.internal", format in docs/OFFSET_MAP.md).
 * Encoding lives in offsets/offset_map.c; this file only moves records. */
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "config/mm2.h" /* kv_list_t */
#include "offsets/offset_map.h"

/* Name of the map topic for a source alias, written into buf. */
void map_store_topic_name(char *buf, size_t size, const char *source_alias);

typedef void (*map_store_seg_fn)(void *opaque, const char *topic, int32_t partition,
                                 const char *target_topic, const offset_seg_t *seg);

/* The settings every map reader requires (kclient_opts_t.required):
 * isolation.level=read_committed, so that in exactly-once mode a segment of
 * an open or aborted transaction is never read (docs/EXACTLY_ONCE.md), and
 * enable.partition.eof=true (a map written in transactions ends in a commit
 * marker no reader is given: the end is known from the EOF event). Static;
 * never freed. */
const kv_list_t *map_store_reader_required(void);

/* Reads every record of map_topic up to the end offsets at the time of the
 * call, through `consumer` (a consumer handle on the target, reading
 * committed records only: map_store_reader_required(); the legacy
 * per-partition API is used, so it needs no group.id), calling fn for each
 * segment in log order. A missing topic is an empty map. A record that does
 * not decode is an error (a corrupt map must not be silently ignored).
 * *records gets the number of records read. */
int map_store_load(rd_kafka_t *consumer, const char *map_topic, int timeout_ms, map_store_seg_fn fn,
                   void *opaque, size_t *records, char *err, size_t errsz);

/* Produces one segment record (copied) to partition 0 of the map topic, so
 * that all updates of a source partition stay in the order they were made;
 * `opaque` comes back in its delivery report, which the caller must check.
 * Returns librdkafka's error code, e.g. RD_KAFKA_RESP_ERR__QUEUE_FULL for the
 * caller to poll and retry. */
rd_kafka_resp_err_t map_store_write(rd_kafka_topic_t *map_rkt, const char *topic, int32_t partition,
                                    const char *target_topic, const offset_seg_t *seg,
                                    void *opaque);

#endif

#ifndef KMIG_KAFKA_KADMIN_H
#define KMIG_KAFKA_KADMIN_H
/* Synchronous wrappers around librdkafka's metadata and admin calls, each with
 * a timeout, returning kmig's own plain structs so callers need not walk
 * librdkafka result objects. Per-item failures come back per item, with the
 * broker's reason.
 *
 * Ownership: the caller owns every struct filled here and frees it with the
 * matching _clear function. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "config/mm2.h"

typedef struct ktopic {
    char *name;
    int32_t partitions;
    int replication_factor; /* of partition 0 */
    char *error;            /* per-topic metadata error, or NULL */
} ktopic_t;

typedef struct ktopics {
    ktopic_t *v;
    size_t n;
    int brokers;
} ktopics_t;

/* All topics of the cluster (no auto-creation). */
int kadmin_list_topics(rd_kafka_t *rk, int timeout_ms, ktopics_t *out, char *err, size_t errsz);
const ktopic_t *ktopics_find(const ktopics_t *t, const char *name);
void ktopics_clear(ktopics_t *t);

/* One item of a batch admin call: the input name, and the outcome. */
typedef struct kitem {
    char *topic;
    int32_t partitions; /* create: count; add partitions: new total */
    int replication_factor;
    kv_list_t configs; /* create: configs to set; describe: result */
    char *error;       /* NULL on success, else the broker's or librdkafka's reason */
} kitem_t;

/* CreateTopics for items[0..n) (name, partitions, replication factor, configs).
 * A topic that already exists counts as success. Returns -1 (err filled) only
 * when the call as a whole failed, e.g. timed out (a broker without the admin
 * API, such as the librdkafka mock cluster, never answers). */
int kadmin_create_topics(rd_kafka_t *rk, kitem_t *items, size_t n, int timeout_ms, char *err,
                         size_t errsz);

/* CreatePartitions: grows each topic to items[i].partitions. */
int kadmin_create_partitions(rd_kafka_t *rk, kitem_t *items, size_t n, int timeout_ms, char *err,
                             size_t errsz);

/* DescribeConfigs for topics; fills items[i].configs with the entries whose
 * source is a dynamic topic config (i.e. not a default) when `non_default_only`,
 * else every entry. Secret/sensitive values are marked secret. */
int kadmin_describe_topic_configs(rd_kafka_t *rk, kitem_t *items, size_t n, bool non_default_only,
                                  int timeout_ms, char *err, size_t errsz);

/* Every config entry of broker `broker_id` (defaults included), appended to
 * out; sensitive values are marked secret. */
int kadmin_describe_broker_configs(rd_kafka_t *rk, int32_t broker_id, kv_list_t *out,
                                   int timeout_ms, char *err, size_t errsz);

/* Sets each topic's dynamic configs to items[i].configs, which callers give
 * as the full set (the target's settings plus the changes). librdkafka >= 2.2
 * sets each key with IncrementalAlterConfigs (secret entries without a value
 * are left to the target), falling back to AlterConfigs for brokers before
 * 2.3; AlterConfigs (librdkafka < 2.2) replaces the whole set. */
int kadmin_alter_topic_configs(rd_kafka_t *rk, kitem_t *items, size_t n, int timeout_ms,
                               char *err, size_t errsz);

void kitems_clear(kitem_t *items, size_t n);

/* Waits for an admin call's result on q (timeout plus a margin). Returns the
 * event (caller destroys it), or NULL with "what: reason" in err, including
 * a failed call's error. */
rd_kafka_event_t *kadmin_wait(rd_kafka_queue_t *q, int timeout_ms, char *err, size_t errsz,
                              const char *what);
/* The same, also giving the failed call's error code in *code (NO_ERROR with
 * an event; __TIMED_OUT without an answer). */
rd_kafka_event_t *kadmin_wait_code(rd_kafka_queue_t *q, int timeout_ms, rd_kafka_resp_err_t *code,
                                   char *err, size_t errsz, const char *what);

/* Creates a compacted one-partition internal topic if it does not exist, or
 * checks that the existing one is compacted and never deletes by time or
 * size (cleanup.policy without "delete"). Returns 0 when it exists (or was
 * created) and is fit, -1 with the broker's reason in err otherwise. A target
 * that does not answer admin calls (the librdkafka mock) passes when the topic
 * exists (asked by name, which makes the mock create it), with a warning that
 * its configuration cannot be checked. */
int kadmin_ensure_compacted(rd_kafka_t *rk, const char *topic, int replication_factor,
                            int timeout_ms, char *err, size_t errsz); /* frees contents, not the array */

/* End (next) offsets, or with kadmin_start_offsets the log start offsets, of
 * many partitions in one ListOffsets round, one request per leader (the admin
 * ListOffsets call on librdkafka >= 2.3, else offsets_for_times in rounds of
 * 500 partitions, whose cost in 2.0.2 grows with the square of a round), at the
 * handle's isolation.level. `parts` offsets are overwritten, its order and
 * opaques kept; per-partition errors set .err. Any client handle will do. */
int kadmin_end_offsets(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts, int timeout_ms,
                       char *err, size_t errsz);
int kadmin_start_offsets(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts, int timeout_ms,
                         char *err, size_t errsz);

#endif

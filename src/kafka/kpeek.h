#ifndef KMIG_KAFKA_KPEEK_H
#define KMIG_KAFKA_KPEEK_H
/* Reads one record at each of many (topic, partition, offset) at once, on one
 * queue of a consumer without a group (legacy per-partition API), and gives
 * its content digest. Used at resume to check that the last record kmig
 * copied is still the one on the target (and then, by the copy loop, on the
 * source), so that a topic re-created while kmig was not running is noticed.
 *
 * Ownership: the caller owns the list and the digests array. */
#include <stdbool.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "offsets/record_digest.h"

typedef struct kpeek_result {
    bool found; /* a record at exactly the asked offset was read */
    uint8_t digest[RECORD_DIGEST_LEN];
} kpeek_result_t;

/* For each element of parts (topic, partition, offset), reads the record at
 * that offset into out[i] (found = false when the record is not there: an
 * offset below the log start or past the end, a gap, or no answer within
 * timeout_ms). Never fails as a whole: what it could not read is not found. */
void kpeek_records(rd_kafka_t *consumer, const rd_kafka_topic_partition_list_t *parts,
                   int timeout_ms, kpeek_result_t *out);

#endif

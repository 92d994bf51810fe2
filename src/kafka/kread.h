#ifndef KMIG_KAFKA_KREAD_H
#define KMIG_KAFKA_KREAD_H
/* Reads a partition's records from an offset up to its end offset at the time
 * of the call, through the legacy per-partition consumer API (no group), and
 * hands each record to a callback with a content digest, or returns them in
 * windows (a cursor). Used to check copies (demo, tests' helpers) record by
 * record, and by recovery. */
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include <librdkafka/rdkafka.h>

#include "offsets/record_digest.h"

typedef struct krecord {
    int64_t offset;
    int64_t timestamp;
    uint8_t digest[RECORD_DIGEST_LEN]; /* key, value, headers, timestamp; NULL != empty */
} krecord_t;

typedef int (*kread_fn)(void *opaque, const krecord_t *rec);

/* A growable array of records; krecords_collect() is a kread_fn that appends. */
typedef struct krecords {
    krecord_t *v;
    size_t n, cap;
} krecords_t;
int krecords_collect(void *krecords, const krecord_t *rec);
void krecords_clear(krecords_t *r);

/* The digest of a consumed record (key, value, headers, timestamp), with d as
 * scratch. */
void kread_digest(const rd_kafka_message_t *m, record_digest_t *d,
                  uint8_t out[RECORD_DIGEST_LEN]);

/* rd_kafka_query_watermark_offsets(), asked again on errors that pass while
 * leadership settles (new topic, broker restart) until timeout_ms. */
rd_kafka_resp_err_t kread_watermarks(rd_kafka_t *rk, const char *topic, int32_t partition,
                                     int64_t *lo, int64_t *hi, int timeout_ms);

/* Like rd_kafka_consume_batch_queue(), but returns as soon as at least one
 * message is available (that call waits for a full batch or the whole
 * timeout). Returns the number of messages, 0 on timeout. */
ssize_t kread_batch(rd_kafka_queue_t *q, int timeout_ms, rd_kafka_message_t **msgs, size_t size);

/* A read of one partition in windows of digested records, for readers that
 * must not hold the whole range (recovery): memory is the window plus
 * librdkafka's prefetch (queued.max.messages.kbytes of the handle).
 * kread_cursor_open() reads the watermarks: the read starts at `from` raised
 * to the log start, and ends before `end` lowered to the end offset of that
 * moment (end < 0: that end offset). Returns NULL with err filled.
 * Ownership: the cursor borrows rk (which must outlive it) and owns the
 * window; records returned stay valid until the next call on the cursor. */
typedef struct kread_cursor kread_cursor_t;
kread_cursor_t *kread_cursor_open(rd_kafka_t *rk, const char *topic, int32_t partition,
                                  int64_t from, int64_t end, size_t window, int timeout_ms,
                                  char *err, size_t errsz);
int64_t kread_cursor_start(const kread_cursor_t *c); /* first offset read */
int64_t kread_cursor_end(const kread_cursor_t *c);   /* one past the last offset read */
/* The next records, at most the window, in offset order: their count, 0 at
 * the end, -1 with err filled (nothing arrived within timeout_ms, or a fetch
 * error), or KREAD_STOPPED as soon as *stop is set (checked at least every
 * 200 ms; stop may be NULL). */
#define KREAD_STOPPED (-2)
ssize_t kread_cursor_next(kread_cursor_t *c, const atomic_int *stop,
                          const krecord_t **recs, char *err, size_t errsz);
void kread_cursor_close(kread_cursor_t *c); /* accepts NULL */

/* Calls fn for every record of topic/partition with offset >= from, up to the
 * end offset read at the start. fn returning non-zero stops the read (the
 * value is returned). Returns 0, or -1 with err filled. */
int kread_partition(rd_kafka_t *consumer, const char *topic, int32_t partition, int64_t from,
                    int timeout_ms, kread_fn fn, void *opaque, char *err, size_t errsz);

/* Reads every partition of `topic` from the beginning to its end offset at
 * the time of the call (legacy API, no group), calling fn per record in log
 * order within each partition. A missing topic reads as empty. fn returns 0
 * to go on, or -1 with err filled to stop. */
typedef int (*kread_msg_fn)(void *opaque, const rd_kafka_message_t *msg, char *err, size_t errsz);
int kread_topic(rd_kafka_t *consumer, const char *topic, int timeout_ms, kread_msg_fn fn,
                void *opaque, char *err, size_t errsz);

#endif

#ifndef KMIG_MIRROR_MTUNE_H
#define KMIG_MIRROR_MTUNE_H
/* Client settings of the copy path that follow from other settings or from
 * measured per-record costs: the source consumer's prefetch, bounded by bytes
 * rather than by a record count, and the producer's record count that keeps
 * memory bounded for small records (docs/CONFIG.md, bench/README.md).
 *
 * Ownership: adds entries to the caller's kv_list_t; nothing is kept. */
#include "config/mm2.h"

/* Records as small as this keep the prefetch bounded by its bytes
 * (queued.max.messages.kbytes); smaller ones are bounded by the count. */
#define MTUNE_SMALL_RECORD_BYTES 100
#define MTUNE_MIN_MESSAGES 100000     /* librdkafka's own default */
#define MTUNE_MAX_MESSAGES 10000000   /* librdkafka's maximum */

/* The queued.min.messages that makes `kbytes` of prefetch the binding bound
 * for records of MTUNE_SMALL_RECORD_BYTES and more: kbytes x 1024 / 100,
 * within [MTUNE_MIN_MESSAGES, MTUNE_MAX_MESSAGES]. */
long long mtune_prefetch_messages(long long kbytes);

/* Adds kmig's default queued.min.messages to `defaults` (the consumer's
 * defaults list, which must already hold kmig's queued.max.messages.kbytes),
 * computed from the queued.max.messages.kbytes in `settings` (the user's),
 * else in `defaults`. A queued.min.messages in `settings` still wins. */
void mtune_consumer_defaults(kv_list_t *defaults, const kv_list_t *settings);

/* Records the target producer holds at most (queue.buffering.max.messages;
 * librdkafka's default is 100,000). A record the producer holds also keeps
 * the consumed record it points to (no copy): at 100 bytes each costs about
 * 730 bytes, a prefetched one about 285, measured 2026-12-05
 * (bench/README.md); with the prefetch above, 50,000 keeps the whole process
 * under 128 MB at 100 bytes. Larger records are bound by
 * queue.buffering.max.kbytes first. */
#define MTUNE_PRODUCER_MESSAGES "50000"

/* Adds kmig's default queue.buffering.max.messages to the producer's
 * defaults (a user setting still wins). */
void mtune_producer_defaults(kv_list_t *defaults);

#endif

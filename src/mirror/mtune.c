/* The copy path's derived client settings (see mtune.h).
 *
 * librdkafka (2.0.2 to 2.8) stops fetching for a partition while the queue it
 * feeds holds queued.min.messages records or queued.max.messages.kbytes of
 * payload (rdkafka_fetcher.c, rd_kafka_toppar_fetch_decide). kmig forwards
 * every partition to one consumer queue, whose length and size both bounds
 * read, so they bound the whole prefetch, not one partition. With the
 * default of 100,000 records and kmig's 16 MB, 100-byte records stop the
 * fetch at 10 MB and the consumer starves while the producer waits for
 * records. Raising the count so that 16 MB of 100-byte records fit leaves
 * the byte bound as the one that holds; memory stays bounded at any lag by
 * both (each queued record costs librdkafka's per-message overhead, a few
 * hundred bytes, on top of its payload, measured in bench/README.md). */
#include "mirror/mtune.h"

#include <stdio.h>
#include <stdlib.h>

long long mtune_prefetch_messages(long long kbytes) {
    long long n = kbytes > 0 ? kbytes * 1024 / MTUNE_SMALL_RECORD_BYTES : 0;
    if (n < MTUNE_MIN_MESSAGES) n = MTUNE_MIN_MESSAGES;
    if (n > MTUNE_MAX_MESSAGES) n = MTUNE_MAX_MESSAGES;
    return n;
}

void mtune_consumer_defaults(kv_list_t *defaults, const kv_list_t *settings) {
    const char *kb = settings ? kv_list_get(settings, "queued.max.messages.kbytes") : NULL;
    if (!kb) kb = kv_list_get(defaults, "queued.max.messages.kbytes");
    char v[32];
    snprintf(v, sizeof v, "%lld", mtune_prefetch_messages(kb ? atoll(kb) : 0));
    kv_list_add(defaults, "queued.min.messages", v,
                "kmig default (queued.max.messages.kbytes x 1024 / 100 bytes)", false);
}

void mtune_producer_defaults(kv_list_t *defaults) {
    kv_list_add(defaults, "queue.buffering.max.messages", MTUNE_PRODUCER_MESSAGES,
                "kmig default (memory bound for small records)", false);
}

/* Client shards: the source consumer and target producer pairs the copy
 * loop spreads a large flow's topics over.
 *
 * librdkafka 2.0.2's broker threads walk every partition of their handle
 * under its lock on each wake-up (the consumer to decide fetches, the
 * producer to find batches), and a handle wakes up per partition event:
 * one handle's cost grows with the square of its partitions (bench/README.md:
 * 0.4 ms of CPU per partition at 240 partitions, 11 ms at 24,000). A flow
 * whose selection starts with more than kmig.partitions.per.client (2000)
 * partitions therefore gets one pair per that many (at most
 * MIRROR_SHARDS_MAX), each
 * serving whole topics (the least loaded pair takes a new topic), so the
 * cost grows with the partition count. Shard 0 is the pair mirror_connect
 * made; it also writes the offset map. The others share the memory bounds:
 * each gets 1/N of the prefetch and producer queue bounds, but not less than
 * 1 MB and 1,000 records (so the whole stays under the configured bounds
 * plus N-1 such shares: at 24,000 partitions, 12 pairs, about 30 MB).
 *
 * Not sharded: exactly once (its producers are per task, mtxn.c).
 *
 * Everything here runs on the copy loop's thread. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "kafka/kclient.h"
#include "kafka/kread.h"
#include "mirror/mirror_priv.h"
#include "mirror/mtune.h"


/* A bound of the copy clients: the file's value, else kmig's default. */
static long long bound(const kv_list_t *settings, const kv_list_t *defaults, const char *key) {
    const char *v = kv_list_get(settings, key);
    if (!v) v = kv_list_get(defaults, key);
    return v ? atoll(v) : 0;
}

static void add_share(kv_list_t *req, const char *key, long long whole, long long min, int n) {
    long long share = whole / n;
    if (share < min) share = min;
    char v[32];
    snprintf(v, sizeof v, "%lld", share);
    kv_list_add(req, key, v, "kmig (a share of the bound: client shards)", false);
}

static int shard_new(mirror_t *m, int n, char *err, size_t errsz) {
    mirror_clients_t *c = &m->clients;
    kv_list_t creq = {0}, preq = {0};
    kv_list_copy(&creq, &c->creq);
    kv_list_copy(&preq, &c->preq);
    long long qkb = bound(&m->src_consumer, &c->cdef, "queued.max.messages.kbytes");
    add_share(&creq, "queued.max.messages.kbytes", qkb, 1024, n);
    long long share = qkb / n < 1024 ? 1024 : qkb / n;
    char v[32];
    snprintf(v, sizeof v, "%lld", mtune_prefetch_messages(share));
    kv_list_add(&creq, "queued.min.messages", v, "kmig (client shards)", false);
    /* Fetches stay at a quarter of the queue (mirror_connect), a whole
     * fetch no smaller than the largest record (librdkafka refuses less). */
    long long msg_max = bound(&m->src_consumer, &c->cdef, "message.max.bytes");
    if (msg_max <= 0) msg_max = 1000000;
    static const char *const fetch_keys[] = {"fetch.max.bytes", "max.partition.fetch.bytes"};
    for (size_t i = 0; i < 2; i++) {
        long long cap = share * 1024 / 4;
        if (i == 0 && cap < msg_max) cap = msg_max;
        if (bound(&m->src_consumer, &c->cdef, fetch_keys[i]) > cap) {
            snprintf(v, sizeof v, "%lld", cap);
            kv_list_add(&creq, fetch_keys[i], v, "kmig (client shards)", false);
        }
    }
    add_share(&preq, "queue.buffering.max.kbytes",
              bound(&m->tgt_producer, &c->pdef, "queue.buffering.max.kbytes"), 1024, n);
    add_share(&preq, "queue.buffering.max.messages",
              bound(&m->tgt_producer, &c->pdef, "queue.buffering.max.messages"), 1000, n);
    char cname[48], pname[48];
    snprintf(cname, sizeof cname, "source-consumer-%d", m->nshards);
    snprintf(pname, sizeof pname, "target-producer-%d", m->nshards);
    kclient_opts_t co = {.type = RD_KAFKA_CONSUMER, .name = cname, .defaults = &c->cdef,
                         .settings = &m->src_consumer, .required = &creq, .opaque = m};
    kclient_opts_t po = {.type = RD_KAFKA_PRODUCER, .name = pname, .defaults = &c->pdef,
                         .settings = &m->tgt_producer, .required = &preq, .opaque = m,
                         .dr_msg_cb = c->dr_cb};
    mshard_t *s = &m->shards[m->nshards];
    *s = (mshard_t){0};
    s->consumer = kclient_new(&co, err, errsz);
    if (s->consumer) s->producer = kclient_new(&po, err, errsz);
    kv_list_clear(&creq);
    kv_list_clear(&preq);
    if (!s->producer) {
        if (s->consumer) rd_kafka_destroy(s->consumer);
        return -1;
    }
    s->cq = rd_kafka_queue_get_consumer(s->consumer);
    m->nshards++;
    return 0;
}

int mirror_shard_plan(mirror_t *m, int64_t partitions, char *err, size_t errsz) {
    int64_t per = m->flow->partitions_per_client;
    if (m->nshards != 1 || m->txn || per < 1 || partitions <= per) return 0;
    int64_t want = (partitions + per - 1) / per;
    int n = want > MIRROR_SHARDS_MAX ? MIRROR_SHARDS_MAX : (int)want;
    while (m->nshards < n)
        if (shard_new(m, n, err, errsz)) return -1;
    log_info("%" PRId64 " partitions: copying through %d consumer/producer pairs of up to %d "
             "partitions each (kmig.partitions.per.client)",
             partitions, n, (int)per);
    return 0;
}

int mirror_shard_pick(mirror_t *m, int32_t partitions) {
    int best = 0;
    for (int i = 1; i < m->nshards; i++)
        if (m->shards[i].nparts < m->shards[best].nparts) best = i;
    m->shards[best].nparts += partitions;
    return best;
}

void mirror_shard_poll(mirror_t *m, int timeout_ms) {
    for (int i = 0; i < m->nshards; i++) rd_kafka_poll(m->shards[i].producer, i ? 0 : timeout_ms);
}

int mirror_shard_outq(mirror_t *m) {
    int n = 0;
    for (int i = 0; i < m->nshards; i++) n += rd_kafka_outq_len(m->shards[i].producer);
    return n;
}

void mirror_shard_purge(mirror_t *m, int flags) {
    for (int i = 0; i < m->nshards; i++) rd_kafka_purge(m->shards[i].producer, flags);
}

ssize_t mirror_shard_read(mirror_t *m, int timeout_ms, rd_kafka_message_t **msgs, size_t size) {
    if (m->nshards == 1) return kread_batch(m->cq, timeout_ms, msgs, size);
    /* Round the queues from where the last read stopped; wait on one only
     * when none had anything. */
    for (int k = 0; k < m->nshards; k++) {
        int i = (m->shard_next + k) % m->nshards;
        ssize_t n = kread_batch(m->shards[i].cq, 0, msgs, size);
        if (n != 0) {
            m->shard_next = (i + 1) % m->nshards;
            return n;
        }
    }
    int i = m->shard_next;
    m->shard_next = (i + 1) % m->nshards;
    return kread_batch(m->shards[i].cq, timeout_ms < 10 ? timeout_ms : 10, msgs, size);
}

int mirror_shard_assign(mirror_t *m, rd_kafka_topic_partition_list_t *l, bool assign,
                        char *err, size_t errsz) {
    int rc = 0;
    for (int i = 0; i < m->nshards; i++) {
        rd_kafka_topic_partition_list_t *mine = l;
        if (m->nshards > 1) {
            mine = rd_kafka_topic_partition_list_new(l->cnt);
            for (int j = 0; j < l->cnt; j++) {
                mtopic_t *t = strmap_get(m->topic_by_name, l->elems[j].topic);
                if (t && t->shard == i)
                    rd_kafka_topic_partition_list_add(mine, l->elems[j].topic,
                                                      l->elems[j].partition)
                        ->offset = l->elems[j].offset;
            }
        }
        rd_kafka_error_t *e = NULL;
        if (mine->cnt)
            e = assign ? rd_kafka_incremental_assign(m->shards[i].consumer, mine)
                       : rd_kafka_incremental_unassign(m->shards[i].consumer, mine);
        if (e && !rc) {
            snprintf(err, errsz, "%s", rd_kafka_error_string(e));
            rc = -1;
        }
        if (e) rd_kafka_error_destroy(e);
        if (mine != l) rd_kafka_topic_partition_list_destroy(mine);
    }
    return rc;
}

void mirror_shard_destroy_all(mirror_t *m) {
    /* Events still queued hold partition references: librdkafka's destroy
     * waits for them forever (seen after a topic was deleted). (Slow with
     * many partitions: librdkafka 2.0.2 stops them one by one, also with
     * RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE; cmd_mirror exits without this
     * when the run is large, see mirror.h.) */
    int64_t t0 = clock_mono_ms();
    for (int i = 0; i < m->nshards; i++) {
        mshard_t *s = &m->shards[i];
        if (!s->consumer) continue;
        rd_kafka_assign(s->consumer, NULL);
        for (rd_kafka_message_t *msg; s->cq && (msg = rd_kafka_consume_queue(s->cq, 0));)
            rd_kafka_message_destroy(msg);
    }
    for (int i = 0; i < m->nshards; i++) {
        mshard_t *s = &m->shards[i];
        if (s->cq) rd_kafka_queue_destroy(s->cq);
        if (s->consumer) {
            rd_kafka_consumer_close(s->consumer);
            rd_kafka_destroy(s->consumer);
        }
    }
    log_debug("stopping: consumer(s) closed in %" PRId64 " ms", clock_mono_ms() - t0);
    int64_t t1 = clock_mono_ms();
    for (int i = 0; i < m->nshards; i++)
        if (m->shards[i].producer) rd_kafka_destroy(m->shards[i].producer);
    log_debug("stopping: producer(s) destroyed in %" PRId64 " ms", clock_mono_ms() - t1);
    free(m->shards);
    m->shards = NULL;
    m->nshards = 0;
    m->consumer = m->producer = NULL;
    m->cq = NULL;
}

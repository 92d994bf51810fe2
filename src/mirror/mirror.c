/* The replicator. Three threads share the work:
 *
 *  - the copy loop (mirror_run's thread) takes batches from the source
 *    consumer's queue and hands each record to the idempotent target producer
 *    without copying it: the consumed message itself is the produce opaque and
 *    is released in the delivery report. Delivery reports arrive in order per
 *    partition; each one extends that partition's offset map (source offset ->
 *    acknowledged target offset). Every flush interval the changed map segments
 *    are produced to the map topic on the target. Memory is bounded by the
 *    consumer's prefetch limit plus the producer's queue limit: when the
 *    producer queue is full the loop serves delivery reports until it drains.
 *  - the topic manager (topic_manager_main) lists source topics every refresh
 *    interval, applies the filters, creates missing target topics with the
 *    source's partitions and non-default configs, grows partitions, syncs
 *    configs, and publishes the list of topics that are ready to copy.
 *  - the metrics endpoint's thread renders counters under m->mu.
 */
#include "mirror/mirror.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "core/exitcode.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "core/strmap.h"
#include "kafka/kadmin.h"
#include "kafka/kclient.h"
#include "kafka/kread.h"
#include "kafka/map_store.h"
#include "metrics/http.h"
#include "metrics/prom.h"
#include "kafka/kgroups.h"
#include "mirror/groups.h"
#include "mirror/recover.h"
#include "mirror/topic_manager.h"
#include "offsets/map_set.h"
#include "offsets/offset_map.h"

#define MIRROR_BATCH 4096

typedef struct mpart {
    offset_map_t *map;
    int64_t next_fetch;  /* one past the last consumed record, -1 before any */
    int64_t inflight;    /* produced, delivery report pending */
    int64_t eof_offset;  /* end offset when the consumer reported EOF, else -1 */
    int64_t loss_cover;  /* after a reported loss: cover the map up to here */
    int64_t records, bytes, lost;
    int64_t latency_max_ms, latency_sum_ms, latency_n; /* since the last scrape */
    int64_t tgt_base;    /* target end offset when copying started in this run, -1 unknown */
    bool failed;         /* a record could not be delivered: nothing more is mapped */
    /* Source offsets delivered without a target offset (see place_unknown). */
    int64_t *unknown;
    size_t nunknown, unknown_cap;
} mpart_t;

typedef struct mtopic {
    char *name, *target;
    int32_t nparts;
    mpart_t *parts;
    rd_kafka_topic_t *src_rkt, *tgt_rkt;
    int64_t progress_records; /* at the last progress line */
} mtopic_t;


struct mirror {
    mirror_opts_t o;
    const mm2_flow_t *flow;
    kv_list_t src_consumer, tgt_producer, src_admin, tgt_admin, tgt_consumer;
    char map_topic[300];

    rd_kafka_t *consumer, *producer, *sadmin, *tadmin;
    rd_kafka_t *src_reader, *tgt_reader; /* recovery reads, created on demand */
    rd_kafka_queue_t *cq;
    rd_kafka_topic_t *map_rkt;

    pthread_mutex_t mu; /* topics and their counters (copy loop vs. metrics) */
    mtopic_t **topics_v;
    size_t ntopics;
    strmap_t *topic_by_name;
    map_set_t *loaded; /* maps read at start-up, until their partition starts */

    topic_manager_t *tm;
    int seen_gen; /* the topic manager's last list the copy loop applied */
    int missing;  /* selected topics that cannot be copied */
    pthread_mutex_t stop_mu; /* wakes the group thread at stop */
    pthread_cond_t stop_cond;

    /* Consumer groups: checkpoints and sync (mirror/groups.c). */
    groups_t *groups;
    pthread_t g_thread;
    bool g_started;

    volatile sig_atomic_t stop;
    bool fail, data_loss, shutting_down;
    int64_t resend_estimate, lost_total, map_errors, produce_errors;
    int unknown_parts; /* partitions with records delivered without offsets */
    int64_t now_ms; /* wall clock, refreshed per loop iteration */
    http_server_t *http;
};

/* ---------------------------------------------------------------- setup */

mirror_t *mirror_new(const mirror_opts_t *opts, char *err, size_t errsz) {
    mirror_t *m = xcalloc(1, sizeof *m);
    m->o = *opts;
    m->flow = opts->flow;
    pthread_mutex_init(&m->mu, NULL);
    pthread_mutex_init(&m->stop_mu, NULL);
    pthread_cond_init(&m->stop_cond, NULL);
    m->topic_by_name = strmap_new();
    m->loaded = map_set_new();
    const mm2_flow_t *f = m->flow;
    map_store_topic_name(m->map_topic, sizeof m->map_topic, f->source);

    if (mm2_client_settings(opts->mm2, f->source, MM2_CLIENT_CONSUMER, &m->src_consumer, err,
                            errsz) ||
        mm2_client_settings(opts->mm2, f->target, MM2_CLIENT_PRODUCER, &m->tgt_producer, err,
                            errsz) ||
        mm2_client_settings(opts->mm2, f->source, MM2_CLIENT_ADMIN, &m->src_admin, err, errsz) ||
        mm2_client_settings(opts->mm2, f->target, MM2_CLIENT_ADMIN, &m->tgt_admin, err, errsz) ||
        mm2_client_settings(opts->mm2, f->target, MM2_CLIENT_CONSUMER, &m->tgt_consumer, err,
                            errsz))
        goto fail;
    return m;
fail:
    mirror_destroy(m);
    return NULL;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *dm, void *opaque);

static int mirror_connect(mirror_t *m, char *err, size_t errsz) {
    const mm2_flow_t *f = m->flow;
    char gid[300];
    snprintf(gid, sizeof gid, "kmig-mirror.%s-%s", f->source, f->target);
    kv_list_t cdef = {0}, creq = {0}, pdef = {0}, preq = {0};
    /* Consumer: bounded prefetch, no group membership or commits (partitions
     * are assigned by kmig; group.id only enables the single consumer queue). */
    kv_list_add(&cdef, "queued.max.messages.kbytes", "16384", "kmig default", false);
    kv_list_add(&cdef, "fetch.max.bytes", "4194304", "kmig default", false);
    kv_list_add(&cdef, "max.partition.fetch.bytes", "1048576", "kmig default", false);
    kv_list_add(&cdef, "fetch.wait.max.ms", "100", "kmig default", false);
    /* librdkafka stops fetching once queued.max.messages.kbytes are queued
     * and shrinks fetch.max.bytes to that size: fetches as big as the queue
     * leave no second fetch in flight and halve the rate. Fetches are kept to
     * a quarter of the queue, so memory follows one setting. */
    const char *qkb = kv_list_get(&m->src_consumer, "queued.max.messages.kbytes");
    long long cap = (qkb ? atoll(qkb) : 16384) * 1024 / 4;
    static const char *const fetch_keys[] = {"fetch.max.bytes", "max.partition.fetch.bytes"};
    for (size_t i = 0; i < 2; i++) {
        const char *v = kv_list_get(&m->src_consumer, fetch_keys[i]);
        if (v && atoll(v) > cap && cap > 0) {
            char capped[32];
            snprintf(capped, sizeof capped, "%lld", cap);
            kv_list_add(&creq, fetch_keys[i], capped,
                        "kmig (a quarter of queued.max.messages.kbytes)", false);
        }
    }
    kv_list_add(&creq, "group.id", gid, "kmig", false);
    kv_list_add(&creq, "enable.auto.commit", "false", "kmig", false);
    kv_list_add(&creq, "enable.auto.offset.store", "false", "kmig", false);
    kv_list_add(&creq, "enable.partition.eof", "true", "kmig", false);
    kv_list_add(&creq, "auto.offset.reset", "error", "kmig (deleted records are reported)", false);
    kv_list_add(&creq, "isolation.level", f->read_committed ? "read_committed" : "read_uncommitted",
                "kmig.isolation.level", false);
    /* Producer: idempotent, ordered, never gives up on a record by itself. */
    kv_list_add(&pdef, "linger.ms", "5", "kmig default", false);
    kv_list_add(&pdef, "batch.size", "524288", "kmig default", false);
    kv_list_add(&pdef, "queue.buffering.max.kbytes", "12288", "kmig default", false);
    /* Records stay in the consumed messages until delivered: no copies. */
    kv_list_add(&pdef, "message.copy.max.bytes", "0", "kmig default", false);
    kv_list_add(&pdef, "message.timeout.ms", "0", "kmig default", false);
    kv_list_add(&preq, "enable.idempotence", "true", "kmig", false);
    kv_list_add(&preq, "acks", "all", "kmig", false);
    /* Resolved by config: kmig.compression.type, else the producer's own setting. */
    kv_list_add(&preq, "compression.type", f->compression, "kmig.compression.type", false);

    kclient_opts_t co = {.type = RD_KAFKA_CONSUMER, .name = "source-consumer", .defaults = &cdef,
                         .settings = &m->src_consumer, .required = &creq, .opaque = m};
    kclient_opts_t po = {.type = RD_KAFKA_PRODUCER, .name = "target-producer", .defaults = &pdef,
                         .settings = &m->tgt_producer, .required = &preq, .opaque = m,
                         .dr_msg_cb = dr_cb};
    kclient_opts_t sa = {.type = RD_KAFKA_PRODUCER, .name = "source-admin", .settings = &m->src_admin};
    kclient_opts_t ta = {.type = RD_KAFKA_PRODUCER, .name = "target-admin", .settings = &m->tgt_admin};
    int rc = -1;
    if (!(m->consumer = kclient_new(&co, err, errsz)) || !(m->producer = kclient_new(&po, err, errsz)) ||
        !(m->sadmin = kclient_new(&sa, err, errsz)) || !(m->tadmin = kclient_new(&ta, err, errsz)))
        goto out;
    m->cq = rd_kafka_queue_get_consumer(m->consumer);
    rc = 0;
out:
    kv_list_clear(&cdef);
    kv_list_clear(&creq);
    kv_list_clear(&pdef);
    kv_list_clear(&preq);
    return rc;
}

/* ------------------------------------------------------- the offset map */

/* Creates the map topic on the target if it is missing (compacted). A target
 * without the admin API (the librdkafka mock) auto-creates it on first write. */
static void map_topic_ensure(mirror_t *m) {
    char err[512];
    if (kadmin_ensure_compacted(m->tadmin, m->map_topic, m->flow->offset_map_replication_factor,
                                m->flow->admin_timeout_ms, err, sizeof err))
        log_warn("could not create the offset map topic %s on the target (%s); it must exist or "
                 "be auto-created",
                 m->map_topic, err);
}

static int map_load(mirror_t *m, char *err, size_t errsz) {
    kclient_opts_t o = {.type = RD_KAFKA_CONSUMER, .name = "target-map-reader",
                        .settings = &m->tgt_consumer};
    rd_kafka_t *rk = kclient_new(&o, err, errsz);
    if (!rk) return -1;
    size_t records = 0;
    int64_t t0 = clock_mono_ms();
    int rc = map_store_load(rk, m->map_topic, m->flow->admin_timeout_ms + 20000, map_set_add_seg,
                            m->loaded, &records, err, errsz);
    rd_kafka_destroy(rk);
    if (rc == 0)
        log_info("offset map: %zu records for %zu partitions read from %s in %" PRId64 " ms",
                 records, map_set_count(m->loaded), m->map_topic, clock_mono_ms() - t0);
    if (map_set_conflicts(m->loaded))
        log_warn("offset map: %zu segments contradict earlier ones and were ignored",
                 map_set_conflicts(m->loaded));
    return rc;
}

/* Produces every changed segment of every partition to the map topic. */
static void map_flush(mirror_t *m) {
    for (size_t i = 0; i < m->ntopics; i++) {
        mtopic_t *t = m->topics_v[i];
        for (int32_t p = 0; p < t->nparts; p++) {
            offset_map_t *map = t->parts[p].map;
            size_t n = offset_map_count(map);
            for (size_t s = offset_map_dirty_from(map); s < n; s++) {
                rd_kafka_resp_err_t e;
                while ((e = map_store_write(m->map_rkt, t->name, p, t->target,
                                            offset_map_at(map, s))) ==
                       RD_KAFKA_RESP_ERR__QUEUE_FULL)
                    rd_kafka_poll(m->producer, 10);
                if (e) {
                    log_error("offset map write for %s [%d] failed: %s", t->name, p,
                              rd_kafka_err2str(e));
                    m->map_errors++;
                }
            }
            offset_map_mark_clean(map);
        }
    }
}

/* ------------------------------------------------------- the copy loop */

/* librdkafka reports records delivered without an offset when a retried
 * batch was already written (DUPLICATE_SEQUENCE_NUMBER), or when a failed
 * batch must have been written because a later sequence was acknowledged
 * (true of real brokers; not of the librdkafka mock, which checks sequences
 * only for transactional producers). Those records sit right after the
 * last mapped one, in order, unless someone else wrote to the partition in
 * between: so when the next known target offset `next`
 * (a later delivery, or the partition's end once nothing is in flight) is
 * exactly the map's next target offset plus their count, they are placed
 * there. Otherwise the partition stops (a restart re-pairs them from the
 * target's records by digest). */
static void place_unknown(mirror_t *m, mtopic_t *t, int32_t partition, int64_t next) {
    mpart_t *p = &t->parts[partition];
    int64_t at = offset_map_tgt_next(p->map);
    bool fits = at >= 0 && next - at == (int64_t)p->nunknown;
    for (size_t i = 0; fits && i < p->nunknown; i++)
        fits = offset_map_add(p->map, p->unknown[i], at + (int64_t)i) == 0;
    if (fits) {
        log_warn("%s [%d]: %zu record(s) the target acknowledged without offsets placed at "
                 "target offsets %" PRId64 "..%" PRId64,
                 t->name, partition, p->nunknown, at, next - 1);
    } else {
        log_error("%s [%d]: %zu record(s) from source offset %" PRId64 " were acknowledged "
                  "without target offsets and cannot be placed (the target's next offset is %" PRId64
                  ", the map's %" PRId64 "): stopping this partition; a restart re-pairs them "
                  "from the target's records",
                  t->name, partition, p->nunknown, p->unknown[0], next, at);
        p->failed = true;
        m->fail = true;
    }
    p->nunknown = 0;
}

static void part_try_cover(mpart_t *p);

/* Unknown offsets at the end of a partition's deliveries: its end offset on
 * the target tells where they are (main loop; rare). */
static void place_unknown_tails(mirror_t *m) {
    for (size_t i = 0; m->unknown_parts && i < m->ntopics; i++) {
        mtopic_t *t = m->topics_v[i];
        for (int32_t p = 0; p < t->nparts; p++) {
            mpart_t *mp = &t->parts[p];
            int64_t lo, hi;
            if (!mp->nunknown || mp->inflight || mp->failed) continue;
            if (rd_kafka_query_watermark_offsets(m->producer, t->target, p, &lo, &hi, 5000))
                continue; /* asked again on the next loop */
            place_unknown(m, t, p, hi);
            m->unknown_parts--;
            part_try_cover(mp);
        }
    }
}

/* When nothing is in flight, extends the map over source offsets that hold
 * no record up to where the consumer has been: the end of the partition, or
 * the first offset after a range reported as lost. */
static void part_try_cover(mpart_t *p) {
    if (p->inflight || p->failed || p->nunknown) return;
    int64_t to = p->eof_offset > p->loss_cover ? p->eof_offset : p->loss_cover;
    if (to < 0) return;
    if (offset_map_count(p->map) == 0) offset_map_begin(p->map, to);
    if (to > offset_map_src_next(p->map)) offset_map_cover(p->map, to);
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *dm, void *opaque) {
    mirror_t *m = opaque;
    rd_kafka_message_t *src = dm->_private;
    if (!src) { /* a map record */
        if (dm->err && !m->shutting_down) {
            log_error("offset map write to %s failed: %s", m->map_topic, rd_kafka_err2str(dm->err));
            m->map_errors++;
        }
        return;
    }
    mtopic_t *t = rd_kafka_topic_opaque(dm->rkt);
    mpart_t *p = &t->parts[dm->partition];
    p->inflight--;
    if (dm->err) {
        if (!p->failed && !(m->shutting_down && dm->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE) &&
            !(m->shutting_down && dm->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)) {
            log_error("target rejected %s [%d] source offset %" PRId64 " (to %s): %s; stopping "
                      "this partition so that no record is skipped",
                      t->name, dm->partition, src->offset, t->target, rd_kafka_err2str(dm->err));
            m->fail = true;
            m->produce_errors++;
        }
        p->failed = true;
    } else if (!p->failed) {
        if (dm->offset < 0) { /* place_unknown() finds its target offset later */
            if (!p->nunknown) m->unknown_parts++;
            if (p->nunknown == p->unknown_cap) {
                p->unknown_cap = p->unknown_cap ? 2 * p->unknown_cap : 64;
                p->unknown = xrealloc(p->unknown, p->unknown_cap * sizeof *p->unknown);
            }
            p->unknown[p->nunknown++] = src->offset;
        } else if (p->nunknown) {
            m->unknown_parts--;
            place_unknown(m, t, dm->partition, dm->offset);
        }
        if (p->failed || dm->offset < 0) {
            /* mapped later, or nothing more is mapped */
        } else if (offset_map_add(p->map, src->offset, dm->offset)) {
            log_error("%s [%d]: delivery out of order (source %" PRId64 " -> target %" PRId64
                      "); stopping this partition",
                      t->name, dm->partition, src->offset, dm->offset);
            p->failed = true;
            m->fail = true;
        }
        if (!p->failed) {
            p->records++;
            p->bytes += (int64_t)(src->len + src->key_len);
            int64_t lat = m->now_ms - rd_kafka_message_timestamp(src, NULL);
            if (lat < 0) lat = 0;
            p->latency_sum_ms += lat;
            p->latency_n++;
            if (lat > p->latency_max_ms) p->latency_max_ms = lat;
        }
    }
    rd_kafka_message_destroy(src);
    part_try_cover(p);
}

/* Produces one consumed record, zero-copy; the consumed message is released
 * by the delivery report. Returns false when the loop must stop. */
static bool copy_record(mirror_t *m, mtopic_t *t, rd_kafka_message_t *msg) {
    mpart_t *p = &t->parts[msg->partition];
    if (offset_map_count(p->map) == 0) offset_map_begin(p->map, msg->offset);
    p->eof_offset = -1;
    p->next_fetch = msg->offset + 1;
    rd_kafka_timestamp_type_t tstype;
    int64_t ts = rd_kafka_message_timestamp(msg, &tstype);
    rd_kafka_headers_t *hdrs = NULL, *copy = NULL;
    if (!rd_kafka_message_headers(msg, &hdrs)) copy = rd_kafka_headers_copy(hdrs);
    rd_kafka_vu_t vu[8];
    size_t n = 0;
    vu[n].vtype = RD_KAFKA_VTYPE_RKT;
    vu[n++].u.rkt = t->tgt_rkt;
    vu[n].vtype = RD_KAFKA_VTYPE_PARTITION;
    vu[n++].u.i32 = msg->partition;
    vu[n].vtype = RD_KAFKA_VTYPE_VALUE;
    vu[n].u.mem.ptr = msg->payload;
    vu[n++].u.mem.size = msg->len;
    vu[n].vtype = RD_KAFKA_VTYPE_KEY;
    vu[n].u.mem.ptr = msg->key;
    vu[n++].u.mem.size = msg->key_len;
    vu[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
    vu[n++].u.ptr = msg;
    vu[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    vu[n++].u.i = 0; /* no copy: msg stays alive until its delivery report */
    if (tstype != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE) {
        vu[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
        vu[n++].u.i64 = ts;
    }
    if (copy) {
        vu[n].vtype = RD_KAFKA_VTYPE_HEADERS;
        vu[n++].u.headers = copy;
    }
    for (;;) {
        rd_kafka_error_t *e = rd_kafka_produceva(m->producer, vu, n);
        if (!e) {
            p->inflight++;
            return true;
        }
        rd_kafka_resp_err_t code = rd_kafka_error_code(e);
        if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL && !m->stop && !m->fail) {
            rd_kafka_error_destroy(e);
            rd_kafka_poll(m->producer, 20); /* backpressure: serve delivery reports */
            m->now_ms = clock_wall_ms();
            continue;
        }
        if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            log_error("produce to %s [%d] failed: %s", t->target, msg->partition,
                      rd_kafka_error_string(e));
            m->fail = true;
        }
        rd_kafka_error_destroy(e);
        if (copy) rd_kafka_headers_destroy(copy);
        rd_kafka_message_destroy(msg);
        return false;
    }
}

static mtopic_t *topic_of(mirror_t *m, rd_kafka_message_t *msg) {
    mtopic_t *t = msg->rkt ? rd_kafka_topic_opaque(msg->rkt) : NULL;
    if (!t && msg->rkt) t = strmap_get(m->topic_by_name, rd_kafka_topic_name(msg->rkt));
    if (t && (msg->partition < 0 || msg->partition >= t->nparts)) return NULL;
    return t;
}

/* A fetch position below the log start: the source deleted records before
 * they were copied. Reported loudly; continues only when configured to. */
static void on_offset_reset(mirror_t *m, mtopic_t *t, int32_t part, const char *why) {
    mpart_t *p = &t->parts[part];
    int64_t expected = p->next_fetch >= 0 ? p->next_fetch : offset_map_src_next(p->map);
    int64_t lo = -1, hi = -1;
    rd_kafka_resp_err_t e =
        kread_watermarks(m->consumer, t->name, part, &lo, &hi, 10000);
    if (e || expected < 0) {
        log_error("%s [%d]: fetch position lost (%s) and the log start could not be read (%s)",
                  t->name, part, why, rd_kafka_err2str(e));
        m->fail = true;
        return;
    }
    if (lo > expected) {
        int64_t n = lo - expected;
        p->lost += n;
        m->lost_total += n;
        log_error("DATA LOSS: %s [%d]: source offsets %" PRId64 "..%" PRId64 " (%" PRId64
                  " records) were deleted on the source before kmig copied them (retention or "
                  "DeleteRecords)%s",
                  t->name, part, expected, lo - 1, n,
                  m->flow->continue_on_data_loss ? "; continuing (kmig.on.data.loss=continue)"
                                                 : "; stopping (set kmig.on.data.loss=continue "
                                                   "or --continue-on-data-loss to go on)");
        if (!m->flow->continue_on_data_loss) {
            m->data_loss = true;
            return;
        }
    }
    int64_t to = lo > expected ? lo : expected;
    p->loss_cover = to;
    p->next_fetch = to;
    part_try_cover(p);
    /* Restart the partition's fetcher at the new position. */
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, t->name, part)->offset = to;
    rd_kafka_error_t *se = rd_kafka_incremental_unassign(m->consumer, l);
    if (!se) se = rd_kafka_incremental_assign(m->consumer, l);
    if (se) {
        log_error("%s [%d]: restarting the fetch at %" PRId64 " failed: %s", t->name, part, to,
                  rd_kafka_error_string(se));
        rd_kafka_error_destroy(se);
        m->fail = true;
    }
    rd_kafka_topic_partition_list_destroy(l);
}

static void handle_batch(mirror_t *m, rd_kafka_message_t **msgs, ssize_t n) {
    ssize_t i = 0;
    for (; i < n; i++) {
        rd_kafka_message_t *msg = msgs[i];
        mtopic_t *t = topic_of(m, msg);
        if (msg->err) {
            if (t && msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                mpart_t *p = &t->parts[msg->partition];
                p->eof_offset = msg->offset;
                part_try_cover(p);
            } else if (t && (msg->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
                             msg->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE)) {
                on_offset_reset(m, t, msg->partition, rd_kafka_message_errstr(msg));
            } else {
                log_warn("source consumer: %s%s%s", t ? t->name : "", t ? ": " : "",
                         rd_kafka_message_errstr(msg));
            }
            rd_kafka_message_destroy(msg);
            continue;
        }
        if (!t || t->parts[msg->partition].failed) {
            rd_kafka_message_destroy(msg);
            continue;
        }
        if (m->stop || m->fail || m->data_loss) break;
        if (!copy_record(m, t, msg)) { /* it released msg */
            i++;
            break;
        }
    }
    /* Stopping: the rest stays unmapped and is fetched again by the next run. */
    for (; i < n; i++) rd_kafka_message_destroy(msgs[i]);
}

/* ------------------------------------------------------- topic manager */

/* Consumers without a group for the recovery reads, created on first use. */
static int recovery_readers(mirror_t *m, char *err, size_t errsz) {
    if (m->src_reader && m->tgt_reader) return 0;
    kv_list_t iso = {0}, def = {0};
    /* Both read at once: each prefetches half of what the copy's consumer does. */
    kv_list_add(&def, "queued.max.messages.kbytes", "8192", "kmig default (recovery reads)", false);
    kv_list_add(&iso, "fetch.wait.max.ms", "20", "kmig (short reads)", false);
    /* A partition ending in control records (transactions) is seen to end. */
    kv_list_add(&iso, "enable.partition.eof", "true", "kmig (recovery reads to the end)", false);
    kv_list_add(&iso, "isolation.level",
                m->flow->read_committed ? "read_committed" : "read_uncommitted",
                "kmig.isolation.level", false);
    kclient_opts_t so = {.type = RD_KAFKA_CONSUMER, .name = "source-recovery-reader",
                         .defaults = &def, .settings = &m->src_consumer, .required = &iso};
    kclient_opts_t to = {.type = RD_KAFKA_CONSUMER, .name = "target-recovery-reader",
                         .defaults = &def, .settings = &m->tgt_consumer, .required = &iso};
    int rc = (m->src_reader = kclient_new(&so, err, errsz)) &&
                     (m->tgt_reader = kclient_new(&to, err, errsz))
                 ? 0
                 : -1;
    kv_list_clear(&iso);
    kv_list_clear(&def);
    return rc;
}

/* Target records beyond the last mapped one were acknowledged but not mapped
 * before the last stop (or written by something else). Pair them with their
 * source records where the content matches; count the rest as possibly
 * re-sent. Called with m->mu held. */
static void recover_unmapped(mirror_t *m, rd_kafka_topic_partition_list_t *ends) {
    char err[512];
    int64_t extra = 0, recovered = 0, dups = 0, unpaired = 0;
    for (int i = 0; i < ends->cnt && !m->stop; i++) {
        rd_kafka_topic_partition_t *e = &ends->elems[i];
        mtopic_t *t = e->opaque;
        mpart_t *p = &t->parts[e->partition];
        int64_t tn = offset_map_tgt_next(p->map);
        if (e->err || e->offset <= (tn < 0 ? 0 : tn)) continue;
        recover_result_t r = {0};
        if (recovery_readers(m, err, sizeof err) ||
            recover_partition(m->src_reader, m->tgt_reader, &m->stop, t->name, t->target,
                              e->partition, p->map, e->offset, &r, err, sizeof err)) {
            log_warn("%s [%d]: recovery read failed (%s)", t->target, e->partition, err);
            r.target_extra = r.unpaired = e->offset - (tn < 0 ? 0 : tn);
        }
        if (r.target_extra)
            log_info("%s [%d]: %" PRId64 " target records were not in the offset map; %" PRId64
                     " matched their source records and are kept as copies%s, %" PRId64
                     " repeat records matched before (duplicates in target, skipped), %" PRId64
                     " are unpaired (%" PRId64 " of them without a source record)%s",
                     t->target, e->partition, r.target_extra, r.recovered,
                     r.adopting ? " (adopted)" : "", r.target_duplicates, r.unpaired, r.no_source,
                     r.interrupted ? " (stopped before the end)" : "");
        extra += r.target_extra;
        recovered += r.recovered;
        dups += r.target_duplicates;
        if (!r.interrupted) unpaired += r.unpaired - r.no_source; /* stopping: none re-sent */
    }
    m->resend_estimate += unpaired;
    if (extra)
        log_msg(unpaired ? LL_WARN : LL_INFO, "resume: %" PRId64 " records may be re-sent (%" PRId64
                 " target records were not in the offset map, %" PRId64
                 " of them matched their source records, %" PRId64 " duplicates in target)",
                 unpaired, extra, recovered, dups);
}

/* Waits until handle rk's metadata shows `want` partitions for rkt's topic
 * (a partition the producer does not know yet fails at once). */
static int wait_partitions(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int32_t want, int timeout_ms) {
    int64_t deadline = clock_mono_ms() + timeout_ms;
    do {
        const rd_kafka_metadata_t *md;
        if (!rd_kafka_metadata(rk, 0, rkt, &md, 5000)) {
            int have = md->topic_cnt == 1 ? md->topics[0].partition_cnt : 0;
            rd_kafka_metadata_destroy(md);
            if (have >= want) return 0;
        }
        clock_sleep_ms(100);
    } while (clock_mono_ms() < deadline);
    return -1;
}

/* Starts copying newly ready topics and partitions (copy loop thread). */
static int apply_ready(mirror_t *m) {
    ready_topic_t *r;
    size_t n;
    int missing;
    if (!topic_manager_take(m->tm, &m->seen_gen, &r, &n, &missing)) return 0;
    m->missing = missing;

    /* New partitions: their target end offsets, for recovery. */
    rd_kafka_topic_partition_list_t *ends = rd_kafka_topic_partition_list_new(16);
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < n; i++) {
        mtopic_t *t = strmap_get(m->topic_by_name, r[i].name);
        if (!t) {
            t = xcalloc(1, sizeof *t);
            t->name = xstrdup(r[i].name);
            t->target = xstrdup(r[i].target);
            /* Copies of the handles' default topic settings: a fresh topic conf
             * would drop auto.offset.reset=error and message.timeout.ms. */
            rd_kafka_topic_conf_t *sc = rd_kafka_default_topic_conf_dup(m->consumer);
            rd_kafka_topic_conf_t *tc = rd_kafka_default_topic_conf_dup(m->producer);
            rd_kafka_topic_conf_set_opaque(sc, t);
            rd_kafka_topic_conf_set_opaque(tc, t);
            t->src_rkt = rd_kafka_topic_new(m->consumer, t->name, sc);
            t->tgt_rkt = rd_kafka_topic_new(m->producer, t->target, tc);
            m->topics_v = xrealloc(m->topics_v, (m->ntopics + 1) * sizeof *m->topics_v);
            m->topics_v[m->ntopics++] = t;
            strmap_put(m->topic_by_name, t->name, t);
        }
        if (r[i].partitions <= t->nparts) continue;
        t->parts = xrealloc(t->parts, (size_t)r[i].partitions * sizeof *t->parts);
        for (int32_t p = t->nparts; p < r[i].partitions; p++) {
            mpart_t *mp = &t->parts[p];
            memset(mp, 0, sizeof *mp);
            mp->next_fetch = mp->eof_offset = mp->loss_cover = mp->tgt_base = -1;
            map_entry_t *lm = map_set_get(m->loaded, t->name, p);
            if (lm && strcmp(lm->target, t->target)) {
                log_error("%s [%d]: the offset map says it was copied to %s, but the replication "
                          "policy now names %s; refusing to mix them",
                          t->name, p, lm->target, t->target);
                m->fail = true;
            }
            mp->map = map_set_take(m->loaded, t->name, p);
            if (!mp->map) mp->map = offset_map_new();
            rd_kafka_topic_partition_list_add(ends, t->target, p)->opaque = t;
        }
        if (t->nparts && wait_partitions(m->producer, t->tgt_rkt, r[i].partitions,
                                         m->flow->admin_timeout_ms + 20000)) {
            log_error("%s: the producer does not see %d partitions on the target yet",
                      t->target, r[i].partitions);
            m->fail = true;
        }
        log_info("copying %s -> %s: partitions %d..%d", t->name, t->target, t->nparts,
                 r[i].partitions - 1);
        t->nparts = r[i].partitions;
    }
    pthread_mutex_unlock(&m->mu);
    ready_topics_free(r, n);

    char err[512];
    int rc = 0;
    if (ends->cnt &&
        kadmin_end_offsets(m->producer, ends, m->flow->admin_timeout_ms + 10000, err,
                           sizeof err)) {
        log_warn("could not read target end offsets (%s); the re-send count is unknown", err);
    } else if (ends->cnt) {
        pthread_mutex_lock(&m->mu);
        for (int i = 0; i < ends->cnt; i++) {
            mtopic_t *t = ends->elems[i].opaque;
            if (!ends->elems[i].err)
                t->parts[ends->elems[i].partition].tgt_base = ends->elems[i].offset;
        }
        recover_unmapped(m, ends);
        pthread_mutex_unlock(&m->mu);
    }
    /* Partitions copied for the first time start at their log start, and so
     * does their map: a group committed in a gap before the first record that
     * survives (an aborted transaction, compaction) then translates too. */
    rd_kafka_topic_partition_list_t *assign = rd_kafka_topic_partition_list_new(ends->cnt + 1);
    rd_kafka_topic_partition_list_t *starts = rd_kafka_topic_partition_list_new(ends->cnt + 1);
    for (int i = 0; i < ends->cnt; i++) {
        mtopic_t *t = ends->elems[i].opaque;
        if (offset_map_count(t->parts[ends->elems[i].partition].map) == 0)
            rd_kafka_topic_partition_list_add(starts, t->name, ends->elems[i].partition)->opaque = t;
    }
    if (starts->cnt &&
        kadmin_start_offsets(m->consumer, starts, m->flow->admin_timeout_ms + 10000, err,
                             sizeof err)) {
        log_warn("could not read the source's log start offsets (%s); maps start at the first "
                 "record read",
                 err);
    } else {
        pthread_mutex_lock(&m->mu);
        for (int i = 0; i < starts->cnt; i++) {
            mtopic_t *t = starts->elems[i].opaque;
            if (!starts->elems[i].err && starts->elems[i].offset >= 0)
                offset_map_begin(t->parts[starts->elems[i].partition].map, starts->elems[i].offset);
        }
        pthread_mutex_unlock(&m->mu);
    }
    rd_kafka_topic_partition_list_destroy(starts);
    for (int i = 0; i < ends->cnt; i++) {
        mtopic_t *t = ends->elems[i].opaque;
        int64_t start = offset_map_src_next(t->parts[ends->elems[i].partition].map);
        rd_kafka_topic_partition_list_add(assign, t->name, ends->elems[i].partition)->offset =
            start >= 0 ? start : RD_KAFKA_OFFSET_BEGINNING;
    }
    if (assign->cnt) {
        rd_kafka_error_t *e = rd_kafka_incremental_assign(m->consumer, assign);
        if (e) {
            log_error("assigning source partitions failed: %s", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
            rc = -1;
        }
    }
    rd_kafka_topic_partition_list_destroy(assign);
    rd_kafka_topic_partition_list_destroy(ends);
    return rc;
}

/* ------------------------------------------------------ consumer groups */

/* Translates through the live maps. At the end of a partition that is fully
 * copied (EOF seen, nothing in flight) the source end translates to the
 * target end. */
static offset_map_result_t live_translate(void *opaque, const char *topic, int32_t partition,
                                          int64_t committed, int64_t *target) {
    mirror_t *m = opaque;
    offset_map_result_t r = OFFSET_MAP_NOT_COPIED;
    pthread_mutex_lock(&m->mu);
    mtopic_t *t = strmap_get(m->topic_by_name, topic);
    if (t && partition < t->nparts) {
        mpart_t *p = &t->parts[partition];
        int64_t end = p->eof_offset >= 0 && !p->inflight ? p->eof_offset : -1;
        r = offset_map_translate_at_end(p->map, committed, end, target);
        /* Nothing copied yet and the group is at the end of the source: it
         * resumes where the next copied record will land. */
        if (r == OFFSET_MAP_PENDING && end >= 0 && committed == end && p->tgt_base >= 0 &&
            offset_map_tgt_next(p->map) < 0 && offset_map_src_next(p->map) == end) {
            *target = p->tgt_base;
            r = OFFSET_MAP_EXACT;
        }
    }
    pthread_mutex_unlock(&m->mu);
    return r;
}

static void groups_run_pass(mirror_t *m, char **names, bool write) {
    pthread_mutex_lock(&m->mu);
    size_t n = 0;
    for (size_t i = 0; i < m->ntopics; i++) n += (size_t)m->topics_v[i]->nparts;
    groups_partition_t *parts = xcalloc(n ? n : 1, sizeof *parts);
    n = 0;
    for (size_t i = 0; i < m->ntopics; i++) {
        mtopic_t *t = m->topics_v[i]; /* topics live until mirror_destroy */
        for (int32_t p = 0; p < t->nparts; p++) {
            int64_t lo, hi;
            if (rd_kafka_get_watermark_offsets(m->consumer, t->name, p, &lo, &hi)) hi = -1;
            const offset_seg_t *first = offset_map_at(t->parts[p].map, 0);
            if (first && !first->count) first = offset_map_at(t->parts[p].map, 1);
            parts[n++] = (groups_partition_t){t->name, t->target, p, hi,
                                              first ? first->tgt_start : -1};
        }
    }
    pthread_mutex_unlock(&m->mu);
    group_rows_t rows = {0};
    groups_pass(m->groups, names, parts, n, live_translate, m, NULL, write, &rows);
    group_rows_clear(&rows);
    free(parts);
}

static void *groups_main(void *arg) {
    mirror_t *m = arg;
    const mm2_flow_t *f = m->flow;
    int period_s = f->emit_checkpoints ? f->emit_checkpoints_interval_s
                                       : f->sync_group_offsets_interval_s;
    int64_t next_refresh = 0, next_sync = 0;
    char **names = NULL;
    while (!m->stop) {
        pthread_mutex_lock(&m->stop_mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += period_s;
        while (!m->stop && !pthread_cond_timedwait(&m->stop_cond, &m->stop_mu, &ts))
            ;
        pthread_mutex_unlock(&m->stop_mu);
        if (m->stop || !topic_manager_published(m->tm)) continue;
        int64_t now = clock_mono_ms();
        if (!names || (f->refresh_groups && now >= next_refresh)) {
            kgroups_names_free(names);
            names = groups_select(m->groups, NULL);
            next_refresh = now + (int64_t)f->refresh_groups_interval_s * 1000;
        }
        bool write = f->sync_group_offsets && now >= next_sync;
        if (write) next_sync = now + (int64_t)f->sync_group_offsets_interval_s * 1000;
        groups_run_pass(m, names, write);
    }
    kgroups_names_free(names);
    return NULL;
}

static int groups_start(mirror_t *m, char *err, size_t errsz) {
    const mm2_flow_t *f = m->flow;
    if (!f->emit_checkpoints && !f->sync_group_offsets) return 0;
    if (!(m->groups = groups_new(m->o.mm2, f, err, errsz)) ||
        groups_load_checkpoints(m->groups, err, errsz))
        return -1;
    if (pthread_create(&m->g_thread, NULL, groups_main, m)) {
        snprintf(err, errsz, "cannot start the consumer-group thread");
        return -1;
    }
    m->g_started = true;
    return 0;
}

/* Stops the group thread; after a completed copy, one last pass so that the
 * groups reflect the final maps before kmig exits. */
static void groups_finish(mirror_t *m, bool final_pass) {
    if (!m->g_started) return;
    pthread_join(m->g_thread, NULL);
    m->g_started = false;
    if (!final_pass) return;
    char **names = groups_select(m->groups, NULL);
    groups_run_pass(m, names, m->flow->sync_group_offsets);
    kgroups_names_free(names);
}

/* ----------------------------------------------------- operator's view */

static bool all_caught_up(mirror_t *m) {
    if (m->seen_gen == 0) return false;
    for (size_t i = 0; i < m->ntopics; i++) {
        mtopic_t *t = m->topics_v[i];
        for (int32_t p = 0; p < t->nparts; p++) {
            mpart_t *mp = &t->parts[p];
            if (mp->eof_offset < 0 || mp->inflight ||
                offset_map_src_next(mp->map) < mp->eof_offset)
                return false;
        }
    }
    return true;
}

static int64_t part_lag(mirror_t *m, mtopic_t *t, int32_t p) {
    int64_t lo, hi;
    if (rd_kafka_get_watermark_offsets(m->consumer, t->name, p, &lo, &hi) || hi < 0) return 0;
    int64_t at = offset_map_src_next(t->parts[p].map);
    if (at < 0) at = lo > 0 ? lo : 0;
    return hi > at ? hi - at : 0;
}

static void print_progress(mirror_t *m, double dt_s) {
    for (size_t i = 0; i < m->ntopics; i++) {
        mtopic_t *t = m->topics_v[i];
        int64_t copied = 0, lag = 0;
        for (int32_t p = 0; p < t->nparts; p++) {
            copied += t->parts[p].records;
            lag += part_lag(m, t, p);
        }
        double rate = dt_s > 0 ? (double)(copied - t->progress_records) / dt_s : 0;
        t->progress_records = copied;
        char eta[32] = "-";
        if (lag == 0)
            snprintf(eta, sizeof eta, "caught up");
        else if (rate > 0) {
            long s = (long)((double)lag / rate);
            snprintf(eta, sizeof eta, "eta %ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
        }
        fprintf(stderr, "  %-32s copied %12" PRId64 "  lag %10" PRId64 "  %10.0f rec/s  %s\n",
                t->name, copied, lag, rate, eta);
    }
}

static void render_metrics(void *opaque, sbuf_t *out) {
    mirror_t *m = opaque;
    const char *src = m->flow->source, *tgt = m->flow->target;
    pthread_mutex_lock(&m->mu);
    static const struct {
        const char *name, *type, *help;
    } fam[] = {
        {"kmig_mirror_record_count_total", "counter", "Records copied and acknowledged by the target (MM2: record-count)."},
        {"kmig_mirror_byte_count_total", "counter", "Key and value bytes copied (MM2: byte-count)."},
        {"kmig_mirror_lag_records", "gauge", "Source records not yet copied (high watermark minus copied position)."},
        {"kmig_mirror_replication_latency_ms_max", "gauge", "Max time from record timestamp to target acknowledgement since the last scrape (MM2: replication-latency-ms-max)."},
        {"kmig_mirror_replication_latency_ms_avg", "gauge", "Average of the same (MM2: replication-latency-ms-avg)."},
        {"kmig_mirror_lost_records_total", "counter", "Source records deleted before they were copied."},
        {"kmig_mirror_offset_map_segments", "gauge", "Segments in the partition's offset map."},
    };
    for (size_t f = 0; f < sizeof fam / sizeof fam[0]; f++) {
        prom_family(out, fam[f].name, fam[f].type, fam[f].help);
        for (size_t i = 0; i < m->ntopics; i++) {
            mtopic_t *t = m->topics_v[i];
            for (int32_t p = 0; p < t->nparts; p++) {
                mpart_t *mp = &t->parts[p];
                char part[16];
                snprintf(part, sizeof part, "%d", p);
                const char *labels[] = {"source", src, "target", tgt, "topic", t->name,
                                        "partition", part, NULL};
                switch (f) {
                case 0: prom_sample_i64(out, fam[f].name, labels, mp->records); break;
                case 1: prom_sample_i64(out, fam[f].name, labels, mp->bytes); break;
                case 2: prom_sample_i64(out, fam[f].name, labels, part_lag(m, t, p)); break;
                case 3: prom_sample_i64(out, fam[f].name, labels, mp->latency_max_ms); break;
                case 4:
                    prom_sample(out, fam[f].name, labels,
                                mp->latency_n ? (double)mp->latency_sum_ms / (double)mp->latency_n : 0);
                    mp->latency_max_ms = mp->latency_sum_ms = mp->latency_n = 0;
                    break;
                case 5: prom_sample_i64(out, fam[f].name, labels, mp->lost); break;
                case 6: prom_sample_i64(out, fam[f].name, labels, (int64_t)offset_map_count(mp->map)); break;
                }
            }
        }
    }
    const char *fl[] = {"source", src, "target", tgt, NULL};
    prom_family(out, "kmig_mirror_errors_total", "counter", "Records the target refused, and offset map writes that failed.");
    const char *el[] = {"source", src, "target", tgt, "kind", "produce", NULL};
    prom_sample_i64(out, "kmig_mirror_errors_total", el, m->produce_errors);
    el[5] = "offset_map";
    prom_sample_i64(out, "kmig_mirror_errors_total", el, m->map_errors);
    prom_family(out, "kmig_mirror_resend_estimate", "gauge", "Records that may have been written twice after the last restart.");
    prom_sample_i64(out, "kmig_mirror_resend_estimate", fl, m->resend_estimate);
    prom_family(out, "kmig_mirror_topics_missing", "gauge", "Selected topics that are absent on the target and could not be created.");
    prom_sample_i64(out, "kmig_mirror_topics_missing", fl, m->missing);
    if (m->groups) {
        groups_stats_t gs;
        groups_get_stats(m->groups, &gs);
        static const struct {
            const char *name, *type, *help;
        } gf[] = {
            {"kmig_groups_checkpoint_passes_total", "counter", "Checkpoint passes over the selected groups."},
            {"kmig_groups_checkpoint_latency_ms", "gauge", "Duration of the last checkpoint pass (read, translate, sync)."},
            {"kmig_groups_synced_total", "counter", "Group syncs that committed offsets on the target."},
            {"kmig_groups_offsets_written_total", "counter", "Partition offsets committed on the target."},
            {"kmig_groups_pending_partitions", "gauge", "Group partitions whose committed offset is not copied yet (never guessed)."},
            {"kmig_groups_taken_over_partitions", "gauge", "Group partitions whose target consumers committed their own offsets."},
            {"kmig_groups_active_refusals_total", "counter", "Syncs refused because the group is active on the target."},
            {"kmig_groups_failures_total", "counter", "Syncs that failed for another reason."},
            {"kmig_groups_duplicates_avoided", "gauge", "Estimate: records the selected groups would re-read after MirrorMaker 2's translation (syncs every 100 records)."},
        };
        int64_t v[] = {gs.passes, gs.last_pass_ms, gs.groups_synced, gs.offsets_written,
                       gs.pending, gs.taken_over, gs.active, gs.failures, gs.duplicates_avoided};
        for (size_t i = 0; i < sizeof gf / sizeof gf[0]; i++) {
            prom_family(out, gf[i].name, gf[i].type, gf[i].help);
            prom_sample_i64(out, gf[i].name, fl, v[i]);
        }
        prom_family(out, "kmig_group_partitions", "gauge",
                    "Partitions of each group by status in the last checkpoint pass.");
        groups_render_status(m->groups, out, "kmig_group_partitions", src, tgt);
    }
    pthread_mutex_unlock(&m->mu);
}

/* ------------------------------------------------------------- run */

static void shutdown_flush(mirror_t *m) {
    /* Give in-flight records a few seconds, then purge: unacknowledged
     * records are not in the map and will be fetched again next run. */
    int64_t deadline = clock_mono_ms() + 10000;
    while (rd_kafka_outq_len(m->producer) > 0 && clock_mono_ms() < deadline && !kclient_fatal()) {
        m->now_ms = clock_wall_ms();
        rd_kafka_poll(m->producer, 100);
    }
    m->shutting_down = true;
    rd_kafka_purge(m->producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(m->producer, 0);
    map_flush(m);
    m->shutting_down = false; /* map write failures at shutdown are errors */
    deadline = clock_mono_ms() + 10000;
    while (rd_kafka_outq_len(m->producer) > 0 && clock_mono_ms() < deadline)
        rd_kafka_poll(m->producer, 100);
    if (rd_kafka_outq_len(m->producer) > 0) {
        log_error("the last offset map update could not be written; the next run may re-send "
                  "up to %d seconds of records", m->flow->offset_map_flush_ms / 1000 + 1);
        m->shutting_down = true;
        rd_kafka_purge(m->producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(m->producer, 0);
    }
}

int mirror_run(mirror_t *m) {
    char err[1024];
    const mm2_flow_t *f = m->flow;
    if (mirror_connect(m, err, sizeof err)) {
        log_error("%s", err);
        return KMIG_EXIT_FAIL;
    }
    log_info("mirror %s -> %s: topics '%s' excluding '%s', %s policy", f->source, f->target,
             f->topics, f->topics_exclude, f->policy == POLICY_IDENTITY ? "identity" : "default");
    /* Before any handle names the map topic: a broker with auto-creation on
     * would otherwise create it uncompacted. */
    map_topic_ensure(m);
    m->map_rkt = rd_kafka_topic_new(m->producer, m->map_topic, NULL);
    if (map_load(m, err, sizeof err)) {
        log_error("%s", err);
        return KMIG_EXIT_FAIL;
    }
    if (m->o.metrics_addr) {
        m->http = http_server_new(m->o.metrics_addr, render_metrics, m, err, sizeof err);
        if (!m->http) {
            log_error("%s", err);
            return KMIG_EXIT_USAGE;
        }
        log_info("metrics: serving /metrics on port %d", http_server_port(m->http));
    }
    if (!(m->tm = topic_manager_new(f, m->sadmin, m->tadmin, err, sizeof err)) ||
        topic_manager_start(m->tm)) {
        log_error("topic manager: %s", m->tm ? "cannot start its thread" : err);
        return KMIG_EXIT_FAIL;
    }
    if (groups_start(m, err, sizeof err)) {
        log_error("consumer groups: %s", err);
        m->stop = 1;
        m->fail = true;
    }

    rd_kafka_message_t **msgs = xcalloc(MIRROR_BATCH, sizeof *msgs);
    int64_t next_flush = clock_mono_ms() + f->offset_map_flush_ms;
    int64_t last_progress = clock_mono_ms();
    bool caught_up = false;
    while (!m->stop && !m->fail && !m->data_loss) {
        if (kclient_fatal()) {
            m->fail = true;
            break;
        }
        if (apply_ready(m)) {
            m->fail = true;
            break;
        }
        ssize_t n = kread_batch(m->cq, 100, msgs, MIRROR_BATCH);
        pthread_mutex_lock(&m->mu);
        m->now_ms = clock_wall_ms();
        if (n > 0) handle_batch(m, msgs, n);
        rd_kafka_poll(m->producer, 0);
        if (m->unknown_parts) place_unknown_tails(m);
        int64_t now = clock_mono_ms();
        if (now >= next_flush) {
            map_flush(m);
            next_flush = now + f->offset_map_flush_ms;
        }
        bool done = m->o.stop_at_end && all_caught_up(m);
        pthread_mutex_unlock(&m->mu);
        if (m->o.progress_interval_ms > 0 && now - last_progress >= m->o.progress_interval_ms) {
            print_progress(m, (double)(now - last_progress) / 1000.0);
            last_progress = now;
        }
        if (done) {
            log_info("caught up: every selected partition is copied to its end");
            caught_up = true;
            break;
        }
    }
    free(msgs);
    m->stop = 1;
    pthread_mutex_lock(&m->stop_mu);
    pthread_cond_broadcast(&m->stop_cond);
    pthread_mutex_unlock(&m->stop_mu);
    topic_manager_stop(m->tm);

    log_debug("stopping: flushing the producer and the offset map");
    pthread_mutex_lock(&m->mu);
    shutdown_flush(m);
    pthread_mutex_unlock(&m->mu);
    log_debug("stopping: flushed");
    groups_finish(m, caught_up && !m->fail);
    if (m->o.progress_interval_ms > 0) print_progress(m, 0);

    int rc = KMIG_EXIT_OK;
    if (m->data_loss)
        rc = KMIG_EXIT_DATA_LOSS;
    else if (m->fail || kclient_fatal())
        rc = KMIG_EXIT_FAIL;
    else if (m->o.stop_at_end && m->missing)
        rc = KMIG_EXIT_FAIL, log_error("%d selected topics could not be copied (see above)", m->missing);
    return rc;
}

void mirror_request_stop(mirror_t *m) { m->stop = 1; }

void mirror_get_stats(mirror_t *m, mirror_stats_t *out) {
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->ntopics; i++) {
        mtopic_t *t = m->topics_v[i];
        out->topics++;
        out->partitions += t->nparts;
        for (int32_t p = 0; p < t->nparts; p++) {
            out->records += t->parts[p].records;
            out->bytes += t->parts[p].bytes;
        }
    }
    out->resend_estimate = m->resend_estimate;
    out->lost = m->lost_total;
    out->missing_topics = m->missing;
    pthread_mutex_unlock(&m->mu);
}

void mirror_destroy(mirror_t *m) {
    if (!m) return;
    m->stop = 1;
    pthread_mutex_lock(&m->stop_mu);
    pthread_cond_broadcast(&m->stop_cond);
    pthread_mutex_unlock(&m->stop_mu);
    topic_manager_destroy(m->tm);
    http_server_destroy(m->http);
    groups_finish(m, false);
    groups_destroy(m->groups);
    for (size_t i = 0; i < m->ntopics; i++) {
        mtopic_t *t = m->topics_v[i];
        for (int32_t p = 0; p < t->nparts; p++) {
            offset_map_destroy(t->parts[p].map);
            free(t->parts[p].unknown);
        }
        if (t->src_rkt) rd_kafka_topic_destroy(t->src_rkt);
        if (t->tgt_rkt) rd_kafka_topic_destroy(t->tgt_rkt);
        free(t->parts);
        free(t->name);
        free(t->target);
        free(t);
    }
    free(m->topics_v);
    if (m->map_rkt) rd_kafka_topic_destroy(m->map_rkt);
    if (m->cq) rd_kafka_queue_destroy(m->cq);
    if (m->consumer) {
        rd_kafka_consumer_close(m->consumer);
        rd_kafka_destroy(m->consumer);
        log_debug("stopping: consumer closed");
    }
    if (m->producer) rd_kafka_destroy(m->producer);
    if (m->sadmin) rd_kafka_destroy(m->sadmin);
    if (m->tadmin) rd_kafka_destroy(m->tadmin);
    if (m->src_reader) rd_kafka_destroy(m->src_reader);
    if (m->tgt_reader) rd_kafka_destroy(m->tgt_reader);
    map_set_destroy(m->loaded);
    strmap_destroy(m->topic_by_name);
    kv_list_clear(&m->src_consumer);
    kv_list_clear(&m->tgt_producer);
    kv_list_clear(&m->src_admin);
    kv_list_clear(&m->tgt_admin);
    kv_list_clear(&m->tgt_consumer);
    pthread_mutex_destroy(&m->mu);
    pthread_mutex_destroy(&m->stop_mu);
    pthread_cond_destroy(&m->stop_cond);
    free(m);
}

/* The replicator's copy loop. One thread (mirror_run's) owns every topic,
 * partition and offset map; nothing it owns is locked, and nobody waits for
 * it:
 *
 *  - it takes batches from the source consumer's queue and hands each record
 *    to the idempotent target producer without copying it (the consumed
 *    message is the produce opaque, released in the delivery report).
 *    Delivery reports, served on this thread, extend each partition's map
 *    through mpart.c's rules. Every flush interval the changed segments are
 *    produced to the map topic; their delivery reports are checked, and a
 *    segment whose write failed is written again (a persistent failure
 *    stops the run). Memory is bounded by the consumer's prefetch plus the
 *    producer's queue: when the queue is full the loop serves delivery
 *    reports until it drains. Each fetched record is checked first
 *    (mirror_fetch.c); the map's flush is mirror_map.c's.
 *  - every publish period it publishes a snapshot (msnap.h, mirror_publish.c)
 *    that the metrics endpoint, the progress lines, the group thread
 *    (groups_sync.c) and the run summary read.
 *  - the topic manager's thread (topic_manager.c) lists, creates and grows
 *    topics; the loop takes each new list, starts new partitions from their
 *    persisted maps (after recovery, recover.c) and stops partitions whose
 *    source is gone (mirror_start.c).
 *  - with workers, the tasks it owns come and go (mirror_tasks.c).
 *
 * Before copying anything, the internal topics (offset map, checkpoints) must
 * exist and be compacted: no copy without a persisted map.
 *
 * In exactly-once mode (exactly.once.support; mtxn.h, docs/EXACTLY_ONCE.md)
 * records go to their task's transactional producer and the map segments
 * into the same transactions (mirror_txn.c).
 *
 * This file keeps the engine's setup, the copy loop with the produce side
 * and its delivery reports, stopping and teardown; the engine's other files
 * share its state through mirror_priv.h.
 */
#include "mirror/mirror.h"
#include "mirror/mirror_priv.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "core/clock.h"
#include "core/exitcode.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "core/strmap.h"
#include "kafka/kadmin.h"
#include "kafka/kclient.h"
#include "kafka/kread.h"
#include "kafka/map_store.h"
#include "metrics/http.h"
#include "mirror/backflow.h"
#include "mirror/groups.h"
#include "mirror/groups_sync.h"
#include "mirror/heartbeat.h"
#include "mirror/mirror_report.h"
#include "mirror/mpart.h"
#include "mirror/mirror_cutover.h"
#include "mirror/mirror_dash.h"
#include "mirror/msnap.h"
#include "mirror/mworkers.h"
#include "mirror/mtxn.h"
#include "mirror/mtune.h"
#include "mirror/topic_manager.h"
#include "offsets/heartbeat_codec.h"
#include "offsets/map_set.h"
#include "verify/vforeign.h"

#define MIRROR_BATCH 4096
#define PUBLISH_MS 500

/* Logs an error and keeps it for the summary (the first 100). */
void mirror_error(mirror_t *m, const char *fmt, ...) {
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log_error("%s", line);
    if (m->nerrors++ < 100) sbuf_printf(&m->errors, "%s\n", line);
}

/* After a pause of the whole process past the workers' session timeout, its
 * tasks may be another worker's by now: they are dropped (mworkers_poll calls
 * the stop hook) before anything more is copied or mapped. True when it did. */
bool mirror_pause_check(mirror_t *m) {
    if (!mworkers_paused(m->workers)) return false;
    char err[256];
    if (mworkers_poll(m->workers, err, sizeof err)) log_warn("%s", err);
    return true;
}

/* ---------------------------------------------------------------- setup */

mirror_t *mirror_new(const mirror_opts_t *opts, char *err, size_t errsz) {
    mirror_t *m = xcalloc(1, sizeof *m);
    m->o = *opts;
    m->flow = opts->flow;
    m->topic_by_name = strmap_new();
    m->loaded = map_set_new();
    m->snaps = msnap_holder_new();
    m->digest = record_digest_new();
    m->hb_last_ms = -1;
    atomic_init(&m->own_stop, 0);
    m->stop = opts->stop ? opts->stop : &m->own_stop;
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
    mtune_consumer_defaults(&cdef, &m->src_consumer); /* prefetch bounded by bytes */
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
    mtune_producer_defaults(&pdef);
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
    m->shards = xcalloc(MIRROR_SHARDS_MAX, sizeof *m->shards);
    m->nshards = 1;
    mshard_t *s0 = &m->shards[0];
    if ((s0->consumer = m->consumer = kclient_new(&co, err, errsz)))
        s0->cq = m->cq = rd_kafka_queue_get_consumer(m->consumer);
    if (!m->consumer || !(s0->producer = m->producer = kclient_new(&po, err, errsz)) ||
        !(m->sadmin = kclient_new(&sa, err, errsz)) || !(m->tadmin = kclient_new(&ta, err, errsz)))
        goto out;
    m->txn = mtxn_set_new(&(mtxn_opts_t){.flow = f, .defaults = &pdef, .settings = &m->tgt_producer,
                                         .required = &preq, .opaque = m, .dr_msg_cb = dr_cb,
                                         .map_topic = m->map_topic});
    rc = 0;
out:
    /* Kept for more shards (mirror_shard.c). */
    m->clients = (mirror_clients_t){cdef, creq, pdef, preq, dr_cb};
    return rc;
}

/* ---------------------------------------------------- internal topics */

/* Creates or checks one internal topic; names the key and the ACL to fix
 * when it cannot. */
/* An answer a broker that is restarting or electing gives: asked again. */
static bool transient(const char *err) {
    static const char *const words[] = {"transport failure", "timed out", "coordinator load",
                                        "not available", "not controller", "all brokers down"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcasestr(err, words[i])) return true;
    return false;
}

static int internal_topic(mirror_t *m, const char *topic, const char *what, const char *rf_key,
                          int rf) {
    char err[1024];
    /* A target restarting now answers with transport failures or timeouts
     * for a while: asked again for up to 60 s before the run stops. */
    int64_t deadline = clock_mono_ms() + 60000;
    bool told = false;
    while (kadmin_ensure_compacted(m->tadmin, topic, rf, m->flow->admin_timeout_ms, err,
                                   sizeof err)) {
        if (atomic_load(m->stop)) return 1; /* stopping: not a failure */
        if (!transient(err) || clock_mono_ms() >= deadline) goto failed;
        if (!told)
            log_warn("the %s topic %s on the target %s: %s; asking again for up to 60 s", what,
                     topic, m->flow->target, err);
        told = true;
        clock_sleep_ms(1000);
    }
    return 0;
failed:;
    const char *hint;
    if (strcasestr(err, "replication factor") || strcasestr(err, "REPLICATION_FACTOR"))
        hint = "set %s (now %d) to at most the number of target brokers";
    else if (strcasestr(err, "AUTHORIZ") || strcasestr(err, "not authorized"))
        hint = "grant kmig's principal CREATE on the topic (kafka-acls.sh --add "
               "--operation Create --operation Describe --operation Write --operation Read "
               "--topic <name>), or create it yourself; %s is %d";
    else
        hint = "create it yourself (kafka-topics.sh --create --partitions 1 --config "
               "cleanup.policy=compact), or check the target; %s is %d";
    char h[512];
    snprintf(h, sizeof h, hint, rf_key, rf);
    mirror_error(m,
                 "cannot create or use the %s topic %s on the target %s: %s. Nothing was copied: "
                 "kmig copies only with a persisted map. To fix: %s",
                 what, topic, m->flow->target, err, h);
    return -1;
}

/* 0, -1 (failed: reported), or 1 (stopping). */
static int internal_topics(mirror_t *m) {
    const mm2_flow_t *f = m->flow;
    int rc = internal_topic(m, m->map_topic, "offset map",
                            "offset-syncs.topic.replication.factor",
                            f->offset_map_replication_factor);
    if (rc) return rc;
    if (f->emit_checkpoints || f->sync_group_offsets) {
        char ckpt[300];
        groups_checkpoint_topic(ckpt, sizeof ckpt, f->source);
        rc = internal_topic(m, ckpt, "checkpoints", "checkpoints.topic.replication.factor",
                            f->checkpoints_replication_factor);
    }
    return rc;
}

/* ------------------------------------------------------- the copy loop */

/* A heartbeat record of this flow reached the target: its latency. */
static void heartbeat_seen(mirror_t *m, const rd_kafka_message_t *src) {
    int64_t lat = heartbeat_codec_latency(src->key, src->key_len, src->payload, src->len,
                                          m->flow->source, m->flow->target, m->now_ms);
    if (lat < 0) return;
    lathist_add(&m->hb_lat, lat);
    m->hb_last_ms = lat;
}

/* A record delivered for a task this process no longer copies: not mapped
 * here (the task's next owner copies from the persisted map). A copy that
 * landed is a duplicate, counted; so is one whose request failed, since it
 * may have landed all the same (only a record purged from the queue was
 * never sent). */
static void stale_delivery(mirror_t *m, mtopic_t *t, const rd_kafka_message_t *dm) {
    if (dm->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE) {
        m->stale_landed++;
        m->resend_estimate++;
    }
    if (!dm->err) { /* copied all the same: the counters say so */
        t->prior_records[dm->partition]++;
        t->prior_bytes[dm->partition] += (int64_t)(dm->len + dm->key_len);
        m->dropped_records++;
        m->dropped_bytes += (int64_t)(dm->len + dm->key_len);
    }
    rd_kafka_message_destroy(dm->_private);
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *dm, void *opaque) {
    mirror_t *m = opaque;
    if (dm->rkt == m->map_rkt || rd_kafka_topic_opaque(dm->rkt) == mtxn_map_opaque()) {
        mirror_map_delivered(m, dm);
        return;
    }
    rd_kafka_message_t *src = dm->_private;
    mtopic_t *t = rd_kafka_topic_opaque(dm->rkt);
    mpart_t *p = &t->parts[dm->partition];
    if (t->stale[dm->partition] > 0) { /* produced before its task was stopped */
        t->stale[dm->partition]--;
        stale_delivery(m, t, dm);
        return;
    }
    if (!m->txn && mworkers_paused(m->workers)) {
        /* Acknowledged after a pause past the group's patience, before the
         * loop dropped the tasks (mirror_pause_check): another worker may
         * have copied the record since. (Sent after the pause, by the
         * producer's thread, which woke with this one.) */
        if (p->inflight > 0) p->inflight--;
        stale_delivery(m, t, dm);
        return;
    }
    if (m->txn && mirror_txn_delivery(m, rk, t, dm)) {
        rd_kafka_message_destroy(src);
        return;
    }
    if (dm->err) {
        bool purged = dm->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
                      dm->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT; /* only at shutdown */
        if (purged) {
            if (p->inflight > 0) p->inflight--;
        } else if (mpart_delivery_failed(p)) {
            mirror_error(m,
                         "target rejected %s [%d] source offset %" PRId64 " (to %s): %s; "
                         "stopping this partition so that no record is skipped",
                         t->name, dm->partition, src->offset, t->target, rd_kafka_err2str(dm->err));
            m->fail = true;
            m->produce_errors++;
        }
    } else {
        char err[512];
        bool had_unknown = p->nunknown > 0;
        int64_t ts = rd_kafka_message_timestamp(src, NULL);
        int64_t lat = ts < 0 ? -1 : m->now_ms > ts ? m->now_ms - ts : 0;
        if (lat >= 0) lathist_add(&t->lat, lat);
        if (t->heartbeats) heartbeat_seen(m, src);
        mpart_rc_t rc = mpart_delivered(p, src->offset, dm->offset,
                                        (int64_t)(src->len + src->key_len), lat, err, sizeof err);
        if (!had_unknown && p->nunknown) m->unknown_parts++;
        if (had_unknown && !p->nunknown) m->unknown_parts--;
        if (rc == MPART_STOPPED && *err) {
            mirror_error(m, "%s [%d]: %s", t->name, dm->partition, err);
            m->fail = true;
        } else if (*err) {
            log_warn("%s [%d]: %s", t->name, dm->partition, err);
        }
    }
    rd_kafka_message_destroy(src);
}

/* Records delivered without offsets at the end of a partition's deliveries:
 * the target partition's end offset tells where they are. Short waits, asked
 * again on the next loop while it does not answer. */
void mirror_place_unknown_tails(mirror_t *m) {
    int waiting = 0; /* recounted: a stopped partition drops its waiting records */
    for (size_t i = 0; i < m->ntopics; i++) {
        mtopic_t *t = m->topics_v[i];
        for (int32_t p = 0; p < t->nparts; p++) {
            mpart_t *mp = &t->parts[p];
            int64_t lo, hi;
            char err[512];
            if (!mpart_needs_tail(mp) ||
                rd_kafka_query_watermark_offsets(m->producer, t->target, p, &lo, &hi, 1000)) {
                waiting += mp->nunknown > 0;
                continue;
            }
            mpart_rc_t rc = mpart_place_tail(mp, hi, err, sizeof err);
            waiting += mp->nunknown > 0;
            if (rc == MPART_STOPPED) {
                mirror_error(m, "%s [%d]: %s", t->name, p, err);
                m->fail = true;
            } else if (*err) {
                log_warn("%s [%d]: %s", t->name, p, err);
            }
        }
    }
    m->unknown_parts = waiting;
}

/* Produces one consumed record, zero-copy; the consumed message is released
 * by the delivery report. Returns false when the loop must stop. */
bool mirror_copy_record(mirror_t *m, mtopic_t *t, rd_kafka_message_t *msg) {
    mpart_t *p = &t->parts[msg->partition];
    rd_kafka_t *pk = mirror_shard_of(m, t)->producer;
    rd_kafka_topic_t *rkt = t->tgt_rkt;
    int task = -1;
    if (m->txn && !mirror_txn_route(m, t, msg->partition, &task, &pk, &rkt)) {
        rd_kafka_message_destroy(msg); /* fetched again after the task's abort */
        return true;
    }
    rd_kafka_timestamp_type_t tstype;
    int64_t ts = rd_kafka_message_timestamp(msg, &tstype);
    rd_kafka_headers_t *hdrs = NULL, *copy = NULL;
    if (!rd_kafka_message_headers(msg, &hdrs)) copy = rd_kafka_headers_copy(hdrs);
    rd_kafka_vu_t vu[8];
    size_t n = 0;
    vu[n].vtype = RD_KAFKA_VTYPE_RKT;
    vu[n++].u.rkt = rkt;
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
        rd_kafka_error_t *e = rd_kafka_produceva(pk, vu, n);
        if (!e) {
            if (task >= 0) mtxn_produced(m->txn, task, (int64_t)(msg->len + msg->key_len));
            mpart_consumed(p, msg->offset);
            return true;
        }
        rd_kafka_resp_err_t code = rd_kafka_error_code(e);
        if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL && !atomic_load(m->stop) && !m->fail) {
            rd_kafka_error_destroy(e);
            if (mirror_pause_check(m)) { /* its task was dropped: not copied */
                if (copy) rd_kafka_headers_destroy(copy);
                rd_kafka_message_destroy(msg);
                return true;
            }
            rd_kafka_poll(pk, 20); /* backpressure: serve delivery reports */
            m->now_ms = clock_wall_ms();
            continue;
        }
        if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL && task >= 0) {
            /* Exactly once: the task's transaction aborts and this record
             * is fetched and sent again (mtxn.h bounds the aborts in a row). */
            mtxn_delivery_failed(m->txn, task, code);
            rd_kafka_error_destroy(e);
            if (copy) rd_kafka_headers_destroy(copy);
            rd_kafka_message_destroy(msg);
            return true;
        }
        if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            mirror_error(m, "produce to %s [%d] failed: %s", t->target, msg->partition,
                         rd_kafka_error_string(e));
            m->fail = true;
        }
        rd_kafka_error_destroy(e);
        if (copy) rd_kafka_headers_destroy(copy);
        rd_kafka_message_destroy(msg);
        return false;
    }
}

/* ------------------------------------------------------------- run */

/* A partition this process copies (its task is owned here) that is not at
 * its end yet. */
static bool part_waits(mirror_t *m, const mtopic_t *t, int32_t p) {
    const mpart_t *mp = &t->parts[p];
    return mp->state == MPART_COPYING && mworkers_owns(m->workers, t->task[p]) &&
           !mpart_caught_up(mp);
}

/* Whether every copying partition is copied to its end. Called on every loop
 * iteration: a scan of every partition each time cost partitions x batches
 * at 24,000 partitions, so the scan goes on from where the last one stopped
 * (partitions before the cursor were caught up), and only a scan that reaches
 * the end looks at all of them again, at once, to confirm. */
static bool all_caught_up(mirror_t *m) {
    if (m->seen_gen == 0 || !mworkers_joined(m->workers) || mworkers_suspended(m->workers))
        return false;
    for (; m->cu_topic < m->ntopics; m->cu_topic++, m->cu_part = 0) {
        mtopic_t *t = m->topics_v[m->cu_topic];
        for (; m->cu_part < t->nparts; m->cu_part++)
            if (part_waits(m, t, m->cu_part)) return false;
    }
    for (size_t i = 0; i < m->ntopics; i++) {
        mtopic_t *t = m->topics_v[i];
        for (int32_t p = 0; p < t->nparts; p++)
            if (part_waits(m, t, p)) {
                m->cu_topic = i;
                m->cu_part = p;
                return false;
            }
    }
    return true;
}

static void render_metrics(void *opaque, sbuf_t *out) {
    mirror_t *m = opaque;
    msnap_t *s = msnap_acquire(m->snaps);
    mirror_report_metrics(out, s, m->groups, m->flow->source, m->flow->target);
    vforeign_render(m->foreign, out, m->flow->source, m->flow->target);
    backflow_render(m->back, out, m->flow->source, m->flow->target);
    msnap_release(s);
}

/* Serves the producer until nothing is queued or `budget_ms` passed; with
 * `urgent`, also until a second signal. */
void mirror_drain(mirror_t *m, int64_t budget_ms, bool urgent) {
    int64_t deadline = clock_mono_ms() + budget_ms;
    while (mirror_shard_outq(m) > 0 && clock_mono_ms() < deadline && !kclient_fatal()) {
        m->now_ms = clock_wall_ms();
        mirror_shard_poll(m, 50);
        if (urgent && atomic_load(m->stop) > 1) break;
    }
}

/* Within about 2.5 s: lets in-flight records land for up to 1.5 s (not after
 * a second signal), places records acknowledged without offsets, then
 * persists the map as it stands and waits up to 1 s for it. Records not
 * acknowledged are not in the map and are fetched again by the next run.
 * Returns true when the map is persisted. */
static bool shutdown_flush(mirror_t *m) {
    if (m->txn) return mirror_txn_shutdown(m);
    /* Stopping right after a pause past the group's patience: the tasks go
     * first, as lost (their in-flight records counted as duplicates). */
    mirror_pause_check(m);
    mirror_drain(m, atomic_load(m->stop) > 1 ? 0 : 1500, true);
    mirror_shard_purge(m, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    mirror_shard_poll(m, 0);
    if (m->unknown_parts) mirror_place_unknown_tails(m);
    m->map_failed_now = false;
    mirror_map_flush(m);
    mirror_drain(m, 1000, false);
    if (mirror_shard_outq(m) > 0 || m->map_failed_now) {
        log_error("the last offset map update could not be written; the next run re-pairs the "
                  "records of the last %d seconds by content, or re-sends them (counted)",
                  m->flow->offset_map_flush_ms / 1000 + 1);
        mirror_shard_purge(m, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        mirror_shard_poll(m, 0);
        return false;
    }
    return true;
}

/* Keeps the caller's exit hint current (see mirror_opts_t). */
static void hint(mirror_t *m) {
    if (m->o.exit_hint)
        atomic_store(m->o.exit_hint, m->data_loss ? KMIG_EXIT_DATA_LOSS
                                     : m->fail    ? KMIG_EXIT_FAIL
                                                  : KMIG_EXIT_OK);
}

static int mirror_write_summary(mirror_t *m, const char *path, int exit_code, char *err, size_t errsz) {
    msnap_t *s = msnap_acquire(m->snaps);
    mirror_report_end_t end = {m->flow->source, m->flow->target, exit_code,
                               m->exit_reason ? m->exit_reason : "failed", sbuf_str(&m->errors),
                               vforeign_total(m->foreign)};
    int rc = mirror_report_summary(path, s, &end, err, errsz);
    msnap_release(s);
    return rc;
}

/* Every return of mirror_run: the exit reason, the exit hint, and the
 * summary file when asked for (--summary-json). */
static int run_exit(mirror_t *m, int rc, const char *reason) {
    char err[512];
    m->exit_reason = reason;
    if (m->o.exit_hint) atomic_store(m->o.exit_hint, rc);
    if (m->o.summary_path && mirror_write_summary(m, m->o.summary_path, rc, err, sizeof err)) {
        log_error("--summary-json: %s", err);
        if (rc == KMIG_EXIT_OK) rc = KMIG_EXIT_FAIL;
    }
    return rc;
}

static int mirror_loop(mirror_t *m) {
    const mm2_flow_t *f = m->flow;
    rd_kafka_message_t **msgs = xcalloc(MIRROR_BATCH, sizeof *msgs);
    int64_t next_flush = clock_mono_ms() + f->offset_map_flush_ms, next_publish = 0;
    int64_t last_progress = clock_mono_ms();
    msnap_t *prev = NULL;
    bool caught_up = false;
    while (!atomic_load(m->stop) && !m->fail && !m->data_loss) {
        if (kclient_fatal()) {
            mirror_error(m, "%s", kclient_fatal_reason());
            m->fail = true;
            break;
        }
        char werr[512];
        if (mworkers_poll(m->workers, werr, sizeof werr)) {
            mirror_error(m, "%s", werr);
            m->fail = true;
            break;
        }
        if (mirror_start_apply_ready(m) || mirror_start_partitions(m)) {
            m->fail = true;
            break;
        }
        ssize_t n = mirror_shard_read(m, 100, msgs, MIRROR_BATCH);
        m->now_ms = clock_wall_ms();
        if (n > 0) mirror_fetch_batch(m, msgs, n);
        backflow_tick(m->back);
        mirror_pause_check(m);
        mirror_shard_poll(m, 0);
        if (m->unknown_parts) mirror_place_unknown_tails(m);
        int64_t now = clock_mono_ms();
        if (m->txn) {
            if (mtxn_due(m->txn, now, false)) mirror_txn_round(m, false, f->admin_timeout_ms, false);
        } else if (now >= next_flush) {
            mirror_map_flush(m);
            next_flush = now + f->offset_map_flush_ms;
        }
        if (now >= next_publish) {
            mirror_publish(m);
            next_publish = now + PUBLISH_MS;
        }
        if (m->o.progress_interval_ms > 0 && now - last_progress >= m->o.progress_interval_ms) {
            msnap_t *s = msnap_acquire(m->snaps);
            mirror_report_progress(stderr, s, prev, (double)(now - last_progress) / 1000.0);
            msnap_release(prev);
            prev = s;
            last_progress = now;
        }
        hint(m);
        if (m->o.stop_at_end && all_caught_up(m) && m->txn && mtxn_due(m->txn, now, true)) {
            /* Exactly once: caught up means committed too. */
            mirror_txn_round(m, true, f->admin_timeout_ms, false);
            continue;
        }
        if (m->o.stop_at_end && all_caught_up(m)) {
            log_info("caught up: every selected partition is copied to its end");
            caught_up = true;
            break;
        }
    }
    msnap_release(prev);
    free(msgs);
    return caught_up;
}

int mirror_run(mirror_t *m) {
    char err[1024];
    const mm2_flow_t *f = m->flow;
    if (mirror_connect(m, err, sizeof err)) {
        mirror_error(m, "%s", err);
        return run_exit(m, KMIG_EXIT_FAIL, "failed");
    }
    log_info("mirror %s -> %s: topics '%s' excluding '%s', %s policy, %s copy", f->source,
             f->target, f->topics, f->topics_exclude,
             f->policy == POLICY_IDENTITY ? "identity" : "default",
             m->txn ? "exactly-once" : "at-least-once");
    if (m->txn && mirror_txn_check(m)) return run_exit(m, KMIG_EXIT_USAGE, "exactly-once");
    /* Before any handle names the map topic: a broker with auto-creation on
     * would otherwise create it uncompacted. */
    int irc = internal_topics(m);
    if (irc > 0) return run_exit(m, KMIG_EXIT_OK, "stopped");
    if (irc) return run_exit(m, KMIG_EXIT_USAGE, "internal-topics");
    m->map_rkt = rd_kafka_topic_new(m->producer, m->map_topic, NULL);
    /* Joined before the map is read; tasks start when the group gives them
     * (on_tasks_start), or here for a process alone (no workers' group). */
    if (mirror_tasks_join(m)) return run_exit(m, KMIG_EXIT_USAGE, "workers");
    if (m->txn && !m->workers && mirror_txn_start(m)) return run_exit(m, KMIG_EXIT_USAGE, "exactly-once");
    /* A target restarting under kmig's start answers "unknown partition" for a
     * while: reading the map is tried again until the admin timeout. */
    int64_t deadline = clock_mono_ms() + f->admin_timeout_ms;
    while (mirror_map_load(m, err, sizeof err)) {
        map_set_destroy(m->loaded);
        m->loaded = map_set_new();
        if (atomic_load(m->stop)) return run_exit(m, KMIG_EXIT_OK, "stopped");
        if (clock_mono_ms() >= deadline) {
            mirror_error(m, "%s", err);
            return run_exit(m, KMIG_EXIT_FAIL, "failed");
        }
        log_warn("%s; reading the offset map again", err);
        clock_sleep_ms(1000);
    }
    if (!(m->tm = topic_manager_new(f, m->sadmin, m->tadmin, err, sizeof err)) ||
        topic_manager_start(m->tm)) {
        mirror_error(m, "topic manager: %s", m->tm ? "cannot start its thread" : err);
        return run_exit(m, KMIG_EXIT_FAIL, "failed");
    }
    if (f->emit_checkpoints || f->sync_group_offsets) {
        bool loaded = false;
        if ((m->groups = groups_new(m->o.mm2, f, err, sizeof err)))
            while (!(loaded = !groups_load_checkpoints(m->groups, err, sizeof err)) &&
                   !atomic_load(m->stop) && clock_mono_ms() < deadline) {
                log_warn("%s; reading the checkpoints again", err);
                clock_sleep_ms(1000);
            }
        if (m->groups && !loaded && atomic_load(m->stop)) return run_exit(m, KMIG_EXIT_OK, "stopped");
        if (!m->groups || !loaded ||
            !(m->gsync = groups_sync_start(m->groups, f, m->snaps, err, sizeof err))) {
            mirror_error(m, "consumer groups: %s", err);
            m->fail = true;
        }
    }
    backflow_settings_t bs = {&m->src_admin, &m->src_consumer, &m->tgt_admin};
    if (!(m->back = backflow_start(f, &bs, m->snaps, err, sizeof err))) {
        mirror_error(m, "the way back: %s", err);
        m->fail = true;
    }
    if (heartbeat_wanted(f) && !(m->hb = heartbeat_start(m->o.mm2, f, err, sizeof err)))
        log_warn("heartbeats: %s; the mirror runs without them", err);
    /* Exactly once: transaction markers take target offsets, so the end
     * offsets cannot tell foreign writes (and a fenced writer writes none). */
    if (!m->txn &&
        !(m->foreign = vforeign_start(&m->tgt_consumer, m->snaps, 5000, err, sizeof err)))
        log_warn("foreign writes on the target will not be watched: %s", err);
    if (m->o.metrics_addr) {
        m->dash = mirror_dash_new(m->flow->source, m->flow->target, m->snaps, m->groups,
                                  m->foreign, render_metrics, m);
        mirror_dash_set_verify_file(m->dash, m->o.verify_json);
        if (m->o.services) mirror_cutover_attach(m->dash, m->o.services, m->o.mm2, m->flow);
        m->http = http_server_new_app(m->o.metrics_addr, mirror_dash_metrics, mirror_dash_app,
                                      m->dash, err, sizeof err);
        if (!m->http || (m->o.http_port_file &&
                         mirror_dash_write_port(m->o.http_port_file, http_server_port(m->http),
                                                err, sizeof err))) {
            mirror_error(m, "%s", err);
            m->fail = true;
            return run_exit(m, KMIG_EXIT_USAGE, "failed");
        }
        log_info("http: serving the dashboard at / and /metrics on port %d",
                 http_server_port(m->http));
    }

    bool caught_up = !m->fail && mirror_loop(m);
    hint(m);
    atomic_store(m->stop, atomic_load(m->stop) ? atomic_load(m->stop) : 1);
    log_debug("stopping: flushing the producer and the offset map");
    bool persisted = shutdown_flush(m);
    mirror_publish(m);
    log_debug("stopping: flushed");
    if (m->o.progress_interval_ms > 0) {
        msnap_t *s = msnap_acquire(m->snaps);
        mirror_report_progress(stderr, s, NULL, 0);
        msnap_release(s);
    }
    int rc;
    if (m->data_loss)
        rc = run_exit(m, KMIG_EXIT_DATA_LOSS, "data-loss");
    else if (m->fail || kclient_fatal())
        rc = run_exit(m, KMIG_EXIT_FAIL, "failed");
    else if (m->o.stop_at_end && m->missing) {
        mirror_error(m, "%d selected topics could not be copied (see above)", m->missing);
        rc = run_exit(m, KMIG_EXIT_FAIL, "failed");
    } else
        rc = run_exit(m, KMIG_EXIT_OK, caught_up ? "caught-up" : "stopped");
    /* After the summary: leaving the group hands the tasks on; these threads
     * may be in the middle of a broker call. */
    mworkers_destroy(m->workers);
    m->workers = NULL;
    topic_manager_stop(m->tm);
    groups_sync_stop(m->gsync, caught_up && persisted && rc == KMIG_EXIT_OK &&
                                   atomic_load(m->stop) < 2);
    m->gsync = NULL;
    return rc;
}

void mirror_get_stats(mirror_t *m, mirror_stats_t *out) {
    memset(out, 0, sizeof *out);
    msnap_t *s = msnap_acquire(m->snaps);
    if (s) {
        out->records = s->records;
        out->bytes = s->bytes;
        out->topics = s->topics;
        out->partitions = (int)s->n;
        out->resend_estimate = s->resent_possible;
        out->recovered = s->recovered;
        out->lost = s->lost;
        out->missing_topics = s->missing_topics;
    }
    msnap_release(s);
}


void mirror_destroy(mirror_t *m) {
    if (!m) return;
    atomic_store(m->stop, 2);
    mworkers_destroy(m->workers);
    int64_t t_start = clock_mono_ms();
    topic_manager_destroy(m->tm);
    http_server_destroy(m->http);
    backflow_stop(m->back);
    vforeign_request_stop(m->foreign);
    heartbeat_stop(m->hb);
    mirror_dash_destroy(m->dash);
    vforeign_stop(m->foreign);
    groups_sync_stop(m->gsync, false);
    groups_destroy(m->groups);
    msnap_holder_destroy(m->snaps);
    mtxn_set_destroy(m->txn); /* its delivery reports still reach the topics */
    log_debug("stopping: threads stopped in %" PRId64 " ms", clock_mono_ms() - t_start);
    for (size_t i = 0; i < m->ntopics; i++) {
        mtopic_t *t = m->topics_v[i];
        for (int32_t p = 0; p < t->nparts; p++) {
            mpart_clear(&t->parts[p]);
            msnap_map_unref(t->pub[p].map);
        }
        if (t->src_rkt) rd_kafka_topic_destroy(t->src_rkt);
        if (t->tgt_rkt) rd_kafka_topic_destroy(t->tgt_rkt);
        free(t->parts);
        free(t->pub);
        free(t->task);
        free(t->stale);
        free(t->epoch);
        free(t->prior_records);
        free(t->prior_bytes);
        free(t->name);
        free(t->target);
        free(t);
    }
    free(m->topics_v);
    if (m->map_rkt) rd_kafka_topic_destroy(m->map_rkt);
    mirror_shard_destroy_all(m);
    kv_list_clear(&m->clients.cdef);
    kv_list_clear(&m->clients.creq);
    kv_list_clear(&m->clients.pdef);
    kv_list_clear(&m->clients.preq);
    if (m->sadmin) rd_kafka_destroy(m->sadmin);
    if (m->tadmin) rd_kafka_destroy(m->tadmin);
    if (m->src_reader) rd_kafka_destroy(m->src_reader);
    if (m->tgt_reader) rd_kafka_destroy(m->tgt_reader);
    map_set_destroy(m->loaded);
    strmap_destroy(m->topic_by_name);
    sbuf_free(&m->errors);
    record_digest_destroy(m->digest);
    kv_list_clear(&m->src_consumer);
    kv_list_clear(&m->tgt_producer);
    kv_list_clear(&m->src_admin);
    kv_list_clear(&m->tgt_admin);
    kv_list_clear(&m->tgt_consumer);
    free(m);
}

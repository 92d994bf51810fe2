/* The heartbeat emitter (see heartbeat.h): a thread that, off the copy loop's
 * path, writes MM2-format heartbeat records to the source cluster's
 * `heartbeats` topic so that the mirror can measure end-to-end latency with
 * records whose write time it knows. A failed heartbeat is counted and
 * logged once per run of failures; it never stops the mirror. */
#include "mirror/heartbeat.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "kafka/kadmin.h"
#include "kafka/kclient.h"
#include "mirror/name_filter.h"
#include "offsets/heartbeat_codec.h"

struct heartbeat {
    const mm2_flow_t *flow;
    kv_list_t settings, admin_settings;
    rd_kafka_t *producer;
    sbuf_t key;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stop;
    atomic_llong sent, failed;
    atomic_bool failing; /* the last delivery failed (logged once until one succeeds) */
};

static void hb_dr(rd_kafka_t *rk, const rd_kafka_message_t *dm, void *opaque) {
    (void)rk;
    heartbeat_t *h = opaque;
    if (!dm->err) {
        atomic_fetch_add(&h->sent, 1);
        if (atomic_exchange(&h->failing, false))
            log_info("heartbeats: writing to %s on %s again", HEARTBEAT_TOPIC, h->flow->source);
        return;
    }
    atomic_fetch_add(&h->failed, 1);
    if (!atomic_exchange(&h->failing, true))
        log_warn("heartbeats: a heartbeat to %s on %s failed: %s (the mirror goes on; "
                 "heartbeat latency is not measured meanwhile)",
                 HEARTBEAT_TOPIC, h->flow->source, rd_kafka_err2str(dm->err));
}

static bool stopping(heartbeat_t *h) {
    pthread_mutex_lock(&h->mu);
    bool stop = h->stop;
    pthread_mutex_unlock(&h->mu);
    return stop;
}

static bool wait_period(heartbeat_t *h, int64_t ms);

/* Creates the topic as MM2 does (compacted, one partition). Short attempts,
 * repeated until kmig.admin.timeout.ms, so that a stop never waits long for a
 * broker that does not answer admin calls. A failure is a warning: producing
 * may still work (auto-creation, or the topic exists with another cleanup
 * policy). */
static void ensure_topic(heartbeat_t *h) {
    char err[1024] = "";
    kclient_opts_t o = {.type = RD_KAFKA_PRODUCER, .name = "source-heartbeat-admin",
                        .settings = &h->admin_settings};
    rd_kafka_t *rk = kclient_new(&o, err, sizeof err);
    int64_t deadline = clock_mono_ms() + h->flow->admin_timeout_ms;
    int attempt = h->flow->admin_timeout_ms < 1000 ? h->flow->admin_timeout_ms : 1000;
    int rc = -1;
    while (rk && !stopping(h)) {
        int64_t t0 = clock_mono_ms();
        rc = kadmin_ensure_compacted(rk, HEARTBEAT_TOPIC, h->flow->heartbeats_replication_factor,
                                     attempt, err, sizeof err);
        if (!rc || clock_mono_ms() >= deadline) break;
        /* A refusal (a policy, the replication factor, an ACL) comes back at
         * once: wait out the attempt's slot, never ask again and again. */
        int64_t left = attempt - (clock_mono_ms() - t0);
        if (left > 0 && !wait_period(h, left)) break;
    }
    if (rk) rd_kafka_destroy(rk);
    if (rc && !stopping(h))
        log_warn("heartbeats: cannot create or check %s on %s: %s; writing heartbeats anyway "
                 "(heartbeats.topic.replication.factor is %d)",
                 HEARTBEAT_TOPIC, h->flow->source, err, h->flow->heartbeats_replication_factor);
}

static bool wait_period(heartbeat_t *h, int64_t ms) {
    pthread_mutex_lock(&h->mu);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    while (!h->stop && pthread_cond_timedwait(&h->cond, &h->mu, &ts) == 0)
        ;
    bool stop = h->stop;
    pthread_mutex_unlock(&h->mu);
    return !stop;
}

static void *heartbeat_main(void *arg) {
    heartbeat_t *h = arg;
    ensure_topic(h);
    int64_t period = (int64_t)h->flow->emit_heartbeats_interval_s * 1000;
    do {
        int64_t now = clock_wall_ms();
        uint8_t value[HEARTBEAT_CODEC_VALUE_LEN];
        heartbeat_codec_encode_value(value, now);
        rd_kafka_resp_err_t e = rd_kafka_producev(
            h->producer, RD_KAFKA_V_TOPIC(HEARTBEAT_TOPIC), RD_KAFKA_V_PARTITION(0),
            RD_KAFKA_V_KEY((void *)sbuf_str(&h->key), h->key.len),
            RD_KAFKA_V_VALUE(value, sizeof value), RD_KAFKA_V_TIMESTAMP(now),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e) {
            atomic_fetch_add(&h->failed, 1);
            log_debug("heartbeats: produce failed: %s", rd_kafka_err2str(e));
        }
        rd_kafka_poll(h->producer, 0);
    } while (wait_period(h, period));
    return NULL;
}

bool heartbeat_wanted(const mm2_flow_t *flow) {
    if (!flow->emit_heartbeats) return false;
    char err[512];
    name_filter_t *f = name_filter_new(flow->topics, flow->topics_exclude, err, sizeof err);
    bool yes = f && name_filter_match(f, HEARTBEAT_TOPIC);
    name_filter_destroy(f);
    return yes;
}

heartbeat_t *heartbeat_start(mm2_t *mm2, const mm2_flow_t *flow, char *err, size_t errsz) {
    heartbeat_t *h = xcalloc(1, sizeof *h);
    h->flow = flow;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cond, NULL);
    kv_list_t defaults = {0};
    /* A heartbeat is small and timely: no batching delay, a bounded life. */
    kv_list_add(&defaults, "linger.ms", "0", "kmig default (heartbeats)", false);
    kv_list_add(&defaults, "message.timeout.ms", "30000", "kmig default (heartbeats)", false);
    if (heartbeat_codec_encode_key(&h->key, flow->source, flow->target) ||
        mm2_client_settings(mm2, flow->source, MM2_CLIENT_PRODUCER, &h->settings, err, errsz) ||
        mm2_client_settings(mm2, flow->source, MM2_CLIENT_ADMIN, &h->admin_settings, err,
                            errsz)) {
        kv_list_clear(&defaults);
        heartbeat_stop(h);
        return NULL;
    }
    kclient_opts_t o = {.type = RD_KAFKA_PRODUCER, .name = "source-heartbeat",
                        .defaults = &defaults, .settings = &h->settings, .opaque = h,
                        .dr_msg_cb = hb_dr};
    h->producer = kclient_new(&o, err, errsz);
    kv_list_clear(&defaults);
    if (!h->producer || pthread_create(&h->thread, NULL, heartbeat_main, h)) {
        if (h->producer) snprintf(err, errsz, "heartbeats: cannot start a thread");
        if (h->producer) rd_kafka_destroy(h->producer);
        h->producer = NULL;
        heartbeat_stop(h);
        return NULL;
    }
    return h;
}

void heartbeat_stop(heartbeat_t *h) {
    if (!h) return;
    if (h->producer) {
        pthread_mutex_lock(&h->mu);
        h->stop = true;
        pthread_cond_signal(&h->cond);
        pthread_mutex_unlock(&h->mu);
        pthread_join(h->thread, NULL);
        rd_kafka_flush(h->producer, 200); /* a heartbeat lost on stop is harmless */
        rd_kafka_purge(h->producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(h->producer, 0);
        rd_kafka_destroy(h->producer);
    }
    kv_list_clear(&h->settings);
    kv_list_clear(&h->admin_settings);
    sbuf_free(&h->key);
    pthread_cond_destroy(&h->cond);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

void heartbeat_get_stats(heartbeat_t *h, heartbeat_stats_t *out) {
    out->sent = h ? atomic_load(&h->sent) : 0;
    out->failed = h ? atomic_load(&h->failed) : 0;
}

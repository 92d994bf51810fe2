/* librdkafka handle construction: applies layered settings, names the origin of
 * a bad setting in the error, and forwards librdkafka's log lines and error
 * events to kmig's logger, holding back repeats (a broker that is down makes
 * every handle log the same connect error every few hundred milliseconds).
 * A fatal error from any handle, or credentials the cluster rejects, is
 * latched so the command loop can stop and exit non-zero. kcheck.c uses the
 * capture hooks here to learn why a cluster cannot be reached. */
#include "kafka/kclient.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/logdedup.h"
#include "kafka/kiam.h"

static atomic_bool kclient_fatal_flag;
static char kclient_fatal_msg[512];

bool kclient_fatal(void) { return atomic_load(&kclient_fatal_flag); }
const char *kclient_fatal_reason(void) { return kclient_fatal_msg; }

static void kclient_latch_fatal(const char *fmt, const char *a, const char *b, const char *c) {
    if (atomic_exchange(&kclient_fatal_flag, true)) return; /* keep the first reason */
    snprintf(kclient_fatal_msg, sizeof kclient_fatal_msg, fmt, a, b, c);
    log_error("%s", kclient_fatal_msg);
}

/* Identical lines (modulo digits) from any handle: printed once, then at most
 * every KCLIENT_REPEAT_MS with the count held back. */
enum { KCLIENT_REPEAT_MS = 10000 };
static pthread_mutex_t kclient_dedup_mu = PTHREAD_MUTEX_INITIALIZER;
static logdedup_t *kclient_dedup;

static void kclient_log_once(log_level_t l, const char *name, const char *fac, const char *buf) {
    if (l > log_get_level()) return;
    if (l == LL_DEBUG) { /* asked for everything: everything */
        log_msg(l, "%s: %s: %s", name, fac, buf);
        return;
    }
    /* Lines of one kind from one client (its name without librdkafka's
     * "#producer-N" suffix, so a handle made again counts as the same): a
     * source's errors never hide a target's. */
    char key[256], who[160];
    long held = 0;
    snprintf(who, sizeof who, "%.*s/%s", (int)strcspn(name, "#"), name, fac);
    logdedup_key(who, buf, key, sizeof key);
    pthread_mutex_lock(&kclient_dedup_mu);
    if (!kclient_dedup) kclient_dedup = logdedup_new(KCLIENT_REPEAT_MS);
    int print = logdedup_check(kclient_dedup, key, clock_mono_ms(), &held);
    pthread_mutex_unlock(&kclient_dedup_mu);
    if (!print) return;
    if (held)
        log_msg(l, "%s: %s: %s (repeated %ld times)", name, fac, buf, held);
    else
        log_msg(l, "%s: %s: %s", name, fac, buf);
}

static log_level_t kclient_level(int level) {
    /* syslog levels: 3 error, 4 warning, 5 notice, 6 info, 7 debug */
    return level <= LOG_ERR ? LL_ERROR
           : level <= LOG_WARNING ? LL_WARN
           : level <= LOG_NOTICE  ? LL_INFO
                                  : LL_DEBUG;
}

static void kclient_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    kclient_log_once(kclient_level(level), rd_kafka_name(rk), fac, buf);
}

/* A capturing handle (kclient_opts_t.capture) keeps its lines to itself, at
 * debug level; the capture learns the cause. */
static void kclient_capture_note(kclient_capture_t *cap, const char *line) {
    conncause_t c = conncause_classify(line);
    if (c == CONNCAUSE_NONE) return;
    pthread_mutex_lock(&cap->mu);
    if (conncause_better(cap->cause, c) != cap->cause || !cap->line[0]) {
        cap->cause = conncause_better(cap->cause, c);
        if (cap->cause == c) snprintf(cap->line, sizeof cap->line, "%s", line);
    }
    if (!conncause_definitive(c) && !cap->first_transient_ms)
        cap->first_transient_ms = clock_mono_ms();
    pthread_mutex_unlock(&cap->mu);
}

static void kclient_capture_log_cb(const rd_kafka_t *rk, int level, const char *fac,
                                   const char *buf) {
    log_debug("%s: %s: %s", rd_kafka_name(rk), fac, buf);
    (void)level; /* librdkafka logs some connection failures (FAIL) at debug level only */
    kclient_capture_note(rd_kafka_opaque(rk), buf);
}

static void kclient_capture_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    log_debug("%s: %s: %s", rd_kafka_name(rk), rd_kafka_err2name(err), reason);
    char line[600];
    snprintf(line, sizeof line, "%s%s",
             err == RD_KAFKA_RESP_ERR__AUTHENTICATION ? "SASL authentication error: " : "",
             reason);
    kclient_capture_note(opaque, line);
}

static void kclient_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char why[400], tid[8];
        size_t tsz = sizeof tid;
        rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, why, sizeof why);
        /* A transactional producer fenced by a newer owner of its id: that
         * task's business (mirror/mtxn.c drops the task), not the process's. */
        if ((orig == RD_KAFKA_RESP_ERR__FENCED || orig == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
             orig == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH) &&
            rd_kafka_conf_get(rd_kafka_conf(rk), "transactional.id", tid, &tsz) ==
                RD_KAFKA_CONF_OK &&
            tsz > 1) {
            log_warn("%s: fenced (%s): another owner of its transactional id took over",
                     rd_kafka_name(rk), rd_kafka_err2name(orig));
            return;
        }
        kclient_latch_fatal("%s: fatal error %s: %s", rd_kafka_name(rk), rd_kafka_err2name(orig),
                            why);
        return;
    }
    /* Credentials the cluster rejects once it was reached (kcheck_cluster
     * passed at start-up): a changed or revoked password, an expired token.
     * librdkafka would retry forever, each time rejected; stop instead. */
    /* (Not a failure to get an OAUTHBEARER token: the token source's own
     * retry may still succeed; kiam reports it.) */
    if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION && !strstr(reason, "Failed to acquire")) {
        kclient_latch_fatal("%s: SASL authentication failed: %s (%s)", rd_kafka_name(rk), reason,
                            conncause_hint(CONNCAUSE_SASL_AUTH));
        return;
    }
    /* Transport errors repeat while a broker is down; librdkafka retries them. */
    kclient_log_once(err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__TRANSPORT
                         ? LL_DEBUG
                         : LL_WARN,
                     rd_kafka_name(rk), rd_kafka_err2name(err), reason);
}

static int kclient_apply(rd_kafka_conf_t *conf, const kv_list_t *l, char *err, size_t errsz) {
    if (!l) return 0;
    for (size_t i = 0; i < l->n; i++) {
        const kv_t *kv = &l->items[i];
        char why[256];
        if (strncmp(kv->key, "kmig.", 5) == 0) continue; /* kmig's own keys (kafka/kiam.h) */
        if (rd_kafka_conf_set(conf, kv->key, kv->value, why, sizeof why) != RD_KAFKA_CONF_OK) {
            snprintf(err, errsz, "%s: %s: %s", kv->origin ? kv->origin : "setting", kv->key,
                     why);
            return -1;
        }
    }
    return 0;
}

/* Settings that this librdkafka build cannot honour (mm2_client_check_features):
 * one clear error, before librdkafka's own (at rd_kafka_conf_set or at
 * connection time). */
static int kclient_check_features(const kclient_opts_t *o, rd_kafka_conf_t *conf, char *err,
                                  size_t errsz) {
    char features[512], why[384];
    size_t n = sizeof features;
    if (rd_kafka_conf_get(conf, "builtin.features", features, &n) != RD_KAFKA_CONF_OK) return 0;
    if (mm2_client_check_features(o->settings, features, why, sizeof why) == 0) return 0;
    snprintf(err, errsz, "%s: %s", o->name, why);
    return -1;
}

rd_kafka_t *kclient_new(const kclient_opts_t *o, char *err, size_t errsz) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char why[256];
    if (kclient_check_features(o, conf, err, errsz)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    if (kclient_apply(conf, o->defaults, err, errsz) || kclient_apply(conf, o->settings, err, errsz)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    if (o->required) {
        for (size_t i = 0; i < o->required->n; i++) {
            const kv_t *kv = &o->required->items[i];
            const char *user = o->settings ? kv_list_get(o->settings, kv->key) : NULL;
            if (user && strcmp(user, kv->value) != 0)
                log_warn("%s: %s=%s is required by kmig; ignoring %s", o->name, kv->key,
                         kv->value, kv->secret ? "the configured value" : user);
        }
        if (kclient_apply(conf, o->required, err, errsz)) {
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    }
    if (kiam_conf_setup(conf, o->settings, o->name, err, errsz)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    size_t idlen = sizeof why;
    if (rd_kafka_conf_get(conf, "client.id", why, &idlen) == RD_KAFKA_CONF_OK &&
        strcmp(why, "rdkafka") == 0)
        rd_kafka_conf_set(conf, "client.id", o->name, why, sizeof why);
    if (o->capture) {
        rd_kafka_conf_set_log_cb(conf, kclient_capture_log_cb);
        rd_kafka_conf_set_error_cb(conf, kclient_capture_error_cb);
        rd_kafka_conf_set_opaque(conf, o->capture);
    } else {
        rd_kafka_conf_set_log_cb(conf, kclient_log_cb);
        rd_kafka_conf_set_error_cb(conf, kclient_error_cb);
        if (o->opaque) rd_kafka_conf_set_opaque(conf, o->opaque);
    }
    if (o->dr_msg_cb) rd_kafka_conf_set_dr_msg_cb(conf, o->dr_msg_cb);
    if (o->rebalance_cb) rd_kafka_conf_set_rebalance_cb(conf, o->rebalance_cb);
    rd_kafka_t *rk = rd_kafka_new(o->type, conf, why, sizeof why);
    if (!rk) {
        snprintf(err, errsz, "%s: %s", o->name, why);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    if (kiam_handle_setup(rk, o->settings, err, errsz)) {
        rd_kafka_destroy(rk);
        return NULL;
    }
    return rk;
}

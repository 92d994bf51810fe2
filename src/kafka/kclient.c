/* librdkafka handle construction: applies layered settings, names the origin of
 * a bad setting in the error, and forwards librdkafka's log lines and error
 * events to kmig's logger. A fatal error from any handle is latched so the
 * command loop can stop and exit non-zero. */
#include "kafka/kclient.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "core/log.h"

static atomic_bool kclient_fatal_flag;
static char kclient_fatal_msg[512];

bool kclient_fatal(void) { return atomic_load(&kclient_fatal_flag); }
const char *kclient_fatal_reason(void) { return kclient_fatal_msg; }

static void kclient_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    /* syslog levels: 3 error, 4 warning, 5 notice, 6 info, 7 debug */
    log_level_t l = level <= LOG_ERR ? LL_ERROR
                    : level <= LOG_WARNING ? LL_WARN
                    : level <= LOG_NOTICE  ? LL_INFO
                                           : LL_DEBUG;
    log_msg(l, "%s: %s: %s", rd_kafka_name(rk), fac, buf);
}

static void kclient_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char why[400];
        rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, why, sizeof why);
        snprintf(kclient_fatal_msg, sizeof kclient_fatal_msg, "%s: fatal error %s: %s",
                 rd_kafka_name(rk), rd_kafka_err2name(orig), why);
        atomic_store(&kclient_fatal_flag, true);
        log_error("%s", kclient_fatal_msg);
        return;
    }
    /* Transport errors repeat while a broker is down; librdkafka retries them. */
    log_msg(err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__TRANSPORT
                ? LL_DEBUG
                : LL_WARN,
            "%s: %s: %s", rd_kafka_name(rk), rd_kafka_err2name(err), reason);
}

static int kclient_apply(rd_kafka_conf_t *conf, const kv_list_t *l, char *err, size_t errsz) {
    if (!l) return 0;
    for (size_t i = 0; i < l->n; i++) {
        const kv_t *kv = &l->items[i];
        char why[256];
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
    size_t idlen = sizeof why;
    if (rd_kafka_conf_get(conf, "client.id", why, &idlen) == RD_KAFKA_CONF_OK &&
        strcmp(why, "rdkafka") == 0)
        rd_kafka_conf_set(conf, "client.id", o->name, why, sizeof why);
    rd_kafka_conf_set_log_cb(conf, kclient_log_cb);
    rd_kafka_conf_set_error_cb(conf, kclient_error_cb);
    if (o->opaque) rd_kafka_conf_set_opaque(conf, o->opaque);
    if (o->dr_msg_cb) rd_kafka_conf_set_dr_msg_cb(conf, o->dr_msg_cb);
    rd_kafka_t *rk = rd_kafka_new(o->type, conf, why, sizeof why);
    if (!rk) {
        snprintf(err, errsz, "%s: %s", o->name, why);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return rk;
}

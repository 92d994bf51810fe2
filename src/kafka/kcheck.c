/* Start-up reachability check of one cluster: a throw-away client with the
 * cluster's settings whose log and error lines are captured (kclient's capture
 * hooks) rather than printed, a Metadata request polled in short slices, and a
 * verdict as soon as the captured cause is one no retry can fix. */
#include "kafka/kcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/conncause.h"
#include "core/log.h"
#include "kafka/kclient.h"
#include "kafka/kiam.h"
#include "kafka/kprobe.h"

enum {
    KCHECK_MAX_MS = 10000,      /* whatever the admin timeout */
    KCHECK_TRANSIENT_MS = 3000, /* after the first refusal or timeout */
    KCHECK_SLICE_MS = 250,
};

/* The first host:port of a bootstrap list ("SSL://h:p,h2:p2", "[::1]:9092"). */
static int kcheck_first_broker(const char *list, char *host, size_t hostsz, int *port) {
    const char *s = list, *scheme = strstr(list, "://");
    if (scheme && (!strchr(list, ',') || scheme < strchr(list, ','))) s = scheme + 3;
    size_t n = strcspn(s, ",");
    char one[300];
    if (n == 0 || n >= sizeof one) return -1;
    memcpy(one, s, n);
    one[n] = '\0';
    char *colon = strrchr(one, ':');
    if (!colon) return -1;
    *colon = '\0';
    *port = atoi(colon + 1);
    char *h = one;
    if (*h == '[') {
        h++;
        char *close = strchr(h, ']');
        if (close) *close = '\0';
    }
    if (strlen(h) >= hostsz) return -1;
    memcpy(host, h, strlen(h) + 1);
    return *port > 0 ? 0 : -1;
}

/* The part of librdkafka's line worth showing: the broker's own words for a
 * SASL failure ("Authentication failed during authentication due to invalid
 * credentials with SASL mechanism SCRAM-SHA-512"), without the broker
 * prefix and the timing suffix. */
static void kcheck_sasl_detail(const char *line, char *out, size_t outsz) {
    const char *p = strstr(line, "SASL authentication error: ");
    p = p ? p + strlen("SASL authentication error: ") : line;
    size_t n = strlen(p);
    const char *after = strstr(p, " (after ");
    if (after) n = (size_t)(after - p);
    snprintf(out, outsz, "%.*s", (int)n, p);
}

int kcheck_cluster(const char *alias, const kv_list_t *settings, int timeout_ms, char *err,
                   size_t errsz) {
    const char *bootstrap = kv_list_get(settings, "bootstrap.servers");
    kclient_capture_t cap = {.cause = CONNCAUSE_NONE};
    pthread_mutex_init(&cap.mu, NULL);
    kv_list_t defaults = {0};
    kv_list_add(&defaults, "group.id", "kmig-check", "kmig", false);
    char name[160];
    snprintf(name, sizeof name, "%s-check", alias);
    kclient_opts_t o = {.type = RD_KAFKA_CONSUMER, .name = name, .defaults = &defaults,
                        .settings = settings, .capture = &cap};
    char why[512];
    rd_kafka_t *rk = kclient_new(&o, why, sizeof why);
    kv_list_clear(&defaults);
    if (!rk) {
        snprintf(err, errsz, "cluster '%s': %s", alias, why);
        pthread_mutex_destroy(&cap.mu);
        return KCHECK_REFUSED;
    }
    if (timeout_ms <= 0 || timeout_ms > KCHECK_MAX_MS) timeout_ms = KCHECK_MAX_MS;
    int64_t t0 = clock_mono_ms(), deadline = t0 + timeout_ms;
    int rc = KCHECK_UNREACHABLE;
    rd_kafka_resp_err_t last = RD_KAFKA_RESP_ERR_NO_ERROR;
    conncause_t cause = CONNCAUSE_NONE;
    char line[sizeof cap.line] = "";
    for (;;) {
        const struct rd_kafka_metadata *md = NULL;
        last = rd_kafka_metadata(rk, 0, NULL, &md, KCHECK_SLICE_MS);
        if (md) rd_kafka_metadata_destroy(md);
        if (last == RD_KAFKA_RESP_ERR_NO_ERROR) {
            rc = KCHECK_OK;
            break;
        }
        pthread_mutex_lock(&cap.mu);
        cause = cap.cause;
        snprintf(line, sizeof line, "%s", cap.line);
        int64_t first = cap.first_transient_ms;
        pthread_mutex_unlock(&cap.mu);
        int64_t now = clock_mono_ms();
        char iam[8]; /* no MSK IAM token could be made (kafka/kiam.h): no retry will help */
        if (conncause_definitive(cause) || now >= deadline ||
            kiam_last_failure(name, iam, sizeof iam) || (first && now >= first + KCHECK_TRANSIENT_MS))
            break;
    }
    rd_kafka_destroy(rk);
    pthread_mutex_destroy(&cap.mu);
    if (rc == KCHECK_OK) {
        log_debug("cluster '%s' (%s): reachable in %lld ms", alias, bootstrap ? bootstrap : "?",
                  (long long)(clock_mono_ms() - t0));
        return KCHECK_OK;
    }
    char detail[sizeof cap.line] = "", text[1100];
    if (cause == CONNCAUSE_SASL_AUTH) {
        kcheck_sasl_detail(line, detail, sizeof detail);
    } else if (cause == CONNCAUSE_TLS_VERIFY || cause == CONNCAUSE_TLS_HANDSHAKE) {
        /* librdkafka does not say which check failed; OpenSSL does */
        char host[256];
        int port;
        if (bootstrap && kcheck_first_broker(bootstrap, host, sizeof host, &port) == 0 &&
            kprobe_tls_check(host, port, settings, 3000, detail, sizeof detail) == 0)
            detail[0] = '\0';
    } else if (cause == CONNCAUSE_NONE && kiam_last_failure(name, detail, sizeof detail)) {
        /* no token to authenticate with (kafka/kiam.h): that is the cause */
        snprintf(err, errsz, "cluster '%s' (%s): cannot connect: %s", alias,
                 bootstrap ? bootstrap : "no bootstrap.servers", detail);
        return KCHECK_REFUSED;
    } else if (cause == CONNCAUSE_NONE) {
        if (last == RD_KAFKA_RESP_ERR__TIMED_OUT || last == RD_KAFKA_RESP_ERR__TRANSPORT)
            cause = CONNCAUSE_TIMEOUT;
        else
            snprintf(detail, sizeof detail, "%s", line[0] ? line : rd_kafka_err2str(last));
    }
    conncause_format(cause, detail, text, sizeof text);
    snprintf(err, errsz, "cluster '%s' (%s): %s", alias, bootstrap ? bootstrap : "no bootstrap.servers",
             text);
    return conncause_definitive(cause) ? KCHECK_REFUSED : KCHECK_UNREACHABLE;
}

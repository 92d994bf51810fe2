#ifndef KMIG_KAFKA_KCLIENT_H
#define KMIG_KAFKA_KCLIENT_H
/* Creates librdkafka handles from key/value settings (config/mm2.h kv_list_t)
 * and routes librdkafka's logs and errors into core/log.h. Settings apply in
 * order: kmig's defaults for the role, the user's settings, then the values
 * kmig requires (which win, with a warning when the user asked otherwise).
 *
 * Ownership: the caller owns the returned handle (rd_kafka_destroy). */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "config/mm2.h"
#include "core/conncause.h"

/* What a capturing handle learned about its connections (kclient_check). */
typedef struct kclient_capture {
    pthread_mutex_t mu;
    conncause_t cause;          /* the most specific cause seen */
    char line[600];             /* librdkafka's line that showed it */
    int64_t first_transient_ms; /* clock_mono_ms() of the first refused/timeout, 0 none */
} kclient_capture_t;

typedef struct kclient_opts {
    rd_kafka_type_t type;
    const char *name;          /* "source-consumer", used in logs and client.id */
    const kv_list_t *defaults; /* may be NULL */
    const kv_list_t *settings; /* the user's settings, may be NULL */
    const kv_list_t *required; /* may be NULL */
    void *opaque;              /* rd_kafka_opaque() */
    /* Optional callbacks, passed to librdkafka as they are. */
    void (*dr_msg_cb)(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque);
    void (*rebalance_cb)(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque);
    /* Optional: the handle's log and error lines go to the capture (and to
     * the debug log) instead of kmig's log; `opaque` is then ignored. */
    kclient_capture_t *capture;
} kclient_opts_t;

/* Returns NULL with "origin: key: reason" or librdkafka's reason in err. */
rd_kafka_t *kclient_new(const kclient_opts_t *opts, char *err, size_t errsz);

/* True once any handle reported a fatal error (e.g. the idempotent producer
 * lost its guarantees); kclient_fatal_reason() says why. */
bool kclient_fatal(void);
const char *kclient_fatal_reason(void);

#endif

#ifndef KMIG_KAFKA_KCLIENT_H
#define KMIG_KAFKA_KCLIENT_H
/* Creates librdkafka handles from key/value settings (config/mm2.h kv_list_t)
 * and routes librdkafka's logs and errors into core/log.h. Settings apply in
 * order: kmig's defaults for the role, the user's settings, then the values
 * kmig requires (which win, with a warning when the user asked otherwise).
 *
 * Ownership: the caller owns the returned handle (rd_kafka_destroy). */
#include <stdbool.h>
#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "config/mm2.h"

typedef struct kclient_opts {
    rd_kafka_type_t type;
    const char *name;          /* "source-consumer", used in logs and client.id */
    const kv_list_t *defaults; /* may be NULL */
    const kv_list_t *settings; /* the user's settings, may be NULL */
    const kv_list_t *required; /* may be NULL */
    void *opaque;              /* rd_kafka_opaque() */
    /* Optional callbacks, passed to librdkafka as they are. */
    void (*dr_msg_cb)(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque);
} kclient_opts_t;

/* Returns NULL with "origin: key: reason" or librdkafka's reason in err. */
rd_kafka_t *kclient_new(const kclient_opts_t *opts, char *err, size_t errsz);

/* True once any handle reported a fatal error (e.g. the idempotent producer
 * lost its guarantees); kclient_fatal_reason() says why. */
bool kclient_fatal(void);
const char *kclient_fatal_reason(void);

#endif

#ifndef KMIG_KAFKA_KCHECK_H
#define KMIG_KAFKA_KCHECK_H
/* The start-up check every command that talks to a cluster runs first: can
 * this client, with these settings, get an answer at all? Bounded in time, and
 * on failure one line that names the cluster and the cause (classified by
 * core/conncause.h from librdkafka's own lines, refined by kprobe's TLS
 * handshake when librdkafka only says "certificate verify failed"), instead
 * of a wall of retries and a "Broker transport failure" 40 s later. */
#include <stddef.h>

#include "config/mm2.h" /* kv_list_t */

enum {
    KCHECK_OK = 0,
    KCHECK_UNREACHABLE = -1, /* refused, unresolvable, no answer: maybe transient */
    KCHECK_REFUSED = -2,     /* the cluster refuses this configuration (TLS, SASL) */
};

/* Checks that cluster `alias` answers a Metadata request from a client with
 * `settings` (its admin settings, librdkafka keys, bootstrap.servers among
 * them). Gives up after min(timeout_ms, 10 s); at once when the cause is one
 * that retrying cannot fix (TLS verification, credentials, protocol mismatch);
 * and 3 s after the first "connection refused" or timeout when nothing
 * better is known. Returns KCHECK_OK, or another KCHECK_* with one line in err:
 *   "cluster 'ALIAS' (BOOTSTRAP): cannot connect: CAUSE[: DETAIL] (HINT)".
 * librdkafka's own lines of this check go to the debug log only. Never
 * prints secrets. */
int kcheck_cluster(const char *alias, const kv_list_t *settings, int timeout_ms, char *err,
                   size_t errsz);

#endif

#ifndef KMIG_KAFKA_KPROBE_H
#define KMIG_KAFKA_KPROBE_H
/* Asks one broker which protocol versions it speaks (an ApiVersions v0
 * request on a connection of our own, plaintext or TLS; the request is
 * allowed before SASL authentication) and estimates the Kafka release from
 * the highest versions of a few APIs. librdkafka 2.0.2 does this internally
 * but does not expose the result. Brokers older than 0.10.0 do not answer
 * ApiVersions: reported as "< 0.10".
 *
 * The estimate is a floor ("3.9" means 3.9 or a later release that added no
 * protocol versions) and is written as such in docs/ASSESS.md. */
#include <stddef.h>

#include "config/mm2.h" /* kv_list_t */

typedef struct kprobe_result {
    char version[32];    /* "0.10.0", "2.8", "3.9", "4.1", "< 0.10" ... */
    int api_count;       /* number of APIs listed */
    int fetch_max;       /* highest Fetch version, -1 unknown */
    int produce_max;     /* highest Produce version, -1 unknown */
    int api_versions_max;/* highest ApiVersions version, -1 unknown */
    int describe_groups_max; /* highest DescribeGroups version, -1 absent (the librdkafka mock) */
    int init_producer_id_max; /* highest InitProducerId version (3: Kafka 2.5), -1 unknown */
} kprobe_result_t;

/* Probes host:port. `client` is the librdkafka settings of the cluster (for
 * security.protocol; the CA from ssl.ca.location or inline ssl.ca.pem; the
 * client certificate and key from ssl.certificate.location/ssl.key.location,
 * inline ssl.certificate.pem/ssl.key.pem or a PKCS12 ssl.keystore.location
 * with ssl.keystore.password; ssl.key.password for an encrypted key;
 * enable.ssl.certificate.verification, ssl.endpoint.identification.algorithm).
 * Returns 0, or -1 with the reason in err. Never prints secrets. */
int kprobe_broker(const char *host, int port, const kv_list_t *client, int timeout_ms,
                  kprobe_result_t *out, char *err, size_t errsz);

/* Only the TLS handshake with host:port, with the same settings: 0 when it
 * completes, else -1 with why OpenSSL refused it in `why` (its certificate
 * verify result, e.g. "certificate has expired", "hostname mismatch",
 * "unable to get local issuer certificate", else the connection's error).
 * Used to name the cause when librdkafka only says "certificate verify
 * failed". */
int kprobe_tls_check(const char *host, int port, const kv_list_t *client, int timeout_ms,
                     char *why, size_t whysz);

/* The release estimate for the given highest API versions (exposed for unit
 * tests): api_max[k] is the highest version of API key k, -1 when absent. */
void kprobe_estimate(const int *api_max, int napi, char *out, size_t outsz);

#endif

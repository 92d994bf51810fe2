#ifndef KMIG_AUTH_MSK_IAM_H
#define KMIG_AUTH_MSK_IAM_H
/* The Amazon MSK IAM authentication token that a client gives the brokers
 * over SASL/OAUTHBEARER: the base64url (no padding) of a SigV4-presigned URL
 *
 *   https://kafka.<region>.amazonaws.com/?Action=kafka-cluster%3AConnect
 *     &X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=<key id>%2F<yyyymmdd>
 *     %2F<region>%2Fkafka-cluster%2Faws4_request&X-Amz-Date=<time>
 *     &X-Amz-Expires=900&X-Amz-SignedHeaders=host[&X-Amz-Security-Token=<t>]
 *     &X-Amz-Signature=<sig>&User-Agent=<agent>
 *
 * exactly as aws-msk-iam-sasl-signer-python builds it (botocore's
 * SigV4QueryAuth, service "kafka-cluster", only the host header signed, the
 * empty payload's hash; User-Agent appended after signing, so unsigned).
 * Pure: no network, no librdkafka; the caller supplies credentials and time.
 *
 * For librdkafka (later wiring): rd_kafka_oauthbearer_set_token(rk,
 * token.token, token.lifetime_ms, principal, NULL, 0, ...). The token, the
 * URL and the signature are secrets: never log them; msk_iam_describe() gives
 * a redacted view for debugging.
 *
 * Ownership: msk_iam_token_t owns its string; msk_iam_token_clear() wipes it. */
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "auth/sigv4.h"
#include "core/sbuf.h"

#define MSK_IAM_SERVICE "kafka-cluster"
#define MSK_IAM_ACTION "kafka-cluster:Connect"
#define MSK_IAM_EXPIRES_S 900u
#define MSK_IAM_REGION_MAX 64

typedef struct msk_iam_token {
    char *token;         /* base64url, no padding; secret */
    int64_t lifetime_ms; /* when it expires, ms since the epoch (msk_iam_lifetime_ms) */
} msk_iam_token_t;

/* The signed URL (not encoded as a token) in *url (replaced). user_agent
 * NULL or "" leaves the User-Agent parameter out; otherwise it is encoded as
 * Python's urlencode does (space '+', else AWS's UriEncode). Returns 0, or
 * -1 with a reason (never a secret) in err. */
int msk_iam_url(const sigv4_creds_t *creds, const char *region, time_t when,
                const char *user_agent, sbuf_t *url, char *err, size_t errsz);

/* The token of msk_iam_url, and its lifetime. creds_expiry_ms: when the
 * credentials expire (ms since the epoch), 0 if they do not; credentials
 * already expired at `when` are refused. Fills *out (zeroed or cleared). */
int msk_iam_token(const sigv4_creds_t *creds, int64_t creds_expiry_ms, const char *region,
                  time_t when, const char *user_agent, msk_iam_token_t *out, char *err,
                  size_t errsz);

void msk_iam_token_clear(msk_iam_token_t *t); /* wipes and frees; accepts a zeroed one */

/* librdkafka's md_lifetime_ms: the token's expiry as ms since the epoch,
 * signing time + 900 s, or the credentials' expiry when that is sooner
 * (creds_expiry_ms 0: none). */
int64_t msk_iam_lifetime_ms(time_t sign_time, int64_t creds_expiry_ms);

/* The region of an MSK broker or bootstrap host name, "host" or "host:port":
 * "b-1.mycluster.abc123.c2.kafka.us-east-1.amazonaws.com" -> "us-east-1",
 * "boot-x.c2.kafka-serverless.eu-west-1.amazonaws.com" -> "eu-west-1" (also
 * the amazonaws.com.cn forms). Returns 0, or -1 when the name is not an MSK
 * one (the region must then be configured). */
int msk_iam_region_from_host(const char *host, char region[MSK_IAM_REGION_MAX], char *err,
                             size_t errsz);

/* Decodes a token back into its URL (base64url, padding optional). Returns
 * 0, or -1 if it is not base64url of a printable https:// URL. The URL is as
 * secret as the token. */
int msk_iam_decode(const char *token, sbuf_t *url, char *err, size_t errsz);

/* A token's URL with the X-Amz-Signature and X-Amz-Security-Token values
 * replaced by "<redacted>", safe to print. */
int msk_iam_describe(const char *token, sbuf_t *out, char *err, size_t errsz);

#endif

#ifndef KMIG_AWSIO_AWSHTTP_H
#define KMIG_AWSIO_AWSHTTP_H
/* One bounded HTTP request for the AWS credential endpoints (STS, ECS/EKS
 * container credentials, EC2 IMDS), with libcurl: http and https only, no
 * redirects followed, a connect timeout and a total timeout, the response
 * body capped, nothing printed by curl. Impure (network).
 *
 * Secrets: request headers and bodies (authorization tokens, web identity
 * tokens, signatures) and response bodies (credentials) are secrets. Error
 * messages name the method, the URL without its query and curl's reason, or
 * the HTTP status; never a header value or a body. awshttp_resp_clear wipes
 * the body (OPENSSL_cleanse) before freeing it.
 *
 * Thread-safe: each call uses its own curl easy handle; curl_global_init runs
 * once (pthread_once). Ownership: the request is borrowed; the response owns
 * its body. */
#include <stddef.h>

#include "core/sbuf.h"

#define AWSHTTP_MAX_BODY (64 * 1024)

typedef struct awshttp_req {
    const char *method;          /* "GET", "PUT", "POST" */
    const char *url;
    const char *const *headers;  /* full header lines, "Name: value" */
    size_t n_headers;
    const char *body;            /* may be NULL */
    size_t body_len;
    long connect_timeout_ms;     /* 0: 2000 */
    long timeout_ms;             /* 0: 10000 */
    size_t max_body;             /* 0: AWSHTTP_MAX_BODY */
} awshttp_req_t;

typedef struct awshttp_resp {
    long status; /* HTTP status; 0 when no response came */
    sbuf_t body; /* secret-grade */
} awshttp_resp_t;

/* Result of awshttp_do. */
typedef enum {
    AWSHTTP_OK = 0,          /* a response came (any status): see resp->status */
    AWSHTTP_UNREACHABLE = 1, /* could not connect (refused, no route, connect timeout, DNS) */
    AWSHTTP_FAILED = -1      /* anything else: transfer timeout, body too large, TLS, ... */
} awshttp_rc_t;

/* Performs the request; fills *resp (zeroed or cleared). On a non-OK result
 * err says why (no secrets). */
awshttp_rc_t awshttp_do(const awshttp_req_t *req, awshttp_resp_t *resp, char *err, size_t errsz);

void awshttp_resp_clear(awshttp_resp_t *resp);

/* The URL without query or fragment, for messages: "http://127.0.0.1:4000/ecs". */
void awshttp_url_for_msg(const char *url, char *out, size_t outsz);

#endif

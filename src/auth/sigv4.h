#ifndef KMIG_AUTH_SIGV4_H
#define KMIG_AUTH_SIGV4_H
/* AWS Signature Version 4 (AWS4-HMAC-SHA256): the canonical request, the
 * string to sign, the signing key and the signature, for both ways a request
 * carries it: an Authorization header (sigv4_sign_headers) or query
 * parameters (sigv4_presign, a "presigned URL"). Pure: OpenSSL only, no I/O,
 * the signing time is a parameter.
 *
 * Encoding (AWS's UriEncode): the unreserved bytes A-Z a-z 0-9 - _ . ~ are
 * kept, every other byte becomes %XX with uppercase hex; '/' is kept only in
 * the path. Callers pass paths, query names and values raw (not encoded):
 * this module encodes them exactly once. The path is not normalized (no dot
 * segment removal): kmig only signs "/".
 *
 * Secrets: the secret access key, the session token, the signing key and the
 * signature are secrets. Error messages never contain them (nor header or
 * query values, which may carry tokens). sigv4_signed_t holds the signature
 * and, in presign mode, a query string containing it and the session token:
 * never log them; sigv4_signed_clear() wipes them.
 *
 * Ownership: requests and credentials are borrowed for the call; a
 * sigv4_signed_t owns its strings and is released with sigv4_signed_clear(). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/sbuf.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
/* SHA-256 of the empty string, the payload hash of a request without body. */
#define SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

typedef struct sigv4_creds {
    const char *access_key_id;     /* required; no '/', spaces or controls */
    const char *secret_access_key; /* required; secret */
    const char *session_token;     /* NULL or "" for long-term keys; secret */
} sigv4_creds_t;

typedef struct sigv4_kv {
    const char *name;
    const char *value; /* NULL is the empty string */
} sigv4_kv_t;

typedef struct sigv4_request {
    const char *method;         /* "GET", "POST" */
    const char *path;           /* raw, e.g. "/"; NULL or "" is "/" */
    const sigv4_kv_t *query;    /* raw names and values, in URL order */
    size_t n_query;
    const sigv4_kv_t *headers;  /* the headers to sign (any case), "host" among them */
    size_t n_headers;
    const void *payload;        /* the body, hashed when payload_hash is NULL */
    size_t payload_len;
    const char *payload_hash;   /* lowercase hex SHA-256, or NULL */
} sigv4_request_t;

typedef struct sigv4_signed {
    char amz_date[17];       /* "20150830T123600Z" */
    char signature[65];      /* lowercase hex; secret-grade, never log */
    char *credential_scope;  /* "20150830/us-east-1/service/aws4_request" */
    char *signed_headers;    /* "host;x-amz-date" */
    char *canonical_request;
    char *string_to_sign;
    /* Header mode: the Authorization header value (contains the signature).
     * Presign mode: NULL. */
    char *authorization;
    /* Presign mode: the encoded query string to put after '?': the request's
     * own parameters in their order, then X-Amz-Algorithm, X-Amz-Credential,
     * X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Security-Token
     * (when there is a session token), X-Amz-Signature (botocore's order).
     * Contains secrets. Header mode: the canonical query string. */
    char *query;
} sigv4_signed_t;

/* Signs with an Authorization header. Adds "x-amz-date" (and
 * "x-amz-security-token" with a session token) to the signed headers: the
 * caller sends X-Amz-Date: out->amz_date, X-Amz-Security-Token and
 * Authorization: out->authorization along with req's headers. req must not
 * already contain those two headers. Fills *out (zeroed or cleared); returns
 * 0, or -1 with a reason in err and *out empty. */
int sigv4_sign_headers(const sigv4_request_t *req, const sigv4_creds_t *creds, const char *region,
                       const char *service, time_t when, sigv4_signed_t *out, char *err,
                       size_t errsz);

/* Presigns in the query string, valid for expires_s seconds (1..604800). The
 * X-Amz-* parameters (the session token too) are part of the signed canonical
 * query; req's query must not contain any of them. Same contract as above. */
int sigv4_presign(const sigv4_request_t *req, const sigv4_creds_t *creds, const char *region,
                  const char *service, time_t when, unsigned expires_s, sigv4_signed_t *out,
                  char *err, size_t errsz);

void sigv4_signed_clear(sigv4_signed_t *s); /* wipes and frees; accepts a zeroed one */

/* --- Building blocks (exposed for tests and for msk_iam) --- */

/* Appends UriEncode(s[0..len)) to out; '/' is kept when keep_slash. */
void sigv4_uri_encode(sbuf_t *out, const char *s, size_t len, bool keep_slash);

/* out = lowercase hex SHA-256 of data. */
void sigv4_sha256_hex(const void *data, size_t len, char out[65]);

/* "YYYYMMDDTHHMMSSZ" of a UTC time; -1 if the time is out of range. */
int sigv4_amz_date(time_t when, char out[17]);

/* The signing key HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date8), region),
 * service), "aws4_request"). out is secret: wipe it (OPENSSL_cleanse). */
void sigv4_signing_key(const char *secret, const char *date8, const char *region,
                       const char *service, unsigned char out[32]);

/* The canonical request of req with its extra, already-final canonical query
 * parameters `extra` (raw, encoded here, sorted in with the rest), and the
 * signed header list. Returns 0, or -1 (malformed header name or value,
 * bad payload hash) with a reason. */
int sigv4_canonical_request(const sigv4_request_t *req, const sigv4_kv_t *extra, size_t n_extra,
                            sbuf_t *out, sbuf_t *signed_headers, char *err, size_t errsz);

#endif

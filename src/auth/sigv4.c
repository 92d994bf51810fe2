/* AWS Signature Version 4, the way every AWS API authenticates a request: a
 * canonical form of the request is hashed into a string to sign, which is
 * HMAC-SHA256'd with a key derived from the secret access key, the date, the
 * region and the service. kmig uses it for the MSK IAM token (msk_iam.c, a
 * presigned URL) and, later, for STS calls (header signing). Written from
 * AWS's specification and checked against the aws-c-auth copy of AWS's SigV4
 * test suite (tests/unit/test_sigv4.c). */
#include "auth/sigv4.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#define SIGV4_MAX_EXPIRES 604800u /* 7 days, the AWS limit */

static void set_err(char *err, size_t errsz, const char *msg) {
    if (err && errsz)
        snprintf(err, errsz, "%s", msg);
}

static bool is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

void sigv4_uri_encode(sbuf_t *out, const char *s, size_t len, bool keep_slash) {
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c) || (keep_slash && c == '/')) {
            char ch = (char)c;
            sbuf_append(out, &ch, 1);
        } else {
            char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
            sbuf_append(out, enc, 3);
        }
    }
}

static void to_hex(const unsigned char *b, size_t n, char *out) {
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * n] = '\0';
}

void sigv4_sha256_hex(const void *data, size_t len, char out[65]) {
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(data ? (const unsigned char *)data : (const unsigned char *)"", len, md);
    to_hex(md, sizeof md, out);
}

int sigv4_amz_date(time_t when, char out[17]) {
    struct tm tm;
    if (!gmtime_r(&when, &tm) || tm.tm_year + 1900 < 1970 || tm.tm_year + 1900 > 9999) {
        out[0] = '\0';
        return -1;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    memcpy(out, buf, 17);
    out[16] = '\0';
    return 0;
}

static void hmac256(const void *key, size_t keylen, const char *msg, unsigned char out[32]) {
    unsigned int n = 32;
    HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, strlen(msg), out, &n);
}

void sigv4_signing_key(const char *secret, const char *date8, const char *region,
                       const char *service, unsigned char out[32]) {
    size_t slen = strlen(secret);
    char *k = xmalloc(slen + 5);
    memcpy(k, "AWS4", 4);
    memcpy(k + 4, secret, slen + 1);
    unsigned char a[32], b[32];
    hmac256(k, slen + 4, date8, a);
    hmac256(a, 32, region, b);
    hmac256(b, 32, service, a);
    hmac256(a, 32, "aws4_request", out);
    OPENSSL_cleanse(k, slen + 4);
    OPENSSL_cleanse(a, sizeof a);
    OPENSSL_cleanse(b, sizeof b);
    free(k);
}

/* --- canonical request --- */

typedef struct enc_pair {
    char *name, *value; /* encoded */
} enc_pair_t;

static int cmp_pair(const void *a, const void *b) {
    const enc_pair_t *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

static char *encode_dup(const char *s) {
    sbuf_t b = {0};
    sigv4_uri_encode(&b, s ? s : "", s ? strlen(s) : 0, false);
    if (!b.s)
        return xstrdup("");
    return b.s;
}

/* Appends the sorted, encoded canonical query of a and b to out. */
static void canonical_query(sbuf_t *out, const sigv4_kv_t *a, size_t na, const sigv4_kv_t *b,
                            size_t nb) {
    size_t n = na + nb;
    if (n == 0)
        return;
    enc_pair_t *v = xcalloc(n, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        const sigv4_kv_t *kv = i < na ? &a[i] : &b[i - na];
        v[i].name = encode_dup(kv->name);
        v[i].value = encode_dup(kv->value);
    }
    qsort(v, n, sizeof *v, cmp_pair);
    for (size_t i = 0; i < n; i++) {
        if (i)
            sbuf_puts(out, "&");
        sbuf_puts(out, v[i].name);
        sbuf_puts(out, "=");
        sbuf_puts(out, v[i].value);
        /* values may be session tokens */
        OPENSSL_cleanse(v[i].value, strlen(v[i].value));
        free(v[i].name);
        free(v[i].value);
    }
    free(v);
}

typedef struct canon_header {
    char *name;  /* lowercase */
    sbuf_t value; /* trimmed, inner runs of spaces collapsed; duplicates joined by ',' */
    size_t order;
} canon_header_t;

static int cmp_header(const void *a, const void *b) {
    const canon_header_t *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static bool valid_header_name(const char *s) {
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= ' ' || c >= 0x7f || c == ':')
            return false;
    }
    return true;
}

/* Trims and collapses runs of spaces/tabs into one space (AWS's Trimall). */
static void append_trimall(sbuf_t *out, const char *v) {
    bool pending_space = false, any = false;
    for (; v && *v; v++) {
        if (*v == ' ' || *v == '\t') {
            pending_space = any;
            continue;
        }
        if (pending_space)
            sbuf_puts(out, " ");
        pending_space = false;
        any = true;
        sbuf_append(out, v, 1);
    }
}

static bool valid_header_value(const char *v) {
    for (; v && *v; v++)
        if (*v == '\r' || *v == '\n')
            return false;
    return true;
}

static bool valid_hex64(const char *h) {
    if (strlen(h) != 64)
        return false;
    for (; *h; h++)
        if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f')))
            return false;
    return true;
}

int sigv4_canonical_request(const sigv4_request_t *req, const sigv4_kv_t *extra, size_t n_extra,
                            sbuf_t *out, sbuf_t *signed_headers, char *err, size_t errsz) {
    if (!req->method || !*req->method) {
        set_err(err, errsz, "sigv4: no HTTP method");
        return -1;
    }
    for (const char *m = req->method; *m; m++)
        if (!isupper((unsigned char)*m)) {
            set_err(err, errsz, "sigv4: the HTTP method must be uppercase letters");
            return -1;
        }
    if (req->n_headers == 0) {
        set_err(err, errsz, "sigv4: no header to sign (host is required)");
        return -1;
    }
    for (size_t i = 0; i < req->n_query; i++)
        if (!req->query[i].name) {
            set_err(err, errsz, "sigv4: a query parameter has no name");
            return -1;
        }
    char payload_hash[65];
    if (req->payload_hash) {
        if (!valid_hex64(req->payload_hash)) {
            set_err(err, errsz, "sigv4: the payload hash is not 64 lowercase hex digits");
            return -1;
        }
        memcpy(payload_hash, req->payload_hash, 65);
    } else {
        sigv4_sha256_hex(req->payload, req->payload_len, payload_hash);
    }

    canon_header_t *h = xcalloc(req->n_headers, sizeof *h);
    bool has_host = false;
    int rc = -1;
    for (size_t i = 0; i < req->n_headers; i++) {
        if (!valid_header_name(req->headers[i].name)) {
            snprintf(err, errsz, "sigv4: header %zu has an invalid name", i + 1);
            goto done;
        }
        if (!valid_header_value(req->headers[i].value)) {
            snprintf(err, errsz, "sigv4: header %zu has a line break in its value", i + 1);
            goto done;
        }
        h[i].name = xstrdup(req->headers[i].name);
        for (char *p = h[i].name; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (strcmp(h[i].name, "host") == 0)
            has_host = true;
        append_trimall(&h[i].value, req->headers[i].value);
        h[i].order = i;
    }
    if (!has_host) {
        set_err(err, errsz, "sigv4: the host header is required");
        goto done;
    }
    qsort(h, req->n_headers, sizeof *h, cmp_header);

    sbuf_reset(out);
    sbuf_reset(signed_headers);
    sbuf_puts(out, req->method);
    sbuf_puts(out, "\n");
    const char *path = req->path && *req->path ? req->path : "/";
    if (path[0] != '/')
        sbuf_puts(out, "/");
    sigv4_uri_encode(out, path, strlen(path), true);
    sbuf_puts(out, "\n");
    canonical_query(out, req->query, req->n_query, extra, n_extra);
    sbuf_puts(out, "\n");
    for (size_t i = 0; i < req->n_headers; i++) {
        bool dup = i > 0 && strcmp(h[i].name, h[i - 1].name) == 0;
        if (dup) {
            sbuf_puts(out, ",");
        } else {
            if (i > 0) {
                sbuf_puts(out, "\n");
                sbuf_puts(signed_headers, ";");
            }
            sbuf_puts(out, h[i].name);
            sbuf_puts(out, ":");
            sbuf_puts(signed_headers, h[i].name);
        }
        sbuf_puts(out, sbuf_str(&h[i].value));
    }
    sbuf_puts(out, "\n\n");
    sbuf_puts(out, sbuf_str(signed_headers));
    sbuf_puts(out, "\n");
    sbuf_puts(out, payload_hash);
    rc = 0;
done:
    for (size_t i = 0; i < req->n_headers; i++) {
        free(h[i].name);
        if (h[i].value.s)
            OPENSSL_cleanse(h[i].value.s, h[i].value.len);
        sbuf_free(&h[i].value);
    }
    free(h);
    return rc;
}

/* --- signing --- */

static bool valid_scope_part(const char *s) {
    if (!s || !*s || strlen(s) > 64)
        return false;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-'))
            return false;
    return true;
}

static bool valid_key_id(const char *s) {
    if (!s || !*s || strlen(s) > 128)
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= ' ' || c >= 0x7f || c == '/')
            return false;
    }
    return true;
}

static char *sbuf_take(sbuf_t *b) {
    char *s = b->s ? b->s : xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

static void wipe_sbuf(sbuf_t *b) {
    if (b->s)
        OPENSSL_cleanse(b->s, b->cap);
    sbuf_free(b);
}

/* Common checks and the scope; fills out->amz_date and out->credential_scope. */
static int begin(const sigv4_creds_t *creds, const char *region, const char *service, time_t when,
                 sigv4_signed_t *out, char *err, size_t errsz) {
    memset(out, 0, sizeof *out);
    if (!creds || !valid_key_id(creds->access_key_id)) {
        set_err(err, errsz, "sigv4: the access key id is missing or malformed");
        return -1;
    }
    if (!creds->secret_access_key || !*creds->secret_access_key) {
        set_err(err, errsz, "sigv4: the secret access key is missing");
        return -1;
    }
    if (!valid_scope_part(region)) {
        set_err(err, errsz, "sigv4: the region must be lowercase letters, digits and '-'");
        return -1;
    }
    if (!valid_scope_part(service)) {
        set_err(err, errsz, "sigv4: the service must be lowercase letters, digits and '-'");
        return -1;
    }
    if (sigv4_amz_date(when, out->amz_date) != 0) {
        set_err(err, errsz, "sigv4: the signing time is out of range");
        return -1;
    }
    char date8[9];
    memcpy(date8, out->amz_date, 8);
    date8[8] = '\0';
    sbuf_t scope = {0};
    sbuf_printf(&scope, "%s/%s/%s/aws4_request", date8, region, service);
    out->credential_scope = sbuf_take(&scope);
    return 0;
}

/* String to sign and signature from out->canonical_request. */
static void finish(const sigv4_creds_t *creds, const char *region, const char *service,
                   sigv4_signed_t *out) {
    char creq_hash[65];
    sigv4_sha256_hex(out->canonical_request, strlen(out->canonical_request), creq_hash);
    sbuf_t sts = {0};
    sbuf_printf(&sts, "%s\n%s\n%s\n%s", SIGV4_ALGORITHM, out->amz_date, out->credential_scope,
                creq_hash);
    out->string_to_sign = sbuf_take(&sts);
    char date8[9];
    memcpy(date8, out->amz_date, 8);
    date8[8] = '\0';
    unsigned char key[32], sig[32];
    sigv4_signing_key(creds->secret_access_key, date8, region, service, key);
    hmac256(key, sizeof key, out->string_to_sign, sig);
    to_hex(sig, sizeof sig, out->signature);
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(sig, sizeof sig);
}

static bool has_token(const sigv4_creds_t *c) {
    return c->session_token && *c->session_token;
}

int sigv4_sign_headers(const sigv4_request_t *req, const sigv4_creds_t *creds, const char *region,
                       const char *service, time_t when, sigv4_signed_t *out, char *err,
                       size_t errsz) {
    if (begin(creds, region, service, when, out, err, errsz) != 0) {
        sigv4_signed_clear(out);
        return -1;
    }
    for (size_t i = 0; i < req->n_headers; i++) {
        const char *n = req->headers[i].name;
        if (n && (strcasecmp(n, "x-amz-date") == 0 || strcasecmp(n, "x-amz-security-token") == 0 ||
                  strcasecmp(n, "authorization") == 0)) {
            set_err(err, errsz,
                    "sigv4: the request already has an X-Amz-Date, X-Amz-Security-Token or "
                    "Authorization header");
            sigv4_signed_clear(out);
            return -1;
        }
    }
    size_t n = req->n_headers;
    sigv4_kv_t *hv = xcalloc(n + 2, sizeof *hv);
    memcpy(hv, req->headers, n * sizeof *hv);
    hv[n++] = (sigv4_kv_t){"x-amz-date", out->amz_date};
    if (has_token(creds))
        hv[n++] = (sigv4_kv_t){"x-amz-security-token", creds->session_token};
    sigv4_request_t r = *req;
    r.headers = hv;
    r.n_headers = n;
    sbuf_t creq = {0}, sh = {0};
    int rc = sigv4_canonical_request(&r, NULL, 0, &creq, &sh, err, errsz);
    free(hv);
    if (rc != 0) {
        wipe_sbuf(&creq);
        sbuf_free(&sh);
        sigv4_signed_clear(out);
        return -1;
    }
    out->canonical_request = sbuf_take(&creq);
    out->signed_headers = sbuf_take(&sh);
    sbuf_t q = {0};
    canonical_query(&q, req->query, req->n_query, NULL, 0);
    out->query = sbuf_take(&q);
    finish(creds, region, service, out);
    sbuf_t auth = {0};
    sbuf_printf(&auth, "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s", SIGV4_ALGORITHM,
                creds->access_key_id, out->credential_scope, out->signed_headers, out->signature);
    out->authorization = sbuf_take(&auth);
    return 0;
}

static const char *const presign_names[] = {"X-Amz-Algorithm",     "X-Amz-Credential",
                                            "X-Amz-Date",          "X-Amz-Expires",
                                            "X-Amz-SignedHeaders", "X-Amz-Security-Token",
                                            "X-Amz-Signature"};

static void append_param(sbuf_t *q, const char *name, const char *value) {
    if (q->len)
        sbuf_puts(q, "&");
    sigv4_uri_encode(q, name, strlen(name), false);
    sbuf_puts(q, "=");
    if (value)
        sigv4_uri_encode(q, value, strlen(value), false);
}

int sigv4_presign(const sigv4_request_t *req, const sigv4_creds_t *creds, const char *region,
                  const char *service, time_t when, unsigned expires_s, sigv4_signed_t *out,
                  char *err, size_t errsz) {
    if (begin(creds, region, service, when, out, err, errsz) != 0) {
        sigv4_signed_clear(out);
        return -1;
    }
    if (expires_s < 1 || expires_s > SIGV4_MAX_EXPIRES) {
        set_err(err, errsz, "sigv4: a presigned request expires after 1 to 604800 seconds");
        sigv4_signed_clear(out);
        return -1;
    }
    for (size_t i = 0; i < req->n_query; i++)
        for (size_t j = 0; j < sizeof presign_names / sizeof presign_names[0]; j++)
            if (req->query[i].name && strcmp(req->query[i].name, presign_names[j]) == 0) {
                set_err(err, errsz, "sigv4: the request's query already has X-Amz- parameters");
                sigv4_signed_clear(out);
                return -1;
            }
    /* Signed headers first: X-Amz-SignedHeaders is part of the canonical query. */
    sbuf_t creq = {0}, sh = {0};
    if (sigv4_canonical_request(req, NULL, 0, &creq, &sh, err, errsz) != 0) {
        sbuf_free(&creq);
        sbuf_free(&sh);
        sigv4_signed_clear(out);
        return -1;
    }
    wipe_sbuf(&creq);
    char *shs = sbuf_take(&sh);
    char credential[512], expires[16];
    snprintf(credential, sizeof credential, "%s/%s", creds->access_key_id, out->credential_scope);
    snprintf(expires, sizeof expires, "%u", expires_s);
    sigv4_kv_t extra[6] = {
        {"X-Amz-Algorithm", SIGV4_ALGORITHM}, {"X-Amz-Credential", credential},
        {"X-Amz-Date", out->amz_date},        {"X-Amz-Expires", expires},
        {"X-Amz-SignedHeaders", shs},         {"X-Amz-Security-Token", creds->session_token},
    };
    size_t n_extra = has_token(creds) ? 6 : 5;
    int rc = sigv4_canonical_request(req, extra, n_extra, &creq, &sh, err, errsz);
    sbuf_free(&sh); /* the same list as shs */
    if (rc != 0) {
        wipe_sbuf(&creq);
        free(shs);
        sigv4_signed_clear(out);
        return -1;
    }
    out->canonical_request = sbuf_take(&creq);
    out->signed_headers = shs;
    finish(creds, region, service, out);
    sbuf_t q = {0};
    for (size_t i = 0; i < req->n_query; i++)
        append_param(&q, req->query[i].name, req->query[i].value);
    for (size_t i = 0; i < n_extra; i++)
        append_param(&q, extra[i].name, extra[i].value);
    append_param(&q, "X-Amz-Signature", out->signature);
    out->query = sbuf_take(&q);
    return 0;
}

static void wipe_free(char **p) {
    if (*p) {
        OPENSSL_cleanse(*p, strlen(*p));
        free(*p);
        *p = NULL;
    }
}

void sigv4_signed_clear(sigv4_signed_t *s) {
    if (!s)
        return;
    wipe_free(&s->credential_scope);
    wipe_free(&s->signed_headers);
    wipe_free(&s->canonical_request);
    wipe_free(&s->string_to_sign);
    wipe_free(&s->authorization);
    wipe_free(&s->query);
    OPENSSL_cleanse(s, sizeof *s);
    memset(s, 0, sizeof *s);
}

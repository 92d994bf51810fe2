/* The HTTP client of the AWS credential fetchers: one request, bounded in
 * time and size, with curl quiet (no verbose output, no progress meter, no
 * signals), http/https only and no redirects. See awshttp.h for the secrets
 * rules: a body or a header value never reaches an error message. */
#include "awsio/awshttp.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

static pthread_once_t awshttp_once = PTHREAD_ONCE_INIT;
static CURLcode awshttp_init_rc;

static void awshttp_global_init(void) { awshttp_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

typedef struct {
    sbuf_t *body;
    size_t max;
    int too_big;
} sink_t;

static size_t awshttp_write(char *data, size_t size, size_t n, void *ud) {
    sink_t *s = ud;
    size_t len = size * n;
    if (s->body->len + len > s->max) {
        s->too_big = 1;
        return 0; /* aborts the transfer */
    }
    /* Grow without realloc leaving copies of secrets behind. */
    if (s->body->len + len + 1 > s->body->cap) {
        size_t cap = s->body->cap ? s->body->cap : 1024;
        while (cap < s->body->len + len + 1) cap *= 2;
        char *p = xmalloc(cap);
        if (s->body->len) memcpy(p, s->body->s, s->body->len);
        if (s->body->s) {
            OPENSSL_cleanse(s->body->s, s->body->cap);
            free(s->body->s);
        }
        s->body->s = p;
        s->body->cap = cap;
    }
    memcpy(s->body->s + s->body->len, data, len);
    s->body->len += len;
    s->body->s[s->body->len] = '\0';
    return len;
}

void awshttp_url_for_msg(const char *url, char *out, size_t outsz) {
    size_t n = strcspn(url ? url : "", "?#");
    snprintf(out, outsz, "%.*s", (int)n, url ? url : "");
}

awshttp_rc_t awshttp_do(const awshttp_req_t *req, awshttp_resp_t *resp, char *err, size_t errsz) {
    memset(resp, 0, sizeof *resp);
    char where[300];
    awshttp_url_for_msg(req->url, where, sizeof where);
    pthread_once(&awshttp_once, awshttp_global_init);
    if (awshttp_init_rc != CURLE_OK) {
        snprintf(err, errsz, "libcurl initialisation failed: %s", curl_easy_strerror(awshttp_init_rc));
        return AWSHTTP_FAILED;
    }
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(err, errsz, "%s %s: cannot create a libcurl handle", req->method, where);
        return AWSHTTP_FAILED;
    }
    struct curl_slist *hl = NULL;
    for (size_t i = 0; i < req->n_headers; i++) hl = curl_slist_append(hl, req->headers[i]);
    /* No "Expect: 100-continue" round trip for POST bodies. */
    hl = curl_slist_append(hl, "Expect:");
    sink_t sink = {&resp->body, req->max_body ? req->max_body : AWSHTTP_MAX_BODY, 0};
    char cerr[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 0L);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     req->connect_timeout_ms > 0 ? req->connect_timeout_ms : 2000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 10000L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "kmig");
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, awshttp_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    if (strcmp(req->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)req->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
    }
    CURLcode rc = curl_easy_perform(h);
    awshttp_rc_t out = AWSHTTP_OK;
    if (rc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
    } else if (sink.too_big) {
        snprintf(err, errsz, "%s %s: the response is larger than %zu bytes", req->method, where,
                 sink.max);
        out = AWSHTTP_FAILED;
    } else {
        curl_off_t connected = 0;
        curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connected);
        int unreachable = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                          (rc == CURLE_OPERATION_TIMEDOUT && connected == 0);
        /* curl's own message names the host and the cause; it never holds
         * header values or bodies. */
        snprintf(err, errsz, "%s %s: %s", req->method, where, cerr[0] ? cerr : curl_easy_strerror(rc));
        out = unreachable ? AWSHTTP_UNREACHABLE : AWSHTTP_FAILED;
    }
    if (out != AWSHTTP_OK) awshttp_resp_clear(resp);
    for (struct curl_slist *l = hl; l; l = l->next) OPENSSL_cleanse(l->data, strlen(l->data));
    curl_slist_free_all(hl);
    curl_easy_cleanup(h);
    return out;
}

void awshttp_resp_clear(awshttp_resp_t *resp) {
    if (resp->body.s) OPENSSL_cleanse(resp->body.s, resp->body.cap);
    sbuf_free(&resp->body);
    resp->status = 0;
}

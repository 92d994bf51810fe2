/* `kmig-testkit fake-aws`: a local stand-in for the AWS credential endpoints
 * kmig's MSK IAM support talks to (EC2 IMDSv2, the ECS container endpoint and
 * STS AssumeRole / AssumeRoleWithWebIdentity), so tests can drive the whole
 * credential chain over real HTTP without AWS. One HTTP server on 127.0.0.1
 * serves all three (tests point AWS_EC2_METADATA_SERVICE_ENDPOINT,
 * AWS_CONTAINER_CREDENTIALS_FULL_URI=.../ecs/credentials and
 * AWS_ENDPOINT_URL_STS at it).
 *
 *   fake-aws --port-file F [--creds-out F2] [--log F3] [--expiry-s N]
 *            [--ecs-token T] [--web-identity-token T] [--static KEYID:SECRET]...
 *            [--fail imds|ecs|sts]...
 *
 * Each source issues fixed, distinctive credentials (ASIAFAKEIMDS00000001,
 * ASIAFAKEECS000000001, ASIAFAKEASSUMEROLE01, ASIAFAKEWEBIDENTITY1) expiring
 * N seconds from the request (default 3600; negative N issues credentials
 * that have already expired). AssumeRole requests must carry a SigV4
 * Authorization header (service sts) that verifies, with kmig's own signer
 * (auth/sigv4.h), against a --static pair or a credential this fake issued
 * (its session token must come along, and it must not have expired); else
 * 403. --creds-out lists every credential it can issue and every static pair,
 * `KEYID SECRET [SESSION_TOKEN]` a line, for the broker-side validator.
 * --log appends one JSON line per request: {"method","path","action",
 * "key_id","status"}. The port file is written (atomically) once the server
 * answers; SIGTERM or SIGINT stops it with exit code 0.
 *
 * The credentials are fake but handled like secrets all the same: they are
 * never printed, and the log holds access key ids only. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#include "auth/sigv4.h"
#include "core/sbuf.h"
#include "testkit.h"

#define FA_ROLE_NAME "kmig-test-role"
#define FA_ROLE_ARN "arn:aws:iam::123456789012:role/" FA_ROLE_NAME
#define FA_IMDS_TOKEN "FakeImdsV2Token-AQAEAFxlZ2fYZ7Nvb3RoaW5nLXRvLXNlZS1oZXJl"
#define FA_MAX_BODY 65536
#define FA_MAX_STATIC 16
#define FA_SKEW_S 900 /* STS refuses requests signed more than 15 minutes off */

typedef enum { FA_IMDS, FA_ECS, FA_ASSUME_ROLE, FA_WEB_IDENTITY, FA_NSOURCES } fa_source_t;

typedef struct fa_cred {
    const char *key_id, *secret, *token; /* token NULL for static pairs */
} fa_cred_t;

/* The issued credentials: distinctive, with the characters ('/', '+', '=')
 * that a signer must encode. */
static const fa_cred_t fa_issued[FA_NSOURCES] = {
    {"ASIAFAKEIMDS00000001", "fakeSecretImds/K7MDENG+bPxRfiCYImdsKEY01",
     "FakeSessionTokenImds/IQoJb3JpZ2luX2VjEImds+token/1=="},
    {"ASIAFAKEECS000000001", "fakeSecretEcs/wJalrXUtnFEMI+K7MDENGEcsKEY01",
     "FakeSessionTokenEcs/IQoJb3JpZ2luX2VjEEcs+token/2=="},
    {"ASIAFAKEASSUMEROLE01", "fakeSecretAssumeRole/bPxRfiCY+EXAMPLEKEY01",
     "FakeSessionTokenAssumeRole/IQoJb3JpZ2luX2VjEAr+token/3=="},
    {"ASIAFAKEWEBIDENTITY1", "fakeSecretWebIdentity/tnFEMI+K7MDENGKEY01",
     "FakeSessionTokenWebIdentity/IQoJb3JpZ2luX2VjEWi+token/4=="},
};

typedef struct fakeaws {
    long expiry_s;
    const char *ecs_token, *wi_token;
    bool fail[FA_NSOURCES]; /* FA_IMDS, FA_ECS; FA_ASSUME_ROLE means "sts" */
    fa_cred_t statics[FA_MAX_STATIC];
    size_t nstatics;
    int64_t issued_expiry_ms[FA_NSOURCES]; /* guarded by mu; 0: never issued */
    FILE *log;
    pthread_mutex_t mu;
} fakeaws_t;

typedef struct fa_req {
    sbuf_t body;
    bool too_big;
} fa_req_t;

typedef struct fa_kvs {
    sigv4_kv_t v[32];
    char *store[64];
    size_t n, nstore;
} fa_kvs_t;

/* ------------------------------------------------------------------ helpers */

static void fa_iso8601(int64_t ms, char out[32]) {
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void fa_log(fakeaws_t *fa, const char *method, const char *path, const char *action,
                   const char *key_id, unsigned status) {
    if (!fa->log) return;
    json_t *o = json_pack("{s:s, s:s, s:s?, s:s?, s:i}", "method", method, "path", path, "action",
                          action, "key_id", key_id, "status", (int)status);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (s) {
        pthread_mutex_lock(&fa->mu);
        fprintf(fa->log, "%s\n", s);
        fflush(fa->log);
        pthread_mutex_unlock(&fa->mu);
    }
    free(s);
    json_decref(o);
}

static enum MHD_Result fa_reply(struct MHD_Connection *c, unsigned status, const char *type,
                                const char *body) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Logs the request and answers it with a plain-text body. */
static enum MHD_Result fa_text(fakeaws_t *fa, struct MHD_Connection *c, const char *method,
                               const char *url, unsigned status, const char *body) {
    fa_log(fa, method, url, NULL, NULL, status);
    return fa_reply(c, status, "text/plain", body);
}

/* Records that source s issued its credential now, and returns its Expiration. */
static int64_t fa_issue(fakeaws_t *fa, fa_source_t s) {
    int64_t exp = testkit_now_ms() + (int64_t)fa->expiry_s * 1000;
    exp -= exp % 1000;
    pthread_mutex_lock(&fa->mu);
    fa->issued_expiry_ms[s] = exp;
    pthread_mutex_unlock(&fa->mu);
    return exp;
}

/* The credential with this key id: a static pair or an issued one (*src set to
 * its source, else -1). NULL when unknown. */
static const fa_cred_t *fa_find(const fakeaws_t *fa, const char *key_id, int *src) {
    *src = -1;
    for (size_t i = 0; i < fa->nstatics; i++)
        if (!strcmp(fa->statics[i].key_id, key_id)) return &fa->statics[i];
    for (int s = 0; s < FA_NSOURCES; s++)
        if (!strcmp(fa_issued[s].key_id, key_id)) {
            *src = s;
            return &fa_issued[s];
        }
    return NULL;
}

static int fa_hexval(int ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Decodes application/x-www-form-urlencoded text s[0..len) ('+' is a space). */
static char *fa_form_decode(const char *s, size_t len) {
    char *out = xmalloc(len + 1), *o = out;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '+') {
            *o++ = ' ';
        } else if (s[i] == '%' && i + 2 < len &&
                   fa_hexval((unsigned char)s[i + 1]) >= 0 &&
                   fa_hexval((unsigned char)s[i + 2]) >= 0) {
            *o++ = (char)(fa_hexval((unsigned char)s[i + 1]) * 16 +
                          fa_hexval((unsigned char)s[i + 2]));
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

static void fa_kvs_add(fa_kvs_t *kv, char *name, char *value) {
    if (kv->n >= sizeof kv->v / sizeof kv->v[0]) {
        free(name);
        free(value);
        return;
    }
    kv->store[kv->nstore++] = name;
    kv->store[kv->nstore++] = value;
    kv->v[kv->n].name = name;
    kv->v[kv->n].value = value;
    kv->n++;
}

static void fa_kvs_clear(fa_kvs_t *kv) {
    for (size_t i = 0; i < kv->nstore; i++) {
        OPENSSL_cleanse(kv->store[i], strlen(kv->store[i]));
        free(kv->store[i]);
    }
    memset(kv, 0, sizeof *kv);
}

static void fa_form_parse(const char *body, size_t len, fa_kvs_t *kv) {
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && body[end] != '&') end++;
        const char *eq = memchr(body + i, '=', end - i);
        size_t nlen = eq ? (size_t)(eq - (body + i)) : end - i;
        if (end > i)
            fa_kvs_add(kv, fa_form_decode(body + i, nlen),
                       eq ? fa_form_decode(eq + 1, (size_t)(body + end - eq - 1))
                          : fa_form_decode("", 0));
        i = end + 1;
    }
}

static const char *fa_kvs_get(const fa_kvs_t *kv, const char *name) {
    for (size_t i = 0; i < kv->n; i++)
        if (!strcmp(kv->v[i].name, name)) return kv->v[i].value;
    return NULL;
}

static enum MHD_Result fa_query_it(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value) {
    (void)kind;
    fa_kvs_add(cls, xstrdup(key), xstrdup(value ? value : ""));
    return MHD_YES;
}

/* ------------------------------------------------------------------ IMDS, ECS */

static void fa_creds_json(json_t *o, const fa_cred_t *cr, int64_t exp_ms) {
    char exp[32];
    fa_iso8601(exp_ms, exp);
    json_object_set_new(o, "AccessKeyId", json_string(cr->key_id));
    json_object_set_new(o, "SecretAccessKey", json_string(cr->secret));
    json_object_set_new(o, "Token", json_string(cr->token));
    json_object_set_new(o, "Expiration", json_string(exp));
}

static enum MHD_Result fa_json_reply(struct MHD_Connection *c, json_t *o) {
    char *s = json_dumps(o, JSON_INDENT(2));
    json_decref(o);
    if (!s) return MHD_NO;
    enum MHD_Result r = fa_reply(c, MHD_HTTP_OK, "application/json", s);
    OPENSSL_cleanse(s, strlen(s));
    free(s);
    return r;
}

static enum MHD_Result fa_imds(fakeaws_t *fa, struct MHD_Connection *c, const char *method,
                               const char *url) {
    if (fa->fail[FA_IMDS])
        return fa_text(fa, c, method, url, 500, "internal error (fake-aws --fail imds)\n");
    if (!strcmp(url, "/latest/api/token")) {
        if (strcmp(method, "PUT"))
            return fa_text(fa, c, method, url, 405, "method not allowed\n");
        const char *ttl =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-aws-ec2-metadata-token-ttl-seconds");
        bool digits = ttl && *ttl && strspn(ttl, "0123456789") == strlen(ttl);
        long v = digits ? strtol(ttl, NULL, 10) : 0;
        if (v < 1 || v > 21600)
            return fa_text(fa, c, method, url, 400, "missing or invalid token TTL\n");
        return fa_text(fa, c, method, url, 200, FA_IMDS_TOKEN);
    }
    static const char listing[] = "/latest/meta-data/iam/security-credentials";
    size_t ll = sizeof listing - 1;
    bool under = !strncmp(url, listing, ll) && url[ll] == '/';
    bool is_list = !strcmp(url, listing) || (under && !url[ll + 1]);
    bool is_role = under && !strcmp(url + ll + 1, FA_ROLE_NAME);
    if (!is_list && !is_role)
        return fa_text(fa, c, method, url, 404, "not found\n");
    if (strcmp(method, "GET"))
        return fa_text(fa, c, method, url, 405, "method not allowed\n");
    const char *tok = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-aws-ec2-metadata-token");
    if (!tok || strcmp(tok, FA_IMDS_TOKEN))
        return fa_text(fa, c, method, url, 401, "unauthorized\n");
    if (is_list) {
        return fa_text(fa, c, method, url, 200, FA_ROLE_NAME);
    }
    int64_t exp = fa_issue(fa, FA_IMDS);
    char now[32];
    fa_iso8601(testkit_now_ms(), now);
    json_t *o = json_object();
    json_object_set_new(o, "Code", json_string("Success"));
    json_object_set_new(o, "LastUpdated", json_string(now));
    json_object_set_new(o, "Type", json_string("AWS-HMAC"));
    fa_creds_json(o, &fa_issued[FA_IMDS], exp);
    fa_log(fa, method, url, NULL, fa_issued[FA_IMDS].key_id, 200);
    return fa_json_reply(c, o);
}

static enum MHD_Result fa_ecs(fakeaws_t *fa, struct MHD_Connection *c, const char *method,
                              const char *url) {
    if (fa->fail[FA_ECS])
        return fa_text(fa, c, method, url, 500, "internal error (fake-aws --fail ecs)\n");
    if (strcmp(method, "GET"))
        return fa_text(fa, c, method, url, 405, "method not allowed\n");
    if (fa->ecs_token) {
        const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
        if (!a || strcmp(a, fa->ecs_token)) {
            fa_log(fa, method, url, NULL, NULL, 401);
            return fa_reply(c, 401, "application/json",
                            "{\"code\":\"AccessDeniedException\",\"message\":\"bad token\"}\n");
        }
    }
    int64_t exp = fa_issue(fa, FA_ECS);
    json_t *o = json_object();
    fa_creds_json(o, &fa_issued[FA_ECS], exp);
    json_object_set_new(o, "RoleArn", json_string(FA_ROLE_ARN));
    fa_log(fa, method, url, NULL, fa_issued[FA_ECS].key_id, 200);
    return fa_json_reply(c, o);
}

/* ------------------------------------------------------------------ STS */

static enum MHD_Result fa_sts_error(fakeaws_t *fa, struct MHD_Connection *c, const char *method,
                                    const char *url, const char *action, const char *key_id,
                                    unsigned status, const char *code, const char *message) {
    sbuf_t b = {0};
    sbuf_printf(&b,
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
                "  <Error>\n    <Type>Sender</Type>\n    <Code>%s</Code>\n"
                "    <Message>%s</Message>\n  </Error>\n"
                "  <RequestId>00000000-fake-0000-0000-000000000000</RequestId>\n"
                "</ErrorResponse>\n",
                code, message);
    fa_log(fa, method, url, action, key_id, status);
    enum MHD_Result r = fa_reply(c, status, "text/xml", sbuf_str(&b));
    sbuf_free(&b);
    return r;
}

/* Escapes the few XML specials of a caller-given value (role ARN, session). */
static void fa_xml_text(sbuf_t *b, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '<': sbuf_puts(b, "&lt;"); break;
        case '>': sbuf_puts(b, "&gt;"); break;
        case '&': sbuf_puts(b, "&amp;"); break;
        case '"': sbuf_puts(b, "&quot;"); break;
        default: sbuf_append(b, s, 1);
        }
    }
}

static enum MHD_Result fa_sts_ok(fakeaws_t *fa, struct MHD_Connection *c, const char *method,
                                 const char *url, const char *action, const char *key_id,
                                 fa_source_t src, const char *role_arn, const char *session) {
    const fa_cred_t *cr = &fa_issued[src];
    char exp[32];
    fa_iso8601(fa_issue(fa, src), exp);
    const char *role = strrchr(role_arn ? role_arn : "", '/');
    role = role ? role + 1 : FA_ROLE_NAME;
    sbuf_t b = {0};
    sbuf_printf(&b,
                "<%sResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
                "  <%sResult>\n",
                action, action);
    if (src == FA_WEB_IDENTITY)
        sbuf_puts(&b, "    <SubjectFromWebIdentityToken>kmig-test-subject"
                      "</SubjectFromWebIdentityToken>\n"
                      "    <Audience>sts.amazonaws.com</Audience>\n"
                      "    <Provider>kmig-test-provider</Provider>\n");
    sbuf_puts(&b, "    <AssumedRoleUser>\n      <AssumedRoleId>AROAFAKEROLEID000001:");
    fa_xml_text(&b, session);
    sbuf_puts(&b, "</AssumedRoleId>\n      <Arn>arn:aws:sts::123456789012:assumed-role/");
    fa_xml_text(&b, role);
    sbuf_puts(&b, "/");
    fa_xml_text(&b, session);
    sbuf_printf(&b,
                "</Arn>\n    </AssumedRoleUser>\n    <Credentials>\n"
                "      <AccessKeyId>%s</AccessKeyId>\n"
                "      <SecretAccessKey>%s</SecretAccessKey>\n"
                "      <SessionToken>%s</SessionToken>\n"
                "      <Expiration>%s</Expiration>\n"
                "    </Credentials>\n  </%sResult>\n"
                "  <ResponseMetadata>\n"
                "    <RequestId>00000000-fake-0000-0000-000000000001</RequestId>\n"
                "  </ResponseMetadata>\n</%sResponse>\n",
                cr->key_id, cr->secret, cr->token, exp, action, action);
    fa_log(fa, method, url, action, key_id, 200);
    enum MHD_Result r = fa_reply(c, 200, "text/xml", sbuf_str(&b));
    OPENSSL_cleanse(b.s, b.len);
    sbuf_free(&b);
    return r;
}

/* Parses "AWS4-HMAC-SHA256 Credential=K/D/R/S/aws4_request, SignedHeaders=h;h,
 * Signature=hex" into its three parts (copied into the given buffers). */
static int fa_parse_authz(const char *a, char cred[256], char signed_hdrs[512], char sig[128]) {
    const char *alg = SIGV4_ALGORITHM " ";
    if (strncmp(a, alg, strlen(alg))) return -1;
    cred[0] = signed_hdrs[0] = sig[0] = '\0';
    const char *p = a + strlen(alg);
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && p[len - 1] == ' ') len--;
        char *dst = NULL;
        size_t cap = 0, skip = 0;
        if (!strncmp(p, "Credential=", 11)) dst = cred, cap = 256, skip = 11;
        else if (!strncmp(p, "SignedHeaders=", 14)) dst = signed_hdrs, cap = 512, skip = 14;
        else if (!strncmp(p, "Signature=", 10)) dst = sig, cap = 128, skip = 10;
        if (dst) {
            if (len - skip >= cap) return -1;
            memcpy(dst, p + skip, len - skip);
            dst[len - skip] = '\0';
        }
        if (!end) break;
        p = end + 1;
    }
    return cred[0] && signed_hdrs[0] && sig[0] ? 0 : -1;
}

static int fa_parse_amz_date(const char *s, time_t *out) {
    struct tm tm = {0};
    if (!s || strlen(s) != 16) return -1;
    const char *end = strptime(s, "%Y%m%dT%H%M%SZ", &tm);
    if (!end || *end) return -1;
    *out = timegm(&tm);
    return 0;
}

/* Verifies an AssumeRole request's signature. Returns 0 with the key id in
 * key_out, or an HTTP error already sent (returns 1, *ret set). */
static int fa_sts_verify(fakeaws_t *fa, struct MHD_Connection *c, const char *method,
                         const char *url, const char *action, const fa_req_t *rq,
                         char key_out[128], enum MHD_Result *ret) {
    char cred[256], shdrs[512], sig[128];
    const char *authz = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    key_out[0] = '\0';
    if (!authz || fa_parse_authz(authz, cred, shdrs, sig)) {
        *ret = fa_sts_error(fa, c, method, url, action, NULL, 403, "SignatureDoesNotMatch",
                            "Request is missing a valid AWS4-HMAC-SHA256 Authorization header.");
        return 1;
    }
    /* Credential=KEY/DATE8/REGION/SERVICE/aws4_request */
    char *parts[5] = {0}, *save = NULL;
    int n = 0;
    for (char *t = strtok_r(cred, "/", &save); t && n < 5; t = strtok_r(NULL, "/", &save))
        parts[n++] = t;
    if (n != 5 || strcmp(parts[3], "sts") || strcmp(parts[4], "aws4_request") ||
        strlen(parts[1]) != 8 || strlen(parts[0]) >= 128) {
        *ret = fa_sts_error(fa, c, method, url, action, NULL, 403, "SignatureDoesNotMatch",
                            "Credential should be scoped to a valid region and service sts.");
        return 1;
    }
    snprintf(key_out, 128, "%s", parts[0]);
    int src;
    const fa_cred_t *cr = fa_find(fa, parts[0], &src);
    if (!cr) {
        *ret = fa_sts_error(fa, c, method, url, action, key_out, 403, "InvalidClientTokenId",
                            "The security token included in the request is invalid.");
        return 1;
    }
    const char *tok = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Security-Token");
    if (src >= 0) {
        pthread_mutex_lock(&fa->mu);
        int64_t exp = fa->issued_expiry_ms[src];
        pthread_mutex_unlock(&fa->mu);
        if (!tok || strcmp(tok, cr->token) || !exp) {
            *ret = fa_sts_error(fa, c, method, url, action, key_out, 403, "InvalidClientTokenId",
                                "The security token included in the request is invalid.");
            return 1;
        }
        if (exp <= testkit_now_ms()) {
            *ret = fa_sts_error(fa, c, method, url, action, key_out, 400, "ExpiredToken",
                                "The security token included in the request is expired");
            return 1;
        }
    } else if (tok) {
        *ret = fa_sts_error(fa, c, method, url, action, key_out, 403, "InvalidClientTokenId",
                            "The security token included in the request is invalid.");
        return 1;
    }
    time_t when;
    if (fa_parse_amz_date(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Date"), &when) ||
        strncmp(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Date"), parts[1], 8)) {
        *ret = fa_sts_error(fa, c, method, url, action, key_out, 403, "SignatureDoesNotMatch",
                            "Missing or malformed X-Amz-Date header.");
        return 1;
    }
    time_t now = time(NULL);
    if (when > now + FA_SKEW_S || when < now - FA_SKEW_S) {
        *ret = fa_sts_error(fa, c, method, url, action, key_out, 403, "SignatureDoesNotMatch",
                            "Signature expired: the request time is too far from the server's.");
        return 1;
    }
    /* Recompute with kmig's signer: the headers the client signed (sigv4
     * adds x-amz-date and x-amz-security-token itself), the URL's query,
     * the body. */
    sigv4_kv_t hdrs[24];
    size_t nh = 0;
    bool signed_token = false, ok = true;
    char shcopy[512];
    snprintf(shcopy, sizeof shcopy, "%s", shdrs);
    save = NULL;
    for (char *h = strtok_r(shcopy, ";", &save); h; h = strtok_r(NULL, ";", &save)) {
        if (!strcmp(h, "x-amz-date")) continue;
        if (!strcmp(h, "x-amz-security-token")) {
            signed_token = true;
            continue;
        }
        const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, h);
        if (!v || nh == sizeof hdrs / sizeof hdrs[0]) {
            ok = false;
            break;
        }
        hdrs[nh].name = h;
        hdrs[nh].value = v;
        nh++;
    }
    fa_kvs_t q = {0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, fa_query_it, &q);
    sigv4_request_t req = {.method = method,
                           .path = url,
                           .query = q.v,
                           .n_query = q.n,
                           .headers = hdrs,
                           .n_headers = nh,
                           .payload = sbuf_str(&rq->body),
                           .payload_len = rq->body.len};
    sigv4_creds_t sc = {cr->key_id, cr->secret, signed_token ? tok : NULL};
    sigv4_signed_t out = {0};
    char err[256];
    if (ok && (signed_token && !tok)) ok = false;
    if (ok && sigv4_sign_headers(&req, &sc, parts[2], "sts", when, &out, err, sizeof err))
        ok = false;
    if (ok)
        ok = !strcmp(out.signed_headers, shdrs) && strlen(sig) == 64 &&
             !CRYPTO_memcmp(out.signature, sig, 64);
    sigv4_signed_clear(&out);
    fa_kvs_clear(&q);
    OPENSSL_cleanse(sig, sizeof sig);
    if (!ok) {
        *ret = fa_sts_error(fa, c, method, url, action, key_out, 403, "SignatureDoesNotMatch",
                            "The request signature we calculated does not match the signature "
                            "you provided.");
        return 1;
    }
    return 0;
}

static enum MHD_Result fa_sts(fakeaws_t *fa, struct MHD_Connection *c, const char *method,
                              const char *url, const fa_req_t *rq) {
    fa_kvs_t form = {0};
    const char *ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    static const char form_type[] = "application/x-www-form-urlencoded";
    if (!strcmp(method, "POST") && ctype && !strncasecmp(ctype, form_type, sizeof form_type - 1))
        fa_form_parse(sbuf_str(&rq->body), rq->body.len, &form);
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, fa_query_it, &form);
    const char *action = fa_kvs_get(&form, "Action");
    enum MHD_Result r;
    char key_id[128] = "";
    if (fa->fail[FA_ASSUME_ROLE]) {
        r = fa_sts_error(fa, c, method, url, action, NULL, 500, "InternalFailure",
                         "fake-aws --fail sts");
    } else if (rq->too_big) {
        r = fa_sts_error(fa, c, method, url, action, NULL, 413, "RequestEntityTooLarge",
                         "Request body too large.");
    } else if (action && !strcmp(action, "AssumeRole")) {
        const char *arn = fa_kvs_get(&form, "RoleArn");
        const char *session = fa_kvs_get(&form, "RoleSessionName");
        if (fa_sts_verify(fa, c, method, url, action, rq, key_id, &r) == 0) {
            if (!arn || !*arn || !session || !*session)
                r = fa_sts_error(fa, c, method, url, action, key_id, 400, "ValidationError",
                                 "RoleArn and RoleSessionName are required.");
            else
                r = fa_sts_ok(fa, c, method, url, action, key_id, FA_ASSUME_ROLE, arn, session);
        }
    } else if (action && !strcmp(action, "AssumeRoleWithWebIdentity")) {
        const char *tok = fa_kvs_get(&form, "WebIdentityToken");
        const char *arn = fa_kvs_get(&form, "RoleArn");
        const char *session = fa_kvs_get(&form, "RoleSessionName");
        if (!fa->wi_token || !tok || strcmp(tok, fa->wi_token))
            r = fa_sts_error(fa, c, method, url, action, NULL, 400, "InvalidIdentityToken",
                             "The web identity token that was passed could not be validated.");
        else if (!arn || !*arn || !session || !*session)
            r = fa_sts_error(fa, c, method, url, action, NULL, 400, "ValidationError",
                             "RoleArn and RoleSessionName are required.");
        else
            r = fa_sts_ok(fa, c, method, url, action, NULL, FA_WEB_IDENTITY, arn, session);
    } else {
        r = fa_sts_error(fa, c, method, url, action, NULL, 400, "InvalidAction",
                         "Could not find operation for this fake STS.");
    }
    fa_kvs_clear(&form);
    return r;
}

/* ------------------------------------------------------------------ server */

static enum MHD_Result fa_handle(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls) {
    (void)version;
    fakeaws_t *fa = cls;
    fa_req_t *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq) return MHD_NO;
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_size) {
        if (rq->body.len + *upload_size > FA_MAX_BODY)
            rq->too_big = true;
        else
            sbuf_append(&rq->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (!strncmp(url, "/latest/", 8)) return fa_imds(fa, c, method, url);
    if (!strcmp(url, "/ecs/credentials")) return fa_ecs(fa, c, method, url);
    if (!strcmp(url, "/")) return fa_sts(fa, c, method, url, rq);
    return fa_text(fa, c, method, url, 404, "not found\n");
}

static void fa_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)c;
    (void)toe;
    fa_req_t *rq = *con_cls;
    if (!rq) return;
    if (rq->body.s) OPENSSL_cleanse(rq->body.s, rq->body.len);
    sbuf_free(&rq->body);
    free(rq);
    *con_cls = NULL;
}

static void fa_mhd_log(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    fputs("fake-aws: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* Writes text to path through a temporary file and a rename. */
static int fa_write_file(const char *path, const char *text) {
    sbuf_t tmp = {0};
    sbuf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(sbuf_str(&tmp), "w");
    int rc = -1;
    if (f) {
        bool ok = fputs(text, f) >= 0;
        ok = !fclose(f) && ok;
        if (ok && !rename(sbuf_str(&tmp), path)) rc = 0;
        else unlink(sbuf_str(&tmp));
    }
    if (rc) fprintf(stderr, "fake-aws: cannot write %s: %s\n", path, strerror(errno));
    sbuf_free(&tmp);
    return rc;
}

static void fa_usage(FILE *out) {
    fprintf(out,
            "usage: kmig-testkit fake-aws --port-file F [--creds-out F2] [--log F3]\n"
            "         [--expiry-s N] [--ecs-token T] [--web-identity-token T]\n"
            "         [--static KEYID:SECRET]... [--fail imds|ecs|sts]...\n"
            "  serves EC2 IMDSv2 (/latest/...), ECS container credentials (/ecs/credentials)\n"
            "  and STS (POST /) on 127.0.0.1; see testkit_fakeaws.c\n");
}

int testkit_fakeaws_main(int argc, char **argv) {
    static const struct option opts[] = {{"port-file", required_argument, 0, 'p'},
                                         {"creds-out", required_argument, 0, 'c'},
                                         {"log", required_argument, 0, 'l'},
                                         {"expiry-s", required_argument, 0, 'e'},
                                         {"ecs-token", required_argument, 0, 'E'},
                                         {"web-identity-token", required_argument, 0, 'W'},
                                         {"static", required_argument, 0, 's'},
                                         {"fail", required_argument, 0, 'f'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    fakeaws_t fa = {.expiry_s = 3600};
    pthread_mutex_init(&fa.mu, NULL);
    const char *port_file = NULL, *creds_out = NULL, *log_path = NULL;
    int c, rc = 2;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p': port_file = optarg; break;
        case 'c': creds_out = optarg; break;
        case 'l': log_path = optarg; break;
        case 'e': {
            char *end;
            errno = 0;
            fa.expiry_s = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || fa.expiry_s < -86400 * 365 ||
                fa.expiry_s > 86400 * 365) {
                fprintf(stderr, "fake-aws: bad --expiry-s '%s'\n", optarg);
                goto out;
            }
            break;
        }
        case 'E': fa.ecs_token = optarg; break;
        case 'W': fa.wi_token = optarg; break;
        case 's': {
            char *colon = strchr(optarg, ':');
            if (!colon || colon == optarg || !colon[1] || fa.nstatics == FA_MAX_STATIC) {
                fprintf(stderr, "fake-aws: --static wants KEYID:SECRET (at most %d)\n",
                        FA_MAX_STATIC);
                goto out;
            }
            *colon = '\0';
            fa.statics[fa.nstatics].key_id = optarg;
            fa.statics[fa.nstatics].secret = colon + 1;
            fa.nstatics++;
            break;
        }
        case 'f':
            if (!strcmp(optarg, "imds")) fa.fail[FA_IMDS] = true;
            else if (!strcmp(optarg, "ecs")) fa.fail[FA_ECS] = true;
            else if (!strcmp(optarg, "sts")) fa.fail[FA_ASSUME_ROLE] = true;
            else {
                fprintf(stderr, "fake-aws: --fail wants imds, ecs or sts, got '%s'\n", optarg);
                goto out;
            }
            break;
        case 'h': fa_usage(stdout); rc = 0; goto out;
        default: fa_usage(stderr); goto out;
        }
    }
    if (optind < argc || !port_file) {
        fprintf(stderr, optind < argc ? "fake-aws: unexpected argument '%s'\n"
                                      : "fake-aws: --port-file is required%s\n",
                optind < argc ? argv[optind] : "");
        goto out;
    }

    rc = 1;
    if (log_path && !(fa.log = fopen(log_path, "a"))) {
        fprintf(stderr, "fake-aws: cannot open %s: %s\n", log_path, strerror(errno));
        goto out;
    }
    if (creds_out) {
        sbuf_t b = {0};
        for (int s = 0; s < FA_NSOURCES; s++)
            sbuf_printf(&b, "%s %s %s\n", fa_issued[s].key_id, fa_issued[s].secret,
                        fa_issued[s].token);
        for (size_t i = 0; i < fa.nstatics; i++)
            sbuf_printf(&b, "%s %s\n", fa.statics[i].key_id, fa.statics[i].secret);
        int w = fa_write_file(creds_out, sbuf_str(&b));
        OPENSSL_cleanse(b.s, b.len);
        sbuf_free(&b);
        if (w) goto out;
    }

    /* Block the stop signals before the server thread starts (it inherits the
     * mask), then wait for them here. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t slen = sizeof sin;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) || listen(fd, 64) ||
        getsockname(fd, (struct sockaddr *)&sin, &slen)) {
        fprintf(stderr, "fake-aws: cannot listen on 127.0.0.1: %s\n", strerror(errno));
        if (fd >= 0) close(fd);
        goto out;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, fa_handle, &fa,
        MHD_OPTION_EXTERNAL_LOGGER, fa_mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_NOTIFY_COMPLETED, fa_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)10, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "fake-aws: the HTTP server did not start\n");
        goto out;
    }
    char port[16];
    snprintf(port, sizeof port, "%u\n", (unsigned)ntohs(sin.sin_port));
    if (fa_write_file(port_file, port) == 0) {
        int sig;
        sigwait(&set, &sig);
        rc = 0;
    }
    MHD_stop_daemon(d);
out:
    if (fa.log) fclose(fa.log);
    pthread_mutex_destroy(&fa.mu);
    return rc;
}

/* The MSK IAM token: what kmig hands librdkafka as its SASL/OAUTHBEARER token
 * when a cluster uses IAM access control (Amazon MSK, MSK Serverless). It is
 * a presigned "kafka-cluster:Connect" URL, built here with sigv4.c the way
 * AWS's own signers build it (aws-msk-iam-sasl-signer-python), so that the
 * broker's validation sees the same request. Also: the token's expiry for
 * librdkafka, the region of an MSK host name, and decoding for debugging. */
#include "auth/msk_iam.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

static void set_err(char *err, size_t errsz, const char *msg) {
    if (err && errsz)
        snprintf(err, errsz, "%s", msg);
}

static void wipe_sbuf(sbuf_t *b) {
    if (b->s)
        OPENSSL_cleanse(b->s, b->cap);
    sbuf_free(b);
}

/* Python's urllib.parse.quote_plus with its default safe set: the same as
 * AWS's UriEncode, except that a space is '+'. */
static void quote_plus(sbuf_t *out, const char *s) {
    for (; *s; s++) {
        if (*s == ' ')
            sbuf_puts(out, "+");
        else
            sigv4_uri_encode(out, s, 1, false);
    }
}

int msk_iam_url(const sigv4_creds_t *creds, const char *region, time_t when,
                const char *user_agent, sbuf_t *url, char *err, size_t errsz) {
    sbuf_t host = {0};
    sbuf_printf(&host, "kafka.%s.amazonaws.com", region ? region : "");
    const sigv4_kv_t query[] = {{"Action", MSK_IAM_ACTION}};
    const sigv4_kv_t headers[] = {{"host", sbuf_str(&host)}};
    sigv4_request_t req = {.method = "GET",
                           .path = "/",
                           .query = query,
                           .n_query = 1,
                           .headers = headers,
                           .n_headers = 1,
                           .payload_hash = SIGV4_EMPTY_SHA256};
    sigv4_signed_t s = {0};
    char why[256] = "";
    if (sigv4_presign(&req, creds, region, MSK_IAM_SERVICE, when, MSK_IAM_EXPIRES_S, &s, why,
                      sizeof why) != 0) {
        snprintf(err, errsz, "MSK IAM token: %s", why);
        sbuf_free(&host);
        return -1;
    }
    wipe_sbuf(url);
    sbuf_printf(url, "https://%s/?%s", sbuf_str(&host), s.query);
    if (user_agent && *user_agent) {
        sbuf_puts(url, "&User-Agent=");
        quote_plus(url, user_agent);
    }
    sigv4_signed_clear(&s);
    sbuf_free(&host);
    return 0;
}

static void b64url_encode(sbuf_t *out, const unsigned char *in, size_t n) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        size_t left = n - i;
        if (left > 1)
            v |= (uint32_t)in[i + 1] << 8;
        if (left > 2)
            v |= in[i + 2];
        char c[4] = {tab[(v >> 18) & 63], tab[(v >> 12) & 63], tab[(v >> 6) & 63], tab[v & 63]};
        sbuf_append(out, c, left > 2 ? 4 : left + 1);
    }
}

int64_t msk_iam_lifetime_ms(time_t sign_time, int64_t creds_expiry_ms) {
    int64_t t = (int64_t)sign_time * 1000 + (int64_t)MSK_IAM_EXPIRES_S * 1000;
    if (creds_expiry_ms > 0 && creds_expiry_ms < t)
        t = creds_expiry_ms;
    return t;
}

int msk_iam_token(const sigv4_creds_t *creds, int64_t creds_expiry_ms, const char *region,
                  time_t when, const char *user_agent, msk_iam_token_t *out, char *err,
                  size_t errsz) {
    memset(out, 0, sizeof *out);
    if (creds_expiry_ms < 0 || (creds_expiry_ms > 0 && creds_expiry_ms <= (int64_t)when * 1000)) {
        set_err(err, errsz, "MSK IAM token: the AWS credentials have expired");
        return -1;
    }
    sbuf_t url = {0};
    if (msk_iam_url(creds, region, when, user_agent, &url, err, errsz) != 0)
        return -1;
    sbuf_t tok = {0};
    b64url_encode(&tok, (const unsigned char *)url.s, url.len);
    wipe_sbuf(&url);
    out->token = tok.s;
    out->lifetime_ms = msk_iam_lifetime_ms(when, creds_expiry_ms);
    return 0;
}

void msk_iam_token_clear(msk_iam_token_t *t) {
    if (!t)
        return;
    if (t->token) {
        OPENSSL_cleanse(t->token, strlen(t->token));
        free(t->token);
    }
    memset(t, 0, sizeof *t);
}

/* --- region --- */

static bool valid_region(const char *s, size_t n) {
    /* e.g. us-east-1, us-gov-west-1, cn-north-1, ap-southeast-5 */
    if (n < 4 || n >= MSK_IAM_REGION_MAX || !islower((unsigned char)s[0]) ||
        !isdigit((unsigned char)s[n - 1]))
        return false;
    bool dash = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '-') {
            if (i == 0 || s[i - 1] == '-')
                return false;
            dash = true;
        } else if (!islower(c) && !isdigit(c)) {
            return false;
        }
    }
    return dash;
}

int msk_iam_region_from_host(const char *host, char region[MSK_IAM_REGION_MAX], char *err,
                             size_t errsz) {
    region[0] = '\0';
    if (!host) {
        set_err(err, errsz, "no host name");
        return -1;
    }
    while (*host == ' ' || *host == '\t')
        host++;
    size_t n = strcspn(host, ":, \t");
    if (n == 0 || n > 253) {
        set_err(err, errsz, "not a host name");
        return -1;
    }
    char name[256];
    for (size_t i = 0; i < n; i++)
        name[i] = (char)tolower((unsigned char)host[i]);
    name[n] = '\0';
    if (n > 0 && name[n - 1] == '.')
        name[--n] = '\0'; /* fully qualified */
    /* Labels, right to left: [cn] com amazonaws <region> kafka|kafka-serverless ... */
    const char *labels[128];
    size_t lens[128], nl = 0;
    for (char *p = name; nl < 128;) {
        char *dot = strchr(p, '.');
        labels[nl] = p;
        lens[nl] = dot ? (size_t)(dot - p) : strlen(p);
        nl++;
        if (!dot)
            break;
        p = dot + 1;
    }
    size_t end = nl;
    if (end >= 1 && lens[end - 1] == 2 && strncmp(labels[end - 1], "cn", 2) == 0)
        end--;
    if (end >= 4 && lens[end - 1] == 3 && strncmp(labels[end - 1], "com", 3) == 0 &&
        lens[end - 2] == 9 && strncmp(labels[end - 2], "amazonaws", 9) == 0) {
        const char *svc = labels[end - 4];
        size_t sl = lens[end - 4];
        bool kafka = (sl == 5 && strncmp(svc, "kafka", 5) == 0) ||
                     (sl == 16 && strncmp(svc, "kafka-serverless", 16) == 0);
        if (kafka && valid_region(labels[end - 3], lens[end - 3])) {
            memcpy(region, labels[end - 3], lens[end - 3]);
            region[lens[end - 3]] = '\0';
            return 0;
        }
    }
    set_err(err, errsz,
            "not an Amazon MSK host name (...kafka.<region>.amazonaws.com): set the region");
    return -1;
}

/* --- decoding --- */

static int b64url_value(unsigned char c) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

int msk_iam_decode(const char *token, sbuf_t *url, char *err, size_t errsz) {
    wipe_sbuf(url);
    if (!token) {
        set_err(err, errsz, "MSK IAM token: empty");
        return -1;
    }
    size_t n = strlen(token);
    while (n > 0 && token[n - 1] == '=')
        n--;
    if (n == 0 || n % 4 == 1 || strlen(token) - n > 2) {
        set_err(err, errsz, "MSK IAM token: not base64url (bad length or padding)");
        return -1;
    }
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64url_value((unsigned char)token[i]);
        if (v < 0) {
            snprintf(err, errsz, "MSK IAM token: not base64url (character %zu)", i + 1);
            wipe_sbuf(url);
            return -1;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            unsigned char c = (unsigned char)(acc >> bits);
            if (c < 0x20 || c >= 0x7f) {
                set_err(err, errsz, "MSK IAM token: does not decode to a printable URL");
                wipe_sbuf(url);
                return -1;
            }
            char ch = (char)c;
            sbuf_append(url, &ch, 1);
            acc &= (1u << bits) - 1;
        }
    }
    if (strncmp(sbuf_str(url), "https://", 8) != 0) {
        set_err(err, errsz, "MSK IAM token: does not decode to an https:// URL");
        wipe_sbuf(url);
        return -1;
    }
    return 0;
}

int msk_iam_describe(const char *token, sbuf_t *out, char *err, size_t errsz) {
    sbuf_t url = {0};
    if (msk_iam_decode(token, &url, err, errsz) != 0)
        return -1;
    sbuf_reset(out);
    const char *q = strchr(url.s, '?');
    if (!q) {
        sbuf_puts(out, url.s);
        wipe_sbuf(&url);
        return 0;
    }
    sbuf_append(out, url.s, (size_t)(q - url.s) + 1);
    for (const char *p = q + 1; *p;) {
        size_t len = strcspn(p, "&");
        const char *eq = memchr(p, '=', len);
        bool secret = eq && (((size_t)(eq - p) == 15 && strncmp(p, "X-Amz-Signature", 15) == 0) ||
                             ((size_t)(eq - p) == 20 && strncmp(p, "X-Amz-Security-Token", 20) == 0));
        if (secret) {
            sbuf_append(out, p, (size_t)(eq - p) + 1);
            sbuf_puts(out, "<redacted>");
        } else {
            sbuf_append(out, p, len);
        }
        p += len;
        if (*p == '&') {
            sbuf_puts(out, "&");
            p++;
        }
    }
    wipe_sbuf(&url);
    return 0;
}

/* The answers that carry AWS credentials, parsed into aws_creds_t: a
 * credential_process's JSON output, the ECS / EKS Pod Identity container
 * endpoint's and EC2 IMDS's JSON, an STS AssumeRole /
 * AssumeRoleWithWebIdentity XML response, and the ISO 8601 expiration times
 * they carry; with aws_creds_t's clear function and refresh policy. Pure:
 * the callers (src/awsio/) fetch the bodies; no secret reaches an error
 * message (tests/unit/test_aws_creds.c, tests/fuzz/fuzz_aws.c). */
#include "auth/aws_creds.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "auth/aws_creds_priv.h"
#include "core/sbuf.h"

/* --- credentials --- */

void aws_creds_clear(aws_creds_t *c) {
    if (!c)
        return;
    wipe_free(c->access_key_id);
    wipe_free(c->secret_access_key);
    wipe_free(c->session_token);
    memset(c, 0, sizeof *c);
}

static bool digits(const char *s, int n, int *v) {
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        *v = *v * 10 + (s[i] - '0');
    }
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int aws_creds_iso8601_ms(const char *s, int64_t *ms) {
    int Y, M, D, h, mi, sec;
    if (!s || strlen(s) < 19 || !digits(s, 4, &Y) || s[4] != '-' || !digits(s + 5, 2, &M) ||
        s[7] != '-' || !digits(s + 8, 2, &D) || !(s[10] == 'T' || s[10] == 't' || s[10] == ' ') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &sec))
        return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || (M == 2 && D == 29 && !leap) || h > 23 ||
        mi > 59 || sec > 60)
        return -1;
    const char *p = s + 19;
    int frac_ms = 0;
    if (*p == '.' || *p == ',') {
        p++;
        int nd = 0;
        while (isdigit((unsigned char)*p)) {
            if (nd < 3)
                frac_ms = frac_ms * 10 + (*p - '0');
            nd++;
            p++;
        }
        if (nd == 0 || nd > 9)
            return -1;
        for (int i = nd; i < 3; i++)
            frac_ms *= 10;
    }
    int offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om;
        p++;
        if (!digits(p, 2, &oh))
            return -1;
        p += 2;
        if (*p == ':')
            p++;
        if (!digits(p, 2, &om))
            return -1;
        p += 2;
        if (oh > 23 || om > 59)
            return -1;
        offset_min = sign * (oh * 60 + om);
    } else {
        return -1; /* a time without zone is ambiguous */
    }
    if (*p)
        return -1;
    int64_t days = days_from_civil(Y, M, D);
    int64_t t = ((days * 24 + h) * 60 + mi) * 60 + sec - (int64_t)offset_min * 60;
    *ms = t * 1000 + frac_ms;
    return 0;
}

/* --- JSON answers --- */

/* Printable ASCII without spaces: what AWS keys and tokens are made of. */
static bool plausible_secret(const char *s) {
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

static int json_str(json_t *o, const char *name, bool required, const char **out, char *err,
                    size_t errsz) {
    json_t *v = json_object_get(o, name);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required) {
            snprintf(err, errsz, "no %s", name);
            return -1;
        }
        return 0;
    }
    if (!json_is_string(v) || !plausible_secret(json_string_value(v))) {
        snprintf(err, errsz, "%s is not a non-empty string of printable characters", name);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

typedef enum { JSON_PROCESS, JSON_ECS, JSON_IMDS } json_kind_t;

static int parse_json_creds(const char *json, size_t len, json_kind_t kind, aws_creds_t *out,
                            char *err, size_t errsz) {
    static const char *const what[] = {"credential_process output", "container credentials",
                                       "instance metadata credentials"};
    memset(out, 0, sizeof *out);
    char why[160] = "";
    json_error_t je;
    json_t *root = json ? json_loadb(json, len, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!root) {
        /* je.text quotes the input (maybe a secret): line and column only */
        snprintf(err, errsz, "%s: not valid JSON (line %d, column %d)", what[kind],
                 json ? je.line : 0, json ? je.column : 0);
        return -1;
    }
    const char *ak, *sk, *tok, *exp;
    const char *tok_name = kind == JSON_PROCESS ? "SessionToken" : "Token";
    if (!json_is_object(root)) {
        snprintf(why, sizeof why, "not a JSON object");
        goto bad;
    }
    if (kind == JSON_PROCESS) {
        json_t *v = json_object_get(root, "Version");
        if (!json_is_integer(v) || json_integer_value(v) != 1) {
            snprintf(why, sizeof why, "Version must be 1");
            goto bad;
        }
    }
    if (kind == JSON_IMDS) {
        json_t *code = json_object_get(root, "Code");
        if (code && (!json_is_string(code) || strcmp(json_string_value(code), "Success") != 0)) {
            const char *c = json_is_string(code) ? json_string_value(code) : "?";
            snprintf(why, sizeof why, "Code is not Success (%.40s)", plausible_secret(c) ? c : "?");
            goto bad;
        }
    }
    bool temp = kind != JSON_PROCESS; /* container and instance credentials always expire */
    if (json_str(root, "AccessKeyId", true, &ak, why, sizeof why) ||
        json_str(root, "SecretAccessKey", true, &sk, why, sizeof why) ||
        json_str(root, tok_name, temp, &tok, why, sizeof why))
        goto bad;
    json_t *e = json_object_get(root, "Expiration");
    exp = NULL;
    if (e && !json_is_null(e)) {
        if (!json_is_string(e)) {
            snprintf(why, sizeof why, "Expiration is not a string");
            goto bad;
        }
        exp = json_string_value(e);
    } else if (temp) {
        snprintf(why, sizeof why, "no Expiration");
        goto bad;
    }
    if (exp && aws_creds_iso8601_ms(exp, &out->expiration_ms) != 0) {
        snprintf(why, sizeof why, "Expiration is not an ISO 8601 time");
        goto bad;
    }
    out->access_key_id = xstrdup(ak);
    out->secret_access_key = xstrdup(sk);
    out->session_token = tok ? xstrdup(tok) : NULL;
    json_decref(root);
    return 0;
bad:
    snprintf(err, errsz, "%s: %s", what[kind], why);
    json_decref(root);
    aws_creds_clear(out);
    return -1;
}

int aws_creds_parse_process(const char *json, size_t len, aws_creds_t *out, char *err,
                            size_t errsz) {
    return parse_json_creds(json, len, JSON_PROCESS, out, err, errsz);
}

int aws_creds_parse_ecs(const char *json, size_t len, aws_creds_t *out, char *err, size_t errsz) {
    return parse_json_creds(json, len, JSON_ECS, out, err, errsz);
}

int aws_creds_parse_imds(const char *json, size_t len, aws_creds_t *out, char *err, size_t errsz) {
    return parse_json_creds(json, len, JSON_IMDS, out, err, errsz);
}

/* --- STS XML --- */

/* Finds the single element <name>text</name> in [b, e). Returns 1 found
 * (*vb, *ve its raw text), 0 absent, -1 repeated or unterminated. */
static int xml_element(const char *b, const char *e, const char *name, const char **vb,
                       const char **ve) {
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", name);
    snprintf(close, sizeof close, "</%s>", name);
    size_t ol = strlen(open), cl = strlen(close);
    const char *found = NULL;
    for (const char *p = b; p + ol <= e; p++) {
        if (memcmp(p, open, ol) != 0)
            continue;
        if (found)
            return -1;
        found = p;
    }
    if (!found)
        return 0;
    const char *tb = found + ol;
    for (const char *p = tb; p + cl <= e; p++)
        if (memcmp(p, close, cl) == 0) {
            *vb = tb;
            *ve = p;
            return 1;
        }
    return -1;
}

/* Decodes the text of an element: the five predefined entities and &#N; /
 * &#xN; (ASCII only), surrounding whitespace trimmed; markup refused. */
static char *xml_text(const char *b, const char *e) {
    trim(&b, &e);
    sbuf_t out = {0};
    for (const char *p = b; p < e; p++) {
        if (*p == '<') {
            sbuf_free(&out);
            return NULL;
        }
        if (*p != '&') {
            sbuf_append(&out, p, 1);
            continue;
        }
        const char *semi = memchr(p, ';', (size_t)(e - p));
        if (!semi || semi - p > 10)
            goto bad;
        size_t n = (size_t)(semi - p - 1);
        const char *ent = p + 1;
        char c = 0;
        if (n == 3 && !memcmp(ent, "amp", 3))
            c = '&';
        else if (n == 2 && !memcmp(ent, "lt", 2))
            c = '<';
        else if (n == 2 && !memcmp(ent, "gt", 2))
            c = '>';
        else if (n == 4 && !memcmp(ent, "quot", 4))
            c = '"';
        else if (n == 4 && !memcmp(ent, "apos", 4))
            c = '\'';
        else if (n >= 2 && ent[0] == '#') {
            bool hex = ent[1] == 'x' || ent[1] == 'X';
            long v = 0;
            size_t i = hex ? 2 : 1;
            if (i >= n)
                goto bad;
            for (; i < n; i++) {
                int d = isdigit((unsigned char)ent[i]) ? ent[i] - '0'
                        : hex && isxdigit((unsigned char)ent[i])
                            ? tolower((unsigned char)ent[i]) - 'a' + 10
                            : -1;
                if (d < 0)
                    goto bad;
                v = v * (hex ? 16 : 10) + d;
                if (v > 0x7f)
                    goto bad;
            }
            if (v < 0x20 || v == 0x7f)
                goto bad;
            c = (char)v;
        } else {
            goto bad;
        }
        sbuf_append(&out, &c, 1);
        p = semi;
    }
    if (!out.s)
        return xstrdup("");
    return out.s;
bad:
    if (out.s)
        OPENSSL_cleanse(out.s, out.cap);
    sbuf_free(&out);
    return NULL;
}

/* Copies printable characters of s into buf (for STS error codes and messages). */
static void printable_copy(char *buf, size_t n, const char *s) {
    size_t j = 0;
    for (; s && *s && j + 1 < n; s++)
        buf[j++] = ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f) ? *s : '?';
    buf[j] = '\0';
}

int aws_creds_parse_sts_xml(const char *xml, size_t len, aws_creds_t *out, char *err,
                            size_t errsz) {
    memset(out, 0, sizeof *out);
    if (!xml || len == 0 || memchr(xml, '\0', len)) {
        set_err(err, errsz, "STS response: empty or binary");
        return -1;
    }
    const char *b = xml, *e = xml + len, *vb, *ve;
    if (memmem(xml, len, "<ErrorResponse", 14) && xml_element(b, e, "Error", &vb, &ve) >= 0) {
        /* <ErrorResponse><Error><Type/><Code/><Message/></Error>...: no secrets */
        char code[64] = "?", msg[200] = "";
        const char *cb, *ce;
        if (xml_element(b, e, "Code", &cb, &ce) == 1) {
            char *t = xml_text(cb, ce);
            printable_copy(code, sizeof code, t);
            free(t);
        }
        if (xml_element(b, e, "Message", &cb, &ce) == 1) {
            char *t = xml_text(cb, ce);
            printable_copy(msg, sizeof msg, t);
            free(t);
        }
        snprintf(err, errsz, "STS error %s%s%s", code, msg[0] ? ": " : "", msg);
        return -1;
    }
    int rc = xml_element(b, e, "Credentials", &vb, &ve);
    if (rc != 1) {
        set_err(err, errsz, rc == 0 ? "STS response: no <Credentials>"
                                    : "STS response: <Credentials> repeated or unterminated");
        return -1;
    }
    static const char *const fields[] = {"AccessKeyId", "SecretAccessKey", "SessionToken",
                                         "Expiration"};
    char *vals[4] = {0};
    for (int i = 0; i < 4; i++) {
        const char *fb, *fe;
        int r = xml_element(vb, ve, fields[i], &fb, &fe);
        if (r != 1) {
            snprintf(err, errsz, "STS response: <%s> %s", fields[i],
                     r == 0 ? "missing" : "repeated or unterminated");
            goto bad;
        }
        vals[i] = xml_text(fb, fe);
        if (!vals[i] || !plausible_secret(vals[i])) {
            snprintf(err, errsz, "STS response: <%s> is not plain printable text", fields[i]);
            goto bad;
        }
    }
    if (aws_creds_iso8601_ms(vals[3], &out->expiration_ms) != 0) {
        set_err(err, errsz, "STS response: <Expiration> is not an ISO 8601 time");
        goto bad;
    }
    out->access_key_id = vals[0];
    out->secret_access_key = vals[1];
    out->session_token = vals[2];
    free(vals[3]);
    return 0;
bad:
    for (int i = 0; i < 4; i++)
        wipe_free(vals[i]);
    aws_creds_clear(out);
    return -1;
}

/* --- refresh policy --- */

int aws_creds_refresh_needed(const aws_creds_t *c, int64_t now_ms) {
    if (!c || c->expiration_ms == 0)
        return 0;
    int64_t left = c->expiration_ms - now_ms;
    if (left <= AWS_CREDS_MANDATORY_REFRESH_MS)
        return 2;
    if (left <= AWS_CREDS_ADVISORY_REFRESH_MS)
        return 1;
    return 0;
}

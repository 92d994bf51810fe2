/* Rewrites ACL principals from the source cluster's names to the target's
 * ("User:CN=alice,OU=apps" -> "User:alice"): an ordered list of literal and
 * PCRE2 rules, first match wins, with $1.. references in a regex rule's
 * replacement. */
#include "plan/principal_map.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/sbuf.h"

#define SEPARATOR " -> "
#define REGEX_PREFIX "regex:"

typedef struct rule {
    char *from;     /* literal principal, or the regex source */
    char *to;       /* replacement */
    pcre2_code *re; /* NULL for a literal rule */
    uint32_t groups; /* capture groups of re */
} rule_t;

struct principal_map {
    rule_t *rules;
    size_t n;
};

principal_map_t *principal_map_new(void) {
    return xcalloc(1, sizeof(principal_map_t));
}

void principal_map_destroy(principal_map_t *m) {
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->rules[i].from);
        free(m->rules[i].to);
        pcre2_code_free(m->rules[i].re);
    }
    free(m->rules);
    free(m);
}

size_t principal_map_count(const principal_map_t *m) {
    return m ? m->n : 0;
}

/* Expands replacement `repl`: "$N" and "${N}" become capture group N of the
 * match described by `ov` in `subject`, "$$" a '$'. With subject NULL only
 * checks the references against `groups`. Returns 0, or -1 with the reason. */
static int expand(const char *repl, uint32_t groups, const char *subject, const PCRE2_SIZE *ov,
                  sbuf_t *out, const char **why) {
    for (const char *p = repl; *p; p++) {
        if (*p != '$') {
            if (subject) sbuf_append(out, p, 1);
            continue;
        }
        if (p[1] == '$') {
            if (subject) sbuf_puts(out, "$");
            p++;
            continue;
        }
        bool braced = p[1] == '{';
        const char *d = p + 1 + braced;
        if (*d < '0' || *d > '9') {
            *why = "'$' must be followed by a group number, {number} or '$'";
            return -1;
        }
        unsigned long g = 0;
        for (; *d >= '0' && *d <= '9'; d++) g = g * 10 + (unsigned long)(*d - '0');
        if (braced && *d++ != '}') {
            *why = "unterminated ${...}";
            return -1;
        }
        if (g > groups) {
            *why = "a $N reference names a group the regex does not have";
            return -1;
        }
        if (subject && ov[2 * g] != PCRE2_UNSET)
            sbuf_append(out, subject + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
        p = d - 1;
    }
    return 0;
}

static char *trimmed(const char *s, size_t n) {
    while (n && (*s == ' ' || *s == '\t')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    return xstrndup(s, n);
}

int principal_map_add(principal_map_t *m, const char *rule, const char *origin, char *err,
                      size_t errsz) {
    const char *sep = strstr(rule, SEPARATOR);
    char *from = sep ? trimmed(rule, (size_t)(sep - rule)) : NULL;
    char *to = sep ? trimmed(sep + strlen(SEPARATOR), strlen(sep + strlen(SEPARATOR))) : NULL;
    const char *colon = to ? strchr(to, ':') : NULL;
    rule_t r = {from, to, NULL, 0};
    if (!sep || !*from || !*to) {
        snprintf(err, errsz, "%s: \"%s\": expected FROM -> TO (spaces around ->)", origin, rule);
        goto fail;
    }
    if (!colon || colon == to || !colon[1]) {
        snprintf(err, errsz, "%s: \"%s\": the target principal must look like User:name",
                 origin, rule);
        goto fail;
    }
    if (strncmp(from, REGEX_PREFIX, strlen(REGEX_PREFIX)) == 0) {
        const char *pat = from + strlen(REGEX_PREFIX);
        int code;
        PCRE2_SIZE off;
        r.re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
                             PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF |
                                 PCRE2_MATCH_INVALID_UTF,
                             &code, &off, NULL);
        if (!r.re) {
            char msg[256];
            pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg);
            snprintf(err, errsz, "%s: bad regular expression \"%s\": %s (at offset %zu)", origin,
                     pat, msg, (size_t)off);
            goto fail;
        }
        pcre2_pattern_info(r.re, PCRE2_INFO_CAPTURECOUNT, &r.groups);
        const char *why = NULL;
        if (expand(to, r.groups, NULL, NULL, NULL, &why) < 0) {
            snprintf(err, errsz, "%s: \"%s\": %s", origin, to, why);
            goto fail;
        }
    }
    m->rules = xrealloc(m->rules, (m->n + 1) * sizeof *m->rules);
    m->rules[m->n++] = r;
    return 0;
fail:
    free(from);
    free(to);
    pcre2_code_free(r.re);
    return -1;
}

int principal_map_load(principal_map_t *m, const char *path, char *err, size_t errsz) {
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL, origin[512];
    size_t cap = 0;
    int rc = 0;
    for (unsigned lineno = 1; rc == 0 && getline(&line, &cap, f) >= 0; lineno++) {
        char *t = trimmed(line, strlen(line));
        if (*t && *t != '#') {
            snprintf(origin, sizeof origin, "%s:%u", path, lineno);
            rc = principal_map_add(m, t, origin, err, errsz);
        }
        free(t);
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errsz, "%s: read error: %s", path, strerror(errno));
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

/* 1 with the target principal in *out when regex rule `r` matches, else 0. */
static int apply_regex(const rule_t *r, const char *principal, sbuf_t *out) {
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(r->re, NULL);
    if (!md) return 0;
    int rc = pcre2_match(r->re, (PCRE2_SPTR)principal, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL);
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
        char msg[256];
        pcre2_get_error_message(rc, (PCRE2_UCHAR *)msg, sizeof msg);
        log_warn("principal map: matching \"%s\" against \"%s\" failed: %s; rule skipped",
                 principal, r->from, msg);
    }
    const char *why;
    int ok = rc >= 0 &&
             expand(r->to, r->groups, principal, pcre2_get_ovector_pointer(md), out, &why) == 0;
    pcre2_match_data_free(md);
    return ok;
}

const char *principal_map_apply(const principal_map_t *m, const char *principal, char *out,
                                size_t outsz) {
    if (!m) return principal;
    sbuf_t b = {0};
    const char *result = principal;
    for (size_t i = 0; i < m->n; i++) {
        const rule_t *r = &m->rules[i];
        sbuf_reset(&b);
        if (r->re ? !apply_regex(r, principal, &b) : strcmp(r->from, principal) != 0) continue;
        if (!r->re) sbuf_puts(&b, r->to);
        if (b.len < outsz) {
            memcpy(out, sbuf_str(&b), b.len + 1);
            result = out;
        } else {
            log_warn("principal map: the principal for \"%s\" is too long; kept as is", principal);
        }
        break;
    }
    sbuf_free(&b);
    return result;
}

/* Include/exclude filtering of topic and consumer group names with MM2's
 * semantics: a comma-separated list of Java regexes becomes one PCRE2 pattern
 * of alternatives, matched anchored at both ends. Also the fixed list of
 * internal topics that kmig never copies. */
#include "mirror/name_filter.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/sbuf.h"

struct name_filter {
    pcre2_code *include; /* NULL: empty list, matches nothing */
    pcre2_code *exclude;
};

static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Steps *p over `list` to the next item, trimmed; empty items are skipped.
 * Returns false at the end of the list. */
static bool next_item(const char **p, const char **item, size_t *len) {
    while (**p) {
        const char *start = *p, *end = strchr(start, ',');
        if (!end) end = start + strlen(start);
        *p = *end ? end + 1 : end;
        while (start < end && is_space(*start)) start++;
        while (end > start && is_space(end[-1])) end--;
        if (end > start) {
            *item = start;
            *len = (size_t)(end - start);
            return true;
        }
    }
    return false;
}

#define COMPILE_FLAGS (PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF)

/* Compiles `list` into *out (NULL for an empty list). Items are trimmed and
 * empty items dropped; a name is never empty, so this matches MM2, whose empty
 * alternatives can only match the empty string. */
static int compile_list(const char *list, pcre2_code **out, char *err, size_t errsz) {
    sbuf_t joined = {0};
    const char *p = list ? list : "", *item;
    size_t len;
    while (next_item(&p, &item, &len)) {
        if (joined.len) sbuf_puts(&joined, "|");
        sbuf_append(&joined, item, len);
    }
    *out = NULL;
    if (joined.len == 0) return 0;

    int code;
    PCRE2_SIZE off;
    *out = pcre2_compile((PCRE2_SPTR)joined.s, joined.len, COMPILE_FLAGS, &code, &off, NULL);
    if (!*out) {
        /* Name the first item that is wrong on its own, else the whole pattern
         * (items can be wrong only together, e.g. a group name used twice). */
        const char *bad = joined.s;
        size_t bad_len = joined.len;
        for (p = list; next_item(&p, &item, &len);) {
            int c;
            PCRE2_SIZE o;
            pcre2_code *one = pcre2_compile((PCRE2_SPTR)item, len, COMPILE_FLAGS, &c, &o, NULL);
            if (!one) {
                bad = item;
                bad_len = len;
                code = c;
                off = o;
                break;
            }
            pcre2_code_free(one);
        }
        char msg[256];
        pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg);
        snprintf(err, errsz, "bad regular expression \"%.*s\" in list \"%s\": %s (at offset %zu)",
                 (int)bad_len, bad, list, msg, (size_t)off);
    }
    sbuf_free(&joined);
    return *out ? 0 : -1;
}

name_filter_t *name_filter_new(const char *include_list, const char *exclude_list, char *err,
                               size_t errsz) {
    name_filter_t *f = xcalloc(1, sizeof *f);
    if (compile_list(include_list, &f->include, err, errsz) < 0 ||
        compile_list(exclude_list, &f->exclude, err, errsz) < 0) {
        name_filter_destroy(f);
        return NULL;
    }
    return f;
}

void name_filter_destroy(name_filter_t *f) {
    if (!f) return;
    pcre2_code_free(f->include);
    pcre2_code_free(f->exclude);
    free(f);
}

/* 1 when `name` matches the whole of `re`, 0 when not, -1 on a matching error. */
static int matches(const pcre2_code *re, const char *name) {
    if (!re) return 0;
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    if (!md) return -1;
    int rc = pcre2_match(re, (PCRE2_SPTR)name, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    if (rc >= 0) return 1;
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    char msg[256];
    pcre2_get_error_message(rc, (PCRE2_UCHAR *)msg, sizeof msg);
    log_warn("name filter: matching \"%s\" failed: %s; treating it as not selected", name, msg);
    return -1;
}

bool name_filter_match(const name_filter_t *f, const char *name) {
    return matches(f->include, name) == 1 && matches(f->exclude, name) == 0;
}

static bool starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

bool name_filter_topic_is_internal(const char *topic, const char *separator) {
    static const char *const prefixes[] = {"__", ".", "mm2-configs.", "mm2-offsets.",
                                           "mm2-status.", "mm2-offset-syncs."};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (starts_with(topic, prefixes[i])) return true;
    if (ends_with(topic, ".internal") || ends_with(topic, "-internal")) return true;
    const char *sep = separator ? separator : ".";
    size_t n = strlen(topic), m = strlen(sep);
    return n >= m + 8 && ends_with(topic, "internal") && memcmp(topic + n - 8 - m, sep, m) == 0;
}

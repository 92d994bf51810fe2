/* Java .properties parsing with the rules of java.util.Properties.load():
 * logical lines joined by backslash-newline (leading whitespace of the next line
 * dropped), `#`/`!` comment lines, key/value split at the first unescaped `=`,
 * `:` or whitespace, and escapes (\t \n \r \f \uXXXX, backslash + any other
 * character stands for that character). \uXXXX is stored as UTF-8; other bytes
 * pass through unchanged (Java would read them as ISO-8859-1). Entries keep
 * their "path:line" origin; a later entry for a key replaces the earlier one. */
#include "config/props.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/fileio.h"
#include "core/sbuf.h"

struct props {
    props_entry_t **live; /* winning entries, in the order they were added */
    size_t n, cap;
    props_entry_t **dead; /* overridden entries: kept so returned pointers stay valid */
    size_t ndead, capdead;
};

props_t *props_new(void) { return xcalloc(1, sizeof(props_t)); }

static void entry_free(props_entry_t *e) {
    free(e->key);
    if (e->secret) OPENSSL_cleanse(e->value, strlen(e->value));
    free(e->value);
    free(e->origin);
    free(e);
}

void props_destroy(props_t *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) entry_free(p->live[i]);
    for (size_t i = 0; i < p->ndead; i++) entry_free(p->dead[i]);
    free(p->live);
    free(p->dead);
    free(p);
}

void props_set(props_t *p, const char *key, const char *value, const char *origin) {
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->live[i]->key, key) != 0) continue;
        if (p->ndead == p->capdead) {
            p->capdead = p->capdead ? p->capdead * 2 : 8;
            p->dead = xrealloc(p->dead, p->capdead * sizeof *p->dead);
        }
        p->dead[p->ndead++] = p->live[i];
        memmove(&p->live[i], &p->live[i + 1], (p->n - i - 1) * sizeof *p->live);
        p->n--;
        break;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->live = xrealloc(p->live, p->cap * sizeof *p->live);
    }
    props_entry_t *e = xcalloc(1, sizeof *e);
    e->key = xstrdup(key);
    e->value = xstrdup(value);
    e->origin = xstrdup(origin);
    p->live[p->n++] = e;
}

props_entry_t *props_get(props_t *p, const char *key) {
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->live[i]->key, key) == 0) {
            p->live[i]->used = true;
            return p->live[i];
        }
    }
    return NULL;
}

size_t props_count(const props_t *p) { return p->n; }

props_entry_t *props_at(props_t *p, size_t i) { return i < p->n ? p->live[i] : NULL; }

/* ---- parsing ---- */

/* One parsed entry, held until the whole text parsed without error. */
typedef struct pending {
    char *key, *value;
    int line;
} pending_t;

typedef struct parser {
    const char *s;
    size_t len, pos;
    int line;       /* physical line of s[pos] */
    sbuf_t logical; /* the current logical line, escapes still in place */
    int start_line; /* physical line where the logical line starts */
} parser_t;

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

/* Consumes the newline at s[pos - 1] (`\r`, `\n`, or the `\r` of "\r\n"). */
static void end_physical_line(parser_t *ps, char c) {
    if (c == '\r' && ps->pos < ps->len && ps->s[ps->pos] == '\n') ps->pos++;
    ps->line++;
}

/* Reads the next logical line into ps->logical. Returns false at end of input. */
static bool read_logical_line(parser_t *ps) {
    bool skip_blank = true;     /* at the start of a physical line */
    bool continuation = false;  /* that physical line continues the previous one */
    bool odd_backslash = false; /* the last appended characters end in an odd run of '\' */
    sbuf_reset(&ps->logical);
    for (;;) {
        if (ps->pos >= ps->len) {
            if (ps->logical.len == 0) return false;
            if (odd_backslash) ps->logical.s[--ps->logical.len] = '\0';
            return true;
        }
        char c = ps->s[ps->pos++];
        bool newline = c == '\r' || c == '\n';
        if (skip_blank) {
            if (is_blank(c)) continue;
            if (!continuation && newline) {
                end_physical_line(ps, c);
                continue;
            }
            skip_blank = false;
            continuation = false;
        }
        if (ps->logical.len == 0 && (c == '#' || c == '!')) {
            while (ps->pos < ps->len && ps->s[ps->pos] != '\r' && ps->s[ps->pos] != '\n') ps->pos++;
            skip_blank = true;
            continue;
        }
        if (!newline) {
            if (ps->logical.len == 0) ps->start_line = ps->line;
            sbuf_append(&ps->logical, &c, 1);
            odd_backslash = c == '\\' ? !odd_backslash : false;
            continue;
        }
        bool last = ps->pos >= ps->len; /* Java ends the line here even after a '\' */
        end_physical_line(ps, c);
        if (ps->logical.len == 0) {
            skip_blank = true;
            continue;
        }
        if (!odd_backslash) return true;
        ps->logical.s[--ps->logical.len] = '\0'; /* the backslash joins the lines */
        if (last) return true;
        odd_backslash = false;
        skip_blank = true;
        continuation = true;
    }
}

static void put_utf8(sbuf_t *out, uint32_t cp) {
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sbuf_append(out, b, n);
}

/* Parses the four hex digits after "\u" at s[i]; -1 when malformed. */
static long hex4(const char *s, size_t i, size_t end) {
    if (end - i < 4) return -1;
    long v = 0;
    for (size_t k = i; k < i + 4; k++) {
        char c = s[k];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Decodes escapes of s[start, end) into out. Returns NULL or the problem. */
static const char *unescape(const char *s, size_t start, size_t end, sbuf_t *out) {
    sbuf_reset(out);
    sbuf_append(out, "", 0);
    for (size_t i = start; i < end; i++) {
        char c = s[i];
        if (c != '\\') {
            sbuf_append(out, &c, 1);
            continue;
        }
        if (++i == end) break; /* a lone trailing backslash stands for nothing */
        c = s[i];
        if (c != 'u') {
            char r = c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c == 'f' ? '\f' : c;
            sbuf_append(out, &r, 1);
            continue;
        }
        long u = hex4(s, i + 1, end);
        if (u < 0) return "malformed \\uXXXX escape (needs four hex digits)";
        if (u == 0) return "\\u0000 (a NUL character) is not allowed";
        i += 4;
        uint32_t cp = (uint32_t)u;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            /* A UTF-16 surrogate pair written as two escapes. */
            long lo = i + 2 < end && s[i + 1] == '\\' && s[i + 2] == 'u' ? hex4(s, i + 3, end) : -1;
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (uint32_t)(lo - 0xDC00);
                i += 6;
            } else {
                cp = '?'; /* what Java's UTF-8 encoder writes for a lone surrogate */
            }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            cp = '?';
        }
        put_utf8(out, cp);
    }
    return NULL;
}

/* Splits the logical line into key and value and decodes both. */
static int parse_entry(parser_t *ps, const char *name, pending_t *out, char *err, size_t errsz) {
    const char *s = ps->logical.s;
    size_t len = ps->logical.len, key_end = 0, value_start = len;
    bool has_sep = false, escaped = false;
    for (; key_end < len; key_end++) {
        char c = s[key_end];
        if (!escaped && (c == '=' || c == ':')) {
            value_start = key_end + 1;
            has_sep = true;
            break;
        }
        if (!escaped && is_blank(c)) {
            value_start = key_end + 1;
            break;
        }
        escaped = c == '\\' ? !escaped : false;
    }
    for (; value_start < len; value_start++) {
        char c = s[value_start];
        if (is_blank(c)) continue;
        if (!has_sep && (c == '=' || c == ':')) {
            has_sep = true;
            continue;
        }
        break;
    }
    sbuf_t key = {0}, value = {0};
    const char *why = unescape(s, 0, key_end, &key);
    if (why) {
        snprintf(err, errsz, "%s:%d: %s in a key", name, ps->start_line, why);
    } else if ((why = unescape(s, value_start, len, &value))) {
        snprintf(err, errsz, "%s:%d: %s in the value of '%s'", name, ps->start_line, why, key.s);
    }
    if (why) {
        sbuf_free(&key);
        sbuf_free(&value);
        return -1;
    }
    out->key = key.s;
    out->value = value.s;
    out->line = ps->start_line;
    return 0;
}

static int parse(props_t *p, const char *name, const char *text, size_t len, char *err,
                 size_t errsz) {
    parser_t ps = {.s = text, .len = len, .line = 1};
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) ps.pos = 3; /* UTF-8 byte order mark */
    pending_t *items = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    while (read_logical_line(&ps)) {
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            items = xrealloc(items, cap * sizeof *items);
        }
        if (parse_entry(&ps, name, &items[n], err, errsz)) {
            rc = -1;
            break;
        }
        n++;
    }
    sbuf_t origin = {0};
    for (size_t i = 0; i < n; i++) {
        if (rc == 0) {
            sbuf_reset(&origin);
            sbuf_printf(&origin, "%s:%d", name, items[i].line);
            props_set(p, items[i].key, items[i].value, origin.s);
        }
        free(items[i].key);
        free(items[i].value);
    }
    sbuf_free(&origin);
    sbuf_free(&ps.logical);
    free(items);
    return rc;
}

int props_load_string(props_t *p, const char *name, const char *text, char *err, size_t errsz) {
    return parse(p, name, text, strlen(text), err, errsz);
}

#define PROPS_FILE_MAX (64 * 1024 * 1024) /* far beyond any mm2.properties */

int props_load_file(props_t *p, const char *path, char *err, size_t errsz) {
    sbuf_t buf = {0};
    int got = fileio_read(path, PROPS_FILE_MAX, &buf, err, errsz);
    if (got == 1) snprintf(err, errsz, "cannot read %s: %s", path, strerror(ENOENT));
    if (got) return -1;
    const char *nul = buf.len ? memchr(buf.s, '\0', buf.len) : NULL;
    if (nul) {
        int line = 1;
        for (const char *c = buf.s; c < nul; c++) line += *c == '\n';
        snprintf(err, errsz, "%s:%d: contains a NUL byte; is this a text file?", path, line);
        sbuf_free(&buf);
        return -1;
    }
    int rc = parse(p, path, buf.len ? buf.s : "", buf.len, err, errsz);
    sbuf_free(&buf);
    return rc;
}

/* Imported group offsets: a table keyed by group, topic and partition, and
 * the CSV reader that fills it. */
#include "offsets/group_import.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "core/strmap.h"

typedef struct entry {
    char *group, *topic;
    int32_t partition;
    int64_t offset;
} entry_t;

struct group_import {
    strmap_t *offsets; /* group_import_key -> entry_t* */
    entry_t **entries;
    size_t nentries;
    char **names;
    size_t n;
};

void group_import_key(sbuf_t *out, const char *group, const char *topic, int32_t partition) {
    sbuf_printf(out, "%zu:", strlen(group));
    sbuf_puts(out, group);
    sbuf_printf(out, "%zu:", strlen(topic));
    sbuf_puts(out, topic);
    sbuf_printf(out, "%d", (int)partition);
}

int64_t group_import_get(const group_import_t *imp, const char *group, const char *topic,
                         int32_t partition) {
    sbuf_t key = {0};
    group_import_key(&key, group, topic, partition);
    entry_t *e = strmap_get(imp->offsets, key.s);
    sbuf_free(&key);
    return e ? e->offset : -1;
}

int group_import_at(const group_import_t *imp, size_t i, const char **group, const char **topic,
                    int32_t *partition, int64_t *offset) {
    if (i >= imp->nentries) return 0;
    const entry_t *e = imp->entries[i];
    *group = e->group;
    *topic = e->topic;
    *partition = e->partition;
    *offset = e->offset;
    return 1;
}


group_import_t *group_import_new(void) {
    group_import_t *imp = xcalloc(1, sizeof *imp);
    imp->offsets = strmap_new();
    imp->names = xcalloc(1, sizeof *imp->names);
    return imp;
}

void group_import_destroy(group_import_t *imp) {
    if (!imp) return;
    for (size_t i = 0; i < imp->nentries; i++) {
        free(imp->entries[i]->group);
        free(imp->entries[i]->topic);
        free(imp->entries[i]);
    }
    free(imp->entries);
    strmap_destroy(imp->offsets);
    for (size_t i = 0; i < imp->n; i++) free(imp->names[i]);
    free(imp->names);
    free(imp);
}

void group_import_add(group_import_t *imp, const char *group, const char *topic,
                      int32_t partition, int64_t offset) {
    sbuf_t key = {0};
    group_import_key(&key, group, topic, partition);
    entry_t *e = strmap_get(imp->offsets, key.s);
    if (!e) {
        e = xcalloc(1, sizeof *e);
        e->group = xstrdup(group);
        e->topic = xstrdup(topic);
        e->partition = partition;
        strmap_put(imp->offsets, key.s, e);
        imp->entries = xrealloc(imp->entries, (imp->nentries + 1) * sizeof *imp->entries);
        imp->entries[imp->nentries++] = e;
    }
    sbuf_free(&key);
    e->offset = offset;
    bool known = false;
    for (size_t i = 0; i < imp->n && !known; i++) known = !strcmp(imp->names[i], group);
    if (!known) {
        imp->names = xrealloc(imp->names, (imp->n + 2) * sizeof *imp->names);
        imp->names[imp->n++] = xstrdup(group);
        imp->names[imp->n] = NULL;
    }
}

char **group_import_names(const group_import_t *imp) {
    char **out = xcalloc(imp->n + 1, sizeof *out);
    for (size_t i = 0; i < imp->n; i++) out[i] = xstrdup(imp->names[i]);
    return out;
}

/* A decimal field of digits only (no sign, no spaces) up to max. */
static bool parse_uint(const char *s, int64_t max, int64_t *out) {
    if (!*s) return false;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return false;
        int d = *s - '0';
        if (v > (max - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Splits line at every ',' (empty fields kept); returns the field count, up
 * to max (one more field than max counts as max + 1). */
static int split_fields(char *line, char **field, int max) {
    int n = 0;
    for (char *p = line;; p++) {
        if (n > max) return n;
        if (n < max) field[n] = p;
        n++;
        p = strchr(p, ',');
        if (!p) return n;
        *p = '\0';
    }
}

/* One CSV line: 0, or -1 with the reason in err. */
static int import_line(group_import_t *imp, char *line, const char *group, char *err,
                       size_t errsz) {
    char *field[4];
    int n = split_fields(line, field, 4);
    if (n != 4 && !(n == 3 && group)) {
        snprintf(err, errsz, "expected group,topic,partition,offset (or topic,partition,offset "
                             "with --group), found %d fields", n);
        return -1;
    }
    const char *grp = n == 4 ? field[0] : group;
    char **rest = n == 4 ? field + 1 : field;
    int64_t part, off;
    if (!*grp || !*rest[0]) {
        snprintf(err, errsz, "empty %s name", *grp ? "topic" : "group");
        return -1;
    }
    if (!parse_uint(rest[1], INT32_MAX, &part)) {
        snprintf(err, errsz, "partition '%.40s' is not a number in 0..2147483647", rest[1]);
        return -1;
    }
    if (!parse_uint(rest[2], INT64_MAX, &off)) {
        snprintf(err, errsz, "offset '%.40s' is not a number in 0..9223372036854775807", rest[2]);
        return -1;
    }
    group_import_add(imp, grp, rest[0], (int32_t)part, off);
    return 0;
}

int group_import_csv(group_import_t *imp, const char *path, const char *group, char *err,
                     size_t errsz) {
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errsz, "%s: cannot read", path);
        return -1;
    }
    char *line = NULL, reason[256];
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (memchr(line, '\0', (size_t)len)) {
            snprintf(err, errsz, "%s:%ld: a NUL byte in the line", path, lineno);
            rc = -1;
            break;
        }
        line[strcspn(line, "\r\n")] = '\0';
        if (!*line || *line == '#') continue;
        if (import_line(imp, line, group, reason, sizeof reason)) {
            snprintf(err, errsz, "%s:%ld: %s", path, lineno, reason);
            rc = -1;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errsz, "%s:%ld: read error", path, lineno + 1);
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

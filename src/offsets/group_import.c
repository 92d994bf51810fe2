/* Imported group offsets: a table keyed by group, topic and partition, and
 * the CSV reader that fills it. */
#include "offsets/group_import.h"

#include <stdbool.h>
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

void group_import_key(char *buf, size_t size, const char *group, const char *topic,
                      int32_t partition) {
    snprintf(buf, size, "%s\x1f%s\x1f%d", group, topic, partition);
}

int64_t group_import_get(const group_import_t *imp, const char *group, const char *topic,
                         int32_t partition) {
    char key[1024];
    group_import_key(key, sizeof key, group, topic, partition);
    entry_t *e = strmap_get(imp->offsets, key);
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
    char key[1024];
    group_import_key(key, sizeof key, group, topic, partition);
    entry_t *e = strmap_get(imp->offsets, key);
    if (!e) {
        e = xcalloc(1, sizeof *e);
        e->group = xstrdup(group);
        e->topic = xstrdup(topic);
        e->partition = partition;
        strmap_put(imp->offsets, key, e);
        imp->entries = xrealloc(imp->entries, (imp->nentries + 1) * sizeof *imp->entries);
        imp->entries[imp->nentries++] = e;
    }
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

int group_import_csv(group_import_t *imp, const char *path, const char *group, char *err,
                      size_t errsz) {
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errsz, "%s: cannot read", path);
        return -1;
    }
    char line[2048];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (!*line || *line == '#') continue;
        char *field[5] = {0}, *save = NULL;
        int n = 0;
        for (char *t = strtok_r(line, ",", &save); t && n < 5; t = strtok_r(NULL, ",", &save))
            field[n++] = t;
        const char *grp = n == 4 ? field[0] : group;
        char **rest = n == 4 ? field + 1 : field;
        char *end1, *end2;
        long part = (n == 3 || n == 4) ? strtol(rest[1], &end1, 10) : -1;
        long long off = (n == 3 || n == 4) ? strtoll(rest[2], &end2, 10) : -1;
        if ((n != 3 && n != 4) || !grp || *end1 || *end2 || part < 0 || off < 0) {
            snprintf(err, errsz,
                     "%s:%d: expected group,topic,partition,offset (or topic,partition,offset "
                     "with --group)",
                     path, lineno);
            rc = -1;
            break;
        }
        group_import_add(imp, grp, rest[0], (int32_t)part, off);
    }
    fclose(f);
    return rc;
}


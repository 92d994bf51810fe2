/* The services manifest of `kmig cutover`: libyaml reads the file into a
 * document tree, which is converted to a jansson value (so YAML and JSON go
 * through one schema check) and then into cutover_service_t records. The
 * schema check names the service and field at fault, because a manifest
 * listing a hundred services is written by hand. */
#include "cutover/cutover_manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <yaml.h>

#include "core/fileio.h"

static json_t *node_to_json(yaml_document_t *doc, yaml_node_t *n, int depth) {
    if (!n || depth > 64) return NULL;
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return json_stringn((const char *)n->data.scalar.value, n->data.scalar.length);
    case YAML_SEQUENCE_NODE: {
        json_t *a = json_array();
        for (yaml_node_item_t *it = n->data.sequence.items.start;
             it < n->data.sequence.items.top; it++) {
            json_t *v = node_to_json(doc, yaml_document_get_node(doc, *it), depth + 1);
            if (!v) { json_decref(a); return NULL; }
            json_array_append_new(a, v);
        }
        return a;
    }
    case YAML_MAPPING_NODE: {
        json_t *o = json_object();
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
             p++) {
            yaml_node_t *k = yaml_document_get_node(doc, p->key);
            json_t *v = node_to_json(doc, yaml_document_get_node(doc, p->value), depth + 1);
            if (!k || k->type != YAML_SCALAR_NODE || !v) {
                json_decref(v);
                json_decref(o);
                return NULL;
            }
            json_object_set_new(o, (const char *)k->data.scalar.value, v);
        }
        return o;
    }
    default: return NULL;
    }
}

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (!d) abort();
    memcpy(d, s, n);
    return d;
}

/* A non-empty string field, or NULL. */
static const char *str_of(json_t *v) {
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    return s && *s ? s : NULL;
}

static int fill_service(cutover_service_t *s, json_t *js, size_t idx, const char *origin,
                        char *err, size_t errsz) {
    const char *name = str_of(json_object_get(js, "name"));
    if (!json_is_object(js) || !name) {
        snprintf(err, errsz, "%s: services[%zu] has no name (each service is a map with name, "
                 "consumes, produces)", origin, idx);
        return -1;
    }
    s->name = dup_str(name);
    json_t *c = json_object_get(js, "consumes"), *p = json_object_get(js, "produces");
    if (c && !json_is_array(c)) {
        snprintf(err, errsz, "%s: service %s: consumes must be a list of {topic, group}", origin,
                 name);
        return -1;
    }
    if (p && !json_is_array(p)) {
        snprintf(err, errsz, "%s: service %s: produces must be a list of topic names", origin,
                 name);
        return -1;
    }
    const char *k;
    json_t *unused;
    json_object_foreach(js, k, unused) {
        if (strcmp(k, "name") && strcmp(k, "consumes") && strcmp(k, "produces")) {
            snprintf(err, errsz, "%s: service %s: unknown field '%s' (name, consumes, produces)",
                     origin, name, k);
            return -1;
        }
    }
    size_t nc = c ? json_array_size(c) : 0, np = p ? json_array_size(p) : 0;
    s->consumes = calloc(nc ? nc : 1, sizeof *s->consumes);
    s->produces = calloc(np ? np : 1, sizeof *s->produces);
    if (!s->consumes || !s->produces) abort();
    for (size_t i = 0; i < nc; i++) {
        json_t *e = json_array_get(c, i);
        const char *t = str_of(json_object_get(e, "topic")), *g = str_of(json_object_get(e, "group"));
        if (!t || !g) {
            snprintf(err, errsz, "%s: service %s: consumes[%zu] needs a topic and a group", origin,
                     name, i);
            return -1;
        }
        s->consumes[i].topic = dup_str(t);
        s->consumes[i].group = dup_str(g);
        s->n_consumes++;
    }
    for (size_t i = 0; i < np; i++) {
        const char *t = str_of(json_array_get(p, i));
        if (!t) {
            snprintf(err, errsz, "%s: service %s: produces[%zu] is not a topic name", origin,
                     name, i);
            return -1;
        }
        s->produces[i] = dup_str(t);
        s->n_produces++;
    }
    return 0;
}

static int check_unique(const cutover_manifest_t *m, const char *origin, char *err,
                        size_t errsz) {
    for (size_t i = 0; i < m->n; i++) {
        for (size_t j = 0; j < i; j++)
            if (!strcmp(m->svc[i].name, m->svc[j].name)) {
                snprintf(err, errsz, "%s: service %s is listed twice", origin, m->svc[i].name);
                return -1;
            }
        for (size_t c = 0; c < m->svc[i].n_consumes; c++) {
            long o = cutover_manifest_group_owner(m, m->svc[i].consumes[c].group);
            if (o >= 0 && (size_t)o != i) {
                snprintf(err, errsz,
                         "%s: group %s is used by services %s and %s (a group moves once: "
                         "list it under one service)",
                         origin, m->svc[i].consumes[c].group, m->svc[o].name, m->svc[i].name);
                return -1;
            }
        }
    }
    return 0;
}

cutover_manifest_t *cutover_manifest_parse(const char *text, size_t len, const char *origin,
                                           char *err, size_t errsz) {
    yaml_parser_t parser;
    yaml_document_t doc;
    json_t *root = NULL;
    cutover_manifest_t *m = NULL;
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errsz, "%s: cannot initialise the YAML parser", origin);
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errsz, "%s:%zu:%zu: %s", origin, parser.problem_mark.line + 1,
                 parser.problem_mark.column + 1, parser.problem ? parser.problem : "bad YAML");
        yaml_parser_delete(&parser);
        return NULL;
    }
    root = node_to_json(&doc, yaml_document_get_root_node(&doc), 0);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    json_t *svcs = json_object_get(root, "services");
    if (!json_is_array(svcs)) {
        snprintf(err, errsz, "%s: expected a top-level 'services:' list (docs/CUTOVER.md)",
                 origin);
        goto out;
    }
    m = calloc(1, sizeof *m);
    if (!m) abort();
    m->svc = calloc(json_array_size(svcs) + 1, sizeof *m->svc);
    if (!m->svc) abort();
    for (size_t i = 0; i < json_array_size(svcs); i++) {
        m->n++;
        if (fill_service(&m->svc[i], json_array_get(svcs, i), i, origin, err, errsz)) goto bad;
    }
    if (check_unique(m, origin, err, errsz)) goto bad;
    goto out;
bad:
    cutover_manifest_destroy(m);
    m = NULL;
out:
    json_decref(root);
    return m;
}

#define CUTOVER_MANIFEST_MAX (16 * 1024 * 1024)

cutover_manifest_t *cutover_manifest_load(const char *path, char *err, size_t errsz) {
    sbuf_t text = {0};
    int rc = fileio_read(path, CUTOVER_MANIFEST_MAX, &text, err, errsz);
    if (rc == 1) snprintf(err, errsz, "cannot read %s: %s", path, strerror(ENOENT));
    cutover_manifest_t *m =
        rc ? NULL : cutover_manifest_parse(text.s, text.len, path, err, errsz);
    sbuf_free(&text);
    return m;
}

void cutover_manifest_destroy(cutover_manifest_t *m) {
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) {
        cutover_service_t *s = &m->svc[i];
        free(s->name);
        for (size_t c = 0; c < s->n_consumes; c++) {
            free(s->consumes[c].topic);
            free(s->consumes[c].group);
        }
        for (size_t p = 0; p < s->n_produces; p++) free(s->produces[p]);
        free(s->consumes);
        free(s->produces);
    }
    free(m->svc);
    free(m);
}

long cutover_manifest_find(const cutover_manifest_t *m, const char *name) {
    for (size_t i = 0; i < m->n; i++)
        if (m->svc[i].name && !strcmp(m->svc[i].name, name)) return (long)i;
    return -1;
}

long cutover_manifest_group_owner(const cutover_manifest_t *m, const char *group) {
    for (size_t i = 0; i < m->n; i++)
        for (size_t c = 0; c < m->svc[i].n_consumes; c++)
            if (m->svc[i].consumes[c].group && !strcmp(m->svc[i].consumes[c].group, group))
                return (long)i;
    return -1;
}

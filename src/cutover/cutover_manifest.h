#ifndef KMIG_CUTOVER_CUTOVER_MANIFEST_H
#define KMIG_CUTOVER_CUTOVER_MANIFEST_H
/* The services manifest of a cutover (docs/CUTOVER.md): which services
 * consume which topics with which consumer group, and which topics they
 * produce. Read from YAML (libyaml) or JSON (a subset of YAML, so the same
 * parser reads both):
 *
 *   services:
 *     - name: billing
 *       consumes: [{topic: orders, group: billing}]
 *       produces: [invoices]
 *
 * Rules checked on load: every service has a unique name; every consumes
 * entry has a topic and a group; a group belongs to one service only (a
 * group moves once). Topic names are literal names, not patterns. Pure.
 *
 * Ownership: the manifest owns all its strings; cutover_manifest_destroy()
 * frees everything. */
#include <stddef.h>

typedef struct cutover_consume {
    char *topic, *group;
} cutover_consume_t;

typedef struct cutover_service {
    char *name;
    cutover_consume_t *consumes;
    size_t n_consumes;
    char **produces;
    size_t n_produces;
} cutover_service_t;

typedef struct cutover_manifest {
    cutover_service_t *svc;
    size_t n;
} cutover_manifest_t;

/* Parses `len` bytes of YAML or JSON; `origin` (e.g. the file name) prefixes
 * error messages, which name the service and field at fault. Returns NULL
 * with err on a syntax or schema error. */
cutover_manifest_t *cutover_manifest_parse(const char *text, size_t len, const char *origin,
                                           char *err, size_t errsz);
/* Reads and parses a file. */
cutover_manifest_t *cutover_manifest_load(const char *path, char *err, size_t errsz);
void cutover_manifest_destroy(cutover_manifest_t *m); /* accepts NULL */

/* The index of the service named `name`, or -1. */
long cutover_manifest_find(const cutover_manifest_t *m, const char *name);
/* The index of the service that consumes with `group`, or -1. */
long cutover_manifest_group_owner(const cutover_manifest_t *m, const char *group);

#endif

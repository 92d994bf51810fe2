#ifndef KMIG_PLAN_PRINCIPAL_MAP_H
#define KMIG_PLAN_PRINCIPAL_MAP_H
/* Maps ACL principals from the source's names to the target's, e.g. mTLS
 * certificate DNs to SCRAM or IAM user names. Rules, tried in order, first
 * match wins; a principal no rule matches is kept:
 *
 *   User:CN=alice,OU=apps,O=acme -> User:alice        literal, whole principal
 *   regex:User:CN=([^,]+),.* -> User:$1               PCRE2, must match the
 *                                                     whole principal; $1.. in
 *                                                     the replacement
 *
 * The separator is " -> " (spaces required, since DNs contain '=' and ',').
 * Pure (PCRE2, no Kafka).
 *
 * Ownership: the caller owns the map; principal_map_apply() writes into the
 * caller's buffer. */
#include <stddef.h>

typedef struct principal_map principal_map_t;

principal_map_t *principal_map_new(void);
void principal_map_destroy(principal_map_t *m); /* accepts NULL */

/* Adds one rule "FROM -> TO". Returns 0, or -1 with a message in err (which
 * `origin`, e.g. "map.txt:3" or "--map-principal", starts). */
int principal_map_add(principal_map_t *m, const char *rule, const char *origin, char *err,
                      size_t errsz);
/* Adds every rule of a file: one per line, blank lines and '#' comments
 * skipped. Errors name file:line. */
int principal_map_load(principal_map_t *m, const char *path, char *err, size_t errsz);

size_t principal_map_count(const principal_map_t *m);

/* The target principal for `principal`: written to out and returned, or
 * `principal` itself when no rule matches (out untouched). */
const char *principal_map_apply(const principal_map_t *m, const char *principal, char *out,
                                size_t outsz);

#endif

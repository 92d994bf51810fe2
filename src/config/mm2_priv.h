#ifndef KMIG_CONFIG_MM2_PRIV_H
#define KMIG_CONFIG_MM2_PRIV_H
/* Private to src/config/mm2*.c: the mm2_t structure and the helpers that
 * mm2.c (clusters, flows, key warnings) and mm2_client.c (per-cluster client
 * settings) share. Names with a double underscore are not part of the module's
 * interface (config/mm2.h). */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config/mm2.h"
#include "core/sbuf.h"

struct mm2 {
    props_t *props;
    char **aliases, **bootstrap;
    size_t n_aliases;
    mm2_flow_t **flows; /* the named flows first, then those resolved on demand */
    size_t n_flows, n_named;
    char *warning;
};

/* Java's comma list: trims the whole value and each element. */
typedef struct strlist {
    char **items;
    size_t n;
} mm2__strlist_t;

/* ---- mm2.c ---- */
bool mm2__has_prefix(const char *s, const char *prefix);
char *mm2__trim_dup(const char *s); /* malloc'd copy without Java-trim()med ends */
mm2__strlist_t mm2__split_list(const char *value);
void mm2__strlist_free(mm2__strlist_t *l);
char *mm2__join_hosts(const char *value); /* "h1:9092,h2:9092", NULL when empty */
ssize_t mm2__alias_index(const mm2_t *m, const char *alias);
const char *mm2__key_cluster(const mm2_t *m, const char *key); /* alias of `<alias>.<key>` */
void mm2__alias_list(const mm2_t *m, sbuf_t *b);                /* "a, b" */
/* "origin: key: 'value' why" (the value left out when the key is secret). */
void mm2__bad_value(const props_entry_t *e, const char *why, char *err, size_t errsz);

/* ---- mm2_client.c ---- */
/* True for "consumer.x", "producer.x", "admin.x". */
bool mm2__role_scoped(const char *k);
/* key == entry, or key starts with entry when entry ends in '.' (a prefix). */
bool mm2__key_matches(const char *key, const char *entry);
/* A Java client key that means nothing to librdkafka (reported as ignored). */
bool mm2__client_key_dropped(const char *java);
/* The client keys kmig knows (Java and librdkafka names), for "did you mean";
 * inherited_only: those `<alias>.` and the top level pass on (bootstrap.servers,
 * security.protocol, ssl.*, sasl.*). *out is malloc'd, its strings are static. */
size_t mm2__client_known_keys(bool inherited_only, const char ***out);

#endif

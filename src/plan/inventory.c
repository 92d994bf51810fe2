/* The plain-data picture of one cluster that kafka/kinventory fills and the
 * pure planners read: construction (every _add copies its arguments), lookup
 * and a stable sort order. */
#include "plan/inventory.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"

static char *dup_or_null(const char *s) {
    return s ? xstrdup(s) : NULL;
}

/* `arr` (of n elements of `size` bytes) reallocated with one more, zeroed. */
static void *grow(void *arr, size_t n, size_t size) {
    arr = xrealloc(arr, (n + 1) * size);
    memset((char *)arr + n * size, 0, size);
    return arr;
}

#define APPEND(arr, n) ((arr) = grow((arr), (n), sizeof *(arr)), &(arr)[(n)++])

inventory_t *inventory_new(const char *alias, const char *bootstrap) {
    inventory_t *inv = xcalloc(1, sizeof *inv);
    inv->alias = dup_or_null(alias);
    inv->bootstrap = dup_or_null(bootstrap);
    inv->controller_id = -1;
    return inv;
}

static void acl_clear(inv_acl_t *a) {
    free(a->resource_type);
    free(a->resource_name);
    free(a->pattern);
    free(a->principal);
    free(a->host);
    free(a->operation);
    free(a->permission);
}

void inventory_destroy(inventory_t *inv) {
    if (!inv) return;
    for (size_t i = 0; i < inv->nbrokers; i++) {
        free(inv->brokers[i].host);
        free(inv->brokers[i].rack);
        free(inv->brokers[i].version);
    }
    for (size_t i = 0; i < inv->ntopics; i++) {
        free(inv->topics[i].name);
        kv_list_clear(&inv->topics[i].configs);
    }
    for (size_t i = 0; i < inv->nacls; i++) acl_clear(&inv->acls[i]);
    for (size_t i = 0; i < inv->ngroups; i++) {
        free(inv->groups[i].name);
        free(inv->groups[i].state);
        free(inv->groups[i].topics);
    }
    for (size_t i = 0; i < inv->nscram; i++) {
        free(inv->scram[i].user);
        free(inv->scram[i].mechanism);
    }
    kv_list_clear(&inv->broker_configs);
    free(inv->brokers);
    free(inv->topics);
    free(inv->acls);
    free(inv->groups);
    free(inv->scram);
    free(inv->alias);
    free(inv->bootstrap);
    free(inv->cluster_id);
    free(inv->acls_error);
    free(inv->groups_error);
    free(inv->configs_error);
    free(inv->scram_note);
    free(inv);
}

inv_broker_t *inventory_add_broker(inventory_t *inv, int32_t id, const char *host, int port) {
    inv_broker_t *b = APPEND(inv->brokers, inv->nbrokers);
    b->id = id;
    b->host = dup_or_null(host);
    b->port = port;
    b->api_fetch_max = b->api_produce_max = -1;
    return b;
}

inv_topic_t *inventory_add_topic(inventory_t *inv, const char *name, int32_t partitions,
                                 int replication_factor) {
    inv_topic_t *t = APPEND(inv->topics, inv->ntopics);
    t->name = xstrdup(name);
    t->partitions = partitions;
    t->replication_factor = replication_factor;
    t->bytes_on_disk = -1;
    return t;
}

inv_acl_t *inventory_add_acl(inventory_t *inv, const char *resource_type,
                             const char *resource_name, const char *pattern,
                             const char *principal, const char *host, const char *operation,
                             const char *permission) {
    inv_acl_t *a = APPEND(inv->acls, inv->nacls);
    *a = (inv_acl_t){dup_or_null(resource_type), dup_or_null(resource_name),
                     dup_or_null(pattern),       dup_or_null(principal),
                     dup_or_null(host),          dup_or_null(operation),
                     dup_or_null(permission)};
    return a;
}

inv_group_t *inventory_add_group(inventory_t *inv, const char *name) {
    inv_group_t *g = APPEND(inv->groups, inv->ngroups);
    g->name = xstrdup(name);
    g->lag = -1;
    return g;
}

const inv_topic_t *inventory_topic(const inventory_t *inv, const char *name) {
    for (size_t i = 0; i < inv->ntopics; i++)
        if (strcmp(inv->topics[i].name, name) == 0) return &inv->topics[i];
    return NULL;
}

/* strcmp that orders NULL first. */
static int cmp_str(const char *a, const char *b) {
    if (!a || !b) return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

int inventory_acl_compare(const inv_acl_t *a, const inv_acl_t *b) {
    int c;
    if ((c = cmp_str(a->resource_type, b->resource_type)) ||
        (c = cmp_str(a->resource_name, b->resource_name)) ||
        (c = cmp_str(a->pattern, b->pattern)) || (c = cmp_str(a->principal, b->principal)) ||
        (c = cmp_str(a->host, b->host)) || (c = cmp_str(a->operation, b->operation)))
        return c;
    return cmp_str(a->permission, b->permission);
}

long inventory_acl_find(const inventory_t *inv, const inv_acl_t *acl) {
    for (size_t i = 0; i < inv->nacls; i++)
        if (inventory_acl_compare(&inv->acls[i], acl) == 0) return (long)i;
    return -1;
}

const char *inventory_broker_config(const inventory_t *inv, const char *key) {
    return kv_list_get(&inv->broker_configs, key);
}

/* A broker config as a whole number; false when absent, empty or not numeric. */
static bool broker_i64(const inventory_t *inv, const char *key, int64_t *out) {
    const char *v = inventory_broker_config(inv, key);
    if (!v || !*v) return false;
    char *end;
    long long x = strtoll(v, &end, 10);
    if (*end) return false;
    *out = (int64_t)x;
    return true;
}

int64_t inventory_broker_retention_ms(const inventory_t *inv) {
    if (!inv->broker_configs.n) return 0;
    int64_t v;
    if (broker_i64(inv, "log.retention.ms", &v)) return v;
    if (broker_i64(inv, "log.retention.minutes", &v)) return v * 60000;
    if (!broker_i64(inv, "log.retention.hours", &v)) v = 168;
    return v * 3600000;
}

static int cmp_topic(const void *a, const void *b) {
    return strcmp(((const inv_topic_t *)a)->name, ((const inv_topic_t *)b)->name);
}

static int cmp_acl(const void *a, const void *b) {
    return inventory_acl_compare(a, b);
}

static int cmp_group(const void *a, const void *b) {
    return strcmp(((const inv_group_t *)a)->name, ((const inv_group_t *)b)->name);
}

void inventory_sort(inventory_t *inv) {
    if (inv->ntopics) qsort(inv->topics, inv->ntopics, sizeof *inv->topics, cmp_topic);
    if (inv->nacls) qsort(inv->acls, inv->nacls, sizeof *inv->acls, cmp_acl);
    if (inv->ngroups) qsort(inv->groups, inv->ngroups, sizeof *inv->groups, cmp_group);
}

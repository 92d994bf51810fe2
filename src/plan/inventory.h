#ifndef KMIG_PLAN_INVENTORY_H
#define KMIG_PLAN_INVENTORY_H
/* What kmig knows about one cluster, as plain data: brokers, cluster-wide
 * broker defaults, topics with their configs, ACL bindings, consumer groups
 * with lag, and sampled traffic. Filled by kafka/kinventory (I/O) and read by
 * the pure planners and reports (plan, assess), which therefore never touch
 * librdkafka and unit-test on hand-built inventories.
 *
 * Ownership: an inventory owns every string and array in it; the _add
 * functions copy their arguments and return the new element for further
 * filling (zeroed, except: controller_id, bytes_on_disk, lag and api_*_max
 * start at -1, unknown). inventory_destroy() frees everything. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/mm2.h" /* kv_list_t */

typedef struct inv_broker {
    int32_t id;
    char *host;
    int port;
    char *rack;    /* broker.rack, or NULL */
    char *version; /* estimate from ApiVersions, e.g. "3.9", ">= 4.0", or NULL */
    int api_fetch_max, api_produce_max; /* max versions spoken, -1 unknown */
} inv_broker_t;

/* Resource and operation names are Kafka's, as kafka-acls.sh prints them:
 * resource "Topic", "Group", "Cluster", "TransactionalId", "DelegationToken";
 * pattern "LITERAL", "PREFIXED"; operation "Read", "Write", "Create",
 * "Delete", "Alter", "Describe", "ClusterAction", "DescribeConfigs",
 * "AlterConfigs", "IdempotentWrite", "All"; permission "Allow", "Deny". */
typedef struct inv_acl {
    char *resource_type;
    char *resource_name; /* "kafka-cluster" for Cluster; "*" is the wildcard */
    char *pattern;
    char *principal; /* "User:alice" */
    char *host;      /* "*" for any */
    char *operation;
    char *permission;
} inv_acl_t;

typedef struct inv_topic {
    char *name;
    int32_t partitions;
    int replication_factor;
    kv_list_t configs;  /* non-default (dynamic topic) configs */
    int64_t retention_ms;     /* effective; -1 unlimited; 0 unknown */
    int64_t retention_bytes;  /* effective per partition; -1 unlimited */
    bool compacted;           /* cleanup.policy contains compact */
    int64_t records;          /* sum over partitions of end - start offsets */
    int64_t bytes_on_disk;    /* -1 unknown (no DescribeLogDirs) */
    double records_per_s;     /* sampled; 0 when not sampled */
    double avg_record_bytes;  /* sampled; 0 unknown */
    bool transactional;       /* transaction markers seen in the sample */
} inv_topic_t;

typedef struct inv_group {
    char *name;
    char *state;   /* "Stable", "Empty", ... or NULL when not described */
    int members;
    int64_t lag;   /* sum over committed partitions of end - committed; -1 unknown */
    size_t partitions; /* partitions with a committed offset */
    char *topics;  /* comma-separated topics with committed offsets */
} inv_group_t;

typedef struct inv_scram {
    char *user;
    char *mechanism; /* "SCRAM-SHA-256", "SCRAM-SHA-512" */
    int iterations;
} inv_scram_t;

typedef struct inventory {
    char *alias;     /* cluster alias from the config */
    char *bootstrap;
    char *cluster_id; /* or NULL */
    int32_t controller_id;
    inv_broker_t *brokers;
    size_t nbrokers;
    kv_list_t broker_configs; /* cluster defaults from one broker: every entry */
    inv_topic_t *topics;
    size_t ntopics;
    inv_acl_t *acls;
    size_t nacls;
    char *acls_error;   /* why ACLs could not be listed (no authorizer...), or NULL */
    inv_group_t *groups;
    size_t ngroups;
    char *groups_error;
    double sample_s;    /* traffic sample length; 0 when not sampled */
    char *configs_error; /* why broker/topic configs could not be read, or NULL */
    inv_scram_t *scram;  /* SCRAM credentials (user, mechanism), when listed */
    size_t nscram;
    char *scram_note;   /* SCRAM users: why not listed, or NULL */
} inventory_t;

inventory_t *inventory_new(const char *alias, const char *bootstrap);
void inventory_destroy(inventory_t *inv); /* accepts NULL */

inv_broker_t *inventory_add_broker(inventory_t *inv, int32_t id, const char *host, int port);
inv_topic_t *inventory_add_topic(inventory_t *inv, const char *name, int32_t partitions,
                                 int replication_factor);
inv_acl_t *inventory_add_acl(inventory_t *inv, const char *resource_type,
                             const char *resource_name, const char *pattern,
                             const char *principal, const char *host, const char *operation,
                             const char *permission);
inv_group_t *inventory_add_group(inventory_t *inv, const char *name);

const inv_topic_t *inventory_topic(const inventory_t *inv, const char *name); /* or NULL */
/* Orders bindings by resource type, name, pattern, principal, host,
 * operation, permission (strcmp; NULL first); 0 when all seven are equal. */
int inventory_acl_compare(const inv_acl_t *a, const inv_acl_t *b);
/* Index of an equal ACL binding (all seven fields), or -1. */
long inventory_acl_find(const inventory_t *inv, const inv_acl_t *acl);
/* A broker default by name (broker_configs), or NULL. */
const char *inventory_broker_config(const inventory_t *inv, const char *key);

/* The brokers' default retention: log.retention.ms, else .minutes, else
 * .hours (default 168), Kafka's precedence; 0 when broker configs were not read. */
int64_t inventory_broker_retention_ms(const inventory_t *inv);

/* Sorts topics, ACLs and groups by name so output is stable. */
void inventory_sort(inventory_t *inv);

#endif

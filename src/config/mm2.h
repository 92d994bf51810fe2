#ifndef KMIG_CONFIG_MM2_H
#define KMIG_CONFIG_MM2_H
/* MirrorMaker 2 configuration semantics on top of props_t: clusters, flows
 * ("A->B"), key scoping (a `A->B.` prefix beats the top-level key, which beats
 * MM2's default), and per-cluster client settings translated from Java client
 * keys to librdkafka keys. Pure: no Kafka I/O; the kafka/ layer applies the
 * resulting key/value lists to librdkafka.
 *
 * Ownership: mm2_t borrows the props_t given to mm2_new() (which must outlive
 * it) and owns every struct it returns. */
#include <stdbool.h>
#include <stddef.h>

#include "config/props.h"

/* An ordered list of librdkafka settings; `origin` says where each came from
 * ("mm2.properties:12") and `secret` marks values never to print. */
typedef struct kv {
    char *key;
    char *value;
    char *origin;
    bool secret;
} kv_t;

typedef struct kv_list {
    kv_t *items;
    size_t n, cap;
} kv_list_t;

void kv_list_add(kv_list_t *l, const char *key, const char *value, const char *origin,
                 bool secret);
const char *kv_list_get(const kv_list_t *l, const char *key); /* last wins */
void kv_list_clear(kv_list_t *l); /* wipes secret values */
void kv_list_copy(kv_list_t *to, const kv_list_t *from); /* appends copies of from's entries */

typedef enum { POLICY_DEFAULT = 0, POLICY_IDENTITY = 1 } replication_policy_t;

/* One replication flow with every MM2 key resolved (flow scope > top level >
 * MM2 default). Values documented in docs/CONFIG.md. */
typedef struct mm2_flow {
    char *source, *target;  /* cluster aliases */
    bool enabled;           /* "<src>-><tgt>.enabled", default false */
    char *topics;           /* Java regex list, default ".*" */
    char *topics_exclude;   /* default ".*[\-\.]internal, .*\.replica, __.*" */
    replication_policy_t policy;
    char *separator;        /* replication.policy.separator, default "." */
    int replication_factor; /* replication.factor, default 2 (-1: broker default) */
    int offset_map_replication_factor; /* offset-syncs.topic.replication.factor, default 3 */
    bool refresh_topics;               /* refresh.topics.enabled, default true */
    int refresh_topics_interval_s;     /* refresh.topics.interval.seconds; kmig default 10 */
    bool sync_topic_configs;           /* sync.topic.configs.enabled, default true */
    int sync_topic_configs_interval_s; /* sync.topic.configs.interval.seconds, default 600 */
    char *config_properties_exclude;   /* config.properties.exclude, MM2's list minus min.insync.replicas */
    bool sync_topic_acls;              /* sync.topic.acls.enabled, default true (plan.h rules) */
    int sync_topic_acls_interval_s;    /* sync.topic.acls.interval.seconds, default 600 */
    /* Consumer groups (MM2's MirrorCheckpointConnector keys). */
    char *groups;                      /* Java regex list, default ".*" */
    char *groups_exclude;              /* default "console-consumer-.*, connect-.*, __.*" */
    bool refresh_groups;               /* refresh.groups.enabled, default true */
    int refresh_groups_interval_s;     /* refresh.groups.interval.seconds; kmig default 10 */
    bool emit_checkpoints;             /* emit.checkpoints.enabled, default true */
    int emit_checkpoints_interval_s;   /* emit.checkpoints.interval.seconds; kmig default 5 */
    bool sync_group_offsets;           /* sync.group.offsets.enabled, default false */
    int sync_group_offsets_interval_s; /* sync.group.offsets.interval.seconds; kmig default 5 */
    int checkpoints_replication_factor; /* checkpoints.topic.replication.factor, default 3 */
    /* Heartbeats (MM2's MirrorHeartbeatConnector keys; mirror/heartbeat.h). */
    bool emit_heartbeats;              /* emit.heartbeats.enabled, default true */
    int emit_heartbeats_interval_s;    /* emit.heartbeats.interval.seconds, default 1 */
    int heartbeats_replication_factor; /* heartbeats.topic.replication.factor, default 3 */
    /* kmig's own keys (docs/CONFIG.md), also settable per flow: */
    char *compression;             /* kmig.compression.type (default: <tgt>.producer's, else lz4) */
    int offset_map_flush_ms;       /* kmig.offset.map.flush.interval.ms, default 1000 */
    /* Exactly-once copy (docs/EXACTLY_ONCE.md): exactly.once.support (enabled/required,
     * or requested with exactly.once.source.support=enabled) turns it on. */
    bool exactly_once;
    char *txn_id_prefix;           /* kmig.transactional.id.prefix; "" = kmig.<src>-><tgt> */
    int txn_max_kbytes;            /* kmig.transaction.max.kbytes, default 65536 */
    /* kmig.isolation.level; default: <src>.consumer.isolation.level, else read_committed */
    bool read_committed;
    bool continue_on_data_loss;    /* kmig.on.data.loss=continue (default fail) */
    int admin_timeout_ms;          /* kmig.admin.timeout.ms, else admin.timeout.ms, else 10000 */
    char *principal_map;           /* kmig.principal.map: ACL principal rule file, "" for none */
    /* Workers (docs/WORKERS.md): the flow's partitions split into `tasks` tasks
     * (mirror/mtask.h) that the flow's processes share through a consumer group
     * on the target. */
    int tasks;                     /* tasks.max, default 8, 1..1024 */
    int partitions_per_client;     /* kmig.partitions.per.client, default 2000 (mirror_shard.c) */
    char *workers_group;           /* kmig.workers.group.id; "" = kmig.<source>-><target> */
} mm2_flow_t;

typedef enum { MM2_CLIENT_CONSUMER, MM2_CLIENT_PRODUCER, MM2_CLIENT_ADMIN } mm2_client_t;

typedef struct mm2 mm2_t;

/* Resolves config provider references in the props (cfgprov.h: `${file:...}`,
 * `${env:...}`, `${directory:...}`; their entries become secret), then validates
 * `clusters` and every `<alias>.bootstrap.servers`. Returns NULL with an
 * actionable message ("mm2.properties:3: clusters: ...") in err. */
mm2_t *mm2_new(props_t *props, char *err, size_t errsz);
void mm2_destroy(mm2_t *m); /* accepts NULL */

size_t mm2_cluster_count(const mm2_t *m);
const char *mm2_cluster_alias(const mm2_t *m, size_t i);
const char *mm2_bootstrap(const mm2_t *m, const char *alias); /* NULL if unknown alias */

/* The flows "<src>-><tgt>" named in the file, enabled or not. */
size_t mm2_flow_count(const mm2_t *m);
const mm2_flow_t *mm2_flow_at(const mm2_t *m, size_t i);
/* The flow for src->tgt (it need not be named in the file: defaults apply).
 * Returns NULL with a message when an alias is unknown or a value is invalid. */
const mm2_flow_t *mm2_flow(mm2_t *m, const char *src, const char *tgt, char *err,
                           size_t errsz);

/* librdkafka settings for one client of cluster `alias`: bootstrap.servers,
 * cluster-wide client keys (`<alias>.security.protocol`, `<alias>.ssl.*`,
 * `<alias>.sasl.*` with sasl.jaas.config parsed into sasl.username and
 * sasl.password, each also inherited from the top level as in MM2), then
 * `<alias>.<consumer|producer|admin>.*`. Java client keys with a librdkafka
 * equivalent are translated; Java-only keys that have no meaning for librdkafka
 * are dropped with a note in the warnings. Appends to `out` and returns 0, or
 * returns -1 with "origin: key: reason" in err (e.g. a JKS truststore) and
 * leaves `out` as it was. Error messages never contain secret values. */
int mm2_client_settings(mm2_t *m, const char *alias, mm2_client_t role, kv_list_t *out,
                        char *err, size_t errsz);

/* Refuses settings this librdkafka cannot honour, given its `builtin.features`
 * (comma-separated): SASL with GSSAPI (Kerberos, the default mechanism) when it
 * lacks sasl_gssapi; sasl.oauthbearer.method=oidc when it lacks oidc (libcurl).
 * Returns 0, or -1 with "origin: reason" in err. */
int mm2_client_check_features(const kv_list_t *settings, const char *features, char *err,
                              size_t errsz);

/* One warning line listing, with origins, the deprecated MM2 keys in use and
 * every key that no consumer marked used (grouped as not supported yet,
 * ignored, unknown), or NULL when there is none. Call after every consumer of
 * keys has run. Returned string owned by m; valid until the next call. */
const char *mm2_unused_keys_warning(mm2_t *m);

/* True when a key's value must never be printed (its name contains password,
 * secret, jaas, token or credentials, or it holds a PEM private key). */
bool mm2_key_is_secret(const char *key);

#endif

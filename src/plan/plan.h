#ifndef KMIG_PLAN_PLAN_H
#define KMIG_PLAN_PLAN_H
/* The migration plan: the difference between a source cluster (filtered and
 * renamed as in the mirror config) and a target cluster, as a list of changes
 * that make the target match: topics to create, partitions to add, topic
 * configs to set, ACL bindings to create. Nothing is ever deleted from the
 * target. Pure: computed from two inventories, so `kmig plan`, `kmig apply`
 * and the mirror's continuous sync share one set of rules.
 *
 * Rules (docs/PLAN.md):
 *  - Topics: selected by the flow's filters, internal topics never; target
 *    names from the replication policy. A missing topic is created with the
 *    source's partitions, the flow's replication factor (-1: the target's
 *    default) and the source's non-default configs minus `config_exclude`.
 *    `min.insync.replicas` is copied (MM2 drops it) but never above the new
 *    topic's replication factor. A target topic with fewer partitions gets
 *    partitions added; more is fine.
 *  - Configs of existing target topics: a key the source sets (non-default,
 *    not excluded) that the target lacks or has with another value is a
 *    change. Target-only settings are kept. The item's `configs` is the full
 *    set to write (AlterConfigs replaces the whole set on librdkafka < 2.2).
 *  - ACLs: every binding of the source for Topic, Group, TransactionalId and
 *    Cluster resources, LITERAL and PREFIXED, Allow and Deny, every operation
 *    including Write (unlike MM2). Literal Topic bindings only for selected
 *    topics; prefixed and wildcard ones always. Under the default (prefixing)
 *    policy topic resource names are renamed like topics and Write/All on
 *    renamed topics is left out (only the replicator writes there), as in
 *    MM2. Principals are mapped through `principals`. A binding the target
 *    already has (after mapping) is no change.
 *
 * Details the rules above leave open, as implemented:
 *  - `topics` NULL selects every topic (still never internal ones); topics
 *    whose name says they came from the target (naming_is_cycle) are skipped.
 *  - New topics always get the source's configs (as MM2 creates them);
 *    do_configs only governs changes to existing topics. Config changes are
 *    not planned when either side's configs could not be read (a full-set
 *    write built from a partial picture would drop target settings).
 *  - min.insync.replicas is capped at the new topic's replication factor,
 *    or the target's default.replication.factor when the factor is -1, or at
 *    an existing topic's replication factor.
 *  - Only Allow Write/All bindings on renamed topics are left out; Deny
 *    bindings are always kept (leaving one out would widen access).
 *  - ACLs on other resource types (DelegationToken) and other pattern types
 *    are left out with a warning. Identical bindings produced twice (two
 *    source principals mapped to one) appear once.
 *
 * Ownership: plan_build() returns a plan the caller frees with plan_destroy();
 * the plan owns all its strings. plan_opts_t fields are borrowed. */
#include <stdbool.h>
#include <stddef.h>

#include "config/mm2.h"
#include "mirror/name_filter.h"
#include "plan/inventory.h"
#include "plan/principal_map.h"

typedef enum {
    PLAN_CREATE_TOPIC,
    PLAN_ADD_PARTITIONS,
    PLAN_SET_CONFIGS,
    PLAN_CREATE_ACL,
} plan_kind_t;

typedef struct plan_config_change {
    char *key;
    char *from; /* value on the target now, NULL when not set there */
    char *to;
    bool secret; /* the value must not be printed */
} plan_config_change_t;

/* Topic items on a topic that exists on the target (add partitions, set
 * configs) each also describe the whole topic as it will be after the plan,
 * so that exports (plan_render.h) can write a complete resource from any one
 * of them: `partitions` is the count after the plan, `replication_factor` the
 * topic's current one and `configs` its full config set after the plan. */
typedef struct plan_item {
    plan_kind_t kind;
    char *source_topic, *target_topic; /* topic items */
    int32_t partitions;      /* create: count; add: new total; set-configs: count after the plan */
    int32_t from_partitions; /* add, set-configs: current count on the target */
    int replication_factor;  /* create: -1 is the target's default; add, set: current */
    kv_list_t configs;       /* create: to set; set-configs: the full set to write; add: the
                              * topic's full set after the plan (not written by the add) */
    plan_config_change_t *changes; /* set-configs: the keys that differ */
    size_t nchanges;
    inv_acl_t acl;           /* create-acl: the binding for the target */
    char *source_principal;  /* create-acl: the source's principal when mapped, else NULL */
    char *note;              /* a remark for the reviewer, or NULL */
    char *error;             /* filled by apply: NULL = done, else the reason */
} plan_item_t;

typedef struct plan {
    plan_item_t *items;
    size_t n;
    char **warnings; /* things a reviewer must know that are not changes */
    size_t nwarnings;
} plan_t;

typedef struct plan_opts {
    const char *source_alias;
    const char *separator;
    replication_policy_t policy;
    const name_filter_t *topics;         /* topics / topics.exclude */
    const name_filter_t *config_exclude; /* config.properties.exclude (kmig's default list) */
    int replication_factor;              /* for new topics; -1: target default */
    bool do_topics, do_configs, do_acls;
    const principal_map_t *principals; /* NULL: principals unchanged */
} plan_opts_t;

/* A source topic's non-default configs as the target should have them:
 * minus `exclude` (may be NULL), min.insync.replicas capped at `rf` when
 * rf > 0. Appends to out; returns the source's min.insync.replicas when it
 * was capped, else NULL. The mirror's topic creation uses it too. */
const char *plan_topic_configs(const kv_list_t *src, const name_filter_t *exclude, int rf,
                               kv_list_t *out);

plan_t *plan_build(const inventory_t *source, const inventory_t *target, const plan_opts_t *o);
void plan_destroy(plan_t *p); /* accepts NULL */

/* Counts by kind, for summaries ("Plan: 3 to add, 1 to change"). */
size_t plan_count(const plan_t *p, plan_kind_t kind);

const char *plan_kind_name(plan_kind_t k); /* "create topic", ... */

#endif

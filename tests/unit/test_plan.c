/* Unit tests of the migration planner: topics created, grown and
 * reconfigured (min.insync.replicas cap, config exclusion), naming under the
 * identity and default policies, ACL renaming and the rules that leave
 * bindings out, principal mapping, and idempotence (planning again against a
 * target that has everything yields nothing). */
#include <string.h>

#include "core/sbuf.h"
#include "mirror/naming.h"
#include "plan/plan.h"
#include "unit.h"

static inventory_t *cluster(const char *alias, int nbrokers) {
    inventory_t *inv = inventory_new(alias, "localhost:9092");
    for (int i = 1; i <= nbrokers; i++) inventory_add_broker(inv, i, "localhost", 9090 + i);
    return inv;
}

static void cfg(inv_topic_t *t, const char *key, const char *value) {
    kv_list_add(&t->configs, key, value, NULL, false);
}

static void acl(inventory_t *inv, const char *type, const char *name, const char *pattern,
                const char *principal, const char *op, const char *perm) {
    inventory_add_acl(inv, type, name, pattern, principal, "*", op, perm);
}

typedef struct fixture {
    name_filter_t *topics, *exclude;
    principal_map_t *principals;
    plan_opts_t o;
} fixture_t;

static void fixture_init(fixture_t *f, replication_policy_t policy) {
    char err[256];
    f->topics = name_filter_new(".*", "skip.*", err, sizeof err);
    f->exclude = name_filter_new("follower\\.replication\\.throttled\\.replicas, "
                                 "leader\\.replication\\.throttled\\.replicas",
                                 NULL, err, sizeof err);
    f->principals = principal_map_new();
    f->o = (plan_opts_t){.source_alias = "A",
                         .separator = ".",
                         .policy = policy,
                         .topics = f->topics,
                         .config_exclude = f->exclude,
                         .replication_factor = 2,
                         .do_topics = true,
                         .do_configs = true,
                         .do_acls = true,
                         .principals = f->principals};
}

static void fixture_clear(fixture_t *f) {
    name_filter_destroy(f->topics);
    name_filter_destroy(f->exclude);
    principal_map_destroy(f->principals);
}

static bool has_warning(const plan_t *p, const char *needle) {
    for (size_t i = 0; i < p->nwarnings; i++)
        if (strstr(p->warnings[i], needle)) return true;
    return false;
}

/* Makes `tgt` look as it would after applying `p`. */
static void apply(const plan_t *p, inventory_t *tgt) {
    for (size_t i = 0; i < p->n; i++) {
        const plan_item_t *it = &p->items[i];
        inv_topic_t *t = NULL;
        for (size_t j = 0; j < tgt->ntopics; j++)
            if (strcmp(tgt->topics[j].name, it->target_topic ? it->target_topic : "") == 0)
                t = &tgt->topics[j];
        switch (it->kind) {
        case PLAN_CREATE_TOPIC: {
            int rf = it->replication_factor > 0 ? it->replication_factor : 3;
            t = inventory_add_topic(tgt, it->target_topic, it->partitions, rf);
            for (size_t k = 0; k < it->configs.n; k++)
                cfg(t, it->configs.items[k].key, it->configs.items[k].value);
            break;
        }
        case PLAN_ADD_PARTITIONS: t->partitions = it->partitions; break;
        case PLAN_SET_CONFIGS:
            kv_list_clear(&t->configs);
            for (size_t k = 0; k < it->configs.n; k++)
                cfg(t, it->configs.items[k].key, it->configs.items[k].value);
            break;
        case PLAN_CREATE_ACL:
            inventory_add_acl(tgt, it->acl.resource_type, it->acl.resource_name, it->acl.pattern,
                              it->acl.principal, it->acl.host, it->acl.operation,
                              it->acl.permission);
            break;
        }
    }
}

static const plan_item_t *find_acl(const plan_t *p, const char *name, const char *op,
                                   const char *principal) {
    for (size_t i = 0; i < p->n; i++) {
        const plan_item_t *it = &p->items[i];
        if (it->kind == PLAN_CREATE_ACL && strcmp(it->acl.resource_name, name) == 0 &&
            strcmp(it->acl.operation, op) == 0 && strcmp(it->acl.principal, principal) == 0)
            return it;
    }
    return NULL;
}

static void test_topics(void) {
    fixture_t f;
    fixture_init(&f, POLICY_IDENTITY);
    inventory_t *src = cluster("A", 3), *tgt = cluster("B", 3);
    inv_topic_t *t = inventory_add_topic(src, "orders", 6, 3);
    cfg(t, "cleanup.policy", "compact");
    cfg(t, "min.insync.replicas", "3");
    cfg(t, "follower.replication.throttled.replicas", "*");
    inventory_add_topic(src, "payments", 6, 3);
    t = inventory_add_topic(src, "audit", 3, 3);
    cfg(t, "retention.ms", "604800000");
    cfg(t, "max.message.bytes", "2097152");
    inventory_add_topic(src, "bigger", 2, 3);
    inventory_add_topic(src, "__consumer_offsets", 50, 3);
    inventory_add_topic(src, "connect-offsets-internal", 5, 3);
    inventory_add_topic(src, "skipped", 1, 3);
    inventory_add_topic(src, "B.loop", 1, 3); /* came from the target: a cycle only by name */

    inventory_add_topic(tgt, "payments", 3, 3);
    t = inventory_add_topic(tgt, "audit", 3, 3);
    cfg(t, "retention.ms", "86400000");
    cfg(t, "segment.bytes", "1048576"); /* target-only: kept */
    inventory_add_topic(tgt, "bigger", 4, 3);

    plan_t *p = plan_build(src, tgt, &f.o);
    /* identity policy: no cycle detection, so B.loop is created too */
    CHECK_EQ_INT(p->n, 4);
    CHECK_EQ_INT(plan_count(p, PLAN_CREATE_TOPIC), 2);
    const plan_item_t *it = &p->items[0];
    CHECK_EQ_INT(it->kind, PLAN_CREATE_TOPIC);
    CHECK_EQ_STR(it->target_topic, "B.loop");
    it = &p->items[1];
    CHECK_EQ_STR(it->target_topic, "orders");
    CHECK_EQ_STR(it->source_topic, "orders");
    CHECK_EQ_INT(it->partitions, 6);
    CHECK_EQ_INT(it->replication_factor, 2);
    CHECK_EQ_INT(it->configs.n, 2); /* the throttle list is excluded */
    CHECK_EQ_STR(kv_list_get(&it->configs, "cleanup.policy"), "compact");
    CHECK_EQ_STR(kv_list_get(&it->configs, "min.insync.replicas"), "2");
    CHECK(it->note && strstr(it->note, "min.insync.replicas capped from 3 to 2"));
    CHECK(has_warning(p, "topic orders: min.insync.replicas capped"));

    it = &p->items[2];
    CHECK_EQ_INT(it->kind, PLAN_ADD_PARTITIONS);
    CHECK_EQ_STR(it->target_topic, "payments");
    CHECK_EQ_INT(it->from_partitions, 3);
    CHECK_EQ_INT(it->partitions, 6);
    CHECK_EQ_INT(it->replication_factor, 3);

    it = &p->items[3];
    CHECK_EQ_INT(it->kind, PLAN_SET_CONFIGS);
    CHECK_EQ_STR(it->target_topic, "audit");
    CHECK_EQ_INT(it->nchanges, 2);
    CHECK_EQ_STR(it->changes[0].key, "max.message.bytes");
    CHECK(it->changes[0].from == NULL);
    CHECK_EQ_STR(it->changes[0].to, "2097152");
    CHECK_EQ_STR(it->changes[1].key, "retention.ms");
    CHECK_EQ_STR(it->changes[1].from, "86400000");
    CHECK_EQ_STR(it->changes[1].to, "604800000");
    CHECK_EQ_INT(it->configs.n, 3);
    CHECK_EQ_STR(kv_list_get(&it->configs, "segment.bytes"), "1048576");
    CHECK_EQ_STR(kv_list_get(&it->configs, "retention.ms"), "604800000");
    CHECK_EQ_INT(it->partitions, 3);

    CHECK(has_warning(p, "topic bigger has more partitions on the target (4)"));
    CHECK(!has_warning(p, "replication factor 2"));

    /* everything applied: nothing left to do */
    apply(p, tgt);
    plan_t *again = plan_build(src, tgt, &f.o);
    CHECK_EQ_INT(again->n, 0);
    plan_destroy(again);
    plan_destroy(p);

    /* without do_configs no config changes; without do_topics no creates or adds */
    inventory_t *tgt2 = cluster("B", 3);
    t = inventory_add_topic(tgt2, "audit", 1, 3);
    f.o.do_configs = false;
    p = plan_build(src, tgt2, &f.o);
    CHECK_EQ_INT(plan_count(p, PLAN_SET_CONFIGS), 0);
    CHECK_EQ_INT(plan_count(p, PLAN_ADD_PARTITIONS), 1);
    /* the add item carries the topic's whole config set, unchanged */
    CHECK_EQ_INT(p->items[p->n - 1].configs.n, 0);
    plan_destroy(p);
    f.o.do_configs = true;
    f.o.do_topics = false;
    p = plan_build(src, tgt2, &f.o);
    CHECK_EQ_INT(p->n, 1);
    CHECK_EQ_INT(p->items[0].kind, PLAN_SET_CONFIGS);
    CHECK_EQ_INT(p->items[0].partitions, 1); /* not grown */
    plan_destroy(p);
    f.o.do_topics = true;

    /* unreadable target configs: no config changes, and a warning */
    tgt2->configs_error = xstrdup("not authorized");
    p = plan_build(src, tgt2, &f.o);
    CHECK_EQ_INT(plan_count(p, PLAN_SET_CONFIGS), 0);
    CHECK(has_warning(p, "topic configs of the target could not be read (not authorized)"));
    plan_destroy(p);

    inventory_destroy(src);
    inventory_destroy(tgt);
    inventory_destroy(tgt2);
    fixture_clear(&f);
}

static void test_min_isr_existing_and_rf(void) {
    fixture_t f;
    fixture_init(&f, POLICY_DEFAULT);
    inventory_t *src = cluster("A", 3), *tgt = cluster("B", 2);
    cfg(inventory_add_topic(src, "t1", 1, 3), "min.insync.replicas", "3");
    cfg(inventory_add_topic(src, "t2", 1, 3), "min.insync.replicas", "3");
    char longname[NAMING_TOPIC_MAX];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0'; /* 248 characters, 250 with "A." */
    inventory_add_topic(src, longname, 1, 3);
    /* A.t1 exists with RF 2 and min.insync.replicas 1: set to 2, capped */
    cfg(inventory_add_topic(tgt, "A.t1", 1, 2), "min.insync.replicas", "1");
    f.o.replication_factor = 3;
    plan_t *p = plan_build(src, tgt, &f.o);
    CHECK_EQ_INT(p->n, 2);
    const plan_item_t *it = &p->items[0];
    CHECK_EQ_INT(it->kind, PLAN_CREATE_TOPIC);
    CHECK_EQ_STR(it->target_topic, "A.t2");
    CHECK_EQ_STR(kv_list_get(&it->configs, "min.insync.replicas"), "3");
    CHECK(it->note == NULL);
    it = &p->items[1];
    CHECK_EQ_INT(it->kind, PLAN_SET_CONFIGS);
    CHECK_EQ_STR(it->target_topic, "A.t1");
    CHECK_EQ_STR(it->changes[0].to, "2");
    CHECK(it->note && strstr(it->note, "capped from 3 to 2"));
    CHECK(has_warning(p, "longer than 249 characters"));
    CHECK(has_warning(p, "replication factor 3 for new topics is above the 2 broker(s)"));
    plan_destroy(p);

    /* already capped on the target: no change, no note */
    kv_list_clear(&tgt->topics[0].configs);
    cfg(&tgt->topics[0], "min.insync.replicas", "2");
    /* RF -1: the target's default caps new topics */
    kv_list_add(&tgt->broker_configs, "default.replication.factor", "2", NULL, false);
    f.o.replication_factor = -1;
    p = plan_build(src, tgt, &f.o);
    CHECK_EQ_INT(p->n, 1);
    CHECK_EQ_INT(p->items[0].replication_factor, -1);
    CHECK_EQ_STR(kv_list_get(&p->items[0].configs, "min.insync.replicas"), "2");
    CHECK(!has_warning(p, "broker(s)"));
    plan_destroy(p);

    /* min.insync.replicas excluded by config.properties.exclude */
    char err[256];
    name_filter_destroy(f.exclude);
    f.exclude = name_filter_new("min\\.insync\\.replicas", NULL, err, sizeof err);
    f.o.config_exclude = f.exclude;
    p = plan_build(src, tgt, &f.o);
    CHECK_EQ_INT(p->n, 1);
    CHECK_EQ_INT(p->items[0].configs.n, 0);
    plan_destroy(p);

    inventory_destroy(src);
    inventory_destroy(tgt);
    fixture_clear(&f);
}

static void add_acls(inventory_t *src) {
    acl(src, "Topic", "orders", "LITERAL", "User:alice", "Read", "Allow");
    acl(src, "Topic", "orders", "LITERAL", "User:alice", "Write", "Allow");
    acl(src, "Topic", "orders", "LITERAL", "User:alice", "All", "Allow");
    acl(src, "Topic", "orders", "LITERAL", "User:mallory", "Write", "Deny");
    acl(src, "Topic", "ord", "PREFIXED", "User:bob", "Read", "Allow");
    acl(src, "Topic", "ord", "PREFIXED", "User:bob", "Write", "Allow");
    acl(src, "Topic", "*", "LITERAL", "User:ops", "Write", "Allow");
    acl(src, "Topic", "skipped", "LITERAL", "User:alice", "Read", "Allow");
    acl(src, "Topic", "__consumer_offsets", "LITERAL", "User:alice", "Read", "Allow");
    acl(src, "Group", "billing", "LITERAL", "User:alice", "Read", "Allow");
    acl(src, "Group", "bill", "PREFIXED", "User:alice", "Read", "Allow");
    acl(src, "TransactionalId", "tx-", "PREFIXED", "User:alice", "Write", "Allow");
    acl(src, "Cluster", "kafka-cluster", "LITERAL", "User:alice", "IdempotentWrite", "Allow");
    acl(src, "DelegationToken", "tok", "LITERAL", "User:alice", "Describe", "Allow");
    acl(src, "DelegationToken", "tok2", "LITERAL", "User:alice", "Describe", "Allow");
}

static void test_acls_default_policy(void) {
    fixture_t f;
    fixture_init(&f, POLICY_DEFAULT);
    inventory_t *src = cluster("A", 3), *tgt = cluster("B", 3);
    inventory_add_topic(src, "orders", 1, 3);
    add_acls(src);
    f.o.do_topics = f.o.do_configs = false;
    plan_t *p = plan_build(src, tgt, &f.o);
    CHECK_EQ_INT(p->n, 8);
    CHECK_EQ_INT(plan_count(p, PLAN_CREATE_ACL), 8);
    CHECK(find_acl(p, "A.orders", "Read", "User:alice") != NULL);
    CHECK(find_acl(p, "A.orders", "Write", "User:alice") == NULL);
    CHECK(find_acl(p, "A.orders", "All", "User:alice") == NULL);
    CHECK(find_acl(p, "A.orders", "Write", "User:mallory") != NULL); /* Deny is kept */
    const plan_item_t *it = find_acl(p, "A.ord", "Read", "User:bob");
    CHECK(it && strcmp(it->acl.pattern, "PREFIXED") == 0);
    CHECK(it && it->source_principal == NULL);
    CHECK(find_acl(p, "A.ord", "Write", "User:bob") == NULL);
    CHECK(find_acl(p, "*", "Write", "User:ops") != NULL); /* the wildcard is not renamed */
    CHECK(find_acl(p, "billing", "Read", "User:alice") != NULL);
    CHECK(find_acl(p, "bill", "Read", "User:alice") != NULL);
    CHECK(find_acl(p, "tx-", "Write", "User:alice") != NULL);
    CHECK(find_acl(p, "kafka-cluster", "IdempotentWrite", "User:alice") != NULL);
    CHECK(has_warning(p, "3 ACL binding(s) left out: Allow Write/All on renamed topics"));
    CHECK(has_warning(p, "2 ACL binding(s) left out: on topics the flow does not select"));
    CHECK(has_warning(p, "2 ACL binding(s) left out: on DelegationToken resources"));
    /* sorted: Cluster, Group, Topic, TransactionalId */
    CHECK_EQ_STR(p->items[0].acl.resource_type, "Cluster");
    CHECK_EQ_STR(p->items[p->n - 1].acl.resource_type, "TransactionalId");
    apply(p, tgt);
    plan_destroy(p);
    p = plan_build(src, tgt, &f.o);
    CHECK_EQ_INT(p->n, 0);
    plan_destroy(p);

    /* ACLs not listed */
    src->acls_error = xstrdup("no authorizer");
    p = plan_build(src, tgt, &f.o);
    CHECK_EQ_INT(p->n, 0);
    CHECK(has_warning(p, "ACLs of the source could not be listed (no authorizer)"));
    plan_destroy(p);

    inventory_destroy(src);
    inventory_destroy(tgt);
    fixture_clear(&f);
}

static void test_acls_identity_policy(void) {
    fixture_t f;
    fixture_init(&f, POLICY_IDENTITY);
    inventory_t *src = cluster("A", 3), *tgt = cluster("B", 3);
    add_acls(src);
    /* the target already has one of them */
    acl(tgt, "Topic", "orders", "LITERAL", "User:alice", "Read", "Allow");
    plan_t *p = plan_build(src, tgt, &f.o);
    CHECK_EQ_INT(plan_count(p, PLAN_CREATE_ACL), 10);
    CHECK(find_acl(p, "orders", "Read", "User:alice") == NULL);
    CHECK(find_acl(p, "orders", "Write", "User:alice") != NULL);
    CHECK(find_acl(p, "orders", "All", "User:alice") != NULL);
    CHECK(find_acl(p, "ord", "Write", "User:bob") != NULL);
    CHECK(!has_warning(p, "renamed"));
    plan_destroy(p);
    inventory_destroy(src);
    inventory_destroy(tgt);
    fixture_clear(&f);
}

static void test_principal_mapping(void) {
    fixture_t f;
    fixture_init(&f, POLICY_IDENTITY);
    char err[256];
    CHECK_EQ_INT(principal_map_add(f.principals, "User:CN=legacy-alice -> User:alice", "t", err,
                                   sizeof err),
                 0);
    CHECK_EQ_INT(principal_map_add(f.principals, "regex:User:CN=([^,]+),OU=apps,.* -> User:$1",
                                   "t", err, sizeof err),
                 0);
    inventory_t *src = cluster("A", 3), *tgt = cluster("B", 3);
    acl(src, "Topic", "orders", "LITERAL", "User:CN=alice,OU=apps,O=acme", "Read", "Allow");
    acl(src, "Topic", "orders", "LITERAL", "User:CN=legacy-alice", "Read", "Allow");
    acl(src, "Group", "billing", "LITERAL", "User:CN=bob,OU=apps,O=acme", "Read", "Allow");
    acl(src, "Group", "billing", "LITERAL", "User:carol", "Read", "Allow");
    acl(tgt, "Group", "billing", "LITERAL", "User:bob", "Read", "Allow");
    plan_t *p = plan_build(src, tgt, &f.o);
    CHECK_EQ_INT(p->n, 2); /* alice's two bindings are one; bob's exists */
    const plan_item_t *it = find_acl(p, "orders", "Read", "User:alice");
    CHECK(it != NULL);
    CHECK(it && it->source_principal && strstr(it->source_principal, "User:CN="));
    it = find_acl(p, "billing", "Read", "User:carol");
    CHECK(it && it->source_principal == NULL);
    plan_destroy(p);
    inventory_destroy(src);
    inventory_destroy(tgt);
    fixture_clear(&f);
}

static void test_default_policy_naming(void) {
    fixture_t f;
    fixture_init(&f, POLICY_DEFAULT);
    inventory_t *src = cluster("A", 3), *tgt = cluster("B", 3);
    inventory_add_topic(src, "orders", 3, 3);
    inventory_add_topic(src, "heartbeats", 1, 3);
    inventory_add_topic(src, "B.orders", 3, 3); /* came from the target: a cycle */
    inventory_add_topic(src, "C.orders", 3, 3);
    inventory_add_topic(tgt, "orders", 3, 3); /* the target's own, not the mirror */
    plan_t *p = plan_build(src, tgt, &f.o);
    CHECK_EQ_INT(p->n, 3);
    CHECK_EQ_STR(p->items[0].target_topic, "A.C.orders");
    CHECK_EQ_STR(p->items[0].source_topic, "C.orders");
    CHECK_EQ_STR(p->items[1].target_topic, "A.heartbeats");
    CHECK_EQ_STR(p->items[2].target_topic, "A.orders");
    plan_destroy(p);
    /* no filter: every topic but internal ones */
    f.o.topics = NULL;
    inventory_add_topic(src, "skip-me", 1, 3);
    inventory_add_topic(src, "_confluent-metrics", 1, 3);
    inventory_add_topic(src, "__consumer_offsets", 1, 3);
    p = plan_build(src, tgt, &f.o);
    CHECK_EQ_INT(p->n, 5);
    plan_destroy(p);
    inventory_destroy(src);
    inventory_destroy(tgt);
    fixture_clear(&f);
}

static void test_inventory(void) {
    inventory_t *inv = cluster("A", 1);
    CHECK_EQ_INT(inv->controller_id, -1);
    CHECK_EQ_INT(inv->brokers[0].api_fetch_max, -1);
    CHECK_EQ_INT(inventory_add_topic(inv, "b", 1, 3)->bytes_on_disk, -1);
    inventory_add_topic(inv, "a", 2, 3);
    CHECK_EQ_INT(inventory_add_group(inv, "g2")->lag, -1);
    inventory_add_group(inv, "g1");
    acl(inv, "Topic", "b", "LITERAL", "User:x", "Read", "Allow");
    acl(inv, "Group", "g", "LITERAL", "User:x", "Read", "Allow");
    kv_list_add(&inv->broker_configs, "num.partitions", "3", NULL, false);
    inventory_sort(inv);
    CHECK_EQ_STR(inv->topics[0].name, "a");
    CHECK_EQ_STR(inv->groups[0].name, "g1");
    CHECK_EQ_STR(inv->acls[0].resource_type, "Group");
    CHECK_EQ_INT(inventory_topic(inv, "b")->partitions, 1);
    CHECK(inventory_topic(inv, "c") == NULL);
    inv_acl_t want = {"Topic", "b", "LITERAL", "User:x", "*", "Read", "Allow"};
    CHECK_EQ_INT(inventory_acl_find(inv, &want), 1);
    want.permission = "Deny";
    CHECK_EQ_INT(inventory_acl_find(inv, &want), -1);
    CHECK_EQ_STR(inventory_broker_config(inv, "num.partitions"), "3");
    CHECK(inventory_broker_config(inv, "nope") == NULL);
    inventory_destroy(inv);
}

static void test_kind_names(void) {
    CHECK_EQ_STR(plan_kind_name(PLAN_CREATE_TOPIC), "create topic");
    CHECK_EQ_STR(plan_kind_name(PLAN_ADD_PARTITIONS), "add partitions");
    CHECK_EQ_STR(plan_kind_name(PLAN_SET_CONFIGS), "set configs");
    CHECK_EQ_STR(plan_kind_name(PLAN_CREATE_ACL), "create acl");
    plan_destroy(NULL);
    inventory_destroy(NULL);
}

UNIT_MAIN(UNIT_TEST(test_topics), UNIT_TEST(test_min_isr_existing_and_rf),
          UNIT_TEST(test_acls_default_policy), UNIT_TEST(test_acls_identity_policy),
          UNIT_TEST(test_principal_mapping), UNIT_TEST(test_default_policy_naming),
          UNIT_TEST(test_inventory), UNIT_TEST(test_kind_names))

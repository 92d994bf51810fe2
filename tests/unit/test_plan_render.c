/* Unit tests of the plan renderings: the text view and its summary line, JSON
 * that parses back with the right counts, and the Terraform and Strimzi
 * exports (resources present, names unique, strings escaped, secrets left
 * out). */
#include <jansson.h>
#include <string.h>

#include "plan/plan_render.h"
#include "unit.h"

#define ODD_VALUE "say \"hi\" ${x} %{y} \\"

static void cfg(inv_topic_t *t, const char *key, const char *value, bool secret) {
    kv_list_add(&t->configs, key, value, NULL, secret);
}

static void acl(inventory_t *inv, const char *type, const char *name, const char *pattern,
                const char *principal, const char *op, const char *perm) {
    inventory_add_acl(inv, type, name, pattern, principal, "*", op, perm);
}

/* A plan with two topics to create, one to grow, one to reconfigure and a
 * few ACL bindings; `rf` for new topics. */
static plan_t *sample_plan(int rf) {
    inventory_t *src = inventory_new("A", "a:9092"), *tgt = inventory_new("B", "b:9092");
    inv_topic_t *t = inventory_add_topic(src, "orders", 6, 3);
    cfg(t, "cleanup.policy", "compact", false);
    cfg(t, "note.password", "hunter2", true);
    cfg(t, "odd", ODD_VALUE, false);
    inventory_add_topic(src, "payments", 6, 3);
    t = inventory_add_topic(src, "audit", 3, 3);
    cfg(t, "retention.ms", "604800000", false);
    cfg(t, "max.message.bytes", "2097152", false);
    inventory_add_topic(src, "Ship_Log", 1, 3);
    inventory_add_topic(src, "ship-log", 1, 3);
    inventory_add_topic(tgt, "payments", 3, 3);
    cfg(inventory_add_topic(tgt, "audit", 3, 2), "retention.ms", "86400000", false);
    acl(src, "Topic", "orders", "LITERAL", "User:CN=alice,OU=apps", "Write", "Allow");
    acl(src, "Topic", "orders", "LITERAL", "User:CN=alice,OU=apps", "Read", "Allow");
    acl(src, "TransactionalId", "tx-", "PREFIXED", "User:CN=alice,OU=apps", "Write", "Allow");
    acl(src, "Cluster", "kafka-cluster", "LITERAL", "User:CN=alice,OU=apps", "IdempotentWrite",
        "Deny");
    acl(src, "Group", "billing", "LITERAL", "User:we\"ird", "Read", "Allow");
    acl(src, "Group", "billing", "LITERAL", "Group:ops", "Read", "Allow");

    char err[256];
    name_filter_t *topics = name_filter_new(".*", NULL, err, sizeof err);
    principal_map_t *pm = principal_map_new();
    principal_map_add(pm, "regex:User:CN=([^,]+),.* -> User:$1", "test", err, sizeof err);
    plan_opts_t o = {.source_alias = "A",
                     .separator = ".",
                     .policy = POLICY_IDENTITY,
                     .topics = topics,
                     .replication_factor = rf,
                     .do_topics = true,
                     .do_configs = true,
                     .do_acls = true,
                     .principals = pm};
    plan_t *p = plan_build(src, tgt, &o);
    name_filter_destroy(topics);
    principal_map_destroy(pm);
    inventory_destroy(src);
    inventory_destroy(tgt);
    return p;
}

static void test_text(void) {
    plan_t *p = sample_plan(3);
    sbuf_t out = {0};
    plan_render_text(p, &out);
    const char *s = sbuf_str(&out);
    CHECK(strstr(s, "  + topic orders (from orders): 6 partitions, replication factor 3\n"
                    "      + cleanup.policy = \"compact\"\n"
                    "      + note.password = (sensitive)\n"
                    "      + odd = \"say \\\"hi\\\" ${x} %{y} \\\\\"\n") != NULL);
    CHECK(strstr(s, "  ~ topic payments: partitions 3 -> 6\n") != NULL);
    CHECK(strstr(s, "  ~ topic audit: configs\n"
                    "      + max.message.bytes = \"2097152\"\n"
                    "      ~ retention.ms = \"86400000\" -> \"604800000\"\n") != NULL);
    CHECK(strstr(s, "  + acl Allow User:alice Write on Topic LITERAL orders from host *   "
                    "(mapped from User:CN=alice,OU=apps)\n") != NULL);
    CHECK(strstr(s, "Plan: 9 to create, 2 to change, 0 to destroy.\n") != NULL);
    CHECK(strstr(s, "hunter2") == NULL);
    /* creates come first, ACLs last */
    CHECK(strstr(s, "+ topic") < strstr(s, "~ topic payments"));
    CHECK(strstr(s, "~ topic audit") < strstr(s, "+ acl"));

    /* apply's outcome and notes */
    p->items[0].error = xstrdup("TOPIC_ALREADY_EXISTS");
    p->nwarnings = 0; /* the sample has none; add one */
    p->warnings = xrealloc(p->warnings, sizeof *p->warnings);
    p->warnings[p->nwarnings++] = xstrdup("something to know");
    sbuf_reset(&out);
    plan_render_text(p, &out);
    s = sbuf_str(&out);
    CHECK(strstr(s, "      ! failed: TOPIC_ALREADY_EXISTS\n") != NULL);
    CHECK(strstr(s, "0 to destroy.\n\nWarning: something to know\n") != NULL);
    plan_destroy(p);

    plan_t empty = {0};
    sbuf_reset(&out);
    plan_render_text(&empty, &out);
    CHECK_EQ_STR(sbuf_str(&out), "No changes. The target matches the source.\n");
    sbuf_free(&out);

    p = sample_plan(-1);
    plan_render_text(p, &out);
    CHECK(strstr(sbuf_str(&out), "6 partitions, the target's default replication factor\n") !=
          NULL);
    sbuf_free(&out);
    plan_destroy(p);
}

static json_t *find_action(json_t *changes, const char *action, const char *key,
                           const char *value) {
    size_t i;
    json_t *c;
    json_array_foreach(changes, i, c) {
        if (strcmp(json_string_value(json_object_get(c, "action")), action) == 0 &&
            json_is_string(json_object_get(c, key)) &&
            strcmp(json_string_value(json_object_get(c, key)), value) == 0)
            return c;
    }
    return NULL;
}

static void test_json(void) {
    plan_t *p = sample_plan(3);
    p->items[0].error = xstrdup("boom");
    json_t *j = plan_render_json(p);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    json_error_t jerr;
    j = json_loads(text, 0, &jerr);
    free(text);
    CHECK(j != NULL);
    json_t *changes = json_object_get(j, "changes");
    CHECK_EQ_INT(json_array_size(changes), p->n);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(j, "summary"), "create")), 9);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(j, "summary"), "change")), 2);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(j, "summary"), "destroy")), 0);
    CHECK(json_is_array(json_object_get(j, "warnings")));

    json_t *c = find_action(changes, "create_topic", "topic", "orders");
    CHECK(c != NULL);
    CHECK_EQ_INT(json_integer_value(json_object_get(c, "partitions")), 6);
    CHECK_EQ_INT(json_integer_value(json_object_get(c, "replication_factor")), 3);
    json_t *configs = json_object_get(c, "configs");
    CHECK_EQ_STR(json_string_value(json_object_get(configs, "odd")), ODD_VALUE);
    CHECK(json_is_null(json_object_get(configs, "note.password")));
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(changes, 0), "error")), "boom");
    CHECK(json_object_get(c, "error") == NULL || c == json_array_get(changes, 0));

    c = find_action(changes, "add_partitions", "topic", "payments");
    CHECK(c && json_integer_value(json_object_get(c, "from")) == 3);
    CHECK(c && json_integer_value(json_object_get(c, "to")) == 6);
    c = find_action(changes, "set_configs", "topic", "audit");
    CHECK(c && json_array_size(json_object_get(c, "changes")) == 2);
    json_t *ch = json_array_get(json_object_get(c, "changes"), 1);
    CHECK_EQ_STR(json_string_value(json_object_get(ch, "key")), "retention.ms");
    CHECK_EQ_STR(json_string_value(json_object_get(ch, "from")), "86400000");
    CHECK_EQ_STR(json_string_value(json_object_get(ch, "to")), "604800000");
    CHECK(json_object_size(json_object_get(c, "configs")) == 2);
    c = find_action(changes, "create_acl", "source_principal", "User:CN=alice,OU=apps");
    CHECK(c != NULL);
    CHECK_EQ_STR(json_string_value(json_object_get(c, "resource_type")), "Cluster");
    CHECK_EQ_STR(json_string_value(json_object_get(c, "principal")), "User:alice");
    CHECK_EQ_STR(json_string_value(json_object_get(c, "permission")), "Deny");
    c = find_action(changes, "create_acl", "principal", "Group:ops");
    CHECK(c && json_is_null(json_object_get(c, "source_principal")));
    json_decref(j);
    plan_destroy(p);
}

static void test_terraform(void) {
    plan_t *p = sample_plan(-1);
    sbuf_t out = {0};
    plan_render_terraform(p, 3, &out);
    const char *s = sbuf_str(&out);
    CHECK(strstr(s, "kafka = {\n      source = \"Mongey/kafka\"\n    }") != NULL);
    CHECK(strstr(s, "resource \"kafka_topic\" \"orders\" {\n"
                    "  name               = \"orders\"\n"
                    "  partitions         = 6\n"
                    "  replication_factor = 3\n"
                    "  config = {\n"
                    "    \"cleanup.policy\" = \"compact\"\n"
                    "    \"note.password\"  = var.orders_note_password\n"
                    "    \"odd\"            = \"say \\\"hi\\\" $${x} %%{y} \\\\\"\n"
                    "  }\n}\n") != NULL);
    CHECK(strstr(s, "variable \"orders_note_password\" {") != NULL);
    CHECK(strstr(s, "sensitive   = true") != NULL);
    CHECK(strstr(s, "hunter2") == NULL);
    /* existing topics: whole resource plus an import block */
    CHECK(strstr(s, "resource \"kafka_topic\" \"payments\" {\n"
                    "  name               = \"payments\"\n"
                    "  partitions         = 6\n"
                    "  replication_factor = 3\n}\n") != NULL);
    CHECK(strstr(s, "import {\n  to = kafka_topic.payments\n  id = \"payments\"\n}\n") != NULL);
    CHECK(strstr(s, "resource \"kafka_topic\" \"audit\" {\n"
                    "  name               = \"audit\"\n"
                    "  partitions         = 3\n"
                    "  replication_factor = 2\n") != NULL);
    CHECK(strstr(s, "import {\n  to = kafka_topic.audit\n") != NULL);
    CHECK(strstr(s, "import {\n  to = kafka_topic.orders\n") == NULL);
    /* identifiers: sanitized; one per topic */
    CHECK(strstr(s, "resource \"kafka_topic\" \"Ship_Log\"") != NULL);
    CHECK(strstr(s, "resource \"kafka_topic\" \"ship-log\"") != NULL);
    /* ACLs */
    CHECK(strstr(s, "resource \"kafka_acl\" \"alice_transactionalid_tx-_write_allow\" {\n"
                    "  resource_name                = \"tx-\"\n"
                    "  resource_type                = \"TransactionalID\"\n"
                    "  resource_pattern_type_filter = \"Prefixed\"\n"
                    "  acl_principal                = \"User:alice\"\n"
                    "  acl_host                     = \"*\"\n"
                    "  acl_operation                = \"Write\"\n"
                    "  acl_permission_type          = \"Allow\"\n}\n") != NULL);
    CHECK(strstr(s, "# mapped from \"User:CN=alice,OU=apps\"\n") != NULL);
    CHECK(strstr(s, "acl_principal                = \"User:we\\\"ird\"") != NULL);
    CHECK(strstr(s, "\"we_ird_group_billing_read_allow\"") != NULL);
    CHECK(strstr(s, "variable \"replication_factor\"") == NULL);

    /* unknown default: a variable */
    sbuf_reset(&out);
    plan_render_terraform(p, 0, &out);
    s = sbuf_str(&out);
    CHECK(strstr(s, "variable \"replication_factor\" {") != NULL);
    CHECK(strstr(s, "replication_factor = var.replication_factor\n") != NULL);
    plan_destroy(p);
    sbuf_free(&out);
}

static void test_identifiers_unique(void) {
    plan_t p = {0};
    const char *names[] = {"a.b", "a_b", "9lives"};
    p.items = xcalloc(3, sizeof *p.items);
    for (size_t i = 0; i < 3; i++) {
        p.items[i].kind = PLAN_CREATE_TOPIC;
        p.items[i].source_topic = xstrdup(names[i]);
        p.items[i].target_topic = xstrdup(names[i]);
        p.items[i].partitions = 1;
        p.items[i].replication_factor = 3;
    }
    p.n = 3;
    sbuf_t out = {0};
    plan_render_terraform(&p, 3, &out);
    const char *s = sbuf_str(&out);
    CHECK(strstr(s, "resource \"kafka_topic\" \"a_b\" {\n  name               = \"a.b\"") != NULL);
    CHECK(strstr(s, "resource \"kafka_topic\" \"a_b_2\" {\n  name               = \"a_b\"") !=
          NULL);
    CHECK(strstr(sbuf_str(&out), "resource \"kafka_topic\" \"_9lives\"") != NULL);
    sbuf_reset(&out);
    plan_render_strimzi(&p, "my-cluster", 3, &out);
    CHECK(strstr(sbuf_str(&out), "  name: \"a.b\"\n") != NULL);
    CHECK(strstr(sbuf_str(&out), "  name: \"a-b\"\n") != NULL);
    CHECK(strstr(sbuf_str(&out), "  name: \"9lives\"\n") != NULL);
    sbuf_free(&out);
    plan_t *heap = xcalloc(1, sizeof *heap);
    *heap = p;
    plan_destroy(heap);
}

static void test_strimzi(void) {
    plan_t *p = sample_plan(-1);
    sbuf_t out = {0};
    plan_render_strimzi(p, "my-cluster", 0, &out);
    const char *s = sbuf_str(&out);
    CHECK(strstr(s, "---\napiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaTopic\nmetadata:\n"
                    "  name: \"orders\"\n  labels:\n    strimzi.io/cluster: \"my-cluster\"\n"
                    "spec:\n  topicName: \"orders\"\n  partitions: 6\n  config:\n"
                    "    \"cleanup.policy\": \"compact\"\n"
                    "    # sensitive, left out, set it by hand: config \"note.password\"\n"
                    "    \"odd\": \"say \\\"hi\\\" ${x} %{y} \\\\\"\n") != NULL);
    CHECK(strstr(s, "hunter2") == NULL);
    /* Kubernetes names: lowercase, unique; the real name in topicName */
    CHECK(strstr(s, "  name: \"ship-log\"\n  labels:\n    strimzi.io/cluster: \"my-cluster\"\n"
                    "spec:\n  topicName: \"Ship_Log\"\n") != NULL);
    CHECK(strstr(s, "  name: \"ship-log-2\"\n  labels:\n    strimzi.io/cluster: \"my-cluster\"\n"
                    "spec:\n  topicName: \"ship-log\"\n") != NULL);
    /* existing topics keep their replication factor */
    CHECK(strstr(s, "  topicName: \"audit\"\n  partitions: 3\n  replicas: 2\n") != NULL);
    CHECK(strstr(s, "  topicName: \"payments\"\n  partitions: 6\n  replicas: 3\n") != NULL);
    /* the KafkaUser: Write and Read on orders are one rule */
    CHECK(strstr(s, "kind: KafkaUser\nmetadata:\n  name: \"alice\"\n") != NULL);
    CHECK(strstr(s, "      - resource:\n          type: topic\n          name: \"orders\"\n"
                    "          patternType: literal\n        operations:\n"
                    "          - \"Read\"\n          - \"Write\"\n"
                    "        host: \"*\"\n        type: allow\n") != NULL);
    CHECK(strstr(s, "      - resource:\n          type: cluster\n        operations:\n"
                    "          - \"IdempotentWrite\"\n        host: \"*\"\n        type: deny\n") !=
          NULL);
    CHECK(strstr(s, "          type: transactionalId\n          name: \"tx-\"\n"
                    "          patternType: prefix\n") != NULL);
    CHECK(strstr(s, "# skipped the ACL bindings of \"User:we\\\"ird\"") != NULL);
    CHECK(strstr(s, "# skipped the ACL bindings of \"Group:ops\"") != NULL);
    CHECK(strstr(s, "replicas: 3\n  config:\n    \"cleanup.policy\"") == NULL);
    sbuf_reset(&out);
    plan_render_strimzi(p, "c", 3, &out);
    CHECK(strstr(sbuf_str(&out), "  topicName: \"orders\"\n  partitions: 6\n  replicas: 3\n") !=
          NULL);
    sbuf_free(&out);
    plan_destroy(p);
}

UNIT_MAIN(UNIT_TEST(test_text), UNIT_TEST(test_json), UNIT_TEST(test_terraform),
          UNIT_TEST(test_identifiers_unique), UNIT_TEST(test_strimzi))

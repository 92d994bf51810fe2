/* Renders a migration plan as a Terraform-like text for review, as JSON for
 * tools, and as Terraform HCL (Mongey/kafka provider) or Strimzi YAML for
 * teams that manage their target cluster as code. Secret config values are
 * never written. */
#include "plan/plan_render.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strmap.h"

#define K8S_NAME_MAX 253

/* Appends s in double quotes, escaping '"', '\\' and control characters (the
 * escapes JSON, HCL and YAML share); with `hcl` also Terraform's template
 * sequences "${" and "%{" (as "$${" and "%%{"). */
static void quoted(sbuf_t *out, const char *s, bool hcl) {
    sbuf_puts(out, "\"");
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '"': sbuf_puts(out, "\\\""); break;
        case '\\': sbuf_puts(out, "\\\\"); break;
        case '\n': sbuf_puts(out, "\\n"); break;
        case '\r': sbuf_puts(out, "\\r"); break;
        case '\t': sbuf_puts(out, "\\t"); break;
        default:
            if (*c < 0x20)
                sbuf_printf(out, "\\u%04x", *c);
            else if (hcl && (*c == '$' || *c == '%') && c[1] == '{')
                sbuf_printf(out, "%c%c", *c, *c);
            else
                sbuf_append(out, (const char *)c, 1);
        }
    }
    sbuf_puts(out, "\"");
}

/* One item per topic the plan creates or changes (a topic that gets both
 * partitions and configs has two items, each describing the whole topic).
 * Returns a new array of *n borrowed items. */
static const plan_item_t **plan_topics(const plan_t *p, size_t *n) {
    const plan_item_t **v = xcalloc(p->n + 1, sizeof *v);
    strmap_t *seen = strmap_new();
    *n = 0;
    for (size_t i = 0; i < p->n; i++) {
        const plan_item_t *it = &p->items[i];
        if (it->kind == PLAN_CREATE_ACL || strmap_get(seen, it->target_topic)) continue;
        strmap_put(seen, it->target_topic, (void *)it);
        v[(*n)++] = it;
    }
    strmap_destroy(seen);
    return v;
}

/* ---- text ---- */

static void text_item(const plan_item_t *it, sbuf_t *out) {
    switch (it->kind) {
    case PLAN_CREATE_TOPIC:
        sbuf_printf(out, "  + topic %s (from %s): %d partition%s, ", it->target_topic,
                    it->source_topic, it->partitions, it->partitions == 1 ? "" : "s");
        if (it->replication_factor > 0)
            sbuf_printf(out, "replication factor %d\n", it->replication_factor);
        else
            sbuf_puts(out, "the target's default replication factor\n");
        for (size_t i = 0; i < it->configs.n; i++) {
            const kv_t *kv = &it->configs.items[i];
            sbuf_printf(out, "      + %s = ", kv->key);
            if (kv->secret)
                sbuf_puts(out, "(sensitive)");
            else
                quoted(out, kv->value, false);
            sbuf_puts(out, "\n");
        }
        break;
    case PLAN_ADD_PARTITIONS:
        sbuf_printf(out, "  ~ topic %s: partitions %d -> %d\n", it->target_topic,
                    it->from_partitions, it->partitions);
        break;
    case PLAN_SET_CONFIGS:
        sbuf_printf(out, "  ~ topic %s: configs\n", it->target_topic);
        for (size_t i = 0; i < it->nchanges; i++) {
            const plan_config_change_t *ch = &it->changes[i];
            sbuf_printf(out, "      %c %s = ", ch->from ? '~' : '+', ch->key);
            if (ch->secret) {
                sbuf_puts(out, "(sensitive)\n");
                continue;
            }
            if (ch->from) {
                quoted(out, ch->from, false);
                sbuf_puts(out, " -> ");
            }
            quoted(out, ch->to, false);
            sbuf_puts(out, "\n");
        }
        break;
    case PLAN_CREATE_ACL: {
        const inv_acl_t *a = &it->acl;
        sbuf_printf(out, "  + acl %s %s %s on %s %s %s from host %s", a->permission, a->principal,
                    a->operation, a->resource_type, a->pattern, a->resource_name, a->host);
        if (it->source_principal) sbuf_printf(out, "   (mapped from %s)", it->source_principal);
        sbuf_puts(out, "\n");
        break;
    }
    }
    if (it->note) sbuf_printf(out, "      # %s\n", it->note);
    if (it->error) sbuf_printf(out, "      ! failed: %s\n", it->error);
}

static size_t count_create(const plan_t *p) {
    return plan_count(p, PLAN_CREATE_TOPIC) + plan_count(p, PLAN_CREATE_ACL);
}

static size_t count_change(const plan_t *p) {
    return plan_count(p, PLAN_ADD_PARTITIONS) + plan_count(p, PLAN_SET_CONFIGS);
}

void plan_render_text(const plan_t *p, sbuf_t *out) {
    for (size_t i = 0; i < p->n; i++) text_item(&p->items[i], out);
    if (p->n)
        sbuf_printf(out, "Plan: %zu to create, %zu to change, 0 to destroy.\n", count_create(p),
                    count_change(p));
    else
        sbuf_puts(out, "No changes. The target matches the source.\n");
    if (p->nwarnings) sbuf_puts(out, "\n");
    for (size_t i = 0; i < p->nwarnings; i++) sbuf_printf(out, "Warning: %s\n", p->warnings[i]);
}

/* ---- JSON ---- */

static json_t *json_str_or_null(const char *s) {
    return s ? json_string(s) : json_null();
}

static json_t *json_configs(const kv_list_t *l) {
    json_t *o = json_object();
    for (size_t i = 0; i < l->n; i++)
        json_object_set_new(o, l->items[i].key,
                            l->items[i].secret ? json_null() : json_string(l->items[i].value));
    return o;
}

static json_t *json_item(const plan_item_t *it) {
    static const char *const actions[] = {"create_topic", "add_partitions", "set_configs",
                                          "create_acl"};
    json_t *o = json_object();
    json_object_set_new(o, "action", json_string(actions[it->kind]));
    if (it->kind != PLAN_CREATE_ACL) {
        json_object_set_new(o, "topic", json_string(it->target_topic));
        json_object_set_new(o, "source_topic", json_string(it->source_topic));
    }
    switch (it->kind) {
    case PLAN_CREATE_TOPIC:
        json_object_set_new(o, "partitions", json_integer(it->partitions));
        json_object_set_new(o, "replication_factor", json_integer(it->replication_factor));
        json_object_set_new(o, "configs", json_configs(&it->configs));
        break;
    case PLAN_ADD_PARTITIONS:
        json_object_set_new(o, "from", json_integer(it->from_partitions));
        json_object_set_new(o, "to", json_integer(it->partitions));
        break;
    case PLAN_SET_CONFIGS: {
        json_t *changes = json_array();
        for (size_t i = 0; i < it->nchanges; i++) {
            const plan_config_change_t *ch = &it->changes[i];
            json_array_append_new(
                changes, json_pack("{s:s, s:o, s:o}", "key", ch->key, "from",
                                   ch->secret ? json_null() : json_str_or_null(ch->from), "to",
                                   ch->secret ? json_null() : json_string(ch->to)));
        }
        json_object_set_new(o, "changes", changes);
        json_object_set_new(o, "configs", json_configs(&it->configs));
        break;
    }
    case PLAN_CREATE_ACL: {
        const inv_acl_t *a = &it->acl;
        json_object_set_new(o, "resource_type", json_string(a->resource_type));
        json_object_set_new(o, "resource_name", json_string(a->resource_name));
        json_object_set_new(o, "pattern_type", json_string(a->pattern));
        json_object_set_new(o, "principal", json_string(a->principal));
        json_object_set_new(o, "source_principal", json_str_or_null(it->source_principal));
        json_object_set_new(o, "host", json_string(a->host));
        json_object_set_new(o, "operation", json_string(a->operation));
        json_object_set_new(o, "permission", json_string(a->permission));
        break;
    }
    }
    if (it->note) json_object_set_new(o, "note", json_string(it->note));
    if (it->error) json_object_set_new(o, "error", json_string(it->error));
    return o;
}

json_t *plan_render_json(const plan_t *p) {
    json_t *changes = json_array(), *warnings = json_array();
    for (size_t i = 0; i < p->n; i++) json_array_append_new(changes, json_item(&p->items[i]));
    for (size_t i = 0; i < p->nwarnings; i++)
        json_array_append_new(warnings, json_string(p->warnings[i]));
    return json_pack("{s:o, s:{s:I, s:I, s:I}, s:o}", "changes", changes, "summary", "create",
                     (json_int_t)count_create(p), "change", (json_int_t)count_change(p),
                     "destroy", (json_int_t)0, "warnings", warnings);
}

/* ---- names for generated resources ---- */

/* A name not yet in `used`: `base`, else base + sep + "2", "3", ...; shortened
 * to `max` characters and with its end fixed by `fix` (may be NULL). Records
 * and returns it (caller frees). */
static char *unique(strmap_t *used, const char *base, const char *sep, size_t max,
                    void (*fix)(char *)) {
    sbuf_t b = {0};
    for (unsigned n = 1;; n++) {
        char suffix[24] = "";
        if (n > 1) snprintf(suffix, sizeof suffix, "%s%u", sep, n);
        size_t keep = strlen(base), room = max - strlen(suffix);
        sbuf_reset(&b);
        sbuf_append(&b, base, keep < room ? keep : room);
        if (fix) fix(b.s);
        b.len = strlen(b.s);
        sbuf_puts(&b, suffix);
        if (!strmap_get(used, b.s)) break;
    }
    strmap_put(used, b.s, used);
    return b.s;
}

/* A Terraform identifier from `s`: letters, digits, '_' and '-', starting
 * with a letter or '_'. */
static void tf_ident_base(const char *s, sbuf_t *out) {
    if (!isalpha((unsigned char)*s) && *s != '_') sbuf_puts(out, "_");
    for (; *s; s++) {
        char c = (isalnum((unsigned char)*s) || *s == '-') ? *s : '_';
        sbuf_append(out, &c, 1);
    }
}

static char *tf_ident(strmap_t *used, const char *name) {
    sbuf_t b = {0};
    tf_ident_base(name, &b);
    char *id = unique(used, sbuf_str(&b), "_", SIZE_MAX / 2, NULL);
    sbuf_free(&b);
    return id;
}

/* Cuts characters a Kubernetes name may not end with. */
static void k8s_trim_end(char *s) {
    size_t n = strlen(s);
    while (n && !isalnum((unsigned char)s[n - 1])) s[--n] = '\0';
}

/* A Kubernetes object name (RFC 1123 subdomain) from `s`, unique in `used`. */
static char *k8s_name(strmap_t *used, const char *s) {
    sbuf_t b = {0};
    for (; *s; s++) {
        char c = (char)tolower((unsigned char)*s);
        if (!isalnum((unsigned char)c) && c != '.' && c != '-') c = '-';
        if (b.len || isalnum((unsigned char)c)) sbuf_append(&b, &c, 1);
    }
    if (b.s) k8s_trim_end(b.s);
    char *name = unique(used, b.s && *b.s ? b.s : "topic", "-", K8S_NAME_MAX, k8s_trim_end);
    sbuf_free(&b);
    return name;
}

static bool k8s_name_valid(const char *s) {
    size_t n = strlen(s);
    if (!n || n > K8S_NAME_MAX || !isalnum((unsigned char)s[0]) ||
        !isalnum((unsigned char)s[n - 1]))
        return false;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '.' || *s == '-'))
            return false;
    return true;
}

/* ---- Terraform ---- */

static void tf_resource_type(const char *kafka, sbuf_t *out) {
    quoted(out, strcmp(kafka, "TransactionalId") == 0 ? "TransactionalID" : kafka, true);
}

static void tf_topic(const plan_item_t *it, int default_rf, strmap_t *topics, strmap_t *vars,
                     sbuf_t *out) {
    char *id = tf_ident(topics, it->target_topic);
    /* sensitive values become variables, declared first */
    char **var = xcalloc(it->configs.n + 1, sizeof *var);
    for (size_t i = 0; i < it->configs.n; i++) {
        if (!it->configs.items[i].secret) continue;
        sbuf_t base = {0};
        sbuf_printf(&base, "%s_%s", id, it->configs.items[i].key);
        var[i] = tf_ident(vars, base.s);
        sbuf_free(&base);
        sbuf_printf(out, "\nvariable \"%s\" {\n  description = ", var[i]);
        quoted(out, it->configs.items[i].key, true);
        sbuf_puts(out, "\n  type        = string\n  sensitive   = true\n}\n");
    }
    sbuf_printf(out, "\nresource \"kafka_topic\" \"%s\" {\n  name               = ", id);
    quoted(out, it->target_topic, true);
    sbuf_printf(out, "\n  partitions         = %d\n", it->partitions);
    int rf = it->replication_factor > 0 ? it->replication_factor : default_rf;
    if (rf > 0)
        sbuf_printf(out, "  replication_factor = %d\n", rf);
    else
        sbuf_puts(out, "  replication_factor = var.replication_factor\n");
    if (it->configs.n) {
        /* keys quoted first, to align the '=' as `terraform fmt` does */
        sbuf_t *keys = xcalloc(it->configs.n, sizeof *keys);
        size_t width = 0;
        for (size_t i = 0; i < it->configs.n; i++) {
            quoted(&keys[i], it->configs.items[i].key, true);
            if (keys[i].len > width) width = keys[i].len;
        }
        sbuf_puts(out, "  config = {\n");
        for (size_t i = 0; i < it->configs.n; i++) {
            sbuf_printf(out, "    %-*s = ", (int)width, keys[i].s);
            sbuf_free(&keys[i]);
            if (var[i])
                sbuf_printf(out, "var.%s", var[i]);
            else
                quoted(out, it->configs.items[i].value, true);
            sbuf_puts(out, "\n");
        }
        free(keys);
        sbuf_puts(out, "  }\n");
    }
    sbuf_puts(out, "}\n");
    if (it->kind != PLAN_CREATE_TOPIC) {
        sbuf_printf(out, "\nimport {\n  to = kafka_topic.%s\n  id = ", id);
        quoted(out, it->target_topic, true);
        sbuf_puts(out, "\n}\n");
    }
    for (size_t i = 0; i < it->configs.n; i++) free(var[i]);
    free(var);
    free(id);
}

static void tf_acl(const plan_item_t *it, strmap_t *acls, sbuf_t *out) {
    const inv_acl_t *a = &it->acl;
    const char *colon = strchr(a->principal, ':');
    sbuf_t base = {0};
    sbuf_printf(&base, "%s_%s_%s_%s_%s", colon ? colon + 1 : a->principal, a->resource_type,
                a->resource_name, a->operation, a->permission);
    for (char *c = base.s; *c; c++) *c = (char)tolower((unsigned char)*c);
    char *id = tf_ident(acls, base.s);
    sbuf_free(&base);
    sbuf_puts(out, "\n");
    if (it->source_principal) {
        sbuf_puts(out, "# mapped from ");
        quoted(out, it->source_principal, false);
        sbuf_puts(out, "\n");
    }
    sbuf_printf(out, "resource \"kafka_acl\" \"%s\" {\n  resource_name                = ", id);
    quoted(out, a->resource_name, true);
    sbuf_puts(out, "\n  resource_type                = ");
    tf_resource_type(a->resource_type, out);
    sbuf_printf(out, "\n  resource_pattern_type_filter = \"%s\"\n  acl_principal                = ",
                strcmp(a->pattern, "PREFIXED") == 0 ? "Prefixed" : "Literal");
    quoted(out, a->principal, true);
    sbuf_puts(out, "\n  acl_host                     = ");
    quoted(out, a->host, true);
    sbuf_puts(out, "\n  acl_operation                = ");
    quoted(out, a->operation, true);
    sbuf_puts(out, "\n  acl_permission_type          = ");
    quoted(out, a->permission, true);
    sbuf_puts(out, "\n}\n");
    free(id);
}

void plan_render_terraform(const plan_t *p, int default_rf, sbuf_t *out) {
    sbuf_puts(out, "# Generated by kmig plan: the target's topics and ACL bindings that the plan\n"
                   "# creates or changes, for the Mongey/kafka provider (configure its provider\n"
                   "# block). Existing topics are adopted with import blocks (Terraform >= 1.5).\n"
                   "terraform {\n  required_providers {\n    kafka = {\n"
                   "      source = \"Mongey/kafka\"\n    }\n  }\n}\n");
    size_t nt;
    const plan_item_t **topics = plan_topics(p, &nt);
    bool need_rf = false;
    for (size_t i = 0; i < nt; i++)
        if (default_rf <= 0 && topics[i]->replication_factor <= 0) need_rf = true;
    if (need_rf)
        sbuf_puts(out, "\nvariable \"replication_factor\" {\n"
                       "  description = \"The target's default replication factor\"\n"
                       "  type        = number\n}\n");
    strmap_t *topic_ids = strmap_new(), *acl_ids = strmap_new(), *var_ids = strmap_new();
    if (need_rf) strmap_put(var_ids, "replication_factor", var_ids);
    for (size_t i = 0; i < nt; i++) tf_topic(topics[i], default_rf, topic_ids, var_ids, out);
    for (size_t i = 0; i < p->n; i++)
        if (p->items[i].kind == PLAN_CREATE_ACL) tf_acl(&p->items[i], acl_ids, out);
    strmap_destroy(topic_ids);
    strmap_destroy(acl_ids);
    strmap_destroy(var_ids);
    free(topics);
}

/* ---- Strimzi ---- */

static void k8s_header(const char *kind, const char *name, const char *cluster, sbuf_t *out) {
    sbuf_printf(out, "---\napiVersion: kafka.strimzi.io/v1beta2\nkind: %s\nmetadata:\n  name: ",
                kind);
    quoted(out, name, false);
    sbuf_puts(out, "\n  labels:\n    strimzi.io/cluster: ");
    quoted(out, cluster, false);
    sbuf_puts(out, "\nspec:\n");
}

static void strimzi_topic(const plan_item_t *it, const char *cluster, int default_rf,
                          strmap_t *names, sbuf_t *out) {
    char *name = k8s_name(names, it->target_topic);
    k8s_header("KafkaTopic", name, cluster, out);
    free(name);
    sbuf_puts(out, "  topicName: ");
    quoted(out, it->target_topic, false);
    sbuf_printf(out, "\n  partitions: %d\n", it->partitions);
    int rf = it->replication_factor > 0 ? it->replication_factor : default_rf;
    if (rf > 0) sbuf_printf(out, "  replicas: %d\n", rf);
    size_t plain = 0;
    for (size_t i = 0; i < it->configs.n; i++) plain += !it->configs.items[i].secret;
    if (plain) sbuf_puts(out, "  config:\n");
    for (size_t i = 0; i < it->configs.n; i++) {
        const kv_t *kv = &it->configs.items[i];
        if (kv->secret) {
            sbuf_puts(out, "    # sensitive, left out, set it by hand: config ");
            quoted(out, kv->key, false);
            sbuf_puts(out, "\n");
            continue;
        }
        sbuf_puts(out, "    ");
        quoted(out, kv->key, false);
        sbuf_puts(out, ": ");
        quoted(out, kv->value, false);
        sbuf_puts(out, "\n");
    }
}

static const char *strimzi_resource_type(const char *kafka) {
    if (strcmp(kafka, "Topic") == 0) return "topic";
    if (strcmp(kafka, "Group") == 0) return "group";
    if (strcmp(kafka, "Cluster") == 0) return "cluster";
    return "transactionalId";
}

static bool same_rule(const inv_acl_t *a, const inv_acl_t *b) {
    return strcmp(a->resource_type, b->resource_type) == 0 &&
           strcmp(a->resource_name, b->resource_name) == 0 &&
           strcmp(a->pattern, b->pattern) == 0 && strcmp(a->host, b->host) == 0 &&
           strcmp(a->permission, b->permission) == 0;
}

/* The KafkaUser of `principal` ("User:<valid Kubernetes name>") with those of
 * the n ACL items in `acls` that are its own; bindings that differ only in
 * the operation become one rule. */
static void strimzi_user(const char *principal, const plan_item_t **acls, size_t n,
                         const char *cluster, sbuf_t *out) {
    const char *user = principal + strlen("User:");
    k8s_header("KafkaUser", user, cluster, out);
    sbuf_puts(out, "  # The User Operator owns every ACL of this user: add the ACLs it already\n"
                   "  # has on the target, or they are removed.\n"
                   "  authorization:\n    type: simple\n    acls:\n");
    bool *done = xcalloc(n + 1, sizeof *done);
    for (size_t i = 0; i < n; i++) {
        const inv_acl_t *a = &acls[i]->acl;
        if (done[i] || strcmp(a->principal, principal) != 0) continue;
        sbuf_printf(out, "      - resource:\n          type: %s\n",
                    strimzi_resource_type(a->resource_type));
        if (strcmp(a->resource_type, "Cluster") != 0) {
            sbuf_puts(out, "          name: ");
            quoted(out, a->resource_name, false);
            sbuf_printf(out, "\n          patternType: %s\n",
                        strcmp(a->pattern, "PREFIXED") == 0 ? "prefix" : "literal");
        }
        sbuf_puts(out, "        operations:\n");
        for (size_t j = i; j < n; j++) {
            if (done[j] || strcmp(acls[j]->acl.principal, principal) != 0 ||
                !same_rule(a, &acls[j]->acl))
                continue;
            done[j] = true;
            sbuf_puts(out, "          - ");
            quoted(out, acls[j]->acl.operation, false);
            sbuf_puts(out, "\n");
        }
        sbuf_puts(out, "        host: ");
        quoted(out, a->host, false);
        sbuf_printf(out, "\n        type: %s\n",
                    strcmp(a->permission, "Deny") == 0 ? "deny" : "allow");
    }
    free(done);
}

void plan_render_strimzi(const plan_t *p, const char *cluster, int default_rf, sbuf_t *out) {
    sbuf_puts(out, "# Generated by kmig plan: Strimzi resources for the topics and ACL bindings\n"
                   "# that the plan creates or changes.\n");
    size_t nt;
    const plan_item_t **topics = plan_topics(p, &nt);
    strmap_t *names = strmap_new();
    for (size_t i = 0; i < nt; i++) strimzi_topic(topics[i], cluster, default_rf, names, out);
    strmap_destroy(names);
    free(topics);

    /* ACL items, and each principal once in order of appearance */
    const plan_item_t **acls = xcalloc(p->n + 1, sizeof *acls);
    size_t na = 0;
    for (size_t i = 0; i < p->n; i++)
        if (p->items[i].kind == PLAN_CREATE_ACL) acls[na++] = &p->items[i];
    strmap_t *seen = strmap_new();
    for (size_t i = 0; i < na; i++) {
        const char *principal = acls[i]->acl.principal;
        if (strmap_get(seen, principal)) continue;
        strmap_put(seen, principal, seen);
        if (strncmp(principal, "User:", 5) == 0 && k8s_name_valid(principal + 5))
            strimzi_user(principal, acls + i, na - i, cluster, out);
        else {
            sbuf_puts(out, "# skipped the ACL bindings of ");
            quoted(out, principal, false);
            sbuf_puts(out, ": not a User principal with a valid Kubernetes name\n"
                           "# (a KafkaUser is named after its principal: map it first)\n");
        }
    }
    strmap_destroy(seen);
    free(acls);
}

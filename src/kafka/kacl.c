/* ACL bindings through librdkafka's admin API: every binding of a cluster
 * (DescribeAcls with a match-any filter) as kmig's inv_acl_t records, and
 * CreateAcls from such records, each call synchronous on a temporary queue.
 * Names are Kafka's as kafka-acls.sh takes them ("Topic", "LITERAL",
 * "IdempotentWrite", "Allow"); the tables below translate them to the codes
 * Kafka and librdkafka share. */
#include "kafka/kacl.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "core/sbuf.h"
#include "kafka/compat.h"
#include "kafka/kadmin.h"

typedef struct kacl_entry {
    int code;
    const char *name;
} kacl_entry_t;

/* Codes without a librdkafka 2.0.2 constant are Kafka's (ResourceType,
 * AclOperation in org.apache.kafka.common); librdkafka takes and gives
 * TransactionalId (5) from 2.6.0 on (KMIG_HAVE_ACL_TRANSACTIONAL_ID). */
static const kacl_entry_t kacl_resources[] = {
    {RD_KAFKA_RESOURCE_TOPIC, "Topic"},   {RD_KAFKA_RESOURCE_GROUP, "Group"},
    {RD_KAFKA_RESOURCE_BROKER, "Cluster"}, {5, "TransactionalId"},
    {6, "DelegationToken"},               {7, "User"},
};
static const kacl_entry_t kacl_patterns[] = {
    {RD_KAFKA_RESOURCE_PATTERN_LITERAL, "LITERAL"},
    {RD_KAFKA_RESOURCE_PATTERN_PREFIXED, "PREFIXED"},
};
static const kacl_entry_t kacl_operations[] = {
    {RD_KAFKA_ACL_OPERATION_ALL, "All"},
    {RD_KAFKA_ACL_OPERATION_READ, "Read"},
    {RD_KAFKA_ACL_OPERATION_WRITE, "Write"},
    {RD_KAFKA_ACL_OPERATION_CREATE, "Create"},
    {RD_KAFKA_ACL_OPERATION_DELETE, "Delete"},
    {RD_KAFKA_ACL_OPERATION_ALTER, "Alter"},
    {RD_KAFKA_ACL_OPERATION_DESCRIBE, "Describe"},
    {RD_KAFKA_ACL_OPERATION_CLUSTER_ACTION, "ClusterAction"},
    {RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS, "DescribeConfigs"},
    {RD_KAFKA_ACL_OPERATION_ALTER_CONFIGS, "AlterConfigs"},
    {RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE, "IdempotentWrite"},
    {13, "CreateTokens"},
    {14, "DescribeTokens"},
};
static const kacl_entry_t kacl_permissions[] = {
    {RD_KAFKA_ACL_PERMISSION_TYPE_DENY, "Deny"},
    {RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW, "Allow"},
};

#define KACL_TABLE(t) {t, sizeof t / sizeof t[0]}
static const struct {
    const kacl_entry_t *v;
    size_t n;
} kacl_tables[] = {
    [KACL_RESOURCE] = KACL_TABLE(kacl_resources),
    [KACL_PATTERN] = KACL_TABLE(kacl_patterns),
    [KACL_OPERATION] = KACL_TABLE(kacl_operations),
    [KACL_PERMISSION] = KACL_TABLE(kacl_permissions),
};

static const char *const kacl_field_names[] = {
    [KACL_RESOURCE] = "resource type",
    [KACL_PATTERN] = "pattern type",
    [KACL_OPERATION] = "operation",
    [KACL_PERMISSION] = "permission",
};

const char *kacl_name(kacl_field_t field, int code) {
    for (size_t i = 0; i < kacl_tables[field].n; i++)
        if (kacl_tables[field].v[i].code == code) return kacl_tables[field].v[i].name;
    return NULL;
}

/* Equal ignoring case and underscores: "ClusterAction", "CLUSTER_ACTION"
 * (the enum spelling newer Kafka tools print) and "clusteraction" match. */
static bool kacl_same(const char *a, const char *b) {
    for (;;) {
        while (*a == '_') a++;
        while (*b == '_') b++;
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return false;
        if (!*a) return true;
        a++;
        b++;
    }
}

int kacl_code(kacl_field_t field, const char *name) {
    for (size_t i = 0; name && i < kacl_tables[field].n; i++)
        if (kacl_same(kacl_tables[field].v[i].name, name)) return kacl_tables[field].v[i].code;
    return -1;
}

/* Runs CreateAcls on b[0..n) or DescribeAcls with the filter b[0] and waits
 * for the result event (caller destroys it), or NULL with err. */
static rd_kafka_event_t *kacl_call(rd_kafka_t *rk, bool create, rd_kafka_AclBinding_t **b,
                                   size_t n, int timeout_ms, char *err, size_t errsz) {
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(
        rk, create ? RD_KAFKA_ADMIN_OP_CREATEACLS : RD_KAFKA_ADMIN_OP_DESCRIBEACLS);
    char why[128];
    rd_kafka_AdminOptions_set_request_timeout(o, timeout_ms, why, sizeof why);
    if (create)
        rd_kafka_CreateAcls(rk, b, n, o, q);
    else
        rd_kafka_DescribeAcls(rk, b[0], o, q);
    rd_kafka_event_t *ev =
        kadmin_wait(q, timeout_ms, err, errsz, create ? "CreateAcls" : "DescribeAcls");
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    return ev;
}

int kacl_describe_all(rd_kafka_t *rk, inventory_t *inv, int timeout_ms, char *err, size_t errsz) {
    char why[256];
    rd_kafka_AclBindingFilter_t *any = rd_kafka_AclBindingFilter_new(
        RD_KAFKA_RESOURCE_ANY, NULL, RD_KAFKA_RESOURCE_PATTERN_ANY, NULL, NULL,
        RD_KAFKA_ACL_OPERATION_ANY, RD_KAFKA_ACL_PERMISSION_TYPE_ANY, why, sizeof why);
    if (!any) {
        snprintf(err, errsz, "DescribeAcls: %s", why);
        return -1;
    }
    rd_kafka_event_t *ev = kacl_call(rk, false, &any, 1, timeout_ms, err, errsz);
    rd_kafka_AclBinding_destroy(any);
    if (!ev) return -1;
    size_t cnt, unnamed = 0;
    const rd_kafka_AclBinding_t **acls =
        rd_kafka_DescribeAcls_result_acls(rd_kafka_event_DescribeAcls_result(ev), &cnt);
    for (size_t i = 0; i < cnt; i++) {
        const rd_kafka_AclBinding_t *a = acls[i];
        const char *rt = kacl_name(KACL_RESOURCE, rd_kafka_AclBinding_restype(a));
        const char *pt = kacl_name(KACL_PATTERN, rd_kafka_AclBinding_resource_pattern_type(a));
        const char *op = kacl_name(KACL_OPERATION, rd_kafka_AclBinding_operation(a));
        const char *pm = kacl_name(KACL_PERMISSION, rd_kafka_AclBinding_permission_type(a));
        if (!rt || !pt || !op || !pm) {
            unnamed++;
            continue;
        }
        inventory_add_acl(inv, rt, rd_kafka_AclBinding_name(a), pt,
                          rd_kafka_AclBinding_principal(a), rd_kafka_AclBinding_host(a), op, pm);
    }
    if (unnamed)
        log_warn("%zu ACL binding(s) not listed: librdkafka %s reads their resource type or "
                 "operation as UNKNOWN (%sDelegationToken and User resources, CreateTokens and "
                 "DescribeTokens operations); copy them with kafka-acls.sh",
                 unnamed, rd_kafka_version_str(),
                 KMIG_HAVE_ACL_TRANSACTIONAL_ID ? "" : "TransactionalId, ");
    rd_kafka_event_destroy(ev);
    return 0;
}

int kacl_create(rd_kafka_t *rk, const inv_acl_t *acls, size_t n, char **errors, int timeout_ms,
                char *err, size_t errsz) {
    if (!n) return 0;
    int (*codes)[4] = xcalloc(n, sizeof *codes);
    for (size_t i = 0; i < n; i++) {
        const inv_acl_t *a = &acls[i];
        const char *names[4] = {[KACL_RESOURCE] = a->resource_type,
                                [KACL_PATTERN] = a->pattern,
                                [KACL_OPERATION] = a->operation,
                                [KACL_PERMISSION] = a->permission};
        errors[i] = NULL;
        for (int f = 0; f < 4; f++) {
            codes[i][f] = kacl_code((kacl_field_t)f, names[f]);
            if (codes[i][f] < 0) {
                snprintf(err, errsz, "CreateAcls: unknown %s \"%s\" in the ACL of %s on %s",
                         kacl_field_names[f], names[f] ? names[f] : "(none)",
                         a->principal ? a->principal : "(no principal)",
                         a->resource_name ? a->resource_name : "(no resource)");
                free(codes);
                return -1;
            }
        }
    }
    /* b[k] is acls[at[k]]; bindings librdkafka refuses get their error now */
    rd_kafka_AclBinding_t **b = xcalloc(n, sizeof *b);
    size_t *at = xcalloc(n, sizeof *at), nb = 0;
    for (size_t i = 0; i < n; i++) {
        const inv_acl_t *a = &acls[i];
        char why[256];
        b[nb] = rd_kafka_AclBinding_new(
            (rd_kafka_ResourceType_t)codes[i][KACL_RESOURCE], a->resource_name,
            (rd_kafka_ResourcePatternType_t)codes[i][KACL_PATTERN], a->principal, a->host,
            (rd_kafka_AclOperation_t)codes[i][KACL_OPERATION],
            (rd_kafka_AclPermissionType_t)codes[i][KACL_PERMISSION], why, sizeof why);
        if (b[nb]) {
            at[nb++] = i;
        } else {
            sbuf_t s = {0};
            sbuf_printf(&s, "INVALID: librdkafka %s cannot create this ACL: %s",
                        rd_kafka_version_str(), why);
            errors[i] = s.s;
        }
    }
    int rc = 0;
    rd_kafka_event_t *ev = nb ? kacl_call(rk, true, b, nb, timeout_ms, err, errsz) : NULL;
    if (ev) {
        size_t cnt;
        const rd_kafka_acl_result_t **res =
            rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(ev), &cnt);
        for (size_t k = 0; k < nb; k++) {
            const rd_kafka_error_t *e = k < cnt ? rd_kafka_acl_result_error(res[k]) : NULL;
            if (k >= cnt) {
                errors[at[k]] = xstrdup("UNKNOWN: the broker returned no result for this ACL");
            } else if (e) {
                sbuf_t s = {0};
                sbuf_printf(&s, "%s: %s", rd_kafka_error_name(e), rd_kafka_error_string(e));
                errors[at[k]] = s.s;
            }
        }
        rd_kafka_event_destroy(ev);
    } else if (nb) {
        rc = -1;
        for (size_t i = 0; i < n; i++) {
            free(errors[i]);
            errors[i] = NULL;
        }
    }
    rd_kafka_AclBinding_destroy_array(b, nb);
    free(b);
    free(at);
    free(codes);
    return rc;
}

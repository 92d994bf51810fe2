/* Carries out a migration plan (plan/plan.h) on the target: topics, then
 * partitions, then configs, then ACL bindings, each kind in one admin call,
 * with every item's failure written into the item. Shared by `kmig apply` and
 * the mirror's ACL sync. */
#include "kafka/kplan.h"

#include <stdlib.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "kafka/kacl.h"
#include "kafka/kadmin.h"

/* KRaft brokers apply new ACLs asynchronously: waits until the bindings
 * created without error are listed, so that a plan right after the apply
 * sees them, or warns after timeout_ms. */
static void acls_wait_listed(rd_kafka_t *admin, const inv_acl_t *acls, size_t n, char **errors,
                             int timeout_ms) {
    char err[512];
    size_t missing = n;
    int64_t deadline = clock_mono_ms() + timeout_ms;
    while (missing) {
        inventory_t *now = inventory_new(NULL, NULL);
        missing = 0;
        if (kacl_describe_all(admin, now, timeout_ms, err, sizeof err) == 0)
            for (size_t i = 0; i < n; i++)
                if (!errors[i] && inventory_acl_find(now, &acls[i]) < 0) missing++;
        inventory_destroy(now);
        if (missing && clock_mono_ms() >= deadline) {
            log_warn("%zu created ACL binding(s) are not listed by the target yet", missing);
            return;
        }
        if (missing) clock_sleep_ms(200);
    }
}

size_t kplan_apply(plan_t *p, rd_kafka_t *admin, int timeout_ms) {
    char err[512];
    size_t failed = 0;
    for (plan_kind_t k = PLAN_CREATE_TOPIC; k <= PLAN_SET_CONFIGS; k++) {
        size_t n = plan_count(p, k), j = 0;
        if (!n) continue;
        kitem_t *items = xcalloc(n, sizeof *items);
        plan_item_t **its = xcalloc(n, sizeof *its);
        for (size_t i = 0; i < p->n; i++) {
            plan_item_t *it = &p->items[i];
            if (it->kind != k) continue;
            its[j] = it;
            items[j].topic = xstrdup(it->target_topic);
            items[j].partitions = it->partitions;
            items[j].replication_factor = it->replication_factor;
            if (k != PLAN_ADD_PARTITIONS) kv_list_copy(&items[j].configs, &it->configs);
            j++;
        }
        int rc = k == PLAN_CREATE_TOPIC   ? kadmin_create_topics(admin, items, n, timeout_ms, err, sizeof err)
                 : k == PLAN_ADD_PARTITIONS ? kadmin_create_partitions(admin, items, n, timeout_ms, err, sizeof err)
                                           : kadmin_alter_topic_configs(admin, items, n, timeout_ms, err, sizeof err);
        for (size_t i = 0; i < n; i++) {
            const char *e = rc ? err : items[i].error;
            if (e) {
                its[i]->error = xstrdup(e);
                failed++;
            }
        }
        kitems_clear(items, n);
        free(items);
        free(its);
    }
    size_t n = plan_count(p, PLAN_CREATE_ACL), j = 0;
    if (n) {
        inv_acl_t *acls = xcalloc(n, sizeof *acls);
        plan_item_t **its = xcalloc(n, sizeof *its);
        char **errors = xcalloc(n, sizeof *errors);
        for (size_t i = 0; i < p->n; i++)
            if (p->items[i].kind == PLAN_CREATE_ACL) {
                its[j] = &p->items[i];
                acls[j++] = p->items[i].acl; /* borrowed */
            }
        int rc = kacl_create(admin, acls, n, errors, timeout_ms, err, sizeof err);
        for (size_t i = 0; i < n; i++) {
            if (rc || errors[i]) {
                its[i]->error = errors[i] ? errors[i] : xstrdup(err);
                failed++;
            }
        }
        if (!rc) acls_wait_listed(admin, acls, n, errors, timeout_ms);
        free(errors);
        free(its);
        free(acls);
    }
    return failed;
}

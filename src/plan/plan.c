/* Computes the migration plan from a source and a target inventory: which
 * topics to create, which to grow, which configs to set and which ACL bindings
 * to create so the target matches the source under the flow's filters and
 * replication policy (rules in plan.h and docs/PLAN.md). Never deletes. */
#include "plan/plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "core/strmap.h"
#include "mirror/naming.h"

#define MIN_ISR "min.insync.replicas"

/* ACL bindings left out for one reason. */
typedef struct skip {
    char *reason;
    size_t count;
} skip_t;

typedef struct ctx {
    plan_t *p;
    const inventory_t *src, *tgt;
    const plan_opts_t *o;
    const char *sep;
    strmap_t *tgt_topics; /* name -> inv_topic_t of the target */
    strmap_t *acls;       /* binding key -> non-NULL: on the target or in the plan */
    skip_t *skips;
    size_t nskips;
} ctx_t;

static void warn(plan_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(plan_t *p, const char *fmt, ...) {
    sbuf_t b = {0};
    va_list ap;
    va_start(ap, fmt);
    sbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    p->warnings = xrealloc(p->warnings, (p->nwarnings + 1) * sizeof *p->warnings);
    p->warnings[p->nwarnings++] = b.s;
}

static plan_item_t *item_add(plan_t *p, plan_kind_t kind) {
    p->items = xrealloc(p->items, (p->n + 1) * sizeof *p->items);
    plan_item_t *it = &p->items[p->n++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    return it;
}

static plan_item_t *topic_item_add(plan_t *p, plan_kind_t kind, const char *src, const char *tgt) {
    plan_item_t *it = item_add(p, kind);
    it->source_topic = xstrdup(src);
    it->target_topic = xstrdup(tgt);
    return it;
}

/* ---- topics ---- */

static bool topic_selected(const ctx_t *c, const char *name) {
    return !name_filter_topic_is_internal(name, c->sep) &&
           (!c->o->topics || name_filter_match(c->o->topics, name)) &&
           !(c->tgt->alias && naming_is_cycle(c->o->policy, c->tgt->alias, c->sep, name));
}

/* Sets key in l to value, replacing an existing entry. */
static void kv_set(kv_list_t *l, const char *key, const char *value, bool secret) {
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].key, key) == 0) {
            free(l->items[i].value);
            l->items[i].value = xstrdup(value);
            l->items[i].secret = secret;
            return;
        }
    }
    kv_list_add(l, key, value, NULL, secret);
}

const char *plan_topic_configs(const kv_list_t *src, const name_filter_t *exclude, int rf,
                               kv_list_t *out) {
    const char *capped = NULL;
    for (size_t i = 0; i < src->n; i++) {
        const kv_t *kv = &src->items[i];
        if (exclude && name_filter_match(exclude, kv->key)) continue;
        bool secret = kv->secret || mm2_key_is_secret(kv->key);
        if (rf > 0 && strcmp(kv->key, MIN_ISR) == 0 && atoi(kv->value) > rf) {
            char v[16];
            snprintf(v, sizeof v, "%d", rf);
            kv_list_add(out, kv->key, v, kv->origin, secret);
            capped = kv->value;
        } else {
            kv_list_add(out, kv->key, kv->value, kv->origin, secret);
        }
    }
    return capped;
}

static const char *desired_configs(const ctx_t *c, const inv_topic_t *st, int rf, kv_list_t *out) {
    return plan_topic_configs(&st->configs, c->o->config_exclude, rf, out);
}

static void note_cap(plan_t *p, plan_item_t *it, const char *was, int rf) {
    sbuf_t b = {0};
    sbuf_printf(&b, MIN_ISR " capped from %s to %d, the replication factor", was, rf);
    it->note = b.s;
    warn(p, "topic %s: %s", it->target_topic, it->note);
}

/* The replication factor new topics get: the flow's, or the target's
 * default.replication.factor for -1 (0 when unknown). */
static int new_topic_rf(const ctx_t *c) {
    if (c->o->replication_factor > 0) return c->o->replication_factor;
    const char *d = inventory_broker_config(c->tgt, "default.replication.factor");
    return d ? atoi(d) : 0;
}

static void plan_create_topic(ctx_t *c, const inv_topic_t *st, const char *name) {
    plan_item_t *it = topic_item_add(c->p, PLAN_CREATE_TOPIC, st->name, name);
    it->partitions = st->partitions;
    it->replication_factor = c->o->replication_factor;
    int rf = new_topic_rf(c);
    const char *capped = desired_configs(c, st, rf, &it->configs);
    if (capped) note_cap(c->p, it, capped, rf);
}

static int cmp_change(const void *a, const void *b) {
    return strcmp(((const plan_config_change_t *)a)->key, ((const plan_config_change_t *)b)->key);
}

/* The config changes that make existing target topic `tt` match source topic
 * `st`: appended to *changes (sorted by key) and applied to `full`. Returns
 * the source's min.insync.replicas when a change caps it, else NULL. */
static const char *plan_configs(ctx_t *c, const inv_topic_t *st, const inv_topic_t *tt,
                                kv_list_t *full, plan_config_change_t **changes,
                                size_t *nchanges) {
    kv_list_t want = {0};
    const char *capped = desired_configs(c, st, tt->replication_factor, &want);
    bool isr_changed = false;
    for (size_t i = 0; i < want.n; i++) {
        const kv_t *kv = &want.items[i];
        const char *now = kv_list_get(&tt->configs, kv->key);
        if (now && strcmp(now, kv->value) == 0) continue;
        *changes = xrealloc(*changes, (*nchanges + 1) * sizeof **changes);
        (*changes)[(*nchanges)++] = (plan_config_change_t){
            xstrdup(kv->key), now ? xstrdup(now) : NULL, xstrdup(kv->value), kv->secret};
        kv_set(full, kv->key, kv->value, kv->secret);
        isr_changed |= strcmp(kv->key, MIN_ISR) == 0;
    }
    if (*nchanges) qsort(*changes, *nchanges, sizeof **changes, cmp_change);
    kv_list_clear(&want);
    return isr_changed ? capped : NULL;
}

static void plan_existing_topic(ctx_t *c, const inv_topic_t *st, const inv_topic_t *tt) {
    const plan_opts_t *o = c->o;
    /* the topic's full config set after the plan */
    kv_list_t full = {0};
    kv_list_copy(&full, &tt->configs);
    plan_config_change_t *changes = NULL;
    size_t nchanges = 0;
    const char *capped = NULL;
    if (o->do_configs && !c->src->configs_error && !c->tgt->configs_error)
        capped = plan_configs(c, st, tt, &full, &changes, &nchanges);

    bool grow = o->do_topics && st->partitions > tt->partitions;
    int32_t after = grow ? st->partitions : tt->partitions;
    if (o->do_topics && st->partitions < tt->partitions)
        warn(c->p,
             "topic %s has more partitions on the target (%d) than %s on the source (%d): "
             "records keep their partition, so partitions %d..%d receive none from the "
             "source, and the target's producers may place a key on another partition than "
             "the source did",
             tt->name, tt->partitions, st->name, st->partitions, st->partitions,
             tt->partitions - 1);
    if (grow) {
        plan_item_t *it = topic_item_add(c->p, PLAN_ADD_PARTITIONS, st->name, tt->name);
        it->partitions = after;
        it->from_partitions = tt->partitions;
        it->replication_factor = tt->replication_factor;
        kv_list_copy(&it->configs, &full);
    }
    if (nchanges) {
        plan_item_t *it = topic_item_add(c->p, PLAN_SET_CONFIGS, st->name, tt->name);
        it->partitions = after;
        it->from_partitions = tt->partitions;
        it->replication_factor = tt->replication_factor;
        it->configs = full;
        it->changes = changes;
        it->nchanges = nchanges;
        if (capped) note_cap(c->p, it, capped, tt->replication_factor);
    } else {
        kv_list_clear(&full);
    }
}

static void plan_topics(ctx_t *c) {
    size_t creates = 0;
    for (size_t i = 0; i < c->src->ntopics; i++) {
        const inv_topic_t *st = &c->src->topics[i];
        if (!topic_selected(c, st->name)) continue;
        char name[NAMING_TOPIC_MAX + 1];
        if (naming_target_topic(c->o->policy, c->o->source_alias, c->sep, st->name, name,
                                sizeof name) < 0) {
            warn(c->p, "topic %s is left out: its target name would be longer than %d characters",
                 st->name, NAMING_TOPIC_MAX);
            continue;
        }
        const inv_topic_t *tt = strmap_get(c->tgt_topics, name);
        if (tt) {
            plan_existing_topic(c, st, tt);
        } else if (c->o->do_topics) {
            plan_create_topic(c, st, name);
            creates++;
        }
    }
    int rf = c->o->replication_factor;
    if (creates && rf > 0 && c->tgt->nbrokers > 0 && (size_t)rf > c->tgt->nbrokers)
        warn(c->p,
             "replication factor %d for new topics is above the %zu broker(s) of the target: "
             "creating the %zu topic(s) will fail (set replication.factor)",
             rf, c->tgt->nbrokers, creates);
    if (c->src->configs_error && (c->o->do_topics || c->o->do_configs))
        warn(c->p, "topic configs of the source could not be read (%s): new topics get no "
                   "configs and no config changes are planned",
             c->src->configs_error);
    else if (c->tgt->configs_error && c->o->do_configs)
        warn(c->p, "topic configs of the target could not be read (%s): no config changes are "
                   "planned",
             c->tgt->configs_error);
}

/* ---- ACLs ---- */

static char *acl_key(const inv_acl_t *a) {
    sbuf_t b = {0};
    sbuf_printf(&b, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", a->resource_type, a->resource_name,
                a->pattern, a->principal, a->host, a->operation, a->permission);
    return b.s;
}

static void skip(ctx_t *c, const char *reason) {
    for (size_t i = 0; i < c->nskips; i++) {
        if (strcmp(c->skips[i].reason, reason) == 0) {
            c->skips[i].count++;
            return;
        }
    }
    c->skips = xrealloc(c->skips, (c->nskips + 1) * sizeof *c->skips);
    c->skips[c->nskips++] = (skip_t){xstrdup(reason), 1};
}

static bool is(const char *s, const char *want) {
    return s && strcmp(s, want) == 0;
}

/* The target's resource name for Topic binding `a` (in `buf` or a's own),
 * into *resource. Returns NULL, or why the binding stays out. */
static const char *topic_resource(const ctx_t *c, const inv_acl_t *a, char *buf, size_t bufsz,
                                  const char **resource) {
    bool literal = is(a->pattern, "LITERAL");
    *resource = a->resource_name;
    /* the wildcard, and prefixes under the identity policy, keep their name */
    if ((literal && is(a->resource_name, "*")) || (!literal && c->o->policy == POLICY_IDENTITY))
        return NULL;
    if (literal && !topic_selected(c, a->resource_name))
        return "on topics the flow does not select";
    if (naming_target_topic(c->o->policy, c->o->source_alias, c->sep, a->resource_name, buf,
                            bufsz) < 0)
        return "on topics whose target name would be too long";
    *resource = buf;
    if (strcmp(buf, a->resource_name) != 0 && is(a->permission, "Allow") &&
        (is(a->operation, "Write") || is(a->operation, "All")))
        return "Allow Write/All on renamed topics (under the default replication policy only "
               "the replicator writes to mirrored topics)";
    return NULL;
}

static void plan_acl(ctx_t *c, const inv_acl_t *a) {
    const char *type = a->resource_type ? a->resource_type : "(none)";
    if (!is(type, "Topic") && !is(type, "Group") && !is(type, "TransactionalId") &&
        !is(type, "Cluster")) {
        sbuf_t b = {0};
        sbuf_printf(&b, "on %s resources (only Topic, Group, TransactionalId and Cluster are "
                        "copied)",
                    type);
        skip(c, b.s);
        sbuf_free(&b);
        return;
    }
    if (!is(a->pattern, "LITERAL") && !is(a->pattern, "PREFIXED")) {
        sbuf_t b = {0};
        sbuf_printf(&b, "with pattern type %s (only LITERAL and PREFIXED are copied)",
                    a->pattern ? a->pattern : "(none)");
        skip(c, b.s);
        sbuf_free(&b);
        return;
    }
    char name[NAMING_TOPIC_MAX + 1];
    const char *resource = a->resource_name;
    const char *why = is(type, "Topic") ? topic_resource(c, a, name, sizeof name, &resource) : NULL;
    if (why) {
        skip(c, why);
        return;
    }
    char mapped[1024];
    const char *principal = principal_map_apply(c->o->principals, a->principal, mapped,
                                                sizeof mapped);
    inv_acl_t want = *a;
    want.resource_name = (char *)resource;
    want.principal = (char *)principal;
    char *key = acl_key(&want);
    if (!strmap_get(c->acls, key)) {
        strmap_put(c->acls, key, c);
        plan_item_t *it = item_add(c->p, PLAN_CREATE_ACL);
        it->acl = (inv_acl_t){xstrdup(a->resource_type), xstrdup(resource), xstrdup(a->pattern),
                              xstrdup(principal),        xstrdup(a->host),
                              xstrdup(a->operation),     xstrdup(a->permission)};
        if (strcmp(principal, a->principal) != 0) it->source_principal = xstrdup(a->principal);
    }
    free(key);
}

static void plan_acls(ctx_t *c) {
    if (c->src->acls_error) {
        warn(c->p, "ACLs of the source could not be listed (%s): no ACL changes are planned",
             c->src->acls_error);
        return;
    }
    if (c->tgt->acls_error)
        warn(c->p, "ACLs of the target could not be listed (%s): bindings it already has are "
                   "planned again, and creating ACLs needs an authorizer on the target",
             c->tgt->acls_error);
    for (size_t i = 0; i < c->tgt->nacls; i++) {
        char *key = acl_key(&c->tgt->acls[i]);
        strmap_put(c->acls, key, c);
        free(key);
    }
    for (size_t i = 0; i < c->src->nacls; i++) {
        const inv_acl_t *a = &c->src->acls[i];
        if (!a->resource_name || !a->principal || !a->host || !a->operation || !a->permission)
            skip(c, "with missing fields");
        else
            plan_acl(c, a);
    }
    for (size_t i = 0; i < c->nskips; i++)
        warn(c->p, "%zu ACL binding(s) left out: %s", c->skips[i].count, c->skips[i].reason);
}

/* ---- the plan ---- */

static int cmp_item(const void *pa, const void *pb) {
    const plan_item_t *a = pa, *b = pb;
    if (a->kind != b->kind) return (int)a->kind - (int)b->kind;
    if (a->kind == PLAN_CREATE_ACL) return inventory_acl_compare(&a->acl, &b->acl);
    return strcmp(a->target_topic, b->target_topic);
}

plan_t *plan_build(const inventory_t *source, const inventory_t *target, const plan_opts_t *o) {
    ctx_t c = {.p = xcalloc(1, sizeof(plan_t)),
               .src = source,
               .tgt = target,
               .o = o,
               .sep = o->separator ? o->separator : ".",
               .tgt_topics = strmap_new(),
               .acls = strmap_new()};
    for (size_t i = 0; i < target->ntopics; i++)
        strmap_put(c.tgt_topics, target->topics[i].name, &target->topics[i]);
    if (o->do_topics || o->do_configs) plan_topics(&c);
    if (o->do_acls) plan_acls(&c);
    if (c.p->n) qsort(c.p->items, c.p->n, sizeof *c.p->items, cmp_item);
    for (size_t i = 0; i < c.nskips; i++) free(c.skips[i].reason);
    free(c.skips);
    strmap_destroy(c.tgt_topics);
    strmap_destroy(c.acls);
    return c.p;
}

void plan_destroy(plan_t *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) {
        plan_item_t *it = &p->items[i];
        free(it->source_topic);
        free(it->target_topic);
        kv_list_clear(&it->configs);
        for (size_t j = 0; j < it->nchanges; j++) {
            free(it->changes[j].key);
            free(it->changes[j].from);
            free(it->changes[j].to);
        }
        free(it->changes);
        free(it->acl.resource_type);
        free(it->acl.resource_name);
        free(it->acl.pattern);
        free(it->acl.principal);
        free(it->acl.host);
        free(it->acl.operation);
        free(it->acl.permission);
        free(it->source_principal);
        free(it->note);
        free(it->error);
    }
    free(p->items);
    for (size_t i = 0; i < p->nwarnings; i++) free(p->warnings[i]);
    free(p->warnings);
    free(p);
}

size_t plan_count(const plan_t *p, plan_kind_t kind) {
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++) n += p->items[i].kind == kind;
    return n;
}

const char *plan_kind_name(plan_kind_t k) {
    switch (k) {
    case PLAN_CREATE_TOPIC: return "create topic";
    case PLAN_ADD_PARTITIONS: return "add partitions";
    case PLAN_SET_CONFIGS: return "set configs";
    case PLAN_CREATE_ACL: return "create acl";
    }
    return "?";
}

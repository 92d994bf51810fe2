/* The topic manager (see topic_manager.h): discovery, creation, growth and
 * config sync of target topics, and ACL sync, in a thread of its own so that
 * slow admin calls never stall the copy loop. */
#include "mirror/topic_manager.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "kafka/kacl.h"
#include "kafka/kadmin.h"
#include "kafka/kplan.h"
#include "mirror/name_filter.h"
#include "mirror/naming.h"
#include "plan/plan.h"

struct topic_manager {
    const mm2_flow_t *flow;
    rd_kafka_t *sadmin, *tadmin;
    name_filter_t *topics, *config_exclude;
    principal_map_t *principals; /* kmig.principal.map, or NULL */
    bool acl_warned;             /* the plan's warnings were logged once */
    pthread_t thread;
    bool started;
    atomic_bool stop;
    pthread_mutex_t tm_mu;
    pthread_cond_t tm_cond;
    ready_topic_t *ready;
    size_t nready;
    int missing;
    char **src_names; /* every source topic of the last listing, sorted */
    size_t nsrc;
    atomic_int tm_gen;
};

void ready_topics_free(ready_topic_t *v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].target);
    }
    free(v);
}

/* Source configs worth copying: non-default, minus config.properties.exclude,
 * min.insync.replicas capped at the flow's replication factor (plan.h). */
static void configs_filter(topic_manager_t *m, kv_list_t *in, kv_list_t *out) {
    const char *capped = plan_topic_configs(in, m->config_exclude, m->flow->replication_factor, out);
    if (capped)
        log_info("min.insync.replicas %s capped at the replication factor %d", capped,
                 m->flow->replication_factor);
}

/* Makes the target's dynamic configs include the source's (filtered) ones.
 * Target-only settings are kept. */
static void configs_sync(topic_manager_t *m, ready_topic_t *r, size_t n) {
    const mm2_flow_t *f = m->flow;
    char err[512];
    kitem_t *src = xcalloc(n ? n : 1, sizeof *src), *tgt = xcalloc(n ? n : 1, sizeof *tgt);
    for (size_t i = 0; i < n; i++) {
        src[i].topic = xstrdup(r[i].name);
        tgt[i].topic = xstrdup(r[i].target);
    }
    if (kadmin_describe_topic_configs(m->sadmin, src, n, true, f->admin_timeout_ms, err, sizeof err) ||
        kadmin_describe_topic_configs(m->tadmin, tgt, n, true, f->admin_timeout_ms, err, sizeof err)) {
        log_warn("config sync skipped: %s", err);
        goto out;
    }
    size_t nalter = 0;
    kitem_t *alter = xcalloc(n ? n : 1, sizeof *alter);
    for (size_t i = 0; i < n; i++) {
        if (src[i].error || tgt[i].error) continue;
        kv_list_t want = {0};
        configs_filter(m, &src[i].configs, &want);
        bool differs = false;
        for (size_t c = 0; c < want.n && !differs; c++) {
            const char *have = kv_list_get(&tgt[i].configs, want.items[c].key);
            differs = !have || strcmp(have, want.items[c].value);
        }
        if (differs) {
            kitem_t *a = &alter[nalter++];
            a->topic = xstrdup(r[i].target);
            /* The full set: target-only settings, then the source's. */
            for (size_t c = 0; c < tgt[i].configs.n; c++)
                if (!kv_list_get(&want, tgt[i].configs.items[c].key))
                    kv_list_add(&a->configs, tgt[i].configs.items[c].key,
                                tgt[i].configs.items[c].value, "target",
                                tgt[i].configs.items[c].secret);
            kv_list_copy(&a->configs, &want);
        }
        kv_list_clear(&want);
    }
    if (nalter) {
        if (kadmin_alter_topic_configs(m->tadmin, alter, nalter, f->admin_timeout_ms, err, sizeof err))
            log_warn("config sync: %s", err);
        else
            for (size_t i = 0; i < nalter; i++) {
                if (alter[i].error)
                    log_warn("config sync: %s: %s", alter[i].topic, alter[i].error);
                else
                    log_info("config sync: updated the configs of %s", alter[i].topic);
            }
    }
    kitems_clear(alter, nalter);
    free(alter);
out:
    kitems_clear(src, n);
    kitems_clear(tgt, n);
    free(src);
    free(tgt);
}

static void ready_add(ready_topic_t *ready, size_t *n, const char *name, const char *target,
                      int32_t partitions) {
    ready[(*n)++] = (ready_topic_t){xstrdup(name), xstrdup(target), partitions};
}

/* Creates missing target topics with the source's partitions and non-default
 * configs. items[i] is for source topic st->v[src[i]]. */
static void create_topics(topic_manager_t *m, const ktopics_t *st, kitem_t *items, const size_t *src,
                          size_t n) {
    const mm2_flow_t *f = m->flow;
    char err[512];
    kitem_t *cfg = xcalloc(n, sizeof *cfg);
    for (size_t i = 0; i < n; i++) cfg[i].topic = xstrdup(st->v[src[i]].name);
    if (kadmin_describe_topic_configs(m->sadmin, cfg, n, true, f->admin_timeout_ms, err,
                                      sizeof err) == 0)
        for (size_t i = 0; i < n; i++) configs_filter(m, &cfg[i].configs, &items[i].configs);
    else
        log_warn("source topic configs could not be read (%s); new target topics get the "
                 "target's defaults", err);
    kitems_clear(cfg, n);
    free(cfg);
    if (kadmin_create_topics(m->tadmin, items, n, f->admin_timeout_ms, err, sizeof err))
        for (size_t i = 0; i < n; i++) items[i].error = xstrdup(err);
    for (size_t i = 0; i < n; i++)
        if (!items[i].error)
            log_info("created %s on the target: %d partitions, replication factor %d, %zu configs",
                     items[i].topic, items[i].partitions, items[i].replication_factor,
                     items[i].configs.n);
}

/* Grows target topics that have fewer partitions than their source. */
static void grow_topics(topic_manager_t *m, kitem_t *items, size_t n) {
    char err[512];
    if (kadmin_create_partitions(m->tadmin, items, n, m->flow->admin_timeout_ms, err, sizeof err))
        for (size_t i = 0; i < n; i++) items[i].error = xstrdup(err);
    for (size_t i = 0; i < n; i++) {
        if (items[i].error)
            log_error("%s has fewer partitions on the target than on the source and adding "
                      "partitions failed (%s); it is not copied, because records must keep "
                      "their partition",
                      items[i].topic, items[i].error);
        else
            log_info("%s: partitions increased to %d on the target", items[i].topic,
                     items[i].partitions);
    }
}

/* One refresh: returns the ready topics (caller frees), sets *missing. */
static int name_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(char **v, size_t n) {
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

static ready_topic_t *topic_manager_pass(topic_manager_t *m, size_t *nready, int *missing,
                                         bool sync_configs, sbuf_t *last_missing,
                                         char ***src_names, size_t *nsrc) {
    const mm2_flow_t *f = m->flow;
    char err[512];
    ktopics_t st, tt;
    *nready = 0;
    *missing = 0;
    if (kadmin_list_topics(m->sadmin, f->admin_timeout_ms, &st, err, sizeof err)) {
        log_warn("source: %s", err);
        return NULL;
    }
    if (kadmin_list_topics(m->tadmin, f->admin_timeout_ms, &tt, err, sizeof err)) {
        log_warn("target: %s", err);
        ktopics_clear(&st);
        return NULL;
    }
    *nsrc = st.n;
    *src_names = xcalloc(st.n ? st.n : 1, sizeof **src_names);
    for (size_t i = 0; i < st.n; i++) (*src_names)[i] = xstrdup(st.v[i].name);
    qsort(*src_names, st.n, sizeof **src_names, name_cmp);
    size_t cap = st.n ? st.n : 1, ncreate = 0, ngrow = 0;
    ready_topic_t *ready = xcalloc(cap, sizeof *ready);
    kitem_t *create = xcalloc(cap, sizeof *create), *grow = xcalloc(cap, sizeof *grow);
    size_t *create_src = xcalloc(cap, sizeof *create_src), *grow_src = xcalloc(cap, sizeof *grow_src);
    for (size_t i = 0; i < st.n; i++) {
        const ktopic_t *s = &st.v[i];
        char target[256];
        if (s->error || name_filter_topic_is_internal(s->name, f->separator) ||
            !name_filter_match(m->topics, s->name) ||
            naming_is_cycle(f->policy, f->target, f->separator, s->name))
            continue;
        if (naming_target_topic(f->policy, f->source, f->separator, s->name, target,
                                sizeof target)) {
            log_warn("%s: the target name would be longer than Kafka allows; not copied", s->name);
            continue;
        }
        const ktopic_t *t = ktopics_find(&tt, target);
        if (t && !t->error && t->partitions >= s->partitions) {
            ready_add(ready, nready, s->name, target, s->partitions);
        } else if (t && !t->error) {
            grow_src[ngrow] = i;
            grow[ngrow++] = (kitem_t){.topic = xstrdup(target), .partitions = s->partitions};
        } else {
            create_src[ncreate] = i;
            create[ncreate++] = (kitem_t){.topic = xstrdup(target), .partitions = s->partitions,
                                          .replication_factor = f->replication_factor};
        }
    }
    if (ncreate) create_topics(m, &st, create, create_src, ncreate);
    if (ngrow) grow_topics(m, grow, ngrow);
    sbuf_t absent = {0};
    for (size_t i = 0; i < ncreate; i++) {
        if (create[i].error)
            sbuf_printf(&absent, "%s%s", absent.len ? ", " : "", create[i].topic);
        else
            ready_add(ready, nready, st.v[create_src[i]].name, create[i].topic,
                      create[i].partitions);
    }
    for (size_t i = 0; i < ngrow; i++)
        if (!grow[i].error)
            ready_add(ready, nready, st.v[grow_src[i]].name, grow[i].topic, grow[i].partitions);
        else
            (*missing)++;
    /* Say which topics are missing, once per change of the list. */
    if (absent.len && strcmp(sbuf_str(&absent), sbuf_str(last_missing))) {
        const char *why = "";
        for (size_t i = 0; i < ncreate && !*why; i++)
            if (create[i].error) why = create[i].error;
        log_warn("cannot create topics on the target (%s); copying the topics that exist. "
                 "Missing on the target: %s",
                 why, sbuf_str(&absent));
    }
    for (size_t i = 0; i < ncreate; i++)
        if (create[i].error) (*missing)++;
    sbuf_reset(last_missing);
    sbuf_puts(last_missing, sbuf_str(&absent));
    sbuf_free(&absent);
    if (sync_configs && *nready) configs_sync(m, ready, *nready);
    kitems_clear(create, ncreate);
    kitems_clear(grow, ngrow);
    free(create);
    free(grow);
    free(create_src);
    free(grow_src);
    ktopics_clear(&st);
    ktopics_clear(&tt);
    return ready;
}

/* Creates on the target the ACL bindings `kmig plan` would (plan.h rules:
 * every resource type, mapped principals); never deletes any. */
static void acls_sync(topic_manager_t *m) {
    const mm2_flow_t *f = m->flow;
    char err[512];
    inventory_t *src = inventory_new(f->source, NULL), *tgt = inventory_new(f->target, NULL);
    plan_t *p = NULL;
    if (kacl_describe_all(m->sadmin, src, f->admin_timeout_ms, err, sizeof err) ||
        kacl_describe_all(m->tadmin, tgt, f->admin_timeout_ms, err, sizeof err)) {
        log_warn("ACL sync skipped: %s", err);
        goto out;
    }
    plan_opts_t po = {.source_alias = f->source, .separator = f->separator, .policy = f->policy,
                      .topics = m->topics, .replication_factor = f->replication_factor,
                      .do_acls = true, .principals = m->principals};
    p = plan_build(src, tgt, &po);
    for (size_t i = 0; !m->acl_warned && i < p->nwarnings; i++)
        log_warn("ACL sync: %s", p->warnings[i]);
    m->acl_warned = true;
    if (!p->n) goto out;
    size_t failed = kplan_apply(p, m->tadmin, f->admin_timeout_ms);
    for (size_t i = 0; i < p->n; i++) {
        const inv_acl_t *a = &p->items[i].acl;
        if (p->items[i].error)
            log_warn("ACL sync: %s %s on %s %s: %s", a->principal, a->operation,
                     a->resource_type, a->resource_name, p->items[i].error);
    }
    if (failed < p->n) log_info("ACL sync: created %zu binding(s) on the target", p->n - failed);
out:
    plan_destroy(p);
    inventory_destroy(src);
    inventory_destroy(tgt);
}

static void *topic_manager_main(void *arg) {
    topic_manager_t *m = arg;
    const mm2_flow_t *f = m->flow;
    int64_t next_sync = 0, next_acl_sync = 0;
    sbuf_t last_missing = {0};
    bool first = true;
    while (!m->stop) {
        int64_t now = clock_mono_ms();
        bool sync = f->sync_topic_configs && now >= next_sync;
        size_t n, nsrc = 0;
        int missing;
        char **src_names = NULL;
        ready_topic_t *r =
            topic_manager_pass(m, &n, &missing, sync, &last_missing, &src_names, &nsrc);
        if (r) {
            if (sync) next_sync = now + (int64_t)f->sync_topic_configs_interval_s * 1000;
            pthread_mutex_lock(&m->tm_mu);
            ready_topics_free(m->ready, m->nready);
            m->ready = r;
            m->nready = n;
            m->missing = missing;
            names_free(m->src_names, m->nsrc);
            m->src_names = src_names;
            m->nsrc = nsrc;
            pthread_mutex_unlock(&m->tm_mu);
            atomic_fetch_add(&m->tm_gen, 1);
            first = false;
        }
        if (r && f->sync_topic_acls && now >= next_acl_sync) {
            acls_sync(m);
            next_acl_sync = now + (int64_t)f->sync_topic_acls_interval_s * 1000;
        }
        if (!first && !f->refresh_topics && !f->sync_topic_configs && !f->sync_topic_acls) break;
        int wait_s = first ? 2 : f->refresh_topics_interval_s;
        pthread_mutex_lock(&m->tm_mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += wait_s;
        while (!m->stop) {
            if (pthread_cond_timedwait(&m->tm_cond, &m->tm_mu, &ts)) break;
        }
        pthread_mutex_unlock(&m->tm_mu);
    }
    sbuf_free(&last_missing);
    return NULL;
}

topic_manager_t *topic_manager_new(const mm2_flow_t *flow, rd_kafka_t *source_admin,
                                   rd_kafka_t *target_admin, char *err, size_t errsz) {
    topic_manager_t *m = xcalloc(1, sizeof *m);
    m->flow = flow;
    m->sadmin = source_admin;
    m->tadmin = target_admin;
    pthread_mutex_init(&m->tm_mu, NULL);
    pthread_cond_init(&m->tm_cond, NULL);
    if (!(m->topics = name_filter_new(flow->topics, flow->topics_exclude, err, errsz)) ||
        !(m->config_exclude = name_filter_new(flow->config_properties_exclude, "", err, errsz))) {
        topic_manager_destroy(m);
        return NULL;
    }
    if (*flow->principal_map) {
        m->principals = principal_map_new();
        if (principal_map_load(m->principals, flow->principal_map, err, errsz)) {
            topic_manager_destroy(m);
            return NULL;
        }
    }
    return m;
}

int topic_manager_start(topic_manager_t *m) {
    if (pthread_create(&m->thread, NULL, topic_manager_main, m)) return -1;
    m->started = true;
    return 0;
}

void topic_manager_stop(topic_manager_t *m) {
    if (!m->started) return;
    pthread_mutex_lock(&m->tm_mu);
    m->stop = true;
    pthread_cond_broadcast(&m->tm_cond);
    pthread_mutex_unlock(&m->tm_mu);
    pthread_join(m->thread, NULL);
    m->started = false;
}

void topic_manager_destroy(topic_manager_t *m) {
    if (!m) return;
    topic_manager_stop(m);
    name_filter_destroy(m->topics);
    name_filter_destroy(m->config_exclude);
    principal_map_destroy(m->principals);
    ready_topics_free(m->ready, m->nready);
    names_free(m->src_names, m->nsrc);
    pthread_mutex_destroy(&m->tm_mu);
    pthread_cond_destroy(&m->tm_cond);
    free(m);
}

bool topic_manager_take(topic_manager_t *m, int *seen, ready_topic_t **out, size_t *n,
                        int *missing) {
    int gen = atomic_load(&m->tm_gen);
    if (gen == *seen) return false;
    *seen = gen;
    pthread_mutex_lock(&m->tm_mu);
    *n = m->nready;
    *missing = m->missing;
    *out = xcalloc(*n ? *n : 1, sizeof **out);
    for (size_t i = 0; i < *n; i++)
        (*out)[i] = (ready_topic_t){xstrdup(m->ready[i].name), xstrdup(m->ready[i].target),
                                    m->ready[i].partitions};
    pthread_mutex_unlock(&m->tm_mu);
    return true;
}


int topic_manager_source_has(topic_manager_t *m, const char *topic) {
    pthread_mutex_lock(&m->tm_mu);
    int rc = -1;
    if (m->src_names)
        rc = bsearch(&topic, m->src_names, m->nsrc, sizeof *m->src_names, name_cmp) != NULL;
    pthread_mutex_unlock(&m->tm_mu);
    return rc;
}

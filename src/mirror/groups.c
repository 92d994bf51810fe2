/* Group offset translation, checkpoints and sync (see groups.h). The rules
 * that keep it safe live in offsets/checkpoint.c; this file does the I/O:
 * reading committed offsets on both clusters, committing on the target, and
 * keeping checkpoints on the target so that a restart knows what kmig itself
 * committed (and so can tell consumers' own commits apart). */
#include "mirror/groups.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/sbuf.h"
#include "core/strmap.h"
#include "kafka/kadmin.h"
#include "kafka/kclient.h"
#include "kafka/kgroups.h"
#include "kafka/kread.h"
#include "metrics/prom.h"
#include "mirror/name_filter.h"

typedef struct stored {
    checkpoint_t cp;
} stored_t;

struct groups {
    mm2_t *mm2;
    const mm2_flow_t *flow;
    kv_list_t src_admin, tgt_admin, tgt_producer, tgt_consumer;
    rd_kafka_t *sadmin, *tadmin, *producer;
    rd_kafka_topic_t *ckpt_rkt;
    name_filter_t *filter;
    char **literals;
    bool all_literal; /* every `groups` entry is a name: no listing needed */
    int list_failures;
    struct timespec next_list; /* after a failed listing, not before this */
    char ckpt_topic[300];
    strmap_t *cps; /* "group\x1ftopic\x1fpartition" -> stored_t* */
    pthread_mutex_t mu; /* stats and status */
    groups_stats_t stats;
    sbuf_t status; /* "group\x1fstatus\x1fcount\n" lines of the last pass */
};

void groups_checkpoint_topic(char *buf, size_t size, const char *source) {
    snprintf(buf, size, "kmig-checkpoints.%s.internal", source);
}

void group_rows_clear(group_rows_t *r) {
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].group);
        free(r->v[i].topic);
        free(r->v[i].target_topic);
        free(r->v[i].error);
    }
    free(r->v);
    memset(r, 0, sizeof *r);
}

static group_row_t *rows_add(group_rows_t *r) {
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->v = xrealloc(r->v, r->cap * sizeof *r->v);
    }
    group_row_t *row = &r->v[r->n++];
    memset(row, 0, sizeof *row);
    return row;
}

static bool groups_is_literal(const char *s) {
    return strpbrk(s, "[]{}()*+?^$|\\") == NULL;
}

/* Literal group names in the `groups` list (they work where listing does not).
 * *all tells whether every entry is one. */
static char **groups_literals(const char *list, bool *all) {
    char **out = xcalloc(1, sizeof *out);
    size_t n = 0;
    *all = true;
    char *copy = xstrdup(list), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ' || *tok == '\t') tok++;
        size_t len = strlen(tok);
        while (len && (tok[len - 1] == ' ' || tok[len - 1] == '\t')) tok[--len] = '\0';
        if (!len) continue;
        if (!groups_is_literal(tok)) {
            *all = false;
            continue;
        }
        out = xrealloc(out, (n + 2) * sizeof *out);
        out[n++] = xstrdup(tok);
        out[n] = NULL;
    }
    free(copy);
    return out;
}

groups_t *groups_new(mm2_t *mm2, const mm2_flow_t *flow, char *err, size_t errsz) {
    groups_t *g = xcalloc(1, sizeof *g);
    g->mm2 = mm2;
    g->flow = flow;
    g->cps = strmap_new();
    pthread_mutex_init(&g->mu, NULL);
    groups_checkpoint_topic(g->ckpt_topic, sizeof g->ckpt_topic, flow->source);
    g->literals = groups_literals(flow->groups, &g->all_literal);
    if (!(g->filter = name_filter_new(flow->groups, flow->groups_exclude, err, errsz)) ||
        mm2_client_settings(mm2, flow->source, MM2_CLIENT_ADMIN, &g->src_admin, err, errsz) ||
        mm2_client_settings(mm2, flow->target, MM2_CLIENT_ADMIN, &g->tgt_admin, err, errsz) ||
        mm2_client_settings(mm2, flow->target, MM2_CLIENT_PRODUCER, &g->tgt_producer, err,
                            errsz) ||
        mm2_client_settings(mm2, flow->target, MM2_CLIENT_CONSUMER, &g->tgt_consumer, err,
                            errsz))
        goto fail;
    if (!(g->sadmin = kgroups_admin_new("source-group-admin", &g->src_admin, err, errsz)) ||
        !(g->tadmin = kgroups_admin_new("target-group-admin", &g->tgt_admin, err, errsz)))
        goto fail;
    return g;
fail:
    groups_destroy(g);
    return NULL;
}

void groups_destroy(groups_t *g) {
    if (!g) return;
    if (g->producer) {
        rd_kafka_flush(g->producer, 10000);
        if (g->ckpt_rkt) rd_kafka_topic_destroy(g->ckpt_rkt);
        rd_kafka_destroy(g->producer);
    }
    if (g->sadmin) rd_kafka_destroy(g->sadmin);
    if (g->tadmin) rd_kafka_destroy(g->tadmin);
    size_t pos = 0;
    const char *k;
    void *v;
    while (strmap_next(g->cps, &pos, &k, &v)) free(v);
    strmap_destroy(g->cps);
    for (char **p = g->literals; p && *p; p++) free(*p);
    free(g->literals);
    name_filter_destroy(g->filter);
    kv_list_clear(&g->src_admin);
    kv_list_clear(&g->tgt_admin);
    kv_list_clear(&g->tgt_producer);
    kv_list_clear(&g->tgt_consumer);
    pthread_mutex_destroy(&g->mu);
    sbuf_free(&g->status);
    free(g);
}

static void cp_key(char *buf, size_t size, const char *group, const char *topic, int32_t p) {
    snprintf(buf, size, "%s\x1f%s\x1f%d", group, topic, p);
}

static int load_one(void *opaque, const rd_kafka_message_t *m, char *err, size_t errsz) {
    groups_t *g = opaque;
    if (!m->key || !m->payload) return 0;
    char *group, *topic, *target, key[1024];
    int32_t p;
    checkpoint_t cp;
    if (checkpoint_decode(m->key, m->key_len, m->payload, m->len, &group, &topic, &p, &target,
                          &cp, err, errsz))
        return -1;
    cp_key(key, sizeof key, group, topic, p);
    stored_t *s = strmap_get(g->cps, key);
    if (!s) strmap_put(g->cps, key, s = xcalloc(1, sizeof *s));
    s->cp = cp;
    free(group);
    free(topic);
    free(target);
    return 0;
}

int groups_load_checkpoints(groups_t *g, char *err, size_t errsz) {
    kclient_opts_t o = {.type = RD_KAFKA_CONSUMER, .name = "target-checkpoint-reader",
                        .settings = &g->tgt_consumer};
    rd_kafka_t *rk = kclient_new(&o, err, errsz);
    if (!rk) return -1;
    int rc = kread_topic(rk, g->ckpt_topic, g->flow->admin_timeout_ms + 20000, load_one, g, err,
                         errsz);
    rd_kafka_destroy(rk);
    return rc;
}

static bool names_has(char **names, size_t n, const char *s) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], s)) return true;
    return false;
}

char **groups_select(groups_t *g, const char *const *only) {
    size_t n = 0;
    char **out = xcalloc(1, sizeof *out);
    const char *const *lit = only ? only : (const char *const *)g->literals;
    for (; lit && *lit; lit++) {
        if (names_has(out, n, *lit)) continue;
        out = xrealloc(out, (n + 2) * sizeof *out);
        out[n++] = xstrdup(*lit);
        out[n] = NULL;
    }
    if (only || g->all_literal) return out;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (g->list_failures && now.tv_sec < g->next_list.tv_sec) return out;
    char err[512], **listed = NULL;
    if (kgroups_list(g->sadmin, g->flow->admin_timeout_ms, &listed, err, sizeof err)) {
        if (!g->list_failures)
            log_warn("cannot list the source's consumer groups (%s); using the literal names in "
                     "`groups` only, and trying again later",
                     err);
        /* Back off: 1, 2, 4 ... up to 60 minutes between attempts. */
        int shift = g->list_failures < 6 ? g->list_failures : 6;
        g->next_list.tv_sec = now.tv_sec + 60L * (1L << shift);
        g->list_failures++;
        return out;
    }
    g->list_failures = 0;
    for (char **p = listed; *p; p++) {
        if (!name_filter_match(g->filter, *p) || names_has(out, n, *p)) continue;
        out = xrealloc(out, (n + 2) * sizeof *out);
        out[n++] = xstrdup(*p);
        out[n] = NULL;
    }
    kgroups_names_free(listed);
    return out;
}

static const char *status_of(const group_row_t *r) {
    switch (r->action) {
    case SYNC_PENDING: return checkpoint_status_name(r->cp.status);
    case SYNC_UP_TO_DATE: return "up-to-date";
    case SYNC_BEHIND: return "behind";
    case SYNC_TAKEN_OVER: return "taken-over";
    case SYNC_WRITE: return "exact";
    }
    return "?";
}

static bool is_active_error(const char *e) {
    static const char *const codes[] = {"UNKNOWN_MEMBER_ID", "ILLEGAL_GENERATION",
                                        "REBALANCE_IN_PROGRESS", "GROUP_SUBSCRIBED_TO_TOPIC",
                                        "FENCED_INSTANCE_ID"};
    for (size_t i = 0; e && i < sizeof codes / sizeof codes[0]; i++)
        if (!strncmp(e, codes[i], strlen(codes[i]))) return true;
    return false;
}

static void checkpoint_emit(groups_t *g, const group_row_t *r) {
    char err[256];
    if (!g->producer) {
        kv_list_t req = {0};
        kv_list_add(&req, "acks", "all", "kmig", false);
        kclient_opts_t o = {.type = RD_KAFKA_PRODUCER, .name = "target-checkpoint-writer",
                            .settings = &g->tgt_producer, .required = &req};
        if (kadmin_ensure_compacted(g->tadmin, g->ckpt_topic, g->flow->checkpoints_replication_factor,
                                    g->flow->admin_timeout_ms, err, sizeof err))
            log_warn("could not create the checkpoints topic %s on the target (%s); it must exist "
                     "or be auto-created (check checkpoints.topic.replication.factor)",
                     g->ckpt_topic, err);
        g->producer = kclient_new(&o, err, sizeof err);
        kv_list_clear(&req);
        if (!g->producer) {
            log_error("checkpoints: %s", err);
            return;
        }
        g->ckpt_rkt = rd_kafka_topic_new(g->producer, g->ckpt_topic, NULL);
    }
    sbuf_t k = {0}, v = {0};
    checkpoint_encode_key(&k, r->group, r->topic, r->partition);
    checkpoint_encode_value(&v, r->target_topic, &r->cp);
    while (rd_kafka_produce(g->ckpt_rkt, 0, RD_KAFKA_MSG_F_COPY, v.s, v.len, k.s, k.len, NULL) ==
               -1 &&
           rd_kafka_last_error() == RD_KAFKA_RESP_ERR__QUEUE_FULL)
        rd_kafka_poll(g->producer, 50);
    sbuf_free(&k);
    sbuf_free(&v);
}

/* Commits the group's SYNC_WRITE rows [from, to) on the target. */
static void groups_write(groups_t *g, const char *group, group_rows_t *rows, size_t from, size_t to) {
    kgroup_offsets_t w = {0};
    for (size_t i = from; i < to; i++)
        if (rows->v[i].action == SYNC_TAKEN_OVER) {
            log_info("group %s: consumers on the target committed their own offsets; kmig leaves "
                     "the group alone",
                     group);
            return;
        }
    for (size_t i = from; i < to; i++)
        if (rows->v[i].action == SYNC_WRITE)
            kgroup_offsets_add(&w, rows->v[i].target_topic, rows->v[i].partition,
                               rows->v[i].cp.target_offset);
    if (!w.n) return;
    char err[512] = "";
    int rc = kgroups_alter(g->tadmin, group, &w, g->flow->admin_timeout_ms, err, sizeof err);
    size_t written = 0, k = 0;
    for (size_t i = from; i < to; i++) {
        group_row_t *r = &rows->v[i];
        if (r->action != SYNC_WRITE) continue;
        const char *e = rc ? err : w.v[k].error;
        k++;
        if (e && *e) {
            r->status = is_active_error(e) ? "active-on-target" : "failed";
            r->error = xstrdup(e);
            continue;
        }
        r->status = "written";
        r->cp.synced_offset = r->cp.target_offset;
        written++;
    }
    pthread_mutex_lock(&g->mu);
    if (written) g->stats.groups_synced++;
    g->stats.offsets_written += (int64_t)written;
    if (rc && is_active_error(err)) g->stats.active++;
    else if (rc) g->stats.failures++;
    pthread_mutex_unlock(&g->mu);
    const char *refused = rc ? err : NULL;
    for (size_t i = from; i < to && !refused; i++)
        if (rows->v[i].error) refused = rows->v[i].error;
    if (written) log_info("group %s: committed %zu offsets on the target", group, written);
    if (refused)
        log_warn("group %s: not committed on the target%s: %s", group,
                 is_active_error(refused) ? " (the group has active members there)" : "",
                 refused);
    kgroup_offsets_clear(&w);
}

int groups_pass(groups_t *g, char **names, const groups_partition_t *parts, size_t nparts,
                groups_translate_fn translate, void *opaque, const group_import_t *imp,
                bool write, group_rows_t *rows) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int failed = 0;
    kgroup_offsets_t src = {0};
    for (size_t i = 0; i < nparts; i++) kgroup_offsets_add(&src, parts[i].topic, parts[i].partition, -1);
    int64_t pending = 0, taken = 0, dups = 0;
    sbuf_t status = {0};
    for (char **name = names; name && *name; name++) {
        char err[512];
        kgroup_offsets_t sc = {0}, tq = {0}, tc = {0};
        if (imp) {
            for (size_t i = 0; i < src.n; i++)
                kgroup_offsets_add(&sc, src.v[i].topic, src.v[i].partition,
                                   group_import_get(imp, *name, src.v[i].topic,
                                                    src.v[i].partition));
        } else if (kgroups_committed(g->sadmin, *name, &src, g->flow->admin_timeout_ms, &sc, err,
                                     sizeof err)) {
            log_warn("group %s: source offsets: %s", *name, err);
            failed++;
            continue;
        }
        size_t from = rows->n;
        for (size_t i = 0; i < sc.n; i++) {
            if (sc.v[i].offset < 0) continue;
            group_row_t *r = rows_add(rows);
            r->group = xstrdup(*name);
            r->topic = xstrdup(parts[i].topic);
            r->target_topic = xstrdup(parts[i].target_topic);
            r->partition = parts[i].partition;
            r->source_offset = sc.v[i].offset;
            r->source_lag = parts[i].source_end >= 0 && parts[i].source_end > r->source_offset
                                ? parts[i].source_end - r->source_offset
                                : 0;
            r->cp.source_offset = r->source_offset;
            r->cp.target_offset = -1;
            r->cp.status = translate(opaque, r->topic, r->partition, r->source_offset,
                                     &r->cp.target_offset);
            if (r->cp.status != OFFSET_MAP_EXACT) r->cp.target_offset = -1;
            int64_t first = parts[i].target_first;
            if (r->cp.status == OFFSET_MAP_EXACT && first >= 0 && r->cp.target_offset > first) {
                int64_t k = (r->cp.target_offset - first) % 100;
                dups += k ? k - 1 : 0;
            }
            char key[1024];
            cp_key(key, sizeof key, r->group, r->topic, r->partition);
            stored_t *s = strmap_get(g->cps, key);
            r->cp.synced_offset = s ? s->cp.synced_offset : -1;
            kgroup_offsets_add(&tq, r->target_topic, r->partition, -1);
        }
        kgroup_offsets_clear(&sc);
        if (rows->n == from) continue;
        if (kgroups_committed(g->tadmin, *name, &tq, g->flow->admin_timeout_ms, &tc, err,
                              sizeof err)) {
            log_warn("group %s: target offsets: %s", *name, err);
            failed++;
        }
        for (size_t i = from; i < rows->n; i++) {
            group_row_t *r = &rows->v[i];
            r->target_committed = tc.n ? tc.v[i - from].offset : -1;
            r->action = checkpoint_sync_decide(&r->cp, r->target_committed);
            r->status = status_of(r);
            pending += r->action == SYNC_PENDING;
            taken += r->action == SYNC_TAKEN_OVER;
        }
        kgroup_offsets_clear(&tq);
        kgroup_offsets_clear(&tc);
        if (write) groups_write(g, *name, rows, from, rows->n);
        static const char *const statuses[] = {"exact", "pending", "not-copied", "up-to-date",
                                               "behind", "taken-over", "written",
                                               "active-on-target", "failed"};
        for (size_t k = 0; k < sizeof statuses / sizeof statuses[0]; k++) {
            int count = 0;
            for (size_t i = from; i < rows->n; i++) count += !strcmp(rows->v[i].status, statuses[k]);
            if (count) sbuf_printf(&status, "%s\x1f%s\x1f%d\n", *name, statuses[k], count);
        }
        /* Checkpoints: the latest translation per group and partition. */
        for (size_t i = from; (write || g->flow->emit_checkpoints) && i < rows->n; i++) {
            group_row_t *r = &rows->v[i];
            char key[1024];
            cp_key(key, sizeof key, r->group, r->topic, r->partition);
            stored_t *s = strmap_get(g->cps, key);
            if (s && s->cp.source_offset == r->cp.source_offset &&
                s->cp.target_offset == r->cp.target_offset && s->cp.status == r->cp.status &&
                s->cp.synced_offset == r->cp.synced_offset)
                continue;
            if (!s) strmap_put(g->cps, key, s = xcalloc(1, sizeof *s));
            s->cp = r->cp;
            checkpoint_emit(g, r);
        }
    }
    kgroup_offsets_clear(&src);
    if (g->producer) rd_kafka_flush(g->producer, 10000);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pthread_mutex_lock(&g->mu);
    g->stats.passes++;
    g->stats.pending = pending;
    g->stats.taken_over = taken;
    g->stats.duplicates_avoided = dups;
    sbuf_free(&g->status);
    g->status = status;
    g->stats.last_pass_ms =
        (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    pthread_mutex_unlock(&g->mu);
    return failed;
}

void groups_get_stats(groups_t *g, groups_stats_t *out) {
    pthread_mutex_lock(&g->mu);
    *out = g->stats;
    pthread_mutex_unlock(&g->mu);
}

void groups_render_status(groups_t *g, sbuf_t *out, const char *name, const char *source,
                          const char *target) {
    pthread_mutex_lock(&g->mu);
    char *copy = xstrdup(sbuf_str(&g->status)), *save = NULL;
    pthread_mutex_unlock(&g->mu);
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *status = strchr(line, '\x1f');
        if (!status) continue;
        *status++ = '\0';
        char *count = strchr(status, '\x1f');
        if (!count) continue;
        *count++ = '\0';
        const char *labels[] = {"source", source, "target", target, "group", line,
                                "status", status, NULL};
        prom_sample_i64(out, name, labels, strtoll(count, NULL, 10));
    }
    free(copy);
}

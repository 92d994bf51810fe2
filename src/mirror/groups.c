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

#include "core/clock.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "core/strmap.h"
#include "kafka/kadmin.h"
#include "kafka/kclient.h"
#include "kafka/kgroups.h"
#include "kafka/kread.h"
#include "metrics/prom.h"
#include "mirror/name_filter.h"
#include "offsets/group_presence.h"

/* A group's position on one partition as this process knows it (`cp`, which
 * includes kmig's own commits), and the last one the checkpoints topic
 * confirmed (`persisted`). They differ while a checkpoint is unconfirmed or
 * was lost: it is written again on the next pass. */
typedef struct stored {
    checkpoint_t cp, persisted;
    bool has_persisted;
} stored_t;

/* A checkpoint record in flight (the produce opaque, freed in its delivery
 * report). */
typedef struct ckpt_msg {
    char *key;
    checkpoint_t cp;
} ckpt_msg_t;

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
    bool ckpt_topic_ok; /* the checkpoints topic exists (checked before the first commit) */
    bool emit;          /* record checkpoints in passes that do not write */
    strmap_t *cps; /* group_import_key() -> stored_t* */
    /* Checkpoint delivery in the current pass (groups thread only). */
    int ckpt_lost;
    char ckpt_error[256];
    pthread_mutex_t mu; /* stats and status */
    groups_stats_t stats;
    sbuf_t status; /* "<len>:<group><status> <count>\n" per group and status of the last
                      pass (the group length-prefixed: any bytes) */
    groups_view_t *view; /* the last pass's rows (swapped and referenced under mu) */
};

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

void groups_checkpoint_topic(char *buf, size_t size, const char *source) {
    snprintf(buf, size, "kmig-checkpoints.%s.internal", source);
}

void groups_set_emit(groups_t *g, bool emit) {
    g->emit = emit;
}

groups_t *groups_new(mm2_t *mm2, const mm2_flow_t *flow, char *err, size_t errsz) {
    groups_t *g = xcalloc(1, sizeof *g);
    g->mm2 = mm2;
    g->flow = flow;
    g->cps = strmap_new();
    pthread_mutex_init(&g->mu, NULL);
    groups_checkpoint_topic(g->ckpt_topic, sizeof g->ckpt_topic, flow->source);
    g->emit = flow->emit_checkpoints;
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
        g->ckpt_lost = 0;
        if (rd_kafka_flush(g->producer, g->flow->admin_timeout_ms + 1000)) {
            /* Their delivery reports free the records and count them lost. */
            rd_kafka_purge(g->producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
            rd_kafka_flush(g->producer, 1000);
        }
        if (g->ckpt_lost)
            log_error("checkpoints: %d records were not stored on %s at exit (%s)", g->ckpt_lost,
                      g->ckpt_topic, g->ckpt_error);
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
    groups_view_release(g->view);
    free(g);
}

void groups_publish_rows(groups_t *g, group_rows_t *rows) {
    groups_view_t *v = xcalloc(1, sizeof *v);
    atomic_init(&v->refs, 1);
    v->rows = *rows;
    memset(rows, 0, sizeof *rows);
    v->wall_ms = clock_wall_ms();
    pthread_mutex_lock(&g->mu);
    groups_view_t *old = g->view;
    g->view = v;
    pthread_mutex_unlock(&g->mu);
    groups_view_release(old);
}

groups_view_t *groups_view_acquire(groups_t *g) {
    pthread_mutex_lock(&g->mu);
    groups_view_t *v = g->view;
    if (v) atomic_fetch_add(&v->refs, 1);
    pthread_mutex_unlock(&g->mu);
    return v;
}

void groups_view_release(groups_view_t *v) {
    if (!v || atomic_fetch_sub(&v->refs, 1) != 1) return;
    group_rows_clear(&v->rows);
    free(v);
}

/* The stored position of group/topic/partition, created when missing; the
 * key goes to *key when key is not NULL (caller frees). */
static stored_t *stored_get(groups_t *g, const char *group, const char *topic, int32_t p,
                            bool create, char **key) {
    sbuf_t k = {0};
    group_import_key(&k, group, topic, p);
    stored_t *s = strmap_get(g->cps, k.s);
    if (!s && create) {
        strmap_put(g->cps, k.s, s = xcalloc(1, sizeof *s));
        s->cp = s->persisted = (checkpoint_t){-1, -1, OFFSET_MAP_NOT_COPIED, -1};
    }
    if (key) *key = k.s;
    else sbuf_free(&k);
    return s;
}

static int load_one(void *opaque, const rd_kafka_message_t *m, char *err, size_t errsz) {
    groups_t *g = opaque;
    if (!m->key || !m->payload) return 0;
    char *group, *topic, *target;
    int32_t p;
    checkpoint_t cp;
    if (checkpoint_decode(m->key, m->key_len, m->payload, m->len, &group, &topic, &p, &target,
                          &cp, err, errsz))
        return -1;
    stored_t *s = stored_get(g, group, topic, p, true, NULL);
    s->cp = s->persisted = cp;
    s->has_persisted = true;
    free(group);
    free(topic);
    free(target);
    return 0;
}

void groups_note_synced(groups_t *g, const char *group, const char *topic, int32_t partition,
                        int64_t offset) {
    stored_t *s = stored_get(g, group, topic, partition, true, NULL);
    if (s->cp.synced_offset < 0) s->cp.synced_offset = offset;
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
    case SYNC_UNKNOWN: return "failed";
    }
    return "?";
}

static bool is_active_error(const char *e) {
    return group_commit_refused_by_members(e);
}

/* The error of a commit the target refused because the group has members
 * there, said so (both protocols: Kafka accepts a commit from outside only
 * while the group has no members; a KIP-848 group answers UNKNOWN_MEMBER_ID
 * like a classic one). Caller frees. */
static char *active_refusal_text(const char *e) {
    sbuf_t b = {0};
    sbuf_printf(&b, "%s (the group has active members on the target, classic or "
                    "consumer-protocol: Kafka accepts offsets from outside only while a group "
                    "has no members; not moved)",
                e);
    return b.s;
}

/* Delivery report of a checkpoint record (on the thread that polls: the
 * group thread, or groups_destroy). Only a confirmed record counts as stored. */
static void checkpoint_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    groups_t *g = opaque;
    ckpt_msg_t *c = m->_private;
    if (m->err) {
        if (!g->ckpt_lost++)
            snprintf(g->ckpt_error, sizeof g->ckpt_error, "%s: %s", rd_kafka_err2name(m->err),
                     rd_kafka_err2str(m->err));
        pthread_mutex_lock(&g->mu);
        g->stats.checkpoint_failures++;
        pthread_mutex_unlock(&g->mu);
    } else {
        stored_t *s = strmap_get(g->cps, c->key);
        if (s) {
            s->persisted = c->cp;
            s->has_persisted = true;
        }
    }
    free(c->key);
    free(c);
}

static int checkpoint_producer(groups_t *g, char *err, size_t errsz) {
    if (g->producer) return 0;
    char timeout[24];
    snprintf(timeout, sizeof timeout, "%d", g->flow->admin_timeout_ms);
    kv_list_t req = {0};
    kv_list_add(&req, "acks", "all", "kmig", false);
    kv_list_add(&req, "message.timeout.ms", timeout, "kmig", false);
    kclient_opts_t o = {.type = RD_KAFKA_PRODUCER, .name = "target-checkpoint-writer",
                        .settings = &g->tgt_producer, .required = &req, .opaque = g,
                        .dr_msg_cb = checkpoint_dr};
    g->producer = kclient_new(&o, err, errsz);
    kv_list_clear(&req);
    if (!g->producer) return -1;
    g->ckpt_rkt = rd_kafka_topic_new(g->producer, g->ckpt_topic, NULL);
    return 0;
}

/* Queues the checkpoint of row r (key of the stored table: key, taken). */
static void checkpoint_emit(groups_t *g, const group_row_t *r, char *key) {
    char err[256];
    if (checkpoint_producer(g, err, sizeof err)) {
        if (!g->ckpt_lost++) snprintf(g->ckpt_error, sizeof g->ckpt_error, "%s", err);
        pthread_mutex_lock(&g->mu);
        g->stats.checkpoint_failures++;
        pthread_mutex_unlock(&g->mu);
        free(key);
        return;
    }
    ckpt_msg_t *c = xmalloc(sizeof *c);
    *c = (ckpt_msg_t){key, r->cp};
    sbuf_t k = {0}, v = {0};
    checkpoint_encode_key(&k, r->group, r->topic, r->partition);
    checkpoint_encode_value(&v, r->target_topic, &r->cp);
    int rc;
    while ((rc = rd_kafka_produce(g->ckpt_rkt, 0, RD_KAFKA_MSG_F_COPY, v.s, v.len, k.s, k.len,
                                  c)) == -1 &&
           rd_kafka_last_error() == RD_KAFKA_RESP_ERR__QUEUE_FULL)
        rd_kafka_poll(g->producer, 50);
    if (rc == -1) {
        rd_kafka_resp_err_t e = rd_kafka_last_error();
        if (!g->ckpt_lost++)
            snprintf(g->ckpt_error, sizeof g->ckpt_error, "%s: %s", rd_kafka_err2name(e),
                     rd_kafka_err2str(e));
        pthread_mutex_lock(&g->mu);
        g->stats.checkpoint_failures++;
        pthread_mutex_unlock(&g->mu);
        free(c->key);
        free(c);
    }
    sbuf_free(&k);
    sbuf_free(&v);
}

/* Waits (bounded) for the pass's checkpoints; -1, said loudly, when any was
 * not stored. */
static int checkpoint_flush(groups_t *g) {
    /* Records time out after admin_timeout_ms (message.timeout.ms): their
     * reports normally come within this wait. */
    if (g->producer && rd_kafka_flush(g->producer, g->flow->admin_timeout_ms + 1000)) {
        int left = rd_kafka_outq_len(g->producer);
        log_error("checkpoints: %d records not confirmed by %s within %d ms; kmig writes them "
                  "again next pass",
                  left, g->ckpt_topic, g->flow->admin_timeout_ms);
        return -1;
    }
    if (!g->ckpt_lost) return 0;
    log_error("checkpoints: %d records were not stored on %s (%s); kmig writes them again next "
              "pass, and until they are stored a restarted kmig cannot tell its own commits from "
              "the target consumers'",
              g->ckpt_lost, g->ckpt_topic, g->ckpt_error);
    return -1;
}

/* Before the first commit: the checkpoints topic must exist, or kmig could
 * not later tell its own commits from the consumers'. Asked again each pass
 * until it works. */
static int checkpoint_topic_ready(groups_t *g, char *err, size_t errsz) {
    if (g->ckpt_topic_ok) return 0;
    char why[512];
    if (kadmin_ensure_compacted(g->tadmin, g->ckpt_topic, g->flow->checkpoints_replication_factor,
                                g->flow->admin_timeout_ms, why, sizeof why)) {
        snprintf(err, errsz,
                 "the checkpoints topic %s cannot be created on the target (%.300s; check "
                 "checkpoints.topic.replication.factor): kmig does not commit offsets it cannot "
                 "record",
                 g->ckpt_topic, why);
        return -1;
    }
    g->ckpt_topic_ok = true;
    return 0;
}

static void row_fail(group_row_t *r, const char *what, const char *err) {
    sbuf_t b = {0};
    sbuf_printf(&b, "%s: %s", what, err);
    free(r->error);
    r->error = b.s;
    r->status = "failed";
}

/* Coordinator calls (committed offsets, commits) get at least a minute:
 * librdkafka 2.0.2 (and later, confluentinc/librdkafka#4605) aborts the
 * process when such a call times out while the coordinator's broker is down,
 * so kmig lets a broker restart finish instead. */
static int coord_timeout(const groups_t *g) {
    return g->flow->admin_timeout_ms > 60000 ? g->flow->admin_timeout_ms : 60000;
}

/* Both clusters answer a metadata request: checked before each pass, so that
 * no coordinator call is started while a cluster is down (see coord_timeout). */
static bool clusters_up(groups_t *g, char *err, size_t errsz) {
    rd_kafka_t *h[2] = {g->sadmin, g->tadmin};
    const char *alias[2] = {g->flow->source, g->flow->target};
    for (int i = 0; i < 2; i++) {
        const rd_kafka_metadata_t *md;
        rd_kafka_resp_err_t e = rd_kafka_metadata(h[i], 0, NULL, &md, 3000);
        if (e) {
            snprintf(err, errsz, "cluster %s does not answer (%s)", alias[i], rd_kafka_err2str(e));
            return false;
        }
        rd_kafka_metadata_destroy(md);
    }
    return true;
}

/* Commits the group's SYNC_WRITE rows [from, to) on the target; with
 * `refused`, commits nothing and says why on those rows. */
static void groups_write(groups_t *g, const char *group, group_rows_t *rows, size_t from,
                         size_t to, const char *refused_why) {
    kgroup_offsets_t w = {0};
    for (size_t i = from; i < to; i++)
        if (rows->v[i].action == SYNC_TAKEN_OVER) {
            log_info("group %s: consumers on the target committed their own offsets; kmig leaves "
                     "the group alone",
                     group);
            return;
        }
    if (refused_why) {
        size_t n = 0;
        for (size_t i = from; i < to; i++)
            if (rows->v[i].action == SYNC_WRITE) {
                row_fail(&rows->v[i], "not committed", refused_why);
                n++;
            }
        if (n) {
            log_error("group %s: not committed on the target: %s", group, refused_why);
            pthread_mutex_lock(&g->mu);
            g->stats.failures++;
            pthread_mutex_unlock(&g->mu);
        }
        return;
    }
    for (size_t i = from; i < to; i++)
        if (rows->v[i].action == SYNC_WRITE)
            kgroup_offsets_add(&w, rows->v[i].target_topic, rows->v[i].partition,
                               rows->v[i].cp.target_offset);
    if (!w.n) return;
    char err[512] = "";
    int rc = kgroups_alter(g->tadmin, group, &w, coord_timeout(g), err, sizeof err);
    size_t written = 0, k = 0;
    for (size_t i = from; i < to; i++) {
        group_row_t *r = &rows->v[i];
        if (r->action != SYNC_WRITE) continue;
        const char *e = rc ? err : w.v[k].error;
        k++;
        if (e && *e) {
            r->status = is_active_error(e) ? "active-on-target" : "failed";
            r->error = is_active_error(e) ? active_refusal_text(e) : xstrdup(e);
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

/* A row for a partition whose source offset could not be read (topic NULL:
 * the whole read failed). Unknown, so nothing is translated or written. */
static void row_source_failed(group_rows_t *rows, const char *group, const groups_partition_t *p,
                              const char *err) {
    group_row_t *r = rows_add(rows);
    r->group = xstrdup(group);
    if (p) {
        r->topic = xstrdup(p->topic);
        r->target_topic = xstrdup(p->target_topic);
    }
    r->partition = p ? p->partition : -1;
    r->source_offset = r->target_committed = CHECKPOINT_UNKNOWN;
    r->cp = (checkpoint_t){CHECKPOINT_UNKNOWN, -1, OFFSET_MAP_NOT_COPIED, -1};
    r->action = SYNC_UNKNOWN;
    row_fail(r, "source offsets", err);
}

/* The rows of one group: its committed source offsets on parts (read, or
 * from imp), translated, and what the target group has. Returns -1 when any
 * offset could not be read (those rows are `failed`). */
static int group_rows(groups_t *g, const char *name, const groups_partition_t *parts,
                      const kgroup_offsets_t *src, groups_translate_fn translate, void *opaque,
                      const group_import_t *imp, group_rows_t *rows, int64_t *dups) {
    char err[512];
    int rc = 0;
    kgroup_offsets_t sc = {0}, tq = {0}, tc = {0};
    if (imp) {
        for (size_t i = 0; i < src->n; i++)
            kgroup_offsets_add(&sc, src->v[i].topic, src->v[i].partition,
                               group_import_get(imp, name, src->v[i].topic, src->v[i].partition));
    } else if (kgroups_committed(g->sadmin, name, src, coord_timeout(g), &sc, err,
                                 sizeof err) ||
               (sc.n != src->n && snprintf(err, sizeof err, "the answer has other partitions"))) {
        log_warn("group %s: source offsets: %s; nothing is written for the group", name, err);
        row_source_failed(rows, name, NULL, err);
        kgroup_offsets_clear(&sc);
        return -1;
    }
    size_t from = rows->n;
    for (size_t i = 0; i < sc.n; i++) {
        if (sc.v[i].error) {
            log_warn("group %s: source offset of %s [%d]: %s; nothing is written for the group",
                     name, parts[i].topic, parts[i].partition, sc.v[i].error);
            row_source_failed(rows, name, &parts[i], sc.v[i].error);
            rc = -1;
            continue;
        }
        if (sc.v[i].offset < 0) continue;
        group_row_t *r = rows_add(rows);
        r->group = xstrdup(name);
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
            *dups += k ? k - 1 : 0;
        }
        stored_t *s = stored_get(g, r->group, r->topic, r->partition, false, NULL);
        r->cp.synced_offset = s ? s->cp.synced_offset : -1;
        kgroup_offsets_add(&tq, r->target_topic, r->partition, -1);
    }
    kgroup_offsets_clear(&sc);
    if (!tq.n) return rc;
    bool whole = kgroups_committed(g->tadmin, name, &tq, coord_timeout(g), &tc, err,
                                   sizeof err) != 0;
    if (!whole && tc.n != tq.n) {
        snprintf(err, sizeof err, "the answer has other partitions");
        whole = true;
    }
    if (whole) log_warn("group %s: target offsets: %s; nothing is written for the group", name, err);
    size_t k = 0;
    for (size_t i = from; i < rows->n; i++) {
        group_row_t *r = &rows->v[i];
        if (r->action == SYNC_UNKNOWN && r->source_offset == CHECKPOINT_UNKNOWN) continue;
        const char *e = whole ? err : tc.v[k].error;
        r->target_committed = e ? CHECKPOINT_UNKNOWN : tc.v[k].offset;
        k++;
        r->action = checkpoint_sync_decide(&r->cp, r->target_committed);
        r->status = status_of(r);
        if (e) {
            if (!whole)
                log_warn("group %s: target offset of %s [%d]: %s; nothing is written for the "
                         "group",
                         name, r->target_topic, r->partition, e);
            row_fail(r, "target offsets", e);
            rc = -1;
        }
    }
    kgroup_offsets_clear(&tq);
    kgroup_offsets_clear(&tc);
    return rc;
}

static bool checkpoint_same(const checkpoint_t *a, const checkpoint_t *b) {
    return a->source_offset == b->source_offset && a->target_offset == b->target_offset &&
           a->status == b->status && a->synced_offset == b->synced_offset;
}

/* Queues the checkpoints of rows [from, to) that differ from what the
 * checkpoints topic has confirmed (a lost one is written again). */
static void group_checkpoints(groups_t *g, group_rows_t *rows, size_t from, size_t to) {
    for (size_t i = from; i < to; i++) {
        group_row_t *r = &rows->v[i];
        if (r->source_offset < 0) continue; /* unknown: nothing to record */
        char *key;
        stored_t *s = stored_get(g, r->group, r->topic, r->partition, true, &key);
        s->cp = r->cp;
        if (s->has_persisted && checkpoint_same(&s->persisted, &s->cp)) {
            free(key);
            continue;
        }
        checkpoint_emit(g, r, key);
    }
}

int groups_pass(groups_t *g, char **names, const groups_partition_t *parts, size_t nparts,
                groups_translate_fn translate, void *opaque, const group_import_t *imp,
                bool write, group_rows_t *rows) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int failed = 0;
    kgroup_offsets_t src = {0};
    for (size_t i = 0; i < nparts; i++) kgroup_offsets_add(&src, parts[i].topic, parts[i].partition, -1);
    int64_t pending = 0, taken = 0, dups = 0, read_failures = 0;
    sbuf_t status = {0};
    char refused[768];
    const char *refused_why = NULL;
    if (write && nparts && names && *names && checkpoint_topic_ready(g, refused, sizeof refused))
        refused_why = refused;
    g->ckpt_lost = 0;
    g->ckpt_error[0] = '\0';
    char down[512];
    if (nparts && names && *names && !imp && !clusters_up(g, down, sizeof down)) {
        log_warn("consumer groups: %s; no group is read or written in this pass", down);
        for (char **name = names; *name; name++) {
            row_source_failed(rows, *name, NULL, down);
            failed++;
            read_failures++;
        }
        nparts = 0; /* skip the pass, keep the bookkeeping below */
    }
    /* No copied partition: nothing to translate (an empty list would ask for
     * every partition the group has). */
    for (char **name = names; nparts && name && *name; name++) {
        size_t from = rows->n;
        int rc = group_rows(g, *name, parts, &src, translate, opaque, imp, rows, &dups);
        if (rc) {
            failed++;
            read_failures++;
        }
        if (rows->n == from) continue;
        for (size_t i = from; i < rows->n; i++) {
            pending += rows->v[i].action == SYNC_PENDING;
            taken += rows->v[i].action == SYNC_TAKEN_OVER;
        }
        /* Unknown is not "none": a group with any offset unread is not written. */
        if (write && !rc) groups_write(g, *name, rows, from, rows->n, refused_why);
        static const char *const statuses[] = {"exact", "pending", "not-copied", "up-to-date",
                                               "behind", "taken-over", "written",
                                               "active-on-target", "failed"};
        for (size_t k = 0; k < sizeof statuses / sizeof statuses[0]; k++) {
            int count = 0;
            for (size_t i = from; i < rows->n; i++) count += !strcmp(rows->v[i].status, statuses[k]);
            if (count)
                sbuf_printf(&status, "%zu:%s%s %d\n", strlen(*name), *name, statuses[k], count);
        }
        if (write || g->emit) group_checkpoints(g, rows, from, rows->n);
    }
    kgroup_offsets_clear(&src);
    if (checkpoint_flush(g)) failed++;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pthread_mutex_lock(&g->mu);
    g->stats.passes++;
    g->stats.pending = pending;
    g->stats.taken_over = taken;
    g->stats.read_failures += read_failures;
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
    char *copy = xstrdup(sbuf_str(&g->status));
    pthread_mutex_unlock(&g->mu);
    for (const char *p = copy; *p;) {
        char *end;
        size_t len = strtoul(p, &end, 10);
        if (*end != ':' || strlen(end + 1) < len) break;
        const char *st = end + 1 + len, *sp = strchr(st, ' '), *nl = sp ? strchr(sp, '\n') : NULL;
        if (!nl) break;
        char *group = xstrndup(end + 1, len), *status = xstrndup(st, (size_t)(sp - st));
        const char *labels[] = {"source", source, "target", target, "group", group,
                                "status", status, NULL};
        prom_sample_i64(out, name, labels, strtoll(sp + 1, NULL, 10));
        free(group);
        free(status);
        p = nl + 1;
    }
    free(copy);
}

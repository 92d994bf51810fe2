/* Workers (mworkers.h): membership of one `kmig mirror` process in its flow's
 * consumer group on the target, and which tasks it owns. The group consumer
 * subscribes to the tasks topic (one partition per task, no records) with the
 * cooperative-sticky assignor; its rebalance callback, served by
 * mworkers_poll() on the copy loop's thread, turns assigned and revoked
 * partitions into the start and stop hooks. A ticker thread measures pauses
 * of the whole process (SIGSTOP, a frozen VM): a pause longer than the
 * session timeout (less a heartbeat) means the group has probably given this
 * process's tasks to others, so they are dropped as lost at once, without
 * waiting for the group to say so; if the group then leaves them assigned
 * here, they are started again from their persisted maps.
 * Every worker's group client id carries its flow's fingerprint (mtask.h): a
 * checker thread describes the group now and then and, when a member runs
 * the flow with another selection (another file, another tasks.max), fails
 * the run: such workers would split the tasks over different partition sets
 * and leave some partitions copied by nobody. */
#include "mirror/mworkers.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "kafka/kadmin.h"
#include "kafka/kclient.h"
#include "kafka/kgroups.h"
#include "mirror/mtask.h"

#define TICK_MS 100
#define CHECK_FIRST_MS 3000    /* the first look at the group's members (once joined) */
#define CHECK_INTERVAL_MS 30000 /* then */
#define CLIENT_PREFIX "kmig-worker-"
#define FRESH_MS 5000 /* a worker that joined less long ago is the newcomer */

struct mworkers {
    const mm2_flow_t *flow;
    mworkers_hooks_t hooks;
    rd_kafka_t *rk;
    char topic[300], group[400], member[256];
    int ntasks;
    bool *owned;
    int nowned;
    bool joined;
    int64_t rebalances, gained, lost;
    int session_ms, heartbeat_ms;
    /* After a pause: tasks were dropped; until this time (mono ms) the group
     * may still revoke them; afterwards what it still assigns is started. */
    bool suspended;
    int64_t resume_check_ms;
    int *fences;             /* per task: fenced since fence_window_ms (mworkers_fenced) */
    int64_t *fence_window_ms;
    /* The ticker: the longest gap between its ticks since the last poll. */
    pthread_t ticker;
    bool ticker_on;
    atomic_int stop_ticker;
    atomic_llong max_gap_ms;
    atomic_llong max_gap_from_ms; /* when that gap began (mono ms) */
    atomic_llong last_tick_ms; /* when the ticker last ran (mono ms) */
    int64_t pause_seen_ms;     /* when a pause was last acted on */
    /* The checker: other members' fingerprints (see the top). */
    char fp[17];
    const kv_list_t *settings;
    pthread_t checker;
    bool checker_on;
    atomic_int stop_checker;
    atomic_int checkable; /* joined: the group's members are those of a generation with us */
    atomic_llong joined_ms; /* when it first joined (mono ms) */
    int mismatch_looks;     /* looks in a row that saw another fingerprint (checker only) */
    pthread_mutex_t lock; /* guards mismatch */
    char mismatch[1200];  /* set once by the checker: why this run must stop */
};

void mworkers_topic_name(char *buf, size_t size, const mm2_flow_t *f) {
    if (!f->workers_group || !*f->workers_group) {
        snprintf(buf, size, "kmig-tasks.%s.internal", f->source);
        return;
    }
    /* A group of its own has a tasks topic of its own: its characters other
     * than Kafka's topic characters become '_'. */
    int n = snprintf(buf, size, "kmig-tasks.%s.internal", f->workers_group);
    size_t end = n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
    for (size_t i = strlen("kmig-tasks."); i < end; i++) {
        char c = buf[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            buf[i] = '_';
    }
}

void mworkers_group_id(char *buf, size_t size, const mm2_flow_t *f) {
    if (f->workers_group && *f->workers_group)
        snprintf(buf, size, "%s", f->workers_group);
    else
        snprintf(buf, size, "kmig.%s->%s", f->source, f->target);
}

static void *ticker_main(void *arg) {
    mworkers_t *w = arg;
    int64_t last = clock_mono_ms();
    while (!atomic_load(&w->stop_ticker)) {
        clock_sleep_ms(TICK_MS);
        int64_t now = clock_mono_ms(), gap = now - last;
        if (gap > atomic_load(&w->max_gap_ms)) {
            atomic_store(&w->max_gap_from_ms, last);
            atomic_store(&w->max_gap_ms, gap);
        }
        last = now;
        atomic_store(&w->last_tick_ms, now);
    }
    return NULL;
}

/* Looks at the group's members (a handle per look, kgroups.h); a member
 * whose client id has another fingerprint is a mismatch. The newcomer is the
 * one refused: a process that joined less than FRESH_MS ago stops at the
 * first sight, an older one only when the mismatch is still there at its
 * next look (the newcomer's own first look, 3 s after it joined, stops it
 * first). A group that cannot be described is looked at again next time. */
static void check_members(mworkers_t *w) {
    char err[512];
    if (kgroups_serves_describe(w->settings, 2000, err, sizeof err) != 1 ||
        atomic_load(&w->stop_checker))
        return;
    rd_kafka_t *rk = kgroups_admin_new("target-workers-check", w->settings, err, sizeof err);
    if (!rk) return;
    char **ids = NULL, state[64];
    int members;
    if (!kgroups_describe(rk, w->group, 2000, state, sizeof state, &members, &ids, err,
                          sizeof err)) {
        bool fresh = clock_mono_ms() - atomic_load(&w->joined_ms) < FRESH_MS, seen = false;
        for (char **p = ids; *p; p++) {
            size_t n = strlen(CLIENT_PREFIX);
            if (strncmp(*p, CLIENT_PREFIX, n) || !strcmp(*p + n, w->fp)) continue;
            seen = true;
            if (!fresh && ++w->mismatch_looks < 2) {
                log_warn("workers: a member of the group %s runs this flow with other settings "
                         "(fingerprint %.16s, this process's %s); this process stops if it is "
                         "still there at the next look",
                         w->group, *p + n, w->fp);
                break;
            }
            pthread_mutex_lock(&w->lock);
            int wn = snprintf(w->mismatch, sizeof w->mismatch,
                     "a member of the workers' group %s on %s runs this flow with other "
                     "settings (its fingerprint %.16s, this process's %s: aliases, topics, "
                     "topics.exclude, tasks.max or the replication policy differ): workers "
                     "would split the tasks over different partitions and leave some copied "
                     "by nobody. Give every worker of a flow the same file; an independent "
                     "copy of a flow needs its own kmig.workers.group.id",
                     w->group, w->flow->target, *p + n, w->fp);
            (void)wn; /* a cut message still says why */
            pthread_mutex_unlock(&w->lock);
            break;
        }
        if (!seen) w->mismatch_looks = 0;
    } else {
        log_debug("workers: cannot look at the group's members: %s", err);
    }
    kgroups_names_free(ids);
    rd_kafka_destroy(rk);
}

static void *checker_main(void *arg) {
    mworkers_t *w = arg;
    int64_t next = clock_mono_ms() + CHECK_FIRST_MS;
    while (!atomic_load(&w->stop_checker)) {
        clock_sleep_ms(TICK_MS);
        /* Only once joined: before, the group may still list a member that
         * died (it leaves at its session timeout, before our generation). */
        if (clock_mono_ms() < next || !atomic_load(&w->checkable)) continue;
        check_members(w);
        next = clock_mono_ms() + CHECK_INTERVAL_MS;
    }
    return NULL;
}

/* Creates the tasks topic with one partition per task, or checks its count.
 * Returns 1 when the target does not answer CreateTopics (librdkafka's mock
 * cluster) and the topic is missing. */
static int tasks_topic(mworkers_t *w, rd_kafka_t *tadmin, char *err, size_t errsz) {
    const mm2_flow_t *f = w->flow;
    ktopics_t t;
    if (kadmin_list_topics(tadmin, f->admin_timeout_ms, &t, err, errsz)) return -1;
    const ktopic_t *have = ktopics_find(&t, w->topic);
    int32_t n = have ? have->partitions : -1;
    ktopics_clear(&t);
    if (n >= 0) {
        if (n == w->ntasks) return 0;
        snprintf(err, errsz,
                 "tasks.max is %d but the tasks topic %s on %s has %d partitions: every worker "
                 "of a flow must use the same tasks.max. To change it, stop every worker of "
                 "%s->%s, delete %s, and start them with the new value",
                 w->ntasks, w->topic, f->target, (int)n, f->source, f->target, w->topic);
        return -1;
    }
    kitem_t it = {.topic = xstrdup(w->topic), .partitions = w->ntasks,
                  .replication_factor = f->offset_map_replication_factor};
    kv_list_add(&it.configs, "cleanup.policy", "compact", "kmig", false);
    char why[512];
    int rc = kadmin_create_topics(tadmin, &it, 1, f->admin_timeout_ms, why, sizeof why);
    if (rc)
        snprintf(err, errsz, "cannot create the tasks topic %s on %s (%s)", w->topic, f->target,
                 why);
    else if (it.error)
        snprintf(err, errsz, "cannot create the tasks topic %s on %s: %s", w->topic, f->target,
                 it.error);
    int ret = rc ? 1 : it.error ? -1 : 0;
    kitems_clear(&it, 1);
    rc = ret;
    if (!rc) log_info("workers: created the tasks topic %s (%d partitions)", w->topic, w->ntasks);
    return rc;
}

static void refresh_member(mworkers_t *w) {
    char *id = rd_kafka_memberid(w->rk);
    if (id) {
        snprintf(w->member, sizeof w->member, "%s", id);
        rd_kafka_mem_free(w->rk, id);
    }
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t e,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
    mworkers_t *w = opaque;
    int *tasks = xcalloc((size_t)parts->cnt + 1, sizeof *tasks);
    int n = 0;
    w->rebalances++;
    if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        rd_kafka_error_t *err = rd_kafka_incremental_assign(rk, parts);
        if (err) {
            log_error("workers: taking tasks failed: %s", rd_kafka_error_string(err));
            rd_kafka_error_destroy(err);
        } else {
            rd_kafka_pause_partitions(rk, parts); /* the topic holds no records */
        }
        for (int i = 0; i < parts->cnt; i++) {
            int k = parts->elems[i].partition;
            if (k < 0 || k >= w->ntasks || w->owned[k]) continue;
            w->owned[k] = true;
            w->nowned++;
            tasks[n++] = k;
        }
        w->joined = true;
        if (!atomic_exchange(&w->checkable, 1)) atomic_store(&w->joined_ms, clock_mono_ms());
        refresh_member(w);
        log_info("workers: member %s of %s took %d task(s), owns %d of %d", w->member, w->group,
                 n, w->nowned, w->ntasks);
        w->gained += n;
        if (n && w->hooks.start) w->hooks.start(w->hooks.opaque, tasks, n);
    } else if (e == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        bool lost = rd_kafka_assignment_lost(rk);
        for (int i = 0; i < parts->cnt; i++) {
            int k = parts->elems[i].partition;
            if (k < 0 || k >= w->ntasks || !w->owned[k]) continue;
            w->owned[k] = false;
            w->nowned--;
            tasks[n++] = k;
        }
        log_info("workers: %d task(s) %s, owns %d of %d", n,
                 lost ? "lost (the group moved them on)" : "handed over", w->nowned, w->ntasks);
        if (lost) w->lost += n;
        if (n && w->hooks.stop) w->hooks.stop(w->hooks.opaque, tasks, n, lost);
        rd_kafka_error_t *err = rd_kafka_incremental_unassign(rk, parts);
        if (err) {
            log_error("workers: giving tasks back failed: %s", rd_kafka_error_string(err));
            rd_kafka_error_destroy(err);
        }
    } else {
        log_error("workers: rebalance error: %s", rd_kafka_err2str(e));
        rd_kafka_assign(rk, NULL);
    }
    free(tasks);
}

mworkers_t *mworkers_new(const mm2_flow_t *f, const kv_list_t *tgt_consumer, rd_kafka_t *tadmin,
                         const mworkers_hooks_t *hooks, bool *no_admin, char *err,
                         size_t errsz) {
    *no_admin = false;
    mworkers_t *w = xcalloc(1, sizeof *w);
    w->flow = f;
    w->hooks = *hooks;
    w->ntasks = f->tasks > 0 ? f->tasks : 1;
    w->owned = xcalloc((size_t)w->ntasks, sizeof *w->owned);
    w->fences = xcalloc((size_t)w->ntasks, sizeof *w->fences);
    w->fence_window_ms = xcalloc((size_t)w->ntasks, sizeof *w->fence_window_ms);
    atomic_init(&w->stop_ticker, 0);
    atomic_init(&w->max_gap_ms, 0);
    atomic_init(&w->max_gap_from_ms, 0);
    atomic_init(&w->last_tick_ms, clock_mono_ms());
    atomic_init(&w->stop_checker, 0);
    atomic_init(&w->checkable, 0);
    atomic_init(&w->joined_ms, 0);
    pthread_mutex_init(&w->lock, NULL);
    w->settings = tgt_consumer;
    mtask_fingerprint(f, w->fp, sizeof w->fp);
    mworkers_topic_name(w->topic, sizeof w->topic, f);
    mworkers_group_id(w->group, sizeof w->group, f);
    int trc = tasks_topic(w, tadmin, err, errsz);
    if (trc == 1) *no_admin = true;
    if (trc) goto fail;

    kv_list_t def = {0}, req = {0};
    kv_list_add(&def, "session.timeout.ms", "10000", "kmig default (workers)", false);
    kv_list_add(&def, "heartbeat.interval.ms", "1000", "kmig default (workers)", false);
    char client_id[64];
    snprintf(client_id, sizeof client_id, CLIENT_PREFIX "%s", w->fp);
    kv_list_add(&req, "group.id", w->group, "kmig.workers.group.id", false);
    kv_list_add(&req, "client.id", client_id, "kmig (workers: the flow's fingerprint)", false);
    kv_list_add(&req, "partition.assignment.strategy", "cooperative-sticky", "kmig (workers)",
                false);
    kv_list_add(&req, "enable.auto.commit", "false", "kmig (workers)", false);
    kv_list_add(&req, "enable.partition.eof", "false", "kmig (workers)", false);
    kv_list_add(&req, "auto.offset.reset", "latest", "kmig (workers)", false);
    kv_list_add(&req, "queued.max.messages.kbytes", "64", "kmig (workers: no records)", false);
    kclient_opts_t o = {.type = RD_KAFKA_CONSUMER, .name = "target-workers", .defaults = &def,
                        .settings = tgt_consumer, .required = &req, .opaque = w,
                        .rebalance_cb = rebalance_cb};
    w->rk = kclient_new(&o, err, errsz);
    kv_list_clear(&def);
    kv_list_clear(&req);
    if (!w->rk) goto fail;
    char v[64];
    size_t vsz = sizeof v;
    const rd_kafka_conf_t *conf = rd_kafka_conf(w->rk);
    w->session_ms = rd_kafka_conf_get(conf, "session.timeout.ms", v, &vsz) == RD_KAFKA_CONF_OK
                        ? atoi(v)
                        : 10000;
    vsz = sizeof v;
    w->heartbeat_ms = rd_kafka_conf_get(conf, "heartbeat.interval.ms", v, &vsz) == RD_KAFKA_CONF_OK
                          ? atoi(v)
                          : 1000;
    rd_kafka_poll_set_consumer(w->rk);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, w->topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t se = rd_kafka_subscribe(w->rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (se) {
        snprintf(err, errsz, "cannot join the workers' group %s: %s", w->group,
                 rd_kafka_err2str(se));
        goto fail;
    }
    if (pthread_create(&w->ticker, NULL, ticker_main, w)) {
        snprintf(err, errsz, "cannot start the workers' ticker thread");
        goto fail;
    }
    w->ticker_on = true;
    if (pthread_create(&w->checker, NULL, checker_main, w)) {
        snprintf(err, errsz, "cannot start the workers' checker thread");
        goto fail;
    }
    w->checker_on = true;
    log_info("workers: joining group %s on %s (%d tasks, topic %s, session timeout %d ms)",
             w->group, f->target, w->ntasks, w->topic, w->session_ms);
    return w;
fail:
    w->hooks = (mworkers_hooks_t){0};
    mworkers_destroy(w);
    return NULL;
}

static int64_t pause_limit(const mworkers_t *w) {
    int64_t limit = w->session_ms - w->heartbeat_ms;
    return limit < 1000 ? 1000 : limit;
}

/* The longest pause seen: the ticker's, or since its last tick (after a
 * pause the copy loop may run before the ticker does). */
static int64_t pause_gap(mworkers_t *w, bool take) {
    int64_t gap = take ? atomic_exchange(&w->max_gap_ms, 0) : atomic_load(&w->max_gap_ms);
    int64_t tick = atomic_load(&w->last_tick_ms);
    /* A gap that began before the pause last acted on is that pause, seen
     * by the ticker only after it was acted on. */
    if (w->pause_seen_ms && atomic_load(&w->max_gap_from_ms) < w->pause_seen_ms) gap = 0;
    int64_t since = w->pause_seen_ms && tick < w->pause_seen_ms ? 0 : clock_mono_ms() - tick;
    return since > gap ? since : gap;
}

bool mworkers_paused(mworkers_t *w) {
    return w && w->nowned && pause_gap(w, false) >= pause_limit(w) &&
           clock_mono_ms() - w->pause_seen_ms > 1000;
}

/* A pause of the whole process longer than the group's patience: every task
 * owned is dropped as lost now. */
static void check_pause(mworkers_t *w) {
    int64_t gap = pause_gap(w, true);
    /* The same pause reported again by the ticker is not a second one. */
    if (gap < pause_limit(w) || !w->nowned || clock_mono_ms() - w->pause_seen_ms <= 1000) return;
    w->pause_seen_ms = clock_mono_ms();
    int *tasks = xcalloc((size_t)w->ntasks, sizeof *tasks);
    int n = 0;
    for (int k = 0; k < w->ntasks; k++)
        if (w->owned[k]) {
            w->owned[k] = false;
            tasks[n++] = k;
        }
    w->nowned = 0;
    w->lost += n;
    w->suspended = true;
    w->resume_check_ms = clock_mono_ms() + 3 * (int64_t)w->heartbeat_ms + 2000;
    log_warn("workers: this process was paused for %lld ms (session timeout %d ms): its %d "
             "task(s) may have moved to other workers; dropping them now (what was in flight "
             "is counted as duplicates)",
             (long long)gap, w->session_ms, n);
    if (w->hooks.stop) w->hooks.stop(w->hooks.opaque, tasks, n, true);
    free(tasks);
}

int mworkers_fenced(mworkers_t *w, int task, char *err, size_t errsz) {
    if (!w || task < 0 || task >= w->ntasks || !w->owned[task]) return 0;
    int64_t now = clock_mono_ms();
    if (now - w->fence_window_ms[task] > 300000) {
        w->fence_window_ms[task] = now;
        w->fences[task] = 0;
    }
    if (++w->fences[task] > 3) {
        snprintf(err, errsz,
                 "task %d was fenced %d times in 5 minutes while the group %s gave it to this "
                 "process: another kmig process outside this group writes the flow with the "
                 "same transactional ids (a second workers group? check "
                 "kmig.workers.group.id)",
                 task, w->fences[task], w->group);
        return -1;
    }
    w->owned[task] = false;
    w->nowned--;
    w->lost++;
    w->suspended = true;
    w->resume_check_ms = now + 3 * (int64_t)w->heartbeat_ms + 2000;
    log_warn("workers: task %d was fenced by its next owner (the group moved it on while this "
             "process was not looking): dropped as lost",
             task);
    if (w->hooks.stop) w->hooks.stop(w->hooks.opaque, &task, 1, true);
    return 0;
}

/* After a pause the group did not take the tasks away: start them again. */
static void check_resume(mworkers_t *w) {
    if (!w->suspended || clock_mono_ms() < w->resume_check_ms) return;
    w->suspended = false;
    rd_kafka_topic_partition_list_t *l = NULL;
    if (rd_kafka_assignment(w->rk, &l) || !l) return;
    int *tasks = xcalloc((size_t)l->cnt + 1, sizeof *tasks);
    int n = 0;
    for (int i = 0; i < l->cnt; i++) {
        int k = l->elems[i].partition;
        if (k < 0 || k >= w->ntasks || w->owned[k]) continue;
        w->owned[k] = true;
        w->nowned++;
        tasks[n++] = k;
    }
    rd_kafka_topic_partition_list_destroy(l);
    if (n) {
        log_info("workers: the group kept %d task(s) here after the pause; starting them again",
                 n);
        w->gained += n;
        if (w->hooks.start) w->hooks.start(w->hooks.opaque, tasks, n);
    }
    free(tasks);
}

int mworkers_poll(mworkers_t *w, char *err, size_t errsz) {
    if (!w) return 0;
    pthread_mutex_lock(&w->lock);
    bool bad = w->mismatch[0];
    if (bad) snprintf(err, errsz, "%s", w->mismatch);
    pthread_mutex_unlock(&w->lock);
    if (bad) return -1;
    check_pause(w);
    for (int i = 0; i < 100; i++) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(w->rk, 0);
        if (!msg) break;
        if (msg->err && msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            char fe[256];
            if (msg->err == RD_KAFKA_RESP_ERR__FATAL &&
                rd_kafka_fatal_error(w->rk, fe, sizeof fe)) {
                snprintf(err, errsz, "workers' group %s: %s", w->group, fe);
                rd_kafka_message_destroy(msg);
                return -1;
            }
            log_warn("workers' group %s: %s", w->group, rd_kafka_message_errstr(msg));
        }
        rd_kafka_message_destroy(msg);
    }
    check_resume(w);
    return 0;
}

bool mworkers_owns(const mworkers_t *w, int task) {
    if (!w) return true;
    return task >= 0 && task < w->ntasks && w->owned[task];
}

int mworkers_owned(const mworkers_t *w) { return w ? w->nowned : 0; }
int mworkers_ntasks(const mworkers_t *w) { return w ? w->ntasks : 0; }
bool mworkers_joined(const mworkers_t *w) { return !w || w->joined; }
bool mworkers_suspended(const mworkers_t *w) { return w && w->suspended; }
const char *mworkers_member_id(mworkers_t *w) { return w ? w->member : ""; }

void mworkers_counts(const mworkers_t *w, int64_t *rebalances, int64_t *gained, int64_t *lost) {
    *rebalances = w ? w->rebalances : 0;
    *gained = w ? w->gained : 0;
    *lost = w ? w->lost : 0;
}

void mworkers_destroy(mworkers_t *w) {
    if (!w) return;
    /* The checker is told first and joined last: leaving the group (below)
     * must not wait for a look at its members. */
    atomic_store(&w->stop_checker, 1);
    if (w->ticker_on) {
        atomic_store(&w->stop_ticker, 1);
        pthread_join(w->ticker, NULL);
    }
    if (w->rk) {
        /* The caller persisted everything: leaving only hands the tasks on. */
        w->hooks = (mworkers_hooks_t){0};
        /* Leaving tells the group at once (the others take the tasks now,
         * not after the session timeout), but a close during a rebalance can
         * wait for it: at most 2 s, then the handle goes without. */
        rd_kafka_queue_t *q = rd_kafka_queue_new(w->rk);
        rd_kafka_error_t *e = rd_kafka_consumer_close_queue(w->rk, q);
        if (e) {
            rd_kafka_error_destroy(e);
        } else {
            int64_t deadline = clock_mono_ms() + 2000;
            while (!rd_kafka_consumer_closed(w->rk) && clock_mono_ms() < deadline) {
                rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 50);
                if (!ev) continue;
                if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE) {
                    rd_kafka_topic_partition_list_t *l = rd_kafka_event_topic_partition_list(ev);
                    rd_kafka_error_t *ue = rd_kafka_event_error(ev) ==
                                                   RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS
                                               ? rd_kafka_incremental_unassign(w->rk, l)
                                               : NULL;
                    if (ue) rd_kafka_error_destroy(ue);
                }
                rd_kafka_event_destroy(ev);
            }
        }
        rd_kafka_queue_destroy(q);
        rd_kafka_destroy_flags(w->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    }
    if (w->checker_on) pthread_join(w->checker, NULL);
    pthread_mutex_destroy(&w->lock);
    free(w->owned);
    free(w->fences);
    free(w->fence_window_ms);
    free(w);
}

/* The workers' hooks (mworkers.h), called on the copy loop's thread from
 * mworkers_poll(): a task is started from its persisted map (read again: another
 * worker may have copied it since) and stopped by handing its partitions over
 * with their maps persisted (in exactly-once mode: a last commit round), or
 * dropped at once when lost (a pause past the session timeout), its records
 * still in flight counted as duplicates when they land (docs/WORKERS.md). A
 * partition's counters carry over its task's earlier ownerships. Also the
 * process's joining of the workers' group. */
#include <inttypes.h>
#include <stdatomic.h>

#include <librdkafka/rdkafka.h>

#include "core/clock.h"
#include "core/log.h"
#include "kafka/kclient.h"
#include "mirror/backflow.h"
#include "mirror/groups_sync.h"
#include "mirror/mirror_priv.h"
#include "mirror/mpart.h"
#include "mirror/msnap.h"
#include "mirror/mtxn.h"
#include "mirror/mworkers.h"
#include "offsets/map_set.h"

static bool task_in(const int *tasks, int n, int k) {
    for (int i = 0; i < n; i++)
        if (tasks[i] == k) return true;
    return false;
}

/* Drops a partition's state for `map` (NULL: empty), not started: records
 * still in flight become stale (dr_cb). */
static void part_reset(mirror_t *m, mtopic_t *t, int32_t p, offset_map_t *map) {
    mpart_t *mp = &t->parts[p];
    /* One shared producer delivers a partition's records in order, so its
     * next `inflight` reports are the dropped ones; a task's transactional
     * producer is purged and drained before it goes (mtxn_task_stop). */
    if (!m->txn) t->stale[p] += mp->inflight;
    backflow_forget(m->back, mirror_shard_of(m, t)->consumer, t->name, p);
    m->dropped_records += mp->records;
    m->dropped_bytes += mp->bytes;
    t->prior_records[p] += mp->records;
    t->prior_bytes[p] += mp->bytes;
    if (mp->started) m->unstarted++;
    mpart_clear(mp);
    mpart_init(mp, map);
    msnap_map_unref(t->pub[p].map);
    t->pub[p] = (struct mpub){0};
}

static int64_t tasks_inflight(mirror_t *m, const int *tasks, int n) {
    int64_t sum = 0;
    for (size_t i = 0; i < m->ntopics; i++)
        for (int32_t p = 0; p < m->topics_v[i]->nparts; p++)
            if (task_in(tasks, n, m->topics_v[i]->task[p]))
                sum += m->topics_v[i]->parts[p].inflight;
    return sum;
}

static void on_tasks_stop(void *opaque, const int *tasks, int n, bool lost) {
    mirror_t *m = opaque;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(16);
    for (size_t i = 0; i < m->ntopics; i++)
        for (int32_t p = 0; p < m->topics_v[i]->nparts; p++)
            if (task_in(tasks, n, m->topics_v[i]->task[p]) && m->topics_v[i]->parts[p].started)
                rd_kafka_topic_partition_list_add(l, m->topics_v[i]->name, p);
    if (l->cnt) {
        char err[512];
        if (mirror_shard_assign(m, l, false, err, sizeof err))
            log_warn("workers: unassigning %d source partition(s) failed: %s", l->cnt, err);
    }
    int64_t left = 0;
    if (m->txn) {
        /* Exactly once: a task handed over commits its records and their
         * segments in one last round; a lost one aborts (its next owner's
         * init_transactions fences this process anyway). */
        char err[512];
        for (int i = 0; i < n; i++) {
            if (lost) mtxn_task_lost(m->txn, tasks[i]);
            else mtxn_mark_due(m->txn, tasks[i]);
        }
        if (!lost) mirror_txn_round(m, true, m->flow->admin_timeout_ms, false);
        for (int i = 0; i < n; i++)
            if (mtxn_task_stop(m->txn, tasks[i], err, sizeof err))
                log_warn("workers: task %d: %s", tasks[i], err);
    } else if (!lost) {
        /* Hand over: what is in flight lands and is mapped, then the maps are
         * persisted; the next owner starts from them. */
        int64_t deadline = clock_mono_ms() + 15000;
        while ((left = tasks_inflight(m, tasks, n)) > 0 && clock_mono_ms() < deadline &&
               !kclient_fatal() && atomic_load(m->stop) < 2) {
            m->now_ms = clock_wall_ms();
            mirror_shard_poll(m, 50);
        }
        if (m->unknown_parts) mirror_place_unknown_tails(m);
        m->map_failed_now = false;
        mirror_map_flush(m);
        mirror_drain(m, 5000, true);
        if (left || m->map_failed_now || mirror_shard_outq(m) > 0)
            log_warn("workers: %d task(s) handed over with %" PRId64 " record(s) still in flight "
                     "or the last map update unconfirmed: the next owner pairs them by content "
                     "or copies them again (counted as duplicates)",
                     n, left);
    } else if (!mworkers_owned(m->workers)) {
        /* Nothing is ours any more: what is still queued is not sent. */
        mirror_shard_purge(m, RD_KAFKA_PURGE_F_QUEUE);
    }
    int parts = 0;
    for (size_t i = 0; i < m->ntopics; i++) {
        mtopic_t *t = m->topics_v[i];
        for (int32_t p = 0; p < t->nparts; p++)
            if (task_in(tasks, n, t->task[p]) && t->parts[p].state == MPART_COPYING) {
                parts += t->parts[p].started;
                part_reset(m, t, p, NULL);
            }
    }
    mirror_shard_poll(m, 0); /* purged records: stale */
    rd_kafka_topic_partition_list_destroy(l);
    log_info("workers: stopped %d task(s) (%d partition(s))%s", n, parts,
             lost ? "; lost: nothing more is written for them" : ", maps persisted");
}

static void on_tasks_start(void *opaque, const int *tasks, int n) {
    mirror_t *m = opaque;
    char err[1024];
    /* Exactly once: each task's transactional producer first, which fences
     * the previous owner and settles its open transaction, so the map read
     * next is the committed one. */
    for (int i = 0; m->txn && i < n; i++)
        if (mtxn_task_start(m->txn, tasks[i], err, sizeof err)) {
            mirror_error(m, "exactly-once: task %d cannot start: %s", tasks[i], err);
            m->fail = true;
            return;
        }
    /* Another worker may have copied them since this process read the map. */
    map_set_t *fresh = map_set_new();
    int64_t deadline = clock_mono_ms() + m->flow->admin_timeout_ms;
    while (mirror_map_load_into(m, fresh, err, sizeof err)) {
        map_set_destroy(fresh);
        fresh = map_set_new();
        if (atomic_load(m->stop) || clock_mono_ms() >= deadline) {
            mirror_error(m, "workers: cannot read the offset map for %d task(s) taken over: %s; "
                            "stopping (kmig copies only from a persisted map)",
                         n, err);
            m->fail = true;
            map_set_destroy(fresh);
            return;
        }
        clock_sleep_ms(1000);
    }
    int parts = 0;
    for (size_t i = 0; i < m->ntopics; i++) {
        mtopic_t *t = m->topics_v[i];
        for (int32_t p = 0; p < t->nparts; p++) {
            if (!task_in(tasks, n, t->task[p]) || t->parts[p].started ||
                t->parts[p].state != MPART_COPYING)
                continue;
            map_entry_t *lm = map_set_get(fresh, t->name, p);
            t->epoch[p] = (lm ? lm->max_epoch : 0) + 1;
            part_reset(m, t, p, map_set_take(fresh, t->name, p));
            parts++;
        }
    }
    map_set_destroy(m->loaded); /* for partitions listed later */
    m->loaded = fresh;
    m->next_start = 0;
    if (m->gsync) groups_sync_reload(m->gsync);
    log_info("workers: starting %d task(s) (%d partition(s) listed so far)", n, parts);
}

int mirror_tasks_join(mirror_t *m) {
    char err[1024];
    bool no_admin = false;
    mworkers_hooks_t h = {.opaque = m, .start = on_tasks_start, .stop = on_tasks_stop};
    m->workers = mworkers_new(m->flow, &m->tgt_consumer, m->tadmin, &h, &no_admin, err,
                              sizeof err);
    if (m->workers) return 0;
    if (no_admin && m->o.worker_of > 1) {
        /* Each of the N would copy everything: duplicates nobody counts. */
        mirror_error(m, "workers: %s; --workers %d needs it: create it by hand (%d partitions, "
                        "cleanup.policy=compact) or run one process",
                     err, m->o.worker_of, m->flow->tasks);
        return -1;
    }
    if (no_admin) {
        log_warn("workers: %s; this process copies every task alone (start no other kmig "
                 "mirror of this flow: without the tasks topic they would not share the work)",
                 err);
        return 0;
    }
    mirror_error(m, "workers: %s", err);
    return -1;
}

/* Exactly-once copy in the engine (exactly.once.support; docs/EXACTLY_ONCE.md):
 * each record goes to its task's transactional producer (mtxn.h), and at each
 * commit round the due tasks' records are delivered, their partitions' dirty
 * map segments written into the same transactions, and each transaction
 * committed. What a round's outcome means for the copy loop is decided here:
 * a committed task's maps are published to the group thread (only committed
 * maps are), an aborted task's partitions go back to their last committed map
 * position and fetch again, a fenced task is lost (workers) or stops the run,
 * a failure stops it; stopping, a last round commits what was delivered.
 * Also the mode's checks before start-up and its snapshot figures. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "kafka/kclient.h"
#include "kafka/map_store.h"
#include "mirror/mirror_priv.h"
#include "mirror/mpart.h"
#include "mirror/msnap.h"
#include "mirror/mtask.h"
#include "mirror/mtxn.h"
#include "mirror/mworkers.h"

int mirror_txn_task_of(mirror_t *m, const mtopic_t *t, int32_t part) {
    return mtask_of(t->name, part, mtxn_ntasks(m->txn));
}

/* Before anything is created on the target: it can do transactions. */
int mirror_txn_check(mirror_t *m) {
    char err[1024];
    mirror_publish(m); /* the summary names the mode even if this fails */
    if (mtxn_check_brokers(m->o.mm2, m->flow, &m->tgt_admin, err, sizeof err)) {
        mirror_error(m, "%s", err);
        return -1;
    }
    return 0;
}

/* Before the map is read: every task's producer is ready (which fences an
 * earlier owner and aborts its open transaction, so the map read next is the
 * committed one). */
int mirror_txn_start(mirror_t *m) {
    char err[1024];
    for (int k = 0; k < mtxn_ntasks(m->txn) && !atomic_load(m->stop); k++)
        if (mtxn_task_start(m->txn, k, err, sizeof err)) {
            mirror_error(m, "exactly-once copy cannot start: %s", err);
            return -1;
        }
    char id[400];
    mtxn_transactional_id(m->flow, 0, id, sizeof id);
    log_info("exactly-once copy: %d tasks, transactional ids %.*s<k>, one transaction per task "
             "every %d ms (or %d KiB)",
             mtxn_ntasks(m->txn), (int)(strlen(id) - 1), id, m->flow->offset_map_flush_ms,
             m->flow->txn_max_kbytes);
    return 0;
}

/* The producer and topic handle of a record's task; false when the task
 * takes no record now (its transaction aborts at the next round). */
bool mirror_txn_route(mirror_t *m, mtopic_t *t, int32_t part, int *task, rd_kafka_t **pk,
                      rd_kafka_topic_t **rkt) {
    *task = mirror_txn_task_of(m, t, part);
    if (mtxn_blocked(m->txn, *task)) return false;
    *pk = mtxn_producer(m->txn, *task);
    *rkt = mtxn_topic(m->txn, *task, t->target, t);
    return *pk && *rkt;
}

/* A delivery report of a record produced by a task's producer: failures
 * doom the task's transaction instead of failing the partition (the abort
 * sends them again); reports of a doomed transaction map nothing. True when
 * handled here. */
bool mirror_txn_delivery(mirror_t *m, rd_kafka_t *rk, mtopic_t *t, const rd_kafka_message_t *dm) {
    if (rk == m->producer) return false;
    int task = mirror_txn_task_of(m, t, dm->partition);
    mpart_t *p = &t->parts[dm->partition];
    if (!dm->err && !mtxn_blocked(m->txn, task)) return false;
    if (dm->err) mtxn_delivery_failed(m->txn, task, dm->err);
    if (p->inflight > 0) p->inflight--;
    return true;
}

/* Writes the dirty segments of partition p of t into its task's transaction. */
static void txn_write_segments(mirror_t *m, mtopic_t *t, int32_t p, int task) {
    offset_map_t *map = t->parts[p].map;
    size_t from = offset_map_dirty_from(map), n = offset_map_count(map);
    rd_kafka_topic_t *rkt = mtxn_map_topic(m->txn, task);
    offset_map_mark_clean(map);
    for (size_t s = from; s < n && rkt; s++) {
        map_ack_t *a = xmalloc(sizeof *a);
        *a = (map_ack_t){t, p, s, map};
        rd_kafka_resp_err_t e;
        offset_seg_t seg = *offset_map_at(map, s);
        seg.epoch = t->epoch[p];
        while ((e = map_store_write(rkt, t->name, p, t->target, &seg, a)) ==
               RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(mtxn_producer(m->txn, task), 10);
        if (e) {
            free(a);
            m->map_errors++;
            offset_map_mark_dirty_from(map, s);
            mtxn_delivery_failed(m->txn, task, e); /* segments missing: the transaction aborts */
            break;
        }
        mtxn_wrote(m->txn, task);
    }
}

/* One commit round: the due tasks' records delivered, their partitions'
 * segments written into the same transactions, each committed; an aborted
 * task's partitions go back to their last committed map position and fetch
 * from there again. */
void mirror_txn_round(mirror_t *m, bool force, int tmo, bool final) {
    mtxn_round_begin(m->txn, clock_mono_ms(), force, tmo);
    m->now_ms = clock_wall_ms();
    if (m->unknown_parts) mirror_place_unknown_tails(m);
    for (size_t i = 0; i < m->ntopics; i++) {
        mtopic_t *t = m->topics_v[i];
        for (int32_t p = 0; p < t->nparts; p++) {
            int k = mirror_txn_task_of(m, t, p);
            if (mtxn_in_round(m->txn, k) &&
                offset_map_dirty_from(t->parts[p].map) < offset_map_count(t->parts[p].map))
                txn_write_segments(m, t, p, k);
        }
    }
    int nt = mtxn_ntasks(m->txn);
    mtxn_result_t *res = xcalloc((size_t)nt, sizeof *res);
    char why[1024];
    mtxn_round_end(m->txn, res, why, sizeof why);
    bool failed = false, fenced = false, aborted = false;
    for (int k = 0; k < nt; k++) {
        failed |= res[k] == MTXN_FAILED;
        fenced |= res[k] == MTXN_FENCED;
        aborted |= res[k] == MTXN_ABORTED;
    }
    for (size_t i = 0; i < m->ntopics; i++) {
        mtopic_t *t = m->topics_v[i];
        for (int32_t p = 0; p < t->nparts; p++) {
            mpart_t *mp = &t->parts[p];
            mtxn_result_t r = res[mirror_txn_task_of(m, t, p)];
            if (r == MTXN_COMMITTED) {
                mpart_txn_committed(mp);
                /* The group sync translates through committed maps only. */
                if (t->pub[p].version != mp->version) {
                    msnap_map_unref(t->pub[p].map);
                    t->pub[p].map = msnap_map_new(mp->map);
                    t->pub[p].version = mp->version;
                    t->pub[p].ms = clock_mono_ms(); /* the watermarks read stay */
                }
            } else if (r == MTXN_ABORTED && mp->started && mp->state == MPART_COPYING &&
                       mworkers_owns(m->workers, t->task[p])) { /* a task handed over: reset */
                int64_t from = mpart_txn_rewind(mp);
                if (mirror_fetch_restart(m, t, p, from >= 0 ? from : RD_KAFKA_OFFSET_BEGINNING)) m->fail = true;
            }
        }
    }
    if (aborted) log_warn("exactly-once: %s; the aborted records are sent again", why);
    if (fenced && m->workers) {
        /* The group moved the task on before this process noticed: lost. */
        char err[512];
        for (int k = 0; k < nt; k++)
            if (res[k] == MTXN_FENCED && mworkers_fenced(m->workers, k, err, sizeof err)) {
                mirror_error(m, "exactly-once: %s", err);
                m->fail = true;
                break;
            }
    } else if (fenced) {
        mirror_error(m, "exactly-once: %s: another kmig process took over this flow's task(s) "
                        "with the same transactional id; this process stops and writes nothing "
                        "more for them",
                     why);
        m->fail = true;
    }
    if (failed && final) {
        /* Stopping anyway: not a failure of the run. */
        log_warn("exactly-once: %s; the next start settles the open transaction (records and "
                 "map commit or abort together; aborted records are sent again)",
                 why);
    } else if (failed) {
        mirror_error(m, "exactly-once: %s; stopping (the next start settles the open "
                        "transaction: records and map commit or abort together)",
                     why);
        m->fail = true;
    }
    free(res);
}

/* Stopping in exactly-once mode: the records delivered within about 2.5 s
 * and their segments commit (none after a second signal: then the open
 * transactions abort, nothing half-written is visible). */
bool mirror_txn_shutdown(mirror_t *m) {
    if (atomic_load(m->stop) > 1 || kclient_fatal()) return false;
    mirror_txn_round(m, true, 2000, true);
    return !m->fail && !mtxn_due(m->txn, clock_mono_ms(), true);
}

void mirror_txn_publish(mirror_t *m, msnap_t *s) {
    if (!m->txn) return;
    mtxn_stats_t st;
    mtxn_get_stats(m->txn, &st);
    s->exactly_once = true;
    s->txn_committed = st.committed;
    s->txn_aborted = st.aborted;
    s->txn_fenced = st.fenced;
    s->txn_ms = st.commit_ms;
}

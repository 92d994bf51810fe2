/* Topics and partitions come and go, and start: each list the topic
 * manager's thread publishes is applied on the copy loop's thread (new topics
 * and partitions added, each from its persisted map; a topic deleted on the
 * source, or partitions fewer, stop as data loss). A partition starts only
 * once the target's end offsets are known: recovery pairs the target records
 * beyond the map with their source records (recover.c; not in exactly-once
 * mode), a partition copied for the first time starts at the source's log
 * start, and a partition resuming from its map fetches from its last copied
 * record, whose copy on the target is read for the resume check
 * (mirror_fetch.c). With workers, only the partitions of owned tasks start. */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "core/strmap.h"
#include "kafka/kadmin.h"
#include "kafka/kclient.h"
#include "kafka/kpeek.h"
#include "mirror/backflow.h"
#include "mirror/heartbeat.h"
#include "mirror/mirror_priv.h"
#include "mirror/mpart.h"
#include "mirror/mtask.h"
#include "mirror/mworkers.h"
#include "mirror/recover.h"
#include "mirror/topic_manager.h"
#include "offsets/map_set.h"

/* Consumers without a group for the recovery reads, created on first use. */
static int recovery_readers(mirror_t *m, char *err, size_t errsz) {
    if (m->src_reader && m->tgt_reader) return 0;
    kv_list_t iso = {0}, def = {0};
    /* Both read at once: each prefetches half of what the copy's consumer does. */
    kv_list_add(&def, "queued.max.messages.kbytes", "8192", "kmig default (recovery reads)", false);
    kv_list_add(&iso, "fetch.wait.max.ms", "20", "kmig (short reads)", false);
    /* A partition ending in control records (transactions) is seen to end. */
    kv_list_add(&iso, "enable.partition.eof", "true", "kmig (recovery reads to the end)", false);
    kv_list_add(&iso, "isolation.level",
                m->flow->read_committed ? "read_committed" : "read_uncommitted",
                "kmig.isolation.level", false);
    kclient_opts_t so = {.type = RD_KAFKA_CONSUMER, .name = "source-recovery-reader",
                         .defaults = &def, .settings = &m->src_consumer, .required = &iso};
    kclient_opts_t to = {.type = RD_KAFKA_CONSUMER, .name = "target-recovery-reader",
                         .defaults = &def, .settings = &m->tgt_consumer, .required = &iso};
    int rc = (m->src_reader = kclient_new(&so, err, errsz)) &&
                     (m->tgt_reader = kclient_new(&to, err, errsz))
                 ? 0
                 : -1;
    kv_list_clear(&iso);
    kv_list_clear(&def);
    return rc;
}

/* Target records beyond the last mapped one were acknowledged but not mapped
 * before the last stop (or written by something else). Pair them with their
 * source records where the content matches; count the rest as possibly
 * re-sent. */
static void recover_unmapped(mirror_t *m, rd_kafka_topic_partition_list_t *ends) {
    char err[512];
    int64_t extra = 0, recovered = 0, dups = 0, unpaired = 0;
    for (int i = 0; i < ends->cnt && !atomic_load(m->stop); i++) {
        rd_kafka_topic_partition_t *e = &ends->elems[i];
        mtopic_t *t = e->opaque;
        mpart_t *p = &t->parts[e->partition];
        int64_t tn = offset_map_tgt_next(p->map);
        if (e->err || e->offset <= (tn < 0 ? 0 : tn)) continue;
        if (e->offset <= backflow_accounted_end(m->back, t->name, t->target, e->partition))
            continue; /* the way back: the opposite flow's records, not this flow's copies */
        recover_result_t r = {0};
        if (recovery_readers(m, err, sizeof err) ||
            recover_partition(m->src_reader, m->tgt_reader, m->stop, t->name, t->target,
                              e->partition, p->map, e->offset, &r, err, sizeof err)) {
            log_warn("%s [%d]: recovery read failed (%s)", t->target, e->partition, err);
            r.target_extra = r.unpaired = e->offset - (tn < 0 ? 0 : tn);
        }
        if (r.target_extra)
            log_info("%s [%d]: %" PRId64 " target records were not in the offset map; %" PRId64
                     " matched their source records and are kept as copies%s, %" PRId64
                     " repeat records matched before (duplicates in target, skipped), %" PRId64
                     " are unpaired (%" PRId64 " of them without a source record)%s",
                     t->target, e->partition, r.target_extra, r.recovered,
                     r.adopting ? " (adopted)" : "", r.target_duplicates, r.unpaired, r.no_source,
                     r.interrupted ? " (stopped before the end)" : "");
        p->recovered += r.recovered;
        if (!r.interrupted) p->resent_possible += r.unpaired - r.no_source;
        if (r.recovered) p->version++;
        extra += r.target_extra;
        recovered += r.recovered;
        dups += r.target_duplicates;
        if (!r.interrupted) unpaired += r.unpaired - r.no_source; /* stopping: none re-sent */
    }
    m->resend_estimate += unpaired;
    m->recovered += recovered;
    if (extra)
        log_msg(unpaired ? LL_WARN : LL_INFO, "resume: %" PRId64 " records may be re-sent (%" PRId64
                 " target records were not in the offset map, %" PRId64
                 " of them matched their source records, %" PRId64 " duplicates in target)",
                 unpaired, extra, recovered, dups);
}

/* Waits until the producer's metadata shows `want` partitions for rkt's topic
 * (a partition the producer does not know yet fails at once). */
static int wait_partitions(mirror_t *m, mtopic_t *t, int32_t want, int timeout_ms) {
    int64_t deadline = clock_mono_ms() + timeout_ms;
    do {
        const rd_kafka_metadata_t *md;
        if (!rd_kafka_metadata(mirror_shard_of(m, t)->producer, 0, t->tgt_rkt, &md, 2000)) {
            int have = md->topic_cnt == 1 ? md->topics[0].partition_cnt : 0;
            rd_kafka_metadata_destroy(md);
            if (have >= want) return 0;
        }
        clock_sleep_ms(100);
    } while (clock_mono_ms() < deadline && !atomic_load(m->stop));
    return -1;
}

static int topic_cmp(const void *a, const void *b) {
    return strcmp((*(mtopic_t *const *)a)->name, (*(mtopic_t *const *)b)->name);
}

static mtopic_t *topic_add(mirror_t *m, const ready_topic_t *r) {
    mtopic_t *t = xcalloc(1, sizeof *t);
    t->name = xstrdup(r->name);
    t->target = xstrdup(r->target);
    t->heartbeats = !strcmp(t->name, HEARTBEAT_TOPIC);
    t->shard = mirror_shard_pick(m, r->partitions);
    mshard_t *s = mirror_shard_of(m, t);
    /* Copies of the handles' default topic settings: a fresh topic conf
     * would drop auto.offset.reset=error and message.timeout.ms. */
    rd_kafka_topic_conf_t *sc = rd_kafka_default_topic_conf_dup(s->consumer);
    rd_kafka_topic_conf_t *tc = rd_kafka_default_topic_conf_dup(s->producer);
    rd_kafka_topic_conf_set_opaque(sc, t);
    rd_kafka_topic_conf_set_opaque(tc, t);
    t->src_rkt = rd_kafka_topic_new(s->consumer, t->name, sc);
    t->tgt_rkt = rd_kafka_topic_new(s->producer, t->target, tc);
    m->topics_v = xrealloc(m->topics_v, (m->ntopics + 1) * sizeof *m->topics_v);
    m->topics_v[m->ntopics++] = t;
    qsort(m->topics_v, m->ntopics, sizeof *m->topics_v, topic_cmp);
    strmap_put(m->topic_by_name, t->name, t);
    return t;
}

/* Partitions [from, t->nparts) of t are gone from the source (topic deleted
 * or partitions fewer): they stop, reported like data loss. */
static void parts_gone(mirror_t *m, mtopic_t *t, int32_t from, const char *why) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(t->nparts - from);
    bool go_on = m->flow->continue_on_data_loss;
    for (int32_t p = from; p < t->nparts; p++) {
        mpart_t *mp = &t->parts[p];
        if (mp->state != MPART_COPYING) continue;
        if (!mp->started) m->unstarted--;
        mp->state = go_on ? MPART_REMOVED : MPART_DATA_LOSS;
        rd_kafka_topic_partition_list_add(l, t->name, p);
        mirror_error(m, "DATA LOSS: %s [%d]: %s; it was copied up to source offset %" PRId64
                        "%s",
                     t->name, p, why, offset_map_src_next(mp->map),
                     go_on ? "; continuing with the other partitions"
                           : "; stopping (set kmig.on.data.loss=continue or "
                             "--continue-on-data-loss to go on)");
    }
    /* The consumer keeps them assigned: librdkafka 2.0.2 does not finish
     * destroying a consumer that unassigned partitions of a deleted topic. Their
     * records, if the topic comes back, are dropped (state not copying). */
    if (l->cnt && !go_on) m->data_loss = true;
    rd_kafka_topic_partition_list_destroy(l);
}

/* Starts copying newly ready topics and partitions; stops those whose source
 * is gone (copy loop thread). */
int mirror_start_apply_ready(mirror_t *m) {
    ready_topic_t *r;
    size_t n;
    int missing;
    if (!topic_manager_take(m->tm, &m->seen_gen, &r, &n, &missing)) return 0;
    m->missing = missing;

    /* Gone: a topic that was copied and is no longer listed on the source,
     * or fewer partitions than before. */
    strmap_t *listed = strmap_new();
    for (size_t i = 0; i < n; i++) strmap_put(listed, r[i].name, &r[i]);
    for (size_t i = 0; i < m->ntopics; i++) {
        mtopic_t *t = m->topics_v[i];
        ready_topic_t *now = strmap_get(listed, t->name);
        if (!now && !t->removed && topic_manager_source_has(m->tm, t->name) == 0) {
            t->removed = true;
            parts_gone(m, t, 0, "the source topic was deleted");
        } else if (now && now->partitions < t->nparts) {
            parts_gone(m, t, now->partitions, "the source topic has fewer partitions now");
        }
    }
    strmap_destroy(listed);
    if (!m->ntopics) { /* the first list: how many copy clients */
        int64_t all = 0;
        char err[512];
        for (size_t i = 0; i < n; i++) all += r[i].partitions;
        if (mirror_shard_plan(m, all, err, sizeof err)) {
            mirror_error(m, "cannot create the copy clients: %s", err);
            ready_topics_free(r, n);
            return -1;
        }
    }

    /* New partitions: added now, started by mirror_start_partitions(). */
    for (size_t i = 0; i < n && !atomic_load(m->stop); i++) {
        mtopic_t *t = strmap_get(m->topic_by_name, r[i].name);
        if (!t) t = topic_add(m, &r[i]);
        if (r[i].partitions <= t->nparts) continue;
        t->parts = xrealloc(t->parts, (size_t)r[i].partitions * sizeof *t->parts);
        t->pub = xrealloc(t->pub, (size_t)r[i].partitions * sizeof *t->pub);
        t->task = xrealloc(t->task, (size_t)r[i].partitions * sizeof *t->task);
        t->stale = xrealloc(t->stale, (size_t)r[i].partitions * sizeof *t->stale);
        t->epoch = xrealloc(t->epoch, (size_t)r[i].partitions * sizeof *t->epoch);
        t->prior_records = xrealloc(t->prior_records, (size_t)r[i].partitions * sizeof(int64_t));
        t->prior_bytes = xrealloc(t->prior_bytes, (size_t)r[i].partitions * sizeof(int64_t));
        if (t->nparts && wait_partitions(m, t, r[i].partitions,
                                         m->flow->admin_timeout_ms + 20000)) {
            if (atomic_load(m->stop)) break; /* stopping, not a failure */
            mirror_error(m, "%s: the producer does not see %d partitions on the target yet",
                         t->target, r[i].partitions);
            m->fail = true;
            break;
        }
        for (int32_t p = t->nparts; p < r[i].partitions; p++) {
            map_entry_t *lm = map_set_get(m->loaded, t->name, p);
            if (lm && strcmp(lm->target, t->target)) {
                mirror_error(m, "%s [%d]: the offset map says it was copied to %s, but the "
                                "replication policy now names %s; refusing to mix them",
                             t->name, p, lm->target, t->target);
                t->nparts = p; /* the ones set up so far are freed with the rest */
                ready_topics_free(r, n);
                return -1;
            }
            t->epoch[p] = (lm ? lm->max_epoch : 0) + 1; /* a new owner: a higher epoch */
            mpart_init(&t->parts[p], map_set_take(m->loaded, t->name, p));
            t->pub[p] = (struct mpub){0};
            t->task[p] = mtask_of(t->name, p, m->flow->tasks);
            t->stale[p] = 0;
            t->prior_records[p] = t->prior_bytes[p] = 0;
            m->unstarted++;
        }
        log_info("copying %s -> %s: partitions %d..%d", t->name, t->target, t->nparts,
                 r[i].partitions - 1);
        t->nparts = r[i].partitions;
    }
    ready_topics_free(r, n);
    return 0;
}

/* For partitions resuming from a persisted map: reads the copy of the last
 * copied record on the target, so that the copy loop can compare the source's
 * record at that offset with it (mpart_resume_check) before copying on. A copy
 * that cannot be read (deleted by retention, no answer) leaves the partition
 * unchecked, with a note. */
static void resume_checks(mirror_t *m, rd_kafka_topic_partition_list_t *go) {
    char err[512];
    rd_kafka_topic_partition_list_t *peek = rd_kafka_topic_partition_list_new(go->cnt + 1);
    for (int i = 0; i < go->cnt; i++) {
        mtopic_t *t = go->elems[i].opaque;
        int64_t s, tg;
        if (mpart_last_pair(&t->parts[go->elems[i].partition], &s, &tg)) {
            rd_kafka_topic_partition_t *e =
                rd_kafka_topic_partition_list_add(peek, t->target, go->elems[i].partition);
            e->offset = tg;
            e->opaque = t;
        }
    }
    if (peek->cnt && recovery_readers(m, err, sizeof err)) {
        log_warn("cannot check where %d partition(s) resume (%s)", peek->cnt, err);
    } else if (peek->cnt) {
        kpeek_result_t *r = xcalloc((size_t)peek->cnt, sizeof *r);
        kpeek_records(m->tgt_reader, peek, m->flow->admin_timeout_ms, r);
        int unchecked = 0;
        for (int i = 0; i < peek->cnt; i++) {
            mtopic_t *t = peek->elems[i].opaque;
            mpart_t *p = &t->parts[peek->elems[i].partition];
            int64_t s, tg;
            if (!r[i].found || !mpart_last_pair(p, &s, &tg)) {
                unchecked++;
                continue;
            }
            p->verify_src = s;
            memcpy(p->verify_digest, r[i].digest, RECORD_DIGEST_LEN);
        }
        if (unchecked)
            log_info("%d partition(s) resume unchecked: the copy of their last copied record "
                     "could not be read on the target (retention, or no answer)",
                     unchecked);
        free(r);
    }
    rd_kafka_topic_partition_list_destroy(peek);
}

/* Starts fetching the partitions added but not started: first the target's
 * end offsets (where this run's records will land, and how many records the
 * target holds beyond the map: recovery pairs them, or counts them as
 * possibly re-sent). A partition whose end offset cannot be read is not
 * started (unknown is not "none": copying it could write duplicates nobody
 * counted); it is tried again a few seconds later. */
int mirror_start_partitions(mirror_t *m) {
    int64_t now = clock_mono_ms();
    if (!m->unstarted || now < m->next_start) return 0;
    m->next_start = now + 3000;
    rd_kafka_topic_partition_list_t *ends = rd_kafka_topic_partition_list_new(m->unstarted);
    for (size_t i = 0; i < m->ntopics; i++) {
        mtopic_t *t = m->topics_v[i];
        for (int32_t p = 0; p < t->nparts; p++)
            if (!t->parts[p].started && t->parts[p].state == MPART_COPYING &&
                mworkers_owns(m->workers, t->task[p]))
                rd_kafka_topic_partition_list_add(ends, t->target, p)->opaque = t;
    }
    char err[512];
    int rc = 0;
    /* Asked through the target admin handle: the producer's broker thread
     * walks every partition it knows on each wakeup (librdkafka 2.0.2) and
     * answers late while thousands of partitions join it. */
    if (ends->cnt && kadmin_end_offsets(m->tadmin, ends, m->flow->admin_timeout_ms + 10000,
                                        err, sizeof err)) {
        log_warn("could not read the target's end offsets (%s); %d partition(s) wait to start "
                 "(kmig copies only where it can count what the target already holds)",
                 err, ends->cnt);
        rd_kafka_topic_partition_list_destroy(ends);
        return 0;
    }
    /* Only the partitions whose end offset is known go on. */
    rd_kafka_topic_partition_list_t *go = rd_kafka_topic_partition_list_new(ends->cnt + 1);
    int waiting = 0;
    for (int i = 0; i < ends->cnt; i++) {
        rd_kafka_topic_partition_t *e = &ends->elems[i];
        if (e->err || e->offset < 0) {
            if (!waiting++)
                log_warn("%s [%d]: the target's end offset cannot be read (%s); waiting to start",
                         e->topic, e->partition, rd_kafka_err2str(e->err));
            continue;
        }
        mtopic_t *t = e->opaque;
        t->parts[e->partition].tgt_base = e->offset;
        rd_kafka_topic_partition_t *g = rd_kafka_topic_partition_list_add(go, e->topic, e->partition);
        g->offset = e->offset;
        g->opaque = t;
    }
    rd_kafka_topic_partition_list_destroy(ends);
    /* Exactly once: records and map commit together, so the target holds no
     * committed record beyond the map (docs/EXACTLY_ONCE.md): no pairing. */
    if (!m->txn) recover_unmapped(m, go);
    /* Partitions copied for the first time start at their log start, and so
     * does their map: a group committed in a gap before the first record that
     * survives (an aborted transaction, compaction) then translates too. */
    rd_kafka_topic_partition_list_t *assign = rd_kafka_topic_partition_list_new(go->cnt + 1);
    rd_kafka_topic_partition_list_t *starts = rd_kafka_topic_partition_list_new(go->cnt + 1);
    for (int i = 0; i < go->cnt; i++) {
        mtopic_t *t = go->elems[i].opaque;
        if (offset_map_count(t->parts[go->elems[i].partition].map) == 0)
            rd_kafka_topic_partition_list_add(starts, t->name, go->elems[i].partition)->opaque = t;
    }
    if (starts->cnt &&
        kadmin_start_offsets(m->sadmin, starts, m->flow->admin_timeout_ms + 10000, err,
                             sizeof err)) { /* not the consumer: see the end offsets above */
        log_warn("could not read the source's log start offsets (%s); maps start at the first "
                 "record read",
                 err);
    } else {
        for (int i = 0; i < starts->cnt; i++) {
            mtopic_t *t = starts->elems[i].opaque;
            mpart_t *mp = &t->parts[starts->elems[i].partition];
            if (!starts->elems[i].err && starts->elems[i].offset >= 0) {
                offset_map_begin(mp->map, starts->elems[i].offset);
                mp->version++;
            }
        }
    }
    rd_kafka_topic_partition_list_destroy(starts);
    resume_checks(m, go);
    for (int i = 0; i < go->cnt; i++) {
        mtopic_t *t = go->elems[i].opaque;
        int32_t p = go->elems[i].partition;
        int64_t start = t->parts[p].verify_src >= 0 ? t->parts[p].verify_src
                                                    : offset_map_src_next(t->parts[p].map);
        rd_kafka_topic_partition_list_add(assign, t->name, p)->offset =
            start >= 0 ? start : RD_KAFKA_OFFSET_BEGINNING;
        t->parts[p].started = true;
        m->unstarted--;
    }
    if (assign->cnt && mirror_shard_assign(m, assign, true, err, sizeof err)) {
        mirror_error(m, "assigning source partitions failed: %s", err);
        rc = -1;
    }
    rd_kafka_topic_partition_list_destroy(assign);
    rd_kafka_topic_partition_list_destroy(go);
    return rc;
}

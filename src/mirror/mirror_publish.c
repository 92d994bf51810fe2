/* The snapshot the copy loop publishes every 0.5 s (PUBLISH_MS, mirror.c;
 * msnap.h), which everything off the copy loop's thread reads: the metrics
 * endpoint, the progress lines, the dashboard, the group thread and the run
 * summary. Per partition this process copies: its state and counters
 * (monotonic across a task's hand-over), the source's watermarks (a rotating
 * share of them at scale) and a shared copy of its map, copied again only
 * when it changed (a big map at most every 10 s; in exactly-once mode only a
 * committed one); per flow: latencies, heartbeats, the mode's and the
 * workers' figures. */
#include <stdio.h>

#include <librdkafka/rdkafka.h>

#include "core/clock.h"
#include "mirror/heartbeat.h"
#include "mirror/mirror_priv.h"
#include "mirror/mpart.h"
#include "mirror/msnap.h"
#include "mirror/mtxn.h"
#include "mirror/mworkers.h"

/* Source watermarks read per publish: librdkafka 2.0.2 finds a partition's
 * topic by a linear search over the handle's topics under the handle's lock,
 * so reading all of them costs partitions x topics (the copy loop spent most
 * of its time there at 24,000 partitions); beyond this many partitions a
 * rotating share is read each time (the lag shown is then up to
 * n / PUBLISH_WATERMARKS publishes old: 12 s at 24,000). */
#define PUBLISH_WATERMARKS 1000

static void publish_latency(mirror_t *m, msnap_t *s) {
    for (size_t i = 0; i < m->ntopics; i++)
        msnap_add_latency(s, m->topics_v[i]->name, &m->topics_v[i]->lat);
    s->hb_latency = m->hb_lat;
    s->hb_last_ms = m->hb_last_ms;
    heartbeat_stats_t hs;
    heartbeat_get_stats(m->hb, &hs);
    s->hb_sent = hs.sent;
    s->hb_failed = hs.failed;
}

void mirror_publish(mirror_t *m) {
    size_t n = 0; /* the partitions published: those of the tasks owned */
    for (size_t i = 0; i < m->ntopics; i++)
        for (int32_t p = 0; p < m->topics_v[i]->nparts; p++)
            n += mworkers_owns(m->workers, m->topics_v[i]->task[p]);
    msnap_t *s = msnap_new(n);
    s->topics = (int)m->ntopics;
    s->client_pairs = m->nshards;
    s->missing_topics = m->missing;
    s->produce_errors = m->produce_errors;
    s->map_errors = m->map_errors;
    s->lost = m->lost_total;
    s->resent_possible = m->resend_estimate;
    s->recovered = m->recovered;
    s->published_ms = clock_mono_ms();
    publish_latency(m, s);
    mirror_txn_publish(m, s);
    size_t k = 0, wm_from = n > PUBLISH_WATERMARKS ? m->wm_next % n : 0;
    m->wm_next = wm_from + PUBLISH_WATERMARKS;
    for (size_t i = 0; i < m->ntopics; i++) {
        mtopic_t *t = m->topics_v[i];
        for (int32_t p = 0; p < t->nparts; p++) {
            mpart_t *mp = &t->parts[p];
            if (!mworkers_owns(m->workers, t->task[p])) continue; /* another worker's */
            /* Copies cost the map's size: a map of many segments (a source
             * with many transactions) is copied at most every 10 s. */
            bool big = offset_map_count(mp->map) > 10000;
            struct mpub *pub = &t->pub[p];
            /* Exactly once: only a committed map is published (mirror_txn_round
             * publishes each one as it commits). */
            bool committed = !m->txn || offset_map_src_next(mp->map) == mp->txn_src_next;
            if (committed && (!pub->map || (pub->version != mp->version &&
                                            (!big || s->published_ms >= pub->ms + 10000)))) {
                msnap_map_unref(pub->map);
                pub->map = msnap_map_new(mp->map);
                pub->version = mp->version;
                pub->ms = s->published_ms;
            }
            /* A map changed without records (a gap covered at the end) is
             * committed by its task's next round too. */
            if (m->txn && !committed && offset_map_dirty_from(mp->map) < offset_map_count(mp->map))
                mtxn_wrote(m->txn, mirror_txn_task_of(m, t, p));
            msnap_part_t *sp = msnap_add(s, t->name, t->target, p, pub->map);
            bool done = mpart_caught_up(mp);
            sp->state = done                                         ? "caught-up"
                        : !mp->started && mp->state == MPART_COPYING ? "starting"
                                                                     : mpart_state_name(mp->state);
            sp->records = t->prior_records[p] + mp->records;
            sp->run_records = mp->records;
            sp->bytes = t->prior_bytes[p] + mp->bytes;
            sp->lost = mp->lost;
            sp->recovered = mp->recovered;
            sp->resent_possible = mp->resent_possible;
            mpart_latency_take(mp, &sp->latency_max_ms, &sp->latency_avg_ms);
            int64_t lo, hi;
            if ((k++ - wm_from + n) % n < PUBLISH_WATERMARKS && mp->started) /* this share */
                pub->wm = !rd_kafka_get_watermark_offsets(mirror_shard_of(m, t)->consumer,
                                                          t->name, p, &pub->lo, &pub->hi) &&
                          pub->hi >= 0;
            if (pub->wm) {
                lo = pub->lo;
                hi = pub->hi;
                sp->source_start = lo;
                sp->source_end = hi;
                int64_t at = offset_map_src_next(mp->map);
                if (at < 0) at = lo > 0 ? lo : 0;
                sp->lag = hi > at ? hi - at : 0;
            }
            sp->translate_end = mp->eof_offset >= 0 && !mp->inflight ? mp->eof_offset : -1;
            sp->tgt_base = mp->tgt_base;
            sp->src_next = offset_map_src_next(mp->map);
            sp->tgt_next = offset_map_tgt_next(mp->map);
            sp->inflight = mp->inflight;
            const offset_seg_t *first = offset_map_at(mp->map, 0);
            if (first && !first->count) first = offset_map_at(mp->map, 1);
            sp->target_first = first ? first->tgt_start : -1;
            sp->segments = offset_map_count(mp->map);
            s->records += mp->records;
            s->bytes += mp->bytes;
        }
    }
    s->records += m->dropped_records;
    s->bytes += m->dropped_bytes;
    s->tasks_total = m->flow->tasks;
    s->tasks_owned = m->workers ? mworkers_owned(m->workers) : m->flow->tasks;
    s->duplicates_written = m->stale_landed;
    if (m->workers) {
        snprintf(s->worker_id, sizeof s->worker_id, "%s", mworkers_member_id(m->workers));
        mworkers_counts(m->workers, &s->task_rebalances, &s->tasks_gained, &s->tasks_lost);
    }
    msnap_publish(m->snaps, s);
}

/* The offset map's persistence in the at-least-once copy: the maps read
 * from the map topic (at start-up, and again when a worker takes a task over),
 * and every flush interval each partition's changed segments produced to the
 * map topic, with their delivery reports checked: a segment whose write failed
 * is marked dirty and written by the next flush, and failures in
 * MAP_FAILURES_MAX flushes in a row stop the run (no copy without a persisted
 * map). The format is kafka/map_store.h's (docs/OFFSET_MAP.md); exactly-once
 * mode writes the segments into its transactions instead (mirror_txn.c). */
#include <inttypes.h>
#include <stdlib.h>

#include <librdkafka/rdkafka.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "kafka/kclient.h"
#include "kafka/map_store.h"
#include "mirror/mirror_priv.h"
#include "offsets/map_set.h"

#define MAP_FAILURES_MAX 5 /* flush rounds in a row with failed map writes before stopping */

int mirror_map_load_into(mirror_t *m, map_set_t *set, char *err, size_t errsz) {
    kclient_opts_t o = {.type = RD_KAFKA_CONSUMER, .name = "target-map-reader",
                        .settings = &m->tgt_consumer, .required = map_store_reader_required()};
    rd_kafka_t *rk = kclient_new(&o, err, errsz);
    if (!rk) return -1;
    size_t records = 0;
    int64_t t0 = clock_mono_ms();
    int rc = map_store_load(rk, m->map_topic, m->flow->admin_timeout_ms + 20000, map_set_add_seg,
                            set, &records, err, errsz);
    rd_kafka_destroy(rk);
    if (rc == 0)
        log_info("offset map: %zu records for %zu partitions read from %s in %" PRId64 " ms",
                 records, map_set_count(set), m->map_topic, clock_mono_ms() - t0);
    if (map_set_conflicts(set))
        log_warn("offset map: %zu segments contradict earlier ones and were ignored",
                 map_set_conflicts(set));
    if (map_set_superseded(set))
        log_info("offset map: %zu segments written by a worker that had lost its partition "
                 "were superseded by the next owner's (higher epoch)",
                 map_set_superseded(set));
    return rc;
}

int mirror_map_load(mirror_t *m, char *err, size_t errsz) {
    return mirror_map_load_into(m, m->loaded, err, errsz);
}

/* Produces every changed segment of every partition to the map topic. A
 * segment is marked clean when produced; a failed delivery marks it dirty
 * again (mirror_map_delivered), so it is written again by the next flush. */
void mirror_map_flush(mirror_t *m) {
    if (m->map_failed_now) {
        if (++m->map_fail_rounds >= MAP_FAILURES_MAX && !m->fail) {
            mirror_error(m, "offset map writes to %s keep failing (%d flushes in a row); "
                            "stopping so that no record is copied without a persisted map",
                         m->map_topic, m->map_fail_rounds);
            m->fail = true;
        }
    } else {
        m->map_fail_rounds = 0;
    }
    m->map_failed_now = false;
    for (size_t i = 0; i < m->ntopics; i++) {
        mtopic_t *t = m->topics_v[i];
        for (int32_t p = 0; p < t->nparts; p++) {
            offset_map_t *map = t->parts[p].map;
            /* Clean first: what changes while this flush polls the producer
             * (deliveries, a failed map write) marks the map dirty again. */
            size_t from = offset_map_dirty_from(map), n = offset_map_count(map);
            offset_map_mark_clean(map);
            for (size_t s = from; s < n; s++) {
                map_ack_t *a = xmalloc(sizeof *a);
                *a = (map_ack_t){t, p, s, map};
                rd_kafka_resp_err_t e;
                offset_seg_t seg = *offset_map_at(map, s);
                seg.epoch = t->epoch[p];
                while ((e = map_store_write(m->map_rkt, t->name, p, t->target, &seg, a)) ==
                       RD_KAFKA_RESP_ERR__QUEUE_FULL)
                    rd_kafka_poll(m->producer, 10);
                if (e) {
                    free(a);
                    log_error("offset map write for %s [%d] failed: %s", t->name, p,
                              rd_kafka_err2str(e));
                    m->map_errors++;
                    m->map_failed_now = true;
                    offset_map_mark_dirty_from(map, s);
                    break;
                }
            }
        }
    }
}

void mirror_map_delivered(mirror_t *m, const rd_kafka_message_t *dm) {
    map_ack_t *a = dm->_private;
    if (dm->err) {
        /* Written again by the next flush, whatever the reason (a purge at
         * shutdown included: the final flush writes it). */
        if (a && a->t->parts[a->partition].map == a->map)
            offset_map_mark_dirty_from(a->t->parts[a->partition].map, a->seg);
        if (dm->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE &&
            dm->err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
            log_error("offset map write to %s failed: %s; writing it again", m->map_topic,
                      rd_kafka_err2str(dm->err));
            m->map_errors++;
        }
        m->map_failed_now = true;
    }
    free(a);
}

/* The offset map's persistence: segment records produced to a compacted topic
 * on the target, and read back in full at start-up. */
#include "kafka/map_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/sbuf.h"
#include "kafka/kread.h"

void map_store_topic_name(char *buf, size_t size, const char *source_alias) {
    snprintf(buf, size, "kmig-offset-map.%s.internal", source_alias);
}

rd_kafka_resp_err_t map_store_write(rd_kafka_topic_t *map_rkt, const char *topic, int32_t partition,
                                    const char *target_topic, const offset_seg_t *seg) {
    char key[400], val[600];
    int kl = offset_map_encode_key(key, sizeof key, topic, partition, seg->src_start);
    int vl = offset_map_encode_value(val, sizeof val, target_topic, seg);
    if (kl < 0 || vl < 0) return RD_KAFKA_RESP_ERR__INVALID_ARG;
    /* One map partition keeps every update of a source partition in order. */
    if (rd_kafka_produce(map_rkt, 0, RD_KAFKA_MSG_F_COPY, val, (size_t)vl, key,
                         (size_t)kl, NULL) == -1)
        return rd_kafka_last_error();
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

int map_store_load(rd_kafka_t *rk, const char *map_topic, int timeout_ms, map_store_seg_fn fn,
                   void *opaque, size_t *records, char *err, size_t errsz) {
    *records = 0;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, map_topic, NULL);
    const rd_kafka_metadata_t *md;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
    if (e) {
        snprintf(err, errsz, "reading offset map %s: metadata: %s", map_topic, rd_kafka_err2str(e));
        rd_kafka_topic_destroy(rkt);
        return -1;
    }
    int rc = 0;
    int32_t nparts = 0;
    if (md->topic_cnt == 1 && !md->topics[0].err) nparts = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);

    int64_t *end = xcalloc((size_t)(nparts ? nparts : 1), sizeof *end);
    int64_t *pos = xcalloc((size_t)(nparts ? nparts : 1), sizeof *pos);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    int open = 0;
    for (int32_t p = 0; p < nparts && rc == 0; p++) {
        int64_t lo, hi;
        e = rd_kafka_query_watermark_offsets(rk, map_topic, p, &lo, &hi, timeout_ms);
        if (e) {
            snprintf(err, errsz, "reading offset map %s [%d]: %s", map_topic, p,
                     rd_kafka_err2str(e));
            rc = -1;
            break;
        }
        end[p] = hi;
        pos[p] = lo;
        if (hi > lo) {
            rd_kafka_consume_start_queue(rkt, p, RD_KAFKA_OFFSET_BEGINNING, q);
            open++;
        }
    }
    rd_kafka_message_t *msgs[512];
    char topic[256], target[256];
    while (rc == 0 && open > 0) {
        ssize_t n = kread_batch(q, timeout_ms, msgs, 512);
        if (n <= 0) {
            snprintf(err, errsz, "reading offset map %s: no progress within %d ms", map_topic,
                     timeout_ms);
            rc = -1;
            break;
        }
        for (ssize_t i = 0; i < n; i++) {
            rd_kafka_message_t *m = msgs[i];
            if (rc == 0 && m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                snprintf(err, errsz, "reading offset map %s [%d]: %s", map_topic, m->partition,
                         rd_kafka_message_errstr(m));
                rc = -1;
            } else if (rc == 0 && !m->err && m->offset < end[m->partition]) {
                int32_t part;
                offset_seg_t seg;
                char why[256];
                if (!m->key || !m->payload) {
                    /* A tombstone: nothing to load. */
                } else if (offset_map_decode(m->key, m->key_len, m->payload, m->len, topic,
                                             sizeof topic, &part, target, sizeof target, &seg, why,
                                             sizeof why)) {
                    snprintf(err, errsz, "offset map %s [%d] offset %lld does not decode: %s",
                             map_topic, m->partition, (long long)m->offset, why);
                    rc = -1;
                } else {
                    fn(opaque, topic, part, target, &seg);
                    (*records)++;
                }
            }
            if (!m->err || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                int64_t next = m->err ? m->offset : m->offset + 1;
                if (pos[m->partition] < end[m->partition] && next >= end[m->partition]) open--;
                if (next > pos[m->partition]) pos[m->partition] = next;
            }
            rd_kafka_message_destroy(m);
        }
    }
    for (int32_t p = 0; p < nparts; p++)
        if (end[p] > 0) rd_kafka_consume_stop(rkt, p);
    rd_kafka_queue_destroy(q);
    rd_kafka_topic_destroy(rkt);
    free(end);
    free(pos);
    return rc;
}

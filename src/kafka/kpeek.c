/* One record at each of many partition offsets, read together (see kpeek.h):
 * every partition is started on one queue at its offset, and the first
 * message or error of each decides its answer. */
#include "kafka/kpeek.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/sbuf.h"
#include "core/strmap.h"
#include "kafka/kread.h"

void kpeek_records(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *parts, int timeout_ms,
                   kpeek_result_t *out) {
    int n = parts->cnt;
    memset(out, 0, (size_t)(n ? n : 1) * sizeof *out);
    if (!n) return;
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_topic_t **rkts = xcalloc((size_t)n, sizeof *rkts);
    bool *done = xcalloc((size_t)n, sizeof *done);
    strmap_t *index = strmap_new(); /* "partition:topic" -> index + 1 */
    sbuf_t key = {0};
    for (int i = 0; i < n; i++) {
        const rd_kafka_topic_partition_t *p = &parts->elems[i];
        rkts[i] = rd_kafka_topic_new(rk, p->topic, NULL);
        sbuf_reset(&key);
        sbuf_printf(&key, "%d:%s", p->partition, p->topic);
        strmap_put(index, sbuf_str(&key), (void *)(intptr_t)(i + 1));
        if (!rkts[i] || rd_kafka_consume_start_queue(rkts[i], p->partition, p->offset, q) == -1)
            done[i] = true;
    }
    record_digest_t *d = record_digest_new();
    int left = 0;
    for (int i = 0; i < n; i++) left += !done[i];
    int64_t deadline = clock_mono_ms() + timeout_ms;
    rd_kafka_message_t *msgs[512];
    while (left > 0 && clock_mono_ms() < deadline) {
        ssize_t got = kread_batch(q, 100, msgs, 512);
        for (ssize_t k = 0; k < got; k++) {
            rd_kafka_message_t *m = msgs[k];
            long i = -1;
            if (m->rkt) {
                sbuf_reset(&key);
                sbuf_printf(&key, "%d:%s", m->partition, rd_kafka_topic_name(m->rkt));
                i = (long)(intptr_t)strmap_get(index, sbuf_str(&key)) - 1;
            }
            if (i >= 0 && !done[i]) {
                done[i] = true;
                left--;
                if (!m->err && m->offset == parts->elems[i].offset) {
                    out[i].found = true;
                    kread_digest(m, d, out[i].digest);
                }
            }
            rd_kafka_message_destroy(m);
        }
    }
    for (int i = 0; i < n; i++) {
        if (rkts[i]) {
            rd_kafka_consume_stop(rkts[i], parts->elems[i].partition);
            rd_kafka_topic_destroy(rkts[i]);
        }
    }
    for (rd_kafka_message_t *m; (m = rd_kafka_consume_queue(q, 0));) rd_kafka_message_destroy(m);
    rd_kafka_queue_destroy(q);
    record_digest_destroy(d);
    strmap_destroy(index);
    sbuf_free(&key);
    free(done);
    free(rkts);
}

/* Partition readers for checks and recovery: start at an offset, stop at the
 * end offset seen when the read began, digest every record; a callback per
 * record, or windows of records through a cursor. Also the whole-topic read of
 * the map and checkpoint topics, and the batch poll the copy loop uses. */
#include "kafka/kread.h"

#include "core/clock.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int krecords_collect(void *opaque, const krecord_t *rec) {
    krecords_t *r = opaque;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 1024;
        r->v = realloc(r->v, r->cap * sizeof *r->v);
        if (!r->v) abort();
    }
    r->v[r->n++] = *rec;
    return 0;
}

void krecords_clear(krecords_t *r) {
    free(r->v);
    memset(r, 0, sizeof *r);
}

/* Errors a broker returns while leadership settles (a topic just created, a
 * broker restarting): worth asking again until the deadline. */
static bool transient(rd_kafka_resp_err_t e) {
    switch (e) {
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
        return true;
    default:
        return false;
    }
}

rd_kafka_resp_err_t kread_watermarks(rd_kafka_t *rk, const char *topic, int32_t partition,
                                     int64_t *lo, int64_t *hi, int timeout_ms) {
    int64_t deadline = clock_mono_ms() + timeout_ms;
    for (int delay = 50;; delay = delay < 1000 ? delay * 2 : 1000) {
        int64_t left = deadline - clock_mono_ms();
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(
            rk, topic, partition, lo, hi, left > 1000 ? (int)left : 1000);
        if (!e || !transient(e) || clock_mono_ms() + delay >= deadline) return e;
        clock_sleep_ms(delay);
    }
}

ssize_t kread_batch(rd_kafka_queue_t *q, int timeout_ms, rd_kafka_message_t **msgs, size_t size) {
    ssize_t n = rd_kafka_consume_batch_queue(q, 0, msgs, size);
    if (n != 0 || size == 0) return n;
    rd_kafka_message_t *first = rd_kafka_consume_queue(q, timeout_ms);
    if (!first) return 0;
    msgs[0] = first;
    n = rd_kafka_consume_batch_queue(q, 0, msgs + 1, size - 1);
    return n < 0 ? 1 : n + 1;
}

struct kread_cursor {
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt; /* NULL when there is nothing to read */
    rd_kafka_queue_t *q;
    char *topic;
    int32_t partition;
    int64_t start, end, pos; /* pos: the next offset expected */
    int timeout_ms;
    size_t window;
    record_digest_t *d;
    rd_kafka_message_t **msgs;
    krecord_t *recs;
};

kread_cursor_t *kread_cursor_open(rd_kafka_t *rk, const char *topic, int32_t partition,
                                  int64_t from, int64_t end, size_t window, int timeout_ms,
                                  char *err, size_t errsz) {
    int64_t lo, hi;
    rd_kafka_resp_err_t e = kread_watermarks(rk, topic, partition, &lo, &hi, timeout_ms);
    if (e) {
        snprintf(err, errsz, "%s [%d]: end offset: %s", topic, partition, rd_kafka_err2str(e));
        return NULL;
    }
    kread_cursor_t *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->rk = rk;
    c->topic = strdup(topic);
    c->partition = partition;
    c->start = c->pos = from < lo ? lo : from;
    c->end = end < 0 || end > hi ? hi : end;
    c->timeout_ms = timeout_ms;
    c->window = window ? window : 1;
    c->msgs = calloc(c->window, sizeof *c->msgs);
    c->recs = calloc(c->window, sizeof *c->recs);
    if (!c->topic || !c->msgs || !c->recs) abort();
    if (c->start < c->end) {
        c->rkt = rd_kafka_topic_new(rk, topic, NULL);
        c->q = rd_kafka_queue_new(rk);
        c->d = record_digest_new();
        rd_kafka_consume_start_queue(c->rkt, partition, c->start, c->q);
    }
    return c;
}

int64_t kread_cursor_start(const kread_cursor_t *c) { return c->start; }
int64_t kread_cursor_end(const kread_cursor_t *c) { return c->end; }

void kread_digest(const rd_kafka_message_t *m, record_digest_t *d,
                  uint8_t out[RECORD_DIGEST_LEN]) {
    record_digest_begin(d, m->key, m->key_len, m->payload, m->len,
                        rd_kafka_message_timestamp(m, NULL));
    rd_kafka_headers_t *h;
    if (!rd_kafka_message_headers((rd_kafka_message_t *)m, &h)) {
        const char *name;
        const void *val;
        size_t vlen;
        for (size_t k = 0; !rd_kafka_header_get_all(h, k, &name, &val, &vlen); k++)
            record_digest_header(d, name, val, vlen);
    }
    record_digest_end(d, out);
}

/* Digests message m into c->recs[i]. */
static void digest_message(kread_cursor_t *c, const rd_kafka_message_t *m, krecord_t *r) {
    memset(r, 0, sizeof *r);
    r->offset = m->offset;
    r->timestamp = rd_kafka_message_timestamp(m, NULL);
    kread_digest(m, c->d, r->digest);
}

ssize_t kread_cursor_next(kread_cursor_t *c, const atomic_int *stop,
                          const krecord_t **recs, char *err, size_t errsz) {
    *recs = c->recs;
    int64_t deadline = clock_mono_ms() + c->timeout_ms;
    while (c->pos < c->end) {
        if (stop && atomic_load(stop)) return KREAD_STOPPED;
        int64_t left = deadline - clock_mono_ms();
        if (left <= 0) {
            snprintf(err, errsz, "%s [%d]: no records within %d ms at offset %lld (end %lld)",
                     c->topic, c->partition, c->timeout_ms, (long long)c->pos,
                     (long long)c->end);
            return -1;
        }
        ssize_t n = kread_batch(c->q, left < 200 ? (int)left : 200, c->msgs, c->window);
        ssize_t got = 0;
        int rc = 0;
        for (ssize_t i = 0; i < n; i++) {
            rd_kafka_message_t *m = c->msgs[i];
            if (rc == 0 && m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                if (m->offset > c->pos) c->pos = m->offset;
            } else if (rc == 0 && m->err) {
                snprintf(err, errsz, "%s [%d]: %s", c->topic, c->partition,
                         rd_kafka_message_errstr(m));
                rc = -1;
            } else if (rc == 0 && m->offset >= c->pos && m->offset < c->end) {
                digest_message(c, m, &c->recs[got++]);
                c->pos = m->offset + 1;
            }
            rd_kafka_message_destroy(m);
        }
        if (rc) return -1;
        if (got) return got;
        if (n > 0) deadline = clock_mono_ms() + c->timeout_ms; /* progress (end of partition) */
    }
    return 0;
}

void kread_cursor_close(kread_cursor_t *c) {
    if (!c) return;
    if (c->rkt) {
        rd_kafka_consume_stop(c->rkt, c->partition);
        rd_kafka_queue_destroy(c->q);
        rd_kafka_topic_destroy(c->rkt);
    }
    record_digest_destroy(c->d);
    free(c->msgs);
    free(c->recs);
    free(c->topic);
    free(c);
}

int kread_partition(rd_kafka_t *rk, const char *topic, int32_t partition, int64_t from,
                    int timeout_ms, kread_fn fn, void *opaque, char *err, size_t errsz) {
    kread_cursor_t *c =
        kread_cursor_open(rk, topic, partition, from, -1, 1024, timeout_ms, err, errsz);
    if (!c) return -1;
    int rc = 0;
    const krecord_t *r;
    ssize_t n;
    while (rc == 0 && (n = kread_cursor_next(c, NULL, &r, err, errsz)) != 0) {
        if (n < 0) {
            rc = -1;
            break;
        }
        for (ssize_t i = 0; i < n && rc == 0; i++) rc = fn(opaque, &r[i]);
    }
    kread_cursor_close(c);
    return rc;
}

int kread_topic(rd_kafka_t *rk, const char *topic, int timeout_ms, kread_msg_fn fn, void *opaque,
                char *err, size_t errsz) {
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    int32_t nparts = 0;
    rd_kafka_resp_err_t e;
    int64_t deadline = clock_mono_ms() + timeout_ms;
    for (;;) {
        const rd_kafka_metadata_t *md;
        e = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
        if (!e) {
            e = md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
            nparts = e ? 0 : md->topics[0].partition_cnt;
            rd_kafka_metadata_destroy(md);
        }
        if (!e || e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) break; /* missing: empty */
        if (!transient(e) || clock_mono_ms() + 200 >= deadline) {
            snprintf(err, errsz, "reading %s: metadata: %s", topic, rd_kafka_err2str(e));
            rd_kafka_topic_destroy(rkt);
            return -1;
        }
        clock_sleep_ms(200);
    }
    size_t cnt = nparts ? (size_t)nparts : 1;
    int64_t *end = calloc(cnt, sizeof *end), *pos = calloc(cnt, sizeof *pos);
    bool *started = calloc(cnt, sizeof *started);
    if (!end || !pos || !started) abort();
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    int rc = 0, open = 0;
    for (int32_t p = 0; p < nparts && rc == 0; p++) {
        e = kread_watermarks(rk, topic, p, &pos[p], &end[p], timeout_ms);
        if (e) {
            snprintf(err, errsz, "reading %s [%d]: %s", topic, p, rd_kafka_err2str(e));
            rc = -1;
        } else if (end[p] > pos[p]) {
            rd_kafka_consume_start_queue(rkt, p, RD_KAFKA_OFFSET_BEGINNING, q);
            started[p] = true;
            open++;
        }
    }
    rd_kafka_message_t *msgs[512];
    while (rc == 0 && open > 0) {
        ssize_t n = kread_batch(q, timeout_ms, msgs, 512);
        if (n <= 0) {
            snprintf(err, errsz, "reading %s: no progress within %d ms", topic, timeout_ms);
            rc = -1;
        }
        for (ssize_t i = 0; i < n; i++) {
            rd_kafka_message_t *m = msgs[i];
            if (rc == 0 && m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                snprintf(err, errsz, "reading %s [%d]: %s", topic, m->partition,
                         rd_kafka_message_errstr(m));
                rc = -1;
            } else if (rc == 0 && !m->err && m->offset < end[m->partition]) {
                rc = fn(opaque, m, err, errsz);
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
        if (started[p]) rd_kafka_consume_stop(rkt, p);
    rd_kafka_queue_destroy(q);
    rd_kafka_topic_destroy(rkt);
    free(end);
    free(pos);
    free(started);
    return rc;
}

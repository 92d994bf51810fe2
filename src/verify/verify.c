/* One partition's verification, the I/O half: two windowed readers (source
 * and target, legacy per-partition consumer API, no group) feed the pure
 * merge of vcompare.c record by record, so memory stays at the window plus
 * librdkafka's prefetch whatever the partition's size; then, for the first
 * pair of records that differ, both are fetched again to name the fields. */
#include "verify/verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/sbuf.h"
#include "kafka/kread.h"

#define VERIFY_WINDOW 4096

void verify_client_defaults(const mm2_flow_t *flow, bool source, kv_list_t *defaults,
                            kv_list_t *required) {
    kv_list_add(defaults, "queued.max.messages.kbytes", "8192", "kmig verify default", false);
    kv_list_add(defaults, "fetch.max.bytes", "2097152", "kmig verify default", false);
    kv_list_add(defaults, "max.partition.fetch.bytes", "2097152", "kmig verify default", false);
    kv_list_add(defaults, "fetch.wait.max.ms", "100", "kmig verify default", false);
    kv_list_add(required, "enable.partition.eof", "true", "kmig verify", false);
    kv_list_add(required, "isolation.level",
                source ? (flow->read_committed ? "read_committed" : "read_uncommitted")
                       : (flow->exactly_once ? "read_committed" : "read_uncommitted"),
                source              ? "kmig.isolation.level"
                : flow->exactly_once ? "kmig verify (exactly once: committed target writes)"
                                     : "kmig verify (every target write)",
                false);
}

/* A windowed reader of one partition that keeps sizes and digests. */
typedef struct reader {
    rd_kafka_topic_t *rkt; /* NULL when there is nothing to read */
    rd_kafka_queue_t *q;
    const char *topic;
    int32_t partition;
    int64_t start, end, pos;
    rd_kafka_message_t *msgs[VERIFY_WINDOW];
    krecord_t recs[VERIFY_WINDOW];
    ssize_t n, i; /* records in the window, next one */
    record_digest_t *d;
    bool done;
} reader_t;

/* Reads the partition's watermarks into *lo, *hi. Returns -1 with err. */
static int reader_open(reader_t *r, rd_kafka_t *rk, const char *topic, int32_t partition,
                       int timeout_ms, int64_t *lo, int64_t *hi, char *err, size_t errsz) {
    memset(r, 0, sizeof *r);
    r->topic = topic;
    r->partition = partition;
    rd_kafka_resp_err_t e = kread_watermarks(rk, topic, partition, lo, hi, timeout_ms);
    if (e) {
        snprintf(err, errsz, "%s [%d]: watermarks: %s", topic, partition, rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}

/* Starts the read of [max(from, lo), min(end, hi)) (end < 0: hi). */
static void reader_start(reader_t *r, rd_kafka_t *rk, int64_t from, int64_t end, int64_t lo,
                         int64_t hi) {
    r->start = r->pos = from < lo ? lo : from;
    r->end = end < 0 || end > hi ? hi : end;
    if (r->start < r->end) {
        r->rkt = rd_kafka_topic_new(rk, r->topic, NULL);
        r->q = rd_kafka_queue_new(rk);
        r->d = record_digest_new();
        rd_kafka_consume_start_queue(r->rkt, r->partition, r->start, r->q);
    } else {
        r->done = true;
    }
}

static void reader_close(reader_t *r) {
    if (r->rkt) {
        rd_kafka_consume_stop(r->rkt, r->partition);
        rd_kafka_queue_destroy(r->q);
        rd_kafka_topic_destroy(r->rkt);
        r->rkt = NULL;
    }
    record_digest_destroy(r->d);
    r->d = NULL;
}

static int64_t message_bytes(const rd_kafka_message_t *m) {
    return (int64_t)m->key_len + (int64_t)m->len;
}

/* The next record, or NULL at the end of the range (*rc 0) or on an error or
 * a stop (*rc -1, err filled). */
static const krecord_t *reader_next(reader_t *r, int timeout_ms, const atomic_int *stop,
                                    int64_t *bytes, atomic_llong *progress, int *rc, char *err,
                                    size_t errsz) {
    *rc = 0;
    if (r->i < r->n) return &r->recs[r->i++];
    r->n = r->i = 0;
    int64_t deadline = clock_mono_ms() + timeout_ms;
    while (!r->done && r->pos < r->end) {
        if (stop && atomic_load(stop)) {
            snprintf(err, errsz, "stopped");
            *rc = -1;
            return NULL;
        }
        int64_t left = deadline - clock_mono_ms();
        if (left <= 0) {
            snprintf(err, errsz, "%s [%d]: no records within %d ms at offset %lld (end %lld)",
                     r->topic, r->partition, timeout_ms, (long long)r->pos, (long long)r->end);
            *rc = -1;
            return NULL;
        }
        ssize_t n = kread_batch(r->q, left < 200 ? (int)left : 200, r->msgs, VERIFY_WINDOW);
        ssize_t got = 0;
        for (ssize_t k = 0; k < n; k++) {
            rd_kafka_message_t *m = r->msgs[k];
            if (*rc == 0 && m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                if (m->offset > r->pos) r->pos = m->offset;
            } else if (*rc == 0 && m->err) {
                snprintf(err, errsz, "%s [%d]: %s", r->topic, r->partition,
                         rd_kafka_message_errstr(m));
                *rc = -1;
            } else if (*rc == 0 && m->offset >= r->pos && m->offset < r->end) {
                krecord_t *k2 = &r->recs[got++];
                k2->offset = m->offset;
                k2->timestamp = rd_kafka_message_timestamp(m, NULL);
                kread_digest(m, r->d, k2->digest);
                *bytes += message_bytes(m);
                r->pos = m->offset + 1;
            }
            rd_kafka_message_destroy(m);
        }
        if (*rc) return NULL;
        if (progress && got) atomic_fetch_add(progress, (long long)got);
        if (got) {
            r->n = got;
            r->i = 1;
            return &r->recs[0];
        }
        if (n > 0) deadline = clock_mono_ms() + timeout_ms;
    }
    r->done = true;
    return NULL;
}

/* One record's fields, fetched alone. Holds the message until fields_free. */
typedef struct fields {
    rd_kafka_message_t *m;
    vc_fields_t f;
    vc_header_t *h;
} fields_t;

static int fetch_fields(rd_kafka_t *rk, const char *topic, int32_t partition, int64_t offset,
                        int timeout_ms, fields_t *out) {
    memset(out, 0, sizeof *out);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    int rc = -1;
    if (rd_kafka_consume_start_queue(rkt, partition, offset, q) == 0) {
        int64_t deadline = clock_mono_ms() + timeout_ms;
        while (rc && clock_mono_ms() < deadline) {
            rd_kafka_message_t *m = rd_kafka_consume_queue(q, 200);
            if (!m) continue;
            if (!m->err && m->offset == offset) {
                out->m = m;
                rc = 0;
            } else {
                rd_kafka_message_destroy(m);
            }
        }
        rd_kafka_consume_stop(rkt, partition);
    }
    rd_kafka_queue_destroy(q);
    rd_kafka_topic_destroy(rkt);
    if (rc) return -1;
    rd_kafka_message_t *m = out->m;
    out->f.key = m->key;
    out->f.key_len = m->key_len;
    out->f.value = m->payload;
    out->f.value_len = m->len;
    out->f.timestamp = rd_kafka_message_timestamp(m, NULL);
    rd_kafka_headers_t *hs;
    if (!rd_kafka_message_headers(m, &hs)) {
        size_t n = rd_kafka_header_cnt(hs);
        out->h = xcalloc(n ? n : 1, sizeof *out->h);
        for (size_t k = 0; k < n; k++)
            rd_kafka_header_get_all(hs, k, &out->h[k].name, &out->h[k].value, &out->h[k].len);
        out->f.headers = out->h;
        out->f.nheaders = n;
    }
    return 0;
}

static void fields_free(fields_t *f) {
    if (f->m) rd_kafka_message_destroy(f->m);
    free(f->h);
}

/* The first target offset a range starting at source offset s reads from:
 * where the first mapped record at or after s landed (the map's target end
 * when there is none, the target's end when nothing is mapped at all). */
static int64_t target_from(const offset_map_t *map, int64_t s, int64_t tgt_hi) {
    int64_t t = -1, tnext = offset_map_tgt_next(map);
    if (tnext < 0) return tgt_hi; /* nothing mapped: no target record is kmig's */
    const offset_seg_t *first = offset_map_at(map, 0);
    if (s < first->src_start) s = first->src_start;
    return offset_map_translate(map, s, &t) == OFFSET_MAP_EXACT ? t : tnext;
}

int verify_range(rd_kafka_t *source, rd_kafka_t *target, const verify_range_t *vr,
                 int timeout_ms, const atomic_int *stop, atomic_llong *progress,
                 verify_report_t *out, char *err, size_t errsz) {
    memset(out, 0, sizeof *out);
    out->src_from = out->src_to = out->tgt_from = out->tgt_to = -1;
    reader_t *sr = xcalloc(1, sizeof *sr), *tr = xcalloc(1, sizeof *tr);
    int rc = -1;
    vcompare_t *vc = NULL;
    if (reader_open(sr, source, vr->source_topic, vr->partition, timeout_ms, &out->src_lo,
                    &out->src_hi, err, errsz) ||
        reader_open(tr, target, vr->target_topic, vr->partition, timeout_ms, &out->tgt_lo,
                    &out->tgt_hi, err, errsz))
        goto done;
    const offset_map_t *map = vr->map;
    int64_t from = vr->from;
    if (from < 0) from = offset_map_count(map) ? offset_map_at(map, 0)->src_start : out->src_lo;
    reader_start(sr, source, from, vr->to, out->src_lo, out->src_hi);
    int64_t tfrom = target_from(map, sr->start, out->tgt_hi), tto = -1;
    if (vr->to >= 0) { /* a window: the target up to where the window's end lands */
        int64_t t;
        offset_map_result_t x = offset_map_translate(map, vr->to, &t);
        if (x == OFFSET_MAP_EXACT) tto = t;
        else if (x == OFFSET_MAP_NOT_COPIED) tto = tfrom;
        else /* the window ends at the map's end: what lies beyond is not this window's */
            tto = offset_map_tgt_next(map) >= 0 ? offset_map_tgt_next(map) : tfrom;
    }
    reader_start(tr, target, tfrom, tto, out->tgt_lo, out->tgt_hi);
    out->src_from = sr->start;
    out->src_to = sr->end;
    out->tgt_from = tr->start;
    out->tgt_to = tr->end;
    vc = vcompare_new(map);
    vcompare_set_opposite(vc, vr->opp);
    vc_want_t w;
    while ((w = vcompare_want(vc)) != VC_DONE) {
        reader_t *r = w == VC_WANT_SOURCE ? sr : tr;
        int xrc;
        const krecord_t *k = reader_next(r, timeout_ms, stop, &out->bytes, progress, &xrc, err,
                                         errsz);
        if (xrc) goto done;
        vc_rec_t rec = {k ? k->offset : 0, k ? k->timestamp : 0, k ? k->digest : NULL};
        if (w == VC_WANT_SOURCE) vcompare_source(vc, k ? &rec : NULL);
        else vcompare_target(vc, k ? &rec : NULL);
    }
    out->vc = *vcompare_result(vc);
    reader_close(sr);
    reader_close(tr);
    const vc_event_t *d = &out->vc.first_of[VC_DIFFERENT];
    if (d->kind >= 0) { /* name the fields of the first difference */
        fields_t a, b;
        if (!fetch_fields(source, vr->source_topic, vr->partition, d->source_offset, timeout_ms,
                          &a) &&
            !fetch_fields(target, vr->target_topic, vr->partition, d->target_offset, timeout_ms,
                          &b)) {
            out->first_diff_fields = vc_fields_diff(&a.f, &b.f);
            fields_free(&b);
        } else if (d->timestamp_differs) {
            out->first_diff_fields = VC_F_TIMESTAMP;
        }
        fields_free(&a);
    }
    rc = 0;
done:
    reader_close(sr);
    reader_close(tr);
    vcompare_destroy(vc);
    free(sr);
    free(tr);
    return rc;
}

int verify_partition(rd_kafka_t *source, rd_kafka_t *target, const char *source_topic,
                     const char *target_topic, int32_t partition, const offset_map_t *map,
                     verify_result_t *res, char *err, size_t errsz) {
    memset(res, 0, sizeof *res);
    verify_range_t vr = {source_topic, target_topic, partition, map, -1, -1, NULL};
    verify_report_t rep;
    if (verify_range(source, target, &vr, 10000, NULL, NULL, &rep, err, errsz)) return -1;
    const vc_counts_t *n = &rep.vc.n;
    res->source_records = n->source_records;
    res->matched = n->matched;
    res->missing = n->missing + n->not_copied + n->pending;
    res->mismatched = n->different;
    res->unmapped = n->extra + n->foreign + n->unmapped_copies;
    return 0;
}

/* Foreign writes seen while mirroring: every interval, the target end offsets
 * of the partitions the copy loop left quiet are read in one ListOffsets round.
 * This run writes each partition from tgt_base (the target's end when copying
 * started) on, and has delivered `records` records there: any other record in
 * [tgt_base, end) was written by someone else, whether it is still beyond
 * kmig's last copy or kmig's later copies went past it. Quiet means: nothing in
 * flight and the same delivered count and map end in the snapshot taken before
 * the read and in one published after it, so none of kmig's own writes can be
 * on the way. Records found are counted once (a per-partition high mark),
 * warned about, and served as kmig_foreign_records_total. */
#include "verify/vforeign.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/strmap.h"
#include "kafka/kadmin.h"
#include "kafka/kclient.h"
#include "metrics/prom.h"

typedef struct fpart {
    char *topic; /* source topic (the label, as every per-partition series) */
    int32_t partition;
    int64_t count; /* foreign records found so far */
} fpart_t;

struct vforeign {
    rd_kafka_t *rk;
    msnap_holder_t *snaps;
    int interval_ms;
    pthread_t th;
    atomic_int stop;
    pthread_mutex_t mu; /* parts, total */
    fpart_t *parts;
    size_t n, cap;
    int64_t total;
};

static fpart_t *part_get(vforeign_t *v, const char *topic, int32_t partition) {
    for (size_t i = 0; i < v->n; i++)
        if (v->parts[i].partition == partition && !strcmp(v->parts[i].topic, topic))
            return &v->parts[i];
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 16;
        v->parts = xrealloc(v->parts, v->cap * sizeof *v->parts);
    }
    fpart_t *p = &v->parts[v->n++];
    *p = (fpart_t){xstrdup(topic), partition, 0};
    return p;
}

/* Whether kmig wrote nothing to partition a between snapshots s1 and s2. */
static bool quiet(const msnap_part_t *a, const msnap_t *s2) {
    long j = msnap_find(s2, a->topic, a->partition);
    if (j < 0) return false;
    const msnap_part_t *b = &s2->v[j];
    return a->inflight == 0 && b->inflight == 0 && a->run_records == b->run_records &&
           a->tgt_next == b->tgt_next && strcmp(a->target, b->target) == 0;
}

static void check_once(vforeign_t *v) {
    msnap_t *s1 = msnap_acquire(v->snaps);
    if (!s1 || !s1->n) {
        msnap_release(s1);
        return;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)s1->n);
    for (size_t i = 0; i < s1->n; i++) {
        const msnap_part_t *p = &s1->v[i];
        /* Only partitions still copying, with nothing that might have been
         * written unseen (a stopped partition's late deliveries are not
         * counted; a failed delivery may still have been persisted). */
        bool copying = !strcmp(p->state, "copying") || !strcmp(p->state, "caught-up");
        if (p->inflight == 0 && p->tgt_base >= 0 && copying && p->resent_possible == 0)
            rd_kafka_topic_partition_list_add(l, p->target, p->partition)->opaque = (void *)p;
    }
    char err[512];
    if (!l->cnt || kadmin_end_offsets(v->rk, l, 2000, err, sizeof err)) {
        rd_kafka_topic_partition_list_destroy(l);
        msnap_release(s1);
        return;
    }
    /* A snapshot published after the answer. */
    int64_t answered = clock_mono_ms();
    msnap_t *s2 = NULL;
    while (!atomic_load(&v->stop) && clock_mono_ms() - answered < 5000) {
        s2 = msnap_acquire(v->snaps);
        if (s2 && s2->published_ms > answered) break;
        msnap_release(s2);
        s2 = NULL;
        clock_sleep_ms(100);
    }
    for (int i = 0; s2 && i < l->cnt; i++) {
        const msnap_part_t *p = l->elems[i].opaque;
        int64_t end = l->elems[i].offset;
        if (l->elems[i].err || end < 0 || !quiet(p, s2)) continue;
        /* This run wrote `run_records` records from tgt_base on: the rest
         * of [tgt_base, end) is someone else's. */
        int64_t foreign = end - p->tgt_base - p->run_records;
        pthread_mutex_lock(&v->mu);
        fpart_t *f = part_get(v, p->topic, p->partition);
        int64_t found = foreign > f->count ? foreign - f->count : 0;
        f->count += found;
        v->total += found;
        pthread_mutex_unlock(&v->mu);
        if (found)
            log_warn("%s [%d]: %" PRId64 " more records on the target that kmig did not write "
                     "(%" PRId64 " in all since offset %" PRId64 "; the target ends at %" PRId64
                     ", kmig's last copy is at %" PRId64 "): someone else writes to the target "
                     "partition (split brain); `kmig verify` names their offsets",
                     p->target, p->partition, found, f->count, p->tgt_base, end,
                     p->tgt_next - 1);
    }
    msnap_release(s2);
    rd_kafka_topic_partition_list_destroy(l);
    msnap_release(s1);
}

static void *run(void *arg) {
    vforeign_t *v = arg;
    while (!atomic_load(&v->stop)) {
        for (int64_t t = clock_mono_ms() + v->interval_ms;
             !atomic_load(&v->stop) && clock_mono_ms() < t;)
            clock_sleep_ms(100);
        if (!atomic_load(&v->stop)) check_once(v);
    }
    return NULL;
}

vforeign_t *vforeign_start(const kv_list_t *target_consumer, msnap_holder_t *snaps,
                           int interval_ms, char *err, size_t errsz) {
    kv_list_t req = {0};
    /* The high watermark: every write counts, committed or not. */
    kv_list_add(&req, "isolation.level", "read_uncommitted", "kmig (foreign write watch)", false);
    kclient_opts_t o = {.type = RD_KAFKA_CONSUMER,
                        .name = "foreign-watch",
                        .settings = target_consumer,
                        .required = &req};
    rd_kafka_t *rk = kclient_new(&o, err, errsz);
    kv_list_clear(&req);
    if (!rk) return NULL;
    vforeign_t *v = xcalloc(1, sizeof *v);
    v->rk = rk;
    v->snaps = snaps;
    v->interval_ms = interval_ms;
    pthread_mutex_init(&v->mu, NULL);
    if (pthread_create(&v->th, NULL, run, v)) {
        snprintf(err, errsz, "cannot start the foreign write watch");
        pthread_mutex_destroy(&v->mu);
        rd_kafka_destroy(rk);
        free(v);
        return NULL;
    }
    return v;
}

void vforeign_request_stop(vforeign_t *v) {
    if (v) atomic_store(&v->stop, 1);
}

void vforeign_stop(vforeign_t *v) {
    if (!v) return;
    atomic_store(&v->stop, 1);
    pthread_join(v->th, NULL);
    rd_kafka_destroy(v->rk);
    for (size_t i = 0; i < v->n; i++) free(v->parts[i].topic);
    free(v->parts);
    pthread_mutex_destroy(&v->mu);
    free(v);
}

void vforeign_render(vforeign_t *v, sbuf_t *out, const char *source, const char *target) {
    prom_family(out, "kmig_foreign_records_total", "counter",
                "Records on a target partition that kmig did not write (someone else writes "
                "to the target: split brain), by source topic and partition.");
    pthread_mutex_t *mu = v ? &v->mu : NULL;
    if (mu) pthread_mutex_lock(mu);
    for (size_t i = 0; v && i < v->n; i++) {
        char part[16];
        snprintf(part, sizeof part, "%d", v->parts[i].partition);
        const char *labels[] = {"source", source, "target", target, "topic", v->parts[i].topic,
                                "partition", part, NULL};
        prom_sample_i64(out, "kmig_foreign_records_total", labels, v->parts[i].count);
    }
    if (mu) pthread_mutex_unlock(mu);
}

int64_t vforeign_total(vforeign_t *v) {
    if (!v) return 0;
    pthread_mutex_lock(&v->mu);
    int64_t t = v->total;
    pthread_mutex_unlock(&v->mu);
    return t;
}

size_t vforeign_counts(vforeign_t *v, vforeign_count_t **out) {
    *out = NULL;
    if (!v) return 0;
    size_t n = 0;
    pthread_mutex_lock(&v->mu);
    for (size_t i = 0; i < v->n; i++) {
        if (v->parts[i].count <= 0) continue;
        *out = xrealloc(*out, (n + 1) * sizeof **out);
        (*out)[n++] = (vforeign_count_t){xstrdup(v->parts[i].topic), v->parts[i].partition,
                                         v->parts[i].count};
    }
    pthread_mutex_unlock(&v->mu);
    return n;
}

void vforeign_counts_free(vforeign_count_t *c, size_t n) {
    for (size_t i = 0; i < n; i++) free(c[i].topic);
    free(c);
}

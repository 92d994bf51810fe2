/* The way back in the copy loop (see backflow.h): a watcher thread that
 * periodically reads the opposite flow's map and the end offsets the settled
 * rule needs (offsets/backmap.h), and the copy loop's side that drops the
 * opposite flow's copies, pauses a partition whose next record is not
 * decided yet and resumes it at that record once it is. */
#include "mirror/backflow.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/strmap.h"
#include "kafka/kadmin.h"
#include "kafka/kclient.h"
#include "kafka/map_store.h"
#include "offsets/backmap.h"

/* What the watcher decided, immutable once published. */
typedef struct bview {
    atomic_int refs;
    bool active;     /* the opposite map topic exists: records are checked */
    bool hold;       /* first seen less than BACKFLOW_SETTLE_MS ago: everything waits */
    map_set_t *opp;  /* the opposite flow's maps, keyed by its source topic (our target) */
    strmap_t *settled; /* "topic:partition" of our source -> int64_t* */
    uint64_t gen;
} bview_t;

typedef struct bwait {
    char *topic, *target;
    int32_t partition;
    int64_t at; /* the record that waits */
    rd_kafka_t *consumer; /* that paused it (borrowed: the copy loop's) */
} bwait_t;

struct backflow {
    const mm2_flow_t *flow;
    msnap_holder_t *snaps;
    rd_kafka_t *sadmin, *sreader, *tadmin;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stop, started;
    bview_t *latest; /* under mu */
    map_set_t *initial; /* the opposite map at start-up (backflow_accounted_end) */
    /* Copy loop only. */
    bview_t *view;
    strmap_t *waits; /* "topic:partition" -> bwait_t* */
    bwait_t **wv;
    size_t nw;
    strmap_t *warned; /* partitions with an unaccounted record already logged */
    /* Counters (metrics thread reads them). */
    atomic_llong skipped, unaccounted;
    atomic_int waiting, active;
};

static void view_unref(bview_t *v) {
    if (!v || atomic_fetch_sub(&v->refs, 1) != 1) return;
    map_set_destroy(v->opp);
    size_t pos = 0;
    const char *k;
    void *val;
    while (v->settled && strmap_next(v->settled, &pos, &k, &val)) free(val);
    strmap_destroy(v->settled);
    free(v);
}

static char *pkey(const char *topic, int32_t p) {
    sbuf_t k = {0};
    sbuf_printf(&k, "%s:%d", topic, p);
    return k.s;
}

int backflow_load_opposite(rd_kafka_t *admin, rd_kafka_t *consumer, const mm2_flow_t *f,
                           int timeout_ms, map_set_t *out, bool *exists, char *err, size_t errsz) {
    char topic[300];
    map_store_topic_name(topic, sizeof topic, f->target);
    ktopics_t kt = {0};
    if (kadmin_list_topics(admin, timeout_ms, &kt, err, errsz)) return -1;
    *exists = ktopics_find(&kt, topic) != NULL;
    ktopics_clear(&kt);
    if (!*exists) return 0;
    size_t records = 0;
    return map_store_load(consumer, topic, timeout_ms + 20000, map_set_add_seg, out, &records, err,
                          errsz);
}

/* Reads ends for every partition of the snapshot; -1 where unknown. */
static int read_ends(rd_kafka_t *rk, const msnap_t *s, bool target, bool start, int timeout_ms,
                     int64_t *out, char *err, size_t errsz) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)s->n + 1);
    for (size_t i = 0; i < s->n; i++)
        rd_kafka_topic_partition_list_add(l, target ? s->v[i].target : s->v[i].topic,
                                          s->v[i].partition);
    int rc = s->n ? (start ? kadmin_start_offsets(rk, l, timeout_ms, err, errsz)
                           : kadmin_end_offsets(rk, l, timeout_ms, err, errsz))
                  : 0;
    for (int i = 0; i < l->cnt; i++) out[i] = rc || l->elems[i].err ? -1 : l->elems[i].offset;
    rd_kafka_topic_partition_list_destroy(l);
    return rc;
}

static void publish(backflow_t *b, bview_t *v) {
    pthread_mutex_lock(&b->mu);
    v->gen = b->latest ? b->latest->gen + 1 : 1;
    bview_t *old = b->latest;
    b->latest = v;
    pthread_mutex_unlock(&b->mu);
    view_unref(old);
}

static bool stopping(backflow_t *b) {
    pthread_mutex_lock(&b->mu);
    bool s = b->stop;
    pthread_mutex_unlock(&b->mu);
    return s;
}

/* One pass of the watcher: returns the new view, or NULL to keep the last. */
static bview_t *pass(backflow_t *b, int64_t *first_seen) {
    char err[512];
    int to = b->flow->admin_timeout_ms;
    msnap_t *s = msnap_acquire(b->snaps);
    if (!s) return NULL;
    bview_t *v = xcalloc(1, sizeof *v);
    atomic_init(&v->refs, 1);
    v->opp = map_set_new();
    v->settled = strmap_new();
    int64_t *src_end = xcalloc(s->n + 1, sizeof *src_end), *tgt_start = xcalloc(s->n + 1, 8),
            *tgt_end = xcalloc(s->n + 1, 8);
    bool exists = false;
    /* Order matters (backmap_settled): S's ends, then T's, then the map. */
    char topic[300];
    map_store_topic_name(topic, sizeof topic, b->flow->target);
    ktopics_t kt = {0};
    if (kadmin_list_topics(b->sadmin, to, &kt, err, sizeof err)) goto fail;
    exists = ktopics_find(&kt, topic) != NULL;
    ktopics_clear(&kt);
    if (!exists) {
        *first_seen = -1;
        goto done;
    }
    v->active = true;
    if (*first_seen < 0) {
        *first_seen = clock_mono_ms();
        log_info("the way back: %s exists on %s (the opposite flow %s->%s): records it copied "
                 "to %s are never copied back",
                 topic, b->flow->source, b->flow->target, b->flow->source, b->flow->source);
    }
    v->hold = clock_mono_ms() < *first_seen + BACKFLOW_SETTLE_MS;
    if (stopping(b)) goto quiet;
    if (read_ends(b->sadmin, s, false, false, to, src_end, err, sizeof err) ||
        read_ends(b->tadmin, s, true, true, to, tgt_start, err, sizeof err) ||
        read_ends(b->tadmin, s, true, false, to, tgt_end, err, sizeof err))
        goto fail;
    size_t records = 0;
    if (stopping(b)) goto quiet;
    if (map_store_load(b->sreader, topic, to + 20000, map_set_add_seg, v->opp, &records, err,
                       sizeof err))
        goto fail;
    for (size_t i = 0; i < s->n; i++) {
        const msnap_part_t *p = &s->v[i];
        map_entry_t *e = map_set_get(v->opp, p->target, p->partition);
        if (e && strcmp(e->target, p->topic)) e = NULL;
        int64_t *st = xmalloc(sizeof *st);
        *st = backmap_settled(e ? e->map : NULL, msnap_map_get(p->map), src_end[i],
                              tgt_start[i] < 0 ? 0 : tgt_start[i], tgt_end[i]);
        char *k = pkey(p->topic, p->partition);
        strmap_put(v->settled, k, st);
        free(k);
    }
done:
    free(src_end);
    free(tgt_start);
    free(tgt_end);
    msnap_release(s);
    return v;
fail:
    if (!stopping(b))
        log_warn("the way back: %s; records beyond the opposite map keep waiting", err);
quiet:
    free(src_end);
    free(tgt_start);
    free(tgt_end);
    msnap_release(s);
    view_unref(v);
    return NULL;
}

static void *watch_main(void *arg) {
    backflow_t *b = arg;
    int64_t first_seen = -1;
    for (bool first = true;; first = false) {
        pthread_mutex_lock(&b->mu);
        if (!first) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += BACKFLOW_PERIOD_MS / 1000;
            while (!b->stop && pthread_cond_timedwait(&b->cond, &b->mu, &ts) == 0)
                ;
        }
        bool stop = b->stop;
        pthread_mutex_unlock(&b->mu);
        if (stop) break;
        bview_t *v = pass(b, &first_seen);
        if (v) {
            atomic_store(&b->active, v->active);
            publish(b, v);
        }
        if (first && !v) clock_sleep_ms(200); /* no snapshot yet: try again soon */
    }
    return NULL;
}

backflow_t *backflow_start(const mm2_flow_t *f, const backflow_settings_t *st,
                           msnap_holder_t *snaps, char *err, size_t errsz) {
    backflow_t *b = xcalloc(1, sizeof *b);
    b->flow = f;
    b->snaps = snaps;
    b->waits = strmap_new();
    b->warned = strmap_new();
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cond, NULL);
    kclient_opts_t sa = {.type = RD_KAFKA_PRODUCER, .name = "source-back-admin",
                         .settings = st->src_admin};
    kclient_opts_t sr = {.type = RD_KAFKA_CONSUMER, .name = "source-back-map-reader",
                         .settings = st->src_consumer};
    kclient_opts_t ta = {.type = RD_KAFKA_PRODUCER, .name = "target-back-admin",
                         .settings = st->tgt_admin};
    if (!(b->sadmin = kclient_new(&sa, err, errsz)) || !(b->sreader = kclient_new(&sr, err, errsz)) ||
        !(b->tadmin = kclient_new(&ta, err, errsz)))
        goto fail;
    bool exists = false;
    char lerr[512];
    b->initial = map_set_new();
    if (backflow_load_opposite(b->sadmin, b->sreader, f, f->admin_timeout_ms, b->initial, &exists,
                               lerr, sizeof lerr))
        log_warn("the way back: the opposite flow's map could not be read at start-up (%s)", lerr);
    if (pthread_create(&b->thread, NULL, watch_main, b)) {
        snprintf(err, errsz, "cannot start the way-back watcher thread");
        goto fail;
    }
    b->started = true;
    return b;
fail:
    backflow_stop(b);
    return NULL;
}

void backflow_stop(backflow_t *b) {
    if (!b) return;
    if (b->started) {
        pthread_mutex_lock(&b->mu);
        b->stop = true;
        pthread_cond_broadcast(&b->cond);
        pthread_mutex_unlock(&b->mu);
        pthread_join(b->thread, NULL);
    }
    view_unref(b->latest);
    view_unref(b->view);
    map_set_destroy(b->initial);
    for (size_t i = 0; i < b->nw; i++) {
        free(b->wv[i]->topic);
        free(b->wv[i]->target);
        free(b->wv[i]);
    }
    free(b->wv);
    strmap_destroy(b->waits);
    strmap_destroy(b->warned);
    if (b->sadmin) rd_kafka_destroy(b->sadmin);
    if (b->sreader) rd_kafka_destroy(b->sreader);
    if (b->tadmin) rd_kafka_destroy(b->tadmin);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cond);
    free(b);
}

/* Takes the latest view when it is newer than the copy loop's. */
static void refresh(backflow_t *b) {
    pthread_mutex_lock(&b->mu);
    bview_t *l = b->latest;
    if (l && (!b->view || b->view->gen != l->gen)) {
        atomic_fetch_add(&l->refs, 1);
        pthread_mutex_unlock(&b->mu);
        view_unref(b->view);
        b->view = l;
        return;
    }
    pthread_mutex_unlock(&b->mu);
}

static backmap_class_t classify(backflow_t *b, const char *topic, const char *target,
                                int32_t partition, int64_t offset) {
    bview_t *v = b->view;
    if (!v) return BACKMAP_WAIT; /* the first look has not been taken yet */
    if (!v->active) return BACKMAP_COPY;
    if (v->hold) return BACKMAP_WAIT;
    map_entry_t *e = map_set_get(v->opp, target, partition);
    if (e && strcmp(e->target, topic)) e = NULL;
    char *k = pkey(topic, partition);
    int64_t *st = strmap_get(v->settled, k);
    free(k);
    return backmap_classify(e ? e->map : NULL, offset, st ? *st : -1);
}

bool backflow_admit(backflow_t *b, rd_kafka_t *consumer, const char *topic, const char *target,
                    int32_t partition, int64_t offset) {
    if (!b) return true;
    if (!b->view) refresh(b);
    if (!b->nw && b->view && !b->view->active) return true; /* no way back: the fast path */
    char *k = pkey(topic, partition);
    if (strmap_get(b->waits, k)) { /* prefetched after the waiting record */
        free(k);
        return false;
    }
    switch (classify(b, topic, target, partition, offset)) {
    case BACKMAP_COPY: free(k); return true;
    case BACKMAP_COPY_UNACCOUNTED:
        atomic_fetch_add(&b->unaccounted, 1);
        if (!strmap_get(b->warned, k)) {
            strmap_put(b->warned, k, b);
            log_warn("the way back: %s [%d] offset %" PRId64 " lies below the opposite flow's "
                     "mapped end but is not one of its copies (a re-send of a crashed opposite "
                     "run, or a producer writing while it copied): copied, counted in "
                     "kmig_back_unaccounted_total",
                     topic, partition, offset);
        }
        free(k);
        return true;
    case BACKMAP_SKIP:
        atomic_fetch_add(&b->skipped, 1);
        free(k);
        return false;
    case BACKMAP_WAIT: break;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, partition);
    rd_kafka_pause_partitions(consumer, l);
    rd_kafka_topic_partition_list_destroy(l);
    bwait_t *w = xcalloc(1, sizeof *w);
    *w = (bwait_t){xstrdup(topic), xstrdup(target), partition, offset, consumer};
    strmap_put(b->waits, k, w);
    b->wv = xrealloc(b->wv, (b->nw + 1) * sizeof *b->wv);
    b->wv[b->nw++] = w;
    atomic_store(&b->waiting, (int)b->nw);
    char *tk = NULL;
    sbuf_t told = {0};
    sbuf_printf(&told, "wait:%s", k);
    tk = told.s;
    log_msg(strmap_get(b->warned, tk) ? LL_DEBUG : LL_INFO,
            "the way back: %s [%d] waits at offset %" PRId64 ": it may be a copy the opposite "
            "flow %s->%s made and has not mapped yet (it has records pending); copying goes on "
            "once it has none (kmig_back_waiting_partitions)",
            topic, partition, offset, b->flow->target, b->flow->source);
    if (!strmap_get(b->warned, tk)) strmap_put(b->warned, tk, b);
    free(tk);
    free(k);
    return false;
}

bool backflow_eof_ok(backflow_t *b, const char *topic, int32_t partition, int64_t end) {
    if (!b || !b->nw) return true;
    char *k = pkey(topic, partition);
    bwait_t *w = strmap_get(b->waits, k);
    free(k);
    return !w || end <= w->at;
}

/* Drops wait i (the partition was resumed or reset by its owner). */
static void wait_drop(backflow_t *b, size_t i) {
    bwait_t *w = b->wv[i];
    char *k = pkey(w->topic, w->partition);
    strmap_put(b->waits, k, NULL); /* no delete: a NULL value is absent */
    free(k);
    free(w->topic);
    free(w->target);
    free(w);
    b->wv[i] = b->wv[--b->nw];
    atomic_store(&b->waiting, (int)b->nw);
}

void backflow_tick(backflow_t *b) {
    if (!b) return;
    refresh(b);
    for (size_t i = 0; i < b->nw;) {
        bwait_t *w = b->wv[i];
        rd_kafka_t *consumer = w->consumer;
        if (classify(b, w->topic, w->target, w->partition, w->at) == BACKMAP_WAIT) {
            i++;
            continue;
        }
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, w->topic, w->partition)->offset = w->at;
        rd_kafka_error_t *e = rd_kafka_seek_partitions(consumer, l, 5000);
        /* A partition's own seek error is in the list, not in e. */
        rd_kafka_resp_err_t pe = e ? rd_kafka_error_code(e) : l->elems[0].err;
        if (pe) {
            log_warn("the way back: %s [%d]: seeking back to %" PRId64 " failed (%s); trying "
                     "again",
                     w->topic, w->partition, w->at,
                     e ? rd_kafka_error_string(e) : rd_kafka_err2str(pe));
            if (e) rd_kafka_error_destroy(e);
            rd_kafka_topic_partition_list_destroy(l);
            i++;
            continue;
        }
        rd_kafka_resume_partitions(consumer, l);
        rd_kafka_topic_partition_list_destroy(l);
        wait_drop(b, i);
    }
}

void backflow_forget(backflow_t *b, rd_kafka_t *consumer, const char *topic,
                     int32_t partition) {
    if (!b || !b->nw) return;
    for (size_t i = 0; i < b->nw; i++) {
        bwait_t *w = b->wv[i];
        if (w->partition != partition || strcmp(w->topic, topic)) continue;
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, topic, partition);
        rd_kafka_resume_partitions(consumer, l); /* kmig's pause survives a re-assign */
        rd_kafka_topic_partition_list_destroy(l);
        wait_drop(b, i);
        return;
    }
}

int64_t backflow_accounted_end(backflow_t *b, const char *topic, const char *target,
                               int32_t partition) {
    map_entry_t *e = b && b->initial ? map_set_get(b->initial, target, partition) : NULL;
    if (!e || !e->map || strcmp(e->target, topic)) return -1;
    return offset_map_src_next(e->map);
}

bool backflow_known_copy(backflow_t *b, const char *topic, const char *target, int32_t partition,
                         int64_t offset) {
    if (!b) return false;
    map_set_t *set = b->view && b->view->active ? b->view->opp : b->initial;
    map_entry_t *e = set ? map_set_get(set, target, partition) : NULL;
    return e && e->map && !strcmp(e->target, topic) && backmap_is_tgt_record(e->map, offset);
}

void backflow_render(backflow_t *b, sbuf_t *out, const char *source, const char *target) {
    if (!b) return;
    sbuf_printf(out,
                "# HELP kmig_back_active 1 when the opposite flow's map exists on the source "
                "(the way back): its copies are never copied back\n"
                "# TYPE kmig_back_active gauge\n"
                "kmig_back_active{source=\"%s\",target=\"%s\"} %d\n"
                "# HELP kmig_back_skipped_total Source records skipped as copies the opposite "
                "flow wrote\n"
                "# TYPE kmig_back_skipped_total counter\n"
                "kmig_back_skipped_total{source=\"%s\",target=\"%s\"} %lld\n"
                "# HELP kmig_back_unaccounted_total Records copied from below the opposite "
                "map's end that are not its copies\n"
                "# TYPE kmig_back_unaccounted_total counter\n"
                "kmig_back_unaccounted_total{source=\"%s\",target=\"%s\"} %lld\n"
                "# HELP kmig_back_waiting_partitions Partitions waiting until the opposite "
                "flow has nothing pending\n"
                "# TYPE kmig_back_waiting_partitions gauge\n"
                "kmig_back_waiting_partitions{source=\"%s\",target=\"%s\"} %d\n",
                source, target, atomic_load(&b->active), source, target,
                (long long)atomic_load(&b->skipped), source, target,
                (long long)atomic_load(&b->unaccounted), source, target,
                atomic_load(&b->waiting));
}

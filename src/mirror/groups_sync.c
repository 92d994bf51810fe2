/* The mirror's consumer-group thread (see groups_sync.h): it waits a period,
 * picks the latest snapshot, and hands groups_pass() the copied partitions
 * and a translation through that snapshot. */
#include "mirror/groups_sync.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "core/clock.h"
#include "core/sbuf.h"
#include "core/log.h"
#include "kafka/kgroups.h"

struct groups_sync {
    groups_t *g;
    const mm2_flow_t *flow;
    msnap_holder_t *snaps;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stop;
    atomic_int reload; /* passes that read the checkpoints again first (workers) */
};

/* Partitions taken over from another worker: its commits and checkpoints are
 * read again, so that they are not mistaken for the target consumers' own
 * (taken-over). A few passes, to cover a pass the old owner had under way. */
void groups_sync_reload(groups_sync_t *s) {
    if (s) atomic_store(&s->reload, 3);
}

static offset_map_result_t snap_translate(void *opaque, const char *topic, int32_t partition,
                                          int64_t committed, int64_t *target) {
    return msnap_translate(opaque, topic, partition, committed, target);
}

void groups_sync_pass(groups_t *g, const msnap_t *snap, char **names, bool write) {
    size_t n = snap ? snap->n : 0;
    groups_partition_t *parts = xcalloc(n ? n : 1, sizeof *parts);
    for (size_t i = 0; i < n; i++) {
        const msnap_part_t *p = &snap->v[i];
        parts[i] = (groups_partition_t){p->topic, p->target, p->partition, p->source_end,
                                        p->target_first};
    }
    group_rows_t rows = {0};
    if (n) groups_pass(g, names, parts, n, snap_translate, (void *)snap, NULL, write, &rows);
    groups_publish_rows(g, &rows); /* for the dashboard */
    group_rows_clear(&rows);
    free(parts);
}

static void *groups_sync_main(void *arg) {
    groups_sync_t *s = arg;
    const mm2_flow_t *f = s->flow;
    int period_s = f->emit_checkpoints ? f->emit_checkpoints_interval_s
                                       : f->sync_group_offsets_interval_s;
    int64_t next_refresh = 0, next_sync = 0;
    char **names = NULL;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += period_s;
        while (!s->stop && pthread_cond_timedwait(&s->cond, &s->mu, &ts) == 0)
            ;
        bool stop = s->stop;
        pthread_mutex_unlock(&s->mu);
        if (stop) break;
        msnap_t *snap = msnap_acquire(s->snaps);
        if (!snap) continue;
        int64_t now = clock_mono_ms();
        if (!names || (f->refresh_groups && now >= next_refresh)) {
            kgroups_names_free(names);
            names = groups_select(s->g, NULL);
            next_refresh = now + (int64_t)f->refresh_groups_interval_s * 1000;
        }
        if (atomic_load(&s->reload) > 0) {
            char err[512];
            atomic_fetch_sub(&s->reload, 1);
            if (groups_load_checkpoints(s->g, err, sizeof err))
                log_warn("consumer groups: reading the checkpoints again failed (%s)", err);
        }
        bool write = f->sync_group_offsets && now >= next_sync;
        if (write) next_sync = now + (int64_t)f->sync_group_offsets_interval_s * 1000;
        groups_sync_pass(s->g, snap, names, write);
        msnap_release(snap);
    }
    kgroups_names_free(names);
    return NULL;
}

groups_sync_t *groups_sync_start(groups_t *g, const mm2_flow_t *flow, msnap_holder_t *snaps,
                                 char *err, size_t errsz) {
    groups_sync_t *s = xcalloc(1, sizeof *s);
    s->g = g;
    s->flow = flow;
    s->snaps = snaps;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cond, NULL);
    if (pthread_create(&s->thread, NULL, groups_sync_main, s)) {
        snprintf(err, errsz, "cannot start the consumer-group thread");
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cond);
        free(s);
        return NULL;
    }
    return s;
}

void groups_sync_stop(groups_sync_t *s, bool final_pass) {
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    if (final_pass) {
        msnap_t *snap = msnap_acquire(s->snaps);
        char **names = groups_select(s->g, NULL);
        groups_sync_pass(s->g, snap, names, s->flow->sync_group_offsets);
        kgroups_names_free(names);
        msnap_release(snap);
    }
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cond);
    free(s);
}

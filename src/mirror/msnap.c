/* Published snapshots of the copy loop's partitions (see msnap.h): built by
 * the copy loop every publish period, read lock-free by the metrics endpoint,
 * the progress lines, the group sync and the run summary. */
#include "mirror/msnap.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "mirror/mpart.h"

struct msnap_map {
    atomic_int refs;
    offset_map_t *map;
};

msnap_map_t *msnap_map_new(const offset_map_t *map) {
    msnap_map_t *m = xcalloc(1, sizeof *m);
    atomic_init(&m->refs, 1);
    m->map = offset_map_new();
    for (size_t i = 0; i < offset_map_count(map); i++) offset_map_load(m->map, offset_map_at(map, i));
    return m;
}

const offset_map_t *msnap_map_get(const msnap_map_t *m) { return m ? m->map : NULL; }

msnap_map_t *msnap_map_ref(msnap_map_t *m) {
    if (m) atomic_fetch_add(&m->refs, 1);
    return m;
}

void msnap_map_unref(msnap_map_t *m) {
    if (!m || atomic_fetch_sub(&m->refs, 1) != 1) return;
    offset_map_destroy(m->map);
    free(m);
}


msnap_t *msnap_new(size_t cap) {
    msnap_t *s = xcalloc(1, sizeof *s);
    atomic_init(&s->refs, 1);
    s->cap = cap ? cap : 1;
    s->v = xcalloc(s->cap, sizeof *s->v);
    s->hb_last_ms = -1;
    return s;
}

void msnap_add_latency(msnap_t *s, const char *topic, const lathist_t *h) {
    if (s->ntlat == s->tlat_cap) {
        s->tlat_cap = s->tlat_cap ? 2 * s->tlat_cap : 16;
        s->tlat = xrealloc(s->tlat, s->tlat_cap * sizeof *s->tlat);
    }
    s->tlat[s->ntlat].topic = xstrdup(topic);
    s->tlat[s->ntlat++].h = *h;
    lathist_merge(&s->latency, h);
}

msnap_part_t *msnap_add(msnap_t *s, const char *topic, const char *target, int32_t partition,
                        msnap_map_t *map) {
    if (s->n == s->cap) s->v = xrealloc(s->v, (s->cap *= 2) * sizeof *s->v);
    msnap_part_t *p = &s->v[s->n++];
    memset(p, 0, sizeof *p);
    p->topic = xstrdup(topic);
    p->target = xstrdup(target);
    p->partition = partition;
    p->map = msnap_map_ref(map);
    p->source_start = p->source_end = p->translate_end = p->tgt_base = -1;
    p->src_next = p->tgt_next = p->target_first = -1;
    return p;
}

static int part_cmp(const char *topic, int32_t partition, const msnap_part_t *p) {
    int c = strcmp(topic, p->topic);
    if (c) return c;
    return partition < p->partition ? -1 : partition > p->partition;
}

long msnap_find(const msnap_t *s, const char *topic, int32_t partition) {
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = part_cmp(topic, partition, &s->v[mid]);
        if (c == 0) return (long)mid;
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return -1;
}

offset_map_result_t msnap_translate(const msnap_t *s, const char *topic, int32_t partition,
                                    int64_t committed, int64_t *target) {
    long i = s ? msnap_find(s, topic, partition) : -1;
    if (i < 0 || !s->v[i].map) return OFFSET_MAP_NOT_COPIED;
    const msnap_part_t *p = &s->v[i];
    return mpart_translate(p->map->map, p->translate_end, p->tgt_base, committed, target);
}

void msnap_release(msnap_t *s) {
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1) return;
    for (size_t i = 0; i < s->n; i++) {
        free((char *)s->v[i].topic);
        free((char *)s->v[i].target);
        msnap_map_unref(s->v[i].map);
    }
    free(s->v);
    for (size_t i = 0; i < s->ntlat; i++) free(s->tlat[i].topic);
    free(s->tlat);
    free(s);
}

struct msnap_holder {
    pthread_mutex_t mu; /* held for the pointer swap and reference only */
    msnap_t *latest;
};

msnap_holder_t *msnap_holder_new(void) {
    msnap_holder_t *h = xcalloc(1, sizeof *h);
    pthread_mutex_init(&h->mu, NULL);
    return h;
}

void msnap_holder_destroy(msnap_holder_t *h) {
    if (!h) return;
    msnap_release(h->latest);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

void msnap_publish(msnap_holder_t *h, msnap_t *s) {
    pthread_mutex_lock(&h->mu);
    msnap_t *old = h->latest;
    h->latest = s;
    pthread_mutex_unlock(&h->mu);
    msnap_release(old);
}

msnap_t *msnap_ref(msnap_t *s) {
    if (s) atomic_fetch_add(&s->refs, 1);
    return s;
}

msnap_t *msnap_acquire(msnap_holder_t *h) {
    pthread_mutex_lock(&h->mu);
    msnap_t *s = msnap_ref(h->latest);
    pthread_mutex_unlock(&h->mu);
    return s;
}

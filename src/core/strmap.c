/* String hash map: FNV-1a hashing, power-of-two table kept under 70% full. */
#include "core/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"

typedef struct {
    char *key;
    void *value;
    uint64_t hash;
} slot_t;

struct strmap {
    slot_t *slots;
    size_t cap, n;
};

static uint64_t strmap_hash(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

strmap_t *strmap_new(void) {
    strmap_t *m = xcalloc(1, sizeof *m);
    m->cap = 16;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
    return m;
}

void strmap_destroy(strmap_t *m) {
    if (!m) return;
    for (size_t i = 0; i < m->cap; i++) free(m->slots[i].key);
    free(m->slots);
    free(m);
}

static slot_t *strmap_find(const strmap_t *m, const char *key, uint64_t h) {
    size_t i = (size_t)h & (m->cap - 1);
    while (m->slots[i].key) {
        if (m->slots[i].hash == h && !strcmp(m->slots[i].key, key)) return &m->slots[i];
        i = (i + 1) & (m->cap - 1);
    }
    return &m->slots[i];
}

void *strmap_get(const strmap_t *m, const char *key) {
    slot_t *s = strmap_find(m, key, strmap_hash(key));
    return s->key ? s->value : NULL;
}

static void strmap_grow(strmap_t *m) {
    slot_t *old = m->slots;
    size_t oldcap = m->cap;
    m->cap *= 2;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].key) *strmap_find(m, old[i].key, old[i].hash) = old[i];
    free(old);
}

void *strmap_put(strmap_t *m, const char *key, void *value) {
    uint64_t h = strmap_hash(key);
    slot_t *s = strmap_find(m, key, h);
    if (s->key) {
        void *prev = s->value;
        s->value = value;
        return prev;
    }
    s->key = xstrdup(key);
    s->value = value;
    s->hash = h;
    if (++m->n * 10 > m->cap * 7) strmap_grow(m);
    return NULL;
}


int strmap_next(const strmap_t *m, size_t *pos, const char **key, void **value) {
    while (*pos < m->cap) {
        slot_t *s = &m->slots[(*pos)++];
        if (s->key) {
            *key = s->key;
            *value = s->value;
            return 1;
        }
    }
    return 0;
}

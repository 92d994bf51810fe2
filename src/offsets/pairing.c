/* Pairing of target records with source records by content digest, for
 * recovery after a crash and for adopting a copy another tool (MirrorMaker 2)
 * made: in order, skipping repeated runs an at-least-once copier wrote, and
 * stopping at the first difference nothing explains. See pairing.h. */
#include "offsets/pairing.h"

#include <stdlib.h>
#include <string.h>

struct pairing {
    bool aligned, stopped; /* aligned: pairing has started (from the start unless adopting) */
    size_t lookback;
    uint64_t *ring; /* digest prefixes of remembered source records, by sequence % lookback */
    size_t cap;     /* allocated ring entries (grows up to lookback) */
    int64_t total;  /* source records remembered so far (seeded and paired) */
    int64_t dup_next; /* in a duplicate run: sequence of the record it should repeat next; -1 */
    int64_t paired, duplicates, unpaired;
};

static uint64_t prefix(const uint8_t *d) {
    uint64_t v;
    memcpy(&v, d, sizeof v);
    return v;
}

pairing_t *pairing_new(bool adopt, size_t lookback) {
    pairing_t *p = calloc(1, sizeof *p);
    if (!p) abort();
    p->aligned = !adopt;
    p->lookback = lookback;
    p->dup_next = -1;
    return p;
}

void pairing_destroy(pairing_t *p) {
    if (!p) return;
    free(p->ring);
    free(p);
}

static void remember(pairing_t *p, const uint8_t *d) {
    if (!p->lookback) {
        p->total++;
        return;
    }
    if ((size_t)p->total == p->cap && p->cap < p->lookback) {
        p->cap = p->cap ? p->cap * 2 : 1024;
        if (p->cap > p->lookback) p->cap = p->lookback;
        p->ring = realloc(p->ring, p->cap * sizeof *p->ring);
        if (!p->ring) abort();
    }
    p->ring[(size_t)p->total % p->lookback] = prefix(d);
    p->total++;
}

void pairing_seed(pairing_t *p, const uint8_t digest[RECORD_DIGEST_LEN]) { remember(p, digest); }

/* Sequence of the newest remembered source record with this digest, or -1.
 * Newest first: the search costs the distance the copier went back. */
static int64_t find(const pairing_t *p, uint64_t key) {
    int64_t held = p->total < (int64_t)p->lookback ? p->total : (int64_t)p->lookback;
    for (int64_t s = p->total - 1; s >= p->total - held; s--)
        if (p->ring[(size_t)s % p->lookback] == key) return s;
    return -1;
}

/* A duplicate run that reached the next unpaired source record has ended. */
static pairing_action_t duplicate(pairing_t *p, int64_t next) {
    p->dup_next = next < p->total ? next : -1;
    p->duplicates++;
    return PAIRING_DUPLICATE;
}

pairing_action_t pairing_offer(pairing_t *p, const uint8_t tgt[RECORD_DIGEST_LEN],
                               const uint8_t *src) {
    if (p->stopped) return PAIRING_STOP;
    uint64_t key = prefix(tgt);
    if (p->dup_next >= 0) {
        if (p->ring[(size_t)p->dup_next % p->lookback] == key)
            return duplicate(p, p->dup_next + 1);
        p->dup_next = -1; /* the run broke off: judge the record afresh */
    }
    if (src && !memcmp(tgt, src, RECORD_DIGEST_LEN)) {
        p->aligned = true;
        remember(p, src);
        p->paired++;
        return PAIRING_PAIRED;
    }
    if (p->aligned) {
        int64_t s = p->lookback ? find(p, key) : -1;
        if (s >= 0) return duplicate(p, s + 1);
    } else if (src) {
        p->unpaired++;
        return PAIRING_UNPAIRED;
    }
    p->stopped = true;
    return PAIRING_STOP;
}

int64_t pairing_paired(const pairing_t *p) { return p->paired; }
int64_t pairing_duplicates(const pairing_t *p) { return p->duplicates; }
int64_t pairing_unpaired(const pairing_t *p) { return p->unpaired; }
bool pairing_stopped(const pairing_t *p) { return p->stopped; }

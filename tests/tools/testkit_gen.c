/* The record generator shared by `produce` and `check`. Record number i of a
 * topic is a pure function of (topic, i, size, base_ts): its shape is
 * i % TESTKIT_GEN_SHAPES and covers one thing a copy must keep exactly (NULL
 * vs empty key and value, binary bytes with 0x00, headers in order with
 * repeated names and NULL or empty values, old timestamps, a large value).
 *
 * Every record of a partition is distinct from every other: the shapes with a
 * relative timestamp get base_ts + i, and the two with a fixed old timestamp
 * carry i in their key. The checker relies on this to tell a re-sent record
 * from a missing or reordered one. The topic name is mixed into the bytes, so
 * records copied into the wrong topic do not match either.
 *
 * Also here: keyed records for compacted topics, and which indexes a
 * transactional producer aborted (testkit.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "testkit.h"

enum {
    SH_PLAIN,
    SH_NULL_KEY,
    SH_EMPTY_KEY,
    SH_NULL_VALUE,
    SH_EMPTY_VALUE,
    SH_NULL_KEY_NULL_VALUE,
    SH_BINARY,
    SH_HEADERS,
    SH_REPEATED_HEADERS,
    SH_NULL_EMPTY_HEADERS,
    SH_LARGE,
    SH_OLD_TS,
    SH_EPOCH_TS,
    SH_BINARY_HEADERS,
    SH_EMPTY_KEY_EMPTY_VALUE,
    SH_UTF8,
    SH_MANY_HEADERS,
};

static const char *const shape_names[TESTKIT_GEN_SHAPES] = {
    [SH_PLAIN] = "plain",
    [SH_NULL_KEY] = "null-key",
    [SH_EMPTY_KEY] = "empty-key",
    [SH_NULL_VALUE] = "null-value",
    [SH_EMPTY_VALUE] = "empty-value",
    [SH_NULL_KEY_NULL_VALUE] = "null-key-null-value",
    [SH_BINARY] = "binary",
    [SH_HEADERS] = "headers",
    [SH_REPEATED_HEADERS] = "repeated-headers",
    [SH_NULL_EMPTY_HEADERS] = "null-and-empty-header-values",
    [SH_LARGE] = "large",
    [SH_OLD_TS] = "old-timestamp",
    [SH_EPOCH_TS] = "epoch-timestamp",
    [SH_BINARY_HEADERS] = "binary-headers",
    [SH_EMPTY_KEY_EMPTY_VALUE] = "empty-key-empty-value",
    [SH_UTF8] = "utf8",
    [SH_MANY_HEADERS] = "many-headers",
};

const char *testkit_gen_shape_name(int shape) {
    return shape >= 0 && shape < TESTKIT_GEN_SHAPES ? shape_names[shape] : "?";
}

bool testkit_gen_ts_relative(int64_t i) {
    int s = (int)(i % TESTKIT_GEN_SHAPES);
    return s != SH_OLD_TS && s != SH_EPOCH_TS;
}

/* splitmix64: deterministic bytes seeded from (topic, i). */
static uint64_t mix(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t seed_of(const char *topic, int64_t i) {
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a of the topic name */
    for (const char *c = topic; *c; c++) h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
    return h ^ ((uint64_t)i * 0x9e3779b97f4a7c15ULL);
}

static void fill_bytes(unsigned char *p, size_t n, uint64_t seed) {
    for (size_t k = 0; k < n; k += 8) {
        uint64_t v = mix(&seed);
        memcpy(p + k, &v, n - k < 8 ? n - k : 8);
    }
    /* Always some zero bytes, wherever the random stream put none. */
    for (size_t k = 0; k < n; k += 31) p[k] = 0;
}

static void add_hdr(testkit_rec_t *r, const char *name, const void *value, size_t len) {
    testkit_hdr_t *h = &r->hdrs[r->nhdrs++];
    h->name = name;
    h->value = value;
    h->len = len;
}

static void add_str(testkit_rec_t *r, const char *name, const char *value) {
    add_hdr(r, name, value, strlen(value));
}

/* A header with the value "<i>-<n>", kept in the record's storage. */
static void add_num(testkit_rec_t *r, const char *name, int64_t i, int n) {
    char *buf = r->hvals[r->nhdrs];
    int len = snprintf(buf, sizeof r->hvals[0], "%lld-%d", (long long)i, n);
    add_hdr(r, name, buf, (size_t)len);
}

static void set_key(testkit_rec_t *r, int64_t i) {
    int n = snprintf(r->keybuf, sizeof r->keybuf, "key-%lld", (long long)i);
    r->key = r->keybuf;
    r->key_len = (size_t)n;
}

static void set_value(testkit_rec_t *r, const char *topic, int64_t i) {
    int n = snprintf(r->smallval, sizeof r->smallval, "%.150s#%lld %s", topic, (long long)i,
                     shape_names[r->shape]);
    r->value = r->smallval;
    r->value_len = (size_t)n;
}

void testkit_gen_record(testkit_rec_t *r, const char *topic, int64_t i, size_t size,
                        int64_t base_ts) {
    static const char *const many[] = {"h00", "h01", "h02", "h03", "h04", "h05", "h06",
                                       "h07", "h08", "h09", "h10", "h11", "h12", "h13",
                                       "h14", "h15", "h16", "h17", "h18", "h19"};
    r->shape = (int)(i % TESTKIT_GEN_SHAPES);
    r->nhdrs = 0;
    r->timestamp = base_ts + i;
    set_key(r, i);
    set_value(r, topic, i);
    switch (r->shape) {
    case SH_PLAIN: break;
    case SH_NULL_KEY: r->key = NULL, r->key_len = 0; break;
    case SH_EMPTY_KEY: r->key = "", r->key_len = 0; break;
    case SH_NULL_VALUE: r->value = NULL, r->value_len = 0; break;
    case SH_EMPTY_VALUE: r->value = "", r->value_len = 0; break;
    case SH_NULL_KEY_NULL_VALUE:
        r->key = r->value = NULL;
        r->key_len = r->value_len = 0;
        break;
    case SH_BINARY: {
        unsigned char *k = (unsigned char *)r->keybuf, *v = (unsigned char *)r->smallval;
        uint64_t le = (uint64_t)i;
        k[0] = 0x00;
        k[1] = 0xff;
        for (int b = 0; b < 8; b++) k[2 + b] = (unsigned char)(le >> (8 * b));
        r->key_len = 10;
        fill_bytes(v, 64, seed_of(topic, i));
        r->value_len = 64;
        break;
    }
    case SH_HEADERS:
        add_num(r, "trace-id", i, 0);
        add_str(r, "content-type", "application/octet-stream");
        add_str(r, "attempt", "1");
        break;
    case SH_REPEATED_HEADERS:
        add_str(r, "dup", "first");
        add_str(r, "other", "x");
        add_str(r, "dup", "second");
        add_str(r, "dup", "third");
        break;
    case SH_NULL_EMPTY_HEADERS:
        add_hdr(r, "null-value", NULL, 0);
        add_str(r, "empty-value", "");
        add_hdr(r, "null-value", NULL, 0);
        add_str(r, "last", "z");
        break;
    case SH_LARGE:
        if (r->big_cap < size || !r->big) {
            free(r->big);
            r->big_cap = size ? size : 1;
            r->big = xmalloc(r->big_cap);
        }
        fill_bytes(r->big, size, seed_of(topic, i));
        /* The index up front, readable in a hex dump. */
        if (size >= 24) snprintf((char *)r->big, 24, "#%-21lld", (long long)i);
        r->value = r->big;
        r->value_len = size;
        break;
    case SH_OLD_TS: r->timestamp = 1000000000000LL + i; break; /* 2001-09-09 */
    case SH_EPOCH_TS: r->timestamp = 1 + i; break;            /* 1970 (0 would mean "now") */
    case SH_BINARY_HEADERS: {
        unsigned char *b = (unsigned char *)r->hvals[0];
        fill_bytes(b, 40, seed_of(topic, i) ^ 1);
        add_hdr(r, "bin", b, 40);
        r->key = NULL, r->key_len = 0;
        r->value = "", r->value_len = 0;
        break;
    }
    case SH_EMPTY_KEY_EMPTY_VALUE:
        r->key = "", r->key_len = 0;
        r->value = "", r->value_len = 0;
        add_str(r, "only", "headers");
        break;
    case SH_UTF8: {
        int n = snprintf(r->keybuf, sizeof r->keybuf, "ключ-%lld-🔑", (long long)i);
        r->key_len = (size_t)n;
        n = snprintf(r->smallval, sizeof r->smallval, "%.150s#%lld ünïcødé €",
                     topic, (long long)i);
        r->value_len = (size_t)n;
        add_str(r, "ünïcødé-name", "välue");
        break;
    }
    case SH_MANY_HEADERS:
        for (int h = 0; h < 20; h++) add_num(r, many[h], i, h);
        add_str(r, "h00", "again");
        break;
    }
}

void testkit_gen_clear(testkit_rec_t *r) {
    free(r->big);
    r->big = NULL;
    r->big_cap = 0;
}

void testkit_gen_digest(record_digest_t *d, const testkit_rec_t *r,
                        uint8_t out[RECORD_DIGEST_LEN]) {
    record_digest_begin(d, r->key, r->key_len, r->value, r->value_len, r->timestamp);
    for (size_t h = 0; h < r->nhdrs; h++)
        record_digest_header(d, r->hdrs[h].name, r->hdrs[h].value, r->hdrs[h].len);
    record_digest_end(d, out);
}

void testkit_gen_keyed(testkit_rec_t *r, const char *topic, int64_t i, int64_t keys,
                       int64_t tombstone_every, int64_t base_ts) {
    r->shape = SH_PLAIN;
    r->nhdrs = 0;
    r->timestamp = base_ts + i;
    int n = snprintf(r->keybuf, sizeof r->keybuf, "key-%lld", (long long)(i % keys));
    r->key = r->keybuf;
    r->key_len = (size_t)n;
    n = snprintf(r->smallval, sizeof r->smallval, "%.150s#%lld", topic, (long long)i);
    r->value = r->smallval;
    r->value_len = (size_t)n;
    if (tombstone_every > 0 && i % tombstone_every == tombstone_every - 1) {
        r->value = NULL;
        r->value_len = 0;
    }
}

bool testkit_txn_aborted(const testkit_txn_t *t, int64_t i) {
    return t->on && t->abort_every > 0 && (i / t->size) % t->abort_every == t->abort_every - 1;
}

size_t testkit_gen_expected(int64_t start, int64_t count, int64_t parts, int32_t p,
                            const testkit_txn_t *t, int64_t **out) {
    int64_t first = start + ((p - start % parts) + parts) % parts;
    size_t n = 0, cap = first < start + count ? (size_t)((start + count - first) / parts + 1) : 1;
    *out = xmalloc(cap * sizeof **out);
    for (int64_t i = first; i < start + count; i += parts)
        if (!testkit_txn_aborted(t, i)) (*out)[n++] = i;
    return n;
}

/* Unit tests for offsets/record_digest: known-answer vectors computed apart from
 * this code (python3 hashlib over the layout in record_digest.h):
 *   def f(b): return struct.pack('<q', -1) if b is None else struct.pack('<q', len(b)) + b
 *   sha256(f(key) + f(value) + struct.pack('<q', ts) + f(name1) + f(value1) + ...)
 * covering NULL vs empty key and value, NULL and empty header values, header
 * order, repeated headers, the timestamp, and field boundaries. */
#include "offsets/record_digest.h"

#include <stdio.h>

#include "unit.h"

typedef struct {
    const char *name;
    const void *value; /* NULL: a NULL header value */
    size_t len;
} hdr_t;

/* Hex SHA-256 of one record through `d` (reused across records). */
static void digest_hex(record_digest_t *d, const void *key, size_t klen, const void *val,
                       size_t vlen, int64_t ts, const hdr_t *h, size_t nh, char hex[65]) {
    uint8_t out[RECORD_DIGEST_LEN];
    record_digest_begin(d, key, klen, val, vlen, ts);
    for (size_t i = 0; i < nh; i++) record_digest_header(d, h[i].name, h[i].value, h[i].len);
    record_digest_end(d, out);
    for (size_t i = 0; i < RECORD_DIGEST_LEN; i++) snprintf(hex + 2 * i, 3, "%02x", out[i]);
}

#define TS 1700000000000LL

static void test_known_answers(void) {
    static const hdr_t h_null[] = {{"h", NULL, 0}}, h_empty[] = {{"h", "", 0}},
                       h_ab[] = {{"a", "1", 1}, {"b", "2", 1}},
                       h_ba[] = {{"b", "2", 1}, {"a", "1", 1}},
                       h_aa[] = {{"a", "1", 1}, {"a", "1", 1}},
                       h_bin[] = {{"", "\0", 1}};
    static const struct {
        const char *what;
        const void *key;
        size_t klen;
        const void *val;
        size_t vlen;
        int64_t ts;
        const hdr_t *h;
        size_t nh;
        const char *hex;
    } v[] = {
        {"NULL key, NULL value", NULL, 0, NULL, 0, 0, NULL, 0,
         "596d8eb33ca3bd38c16eac21b91159be978a6aacd3aebff179643e61ba94b75c"},
        {"empty key, empty value", "", 0, "", 0, 0, NULL, 0,
         "9d908ecfb6b256def8b49a7c504e6c889c4b0e41fe6ce3e01863dd7b61a20aa0"},
        {"NULL key, empty value", NULL, 0, "", 0, 0, NULL, 0,
         "5197c3ddd1d284fcb40afa766bbfcb3ca13d4c310d788a3e4ac0d20bfe4d4f00"},
        {"empty key, NULL value", "", 0, NULL, 0, 0, NULL, 0,
         "6232749f35aab1b1cfb519e9f6849386b85eb96a6d316b9ff60e0da8c0fa3e67"},
        {"k, v, a timestamp", "k", 1, "v", 1, TS, NULL, 0,
         "11e49aac8e0ebb842004bcae32a91caab8a609b50ba9a124819b6b71659cd1a1"},
        {"timestamp -1", "k", 1, "v", 1, -1, NULL, 0,
         "0846fa8eb52e44b62e961aa7cba545e93e752b45dc978b37b2f927db0dfbb95b"},
        {"header with a NULL value", "k", 1, "v", 1, TS, h_null, 1,
         "94ecb20f14e3ed3c7596b59f5a0027f75ba1aaf329d0d8cfd3e2470193059f1a"},
        {"header with an empty value", "k", 1, "v", 1, TS, h_empty, 1,
         "c065a203515eadbcbb7e03494affaabe512d09379bf2e0f54d2863edb0fbaef4"},
        {"headers a, b", "k", 1, "v", 1, TS, h_ab, 2,
         "c753c2937ef78a99d1dc3052f9504b94d01e4ff063b6c0e14c710f592dae140b"},
        {"headers b, a", "k", 1, "v", 1, TS, h_ba, 2,
         "7eee11c5b0a3b1bb8409d2798f83d41e555e7f65a05fbe9fc3a03c3130d90abc"},
        {"header a twice", "k", 1, "v", 1, TS, h_aa, 2,
         "7e82099261ad23f66c6b210c37ed56fd496442054daed925627408fc880109ed"},
        {"key ab, empty value", "ab", 2, "", 0, 0, NULL, 0,
         "e68d6ad05306f1906b5dd606e76cf2e4fbc64d499dfe1b2c856705e646d9343a"},
        {"key a, value b", "a", 1, "b", 1, 0, NULL, 0,
         "0e9295938886a75905c24421a398bd599b3e8812adaaaa0a894d97a1f3e176e5"},
        {"binary bytes, empty header name", "\0\1\xff", 3, "\0\0\0", 3, 42, h_bin, 1,
         "f58527da1e16c1c9449f761d6ea573b4c80df330c18f38913ea7b666e243ac38"},
    };
    record_digest_t *shared = record_digest_new();
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char hex[65], again[65];
        digest_hex(shared, v[i].key, v[i].klen, v[i].val, v[i].vlen, v[i].ts, v[i].h, v[i].nh,
                   hex);
        record_digest_t *fresh = record_digest_new();
        digest_hex(fresh, v[i].key, v[i].klen, v[i].val, v[i].vlen, v[i].ts, v[i].h, v[i].nh,
                   again);
        record_digest_destroy(fresh);
        if (strcmp(hex, v[i].hex) != 0) fprintf(stderr, "  vector '%s'\n", v[i].what);
        CHECK_EQ_STR(hex, v[i].hex);
        CHECK_EQ_STR(again, hex); /* a reused digest starts afresh at begin() */
    }
    record_digest_destroy(shared);
    record_digest_destroy(NULL);
}

UNIT_MAIN(UNIT_TEST(test_known_answers))

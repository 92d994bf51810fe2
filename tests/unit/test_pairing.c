/* Unit tests of pairing: resuming, adopting another tool's copy (records whose
 * source is gone, duplicated runs, nested runs, runs beyond the lookback),
 * seeding, and the stop at the first unexplained difference. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offsets/pairing.h"
#include "unit.h"

/* A digest standing for record `id`; `variant` changes only its last byte. */
static void digest(int id, int variant, uint8_t d[RECORD_DIGEST_LEN]) {
    memset(d, 0, RECORD_DIGEST_LEN);
    memcpy(d, &id, sizeof id);
    d[RECORD_DIGEST_LEN - 1] = (uint8_t)variant;
}

/* Offers target ids tgt[0..nt) against source ids src[0..ns) as a recovery
 * would (the source advances on PAIRED only) and writes one letter per answer
 * into out: P, D, U or S. */
static void run(pairing_t *p, const int *src, int ns, const int *tgt, int nt, char *out) {
    int si = 0;
    for (int i = 0; i < nt; i++) {
        uint8_t t[RECORD_DIGEST_LEN], s[RECORD_DIGEST_LEN];
        digest(tgt[i], 0, t);
        if (si < ns) digest(src[si], 0, s);
        pairing_action_t a = pairing_offer(p, t, si < ns ? s : NULL);
        out[i] = "PDUS"[a];
        if (a == PAIRING_PAIRED) si++;
    }
    out[nt] = 0;
}

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void test_resume_in_order(void) {
    int src[] = {0, 1, 2, 3}, tgt[] = {0, 1, 2};
    char out[16];
    pairing_t *p = pairing_new(false, 100);
    run(p, src, N(src), tgt, N(tgt), out);
    CHECK_EQ_STR(out, "PPP");
    CHECK_EQ_INT(pairing_paired(p), 3);
    CHECK_EQ_INT(pairing_duplicates(p), 0);
    CHECK(!pairing_stopped(p));
    pairing_destroy(p);
}

static void test_resume_stops_at_difference(void) {
    /* Resuming, a target record that is no copy stops pairing for good, even
     * when a later one would match again. */
    int src[] = {0, 1, 2, 3}, tgt[] = {0, 9, 1, 2};
    char out[16];
    pairing_t *p = pairing_new(false, 100);
    run(p, src, N(src), tgt, N(tgt), out);
    CHECK_EQ_STR(out, "PSSS");
    CHECK(pairing_stopped(p));
    pairing_destroy(p);
    /* Resuming, nothing before the first pair is skipped. */
    int tgt2[] = {7, 0};
    p = pairing_new(false, 100);
    run(p, src, N(src), tgt2, N(tgt2), out);
    CHECK_EQ_STR(out, "SS");
    pairing_destroy(p);
}

static void test_whole_digest_pairs(void) {
    /* Same first 8 bytes, different last byte: not a copy. */
    uint8_t s[RECORD_DIGEST_LEN], t[RECORD_DIGEST_LEN];
    digest(5, 0, s);
    digest(5, 1, t);
    pairing_t *p = pairing_new(false, 100);
    CHECK_EQ_INT(pairing_offer(p, t, s), PAIRING_STOP);
    pairing_destroy(p);
}

static void test_adopt_skips_records_whose_source_is_gone(void) {
    int src[] = {10, 11, 12, 13, 14, 15}, tgt[] = {7, 8, 9, 10, 11, 12, 13, 14};
    char out[16];
    pairing_t *p = pairing_new(true, 100);
    run(p, src, N(src), tgt, N(tgt), out);
    CHECK_EQ_STR(out, "UUUPPPPP");
    CHECK_EQ_INT(pairing_unpaired(p), 3);
    CHECK_EQ_INT(pairing_paired(p), 5);
    pairing_destroy(p);
    /* Once pairing, a record that matches no source record stops it. */
    int tgt2[] = {8, 10, 11, 99, 12};
    p = pairing_new(true, 100);
    run(p, src, N(src), tgt2, N(tgt2), out);
    CHECK_EQ_STR(out, "UPPSS");
    pairing_destroy(p);
}

static void test_adopt_without_a_match(void) {
    int src[] = {0}, tgt[] = {100, 101};
    char out[16];
    pairing_t *p = pairing_new(true, 100);
    run(p, src, N(src), tgt, N(tgt), out);
    CHECK_EQ_STR(out, "UU");
    pairing_destroy(p);
    /* An empty source pairs nothing: stop at once. */
    p = pairing_new(true, 100);
    run(p, src, 0, tgt, N(tgt), out);
    CHECK_EQ_STR(out, "SS");
    CHECK_EQ_INT(pairing_unpaired(p), 0);
    pairing_destroy(p);
}

static void test_duplicate_run(void) {
    /* The copier restarted from source record 2 after writing 4. */
    int src[] = {0, 1, 2, 3, 4, 5, 6, 7}, tgt[] = {0, 1, 2, 3, 4, 2, 3, 4, 5, 6};
    char out[16];
    pairing_t *p = pairing_new(true, 100);
    run(p, src, N(src), tgt, N(tgt), out);
    CHECK_EQ_STR(out, "PPPPPDDDPP");
    CHECK_EQ_INT(pairing_paired(p), 7);
    CHECK_EQ_INT(pairing_duplicates(p), 3);
    pairing_destroy(p);
}

static void test_nested_duplicate_runs(void) {
    /* Restarted from 3, then (before catching up) again from 1. */
    int src[] = {0, 1, 2, 3, 4, 5, 6}, tgt[] = {0, 1, 2, 3, 4, 5, 3, 4, 1, 2, 3, 4, 5, 6};
    char out[32];
    pairing_t *p = pairing_new(true, 100);
    run(p, src, N(src), tgt, N(tgt), out);
    CHECK_EQ_STR(out, "PPPPPPDDDDDDDP");
    CHECK_EQ_INT(pairing_duplicates(p), 7);
    pairing_destroy(p);
}

static void test_run_breaking_off_into_new_records(void) {
    /* A run repeats 1, 2 and then goes on with the next source record. */
    int src[] = {0, 1, 2, 3, 4}, tgt[] = {0, 1, 2, 3, 1, 2, 4};
    char out[16];
    pairing_t *p = pairing_new(false, 100);
    run(p, src, N(src), tgt, N(tgt), out);
    CHECK_EQ_STR(out, "PPPPDDP");
    pairing_destroy(p);
}

static void test_duplicates_of_equal_records(void) {
    /* The source holds two equal records (1): in order they pair; a repeated
     * run over them is skipped whole. */
    int src[] = {1, 2, 1, 3, 4}, tgt[] = {1, 2, 1, 3, 1, 2, 1, 3, 4};
    char out[16];
    pairing_t *p = pairing_new(true, 100);
    run(p, src, N(src), tgt, N(tgt), out);
    CHECK_EQ_STR(out, "PPPPDDDDP");
    pairing_destroy(p);
}

static void test_duplicates_after_the_source_end(void) {
    int src[] = {0, 1}, tgt[] = {0, 1, 1, 0, 1, 9};
    char out[16];
    pairing_t *p = pairing_new(false, 100);
    run(p, src, N(src), tgt, N(tgt), out);
    CHECK_EQ_STR(out, "PPDDDS");
    pairing_destroy(p);
}

static void test_lookback_bounds_duplicates(void) {
    int src[] = {0, 1, 2, 3, 4, 5}, tgt[] = {0, 1, 2, 3, 4, 3, 4, 0, 1};
    char out[16];
    pairing_t *p = pairing_new(true, 2);
    run(p, src, N(src), tgt, N(tgt), out);
    CHECK_EQ_STR(out, "PPPPPDDSS"); /* 3 and 4 are remembered, 0 no longer */
    pairing_destroy(p);
    p = pairing_new(true, 0);
    run(p, src, N(src), tgt, N(tgt), out);
    CHECK_EQ_STR(out, "PPPPPSSSS");
    pairing_destroy(p);
}

static void test_ring_grows_and_wraps(void) {
    enum { N_SRC = 10000, BACK = 2500, LOOK = 3000 };
    int *src = malloc(sizeof(int) * (N_SRC + 10));
    int *tgt = malloc(sizeof(int) * (N_SRC + BACK + 20));
    char *out = malloc(N_SRC + BACK + 30);
    for (int i = 0; i < N_SRC + 10; i++) src[i] = i;
    int nt = 0;
    for (int i = 0; i < N_SRC; i++) tgt[nt++] = i;
    for (int i = N_SRC - BACK; i < N_SRC; i++) tgt[nt++] = i; /* within the lookback */
    tgt[nt++] = N_SRC;
    tgt[nt++] = N_SRC - LOOK - 1; /* beyond it */
    pairing_t *p = pairing_new(false, LOOK);
    run(p, src, N_SRC + 10, tgt, nt, out);
    CHECK_EQ_INT(pairing_paired(p), N_SRC + 1);
    CHECK_EQ_INT(pairing_duplicates(p), BACK);
    CHECK_EQ_INT(out[nt - 2], 'P');
    CHECK_EQ_INT(out[nt - 1], 'S');
    pairing_destroy(p);
    free(src);
    free(tgt);
    free(out);
}

static void test_seeded_records_explain_a_run(void) {
    /* Records 0..4 were mapped by an earlier run; the target goes on with a
     * repeat of 3, 4 and then the copies of 5, 6. */
    int src[] = {5, 6}, tgt[] = {3, 4, 5, 6};
    char out[16];
    pairing_t *p = pairing_new(false, 100);
    for (int i = 0; i < 5; i++) {
        uint8_t d[RECORD_DIGEST_LEN];
        digest(i, 0, d);
        pairing_seed(p, d);
    }
    run(p, src, N(src), tgt, N(tgt), out);
    CHECK_EQ_STR(out, "DDPP");
    CHECK_EQ_INT(pairing_paired(p), 2);
    pairing_destroy(p);
}

UNIT_MAIN(UNIT_TEST(test_resume_in_order), UNIT_TEST(test_resume_stops_at_difference),
          UNIT_TEST(test_whole_digest_pairs),
          UNIT_TEST(test_adopt_skips_records_whose_source_is_gone),
          UNIT_TEST(test_adopt_without_a_match), UNIT_TEST(test_duplicate_run),
          UNIT_TEST(test_nested_duplicate_runs), UNIT_TEST(test_run_breaking_off_into_new_records),
          UNIT_TEST(test_duplicates_of_equal_records),
          UNIT_TEST(test_duplicates_after_the_source_end), UNIT_TEST(test_lookback_bounds_duplicates),
          UNIT_TEST(test_ring_grows_and_wraps), UNIT_TEST(test_seeded_records_explain_a_run))

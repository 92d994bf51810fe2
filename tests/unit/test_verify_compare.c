/* Unit tests for verify/vcompare: the streamed merge of a partition's source
 * and target records through its offset map (matched, different, missing,
 * not copied, extra, foreign, pending, source gone, unmapped copies, first
 * and last events), and which fields of two records differ. */
#include "verify/vcompare.h"

#include <stdlib.h>

#include "unit.h"

/* A digest named by a small number. */
static void dg(uint8_t out[RECORD_DIGEST_LEN], int v) {
    memset(out, 0, RECORD_DIGEST_LEN);
    out[0] = (uint8_t)v;
    out[1] = (uint8_t)(v >> 8);
}

typedef struct side {
    int64_t off[64];
    int val[64]; /* digest id */
    size_t n;
} side_t;

static void add(side_t *s, int64_t off, int val) {
    s->off[s->n] = off;
    s->val[s->n++] = val;
}

/* Runs the merge with the opposite flow's map (NULL: none). */
static vc_result_t run_opp(const offset_map_t *map, const offset_map_t *opp, const side_t *src,
                           const side_t *tgt) {
    vcompare_t *vc = vcompare_new(map);
    vcompare_set_opposite(vc, opp);
    size_t si = 0, ti = 0;
    uint8_t d[RECORD_DIGEST_LEN];
    vc_want_t w;
    int guard = 0;
    while ((w = vcompare_want(vc)) != VC_DONE && guard++ < 1000) {
        const side_t *s = w == VC_WANT_SOURCE ? src : tgt;
        size_t *i = w == VC_WANT_SOURCE ? &si : &ti;
        vc_rec_t r = {0, 0, d};
        const vc_rec_t *p = NULL;
        if (*i < s->n) {
            r.offset = s->off[*i];
            r.timestamp = 1000 + s->val[*i];
            dg(d, s->val[*i]);
            (*i)++;
            p = &r;
        }
        if (w == VC_WANT_SOURCE) vcompare_source(vc, p);
        else vcompare_target(vc, p);
    }
    vc_result_t res = *vcompare_result(vc);
    vcompare_destroy(vc);
    return res;
}

static vc_result_t run(const offset_map_t *map, const side_t *src, const side_t *tgt) {
    return run_opp(map, NULL, src, tgt);
}

/* source 0..9 -> target 100..109 */
static offset_map_t *map10(void) {
    offset_map_t *m = offset_map_new();
    for (int i = 0; i < 10; i++) offset_map_add(m, i, 100 + i);
    return m;
}

static void faithful(side_t *s, side_t *t) {
    for (int i = 0; i < 10; i++) {
        add(s, i, i);
        add(t, 100 + i, i);
    }
}

static void test_faithful_copy(void) {
    offset_map_t *m = map10();
    side_t s = {0}, t = {0};
    faithful(&s, &t);
    vc_result_t r = run(m, &s, &t);
    CHECK_EQ_INT(r.n.matched, 10);
    CHECK_EQ_INT(vc_failures(&r.n), 0);
    CHECK_EQ_INT(r.n.source_records, 10);
    CHECK_EQ_INT(r.n.target_records, 10);
    CHECK_EQ_INT(r.first.kind, -1);
    offset_map_destroy(m);
}

static void test_different_record(void) {
    offset_map_t *m = map10();
    side_t s = {0}, t = {0};
    faithful(&s, &t);
    t.val[4] = 99;
    t.val[7] = 98;
    vc_result_t r = run(m, &s, &t);
    CHECK_EQ_INT(r.n.matched, 8);
    CHECK_EQ_INT(r.n.different, 2);
    CHECK_EQ_INT(r.first.kind, VC_DIFFERENT);
    CHECK_EQ_INT(r.first.source_offset, 4);
    CHECK_EQ_INT(r.first.target_offset, 104);
    CHECK(r.first.timestamp_differs);
    CHECK_EQ_INT(r.last_of[VC_DIFFERENT].source_offset, 7);
    offset_map_destroy(m);
}

static void test_foreign_append(void) {
    offset_map_t *m = map10();
    side_t s = {0}, t = {0};
    faithful(&s, &t);
    add(&t, 110, 50);
    add(&t, 111, 51);
    vc_result_t r = run(m, &s, &t);
    CHECK_EQ_INT(r.n.matched, 10);
    CHECK_EQ_INT(r.n.foreign, 2);
    CHECK_EQ_INT(r.n.extra, 0);
    CHECK_EQ_INT(r.first.kind, VC_FOREIGN);
    CHECK_EQ_INT(r.first.target_offset, 110);
    CHECK_EQ_INT(r.first.source_offset, -1);
    CHECK_EQ_INT(r.last_of[VC_FOREIGN].target_offset, 111);
    offset_map_destroy(m);
}

/* Target records 100..104 deleted (DeleteRecords: the reader starts at 105). */
static void test_deleted_on_target(void) {
    offset_map_t *m = map10();
    side_t s = {0}, t = {0};
    for (int i = 0; i < 10; i++) add(&s, i, i);
    for (int i = 5; i < 10; i++) add(&t, 100 + i, i);
    vc_result_t r = run(m, &s, &t);
    CHECK_EQ_INT(r.n.missing, 5);
    CHECK_EQ_INT(r.n.matched, 5);
    CHECK_EQ_INT(r.first.kind, VC_MISSING);
    CHECK_EQ_INT(r.first.source_offset, 0);
    CHECK_EQ_INT(r.first.target_offset, 100);
    CHECK_EQ_INT(r.last_of[VC_MISSING].source_offset, 4);
    /* and at the end: the target lost its last records */
    side_t t2 = {0};
    for (int i = 0; i < 7; i++) add(&t2, 100 + i, i);
    r = run(m, &s, &t2);
    CHECK_EQ_INT(r.n.missing, 3);
    CHECK_EQ_INT(r.first_of[VC_MISSING].source_offset, 7);
    offset_map_destroy(m);
}

/* A hole in the middle of the target: record at 103 gone. */
static void test_missing_in_middle(void) {
    offset_map_t *m = map10();
    side_t s = {0}, t = {0};
    for (int i = 0; i < 10; i++) {
        add(&s, i, i);
        if (i != 3) add(&t, 100 + i, i);
    }
    vc_result_t r = run(m, &s, &t);
    CHECK_EQ_INT(r.n.missing, 1);
    CHECK_EQ_INT(r.n.matched, 9);
    CHECK_EQ_INT(r.first.target_offset, 103);
    offset_map_destroy(m);
}

/* Source 0..4 -> 100..104, a re-sent duplicate at 105, then 5..9 -> 106..110. */
static void test_extra_in_middle(void) {
    offset_map_t *m = offset_map_new();
    for (int i = 0; i < 5; i++) offset_map_add(m, i, 100 + i);
    for (int i = 5; i < 10; i++) offset_map_add(m, i, 101 + i);
    side_t s = {0}, t = {0};
    for (int i = 0; i < 10; i++) add(&s, i, i);
    for (int i = 0; i < 5; i++) add(&t, 100 + i, i);
    add(&t, 105, 4);
    for (int i = 5; i < 10; i++) add(&t, 101 + i, i);
    vc_result_t r = run(m, &s, &t);
    CHECK_EQ_INT(r.n.matched, 10);
    CHECK_EQ_INT(r.n.extra, 1);
    CHECK_EQ_INT(r.n.foreign, 0);
    CHECK_EQ_INT(r.first.kind, VC_EXTRA);
    CHECK_EQ_INT(r.first.target_offset, 105);
    offset_map_destroy(m);
}

/* Source records beyond the map: pending, and those kmig copied but the map
 * does not hold yet pair by digest; a foreign write between them is found. */
static void test_pending_and_unmapped_copies(void) {
    offset_map_t *m = map10();
    side_t s = {0}, t = {0};
    faithful(&s, &t);
    for (int i = 10; i < 14; i++) add(&s, i, i);
    add(&t, 110, 10); /* kmig's copy of 10, not in the persisted map yet */
    add(&t, 111, 77); /* foreign */
    add(&t, 112, 11); /* kmig's copy of 11 */
    vc_result_t r = run(m, &s, &t);
    CHECK_EQ_INT(r.n.matched, 10);
    CHECK_EQ_INT(r.n.unmapped_copies, 2);
    CHECK_EQ_INT(r.n.foreign, 1);
    CHECK_EQ_INT(r.n.pending, 2);
    CHECK_EQ_INT(r.first_of[VC_FOREIGN].target_offset, 111);
    CHECK_EQ_INT(vc_failures(&r.n), 1);
    offset_map_destroy(m);
}

/* A gap in the map (offsets kmig skipped, e.g. transaction markers) is fine
 * when the source has no record there, and not_copied when it has one. */
static void test_gap(void) {
    offset_map_t *m = offset_map_new();
    offset_map_add(m, 0, 0);
    offset_map_add(m, 1, 1);
    offset_map_add(m, 5, 2); /* 2..4: gap */
    offset_map_add(m, 6, 3);
    side_t s = {0}, t = {0};
    add(&s, 0, 0), add(&s, 1, 1), add(&s, 5, 5), add(&s, 6, 6);
    add(&t, 0, 0), add(&t, 1, 1), add(&t, 2, 5), add(&t, 3, 6);
    vc_result_t r = run(m, &s, &t);
    CHECK_EQ_INT(r.n.matched, 4);
    CHECK_EQ_INT(vc_failures(&r.n), 0);
    side_t s2 = {0};
    add(&s2, 0, 0), add(&s2, 1, 1), add(&s2, 3, 3), add(&s2, 5, 5), add(&s2, 6, 6);
    r = run(m, &s2, &t);
    CHECK_EQ_INT(r.n.matched, 4);
    CHECK_EQ_INT(r.n.not_copied, 1);
    CHECK_EQ_INT(r.first.kind, VC_NOT_COPIED);
    CHECK_EQ_INT(r.first.source_offset, 3);
    offset_map_destroy(m);
}

/* Source records deleted by retention: the target's copies cannot be checked. */
static void test_source_gone(void) {
    offset_map_t *m = map10();
    side_t s = {0}, t = {0};
    for (int i = 3; i < 10; i++) add(&s, i, i);
    for (int i = 0; i < 10; i++) add(&t, 100 + i, i);
    vc_result_t r = run(m, &s, &t);
    CHECK_EQ_INT(r.n.source_gone, 3);
    CHECK_EQ_INT(r.n.matched, 7);
    CHECK_EQ_INT(vc_failures(&r.n), 0);
    /* and a source that lost everything after 5 */
    side_t s2 = {0};
    for (int i = 0; i < 5; i++) add(&s2, i, i);
    r = run(m, &s2, &t);
    CHECK_EQ_INT(r.n.source_gone, 5);
    CHECK_EQ_INT(r.n.foreign, 0);
    offset_map_destroy(m);
}

/* Source records below the map's start are not judged; an empty map makes
 * every source record pending and every target record foreign. */
static void test_edges(void) {
    offset_map_t *m = offset_map_new();
    offset_map_add(m, 5, 0);
    offset_map_add(m, 6, 1);
    side_t s = {0}, t = {0};
    add(&s, 4, 4), add(&s, 5, 5), add(&s, 6, 6);
    add(&t, 0, 5), add(&t, 1, 6);
    vc_result_t r = run(m, &s, &t);
    CHECK_EQ_INT(r.n.matched, 2);
    CHECK_EQ_INT(vc_failures(&r.n), 0);
    offset_map_destroy(m);
    m = offset_map_new();
    side_t s2 = {0}, t2 = {0};
    add(&s2, 0, 1);
    add(&t2, 0, 2);
    r = run(m, &s2, &t2);
    CHECK_EQ_INT(r.n.pending, 1);
    CHECK_EQ_INT(r.n.foreign, 1);
    side_t none = {0};
    r = run(m, &none, &none);
    CHECK_EQ_INT(r.n.source_records + r.n.target_records, 0);
    offset_map_destroy(m);
}

/* Several segments with holes from a reloaded map. */
static void test_loaded_segments(void) {
    offset_map_t *m = offset_map_new();
    offset_seg_t a = {0, 4, 0, 4, 0}, b = {10, 14, 4, 4, 0};
    CHECK_EQ_INT(offset_map_load(m, &a), 0);
    CHECK_EQ_INT(offset_map_load(m, &b), 0);
    side_t s = {0}, t = {0};
    for (int i = 0; i < 4; i++) add(&s, i, i), add(&t, i, i);
    add(&s, 7, 7); /* in the hole */
    for (int i = 10; i < 14; i++) add(&s, i, i), add(&t, i - 6, i);
    vc_result_t r = run(m, &s, &t);
    CHECK_EQ_INT(r.n.matched, 8);
    CHECK_EQ_INT(r.n.not_copied, 1);
    offset_map_destroy(m);
}

static void test_fields(void) {
    vc_header_t h1[] = {{"a", "1", 1}, {"b", NULL, 0}};
    vc_header_t h2[] = {{"a", "1", 1}, {"b", "", 0}};
    vc_fields_t x = {"k", "v", 1, 1, 5, h1, 2};
    vc_fields_t y = x;
    CHECK_EQ_INT(vc_fields_diff(&x, &y), 0);
    y.headers = h2;
    CHECK_EQ_INT(vc_fields_diff(&x, &y), VC_F_HEADERS);
    y.nheaders = 1;
    CHECK_EQ_INT(vc_fields_diff(&x, &y), VC_F_HEADERS);
    y = x;
    y.key = NULL;
    y.key_len = 0;
    y.timestamp = 6;
    CHECK_EQ_INT(vc_fields_diff(&x, &y), VC_F_KEY | VC_F_TIMESTAMP);
    y = x;
    y.value = "";
    y.value_len = 0;
    CHECK_EQ_INT(vc_fields_diff(&x, &y), VC_F_VALUE);
    char buf[64];
    CHECK_EQ_STR(vc_fields_names(VC_F_KEY | VC_F_HEADERS | VC_F_TIMESTAMP, buf, sizeof buf),
                 "key,headers,timestamp");
    CHECK_EQ_STR(vc_fields_names(0, buf, sizeof buf), "");
    CHECK_EQ_STR(vc_kind_name(VC_FOREIGN), "foreign");
}

/* The way back: A holds a0..a4, the forward flow A->B copied them to B 0..4;
 * b5..b7 were produced on B and the reverse flow B->A copied them to A 5..7
 * (its map has the gap [0, 5): the forward copies); the forward flow ran
 * again and skipped A 5..7 (its map's trailing gap). Verifying either flow
 * with the other's map counts the other flow's records apart, no failure. */
static void test_other_flow(void) {
    offset_map_t *fwd = offset_map_new(), *rev = offset_map_new();
    for (int i = 0; i < 5; i++) offset_map_add(fwd, i, i);
    offset_map_cover(fwd, 8);
    offset_map_begin(rev, 0);
    for (int i = 5; i < 8; i++) offset_map_add(rev, i, i);
    side_t a = {0}, b = {0};
    for (int i = 0; i < 8; i++) {
        add(&a, i, i);
        add(&b, i, i);
    }
    /* the reverse flow: B's forward copies are the other flow's, A's originals too */
    vc_result_t r = run_opp(rev, fwd, &b, &a);
    CHECK_EQ_INT(r.n.matched, 3);
    CHECK_EQ_INT(r.n.other_flow_copies, 5);
    CHECK_EQ_INT(r.n.other_flow_originals, 5);
    CHECK_EQ_INT(vc_failures(&r.n), 0);
    /* without the forward map they are not-copied records and extra target records */
    r = run(rev, &b, &a);
    CHECK_EQ_INT(r.n.not_copied, 5);
    CHECK_EQ_INT(r.n.extra, 5);
    CHECK_EQ_INT(r.n.other_flow_copies, 0);
    /* the forward flow: A 5..7 are the reverse flow's copies, B 5..7 its originals */
    r = run_opp(fwd, rev, &a, &b);
    CHECK_EQ_INT(r.n.matched, 5);
    CHECK_EQ_INT(r.n.other_flow_copies, 3);
    CHECK_EQ_INT(r.n.other_flow_originals, 3);
    CHECK_EQ_INT(r.n.pending, 0);
    CHECK_EQ_INT(vc_failures(&r.n), 0);
    /* a record written on A beyond both maps is still pending, one on B foreign */
    add(&a, 8, 20);
    add(&b, 8, 21);
    r = run_opp(fwd, rev, &a, &b);
    CHECK_EQ_INT(r.n.pending + r.n.foreign, 1 + 1);
    CHECK_EQ_INT(r.n.other_flow_copies, 3);
    offset_map_destroy(fwd);
    offset_map_destroy(rev);
}

UNIT_MAIN(UNIT_TEST(test_faithful_copy), UNIT_TEST(test_other_flow), UNIT_TEST(test_different_record),
          UNIT_TEST(test_foreign_append), UNIT_TEST(test_deleted_on_target),
          UNIT_TEST(test_missing_in_middle), UNIT_TEST(test_extra_in_middle),
          UNIT_TEST(test_pending_and_unmapped_copies), UNIT_TEST(test_gap),
          UNIT_TEST(test_source_gone), UNIT_TEST(test_edges), UNIT_TEST(test_loaded_segments),
          UNIT_TEST(test_fields))

/* Unit tests for offsets/backmap, with known answers on small maps:
 * which source records of a flow are the opposite flow's copies (skipped),
 * when records beyond the opposite map's end are decided (settled), and the
 * translation of a group's position on B back to A through both maps. */
#include "offsets/backmap.h"

#include <stdlib.h>

#include "unit.h"

static offset_map_t *map_of(const offset_seg_t *segs, size_t n) {
    offset_map_t *m = offset_map_new();
    for (size_t i = 0; i < n; i++) CHECK_EQ_INT(offset_map_load(m, &segs[i]), 0);
    return m;
}

/* The cutover example: A 0..9 copied to B 0..9 by the forward flow; B 10..19
 * produced on B and copied by the reverse flow to A 10..19 (its map starts at
 * B's log start 0, the forward copies being gaps in it). */
static const offset_seg_t FWD[] = {{0, 10, 0, 10, 0}};
static const offset_seg_t REV[] = {{0, 10, -1, 0, 0}, {10, 20, 10, 10, 0}};

static void test_classify(void) {
    offset_map_t *f = map_of(FWD, 1);
    /* the reverse flow reads B: forward copies are skipped */
    CHECK_EQ_INT(backmap_classify(f, 0, -1), BACKMAP_SKIP);
    CHECK_EQ_INT(backmap_classify(f, 9, 20), BACKMAP_SKIP);
    /* beyond the forward map's end: only below the settled bound */
    CHECK_EQ_INT(backmap_classify(f, 10, 10), BACKMAP_WAIT);
    CHECK_EQ_INT(backmap_classify(f, 10, 11), BACKMAP_COPY);
    CHECK_EQ_INT(backmap_classify(f, 19, 20), BACKMAP_COPY);
    CHECK_EQ_INT(backmap_classify(f, 20, 20), BACKMAP_WAIT);
    /* no opposite map at all: everything waits for the settled bound */
    CHECK_EQ_INT(backmap_classify(NULL, 3, 5), BACKMAP_COPY);
    CHECK_EQ_INT(backmap_classify(NULL, 5, 5), BACKMAP_WAIT);
    CHECK_EQ_STR(backmap_class_name(BACKMAP_SKIP), "skip");
    offset_map_destroy(f);

    /* a re-sent forward run: B 7,8 hold records not in the map (the
     * documented example of OFFSET_MAP.md); they are copied, counted */
    static const offset_seg_t resent[] = {{0, 8, 0, 5, 0}, {8, 11, 5, 2, 0}, {11, 13, 9, 2, 0}};
    offset_map_t *r = map_of(resent, 3);
    CHECK_EQ_INT(backmap_classify(r, 6, -1), BACKMAP_SKIP);
    CHECK_EQ_INT(backmap_classify(r, 7, -1), BACKMAP_COPY_UNACCOUNTED);
    CHECK_EQ_INT(backmap_classify(r, 8, -1), BACKMAP_COPY_UNACCOUNTED);
    CHECK_EQ_INT(backmap_classify(r, 9, -1), BACKMAP_SKIP);
    CHECK_EQ_INT(backmap_classify(r, 10, -1), BACKMAP_SKIP);
    CHECK_EQ_INT(backmap_classify(r, 11, -1), BACKMAP_WAIT);
    CHECK(backmap_tgt_covered(r, 0, 7));
    CHECK(!backmap_tgt_covered(r, 0, 8));
    CHECK(backmap_tgt_covered(r, 9, 11));
    CHECK(!backmap_tgt_covered(r, 9, 12));
    CHECK(backmap_tgt_covered(r, 5, 5));
    offset_map_destroy(r);
}

static void test_settled(void) {
    offset_map_t *f = map_of(FWD, 1), *rv = map_of(REV, 2);
    /* the reverse flow (source B, target A): A ends at 10, all forward-copied */
    CHECK_EQ_INT(backmap_settled(f, NULL, 20, 0, 10), 20);
    /* A got 2 records the forward flow has not copied yet: only what the
     * forward map accounts for is decided */
    CHECK_EQ_INT(backmap_settled(f, NULL, 20, 0, 12), 10);
    /* ... unless they are the reverse flow's own copies */
    static const offset_seg_t own[] = {{10, 12, 10, 2, 0}};
    offset_map_t *o = map_of(own, 1);
    CHECK_EQ_INT(backmap_settled(f, o, 20, 0, 12), 20);
    /* ends unknown: only what opp decides */
    CHECK_EQ_INT(backmap_settled(f, o, -1, 0, 12), 10);
    CHECK_EQ_INT(backmap_settled(f, o, 20, 0, -1), 10);
    /* the forward flow (source A, target B) while the reverse flow runs:
     * opp = rev (its targets are A offsets), own = fwd (B records it wrote).
     * B ends at 20 and rev read it all: A's end 20 is settled. */
    CHECK_EQ_INT(backmap_settled(rv, f, 20, 0, 20), 20);
    /* B has 5 more records rev has not read: A offsets past rev's end wait */
    CHECK_EQ_INT(backmap_settled(rv, f, 22, 0, 25), 20);
    /* no opposite map: an empty target is nothing pending */
    CHECK_EQ_INT(backmap_settled(NULL, NULL, 7, 0, 0), 7);
    CHECK_EQ_INT(backmap_settled(NULL, NULL, 7, 0, 3), 0);
    CHECK_EQ_INT(backmap_settled(NULL, NULL, 7, 3, 3), 7); /* log start at the end */
    offset_map_destroy(f);
    offset_map_destroy(rv);
    offset_map_destroy(o);
}

static void test_translate_back(void) {
    offset_map_t *f = map_of(FWD, 1), *r = map_of(REV, 2);
    int64_t a = -1;
    const char *why = NULL;
    /* in the forward copies: the inverse of the forward map */
    CHECK_EQ_INT(backmap_translate(f, r, 0, 20, 20, &a, &why), BACKMAP_EXACT);
    CHECK_EQ_INT(a, 0);
    CHECK_EQ_INT(backmap_translate(f, r, 5, 20, 20, &a, &why), BACKMAP_EXACT);
    CHECK_EQ_INT(a, 5);
    /* at the first record produced on B: through the reverse map */
    CHECK_EQ_INT(backmap_translate(f, r, 10, 20, 20, &a, &why), BACKMAP_EXACT);
    CHECK_EQ_INT(a, 10);
    CHECK_EQ_INT(backmap_translate(f, r, 17, 20, 20, &a, &why), BACKMAP_EXACT);
    CHECK_EQ_INT(a, 17);
    /* at B's end: A's end */
    CHECK_EQ_INT(backmap_translate(f, r, 20, 20, 20, &a, &why), BACKMAP_EXACT);
    CHECK_EQ_INT(a, 20);
    /* B written further, the reverse flow not there yet */
    CHECK_EQ_INT(backmap_translate(f, r, 20, 22, 20, &a, &why), BACKMAP_PENDING);
    CHECK(why != NULL);
    /* A written further on its own, not mapped by either flow */
    CHECK_EQ_INT(backmap_translate(f, r, 20, 20, 21, &a, &why), BACKMAP_PENDING);
    offset_map_destroy(r);

    /* the reverse flow has copied B only up to 15 */
    static const offset_seg_t half[] = {{0, 10, -1, 0, 0}, {10, 15, 10, 5, 0}};
    r = map_of(half, 2);
    CHECK_EQ_INT(backmap_translate(f, r, 12, 20, 15, &a, &why), BACKMAP_EXACT);
    CHECK_EQ_INT(a, 12);
    CHECK_EQ_INT(backmap_translate(f, r, 15, 20, 15, &a, &why), BACKMAP_PENDING);
    /* no reverse map at all: forward copies translate, what follows waits */
    CHECK_EQ_INT(backmap_translate(f, NULL, 4, 20, 10, &a, &why), BACKMAP_EXACT);
    CHECK_EQ_INT(a, 4);
    CHECK_EQ_INT(backmap_translate(f, NULL, 10, 20, 10, &a, &why), BACKMAP_PENDING);
    /* everything copied one way, nothing produced on B: the end is A's end */
    CHECK_EQ_INT(backmap_translate(f, NULL, 10, 10, 10, &a, &why), BACKMAP_PENDING);
    offset_map_destroy(r);
    static const offset_seg_t empty_rev[] = {{0, 10, -1, 0, 0}};
    r = map_of(empty_rev, 1);
    CHECK_EQ_INT(backmap_translate(f, r, 10, 10, 10, &a, &why), BACKMAP_EXACT);
    CHECK_EQ_INT(a, 10);
    offset_map_destroy(r);
    offset_map_destroy(f);
}

static void test_translate_gaps_and_conflicts(void) {
    /* forward: A 0..4 -> B 0..4, A 5..7 a gap (markers), A 8..9 -> B 5..6;
     * B 7..9 produced on B -> A 10..12; B 10 a gap for the reverse flow
     * (a marker), B 11 -> A 13 */
    static const offset_seg_t fwd[] = {{0, 8, 0, 5, 0}, {8, 10, 5, 2, 0}};
    static const offset_seg_t rev[] = {{0, 7, -1, 0, 0}, {7, 11, 10, 3, 0}, {11, 12, 13, 1, 0}};
    offset_map_t *f = map_of(fwd, 2), *r = map_of(rev, 3);
    int64_t a = -1;
    CHECK_EQ_INT(backmap_translate(f, r, 5, 12, 14, &a, NULL), BACKMAP_EXACT);
    CHECK_EQ_INT(a, 8); /* B 5 is A 8: the gap 5..7 on A holds no record */
    CHECK_EQ_INT(backmap_translate(f, r, 7, 12, 14, &a, NULL), BACKMAP_EXACT);
    CHECK_EQ_INT(a, 10);
    CHECK_EQ_INT(backmap_translate(f, r, 10, 12, 14, &a, NULL), BACKMAP_EXACT);
    CHECK_EQ_INT(a, 13); /* B 10 is a gap: the next record, B 11 = A 13 */
    CHECK_EQ_INT(backmap_translate(f, r, 12, 12, 14, &a, NULL), BACKMAP_EXACT);
    CHECK_EQ_INT(a, 14);
    offset_map_destroy(r);

    /* both clusters written at once: A 10 produced on A while B 7 was
     * produced on B; the forward flow copies A 10 to B 8, the reverse flow
     * copies B 7 to A 11. A group at B 8 read B 7 (= A 11) but not B 8
     * (= A 10): no position on A is exact. */
    static const offset_seg_t fwd2[] = {{0, 8, 0, 5, 0}, {8, 10, 5, 2, 0}, {10, 11, 8, 1, 0}};
    static const offset_seg_t rev2[] = {{0, 7, -1, 0, 0}, {7, 8, 11, 1, 0}};
    offset_map_t *f2 = map_of(fwd2, 3);
    r = map_of(rev2, 2);
    const char *why = NULL;
    CHECK_EQ_INT(backmap_translate(f2, r, 8, 9, 12, &a, &why), BACKMAP_CONFLICT);
    CHECK(why != NULL);
    /* a group before both is exact */
    CHECK_EQ_INT(backmap_translate(f2, r, 7, 9, 12, &a, &why), BACKMAP_CONFLICT);
    CHECK_EQ_INT(backmap_translate(f2, r, 6, 9, 12, &a, &why), BACKMAP_EXACT);
    CHECK_EQ_INT(a, 9);
    offset_map_destroy(r);
    offset_map_destroy(f2);

    /* below what either flow copied */
    static const offset_seg_t late[] = {{100, 110, 50, 10, 0}};
    offset_map_t *l = map_of(late, 1);
    CHECK_EQ_INT(backmap_translate(l, NULL, 10, 60, 110, &a, NULL), BACKMAP_NOT_COPIED);
    CHECK_EQ_INT(backmap_translate(l, NULL, 50, 60, 110, &a, NULL), BACKMAP_EXACT);
    CHECK_EQ_INT(a, 100);
    offset_map_destroy(l);
    offset_map_destroy(f);
}

/* Through two map sets, as `kmig offsets` of the reverse flow sees them:
 * forward entries keyed by the A topic, reverse ones by the B topic. */
static void test_pair(void) {
    map_set_t *fwd = map_set_new(), *rev = map_set_new();
    map_set_add_seg(fwd, "orders", 0, "orders", &FWD[0]);
    map_set_add_seg(rev, "orders", 0, "orders", &REV[0]);
    map_set_add_seg(rev, "orders", 0, "orders", &REV[1]);
    /* partition 1: copied forward only (the reverse flow has no entry yet) */
    map_set_add_seg(fwd, "orders", 1, "orders", &FWD[0]);
    map_entry_t *e = map_set_get(rev, "orders", 0);
    e->source_end = 20;
    e->target_end = 20;
    map_entry_t *e1 = map_set_ensure(rev, "orders", 1, "orders");
    CHECK(e1 != NULL);
    CHECK_EQ_INT(offset_map_count(e1->map), 0);
    e1->source_end = 15;
    e1->target_end = 10;
    backmap_pair_t pair = {fwd, rev};
    CHECK_EQ_STR(backmap_pair_a_topic(&pair, "orders", 0), "orders");
    int64_t a = -1;
    CHECK_EQ_INT(backmap_pair_translate(&pair, "orders", 0, 7, &a), OFFSET_MAP_EXACT);
    CHECK_EQ_INT(a, 7);
    CHECK_EQ_INT(backmap_pair_translate(&pair, "orders", 0, 13, &a), OFFSET_MAP_EXACT);
    CHECK_EQ_INT(a, 13);
    CHECK_EQ_INT(backmap_pair_translate(&pair, "orders", 0, 20, &a), OFFSET_MAP_EXACT);
    CHECK_EQ_INT(a, 20);
    CHECK_EQ_INT(backmap_pair_translate(&pair, "orders", 1, 4, &a), OFFSET_MAP_EXACT);
    CHECK_EQ_INT(a, 4);
    /* past the forward copies, B written on (15) but not copied back yet */
    CHECK_EQ_INT(backmap_pair_translate(&pair, "orders", 1, 10, &a), OFFSET_MAP_PENDING);
    CHECK_EQ_INT(backmap_pair_translate(&pair, "orders", 2, 0, &a), OFFSET_MAP_NOT_COPIED);
    /* another forward target than this topic: not this way back */
    map_set_t *other = map_set_new();
    map_set_add_seg(other, "orders", 0, "A.orders", &FWD[0]);
    backmap_pair_t p2 = {other, NULL};
    CHECK_EQ_INT(backmap_pair_translate(&p2, "orders", 0, 3, &a), OFFSET_MAP_NOT_COPIED);
    map_set_destroy(other);
    map_set_destroy(fwd);
    map_set_destroy(rev);
}

/* Source and target records of a map with a gap (backmap_is_src_record,
 * backmap_is_tgt_record: what kmig verify counts as the other flow's). */
static void test_records(void) {
    offset_map_t *r = map_of(REV, 2);
    for (int64_t o = 0; o < 10; o++) CHECK(!backmap_is_src_record(r, o)); /* the gap */
    for (int64_t o = 10; o < 20; o++) CHECK(backmap_is_src_record(r, o));
    CHECK(!backmap_is_src_record(r, 20));
    CHECK(!backmap_is_src_record(r, -1));
    CHECK(!backmap_is_src_record(NULL, 10));
    CHECK(!backmap_is_tgt_record(r, 9));
    CHECK(backmap_is_tgt_record(r, 10));
    CHECK(!backmap_is_tgt_record(r, 20));
    offset_map_destroy(r);
}

UNIT_MAIN(UNIT_TEST(test_classify), UNIT_TEST(test_records), UNIT_TEST(test_pair), UNIT_TEST(test_settled), UNIT_TEST(test_translate_back),
          UNIT_TEST(test_translate_gaps_and_conflicts))

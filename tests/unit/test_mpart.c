/* Partition bookkeeping (mirror/mpart.c) and published snapshots
 * (mirror/msnap.c): deliveries, records acknowledged without offsets, gaps,
 * truncation, and translation through a snapshot. */
#include "mirror/mpart.h"
#include "mirror/msnap.h"
#include "unit.h"

static int64_t tr(const offset_map_t *map, int64_t c) {
    int64_t t = -1;
    return offset_map_translate(map, c, &t) == OFFSET_MAP_EXACT ? t : -1;
}

static void test_in_order(void) {
    mpart_t p;
    char err[256];
    mpart_init(&p, NULL);
    for (int64_t s = 10; s < 13; s++) mpart_consumed(&p, s);
    CHECK_EQ_INT(p.inflight, 3);
    CHECK_EQ_INT(mpart_delivered(&p, 10, 100, 5, 1, err, sizeof err), MPART_OK);
    CHECK_EQ_INT(mpart_delivered(&p, 11, 101, 5, 3, err, sizeof err), MPART_OK);
    CHECK_EQ_INT(mpart_delivered(&p, 12, 102, 5, 2, err, sizeof err), MPART_OK);
    CHECK_EQ_INT(p.records, 3);
    CHECK_EQ_INT(p.bytes, 15);
    CHECK_EQ_INT(tr(p.map, 11), 101);
    mpart_eof(&p, 15); /* offsets 13, 14 hold no record (transaction markers) */
    CHECK(mpart_caught_up(&p));
    CHECK_EQ_INT(offset_map_src_next(p.map), 15);
    int64_t mx, avg;
    mpart_latency_take(&p, &mx, &avg);
    CHECK_EQ_INT(mx, 3);
    CHECK_EQ_INT(avg, 2);
    mpart_clear(&p);
}

static void test_out_of_order_fails(void) {
    mpart_t p;
    char err[256];
    mpart_init(&p, NULL);
    mpart_consumed(&p, 0);
    mpart_consumed(&p, 1);
    CHECK_EQ_INT(mpart_delivered(&p, 0, 50, 1, 0, err, sizeof err), MPART_OK);
    CHECK_EQ_INT(mpart_delivered(&p, 1, 49, 1, 0, err, sizeof err), MPART_STOPPED);
    CHECK(strstr(err, "out of order") != NULL);
    CHECK_EQ_INT(p.state, MPART_FAILED);
    /* Nothing more is mapped once failed. */
    mpart_consumed(&p, 2);
    CHECK_EQ_INT(mpart_delivered(&p, 2, 51, 1, 0, err, sizeof err), MPART_STOPPED);
    CHECK_EQ_INT(offset_map_src_next(p.map), 1);
    mpart_clear(&p);
}

static void test_unknown_placed_by_next_delivery(void) {
    mpart_t p;
    char err[256];
    mpart_init(&p, NULL);
    for (int64_t s = 0; s < 4; s++) mpart_consumed(&p, s);
    CHECK_EQ_INT(mpart_delivered(&p, 0, 200, 1, 0, err, sizeof err), MPART_OK);
    CHECK_EQ_INT(mpart_delivered(&p, 1, -1, 1, 0, err, sizeof err), MPART_OK);
    CHECK_EQ_INT(mpart_delivered(&p, 2, -1, 1, 0, err, sizeof err), MPART_OK);
    CHECK_EQ_INT(p.nunknown, 2);
    CHECK_EQ_INT(mpart_delivered(&p, 3, 203, 1, 0, err, sizeof err), MPART_OK);
    CHECK(strstr(err, "placed") != NULL);
    CHECK_EQ_INT(p.nunknown, 0);
    CHECK_EQ_INT(tr(p.map, 1), 201);
    CHECK_EQ_INT(tr(p.map, 2), 202);
    CHECK_EQ_INT(tr(p.map, 3), 203);
    mpart_clear(&p);
}

static void test_unknown_that_does_not_fit_fails(void) {
    mpart_t p;
    char err[256];
    mpart_init(&p, NULL);
    for (int64_t s = 0; s < 3; s++) mpart_consumed(&p, s);
    CHECK_EQ_INT(mpart_delivered(&p, 0, 200, 1, 0, err, sizeof err), MPART_OK);
    CHECK_EQ_INT(mpart_delivered(&p, 1, -1, 1, 0, err, sizeof err), MPART_OK);
    /* Someone else wrote target offset 201: the record cannot be placed. */
    CHECK_EQ_INT(mpart_delivered(&p, 2, 203, 1, 0, err, sizeof err), MPART_STOPPED);
    CHECK(strstr(err, "cannot be placed") != NULL);
    CHECK_EQ_INT(p.state, MPART_FAILED);
    CHECK_EQ_INT(offset_map_src_next(p.map), 1);
    mpart_clear(&p);
}

static void test_unknown_tail_placed_by_end(void) {
    mpart_t p;
    char err[256];
    mpart_init(&p, NULL);
    p.tgt_base = 70; /* the target's end when this run started; nothing mapped yet */
    mpart_consumed(&p, 5);
    mpart_consumed(&p, 6);
    CHECK_EQ_INT(mpart_delivered(&p, 5, -1, 1, 0, err, sizeof err), MPART_OK);
    CHECK_EQ_INT(mpart_delivered(&p, 6, -1, 1, 0, err, sizeof err), MPART_OK);
    CHECK(mpart_needs_tail(&p));
    CHECK_EQ_INT(mpart_place_tail(&p, 72, err, sizeof err), MPART_OK);
    CHECK(!mpart_needs_tail(&p));
    CHECK_EQ_INT(tr(p.map, 5), 70);
    CHECK_EQ_INT(tr(p.map, 6), 71);
    /* A tail that does not end where expected fails. */
    mpart_consumed(&p, 7);
    CHECK_EQ_INT(mpart_delivered(&p, 7, -1, 1, 0, err, sizeof err), MPART_OK);
    CHECK_EQ_INT(mpart_place_tail(&p, 74, err, sizeof err), MPART_STOPPED);
    CHECK_EQ_INT(p.state, MPART_FAILED);
    mpart_clear(&p);
}

static void test_delivery_error_fails_once(void) {
    mpart_t p;
    mpart_init(&p, NULL);
    mpart_consumed(&p, 0);
    mpart_consumed(&p, 1);
    CHECK(mpart_delivery_failed(&p));
    CHECK(!mpart_delivery_failed(&p));
    CHECK_EQ_INT(p.inflight, 0);
    CHECK(!mpart_caught_up(&p));
    mpart_clear(&p);
}

static void test_gap_deleted(void) {
    mpart_t p;
    char err[256];
    int64_t from, to, resume;
    mpart_init(&p, NULL);
    mpart_consumed(&p, 0);
    CHECK_EQ_INT(mpart_delivered(&p, 0, 0, 1, 0, err, sizeof err), MPART_OK);
    /* Stop: the partition stops with data loss. */
    CHECK_EQ_INT(mpart_offset_reset(&p, 40, 90, false, &from, &to, &resume), MPART_GAP_DELETED);
    CHECK_EQ_INT(from, 1);
    CHECK_EQ_INT(to, 40);
    CHECK_EQ_INT(p.lost, 39);
    CHECK_EQ_INT(p.state, MPART_DATA_LOSS);
    mpart_clear(&p);
    /* Go on: the gap is covered and fetching resumes at the log start. */
    mpart_init(&p, NULL);
    mpart_consumed(&p, 0);
    CHECK_EQ_INT(mpart_delivered(&p, 0, 0, 1, 0, err, sizeof err), MPART_OK);
    CHECK_EQ_INT(mpart_offset_reset(&p, 40, 90, true, &from, &to, &resume), MPART_GAP_DELETED);
    CHECK_EQ_INT(resume, 40);
    CHECK_EQ_INT(p.state, MPART_COPYING);
    CHECK_EQ_INT(offset_map_src_next(p.map), 40);
    mpart_consumed(&p, 40);
    CHECK_EQ_INT(mpart_delivered(&p, 40, 1, 1, 0, err, sizeof err), MPART_OK);
    CHECK_EQ_INT(tr(p.map, 20), 1); /* a group in the gap resumes at the next copied record */
    mpart_clear(&p);
}

static void test_gap_truncated(void) {
    mpart_t p;
    char err[256];
    int64_t from, to, resume;
    mpart_init(&p, NULL);
    for (int64_t s = 0; s < 10; s++) {
        mpart_consumed(&p, s);
        CHECK_EQ_INT(mpart_delivered(&p, s, s, 1, 0, err, sizeof err), MPART_OK);
    }
    /* The source now ends at 4: it was truncated (or re-created). */
    CHECK_EQ_INT(mpart_offset_reset(&p, 0, 4, false, &from, &to, &resume), MPART_GAP_TRUNCATED);
    CHECK_EQ_INT(from, 4);
    CHECK_EQ_INT(to, 10);
    CHECK_EQ_INT(p.lost, 6);
    CHECK_EQ_INT(p.state, MPART_DATA_LOSS);
    mpart_clear(&p);
    /* A position the source has again is no gap. */
    mpart_init(&p, NULL);
    mpart_consumed(&p, 0);
    CHECK_EQ_INT(mpart_offset_reset(&p, 0, 5, false, &from, &to, &resume), MPART_GAP_NONE);
    CHECK_EQ_INT(resume, 1);
    CHECK_EQ_INT(p.lost, 0);
    mpart_clear(&p);
}

static void test_snapshot_translate(void) {
    mpart_t p;
    char err[256];
    mpart_init(&p, NULL);
    for (int64_t s = 0; s < 5; s++) {
        mpart_consumed(&p, s);
        CHECK_EQ_INT(mpart_delivered(&p, s, 100 + s, 1, 0, err, sizeof err), MPART_OK);
    }
    mpart_eof(&p, 5);
    msnap_map_t *copy = msnap_map_new(p.map);
    msnap_t *s = msnap_new(1);
    msnap_part_t *sp = msnap_add(s, "orders", "orders", 3, copy);
    sp->translate_end = 5;
    msnap_add(s, "payments", "payments", 0, NULL);
    msnap_map_unref(copy);
    /* The live map grows; the snapshot does not change. */
    mpart_consumed(&p, 5);
    CHECK_EQ_INT(mpart_delivered(&p, 5, 105, 1, 0, err, sizeof err), MPART_OK);
    int64_t t = -1;
    CHECK_EQ_INT(msnap_translate(s, "orders", 3, 2, &t), OFFSET_MAP_EXACT);
    CHECK_EQ_INT(t, 102);
    CHECK_EQ_INT(msnap_translate(s, "orders", 3, 5, &t), OFFSET_MAP_EXACT); /* at the end */
    CHECK_EQ_INT(t, 105);
    CHECK_EQ_INT(msnap_translate(s, "orders", 3, 6, &t), OFFSET_MAP_PENDING);
    CHECK_EQ_INT(msnap_translate(s, "orders", 2, 1, &t), OFFSET_MAP_NOT_COPIED);
    CHECK_EQ_INT(msnap_translate(s, "payments", 0, 1, &t), OFFSET_MAP_NOT_COPIED);
    CHECK_EQ_INT(msnap_find(s, "payments", 0), 1);
    msnap_holder_t *h = msnap_holder_new();
    CHECK(msnap_acquire(h) == NULL);
    msnap_publish(h, s);
    msnap_t *r = msnap_acquire(h);
    CHECK(r == s);
    msnap_release(r);
    msnap_holder_destroy(h);
    mpart_clear(&p);
}

UNIT_MAIN(UNIT_TEST(test_in_order), UNIT_TEST(test_out_of_order_fails),
          UNIT_TEST(test_unknown_placed_by_next_delivery),
          UNIT_TEST(test_unknown_that_does_not_fit_fails),
          UNIT_TEST(test_unknown_tail_placed_by_end), UNIT_TEST(test_delivery_error_fails_once),
          UNIT_TEST(test_gap_deleted), UNIT_TEST(test_gap_truncated),
          UNIT_TEST(test_snapshot_translate))

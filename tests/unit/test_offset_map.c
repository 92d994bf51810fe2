/* Unit tests of the offset map: building, translating in every region,
 * dirty tracking, loading back from storage and the record encoding. */
#include <stdint.h>
#include <stdlib.h>

#include "offsets/offset_map.h"
#include "unit.h"

/* Checks segment i against the expected fields. */
#define CHECK_SEG(map, i, s0, s1, t0, n)                                                 \
    do {                                                                                 \
        const offset_seg_t *seg_ = offset_map_at((map), (i));                            \
        CHECK(seg_ != NULL);                                                             \
        if (seg_) {                                                                      \
            CHECK_EQ_INT(seg_->src_start, (s0));                                         \
            CHECK_EQ_INT(seg_->src_end, (s1));                                           \
            CHECK_EQ_INT(seg_->tgt_start, (t0));                                         \
            CHECK_EQ_INT(seg_->count, (n));                                              \
        }                                                                                \
    } while (0)

/* Checks that translating c gives `want` and, when EXACT, target offset t. */
#define CHECK_TR(map, c, want, t)                                                        \
    do {                                                                                 \
        int64_t tgt_ = -999;                                                             \
        CHECK_EQ_INT(offset_map_translate((map), (c), &tgt_), (want));                   \
        if ((want) == OFFSET_MAP_EXACT) CHECK_EQ_INT(tgt_, (t));                         \
    } while (0)

static void add_range(offset_map_t *m, int64_t src, int64_t tgt, int n) {
    for (int i = 0; i < n; i++) CHECK_EQ_INT(offset_map_add(m, src + i, tgt + i), 0);
}

static void test_empty_map(void) {
    offset_map_t *m = offset_map_new();
    CHECK_EQ_INT(offset_map_count(m), 0);
    CHECK_EQ_INT(offset_map_src_next(m), -1);
    CHECK_EQ_INT(offset_map_tgt_next(m), -1);
    CHECK(offset_map_at(m, 0) == NULL);
    CHECK_TR(m, 0, OFFSET_MAP_PENDING, 0);
    CHECK_EQ_INT(offset_map_cover(m, 10), 0); /* no-op */
    CHECK_EQ_INT(offset_map_count(m), 0);
    offset_map_destroy(m);
    offset_map_destroy(NULL);
}

static void test_gapless_is_one_segment(void) {
    offset_map_t *m = offset_map_new();
    offset_map_begin(m, 0);
    add_range(m, 0, 0, 1000);
    CHECK_EQ_INT(offset_map_count(m), 1);
    CHECK_SEG(m, 0, 0, 1000, 0, 1000);
    CHECK_EQ_INT(offset_map_src_next(m), 1000);
    CHECK_EQ_INT(offset_map_tgt_next(m), 1000);
    CHECK_TR(m, 0, OFFSET_MAP_EXACT, 0);
    CHECK_TR(m, 999, OFFSET_MAP_EXACT, 999);
    CHECK_TR(m, 1000, OFFSET_MAP_PENDING, 0);
    offset_map_destroy(m);
}

static void test_begin_at_nonzero_with_leading_gap(void) {
    offset_map_t *m = offset_map_new();
    offset_map_begin(m, 100);
    offset_map_begin(m, 5); /* no-op on a non-empty map */
    CHECK_EQ_INT(offset_map_count(m), 1);
    CHECK_SEG(m, 0, 100, 100, -1, 0);
    CHECK_EQ_INT(offset_map_src_next(m), 100);
    CHECK_EQ_INT(offset_map_tgt_next(m), -1);
    CHECK_TR(m, 99, OFFSET_MAP_NOT_COPIED, 0);
    CHECK_TR(m, 100, OFFSET_MAP_PENDING, 0);

    /* The first record at 105 (100..104 were deleted): [100,105) stays a gap. */
    add_range(m, 105, 50, 3);
    CHECK_EQ_INT(offset_map_count(m), 2);
    CHECK_SEG(m, 0, 100, 105, -1, 0);
    CHECK_SEG(m, 1, 105, 108, 50, 3);
    CHECK_TR(m, 0, OFFSET_MAP_NOT_COPIED, 0);
    CHECK_TR(m, 100, OFFSET_MAP_EXACT, 50);
    CHECK_TR(m, 104, OFFSET_MAP_EXACT, 50);
    CHECK_TR(m, 106, OFFSET_MAP_EXACT, 51);
    CHECK_TR(m, 108, OFFSET_MAP_PENDING, 0);
    offset_map_destroy(m);
}

static void test_empty_segment_filled(void) {
    offset_map_t *m = offset_map_new();
    offset_map_begin(m, 40);
    add_range(m, 40, 7, 2);
    CHECK_EQ_INT(offset_map_count(m), 1);
    CHECK_SEG(m, 0, 40, 42, 7, 2);
    offset_map_destroy(m);
}

static void test_add_without_begin(void) {
    offset_map_t *m = offset_map_new();
    CHECK_EQ_INT(offset_map_add(m, 12, 3), 0);
    CHECK_EQ_INT(offset_map_count(m), 1);
    CHECK_SEG(m, 0, 12, 13, 3, 1);
    CHECK_TR(m, 11, OFFSET_MAP_NOT_COPIED, 0);
    CHECK_TR(m, 12, OFFSET_MAP_EXACT, 3);
    offset_map_destroy(m);
}

/* Source 0..9 copied; 10..14 removed by compaction; 15..19 copied;
 * a transaction marker at 20, the source end at 21. */
static offset_map_t *compaction_and_marker(void) {
    offset_map_t *m = offset_map_new();
    offset_map_begin(m, 0);
    add_range(m, 0, 0, 10);
    add_range(m, 15, 10, 5);
    CHECK_EQ_INT(offset_map_cover(m, 21), 0);
    return m;
}

static void test_compaction_gap_and_marker(void) {
    offset_map_t *m = compaction_and_marker();
    CHECK_EQ_INT(offset_map_count(m), 2);
    CHECK_SEG(m, 0, 0, 15, 0, 10);
    CHECK_SEG(m, 1, 15, 21, 10, 5);
    CHECK_EQ_INT(offset_map_src_next(m), 21);
    CHECK_EQ_INT(offset_map_tgt_next(m), 15);
    CHECK_TR(m, 9, OFFSET_MAP_EXACT, 9);
    CHECK_TR(m, 10, OFFSET_MAP_EXACT, 10); /* gap: next record is 15 -> 10 */
    CHECK_TR(m, 14, OFFSET_MAP_EXACT, 10);
    CHECK_TR(m, 15, OFFSET_MAP_EXACT, 10);
    CHECK_TR(m, 19, OFFSET_MAP_EXACT, 14);
    CHECK_TR(m, 20, OFFSET_MAP_EXACT, 15); /* the marker: trailing gap -> tgt_next */
    CHECK_TR(m, 21, OFFSET_MAP_PENDING, 0); /* c == src_next */
    CHECK_TR(m, 22, OFFSET_MAP_PENDING, 0);
    CHECK_TR(m, -1, OFFSET_MAP_NOT_COPIED, 0);

    /* cover never moves back; equal is a no-op */
    offset_map_mark_clean(m);
    CHECK_EQ_INT(offset_map_cover(m, 20), -1);
    CHECK_EQ_INT(offset_map_cover(m, 21), 0);
    CHECK_EQ_INT(offset_map_dirty_from(m), 2);

    /* the next record after a trailing gap starts a new segment */
    CHECK_EQ_INT(offset_map_add(m, 21, 15), 0);
    CHECK_EQ_INT(offset_map_count(m), 3);
    CHECK_SEG(m, 1, 15, 21, 10, 5);
    CHECK_SEG(m, 2, 21, 22, 15, 1);
    CHECK_EQ_INT(offset_map_dirty_from(m), 2); /* previous src_end unchanged */
    offset_map_destroy(m);
}

static void test_translate_at_end(void) {
    offset_map_t *m = compaction_and_marker();
    int64_t t = -1;
    CHECK_EQ_INT(offset_map_translate_at_end(m, 21, 21, &t), OFFSET_MAP_EXACT);
    CHECK_EQ_INT(t, 15);
    /* the source has more than kmig covered: record 21 is not copied yet */
    CHECK_EQ_INT(offset_map_translate_at_end(m, 21, 30, &t), OFFSET_MAP_PENDING);
    CHECK_EQ_INT(offset_map_translate_at_end(m, 25, 25, &t), OFFSET_MAP_PENDING);
    CHECK_EQ_INT(offset_map_translate_at_end(m, 12, 21, &t), OFFSET_MAP_EXACT);
    CHECK_EQ_INT(t, 10);
    offset_map_destroy(m);

    /* begun, nothing mapped: the target position is unknown */
    m = offset_map_new();
    CHECK_EQ_INT(offset_map_translate_at_end(m, 0, 0, &t), OFFSET_MAP_PENDING);
    offset_map_begin(m, 8);
    CHECK_EQ_INT(offset_map_translate_at_end(m, 8, 8, &t), OFFSET_MAP_PENDING);
    CHECK_EQ_INT(offset_map_cover(m, 10), 0);
    CHECK_SEG(m, 0, 8, 10, -1, 0);
    CHECK_EQ_INT(offset_map_translate_at_end(m, 10, 10, &t), OFFSET_MAP_PENDING);
    CHECK_TR(m, 9, OFFSET_MAP_PENDING, 0); /* a gap with no record anywhere */
    CHECK_TR(m, 7, OFFSET_MAP_NOT_COPIED, 0);
    offset_map_destroy(m);
}

/* After a crash kmig re-sends from the stored src_next; the records that had
 * reached the target before the crash (but not the map) sit in between, so
 * the re-sent ones start a new segment at a higher target offset. */
static void test_resend_after_crash(void) {
    offset_map_t *m = offset_map_new();
    offset_map_begin(m, 0);
    add_range(m, 0, 0, 100);
    add_range(m, 100, 130, 50);
    CHECK_EQ_INT(offset_map_count(m), 2);
    CHECK_SEG(m, 0, 0, 100, 0, 100);
    CHECK_SEG(m, 1, 100, 150, 130, 50);
    CHECK_TR(m, 99, OFFSET_MAP_EXACT, 99);
    CHECK_TR(m, 100, OFFSET_MAP_EXACT, 130);
    CHECK_TR(m, 149, OFFSET_MAP_EXACT, 179);
    offset_map_destroy(m);
}

/* The worked example of docs/OFFSET_MAP.md. */
static void test_doc_example(void) {
    offset_map_t *m = offset_map_new();
    offset_map_begin(m, 0);
    add_range(m, 0, 0, 5);
    CHECK_SEG(m, 0, 0, 5, 0, 5);
    add_range(m, 8, 5, 2);
    CHECK_SEG(m, 0, 0, 8, 0, 5);
    CHECK_SEG(m, 1, 8, 10, 5, 2);
    CHECK_EQ_INT(offset_map_cover(m, 11), 0);
    CHECK_SEG(m, 1, 8, 11, 5, 2);
    add_range(m, 11, 9, 2);
    CHECK_EQ_INT(offset_map_count(m), 3);
    CHECK_SEG(m, 2, 11, 13, 9, 2);
    static const int64_t want[][2] = {{4, 4}, {5, 5}, {7, 5}, {8, 5}, {9, 6}, {10, 9}, {12, 10}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECK_TR(m, want[i][0], OFFSET_MAP_EXACT, want[i][1]);
    CHECK_TR(m, 13, OFFSET_MAP_PENDING, 0);
    int64_t t = -1;
    CHECK_EQ_INT(offset_map_translate_at_end(m, 13, 13, &t), OFFSET_MAP_EXACT);
    CHECK_EQ_INT(t, 11);
    offset_map_destroy(m);
}

static void test_out_of_order_rejected(void) {
    offset_map_t *m = offset_map_new();
    offset_map_begin(m, 10);
    add_range(m, 10, 100, 5); /* src 10..14 -> 100..104 */
    offset_map_mark_clean(m);
    CHECK_EQ_INT(offset_map_add(m, 14, 105), -1); /* src repeats */
    CHECK_EQ_INT(offset_map_add(m, 3, 105), -1);  /* src goes back */
    CHECK_EQ_INT(offset_map_add(m, 15, 104), -1); /* tgt repeats */
    CHECK_EQ_INT(offset_map_add(m, 15, 50), -1);  /* tgt goes back */
    CHECK_EQ_INT(offset_map_add(m, -1, 200), -1);
    CHECK_EQ_INT(offset_map_add(m, 20, -1), -1);
    CHECK_EQ_INT(offset_map_count(m), 1);
    CHECK_SEG(m, 0, 10, 15, 100, 5);
    CHECK_EQ_INT(offset_map_dirty_from(m), 1); /* nothing changed */
    /* inside a trailing gap */
    CHECK_EQ_INT(offset_map_cover(m, 20), 0);
    CHECK_EQ_INT(offset_map_add(m, 17, 105), -1);
    CHECK_EQ_INT(offset_map_add(m, 20, 105), 0);
    /* an empty segment with a trailing gap cannot be filled */
    offset_map_t *e = offset_map_new();
    offset_map_begin(e, 5);
    CHECK_EQ_INT(offset_map_cover(e, 8), 0);
    CHECK_EQ_INT(offset_map_add(e, 5, 0), -1);
    offset_map_destroy(e);
    offset_map_destroy(m);
}

static void test_target_jump_same_source(void) {
    offset_map_t *m = offset_map_new();
    add_range(m, 0, 0, 3);
    CHECK_EQ_INT(offset_map_add(m, 3, 5), 0); /* contiguous source, target skipped */
    CHECK_EQ_INT(offset_map_count(m), 2);
    CHECK_SEG(m, 0, 0, 3, 0, 3);
    CHECK_SEG(m, 1, 3, 4, 5, 1);
    offset_map_destroy(m);
}

static void test_dirty_tracking(void) {
    offset_map_t *m = offset_map_new();
    CHECK_EQ_INT(offset_map_dirty_from(m), 0);
    offset_map_begin(m, 0);
    CHECK_EQ_INT(offset_map_dirty_from(m), 0);
    add_range(m, 0, 0, 5);
    add_range(m, 10, 5, 5);
    add_range(m, 20, 10, 5);
    CHECK_EQ_INT(offset_map_count(m), 3);
    CHECK_EQ_INT(offset_map_dirty_from(m), 0);
    offset_map_mark_clean(m);
    CHECK_EQ_INT(offset_map_dirty_from(m), 3);
    add_range(m, 25, 15, 1); /* extends the last */
    CHECK_EQ_INT(offset_map_dirty_from(m), 2);
    offset_map_mark_clean(m);
    CHECK_EQ_INT(offset_map_add(m, 30, 16), 0); /* moves the last src_end, appends */
    CHECK_EQ_INT(offset_map_count(m), 4);
    CHECK_EQ_INT(offset_map_dirty_from(m), 2);
    offset_map_mark_clean(m);
    CHECK_EQ_INT(offset_map_cover(m, 40), 0);
    CHECK_EQ_INT(offset_map_dirty_from(m), 3);
    offset_map_destroy(m);
}

static void test_load_upsert(void) {
    offset_map_t *m = offset_map_new();
    offset_seg_t a0 = {0, 0, -1, 0, 0}, a1 = {0, 10, 0, 10, 0}, a2 = {0, 15, 0, 10, 0};
    offset_seg_t b = {15, 20, 10, 5, 0}, c = {20, 22, 15, 2, 0};
    /* out of order, with older versions after newer ones */
    CHECK_EQ_INT(offset_map_load(m, &c), 0);
    CHECK_EQ_INT(offset_map_load(m, &a1), 0);
    CHECK_EQ_INT(offset_map_count(m), 2);
    /* a hole while loading: [10,20) between a1 and c */
    CHECK_TR(m, 12, OFFSET_MAP_PENDING, 0);
    CHECK_TR(m, 9, OFFSET_MAP_EXACT, 9);
    CHECK_EQ_INT(offset_map_load(m, &b), 0);
    CHECK_TR(m, 12, OFFSET_MAP_PENDING, 0); /* [10,15) still a hole */
    CHECK_EQ_INT(offset_map_load(m, &a2), 0);
    CHECK_EQ_INT(offset_map_load(m, &a0), 0); /* older: ignored */
    CHECK_EQ_INT(offset_map_load(m, &a1), 0); /* older: ignored */
    CHECK_EQ_INT(offset_map_count(m), 3);
    CHECK_SEG(m, 0, 0, 15, 0, 10);
    CHECK_SEG(m, 1, 15, 20, 10, 5);
    CHECK_SEG(m, 2, 20, 22, 15, 2);
    CHECK_EQ_INT(offset_map_dirty_from(m), 3);
    CHECK_TR(m, 12, OFFSET_MAP_EXACT, 10);
    CHECK_EQ_INT(offset_map_src_next(m), 22);
    CHECK_EQ_INT(offset_map_tgt_next(m), 17);
    /* the loaded map keeps growing */
    CHECK_EQ_INT(offset_map_add(m, 22, 17), 0);
    CHECK_SEG(m, 2, 20, 23, 15, 3);
    CHECK_EQ_INT(offset_map_dirty_from(m), 2);
    offset_map_destroy(m);

    /* an empty first segment filled later */
    m = offset_map_new();
    CHECK_EQ_INT(offset_map_load(m, &a0), 0);
    CHECK_EQ_INT(offset_map_load(m, &a1), 0);
    CHECK_SEG(m, 0, 0, 10, 0, 10);
    offset_map_destroy(m);
}

static void test_load_rejects(void) {
    offset_map_t *m = offset_map_new();
    offset_seg_t base = {100, 110, 50, 10, 0};
    CHECK_EQ_INT(offset_map_load(m, &base), 0);
    const offset_seg_t bad[] = {
        {100, 110, 51, 10, 0}, /* same src_start, other tgt_start */
        {100, 112, 50, 9, 0},  /* fewer records but a larger src_end: neither grows into the other */
        {95, 101, 0, 1, 0},    /* overlaps the source range from below */
        {105, 120, 70, 1, 0},  /* starts inside */
        {90, 95, 55, 1, 0},    /* target overlap from below */
        {110, 111, 59, 1, 0},  /* target overlap from above */
        {-1, 0, -1, 0, 0},     /* malformed: */
        {0, 5, 0, 6, 0},
        {0, 5, -1, 2, 0},
        {0, 5, 0, 0, 0},
        {0, 5, 0, -1, 0},
        {6, 5, -1, 0, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (offset_map_load(m, &bad[i]) != -1) {
            fprintf(stderr, "  bad[%zu] accepted\n", i);
            CHECK(0);
        }
    }
    CHECK_EQ_INT(offset_map_count(m), 1);
    CHECK_SEG(m, 0, 100, 110, 50, 10);
    /* a version with a trailing gap cannot gain records later */
    offset_seg_t gap = {200, 210, 80, 5, 0}, more = {200, 210, 80, 6, 0};
    CHECK_EQ_INT(offset_map_load(m, &gap), 0);
    CHECK_EQ_INT(offset_map_load(m, &more), -1);
    offset_map_destroy(m);
}

/* Sums on offsets never overflow: segments whose src_start+count or
 * tgt_start+count exceeds INT64_MAX are malformed, and add() refuses an
 * offset whose segment end would not fit. */
static void test_overflow_rejected(void) {
    offset_map_t *m = offset_map_new();
    const offset_seg_t bad[] = {
        {0, 5, INT64_MAX, 1, 0},
        {0, 5, INT64_MAX - 2, 5, 0},
        {0, INT64_MAX, INT64_MAX - 1, INT64_MAX, 0},
        {INT64_MAX - 1, INT64_MAX, 0, 2, 0},
        {INT64_MAX, INT64_MAX, 0, INT64_MAX, 0},
        {1, INT64_MAX, 1, INT64_MAX, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (offset_map_load(m, &bad[i]) != -1) {
            fprintf(stderr, "  bad[%zu] accepted\n", i);
            CHECK(0);
        }
    }
    CHECK_EQ_INT(offset_map_count(m), 0);
    /* the largest representable segments load and translate */
    offset_seg_t top = {0, INT64_MAX, INT64_MAX - 5, 5, 0};
    CHECK_EQ_INT(offset_map_load(m, &top), 0);
    int64_t t = 0;
    CHECK_EQ_INT(offset_map_translate(m, 4, &t), OFFSET_MAP_EXACT);
    CHECK_EQ_INT(t, INT64_MAX - 1);
    CHECK_EQ_INT(offset_map_translate(m, INT64_MAX - 1, &t), OFFSET_MAP_EXACT);
    CHECK_EQ_INT(t, INT64_MAX);
    CHECK_EQ_INT(offset_map_tgt_next(m), INT64_MAX);
    CHECK_EQ_INT(offset_map_src_next(m), INT64_MAX);
    CHECK_EQ_INT(offset_map_add(m, INT64_MAX, INT64_MAX), -1);
    offset_map_destroy(m);

    m = offset_map_new();
    CHECK_EQ_INT(offset_map_add(m, INT64_MAX, 0), -1);
    CHECK_EQ_INT(offset_map_add(m, 0, INT64_MAX), -1);
    CHECK_EQ_INT(offset_map_count(m), 0);
    CHECK_EQ_INT(offset_map_add(m, INT64_MAX - 2, INT64_MAX - 2), 0);
    CHECK_EQ_INT(offset_map_add(m, INT64_MAX - 1, INT64_MAX - 1), 0);
    CHECK_EQ_INT(offset_map_add(m, INT64_MAX, INT64_MAX), -1);
    CHECK_EQ_INT(offset_map_count(m), 1);
    CHECK_SEG(m, 0, INT64_MAX - 2, INT64_MAX, INT64_MAX - 2, 2);
    CHECK_EQ_INT(offset_map_tgt_next(m), INT64_MAX);
    CHECK_EQ_INT(offset_map_translate_at_end(m, INT64_MAX, INT64_MAX, &t), OFFSET_MAP_EXACT);
    CHECK_EQ_INT(t, INT64_MAX);
    CHECK_EQ_INT(offset_map_cover(m, INT64_MAX), 0);
    offset_map_destroy(m);

    /* and decode refuses what load would */
    char topic[16], target[16], err[512];
    int32_t part;
    offset_seg_t seg;
    static const char *const vals[] = {
        "{\"v\":1,\"target\":\"A.t\",\"src_start\":5,\"src_end\":9,"
        "\"tgt_start\":9223372036854775807,\"count\":1}",
        "{\"v\":1,\"target\":\"A.t\",\"src_start\":5,\"src_end\":9223372036854775807,"
        "\"tgt_start\":9223372036854775800,\"count\":9223372036854775000}",
        "{\"v\":1,\"target\":\"A.t\",\"src_start\":5,\"src_end\":9223372036854775807,"
        "\"tgt_start\":0,\"count\":9223372036854775807}",
    };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        err[0] = '\0';
        int rc = offset_map_decode("t:0:5", 5, vals[i], strlen(vals[i]), topic, sizeof topic,
                                   &part, target, sizeof target, &seg, err, sizeof err);
        if (rc != -1 || !strstr(err, "inconsistent segment")) {
            fprintf(stderr, "  vals[%zu]: rc %d, err \"%s\"\n", i, rc, err);
            CHECK(0);
        }
    }
    const char *top_val = "{\"v\":1,\"target\":\"A.t\",\"src_start\":5,"
                          "\"src_end\":9223372036854775807,\"tgt_start\":9223372036854775806,"
                          "\"count\":1}";
    CHECK_EQ_INT(offset_map_decode("t:0:5", 5, top_val, strlen(top_val), topic, sizeof topic,
                                   &part, target, sizeof target, &seg, err, sizeof err),
                 0);
}

static void test_encode_decode(void) {
    char key[128], val[256], topic[64], target[64], err[256];
    offset_seg_t seg = {1000, 1500, 42, 480, 0}, out;
    int32_t part = -5;
    int kn = offset_map_encode_key(key, sizeof key, "orders.v2", 7, 1000);
    int vn = offset_map_encode_value(val, sizeof val, "A.orders.v2", &seg);
    CHECK_EQ_STR(key, "orders.v2:7:1000");
    CHECK_EQ_INT(kn, (int)strlen(key));
    CHECK_EQ_STR(val, "{\"v\":1,\"target\":\"A.orders.v2\",\"src_start\":1000,\"src_end\":1500,"
                      "\"tgt_start\":42,\"count\":480}");
    CHECK_EQ_INT(vn, (int)strlen(val));
    CHECK_EQ_INT(offset_map_decode(key, (size_t)kn, val, (size_t)vn, topic, sizeof topic, &part,
                                   target, sizeof target, &out, err, sizeof err),
                 0);
    CHECK_EQ_STR(topic, "orders.v2");
    CHECK_EQ_INT(part, 7);
    CHECK_EQ_STR(target, "A.orders.v2");
    CHECK_EQ_INT(out.src_start, 1000);
    CHECK_EQ_INT(out.src_end, 1500);
    CHECK_EQ_INT(out.tgt_start, 42);
    CHECK_EQ_INT(out.count, 480);

    /* empty segment, large offsets */
    offset_seg_t e = {INT64_MAX - 10, INT64_MAX, -1, 0, 0};
    kn = offset_map_encode_key(key, sizeof key, "t", INT32_MAX, e.src_start);
    vn = offset_map_encode_value(val, sizeof val, "t", &e);
    CHECK_EQ_INT(offset_map_decode(key, (size_t)kn, val, (size_t)vn, topic, sizeof topic, &part,
                                   target, sizeof target, &out, err, sizeof err),
                 0);
    CHECK_EQ_INT(part, INT32_MAX);
    CHECK_EQ_INT(out.src_start, INT64_MAX - 10);
    CHECK_EQ_INT(out.tgt_start, -1);

    /* buffers too small */
    CHECK_EQ_INT(offset_map_encode_key(key, 16, "orders.v2", 7, 1000), -1); /* needs 17 */
    CHECK_EQ_INT(offset_map_encode_key(key, 17, "orders.v2", 7, 1000), 16);
    CHECK_EQ_INT(offset_map_encode_value(val, 20, "A.orders.v2", &seg), -1);
    CHECK_EQ_INT(offset_map_encode_value(val, sizeof val, "bad\"name", &seg), -1);
}

/* Decodes key/value strings; returns the result and leaves the message in err. */
static int decode(const char *key, const char *val, char *err, size_t errsz) {
    char topic[16], target[16];
    int32_t part;
    offset_seg_t seg;
    err[0] = '\0';
    return offset_map_decode(key, strlen(key), val, val ? strlen(val) : 0, topic, sizeof topic,
                             &part, target, sizeof target, &seg, err, errsz);
}

/* Format version 2 carries the writer's epoch; epoch 0 is written as version 1. */
static void test_epoch_round_trip(void) {
    char key[64], val[256], topic[64], target[64], err[256];
    int32_t part;
    offset_seg_t seg = {10, 20, 5, 10, 7}, out;
    int kn = offset_map_encode_key(key, sizeof key, "t", 3, seg.src_start);
    int vn = offset_map_encode_value(val, sizeof val, "A.t", &seg);
    CHECK(vn > 0 && strstr(val, "\"v\":2") && strstr(val, "\"epoch\":7"));
    CHECK_EQ_INT(offset_map_decode(key, (size_t)kn, val, (size_t)vn, topic, sizeof topic, &part,
                                   target, sizeof target, &out, err, sizeof err),
                 0);
    CHECK(out.epoch == 7 && out.count == 10 && out.tgt_start == 5);
    seg.epoch = 0;
    vn = offset_map_encode_value(val, sizeof val, "A.t", &seg);
    CHECK(vn > 0 && strstr(val, "\"v\":1") && !strstr(val, "epoch"));
    CHECK_EQ_INT(offset_map_decode(key, (size_t)kn, val, (size_t)vn, topic, sizeof topic, &part,
                                   target, sizeof target, &out, err, sizeof err),
                 0);
    CHECK(out.epoch == 0);
    seg.epoch = -1;
    CHECK_EQ_INT(offset_map_encode_value(val, sizeof val, "A.t", &seg), -1);
}

static void test_decode_errors(void) {
#define OK_VALUE "{\"v\":1,\"target\":\"A.t\",\"src_start\":5,\"src_end\":9,\"tgt_start\":0,\"count\":3}"
    const char *ok = OK_VALUE;
    static const struct {
        const char *key, *val, *msg;
    } cases[] = {
        {"t:0", NULL, "is not \"<topic>:<partition>:<src_start>\""},
        {"t05", NULL, "is not \"<topic>:<partition>:<src_start>\""},
        {":0:5", NULL, "empty topic"},
        {"a-very-long-topic-name:0:5", NULL, "topic is too long"},
        {"t:x:5", NULL, "partition is not a number"},
        {"t:-1:5", NULL, "partition is not a number"},
        {"t:2147483648:5", NULL, "partition is not a number"},
        {"t::5", NULL, "partition is not a number"},
        {"t:0:", NULL, "src_start is not a number"},
        {"t:0: 5", NULL, "src_start is not a number"},
        {"t:0:9223372036854775808", NULL, "src_start is not a number"},
        {"t:0:5", NULL, "value is empty"},
        {"t:0:5", "{\"v\":1,", "not valid JSON"},
        {"t:0:5", "[1]", "not a JSON object"},
        {"t:0:5", "{\"v\":1,\"v\":1}", "not valid JSON"}, /* duplicate key */
        {"t:0:5", "{\"v\":3,\"target\":\"A.t\",\"src_start\":5,\"src_end\":9,\"tgt_start\":0,"
                  "\"count\":3}",
         "unsupported version"},
        {"t:0:5", "{\"v\":2,\"target\":\"A.t\",\"src_start\":5,\"src_end\":9,\"tgt_start\":0,"
                  "\"count\":3}",
         "epoch is missing"},
        {"t:0:5", "{\"v\":2,\"target\":\"A.t\",\"src_start\":5,\"src_end\":9,\"tgt_start\":0,"
                  "\"count\":3,\"epoch\":0}",
         "epoch is not a positive integer"},
        {"t:0:5", "{\"v\":1,\"target\":\"A.t\",\"src_start\":5,\"src_end\":9,\"tgt_start\":0,"
                  "\"count\":3,\"epoch\":2}",
         "unknown field \"epoch\""},
        {"t:0:5", "{\"v\":\"1\",\"target\":\"A.t\",\"src_start\":5,\"src_end\":9,\"tgt_start\":0,"
                  "\"count\":3}",
         "unsupported version"},
        {"t:0:5", "{\"target\":\"A.t\",\"src_start\":5,\"src_end\":9,\"tgt_start\":0,\"count\":3}",
         "no version"},
        {"t:0:5", "{\"v\":1,\"target\":\"A.t\",\"src_start\":5,\"src_end\":9,\"tgt_start\":0,"
                  "\"count\":3,\"x\":0}",
         "unknown field \"x\""},
        {"t:0:5", "{\"v\":1,\"target\":7,\"src_start\":5,\"src_end\":9,\"tgt_start\":0,\"count\":3}",
         "target is not a topic name"},
        {"t:0:5", "{\"v\":1,\"target\":\"\",\"src_start\":5,\"src_end\":9,\"tgt_start\":0,"
                  "\"count\":3}",
         "target is not a topic name"},
        {"t:0:5", "{\"v\":1,\"target\":\"a-very-long-target\",\"src_start\":5,\"src_end\":9,"
                  "\"tgt_start\":0,\"count\":3}",
         "target is too long"},
        {"t:0:5", "{\"v\":1,\"target\":\"A.t\",\"src_start\":5,\"src_end\":9.0,\"tgt_start\":0,"
                  "\"count\":3}",
         "src_end is not an integer"},
        {"t:0:5", "{\"v\":1,\"target\":\"A.t\",\"src_start\":5,\"src_end\":9,\"tgt_start\":0}",
         "count is missing"},
        {"t:0:6", OK_VALUE, "differs from the key's"},
        {"t:0:5", "{\"v\":1,\"target\":\"A.t\",\"src_start\":5,\"src_end\":7,\"tgt_start\":0,"
                  "\"count\":3}",
         "inconsistent segment"},
        {"t:0:5", "{\"v\":1,\"target\":\"A.t\",\"src_start\":5,\"src_end\":9,\"tgt_start\":0,"
                  "\"count\":-1}",
         "inconsistent segment"},
        {"t:0:5", "{\"v\":1,\"target\":\"A.t\",\"src_start\":5,\"src_end\":9,\"tgt_start\":3,"
                  "\"count\":0}",
         "inconsistent segment"},
        {"t:0:5", "{\"v\":1,\"target\":\"A.t\",\"src_start\":5,\"src_end\":9,\"tgt_start\":-1,"
                  "\"count\":1}",
         "inconsistent segment"},
    };
    char err[512];
    CHECK_EQ_INT(decode("t:0:5", ok, err, sizeof err), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = decode(cases[i].key, cases[i].val, err, sizeof err);
        if (rc != -1 || !strstr(err, cases[i].msg) || !strstr(err, "offset map record \"")) {
            fprintf(stderr, "  case %zu: rc %d, err \"%s\", want \"%s\"\n", i, rc, err,
                    cases[i].msg);
            CHECK(0);
        }
    }
    /* a key with a NUL byte */
    char topic[16], target[16];
    int32_t part;
    offset_seg_t seg;
    CHECK_EQ_INT(offset_map_decode("t\0x:0:5", 7, ok, strlen(ok), topic, sizeof topic, &part,
                                   target, sizeof target, &seg, err, sizeof err),
                 -1);
}

/* A random map of ~100k segments checked against a brute-force oracle that
 * knows the target offset of every source offset. */
static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(uint64_t n) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state % n;
}

static void test_random_vs_oracle(void) {
    enum { RECORDS = 300000 };
    const int64_t begin = 1000;
    size_t cap = RECORDS * 4;
    int64_t *copied = malloc(cap * sizeof *copied); /* by source offset - begin; -1: none */
    offset_map_t *m = offset_map_new();
    offset_map_begin(m, begin);
    int64_t src = begin + (int64_t)rnd(3), tgt = 0, last_tgt = -1;
    size_t end = 0;
    for (int i = 0; i < RECORDS; i++) {
        CHECK_EQ_INT(offset_map_add(m, src, tgt), 0);
        while (end < (size_t)(src - begin)) copied[end++] = -1;
        copied[end++] = last_tgt = tgt;
        src += 1 + (rnd(3) == 0 ? 1 + (int64_t)rnd(3) : 0);
        tgt += 1 + (rnd(6) == 0 ? 1 + (int64_t)rnd(2) : 0);
        if (rnd(1000) == 0) CHECK_EQ_INT(offset_map_cover(m, src), 0);
    }
    int64_t src_next = src + 2;
    CHECK_EQ_INT(offset_map_cover(m, src_next), 0);
    while (end < (size_t)(src_next - begin)) copied[end++] = -1;
    CHECK(offset_map_count(m) > 100000);
    CHECK_EQ_INT(offset_map_tgt_next(m), last_tgt + 1);

    /* next[k]: target of the first copied record at or after begin+k, else tgt_next */
    int64_t *next = malloc(end * sizeof *next);
    int64_t after = offset_map_tgt_next(m);
    for (size_t k = end; k-- > 0;) next[k] = after = copied[k] >= 0 ? copied[k] : after;

    int bad = 0;
    for (int64_t c = begin - 3; c <= src_next + 3; c++) {
        int64_t t = -999;
        offset_map_result_t r = offset_map_translate(m, c, &t);
        offset_map_result_t want = c < begin       ? OFFSET_MAP_NOT_COPIED
                                   : c >= src_next ? OFFSET_MAP_PENDING
                                                   : OFFSET_MAP_EXACT;
        if (r != want || (r == OFFSET_MAP_EXACT && t != next[c - begin])) bad++;
    }
    CHECK_EQ_INT(bad, 0);

    /* store every segment, reload in order with stale versions mixed in */
    offset_map_t *re = offset_map_new();
    char key[64], val[160], topic[16], target[16], err[256];
    int32_t part;
    for (size_t i = 0; i < offset_map_count(m); i++) {
        offset_seg_t seg = *offset_map_at(m, i), back;
        if (seg.count > 1 && rnd(2)) { /* an earlier version of the same segment */
            offset_seg_t old = {seg.src_start, seg.src_start + 1, seg.tgt_start, 1, 0};
            CHECK_EQ_INT(offset_map_load(re, &old), 0);
        }
        int kn = offset_map_encode_key(key, sizeof key, "orders", 3, seg.src_start);
        int vn = offset_map_encode_value(val, sizeof val, "A.orders", &seg);
        CHECK(kn > 0 && vn > 0);
        if (offset_map_decode(key, (size_t)kn, val, (size_t)vn, topic, sizeof topic, &part, target,
                              sizeof target, &back, err, sizeof err) < 0 ||
            offset_map_load(re, &back) < 0) {
            fprintf(stderr, "  segment %zu: %s\n", i, err);
            CHECK(0);
            break;
        }
    }
    CHECK_EQ_INT(offset_map_count(re), offset_map_count(m));
    for (size_t i = 0; i < offset_map_count(m) && i < offset_map_count(re); i++)
        bad += memcmp(offset_map_at(m, i), offset_map_at(re, i), sizeof(offset_seg_t)) != 0;
    CHECK_EQ_INT(bad, 0);
    offset_map_destroy(re);

    /* load a prefix of the map in shuffled order */
    enum { SMALL = 3000 };
    size_t order[SMALL];
    for (size_t i = 0; i < SMALL; i++) order[i] = i;
    for (size_t i = SMALL - 1; i > 0; i--) {
        size_t j = (size_t)rnd(i + 1), tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
    re = offset_map_new();
    for (size_t i = 0; i < SMALL; i++) CHECK_EQ_INT(offset_map_load(re, offset_map_at(m, order[i])), 0);
    const offset_seg_t *last = offset_map_at(m, SMALL - 1);
    int64_t small_end = last->src_start + last->count; /* the prefix's trailing gap differs */
    for (int64_t c = begin; c < small_end; c++) {
        int64_t t1 = -1, t2 = -1;
        offset_map_result_t r = offset_map_translate(re, c, &t2);
        if (r != OFFSET_MAP_EXACT || offset_map_translate(m, c, &t1) != r || t1 != t2) bad++;
    }
    CHECK_EQ_INT(bad, 0);
    offset_map_destroy(re);

    free(next);
    free(copied);
    offset_map_destroy(m);
}

UNIT_MAIN(UNIT_TEST(test_empty_map), UNIT_TEST(test_overflow_rejected), UNIT_TEST(test_gapless_is_one_segment),
          UNIT_TEST(test_begin_at_nonzero_with_leading_gap), UNIT_TEST(test_empty_segment_filled),
          UNIT_TEST(test_add_without_begin), UNIT_TEST(test_compaction_gap_and_marker),
          UNIT_TEST(test_translate_at_end), UNIT_TEST(test_resend_after_crash),
          UNIT_TEST(test_doc_example),
          UNIT_TEST(test_out_of_order_rejected), UNIT_TEST(test_target_jump_same_source),
          UNIT_TEST(test_dirty_tracking), UNIT_TEST(test_load_upsert), UNIT_TEST(test_load_rejects),
          UNIT_TEST(test_encode_decode), UNIT_TEST(test_decode_errors), UNIT_TEST(test_epoch_round_trip),
          UNIT_TEST(test_random_vs_oracle))

/* Unit tests for offsets/map_set: segments of several partitions are kept
 * apart, conflicting segments are counted and dropped, take() hands a map over,
 * and sorted() orders entries by topic, then partition (numerically). */
#include "offsets/map_set.h"

#include <stdlib.h>

#include "unit.h"

static void add(map_set_t *s, const char *topic, int32_t p, int64_t src_start, int64_t src_end,
                int64_t tgt_start, int64_t count) {
    offset_seg_t seg = {src_start, src_end, tgt_start, count, 0};
    map_set_add_seg(s, topic, p, "A.target", &seg);
}

static void test_partitions_apart(void) {
    map_set_t *s = map_set_new();
    CHECK(map_set_get(s, "t", 0) == NULL);
    CHECK_EQ_INT(map_set_count(s), 0);
    CHECK(map_set_sorted(s, 0) == NULL);
    add(s, "t", 0, 0, 10, 0, 10);
    add(s, "t", 1, 0, 5, 0, 5);
    add(s, "t", 0, 10, 20, 10, 8); /* appended to t:0 */
    add(s, "u", 0, 100, 101, 7, 1);
    add(s, "t:1", 0, 0, 1, 0, 1); /* a topic with ':' is not t's partition 1 */
    CHECK_EQ_INT(map_set_count(s), 4);
    CHECK_EQ_INT(map_set_conflicts(s), 0);
    map_entry_t *e = map_set_get(s, "t", 0);
    CHECK(e != NULL);
    CHECK_EQ_STR(e->topic, "t");
    CHECK_EQ_INT(e->partition, 0);
    CHECK_EQ_STR(e->target, "A.target");
    CHECK_EQ_INT(offset_map_count(e->map), 2);
    CHECK_EQ_INT(offset_map_src_next(e->map), 20);
    CHECK_EQ_INT(offset_map_tgt_next(e->map), 18);
    CHECK_EQ_INT(offset_map_src_next(map_set_get(s, "t", 1)->map), 5);
    CHECK_EQ_INT(offset_map_src_next(map_set_get(s, "u", 0)->map), 101);
    CHECK_EQ_INT(offset_map_count(map_set_get(s, "t:1", 0)->map), 1);
    CHECK(map_set_get(s, "t", 2) == NULL);
    CHECK(map_set_get(s, "v", 0) == NULL);
    map_set_destroy(s);
    map_set_destroy(NULL);
}

static void add_e(map_set_t *s, int64_t src_start, int64_t src_end, int64_t tgt_start,
                  int64_t count, int64_t epoch) {
    offset_seg_t seg = {src_start, src_end, tgt_start, count, epoch};
    map_set_add_seg(s, "t", 0, "A.target", &seg);
}

/* Workers: a zombie (epoch 1) grew its segment past where the next owner
 * (epoch 2) started; the higher epoch wins in either order of arrival and the
 * zombie's segment keeps what it mapped before. */
static void test_higher_epoch_wins(void) {
    for (int order = 0; order < 2; order++) {
        map_set_t *s = map_set_new();
        if (order == 0) {
            add_e(s, 0, 15, 0, 15, 1);  /* zombie: 0..14 -> 0..14 */
            add_e(s, 10, 20, 12, 10, 2); /* next owner: 10..19 -> 12..21 */
        } else {
            add_e(s, 10, 20, 12, 10, 2);
            add_e(s, 0, 15, 0, 15, 1);
        }
        map_entry_t *e = map_set_get(s, "t", 0);
        CHECK_EQ_INT(map_set_conflicts(s), 0);
        CHECK_EQ_INT(map_set_superseded(s), 1);
        CHECK_EQ_INT(offset_map_count(e->map), 2);
        const offset_seg_t *a = offset_map_at(e->map, 0), *b = offset_map_at(e->map, 1);
        CHECK(a->src_start == 0 && a->src_end == 10 && a->count == 10 && a->epoch == 1);
        CHECK(b->src_start == 10 && b->tgt_start == 12 && b->epoch == 2);
        CHECK_EQ_INT(e->max_epoch, 2);
        int64_t tgt = -1;
        CHECK_EQ_INT(offset_map_translate(e->map, 12, &tgt), OFFSET_MAP_EXACT);
        CHECK_EQ_INT(tgt, 14);
        map_set_destroy(s);
    }
    /* The same epoch contradicting itself is a conflict, as before. */
    map_set_t *s = map_set_new();
    add_e(s, 0, 10, 0, 10, 3);
    add_e(s, 5, 15, 20, 10, 3);
    CHECK_EQ_INT(map_set_conflicts(s), 1);
    CHECK_EQ_INT(map_set_superseded(s), 0);
    /* A loser wholly inside the winner's range is dropped. */
    add_e(s, 0, 10, 30, 10, 1);
    CHECK_EQ_INT(map_set_superseded(s), 1);
    CHECK_EQ_INT(offset_map_count(map_set_get(s, "t", 0)->map), 1);
    map_set_destroy(s);
}

static void test_conflicts_counted(void) {
    map_set_t *s = map_set_new();
    add(s, "t", 0, 0, 10, 0, 10);
    add(s, "t", 0, 0, 10, 0, 10);  /* the same segment again: fine */
    add(s, "t", 0, 0, 10, 5, 10);  /* same src_start, other target: conflict */
    add(s, "t", 0, 5, 15, 20, 10); /* overlaps the source range: conflict */
    add(s, "t", 0, 10, 12, 3, 2);  /* target goes backwards: conflict */
    add(s, "t", 1, 0, 5, 0, 5);    /* another partition is not affected */
    CHECK_EQ_INT(map_set_conflicts(s), 3);
    const offset_seg_t *seg = offset_map_at(map_set_get(s, "t", 0)->map, 0);
    CHECK(seg != NULL);
    CHECK_EQ_INT(seg->tgt_start, 0);
    CHECK_EQ_INT(offset_map_count(map_set_get(s, "t", 0)->map), 1);
    CHECK_EQ_INT(offset_map_count(map_set_get(s, "t", 1)->map), 1);
    map_set_destroy(s);
}

static void test_take(void) {
    map_set_t *s = map_set_new();
    add(s, "t", 3, 0, 4, 0, 4);
    CHECK(map_set_take(s, "t", 4) == NULL);
    offset_map_t *m = map_set_take(s, "t", 3);
    CHECK(m != NULL);
    CHECK_EQ_INT(offset_map_src_next(m), 4);
    CHECK(map_set_get(s, "t", 3) != NULL);
    CHECK(map_set_get(s, "t", 3)->map == NULL);
    CHECK(map_set_take(s, "t", 3) == NULL); /* taken once */
    add(s, "t", 3, 4, 6, 4, 2);             /* a segment for a taken map is a conflict */
    CHECK_EQ_INT(map_set_conflicts(s), 1);
    map_set_destroy(s); /* does not free the taken map */
    offset_map_destroy(m);
}

static void test_sorted(void) {
    map_set_t *s = map_set_new();
    add(s, "b", 10, 0, 1, 0, 1);
    add(s, "a", 2, 0, 1, 0, 1);
    add(s, "b", 9, 0, 1, 0, 1);
    add(s, "a", 11, 0, 1, 0, 1);
    add(s, "a", 1, 0, 1, 0, 1);
    static const struct {
        const char *topic;
        int32_t partition;
    } want[] = {{"a", 1}, {"a", 2}, {"a", 11}, {"b", 9}, {"b", 10}};
    CHECK_EQ_INT(map_set_count(s), 5);
    for (size_t i = 0; i < 5; i++) {
        map_entry_t *e = map_set_sorted(s, i);
        CHECK(e != NULL);
        if (!e) continue;
        CHECK_EQ_STR(e->topic, want[i].topic);
        CHECK_EQ_INT(e->partition, want[i].partition);
    }
    CHECK(map_set_sorted(s, 5) == NULL);
    /* an entry added after sorting is sorted in on the next call, lookups still work */
    add(s, "a", 0, 0, 1, 0, 1);
    CHECK_EQ_INT(map_set_sorted(s, 0)->partition, 0);
    CHECK_EQ_STR(map_set_sorted(s, 5)->topic, "b");
    CHECK(map_set_get(s, "a", 11) != NULL);
    map_set_destroy(s);
}

/* Topic names longer than any fixed key buffer stay apart. */
static void test_long_topics(void) {
    char a[600], b[600];
    memset(a, 'x', sizeof a - 1);
    a[sizeof a - 1] = '\0';
    memcpy(b, a, sizeof b);
    b[sizeof b - 2] = 'y';
    map_set_t *s = map_set_new();
    add(s, a, 0, 0, 3, 0, 3);
    add(s, b, 0, 0, 5, 0, 5);
    CHECK_EQ_INT(map_set_count(s), 2);
    CHECK_EQ_INT(map_set_conflicts(s), 0);
    CHECK_EQ_INT(offset_map_src_next(map_set_get(s, a, 0)->map), 3);
    CHECK_EQ_INT(offset_map_src_next(map_set_get(s, b, 0)->map), 5);
    map_set_destroy(s);
}

static void test_translate(void) {
    map_set_t *s = map_set_new();
    add(s, "t", 0, 0, 10, 100, 10);
    int64_t tgt = -1;
    CHECK_EQ_INT(map_set_translate(s, "t", 0, 4, &tgt), OFFSET_MAP_EXACT);
    CHECK_EQ_INT(tgt, 104);
    CHECK_EQ_INT(map_set_translate(s, "t", 1, 4, &tgt), OFFSET_MAP_NOT_COPIED);
    map_entry_t *e = map_set_get(s, "t", 0);
    CHECK_EQ_INT(e->source_end, -1);
    CHECK_EQ_INT(e->target_end, -1);
    e->source_end = 10;
    e->target_end = 110;
    tgt = -1;
    CHECK_EQ_INT(map_set_translate(s, "t", 0, 10, &tgt), OFFSET_MAP_EXACT); /* at the end */
    CHECK_EQ_INT(tgt, 110);
    map_set_destroy(s);
}

UNIT_MAIN(UNIT_TEST(test_partitions_apart), UNIT_TEST(test_translate), UNIT_TEST(test_conflicts_counted), UNIT_TEST(test_higher_epoch_wins), UNIT_TEST(test_take),
          UNIT_TEST(test_sorted), UNIT_TEST(test_long_topics))

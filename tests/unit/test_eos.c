/* The pure parts of exactly-once mode (docs/EXACTLY_ONCE.md): the keys that
 * select it (config/mm2.c), a map taken back to its last committed position
 * (offset_map_truncate) and a partition rewound after an aborted transaction
 * (mpart_txn_committed / mpart_txn_rewind). */
#include <stdlib.h>

#include "config/mm2.h"
#include "config/props.h"
#include "mirror/mpart.h"
#include "offsets/offset_map.h"
#include "unit.h"

#define TWO                                                                                   \
    "clusters = a, b\na.bootstrap.servers = a1:9092\nb.bootstrap.servers = b1:9092\n"       \
    "a->b.enabled = true\n"

static char err[1024];

/* The flow a->b of `text`: its exactly-once setting (1/0), or -1 when the
 * file is refused (err says why). */
static int eos_of(const char *text, int *tasks, char *prefix, size_t prefixsz) {
    props_t *p = props_new();
    char perr[256];
    int r = -1;
    if (props_load_string(p, "mm2.properties", text, perr, sizeof perr)) {
        props_destroy(p);
        return -1;
    }
    mm2_t *m = mm2_new(p, err, sizeof err);
    const mm2_flow_t *f = m ? mm2_flow(m, "a", "b", err, sizeof err) : NULL;
    if (f) {
        r = f->exactly_once;
        if (tasks) *tasks = f->tasks;
        if (prefix) snprintf(prefix, prefixsz, "%s", f->txn_id_prefix);
    }
    mm2_destroy(m);
    props_destroy(p);
    return r;
}

static void test_keys(void) {
    int tasks = 0;
    char prefix[64];
    CHECK_EQ_INT(eos_of(TWO, &tasks, prefix, sizeof prefix), 0); /* MM2's default: off */
    CHECK_EQ_INT(tasks, 8);
    CHECK_EQ_STR(prefix, "");
    CHECK_EQ_INT(eos_of(TWO "exactly.once.support = enabled\n", NULL, NULL, 0), 1);
    CHECK_EQ_INT(eos_of(TWO "exactly.once.support = REQUIRED\n", NULL, NULL, 0), 1);
    CHECK_EQ_INT(eos_of(TWO "exactly.once.support = disabled\n", NULL, NULL, 0), 0);
    /* requested (MM2's default) follows the worker key, scoped by flow or
     * by the target's alias as MM2 does; preparing is not yet on. */
    CHECK_EQ_INT(eos_of(TWO "exactly.once.support = requested\n", NULL, NULL, 0), 0);
    CHECK_EQ_INT(eos_of(TWO "exactly.once.source.support = enabled\n", NULL, NULL, 0), 1);
    CHECK_EQ_INT(eos_of(TWO "b.exactly.once.source.support = enabled\n", NULL, NULL, 0), 1);
    CHECK_EQ_INT(eos_of(TWO "exactly.once.source.support = preparing\n", NULL, NULL, 0), 0);
    CHECK_EQ_INT(eos_of(TWO "exactly.once.source.support = enabled\n"
                            "a->b.exactly.once.support = disabled\n",
                        NULL, NULL, 0),
                 0);
    /* flow-scoped, with the task count and id prefix */
    CHECK_EQ_INT(eos_of(TWO "a->b.exactly.once.support = enabled\na->b.tasks.max = 3\n"
                            "kmig.transactional.id.prefix = mig1\n",
                        &tasks, prefix, sizeof prefix),
                 1);
    CHECK_EQ_INT(tasks, 3);
    CHECK_EQ_STR(prefix, "mig1");
    CHECK_EQ_INT(eos_of(TWO "exactly.once.support = yes\n", NULL, NULL, 0), -1);
    CHECK(strstr(err, "exactly.once.support") != NULL);
    CHECK(strstr(err, "requested") != NULL);
    CHECK_EQ_INT(eos_of(TWO "tasks.max = 0\n", NULL, NULL, 0), -1);
    CHECK(strstr(err, "tasks.max") != NULL);
}

static void seg(const offset_map_t *map, size_t i, int64_t ss, int64_t se, int64_t ts, int64_t n) {
    const offset_seg_t *s = offset_map_at(map, i);
    CHECK(s != NULL);
    if (!s) return;
    CHECK_EQ_INT(s->src_start, ss);
    CHECK_EQ_INT(s->src_end, se);
    CHECK_EQ_INT(s->tgt_start, ts);
    CHECK_EQ_INT(s->count, n);
}

static void test_truncate(void) {
    offset_map_t *map = offset_map_new();
    offset_map_truncate(map, 5); /* empty: nothing */
    CHECK_EQ_INT(offset_map_count(map), 0);
    offset_map_begin(map, 10);
    for (int64_t s = 10; s < 15; s++) CHECK_EQ_INT(offset_map_add(map, s, 100 + s - 10), 0);
    /* committed here: [10,15) -> 100 x5; then a commit marker at target 105 */
    offset_map_mark_clean(map);
    for (int64_t s = 15; s < 18; s++) CHECK_EQ_INT(offset_map_add(map, s, 106 + s - 15), 0);
    CHECK_EQ_INT(offset_map_add(map, 20, 109), 0); /* 18, 19: source gap */
    CHECK_EQ_INT(offset_map_count(map), 3);
    offset_map_truncate(map, 15); /* the transaction after 15 aborted */
    CHECK_EQ_INT(offset_map_count(map), 1);
    seg(map, 0, 10, 15, 100, 5);
    CHECK_EQ_INT(offset_map_src_next(map), 15);
    CHECK_EQ_INT(offset_map_tgt_next(map), 105);
    CHECK_EQ_INT(offset_map_dirty_from(map), 0); /* written again by the next commit */
    /* re-sent after the abort marker: a new segment */
    CHECK_EQ_INT(offset_map_add(map, 15, 110), 0);
    seg(map, 1, 15, 16, 110, 1);
    /* at a position inside a segment with a trailing gap */
    CHECK_EQ_INT(offset_map_add(map, 16, 111), 0);
    CHECK_EQ_INT(offset_map_add(map, 19, 112), 0); /* [15,19) has 17, 18 as gap */
    offset_map_truncate(map, 18);
    seg(map, 1, 15, 18, 110, 2);
    offset_map_truncate(map, 18); /* idempotent */
    seg(map, 1, 15, 18, 110, 2);
    offset_map_truncate(map, 30); /* beyond the end: nothing */
    CHECK_EQ_INT(offset_map_src_next(map), 18);
    /* below the first start: only the start is kept */
    offset_map_truncate(map, 3);
    CHECK_EQ_INT(offset_map_count(map), 1);
    seg(map, 0, 10, 10, -1, 0);
    offset_map_destroy(map);
}

static void test_rewind(void) {
    mpart_t p;
    char e[256];
    mpart_init(&p, NULL);
    CHECK_EQ_INT(p.txn_src_next, -1);
    offset_map_begin(p.map, 0);
    for (int64_t s = 0; s < 4; s++) mpart_consumed(&p, s);
    for (int64_t s = 0; s < 4; s++)
        CHECK_EQ_INT(mpart_delivered(&p, s, 50 + s, 10, -1, e, sizeof e), MPART_OK);
    mpart_txn_committed(&p);
    CHECK_EQ_INT(p.txn_src_next, 4);
    for (int64_t s = 4; s < 8; s++) mpart_consumed(&p, s);
    for (int64_t s = 4; s < 6; s++)
        CHECK_EQ_INT(mpart_delivered(&p, s, 51 + s, 10, -1, e, sizeof e), MPART_OK);
    mpart_eof(&p, 8);
    CHECK_EQ_INT(p.records, 6);
    CHECK_EQ_INT(p.inflight, 2);
    uint64_t v = p.version;
    CHECK_EQ_INT(mpart_txn_rewind(&p), 4); /* fetch again from 4 */
    CHECK_EQ_INT(p.records, 4);
    CHECK_EQ_INT(p.bytes, 40);
    CHECK_EQ_INT(p.inflight, 0);
    CHECK_EQ_INT(p.eof_offset, -1);
    CHECK_EQ_INT(p.next_fetch, -1);
    CHECK(p.version != v);
    CHECK(!mpart_caught_up(&p) || p.eof_offset < 0);
    CHECK_EQ_INT(offset_map_src_next(p.map), 4);
    CHECK_EQ_INT(offset_map_tgt_next(p.map), 54);
    /* the re-sent records land after the abort marker */
    for (int64_t s = 4; s < 6; s++) {
        mpart_consumed(&p, s);
        CHECK_EQ_INT(mpart_delivered(&p, s, 56 + s, 10, -1, e, sizeof e), MPART_OK);
    }
    int64_t t = -1;
    CHECK_EQ_INT(offset_map_translate(p.map, 4, &t), OFFSET_MAP_EXACT);
    CHECK_EQ_INT(t, 60);
    CHECK_EQ_INT(offset_map_translate(p.map, 3, &t), OFFSET_MAP_EXACT);
    CHECK_EQ_INT(t, 53);
    mpart_clear(&p);

    /* nothing committed yet: back to the map's start */
    mpart_init(&p, NULL);
    offset_map_begin(p.map, 7);
    mpart_consumed(&p, 7);
    CHECK_EQ_INT(mpart_delivered(&p, 7, 0, 1, -1, e, sizeof e), MPART_OK);
    CHECK_EQ_INT(mpart_txn_rewind(&p), 7);
    CHECK_EQ_INT(offset_map_count(p.map), 1);
    CHECK_EQ_INT(p.records, 0);
    mpart_clear(&p);
    /* an empty map: from the log start */
    mpart_init(&p, NULL);
    CHECK_EQ_INT(mpart_txn_rewind(&p), -1);
    mpart_clear(&p);
}

UNIT_MAIN(UNIT_TEST(test_keys), UNIT_TEST(test_truncate), UNIT_TEST(test_rewind))

/* Unit tests of the cutover board (cutover_board.h): topic facts from two
 * mirror snapshots (written, copied, lag, foreign writes, unknown without an
 * old enough snapshot or an end offset), group facts from the groups sync's
 * rows (pending, exact, written, failed; no row: none when selected, unknown
 * when outside the selection), and the JSON of `cutover status --json` with
 * states judged by cutover_status.c and the drained verdict. */
#include <jansson.h>
#include <string.h>

#include "cutover/cutover_board.h"
#include "unit.h"

static msnap_t *snap(int64_t end1, int64_t lag1, int64_t inflight1, int64_t published_ms) {
    msnap_t *s = msnap_new(4);
    s->published_ms = published_ms;
    msnap_part_t *p = msnap_add(s, "orders", "orders", 0, NULL);
    p->state = "caught-up";
    p->source_end = 10;
    p = msnap_add(s, "orders", "orders", 1, NULL);
    p->state = "copying";
    p->source_end = end1;
    p->lag = lag1;
    p->inflight = inflight1;
    return s;
}

static void test_topic_from_snapshots(void) {
    cutover_board_t *b = cutover_board_new();
    msnap_t *base = snap(20, 0, 0, 1000), *same = snap(20, 0, 0, 7000),
            *moved = snap(25, 5, 0, 7000), *inflight = snap(20, 0, 3, 7000),
            *unknown = snap(-1, 0, 0, 7000);
    cutover_topic_facts_t *t = cutover_board_topic(b, "orders", true);
    CHECK(cutover_board_topic(b, "orders", true) == t); /* once */
    cutover_board_topic_snap(b, t, same, NULL, 0, true);
    CHECK_EQ_INT(t->source_written, CUTOVER_UNKNOWN);
    CHECK(t->reason && strstr(t->reason, "5 s") != NULL);
    t = cutover_board_topic(b, "orders", true);
    t->reason = NULL;
    cutover_board_topic_snap(b, t, same, base, 0, true);
    CHECK_EQ_INT(t->source_written, CUTOVER_NO);
    CHECK_EQ_INT(t->copied, CUTOVER_YES);
    CHECK_EQ_INT(t->foreign, CUTOVER_NO);
    CHECK_EQ_INT((int)t->lag, 0);
    CHECK(t->reason == NULL);
    cutover_board_topic_snap(b, t, moved, base, 2, true);
    CHECK_EQ_INT(t->source_written, CUTOVER_YES);
    CHECK_EQ_INT(t->copied, CUTOVER_NO);
    CHECK_EQ_INT((int)t->lag, 5);
    CHECK_EQ_INT(t->foreign, CUTOVER_YES);
    cutover_board_topic_snap(b, t, inflight, base, 0, true);
    CHECK_EQ_INT(t->copied, CUTOVER_NO); /* records in flight are not copied yet */
    cutover_board_topic_snap(b, t, unknown, base, 0, false);
    CHECK_EQ_INT(t->source_written, CUTOVER_UNKNOWN);
    CHECK_EQ_INT(t->copied, CUTOVER_UNKNOWN);
    CHECK_EQ_INT(t->foreign, CUTOVER_UNKNOWN);
    CHECK_EQ_INT((int)t->lag, -1);
    /* a selected topic the snapshot lacks: unknown, with the reason */
    cutover_topic_facts_t *x = cutover_board_topic(b, "missing", true);
    cutover_board_topic_snap(b, x, same, base, 0, true);
    CHECK_EQ_INT(x->copied, CUTOVER_UNKNOWN);
    CHECK(x->reason && strstr(x->reason, "snapshot") != NULL);
    msnap_release(base);
    msnap_release(same);
    msnap_release(moved);
    msnap_release(inflight);
    msnap_release(unknown);
    cutover_board_destroy(b);
}

static group_row_t row(const char *group, int32_t p, const char *status) {
    group_row_t r;
    memset(&r, 0, sizeof r);
    r.group = (char *)group;
    r.topic = r.target_topic = (char *)"orders";
    r.partition = p;
    r.status = status;
    return r;
}

static void test_group_from_rows(void) {
    cutover_board_t *b = cutover_board_new();
    cutover_group_facts_t *g = cutover_board_group(b, "billing");
    CHECK_EQ_INT(g->source_members, -1);
    group_row_t rows[3] = {row("billing", 0, "up-to-date"), row("billing", 1, "exact"),
                           row("other", 0, "failed")};
    cutover_board_group_rows(b, g, rows, 3, true, NULL);
    CHECK_EQ_INT(g->translated, CUTOVER_YES);
    CHECK_EQ_INT(g->committed, CUTOVER_NO);
    rows[1].status = "written";
    g->reason = NULL;
    cutover_board_group_rows(b, g, rows, 3, true, NULL);
    CHECK_EQ_INT(g->committed, CUTOVER_YES);
    rows[1].status = "pending";
    cutover_board_group_rows(b, g, rows, 3, true, NULL);
    CHECK_EQ_INT(g->translated, CUTOVER_NO);
    rows[1].status = "failed";
    rows[1].error = (char *)"OffsetFetch: timed out";
    cutover_board_group_rows(b, g, rows, 3, true, NULL);
    CHECK_EQ_INT(g->translated, CUTOVER_UNKNOWN);
    CHECK(strstr(g->reason, "timed out") != NULL);
    /* no row: no committed offsets when the group is selected, unknown when not */
    cutover_group_facts_t *n = cutover_board_group(b, "fresh");
    cutover_board_group_rows(b, n, rows, 3, true, NULL);
    CHECK_EQ_INT(n->committed, CUTOVER_YES);
    CHECK(strstr(n->reason, "no committed offsets") != NULL);
    cutover_group_facts_t *u = cutover_board_group(b, "outside");
    cutover_board_group_rows(b, u, rows, 3, false, "outside the selection");
    CHECK_EQ_INT(u->translated, CUTOVER_UNKNOWN);
    CHECK_EQ_INT(u->committed, CUTOVER_UNKNOWN);
    CHECK(!strcmp(u->reason, "outside the selection"));
    cutover_board_destroy(b);
}

static const char *svc_state(json_t *j, const char *name) {
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(j, "services"), i, v)
        if (!strcmp(json_string_value(json_object_get(v, "service")), name))
            return json_string_value(json_object_get(v, "state"));
    return "?";
}

static void test_board_json(void) {
    const char *y = "services:\n"
                    "  - name: shop\n    produces: [orders]\n"
                    "  - name: billing\n    consumes: [{topic: orders, group: billing}]\n"
                    "  - name: reader\n    consumes: [{topic: scratch, group: r}]\n";
    char err[256];
    cutover_manifest_t *m = cutover_manifest_parse(y, strlen(y), "t", err, sizeof err);
    CHECK(m != NULL);
    cutover_board_t *b = cutover_board_new();
    cutover_board_add_manifest(b, m, NULL, NULL);
    CHECK_EQ_INT((int)b->ntopics, 2);
    CHECK_EQ_INT((int)b->ngroups, 2);
    cutover_board_topic(b, "scratch", true)->selected = false;
    cutover_topic_facts_t *t = cutover_board_topic(b, "orders", true);
    t->source_written = CUTOVER_NO;
    t->copied = CUTOVER_YES;
    t->foreign = CUTOVER_YES;
    t->lag = 0;
    cutover_group_facts_t *g = cutover_board_group(b, "billing");
    *g = (cutover_group_facts_t){.group = g->group, .source_members = 0, .target_members = 1,
                                 .translated = CUTOVER_YES, .committed = CUTOVER_YES};
    bool drained = true;
    json_t *j = cutover_board_json(b, m, &drained);
    CHECK(!drained);
    CHECK(!strcmp(svc_state(j, "shop"), "moved"));
    CHECK(!strcmp(svc_state(j, "billing"), "moved"));
    CHECK(!strcmp(svc_state(j, "reader"), "not-ready"));
    CHECK(json_is_false(json_object_get(j, "drained")));
    CHECK(strstr(json_string_value(json_object_get(j, "reason")), "reader") != NULL);
    json_t *gj = json_array_get(json_object_get(j, "groups"), 0);
    CHECK(!strcmp(json_string_value(json_object_get(gj, "service")), "billing"));
    CHECK(!strcmp(json_string_value(json_object_get(gj, "state")), "moved"));
    json_t *tj = json_array_get(json_object_get(j, "topics"), 0); /* sorted: orders first */
    CHECK(!strcmp(json_string_value(json_object_get(tj, "topic")), "orders"));
    CHECK(json_is_true(json_object_get(tj, "foreign_writes")));
    json_t *sj = json_array_get(json_object_get(j, "topics"), 1);
    CHECK(json_is_null(json_object_get(sj, "copied"))); /* unknown is null */
    json_decref(j);
    cutover_board_destroy(b);
    /* without the unmirrored service: every service moved and the topics quiet: drained */
    const char *y2 = "services:\n  - name: shop\n    produces: [orders]\n";
    cutover_manifest_t *m2 = cutover_manifest_parse(y2, strlen(y2), "t", err, sizeof err);
    b = cutover_board_new();
    cutover_board_add_manifest(b, m2, NULL, NULL);
    t = cutover_board_topic(b, "orders", true);
    t->source_written = CUTOVER_NO;
    t->copied = CUTOVER_YES;
    t->foreign = CUTOVER_YES;
    j = cutover_board_json(b, m2, &drained);
    CHECK(drained);
    CHECK(json_is_null(json_object_get(j, "reason")));
    json_decref(j);
    cutover_board_destroy(b);
    cutover_manifest_destroy(m2);
    cutover_manifest_destroy(m);
}

UNIT_MAIN({"topic_from_snapshots", test_topic_from_snapshots},
          {"group_from_rows", test_group_from_rows}, {"board_json", test_board_json})

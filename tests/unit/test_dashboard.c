/* The dashboard's pure parts: /api/status and /api/partitions rendered from
 * hand-built snapshots (figures per flow and topic, rates over the window
 * between two snapshots, ETA, null latency percentiles, groups with their
 * exact translations, warnings for data loss, foreign writes, refused syncs
 * and stopped partitions), a kmig verify --json digest, and the embedded
 * asset table. */
#include <jansson.h>
#include <stdlib.h>

#include "mirror/mirror_status.h"
#include "metrics/web_assets.h"
#include "unit.h"

/* A snapshot of topic "a" (2 partitions) and "b" (1), records scaled by k. */
static msnap_t *snap(int64_t k, int64_t published_ms) {
    msnap_t *s = msnap_new(4);
    s->published_ms = published_ms;
    s->topics = 2;
    msnap_part_t *p = msnap_add(s, "a", "a", 0, NULL);
    p->state = "copying";
    p->records = 100 * k;
    p->bytes = 1000 * k;
    p->lag = 50;
    p->latency_max_ms = 40;
    p->latency_avg_ms = 10;
    p = msnap_add(s, "a", "a", 1, NULL);
    p->state = "caught-up";
    p->records = 10 * k;
    p->bytes = 100 * k;
    p->latency_max_ms = 80;
    p->latency_avg_ms = 30;
    p = msnap_add(s, "b", "b.copy", 0, NULL);
    p->state = "data-loss";
    p->records = 5;
    p->lost = 7;
    p->source_end = 12;
    return s;
}

static json_t *parse(char *text) {
    CHECK(text != NULL);
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    CHECK(j != NULL);
    free(text);
    return j;
}

static json_t *find(json_t *arr, const char *key, const char *value) {
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        json_t *k = json_object_get(v, key);
        if (k && json_is_string(k) && !strcmp(json_string_value(k), value)) return v;
    }
    return NULL;
}

static int64_t geti(json_t *o, const char *key) {
    return (int64_t)json_integer_value(json_object_get(o, key));
}

static size_t count_kind(json_t *warnings, const char *kind) {
    size_t i, n = 0;
    json_t *v;
    json_array_foreach(warnings, i, v) n += !strcmp(json_string_value(json_object_get(v, "kind")), kind);
    return n;
}

static void test_status(void) {
    msnap_t *base = snap(1, 1000), *cur = snap(3, 11000); /* 10 s apart */
    group_row_t rows[2] = {
        {.group = "g1", .topic = "a", .target_topic = "a", .partition = 0, .source_offset = 42,
         .source_lag = 8, .target_committed = 40,
         .cp = {.source_offset = 42, .target_offset = 40, .status = OFFSET_MAP_EXACT},
         .status = "written"},
        {.group = "g1", .topic = "a", .target_topic = "a", .partition = 1, .source_offset = 5,
         .source_lag = 0, .target_committed = -1,
         .cp = {.source_offset = 5, .target_offset = -1, .status = OFFSET_MAP_PENDING},
         .status = "active-on-target"},
    };
    groups_view_t gv = {.rows = {rows, 2, 2}, .wall_ms = 123};
    groups_stats_t gs = {.passes = 3, .active = 1};
    vforeign_count_t fc[1] = {{"a", 1, 4}};
    json_t *vdoc = json_loads(
        "{\"version\":1,\"result\":\"differs\",\"summary\":{\"partitions\":2,\"matched\":9},"
        "\"partitions\":[{\"topic\":\"a\",\"partition\":0,\"status\":\"ok\"},"
        "{\"topic\":\"a\",\"partition\":1,\"status\":\"differs\",\"foreign\":1,"
        "\"first_mismatch\":{\"kind\":\"foreign\",\"source_offset\":-1,\"target_offset\":10}}],"
        "\"groups\":[{\"group\":\"g1\",\"status\":\"behind\"}]}", 0, NULL);
    CHECK(vdoc != NULL);
    mirror_status_in_t in = {"src", "tgt", cur, base, &gv, &gs, fc, 1, true,
                             1764900000123, 12000, 1764899000000, vdoc, "v.json", 5, NULL};
    json_t *j = parse(mirror_status_render(&in));
    CHECK_EQ_INT(geti(j, "version"), 1);
    CHECK_EQ_STR(json_string_value(json_object_get(j, "server_time")), "2025-12-05T02:00:00.123Z");
    CHECK_EQ_INT(geti(j, "snapshot_age_ms"), 1000);
    json_t *f = json_array_get(json_object_get(j, "flows"), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(f, "source")), "src");
    CHECK_EQ_INT(geti(f, "records"), 300 + 30 + 5);
    CHECK_EQ_INT(geti(f, "lost"), 7);
    CHECK_EQ_INT(geti(f, "foreign_records"), 4);
    CHECK_EQ_INT(geti(f, "stopped_partitions"), 1);
    CHECK_EQ_STR(json_string_value(json_object_get(f, "state")), "partly-stopped");

    json_t *topics = json_object_get(j, "topics");
    CHECK_EQ_INT(json_array_size(topics), 2);
    json_t *a = find(topics, "topic", "a"), *b = find(topics, "topic", "b");
    CHECK(a && b);
    CHECK_EQ_INT(geti(a, "records"), 330);
    CHECK_EQ_INT(geti(a, "partitions"), 2);
    CHECK_EQ_INT(geti(a, "lag"), 50);
    /* (330 - 110) records over 10 s; ETA = 50 / 22 s, rounded up. */
    CHECK(json_real_value(json_object_get(a, "rate_records_per_s")) == 22.0);
    CHECK_EQ_INT(geti(a, "eta_s"), 3);
    CHECK_EQ_INT(geti(a, "latency_max_ms"), 80);
    CHECK_EQ_INT(geti(a, "latency_avg_ms"), 20);
    CHECK(json_is_null(json_object_get(a, "latency_p99_ms")));
    CHECK_EQ_INT(geti(a, "foreign_records"), 4);
    CHECK_EQ_STR(json_string_value(json_object_get(a, "state")), "copying");
    CHECK_EQ_STR(json_string_value(json_object_get(b, "target_topic")), "b.copy");
    CHECK_EQ_STR(json_string_value(json_object_get(b, "state")), "stopped");
    CHECK_EQ_INT(geti(b, "eta_s"), 0); /* no lag */

    json_t *g = json_object_get(j, "groups");
    CHECK(json_is_true(json_object_get(g, "enabled")));
    CHECK_EQ_INT(geti(g, "last_pass_time_ms"), 123);
    CHECK_EQ_INT(geti(json_object_get(g, "stats"), "active_refusals"), 1);
    json_t *g1 = find(json_object_get(g, "list"), "group", "g1");
    CHECK(g1 != NULL);
    json_t *gp = json_object_get(g1, "partitions");
    CHECK_EQ_INT(json_array_size(gp), 2);
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(gp, 0), "translation")), "exact");
    CHECK_EQ_INT(geti(json_array_get(gp, 0), "target_offset"), 40);
    CHECK(json_is_null(json_object_get(json_array_get(gp, 1), "target_offset")));
    CHECK(json_is_null(json_object_get(json_array_get(gp, 1), "target_committed")));
    CHECK_EQ_INT(geti(json_object_get(g1, "status_counts"), "written"), 1);

    json_t *w = json_object_get(j, "warnings");
    CHECK_EQ_INT(count_kind(w, "data-loss"), 1);
    CHECK_EQ_INT(count_kind(w, "foreign-writes"), 1);
    CHECK_EQ_INT(count_kind(w, "sync-refused"), 1);
    CHECK_EQ_INT(count_kind(w, "partition-stopped"), 1);
    CHECK_EQ_INT(count_kind(w, "verify-differs"), 1);
    json_t *v = json_object_get(j, "verification");
    CHECK_EQ_STR(json_string_value(json_object_get(v, "result")), "differs");
    CHECK_EQ_INT(geti(v, "file_time_ms"), 5);
    CHECK_EQ_INT(geti(json_object_get(v, "summary"), "matched"), 9);
    CHECK_EQ_INT(json_array_size(json_object_get(v, "partitions_not_ok")), 1);
    CHECK_EQ_INT(geti(json_object_get(json_array_get(json_object_get(v, "partitions_not_ok"), 0),
                                      "first_mismatch"), "target_offset"), 10);
    CHECK_EQ_INT(json_array_size(json_object_get(v, "groups_not_ok")), 1);
    json_t *fw = find(w, "kind", "foreign-writes");
    CHECK_EQ_INT(geti(fw, "partition"), 1);
    CHECK_EQ_INT(geti(fw, "records"), 4);
    json_decref(j);

    j = parse(mirror_status_render_partitions(&in, "a"));
    json_t *parts = json_object_get(j, "partitions");
    CHECK_EQ_INT(json_array_size(parts), 2);
    CHECK_EQ_INT(geti(json_array_get(parts, 1), "foreign_records"), 4);
    CHECK(json_real_value(json_object_get(json_array_get(parts, 0), "rate_records_per_s")) == 20.0);
    CHECK(json_is_null(json_object_get(json_array_get(parts, 0), "source_end")));
    json_decref(j);
    CHECK(mirror_status_render_partitions(&in, "nope") == NULL);
    json_decref(vdoc);
    msnap_release(base);
    msnap_release(cur);
}

/* Before the first snapshot: a valid document, flow "starting", rates null. */
static void test_empty(void) {
    mirror_status_in_t in = {"s", "t", NULL, NULL, NULL, NULL, NULL, 0, false, 0, 0, 0, NULL, NULL, 0, NULL};
    json_t *j = parse(mirror_status_render(&in));
    CHECK(json_is_null(json_object_get(j, "cutover"))); /* no --services */
    json_t *f = json_array_get(json_object_get(j, "flows"), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(f, "state")), "starting");
    CHECK(json_is_null(json_object_get(f, "rate_records_per_s")));
    CHECK(json_is_null(json_object_get(j, "snapshot_age_ms")));
    CHECK(json_is_false(json_object_get(json_object_get(j, "groups"), "enabled")));
    CHECK(json_is_null(json_object_get(j, "verification")));
    CHECK_EQ_INT(json_array_size(json_object_get(j, "topics")), 0);
    CHECK_EQ_INT(count_kind(json_object_get(j, "warnings"), "foreign-writes-unwatched"), 1);
    json_decref(j);
    /* with --services: the board as given (mirror_cutover.c builds it), the caller's
     * reference untouched */
    in.cutover = json_pack("{s:b,s:[]}", "drained", 0, "services");
    j = parse(mirror_status_render(&in));
    CHECK(json_is_false(json_object_get(json_object_get(j, "cutover"), "drained")));
    CHECK(json_is_array(json_object_get(json_object_get(j, "cutover"), "services")));
    json_decref(j);
    CHECK_EQ_INT((int)in.cutover->refcount, 1);
    json_decref(in.cutover);
}

static void test_assets(void) {
    const web_asset_t *i = web_asset_find("/"), *js = web_asset_find("/dashboard.js");
    CHECK(i != NULL && i == web_asset_find("/index.html"));
    CHECK(js != NULL && web_asset_find("/dashboard.css") != NULL);
    CHECK(web_asset_find("/nope") == NULL && web_asset_find("/../etc/passwd") == NULL);
    if (!i || !js) return;
    CHECK_EQ_STR(i->type, "text/html; charset=utf-8");
    CHECK_EQ_STR(js->type, "text/javascript; charset=utf-8");
    CHECK(i->data[i->len] == 0 && strlen((const char *)i->data) == i->len);
    CHECK(strstr((const char *)i->data, "id=\"topics\"") != NULL);
    CHECK(strstr((const char *)i->data, "/dashboard.js") != NULL);
    CHECK(strstr((const char *)js->data, "/api/status") != NULL);
    /* Nothing fetched from elsewhere: no absolute URL in the page. */
    for (size_t k = 0; k < web_assets_count; k++)
        CHECK(!strstr((const char *)web_assets[k].data, "https://") &&
              !strstr((const char *)web_assets[k].data, "src=\"http"));
}

UNIT_MAIN(UNIT_TEST(test_status), UNIT_TEST(test_empty), UNIT_TEST(test_assets))

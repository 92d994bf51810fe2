/* Unit tests for core/suggest (edit distance, nearest known word) and the
 * "did you mean" hints of config/mm2's unused-key warning, which keep the
 * user's scope (`A->B.`, `<alias>.`, `<alias>.<role>.`). */
#include "core/suggest.h"

#include <stdlib.h>

#include "config/mm2.h"
#include "unit.h"

static bool contains(const char *s, const char *part) { return s && strstr(s, part) != NULL; }

static void test_distance(void) {
    CHECK_EQ_INT(suggest_distance("", ""), 0);
    CHECK_EQ_INT(suggest_distance("abc", ""), 3);
    CHECK_EQ_INT(suggest_distance("", "abc"), 3);
    CHECK_EQ_INT(suggest_distance("topics", "topics"), 0);
    CHECK_EQ_INT(suggest_distance("topcs", "topics"), 1);     /* deletion */
    CHECK_EQ_INT(suggest_distance("topicss", "topics"), 1);   /* insertion */
    CHECK_EQ_INT(suggest_distance("topica", "topics"), 1);    /* substitution */
    CHECK_EQ_INT(suggest_distance("topcis", "topics"), 1);    /* transposition */
    CHECK_EQ_INT(suggest_distance("secruity", "security"), 1);
    CHECK_EQ_INT(suggest_distance("kitten", "sitting"), 3);
    CHECK_EQ_INT(suggest_distance("ca", "abc"), 3); /* optimal string alignment, not full DL */
}

static void test_nearest(void) {
    static const char *const k[] = {"topics", "topics.exclude", "groups", "enabled", "tasks.max"};
    CHECK_EQ_STR(suggest_nearest("topcs", k, 5), "topics");
    CHECK_EQ_STR(suggest_nearest("topics.exlude", k, 5), "topics.exclude");
    CHECK_EQ_STR(suggest_nearest("task.max", k, 5), "tasks.max");
    CHECK(suggest_nearest("topics", k, 5) == NULL);   /* known */
    CHECK(suggest_nearest("grp", k, 5) == NULL);      /* 3 edits */
    CHECK(suggest_nearest("grops", k, 5) != NULL);    /* 1 edit in 5 */
    CHECK(suggest_nearest("ab", k, 5) == NULL);       /* too short for any edit */
    CHECK(suggest_nearest("enable", k, 0) == NULL);
    CHECK(suggest_nearest("xyzzy.plugh", k, 5) == NULL);
}

static const char *warning_for(const char *extra, char *buf, size_t n) {
    char text[1024];
    snprintf(text, sizeof text,
             "clusters = source, target\nsource.bootstrap.servers = s:9092\n"
             "target.bootstrap.servers = t:9092\nsource->target.enabled = true\n%s",
             extra);
    props_t *p = props_new();
    char err[512];
    CHECK(props_load_string(p, "mm2.properties", text, err, sizeof err) == 0);
    mm2_t *m = mm2_new(p, err, sizeof err);
    CHECK(m != NULL);
    kv_list_t l = {0};
    if (m) {
        for (size_t a = 0; a < 2; a++)
            for (int r = 0; r < 3; r++)
                mm2_client_settings(m, a ? "target" : "source", (mm2_client_t)r, &l, err,
                                    sizeof err);
    }
    kv_list_clear(&l);
    const char *w = m ? mm2_unused_keys_warning(m) : NULL;
    snprintf(buf, n, "%s", w ? w : "");
    mm2_destroy(m);
    props_destroy(p);
    return buf;
}

static void test_mm2_hints(void) {
    char w[2048];
    CHECK(contains(warning_for("source->target.topcs = x\n", w, sizeof w),
                   "unknown: source->target.topcs (mm2.properties:5; did you mean "
                   "`source->target.topics`?)"));
    CHECK(contains(warning_for("target.secruity.protocol = SSL\n", w, sizeof w),
                   "target.secruity.protocol (mm2.properties:5; did you mean "
                   "`target.security.protocol`?)"));
    CHECK(contains(warning_for("replication.factr = 3\n", w, sizeof w),
                   "did you mean `replication.factor`?"));
    CHECK(contains(warning_for("tagret.sasl.mechanism = PLAIN\n", w, sizeof w),
                   "did you mean `target.sasl.mechanism`?"));
    CHECK(contains(warning_for("source->target.refresh.topic.interval.seconds = 5\n", w, sizeof w),
                   "did you mean `source->target.refresh.topics.interval.seconds`?"));
    CHECK(contains(warning_for("kmig.on.dataloss = continue\n", w, sizeof w),
                   "did you mean `kmig.on.data.loss`?"));
    CHECK(contains(warning_for("dr.bootstrap.servers = d:9092\n", w, sizeof w),
                   "dr.bootstrap.servers (mm2.properties:5; `dr` is not in clusters (source, "
                   "target))"));
    /* Nothing near: no hint. */
    CHECK(contains(warning_for("completely.unrelated.setting = 1\n", w, sizeof w),
                   "unknown: completely.unrelated.setting (mm2.properties:5)"));
}

UNIT_MAIN(UNIT_TEST(test_distance), UNIT_TEST(test_nearest), UNIT_TEST(test_mm2_hints))

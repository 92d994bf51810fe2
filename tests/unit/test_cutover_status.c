/* Unit tests of the cutover status judgement: group states from members and
 * offsets, produced-topic states, a service as the least of its parts,
 * unknown facts never ready, and the drained verdict. */
#include <string.h>

#include "cutover/cutover_manifest.h"
#include "cutover/cutover_status.h"
#include "unit.h"

static cutover_group_facts_t grp(const char *name, int sm, int tm, cutover_fact_t tr,
                                 cutover_fact_t co) {
    return (cutover_group_facts_t){.group = name, .source_members = sm, .target_members = tm,
                                   .translated = tr, .committed = co};
}

static void test_group_states(void) {
    char why[512];
    cutover_group_facts_t g = grp("g", 2, 0, CUTOVER_YES, CUTOVER_NO);
    CHECK_EQ_INT(cutover_group_state(&g, why, sizeof why), CUTOVER_IN_SYNC);
    CHECK(strstr(why, "members still on the source") != NULL);
    g = grp("g", 0, 0, CUTOVER_YES, CUTOVER_NO);
    CHECK_EQ_INT(cutover_group_state(&g, why, sizeof why), CUTOVER_IN_SYNC);
    CHECK(strstr(why, "kmig cutover group g --execute") != NULL);
    g = grp("g", 0, 0, CUTOVER_YES, CUTOVER_YES);
    CHECK_EQ_INT(cutover_group_state(&g, why, sizeof why), CUTOVER_READY);
    g.reason = "no committed offsets";
    CHECK_EQ_INT(cutover_group_state(&g, why, sizeof why), CUTOVER_READY);
    CHECK(strstr(why, "no members; no committed offsets") != NULL);
    g = grp("g", 0, 3, CUTOVER_YES, CUTOVER_YES);
    CHECK_EQ_INT(cutover_group_state(&g, why, sizeof why), CUTOVER_MOVED);
    g = grp("g", 1, 1, CUTOVER_YES, CUTOVER_YES);
    CHECK_EQ_INT(cutover_group_state(&g, why, sizeof why), CUTOVER_NOT_READY);
    CHECK(strstr(why, "members on both clusters") != NULL);
    g = grp("g", 0, 0, CUTOVER_NO, CUTOVER_NO);
    CHECK_EQ_INT(cutover_group_state(&g, why, sizeof why), CUTOVER_IN_SYNC);
    CHECK(strstr(why, "translation pending") != NULL);
    /* unknown is not "none" */
    g = grp("g", -1, 0, CUTOVER_YES, CUTOVER_YES);
    g.reason = "describing the group on a: timed out";
    CHECK_EQ_INT(cutover_group_state(&g, why, sizeof why), CUTOVER_NOT_READY);
    CHECK(strstr(why, "timed out") != NULL);
    g = grp("g", 0, 0, CUTOVER_UNKNOWN, CUTOVER_UNKNOWN);
    CHECK_EQ_INT(cutover_group_state(&g, why, sizeof why), CUTOVER_NOT_READY);
}

static cutover_topic_facts_t top(const char *name, bool sel, cutover_fact_t w, cutover_fact_t c,
                                 cutover_fact_t f) {
    return (cutover_topic_facts_t){name, sel, w, c, f, 0, NULL};
}

static void test_topic_states(void) {
    char why[512];
    cutover_topic_facts_t t = top("t", true, CUTOVER_YES, CUTOVER_NO, CUTOVER_NO);
    CHECK_EQ_INT(cutover_topic_state(&t, why, sizeof why), CUTOVER_IN_SYNC);
    t = top("t", true, CUTOVER_NO, CUTOVER_NO, CUTOVER_NO);
    CHECK_EQ_INT(cutover_topic_state(&t, why, sizeof why), CUTOVER_IN_SYNC);
    t = top("t", true, CUTOVER_NO, CUTOVER_YES, CUTOVER_NO);
    CHECK_EQ_INT(cutover_topic_state(&t, why, sizeof why), CUTOVER_READY);
    t = top("t", true, CUTOVER_NO, CUTOVER_YES, CUTOVER_YES);
    CHECK_EQ_INT(cutover_topic_state(&t, why, sizeof why), CUTOVER_MOVED);
    t = top("t", false, CUTOVER_NO, CUTOVER_YES, CUTOVER_YES);
    CHECK_EQ_INT(cutover_topic_state(&t, why, sizeof why), CUTOVER_NOT_READY);
    CHECK(strstr(why, "not mirrored") != NULL);
    t = top("t", true, CUTOVER_UNKNOWN, CUTOVER_YES, CUTOVER_NO);
    CHECK_EQ_INT(cutover_topic_state(&t, why, sizeof why), CUTOVER_NOT_READY);
}

static void test_services_and_drained(void) {
    const char *y = "services:\n"
                    "  - {name: shop, produces: [orders]}\n"
                    "  - {name: billing, consumes: [{topic: orders, group: gb}, "
                    "{topic: refunds, group: gb}], produces: [invoices]}\n"
                    "  - {name: mailer, consumes: [{topic: invoices, group: gm}]}\n";
    char err[256], why[2048];
    cutover_manifest_t *m = cutover_manifest_parse(y, strlen(y), "t", err, sizeof err);
    CHECK(m != NULL);
    if (!m) return;
    cutover_topic_facts_t t[] = {
        top("orders", true, CUTOVER_YES, CUTOVER_NO, CUTOVER_NO),
        top("invoices", true, CUTOVER_YES, CUTOVER_NO, CUTOVER_NO),
        top("refunds", true, CUTOVER_NO, CUTOVER_YES, CUTOVER_NO),
    };
    cutover_group_facts_t g[] = {grp("gb", 1, 0, CUTOVER_YES, CUTOVER_NO),
                                 grp("gm", 0, 2, CUTOVER_YES, CUTOVER_YES)};
    cutover_state_t st[3];
    for (size_t i = 0; i < 3; i++)
        st[i] = cutover_service_state(&m->svc[i], t, 3, g, 2, why, sizeof why);
    CHECK_EQ_INT(st[0], CUTOVER_IN_SYNC);
    CHECK_EQ_INT(st[1], CUTOVER_IN_SYNC);
    CHECK_EQ_INT(st[2], CUTOVER_MOVED);
    CHECK(!cutover_drained(t, 3, st, 3, m, why, sizeof why));
    CHECK(strstr(why, "orders is still written") != NULL);
    /* a missing group fact is unknown: not ready */
    CHECK_EQ_INT(cutover_service_state(&m->svc[1], t, 3, g + 1, 1, why, sizeof why),
                 CUTOVER_NOT_READY);
    CHECK(strstr(why, "group gb: unknown") != NULL);
    /* everything quiet, copied, moved */
    for (size_t i = 0; i < 3; i++) t[i] = top(t[i].topic, true, CUTOVER_NO, CUTOVER_YES, CUTOVER_YES);
    g[0] = grp("gb", 0, 1, CUTOVER_YES, CUTOVER_YES);
    for (size_t i = 0; i < 3; i++)
        st[i] = cutover_service_state(&m->svc[i], t, 3, g, 2, why, sizeof why);
    CHECK_EQ_INT(st[0], CUTOVER_MOVED);
    CHECK_EQ_INT(st[1], CUTOVER_MOVED);
    CHECK(cutover_drained(t, 3, st, 3, m, why, sizeof why));
    /* an unknown topic fact is never drained */
    t[2].source_written = CUTOVER_UNKNOWN;
    t[2].reason = "source end of partition 0: timed out";
    CHECK(!cutover_drained(t, 3, st, 3, m, why, sizeof why));
    CHECK(strstr(why, "timed out") != NULL);
    /* without a manifest, topics alone decide */
    t[2].source_written = CUTOVER_NO;
    CHECK(cutover_drained(t, 3, NULL, 0, NULL, why, sizeof why));
    cutover_manifest_destroy(m);
}

/* a service that lists no topic is ready (never moved) and does not keep the
 * flow from draining; a listed service that is only ready does */
static void test_drained_service_without_topics(void) {
    const char *y = "services:\n"
                    "  - {name: shop, produces: [orders]}\n"
                    "  - {name: cron}\n";
    char err[256], why[1024];
    cutover_manifest_t *m = cutover_manifest_parse(y, strlen(y), "t", err, sizeof err);
    CHECK(m != NULL);
    if (!m) return;
    cutover_topic_facts_t t[] = {top("orders", true, CUTOVER_NO, CUTOVER_YES, CUTOVER_YES)};
    cutover_state_t st[2];
    for (size_t i = 0; i < 2; i++)
        st[i] = cutover_service_state(&m->svc[i], t, 1, NULL, 0, why, sizeof why);
    CHECK_EQ_INT(st[0], CUTOVER_MOVED);
    CHECK_EQ_INT(st[1], CUTOVER_READY);
    CHECK(cutover_drained(t, 1, st, 2, m, why, sizeof why));
    /* shop stopped on the source but not writing on the target yet: not drained */
    t[0].foreign = CUTOVER_NO;
    st[0] = cutover_service_state(&m->svc[0], t, 1, NULL, 0, why, sizeof why);
    CHECK_EQ_INT(st[0], CUTOVER_READY);
    CHECK(!cutover_drained(t, 1, st, 2, m, why, sizeof why));
    CHECK(strstr(why, "service shop is ready") != NULL);
    cutover_manifest_destroy(m);
}

UNIT_MAIN({"group_states", test_group_states}, {"topic_states", test_topic_states},
          {"services_and_drained", test_services_and_drained},
          {"drained_service_without_topics", test_drained_service_without_topics})

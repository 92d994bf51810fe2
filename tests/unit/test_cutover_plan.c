/* Unit tests of the cutover manifest and planner: YAML and JSON manifests,
 * schema errors, the order of chains and diamonds, cycles moved together and
 * named, isolated services, and topics outside the mirror's selection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/sbuf.h"
#include "cutover/cutover_manifest.h"
#include "cutover/cutover_plan.h"
#include "cutover/cutover_render.h"
#include "unit.h"

static cutover_manifest_t *parse(const char *text) {
    char err[512] = "";
    cutover_manifest_t *m = cutover_manifest_parse(text, strlen(text), "test.yaml", err, sizeof err);
    if (!m) fprintf(stderr, "  parse: %s\n", err);
    CHECK(m != NULL);
    return m;
}

/* The plan's order as "a,b|c" (steps separated by '|', a cycle's services by ','). */
static const char *order(const cutover_plan_t *p, char *buf, size_t n) {
    size_t len = 0;
    buf[0] = 0;
    for (size_t i = 0; i < p->n_steps; i++)
        for (size_t k = 0; k < p->steps[i].n_services; k++)
            len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? (k ? "," : "|") : "",
                                    p->m->svc[p->steps[i].services[k]].name);
    return buf;
}

static void test_chain(void) {
    /* shop -> orders -> billing -> invoices -> shipper -> shipments -> mailer */
    cutover_manifest_t *m = parse("services:\n"
                                  "  - name: shop\n    produces: [orders]\n"
                                  "  - name: shipper\n"
                                  "    consumes: [{topic: invoices, group: g-ship}]\n"
                                  "    produces: [shipments]\n"
                                  "  - name: billing\n"
                                  "    consumes:\n      - topic: orders\n        group: g-bill\n"
                                  "    produces: [invoices]\n"
                                  "  - name: mailer\n"
                                  "    consumes: [{topic: shipments, group: g-mail}]\n");
    if (!m) return;
    cutover_plan_t *p = cutover_plan_build(m, NULL, NULL);
    char buf[256];
    CHECK_EQ_STR(order(p, buf, sizeof buf), "mailer|shipper|billing|shop");
    CHECK_EQ_INT(p->n_cycles, 0);
    CHECK_EQ_INT(p->roles[0], CUTOVER_ROLE_PRODUCER);
    CHECK_EQ_INT(p->roles[1], CUTOVER_ROLE_BOTH);
    CHECK_EQ_INT(p->roles[3], CUTOVER_ROLE_CONSUMER);
    /* billing's step names its consumer already moved, and its group */
    const cutover_step_t *st = &p->steps[2];
    int saw_consumer = 0, saw_group = 0;
    for (size_t i = 0; i < st->before.n; i++) {
        saw_consumer |= strstr(st->before.v[i], "consumer shipper of topic invoices") != NULL;
        saw_group |= strstr(st->before.v[i], "group g-bill has no members on the source") != NULL;
    }
    CHECK(saw_consumer && saw_group);
    cutover_plan_destroy(p);
    cutover_manifest_destroy(m);
}

static void test_diamond_and_roles_first(void) {
    /* src produces a; left and right consume a, produce l and r; sink consumes l and r.
     * An unrelated consumer-only service listed last still goes first. */
    cutover_manifest_t *m = parse(
        "{\"services\": [\n"
        " {\"name\": \"src\", \"produces\": [\"a\"]},\n"
        " {\"name\": \"left\", \"consumes\": [{\"topic\": \"a\", \"group\": \"gl\"}], "
        "\"produces\": [\"l\"]},\n"
        " {\"name\": \"right\", \"consumes\": [{\"topic\": \"a\", \"group\": \"gr\"}], "
        "\"produces\": [\"r\"]},\n"
        " {\"name\": \"sink\", \"consumes\": [{\"topic\": \"l\", \"group\": \"gs\"}, "
        "{\"topic\": \"r\", \"group\": \"gs\"}], \"produces\": [\"out\"]},\n"
        " {\"name\": \"audit\", \"consumes\": [{\"topic\": \"x\", \"group\": \"ga\"}]}\n"
        "]}");
    if (!m) return;
    cutover_plan_t *p = cutover_plan_build(m, NULL, NULL);
    char buf[256];
    CHECK_EQ_STR(order(p, buf, sizeof buf), "audit|sink|left|right|src");
    CHECK(p->step_of[3] < p->step_of[1] && p->step_of[3] < p->step_of[2]);
    CHECK(p->step_of[1] < p->step_of[0] && p->step_of[2] < p->step_of[0]);
    cutover_plan_destroy(p);
    cutover_manifest_destroy(m);
}

static void test_cycle(void) {
    /* a and b feed each other through t1/t2; c consumes what b produces; d produces t1 too */
    cutover_manifest_t *m = parse("services:\n"
                                  "  - {name: a, consumes: [{topic: t2, group: ga}], produces: [t1]}\n"
                                  "  - {name: b, consumes: [{topic: t1, group: gb}], produces: [t2, t3]}\n"
                                  "  - {name: c, consumes: [{topic: t3, group: gc}]}\n"
                                  "  - {name: d, produces: [t1]}\n"
                                  "  - {name: self, consumes: [{topic: s, group: gs}], produces: [s]}\n");
    if (!m) return;
    cutover_plan_t *p = cutover_plan_build(m, NULL, NULL);
    char buf[256];
    CHECK_EQ_STR(order(p, buf, sizeof buf), "c|a,b|self|d");
    CHECK_EQ_INT(p->n_cycles, 1);
    const cutover_step_t *st = &p->steps[1];
    CHECK(st->cycle);
    CHECK_EQ_INT(st->cycle_topics.n, 2);
    CHECK_EQ_STR(st->cycle_topics.v[0], "t2");
    CHECK_EQ_STR(st->cycle_topics.v[1], "t1");
    CHECK(!p->steps[2].cycle); /* a service reading its own topic is no cycle */
    sbuf_t out = {0};
    cutover_render_text(p, &out);
    CHECK(strstr(sbuf_str(&out), "cycle: a, b feed each other through topics t2, t1") != NULL);
    sbuf_free(&out);
    json_t *j = cutover_render_json(p);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(j, "summary"), "cycles")), 1);
    CHECK_EQ_STR(json_string_value(json_array_get(json_object_get(j, "order"), 1)), "a");
    CHECK(json_is_true(json_object_get(json_array_get(json_object_get(j, "steps"), 1), "cycle")));
    json_decref(j);
    cutover_plan_destroy(p);
    cutover_manifest_destroy(m);
}

static bool only_known(const char *topic, void *arg) {
    (void)arg;
    return strcmp(topic, "secret") != 0;
}

static void test_isolated_and_unselected(void) {
    cutover_manifest_t *m = parse("services:\n"
                                  "  - name: idle\n"
                                  "  - name: p\n    produces: [secret]\n"
                                  "  - name: q\n    consumes: [{topic: other, group: gq}]\n");
    if (!m) return;
    cutover_plan_t *p = cutover_plan_build(m, only_known, NULL);
    char buf[256];
    CHECK_EQ_STR(order(p, buf, sizeof buf), "q|p|idle");
    CHECK_EQ_INT(p->roles[0], CUTOVER_ROLE_NONE);
    CHECK_EQ_INT(p->n_unselected, 1);
    CHECK_EQ_INT(p->steps[1].warnings.n, 1);
    CHECK(strstr(p->steps[1].warnings.v[0], "secret") != NULL);
    CHECK_EQ_INT(p->steps[2].warnings.n, 1);
    sbuf_t out = {0};
    cutover_render_markdown(p, &out);
    CHECK(strstr(sbuf_str(&out), "> **Warning:** p produces topic secret") != NULL);
    sbuf_free(&out);
    cutover_plan_destroy(p);
    cutover_manifest_destroy(m);
    /* an empty manifest is an empty plan */
    m = parse("services: []\n");
    p = cutover_plan_build(m, NULL, NULL);
    CHECK_EQ_INT(p->n_steps, 0);
    cutover_plan_destroy(p);
    cutover_manifest_destroy(m);
}

static void expect_error(const char *text, const char *needle) {
    char err[512] = "";
    cutover_manifest_t *m = cutover_manifest_parse(text, strlen(text), "svc.yaml", err, sizeof err);
    CHECK(m == NULL);
    if (!strstr(err, needle)) fprintf(stderr, "  error was: %s\n", err);
    CHECK(strstr(err, needle) != NULL);
    cutover_manifest_destroy(m);
}

static void test_manifest_errors(void) {
    expect_error("services: [", "svc.yaml:");
    expect_error("topics: []\n", "top-level 'services:'");
    expect_error("services:\n  - consumes: []\n", "services[0] has no name");
    expect_error("services:\n  - name: a\n    consumes: [{topic: t}]\n", "consumes[0] needs a topic and a group");
    expect_error("services:\n  - name: a\n    produces: t\n", "produces must be a list");
    expect_error("services:\n  - name: a\n    produce: [t]\n", "unknown field 'produce'");
    expect_error("services:\n  - name: a\n  - name: a\n", "service a is listed twice");
    expect_error("services:\n  - {name: a, consumes: [{topic: t, group: g}]}\n"
                 "  - {name: b, consumes: [{topic: u, group: g}]}\n",
                 "group g is used by services a and b");
    char err[256];
    CHECK(cutover_manifest_load("/nonexistent/services.yaml", err, sizeof err) == NULL);
    CHECK(strstr(err, "cannot read /nonexistent/services.yaml") != NULL);
}

UNIT_MAIN({"chain", test_chain}, {"diamond_and_roles_first", test_diamond_and_roles_first},
          {"cycle", test_cycle}, {"isolated_and_unselected", test_isolated_and_unselected},
          {"manifest_errors", test_manifest_errors})

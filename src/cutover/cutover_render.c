/* The three faces of a cutover plan: a text runbook, the same as a Markdown
 * checklist, and JSON. All three list the same steps, checks and warnings in
 * the same order; only the layout differs. */
#include "cutover/cutover_render.h"

#include <stdio.h>
#include <string.h>

static void names(const cutover_plan_t *p, const cutover_step_t *st, const char *sep,
                  sbuf_t *out) {
    for (size_t k = 0; k < st->n_services; k++)
        sbuf_printf(out, "%s%s", k ? sep : "", p->m->svc[st->services[k]].name);
}

static void topics_of(const cutover_service_t *s, sbuf_t *out) {
    if (s->n_consumes) {
        sbuf_puts(out, "consumes");
        for (size_t i = 0; i < s->n_consumes; i++)
            sbuf_printf(out, "%s %s (group %s)", i ? "," : "", s->consumes[i].topic,
                        s->consumes[i].group);
    }
    if (s->n_produces) {
        sbuf_printf(out, "%sproduces", s->n_consumes ? "; " : "");
        for (size_t i = 0; i < s->n_produces; i++)
            sbuf_printf(out, "%s %s", i ? "," : "", s->produces[i]);
    }
    if (!s->n_consumes && !s->n_produces) sbuf_puts(out, "no topics");
}

static void summary(const cutover_plan_t *p, sbuf_t *out) {
    sbuf_printf(out, "%zu services in %zu steps", p->m->n, p->n_steps);
    if (p->n_cycles) sbuf_printf(out, ", %zu cycle%s moved together", p->n_cycles,
                                 p->n_cycles > 1 ? "s" : "");
    if (p->n_unselected)
        sbuf_printf(out, ", %zu topic use%s outside the mirror's selection", p->n_unselected,
                    p->n_unselected > 1 ? "s" : "");
    sbuf_puts(out, ".\n");
}

static void cycle_line(const cutover_plan_t *p, const cutover_step_t *st, sbuf_t *out) {
    sbuf_puts(out, "cycle: ");
    names(p, st, ", ", out);
    sbuf_puts(out, " feed each other through topic");
    sbuf_puts(out, st->cycle_topics.n > 1 ? "s " : " ");
    for (size_t i = 0; i < st->cycle_topics.n; i++)
        sbuf_printf(out, "%s%s", i ? ", " : "", st->cycle_topics.v[i]);
    sbuf_puts(out, "; no order is safe: stop them all on the source, commit their groups, "
                   "start them all on the target (or break the cycle: move one topic's "
                   "producer and consumers out of it)");
}

void cutover_render_text(const cutover_plan_t *p, sbuf_t *out) {
    sbuf_puts(out, "Cutover plan: consumers first, then services that consume and produce, "
                   "then producers.\n\n");
    for (size_t i = 0; i < p->n_steps; i++) {
        const cutover_step_t *st = &p->steps[i];
        sbuf_printf(out, "Step %zu: move ", i + 1);
        names(p, st, " + ", out);
        sbuf_printf(out, " (%s)\n", st->cycle ? "cycle, together"
                                              : cutover_role_name(p->roles[st->services[0]]));
        for (size_t k = 0; k < st->n_services; k++) {
            const cutover_service_t *s = &p->m->svc[st->services[k]];
            sbuf_printf(out, "  %s: ", s->name);
            topics_of(s, out);
            sbuf_puts(out, "\n");
        }
        if (st->cycle) {
            sbuf_puts(out, "  ! ");
            cycle_line(p, st, out);
            sbuf_puts(out, "\n");
        }
        for (size_t w = 0; w < st->warnings.n; w++)
            sbuf_printf(out, "  ! %s\n", st->warnings.v[w]);
        sbuf_puts(out, "  before:\n");
        for (size_t c = 0; c < st->before.n; c++)
            sbuf_printf(out, "    [ ] %s\n", st->before.v[c]);
        sbuf_puts(out, "  after:\n");
        for (size_t c = 0; c < st->after.n; c++)
            sbuf_printf(out, "    [ ] %s\n", st->after.v[c]);
        sbuf_puts(out, "\n");
    }
    summary(p, out);
    sbuf_puts(out, "When every service is moved and `kmig cutover status` says drained, stop "
                   "the mirror.\n");
}

void cutover_render_markdown(const cutover_plan_t *p, sbuf_t *out) {
    sbuf_puts(out, "# Cutover runbook\n\n");
    summary(p, out);
    sbuf_puts(out, "\nOrder: consumers first, then services that consume and produce, then "
                   "producers.\n");
    for (size_t i = 0; i < p->n_steps; i++) {
        const cutover_step_t *st = &p->steps[i];
        sbuf_printf(out, "\n## Step %zu: ", i + 1);
        names(p, st, " + ", out);
        sbuf_printf(out, " (%s)\n\n", st->cycle ? "cycle, together"
                                                : cutover_role_name(p->roles[st->services[0]]));
        for (size_t k = 0; k < st->n_services; k++) {
            const cutover_service_t *s = &p->m->svc[st->services[k]];
            sbuf_printf(out, "- `%s`: ", s->name);
            topics_of(s, out);
            sbuf_puts(out, "\n");
        }
        if (st->cycle) {
            sbuf_puts(out, "\n> **");
            cycle_line(p, st, out);
            sbuf_puts(out, "**\n");
        }
        for (size_t w = 0; w < st->warnings.n; w++)
            sbuf_printf(out, "\n> **Warning:** %s\n", st->warnings.v[w]);
        sbuf_puts(out, "\nBefore:\n\n");
        for (size_t c = 0; c < st->before.n; c++) sbuf_printf(out, "- [ ] %s\n", st->before.v[c]);
        sbuf_puts(out, "\nAfter:\n\n");
        for (size_t c = 0; c < st->after.n; c++) sbuf_printf(out, "- [ ] %s\n", st->after.v[c]);
    }
    sbuf_puts(out, "\n## Finally\n\n- [ ] `kmig cutover status` says drained: stop the "
                   "mirror\n");
}

static json_t *strs_json(const cutover_strs_t *s) {
    json_t *a = json_array();
    for (size_t i = 0; i < s->n; i++) json_array_append_new(a, json_string(s->v[i]));
    return a;
}

json_t *cutover_render_json(const cutover_plan_t *p) {
    json_t *steps = json_array(), *order = json_array();
    for (size_t i = 0; i < p->n_steps; i++) {
        const cutover_step_t *st = &p->steps[i];
        json_t *svcs = json_array();
        for (size_t k = 0; k < st->n_services; k++) {
            const cutover_service_t *s = &p->m->svc[st->services[k]];
            json_t *cons = json_array(), *prod = json_array();
            for (size_t c = 0; c < s->n_consumes; c++)
                json_array_append_new(cons, json_pack("{s:s,s:s}", "topic", s->consumes[c].topic,
                                                      "group", s->consumes[c].group));
            for (size_t c = 0; c < s->n_produces; c++)
                json_array_append_new(prod, json_string(s->produces[c]));
            json_array_append_new(svcs, json_pack("{s:s,s:s,s:o,s:o}", "name", s->name, "role",
                                                  cutover_role_name(p->roles[st->services[k]]),
                                                  "consumes", cons, "produces", prod));
            json_array_append_new(order, json_string(s->name));
        }
        json_array_append_new(
            steps, json_pack("{s:I,s:o,s:b,s:o,s:o,s:o,s:o}", "step", (json_int_t)(i + 1),
                             "services", svcs, "cycle", st->cycle, "cycle_topics",
                             strs_json(&st->cycle_topics), "before", strs_json(&st->before),
                             "after", strs_json(&st->after), "warnings",
                             strs_json(&st->warnings)));
    }
    return json_pack("{s:o,s:o,s:{s:I,s:I,s:I,s:I}}", "order", order, "steps", steps, "summary",
                     "services", (json_int_t)p->m->n, "steps", (json_int_t)p->n_steps, "cycles",
                     (json_int_t)p->n_cycles, "unselected_topic_uses",
                     (json_int_t)p->n_unselected);
}

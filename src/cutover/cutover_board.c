/* The cutover board (cutover_board.h): collects per-topic and per-group facts
 * derived from a running mirror's published state or given by a caller,
 * judges them with cutover_status.c and renders the JSON of `kmig cutover
 * status --json`, so the dashboard and the demo show exactly what the command
 * shows. No rule of the states lives here. */
#include "cutover/cutover_board.h"

#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"

cutover_board_t *cutover_board_new(void) { return xcalloc(1, sizeof(cutover_board_t)); }

void cutover_board_destroy(cutover_board_t *b) {
    if (!b) return;
    for (size_t i = 0; i < b->nowned; i++) free(b->owned[i]);
    free(b->owned);
    free(b->topics);
    free(b->groups);
    free(b);
}

const char *cutover_board_own(cutover_board_t *b, const char *s) {
    if (!s) return NULL;
    b->owned = xrealloc(b->owned, (b->nowned + 1) * sizeof *b->owned);
    return b->owned[b->nowned++] = xstrdup(s);
}

cutover_topic_facts_t *cutover_board_topic(cutover_board_t *b, const char *topic, bool selected) {
    for (size_t i = 0; i < b->ntopics; i++)
        if (!strcmp(b->topics[i].topic, topic)) return &b->topics[i];
    b->topics = xrealloc(b->topics, (b->ntopics + 1) * sizeof *b->topics);
    b->topics[b->ntopics] = (cutover_topic_facts_t){.topic = cutover_board_own(b, topic),
                                                    .selected = selected,
                                                    .source_written = CUTOVER_UNKNOWN,
                                                    .copied = CUTOVER_UNKNOWN,
                                                    .foreign = CUTOVER_UNKNOWN,
                                                    .lag = -1};
    return &b->topics[b->ntopics++];
}

cutover_group_facts_t *cutover_board_group(cutover_board_t *b, const char *group) {
    for (size_t i = 0; i < b->ngroups; i++)
        if (!strcmp(b->groups[i].group, group)) return &b->groups[i];
    b->groups = xrealloc(b->groups, (b->ngroups + 1) * sizeof *b->groups);
    b->groups[b->ngroups] = (cutover_group_facts_t){.group = cutover_board_own(b, group),
                                                    .source_members = -1,
                                                    .target_members = -1,
                                                    .translated = CUTOVER_UNKNOWN,
                                                    .committed = CUTOVER_UNKNOWN};
    return &b->groups[b->ngroups++];
}

void cutover_board_add_manifest(cutover_board_t *b, const cutover_manifest_t *m,
                                bool (*selected)(const char *topic, void *arg), void *arg) {
    for (size_t i = 0; m && i < m->n; i++) {
        const cutover_service_t *s = &m->svc[i];
        for (size_t k = 0; k < s->n_consumes; k++) {
            const char *t = s->consumes[k].topic;
            cutover_board_topic(b, t, selected ? selected(t, arg) : true);
            cutover_board_group(b, s->consumes[k].group);
        }
        for (size_t k = 0; k < s->n_produces; k++)
            cutover_board_topic(b, s->produces[k], selected ? selected(s->produces[k], arg) : true);
    }
}

void cutover_board_group_rows(cutover_board_t *b, cutover_group_facts_t *g,
                              const group_row_t *rows, size_t nrows, bool selected,
                              const char *why_unselected) {
    size_t n = 0;
    g->translated = g->committed = CUTOVER_YES;
    for (size_t r = 0; r < nrows; r++) {
        const group_row_t *w = &rows[r];
        if (!w->group || strcmp(w->group, g->group)) continue;
        n++;
        const char *st = w->status ? w->status : "failed";
        if (!strcmp(st, "failed") || !strcmp(st, "active-on-target")) {
            g->translated = g->committed = CUTOVER_UNKNOWN;
            if (!g->reason)
                g->reason = cutover_board_own(
                    b, w->error ? w->error
                                : !strcmp(st, "active-on-target")
                                      ? "the target refused its offsets: members active there"
                                      : "offsets unreadable");
        } else if (!strcmp(st, "pending") || !strcmp(st, "not-copied")) {
            if (g->translated == CUTOVER_YES) g->translated = CUTOVER_NO;
            if (g->committed == CUTOVER_YES) g->committed = CUTOVER_NO;
        } else if (!strcmp(st, "exact") || !strcmp(st, "behind")) {
            if (g->committed == CUTOVER_YES) g->committed = CUTOVER_NO;
            if (!strcmp(st, "behind") && !g->reason)
                g->reason = cutover_board_own(b, "the target group is beyond the exact translation");
        }
    }
    if (n) return;
    if (!selected) {
        g->translated = g->committed = CUTOVER_UNKNOWN;
        if (!g->reason) g->reason = cutover_board_own(b, why_unselected);
    } else if (!g->reason) {
        g->reason = cutover_board_own(b, "no committed offsets on copied partitions (it will "
                                         "start from its auto.offset.reset on the target)");
    }
}

void cutover_board_topic_snap(cutover_board_t *b, cutover_topic_facts_t *t, const msnap_t *snap,
                              const msnap_t *base, int64_t foreign_records, bool foreign_watched) {
    size_t parts = 0;
    cutover_fact_t written = base ? CUTOVER_NO : CUTOVER_UNKNOWN, copied = CUTOVER_YES;
    int64_t lag = 0;
    const char *why = base ? NULL : "no snapshot old enough yet to compare the source's ends "
                                    "(the dashboard needs about 5 s)";
    for (size_t i = 0; snap && i < snap->n; i++) {
        const msnap_part_t *p = &snap->v[i];
        if (strcmp(p->topic, t->topic)) continue;
        parts++;
        if (p->source_end < 0) {
            written = copied = CUTOVER_UNKNOWN;
            if (!why) why = "a source end offset is not known yet";
            continue;
        }
        if (base) {
            long j = msnap_find(base, p->topic, p->partition);
            int64_t before = j >= 0 ? base->v[j].source_end : -1;
            if (before < 0) {
                if (written == CUTOVER_NO) written = CUTOVER_UNKNOWN;
                if (!why) why = "a source end offset has no earlier read";
            } else if (before != p->source_end && written != CUTOVER_UNKNOWN) {
                written = CUTOVER_YES;
            }
        }
        if ((p->lag > 0 || p->inflight > 0) && copied != CUTOVER_UNKNOWN) copied = CUTOVER_NO;
        lag += p->lag;
    }
    if (!parts) {
        if (t->selected) {
            t->reason = cutover_board_own(b, "not in the mirror's snapshot (absent on the "
                                             "source, or not started yet)");
            t->source_written = t->copied = t->foreign = CUTOVER_UNKNOWN;
            t->lag = -1;
        }
        return;
    }
    t->source_written = written;
    t->copied = copied;
    t->lag = copied == CUTOVER_UNKNOWN ? -1 : lag;
    t->foreign = !foreign_watched ? CUTOVER_UNKNOWN
                 : foreign_records > 0 ? CUTOVER_YES
                                       : CUTOVER_NO;
    if (why) t->reason = cutover_board_own(b, why);
    else if (!foreign_watched)
        t->reason = cutover_board_own(b, "foreign writes unknown: the foreign-write watch does "
                                         "not run");
}

static json_t *fact_json(cutover_fact_t f) {
    return f == CUTOVER_UNKNOWN ? json_null() : json_boolean(f == CUTOVER_YES);
}

static int topic_cmp(const void *a, const void *b) {
    return strcmp(((const cutover_topic_facts_t *)a)->topic,
                  ((const cutover_topic_facts_t *)b)->topic);
}

json_t *cutover_board_json(const cutover_board_t *b, const cutover_manifest_t *m,
                           bool *drained_out) {
    json_t *jt = json_array(), *jg = json_array(), *js = json_array();
    cutover_topic_facts_t *topics = xcalloc(b->ntopics + 1, sizeof *topics);
    if (b->ntopics) memcpy(topics, b->topics, b->ntopics * sizeof *topics);
    qsort(topics, b->ntopics, sizeof *topics, topic_cmp);
    for (size_t i = 0; i < b->ntopics; i++) {
        const cutover_topic_facts_t *t = &topics[i];
        json_array_append_new(
            jt, json_pack("{s:s,s:b,s:o,s:o,s:o,s:o,s:s?}", "topic", t->topic, "selected",
                          t->selected, "source_written", fact_json(t->source_written), "copied",
                          fact_json(t->copied), "foreign_writes", fact_json(t->foreign), "lag",
                          t->lag < 0 ? json_null() : json_integer((json_int_t)t->lag), "reason",
                          t->reason));
    }
    for (size_t i = 0; i < b->ngroups; i++) {
        const cutover_group_facts_t *g = &b->groups[i];
        char why[512];
        cutover_state_t st = cutover_group_state(g, why, sizeof why);
        long o = m ? cutover_manifest_group_owner(m, g->group) : -1;
        json_array_append_new(
            jg, json_pack("{s:s,s:s?,s:o,s:o,s:o,s:o,s:s,s:s?}", "group", g->group, "service",
                          o >= 0 ? m->svc[o].name : NULL, "source_members",
                          g->source_members < 0 ? json_null() : json_integer(g->source_members),
                          "target_members",
                          g->target_members < 0 ? json_null() : json_integer(g->target_members),
                          "translated", fact_json(g->translated), "committed_on_target",
                          fact_json(g->committed), "state", cutover_state_name(st), "reason",
                          *why ? why : NULL));
    }
    size_t nsvc = m ? m->n : 0;
    cutover_state_t *states = xcalloc(nsvc + 1, sizeof *states);
    for (size_t i = 0; i < nsvc; i++) {
        char why[2048];
        states[i] = cutover_service_state(&m->svc[i], topics, b->ntopics, b->groups, b->ngroups,
                                          why, sizeof why);
        json_array_append_new(js, json_pack("{s:s,s:s,s:s}", "service", m->svc[i].name, "state",
                                            cutover_state_name(states[i]), "reason", why));
    }
    char dwhy[512];
    bool drained = cutover_drained(topics, b->ntopics, states, nsvc, m, dwhy, sizeof dwhy);
    if (drained_out) *drained_out = drained;
    free(states);
    free(topics);
    return json_pack("{s:o,s:o,s:o,s:b,s:s?}", "topics", jt, "groups", jg, "services", js,
                     "drained", drained, "reason", drained ? NULL : dwhy);
}

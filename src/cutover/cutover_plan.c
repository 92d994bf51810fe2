/* Orders the services of a cutover manifest (cutover_plan.h): builds the
 * "must move before" relation from the topics, finds its strongly connected
 * components with Tarjan's algorithm (cycles move together as one step),
 * orders the components with Kahn's algorithm by role then manifest order,
 * and writes each step's checks. */
#include "cutover/cutover_plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xcalloc(size_t n, size_t sz) {
    void *p = calloc(n ? n : 1, sz);
    if (!p) abort();
    return p;
}

static void strs_addf(cutover_strs_t *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void strs_addf(cutover_strs_t *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *buf = malloc((size_t)n + 1);
    if (!buf) abort();
    va_start(ap, fmt);
    vsnprintf(buf, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (!(s->v = realloc(s->v, (s->n + 1) * sizeof *s->v))) abort();
    s->v[s->n++] = buf;
}

static bool strs_has(const cutover_strs_t *s, const char *x) {
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i], x)) return true;
    return false;
}

static void strs_free(cutover_strs_t *s) {
    for (size_t i = 0; i < s->n; i++) free(s->v[i]);
    free(s->v);
}

const char *cutover_role_name(cutover_role_t r) {
    switch (r) {
    case CUTOVER_ROLE_CONSUMER: return "consumer";
    case CUTOVER_ROLE_BOTH: return "consume-produce";
    case CUTOVER_ROLE_PRODUCER: return "producer";
    default: return "none";
    }
}

static bool consumes(const cutover_service_t *s, const char *t) {
    for (size_t i = 0; i < s->n_consumes; i++)
        if (!strcmp(s->consumes[i].topic, t)) return true;
    return false;
}

static bool produces(const cutover_service_t *s, const char *t) {
    for (size_t i = 0; i < s->n_produces; i++)
        if (!strcmp(s->produces[i], t)) return true;
    return false;
}

bool cutover_plan_feeds(const cutover_manifest_t *m, size_t b, size_t a, const char *t) {
    return consumes(&m->svc[a], t) && produces(&m->svc[b], t);
}

/* before[a][b]: a consumes something b produces, so a moves before b. */
static bool must_precede(const cutover_manifest_t *m, size_t a, size_t b) {
    if (a == b) return false;
    for (size_t i = 0; i < m->svc[a].n_consumes; i++)
        if (produces(&m->svc[b], m->svc[a].consumes[i].topic)) return true;
    return false;
}

typedef struct {
    const cutover_manifest_t *m;
    long *index, *low, *comp;
    size_t *stack, sp, next_index, n_comp;
    bool *on_stack;
} tarjan_t;

static void strongconnect(tarjan_t *t, size_t v) {
    t->index[v] = t->low[v] = (long)t->next_index++;
    t->stack[t->sp++] = v;
    t->on_stack[v] = true;
    for (size_t w = 0; w < t->m->n; w++) {
        if (!must_precede(t->m, v, w)) continue;
        if (t->index[w] < 0) {
            strongconnect(t, w);
            if (t->low[w] < t->low[v]) t->low[v] = t->low[w];
        } else if (t->on_stack[w] && t->index[w] < t->low[v]) {
            t->low[v] = t->index[w];
        }
    }
    if (t->low[v] == t->index[v]) {
        size_t w;
        do {
            w = t->stack[--t->sp];
            t->on_stack[w] = false;
            t->comp[w] = (long)t->n_comp;
        } while (w != v);
        t->n_comp++;
    }
}

static cutover_role_t role_of(const cutover_service_t *s) {
    if (s->n_consumes && s->n_produces) return CUTOVER_ROLE_BOTH;
    if (s->n_consumes) return CUTOVER_ROLE_CONSUMER;
    if (s->n_produces) return CUTOVER_ROLE_PRODUCER;
    return CUTOVER_ROLE_NONE;
}

static void step_checks(cutover_plan_t *p, cutover_step_t *st,
                        bool (*selected)(const char *, void *), void *arg) {
    const cutover_manifest_t *m = p->m;
    for (size_t k = 0; k < st->n_services; k++) {
        const cutover_service_t *s = &m->svc[st->services[k]];
        for (size_t i = 0; i < s->n_produces; i++) {
            const char *t = s->produces[i];
            cutover_strs_t cons = {0};
            for (size_t c = 0; c < m->n; c++)
                if (c != st->services[k] && consumes(&m->svc[c], t)) {
                    bool same_step = false;
                    for (size_t q = 0; q < st->n_services; q++)
                        same_step |= st->services[q] == c;
                    if (!same_step && !strs_has(&cons, m->svc[c].name))
                        strs_addf(&cons, "%s", m->svc[c].name);
                }
            for (size_t c = 0; c < cons.n; c++)
                strs_addf(&st->before, "consumer %s of topic %s already moved to the target",
                          cons.v[c], t);
            strs_free(&cons);
        }
    }
    for (size_t k = 0; k < st->n_services; k++) {
        const cutover_service_t *s = &m->svc[st->services[k]];
        strs_addf(&st->before, "stop %s on the source", s->name);
        strs_addf(&st->after, "start %s on the target", s->name);
        for (size_t i = 0; i < s->n_consumes; i++) {
            const char *t = s->consumes[i].topic, *g = s->consumes[i].group;
            if (selected && !selected(t, arg)) {
                strs_addf(&st->warnings,
                          "%s consumes topic %s, which the mirror does not copy (outside its "
                          "topic selection): its records will not be on the target",
                          s->name, t);
                p->n_unselected++;
            }
            strs_addf(&st->before, "group %s has no members on the source", g);
            strs_addf(&st->before,
                      "topic %s copied past group %s's committed offsets (translation exact, "
                      "not pending)",
                      t, g);
            strs_addf(&st->before,
                      "group %s's exact offsets committed on the target "
                      "(kmig cutover group %s --execute)",
                      g, g);
            strs_addf(&st->after, "group %s has members on the target, none on the source", g);
        }
        for (size_t i = 0; i < s->n_produces; i++) {
            const char *t = s->produces[i];
            if (selected && !selected(t, arg)) {
                strs_addf(&st->warnings,
                          "%s produces topic %s, which the mirror does not copy (outside its "
                          "topic selection): consumers moved earlier never see its source "
                          "records",
                          s->name, t);
                p->n_unselected++;
            }
            strs_addf(&st->before,
                      "topic %s no longer written on the source (end offsets still for the "
                      "quiet period)",
                      t);
            strs_addf(&st->before, "topic %s fully copied (mapped end = source end)", t);
            strs_addf(&st->after, "topic %s written on the target, not on the source", t);
        }
        if (!s->n_consumes && !s->n_produces)
            strs_addf(&st->warnings, "%s lists no topic: nothing to check, move it any time",
                      s->name);
    }
    strs_addf(&st->after, "kmig cutover status --services FILE shows %s moved",
              st->n_services > 1 ? "these services" : m->svc[st->services[0]].name);
}

cutover_plan_t *cutover_plan_build(const cutover_manifest_t *m,
                                   bool (*selected)(const char *topic, void *arg), void *arg) {
    cutover_plan_t *p = xcalloc(1, sizeof *p);
    size_t n = m->n;
    p->m = m;
    p->roles = xcalloc(n, sizeof *p->roles);
    p->step_of = xcalloc(n, sizeof *p->step_of);
    for (size_t i = 0; i < n; i++) p->roles[i] = role_of(&m->svc[i]);
    tarjan_t t = {.m = m,
                  .index = xcalloc(n, sizeof(long)),
                  .low = xcalloc(n, sizeof(long)),
                  .comp = xcalloc(n, sizeof(long)),
                  .stack = xcalloc(n, sizeof(size_t)),
                  .on_stack = xcalloc(n, sizeof(bool))};
    for (size_t i = 0; i < n; i++) t.index[i] = -1;
    for (size_t i = 0; i < n; i++)
        if (t.index[i] < 0) strongconnect(&t, i);
    size_t nc = t.n_comp;
    /* per component: in-degree in the condensed graph, its best role, first member */
    size_t *indeg = xcalloc(nc, sizeof *indeg), *first = xcalloc(nc, sizeof *first);
    int *role = xcalloc(nc, sizeof *role);
    bool *done = xcalloc(nc, sizeof *done);
    for (size_t c = 0; c < nc; c++) { first[c] = n; role[c] = CUTOVER_ROLE_NONE; }
    for (size_t i = 0; i < n; i++) {
        size_t c = (size_t)t.comp[i];
        if (first[c] == n) first[c] = i;
        if ((int)p->roles[i] < role[c]) role[c] = (int)p->roles[i];
    }
    bool *edge = xcalloc(nc * nc, sizeof *edge); /* edge[a*nc+b]: comp a before comp b */
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++)
            if (t.comp[a] != t.comp[b] && must_precede(m, a, b)) {
                size_t e = (size_t)t.comp[a] * nc + (size_t)t.comp[b];
                if (!edge[e]) { edge[e] = true; indeg[t.comp[b]]++; }
            }
    p->steps = xcalloc(nc, sizeof *p->steps);
    for (size_t k = 0; k < nc; k++) {
        size_t best = nc;
        for (size_t c = 0; c < nc; c++) {
            if (done[c] || indeg[c]) continue;
            if (best == nc || role[c] < role[best] ||
                (role[c] == role[best] && first[c] < first[best]))
                best = c;
        }
        /* the condensed graph is acyclic, so some component is always free */
        done[best] = true;
        for (size_t c = 0; c < nc; c++)
            if (edge[best * nc + c]) indeg[c]--;
        cutover_step_t *st = &p->steps[p->n_steps];
        st->services = xcalloc(n, sizeof *st->services);
        for (size_t i = 0; i < n; i++)
            if ((size_t)t.comp[i] == best) {
                st->services[st->n_services++] = i;
                p->step_of[i] = p->n_steps;
            }
        if (st->n_services > 1) {
            st->cycle = true;
            p->n_cycles++;
            for (size_t a = 0; a < st->n_services; a++) {
                const cutover_service_t *s = &m->svc[st->services[a]];
                for (size_t c = 0; c < s->n_consumes; c++)
                    for (size_t b = 0; b < st->n_services; b++)
                        if (b != a && produces(&m->svc[st->services[b]], s->consumes[c].topic) &&
                            !strs_has(&st->cycle_topics, s->consumes[c].topic))
                            strs_addf(&st->cycle_topics, "%s", s->consumes[c].topic);
            }
        }
        p->n_steps++;
        step_checks(p, st, selected, arg);
    }
    free(edge);
    free(indeg);
    free(first);
    free(role);
    free(done);
    free(t.index);
    free(t.low);
    free(t.comp);
    free(t.stack);
    free(t.on_stack);
    return p;
}

void cutover_plan_destroy(cutover_plan_t *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n_steps; i++) {
        free(p->steps[i].services);
        strs_free(&p->steps[i].cycle_topics);
        strs_free(&p->steps[i].before);
        strs_free(&p->steps[i].after);
        strs_free(&p->steps[i].warnings);
    }
    free(p->steps);
    free(p->roles);
    free(p->step_of);
    free(p);
}

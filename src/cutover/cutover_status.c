/* Decides the cutover states of groups, produced topics and services, and
 * whether the flow is drained, from three-valued facts (cutover_status.h).
 * Unknown facts give not-ready with their reason, never ready. */
#include "cutover/cutover_status.h"

#include <stdio.h>
#include <string.h>

const char *cutover_state_name(cutover_state_t s) {
    switch (s) {
    case CUTOVER_IN_SYNC: return "in-sync";
    case CUTOVER_READY: return "ready";
    case CUTOVER_MOVED: return "moved";
    default: return "not-ready";
    }
}

static void set_why(char *why, size_t whysz, const char *fmt, const char *a, const char *b) {
    if (whysz) snprintf(why, whysz, fmt, a, b ? b : "");
}

cutover_state_t cutover_group_state(const cutover_group_facts_t *g, char *why, size_t whysz) {
    const char *r = g->reason ? g->reason : "could not be read";
    if (whysz) why[0] = 0;
    if (g->source_members < 0 || g->target_members < 0) {
        set_why(why, whysz, "group %s: members unknown: %s", g->group, r);
        return CUTOVER_NOT_READY;
    }
    if (g->source_members > 0 && g->target_members > 0) {
        set_why(why, whysz, "group %s: members on both clusters%s", g->group, "");
        return CUTOVER_NOT_READY;
    }
    if (g->target_members > 0) return CUTOVER_MOVED;
    if (g->translated == CUTOVER_UNKNOWN || g->committed == CUTOVER_UNKNOWN) {
        set_why(why, whysz, "group %s: offsets unknown: %s", g->group, r);
        return CUTOVER_NOT_READY;
    }
    if (g->translated == CUTOVER_NO) {
        set_why(why, whysz, "group %s: the copy does not cover its committed offsets yet "
                "(translation pending)%s", g->group, "");
        return CUTOVER_IN_SYNC;
    }
    if (g->source_members > 0) {
        set_why(why, whysz, "group %s: members still on the source%s", g->group, "");
        return CUTOVER_IN_SYNC;
    }
    if (g->committed == CUTOVER_NO) {
        set_why(why, whysz, "group %s: stopped on the source; exact offsets not committed on "
                "the target yet (kmig cutover group %s --execute)", g->group, g->group);
        return CUTOVER_IN_SYNC;
    }
    if (g->reason) /* e.g. no committed offsets at all */
        set_why(why, whysz, "group %s: no members; %s", g->group, g->reason);
    else
        set_why(why, whysz, "group %s: exact offsets committed on the target, no members%s",
                g->group, "");
    return CUTOVER_READY;
}

cutover_state_t cutover_topic_state(const cutover_topic_facts_t *t, char *why, size_t whysz) {
    const char *r = t->reason ? t->reason : "could not be read";
    if (whysz) why[0] = 0;
    if (!t->selected) {
        set_why(why, whysz, "topic %s is not mirrored (outside the flow's topic selection)%s",
                t->topic, "");
        return CUTOVER_NOT_READY;
    }
    if (t->source_written == CUTOVER_UNKNOWN || t->copied == CUTOVER_UNKNOWN) {
        set_why(why, whysz, "topic %s: unknown: %s", t->topic, r);
        return CUTOVER_NOT_READY;
    }
    if (t->source_written == CUTOVER_YES) {
        set_why(why, whysz, "topic %s: still written on the source%s", t->topic, "");
        return CUTOVER_IN_SYNC;
    }
    if (t->copied == CUTOVER_NO) {
        set_why(why, whysz, "topic %s: source no longer written, copy not caught up yet%s",
                t->topic, "");
        return CUTOVER_IN_SYNC;
    }
    if (t->foreign == CUTOVER_YES) return CUTOVER_MOVED;
    set_why(why, whysz, "topic %s: stopped on the source and fully copied%s", t->topic, "");
    return CUTOVER_READY;
}

static const cutover_topic_facts_t *topic_of(const cutover_topic_facts_t *v, size_t n,
                                             const char *name) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].topic, name)) return &v[i];
    return NULL;
}

static void append(char *why, size_t whysz, const char *s) {
    if (!whysz || !*s) return;
    size_t len = strlen(why);
    snprintf(why + len, whysz - len, "%s%s", len ? "; " : "", s);
}

cutover_state_t cutover_service_state(const cutover_service_t *s,
                                      const cutover_topic_facts_t *topics, size_t ntopics,
                                      const cutover_group_facts_t *groups, size_t ngroups,
                                      char *why, size_t whysz) {
    cutover_state_t st = CUTOVER_MOVED;
    char one[512];
    bool any = false;
    if (whysz) why[0] = 0;
    for (size_t i = 0; i < s->n_consumes; i++) {
        const cutover_topic_facts_t *t = topic_of(topics, ntopics, s->consumes[i].topic);
        if (!t || !t->selected) {
            snprintf(one, sizeof one, "topic %s is %s", s->consumes[i].topic,
                     t ? "not mirrored (outside the flow's topic selection)"
                       : "unknown (not read)");
            append(why, whysz, one);
            st = CUTOVER_NOT_READY;
        }
        /* each group once, even when it reads several topics */
        bool seen = false;
        for (size_t j = 0; j < i; j++) seen |= !strcmp(s->consumes[j].group, s->consumes[i].group);
        if (seen) continue;
        const cutover_group_facts_t *g = NULL;
        for (size_t k = 0; k < ngroups; k++)
            if (!strcmp(groups[k].group, s->consumes[i].group)) g = &groups[k];
        cutover_state_t gs;
        if (g) {
            gs = cutover_group_state(g, one, sizeof one);
        } else {
            gs = CUTOVER_NOT_READY;
            snprintf(one, sizeof one, "group %s: unknown (not read)", s->consumes[i].group);
        }
        any = true;
        if (gs != CUTOVER_MOVED) append(why, whysz, one);
        if (gs < st) st = gs;
    }
    for (size_t i = 0; i < s->n_produces; i++) {
        const cutover_topic_facts_t *t = topic_of(topics, ntopics, s->produces[i]);
        cutover_state_t ts;
        if (t) {
            ts = cutover_topic_state(t, one, sizeof one);
        } else {
            ts = CUTOVER_NOT_READY;
            snprintf(one, sizeof one, "topic %s: unknown (not read)", s->produces[i]);
        }
        any = true;
        if (ts != CUTOVER_MOVED) append(why, whysz, one);
        if (ts < st) st = ts;
    }
    if (!any && st == CUTOVER_MOVED) {
        append(why, whysz, "lists no topic");
        st = CUTOVER_READY;
    }
    return st;
}

bool cutover_drained(const cutover_topic_facts_t *topics, size_t ntopics,
                     const cutover_state_t *states, size_t nstates,
                     const cutover_manifest_t *m, char *why, size_t whysz) {
    if (whysz) why[0] = 0;
    for (size_t i = 0; i < ntopics; i++) {
        const cutover_topic_facts_t *t = &topics[i];
        if (!t->selected) continue;
        if (t->source_written != CUTOVER_NO) {
            set_why(why, whysz, t->source_written == CUTOVER_YES
                                    ? "topic %s is still written on the source%s"
                                    : "topic %s: whether the source is still written is "
                                      "unknown: %s",
                    t->topic, t->reason);
            return false;
        }
        if (t->copied != CUTOVER_YES) {
            set_why(why, whysz, t->copied == CUTOVER_NO ? "topic %s is not fully copied%s"
                                                        : "topic %s: copy unknown: %s",
                    t->topic, t->reason);
            return false;
        }
    }
    for (size_t i = 0; i < nstates && m && i < m->n; i++) {
        /* a service that lists no topic is ready, never moved: it has nothing
         * the mirror carries, so it does not hold the flow back */
        if (!m->svc[i].n_consumes && !m->svc[i].n_produces) continue;
        if (states[i] != CUTOVER_MOVED) {
            set_why(why, whysz, "service %s is %s", m->svc[i].name, cutover_state_name(states[i]));
            return false;
        }
    }
    return true;
}

/* The dashboard's cutover board (mirror_cutover.h). Every fact but group
 * members comes from state the mirror already publishes; members are read
 * here, by a thread that describes each manifest group on the source and on
 * the target (DescribeGroups, a handle per call as kgroups.h requires) every
 * MEMBERS_INTERVAL_MS and keeps the last counts, or the reason they are
 * unknown. The HTTP thread only copies those counts under a mutex, so a slow
 * cluster never holds up /api/status. */
#include "mirror/mirror_cutover.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "cutover/cutover_board.h"
#include "cutover/cutover_manifest.h"
#include "kafka/kgroups.h"
#include "mirror/mirror_dash.h"
#include "mirror/name_filter.h"

#define MEMBERS_INTERVAL_MS 5000
#define DESCRIBE_TIMEOUT_MAX_MS 3000 /* keeps a stop within seconds */
#define QUIET_MS 5000                /* as `kmig cutover status --quiet-seconds 5` */

typedef struct members {
    char *group;
    int source, target; /* -1 unknown */
    char *reason;       /* why unknown, else NULL */
} members_t;

struct mirror_cutover {
    char *path;
    cutover_manifest_t *m;
    const mm2_flow_t *flow;
    name_filter_t *topics, *groups;
    kv_list_t sadm, tadm;
    int timeout_ms;
    members_t *mv;
    size_t nm;
    int64_t read_ms; /* wall clock of the last complete read, 0 none */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, started;
    pthread_t thread;
};

/* Members of group on one cluster; sv is kgroups_serves_describe()'s answer of this
 * round, with its error in sverr. */
static int describe(mirror_cutover_t *c, const kv_list_t *settings, const char *alias,
                    const char *group, int sv, const char *sverr, char **reason) {
    char err[512];
    int n = -1;
    if (sv <= 0) {
        snprintf(err, sizeof err, "%s", sverr);
        char why[700];
        if (sv == 0)
            snprintf(why, sizeof why, "%s does not serve DescribeGroups (members cannot be read)",
                     alias);
        else
            snprintf(why, sizeof why, "describing the group on %s: %s", alias, err);
        if (!*reason) *reason = xstrdup(why);
        return -1;
    }
    /* both protocols: Kafka 4 describes a KIP-848 group as "Dead", no members
     * (kgroups_presence() then reads the listing; offsets/group_presence.h) */
    group_presence_t pr;
    kgroups_presence("cutover-board", settings, group, c->timeout_ms, &pr);
    n = pr.members;
    if (n < 0) {
        char why[700];
        snprintf(why, sizeof why, "members on %s: %s", alias, pr.reason);
        if (!*reason) *reason = xstrdup(why);
    }
    return n;
}

static void *members_thread(void *arg) {
    mirror_cutover_t *c = arg;
    for (;;) {
        char es[512] = "", et[512] = "";
        int ss = c->nm ? kgroups_serves_describe(&c->sadm, c->timeout_ms, es, sizeof es) : -1;
        pthread_mutex_lock(&c->mu);
        bool stopping = c->stop;
        pthread_mutex_unlock(&c->mu);
        if (stopping) return NULL;
        int st = c->nm ? kgroups_serves_describe(&c->tadm, c->timeout_ms, et, sizeof et) : -1;
        for (size_t i = 0; i < c->nm; i++) {
            pthread_mutex_lock(&c->mu);
            bool stop = c->stop;
            pthread_mutex_unlock(&c->mu);
            if (stop) return NULL;
            char *reason = NULL;
            int s = describe(c, &c->sadm, c->flow->source, c->mv[i].group, ss, es, &reason);
            pthread_mutex_lock(&c->mu);
            stop = c->stop;
            pthread_mutex_unlock(&c->mu);
            int t = stop ? -1
                         : describe(c, &c->tadm, c->flow->target, c->mv[i].group, st, et, &reason);
            pthread_mutex_lock(&c->mu);
            c->mv[i].source = s;
            c->mv[i].target = t;
            free(c->mv[i].reason);
            c->mv[i].reason = reason;
            pthread_mutex_unlock(&c->mu);
        }
        pthread_mutex_lock(&c->mu);
        c->read_ms = clock_wall_ms();
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += MEMBERS_INTERVAL_MS / 1000;
        while (!c->stop && pthread_cond_timedwait(&c->cv, &c->mu, &until) == 0) {
        }
        bool stop = c->stop;
        pthread_mutex_unlock(&c->mu);
        if (stop) return NULL;
    }
}

mirror_cutover_t *mirror_cutover_new(const char *path, mm2_t *mm2, const mm2_flow_t *flow,
                                     char *err, size_t errsz) {
    mirror_cutover_t *c = xcalloc(1, sizeof *c);
    c->path = xstrdup(path);
    c->flow = flow;
    c->timeout_ms = flow->admin_timeout_ms < DESCRIBE_TIMEOUT_MAX_MS ? flow->admin_timeout_ms
                                                                     : DESCRIBE_TIMEOUT_MAX_MS;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (!(c->m = cutover_manifest_load(path, err, errsz)) ||
        !(c->topics = name_filter_new(flow->topics, flow->topics_exclude, err, errsz)) ||
        !(c->groups = name_filter_new(flow->groups, flow->groups_exclude, err, errsz)) ||
        mm2_client_settings(mm2, flow->source, MM2_CLIENT_ADMIN, &c->sadm, err, errsz) ||
        mm2_client_settings(mm2, flow->target, MM2_CLIENT_ADMIN, &c->tadm, err, errsz)) {
        mirror_cutover_destroy(c);
        return NULL;
    }
    for (size_t i = 0; i < c->m->n; i++)
        for (size_t k = 0; k < c->m->svc[i].n_consumes; k++) {
            const char *g = c->m->svc[i].consumes[k].group;
            bool seen = false;
            for (size_t j = 0; j < c->nm; j++) seen |= !strcmp(c->mv[j].group, g);
            if (seen) continue;
            c->mv = xrealloc(c->mv, (c->nm + 1) * sizeof *c->mv);
            c->mv[c->nm++] = (members_t){xstrdup(g), -1, -1, xstrdup("members not read yet")};
        }
    if (pthread_create(&c->thread, NULL, members_thread, c)) {
        snprintf(err, errsz, "cannot start the cutover board's thread");
        mirror_cutover_destroy(c);
        return NULL;
    }
    c->started = true;
    return c;
}

void mirror_cutover_attach(struct mirror_dash *d, const char *path, mm2_t *mm2,
                           const mm2_flow_t *flow) {
    char err[1024];
    mirror_cutover_t *c = mirror_cutover_new(path, mm2, flow, err, sizeof err);
    if (!c) {
        log_warn("the dashboard shows no cutover board: %s", err);
        return;
    }
    mirror_dash_set_cutover(d, c);
}

void mirror_cutover_request_stop(mirror_cutover_t *c) {
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

void mirror_cutover_destroy(mirror_cutover_t *c) {
    if (!c) return;
    if (c->started) {
        mirror_cutover_request_stop(c);
        pthread_join(c->thread, NULL);
    }
    for (size_t i = 0; i < c->nm; i++) {
        free(c->mv[i].group);
        free(c->mv[i].reason);
    }
    free(c->mv);
    kv_list_clear(&c->sadm);
    kv_list_clear(&c->tadm);
    name_filter_destroy(c->topics);
    name_filter_destroy(c->groups);
    cutover_manifest_destroy(c->m);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c->path);
    free(c);
}

static bool topic_selected(const char *topic, void *arg) {
    const mirror_cutover_t *c = arg;
    return !name_filter_topic_is_internal(topic, c->flow->separator) &&
           name_filter_match(c->topics, topic);
}

json_t *mirror_cutover_json(mirror_cutover_t *c, const msnap_t *snap, const msnap_t *base,
                            const groups_view_t *gv, bool groups_enabled,
                            const vforeign_count_t *foreign, size_t nforeign,
                            bool foreign_watched) {
    cutover_board_t *b = cutover_board_new();
    /* the flow's selected source topics (those the snapshot has), then the manifest's */
    for (size_t i = 0; snap && i < snap->n; i++) cutover_board_topic(b, snap->v[i].topic, true);
    cutover_board_add_manifest(b, c->m, topic_selected, c);
    if (base && snap && snap->published_ms - base->published_ms < QUIET_MS) base = NULL;
    for (size_t i = 0; i < b->ntopics; i++) {
        int64_t n = 0;
        for (size_t k = 0; k < nforeign; k++)
            if (!strcmp(foreign[k].topic, b->topics[i].topic)) n += foreign[k].count;
        cutover_board_topic_snap(b, &b->topics[i], snap, base, n, foreign_watched);
    }
    int64_t read_ms;
    pthread_mutex_lock(&c->mu);
    read_ms = c->read_ms;
    for (size_t i = 0; i < c->nm; i++) {
        cutover_group_facts_t *g = cutover_board_group(b, c->mv[i].group);
        g->source_members = c->mv[i].source;
        g->target_members = c->mv[i].target;
        g->reason = cutover_board_own(b, c->mv[i].reason);
    }
    pthread_mutex_unlock(&c->mu);
    for (size_t i = 0; i < b->ngroups; i++) {
        cutover_group_facts_t *g = &b->groups[i];
        if (!groups_enabled) {
            g->translated = g->committed = CUTOVER_UNKNOWN;
            if (!g->reason)
                g->reason = cutover_board_own(b, "the mirror runs no group passes "
                                                 "(emit.checkpoints.enabled and "
                                                 "sync.group.offsets.enabled are false)");
        } else if (!gv) {
            g->translated = g->committed = CUTOVER_UNKNOWN;
            if (!g->reason)
                g->reason = cutover_board_own(b, "the mirror's first group pass has not ended "
                                                 "yet");
        } else {
            cutover_board_group_rows(b, g, gv->rows.v, gv->rows.n,
                                     name_filter_match(c->groups, g->group),
                                     "the group is outside the flow's groups / groups.exclude: "
                                     "the mirror does not translate it");
        }
    }
    bool drained = false;
    json_t *j = cutover_board_json(b, c->m, &drained);
    json_object_set_new(j, "services_file", json_string(c->path));
    /* the span "source written" was measured over: at least QUIET_MS (longer when the
     * page was not polled for a while: more conservative, never less) */
    json_object_set_new(j, "quiet_s",
                        base ? json_real((double)(snap->published_ms - base->published_ms) / 1000.0)
                             : json_null());
    json_object_set_new(j, "members_read_ms",
                        read_ms ? json_integer((json_int_t)read_ms) : json_null());
    cutover_board_destroy(b);
    return j;
}

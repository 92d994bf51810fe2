/* `kmig cutover status`: reads both clusters and says, per topic, per group
 * and per service of the manifest, whether it is ready to move, and whether
 * the flow is drained (docs/CUTOVER.md). The facts: source end offsets read
 * twice, --quiet-seconds apart (still written?); the offset map kept on the
 * target against those ends (copied?) and the target's ends (foreign
 * writes?); each group's members on both clusters and its committed offsets
 * translated through the map as `kmig offsets` does, in a dry run. The
 * judgement is cutover/cutover_status.c's. Exit 0 when drained, 5 when not. */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd_common.h"
#include "cmd/cmd_cutover.h"
#include "core/exitcode.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "core/strmap.h"
#include "cutover/cutover_status.h"
#include "kafka/kadmin.h"
#include "kafka/kgroups.h"
#include "kafka/map_store.h"
#include "mirror/groups.h"
#include "offsets/group_presence.h"
#include "offsets/map_set.h"

static volatile sig_atomic_t stop_watch;
static void on_signal(int sig) {
    (void)sig;
    stop_watch = 1;
}

/* What one refresh reads; everything is freed by status_clear(). */
typedef struct status {
    cutover_topic_facts_t *topics;
    size_t ntopics;
    cutover_group_facts_t *groups;
    size_t ngroups;
    char **owned; /* strings the facts point to */
    size_t nowned;
    cutover_state_t *states; /* per manifest service */
    char **whys;
    bool drained;
    char drained_why[512];
} status_t;

static const char *own(status_t *s, const char *str) {
    if (!str) return NULL;
    if (!(s->owned = realloc(s->owned, (s->nowned + 1) * sizeof *s->owned))) abort();
    return s->owned[s->nowned++] = xstrdup(str);
}

static void status_clear(status_t *s, size_t nsvc) {
    for (size_t i = 0; i < s->nowned; i++) free(s->owned[i]);
    for (size_t i = 0; s->whys && i < nsvc; i++) free(s->whys[i]);
    free(s->owned);
    free(s->whys);
    free(s->topics);
    free(s->groups);
    free(s->states);
    memset(s, 0, sizeof *s);
}

typedef struct ctx {
    cmd_flow_t cf;
    cutover_selection_t sel;
    cutover_manifest_t *m;
    cutover_clients_t cl;
    /* the previous read of the source ends, for --watch: "topic:partition" -> end */
    strmap_t *prev;
} ctx_t;

static void add_topic(status_t *s, const char *name, bool selected) {
    for (size_t i = 0; i < s->ntopics; i++)
        if (!strcmp(s->topics[i].topic, name)) return;
    s->topics = realloc(s->topics, (s->ntopics + 1) * sizeof *s->topics);
    if (!s->topics) abort();
    s->topics[s->ntopics++] = (cutover_topic_facts_t){.topic = own(s, name),
                                                      .selected = selected,
                                                      .source_written = CUTOVER_UNKNOWN,
                                                      .copied = CUTOVER_UNKNOWN,
                                                      .foreign = CUTOVER_UNKNOWN,
                                                      .lag = -1};
}

/* Source ends of every partition of the known topics into `parts` (topic,
 * partition, offset; per-partition err). */
static rd_kafka_topic_partition_list_t *source_parts(const ktopics_t *kt, status_t *s) {
    rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(16);
    for (size_t i = 0; i < s->ntopics; i++) {
        const ktopic_t *k = ktopics_find(kt, s->topics[i].topic);
        if (!k || k->error) continue;
        for (int32_t p = 0; p < k->partitions; p++)
            rd_kafka_topic_partition_list_add(tp, k->name, p);
    }
    return tp;
}

static int read_topics(ctx_t *c, status_t *s, map_set_t *maps, strmap_t *ends_out,
                       int64_t **endv_out, bool first, int quiet, char *err, size_t errsz) {
    ktopics_t kt = {0};
    if (kadmin_list_topics(c->cl.sadmin, c->cl.timeout, &kt, err, errsz)) return -1;
    for (size_t i = 0; i < kt.n; i++)
        if (!kt.v[i].error && cutover_topic_selected(kt.v[i].name, &c->sel))
            add_topic(s, kt.v[i].name, true);
    for (size_t i = 0; c->m && i < c->m->n; i++) {
        for (size_t k = 0; k < c->m->svc[i].n_consumes; k++) {
            const char *t = c->m->svc[i].consumes[k].topic;
            add_topic(s, t, cutover_topic_selected(t, &c->sel));
        }
        for (size_t k = 0; k < c->m->svc[i].n_produces; k++)
            add_topic(s, c->m->svc[i].produces[k], cutover_topic_selected(c->m->svc[i].produces[k], &c->sel));
    }
    /* two reads of the source ends, `quiet` seconds apart (--watch: the previous refresh's
     * read stands for the first) */
    rd_kafka_topic_partition_list_t *a = source_parts(&kt, s), *b = source_parts(&kt, s);
    char ea[512] = "", eb[512] = "";
    int ra = 0;
    if (first || !c->prev) {
        ra = kadmin_end_offsets(c->cl.sadmin, a, c->cl.timeout + 10000, ea, sizeof ea);
        for (int i = 0; i < quiet * 10 && !stop_watch; i++) usleep(100000);
    }
    int rb = kadmin_end_offsets(c->cl.sadmin, b, c->cl.timeout + 10000, eb, sizeof eb);
    /* map entries' target ends */
    rd_kafka_topic_partition_list_t *tt = rd_kafka_topic_partition_list_new(16);
    for (int i = 0; i < b->cnt; i++) {
        map_entry_t *e = map_set_get(maps, b->elems[i].topic, b->elems[i].partition);
        rd_kafka_topic_partition_list_add(tt, e ? e->target : b->elems[i].topic,
                                          b->elems[i].partition);
    }
    char et[512] = "";
    int rt =
        tt->cnt ? kadmin_end_offsets(c->cl.reader, tt, c->cl.timeout + 10000, et, sizeof et) : 0;
    int64_t *endv = xcalloc((size_t)b->cnt + 1, 2 * sizeof *endv);
    for (size_t i = 0; i < s->ntopics; i++) {
        cutover_topic_facts_t *t = &s->topics[i];
        const ktopic_t *k = ktopics_find(&kt, t->topic);
        if (!k || k->error) {
            t->reason = own(s, k ? k->error : "no such topic on the source");
            continue;
        }
        cutover_fact_t written = CUTOVER_NO, copied = CUTOVER_YES, foreign = CUTOVER_NO;
        int64_t lag = 0;
        char why[600] = "";
        for (int j = 0; j < b->cnt; j++) {
            rd_kafka_topic_partition_t *pb = &b->elems[j];
            if (strcmp(pb->topic, t->topic)) continue;
            char key[320];
            snprintf(key, sizeof key, "%s:%d", pb->topic, pb->partition);
            int64_t before = -1;
            if (first || !c->prev) {
                if (!ra && !a->elems[j].err) before = a->elems[j].offset;
                else if (!*why)
                    snprintf(why, sizeof why, "source end of partition %d: %s", pb->partition,
                             ra ? ea : rd_kafka_err2str(a->elems[j].err));
            } else {
                const int64_t *pv = strmap_get(c->prev, key);
                if (pv) before = *pv;
            }
            if (rb || pb->err) {
                if (!*why)
                    snprintf(why, sizeof why, "source end of partition %d: %s", pb->partition,
                             rb ? eb : rd_kafka_err2str(pb->err));
                written = copied = foreign = CUTOVER_UNKNOWN;
                continue;
            }
            int64_t end = pb->offset;
            endv[2 * j] = end;
            endv[2 * j + 1] = (rt || tt->elems[j].err) ? -1 : tt->elems[j].offset;
            strmap_put(ends_out, key, &endv[2 * j]);
            map_entry_t *me = map_set_get(maps, pb->topic, pb->partition);
            if (me) { /* for map_set_translate */
                me->source_end = end;
                me->target_end = endv[2 * j + 1];
            }
            if (before < 0) { if (written == CUTOVER_NO) written = CUTOVER_UNKNOWN; }
            else if (before != end && written != CUTOVER_UNKNOWN) written = CUTOVER_YES;
            map_entry_t *e = map_set_get(maps, pb->topic, pb->partition);
            int64_t next = e && e->map ? offset_map_src_next(e->map) : -1;
            if (next < 0 ? end > 0 : next < end) {
                if (copied != CUTOVER_UNKNOWN) copied = CUTOVER_NO;
                lag += end - (next < 0 ? 0 : next);
            }
            int64_t tnext = e && e->map ? offset_map_tgt_next(e->map) : -1;
            if (endv[2 * j + 1] < 0) {
                if (!*why)
                    snprintf(why, sizeof why, "target end of partition %d: %s", pb->partition,
                             rt ? et : rd_kafka_err2str(tt->elems[j].err));
                foreign = CUTOVER_UNKNOWN;
            } else if (endv[2 * j + 1] > (tnext < 0 ? 0 : tnext) && foreign != CUTOVER_UNKNOWN) {
                foreign = CUTOVER_YES;
            }
        }
        t->source_written = written;
        t->copied = copied;
        t->foreign = foreign;
        t->lag = copied == CUTOVER_UNKNOWN ? -1 : lag;
        if (*why) t->reason = own(s, why);
        else if (written == CUTOVER_UNKNOWN) t->reason = own(s, "no earlier read of its end offsets");
    }
    /* keep this read for the next refresh */
    if (!c->prev) c->prev = strmap_new();
    for (int j = 0; j < b->cnt; j++) {
        if (rb || b->elems[j].err) continue;
        char key[320];
        snprintf(key, sizeof key, "%s:%d", b->elems[j].topic, b->elems[j].partition);
        int64_t *v = strmap_get(c->prev, key);
        if (!v) {
            v = xcalloc(1, sizeof *v);
            strmap_put(c->prev, key, v);
        }
        *v = b->elems[j].offset;
    }
    *endv_out = endv;
    rd_kafka_topic_partition_list_destroy(a);
    rd_kafka_topic_partition_list_destroy(b);
    rd_kafka_topic_partition_list_destroy(tt);
    ktopics_clear(&kt);
    return 0;
}

/* Members of the group on one cluster and its protocol (classic or KIP-848
 * consumer, kgroups_presence()); -1 with the reason when unknown. */
static int members_of(ctx_t *c, const char *alias, const kv_list_t *settings, const char *group,
                      status_t *s, const char **reason, const char **protocol, bool *uncounted) {
    group_presence_t pr;
    kgroups_presence("cutover-describe", settings, group, c->cl.timeout, &pr);
    *protocol = group_protocol_name(pr.protocol);
    *uncounted = pr.members > 0 && !pr.counted;
    if (pr.members < 0) {
        char why[700];
        snprintf(why, sizeof why, "members on %s: %s", alias, pr.reason);
        *reason = own(s, why);
    }
    return pr.members;
}

static void read_groups(ctx_t *c, status_t *s, map_set_t *maps, strmap_t *ends) {
    if (!c->m) return;
    char **names = xcalloc(c->m->n * 8 + 1, sizeof *names);
    size_t nn = 0;
    for (size_t i = 0; i < c->m->n; i++)
        for (size_t k = 0; k < c->m->svc[i].n_consumes; k++) {
            const char *g = c->m->svc[i].consumes[k].group;
            bool seen = false;
            for (size_t j = 0; j < nn; j++) seen |= !strcmp(names[j], g);
            if (seen) continue;
            names = realloc(names, (nn + 2) * sizeof *names);
            if (!names) abort();
            names[nn++] = xstrdup(g);
            names[nn] = NULL;
        }
    s->groups = xcalloc(nn, sizeof *s->groups);
    size_t n = map_set_count(maps);
    groups_partition_t *parts = xcalloc(n, sizeof *parts);
    for (size_t i = 0; i < n; i++) {
        map_entry_t *e = map_set_sorted(maps, i);
        char key[320];
        snprintf(key, sizeof key, "%s:%d", e->topic, e->partition);
        const int64_t *ev = strmap_get(ends, key);
        parts[i] = (groups_partition_t){e->topic, e->target, e->partition, ev ? ev[0] : -1, -1};
    }
    group_rows_t rows = {0};
    groups_pass(c->cl.g, names, parts, n, map_set_translate, maps, NULL, false, &rows);
    for (size_t i = 0; i < nn; i++) {
        cutover_group_facts_t *g = &s->groups[s->ngroups++];
        g->group = own(s, names[i]);
        g->source_members = members_of(c, c->cf.flow->source, &c->cl.sadm, names[i], s, &g->reason,
                                       &g->source_protocol, &g->source_uncounted);
        g->target_members = members_of(c, c->cf.flow->target, &c->cl.tadm, names[i], s, &g->reason,
                                       &g->target_protocol, &g->target_uncounted);
        g->translated = g->committed = CUTOVER_YES;
        size_t nrows = 0;
        for (size_t r = 0; r < rows.n; r++) {
            const group_row_t *w = &rows.v[r];
            if (strcmp(w->group, names[i])) continue;
            nrows++;
            const char *st = w->status;
            if (!strcmp(st, "failed") || !strcmp(st, "active-on-target")) {
                g->translated = g->committed = CUTOVER_UNKNOWN;
                if (!g->reason) g->reason = own(s, w->error ? w->error : "offsets unreadable");
            } else if (!strcmp(st, "pending") || !strcmp(st, "not-copied")) {
                if (g->translated == CUTOVER_YES) g->translated = CUTOVER_NO;
                if (g->committed == CUTOVER_YES) g->committed = CUTOVER_NO;
            } else if (!strcmp(st, "exact") || !strcmp(st, "behind")) {
                if (g->committed == CUTOVER_YES) g->committed = CUTOVER_NO;
                if (!strcmp(st, "behind") && !g->reason)
                    g->reason = own(s, "the target group is beyond the exact translation");
            }
        }
        if (!nrows && !g->reason)
            g->reason = own(s, "no committed offsets on copied partitions (it will start "
                               "from its auto.offset.reset on the target)");
    }
    group_rows_clear(&rows);
    free(parts);
    kgroups_names_free(names);
}

static const char *fact_text(cutover_fact_t f) {
    return f == CUTOVER_YES ? "yes" : f == CUTOVER_NO ? "no" : "unknown";
}

static json_t *fact_json(cutover_fact_t f) {
    return f == CUTOVER_UNKNOWN ? json_null() : json_boolean(f == CUTOVER_YES);
}

/* The protocol facts of a group row: "source_protocol"/"target_protocol"
 * (classic, consumer, none, unknown) and whether the member counts are
 * exact ("source_members_counted": false when the protocol only says members
 * are present, e.g. a KIP-848 group through librdkafka before 2.10). */
static void group_protocol_json(json_t *row, const cutover_group_facts_t *g) {
    json_object_set_new(row, "source_protocol",
                        json_string(g->source_protocol ? g->source_protocol : "unknown"));
    json_object_set_new(row, "target_protocol",
                        json_string(g->target_protocol ? g->target_protocol : "unknown"));
    json_object_set_new(row, "source_members_counted",
                        json_boolean(g->source_members >= 0 && !g->source_uncounted));
    json_object_set_new(row, "target_members_counted",
                        json_boolean(g->target_members >= 0 && !g->target_uncounted));
}

/* "2", "1+ (consumer)" (present, not counted), "0 (consumer)", "?". */
static void members_text(char *buf, size_t size, int n, bool uncounted, const char *protocol) {
    if (n < 0) {
        snprintf(buf, size, "?");
        return;
    }
    bool kip848 = protocol && !strcmp(protocol, "consumer");
    snprintf(buf, size, "%d%s%s", n, uncounted ? "+" : "", kip848 ? " (KIP-848)" : "");
}

static void print_status(ctx_t *c, status_t *s, bool json) {
    const cutover_manifest_t *m = c->m;
    if (json) {
        json_t *jt = json_array(), *jg = json_array(), *js = json_array();
        for (size_t i = 0; i < s->ntopics; i++) {
            cutover_topic_facts_t *t = &s->topics[i];
            json_array_append_new(
                jt, json_pack("{s:s,s:b,s:o,s:o,s:o,s:o,s:s?}", "topic", t->topic, "selected",
                              t->selected, "source_written", fact_json(t->source_written),
                              "copied", fact_json(t->copied), "foreign_writes",
                              fact_json(t->foreign), "lag",
                              t->lag < 0 ? json_null() : json_integer((json_int_t)t->lag),
                              "reason", t->reason));
        }
        for (size_t i = 0; i < s->ngroups; i++) {
            cutover_group_facts_t *g = &s->groups[i];
            char why[512];
            cutover_state_t st = cutover_group_state(g, why, sizeof why);
            long o = cutover_manifest_group_owner(m, g->group);
            json_t *row = json_pack(
                "{s:s,s:s?,s:o,s:o,s:o,s:o,s:s,s:s?}", "group", g->group, "service",
                o >= 0 ? m->svc[o].name : NULL, "source_members",
                g->source_members < 0 ? json_null() : json_integer(g->source_members),
                "target_members",
                g->target_members < 0 ? json_null() : json_integer(g->target_members),
                "translated", fact_json(g->translated), "committed_on_target",
                fact_json(g->committed), "state", cutover_state_name(st), "reason",
                *why ? why : NULL);
            group_protocol_json(row, g);
            json_array_append_new(jg, row);
        }
        for (size_t i = 0; m && i < m->n; i++)
            json_array_append_new(js, json_pack("{s:s,s:s,s:s}", "service", m->svc[i].name,
                                                "state", cutover_state_name(s->states[i]),
                                                "reason", s->whys[i]));
        json_t *j = json_pack("{s:o,s:o,s:o,s:b,s:s?}", "topics", jt, "groups", jg, "services",
                              js, "drained", s->drained, "reason",
                              s->drained ? NULL : s->drained_why);
        json_dumpf(j, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(j);
        fflush(stdout);
        return;
    }
    printf("%-32s %-8s %-14s %-7s %10s %-14s %s\n", "TOPIC", "MIRRORED", "SOURCE-WRITTEN",
           "COPIED", "LAG", "FOREIGN-WRITES", "");
    for (size_t i = 0; i < s->ntopics; i++) {
        cutover_topic_facts_t *t = &s->topics[i];
        char lag[24] = "?";
        if (t->lag >= 0) snprintf(lag, sizeof lag, "%" PRId64, t->lag);
        printf("%-32s %-8s %-14s %-7s %10s %-14s %s\n", t->topic, t->selected ? "yes" : "NO",
               fact_text(t->source_written), fact_text(t->copied), lag, fact_text(t->foreign),
               t->reason ? t->reason : "");
    }
    if (s->ngroups) {
        printf("\n%-24s %-20s %11s %11s %-10s %-9s %-9s %s\n", "GROUP", "SERVICE", "SRC-MEMBERS",
               "TGT-MEMBERS", "TRANSLATED", "COMMITTED", "STATE", "");
        for (size_t i = 0; i < s->ngroups; i++) {
            cutover_group_facts_t *g = &s->groups[i];
            char why[512], sm[32] = "?", tm[32] = "?";
            cutover_state_t st = cutover_group_state(g, why, sizeof why);
            long o = cutover_manifest_group_owner(m, g->group);
            members_text(sm, sizeof sm, g->source_members, g->source_uncounted,
                         g->source_protocol);
            members_text(tm, sizeof tm, g->target_members, g->target_uncounted,
                         g->target_protocol);
            printf("%-24s %-20s %11s %11s %-10s %-9s %-9s %s\n", g->group,
                   o >= 0 ? m->svc[o].name : "", sm, tm, fact_text(g->translated),
                   fact_text(g->committed), cutover_state_name(st), why);
        }
    }
    if (m && m->n) {
        printf("\n%-24s %-9s %s\n", "SERVICE", "STATE", "WHY");
        for (size_t i = 0; i < m->n; i++)
            printf("%-24s %-9s %s\n", m->svc[i].name, cutover_state_name(s->states[i]),
                   s->whys[i]);
    }
    if (s->drained) printf("\ndrained: safe to stop mirroring\n");
    else printf("\nnot drained: %s\n", s->drained_why);
    fflush(stdout);
}

static int topic_cmp(const void *a, const void *b) {
    return strcmp(((const cutover_topic_facts_t *)a)->topic,
                  ((const cutover_topic_facts_t *)b)->topic);
}

static int refresh(ctx_t *c, status_t *s, bool first, int quiet, char *err, size_t errsz) {
    map_set_t *maps = map_set_new();
    strmap_t *ends = strmap_new();
    int64_t *endv = NULL;
    size_t records;
    char map_topic[300];
    int rc = -1;
    map_store_topic_name(map_topic, sizeof map_topic, c->cf.flow->source);
    if (map_store_load(c->cl.reader, map_topic, c->cl.timeout + 20000, map_set_add_seg, maps,
                       &records, err, errsz) ||
        read_topics(c, s, maps, ends, &endv, first, quiet, err, errsz))
        goto out;
    qsort(s->topics, s->ntopics, sizeof *s->topics, topic_cmp);
    read_groups(c, s, maps, ends);
    size_t nsvc = c->m ? c->m->n : 0;
    s->states = xcalloc(nsvc, sizeof *s->states);
    s->whys = xcalloc(nsvc, sizeof *s->whys);
    for (size_t i = 0; i < nsvc; i++) {
        char why[2048];
        s->states[i] = cutover_service_state(&c->m->svc[i], s->topics, s->ntopics, s->groups,
                                             s->ngroups, why, sizeof why);
        s->whys[i] = xstrdup(why);
    }
    s->drained = cutover_drained(s->topics, s->ntopics, s->states, nsvc, c->m, s->drained_why,
                                 sizeof s->drained_why);
    rc = 0;
out:
    free(endv);
    strmap_destroy(ends);
    map_set_destroy(maps);
    return rc;
}

static void status_usage(FILE *out) {
    fprintf(out,
            "usage: kmig cutover status --config FILE [--source A --target B]\n"
            "                           [--services FILE] [--json] [--watch]\n"
            "                           [--quiet-seconds N]\n"
            "  Per topic: still written on the source, copied, foreign writes on the target;\n"
            "  per group: members on each cluster, exact offsets committed on the target;\n"
            "  per service: not-ready, in-sync, ready or moved; and whether the flow is\n"
            "  drained (docs/CUTOVER.md). --quiet-seconds N (default 5): how long the source\n"
            "  ends must stand still (and the --watch refresh period). Exit 0 when drained,\n"
            "  %d when not.\n",
            KMIG_EXIT_NOT_READY);
}

static void free_prev(strmap_t *prev);

int cutover_status_cmd(int argc, char **argv) {
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'}, {"source", required_argument, 0, 's'},
        {"target", required_argument, 0, 't'}, {"services", required_argument, 0, 'S'},
        {"json", no_argument, 0, 'j'},         {"watch", no_argument, 0, 'w'},
        {"quiet-seconds", required_argument, 0, 'q'},
        {"log-level", required_argument, 0, 'l'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *config = NULL, *src = NULL, *tgt = NULL, *services = NULL;
    bool json = false, watch = false;
    long long quiet = 5;
    int c;
    log_set_level(LL_WARN);
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:s:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 's': src = optarg; break;
        case 't': tgt = optarg; break;
        case 'S': services = optarg; break;
        case 'j': json = true; break;
        case 'w': watch = true; break;
        case 'q':
            if (cmd_parse_int("cutover status", "--quiet-seconds", optarg, 1, 3600, &quiet))
                return KMIG_EXIT_USAGE;
            break;
        case 'l':
            if (cmd_set_log_level("kmig cutover status", optarg)) return KMIG_EXIT_USAGE;
            break;
        case 'h': status_usage(stdout); return KMIG_EXIT_OK;
        default: status_usage(stderr); return KMIG_EXIT_USAGE;
        }
    }
    char err[1024];
    ctx_t x = {0};
    status_t s = {0};
    int rc = KMIG_EXIT_USAGE;
    if (cmd_flow_load(&x.cf, config, src, tgt, NULL, 0, err, sizeof err) ||
        !(x.sel.filter = name_filter_new(x.cf.flow->topics, x.cf.flow->topics_exclude, err,
                                         sizeof err)) ||
        (services && !(x.m = cutover_manifest_load(services, err, sizeof err))))
        goto fail;
    x.sel.separator = x.cf.flow->separator;
    if ((rc = cutover_clients_open(&x.cl, "kmig cutover status", &x.cf, err, sizeof err))) {
        if (*err) goto fail;
        goto out;
    }
    rc = KMIG_EXIT_FAIL;
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    if (watch) {
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
    }
    bool tty = isatty(STDOUT_FILENO);
    for (bool first = true;; first = false) {
        if (refresh(&x, &s, first, (int)quiet, err, sizeof err)) goto fail;
        if (watch && tty && !json) printf("\033[H\033[2J");
        print_status(&x, &s, json);
        rc = s.drained ? KMIG_EXIT_OK : KMIG_EXIT_NOT_READY;
        status_clear(&s, x.m ? x.m->n : 0);
        if (!watch || stop_watch) break;
        for (int i = 0; i < quiet * 10 && !stop_watch; i++) usleep(100000);
        if (stop_watch) break;
    }
    goto out;
fail:
    fprintf(stderr, "kmig cutover status: %s\n", err);
out:
    status_clear(&s, x.m ? x.m->n : 0);
    cutover_clients_clear(&x.cl);
    free_prev(x.prev);
    cutover_manifest_destroy(x.m);
    name_filter_destroy(x.sel.filter);
    cmd_flow_clear(&x.cf);
    return rc;
}

static void free_prev(strmap_t *prev) {
    size_t pos = 0;
    const char *k;
    void *v;
    while (prev && strmap_next(prev, &pos, &k, &v)) free(v);
    strmap_destroy(prev);
}

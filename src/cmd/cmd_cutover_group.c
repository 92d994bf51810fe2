/* `kmig cutover group GROUP`: the cutover step of one consumer group,
 * scripted (docs/CUTOVER.md). It waits until the group has no members on the
 * source and the copy covers its committed offsets, then commits the exact
 * translation on the target through the groups sync of `kmig offsets`
 * (mirror/groups.h: never backwards, never over offsets the target's own
 * consumers committed, refused by the broker while members are active there)
 * and reads it back. It refuses, with the reason, when the group has members
 * on the target or the target holds other offsets than the translation. Dry
 * run unless --execute, like kafka-consumer-groups.sh --reset-offsets. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd_back.h"
#include "cmd/cmd_common.h"
#include "cmd/cmd_cutover.h"
#include "core/exitcode.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "kafka/kadmin.h"
#include "kafka/kgroups.h"
#include "kafka/map_store.h"
#include "mirror/groups.h"
#include "offsets/group_presence.h"
#include "offsets/map_set.h"

typedef struct gctx {
    cmd_flow_t cf;
    cutover_clients_t cl;
    const char *group;
    bool back; /* --back: the flow must be the way back of its opposite flow */
    /* the last members read on each cluster (members()): protocol and how */
    group_presence_t src_pr, tgt_pr;
} gctx_t;

static void group_usage(FILE *out) {
    fprintf(out,
            "usage: kmig cutover group GROUP --config FILE [--source A --target B]\n"
            "                          [--execute] [--timeout SECONDS] [--json]\n"
            "  Moves one consumer group's position to the target exactly: waits until the\n"
            "  group has no members on the source and the copy covers its committed\n"
            "  offsets, commits the exact translation on the target and reads it back.\n"
            "  Refuses when the group has members on the target, or the target holds\n"
            "  offsets beyond the translation. Dry run (says what it would commit, no\n"
            "  waiting unless --timeout) unless --execute (waits up to --timeout, default\n"
            "  60 s). Exit 0 done (or, dry run, possible now), %d not possible (reason\n"
            "  printed), 1 failure.\n"
            "  --back: the flow (--source B --target A) is the reverse flow of A->B (the\n"
            "  way back): the group's position on B translates to A through both offset\n"
            "  maps; refused when the forward map is not on B.\n",
            KMIG_EXIT_NOT_READY);
}

/* Members of the group on one cluster (classic or KIP-848 consumer
 * protocol, kgroups_presence()), -1 with err when unknown. The protocol and
 * the judgement are kept in c->src_pr / c->tgt_pr. */
static int members(gctx_t *c, const kv_list_t *settings, char *err, size_t errsz) {
    group_presence_t *pr = settings == &c->cl.sadm ? &c->src_pr : &c->tgt_pr;
    kgroups_presence("cutover-describe", settings, c->group, c->cl.timeout, pr);
    if (pr->members < 0) snprintf(err, errsz, "%s", pr->reason);
    return pr->members;
}

/* "2 members" or, when only known present (a KIP-848 group through
 * librdkafka before 2.10), "members (consumer-protocol group, listed in
 * state Stable)". */
static void members_phrase(char *buf, size_t size, const group_presence_t *pr) {
    if (pr->counted)
        snprintf(buf, size, "%d member%s", pr->members, pr->members == 1 ? "" : "s");
    else
        snprintf(buf, size, "members (%s)", pr->reason);
}

/* The reason when the target refused the commit because the group has
 * members there: refused, not moved. */
static void commit_refused_reason(gctx_t *c, const group_row_t *r, char *reason, size_t size) {
    char err[512];
    members(c, &c->cl.tadm, err, sizeof err); /* the protocol, for the reason */
    snprintf(reason, size,
             "the target refused the commit of %s[%d]: the group has active members on the "
             "target (protocol %s; Kafka accepts offsets from outside only while a group has "
             "no members); nothing moved: %s",
             r->target_topic ? r->target_topic : "*", r->partition,
             group_protocol_name(c->tgt_pr.protocol), r->error ? r->error : r->status);
}

/* One dry or writing pass of the groups sync over every mapped partition. */
static int pass(gctx_t *c, bool write, group_rows_t *rows, char *err, size_t errsz) {
    map_set_t *maps = map_set_new();
    cmd_back_t back = {0};
    size_t records, n;
    char map_topic[300];
    int rc = -1;
    groups_partition_t *parts = NULL;
    int64_t *endv = NULL;
    rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(16),
                                    *ttp = rd_kafka_topic_partition_list_new(16);
    map_store_topic_name(map_topic, sizeof map_topic, c->cf.flow->source);
    if (map_store_load(c->cl.reader, map_topic, c->cl.timeout + 20000, map_set_add_seg, maps,
                       &records, err, errsz) ||
        cmd_back_load(&back, &c->cf, maps, c->cl.timeout, err, errsz))
        goto out;
    cmd_back_seed(&back, c->cl.g);
    n = map_set_count(maps);
    parts = xcalloc(n, sizeof *parts);
    endv = xcalloc(n, 2 * sizeof *endv);
    for (size_t i = 0; i < n; i++) {
        map_entry_t *e = map_set_sorted(maps, i);
        parts[i] = (groups_partition_t){e->topic, e->target, e->partition, -1, -1};
        rd_kafka_topic_partition_list_add(tp, e->topic, e->partition);
        rd_kafka_topic_partition_list_add(ttp, e->target, e->partition);
    }
    if (n && (kadmin_end_offsets(c->cl.sadmin, tp, c->cl.timeout + 10000, err, errsz) ||
              kadmin_end_offsets(c->cl.reader, ttp, c->cl.timeout + 10000, err, errsz)))
        goto out;
    for (int i = 0; i < tp->cnt; i++) {
        parts[i].source_end = tp->elems[i].err ? -1 : tp->elems[i].offset;
        endv[2 * i] = parts[i].source_end;
        endv[2 * i + 1] = ttp->elems[i].err ? -1 : ttp->elems[i].offset;
        map_entry_t *e = map_set_sorted(maps, (size_t)i);
        e->source_end = endv[2 * i];
        e->target_end = endv[2 * i + 1];
    }
    char *names[] = {(char *)c->group, NULL};
    groups_translate_fn tr = back.active ? backmap_pair_translate : map_set_translate;
    void *opaque = back.active ? (void *)&back.pair : maps;
    if (groups_pass(c->cl.g, names, parts, n, tr, opaque, NULL, write, rows) && !write) {
        snprintf(err, errsz, "the group's offsets could not be read");
        for (size_t i = 0; i < rows->n; i++)
            if (rows->v[i].error) snprintf(err, errsz, "%s", rows->v[i].error);
        goto out;
    }
    rc = 0;
out:
    rd_kafka_topic_partition_list_destroy(tp);
    rd_kafka_topic_partition_list_destroy(ttp);
    free(parts);
    free(endv);
    cmd_back_clear(&back);
    map_set_destroy(maps);
    return rc;
}

/* --back: why the translation of row r is pending. */
static void back_pending_reason(const gctx_t *c, const group_row_t *r, char *reason,
                                size_t size) {
    snprintf(reason, size,
             "the way back of %s[%d] from offset %" PRId64 " is %s: the reverse flow %s->%s "
             "must run and copy %s up to the group's position (kmig mirror --source %s "
             "--target %s), with producers writing on one cluster only",
             r->topic, r->partition, r->source_offset, r->status, c->cf.flow->source,
             c->cf.flow->target, c->cf.flow->source, c->cf.flow->source, c->cf.flow->target);
}

/* --back: refuses (false, with the reason) unless the flow is the way back of
 * its opposite flow, whose map must be on this flow's source. */
static bool back_check(gctx_t *c, char *reason, size_t size) {
    if (!c->back) return true;
    char err[512];
    map_set_t *own = map_set_new();
    cmd_back_t b = {0};
    bool ok = false;
    if (cmd_back_load(&b, &c->cf, own, c->cl.timeout, err, sizeof err))
        snprintf(reason, size, "--back: the forward map cannot be read on %s: %s",
                 c->cf.flow->source, err);
    else if (!b.active)
        snprintf(reason, size,
                 "--back: %s does not exist on %s: %s->%s is not the way back of a flow "
                 "%s->%s (run the forward flow first; see docs/CUTOVER.md)",
                 b.topic, c->cf.flow->source, c->cf.flow->source, c->cf.flow->target,
                 c->cf.flow->target, c->cf.flow->source);
    else
        ok = true;
    cmd_back_clear(&b);
    map_set_destroy(own);
    return ok;
}

static bool rows_all(const group_rows_t *r, const char *a, const char *b) {
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].status, a) && (!b || strcmp(r->v[i].status, b))) return false;
    return true;
}

static const group_row_t *row_with(const group_rows_t *r, const char *status) {
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->v[i].status, status)) return &r->v[i];
    return NULL;
}

/* "source_protocol"/"target_protocol" (classic, consumer for KIP-848, none,
 * unknown: as last read) and the member counts ("source_members": null when
 * unknown; "*_members_counted": false when only known present). */
static void protocols_json(json_t *j, const gctx_t *c) {
    const group_presence_t *pr[2] = {&c->src_pr, &c->tgt_pr};
    const char *const side[2] = {"source", "target"};
    for (int i = 0; i < 2; i++) {
        char k[32];
        snprintf(k, sizeof k, "%s_protocol", side[i]);
        json_object_set_new(j, k, json_string(group_protocol_name(pr[i]->protocol)));
        snprintf(k, sizeof k, "%s_members", side[i]);
        json_object_set_new(j, k, pr[i]->members < 0 ? json_null() : json_integer(pr[i]->members));
        snprintf(k, sizeof k, "%s_members_counted", side[i]);
        json_object_set_new(j, k, json_boolean(pr[i]->members >= 0 && pr[i]->counted));
    }
}

static void print_rows(const gctx_t *c, const group_rows_t *rows, const char *state,
                       const char *reason, bool json) {
    if (json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < rows->n; i++) {
            const group_row_t *r = &rows->v[i];
            json_array_append_new(
                arr, json_pack("{s:s?,s:i,s:I,s:s?,s:I,s:I,s:s}", "topic", r->topic, "partition",
                               (int)r->partition, "source_offset", (json_int_t)r->source_offset,
                               "target_topic", r->target_topic, "target_offset",
                               (json_int_t)r->cp.target_offset, "target_committed",
                               (json_int_t)r->target_committed, "status", r->status));
        }
        json_t *j = json_pack("{s:s,s:s,s:s?,s:o}", "group", c->group, "state", state, "reason",
                              reason, "partitions", arr);
        protocols_json(j, c);
        json_dumpf(j, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(j);
        return;
    }
    for (size_t i = 0; i < rows->n; i++) {
        const group_row_t *r = &rows->v[i];
        printf("  %s[%d]: source offset %" PRId64 " -> target %s[%d] offset %" PRId64
               " (%s)\n",
               r->topic ? r->topic : "*", r->partition, r->source_offset,
               r->target_topic ? r->target_topic : "*", r->partition, r->cp.target_offset,
               r->status);
    }
    printf("group %s (source: %s, target: %s): %s%s%s\n", c->group,
           group_protocol_name(c->src_pr.protocol), group_protocol_name(c->tgt_pr.protocol), state,
           reason ? ": " : "", reason ? reason : "");
}

int cutover_group_cmd(int argc, char **argv) {
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'}, {"source", required_argument, 0, 's'},
        {"target", required_argument, 0, 't'}, {"execute", no_argument, 0, 'E'},
        {"timeout", required_argument, 0, 'T'}, {"json", no_argument, 0, 'j'},
        {"log-level", required_argument, 0, 'l'}, {"help", no_argument, 0, 'h'},
        {"back", no_argument, 0, 'B'},
        {0, 0, 0, 0}};
    const char *config = NULL, *src = NULL, *tgt = NULL;
    bool execute = false, json = false;
    long long timeout = -1;
    int c;
    gctx_t x = {0};
    log_set_level(LL_WARN);
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:s:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 's': src = optarg; break;
        case 't': tgt = optarg; break;
        case 'E': execute = true; break;
        case 'j': json = true; break;
        case 'B': x.back = true; break;
        case 'T':
            if (cmd_parse_int("cutover group", "--timeout", optarg, 0, 86400, &timeout))
                return KMIG_EXIT_USAGE;
            break;
        case 'l':
            if (cmd_set_log_level("kmig cutover group", optarg)) return KMIG_EXIT_USAGE;
            break;
        case 'h': group_usage(stdout); return KMIG_EXIT_OK;
        default: group_usage(stderr); return KMIG_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "kmig cutover group: name one GROUP\n");
        group_usage(stderr);
        return KMIG_EXIT_USAGE;
    }
    if (timeout < 0) timeout = execute ? 60 : 0;
    char err[1024], reason[1200] = "";
    x.group = argv[optind];
    x.src_pr.members = x.tgt_pr.members = -1; /* not read yet */
    group_rows_t rows = {0};
    int rc = KMIG_EXIT_USAGE;
    if (cmd_flow_load(&x.cf, config, src, tgt, NULL, 0, err, sizeof err)) goto fail;
    if ((rc = cutover_clients_open(&x.cl, "kmig cutover group", &x.cf, err, sizeof err))) {
        if (*err) goto fail;
        goto out;
    }
    rc = KMIG_EXIT_FAIL;
    time_t deadline = time(NULL) + (time_t)timeout;
    const char *state = "waiting";
    if (!back_check(&x, reason, sizeof reason)) state = "refused";
    while (strcmp(state, "refused")) {
        group_rows_clear(&rows);
        int sm = members(&x, &x.cl.sadm, err, sizeof err);
        if (sm < 0) {
            snprintf(reason, sizeof reason, "members on the source unknown: %s", err);
            goto wait;
        }
        int tm = members(&x, &x.cl.tadm, err, sizeof err);
        if (tm < 0) {
            snprintf(reason, sizeof reason, "members on the target unknown: %s", err);
            goto wait;
        }
        char who[500];
        if (tm > 0) {
            state = "refused";
            members_phrase(who, sizeof who, &x.tgt_pr);
            snprintf(reason, sizeof reason,
                     "%s active on the target (%s group): the group already runs there; "
                     "nothing committed", who, group_protocol_name(x.tgt_pr.protocol));
            break;
        }
        if (sm > 0) {
            members_phrase(who, sizeof who, &x.src_pr);
            snprintf(reason, sizeof reason, "%s on the source: stop the service there", who);
            goto wait;
        }
        if (pass(&x, false, &rows, err, sizeof err)) {
            snprintf(reason, sizeof reason, "%s", err);
            goto wait;
        }
        const group_row_t *r;
        if ((r = row_with(&rows, "failed")) || (r = row_with(&rows, "active-on-target"))) {
            snprintf(reason, sizeof reason, "%s[%d]: %s", r->topic ? r->topic : "*",
                     r->partition, r->error ? r->error : r->status);
            goto wait;
        }
        if ((r = row_with(&rows, "pending")) || (r = row_with(&rows, "not-copied"))) {
            snprintf(reason, sizeof reason,
                     "the copy does not cover the committed offset %" PRId64 " of %s[%d] yet "
                     "(translation %s: is kmig mirror running?)",
                     r->source_offset, r->topic, r->partition, r->status);
            if (x.back)
                back_pending_reason(&x, r, reason, sizeof reason);
            goto wait;
        }
        if ((r = row_with(&rows, "behind")) || (r = row_with(&rows, "taken-over"))) {
            state = "refused";
            snprintf(reason, sizeof reason,
                     "%s[%d]: the target group has %s offsets (%" PRId64
                     ") than the exact translation %" PRId64 "; nothing committed",
                     r->topic, r->partition,
                     !strcmp(r->status, "behind") ? "further" : "its own consumers'",
                     r->target_committed, r->cp.target_offset);
            break;
        }
        if (rows_all(&rows, "up-to-date", NULL)) {
            state = "committed";
            snprintf(reason, sizeof reason, "%s",
                     rows.n ? "the target already has the exact offsets"
                            : "no committed offsets on copied partitions: nothing to move");
            break;
        }
        if (!execute) {
            state = "would-commit";
            snprintf(reason, sizeof reason, "dry run: --execute commits these offsets");
            break;
        }
        group_rows_clear(&rows);
        if (pass(&x, true, &rows, err, sizeof err)) {
            snprintf(reason, sizeof reason, "%s", err);
            goto wait;
        }
        if ((r = row_with(&rows, "active-on-target"))) {
            state = "refused";
            commit_refused_reason(&x, r, reason, sizeof reason);
            break;
        }
        if ((r = row_with(&rows, "failed"))) {
            snprintf(reason, sizeof reason, "commit of %s[%d] refused: %s",
                     r->topic ? r->topic : "*", r->partition, r->error ? r->error : r->status);
            goto wait;
        }
        /* read back: the target must now hold exactly the translation */
        group_rows_clear(&rows);
        if (pass(&x, false, &rows, err, sizeof err) || !rows_all(&rows, "up-to-date", NULL)) {
            state = "failed";
            snprintf(reason, sizeof reason, "read back after the commit: %s",
                     *err ? err : "the target does not hold the exact offsets");
            break;
        }
        state = "committed";
        snprintf(reason, sizeof reason, "exact offsets committed on the target and read back");
        if (members(&x, &x.cl.sadm, err, sizeof err) != 0)
            snprintf(reason, sizeof reason,
                     "committed, but a member joined on the source meanwhile (or members are "
                     "unknown): run again once it is stopped");
        break;
    wait:
        if (time(NULL) >= deadline) break;
        if (!json) fprintf(stderr, "group %s: waiting: %s\n", x.group, reason);
        sleep(1);
    }
    print_rows(&x, &rows, state, reason, json);
    rc = !strcmp(state, "committed") || !strcmp(state, "would-commit") ? KMIG_EXIT_OK
         : !strcmp(state, "failed")                                     ? KMIG_EXIT_FAIL
                                                                        : KMIG_EXIT_NOT_READY;
    goto out;
fail:
    fprintf(stderr, "kmig cutover group: %s\n", err);
out:
    group_rows_clear(&rows);
    cutover_clients_clear(&x.cl);
    cmd_flow_clear(&x.cf);
    return rc;
}

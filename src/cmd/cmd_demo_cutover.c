/* `kmig demo --cutover`: a cutover walked through on two in-process mock
 * clusters (docs/CUTOVER.md, "The walkthrough"). Three small services run in
 * this process: shop (producer only: writes orders), billing (consumes
 * orders with group billing, writes one invoice per order) and mailer
 * (consumer only: reads invoices with group mailer). The real mirror engine
 * copies orders and invoices old -> new in a thread of its own, and the
 * reverse flow new -> old (the way back) in another, while the services move
 * in the planned order (cutover/cutover_plan.h): mailer, then billing, then
 * shop. At each step the board of `kmig cutover status` is shown, judged by
 * cutover/cutover_status.c (through cutover_board.h); each group moves as
 * `kmig cutover group` does it (the groups sync's exact translation committed
 * on the target and read back); after billing moved, mailer goes back to the
 * source once (demo_way_back(), exact through both flows' maps as `cutover
 * group --back` translates) and forward again. The flow ends drained, both
 * flows stop, and every record and offset is checked: each consumer read each
 * record exactly once across every move, each copied record matches its
 * source through its flow's map, and the target holds exactly the records the
 * moved producers wrote there, each copied back once.
 *
 * Group members: librdkafka's mock cluster serves no DescribeGroups (nor
 * ListGroups), so the members on the board are the demo's own services
 * (1 where a service runs, 0 elsewhere), and the demo says so. Every other
 * fact is read from the clusters as `kmig cutover status` reads it (end
 * offsets, the offset map kept on the target, the groups' committed offsets
 * on both clusters). */
#include "cmd/cmd_demo_cutover.h"
#include "cmd/cmd_demo_services.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/exitcode.h"
#include "core/sbuf.h"
#include "cutover/cutover_board.h"
#include "cutover/cutover_render.h"
#include "kafka/map_store.h"
#include "offsets/backmap.h"
#include "offsets/offset_map.h"
#include "verify/verify.h"

static const char demo_manifest[] =
    "# The demo's services manifest (docs/CUTOVER.md)\n"
    "services:\n"
    "  - name: shop          # producer only\n"
    "    produces: [orders]\n"
    "  - name: billing       # consumes and produces\n"
    "    consumes: [{topic: orders, group: billing}]\n"
    "    produces: [invoices]\n"
    "  - name: mailer        # consumer only\n"
    "    consumes: [{topic: invoices, group: mailer}]\n";

void demo_say(demo_t *d, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfprintf(d->out, fmt, ap);
    va_end(ap);
    fflush(d->out);
}

/* Records what happened in the current step (text and JSON alike). */
void demo_action(demo_t *d, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    demo_say(d, "  - %s\n", buf);
    if (d->step) json_array_append_new(json_object_get(d->step, "actions"), json_string(buf));
}

void demo_failure(demo_t *d, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    demo_say(d, "  FAILED CHECK: %s\n", buf);
    json_array_append_new(d->failures, json_string(buf));
}

static void step(demo_t *d, const char *title) {
    d->nstep++;
    demo_say(d, "\n== Step %d: %s ==\n", d->nstep, title);
    d->step = json_pack("{s:i,s:s,s:[],s:n}", "step", d->nstep, "title", title, "actions",
                        "status");
    json_array_append_new(d->steps, d->step);
}

/* --- the board --------------------------------------------------------------- */

static const char *fact(cutover_fact_t f) {
    return f == CUTOVER_YES ? "yes" : f == CUTOVER_NO ? "no" : "unknown";
}

demo_at_t demo_owner_at(demo_t *d, const char *group) {
    return !strcmp(group, "billing") ? d->billing : d->mailer;
}

/* Reads the facts, judges them (cutover_status.c) and prints the board of
 * `kmig cutover status`; its JSON goes into the step. "Source written"
 * compares the source ends with those of the previous status, leaving out
 * the reverse flow's copies: the demo's quiet period is the time between
 * two boards. */
static int status(demo_t *d, const char *when) {
    int64_t se[NTOPICS][4], te[NTOPICS][4];
    /* both flows caught up first: the reverse flow's copies on the source are
     * then in its map (not taken for a producer's writes), and the forward
     * flow skipped them (its map covers the source's ends) */
    if (demo_wait_back_copied(d) || demo_wait_copied(d)) return -1;
    /* the reverse flow's copies on the source are not writes of a producer
     * there: source offsets the reverse map names as its copies do not count */
    map_set_t *maps, *rev;
    if (demo_load_both_maps(d, &maps, &rev, se, te)) return -1;
    cutover_board_t *b = cutover_board_new();
    for (int t = 0; t < NTOPICS; t++) {
        cutover_topic_facts_t *f = cutover_board_topic(b, demo_topic_name[t], true);
        bool written = false, copied = true, foreign = false;
        int64_t lag = 0;
        for (int p = 0; p < demo_topic_parts[t]; p++) {
            map_entry_t *r = map_set_get(rev, demo_topic_name[t], p);
            written |= d->have_prev && d->prev_end[t][p] != se[t][p] &&
                       !backmap_tgt_covered(r ? r->map : NULL, d->prev_end[t][p], se[t][p]);
            map_entry_t *e = map_set_get(maps, demo_topic_name[t], p);
            int64_t next = e && e->map ? offset_map_src_next(e->map) : -1;
            int64_t tnext = e && e->map ? offset_map_tgt_next(e->map) : -1;
            if (!demo_covered(maps, t, p, se[t][p])) {
                copied = false;
                lag += se[t][p] - (next < 0 ? 0 : next);
            }
            foreign |= te[t][p] > (tnext < 0 ? 0 : tnext);
            d->prev_end[t][p] = se[t][p];
        }
        f->source_written = !d->have_prev ? CUTOVER_UNKNOWN : written ? CUTOVER_YES : CUTOVER_NO;
        if (!d->have_prev) f->reason = cutover_board_own(b, "no earlier read of its end offsets");
        f->copied = copied ? CUTOVER_YES : CUTOVER_NO;
        f->foreign = foreign ? CUTOVER_YES : CUTOVER_NO;
        f->lag = lag;
    }
    d->have_prev = true;
    map_set_destroy(maps);
    map_set_destroy(rev);
    int rc = 0;
    const char *groups[] = {"billing", "mailer"};
    for (size_t i = 0; i < 2 && !rc; i++) {
        group_rows_t rows = {0};
        cutover_group_facts_t *g = cutover_board_group(b, groups[i]);
        demo_at_t at = demo_owner_at(d, groups[i]);
        g->source_members = at == AT_SOURCE;
        g->target_members = at == AT_TARGET;
        if (!(rc = demo_group_pass(d, groups[i], false, false, &rows)))
            cutover_board_group_rows(b, g, rows.v, rows.n, true, NULL);
        group_rows_clear(&rows);
    }
    if (rc) {
        cutover_board_destroy(b);
        return -1;
    }
    bool drained = false;
    json_t *j = cutover_board_json(b, d->m, &drained);
    d->drained = drained;
    demo_say(d, "  status %s (members: the demo's own consumers; the mock serves no DescribeGroups):\n",
        when);
    for (size_t i = 0; i < b->ntopics; i++) {
        const cutover_topic_facts_t *t = &b->topics[i];
        demo_say(d, "    topic %-9s source-written %-7s copied %-3s lag %-4" PRId64 " foreign-writes %s\n",
            t->topic, fact(t->source_written), fact(t->copied), t->lag, fact(t->foreign));
    }
    size_t k;
    json_t *v;
    json_array_foreach(json_object_get(j, "groups"), k, v)
        demo_say(d, "    group %-9s members source %" JSON_INTEGER_FORMAT " target %" JSON_INTEGER_FORMAT
               "  translated %-3s committed-on-target %-3s -> %s\n",
            json_string_value(json_object_get(v, "group")),
            json_integer_value(json_object_get(v, "source_members")),
            json_integer_value(json_object_get(v, "target_members")),
            json_is_true(json_object_get(v, "translated")) ? "yes" : "no",
            json_is_true(json_object_get(v, "committed_on_target")) ? "yes" : "no",
            json_string_value(json_object_get(v, "state")));
    json_array_foreach(json_object_get(j, "services"), k, v) {
        const char *why = json_string_value(json_object_get(v, "reason"));
        demo_say(d, "    service %-8s %-9s %s\n", json_string_value(json_object_get(v, "service")),
            json_string_value(json_object_get(v, "state")), why ? why : "");
    }
    if (drained) demo_say(d, "    drained: safe to stop mirroring\n");
    else demo_say(d, "    not drained: %s\n", json_string_value(json_object_get(j, "reason")));
    json_object_set_new(j, "when", json_string(when));
    json_t *arr = json_object_get(d->step, "status");
    if (!json_is_array(arr)) {
        arr = json_array();
        json_object_set_new(d->step, "status", arr);
    }
    json_array_append_new(arr, j);
    cutover_board_destroy(b);
    return 0;
}

/* The state of service `name` on the last board of the current step. */
static const char *state_of(demo_t *d, const char *name) {
    json_t *arr = json_object_get(d->step, "status");
    json_t *last = json_array_get(arr, json_array_size(arr) - 1);
    size_t k;
    json_t *v;
    json_array_foreach(json_object_get(last, "services"), k, v)
        if (!strcmp(json_string_value(json_object_get(v, "service")), name))
            return json_string_value(json_object_get(v, "state"));
    return "?";
}

static void expect_state(demo_t *d, const char *name, const char *want) {
    const char *got = state_of(d, name);
    if (strcmp(got, want)) demo_failure(d, "service %s is %s, expected %s", name, got, want);
}

/* --- the walkthrough ----------------------------------------------------------- */

/* Live traffic for a while: shop writes `orders` records where it runs,
 * billing processes them where it runs, mailer reads the invoices where it
 * runs (after the mirror copied what it must read on the target). */
static int traffic(demo_t *d, int orders) {
    if (demo_shop_produce(d, orders)) return -1;
    if (d->billing == AT_TARGET && demo_wait_copied(d)) return -1;
    if (demo_billing_run(d)) return -1;
    if (d->mailer == AT_TARGET && demo_wait_copied(d)) return -1;
    /* mailer on the source after the way back reads the invoices billing
     * wrote on the target once the reverse flow copied them back */
    if (d->mailer == AT_SOURCE && d->billing == AT_TARGET && demo_wait_back_copied(d)) return -1;
    if (demo_mailer_run(d)) return -1;
    return demo_wait_copied(d);
}

/* A service started on the target (`note` follows the action's words): live
 * traffic, the board, and the service is "moved". */
static int start_on_target(demo_t *d, const char *name, demo_at_t *at, const char *note) {
    char when[64];
    *at = AT_TARGET;
    demo_action(d, "%s started on the target%s", name, note);
    snprintf(when, sizeof when, "with %s on the target", name);
    if (traffic(d, 40) || status(d, when)) return -1;
    expect_state(d, name, "moved");
    return 0;
}

/* A consumer service moved as the plan says: stopped on the source for
 * `quiet` orders of traffic (it and also_in_sync, unless NULL, still in sync),
 * its group moved as `kmig cutover group` does (ready), then started on the
 * target (start_on_target). */
static int move_consumer(demo_t *d, const char *name, demo_at_t *at, int quiet,
                         const char *also_in_sync, const char *started_note) {
    char when[64];
    *at = AT_STOPPED;
    demo_action(d, "%s stopped on the source", name);
    snprintf(when, sizeof when, "with %s stopped", name);
    if (traffic(d, quiet) || status(d, when)) return -1;
    expect_state(d, name, "in-sync");
    if (also_in_sync) expect_state(d, also_in_sync, "in-sync");
    snprintf(when, sizeof when, "after cutover group %s", name);
    if (demo_move_group_step(d, name) || traffic(d, 20) || status(d, when)) return -1;
    expect_state(d, name, "ready");
    return start_on_target(d, name, at, started_note);
}

static bool plan_selected(const char *topic, void *arg) {
    (void)arg;
    return !strcmp(topic, "orders") || !strcmp(topic, "invoices");
}

static int setup(demo_t *d) {
    if (demo_cluster_start(&d->src, 1, d->err, sizeof d->err) ||
        demo_cluster_start(&d->tgt, 1, d->err, sizeof d->err))
        return -1;
    char map_topic[300];
    map_store_topic_name(map_topic, sizeof map_topic, "old");
    for (int t = 0; t < NTOPICS; t++) {
        rd_kafka_mock_topic_create(d->src.mock, demo_topic_name[t], demo_topic_parts[t], 1);
        /* the mock has no CreateTopics: target topics are provisioned up front */
        rd_kafka_mock_topic_create(d->tgt.mock, demo_topic_name[t], demo_topic_parts[t], 1);
    }
    rd_kafka_mock_topic_create(d->tgt.mock, map_topic, 1, 1);
    rd_kafka_mock_topic_create(d->tgt.mock, "kmig-checkpoints.old.internal", 1, 1);
    /* the reverse flow new -> old keeps its map and checkpoints on old */
    map_store_topic_name(map_topic, sizeof map_topic, "new");
    rd_kafka_mock_topic_create(d->src.mock, map_topic, 1, 1);
    rd_kafka_mock_topic_create(d->src.mock, "kmig-checkpoints.new.internal", 1, 1);
    snprintf(d->cfg_path, sizeof d->cfg_path, "/tmp/kmig-demo-XXXXXX");
    snprintf(d->svc_path, sizeof d->svc_path, "/tmp/kmig-demo-services-XXXXXX");
    int fd = mkstemp(d->cfg_path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    int sfd = mkstemp(d->svc_path);
    FILE *sf = sfd >= 0 ? fdopen(sfd, "w") : NULL;
    if (!f || !sf) {
        if (f) fclose(f);
        if (sf) fclose(sf);
        snprintf(d->err, sizeof d->err, "cannot write the demo's files in /tmp");
        return -1;
    }
    fprintf(f,
            "clusters = old, new\n"
            "old.bootstrap.servers = %s\n"
            "new.bootstrap.servers = %s\n"
            "old->new.enabled = true\n"
            "old->new.topics = orders, invoices\n"
            "new->old.enabled = true\n"
            "new->old.topics = orders, invoices\n"
            "replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy\n"
            "replication.factor = 1\n"
            "offset-syncs.topic.replication.factor = 1\n"
            "checkpoints.topic.replication.factor = 1\n"
            "groups = billing, mailer\n"
            "emit.checkpoints.enabled = false\n"
            "sync.group.offsets.enabled = false\n"
            "emit.heartbeats.enabled = false\n"
            "sync.topic.configs.enabled = false\n"
            "sync.topic.acls.enabled = false\n"
            "kmig.admin.timeout.ms = 1000\n",
            d->src.bootstrap, d->tgt.bootstrap);
    fclose(f);
    fputs(demo_manifest, sf);
    fclose(sf);
    if (cmd_flow_load(&d->cf, d->cfg_path, "old", "new", NULL, 0, d->err, sizeof d->err) ||
        cmd_flow_load(&d->rcf, d->cfg_path, "new", "old", NULL, 0, d->err, sizeof d->err) ||
        !(d->m = cutover_manifest_load(d->svc_path, d->err, sizeof d->err)))
        return -1;
    d->plan = cutover_plan_build(d->m, plan_selected, NULL);
    if (!(d->src_reader = demo_client(RD_KAFKA_CONSUMER, d->src.bootstrap, NULL, d->err, sizeof d->err)) ||
        !(d->tgt_reader = demo_client(RD_KAFKA_CONSUMER, d->tgt.bootstrap, NULL, d->err, sizeof d->err)) ||
        !(d->g = groups_new(d->cf.mm2, d->cf.flow, d->err, sizeof d->err)) ||
        groups_load_checkpoints(d->g, d->err, sizeof d->err))
        return -1;
    groups_set_emit(d->g, false);
    mirror_opts_t mo = {.mm2 = d->cf.mm2, .flow = d->cf.flow, .stop = &d->stop};
    if (!(d->mirror = mirror_new(&mo, d->err, sizeof d->err))) return -1;
    if (pthread_create(&d->mirror_thread, NULL, demo_mirror_main, d)) {
        snprintf(d->err, sizeof d->err, "cannot start the mirror's thread");
        return -1;
    }
    d->mirror_running = true;
    /* the way back: the reverse flow copies what is written on new back to old,
     * never the forward copies (docs/CUTOVER.md "The way back") */
    mirror_opts_t ro = {.mm2 = d->rcf.mm2, .flow = d->rcf.flow, .stop = &d->stop};
    if (!(d->rmirror = mirror_new(&ro, d->err, sizeof d->err))) return -1;
    if (pthread_create(&d->rmirror_thread, NULL, demo_rmirror_main, d)) {
        snprintf(d->err, sizeof d->err, "cannot start the reverse flow's thread");
        return -1;
    }
    d->rmirror_running = true;
    return 0;
}

/* Stops both flows (one stop flag). */
static int stop_mirror(demo_t *d) {
    if (!d->mirror_running && !d->rmirror_running) return 0;
    atomic_store(&d->stop, 1);
    if (d->mirror_running) pthread_join(d->mirror_thread, NULL);
    if (d->rmirror_running) pthread_join(d->rmirror_thread, NULL);
    bool ran = d->mirror_running, rran = d->rmirror_running;
    d->mirror_running = d->rmirror_running = false;
    if (ran && d->mirror_rc != KMIG_EXIT_OK) {
        snprintf(d->err, sizeof d->err, "the mirror stopped with exit code %d", d->mirror_rc);
        return -1;
    }
    if (rran && d->rmirror_rc != KMIG_EXIT_OK) {
        snprintf(d->err, sizeof d->err, "the reverse flow stopped with exit code %d",
                 d->rmirror_rc);
        return -1;
    }
    return 0;
}

/* Every record and offset, at the end. */
static int checks(demo_t *d, json_t *out) {
    int dup = 0, miss = 0;
    for (int i = 0; i < d->orders; i++) {
        dup += d->billing_seen[i] > 1;
        miss += d->billing_seen[i] == 0;
    }
    json_object_set_new(out, "billing", json_pack("{s:i,s:i,s:i,s:i}", "orders", d->orders,
                                                  "orders_on_target", d->orders_on_target,
                                                  "read_twice", dup, "not_read", miss));
    if (dup || miss)
        demo_failure(d, "billing read %d orders twice and missed %d of %d", dup, miss, d->orders);
    else
        demo_say(d, "  billing read each of the %d orders exactly once (%d written on the target)\n",
            d->orders, d->orders_on_target);
    dup = miss = 0;
    for (int i = 0; i < d->invoices; i++) {
        dup += d->mailer_seen[i] > 1;
        miss += d->mailer_seen[i] == 0;
    }
    json_object_set_new(out, "mailer", json_pack("{s:i,s:i,s:i,s:i}", "invoices", d->invoices,
                                                 "invoices_on_target", d->invoices_on_target,
                                                 "read_twice", dup, "not_read", miss));
    if (dup || miss || d->invoices != d->orders)
        demo_failure(d, "mailer read %d invoices twice and missed %d of %d (orders: %d)", dup, miss,
                d->invoices, d->orders);
    else
        demo_say(d, "  mailer read each of the %d invoices exactly once (%d written on the target)\n",
            d->invoices, d->invoices_on_target);
    /* every copied record through the map; the target's other records are exactly the
     * ones the moved producers wrote there, each copied back once by the reverse flow
     * (verified through its own map), and the source's other records are those copies */
    int64_t se[NTOPICS][4], te[NTOPICS][4];
    map_set_t *maps, *rev;
    if (demo_load_both_maps(d, &maps, &rev, se, te)) return -1;
    json_t *jt = json_array();
    json_object_set_new(out, "topics", jt);
    int rc = -1;
    for (int t = 0; t < NTOPICS; t++) {
        vc_counts_t sum = {0}, bsum = {0};
        for (int p = 0; p < demo_topic_parts[t]; p++) {
            map_entry_t *e = map_set_get(maps, demo_topic_name[t], p);
            map_entry_t *r = map_set_get(rev, demo_topic_name[t], p);
            if (!e) {
                demo_failure(d, "%s[%d]: no offset map", demo_topic_name[t], p);
                continue;
            }
            verify_range_t vr = {demo_topic_name[t], e->target, p, e->map, -1, -1,
                                 r && r->map ? r->map : NULL};
            verify_report_t rep;
            if (verify_range(d->src_reader, d->tgt_reader, &vr, 10000, NULL, NULL, &rep, d->err,
                             sizeof d->err))
                goto out;
            const vc_counts_t *n = &rep.vc.n;
            sum.source_records += n->source_records;
            sum.matched += n->matched;
            sum.missing += n->missing + n->not_copied + n->pending;
            sum.different += n->different;
            sum.extra += n->extra + n->foreign + n->unmapped_copies + n->other_flow_originals;
            sum.other_flow_copies += n->other_flow_copies;
            sum.other_flow_originals += n->other_flow_originals;
            if (!r || !r->map) continue;
            /* the reverse flow new -> old, through its own map */
            verify_range_t br = {demo_topic_name[t], r->target, p, r->map, -1, -1, e->map};
            if (verify_range(d->tgt_reader, d->src_reader, &br, 10000, NULL, NULL, &rep, d->err,
                             sizeof d->err))
                goto out;
            bsum.matched += rep.vc.n.matched;
            bsum.different += vc_failures(&rep.vc.n) + rep.vc.n.pending;
        }
        int64_t on_target = t == T_ORDERS ? d->orders_on_target : d->invoices_on_target;
        json_array_append_new(
            jt, json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "topic",
                          demo_topic_name[t], "source_records", (json_int_t)sum.source_records,
                          "matched", (json_int_t)sum.matched, "missing", (json_int_t)sum.missing,
                          "different", (json_int_t)sum.different, "target_only",
                          (json_int_t)sum.extra, "produced_on_target", (json_int_t)on_target,
                          "other_flow_copies", (json_int_t)sum.other_flow_copies,
                          "other_flow_originals", (json_int_t)sum.other_flow_originals,
                          "back_matched", (json_int_t)bsum.matched, "back_differences",
                          (json_int_t)bsum.different));
        if (sum.missing || sum.different ||
            sum.matched + sum.other_flow_copies != sum.source_records || sum.extra != on_target ||
            sum.other_flow_originals != on_target || sum.other_flow_copies != on_target ||
            bsum.matched != on_target || bsum.different)
            demo_failure(d, "%s: %" PRId64 " source records, %" PRId64 " matched, %" PRId64
                    " missing, %" PRId64 " different, %" PRId64 " only on the target (%" PRId64
                    " produced there, %" PRId64 " of them copied back; %" PRId64
                    " copies back on the source; the way back: %" PRId64 " matched, %" PRId64
                    " differences)", demo_topic_name[t], sum.source_records, sum.matched,
                    sum.missing, sum.different, sum.extra, on_target, sum.other_flow_originals,
                    sum.other_flow_copies, bsum.matched, bsum.different);
        else
            demo_say(d, "  %s: all %" PRId64 " records written on the source copied and equal "
                   "through the map; the target's %" PRId64 " other records are exactly those "
                   "written there, each copied back once by the reverse flow and equal through "
                   "its map\n", demo_topic_name[t], sum.matched, sum.extra);
    }
    rc = 0;
out:
    map_set_destroy(maps);
    map_set_destroy(rev);
    if (rc) return -1;
    /* each group's final commit on the target is the end of what it read */
    struct { const char *group; int topic; } gs[] = {{"billing", T_ORDERS}, {"mailer", T_INVOICES}};
    for (size_t i = 0; i < 2; i++) {
        int64_t off[4];
        if (demo_committed_on(d, AT_TARGET, gs[i].group, gs[i].topic, off)) return -1;
        bool ok = true;
        for (int p = 0; p < demo_topic_parts[gs[i].topic]; p++) ok &= off[p] == te[gs[i].topic][p];
        json_object_set_new(out, gs[i].group[0] == 'b' ? "billing_committed_at_end"
                                                        : "mailer_committed_at_end",
                            json_boolean(ok));
        if (!ok) demo_failure(d, "group %s's commits on the target are not at the end of %s",
                         gs[i].group, demo_topic_name[gs[i].topic]);
        else demo_say(d, "  group %s is committed at the end of %s on the target\n", gs[i].group,
                 demo_topic_name[gs[i].topic]);
    }
    return 0;
}

static int walkthrough(demo_t *d) {
    step(d, "two clusters, three services, the manifest and the plan");
    if (setup(d)) return -1;
    demo_action(d, "source cluster 'old' at %s, target cluster 'new' at %s (mock clusters in this "
           "process); topics orders (3 partitions) and invoices (2)", d->src.bootstrap,
           d->tgt.bootstrap);
    demo_action(d, "the mirror copies old -> new (identity names) in a thread of this process");
    demo_action(d, "the reverse flow new -> old (the way back) runs in another thread: it copies "
           "only records written on new, never the forward copies");
    demo_say(d, "\n%s\n", demo_manifest);
    sbuf_t runbook = {0};
    cutover_render_text(d->plan, &runbook);
    demo_say(d, "%s", sbuf_str(&runbook));
    sbuf_free(&runbook);
    json_object_set_new(d->step, "plan", cutover_render_json(d->plan));
    d->shop = d->billing = d->mailer = AT_SOURCE;
    if (traffic(d, 60) ||
        status(d, "first read (no earlier end offsets: unknown, and unknown is never ready)"))
        return -1;

    step(d, "live traffic on the source; every service in sync");
    if (traffic(d, 60) || status(d, "after the traffic")) return -1;
    expect_state(d, "mailer", "in-sync");
    expect_state(d, "billing", "in-sync");
    expect_state(d, "shop", "in-sync");

    step(d, "move mailer (plan step 1, consumer only)");
    if (move_consumer(d, "mailer", &d->mailer, 20, "shop", "")) return -1;

    step(d, "move billing (plan step 2, consumes and produces)");
    if (move_consumer(d, "billing", &d->billing, 30, NULL, ": it writes invoices there now"))
        return -1;
    expect_state(d, "mailer", "moved");

    step(d, "the way back: mailer returns to the source, exactly (through both maps)");
    if (demo_way_back(d, "mailer", T_INVOICES)) return -1;
    d->mailer = AT_SOURCE;
    demo_action(d, "mailer started on the source");
    if (traffic(d, 40) || status(d, "with mailer back on the source")) return -1;
    expect_state(d, "mailer", "in-sync");

    step(d, "mailer moves forward again");
    d->mailer = AT_STOPPED;
    demo_action(d, "mailer stopped on the source");
    if (demo_forward_again(d, "mailer", T_INVOICES) || start_on_target(d, "mailer", &d->mailer, ""))
        return -1;

    step(d, "move shop (plan step 3, producer only)");
    if (traffic(d, 20)) return -1;
    d->shop = AT_STOPPED;
    demo_action(d, "shop stopped on the source");
    if (demo_wait_copied(d) || status(d, "right after shop stopped")) return -1;
    expect_state(d, "shop", "in-sync");
    if (status(d, "after a quiet period (the time between two boards)")) return -1;
    expect_state(d, "shop", "ready");
    d->shop = AT_TARGET;
    demo_action(d, "shop started on the target");
    if (traffic(d, 50) || status(d, "with every service on the target")) return -1;
    expect_state(d, "shop", "moved");

    step(d, "drained: stop mirroring");
    if (!d->drained) {
        demo_failure(d, "the flow is not drained with every service moved");
        return 0;
    }
    demo_action(d, "drained: safe to stop mirroring");
    if (demo_wait_back_copied(d)) return -1;
    demo_action(d, "the reverse flow copied every record written on the target back to the source");
    if (stop_mirror(d)) return -1;
    demo_action(d, "the mirror stopped");
    return 0;
}

int demo_cutover_run(bool json) {
    demo_t *d = xcalloc(1, sizeof *d);
    d->out = json ? stderr : stdout;
    d->steps = json_array();
    d->failures = json_array();
    int rc = KMIG_EXIT_FAIL;
    demo_say(d, "kmig demo --cutover: three services moved from one cluster to another, step by "
           "step, with a way back\n");
    json_t *jchecks = json_object();
    bool ok = !walkthrough(d);
    if (ok && !json_array_size(d->failures)) {
        step(d, "checks: every record and offset");
        d->step = NULL;
        ok = !checks(d, jchecks);
    }
    if (ok) rc = json_array_size(d->failures) ? KMIG_EXIT_MISMATCH : KMIG_EXIT_OK;
    else fprintf(stderr, "kmig demo --cutover: %s\n", d->err);
    if (stop_mirror(d) && ok) fprintf(stderr, "kmig demo --cutover: %s\n", d->err);
    if (rc == KMIG_EXIT_OK)
        demo_say(d, "\nPASS: each service moved in the planned order, mailer went back and forward "
               "again, the flow drained, and every consumer read every record exactly once.\n");
    else if (rc == KMIG_EXIT_MISMATCH)
        demo_say(d, "\nFAIL: %zu failed checks (above)\n", json_array_size(d->failures));
    if (json) {
        json_t *j = json_pack("{s:s,s:i,s:o,s:o,s:b,s:o}", "result",
                              rc == KMIG_EXIT_OK ? "pass" : rc == KMIG_EXIT_MISMATCH ? "fail"
                                                                                     : "error",
                              "exit_code", rc, "steps", d->steps, "checks", jchecks, "drained",
                              d->drained, "failed_checks", d->failures);
        if (rc == KMIG_EXIT_FAIL) json_object_set_new(j, "error", json_string(d->err));
        json_dumpf(j, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(j);
    } else {
        json_decref(d->steps);
        json_decref(d->failures);
        json_decref(jchecks);
    }
    mirror_destroy(d->mirror);
    mirror_destroy(d->rmirror);
    groups_destroy(d->g);
    if (d->src_reader) rd_kafka_destroy(d->src_reader);
    if (d->tgt_reader) rd_kafka_destroy(d->tgt_reader);
    cutover_plan_destroy(d->plan);
    cutover_manifest_destroy(d->m);
    cmd_flow_clear(&d->cf);
    cmd_flow_clear(&d->rcf);
    if (*d->cfg_path && d->cfg_path[strlen(d->cfg_path) - 1] != 'X') unlink(d->cfg_path);
    if (*d->svc_path && d->svc_path[strlen(d->svc_path) - 1] != 'X') unlink(d->svc_path);
    demo_cluster_stop(&d->tgt);
    demo_cluster_stop(&d->src);
    free(d);
    return rc;
}

/* `kmig demo --cutover`: a cutover walked through on two in-process mock
 * clusters (docs/CUTOVER.md, "The walkthrough"). Three small services run in
 * this process: shop (producer only: writes orders), billing (consumes
 * orders with group billing, writes one invoice per order) and mailer
 * (consumer only: reads invoices with group mailer). The real mirror engine
 * copies orders and invoices old -> new in a thread of its own while the
 * services move in the planned order (cutover/cutover_plan.h): mailer, then
 * billing, then shop. At each step the board of `kmig cutover status` is
 * shown, judged by cutover/cutover_status.c (through cutover_board.h); each
 * group moves as `kmig cutover group` does it (the groups sync's exact
 * translation committed on the target and read back); mailer also goes back
 * to the source once (demo_way_back(), exact through the inverse of the
 * forward map while no producer has written its topic on the target) and
 * forward again. The flow ends drained, the mirror stops, and every record
 * and offset is checked: each consumer read each record exactly once across
 * every move, each copied record matches its source through the map, and
 * the target holds exactly the records the moved producers wrote there.
 *
 * Group members: librdkafka's mock cluster serves no DescribeGroups (nor
 * ListGroups), so the members on the board are the demo's own services
 * (1 where a service runs, 0 elsewhere), and the demo says so. Every other
 * fact is read from the clusters as `kmig cutover status` reads it (end
 * offsets, the offset map kept on the target, the groups' committed offsets
 * on both clusters). */
#include "cmd/cmd_demo_cutover.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "cmd/cmd_common.h"
#include "core/exitcode.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "cutover/cutover_board.h"
#include "cutover/cutover_manifest.h"
#include "cutover/cutover_plan.h"
#include "cutover/cutover_render.h"
#include "kafka/kadmin.h"
#include "kafka/map_store.h"
#include "mirror/groups.h"
#include "mirror/mirror.h"
#include "offsets/map_set.h"
#include "verify/verify.h"

#define MAX_RECORDS 4096
#define WAIT_MS 30000

enum { T_ORDERS = 0, T_INVOICES = 1, NTOPICS = 2 };
static const char *const topic_name[NTOPICS] = {"orders", "invoices"};
static const int topic_parts[NTOPICS] = {3, 2};

typedef enum { AT_STOPPED = 0, AT_SOURCE = 1, AT_TARGET = 2 } demo_at_t;
static const char *at_name(demo_at_t a) {
    return a == AT_SOURCE ? "the source (old)" : a == AT_TARGET ? "the target (new)" : "stopped";
}

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

typedef struct dcluster {
    rd_kafka_t *handle;
    rd_kafka_mock_cluster_t *mock;
    const char *bootstrap;
} dcluster_t;

typedef struct demo {
    FILE *out; /* the walkthrough's text: stdout, or stderr with --json */
    dcluster_t src, tgt;
    char cfg_path[64], svc_path[64];
    cmd_flow_t cf;
    cutover_manifest_t *m;
    cutover_plan_t *plan;
    groups_t *g;
    rd_kafka_t *src_reader, *tgt_reader; /* no group: end offsets, the map, verify */
    mirror_t *mirror;
    pthread_t mirror_thread;
    bool mirror_running;
    atomic_int stop;
    int mirror_rc;
    demo_at_t shop, billing, mailer;
    int orders, invoices;                      /* produced so far (record indexes) */
    int orders_on_target, invoices_on_target;  /* of those, written on the target */
    unsigned char billing_seen[MAX_RECORDS], mailer_seen[MAX_RECORDS];
    int64_t prev_end[NTOPICS][4];
    bool have_prev;
    bool drained;
    json_t *steps, *step, *failures;
    int nstep;
    char err[1024];
} demo_t;

static void say(demo_t *d, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfprintf(d->out, fmt, ap);
    va_end(ap);
    fflush(d->out);
}

/* Records what happened in the current step (text and JSON alike). */
static void action(demo_t *d, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    say(d, "  - %s\n", buf);
    if (d->step) json_array_append_new(json_object_get(d->step, "actions"), json_string(buf));
}

static void failure(demo_t *d, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    say(d, "  FAILED CHECK: %s\n", buf);
    json_array_append_new(d->failures, json_string(buf));
}

static void step(demo_t *d, const char *title) {
    d->nstep++;
    say(d, "\n== Step %d: %s ==\n", d->nstep, title);
    d->step = json_pack("{s:i,s:s,s:[],s:n}", "step", d->nstep, "title", title, "actions",
                        "status");
    json_array_append_new(d->steps, d->step);
}

/* --- clusters and clients ------------------------------------------------ */

static int cluster_start(dcluster_t *c, char *err, size_t errsz) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
    c->handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, errsz);
    if (!c->handle) return -1;
    if (!(c->mock = rd_kafka_mock_cluster_new(c->handle, 1))) {
        snprintf(err, errsz, "cannot start a mock cluster");
        return -1;
    }
    c->bootstrap = rd_kafka_mock_cluster_bootstraps(c->mock);
    return 0;
}

static void cluster_stop(dcluster_t *c) {
    if (c->mock) rd_kafka_mock_cluster_destroy(c->mock);
    if (c->handle) rd_kafka_destroy(c->handle);
}

static const char *boot(demo_t *d, demo_at_t at) {
    return at == AT_TARGET ? d->tgt.bootstrap : d->src.bootstrap;
}

static rd_kafka_t *client(rd_kafka_type_t type, const char *bootstrap, const char *group,
                          char *err, size_t errsz) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, NULL, 0);
    rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
    if (type == RD_KAFKA_PRODUCER) {
        rd_kafka_conf_set(conf, "enable.idempotence", "true", NULL, 0);
        rd_kafka_conf_set(conf, "linger.ms", "2", NULL, 0);
    } else {
        rd_kafka_conf_set(conf, "fetch.wait.max.ms", "20", NULL, 0);
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", NULL, 0);
        rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", NULL, 0);
        if (group) rd_kafka_conf_set(conf, "group.id", group, NULL, 0);
    }
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, errsz);
    if (!rk) rd_kafka_conf_destroy(conf);
    return rk;
}

static int produce(demo_t *d, rd_kafka_t *p, int topic, int index) {
    char val[48];
    int n = snprintf(val, sizeof val, "%s-%d", topic == T_ORDERS ? "order" : "invoice", index);
    rd_kafka_resp_err_t e;
    do {
        e = rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic_name[topic]),
                              RD_KAFKA_V_PARTITION(index % topic_parts[topic]),
                              RD_KAFKA_V_VALUE(val, (size_t)n),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) rd_kafka_poll(p, 20);
    } while (e == RD_KAFKA_RESP_ERR__QUEUE_FULL);
    if (e) snprintf(d->err, sizeof d->err, "producing to %s: %s", topic_name[topic],
                    rd_kafka_err2str(e));
    return e ? -1 : 0;
}

static int flush(demo_t *d, rd_kafka_t *p) {
    rd_kafka_resp_err_t e = rd_kafka_flush(p, 20000);
    if (e) snprintf(d->err, sizeof d->err, "flushing: %s", rd_kafka_err2str(e));
    return e ? -1 : 0;
}

/* --- the services ---------------------------------------------------------- */

typedef int (*on_record_fn)(demo_t *d, int index, void *arg);

/* A consumer of `group` reads `topic` on `at` from the group's committed
 * offsets (the beginning where none) to the end, calls fn per record, then
 * flushes `before_commit` (the records it produced) and commits its
 * positions, as a consume-process-commit service does. Returns records read,
 * or -1 with d->err. */
static int consume(demo_t *d, demo_at_t at, const char *group, int topic, on_record_fn fn,
                   void *arg, rd_kafka_t *before_commit) {
    int np = topic_parts[topic], n = 0, rc = -1;
    rd_kafka_t *c = client(RD_KAFKA_CONSUMER, boot(d, at), group, d->err, sizeof d->err);
    if (!c) return -1;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(np);
    int64_t pos[4], hi[4];
    for (int p = 0; p < np; p++) rd_kafka_topic_partition_list_add(l, topic_name[topic], p);
    rd_kafka_resp_err_t e = rd_kafka_committed(c, l, 10000);
    bool todo = false;
    for (int p = 0; !e && p < np; p++) {
        int64_t lo;
        e = rd_kafka_query_watermark_offsets(c, topic_name[topic], p, &lo, &hi[p], 10000);
        pos[p] = l->elems[p].offset >= 0 ? l->elems[p].offset : lo;
        l->elems[p].offset = pos[p];
        todo |= pos[p] < hi[p];
    }
    if (e) {
        snprintf(d->err, sizeof d->err, "%s reading %s: %s", group, topic_name[topic],
                 rd_kafka_err2str(e));
        goto out;
    }
    if (todo && (e = rd_kafka_assign(c, l))) {
        snprintf(d->err, sizeof d->err, "assign: %s", rd_kafka_err2str(e));
        goto out;
    }
    time_t deadline = time(NULL) + WAIT_MS / 1000;
    while (todo) {
        if (time(NULL) > deadline) {
            snprintf(d->err, sizeof d->err, "%s: timed out reading %s", group, topic_name[topic]);
            goto out;
        }
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(c, 100);
        if (!msg) continue;
        if (msg->err) {
            bool eof = msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
            if (!eof) snprintf(d->err, sizeof d->err, "%s reading %s: %s", group,
                               topic_name[topic], rd_kafka_message_errstr(msg));
            rd_kafka_message_destroy(msg);
            if (eof) continue;
            goto out;
        }
        int32_t p = msg->partition;
        int index = -1;
        char val[64] = "";
        size_t len = msg->len < sizeof val - 1 ? msg->len : sizeof val - 1;
        if (msg->payload) memcpy(val, msg->payload, len);
        const char *dash = strrchr(val, '-');
        if (dash) index = atoi(dash + 1);
        if (msg->offset == pos[p] && p >= 0 && p < np) {
            pos[p] = msg->offset + 1;
            n++;
            if (index < 0 || index >= MAX_RECORDS || fn(d, index, arg)) {
                if (index < 0 || index >= MAX_RECORDS)
                    snprintf(d->err, sizeof d->err, "%s: unexpected record '%s' in %s[%d]",
                             group, val, topic_name[topic], p);
                rd_kafka_message_destroy(msg);
                goto out;
            }
        }
        rd_kafka_message_destroy(msg);
        todo = false;
        for (int q = 0; q < np; q++) todo |= pos[q] < hi[q];
    }
    if (before_commit && flush(d, before_commit)) goto out;
    for (int p = 0; p < np; p++) l->elems[p].offset = pos[p];
    if ((e = rd_kafka_commit(c, l, 0))) {
        snprintf(d->err, sizeof d->err, "%s: commit: %s", group, rd_kafka_err2str(e));
        goto out;
    }
    rc = n;
out:
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    return rc;
}

static int shop_produce(demo_t *d, int n) {
    if (d->shop == AT_STOPPED) return 0;
    rd_kafka_t *p = client(RD_KAFKA_PRODUCER, boot(d, d->shop), NULL, d->err, sizeof d->err);
    if (!p) return -1;
    int rc = 0;
    for (int i = 0; i < n && !rc && d->orders < MAX_RECORDS; i++) {
        rc = produce(d, p, T_ORDERS, d->orders++);
        if (d->shop == AT_TARGET) d->orders_on_target++;
    }
    if (!rc) rc = flush(d, p);
    rd_kafka_destroy(p);
    if (!rc) action(d, "shop wrote %d orders on %s", n, at_name(d->shop));
    return rc;
}

static int billing_on_order(demo_t *d, int index, void *arg) {
    d->billing_seen[index]++;
    if (d->invoices >= MAX_RECORDS) return -1;
    if (d->billing == AT_TARGET) d->invoices_on_target++;
    return produce(d, arg, T_INVOICES, d->invoices++);
}

static int billing_run(demo_t *d) {
    if (d->billing == AT_STOPPED) return 0;
    rd_kafka_t *p = client(RD_KAFKA_PRODUCER, boot(d, d->billing), NULL, d->err, sizeof d->err);
    if (!p) return -1;
    int n = consume(d, d->billing, "billing", T_ORDERS, billing_on_order, p, p);
    rd_kafka_destroy(p);
    if (n >= 0) action(d, "billing read %d orders on %s and wrote an invoice for each", n,
                       at_name(d->billing));
    return n < 0 ? -1 : 0;
}

static int mailer_on_invoice(demo_t *d, int index, void *arg) {
    (void)arg;
    d->mailer_seen[index]++;
    return 0;
}

static int mailer_run(demo_t *d) {
    if (d->mailer == AT_STOPPED) return 0;
    int n = consume(d, d->mailer, "mailer", T_INVOICES, mailer_on_invoice, NULL, NULL);
    if (n >= 0) action(d, "mailer read %d invoices on %s", n, at_name(d->mailer));
    return n < 0 ? -1 : 0;
}

/* --- the mirror and its map ------------------------------------------------ */

static void *mirror_main(void *arg) {
    demo_t *d = arg;
    d->mirror_rc = mirror_run(d->mirror);
    return NULL;
}

static int ends(demo_t *d, rd_kafka_t *rk, int64_t out[NTOPICS][4]) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    for (int t = 0; t < NTOPICS; t++)
        for (int p = 0; p < topic_parts[t]; p++)
            rd_kafka_topic_partition_list_add(l, topic_name[t], p);
    int rc = kadmin_end_offsets(rk, l, 10000, d->err, sizeof d->err);
    for (int i = 0, t = 0; !rc && t < NTOPICS; t++)
        for (int p = 0; p < topic_parts[t]; p++, i++) {
            if (l->elems[i].err) {
                snprintf(d->err, sizeof d->err, "end offset of %s[%d]: %s", topic_name[t], p,
                         rd_kafka_err2str(l->elems[i].err));
                rc = -1;
                break;
            }
            out[t][p] = l->elems[i].offset;
        }
    rd_kafka_topic_partition_list_destroy(l);
    return rc;
}

/* The offset map as kept on the target, with each entry's ends set (for
 * map_set_translate, as `kmig cutover group` does). NULL with d->err. */
static map_set_t *load_maps(demo_t *d, int64_t src_end[NTOPICS][4], int64_t tgt_end[NTOPICS][4]) {
    map_set_t *maps = map_set_new();
    char topic[300];
    size_t records;
    map_store_topic_name(topic, sizeof topic, d->cf.flow->source);
    if (map_store_load(d->tgt_reader, topic, 10000, map_set_add_seg, maps, &records, d->err,
                       sizeof d->err) ||
        ends(d, d->src_reader, src_end) || ends(d, d->tgt_reader, tgt_end)) {
        map_set_destroy(maps);
        return NULL;
    }
    for (int t = 0; t < NTOPICS; t++)
        for (int p = 0; p < topic_parts[t]; p++) {
            map_entry_t *e = map_set_get(maps, topic_name[t], p);
            if (e) {
                e->source_end = src_end[t][p];
                e->target_end = tgt_end[t][p];
            }
        }
    return maps;
}

static bool covered(map_set_t *maps, int t, int p, int64_t end) {
    map_entry_t *e = map_set_get(maps, topic_name[t], p);
    int64_t next = e && e->map ? offset_map_src_next(e->map) : -1;
    return next < 0 ? end == 0 : next >= end;
}

/* Waits until the map on the target covers every source end: the mirror has
 * copied everything written so far. */
static int wait_copied(demo_t *d) {
    for (int waited = 0;; waited += 100) {
        int64_t se[NTOPICS][4], te[NTOPICS][4];
        map_set_t *maps = load_maps(d, se, te);
        if (!maps) return -1;
        bool all = true;
        for (int t = 0; t < NTOPICS; t++)
            for (int p = 0; p < topic_parts[t]; p++) all &= covered(maps, t, p, se[t][p]);
        map_set_destroy(maps);
        if (all) return 0;
        if (waited >= WAIT_MS) {
            snprintf(d->err, sizeof d->err, "the mirror did not copy everything within %d s",
                     WAIT_MS / 1000);
            return -1;
        }
        usleep(100000);
    }
}

/* One pass of the groups sync over both topics for `group` (dry unless
 * write), as `kmig cutover group` runs it. */
static int group_pass(demo_t *d, const char *group, bool write, group_rows_t *rows) {
    int64_t se[NTOPICS][4], te[NTOPICS][4];
    map_set_t *maps = load_maps(d, se, te);
    if (!maps) return -1;
    size_t n = map_set_count(maps);
    groups_partition_t *parts = xcalloc(n + 1, sizeof *parts);
    for (size_t i = 0; i < n; i++) {
        map_entry_t *e = map_set_sorted(maps, i);
        parts[i] = (groups_partition_t){e->topic, e->target, e->partition, e->source_end, -1};
    }
    char *names[] = {(char *)group, NULL};
    int failed = groups_pass(d->g, names, parts, n, map_set_translate, maps, NULL, write, rows);
    free(parts);
    map_set_destroy(maps);
    if (failed && !write) {
        snprintf(d->err, sizeof d->err, "the offsets of group %s could not be read", group);
        return -1;
    }
    return 0;
}

/* --- the board --------------------------------------------------------------- */

static const char *fact(cutover_fact_t f) {
    return f == CUTOVER_YES ? "yes" : f == CUTOVER_NO ? "no" : "unknown";
}

static demo_at_t owner_at(demo_t *d, const char *group) {
    return !strcmp(group, "billing") ? d->billing : d->mailer;
}

/* Reads the facts, judges them (cutover_status.c) and prints the board of
 * `kmig cutover status`; its JSON goes into the step. "Source written"
 * compares the source ends with those of the previous status: the demo's
 * quiet period is the time between two boards. */
static int status(demo_t *d, const char *when) {
    int64_t se[NTOPICS][4], te[NTOPICS][4];
    map_set_t *maps = load_maps(d, se, te);
    if (!maps) return -1;
    cutover_board_t *b = cutover_board_new();
    for (int t = 0; t < NTOPICS; t++) {
        cutover_topic_facts_t *f = cutover_board_topic(b, topic_name[t], true);
        bool written = false, copied = true, foreign = false;
        int64_t lag = 0;
        for (int p = 0; p < topic_parts[t]; p++) {
            written |= d->have_prev && d->prev_end[t][p] != se[t][p];
            map_entry_t *e = map_set_get(maps, topic_name[t], p);
            int64_t next = e && e->map ? offset_map_src_next(e->map) : -1;
            int64_t tnext = e && e->map ? offset_map_tgt_next(e->map) : -1;
            if (!covered(maps, t, p, se[t][p])) {
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
    int rc = 0;
    const char *groups[] = {"billing", "mailer"};
    for (size_t i = 0; i < 2 && !rc; i++) {
        group_rows_t rows = {0};
        cutover_group_facts_t *g = cutover_board_group(b, groups[i]);
        demo_at_t at = owner_at(d, groups[i]);
        g->source_members = at == AT_SOURCE;
        g->target_members = at == AT_TARGET;
        if (!(rc = group_pass(d, groups[i], false, &rows)))
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
    say(d, "  status %s (members: the demo's own consumers; the mock serves no DescribeGroups):\n",
        when);
    for (size_t i = 0; i < b->ntopics; i++) {
        const cutover_topic_facts_t *t = &b->topics[i];
        say(d, "    topic %-9s source-written %-7s copied %-3s lag %-4" PRId64 " foreign-writes %s\n",
            t->topic, fact(t->source_written), fact(t->copied), t->lag, fact(t->foreign));
    }
    size_t k;
    json_t *v;
    json_array_foreach(json_object_get(j, "groups"), k, v)
        say(d, "    group %-9s members source %" JSON_INTEGER_FORMAT " target %" JSON_INTEGER_FORMAT
               "  translated %-3s committed-on-target %-3s -> %s\n",
            json_string_value(json_object_get(v, "group")),
            json_integer_value(json_object_get(v, "source_members")),
            json_integer_value(json_object_get(v, "target_members")),
            json_is_true(json_object_get(v, "translated")) ? "yes" : "no",
            json_is_true(json_object_get(v, "committed_on_target")) ? "yes" : "no",
            json_string_value(json_object_get(v, "state")));
    json_array_foreach(json_object_get(j, "services"), k, v) {
        const char *why = json_string_value(json_object_get(v, "reason"));
        say(d, "    service %-8s %-9s %s\n", json_string_value(json_object_get(v, "service")),
            json_string_value(json_object_get(v, "state")), why ? why : "");
    }
    if (drained) say(d, "    drained: safe to stop mirroring\n");
    else say(d, "    not drained: %s\n", json_string_value(json_object_get(j, "reason")));
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
    if (strcmp(got, want)) failure(d, "service %s is %s, expected %s", name, got, want);
}

/* --- group moves ------------------------------------------------------------- */

static const group_row_t *row_with(const group_rows_t *r, const char *status) {
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->v[i].status, status)) return &r->v[i];
    return NULL;
}

static bool rows_all(const group_rows_t *r, const char *a) {
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].status, a)) return false;
    return true;
}

static void print_rows(demo_t *d, const group_rows_t *rows) {
    for (size_t i = 0; i < rows->n; i++) {
        const group_row_t *r = &rows->v[i];
        say(d, "      %s[%d]: source offset %" PRId64 " -> target offset %" PRId64 " (%s)\n",
            r->topic ? r->topic : "*", r->partition, r->source_offset, r->cp.target_offset,
            r->status);
    }
}

/* `kmig cutover group GROUP --execute`, in process: refuses while the group
 * runs on the target, needs it stopped on the source and the copy covering
 * its offsets, refuses offsets beyond the translation or its own consumers'
 * on the target, commits the exact translation and reads it back. Returns
 * the state (committed, refused) or NULL with d->err. `rows` keeps the last
 * pass. */
static const char *move_group(demo_t *d, const char *group, group_rows_t *rows,
                              char *reason, size_t rsz) {
    demo_at_t at = owner_at(d, group);
    *reason = 0;
    if (at == AT_TARGET) {
        snprintf(reason, rsz, "members active on the target");
        return "refused";
    }
    if (at == AT_SOURCE) {
        snprintf(d->err, sizeof d->err, "group %s still runs on the source", group);
        return NULL;
    }
    if (wait_copied(d)) return NULL;
    group_rows_clear(rows);
    if (group_pass(d, group, false, rows)) return NULL;
    const group_row_t *r;
    if ((r = row_with(rows, "failed")) || (r = row_with(rows, "pending")) ||
        (r = row_with(rows, "not-copied"))) {
        snprintf(d->err, sizeof d->err, "%s[%d] of group %s: %s", r->topic ? r->topic : "*",
                 r->partition, group, r->error ? r->error : r->status);
        return NULL;
    }
    if ((r = row_with(rows, "behind")) || (r = row_with(rows, "taken-over"))) {
        snprintf(reason, rsz, "%s[%d]: the target group has %s offset %" PRId64
                 " instead of the exact translation %" PRId64 "; nothing committed",
                 r->topic, r->partition, !strcmp(r->status, "behind") ? "a further" : "its own consumers'",
                 r->target_committed, r->cp.target_offset);
        return "refused";
    }
    if (rows_all(rows, "up-to-date")) {
        snprintf(reason, rsz, "the target already has the exact offsets");
        return "committed";
    }
    group_rows_clear(rows);
    if (group_pass(d, group, true, rows)) return NULL;
    if ((r = row_with(rows, "failed")) || (r = row_with(rows, "active-on-target"))) {
        snprintf(d->err, sizeof d->err, "commit of %s[%d] refused: %s", r->topic ? r->topic : "*",
                 r->partition, r->error ? r->error : r->status);
        return NULL;
    }
    print_rows(d, rows);
    group_rows_clear(rows);
    if (group_pass(d, group, false, rows)) return NULL;
    if (!rows_all(rows, "up-to-date")) {
        snprintf(d->err, sizeof d->err, "group %s: the target does not hold the exact offsets "
                 "after the commit", group);
        return NULL;
    }
    snprintf(reason, rsz, "exact offsets committed on the target and read back");
    return "committed";
}

static void record_move(demo_t *d, const char *group, const char *state, const char *reason) {
    json_t *a = json_object_get(d->step, "group_moves");
    if (!a) json_object_set_new(d->step, "group_moves", a = json_array());
    json_array_append_new(a, json_pack("{s:s,s:s,s:s}", "group", group, "state", state, "reason",
                                       reason));
}

static int move_group_step(demo_t *d, const char *group) {
    group_rows_t rows = {0};
    char reason[600];
    const char *st = move_group(d, group, &rows, reason, sizeof reason);
    group_rows_clear(&rows);
    if (!st) return -1;
    action(d, "kmig cutover group %s --execute (in process): %s: %s", group, st, reason);
    record_move(d, group, st, reason);
    if (strcmp(st, "committed")) {
        failure(d, "group %s: %s: %s", group, st, reason);
        return -1;
    }
    return 0;
}

/* Commits offsets of `group` on a cluster (one topic), then reads them back. */
static int commit_on(demo_t *d, demo_at_t at, const char *group, int topic, const int64_t *off) {
    rd_kafka_t *c = client(RD_KAFKA_CONSUMER, boot(d, at), group, d->err, sizeof d->err);
    if (!c) return -1;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
    for (int p = 0; p < topic_parts[topic]; p++)
        if (off[p] >= 0) rd_kafka_topic_partition_list_add(l, topic_name[topic], p)->offset = off[p];
    rd_kafka_resp_err_t e = rd_kafka_commit(c, l, 0);
    if (!e) e = rd_kafka_committed(c, l, 10000);
    for (int i = 0; !e && i < l->cnt; i++)
        if (l->elems[i].offset != off[l->elems[i].partition]) e = RD_KAFKA_RESP_ERR__FAIL;
    if (e) snprintf(d->err, sizeof d->err, "committing %s's offsets on %s: %s", group,
                    at_name(at), rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    return e ? -1 : 0;
}

/* The group's committed offsets of `topic` on a cluster, -1 where none. */
static int committed_on(demo_t *d, demo_at_t at, const char *group, int topic, int64_t *off) {
    rd_kafka_t *c = client(RD_KAFKA_CONSUMER, boot(d, at), group, d->err, sizeof d->err);
    if (!c) return -1;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
    for (int p = 0; p < topic_parts[topic]; p++)
        rd_kafka_topic_partition_list_add(l, topic_name[topic], p);
    rd_kafka_resp_err_t e = rd_kafka_committed(c, l, 10000);
    for (int p = 0; !e && p < topic_parts[topic]; p++)
        off[p] = l->elems[p].err ? -2 : l->elems[p].offset < 0 ? -1 : l->elems[p].offset;
    if (e) snprintf(d->err, sizeof d->err, "reading %s's offsets on %s: %s", group, at_name(at),
                    rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    return e ? -1 : 0;
}

/* The source offset whose record the forward map put at target offset t
 * (exact), the source's next offset for the target's mapped end, or -1 when
 * t is not a target offset the map accounts for (a record produced on the
 * target: only the reverse flow's own map can translate it). */
static int64_t inverse(const offset_map_t *map, int64_t t) {
    if (t == offset_map_tgt_next(map)) return offset_map_src_next(map);
    for (size_t i = 0; i < offset_map_count(map); i++) {
        const offset_seg_t *s = offset_map_at(map, i);
        if (s->count > 0 && t >= s->tgt_start && t < s->tgt_start + s->count)
            return s->src_start + (t - s->tgt_start);
    }
    return -1;
}

/* The way back for one group (issue 12 item 5): the group stops on the
 * target and resumes on the source at exactly the next record. Here the
 * forward map's inverse is exact because every record of the group's topic
 * on the target came from the source (no producer wrote it on the target
 * yet); when one did, the step says it is pending the reverse flow (its own
 * map, `kmig cutover group GROUP --back`) and changes nothing. */
static int demo_way_back(demo_t *d, const char *group, int topic) {
    int64_t se[NTOPICS][4], te[NTOPICS][4], tcommit[4], scommit[4], back[4];
    map_set_t *maps = load_maps(d, se, te);
    if (!maps) return -1;
    for (int p = 0; p < topic_parts[topic]; p++) {
        map_entry_t *e = map_set_get(maps, topic_name[topic], p);
        int64_t tnext = e && e->map ? offset_map_tgt_next(e->map) : 0;
        if (te[topic][p] > tnext) {
            action(d, "way back for %s: pending the reverse flow: %s[%d] holds records produced "
                   "on the target, which only the reverse flow's own map translates",
                   group, topic_name[topic], p);
            map_set_destroy(maps);
            json_object_set_new(d->step, "way_back", json_string("pending-reverse-flow"));
            return 0;
        }
    }
    if (group[0] == 'm') d->mailer = AT_STOPPED;
    else d->billing = AT_STOPPED;
    action(d, "%s stopped on the target", group);
    int rc = -1;
    if (committed_on(d, AT_TARGET, group, topic, tcommit) ||
        committed_on(d, AT_SOURCE, group, topic, scommit))
        goto out;
    for (int p = 0; p < topic_parts[topic]; p++) {
        map_entry_t *e = map_set_get(maps, topic_name[topic], p);
        back[p] = -1;
        if (tcommit[p] < 0) continue; /* nothing committed there: the source offset stands */
        back[p] = e && e->map ? inverse(e->map, tcommit[p]) : -1;
        if (back[p] < 0) {
            failure(d, "way back: %s[%d] target offset %" PRId64 " is not in the forward map",
                    topic_name[topic], p, tcommit[p]);
            goto out;
        }
        if (scommit[p] > back[p]) { /* never backwards on the source */
            failure(d, "way back: %s[%d]: the source group is at %" PRId64 ", beyond %" PRId64,
                    topic_name[topic], p, scommit[p], back[p]);
            goto out;
        }
        say(d, "      %s[%d]: target offset %" PRId64 " -> source offset %" PRId64
               " (exact: the forward map's inverse)\n",
            topic_name[topic], p, tcommit[p], back[p]);
    }
    if (commit_on(d, AT_SOURCE, group, topic, back)) goto out;
    action(d, "way back for %s: its target position translated to the source exactly and "
           "committed there (read back)", group);
    json_object_set_new(d->step, "way_back", json_string("exact"));
    rc = 0;
out:
    map_set_destroy(maps);
    return rc;
}

/* Moving forward again after a way back. The target group holds the commit
 * its consumers made before going back, so `cutover group` refuses it as
 * theirs (taken-over: never over consumers' own commits). Until
 * `cutover group --back` records that position, the demo commits the exact
 * translation itself, checking it is not behind that commit. */
static int forward_again(demo_t *d, const char *group, int topic) {
    group_rows_t rows = {0};
    char reason[600];
    const char *st = move_group(d, group, &rows, reason, sizeof reason);
    int rc = -1;
    if (!st) goto out;
    action(d, "kmig cutover group %s --execute (in process): %s: %s", group, st, reason);
    record_move(d, group, st, reason);
    if (!strcmp(st, "committed")) {
        rc = 0;
        goto out;
    }
    int64_t off[4] = {-1, -1, -1, -1};
    for (size_t i = 0; i < rows.n; i++) {
        const group_row_t *r = &rows.v[i];
        if (!r->topic || strcmp(r->topic, topic_name[topic]) || r->partition < 0 ||
            r->partition >= topic_parts[topic])
            continue;
        if (r->cp.status != OFFSET_MAP_EXACT || r->cp.target_offset < r->target_committed) {
            failure(d, "forward again: %s[%d] translation %" PRId64 " (%s) is behind the target's "
                    "%" PRId64, r->topic, r->partition, r->cp.target_offset, r->status,
                    r->target_committed);
            goto out;
        }
        off[r->partition] = r->cp.target_offset;
        say(d, "      %s[%d]: source offset %" PRId64 " -> target offset %" PRId64
               " (exact; the target had %" PRId64 ")\n",
            r->topic, r->partition, r->source_offset, r->cp.target_offset, r->target_committed);
    }
    if (commit_on(d, AT_TARGET, group, topic, off)) goto out;
    record_move(d, group, "committed-by-demo",
                "exact translation committed on the target by the demo, pending cutover group --back");
    action(d, "after the way back the demo committed %s's exact translation on the target "
           "itself (never behind the target's commit), pending `cutover group --back`", group);
    rc = 0;
out:
    group_rows_clear(&rows);
    return rc;
}

/* --- the walkthrough ----------------------------------------------------------- */

/* Live traffic for a while: shop writes `orders` records where it runs,
 * billing processes them where it runs, mailer reads the invoices where it
 * runs (after the mirror copied what it must read on the target). */
static int traffic(demo_t *d, int orders) {
    if (shop_produce(d, orders)) return -1;
    if (d->billing == AT_TARGET && wait_copied(d)) return -1;
    if (billing_run(d)) return -1;
    if (d->mailer == AT_TARGET && wait_copied(d)) return -1;
    if (mailer_run(d)) return -1;
    return wait_copied(d);
}

static bool plan_selected(const char *topic, void *arg) {
    (void)arg;
    return !strcmp(topic, "orders") || !strcmp(topic, "invoices");
}

static int setup(demo_t *d) {
    if (cluster_start(&d->src, d->err, sizeof d->err) ||
        cluster_start(&d->tgt, d->err, sizeof d->err))
        return -1;
    char map_topic[300];
    map_store_topic_name(map_topic, sizeof map_topic, "old");
    for (int t = 0; t < NTOPICS; t++) {
        rd_kafka_mock_topic_create(d->src.mock, topic_name[t], topic_parts[t], 1);
        /* the mock has no CreateTopics: target topics are provisioned up front */
        rd_kafka_mock_topic_create(d->tgt.mock, topic_name[t], topic_parts[t], 1);
    }
    rd_kafka_mock_topic_create(d->tgt.mock, map_topic, 1, 1);
    rd_kafka_mock_topic_create(d->tgt.mock, "kmig-checkpoints.old.internal", 1, 1);
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
    if (cmd_flow_load(&d->cf, d->cfg_path, NULL, NULL, NULL, 0, d->err, sizeof d->err) ||
        !(d->m = cutover_manifest_load(d->svc_path, d->err, sizeof d->err)))
        return -1;
    d->plan = cutover_plan_build(d->m, plan_selected, NULL);
    if (!(d->src_reader = client(RD_KAFKA_CONSUMER, d->src.bootstrap, NULL, d->err, sizeof d->err)) ||
        !(d->tgt_reader = client(RD_KAFKA_CONSUMER, d->tgt.bootstrap, NULL, d->err, sizeof d->err)) ||
        !(d->g = groups_new(d->cf.mm2, d->cf.flow, d->err, sizeof d->err)) ||
        groups_load_checkpoints(d->g, d->err, sizeof d->err))
        return -1;
    groups_set_emit(d->g, false);
    mirror_opts_t mo = {.mm2 = d->cf.mm2, .flow = d->cf.flow, .stop = &d->stop};
    if (!(d->mirror = mirror_new(&mo, d->err, sizeof d->err))) return -1;
    if (pthread_create(&d->mirror_thread, NULL, mirror_main, d)) {
        snprintf(d->err, sizeof d->err, "cannot start the mirror's thread");
        return -1;
    }
    d->mirror_running = true;
    return 0;
}

static int stop_mirror(demo_t *d) {
    if (!d->mirror_running) return 0;
    atomic_store(&d->stop, 1);
    pthread_join(d->mirror_thread, NULL);
    d->mirror_running = false;
    if (d->mirror_rc != KMIG_EXIT_OK) {
        snprintf(d->err, sizeof d->err, "the mirror stopped with exit code %d", d->mirror_rc);
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
        failure(d, "billing read %d orders twice and missed %d of %d", dup, miss, d->orders);
    else
        say(d, "  billing read each of the %d orders exactly once (%d written on the target)\n",
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
        failure(d, "mailer read %d invoices twice and missed %d of %d (orders: %d)", dup, miss,
                d->invoices, d->orders);
    else
        say(d, "  mailer read each of the %d invoices exactly once (%d written on the target)\n",
            d->invoices, d->invoices_on_target);
    /* every copied record through the map; the target's other records are exactly the
     * ones the moved producers wrote there */
    int64_t se[NTOPICS][4], te[NTOPICS][4];
    map_set_t *maps = load_maps(d, se, te);
    if (!maps) return -1;
    json_t *jt = json_array();
    json_object_set_new(out, "topics", jt);
    for (int t = 0; t < NTOPICS; t++) {
        verify_result_t sum = {0};
        for (int p = 0; p < topic_parts[t]; p++) {
            map_entry_t *e = map_set_get(maps, topic_name[t], p);
            verify_result_t r;
            if (!e) {
                failure(d, "%s[%d]: no offset map", topic_name[t], p);
                continue;
            }
            if (verify_partition(d->src_reader, d->tgt_reader, topic_name[t], e->target, p,
                                 e->map, &r, d->err, sizeof d->err)) {
                map_set_destroy(maps);
                return -1;
            }
            sum.source_records += r.source_records;
            sum.matched += r.matched;
            sum.missing += r.missing;
            sum.mismatched += r.mismatched;
            sum.unmapped += r.unmapped;
        }
        int64_t on_target = t == T_ORDERS ? d->orders_on_target : d->invoices_on_target;
        json_array_append_new(
            jt, json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "topic", topic_name[t],
                          "source_records", (json_int_t)sum.source_records, "matched",
                          (json_int_t)sum.matched, "missing", (json_int_t)sum.missing, "different",
                          (json_int_t)sum.mismatched, "target_only", (json_int_t)sum.unmapped,
                          "produced_on_target", (json_int_t)on_target));
        if (sum.missing || sum.mismatched || sum.matched != sum.source_records ||
            sum.unmapped != on_target)
            failure(d, "%s: %" PRId64 " source records, %" PRId64 " matched, %" PRId64
                    " missing, %" PRId64 " different, %" PRId64 " only on the target (%" PRId64
                    " produced there)", topic_name[t], sum.source_records, sum.matched,
                    sum.missing, sum.mismatched, sum.unmapped, on_target);
        else
            say(d, "  %s: all %" PRId64 " source records copied and equal through the map; the "
                   "target's %" PRId64 " other records are exactly those written there\n",
                topic_name[t], sum.source_records, sum.unmapped);
    }
    map_set_destroy(maps);
    /* each group's final commit on the target is the end of what it read */
    struct { const char *group; int topic; } gs[] = {{"billing", T_ORDERS}, {"mailer", T_INVOICES}};
    for (size_t i = 0; i < 2; i++) {
        int64_t off[4];
        if (committed_on(d, AT_TARGET, gs[i].group, gs[i].topic, off)) return -1;
        bool ok = true;
        for (int p = 0; p < topic_parts[gs[i].topic]; p++) ok &= off[p] == te[gs[i].topic][p];
        json_object_set_new(out, gs[i].group[0] == 'b' ? "billing_committed_at_end"
                                                        : "mailer_committed_at_end",
                            json_boolean(ok));
        if (!ok) failure(d, "group %s's commits on the target are not at the end of %s",
                         gs[i].group, topic_name[gs[i].topic]);
        else say(d, "  group %s is committed at the end of %s on the target\n", gs[i].group,
                 topic_name[gs[i].topic]);
    }
    return 0;
}

static int walkthrough(demo_t *d) {
    step(d, "two clusters, three services, the manifest and the plan");
    if (setup(d)) return -1;
    action(d, "source cluster 'old' at %s, target cluster 'new' at %s (mock clusters in this "
           "process); topics orders (3 partitions) and invoices (2)", d->src.bootstrap,
           d->tgt.bootstrap);
    action(d, "the mirror copies old -> new (identity names) in a thread of this process");
    say(d, "\n%s\n", demo_manifest);
    sbuf_t runbook = {0};
    cutover_render_text(d->plan, &runbook);
    say(d, "%s", sbuf_str(&runbook));
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
    d->mailer = AT_STOPPED;
    action(d, "mailer stopped on the source");
    if (traffic(d, 20) || status(d, "with mailer stopped")) return -1;
    expect_state(d, "mailer", "in-sync");
    expect_state(d, "shop", "in-sync");
    if (move_group_step(d, "mailer") || traffic(d, 20) ||
        status(d, "after cutover group mailer"))
        return -1;
    expect_state(d, "mailer", "ready");
    d->mailer = AT_TARGET;
    action(d, "mailer started on the target");
    if (traffic(d, 40) || status(d, "with mailer on the target")) return -1;
    expect_state(d, "mailer", "moved");

    step(d, "the way back: mailer returns to the source, exactly");
    if (demo_way_back(d, "mailer", T_INVOICES)) return -1;
    d->mailer = AT_SOURCE;
    action(d, "mailer started on the source");
    if (traffic(d, 40) || status(d, "with mailer back on the source")) return -1;
    expect_state(d, "mailer", "in-sync");

    step(d, "mailer moves forward again");
    d->mailer = AT_STOPPED;
    action(d, "mailer stopped on the source");
    if (forward_again(d, "mailer", T_INVOICES)) return -1;
    d->mailer = AT_TARGET;
    action(d, "mailer started on the target");
    if (traffic(d, 40) || status(d, "with mailer on the target")) return -1;
    expect_state(d, "mailer", "moved");

    step(d, "move billing (plan step 2, consumes and produces)");
    d->billing = AT_STOPPED;
    action(d, "billing stopped on the source");
    if (traffic(d, 30) || status(d, "with billing stopped")) return -1;
    expect_state(d, "billing", "in-sync");
    if (move_group_step(d, "billing") || traffic(d, 20) ||
        status(d, "after cutover group billing"))
        return -1;
    expect_state(d, "billing", "ready");
    d->billing = AT_TARGET;
    action(d, "billing started on the target: it writes invoices there now");
    if (traffic(d, 40) || status(d, "with billing on the target")) return -1;
    expect_state(d, "billing", "moved");
    expect_state(d, "mailer", "moved");

    step(d, "move shop (plan step 3, producer only)");
    if (traffic(d, 20)) return -1;
    d->shop = AT_STOPPED;
    action(d, "shop stopped on the source");
    if (wait_copied(d) || status(d, "right after shop stopped")) return -1;
    expect_state(d, "shop", "in-sync");
    if (status(d, "after a quiet period (the time between two boards)")) return -1;
    expect_state(d, "shop", "ready");
    d->shop = AT_TARGET;
    action(d, "shop started on the target");
    if (traffic(d, 50) || status(d, "with every service on the target")) return -1;
    expect_state(d, "shop", "moved");

    step(d, "drained: stop mirroring");
    if (!d->drained) {
        failure(d, "the flow is not drained with every service moved");
        return 0;
    }
    action(d, "drained: safe to stop mirroring");
    if (stop_mirror(d)) return -1;
    action(d, "the mirror stopped");
    return 0;
}

int demo_cutover_run(bool json) {
    demo_t *d = xcalloc(1, sizeof *d);
    d->out = json ? stderr : stdout;
    d->steps = json_array();
    d->failures = json_array();
    int rc = KMIG_EXIT_FAIL;
    say(d, "kmig demo --cutover: three services moved from one cluster to another, step by "
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
        say(d, "\nPASS: each service moved in the planned order, mailer went back and forward "
               "again, the flow drained, and every consumer read every record exactly once.\n");
    else if (rc == KMIG_EXIT_MISMATCH)
        say(d, "\nFAIL: %zu failed checks (above)\n", json_array_size(d->failures));
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
    groups_destroy(d->g);
    if (d->src_reader) rd_kafka_destroy(d->src_reader);
    if (d->tgt_reader) rd_kafka_destroy(d->tgt_reader);
    cutover_plan_destroy(d->plan);
    cutover_manifest_destroy(d->m);
    cmd_flow_clear(&d->cf);
    if (*d->cfg_path && d->cfg_path[strlen(d->cfg_path) - 1] != 'X') unlink(d->cfg_path);
    if (*d->svc_path && d->svc_path[strlen(d->svc_path) - 1] != 'X') unlink(d->svc_path);
    cluster_stop(&d->tgt);
    cluster_stop(&d->src);
    free(d);
    return rc;
}

/* The clusters, clients and services of `kmig demo --cutover`
 * (cmd_demo_cutover.h): two librdkafka mock clusters in this process; shop
 * (writes orders), billing (reads orders with group billing and writes an
 * invoice per order, committing after its invoices are flushed) and mailer
 * (reads invoices with group mailer), each run on the cluster it is on now,
 * reading from its group's committed offsets to the end; the mirror's thread;
 * and the reads of the offset map kept on the target with both clusters' end
 * offsets, as `kmig cutover status` and `cutover group` read them. */
#include "cmd/cmd_demo_services.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/sbuf.h"
#include "kafka/kadmin.h"
#include "kafka/map_store.h"
#include "offsets/backmap.h"
#include "offsets/offset_map.h"

const char *const demo_topic_name[NTOPICS] = {"orders", "invoices"};
const int demo_topic_parts[NTOPICS] = {3, 2};

const char *demo_at_name(demo_at_t a) {
    return a == AT_SOURCE ? "the source (old)" : a == AT_TARGET ? "the target (new)" : "stopped";
}

/* --- clients --------------------------------------------------------------- */

const char *demo_boot(demo_t *d, demo_at_t at) {
    return at == AT_TARGET ? d->tgt.bootstrap : d->src.bootstrap;
}

rd_kafka_t *demo_client(rd_kafka_type_t type, const char *bootstrap, const char *group,
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

int demo_produce(demo_t *d, rd_kafka_t *p, int topic, int index) {
    char val[48];
    int n = snprintf(val, sizeof val, "%s-%d", topic == T_ORDERS ? "order" : "invoice", index);
    rd_kafka_resp_err_t e;
    do {
        e = rd_kafka_producev(p, RD_KAFKA_V_TOPIC(demo_topic_name[topic]),
                              RD_KAFKA_V_PARTITION(index % demo_topic_parts[topic]),
                              RD_KAFKA_V_VALUE(val, (size_t)n),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) rd_kafka_poll(p, 20);
    } while (e == RD_KAFKA_RESP_ERR__QUEUE_FULL);
    if (e) snprintf(d->err, sizeof d->err, "producing to %s: %s", demo_topic_name[topic],
                    rd_kafka_err2str(e));
    return e ? -1 : 0;
}

int demo_flush(demo_t *d, rd_kafka_t *p) {
    rd_kafka_resp_err_t e = rd_kafka_flush(p, 20000);
    if (e) snprintf(d->err, sizeof d->err, "flushing: %s", rd_kafka_err2str(e));
    return e ? -1 : 0;
}

/* --- the services ---------------------------------------------------------- */

/* A consumer of `group` reads `topic` on `at` from the group's committed
 * offsets (the beginning where none) to the end, calls fn per record, then
 * flushes `before_commit` (the records it produced) and commits its
 * positions, as a consume-process-commit service does. Returns records read,
 * or -1 with d->err. */
int demo_consume(demo_t *d, demo_at_t at, const char *group, int topic, on_record_fn fn,
                   void *arg, rd_kafka_t *before_commit) {
    int np = demo_topic_parts[topic], n = 0, rc = -1;
    rd_kafka_t *c = demo_client(RD_KAFKA_CONSUMER, demo_boot(d, at), group, d->err, sizeof d->err);
    if (!c) return -1;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(np);
    int64_t pos[4], hi[4];
    for (int p = 0; p < np; p++) rd_kafka_topic_partition_list_add(l, demo_topic_name[topic], p);
    rd_kafka_resp_err_t e = rd_kafka_committed(c, l, 10000);
    bool todo = false;
    for (int p = 0; !e && p < np; p++) {
        int64_t lo;
        e = rd_kafka_query_watermark_offsets(c, demo_topic_name[topic], p, &lo, &hi[p], 10000);
        pos[p] = l->elems[p].offset >= 0 ? l->elems[p].offset : lo;
        l->elems[p].offset = pos[p];
        todo |= pos[p] < hi[p];
    }
    if (e) {
        snprintf(d->err, sizeof d->err, "%s reading %s: %s", group, demo_topic_name[topic],
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
            snprintf(d->err, sizeof d->err, "%s: timed out reading %s", group, demo_topic_name[topic]);
            goto out;
        }
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(c, 100);
        if (!msg) continue;
        if (msg->err) {
            bool eof = msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
            if (!eof) snprintf(d->err, sizeof d->err, "%s reading %s: %s", group,
                               demo_topic_name[topic], rd_kafka_message_errstr(msg));
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
        if (p >= 0 && p < np && msg->offset >= pos[p]) { /* older: delivered already */
            pos[p] = msg->offset + 1;
            n++;
            if (index < 0 || index >= MAX_RECORDS || fn(d, index, arg)) {
                if (index < 0 || index >= MAX_RECORDS)
                    snprintf(d->err, sizeof d->err, "%s: unexpected record '%s' in %s[%d]",
                             group, val, demo_topic_name[topic], p);
                rd_kafka_message_destroy(msg);
                goto out;
            }
        }
        rd_kafka_message_destroy(msg);
        todo = false;
        for (int q = 0; q < np; q++) todo |= pos[q] < hi[q];
    }
    if (before_commit && demo_flush(d, before_commit)) goto out;
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

int demo_shop_produce(demo_t *d, int n) {
    if (d->shop == AT_STOPPED) return 0;
    rd_kafka_t *p = demo_client(RD_KAFKA_PRODUCER, demo_boot(d, d->shop), NULL, d->err, sizeof d->err);
    if (!p) return -1;
    int rc = 0;
    for (int i = 0; i < n && !rc && d->orders < MAX_RECORDS; i++) {
        rc = demo_produce(d, p, T_ORDERS, d->orders++);
        if (d->shop == AT_TARGET) d->orders_on_target++;
    }
    if (!rc) rc = demo_flush(d, p);
    rd_kafka_destroy(p);
    if (!rc) demo_action(d, "shop wrote %d orders on %s", n, demo_at_name(d->shop));
    return rc;
}

static int billing_on_order(demo_t *d, int index, void *arg) {
    d->billing_seen[index]++;
    if (d->invoices >= MAX_RECORDS) return -1;
    if (d->billing == AT_TARGET) d->invoices_on_target++;
    return demo_produce(d, arg, T_INVOICES, d->invoices++);
}

int demo_billing_run(demo_t *d) {
    if (d->billing == AT_STOPPED) return 0;
    rd_kafka_t *p = demo_client(RD_KAFKA_PRODUCER, demo_boot(d, d->billing), NULL, d->err, sizeof d->err);
    if (!p) return -1;
    int n = demo_consume(d, d->billing, "billing", T_ORDERS, billing_on_order, p, p);
    rd_kafka_destroy(p);
    if (n >= 0) demo_action(d, "billing read %d orders on %s and wrote an invoice for each", n,
                       demo_at_name(d->billing));
    return n < 0 ? -1 : 0;
}

static int mailer_on_invoice(demo_t *d, int index, void *arg) {
    (void)arg;
    d->mailer_seen[index]++;
    return 0;
}

int demo_mailer_run(demo_t *d) {
    if (d->mailer == AT_STOPPED) return 0;
    int n = demo_consume(d, d->mailer, "mailer", T_INVOICES, mailer_on_invoice, NULL, NULL);
    if (n >= 0) demo_action(d, "mailer read %d invoices on %s", n, demo_at_name(d->mailer));
    return n < 0 ? -1 : 0;
}

/* --- the mirror and its map ------------------------------------------------ */

void *demo_mirror_main(void *arg) {
    demo_t *d = arg;
    d->mirror_rc = mirror_run(d->mirror);
    return NULL;
}

void *demo_rmirror_main(void *arg) {
    demo_t *d = arg;
    d->rmirror_rc = mirror_run(d->rmirror);
    return NULL;
}

int demo_ends(demo_t *d, rd_kafka_t *rk, int64_t out[NTOPICS][4]) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    for (int t = 0; t < NTOPICS; t++)
        for (int p = 0; p < demo_topic_parts[t]; p++)
            rd_kafka_topic_partition_list_add(l, demo_topic_name[t], p);
    int rc = kadmin_end_offsets(rk, l, 10000, d->err, sizeof d->err);
    for (int i = 0, t = 0; !rc && t < NTOPICS; t++)
        for (int p = 0; p < demo_topic_parts[t]; p++, i++) {
            if (l->elems[i].err) {
                snprintf(d->err, sizeof d->err, "end offset of %s[%d]: %s", demo_topic_name[t], p,
                         rd_kafka_err2str(l->elems[i].err));
                rc = -1;
                break;
            }
            out[t][p] = l->elems[i].offset;
        }
    rd_kafka_topic_partition_list_destroy(l);
    return rc;
}

/* The map of one of the two flows with each entry's ends set (for
 * map_set_translate, as `kmig cutover group` does): the forward flow's as kept
 * on the target, or (`back`) the reverse flow's as kept on the source, keyed
 * by the target's topics, its ends swapped (source_end: the target's).
 * src_end and tgt_end get both clusters' ends. NULL with d->err. */
static map_set_t *load_flow_maps(demo_t *d, bool back, int64_t src_end[NTOPICS][4],
                                 int64_t tgt_end[NTOPICS][4]) {
    map_set_t *maps = map_set_new();
    char topic[300];
    size_t records;
    map_store_topic_name(topic, sizeof topic, back ? d->rcf.flow->source : d->cf.flow->source);
    if (map_store_load(back ? d->src_reader : d->tgt_reader, topic, 10000, map_set_add_seg, maps,
                       &records, d->err, sizeof d->err) ||
        demo_ends(d, d->src_reader, src_end) || demo_ends(d, d->tgt_reader, tgt_end)) {
        map_set_destroy(maps);
        return NULL;
    }
    for (int t = 0; t < NTOPICS; t++)
        for (int p = 0; p < demo_topic_parts[t]; p++) {
            map_entry_t *e = map_set_get(maps, demo_topic_name[t], p);
            if (e) {
                e->source_end = back ? tgt_end[t][p] : src_end[t][p];
                e->target_end = back ? src_end[t][p] : tgt_end[t][p];
            }
        }
    return maps;
}

map_set_t *demo_load_maps(demo_t *d, int64_t src_end[NTOPICS][4], int64_t tgt_end[NTOPICS][4]) {
    return load_flow_maps(d, false, src_end, tgt_end);
}

map_set_t *demo_load_back_maps(demo_t *d, int64_t src_end[NTOPICS][4],
                               int64_t tgt_end[NTOPICS][4]) {
    return load_flow_maps(d, true, src_end, tgt_end);
}

int demo_load_both_maps(demo_t *d, map_set_t **maps, map_set_t **rev, int64_t src_end[NTOPICS][4],
                        int64_t tgt_end[NTOPICS][4]) {
    int64_t se2[NTOPICS][4], te2[NTOPICS][4];
    if (!(*maps = demo_load_maps(d, src_end, tgt_end))) return -1;
    if (!(*rev = demo_load_back_maps(d, se2, te2))) {
        map_set_destroy(*maps);
        *maps = NULL;
        return -1;
    }
    return 0;
}

bool demo_covered(map_set_t *maps, int t, int p, int64_t end) {
    map_entry_t *e = map_set_get(maps, demo_topic_name[t], p);
    int64_t next = e && e->map ? offset_map_src_next(e->map) : -1;
    return next < 0 ? end == 0 : next >= end;
}

/* Waits until a flow's map covers every end of its source: the forward flow's
 * every source end, or (`back`) the reverse flow's every target end. */
static int wait_flow_copied(demo_t *d, bool back) {
    for (int waited = 0;; waited += 100) {
        int64_t se[NTOPICS][4], te[NTOPICS][4];
        map_set_t *maps = load_flow_maps(d, back, se, te);
        if (!maps) return -1;
        bool all = true;
        for (int t = 0; t < NTOPICS; t++)
            for (int p = 0; p < demo_topic_parts[t]; p++)
                all &= demo_covered(maps, t, p, back ? te[t][p] : se[t][p]);
        map_set_destroy(maps);
        if (all) return 0;
        if (waited >= WAIT_MS) {
            snprintf(d->err, sizeof d->err, "%s did not copy everything within %d s",
                     back ? "the reverse flow" : "the mirror", WAIT_MS / 1000);
            return -1;
        }
        usleep(100000);
    }
}

int demo_wait_back_copied(demo_t *d) {
    return wait_flow_copied(d, true);
}

/* Waits until the map on the target covers every source end: the mirror has
 * copied everything written so far. */
int demo_wait_copied(demo_t *d) {
    return wait_flow_copied(d, false);
}

/* One pass of the groups sync over both topics for `group` (dry unless
 * write), as `kmig cutover group` runs it. */
int demo_group_pass(demo_t *d, const char *group, bool write, bool back, group_rows_t *rows) {
    int64_t se[NTOPICS][4], te[NTOPICS][4], se2[NTOPICS][4], te2[NTOPICS][4];
    map_set_t *maps = demo_load_maps(d, se, te);
    if (!maps) return -1;
    /* as `kmig cutover group`: with the reverse flow's map (the opposite flow of
     * old -> new) through both maps, the reverse map in the forward map's role */
    map_set_t *opp = back ? demo_load_back_maps(d, se2, te2) : NULL;
    if (back && !opp) {
        map_set_destroy(maps);
        return -1;
    }
    backmap_pair_t pair = {opp, maps};
    size_t n = map_set_count(maps);
    groups_partition_t *parts = xcalloc(n + 1, sizeof *parts);
    for (size_t i = 0; i < n; i++) {
        map_entry_t *e = map_set_sorted(maps, i);
        parts[i] = (groups_partition_t){e->topic, e->target, e->partition, e->source_end, -1};
    }
    char *names[] = {(char *)group, NULL};
    int failed = groups_pass(d->g, names, parts, n, opp ? backmap_pair_translate : map_set_translate,
                             opp ? (void *)&pair : maps, NULL, write, rows);
    free(parts);
    map_set_destroy(maps);
    map_set_destroy(opp);
    if (failed && !write) {
        snprintf(d->err, sizeof d->err, "the offsets of group %s could not be read", group);
        return -1;
    }
    return 0;
}

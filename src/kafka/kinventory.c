/* Inventory of a live cluster (see kinventory.h): one pass over metadata,
 * configs, offsets, groups and ACLs, plus an optional traffic sample (end
 * offsets read twice, `sample_s` apart) and a look at the last few records of
 * some partitions for record sizes and transaction markers. Each part that a
 * cluster refuses leaves a reason in the inventory instead of failing. */
#include "kafka/kinventory.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "core/strmap.h"
#include "kafka/compat.h"
#include "kafka/kacl.h"
#include "kafka/kadmin.h"
#include "kafka/kgroups.h"
#include "kafka/kprobe.h"
#include "kafka/kread.h"

/* Records read per partition for sizes, and partitions looked at per topic. */
#define SAMPLE_RECORDS 16
#define SAMPLE_PARTITIONS 4

static int64_t parse_i64(const char *s, int64_t dflt) {
    if (!s || !*s) return dflt;
    char *end;
    long long v = strtoll(s, &end, 10);
    return *end ? dflt : (int64_t)v;
}

/* Effective retention of a topic: its own setting, else the brokers' default. */
static int64_t retention_ms(const inventory_t *inv, const inv_topic_t *t) {
    const char *v = kv_list_get(&t->configs, "retention.ms");
    return v ? parse_i64(v, 0) : inventory_broker_retention_ms(inv);
}

static void topic_derived(const inventory_t *inv, inv_topic_t *t) {
    t->retention_ms = retention_ms(inv, t);
    const char *rb = kv_list_get(&t->configs, "retention.bytes");
    if (!rb) rb = inventory_broker_config(inv, "log.retention.bytes");
    t->retention_bytes = parse_i64(rb, -1);
    const char *cp = kv_list_get(&t->configs, "cleanup.policy");
    if (!cp) cp = inventory_broker_config(inv, "log.cleanup.policy");
    t->compacted = cp && strstr(cp, "compact");
}

/* The brokers' racks from one DescribeCluster call (Kafka 2.8+), which needs
 * no DescribeConfigs rights. Returns 0 when the cluster answered; brokers
 * without a rack keep NULL. */
static int racks_collect(const kinventory_opts_t *o, inventory_t *inv) {
#if KMIG_HAVE_DESCRIBE_CLUSTER
    char err[512];
    rd_kafka_queue_t *q = rd_kafka_queue_new(o->admin);
    rd_kafka_AdminOptions_t *ao =
        rd_kafka_AdminOptions_new(o->admin, RD_KAFKA_ADMIN_OP_DESCRIBECLUSTER);
    rd_kafka_AdminOptions_set_request_timeout(ao, o->timeout_ms, NULL, 0);
    rd_kafka_DescribeCluster(o->admin, ao, q);
    rd_kafka_event_t *ev = kadmin_wait(q, o->timeout_ms, err, sizeof err, "DescribeCluster");
    int rc = -1;
    if (ev) {
        size_t n;
        const rd_kafka_Node_t **nodes = rd_kafka_DescribeCluster_result_nodes(
            rd_kafka_event_DescribeCluster_result(ev), &n);
        for (size_t i = 0; i < n; i++) {
            const char *rack = rd_kafka_Node_rack(nodes[i]);
            for (size_t b = 0; rack && *rack && b < inv->nbrokers; b++)
                if (inv->brokers[b].id == rd_kafka_Node_id(nodes[i]) && !inv->brokers[b].rack)
                    inv->brokers[b].rack = xstrdup(rack);
        }
        rd_kafka_event_destroy(ev);
        rc = 0;
    } else {
        log_debug("%s: %s; racks come from the broker configs", inv->alias, err);
    }
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_queue_destroy(q);
    return rc;
#else
    (void)o;
    (void)inv;
    return -1;
#endif
}

static void brokers_collect(const kinventory_opts_t *o, const rd_kafka_metadata_t *md,
                            inventory_t *inv) {
    char err[512];
    int32_t lowest = -1;
    for (int i = 0; i < md->broker_cnt; i++) {
        const rd_kafka_metadata_broker_t *b = &md->brokers[i];
        inventory_add_broker(inv, b->id, b->host, b->port);
        if (lowest < 0 || b->id < lowest) lowest = b->id;
    }
    bool racks_known = racks_collect(o, inv) == 0;
    for (size_t i = 0; i < inv->nbrokers; i++) {
        inv_broker_t *ib = &inv->brokers[i];
        if (o->configs && !racks_known) {
            kv_list_t cfg = {0};
            if (kadmin_describe_broker_configs(o->admin, ib->id, &cfg, o->timeout_ms, err,
                                               sizeof err) == 0) {
                const char *rack = kv_list_get(&cfg, "broker.rack");
                if (rack && *rack) ib->rack = xstrdup(rack);
            } else if (!inv->configs_error) {
                inv->configs_error = xstrdup(err);
            }
            kv_list_clear(&cfg);
        }
        if (o->probe) {
            kprobe_result_t pr;
            if (kprobe_broker(ib->host, ib->port, o->client, o->timeout_ms, &pr, err, sizeof err) ==
                0) {
                ib->version = xstrdup(pr.version);
                ib->api_fetch_max = pr.fetch_max;
                ib->api_produce_max = pr.produce_max;
            } else {
                log_warn("broker %d (%s:%d): protocol versions not read: %s", ib->id, ib->host,
                         ib->port, err);
            }
        }
    }
    if (o->configs && lowest >= 0 && !inv->configs_error &&
        kadmin_describe_broker_configs(o->admin, lowest, &inv->broker_configs, o->timeout_ms, err,
                                       sizeof err))
        inv->configs_error = xstrdup(err);
}

static void topic_configs_collect(const kinventory_opts_t *o, inventory_t *inv) {
    if (!inv->ntopics || inv->configs_error) return;
    char err[512];
    kitem_t *items = xcalloc(inv->ntopics, sizeof *items);
    for (size_t i = 0; i < inv->ntopics; i++) items[i].topic = xstrdup(inv->topics[i].name);
    if (kadmin_describe_topic_configs(o->admin, items, inv->ntopics, true, o->timeout_ms, err,
                                      sizeof err)) {
        inv->configs_error = xstrdup(err);
    } else {
        for (size_t i = 0; i < inv->ntopics; i++) {
            if (items[i].error && !inv->configs_error) {
                sbuf_t b = {0};
                sbuf_printf(&b, "%s: %s", items[i].topic, items[i].error);
                inv->configs_error = b.s;
            }
            inv->topics[i].configs = items[i].configs;
            memset(&items[i].configs, 0, sizeof items[i].configs);
        }
    }
    kitems_clear(items, inv->ntopics);
    free(items);
}

/* Start and end offsets of every partition: tp (end) and start. */
static rd_kafka_topic_partition_list_t *partitions_list(const inventory_t *inv) {
    rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(16);
    for (size_t i = 0; i < inv->ntopics; i++)
        for (int32_t p = 0; p < inv->topics[i].partitions; p++)
            rd_kafka_topic_partition_list_add(tp, inv->topics[i].name, p);
    return tp;
}

static int64_t sum_offsets(const rd_kafka_topic_partition_list_t *tp, const char *topic) {
    int64_t sum = 0;
    for (int i = 0; i < tp->cnt; i++)
        if (!tp->elems[i].err && tp->elems[i].offset >= 0 && !strcmp(tp->elems[i].topic, topic))
            sum += tp->elems[i].offset;
    return sum;
}

/* The last records of up to SAMPLE_PARTITIONS partitions per topic: average
 * size (key + value + headers), and offset gaps in non-compacted topics,
 * which are transaction markers. */
static void sizes_collect(const kinventory_opts_t *o, rd_kafka_t *reader, inventory_t *inv,
                          const rd_kafka_topic_partition_list_t *lo,
                          const rd_kafka_topic_partition_list_t *hi) {
    rd_kafka_queue_t *q = rd_kafka_queue_new(reader);
    strmap_t *topics = strmap_new(); /* name -> index + 1 into inv->topics */
    strmap_t *started = strmap_new(); /* "topic:partition" -> started_t* */
    int64_t *bytes = xcalloc(inv->ntopics + 1, sizeof *bytes),
            *count = xcalloc(inv->ntopics + 1, sizeof *count);
    typedef struct {
        rd_kafka_topic_t *rkt;
        int32_t partition;
        int64_t end, last;
        size_t topic;
    } started_t;
    started_t *st = xcalloc((size_t)hi->cnt + 1, sizeof *st);
    size_t nst = 0, open = 0;
    for (size_t i = 0; i < inv->ntopics; i++) strmap_put(topics, inv->topics[i].name, (void *)(i + 1));
    int per_topic_seen = 0;
    const char *cur = NULL;
    for (int i = 0; i < hi->cnt; i++) {
        const rd_kafka_topic_partition_t *h = &hi->elems[i], *l = &lo->elems[i];
        if (!cur || strcmp(cur, h->topic)) cur = h->topic, per_topic_seen = 0;
        if (h->err || l->err || h->offset <= l->offset || per_topic_seen >= SAMPLE_PARTITIONS)
            continue;
        per_topic_seen++;
        int64_t from = h->offset - SAMPLE_RECORDS > l->offset ? h->offset - SAMPLE_RECORDS : l->offset;
        started_t *s = &st[nst++];
        s->rkt = rd_kafka_topic_new(reader, h->topic, NULL);
        s->partition = h->partition;
        s->end = h->offset;
        s->last = from - 1;
        s->topic = (size_t)strmap_get(topics, h->topic) - 1;
        char key[320];
        snprintf(key, sizeof key, "%s:%d", h->topic, h->partition);
        strmap_put(started, key, s);
        rd_kafka_consume_start_queue(s->rkt, h->partition, from, q);
        open++;
    }
    int64_t deadline = clock_mono_ms() + o->timeout_ms;
    rd_kafka_message_t *msgs[256];
    while (open > 0 && clock_mono_ms() < deadline) {
        ssize_t n = kread_batch(q, 200, msgs, 256);
        for (ssize_t k = 0; k < n; k++) {
            rd_kafka_message_t *m = msgs[k];
            started_t *s = NULL;
            if (m->rkt) { /* NULL on errors not about a partition */
                char key[320];
                snprintf(key, sizeof key, "%s:%d", rd_kafka_topic_name(m->rkt), m->partition);
                s = strmap_get(started, key);
            }
            if (s && !m->err && s->last < s->end - 1) {
                inv_topic_t *t = &inv->topics[s->topic];
                size_t sz = m->len + m->key_len;
                rd_kafka_headers_t *h;
                if (!rd_kafka_message_headers(m, &h)) {
                    const char *name;
                    const void *val;
                    size_t vlen;
                    for (size_t x = 0; !rd_kafka_header_get_all(h, x, &name, &val, &vlen); x++)
                        sz += strlen(name) + vlen;
                }
                bytes[s->topic] += (int64_t)sz;
                count[s->topic]++;
                if (m->offset > s->last + 1 && !t->compacted) t->transactional = true;
                s->last = m->offset;
                if (s->last >= s->end - 1) open--;
            } else if (s && m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF && s->last < s->end - 1) {
                /* The log ends after markers only: the last offsets were control records. */
                if (!inv->topics[s->topic].compacted) inv->topics[s->topic].transactional = true;
                s->last = s->end - 1;
                open--;
            }
            rd_kafka_message_destroy(m);
        }
    }
    for (size_t j = 0; j < nst; j++) {
        rd_kafka_consume_stop(st[j].rkt, st[j].partition);
        rd_kafka_topic_destroy(st[j].rkt);
    }
    for (size_t i = 0; i < inv->ntopics; i++)
        if (count[i]) inv->topics[i].avg_record_bytes = (double)bytes[i] / (double)count[i];
    free(st);
    free(bytes);
    free(count);
    strmap_destroy(topics);
    strmap_destroy(started);
    rd_kafka_queue_destroy(q);
}

static void offsets_collect(const kinventory_opts_t *o, rd_kafka_t *reader, inventory_t *inv,
                            strmap_t *ends) {
    char err[512];
    rd_kafka_topic_partition_list_t *lo = partitions_list(inv), *hi = partitions_list(inv);
    if (!hi->cnt || kadmin_start_offsets(o->admin, lo, o->timeout_ms, err, sizeof err) ||
        kadmin_end_offsets(o->admin, hi, o->timeout_ms, err, sizeof err)) {
        if (hi->cnt) log_warn("%s: offsets not read: %s", inv->alias, err);
        goto out;
    }
    /* offsets_for_times gives -1 for the log start on brokers before 0.10.1. */
    for (int i = 0; i < lo->cnt; i++)
        if (lo->elems[i].offset < 0) lo->elems[i].offset = 0;
    for (int i = 0; i < hi->cnt; i++) {
        char key[320];
        snprintf(key, sizeof key, "%s:%d", hi->elems[i].topic, hi->elems[i].partition);
        if (!hi->elems[i].err) strmap_put(ends, key, (void *)(intptr_t)(hi->elems[i].offset + 1));
    }
    for (size_t i = 0; i < inv->ntopics; i++)
        inv->topics[i].records = sum_offsets(hi, inv->topics[i].name) -
                                 sum_offsets(lo, inv->topics[i].name);
    if (o->sample_s > 0) {
        rd_kafka_topic_partition_list_t *later = partitions_list(inv);
        fprintf(stderr, "%s: sampling traffic for %d s...\n", inv->alias, o->sample_s);
        int64_t t0 = clock_mono_ms();
        clock_sleep_ms(o->sample_s * 1000);
        if (kadmin_end_offsets(o->admin, later, o->timeout_ms, err, sizeof err) == 0) {
            double secs = (double)(clock_mono_ms() - t0) / 1000.0;
            inv->sample_s = secs;
            for (size_t i = 0; i < inv->ntopics; i++)
                inv->topics[i].records_per_s = (double)(sum_offsets(later, inv->topics[i].name) -
                                                        sum_offsets(hi, inv->topics[i].name)) /
                                               secs;
            rd_kafka_topic_partition_list_destroy(hi);
            hi = later;
        } else {
            log_warn("%s: traffic sample failed: %s", inv->alias, err);
            rd_kafka_topic_partition_list_destroy(later);
        }
    }
    if (reader) sizes_collect(o, reader, inv, lo, hi);
out:
    rd_kafka_topic_partition_list_destroy(lo);
    rd_kafka_topic_partition_list_destroy(hi);
}

static void groups_collect(const kinventory_opts_t *o, inventory_t *inv, strmap_t *ends) {
    char err[512], **names = NULL;
    if (kgroups_list(o->admin, o->timeout_ms, &names, err, sizeof err)) {
        inv->groups_error = xstrdup(err);
        return;
    }
    for (char **n = names; *n; n++) {
        inv_group_t *g = inventory_add_group(inv, *n);
        char state[64];
        int members = 0;
        if (kgroups_describe(o->group_admin, *n, o->timeout_ms, state, sizeof state, &members,
                             NULL, err, sizeof err) == 0) {
            g->state = xstrdup(state);
            g->members = members;
        }
        kgroup_offsets_t none = {0}, got = {0};
        g->lag = -1;
        if (kgroups_committed(o->admin, *n, &none, o->timeout_ms, &got, err, sizeof err) == 0) {
            sbuf_t topics = {0};
            g->lag = 0;
            for (size_t i = 0; i < got.n; i++) {
                if (got.v[i].offset < 0) continue;
                char key[320];
                snprintf(key, sizeof key, "%s:%d", got.v[i].topic, got.v[i].partition);
                intptr_t end = (intptr_t)strmap_get(ends, key) - 1;
                if (end >= got.v[i].offset) g->lag += end - got.v[i].offset;
                g->partitions++;
                size_t tl = strlen(got.v[i].topic);
                const char *at = strstr(sbuf_str(&topics), got.v[i].topic);
                bool listed = at && (at == topics.s || at[-1] == ',') &&
                              (at[tl] == ',' || at[tl] == '\0');
                if (!listed) sbuf_printf(&topics, "%s%s", topics.len ? "," : "", got.v[i].topic);
            }
            g->topics = topics.s ? topics.s : xstrdup("");
        }
        kgroup_offsets_clear(&got);
    }
    kgroups_names_free(names);
}

static void scram_collect(const kinventory_opts_t *o, inventory_t *inv) {
#if KMIG_HAVE_SCRAM_ADMIN
    char err[512];
    rd_kafka_queue_t *q = rd_kafka_queue_new(o->admin);
    rd_kafka_AdminOptions_t *ao =
        rd_kafka_AdminOptions_new(o->admin, RD_KAFKA_ADMIN_OP_DESCRIBEUSERSCRAMCREDENTIALS);
    rd_kafka_AdminOptions_set_request_timeout(ao, o->timeout_ms, NULL, 0);
    rd_kafka_DescribeUserScramCredentials(o->admin, NULL, 0, ao, q);
    rd_kafka_event_t *ev = kadmin_wait(q, o->timeout_ms, err, sizeof err,
                                       "DescribeUserScramCredentials");
    if (!ev) {
        inv->scram_note = xstrdup(err);
    } else {
        size_t n;
        const rd_kafka_UserScramCredentialsDescription_t **d =
            rd_kafka_DescribeUserScramCredentials_result_descriptions(
                rd_kafka_event_DescribeUserScramCredentials_result(ev), &n);
        for (size_t i = 0; i < n; i++) {
            size_t ni = rd_kafka_UserScramCredentialsDescription_scramcredentialinfo_count(d[i]);
            for (size_t k = 0; k < ni; k++) {
                const rd_kafka_ScramCredentialInfo_t *ci =
                    rd_kafka_UserScramCredentialsDescription_scramcredentialinfo(d[i], k);
                inv->scram = xrealloc(inv->scram, (inv->nscram + 1) * sizeof *inv->scram);
                inv->scram[inv->nscram++] = (inv_scram_t){
                    xstrdup(rd_kafka_UserScramCredentialsDescription_user(d[i])),
                    xstrdup(rd_kafka_ScramCredentialInfo_mechanism(ci) ==
                                    RD_KAFKA_SCRAM_MECHANISM_SHA_512
                                ? "SCRAM-SHA-512"
                                : "SCRAM-SHA-256"),
                    (int)rd_kafka_ScramCredentialInfo_iterations(ci)};
            }
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_queue_destroy(q);
#else
    (void)o;
    sbuf_t b = {0};
    sbuf_printf(&b,
                "this kmig runs librdkafka %s, which has no SCRAM credential admin "
                "API (DescribeUserScramCredentials came in 2.2.0); list them with "
                "kafka-configs.sh --describe --entity-type users",
                rd_kafka_version_str());
    inv->scram_note = b.s;
#endif
}

int kinventory_collect(const kinventory_opts_t *o, inventory_t *inv, char *err, size_t errsz) {
    const rd_kafka_metadata_t *md;
    rd_kafka_resp_err_t e = rd_kafka_metadata(o->admin, 1, NULL, &md, o->timeout_ms);
    if (e) {
        snprintf(err, errsz, "%s (%s): metadata: %s", inv->alias, inv->bootstrap,
                 rd_kafka_err2str(e));
        return -1;
    }
    char *id = rd_kafka_clusterid(o->admin, o->timeout_ms);
    if (id) {
        inv->cluster_id = xstrdup(id);
        rd_kafka_mem_free(o->admin, id);
    }
    inv->controller_id = rd_kafka_controllerid(o->admin, o->timeout_ms);
    brokers_collect(o, md, inv);
    for (int i = 0; o->topics && i < md->topic_cnt; i++) {
        const rd_kafka_metadata_topic_t *t = &md->topics[i];
        if (t->err) continue;
        inventory_add_topic(inv, t->topic, t->partition_cnt,
                            t->partition_cnt ? t->partitions[0].replica_cnt : 0);
    }
    rd_kafka_metadata_destroy(md);
    inventory_sort(inv);
    if (o->configs) topic_configs_collect(o, inv);
    for (size_t i = 0; i < inv->ntopics; i++) topic_derived(inv, &inv->topics[i]);
    strmap_t *ends = strmap_new();
    if (o->topics) offsets_collect(o, o->reader, inv, ends);
    if (o->groups) groups_collect(o, inv, ends);
    strmap_destroy(ends);
    /* librdkafka drops DescribeAcls' own error, so a cluster without an
     * authorizer would look like one without bindings: the broker config tells. */
    const char *authorizer = inventory_broker_config(inv, "authorizer.class.name");
    if (o->acls && inv->broker_configs.n && (!authorizer || !*authorizer))
        inv->acls_error = xstrdup("the brokers have no authorizer (authorizer.class.name is "
                                  "empty): there are no ACLs");
    else if (o->acls && kacl_describe_all(o->admin, inv, o->timeout_ms, err, errsz))
        inv->acls_error = xstrdup(err);
    scram_collect(o, inv);
    inventory_sort(inv);
    return 0;
}

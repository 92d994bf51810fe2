/* Metadata and admin calls (topics, partitions, topic configs, end offsets),
 * made synchronous with a timeout. Each call uses its own result queue, so a
 * handle can serve several callers one after another. */
#include "kafka/kadmin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/sbuf.h"
#include "core/strmap.h"
#include "kafka/compat.h"

int kadmin_list_topics(rd_kafka_t *rk, int timeout_ms, ktopics_t *out, char *err, size_t errsz) {
    const rd_kafka_metadata_t *md;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
    memset(out, 0, sizeof *out);
    if (e) {
        snprintf(err, errsz, "metadata request failed: %s", rd_kafka_err2str(e));
        return -1;
    }
    out->brokers = md->broker_cnt;
    out->v = xcalloc((size_t)md->topic_cnt, sizeof *out->v);
    for (int i = 0; i < md->topic_cnt; i++) {
        const rd_kafka_metadata_topic_t *t = &md->topics[i];
        ktopic_t *k = &out->v[out->n++];
        k->name = xstrdup(t->topic);
        k->partitions = t->partition_cnt;
        k->replication_factor = t->partition_cnt > 0 ? t->partitions[0].replica_cnt : 0;
        if (t->err) k->error = xstrdup(rd_kafka_err2str(t->err));
    }
    rd_kafka_metadata_destroy(md);
    return 0;
}

const ktopic_t *ktopics_find(const ktopics_t *t, const char *name) {
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->v[i].name, name)) return &t->v[i];
    return NULL;
}

void ktopics_clear(ktopics_t *t) {
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].name);
        free(t->v[i].error);
    }
    free(t->v);
    memset(t, 0, sizeof *t);
}

void kitems_clear(kitem_t *items, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(items[i].topic);
        free(items[i].error);
        kv_list_clear(&items[i].configs);
        memset(&items[i], 0, sizeof items[i]);
    }
}

rd_kafka_event_t *kadmin_wait(rd_kafka_queue_t *q, int timeout_ms, char *err, size_t errsz,
                                     const char *what) {
    return kadmin_wait_code(q, timeout_ms, NULL, err, errsz, what);
}

rd_kafka_event_t *kadmin_wait_code(rd_kafka_queue_t *q, int timeout_ms, rd_kafka_resp_err_t *code,
                                   char *err, size_t errsz, const char *what) {
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 2000);
    if (code) *code = ev ? rd_kafka_event_error(ev) : RD_KAFKA_RESP_ERR__TIMED_OUT;
    if (!ev) {
        snprintf(err, errsz, "%s: no answer within %d ms (the broker may not support the admin API)",
                 what, timeout_ms);
        return NULL;
    }
    if (rd_kafka_event_error(ev)) {
        rd_kafka_resp_err_t e = rd_kafka_event_error(ev);
        snprintf(err, errsz, "%s: %s%s", what, rd_kafka_event_error_string(ev),
                 e == RD_KAFKA_RESP_ERR__TIMED_OUT
                     ? " (the broker may not support the admin API)"
                     : "");
        rd_kafka_event_destroy(ev);
        return NULL;
    }
    return ev;
}

static rd_kafka_AdminOptions_t *kadmin_options(rd_kafka_t *rk, rd_kafka_admin_op_t op,
                                               int timeout_ms) {
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, op);
    char why[128];
    rd_kafka_AdminOptions_set_request_timeout(o, timeout_ms, why, sizeof why);
    if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS)
        rd_kafka_AdminOptions_set_operation_timeout(o, timeout_ms, why, sizeof why);
    return o;
}

static kitem_t *kadmin_item(kitem_t *items, size_t n, const char *topic) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(items[i].topic, topic)) return &items[i];
    return NULL;
}

/* Copies per-topic results (CreateTopics, CreatePartitions) into items. */
static void kadmin_topic_results(kitem_t *items, size_t n, const rd_kafka_topic_result_t **res,
                                 size_t cnt) {
    for (size_t i = 0; i < cnt; i++) {
        kitem_t *it = kadmin_item(items, n, rd_kafka_topic_result_name(res[i]));
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
        if (!it || !e || e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) continue;
        const char *s = rd_kafka_topic_result_error_string(res[i]);
        sbuf_t b = {0};
        sbuf_printf(&b, "%s: %s", rd_kafka_err2name(e), s && *s ? s : rd_kafka_err2str(e));
        it->error = b.s;
    }
}

int kadmin_create_topics(rd_kafka_t *rk, kitem_t *items, size_t n, int timeout_ms, char *err,
                         size_t errsz) {
    if (!n) return 0;
    rd_kafka_NewTopic_t **nt = xcalloc(n, sizeof *nt);
    char why[256];
    for (size_t i = 0; i < n; i++) {
        nt[i] = rd_kafka_NewTopic_new(items[i].topic, items[i].partitions,
                                      items[i].replication_factor, why, sizeof why);
        if (!nt[i]) {
            snprintf(err, errsz, "create topic %s: %s", items[i].topic, why);
            rd_kafka_NewTopic_destroy_array(nt, i);
            free(nt);
            return -1;
        }
        for (size_t c = 0; c < items[i].configs.n; c++)
            rd_kafka_NewTopic_set_config(nt[i], items[i].configs.items[c].key,
                                         items[i].configs.items[c].value);
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o = kadmin_options(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout_ms);
    rd_kafka_CreateTopics(rk, nt, n, o, q);
    rd_kafka_event_t *ev = kadmin_wait(q, timeout_ms, err, errsz, "CreateTopics");
    int rc = -1;
    if (ev) {
        size_t cnt;
        const rd_kafka_topic_result_t **res =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);
        kadmin_topic_results(items, n, res, cnt);
        rd_kafka_event_destroy(ev);
        rc = 0;
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy_array(nt, n);
    free(nt);
    return rc;
}

int kadmin_create_partitions(rd_kafka_t *rk, kitem_t *items, size_t n, int timeout_ms, char *err,
                             size_t errsz) {
    if (!n) return 0;
    rd_kafka_NewPartitions_t **np = xcalloc(n, sizeof *np);
    char why[256];
    for (size_t i = 0; i < n; i++)
        np[i] = rd_kafka_NewPartitions_new(items[i].topic, (size_t)items[i].partitions, why,
                                           sizeof why);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o =
        kadmin_options(rk, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, timeout_ms);
    rd_kafka_CreatePartitions(rk, np, n, o, q);
    rd_kafka_event_t *ev = kadmin_wait(q, timeout_ms, err, errsz, "CreatePartitions");
    int rc = -1;
    if (ev) {
        size_t cnt;
        const rd_kafka_topic_result_t **res = rd_kafka_CreatePartitions_result_topics(
            rd_kafka_event_CreatePartitions_result(ev), &cnt);
        kadmin_topic_results(items, n, res, cnt);
        rd_kafka_event_destroy(ev);
        rc = 0;
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewPartitions_destroy_array(np, n);
    free(np);
    return rc;
}

typedef enum { CFG_DESCRIBE, CFG_ALTER, CFG_INCREMENTAL } cfg_op_t;

static const char *const cfg_op_names[] = {"DescribeConfigs", "AlterConfigs",
                                           "IncrementalAlterConfigs"};

/* Adds items[i].configs to a resource: all of them for AlterConfigs (the
 * whole new set); for IncrementalAlterConfigs each key once (the last value
 * wins, as in kv_list_get), leaving out secret entries without a value (a
 * described sensitive config reads back empty: the target keeps its own). */
static int cfg_resource_fill(rd_kafka_ConfigResource_t *cr, const kv_list_t *l, cfg_op_t op,
                             char *err, size_t errsz) {
    for (size_t c = 0; c < l->n; c++) {
        const kv_t *kv = &l->items[c];
        if (op == CFG_ALTER) {
            rd_kafka_ConfigResource_set_config(cr, kv->key, kv->value);
            continue;
        }
#if KMIG_HAVE_INCREMENTAL_ALTER_CONFIGS
        if (op != CFG_INCREMENTAL || (kv->secret && !*kv->value) ||
            kv_list_get(l, kv->key) != kv->value)
            continue;
        rd_kafka_error_t *e = rd_kafka_ConfigResource_add_incremental_config(
            cr, kv->key, RD_KAFKA_ALTER_CONFIG_OP_TYPE_SET, kv->value);
        if (e) {
            snprintf(err, errsz, "IncrementalAlterConfigs %s: %s", kv->key,
                     rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
            return -1;
        }
#endif
    }
    return 0;
}

/* The resources of an AlterConfigs, IncrementalAlterConfigs or
 * DescribeConfigs result event. */
static const rd_kafka_ConfigResource_t **cfg_results(rd_kafka_event_t *ev, cfg_op_t op,
                                                     size_t *cnt) {
    switch (op) {
    case CFG_ALTER:
        return rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), cnt);
#if KMIG_HAVE_INCREMENTAL_ALTER_CONFIGS
    case CFG_INCREMENTAL:
        return rd_kafka_IncrementalAlterConfigs_result_resources(
            rd_kafka_event_IncrementalAlterConfigs_result(ev), cnt);
#endif
    default:
        return rd_kafka_DescribeConfigs_result_resources(
            rd_kafka_event_DescribeConfigs_result(ev), cnt);
    }
}

/* Runs DescribeConfigs, AlterConfigs or IncrementalAlterConfigs on resources
 * of `type` named by items[i].topic (a broker id for brokers). The call's
 * error code goes to *code. */
static int kadmin_configs(rd_kafka_t *rk, rd_kafka_ResourceType_t type, kitem_t *items, size_t n,
                          cfg_op_t op, bool non_default_only, int timeout_ms,
                          rd_kafka_resp_err_t *code, char *err, size_t errsz) {
    *code = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (!n) return 0;
    rd_kafka_ConfigResource_t **cr = xcalloc(n, sizeof *cr);
    int rc = -1;
    for (size_t i = 0; i < n; i++) {
        cr[i] = rd_kafka_ConfigResource_new(type, items[i].topic);
        if (op != CFG_DESCRIBE && cfg_resource_fill(cr[i], &items[i].configs, op, err, errsz)) {
            *code = RD_KAFKA_RESP_ERR__INVALID_ARG;
            rd_kafka_ConfigResource_destroy_array(cr, i + 1);
            free(cr);
            return -1;
        }
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_admin_op_t aop = RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS;
    if (op == CFG_ALTER) aop = RD_KAFKA_ADMIN_OP_ALTERCONFIGS;
#if KMIG_HAVE_INCREMENTAL_ALTER_CONFIGS
    if (op == CFG_INCREMENTAL) aop = RD_KAFKA_ADMIN_OP_INCREMENTALALTERCONFIGS;
#endif
    rd_kafka_AdminOptions_t *o = kadmin_options(rk, aop, timeout_ms);
    switch (op) {
    case CFG_ALTER: rd_kafka_AlterConfigs(rk, cr, n, o, q); break;
#if KMIG_HAVE_INCREMENTAL_ALTER_CONFIGS
    case CFG_INCREMENTAL: rd_kafka_IncrementalAlterConfigs(rk, cr, n, o, q); break;
#endif
    default: rd_kafka_DescribeConfigs(rk, cr, n, o, q); break;
    }
    rd_kafka_event_t *ev = kadmin_wait_code(q, timeout_ms, code, err, errsz, cfg_op_names[op]);
    if (ev) {
        size_t cnt;
        const rd_kafka_ConfigResource_t **res = cfg_results(ev, op, &cnt);
        for (size_t i = 0; i < cnt; i++) {
            kitem_t *it = kadmin_item(items, n, rd_kafka_ConfigResource_name(res[i]));
            if (!it) continue;
            rd_kafka_resp_err_t e = rd_kafka_ConfigResource_error(res[i]);
            if (e) {
                const char *s = rd_kafka_ConfigResource_error_string(res[i]);
                sbuf_t b = {0};
                sbuf_printf(&b, "%s: %s", rd_kafka_err2name(e), s && *s ? s : rd_kafka_err2str(e));
                it->error = b.s;
                continue;
            }
            if (op != CFG_DESCRIBE) continue;
            size_t ccnt;
            const rd_kafka_ConfigEntry_t **ce = rd_kafka_ConfigResource_configs(res[i], &ccnt);
            for (size_t c = 0; c < ccnt; c++) {
                if (non_default_only && rd_kafka_ConfigEntry_source(ce[c]) !=
                                            RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG)
                    continue;
                const char *v = rd_kafka_ConfigEntry_value(ce[c]);
                kv_list_add(&it->configs, rd_kafka_ConfigEntry_name(ce[c]), v ? v : "", "broker",
                            rd_kafka_ConfigEntry_is_sensitive(ce[c]));
            }
        }
        rd_kafka_event_destroy(ev);
        rc = 0;
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    rd_kafka_ConfigResource_destroy_array(cr, n);
    free(cr);
    return rc;
}

int kadmin_describe_topic_configs(rd_kafka_t *rk, kitem_t *items, size_t n, bool non_default_only,
                                  int timeout_ms, char *err, size_t errsz) {
    rd_kafka_resp_err_t code;
    return kadmin_configs(rk, RD_KAFKA_RESOURCE_TOPIC, items, n, CFG_DESCRIBE, non_default_only,
                          timeout_ms, &code, err, errsz);
}

int kadmin_describe_broker_configs(rd_kafka_t *rk, int32_t broker_id, kv_list_t *out,
                                   int timeout_ms, char *err, size_t errsz) {
    char id[16];
    snprintf(id, sizeof id, "%d", broker_id);
    kitem_t it = {.topic = xstrdup(id)};
    rd_kafka_resp_err_t code;
    int rc = kadmin_configs(rk, RD_KAFKA_RESOURCE_BROKER, &it, 1, CFG_DESCRIBE, false, timeout_ms,
                            &code, err, errsz);
    if (rc == 0 && it.error) {
        snprintf(err, errsz, "broker %d: %s", broker_id, it.error);
        rc = -1;
    }
    for (size_t c = 0; rc == 0 && c < it.configs.n; c++)
        kv_list_add(out, it.configs.items[c].key, it.configs.items[c].value, "broker",
                    it.configs.items[c].secret);
    kitems_clear(&it, 1);
    return rc;
}

int kadmin_alter_topic_configs(rd_kafka_t *rk, kitem_t *items, size_t n, int timeout_ms,
                               char *err, size_t errsz) {
    rd_kafka_resp_err_t code;
#if KMIG_HAVE_INCREMENTAL_ALTER_CONFIGS
    /* Brokers before 2.3 lack IncrementalAlterConfigs: librdkafka then fails
     * the whole call as unsupported, and the full set goes by AlterConfigs. */
    int rc = kadmin_configs(rk, RD_KAFKA_RESOURCE_TOPIC, items, n, CFG_INCREMENTAL, false,
                            timeout_ms, &code, err, errsz);
    if (rc == 0 || code != RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE) return rc;
    log_info("%s; using AlterConfigs", err);
#endif
    return kadmin_configs(rk, RD_KAFKA_RESOURCE_TOPIC, items, n, CFG_ALTER, false, timeout_ms,
                          &code, err, errsz);
}

#if KMIG_HAVE_ADMIN_LIST_OFFSETS
/* The isolation level the handle's own ListOffsets requests use (its
 * isolation.level, librdkafka's default read_committed), so the admin call
 * gives the same end offsets as offsets_for_times did. */
static rd_kafka_IsolationLevel_t handle_isolation(rd_kafka_t *rk) {
    char v[32];
    size_t sz = sizeof v;
    if (rd_kafka_conf_get(rd_kafka_conf(rk), "isolation.level", v, &sz) == RD_KAFKA_CONF_OK &&
        !strcmp(v, "read_uncommitted"))
        return RD_KAFKA_ISOLATION_LEVEL_READ_UNCOMMITTED;
    return RD_KAFKA_ISOLATION_LEVEL_READ_COMMITTED;
}

/* The admin ListOffsets call: librdkafka looks up the leaders and sends one
 * request per leader. Each partition is asked once (the call refuses
 * duplicates); the answers are copied to every element of parts, whose
 * order and opaques stay. */
static int kadmin_list_offsets(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts,
                               int64_t which, int timeout_ms, char *err, size_t errsz) {
    const char *what = which == RD_KAFKA_OFFSET_END ? "end" : "start";
    if (!parts->cnt) return 0;
    strmap_t *asked = strmap_new(); /* "topic:partition" -> result or (void *)1 */
    rd_kafka_topic_partition_list_t *req = rd_kafka_topic_partition_list_new(parts->cnt);
    char key[320];
    for (int i = 0; i < parts->cnt; i++) {
        snprintf(key, sizeof key, "%s:%d", parts->elems[i].topic, parts->elems[i].partition);
        if (strmap_get(asked, key)) continue;
        strmap_put(asked, key, (void *)1);
        rd_kafka_topic_partition_list_add(req, parts->elems[i].topic, parts->elems[i].partition)
            ->offset = which == RD_KAFKA_OFFSET_END ? RD_KAFKA_OFFSET_SPEC_LATEST
                                                    : RD_KAFKA_OFFSET_SPEC_EARLIEST;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o = kadmin_options(rk, RD_KAFKA_ADMIN_OP_LISTOFFSETS, timeout_ms);
    rd_kafka_error_t *ie = rd_kafka_AdminOptions_set_isolation_level(o, handle_isolation(rk));
    if (ie) rd_kafka_error_destroy(ie); /* cannot fail for this call type */
    rd_kafka_ListOffsets(rk, req, o, q);
    char label[32];
    snprintf(label, sizeof label, "list %s offsets", what);
    rd_kafka_event_t *ev = kadmin_wait(q, timeout_ms, err, errsz, label);
    int rc = -1;
    if (ev) {
        size_t cnt;
        const rd_kafka_ListOffsetsResultInfo_t **infos =
            rd_kafka_ListOffsets_result_infos(rd_kafka_event_ListOffsets_result(ev), &cnt);
        for (size_t i = 0; i < cnt; i++) {
            const rd_kafka_topic_partition_t *tp =
                rd_kafka_ListOffsetsResultInfo_topic_partition(infos[i]);
            snprintf(key, sizeof key, "%s:%d", tp->topic, tp->partition);
            strmap_put(asked, key, (void *)tp);
        }
        for (int i = 0; i < parts->cnt; i++) {
            rd_kafka_topic_partition_t *p = &parts->elems[i];
            snprintf(key, sizeof key, "%s:%d", p->topic, p->partition);
            const rd_kafka_topic_partition_t *tp = strmap_get(asked, key);
            if (tp == (void *)1) { /* not in the answer */
                p->offset = RD_KAFKA_OFFSET_INVALID;
                p->err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
            } else {
                p->offset = tp->err ? RD_KAFKA_OFFSET_INVALID : tp->offset;
                p->err = tp->err;
            }
        }
        rd_kafka_event_destroy(ev);
        rc = 0;
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    rd_kafka_topic_partition_list_destroy(req);
    strmap_destroy(asked);
    return rc;
}
#else
/* Partitions per offsets_for_times call: librdkafka 2.0.2 matches every
 * answer against the whole request list (rd_kafka_topic_partition_list_update
 * and the response handler), so one call costs the square of its size: 24,000
 * partitions in one call took seconds of CPU and timed out. In chunks the cost
 * is linear (n x KADMIN_OFFSETS_CHUNK), for one round trip per chunk. */
#define KADMIN_OFFSETS_CHUNK 500

/* ListOffsets through offsets_for_times: the special timestamps -1 and -2 ask
 * for the end and the log start. Each chunk has the whole timeout (a chunk
 * that fails stops the call). */
static int kadmin_list_offsets(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts,
                               int64_t which, int timeout_ms, char *err, size_t errsz) {
    for (int from = 0; from < parts->cnt; from += KADMIN_OFFSETS_CHUNK) {
        int n = parts->cnt - from < KADMIN_OFFSETS_CHUNK ? parts->cnt - from
                                                         : KADMIN_OFFSETS_CHUNK;
        rd_kafka_topic_partition_list_t *c = rd_kafka_topic_partition_list_new(n);
        for (int i = 0; i < n; i++)
            rd_kafka_topic_partition_list_add(c, parts->elems[from + i].topic,
                                              parts->elems[from + i].partition)
                ->offset = which;
        rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(rk, c, timeout_ms);
        /* The list keeps its order: element i answers parts' element from + i. */
        for (int i = 0; !e && i < n && i < c->cnt; i++) {
            parts->elems[from + i].offset = c->elems[i].offset;
            parts->elems[from + i].err = c->elems[i].err;
        }
        rd_kafka_topic_partition_list_destroy(c);
        if (e) {
            snprintf(err, errsz, "list %s offsets: %s",
                     which == RD_KAFKA_OFFSET_END ? "end" : "start", rd_kafka_err2str(e));
            return -1;
        }
    }
    return 0;
}
#endif

int kadmin_end_offsets(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts, int timeout_ms,
                       char *err, size_t errsz) {
    return kadmin_list_offsets(rk, parts, RD_KAFKA_OFFSET_END, timeout_ms, err, errsz);
}

int kadmin_start_offsets(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts, int timeout_ms,
                         char *err, size_t errsz) {
    return kadmin_list_offsets(rk, parts, RD_KAFKA_OFFSET_BEGINNING, timeout_ms, err, errsz);
}

/* Whether a topic exists, asked by name: a cluster without the admin API
 * (the librdkafka mock) answers only that way. */
static bool topic_named_exists(rd_kafka_t *rk, const char *topic, int timeout_ms) {
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const rd_kafka_metadata_t *md;
    bool ok = false;
    if (rkt && !rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms)) {
        ok = md->topic_cnt == 1 && !md->topics[0].err && md->topics[0].partition_cnt > 0;
        rd_kafka_metadata_destroy(md);
    }
    if (rkt) rd_kafka_topic_destroy(rkt);
    return ok;
}

int kadmin_ensure_compacted(rd_kafka_t *rk, const char *topic, int replication_factor,
                            int timeout_ms, char *err, size_t errsz) {
    ktopics_t t;
    if (errsz) err[0] = '\0';
    if (kadmin_list_topics(rk, timeout_ms, &t, err, errsz)) return -1;
    bool exists = ktopics_find(&t, topic) != NULL;
    ktopics_clear(&t);
    if (!exists) {
        kitem_t it = {.topic = xstrdup(topic), .partitions = 1,
                      .replication_factor = replication_factor};
        kv_list_add(&it.configs, "cleanup.policy", "compact", "kmig", false);
        kv_list_add(&it.configs, "min.compaction.lag.ms", "0", "kmig", false);
        kv_list_add(&it.configs, "segment.ms", "3600000", "kmig", false);
        char why[512];
        int rc = kadmin_create_topics(rk, &it, 1, timeout_ms, why, sizeof why);
        if (rc == 0 && it.error) snprintf(err, errsz, "%s", it.error);
        kitems_clear(&it, 1);
        if (rc == 0 && !*err) return 0;
        if (rc) {
            /* No answer to CreateTopics: a cluster without the admin API. */
            if (topic_named_exists(rk, topic, timeout_ms)) {
                log_warn("%s: the target did not answer CreateTopics (%s); the topic exists, "
                         "but its configuration cannot be checked",
                         topic, why);
                return 0;
            }
            snprintf(err, errsz, "%s", why);
        }
        return -1;
    }
    /* It exists: it must keep every segment record (compact, never delete). */
    kitem_t it = {.topic = xstrdup(topic)};
    char why[512];
    int rc = kadmin_describe_topic_configs(rk, &it, 1, false, timeout_ms, why, sizeof why);
    if (rc || it.error) {
        log_warn("%s: cannot read its configuration (%s); make sure it is compacted "
                 "(cleanup.policy=compact)",
                 topic, rc ? why : it.error);
        kitems_clear(&it, 1);
        return 0;
    }
    const char *policy = kv_list_get(&it.configs, "cleanup.policy");
    rc = 0;
    if (!policy || !strstr(policy, "compact") || strstr(policy, "delete")) {
        snprintf(err, errsz,
                 "it exists with cleanup.policy=%s, so the broker may delete its records; "
                 "make it compacted only: kafka-configs.sh --alter --entity-type topics "
                 "--entity-name %s --add-config cleanup.policy=compact",
                 policy ? policy : "(unknown)", topic);
        rc = -1;
    }
    kitems_clear(&it, 1);
    return rc;
}

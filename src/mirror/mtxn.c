/* Exactly-once copy's transactional producers: one per task, each with a
 * stable transactional id, driven in commit rounds by the copy loop
 * (mirror.c). This file owns the producers' life (create, init_transactions,
 * begin, commit, abort, destroy), decides when a task's transaction is due
 * (interval, size, a failed delivery), classifies what a commit's failure
 * means (abort and resend, fenced, unknown outcome) and counts it. What is
 * written into a transaction (records, map segments) and what an abort
 * rewinds is the copy loop's: it owns the partitions. docs/EXACTLY_ONCE.md.
 */
#include "mirror/mtxn.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "core/strmap.h"
#include "kafka/kclient.h"
#include "kafka/kprobe.h"

typedef struct mtxn_task {
    rd_kafka_t *rk;
    strmap_t *topics; /* target topic name -> rd_kafka_topic_t* on rk */
    rd_kafka_topic_t *map_rkt;
    bool open;     /* a transaction is begun */
    bool used;     /* something was produced into it */
    bool doomed;   /* a delivery failed: it must abort */
    bool fenced;   /* another owner: never written again */
    bool lost;     /* workers: the task went to another worker (mtxn_task_lost) */
    bool in_round; /* commits in the current round */
    bool forced;   /* due at the next round (mtxn_mark_due) */
    int64_t begun_ms, bytes, round_t0;
    int aborts_in_row;             /* since the last commit */
    rd_kafka_resp_err_t doom_err;  /* the first failed delivery of the open transaction */
} mtxn_task_t;

/* Transactions of one task aborted in a row before the run stops: a cause
 * that does not pass (a topic the target refuses) must not loop forever. */
#define MTXN_ABORTS_MAX 5

struct mtxn_set {
    mtxn_opts_t o;
    kv_list_t defaults, settings, required; /* copies; o's pointers point here */
    int64_t round_deadline; /* monotonic ms: the current round's flushes and commits end by then */
    char *map_topic;
    int ntasks;
    mtxn_task_t *t;
    mtxn_stats_t st;
};

static char map_opaque_sentinel;
void *mtxn_map_opaque(void) { return &map_opaque_sentinel; }

void mtxn_transactional_id(const mm2_flow_t *f, int task, char *buf, size_t size) {
    if (f->txn_id_prefix && *f->txn_id_prefix)
        snprintf(buf, size, "%s.task-%d", f->txn_id_prefix, task);
    else
        snprintf(buf, size, "kmig.%s->%s.task-%d", f->source, f->target, task);
}

mtxn_set_t *mtxn_set_new(const mtxn_opts_t *o) {
    if (!o->flow->exactly_once) return NULL;
    mtxn_set_t *s = xcalloc(1, sizeof *s);
    s->o = *o;
    if (o->defaults) kv_list_copy(&s->defaults, o->defaults);
    if (o->settings) kv_list_copy(&s->settings, o->settings);
    if (o->required) kv_list_copy(&s->required, o->required);
    s->o.defaults = &s->defaults;
    s->o.settings = &s->settings;
    s->o.required = &s->required;
    s->o.map_topic = s->map_topic = xstrdup(o->map_topic);
    s->ntasks = o->flow->tasks > 0 ? o->flow->tasks : 1;
    s->t = xcalloc((size_t)s->ntasks, sizeof *s->t);
    return s;
}

static void task_drop(mtxn_task_t *t) {
    if (t->topics) {
        size_t pos = 0;
        const char *k;
        void *v;
        while (strmap_next(t->topics, &pos, &k, &v)) rd_kafka_topic_destroy(v);
        strmap_destroy(t->topics);
    }
    if (t->map_rkt) rd_kafka_topic_destroy(t->map_rkt);
    if (t->rk) rd_kafka_destroy(t->rk);
    bool fenced = t->fenced;
    memset(t, 0, sizeof *t);
    t->fenced = fenced;
}

void mtxn_set_destroy(mtxn_set_t *s) {
    if (!s) return;
    /* A process fenced on any task (or with any fatal error) sends nothing
     * more, not even an abort: another process owns its tasks now, and the
     * new owner's init_transactions aborts what is open. */
    bool quiet = kclient_fatal() || s->st.fenced > 0;
    for (int k = 0; k < s->ntasks; k++) {
        mtxn_task_t *t = &s->t[k];
        if (t->rk && t->open && !t->fenced && !quiet) {
            /* Records not committed are not mapped: readers never see them. */
            rd_kafka_error_t *e = rd_kafka_abort_transaction(t->rk, 2000);
            if (e) rd_kafka_error_destroy(e);
            rd_kafka_poll(t->rk, 0); /* the purged records' delivery reports */
        }
        task_drop(t);
    }
    free(s->t);
    kv_list_clear(&s->defaults);
    kv_list_clear(&s->settings);
    kv_list_clear(&s->required);
    free(s->map_topic);
    free(s);
}

int mtxn_ntasks(const mtxn_set_t *s) { return s ? s->ntasks : 0; }

/* "host:port" of the first entries of a bootstrap list. */
static int next_broker(const char **p, char *host, size_t hostsz, int *port) {
    while (**p == ',' || **p == ' ') (*p)++;
    if (!**p) return -1;
    const char *end = *p + strcspn(*p, ",");
    char item[300];
    snprintf(item, sizeof item, "%.*s", (int)(end - *p), *p);
    *p = end;
    char *h = item;
    char *scheme = strstr(h, "://");
    if (scheme) h = scheme + 3;
    char *colon = strrchr(h, ':');
    if (!colon) return 0;
    *colon = '\0';
    if (*h == '[') { /* [v6]:port */
        h++;
        char *rb = strchr(h, ']');
        if (rb) *rb = '\0';
    }
    snprintf(host, hostsz, "%s", h);
    *port = atoi(colon + 1);
    return 1;
}

int mtxn_check_brokers(const mm2_t *mm2, const mm2_flow_t *f, const kv_list_t *client, char *err,
                       size_t errsz) {
    const char *bs = mm2_bootstrap(mm2, f->target);
    if (!bs) bs = kv_list_get(client, "bootstrap.servers");
    char last[512] = "no bootstrap broker";
    for (const char *p = bs ? bs : ""; *p;) {
        char host[300];
        int port = 0, r = next_broker(&p, host, sizeof host, &port);
        if (r < 0) break;
        if (r == 0 || port <= 0) continue;
        kprobe_result_t pr;
        char why[512];
        if (kprobe_broker(host, port, client, f->admin_timeout_ms, &pr, why, sizeof why)) {
            snprintf(last, sizeof last, "%s", why);
            continue;
        }
        if (pr.init_producer_id_max >= 3) return 0;
        char ipid[40] = "no InitProducerId";
        if (pr.init_producer_id_max >= 0)
            snprintf(ipid, sizeof ipid, "InitProducerId v%d", pr.init_producer_id_max);
        snprintf(err, errsz,
                 "exactly.once.support: the target %s's broker %s:%d is Kafka %s (%s); "
                 "exactly-once copy needs Kafka 2.5 or later on the target (InitProducerId v3, "
                 "KIP-360). Upgrade the target, or set exactly.once.support=disabled",
                 f->target, host, port, pr.version, ipid);
        return -1;
    }
    snprintf(err, errsz,
             "exactly.once.support: cannot tell the target %s's Kafka version (%s); "
             "exactly-once copy needs Kafka 2.5 or later",
             f->target, last);
    return -1;
}

static void fill_error(const mtxn_set_t *s, rd_kafka_error_t *e, const char *what, int task,
                       char *err, size_t errsz) {
    char id[400];
    mtxn_transactional_id(s->o.flow, task, id, sizeof id);
    snprintf(err, errsz, "task %d (transactional id %s): %s: %s (%s)", task, id, what,
             rd_kafka_error_string(e), rd_kafka_error_name(e));
}

static bool is_fenced(rd_kafka_resp_err_t c) {
    return c == RD_KAFKA_RESP_ERR__FENCED || c == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
           c == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH ||
           c == RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
}

static int begin(mtxn_set_t *s, int k, char *err, size_t errsz) {
    mtxn_task_t *t = &s->t[k];
    rd_kafka_error_t *e = rd_kafka_begin_transaction(t->rk);
    if (e) {
        fill_error(s, e, "begin_transaction", k, err, errsz);
        rd_kafka_error_destroy(e);
        return -1;
    }
    t->open = true;
    t->used = t->doomed = false;
    t->doom_err = RD_KAFKA_RESP_ERR_NO_ERROR;
    t->bytes = 0;
    t->begun_ms = clock_mono_ms();
    return 0;
}

/* The tasks' producers share the one producer's memory of the default mode:
 * each gets its share of the producer queue's bounds (bytes and records, not
 * below 1 MB and 1,000 records): the bound grows with tasks.max only past
 * the configured bound / 1 MB tasks (12 at the default); a bound the file
 * sets applies to each producer as written. */
static void task_defaults(const mtxn_set_t *s, kv_list_t *def) {
    static const struct {
        const char *key;
        long long min;
    } bounds[] = {{"queue.buffering.max.kbytes", 1024}, {"queue.buffering.max.messages", 1000}};
    if (s->o.defaults) kv_list_copy(def, s->o.defaults);
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++) {
        const char *v = kv_list_get(def, bounds[i].key);
        if (!v || (s->o.settings && kv_list_get(s->o.settings, bounds[i].key))) continue;
        long long share = atoll(v) / (s->ntasks > 0 ? s->ntasks : 1);
        if (share < bounds[i].min) share = bounds[i].min;
        char buf[32], origin[96];
        snprintf(buf, sizeof buf, "%lld", share);
        snprintf(origin, sizeof origin, "kmig default (exactly once: %s / %d tasks)", v,
                 s->ntasks);
        kv_list_add(def, bounds[i].key, buf, origin, false);
    }
}

int mtxn_task_start(mtxn_set_t *s, int k, char *err, size_t errsz) {
    if (!s || k < 0 || k >= s->ntasks) return 0;
    mtxn_task_t *t = &s->t[k];
    if (t->rk) return 0;
    if (t->fenced) {
        snprintf(err, errsz, "task %d was fenced by another owner; this process does not write "
                             "for it again", k);
        return -1;
    }
    const mm2_flow_t *f = s->o.flow;
    char id[400], name[64], tmo[32];
    mtxn_transactional_id(f, k, id, sizeof id);
    snprintf(name, sizeof name, "target-txn-producer-%d", k);
    const char *tt = kv_list_get(s->o.settings, "transaction.timeout.ms");
    snprintf(tmo, sizeof tmo, "%s", tt && atoll(tt) > 0 ? tt : "60000");
    kv_list_t req = {0};
    if (s->o.required) kv_list_copy(&req, s->o.required);
    kv_list_add(&req, "transactional.id", id, "kmig (exactly.once.support)", false);
    kv_list_add(&req, "transaction.timeout.ms", tmo, "kmig (exactly.once.support)", false);
    /* librdkafka refuses a message timeout beyond the transaction's. A
     * record not delivered in time fails its transaction, which aborts and
     * is sent again: still nothing lost or doubled. */
    kv_list_add(&req, "message.timeout.ms", tmo, "kmig (exactly.once.support)", false);
    kv_list_t def = {0};
    task_defaults(s, &def);
    kclient_opts_t po = {.type = RD_KAFKA_PRODUCER, .name = name, .defaults = &def,
                         .settings = s->o.settings, .required = &req, .opaque = s->o.opaque,
                         .dr_msg_cb = s->o.dr_msg_cb};
    t->rk = kclient_new(&po, err, errsz);
    kv_list_clear(&req);
    kv_list_clear(&def);
    if (!t->rk) return -1;
    int64_t t0 = clock_mono_ms();
    int tmo_ms = f->admin_timeout_ms + 30000;
    rd_kafka_error_t *e = rd_kafka_init_transactions(t->rk, tmo_ms);
    if (e) {
        char why[900];
        fill_error(s, e, "init_transactions", k, why, sizeof why);
        snprintf(err, errsz,
                 "%s, on the target %s (kmig's principal needs Write and Describe on the "
                 "transactional id: docs/SECURITY.md; the target needs a transaction "
                 "coordinator: transaction.state.log.replication.factor <= its brokers)",
                 why, f->target);
        if (is_fenced(rd_kafka_error_code(e))) t->fenced = true;
        rd_kafka_error_destroy(e);
        task_drop(t);
        return -1;
    }
    log_debug("task %d: transactional id %s ready in %" PRId64 " ms", k, id,
              clock_mono_ms() - t0);
    t->topics = strmap_new();
    rd_kafka_topic_conf_t *tc = rd_kafka_default_topic_conf_dup(t->rk);
    rd_kafka_topic_conf_set_opaque(tc, mtxn_map_opaque());
    t->map_rkt = rd_kafka_topic_new(t->rk, s->o.map_topic, tc);
    if (begin(s, k, err, errsz)) {
        task_drop(t);
        return -1;
    }
    return 0;
}

int mtxn_task_stop(mtxn_set_t *s, int k, char *err, size_t errsz) {
    if (!s || k < 0 || k >= s->ntasks || !s->t[k].rk) return 0;
    mtxn_task_t *t = &s->t[k];
    int rc = 0;
    if (t->lost) {
        /* Nothing more goes out: every record still queued or in flight comes
         * back as purged (its delivery report frees the consumed message), and
         * no abort is sent: the next owner's init_transactions aborts it. */
        rd_kafka_purge(t->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        int64_t deadline = clock_mono_ms() + 2000;
        while (rd_kafka_outq_len(t->rk) > 0 && clock_mono_ms() < deadline) rd_kafka_poll(t->rk, 10);
        task_drop(t);
        t->fenced = false; /* the group may give the task back: a new epoch then */
        return 0;
    }
    if (t->open && !t->fenced) {
        rd_kafka_error_t *e = t->doomed ? rd_kafka_abort_transaction(t->rk, 5000)
                                        : rd_kafka_commit_transaction(t->rk, 5000);
        rd_kafka_poll(t->rk, 0);
        if (e) {
            fill_error(s, e, t->doomed ? "abort_transaction" : "commit_transaction", k, err, errsz);
            rd_kafka_error_destroy(e);
            rc = -1;
        } else if (!t->doomed) {
            s->st.committed += t->used;
        } else {
            s->st.aborted++;
        }
    }
    task_drop(t);
    t->fenced = false; /* the group may give the task back: a new epoch then */
    return rc;
}

void mtxn_task_lost(mtxn_set_t *s, int k) {
    if (s && k >= 0 && k < s->ntasks) s->t[k].doomed = s->t[k].lost = true;
}

rd_kafka_t *mtxn_producer(mtxn_set_t *s, int k) {
    if (!s || k < 0 || k >= s->ntasks || s->t[k].fenced) return NULL;
    return s->t[k].rk;
}

rd_kafka_topic_t *mtxn_topic(mtxn_set_t *s, int k, const char *name, void *opaque) {
    rd_kafka_t *rk = mtxn_producer(s, k);
    if (!rk) return NULL;
    rd_kafka_topic_t *rkt = strmap_get(s->t[k].topics, name);
    if (rkt) return rkt;
    /* A copy of the producer's default topic settings: a fresh topic conf
     * would drop message.timeout.ms. */
    rd_kafka_topic_conf_t *tc = rd_kafka_default_topic_conf_dup(rk);
    rd_kafka_topic_conf_set_opaque(tc, opaque);
    rkt = rd_kafka_topic_new(rk, name, tc);
    if (rkt) strmap_put(s->t[k].topics, name, rkt);
    return rkt;
}

rd_kafka_topic_t *mtxn_map_topic(mtxn_set_t *s, int k) {
    return mtxn_producer(s, k) ? s->t[k].map_rkt : NULL;
}

void mtxn_produced(mtxn_set_t *s, int k, int64_t bytes) {
    if (!s || k < 0 || k >= s->ntasks) return;
    s->t[k].used = true;
    s->t[k].bytes += bytes;
    s->st.open_bytes += bytes;
}

void mtxn_delivery_failed(mtxn_set_t *s, int k, rd_kafka_resp_err_t err) {
    if (!s || k < 0 || k >= s->ntasks) return;
    if (!s->t[k].doomed && err != RD_KAFKA_RESP_ERR__PURGE_QUEUE &&
        err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
        log_warn("task %d: a record of the open transaction was not delivered (%s); the "
                 "transaction aborts and its records are sent again",
                 k, rd_kafka_err2str(err));
    if (!s->t[k].doomed) s->t[k].doom_err = err;
    s->t[k].doomed = true;
    if (is_fenced(err)) s->t[k].fenced = true; /* never aborted by this process */
}

bool mtxn_blocked(const mtxn_set_t *s, int k) {
    if (!s || k < 0 || k >= s->ntasks) return false;
    const mtxn_task_t *t = &s->t[k];
    return t->doomed || t->fenced || !t->rk || !t->open;
}

static bool task_due(const mtxn_set_t *s, const mtxn_task_t *t, int64_t now, bool force) {
    if (!t->rk || !t->open) return false;
    if (t->fenced || rd_kafka_fatal_error(t->rk, NULL, 0)) return true; /* reported once */
    if (t->doomed || t->forced) return true;
    if (!t->used) return false;
    return force || now - t->begun_ms >= s->o.flow->offset_map_flush_ms ||
           t->bytes >= (int64_t)s->o.flow->txn_max_kbytes * 1024;
}

bool mtxn_due(const mtxn_set_t *s, int64_t now, bool force) {
    if (!s) return false;
    for (int k = 0; k < s->ntasks; k++)
        if (task_due(s, &s->t[k], now, force)) return true;
    return false;
}

/* What is left of the round's time, at least 100 ms. */
static int round_left(const mtxn_set_t *s) {
    int64_t left = s->round_deadline - clock_mono_ms();
    return left < 100 ? 100 : (int)left;
}

void mtxn_mark_due(mtxn_set_t *s, int k) {
    if (s && k >= 0 && k < s->ntasks) s->t[k].forced = true;
}

void mtxn_round_begin(mtxn_set_t *s, int64_t now, bool force, int timeout_ms) {
    if (!s) return;
    s->round_deadline = clock_mono_ms() + timeout_ms;
    for (int k = 0; k < s->ntasks; k++) {
        mtxn_task_t *t = &s->t[k];
        t->in_round = task_due(s, t, now, force);
        if (!t->in_round) continue;
        t->forced = false;
        t->round_t0 = clock_mono_ms();
        if (t->fenced || rd_kafka_fatal_error(t->rk, NULL, 0)) continue;
        /* Every delivery report of its records, before its segments are
         * written: the map must cover exactly what the transaction holds. */
        if (!t->doomed && rd_kafka_flush(t->rk, round_left(s)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            log_warn("task %d: records of the open transaction not delivered within %d ms; "
                     "it aborts and they are sent again",
                     k, timeout_ms);
            t->doomed = true;
        }
    }
}

bool mtxn_in_round(const mtxn_set_t *s, int k) {
    return s && k >= 0 && k < s->ntasks && s->t[k].in_round && !s->t[k].doomed;
}

void mtxn_wrote(mtxn_set_t *s, int k) {
    if (s && k >= 0 && k < s->ntasks) s->t[k].used = true;
}

/* Aborts task k's transaction and begins the next; false when it cannot
 * (fatal: the task is fenced or broken). */
static mtxn_result_t abort_task(mtxn_set_t *s, int k, int timeout_ms, char *why, size_t whysz) {
    mtxn_task_t *t = &s->t[k];
    rd_kafka_error_t *e = rd_kafka_abort_transaction(t->rk, timeout_ms);
    rd_kafka_poll(t->rk, 0); /* the purged records' delivery reports */
    if (e) {
        bool fenced = is_fenced(rd_kafka_error_code(e));
        if (!*why) fill_error(s, e, "abort_transaction", k, why, whysz);
        rd_kafka_error_destroy(e);
        t->open = false;
        if (fenced) {
            t->fenced = true;
            s->st.fenced++;
            return MTXN_FENCED;
        }
        return MTXN_FAILED;
    }
    s->st.aborted++;
    t->open = false;
    if (!*why)
        snprintf(why, whysz, "task %d: transaction aborted (%s)", k,
                 t->doom_err ? rd_kafka_err2str(t->doom_err) : "its commit failed");
    if (++t->aborts_in_row >= MTXN_ABORTS_MAX) {
        char w[600];
        snprintf(w, sizeof w, "%s; %d transactions of task %d aborted in a row", why,
                 t->aborts_in_row, k);
        snprintf(why, whysz, "%s", w);
        return MTXN_FAILED;
    }
    char err[512];
    if (begin(s, k, err, sizeof err)) {
        snprintf(why, whysz, "%s", err);
        return MTXN_FAILED;
    }
    return MTXN_ABORTED;
}

void mtxn_round_end(mtxn_set_t *s, mtxn_result_t *res, char *why, size_t whysz) {
    if (whysz) *why = '\0';
    if (!s) return;
    for (int k = 0; k < s->ntasks; k++) {
        mtxn_task_t *t = &s->t[k];
        res[k] = MTXN_IDLE;
        if (!t->in_round) continue;
        t->in_round = false;
        rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(t->rk, NULL, 0);
        if (t->fenced || fatal) {
            /* No abort: a fenced producer must not touch the transaction. */
            t->open = false;
            if (!*why)
                snprintf(why, whysz, "task %d: %s", k,
                         fatal ? rd_kafka_err2str(fatal) : "fenced by a newer owner");
            if (t->fenced || is_fenced(fatal)) {
                t->fenced = true;
                s->st.fenced++;
                res[k] = MTXN_FENCED;
            } else {
                res[k] = MTXN_FAILED;
            }
            continue;
        }
        if (t->doomed) {
            res[k] = abort_task(s, k, round_left(s), why, whysz);
            continue;
        }
        rd_kafka_error_t *e = rd_kafka_commit_transaction(t->rk, round_left(s));
        /* A retriable error (a timeout) leaves the outcome open: asked once
         * more, then the run stops (the next owner's init_transactions
         * settles it; records and map still go together). */
        if (e && rd_kafka_error_is_retriable(e)) {
            rd_kafka_error_destroy(e);
            e = rd_kafka_commit_transaction(t->rk, round_left(s));
        }
        if (!e) {
            lathist_add(&s->st.commit_ms, clock_mono_ms() - t->round_t0);
            s->st.committed++;
            s->st.open_bytes -= t->bytes;
            t->open = false;
            t->aborts_in_row = 0;
            res[k] = MTXN_COMMITTED;
            char err[512];
            if (begin(s, k, err, sizeof err)) {
                if (!*why) snprintf(why, whysz, "%s", err);
                res[k] = MTXN_FAILED; /* committed, but nothing more can be written */
            }
            continue;
        }
        s->st.open_bytes -= t->bytes;
        rd_kafka_resp_err_t code = rd_kafka_error_code(e);
        if (!*why) fill_error(s, e, "commit_transaction", k, why, whysz);
        if (rd_kafka_error_txn_requires_abort(e)) {
            rd_kafka_error_destroy(e);
            res[k] = abort_task(s, k, round_left(s), why, whysz);
        } else if (is_fenced(code) || (rd_kafka_error_is_fatal(e) && is_fenced(
                       rd_kafka_fatal_error(t->rk, NULL, 0)))) {
            rd_kafka_error_destroy(e);
            t->fenced = true;
            t->open = false;
            s->st.fenced++;
            res[k] = MTXN_FENCED;
        } else {
            rd_kafka_error_destroy(e);
            t->open = false;
            res[k] = MTXN_FAILED;
        }
    }
}

void mtxn_get_stats(const mtxn_set_t *s, mtxn_stats_t *out) {
    if (!s) {
        memset(out, 0, sizeof *out);
        return;
    }
    *out = s->st;
}

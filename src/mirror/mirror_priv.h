#ifndef KMIG_MIRROR_MIRROR_PRIV_H
#define KMIG_MIRROR_MIRROR_PRIV_H
/* Private to src/mirror/mirror*.c, the copy engine (mirror.h is its
 * interface): not a public header, no other file includes it. It holds the
 * engine's state (mirror_t, one mtopic_t per copied topic, map_ack_t) and the
 * functions the engine's files share, each named after the file that defines
 * it. Everything here is owned and used by the copy loop's thread only
 * (mirror.c's opening comment): nothing is locked. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <librdkafka/rdkafka.h>

#include "config/mm2.h"
#include "core/lathist.h"
#include "core/sbuf.h"
#include "core/strmap.h"
#include "metrics/http.h"
#include "mirror/backflow.h"
#include "mirror/groups.h"
#include "mirror/groups_sync.h"
#include "mirror/heartbeat.h"
#include "mirror/mirror.h"
#include "mirror/mirror_dash.h"
#include "mirror/mpart.h"
#include "mirror/msnap.h"
#include "mirror/mtxn.h"
#include "mirror/mworkers.h"
#include "mirror/topic_manager.h"
#include "offsets/map_set.h"
#include "offsets/offset_map.h"
#include "offsets/record_digest.h"
#include "verify/vforeign.h"

typedef struct mtopic {
    char *name, *target;
    int32_t nparts;
    mpart_t *parts;
    struct mpub {
        msnap_map_t *map; /* the map copy last published */
        uint64_t version; /* the map version it copied */
        int64_t ms;       /* when (monotonic ms) */
        bool wm;          /* lo, hi: the source watermarks last read */
        int64_t lo, hi;
    } *pub;               /* per partition */
    rd_kafka_topic_t *src_rkt, *tgt_rkt; /* of its shard's clients */
    int shard;                           /* m->shards[shard] copies it */
    /* Per partition: its task (mtask.h), and the records still in flight
     * from before its task was stopped (their delivery reports come first,
     * in order, and are not mapped: on_tasks_stop). */
    int *task;
    int64_t *stale;
    int64_t *epoch; /* the epoch its map segments are written with (OFFSET_MAP.md) */
    /* Records and bytes copied for it under earlier ownerships of its task
     * in this process: its counters stay monotonic across a hand-over. */
    int64_t *prior_records, *prior_bytes;
    bool removed; /* no longer in the topic manager's list */
    bool heartbeats; /* the source's heartbeats topic (heartbeat.h) */
    lathist_t lat;   /* end-to-end latency of its records (docs/METRICS.md) */
} mtopic_t;

/* A source consumer and target producer pair (mirror_shard.c). */
#define MIRROR_SHARDS_MAX 32
typedef struct mshard {
    rd_kafka_t *consumer, *producer;
    rd_kafka_queue_t *cq; /* the consumer's queue */
    int64_t nparts;       /* partitions of the topics it copies */
} mshard_t;

/* The copy clients' settings as mirror_connect made them (kmig's defaults
 * and requirements; the file's settings are m->src_consumer/tgt_producer),
 * kept to make more shards. */
typedef struct mirror_clients {
    kv_list_t cdef, creq, pdef, preq;
    void (*dr_cb)(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque);
} mirror_clients_t;

/* The delivery report opaque of a map segment record. */
typedef struct map_ack {
    mtopic_t *t;
    int32_t partition;
    size_t seg;
    const offset_map_t *map; /* the partition's map then (a stopped task's is gone) */
} map_ack_t;

struct mirror {
    mirror_opts_t o;
    const mm2_flow_t *flow;
    kv_list_t src_consumer, tgt_producer, src_admin, tgt_admin, tgt_consumer;
    char map_topic[300];

    /* The copy clients: shards[0]'s are consumer, producer and cq (it also
     * writes the map); a large flow has more (mirror_shard.c). */
    mshard_t *shards;
    int nshards, shard_next;
    mirror_clients_t clients;
    rd_kafka_t *consumer, *producer, *sadmin, *tadmin;
    rd_kafka_t *src_reader, *tgt_reader; /* recovery reads, created on demand */
    rd_kafka_queue_t *cq;
    rd_kafka_topic_t *map_rkt;

    /* Owned by the copy loop. */
    mtopic_t **topics_v; /* in name order */
    size_t ntopics;
    strmap_t *topic_by_name;
    map_set_t *loaded; /* maps read at start-up, until their partition starts */
    int seen_gen;      /* the topic manager's last list the copy loop applied */
    int missing;       /* selected topics that cannot be copied */
    bool fail, data_loss;
    int64_t resend_estimate, recovered, lost_total, map_errors, produce_errors;
    int map_fail_rounds;  /* flush rounds in a row with a failed map write */
    bool map_failed_now;  /* a map write failed since the last flush */
    int unknown_parts;    /* partitions with records delivered without offsets */
    int unstarted;        /* partitions added but not fetched yet (mirror_start_partitions) */
    int64_t next_start;   /* monotonic ms of the next mirror_start_partitions attempt */
    size_t cu_topic;      /* all_caught_up's cursor: every partition before it */
    int32_t cu_part;      /*   was caught up when last looked at */
    size_t wm_next;       /* publish: the partition index whose watermarks come next */
    int64_t now_ms;       /* wall clock, refreshed per loop iteration */
    sbuf_t errors;        /* error lines for the summary */
    record_digest_t *digest; /* for resume checks */
    size_t nerrors;
    const char *exit_reason;

    topic_manager_t *tm;
    groups_t *groups;
    groups_sync_t *gsync;
    vforeign_t *foreign; /* the foreign write watch (its own thread) */
    backflow_t *back;    /* the way back: the opposite flow's copies (its own thread) */
    msnap_holder_t *snaps;
    http_server_t *http;
    heartbeat_t *hb;
    lathist_t hb_lat;   /* this flow's heartbeats, source write to target ack */
    int64_t hb_last_ms; /* the latest one's, -1 none */
    mirror_dash_t *dash; /* the --http dashboard (used by the HTTP thread only) */
    mworkers_t *workers; /* membership in the flow's workers' group; NULL: owns every task */
    int64_t stale_landed;   /* records of stopped tasks that landed later: duplicates */
    int64_t dropped_records, dropped_bytes; /* copied for tasks handed over since */
    mtxn_set_t *txn;     /* exactly-once mode's producers (mtxn.h), NULL otherwise */

    atomic_int own_stop;
    atomic_int *stop; /* 1: stop; 2: stop now (second signal); opts' or own_stop */
};

/* ---- mirror.c: setup, the copy loop, teardown ---- */

/* Logs an error and keeps it for the summary (the first 100). */
void mirror_error(mirror_t *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* After a pause of the whole process past the workers' session timeout: its
 * tasks are dropped. True when it did. */
bool mirror_pause_check(mirror_t *m);
/* Produces one consumed record, zero-copy (msg is released by the delivery
 * report, or here). False when the loop must stop. */
bool mirror_copy_record(mirror_t *m, mtopic_t *t, rd_kafka_message_t *msg);
/* Places records delivered without offsets at the end of a partition's
 * deliveries from the target partition's end offset. */
void mirror_place_unknown_tails(mirror_t *m);
/* Serves the producer until nothing is queued or `budget_ms` passed; with
 * `urgent`, also until a second signal. */
void mirror_drain(mirror_t *m, int64_t budget_ms, bool urgent);

/* ---- mirror_map.c: the offset map read and persisted (at-least-once) ---- */

/* Reads the map topic into `set`. */
int mirror_map_load_into(mirror_t *m, map_set_t *set, char *err, size_t errsz);
int mirror_map_load(mirror_t *m, char *err, size_t errsz); /* into m->loaded */
/* Produces every changed segment of every partition to the map topic. */
void mirror_map_flush(mirror_t *m);
/* The delivery report of a map segment (dr_cb's, for map topic records). */
void mirror_map_delivered(mirror_t *m, const rd_kafka_message_t *dm);

/* ---- mirror_fetch.c: the fetched records checked, the consumer's errors ---- */

/* Handles a batch from the source consumer's queue: each record checked and
 * copied (or dropped), each consumer error judged; stopping, the rest is
 * released unmapped. */
void mirror_fetch_batch(mirror_t *m, rd_kafka_message_t **msgs, ssize_t n);
/* (Re)starts fetching one partition at `offset`. */
int mirror_fetch_restart(mirror_t *m, mtopic_t *t, int32_t part, int64_t offset);

/* ---- mirror_start.c: topics and partitions added, removed and started ---- */

/* Applies the topic manager's latest list: new topics and partitions added
 * (started by mirror_start_partitions), those whose source is gone stopped. */
int mirror_start_apply_ready(mirror_t *m);
/* Starts fetching the partitions added but not started, at most every 3 s. */
int mirror_start_partitions(mirror_t *m);

/* ---- mirror_txn.c: exactly-once copy's commit rounds ---- */

int mirror_txn_task_of(mirror_t *m, const mtopic_t *t, int32_t part); /* its transaction's task */
/* Before anything is created on the target: it can do transactions. */
int mirror_txn_check(mirror_t *m);
/* Before the map is read (no workers): every task's producer ready. */
int mirror_txn_start(mirror_t *m);
/* The producer and topic handle of a record's task; false when the task takes
 * no record now. */
bool mirror_txn_route(mirror_t *m, mtopic_t *t, int32_t part, int *task, rd_kafka_t **pk,
                      rd_kafka_topic_t **rkt);
/* A delivery report of a task's producer; true when handled there. */
bool mirror_txn_delivery(mirror_t *m, rd_kafka_t *rk, mtopic_t *t, const rd_kafka_message_t *dm);
/* One commit round of the due tasks (with `force`: every task with an open
 * transaction) in about `timeout_ms`; `final`: stopping, a failed commit does
 * not fail the run. */
void mirror_txn_round(mirror_t *m, bool force, int timeout_ms, bool final);
/* Stopping: a last round; true when everything delivered is committed. */
bool mirror_txn_shutdown(mirror_t *m);
void mirror_txn_publish(mirror_t *m, msnap_t *s); /* the mode's figures, if on */

/* ---- mirror_publish.c: the snapshot the copy loop publishes ---- */

/* Publishes a snapshot (msnap.h) of every partition this process copies. */
void mirror_publish(mirror_t *m);

/* ---- mirror_shard.c: the copy clients, one pair or several ---- */

/* Before the first topics are added: a flow of more partitions than one
 * pair serves well (kmig.partitions.per.client) gets more pairs (not in
 * exactly-once mode). */
int mirror_shard_plan(mirror_t *m, int64_t partitions, char *err, size_t errsz);
/* The shard a new topic of `partitions` partitions goes to. */
int mirror_shard_pick(mirror_t *m, int32_t partitions);
/* Serves every producer's delivery reports (the first waits timeout_ms). */
void mirror_shard_poll(mirror_t *m, int timeout_ms);
int mirror_shard_outq(mirror_t *m); /* messages queued or in flight, all producers */
/* Every producer (their delivery reports come with the next poll: a caller
 * that drops tasks counts them as stale first). */
void mirror_shard_purge(mirror_t *m, int flags);
/* Reads a batch from the consumers' queues (kread_batch's contract). */
ssize_t mirror_shard_read(mirror_t *m, int timeout_ms, rd_kafka_message_t **msgs, size_t size);
/* Incrementally assigns (or unassigns) the partitions of l, each through its
 * topic's consumer. -1 with err filled when one failed (the others done). */
int mirror_shard_assign(mirror_t *m, rd_kafka_topic_partition_list_t *l, bool assign,
                        char *err, size_t errsz);
/* Closes and destroys every pair (consumers first). */
void mirror_shard_destroy_all(mirror_t *m);
/* The clients of t's shard. */
static inline mshard_t *mirror_shard_of(mirror_t *m, const mtopic_t *t) {
    return &m->shards[t->shard];
}

/* ---- mirror_tasks.c: the workers' task hooks ---- */

/* Joins the flow's workers' group (its hooks start and stop tasks); without
 * one (the target does not answer CreateTopics for the tasks topic) this
 * process owns every task. */
int mirror_tasks_join(mirror_t *m);

#endif

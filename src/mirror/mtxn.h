#ifndef KMIG_MIRROR_MTXN_H
#define KMIG_MIRROR_MTXN_H
/* Exactly-once copy (docs/EXACTLY_ONCE.md): one transactional producer per
 * task (mirror/mtask.h) on the target. The copy loop produces a task's
 * records through its producer, and at each commit round writes the map
 * segments covering them through the same producer, so records and map
 * commit in one transaction (or abort together). A task's transactional id is
 * stable (`<prefix>.task-<k>`), so whoever starts the task next fences this
 * process and aborts its open transaction (init_transactions).
 *
 * A commit round (mtxn_round_begin / mtxn_round_end): every due task's
 * producer is flushed (its delivery reports are served on the caller's
 * thread, extending the maps), the caller writes the segments of the due
 * tasks' partitions (mtxn_in_round), then each due task commits. A task
 * whose transaction cannot commit is aborted (MTXN_ABORTED: the caller
 * rewinds its partitions to the last committed map position and fetches
 * again); a fenced task (another owner) is MTXN_FENCED and never writes
 * again.
 *
 * Not thread-safe: the copy loop's thread only. The statistics
 * (mtxn_get_stats) are copied into the snapshot by that thread.
 * Ownership: the set owns its producers and topic handles. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "config/mm2.h"
#include "core/lathist.h"

typedef struct mtxn_set mtxn_set_t;

typedef struct mtxn_opts {
    const mm2_flow_t *flow;
    /* The layers of the target producer's settings (kclient.h), as the
     * shared producer's; the set adds the transactional ones. */
    const kv_list_t *defaults, *settings, *required;
    void *opaque; /* the delivery report callback's */
    void (*dr_msg_cb)(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque);
    const char *map_topic;
} mtxn_opts_t;

typedef enum {
    MTXN_IDLE = 0,  /* not in this round */
    MTXN_COMMITTED, /* records and segments committed */
    MTXN_ABORTED,   /* aborted: rewind the task's partitions, fetch again */
    MTXN_FENCED,    /* another owner took the task: it stops, nothing more is written */
    MTXN_FAILED,    /* the commit's outcome is unknown (a timeout): stop the run */
} mtxn_result_t;

typedef struct mtxn_stats {
    int64_t committed, aborted, fenced;
    lathist_t commit_ms; /* time of each commit round's flush + commit, per task */
    int64_t open_bytes;  /* produced into the open transactions */
} mtxn_stats_t;

/* NULL when the flow is not in exactly-once mode. No I/O. */
mtxn_set_t *mtxn_set_new(const mtxn_opts_t *o);
/* Aborts open transactions (short timeout) and destroys the producers.
 * Accepts NULL. */
void mtxn_set_destroy(mtxn_set_t *s);

int mtxn_ntasks(const mtxn_set_t *s);
/* The transactional id of task k, written into buf. */
void mtxn_transactional_id(const mm2_flow_t *f, int task, char *buf, size_t size);

/* The target's brokers must be Kafka >= 2.5 (InitProducerId v3, KIP-360:
 * a producer recovers from an aborted transaction without losing its id).
 * Asks the bootstrap brokers (ApiVersions, kafka/kprobe.h). Returns 0, or -1
 * with a message naming the broker and its version. */
int mtxn_check_brokers(const mm2_t *mm2, const mm2_flow_t *f, const kv_list_t *target_client,
                       char *err, size_t errsz);

/* Task k starts here: its producer is created and initialised
 * (init_transactions fences any earlier owner and aborts its open
 * transaction), and its first transaction begins. Then its partitions' maps
 * may be read (read_committed) and the partitions started. */
int mtxn_task_start(mtxn_set_t *s, int task, char *err, size_t errsz);
/* Task k stops: its open transaction is committed (the caller flushed and
 * wrote its segments first: a round with `force`), else aborted, and its
 * producer destroyed. */
int mtxn_task_stop(mtxn_set_t *s, int task, char *err, size_t errsz);

/* Task k was lost (workers: another process may own it now): at
 * mtxn_task_stop() its records still queued or in flight are purged and
 * nothing more is sent (no commit, no abort: the next owner's
 * init_transactions aborts the open transaction). */
void mtxn_task_lost(mtxn_set_t *s, int task);

/* The producer of task k; NULL when not in exactly-once mode (s NULL), or the
 * task is not started or was fenced. */
rd_kafka_t *mtxn_producer(mtxn_set_t *s, int task);
/* The handle of target topic `name` on task k's producer (created once,
 * with `opaque` as its topic opaque). NULL when the task has no producer. */
rd_kafka_topic_t *mtxn_topic(mtxn_set_t *s, int task, const char *name, void *opaque);
/* The map topic's handle on task k's producer (opaque: mtxn_map_opaque()). */
rd_kafka_topic_t *mtxn_map_topic(mtxn_set_t *s, int task);
/* The topic opaque of every map topic handle of the set. */
void *mtxn_map_opaque(void);

/* Accounting from the copy loop: a record of `bytes` produced into task k's
 * open transaction; a delivery failed in it (the transaction will abort). */
void mtxn_produced(mtxn_set_t *s, int task, int64_t bytes);
void mtxn_delivery_failed(mtxn_set_t *s, int task, rd_kafka_resp_err_t err);
/* True when task k takes no more records until its transaction ends
 * (a delivery failed: it aborts at the next round; or fenced). */
bool mtxn_blocked(const mtxn_set_t *s, int task);

/* True when a round is due: a task's transaction is older than the flush
 * interval, holds more than kmig.transaction.max.kbytes, or must abort; with
 * `force` when any task has an open transaction with something in it. */
bool mtxn_due(const mtxn_set_t *s, int64_t now_ms, bool force);
/* Makes task k due at the next round whatever its age and size (workers'
 * `task stop`: mtxn_mark_due, a round, then mtxn_task_stop). */
void mtxn_mark_due(mtxn_set_t *s, int task);
/* Starts a round: picks the due tasks and flushes their producers (serving
 * delivery reports). The round's flushes and commits together take at most
 * about timeout_ms. */
void mtxn_round_begin(mtxn_set_t *s, int64_t now_ms, bool force, int timeout_ms);
/* Whether task k commits in the current round (write its segments now). */
bool mtxn_in_round(const mtxn_set_t *s, int task);
/* Notes that something (a segment) was written into task k's transaction. */
void mtxn_wrote(mtxn_set_t *s, int task);
/* Ends the round: commits (or aborts) each due task and begins its next
 * transaction; res[k] (mtxn_ntasks entries) gets each task's result. `why`
 * gets the first error's text. */
void mtxn_round_end(mtxn_set_t *s, mtxn_result_t *res, char *why, size_t whysz);

void mtxn_get_stats(const mtxn_set_t *s, mtxn_stats_t *out);

#endif

#ifndef KMIG_MIRROR_MSNAP_H
#define KMIG_MIRROR_MSNAP_H
/* What the copy loop publishes for everyone else: an immutable snapshot of
 * every partition's counters and a copy of its offset map, read by the
 * metrics endpoint, the progress lines, the group sync and the summary. The
 * copy loop owns the live state and never waits for a reader; readers never
 * see a half-updated partition. Maps only grow, so a stale snapshot
 * translates a committed offset as PENDING, never to a wrong offset. Pure:
 * no Kafka I/O.
 *
 * Ownership: a snapshot is reference-counted. msnap_acquire() gives the
 * caller a reference to the latest one, released with msnap_release(). Map
 * copies are shared between snapshots while unchanged. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/lathist.h"
#include "offsets/offset_map.h"

typedef struct msnap_map msnap_map_t; /* a shared, immutable map copy */

/* Copies `map` (only the segments; dirtiness is not kept). */
msnap_map_t *msnap_map_new(const offset_map_t *map);
msnap_map_t *msnap_map_ref(msnap_map_t *m);
void msnap_map_unref(msnap_map_t *m); /* accepts NULL */
/* The copied map (read-only, valid while the reference is held; NULL for NULL). */
const offset_map_t *msnap_map_get(const msnap_map_t *m);

typedef struct msnap_part {
    const char *topic, *target; /* owned by the snapshot */
    int32_t partition;
    const char *state;          /* mpart_state_name(), or "caught-up" */
    /* records, bytes: copied since this process started (across hand-overs
     * of its task); run_records: since its task was last taken (from tgt_base) */
    int64_t records, bytes, lost, recovered, resent_possible, run_records;
    int64_t source_start, source_end; /* watermarks as last seen, -1 unknown */
    int64_t lag;                      /* source_end - copied position, 0 when unknown */
    int64_t latency_max_ms, latency_avg_ms; /* over the last publish period */
    int64_t translate_end; /* source end when fully copied (EOF, nothing in flight), else -1 */
    int64_t tgt_base;      /* target end offset when copying started, -1 unknown */
    int64_t src_next, tgt_next, target_first;
    int64_t inflight;      /* produced, delivery report pending */
    size_t segments;
    msnap_map_t *map; /* a reference */
} msnap_part_t;

typedef struct msnap {
    atomic_int refs;
    msnap_part_t *v; /* sorted by topic, then partition */
    size_t n, cap;
    int topics, missing_topics;
    int64_t records, bytes, lost, recovered, resent_possible;
    int64_t produce_errors, map_errors;
    int64_t published_ms; /* monotonic time of publication */
    /* End-to-end latency (docs/METRICS.md), cumulative since the start: */
    struct msnap_tlat {
        char *topic; /* owned */
        lathist_t h; /* record timestamp to target acknowledgement */
    } *tlat;         /* per topic, in topic order (msnap_add_latency) */
    size_t ntlat, tlat_cap;
    lathist_t latency;    /* every topic's, merged */
    lathist_t hb_latency; /* heartbeats written by this flow, source write to target ack */
    int64_t hb_last_ms;   /* the latest heartbeat's latency, -1 none yet */
    int64_t hb_sent, hb_failed;
    /* Workers (mirror/mworkers.h): tasks owned by this process of the flow's
     * tasks, its member id in the workers' group ("" alone), rebalances and
     * tasks gained and lost, and records that landed for tasks it had stopped
     * (duplicates: the next owner copied them from the persisted map). */
    int tasks_total, tasks_owned;
    int client_pairs; /* source consumer + target producer pairs copying (mirror_shard.c) */
    char worker_id[256];
    int64_t task_rebalances, tasks_gained, tasks_lost, duplicates_written;
    /* Exactly-once mode (mirror/mtxn.h; docs/EXACTLY_ONCE.md): */
    bool exactly_once;
    int64_t txn_committed, txn_aborted, txn_fenced;
    lathist_t txn_ms; /* each task's commit: flush of its records + segments + commit */
} msnap_t;

/* Building (copy loop): msnap_new, msnap_add for each partition in order,
 * then msnap_publish. msnap_add copies the strings and takes a reference on
 * `map` (it may be NULL). */
msnap_t *msnap_new(size_t cap);
msnap_part_t *msnap_add(msnap_t *s, const char *topic, const char *target, int32_t partition,
                        msnap_map_t *map);

/* Adds a topic's latency histogram (copied) and merges it into s->latency. */
void msnap_add_latency(msnap_t *s, const char *topic, const lathist_t *h);

/* Index of topic/partition in s->v, or -1 (binary search). */
long msnap_find(const msnap_t *s, const char *topic, int32_t partition);

/* Translates through the snapshot (mpart_translate rules): NOT_COPIED for a
 * partition that is not in it. */
offset_map_result_t msnap_translate(const msnap_t *s, const char *topic, int32_t partition,
                                    int64_t committed, int64_t *target);

/* The holder of the latest snapshot: a pointer swapped under a mutex that is
 * held only for the swap and for taking a reference. */
typedef struct msnap_holder msnap_holder_t;
msnap_holder_t *msnap_holder_new(void);
void msnap_holder_destroy(msnap_holder_t *h); /* releases the held snapshot */
/* Makes s the latest (the holder takes the caller's reference). */
void msnap_publish(msnap_holder_t *h, msnap_t *s);
/* A reference to the latest snapshot, or NULL before the first. */
msnap_t *msnap_acquire(msnap_holder_t *h);
msnap_t *msnap_ref(msnap_t *s); /* one more reference to a snapshot one holds; accepts NULL */
void msnap_release(msnap_t *s); /* accepts NULL */

#endif

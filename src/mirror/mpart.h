#ifndef KMIG_MIRROR_MPART_H
#define KMIG_MIRROR_MPART_H
/* The bookkeeping of one partition being copied: its exact offset map, what
 * is in flight, where the consumer is, and the rules that turn consumer
 * events (a record, end of partition, a fetch position the source no longer
 * has) and delivery reports into map entries, gaps and failures. Pure: no
 * Kafka I/O, so every rule is unit-tested (tests/unit/test_mpart.c); the copy
 * loop in mirror.c feeds it what librdkafka reports.
 *
 * Not thread-safe: only the copy loop touches an mpart_t. Other threads read
 * the snapshots it publishes (msnap.h).
 * Ownership: an mpart_t owns its map and its list of unplaced offsets. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "offsets/offset_map.h"
#include "offsets/record_digest.h"

typedef enum {
    MPART_COPYING = 0,
    MPART_FAILED,    /* a record could not be delivered or placed: nothing more is mapped */
    MPART_DATA_LOSS, /* records vanished from the source; stopped (no --continue-on-data-loss) */
    MPART_REMOVED,   /* the source partition is gone; stopped */
} mpart_state_t;

typedef struct mpart {
    offset_map_t *map;
    mpart_state_t state;
    bool started;       /* fetching: the target's end was read and recovery ran */
    int64_t next_fetch; /* one past the last consumed record, -1 before any */
    int64_t inflight;   /* produced, delivery report pending */
    int64_t eof_offset; /* end offset when the consumer reported EOF, else -1 */
    int64_t loss_cover; /* after a reported gap: cover the map up to here, else -1 */
    int64_t skip_below; /* after a truncation counted as lost: records below are dropped */
    int64_t tgt_base;   /* target end offset when copying started in this run, -1 unknown */
    int64_t records, bytes, lost;       /* this run */
    int64_t recovered, resent_possible; /* by recovery at start-up */
    int64_t lat_sum_ms, lat_n, lat_max_ms; /* since mpart_latency_take() */
    uint64_t version;                   /* bumped on every map change (snapshots) */
    /* At resume: the source offset of the last copied record and the digest of
     * its copy on the target, until the source's record there is compared. */
    int64_t verify_src;
    uint8_t verify_digest[RECORD_DIGEST_LEN];
    /* Source offsets delivered without a target offset (see mpart_delivered). */
    int64_t *unknown;
    size_t nunknown, unknown_cap;
    /* Exactly-once mode: the map's src_next and the counters when the last
     * transaction covering this partition committed (mpart_txn_committed). */
    int64_t txn_src_next, txn_records, txn_bytes;
} mpart_t;

/* Takes ownership of map (a fresh one when NULL). */
void mpart_init(mpart_t *p, offset_map_t *map);
void mpart_clear(mpart_t *p);

/* The consumer handed over the record at src (before it is produced): the
 * map starts there when it is empty, EOF is forgotten. */
void mpart_consumed(mpart_t *p, int64_t src);

typedef enum {
    MPART_OK = 0,     /* mapped, or waiting to be placed */
    MPART_STOPPED,    /* the partition is no longer copying (err says why when it just stopped) */
} mpart_rc_t;

/* A delivery report for the record at src: tgt is its target offset, or -1
 * when librdkafka reported it persisted without one (a retried batch the
 * broker had already written, or a batch inferred written because a later
 * one was acknowledged). Such records sit right after the last mapped one,
 * in order, unless someone else wrote in between: they are placed once the
 * next known target offset (a later delivery, or the partition's end when
 * nothing is in flight: mpart_place_tail) is exactly the map's next target
 * offset plus their count; otherwise the partition fails (a restart re-pairs
 * them by digest). A record that arrives out of order fails the partition.
 * latency_ms < 0 is not counted. */
mpart_rc_t mpart_delivered(mpart_t *p, int64_t src, int64_t tgt, int64_t bytes, int64_t latency_ms,
                           char *err, size_t errsz);
/* A delivery report with an error: the partition fails (nothing after it may
 * be mapped, or a record would be skipped). Returns true when this report
 * stopped it (false when it had already stopped). */
bool mpart_delivery_failed(mpart_t *p);

/* Records delivered without offsets at the end of the deliveries wait for the
 * target partition's end offset: true when that is needed now. */
bool mpart_needs_tail(const mpart_t *p);
mpart_rc_t mpart_place_tail(mpart_t *p, int64_t target_end, char *err, size_t errsz);

/* The consumer reached the end of the partition at `end`. */
void mpart_eof(mpart_t *p, int64_t end);

/* The source refused the fetch position (offset out of range). Given the
 * source's log start `lo` and end `hi`, decides what happened to the records
 * between where kmig was and where the source is now:
 *   - lo > position: [position, lo) were deleted before they were copied
 *     (retention, DeleteRecords): MPART_GAP_DELETED;
 *   - hi < position: the log was truncated below what kmig copied (unclean
 *     leader election, topic deleted and re-created): source offsets
 *     [hi, position) now hold or will hold records kmig never sees:
 *     MPART_GAP_TRUNCATED;
 *   - otherwise the position is valid again (a transient error): MPART_GAP_NONE.
 * With `go_on` (--continue-on-data-loss) the gap is counted as lost, the map
 * covers it, and *resume is where fetching goes on (after a truncation: the
 * source's end, with the records below the old position dropped as they come,
 * mpart_skips); without, the partition stops in MPART_DATA_LOSS. [*from, *to)
 * is the gap. */
typedef enum { MPART_GAP_NONE = 0, MPART_GAP_DELETED, MPART_GAP_TRUNCATED } mpart_gap_t;
mpart_gap_t mpart_offset_reset(mpart_t *p, int64_t lo, int64_t hi, bool go_on, int64_t *from,
                               int64_t *to, int64_t *resume);
/* True when the record at `offset` falls in a truncated range already counted
 * as lost (mpart_offset_reset with go_on): it is dropped, not copied. */
bool mpart_skips(mpart_t *p, int64_t offset);
/* Where fetching stands: one past the last consumed record, else the map's end. */
int64_t mpart_position(const mpart_t *p);

/* Everything up to the end seen by the consumer is copied and mapped. */
bool mpart_caught_up(const mpart_t *p);

/* Latency since the last call (max and average in ms; 0 when none). */
void mpart_latency_take(mpart_t *p, int64_t *max_ms, int64_t *avg_ms);

/* Translates a committed source offset through a partition's map, as the
 * group sync sees it: `end` is the source end offset when the partition is
 * fully copied (EOF seen, nothing in flight), else -1; `tgt_base` the target
 * end offset when copying started. At the end of a fully copied partition the
 * source end translates to the target end; when nothing was copied yet and the
 * group is at the end of the source, it resumes where the next copied record
 * will land (tgt_base). */
offset_map_result_t mpart_translate(const offset_map_t *map, int64_t end, int64_t tgt_base,
                                    int64_t committed, int64_t *target);

/* The last copied record: its source and target offsets; false when the map
 * holds no record. */
bool mpart_last_pair(const mpart_t *p, int64_t *src, int64_t *tgt);

/* Resuming from a persisted map, the copy loop fetches from the last copied
 * record (verify_src, set with its copy's digest) and asks, for the first
 * record or end of partition the source gives:
 *   - MPART_RESUME_SAME: it is that record, unchanged: skip it, go on;
 *   - MPART_RESUME_CHANGED: the source holds another record at that offset, or
 *     a record in the gap after it (where no record was copied): the topic was
 *     re-created or rewritten while kmig was not running;
 *   - MPART_RESUME_UNKNOWN: that record is gone (compacted, deleted) and the
 *     first record is past the map's end: nothing to compare, go on (copy it);
 *   - MPART_RESUME_NONE: no check pending.
 * `digest` is the source record's, or NULL for the end of the partition at
 * `offset` (an end below the map's end is a truncated log: CHANGED). Clears
 * the pending check except for NONE. */
typedef enum {
    MPART_RESUME_NONE = 0,
    MPART_RESUME_SAME,
    MPART_RESUME_CHANGED,
    MPART_RESUME_UNKNOWN
} mpart_resume_t;
mpart_resume_t mpart_resume_check(mpart_t *p, int64_t offset,
                                  const uint8_t digest[RECORD_DIGEST_LEN]);

/* After MPART_RESUME_CHANGED (or any record below the map's end): the source's
 * records below the map's end, from its log start `lo`, are not the ones kmig
 * copied and are not copied. Counts them as lost and returns their number;
 * stops the partition (MPART_DATA_LOSS) unless go_on, where fetching goes on
 * and records below the map's end (*resume) are dropped as they come
 * (mpart_skips). */
int64_t mpart_rewritten(mpart_t *p, int64_t lo, bool go_on, int64_t *resume);

const char *mpart_state_name(mpart_state_t s);

/* Exactly-once mode (mirror/mtxn.h): the transaction holding this partition's
 * records and map segments committed: the map as it stands is persisted. */
void mpart_txn_committed(mpart_t *p);
/* That transaction was aborted: the map goes back to the last committed
 * position (offset_map_truncate), this run's counters too, nothing is in
 * flight or waiting for placement, EOF is forgotten. Returns the source
 * offset to fetch from again (-1: the log start, nothing mapped). */
int64_t mpart_txn_rewind(mpart_t *p);

#endif

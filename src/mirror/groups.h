#ifndef KMIG_MIRROR_GROUPS_H
#define KMIG_MIRROR_GROUPS_H
/* Consumer groups move exactly. For each selected group this reads the
 * committed source offsets of the copied partitions, translates them through
 * the offset maps (exact, or pending: never a guess), reads what the target
 * group has committed, decides per partition with checkpoint_sync_decide(),
 * and, when asked, commits the translations on the target (the broker refuses
 * while the group has active members) and records checkpoints on the target
 * ("kmig-checkpoints.<source>.internal", groups_checkpoint_topic(); the
 * mirror creates it at start-up, `kmig offsets --execute` before its first
 * commit), checking every checkpoint's delivery.
 *
 * Used by the mirror's group thread (periodic checkpoints and sync) and by
 * `kmig offsets` (one pass, dry run unless --execute).
 *
 * Ownership: groups_t borrows the flow and mm2 (they outlive it) and owns its
 * clients and rows. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/mm2.h"
#include "offsets/checkpoint.h"
#include "offsets/group_import.h"

/* The copied partitions and how to translate an offset on one of them; given
 * by the caller (the mirror's live maps, or maps read back from the target). */
typedef struct groups_partition {
    const char *topic, *target_topic;
    int32_t partition;
    int64_t source_end; /* -1 when unknown */
    int64_t target_first; /* target offset of the first mapped record, -1 none (for the
                             MirrorMaker 2 comparison in groups_stats_t) */
} groups_partition_t;

typedef offset_map_result_t (*groups_translate_fn)(void *opaque, const char *topic,
                                                   int32_t partition, int64_t committed,
                                                   int64_t *target);

/* One group's position on one partition, as shown by `kmig offsets`.
 * Offsets that could not be read are CHECKPOINT_UNKNOWN (source_offset,
 * target_committed) and the row is `failed` with the reason in `error`; when
 * a group's source offsets cannot be read at all, its one row has topic and
 * target_topic NULL and partition -1. */
typedef struct group_row {
    char *group, *topic, *target_topic;
    int32_t partition;
    int64_t source_offset, source_lag, target_committed;
    checkpoint_t cp;
    sync_action_t action;
    const char *status; /* exact, pending, not-copied, up-to-date, behind, taken-over,
                           written, active-on-target, failed */
    char *error;        /* why the row is `failed` (or not written), else NULL */
} group_row_t;

typedef struct group_rows {
    group_row_t *v;
    size_t n, cap;
} group_rows_t;

void group_rows_clear(group_rows_t *r);

typedef struct groups groups_t;

/* The checkpoints topic of a source alias: "kmig-checkpoints.<source>.internal". */
void groups_checkpoint_topic(char *buf, size_t size, const char *source);

groups_t *groups_new(mm2_t *mm2, const mm2_flow_t *flow, char *err, size_t errsz);
void groups_destroy(groups_t *g); /* accepts NULL */

/* Whether passes that do not write record checkpoints (default:
 * emit.checkpoints.enabled). `kmig offsets` without --execute turns it off: a
 * dry run writes nothing. */
void groups_set_emit(groups_t *g, bool emit);

/* The way back (docs/CUTOVER.md): the group's committed offset on this
 * flow's target equal to `offset` is the position the group had when kmig
 * moved it to the other cluster, not its consumers' own commit: kmig may
 * replace it (never backwards). Recorded as kmig's own commit when no other
 * is stored for group/topic/partition (topic: this flow's source topic). */
void groups_note_synced(groups_t *g, const char *group, const char *topic, int32_t partition,
                        int64_t offset);

/* Reads the checkpoints kept on the target (what kmig committed before). */
int groups_load_checkpoints(groups_t *g, char *err, size_t errsz);

/* The groups to work on: `only` (literal names) if given, else the literal
 * names in `groups` plus, where the source lets kmig list groups, every group
 * matching groups/groups.exclude. NULL-terminated, caller frees with
 * kgroups_names_free(). */
char **groups_select(groups_t *g, const char *const *only);

/* One pass over `names`: appends a row per group and partition of `parts`
 * with a committed source offset (read from the source, or from `imp` when
 * given). With no partition (nparts 0) it does nothing. With `write`, commits
 * the rows whose action is SYNC_WRITE on the target, unless any offset of the
 * group could not be read (unknown is not "none": that group is not written
 * this pass) or the checkpoints topic cannot be created (checked once, before
 * the first commit). Records checkpoints (with `write`, or see
 * groups_set_emit()); only a checkpoint the target confirmed counts as
 * stored, any other is written again next pass. Returns the number of groups
 * whose offsets could not be read, plus one when checkpoints were not
 * stored. */
int groups_pass(groups_t *g, char **names, const groups_partition_t *parts, size_t nparts,
                groups_translate_fn translate, void *opaque, const group_import_t *imp,
                bool write, group_rows_t *rows);

/* Counters for metrics (monotonic over the life of g). */
typedef struct groups_stats {
    int64_t passes, groups_synced, offsets_written, pending, taken_over, active, failures;
    int64_t read_failures;       /* group offset reads (source or target) that failed,
                                    whole or for some partition: kmig_groups_read_failures_total */
    int64_t checkpoint_failures; /* checkpoint records not stored:
                                    kmig_groups_checkpoint_failures_total */
    int64_t last_pass_ms; /* duration of the last pass */
    /* Estimate, over the exact positions of the last pass, of the records a
     * consumer would re-read after MirrorMaker 2's translation (the last offset
     * sync at or below the commit, plus one) with syncs every offset.lag.max =
     * 100 records from the first copied one. */
    int64_t duplicates_avoided;
} groups_stats_t;
void groups_get_stats(groups_t *g, groups_stats_t *out);

/* Per group, the number of partitions in each status of the last pass, as
 * Prometheus samples of `name` with labels source, target, group, status. */
void groups_render_status(groups_t *g, sbuf_t *out, const char *name, const char *source,
                          const char *target);

/* The rows of the last pass, published for readers on other threads (the
 * dashboard's /api/status): immutable once published, reference-counted.
 * One owner publishes (the group thread); readers take a reference. */
typedef struct groups_view {
    atomic_int refs;
    group_rows_t rows;
    int64_t wall_ms; /* when the pass ended (clock_wall_ms) */
} groups_view_t;
/* Publishes *rows as the latest view and leaves *rows empty. */
void groups_publish_rows(groups_t *g, group_rows_t *rows);
/* A reference to the latest view, or NULL before the first pass. */
groups_view_t *groups_view_acquire(groups_t *g);
void groups_view_release(groups_view_t *v); /* accepts NULL */

#endif

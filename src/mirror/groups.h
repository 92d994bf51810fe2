#ifndef KMIG_MIRROR_GROUPS_H
#define KMIG_MIRROR_GROUPS_H
/* Consumer groups move exactly. For each selected group this reads the
 * committed source offsets of the copied partitions, translates them through
 * the offset maps (exact, or pending: never a guess), reads what the target
 * group has committed, decides per partition with checkpoint_sync_decide(),
 * and, when asked, commits the translations on the target (the broker refuses
 * while the group has active members) and records checkpoints on the target
 * ("kmig-checkpoints.<source>.internal").
 *
 * Used by the mirror's group thread (periodic checkpoints and sync) and by
 * `kmig offsets` (one pass, dry run unless --execute).
 *
 * Ownership: groups_t borrows the flow and mm2 (they outlive it) and owns its
 * clients and rows. */
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

/* One group's position on one partition, as shown by `kmig offsets`. */
typedef struct group_row {
    char *group, *topic, *target_topic;
    int32_t partition;
    int64_t source_offset, source_lag, target_committed;
    checkpoint_t cp;
    sync_action_t action;
    const char *status; /* exact, pending, not-copied, up-to-date, behind, taken-over,
                           written, active-on-target, failed */
    char *error;
} group_row_t;

typedef struct group_rows {
    group_row_t *v;
    size_t n, cap;
} group_rows_t;

void group_rows_clear(group_rows_t *r);

typedef struct groups groups_t;

groups_t *groups_new(mm2_t *mm2, const mm2_flow_t *flow, char *err, size_t errsz);
void groups_destroy(groups_t *g); /* accepts NULL */

/* The checkpoints topic of a source alias: kmig-checkpoints.<source>.internal. */
void groups_checkpoint_topic(char *buf, size_t size, const char *source);

/* Reads the checkpoints kept on the target (what kmig committed before). */
int groups_load_checkpoints(groups_t *g, char *err, size_t errsz);

/* The groups to work on: `only` (literal names) if given, else the literal
 * names in `groups` plus, where the source lets kmig list groups, every group
 * matching groups/groups.exclude. NULL-terminated, caller frees with
 * kgroups_names_free(). */
char **groups_select(groups_t *g, const char *const *only);

/* One pass over `names`: appends a row per group and partition with a
 * committed source offset (read from the source, or from `imp` when given).
 * With `write`, commits the rows whose action is SYNC_WRITE on the target and
 * records checkpoints. Returns the number of groups whose offsets could not be
 * read or written. */
int groups_pass(groups_t *g, char **names, const groups_partition_t *parts, size_t nparts,
                groups_translate_fn translate, void *opaque, const group_import_t *imp,
                bool write, group_rows_t *rows);

/* Counters for metrics (monotonic over the life of g). */
typedef struct groups_stats {
    int64_t passes, groups_synced, offsets_written, pending, taken_over, active, failures;
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

#endif

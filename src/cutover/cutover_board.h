#ifndef KMIG_CUTOVER_CUTOVER_BOARD_H
#define KMIG_CUTOVER_CUTOVER_BOARD_H
/* The cutover board: the per-topic and per-group facts of `kmig cutover
 * status` (docs/CUTOVER.md), judged by cutover_status.c (the only place the
 * rules live) and rendered as the JSON `cutover status --json` prints. Used
 * where the facts come from somewhere else than cmd_cutover_status.c's reads:
 * the mirror's dashboard (facts derived from the copy loop's snapshots and
 * the group thread's last pass, plus group members it describes itself) and
 * `kmig demo --cutover` (members from the demo's own consumers). Pure.
 *
 * Ownership: the board owns its fact arrays and every string they point to
 * (cutover_board_own()); cutover_board_destroy() frees them. Pointers from
 * cutover_board_topic()/_group() are valid until the next call that adds a
 * topic or a group. cutover_board_json() returns a new reference. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cutover/cutover_manifest.h"
#include "cutover/cutover_status.h"
#include "mirror/groups.h"
#include "mirror/msnap.h"

typedef struct cutover_board {
    cutover_topic_facts_t *topics;
    size_t ntopics;
    cutover_group_facts_t *groups;
    size_t ngroups;
    char **owned;
    size_t nowned;
} cutover_board_t;

cutover_board_t *cutover_board_new(void);
void cutover_board_destroy(cutover_board_t *b); /* accepts NULL */

/* A copy of s kept as long as the board (NULL for NULL). */
const char *cutover_board_own(cutover_board_t *b, const char *s);

/* The topic's facts, added (every fact unknown, lag -1) when new. */
cutover_topic_facts_t *cutover_board_topic(cutover_board_t *b, const char *topic, bool selected);
/* The group's facts, added (members -1, offsets unknown) when new. */
cutover_group_facts_t *cutover_board_group(cutover_board_t *b, const char *group);

/* Adds every topic of the manifest (selected(topic, arg) says whether the
 * mirror copies it; NULL: all) and every group, each once. */
void cutover_board_add_manifest(cutover_board_t *b, const cutover_manifest_t *m,
                                bool (*selected)(const char *topic, void *arg), void *arg);

/* A group's offset facts from the rows of one pass of the groups sync
 * (mirror/groups.h; rows of other groups are skipped), as `cutover status`
 * reads them: translated is no while a committed offset is pending or not
 * copied; committed is yes when every row is up-to-date, written or
 * taken-over; a failed or refused row makes both unknown. A group without a
 * row has no committed offsets on copied partitions (yes, with that reason)
 * when `selected`, else both facts are unknown (`why_unselected`). */
void cutover_board_group_rows(cutover_board_t *b, cutover_group_facts_t *g,
                              const group_row_t *rows, size_t nrows, bool selected,
                              const char *why_unselected);

/* A topic's facts from the mirror's snapshots: source written when a
 * partition's source end differs between `base` (published at least the
 * quiet period before, NULL: unknown) and `snap`; copied when every
 * partition's end is known, its lag 0 and nothing in flight; foreign writes
 * from the foreign-write watch's count (unknown when it does not run). A
 * topic absent from the snapshot keeps unknown facts with a reason. */
void cutover_board_topic_snap(cutover_board_t *b, cutover_topic_facts_t *t, const msnap_t *snap,
                              const msnap_t *base, int64_t foreign_records, bool foreign_watched);

/* Judges the facts (cutover_status.h) and renders `cutover status --json`'s
 * document: {"topics", "groups", "services", "drained", "reason"}. With
 * `drained_out`, also says whether the flow is drained. */
json_t *cutover_board_json(const cutover_board_t *b, const cutover_manifest_t *m,
                           bool *drained_out);

#endif

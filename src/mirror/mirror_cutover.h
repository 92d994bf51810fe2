#ifndef KMIG_MIRROR_MIRROR_CUTOVER_H
#define KMIG_MIRROR_MIRROR_CUTOVER_H
/* The cutover board of `kmig mirror --http --services FILE` (docs/CUTOVER.md,
 * docs/DASHBOARD.md): the same board as `kmig cutover status`, fed from what
 * the mirror already publishes (the copy loop's snapshots for "source
 * written", "copied" and lag; the foreign-write watch for foreign writes; the
 * group thread's last pass for the groups' translations and target commits)
 * plus the one fact the mirror does not have: each manifest group's members
 * on both clusters, described by a thread of its own every few seconds. The
 * judgement is cutover_status.c's, through cutover_board.h.
 *
 * Ownership: mirror_cutover_t owns the manifest, its thread and the member
 * counts; it borrows mm2 and flow (they outlive it). */
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "config/mm2.h"
#include "mirror/groups.h"
#include "mirror/msnap.h"
#include "verify/vforeign.h"

typedef struct mirror_cutover mirror_cutover_t;

/* Loads the services manifest at `path` and starts the members thread.
 * Returns NULL with err (naming the file, service and field) on a bad file. */
mirror_cutover_t *mirror_cutover_new(const char *path, mm2_t *mm2, const mm2_flow_t *flow,
                                     char *err, size_t errsz);
/* For `kmig mirror --services FILE --http ...`: makes the board and hands it
 * to the dashboard (mirror_dash_set_cutover), which owns it from then on. A
 * file that cannot be read (the command checked it before starting) is
 * logged and leaves the dashboard without a board. */
struct mirror_dash;
void mirror_cutover_attach(struct mirror_dash *d, const char *path, mm2_t *mm2,
                           const mm2_flow_t *flow);

/* Asks the thread to stop without waiting; accepts NULL. */
void mirror_cutover_request_stop(mirror_cutover_t *c);
void mirror_cutover_destroy(mirror_cutover_t *c); /* accepts NULL; joins the thread */

/* The board for /api/status's "cutover" key: {"services_file", "quiet_s",
 * "members_read_ms", "topics", "groups", "services", "drained", "reason"}.
 * `base` is a snapshot at least the quiet period older than `snap` (NULL:
 * "source written" is unknown); `gv` the last group pass (NULL: none yet);
 * `groups_enabled` whether the mirror runs group passes at all. Any thread. */
json_t *mirror_cutover_json(mirror_cutover_t *c, const msnap_t *snap, const msnap_t *base,
                            const groups_view_t *gv, bool groups_enabled,
                            const vforeign_count_t *foreign, size_t nforeign,
                            bool foreign_watched);

#endif

#ifndef KMIG_MIRROR_GROUPS_SYNC_H
#define KMIG_MIRROR_GROUPS_SYNC_H
/* The mirror's consumer-group thread: every emit.checkpoints.interval.seconds
 * it runs a groups_pass() (groups.h) over the selected groups, translating
 * through the latest snapshot the copy loop published (msnap.h), and with
 * sync.group.offsets.enabled commits the exact translations on the target
 * every sync interval. It never touches the copy loop's state: a snapshot
 * that lags behind translates as PENDING, never to a wrong offset.
 *
 * Ownership: borrows groups, flow and the snapshot holder (they outlive it). */
#include <stdbool.h>

#include "config/mm2.h"
#include "mirror/groups.h"
#include "mirror/msnap.h"

typedef struct groups_sync groups_sync_t;

/* Starts the thread. Returns NULL with err when it cannot. */
groups_sync_t *groups_sync_start(groups_t *g, const mm2_flow_t *flow, msnap_holder_t *snaps,
                                 char *err, size_t errsz);

/* Stops and joins the thread (it finishes the pass under way: its admin calls
 * time out within the flow's admin timeout). With final_pass, one last pass
 * over the latest snapshot so that the groups reflect the final maps. Frees s;
 * accepts NULL. */
void groups_sync_stop(groups_sync_t *s, bool final_pass);

/* Workers: partitions were taken over from another worker; the next passes
 * read the checkpoints (what kmig committed) again first. Any thread. */
void groups_sync_reload(groups_sync_t *s);

/* One pass over `names` through snapshot `snap` (also used by the final pass). */
void groups_sync_pass(groups_t *g, const msnap_t *snap, char **names, bool write);

#endif

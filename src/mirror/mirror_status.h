#ifndef KMIG_MIRROR_MIRROR_STATUS_H
#define KMIG_MIRROR_MIRROR_STATUS_H
/* The dashboard's JSON, `GET /api/status` and `GET /api/partitions?topic=`
 * (schema: docs/DASHBOARD.md, "version": 1), rendered from published,
 * immutable state only: a copy-loop snapshot (msnap.h), the group thread's
 * last pass (groups_view_t) and the foreign-write watch's counts. No I/O, no
 * live state: the unit test feeds it hand-built snapshots.
 *
 * Ownership: everything in mirror_status_in_t is borrowed; the returned
 * string is malloc'd for the caller. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mirror/groups.h"
#include "mirror/msnap.h"
#include "verify/vforeign.h"

typedef struct mirror_status_in {
    const char *source, *target;   /* the flow's cluster aliases */
    const msnap_t *snap;           /* the latest snapshot, NULL before the first */
    const msnap_t *base;           /* an older one for rates, NULL: rates are null */
    const groups_view_t *groups;   /* the last group pass, NULL: none yet */
    const groups_stats_t *gstats;  /* NULL when the mirror syncs no groups */
    const vforeign_count_t *foreign; /* partitions with foreign records */
    size_t nforeign;
    bool foreign_watched;          /* the foreign-write watch is running */
    int64_t now_wall_ms, now_mono_ms, started_wall_ms;
    /* The last `kmig verify --json` document (docs/VERIFY.md) named by
     * --verify-json, NULL when none; verify_file names it, verify_mtime_ms is
     * when it was written. */
    struct json_t *verify;
    const char *verify_file;
    int64_t verify_mtime_ms;
    /* The cutover board (mirror_cutover.h) with `--services FILE`, else NULL
     * ("cutover": null); the renderer takes a new reference. */
    struct json_t *cutover;
} mirror_status_in_t;

/* The /api/status document, compact JSON. */
char *mirror_status_render(const mirror_status_in_t *in);

/* The /api/partitions?topic=TOPIC document: {"version":1, "topic":...,
 * "partitions":[...]}; NULL when the snapshot has no such topic. */
char *mirror_status_render_partitions(const mirror_status_in_t *in, const char *topic);

#endif

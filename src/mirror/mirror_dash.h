#ifndef KMIG_MIRROR_MIRROR_DASH_H
#define KMIG_MIRROR_MIRROR_DASH_H
/* The mirror's web dashboard behind `kmig mirror --http`: serves the embedded
 * page (src/web, metrics/web_assets.h), /api/status and /api/partitions
 * (mirror_status.h, docs/DASHBOARD.md) next to /metrics. Runs only on the
 * HTTP server's thread and reads only published state: snapshots, the group
 * thread's last pass, the foreign-write watch's counts.
 *
 * Ownership: mirror_dash_t borrows everything it is given (it must be
 * destroyed after the HTTP server that calls it, and before what it
 * borrows); it owns its references to older snapshots (for rates). */
#include <stddef.h>

#include "core/sbuf.h"
#include "metrics/http.h"
#include "mirror/groups.h"
#include "mirror/msnap.h"
#include "verify/vforeign.h"

typedef struct mirror_dash mirror_dash_t;

/* groups and foreign may be NULL. metrics renders /metrics. */
mirror_dash_t *mirror_dash_new(const char *source, const char *target, msnap_holder_t *snaps,
                               groups_t *groups, vforeign_t *foreign, http_render_fn metrics,
                               void *metrics_opaque);
void mirror_dash_destroy(mirror_dash_t *d); /* accepts NULL */
/* `--verify-json FILE`: /api/status shows the `kmig verify --json` document
 * found there (re-read when the file changes); path is borrowed. Call before
 * the server starts. */
void mirror_dash_set_verify_file(mirror_dash_t *d, const char *path);
/* `--services FILE`: /api/status carries the cutover board (mirror_cutover.h);
 * the dashboard owns it from here on. Call before the server starts. */
struct mirror_cutover;
void mirror_dash_set_cutover(mirror_dash_t *d, struct mirror_cutover *c);

/* For http_server_new_app(): opaque is the mirror_dash_t. */
void mirror_dash_metrics(void *opaque, sbuf_t *out);
unsigned mirror_dash_app(void *opaque, const char *path, const http_request_t *req, sbuf_t *out,
                         const char **type);

/* Writes the bound port, one decimal line, to path (atomically: a temporary
 * file renamed), for `--http-port-file`. Returns 0, or -1 with err. */
int mirror_dash_write_port(const char *path, int port, char *err, size_t errsz);

#endif

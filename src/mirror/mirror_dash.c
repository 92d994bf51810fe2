/* The dashboard's request handling (see mirror_dash.h): static files from the
 * embedded table, and the JSON documents rendered by mirror_status.c from the
 * latest snapshot. Rates need an older snapshot: the dashboard keeps a few
 * references, a second or more apart, and measures from the newest one
 * at least DASH_WINDOW_MS older than the latest (5-6 s while polled). */
#include "mirror/mirror_dash.h"

#include <errno.h>
#include <jansson.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "metrics/web_assets.h"
#include "mirror/mirror_cutover.h"
#include "mirror/mirror_status.h"

#define DASH_WINDOW_MS 5000
#define DASH_RING 16

struct mirror_dash {
    const char *source, *target;
    msnap_holder_t *snaps;
    groups_t *groups;
    vforeign_t *foreign;
    http_render_fn metrics;
    void *metrics_opaque;
    int64_t started_wall_ms;
    const char *verify_file;   /* --verify-json, or NULL */
    json_t *verify;            /* its last parse (HTTP thread only) */
    int64_t verify_mtime_ms;   /* of the file when parsed, 0 none */
    msnap_t *ring[DASH_RING]; /* references, oldest first (HTTP thread only) */
    size_t n;
    mirror_cutover_t *cutover; /* --services: the cutover board, owned; NULL none */
};

mirror_dash_t *mirror_dash_new(const char *source, const char *target, msnap_holder_t *snaps,
                               groups_t *groups, vforeign_t *foreign, http_render_fn metrics,
                               void *metrics_opaque) {
    mirror_dash_t *d = xcalloc(1, sizeof *d);
    *d = (mirror_dash_t){source, target, snaps, groups, foreign, metrics, metrics_opaque,
                         clock_wall_ms(), NULL, NULL, 0, {0}, 0, NULL};
    return d;
}

void mirror_dash_set_verify_file(mirror_dash_t *d, const char *path) { d->verify_file = path; }

void mirror_dash_set_cutover(mirror_dash_t *d, mirror_cutover_t *c) { d->cutover = c; }

/* Re-reads the --verify-json file when its modification time changed. */
static void dash_verify_load(mirror_dash_t *d) {
    struct stat st;
    if (!d->verify_file) return;
    if (stat(d->verify_file, &st)) {
        json_decref(d->verify);
        d->verify = NULL;
        d->verify_mtime_ms = 0;
        return;
    }
    int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
    if (d->verify && mt == d->verify_mtime_ms) return;
    json_decref(d->verify);
    d->verify = json_load_file(d->verify_file, 0, NULL);
    if (d->verify && json_integer_value(json_object_get(d->verify, "version")) != 1) {
        json_decref(d->verify);
        d->verify = NULL;
    }
    d->verify_mtime_ms = d->verify ? mt : 0;
}

void mirror_dash_destroy(mirror_dash_t *d) {
    if (!d) return;
    mirror_cutover_destroy(d->cutover);
    json_decref(d->verify);
    for (size_t i = 0; i < d->n; i++) msnap_release(d->ring[i]);
    free(d);
}

void mirror_dash_metrics(void *opaque, sbuf_t *out) {
    mirror_dash_t *d = opaque;
    d->metrics(d->metrics_opaque, out);
}

/* Keeps snapshots at least a second apart, dropping the oldest while the
 * next one is already DASH_WINDOW_MS older than s: ring[0] is the rate base. */
static void dash_observe(mirror_dash_t *d, msnap_t *s) {
    if (!s) return;
    if (d->n && s->published_ms - d->ring[d->n - 1]->published_ms < 1000) return;
    if (d->n == DASH_RING) {
        msnap_release(d->ring[0]);
        memmove(d->ring, d->ring + 1, --d->n * sizeof *d->ring);
    }
    d->ring[d->n++] = msnap_ref(s);
    while (d->n > 2 && s->published_ms - d->ring[1]->published_ms >= DASH_WINDOW_MS) {
        msnap_release(d->ring[0]);
        memmove(d->ring, d->ring + 1, --d->n * sizeof *d->ring);
    }
}

unsigned mirror_dash_app(void *opaque, const char *path, const http_request_t *req, sbuf_t *out,
                         const char **type) {
    mirror_dash_t *d = opaque;
    bool status = !strcmp(path, "/api/status"), parts = !strcmp(path, "/api/partitions");
    if (!status && !parts) {
        const web_asset_t *a = web_asset_find(path);
        if (!a) return 0;
        sbuf_append(out, (const char *)a->data, a->len);
        *type = a->type;
        return 200;
    }
    const char *topic = http_request_arg(req, parts ? "topic" : "partitions");
    if (parts && !topic) {
        sbuf_puts(out, "{\"version\":1,\"error\":\"missing ?topic=\"}");
        *type = "application/json";
        return 400;
    }
    msnap_t *s = msnap_acquire(d->snaps);
    dash_observe(d, s);
    groups_view_t *gv = d->groups ? groups_view_acquire(d->groups) : NULL;
    groups_stats_t gs;
    if (d->groups) groups_get_stats(d->groups, &gs);
    vforeign_count_t *fc = NULL;
    size_t nfc = vforeign_counts(d->foreign, &fc);
    dash_verify_load(d);
    mirror_status_in_t in = {d->source, d->target, s, d->n ? d->ring[0] : NULL, gv, d->groups ? &gs : NULL, fc,
                             nfc, d->foreign != NULL, clock_wall_ms(), clock_mono_ms(),
                             d->started_wall_ms, d->verify, d->verify_file, d->verify_mtime_ms,
                             NULL};
    if (d->cutover && !topic)
        in.cutover = mirror_cutover_json(d->cutover, s, in.base, gv, d->groups != NULL, fc, nfc,
                                         d->foreign != NULL);
    char *json = topic ? mirror_status_render_partitions(&in, topic) : mirror_status_render(&in);
    unsigned st = 200;
    if (json) {
        sbuf_puts(out, json);
    } else {
        sbuf_puts(out, "{\"version\":1,\"error\":\"no such topic\"}");
        st = 404;
    }
    free(json);
    json_decref(in.cutover);
    vforeign_counts_free(fc, nfc);
    groups_view_release(gv);
    msnap_release(s);
    *type = "application/json";
    return st;
}

int mirror_dash_write_port(const char *path, int port, char *err, size_t errsz) {
    size_t plen = strlen(path);
    char *tmp = xmalloc(plen + 8);
    snprintf(tmp, plen + 8, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int rc = -1;
    if (!f)
        snprintf(err, errsz, "--http-port-file %s: %s", tmp, strerror(errno));
    else if ((fprintf(f, "%d\n", port) < 0) | (fclose(f) != 0))
        snprintf(err, errsz, "--http-port-file %s: write failed", tmp);
    else if (rename(tmp, path))
        snprintf(err, errsz, "--http-port-file %s: %s", path, strerror(errno));
    else
        rc = 0;
    if (rc) unlink(tmp);
    free(tmp);
    return rc;
}

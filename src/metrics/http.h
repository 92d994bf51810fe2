#ifndef KMIG_METRICS_HTTP_H
#define KMIG_METRICS_HTTP_H
/* The HTTP endpoint behind `kmig mirror --http` (alias --metrics-addr), on
 * one libmicrohttpd thread:
 *   GET /metrics  200, Prometheus text (render's output),
 *                 Content-Type: text/plain; version=0.0.4; charset=utf-8
 *   GET /healthz  200 "ok"
 *   any other path: the app callback (http_server_new_app), which answers
 *                 the dashboard and its JSON API; without one, / is a line
 *                 pointing to /metrics and the rest 404.
 * HEAD works wherever GET does; other methods get 405, other paths 404.
 *
 * `render` is called on the server's own thread, once per scrape and never
 * concurrently with itself, while the caller's threads keep running: it must
 * read shared state in a thread-safe way. It appends to `out`, which the
 * server owns.
 *
 * Ownership: the server borrows `opaque` (it must outlive the server);
 * http_server_destroy() stops the thread, so render is not running and will
 * not run again once it returns. */
#include <stddef.h>

#include "core/sbuf.h"

typedef void (*http_render_fn)(void *opaque, sbuf_t *out);
typedef struct http_server http_server_t;

/* One request as the app callback sees it. */
typedef struct http_request http_request_t;
/* The value of query argument `key` ("?key=value", decoded), or NULL. */
const char *http_request_arg(const http_request_t *r, const char *key);

/* The app callback: for `path` (no query string) appends the body to `out`,
 * sets *type to a static Content-Type and returns the HTTP status, or returns
 * 0 when it does not know the path (404). Called on the server's thread,
 * never concurrently with itself or with render. */
typedef unsigned (*http_app_fn)(void *opaque, const char *path, const http_request_t *req,
                                sbuf_t *out, const char **type);

/* Starts serving. addr is "[HOST:]PORT" as given to --metrics-addr:
 *   "9100" or ":9100"          127.0.0.1 (loopback unless the user says otherwise)
 *   "HOST:9100"                HOST an IPv4 address or "localhost" (127.0.0.1);
 *                              "0.0.0.0:9100" listens on all interfaces
 *   "[::1]:9100"               an IPv6 address in brackets
 * Port 0 picks a free port (see http_server_port). Returns NULL with a message
 * naming the address in err when the address is malformed or cannot be
 * bound. */
http_server_t *http_server_new(const char *addr, http_render_fn render, void *opaque, char *err,
                               size_t errsz);
/* The same, with an app callback for the other paths (may be NULL). */
http_server_t *http_server_new_app(const char *addr, http_render_fn render, http_app_fn app,
                                   void *opaque, char *err, size_t errsz);
/* The port actually bound. */
int http_server_port(const http_server_t *s);
void http_server_destroy(http_server_t *s); /* accepts NULL */

#endif

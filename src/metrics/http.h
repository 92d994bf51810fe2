#ifndef KMIG_METRICS_HTTP_H
#define KMIG_METRICS_HTTP_H
/* The metrics endpoint: GET /metrics (Prometheus text), GET /healthz, on one
 * libmicrohttpd thread. `render` is called from that thread for each scrape
 * and must be thread-safe.
 *
 * Ownership: the server borrows `opaque`; http_server_destroy() stops the
 * thread before returning. */
#include <stddef.h>

#include "core/sbuf.h"

typedef void (*http_render_fn)(void *opaque, sbuf_t *out);
typedef struct http_server http_server_t;

/* addr: "PORT" or ":PORT" (127.0.0.1), "HOST:PORT" with an IPv4 literal or
 * "localhost", "[::1]:PORT" for IPv6. Port 0 picks a free port. Never binds
 * all interfaces unless the host says so (0.0.0.0). */
http_server_t *http_server_new(const char *addr, http_render_fn render, void *opaque, char *err,
                               size_t errsz);
int http_server_port(const http_server_t *s);
void http_server_destroy(http_server_t *s); /* accepts NULL */

#endif

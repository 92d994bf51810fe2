/* The --http (alias --metrics-addr) HTTP endpoint: parses the address, binds
 * the listening socket itself (so bind errors name the address and the
 * reason), and hands it to libmicrohttpd, whose internal thread answers
 * /metrics and /healthz and passes other paths to the app callback.
 * libmicrohttpd's own error messages go through core/log.h. */
#include "metrics/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"

struct http_server {
    struct MHD_Daemon *d;
    http_render_fn render;
    http_app_fn app;
    void *opaque;
    int port;
};

static void http_log(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n') msg[--n] = '\0';
    log_warn("metrics endpoint: %s", msg);
}

static enum MHD_Result http_reply(struct MHD_Connection *c, unsigned status, const char *type,
                                  const char *body, size_t len) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO; /* out of memory: libmicrohttpd closes the connection */
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    /* The dashboard loads nothing from elsewhere; say so to the browser. */
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

struct http_request {
    struct MHD_Connection *c;
};

const char *http_request_arg(const http_request_t *r, const char *key) {
    return MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, key);
}

static enum MHD_Result http_text(struct MHD_Connection *c, unsigned status, const char *body) {
    return http_reply(c, status, "text/plain; charset=utf-8", body, strlen(body));
}

/* Answers on the first call for each request (before any request body). */
static enum MHD_Result http_handle(void *cls, struct MHD_Connection *c, const char *url,
                                   const char *method, const char *version,
                                   const char *upload_data, size_t *upload_size,
                                   void **req_cls) {
    (void)version;
    (void)upload_data;
    (void)upload_size;
    (void)req_cls;
    http_server_t *s = cls;
    if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
        return http_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
    if (!strcmp(url, "/metrics")) {
        sbuf_t b = {0};
        s->render(s->opaque, &b);
        enum MHD_Result r = http_reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                                       sbuf_str(&b), b.len);
        sbuf_free(&b);
        return r;
    }
    if (!strcmp(url, "/healthz")) return http_text(c, MHD_HTTP_OK, "ok\n");
    if (s->app) {
        sbuf_t b = {0};
        const char *type = "text/plain; charset=utf-8";
        http_request_t req = {c};
        unsigned st = s->app(s->opaque, url, &req, &b, &type);
        enum MHD_Result r = st ? http_reply(c, st, type, sbuf_str(&b), b.len)
                               : http_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
        sbuf_free(&b);
        return r;
    }
    if (!strcmp(url, "/"))
        return http_text(c, MHD_HTTP_OK, "kmig: Prometheus metrics are at /metrics\n");
    return http_text(c, MHD_HTTP_NOT_FOUND, "not found; metrics are at /metrics\n");
}

/* Parses "[HOST:]PORT" (see http.h) into *ss and *len; 0, or -1 with err. */
static int http_parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len,
                           char *err, size_t errsz) {
    char host[INET6_ADDRSTRLEN] = "127.0.0.1";
    const char *hstart = addr, *hend = NULL, *port = addr;
    bool v6 = addr[0] == '[';
    if (v6) {
        hstart = addr + 1;
        hend = strchr(addr, ']');
        port = hend && hend[1] == ':' ? hend + 2 : NULL;
    } else if ((hend = strchr(addr, ':'))) {
        port = strchr(hend + 1, ':') ? NULL : hend + 1;
    }
    if (!port) {
        snprintf(err, errsz, "--http %s: write an IPv6 address as [ADDR]:PORT", addr);
        return -1;
    }
    if (hend && hend > hstart) {
        if ((size_t)(hend - hstart) >= sizeof host) {
            snprintf(err, errsz, "--http %s: the host is too long", addr);
            return -1;
        }
        memcpy(host, hstart, (size_t)(hend - hstart));
        host[hend - hstart] = '\0';
    }
    size_t digits = strspn(port, "0123456789");
    long p = digits && digits <= 5 && !port[digits] ? strtol(port, NULL, 10) : -1;
    if (p < 0 || p > 65535) {
        snprintf(err, errsz,
                 "--http %s: the port must be a number from 0 to 65535 (0 picks a free "
                 "port)", addr);
        return -1;
    }
    if (!strcmp(host, "localhost")) strcpy(host, "127.0.0.1");
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (v6 && inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)p);
        *len = sizeof *in6;
        return 0;
    }
    if (!v6 && inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)p);
        *len = sizeof *in4;
        return 0;
    }
    snprintf(err, errsz,
             "--http %s: expected PORT, HOST:PORT with HOST an IPv4 address or "
             "localhost, or [IPv6]:PORT (host names are not resolved)", addr);
    return -1;
}

/* Opens, binds and listens; returns the socket, or -1 with err. */
static int http_listen(const char *addr, const struct sockaddr_storage *ss, socklen_t len,
                       char *err, size_t errsz) {
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errsz, "--http %s: socket failed: %s", addr, strerror(errno));
        return -1;
    }
    int one = 1;
    const char *step = NULL;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one))
        step = "setsockopt(SO_REUSEADDR)";
    else if (bind(fd, (const struct sockaddr *)ss, len))
        step = "bind";
    else if (listen(fd, 16))
        step = "listen";
    if (step) {
        snprintf(err, errsz, "--http %s: %s failed: %s", addr, step, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

http_server_t *http_server_new(const char *addr, http_render_fn render, void *opaque, char *err,
                               size_t errsz) {
    return http_server_new_app(addr, render, NULL, opaque, err, errsz);
}

http_server_t *http_server_new_app(const char *addr, http_render_fn render, http_app_fn app,
                                   void *opaque, char *err, size_t errsz) {
    struct sockaddr_storage ss, bound;
    socklen_t len, blen = sizeof bound;
    if (http_parse_addr(addr, &ss, &len, err, errsz)) return NULL;
    int fd = http_listen(addr, &ss, len, err, errsz);
    if (fd < 0) return NULL;
    if (getsockname(fd, (struct sockaddr *)&bound, &blen)) {
        snprintf(err, errsz, "--http %s: getsockname failed: %s", addr, strerror(errno));
        close(fd);
        return NULL;
    }
    http_server_t *s = xcalloc(1, sizeof *s);
    s->render = render;
    s->app = app;
    s->opaque = opaque;
    s->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                : ((struct sockaddr_in *)&bound)->sin_port);
    /* MHD_USE_AUTO picks epoll on Linux: select() would fail once kmig's
     * descriptors (Kafka connections, files) pass FD_SETSIZE. */
    s->d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                            http_handle, s, MHD_OPTION_EXTERNAL_LOGGER, http_log, NULL,
                            MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_TIMEOUT,
                            (unsigned)10, MHD_OPTION_CONNECTION_LIMIT, (unsigned)32,
                            MHD_OPTION_END);
    if (!s->d) {
        /* Not closing fd: libmicrohttpd closes it on some failure paths, and
         * closing a number that another thread may have reused is worse than
         * leaking one descriptor on this rare path. */
        snprintf(err, errsz, "--http %s: the HTTP server did not start (see the log)",
                 addr);
        free(s);
        return NULL;
    }
    return s;
}

int http_server_port(const http_server_t *s) { return s->port; }

void http_server_destroy(http_server_t *s) {
    if (!s) return;
    MHD_stop_daemon(s->d); /* joins the thread and closes the listening socket */
    free(s);
}

/* A tiny HTTP endpoint for metrics on libmicrohttpd's internal polling thread. */
#include "metrics/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct http_server {
    struct MHD_Daemon *d;
    http_render_fn render;
    void *opaque;
    int port;
};

static enum MHD_Result http_reply(struct MHD_Connection *c, unsigned status, const char *type,
                                  const char *body, size_t len) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result http_handle(void *cls, struct MHD_Connection *c, const char *url,
                                   const char *method, const char *version,
                                   const char *upload_data, size_t *upload_size, void **con_cls) {
    http_server_t *s = cls;
    static const char text[] = "text/plain; charset=utf-8";
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return http_reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, text, "method not allowed\n", 19);
    if (!strcmp(url, "/metrics")) {
        sbuf_t b = {0};
        s->render(s->opaque, &b);
        enum MHD_Result r = http_reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                                       sbuf_str(&b), b.len);
        sbuf_free(&b);
        return r;
    }
    if (!strcmp(url, "/healthz")) return http_reply(c, MHD_HTTP_OK, text, "ok\n", 3);
    if (!strcmp(url, "/")) {
        static const char hello[] = "kmig: metrics at /metrics\n";
        return http_reply(c, MHD_HTTP_OK, text, hello, sizeof hello - 1);
    }
    return http_reply(c, MHD_HTTP_NOT_FOUND, text, "not found\n", 10);
}

/* Parses addr into a sockaddr; returns 0 or -1 with err. */
static int http_parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len,
                           char *err, size_t errsz) {
    char host[128] = "127.0.0.1";
    const char *port = addr;
    const char *colon = strrchr(addr, ':');
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (!close || close[1] != ':' || (size_t)(close - addr - 1) >= sizeof host) goto bad;
        memcpy(host, addr + 1, (size_t)(close - addr - 1));
        host[close - addr - 1] = '\0';
        port = close + 2;
    } else if (colon) {
        if ((size_t)(colon - addr) >= sizeof host) goto bad;
        if (colon != addr) {
            memcpy(host, addr, (size_t)(colon - addr));
            host[colon - addr] = '\0';
        }
        port = colon + 1;
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p < 0 || p > 65535) goto bad;
    if (!strcmp(host, "localhost")) strcpy(host, "127.0.0.1");
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)p);
        *len = sizeof *in4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)p);
        *len = sizeof *in6;
        return 0;
    }
bad:
    snprintf(err, errsz,
             "--metrics-addr %s: expected PORT, HOST:PORT (IPv4 or localhost) or [IPv6]:PORT",
             addr);
    return -1;
}

http_server_t *http_server_new(const char *addr, http_render_fn render, void *opaque, char *err,
                               size_t errsz) {
    struct sockaddr_storage ss;
    socklen_t len;
    if (http_parse_addr(addr, &ss, &len, err, errsz)) return NULL;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 64)) {
        snprintf(err, errsz, "--metrics-addr %s: cannot listen: %s", addr, strerror(errno));
        if (fd >= 0) close(fd);
        return NULL;
    }
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    getsockname(fd, (struct sockaddr *)&bound, &blen);
    http_server_t *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->render = render;
    s->opaque = opaque;
    s->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                : ((struct sockaddr_in *)&bound)->sin_port);
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                            http_handle, s, MHD_OPTION_LISTEN_SOCKET, fd,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errsz, "--metrics-addr %s: the HTTP server did not start", addr);
        close(fd);
        free(s);
        return NULL;
    }
    return s;
}

int http_server_port(const http_server_t *s) { return s->port; }

void http_server_destroy(http_server_t *s) {
    if (!s) return;
    MHD_stop_daemon(s->d);
    free(s);
}

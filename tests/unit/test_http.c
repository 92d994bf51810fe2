/* The metrics endpoint, checked with real HTTP requests from a plain socket
 * client: routes, status lines, headers, loopback-only default binding,
 * address parsing and its error messages. */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "metrics/http.h"
#include "metrics/prom.h"
#include "unit.h"

typedef struct {
    int status;     /* -1 when the request failed */
    char raw[8192]; /* status line and headers, then NUL, then body */
    const char *body;
} resp_t;

/* Sends req to host:port (IPv4 or IPv6 literal) and reads until the server
 * closes (requests use HTTP/1.0). Gives up after 5 s. */
static void request(const char *host, int port, const char *req, resp_t *r) {
    struct sockaddr_storage ss = {0};
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    socklen_t len;
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        len = sizeof *in4;
    } else {
        CHECK(inet_pton(AF_INET6, host, &in6->sin6_addr) == 1);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        len = sizeof *in6;
    }
    r->status = -1;
    r->raw[0] = '\0';
    r->body = r->raw;
    int fd = socket(ss.ss_family, SOCK_STREAM, 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    size_t n = 0;
    if (connect(fd, (struct sockaddr *)&ss, len) == 0 &&
        write(fd, req, strlen(req)) == (ssize_t)strlen(req)) {
        ssize_t k;
        while (n + 1 < sizeof r->raw && (k = read(fd, r->raw + n, sizeof r->raw - n - 1)) > 0)
            n += (size_t)k;
    }
    close(fd);
    r->raw[n] = '\0';
    char *sep = strstr(r->raw, "\r\n\r\n");
    if (sep && sscanf(r->raw, "HTTP/1.%*d %d", &r->status) == 1) {
        sep[2] = '\0';
        r->body = sep + 4;
    }
}

/* The value of header name (without CRLF) copied into out, or "". */
static const char *header(const resp_t *r, const char *name, char *out, size_t size) {
    char key[64];
    snprintf(key, sizeof key, "\r\n%s: ", name);
    const char *h = strcasestr(r->raw, key);
    out[0] = '\0';
    if (h) {
        h += strlen(key);
        snprintf(out, size, "%.*s", (int)strcspn(h, "\r\n"), h);
    }
    return out;
}

static int renders;

static void render(void *opaque, sbuf_t *out) {
    renders++;
    const char *labels[] = {"who", opaque, NULL};
    prom_family(out, "kmig_up", "gauge", "Whether kmig runs.");
    prom_sample_i64(out, "kmig_up", labels, 1);
}

static void test_routes(void) {
    char err[256] = "", h[256];
    resp_t r;
    http_server_t *s = http_server_new("0", render, "test", err, sizeof err);
    CHECK_EQ_STR(err, "");
    CHECK(s != NULL);
    if (!s) return;
    int port = http_server_port(s);
    CHECK(port > 0 && port <= 65535);

    renders = 0;
    request("127.0.0.1", port, "GET /metrics HTTP/1.0\r\n\r\n", &r);
    CHECK(strncmp(r.raw, "HTTP/1.", 7) == 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(header(&r, "Content-Type", h, sizeof h),
                 "text/plain; version=0.0.4; charset=utf-8");
    static const char want[] = "# HELP kmig_up Whether kmig runs.\n# TYPE kmig_up gauge\n"
                               "kmig_up{who=\"test\"} 1\n";
    CHECK_EQ_STR(r.body, want);
    CHECK_EQ_INT(atoi(header(&r, "Content-Length", h, sizeof h)), strlen(want));
    CHECK_EQ_INT(renders, 1);

    request("127.0.0.1", port, "GET /metrics?name[]=x HTTP/1.1\r\nHost: x\r\n"
                               "Connection: close\r\n\r\n", &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK(strstr(r.body, "kmig_up{who=\"test\"} 1\n") != NULL);

    request("127.0.0.1", port, "HEAD /metrics HTTP/1.0\r\n\r\n", &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(header(&r, "Content-Type", h, sizeof h),
                 "text/plain; version=0.0.4; charset=utf-8");
    CHECK_EQ_STR(r.body, "");

    request("127.0.0.1", port, "GET / HTTP/1.0\r\n\r\n", &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK(strstr(r.body, "/metrics") != NULL && strchr(r.body, '\n') == strrchr(r.body, '\n'));
    CHECK_EQ_STR(header(&r, "Content-Type", h, sizeof h), "text/plain; charset=utf-8");

    request("127.0.0.1", port, "GET /healthz HTTP/1.0\r\n\r\n", &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(r.body, "ok\n");

    request("127.0.0.1", port, "GET /nope HTTP/1.0\r\n\r\n", &r);
    CHECK_EQ_INT(r.status, 404);
    request("127.0.0.1", port, "GET /metrics/ HTTP/1.0\r\n\r\n", &r);
    CHECK_EQ_INT(r.status, 404);
    request("127.0.0.1", port, "HEAD /nope HTTP/1.0\r\n\r\n", &r);
    CHECK_EQ_INT(r.status, 404);

    request("127.0.0.1", port, "POST /metrics HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc", &r);
    CHECK_EQ_INT(r.status, 405);
    CHECK_EQ_STR(header(&r, "Allow", h, sizeof h), "GET, HEAD");
    request("127.0.0.1", port, "DELETE /nope HTTP/1.0\r\n\r\n", &r);
    CHECK_EQ_INT(r.status, 405);
    CHECK_EQ_INT(renders, 3); /* GET, GET with a query, HEAD */

    http_server_destroy(s);
    /* Nothing listens any more. */
    request("127.0.0.1", port, "GET /healthz HTTP/1.0\r\n\r\n", &r);
    CHECK_EQ_INT(r.status, -1);
    http_server_destroy(NULL);
}

/* Local address of the TCP socket listening on port, from /proc/net/tcp, as
 * the kernel prints it (hex, network byte order), or "" when none. */
static const char *listen_addr4(int port, char *out, size_t size) {
    FILE *f = fopen("/proc/net/tcp", "r");
    char line[512], want[8];
    snprintf(want, sizeof want, ":%04X", port);
    out[0] = '\0';
    while (f && fgets(line, sizeof line, f)) {
        char local[64], remote[64], state[8];
        if (sscanf(line, "%*d: %63s %63s %7s", local, remote, state) == 3 &&
            !strcmp(state, "0A") && strstr(local, want) && !strcmp(strchr(local, ':'), want))
            snprintf(out, size, "%.*s", (int)(strchr(local, ':') - local), local);
    }
    if (f) fclose(f);
    return out;
}

static void test_loopback_default(void) {
    static const char *const loopback_forms[] = {"0", ":0", "localhost:0", "127.0.0.1:0"};
    char err[256], a[64];
    for (size_t i = 0; i < sizeof loopback_forms / sizeof loopback_forms[0]; i++) {
        http_server_t *s = http_server_new(loopback_forms[i], render, "x", err, sizeof err);
        CHECK(s != NULL);
        if (!s) continue;
        CHECK_EQ_STR(listen_addr4(http_server_port(s), a, sizeof a), "0100007F");
        http_server_destroy(s);
    }
    http_server_t *s = http_server_new("0.0.0.0:0", render, "x", err, sizeof err);
    CHECK(s != NULL);
    if (s) {
        CHECK_EQ_STR(listen_addr4(http_server_port(s), a, sizeof a), "00000000");
        http_server_destroy(s);
    }
}

static void test_ipv6(void) {
    char err[256];
    resp_t r;
    http_server_t *s = http_server_new("[::1]:0", render, "v6", err, sizeof err);
    if (!s) { /* no IPv6 on this machine: the message must still say why */
        printf("  (IPv6 loopback unavailable: %s)\n", err);
        CHECK(strncmp(err, "--http [::1]:0: ", 24) == 0);
        return;
    }
    request("::1", http_server_port(s), "GET /metrics HTTP/1.0\r\n\r\n", &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK(strstr(r.body, "kmig_up{who=\"v6\"} 1\n") != NULL);
    http_server_destroy(s);
}

static void test_bad_addresses(void) {
    static const char *const bad[] = {
        "",           "nohost:1",      "example.com:9100", "127.0.0.1:99999", "127.0.0.1:-1",
        "127.0.0.1:", "127.0.0.1:9x",  " 9100",            "+9100",           "9100 ",
        "::1:9100",   "[::1]",         "[::1]9100",        "[127.0.0.1]:0",   "1.2.3.4.5:0",
        "[::1:0",     "localhost:http", ":",               "1:2:3",           "000000009100",
    };
    char err[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        http_server_t *s = http_server_new(bad[i], render, NULL, err, sizeof err);
        CHECK(s == NULL);
        http_server_destroy(s);
        char prefix[64];
        snprintf(prefix, sizeof prefix, "--http %s: ", bad[i]);
        if (strncmp(err, prefix, strlen(prefix)) != 0)
            fprintf(stderr, "  %s -> %s\n", bad[i], err);
        CHECK(strncmp(err, prefix, strlen(prefix)) == 0);
    }
    http_server_new("127.0.0.1:70000", render, NULL, err, sizeof err);
    CHECK(strstr(err, "from 0 to 65535") != NULL);
    http_server_new("nohost:1", render, NULL, err, sizeof err);
    CHECK(strstr(err, "IPv4") != NULL);
    http_server_new("::1:9100", render, NULL, err, sizeof err);
    CHECK(strstr(err, "[ADDR]:PORT") != NULL);
}

static void test_bind_errors(void) {
    char err[256], addr[64];
    http_server_t *s = http_server_new("127.0.0.1:0", render, NULL, err, sizeof err);
    CHECK(s != NULL);
    if (!s) return;
    snprintf(addr, sizeof addr, "127.0.0.1:%d", http_server_port(s));
    CHECK(http_server_new(addr, render, NULL, err, sizeof err) == NULL);
    char want[128];
    snprintf(want, sizeof want, "--http %s: bind failed: Address already in use", addr);
    CHECK_EQ_STR(err, want);
    http_server_destroy(s);
    if (geteuid() != 0) { /* root may bind low ports */
        CHECK(http_server_new("127.0.0.1:9", render, NULL, err, sizeof err) == NULL);
        CHECK_EQ_STR(err, "--http 127.0.0.1:9: bind failed: Permission denied");
    }
}

static int count_fds(void) {
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    while (d && readdir(d)) n++;
    if (d) closedir(d);
    return n;
}

/* Starting and stopping leaves no descriptor behind (the listening socket is
 * closed by destroy, and by new on a bind error). */
static void test_no_fd_leak(void) {
    char err[256], addr[64];
    resp_t r;
    int before = count_fds();
    for (int i = 0; i < 20; i++) {
        http_server_t *s = http_server_new("0", render, "x", err, sizeof err);
        CHECK(s != NULL);
        if (!s) break;
        request("127.0.0.1", http_server_port(s), "GET /healthz HTTP/1.0\r\n\r\n", &r);
        snprintf(addr, sizeof addr, "%d", http_server_port(s));
        CHECK(http_server_new(addr, render, NULL, err, sizeof err) == NULL); /* in use */
        http_server_destroy(s);
    }
    CHECK_EQ_INT(count_fds(), before);
}

UNIT_MAIN(UNIT_TEST(test_routes), UNIT_TEST(test_loopback_default), UNIT_TEST(test_ipv6),
          UNIT_TEST(test_bad_addresses), UNIT_TEST(test_bind_errors), UNIT_TEST(test_no_fd_leak))

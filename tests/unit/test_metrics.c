/* Prometheus text output and the /metrics endpoint, with a plain socket client. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics/http.h"
#include "metrics/prom.h"
#include "unit.h"

static void test_prom_format(void) {
    sbuf_t b = {0};
    prom_family(&b, "kmig_x_total", "counter", "Help with \\ and\nnewline.");
    const char *labels[] = {"topic", "a\"b\\c\nd", "partition", "3", NULL};
    prom_sample_i64(&b, "kmig_x_total", labels, 9007199254740993LL);
    prom_sample(&b, "kmig_y", NULL, 2.5);
    prom_sample(&b, "kmig_y", NULL, 42);
    prom_sample(&b, "kmig_y", NULL, 0.0 / 0.0);
    prom_sample(&b, "kmig_y", NULL, -1.0 / 0.0);
    CHECK_EQ_STR(sbuf_str(&b),
                 "# HELP kmig_x_total Help with \\\\ and\\nnewline.\n"
                 "# TYPE kmig_x_total counter\n"
                 "kmig_x_total{topic=\"a\\\"b\\\\c\\nd\",partition=\"3\"} 9007199254740993\n"
                 "kmig_y 2.5\nkmig_y 42\nkmig_y NaN\nkmig_y -Inf\n");
    sbuf_free(&b);
    CHECK(prom_name_valid("kmig_mirror_record_count_total"));
    CHECK(prom_name_valid("a:b"));
    CHECK(!prom_name_valid("9x"));
    CHECK(!prom_name_valid("a-b"));
    CHECK(!prom_name_valid(""));
}

static void render(void *opaque, sbuf_t *out) {
    (void)opaque;
    prom_sample_i64(out, "kmig_up", NULL, 1);
}

static void get(int port, const char *req, char *resp, size_t size) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    resp[0] = '\0';
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
        if (write(fd, req, strlen(req)) < 0) { /* the read below then fails */
        }
        size_t n = 0;
        ssize_t r;
        while (n + 1 < size && (r = read(fd, resp + n, size - n - 1)) > 0) n += (size_t)r;
        resp[n] = '\0';
    }
    close(fd);
}

static void test_http_endpoint(void) {
    char err[256], resp[4096];
    http_server_t *s = http_server_new("0", render, NULL, err, sizeof err);
    CHECK(s != NULL);
    if (!s) return;
    int port = http_server_port(s);
    CHECK(port > 0);
    get(port, "GET /metrics HTTP/1.0\r\n\r\n", resp, sizeof resp);
    CHECK(strstr(resp, " 200 OK") != NULL);
    CHECK(strstr(resp, "text/plain; version=0.0.4") != NULL);
    CHECK(strstr(resp, "\r\n\r\nkmig_up 1\n") != NULL);
    get(port, "GET /healthz HTTP/1.0\r\n\r\n", resp, sizeof resp);
    CHECK(strstr(resp, " 200 ") != NULL && strstr(resp, "\r\n\r\nok\n") != NULL);
    get(port, "GET /nope HTTP/1.0\r\n\r\n", resp, sizeof resp);
    CHECK(strstr(resp, " 404 ") != NULL);
    get(port, "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n", resp, sizeof resp);
    CHECK(strstr(resp, " 405 ") != NULL);
    http_server_destroy(s);
    http_server_destroy(NULL);
}

static void test_http_addresses(void) {
    char err[256];
    http_server_t *s = http_server_new("localhost:0", render, NULL, err, sizeof err);
    CHECK(s != NULL);
    http_server_destroy(s);
    s = http_server_new("[::1]:0", render, NULL, err, sizeof err);
    http_server_destroy(s); /* IPv6 may be off on the machine: only must not crash */
    CHECK(http_server_new("nohost:1", render, NULL, err, sizeof err) == NULL);
    CHECK(strstr(err, "--metrics-addr nohost:1") != NULL);
    CHECK(http_server_new("127.0.0.1:99999", render, NULL, err, sizeof err) == NULL);
    CHECK(http_server_new("", render, NULL, err, sizeof err) == NULL);
}

UNIT_MAIN(UNIT_TEST(test_prom_format), UNIT_TEST(test_http_endpoint), UNIT_TEST(test_http_addresses))

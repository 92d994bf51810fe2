/* zk_offsets: the parser of an offset znode's data, and the checks
 * zk_offsets_read makes before (and without) reaching a ZooKeeper server. */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "unit.h"
#include "zk/zk_offsets.h"

static int parse(const char *s, int64_t *v) { return zk_offset_parse(s, (int)strlen(s), v); }

static void test_parse_valid(void) {
    int64_t v = -5;
    CHECK_EQ_INT(0, parse("0", &v));
    CHECK_EQ_INT(0, v);
    CHECK_EQ_INT(0, parse("286894308", &v));
    CHECK_EQ_INT(286894308, v);
    CHECK_EQ_INT(0, parse("007", &v));
    CHECK_EQ_INT(7, v);
    CHECK_EQ_INT(0, parse("9223372036854775807", &v));
    CHECK(v == INT64_MAX);
    /* hand-written nodes often end with a newline */
    CHECK_EQ_INT(0, parse(" 42\n", &v));
    CHECK_EQ_INT(42, v);
    /* the data is not NUL-terminated: only len bytes count */
    CHECK_EQ_INT(0, zk_offset_parse("123456", 3, &v));
    CHECK_EQ_INT(123, v);
}

static void test_parse_malformed(void) {
    int64_t v = 99;
    const char *bad[] = {"", " ", "\n", "-1", "+5", "12a", "a12", "1 2", "1.5", "0x10",
                         "9223372036854775808", "99999999999999999999",
                         "\xef\xbc\x91" /* a full-width digit one */};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (parse(bad[i], &v) != -1) fprintf(stderr, "  accepted '%s'\n", bad[i]);
        CHECK_EQ_INT(-1, parse(bad[i], &v));
    }
    CHECK_EQ_INT(99, v); /* untouched on failure */
    CHECK_EQ_INT(-1, zk_offset_parse(NULL, -1, &v));
    CHECK_EQ_INT(-1, zk_offset_parse("12\0" "3", 4, &v)); /* embedded NUL */
}

static void test_clear(void) {
    zk_offsets_t o = {0};
    zk_offsets_clear(&o);
    zk_offsets_clear(NULL);
    CHECK(o.v == NULL);
    CHECK_EQ_INT(0, o.n);
}

static void test_read_checks_arguments(void) {
    zk_offsets_t o = {0};
    char err[256];
    const char *slash[] = {"ok", "a/b", NULL};
    const char *empty[] = {"", NULL};
    CHECK_EQ_INT(-1, zk_offsets_read("", NULL, 1000, &o, err, sizeof err));
    CHECK(strstr(err, "no ZooKeeper address") != NULL);
    CHECK_EQ_INT(-1, zk_offsets_read("127.0.0.1:1", NULL, 0, &o, err, sizeof err));
    CHECK(strstr(err, "timeout") != NULL);
    CHECK_EQ_INT(-1, zk_offsets_read("127.0.0.1:1", slash, 1000, &o, err, sizeof err));
    CHECK_EQ_STR("group name 'a/b' cannot be a ZooKeeper node name", err);
    CHECK_EQ_INT(-1, zk_offsets_read("127.0.0.1:1", empty, 1000, &o, err, sizeof err));
    CHECK(strstr(err, "group name ''") != NULL);
    CHECK_EQ_INT(0, o.n);
}

/* A port nothing listens on: bound, never listening, so no one else takes it. */
static void test_read_unreachable(void) {
    zk_offsets_t o = {0};
    char err[256], connect[64];
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    CHECK_EQ_INT(0, bind(fd, (struct sockaddr *)&a, sizeof a));
    CHECK_EQ_INT(0, getsockname(fd, (struct sockaddr *)&a, &alen));
    snprintf(connect, sizeof connect, "127.0.0.1:%d/chroot", ntohs(a.sin_port));
    CHECK_EQ_INT(-1, zk_offsets_read(connect, NULL, 300, &o, err, sizeof err));
    CHECK(strstr(err, connect) != NULL);
    CHECK(strstr(err, "no connection within 300 ms") != NULL);
    CHECK_EQ_INT(0, o.n);
    close(fd);
}

UNIT_MAIN(UNIT_TEST(test_parse_valid), UNIT_TEST(test_parse_malformed), UNIT_TEST(test_clear),
          UNIT_TEST(test_read_checks_arguments), UNIT_TEST(test_read_unreachable))

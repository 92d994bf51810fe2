/* Unit tests for core/fileio: a file read whole, a missing file (1, no
 * error), an empty file (an empty, NUL-terminated text), a file over the bound
 * (-1 naming the bound, the buffer wiped and freed). */
#include "core/fileio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

static char *temp_file(const char *text) {
    char *path = strdup("/tmp/kmig-test-fileio-XXXXXX");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    size_t n = strlen(text);
    CHECK(write(fd, text, n) == (ssize_t)n);
    close(fd);
    return path;
}

static void test_read(void) {
    char *path = temp_file("a = 1\nb = 2\n");
    sbuf_t b = {0};
    char err[256] = "";
    CHECK_EQ_INT(fileio_read(path, 100, &b, err, sizeof err), 0);
    CHECK_EQ_STR(b.s, "a = 1\nb = 2\n");
    CHECK_EQ_INT(b.len, 12);
    fileio_wipe(&b);
    CHECK(b.s == NULL);
    unlink(path);
    free(path);
}

static void test_missing_and_empty(void) {
    sbuf_t b = {0};
    char err[256] = "";
    CHECK_EQ_INT(fileio_read("/nonexistent/kmig-fileio", 100, &b, err, sizeof err), 1);
    CHECK_EQ_STR(err, "");
    char *path = temp_file("");
    CHECK_EQ_INT(fileio_read(path, 100, &b, err, sizeof err), 0);
    CHECK(b.s != NULL);
    CHECK_EQ_STR(b.s, "");
    sbuf_free(&b);
    unlink(path);
    free(path);
}

static void test_too_large(void) {
    char *path = temp_file("0123456789abcdef");
    sbuf_t b = {0};
    char err[256] = "";
    CHECK_EQ_INT(fileio_read(path, 10, &b, err, sizeof err), -1);
    CHECK(strstr(err, "larger than 10 bytes") != NULL);
    CHECK(b.s == NULL && b.len == 0);
    unlink(path);
    free(path);
}

UNIT_MAIN(UNIT_TEST(test_read), UNIT_TEST(test_missing_and_empty), UNIT_TEST(test_too_large))

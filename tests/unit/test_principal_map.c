/* Unit tests of the principal map: literal and regex rules, first match wins,
 * $N references, rule errors and rule files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/principal_map.h"
#include "unit.h"

static principal_map_t *map_of(const char *const *rules, size_t n) {
    principal_map_t *m = principal_map_new();
    char err[256];
    for (size_t i = 0; i < n; i++)
        CHECK_EQ_INT(principal_map_add(m, rules[i], "test", err, sizeof err), 0);
    return m;
}

static void test_literal_and_regex(void) {
    static const char *const rules[] = {
        "User:CN=alice,OU=apps,O=acme -> User:alice",
        "regex:User:CN=([^,]+),OU=(\\w+),.* -> User:$2-${1}",
        "regex:User:(.*)@EXAMPLE\\.COM ->   User:$1$$  ",
    };
    principal_map_t *m = map_of(rules, 3);
    CHECK_EQ_INT(principal_map_count(m), 3);
    char out[64];
    CHECK_EQ_STR(principal_map_apply(m, "User:CN=alice,OU=apps,O=acme", out, sizeof out),
                 "User:alice");
    /* the literal rule comes first; the regex takes the others */
    CHECK_EQ_STR(principal_map_apply(m, "User:CN=bob,OU=ops,O=acme", out, sizeof out),
                 "User:ops-bob");
    CHECK_EQ_STR(principal_map_apply(m, "User:carol@EXAMPLE.COM", out, sizeof out),
                 "User:carol$");
    /* the regex must match the whole principal */
    const char *p = "User:CN=dave";
    CHECK(principal_map_apply(m, p, out, sizeof out) == p);
    p = "User:x@EXAMPLE.COM.evil";
    CHECK(principal_map_apply(m, p, out, sizeof out) == p);
    /* a result that does not fit is not used */
    char small[8] = "untouch";
    p = "User:CN=alice,OU=apps,O=acme";
    CHECK(principal_map_apply(m, p, small, sizeof small) == p);
    CHECK_EQ_STR(small, "untouch");
    /* no map: unchanged */
    CHECK(principal_map_apply(NULL, p, out, sizeof out) == p);
    principal_map_destroy(m);
    principal_map_destroy(NULL);
}

static void test_bad_rules(void) {
    principal_map_t *m = principal_map_new();
    char err[256];
    CHECK_EQ_INT(principal_map_add(m, "User:a->User:b", "--map-principal", err, sizeof err), -1);
    CHECK(strstr(err, "--map-principal: ") == err);
    CHECK(strstr(err, "FROM -> TO") != NULL);
    CHECK_EQ_INT(principal_map_add(m, "User:a -> ", "x", err, sizeof err), -1);
    CHECK_EQ_INT(principal_map_add(m, "User:a -> alice", "x", err, sizeof err), -1);
    CHECK(strstr(err, "User:name") != NULL);
    CHECK_EQ_INT(principal_map_add(m, "regex:User:(a -> User:$1", "map.txt:3", err, sizeof err),
                 -1);
    CHECK(strstr(err, "map.txt:3: bad regular expression") == err);
    CHECK_EQ_INT(principal_map_add(m, "regex:User:(a) -> User:$2", "x", err, sizeof err), -1);
    CHECK(strstr(err, "group") != NULL);
    CHECK_EQ_INT(principal_map_add(m, "regex:User:(a) -> User:${1", "x", err, sizeof err), -1);
    CHECK_EQ_INT(principal_map_add(m, "regex:User:(a) -> User:$x", "x", err, sizeof err), -1);
    CHECK_EQ_INT(principal_map_count(m), 0);
    principal_map_destroy(m);
}

static void test_load(void) {
    char path[] = "/tmp/kmig-test-principal-map-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# certificate DNs to SCRAM users\n\n"
          "User:CN=alice,O=acme -> User:alice\r\n"
          "  regex:User:CN=(\\w+),O=acme -> User:$1\n",
          f);
    fclose(f);
    principal_map_t *m = principal_map_new();
    char err[256], out[64];
    CHECK_EQ_INT(principal_map_load(m, path, err, sizeof err), 0);
    CHECK_EQ_INT(principal_map_count(m), 2);
    CHECK_EQ_STR(principal_map_apply(m, "User:CN=bob,O=acme", out, sizeof out), "User:bob");

    f = fopen(path, "a");
    fputs("User:x => User:y\n", f);
    fclose(f);
    CHECK_EQ_INT(principal_map_load(m, path, err, sizeof err), -1);
    char want[128];
    snprintf(want, sizeof want, "%s:5: ", path);
    CHECK(strstr(err, want) == err);
    remove(path);
    CHECK_EQ_INT(principal_map_load(m, path, err, sizeof err), -1);
    CHECK(strstr(err, path) == err);
    principal_map_destroy(m);
}

UNIT_MAIN(UNIT_TEST(test_literal_and_regex), UNIT_TEST(test_bad_rules), UNIT_TEST(test_load))

/* Unit tests of the MM2-style include/exclude name filter and the list of
 * internal topics. */
#include <stdbool.h>

#include "mirror/name_filter.h"
#include "unit.h"

#define TOPICS_EXCLUDE_DEFAULT ".*[\\-\\.]internal, .*\\.replica, __.*"
#define GROUPS_EXCLUDE_DEFAULT "console-consumer-.*, connect-.*, __.*"

/* Builds a filter that must compile. */
static name_filter_t *filter(const char *include, const char *exclude) {
    char err[256] = "";
    name_filter_t *f = name_filter_new(include, exclude, err, sizeof err);
    if (!f) fprintf(stderr, "  unexpected error: %s\n", err);
    CHECK(f != NULL);
    return f;
}

static void test_mm2_default_topic_excludes(void) {
    name_filter_t *f = filter(".*", TOPICS_EXCLUDE_DEFAULT);
    if (!f) return;
    CHECK(name_filter_match(f, "orders"));
    CHECK(name_filter_match(f, "A.orders"));
    CHECK(!name_filter_match(f, "connect-configs.internal"));
    CHECK(!name_filter_match(f, "connect-status-internal"));
    CHECK(!name_filter_match(f, "orders.replica"));
    CHECK(!name_filter_match(f, "__consumer_offsets"));
    CHECK(name_filter_match(f, "ordersXinternal"));  /* [\-\.] is '-' or '.' */
    CHECK(name_filter_match(f, "orders.replica2"));  /* whole name must match */
    CHECK(name_filter_match(f, "_single_underscore"));
    name_filter_destroy(f);
}

static void test_mm2_default_group_excludes(void) {
    name_filter_t *f = filter(".*", GROUPS_EXCLUDE_DEFAULT);
    if (!f) return;
    CHECK(name_filter_match(f, "billing"));
    CHECK(!name_filter_match(f, "console-consumer-12345"));
    CHECK(!name_filter_match(f, "connect-mm2"));
    CHECK(!name_filter_match(f, "__kmig"));
    CHECK(name_filter_match(f, "my-connect-app"));
    name_filter_destroy(f);
}

static void test_whole_name_match(void) {
    name_filter_t *f = filter("orders, logs\\..*", "");
    if (!f) return;
    CHECK(name_filter_match(f, "orders"));
    CHECK(!name_filter_match(f, "orders2"));
    CHECK(!name_filter_match(f, "my-orders"));
    CHECK(name_filter_match(f, "logs.app"));
    CHECK(!name_filter_match(f, "logs"));
    CHECK(!name_filter_match(f, "logsXapp"));
    name_filter_destroy(f);

    /* matches() tries every alternative against the whole name */
    f = filter("a|ab, x(y|yz)", NULL);
    if (!f) return;
    CHECK(name_filter_match(f, "a"));
    CHECK(name_filter_match(f, "ab"));
    CHECK(name_filter_match(f, "xyz"));
    CHECK(!name_filter_match(f, "abc"));
    name_filter_destroy(f);
}

static void test_java_syntax(void) {
    name_filter_t *f = filter("(?i)ORDERS, \\Qa.b\\E, t[0-9]{2}, caf.", NULL);
    if (!f) return;
    CHECK(name_filter_match(f, "orders"));
    CHECK(name_filter_match(f, "Orders"));
    CHECK(name_filter_match(f, "a.b"));
    CHECK(!name_filter_match(f, "axb"));
    CHECK(name_filter_match(f, "t42"));
    CHECK(!name_filter_match(f, "t4"));
    CHECK(name_filter_match(f, "caf\xc3\xa9")); /* '.' is one character, as in Java */
    CHECK(!name_filter_match(f, "caf\xff"));     /* invalid UTF-8: no match, no error */
    name_filter_destroy(f);
}

static void test_list_whitespace_and_empty_items(void) {
    name_filter_t *f = filter("  orders ,payments\t,, \n logs.* ,", " logs-debug ");
    if (!f) return;
    CHECK(name_filter_match(f, "orders"));
    CHECK(name_filter_match(f, "payments"));
    CHECK(name_filter_match(f, "logs-app"));
    CHECK(!name_filter_match(f, "logs-debug"));
    CHECK(!name_filter_match(f, " orders"));
    name_filter_destroy(f);
}

static void test_empty_lists(void) {
    /* an empty include list selects nothing; an empty exclude list excludes nothing */
    const char *empties[] = {NULL, "", "  ", " , ,"};
    for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
        name_filter_t *f = filter(empties[i], "");
        if (!f) return;
        CHECK(!name_filter_match(f, "orders"));
        name_filter_destroy(f);
        f = filter(".*", empties[i]);
        if (!f) return;
        CHECK(name_filter_match(f, "orders"));
        CHECK(name_filter_match(f, "__consumer_offsets"));
        name_filter_destroy(f);
    }
}

static void test_invalid_regex(void) {
    char err[512] = "";
    CHECK(name_filter_new("orders, pay[ments", NULL, err, sizeof err) == NULL);
    CHECK(strstr(err, "\"pay[ments\"") != NULL);
    CHECK(strstr(err, "in list \"orders, pay[ments\"") != NULL);
    CHECK(strstr(err, "missing terminating ]") != NULL);
    CHECK(strstr(err, "at offset 9") != NULL);

    err[0] = '\0';
    CHECK(name_filter_new(".*", "a|b(, c, d", err, sizeof err) == NULL);
    CHECK(strstr(err, "\"a|b(\"") != NULL); /* the item that is wrong on its own */
    CHECK(strstr(err, "missing closing parenthesis") != NULL);

    /* items wrong only together: the joined pattern is named */
    err[0] = '\0';
    CHECK(name_filter_new("(?<n>a), (?<n>b)", NULL, err, sizeof err) == NULL);
    CHECK(strstr(err, "\"(?<n>a)|(?<n>b)\"") != NULL);

    /* items that are only valid together, as in MM2 */
    name_filter_t *f = filter("x, (a, b)", NULL);
    if (f) CHECK(name_filter_match(f, "b"));
    name_filter_destroy(f);

    err[0] = '\0';
    CHECK(name_filter_new("*orders", ".*", err, sizeof err) == NULL);
    CHECK(strstr(err, "\"*orders\"") != NULL);
    CHECK(strstr(err, "at offset 0") != NULL);
    name_filter_destroy(NULL);
}

static void test_topic_is_internal(void) {
    static const char *const internal[] = {
        "__consumer_offsets", "__transaction_state", ".hidden", "connect-offsets-internal",
        "foo.internal", "mm2-offset-syncs.B.internal", "A.checkpoints.internal",
        "mm2-configs.A.internal", "mm2-offsets.A.internal", "mm2-status.A.internal",
        "mm2-status.A", "mm2-offset-syncs.B", "kmig-offset-map.A.internal",
    };
    static const char *const user[] = {
        "orders", "heartbeats", "A.heartbeats", "internal", "internal-orders", "_orders",
        "ordersinternal", "orders_internal", "mm2-other.A", "A.orders.replica",
    };
    for (size_t i = 0; i < sizeof internal / sizeof internal[0]; i++) {
        if (!name_filter_topic_is_internal(internal[i], NULL) ||
            !name_filter_topic_is_internal(internal[i], "_")) {
            fprintf(stderr, "  \"%s\" not internal\n", internal[i]);
            CHECK(0);
        }
    }
    for (size_t i = 0; i < sizeof user / sizeof user[0]; i++) {
        if (name_filter_topic_is_internal(user[i], ".")) {
            fprintf(stderr, "  \"%s\" internal\n", user[i]);
            CHECK(0);
        }
    }
    /* a custom separator names MM2's internal topics with it */
    CHECK(name_filter_topic_is_internal("orders_internal", "_"));
    CHECK(name_filter_topic_is_internal("mm2-offset-syncs__B__internal", "__"));
    CHECK(name_filter_topic_is_internal("A__checkpoints__internal", "__"));
    CHECK(!name_filter_topic_is_internal("A_internal", "__"));
}

UNIT_MAIN(UNIT_TEST(test_mm2_default_topic_excludes), UNIT_TEST(test_mm2_default_group_excludes),
          UNIT_TEST(test_whole_name_match), UNIT_TEST(test_java_syntax),
          UNIT_TEST(test_list_whitespace_and_empty_items), UNIT_TEST(test_empty_lists),
          UNIT_TEST(test_invalid_regex), UNIT_TEST(test_topic_is_internal))

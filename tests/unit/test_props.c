/* Unit tests for config/props: java.util.Properties.load() syntax, origins,
 * duplicates and errors. Expected values were checked against Java 17's
 * Properties.load(Reader). */
#include "config/props.h"

#include <stdlib.h>

#include "unit.h"

static props_t *load(const char *text) {
    props_t *p = props_new();
    char err[256] = "";
    int rc = props_load_string(p, "t.properties", text, err, sizeof err);
    CHECK_EQ_INT(rc, 0);
    if (rc) fprintf(stderr, "  load error: %s\n", err);
    return p;
}

static const char *value(props_t *p, const char *key) {
    props_entry_t *e = props_get(p, key);
    return e ? e->value : NULL;
}

static const char *origin(props_t *p, const char *key) {
    props_entry_t *e = props_get(p, key);
    return e ? e->origin : NULL;
}

static void test_separators(void) {
    props_t *p = load("a=1\n"
                      "b = 2\n"
                      "c:3\n"
                      "d : 4\n"
                      "e 5\n"
                      "f\t6\n"
                      "g\f7\n"
                      "h    =    8\n"
                      "i==9\n"
                      "j = = 10\n"
                      "k  :  : 11\n"
                      "l = host:9092\n"
                      "=no key\n");
    CHECK_EQ_STR(value(p, "a"), "1");
    CHECK_EQ_STR(value(p, "b"), "2");
    CHECK_EQ_STR(value(p, "c"), "3");
    CHECK_EQ_STR(value(p, "d"), "4");
    CHECK_EQ_STR(value(p, "e"), "5");
    CHECK_EQ_STR(value(p, "f"), "6");
    CHECK_EQ_STR(value(p, "g"), "7");
    CHECK_EQ_STR(value(p, "h"), "8");
    CHECK_EQ_STR(value(p, "i"), "=9");
    CHECK_EQ_STR(value(p, "j"), "= 10");
    CHECK_EQ_STR(value(p, "k"), ": 11");
    CHECK_EQ_STR(value(p, "l"), "host:9092");
    CHECK_EQ_STR(value(p, ""), "no key");
    CHECK_EQ_INT(props_count(p), 13);
    props_destroy(p);
}

static void test_whitespace_and_empty_values(void) {
    props_t *p = load("   lead = value with trailing spaces   \n"
                      "\t\ttabbed=x\n"
                      "empty =\n"
                      "novalue\n"
                      "spaces.only =    \n");
    CHECK_EQ_STR(value(p, "lead"), "value with trailing spaces   ");
    CHECK_EQ_STR(value(p, "tabbed"), "x");
    CHECK_EQ_STR(value(p, "empty"), "");
    CHECK_EQ_STR(value(p, "novalue"), "");
    CHECK_EQ_STR(value(p, "spaces.only"), "");
    props_destroy(p);
}

static void test_comments(void) {
    props_t *p = load("# a = 1\n"
                      "! b = 2\n"
                      "   # indented\n"
                      "\t! indented bang\n"
                      "c = 3 # not a comment\n"
                      "\\#d = 4\n"
                      "e\\!x = 5\n"
                      "# a comment ending in a backslash does not continue \\\n"
                      "f = 6\n");
    CHECK_EQ_INT(props_count(p), 4);
    CHECK_EQ_STR(value(p, "c"), "3 # not a comment");
    CHECK_EQ_STR(value(p, "#d"), "4");
    CHECK_EQ_STR(value(p, "e!x"), "5");
    CHECK_EQ_STR(value(p, "f"), "6");
    CHECK(props_get(p, "a") == NULL);
    props_destroy(p);
}

static void test_continuation(void) {
    props_t *p = load("multi = first, \\\n"
                      "        second, \\\n"
                      "\t\tthird\n"
                      "key\\\n"
                      "  .continued = yes\n"
                      "hash = x\\\n"
                      "    # not a comment\n"
                      "crlf = one\\\r\n"
                      "   two\r\n"
                      "cr = three\\\r"
                      "four\r"
                      "empty.next = a\\\n"
                      "\n"
                      "after = 1\n"
                      "odd = a\\\\\\\n"
                      "  b\n"
                      "even = c\\\\\n"
                      "  d = 2\n");
    CHECK_EQ_STR(value(p, "multi"), "first, second, third");
    CHECK_EQ_STR(value(p, "key.continued"), "yes");
    CHECK_EQ_STR(value(p, "hash"), "x# not a comment");
    CHECK_EQ_STR(value(p, "crlf"), "onetwo");
    CHECK_EQ_STR(value(p, "cr"), "threefour");
    CHECK_EQ_STR(value(p, "empty.next"), "a");
    CHECK_EQ_STR(value(p, "after"), "1");
    CHECK_EQ_STR(value(p, "odd"), "a\\b");
    CHECK_EQ_STR(value(p, "even"), "c\\");
    CHECK_EQ_STR(value(p, "d"), "2");
    props_destroy(p);
}

static void test_trailing_backslash(void) {
    props_t *p = load("a = x\\");
    CHECK_EQ_STR(value(p, "a"), "x");
    props_destroy(p);
    p = load("b = y\\\\");
    CHECK_EQ_STR(value(p, "b"), "y\\");
    props_destroy(p);
    /* Java quirk: a continuation at the very end still ends the line. */
    p = load("c = z\\\n");
    CHECK_EQ_STR(value(p, "c"), "z");
    props_destroy(p);
}

static void test_escapes(void) {
    props_t *p = load("esc = tab\\there\\nnl\\\\bs\\rcr\\fff\\q\\\"\n"
                      "key\\ with\\ spaces = 1\n"
                      "key\\:colon = 2\n"
                      "key\\=equals = 3\n"
                      "lead = \\ \\ two spaces\n"
                      "uni = caf\\u00e9 \\u20AC \\u0041\n"
                      "emoji = \\uD83D\\uDE00\n"
                      "lone = a\\uD83Db \\uDE00\n"
                      "\\u006beyesc = 4\n");
    CHECK_EQ_STR(value(p, "esc"), "tab\there\nnl\\bs\rcr\fffq\"");
    CHECK_EQ_STR(value(p, "key with spaces"), "1");
    CHECK_EQ_STR(value(p, "key:colon"), "2");
    CHECK_EQ_STR(value(p, "key=equals"), "3");
    CHECK_EQ_STR(value(p, "lead"), "  two spaces");
    CHECK_EQ_STR(value(p, "uni"), "caf\xC3\xA9 \xE2\x82\xAC A");
    CHECK_EQ_STR(value(p, "emoji"), "\xF0\x9F\x98\x80");
    CHECK_EQ_STR(value(p, "lone"), "a?b ?");
    CHECK_EQ_STR(value(p, "keyesc"), "4");
    props_destroy(p);
}

static void test_raw_bytes_and_bom(void) {
    props_t *p = load("\xEF\xBB\xBF" "first = na\xC3\xAFve\n");
    CHECK_EQ_STR(value(p, "first"), "na\xC3\xAFve");
    CHECK_EQ_INT(props_count(p), 1);
    props_destroy(p);
}

static void test_origins(void) {
    props_t *p = load("# header\n"
                      "\n"
                      "a = 1\n"
                      "b = x, \\\n"
                      "    y\n"
                      "c = 3\r\n"
                      "\r\n"
                      "d = 4\r"
                      "e = 5\n");
    CHECK_EQ_STR(origin(p, "a"), "t.properties:3");
    CHECK_EQ_STR(origin(p, "b"), "t.properties:4");
    CHECK_EQ_STR(origin(p, "c"), "t.properties:6");
    CHECK_EQ_STR(origin(p, "d"), "t.properties:8");
    CHECK_EQ_STR(origin(p, "e"), "t.properties:9");
    props_destroy(p);
}

static void test_duplicates_and_order(void) {
    props_t *p = load("x = 1\n"
                      "y = 2\n"
                      "x = 3\n"
                      "z = 4\n");
    props_entry_t *y = props_get(p, "y");
    CHECK_EQ_INT(props_count(p), 3);
    CHECK_EQ_STR(props_at(p, 0)->key, "y");
    CHECK_EQ_STR(props_at(p, 1)->key, "x");
    CHECK_EQ_STR(props_at(p, 1)->value, "3");
    CHECK_EQ_STR(props_at(p, 1)->origin, "t.properties:3");
    CHECK_EQ_STR(props_at(p, 2)->key, "z");
    CHECK(props_at(p, 3) == NULL);

    /* A command-line override replaces the entry; older pointers stay valid. */
    props_set(p, "y", "override", "--y");
    CHECK_EQ_STR(y->value, "2");
    CHECK_EQ_STR(value(p, "y"), "override");
    CHECK_EQ_STR(origin(p, "y"), "--y");
    CHECK_EQ_INT(props_count(p), 3);
    CHECK_EQ_STR(props_at(p, 2)->key, "y");

    /* A second file adds to and overrides the first. */
    char err[128];
    CHECK_EQ_INT(props_load_string(p, "u.properties", "z = 5\nw = 6\n", err, sizeof err), 0);
    CHECK_EQ_STR(value(p, "z"), "5");
    CHECK_EQ_STR(origin(p, "w"), "u.properties:2");
    CHECK_EQ_INT(props_count(p), 4);
    props_destroy(p);
}

static void test_used(void) {
    props_t *p = load("a = 1\nb = 2\n");
    CHECK(!props_at(p, 0)->used);
    CHECK(props_get(p, "a")->used);
    CHECK(!props_at(p, 1)->used);
    CHECK(props_get(p, "missing") == NULL);
    props_destroy(p);
}

static void test_errors(void) {
    props_t *p = props_new();
    char err[256];
    CHECK_EQ_INT(props_load_string(p, "bad.properties", "ok = 1\n\nx = \\u12G4\n", err, sizeof err),
                 -1);
    CHECK(strstr(err, "bad.properties:3: ") == err);
    CHECK(strstr(err, "\\uXXXX") != NULL);
    CHECK(strstr(err, "'x'") != NULL);
    CHECK_EQ_INT(props_count(p), 0); /* nothing from a file that failed */

    CHECK_EQ_INT(
        props_load_string(p, "bad.properties", "a = 1\nb = \\\n  2\\u12", err, sizeof err), -1);
    CHECK(strstr(err, "bad.properties:2: ") == err);
    CHECK_EQ_INT(props_load_string(p, "bad.properties", "k\\uzzzz = 1\n", err, sizeof err), -1);
    CHECK(strstr(err, "bad.properties:1: ") == err);
    CHECK(strstr(err, "in a key") != NULL);
    CHECK_EQ_INT(props_load_string(p, "bad.properties", "n = a\\u0000b\n", err, sizeof err), -1);
    CHECK(strstr(err, "bad.properties:1: ") == err);

    CHECK_EQ_INT(props_load_file(p, "data/does-not-exist.properties", err, sizeof err), -1);
    CHECK(strstr(err, "data/does-not-exist.properties") != NULL);
    CHECK(strstr(err, "No such file or directory") != NULL);
    CHECK_EQ_INT(props_load_file(p, "data", err, sizeof err), -1);
    CHECK(strstr(err, "Is a directory") != NULL);
    CHECK_EQ_INT(props_count(p), 0);
    props_destroy(p);
}

/* data/java_syntax.properties; the expected values are what Java 17 loads. */
static void test_java_syntax_file(void) {
    props_t *p = props_new();
    char err[256];
    CHECK_EQ_INT(props_load_file(p, "data/java_syntax.properties", err, sizeof err), 0);
    static const char *const expect[][2] = {
        {"#not.a.comment", "v14"},
        {"after.comment", "yes"},
        {"colon", "value3"},
        {"colon.in.value", "host:9092"},
        {"continued.hash", "x# not a comment"},
        {"cr.only", "three"},
        {"crlf.continued", "onetwo"},
        {"double.equals", "=value9"},
        {"dup", "second"},
        {"emoji", "\xF0\x9F\x98\x80"},
        {"empty.value", ""},
        {"equals", "value1"},
        {"escaped#hash", "v13"},
        {"escapes", "tab\there\nnewline\\backslash\rcr\fffq"},
        {"even.backslashes", "c\\"},
        {"formfeed", "value7"},
        {"key with spaces", "v10"},
        {"key:colon", "v11"},
        {"key=equals", "v12"},
        {"last", "no newline at the end"},
        {"multi", "first, second, third"},
        {"no.value", ""},
        {"odd.backslashes", "a\\b"},
        {"raw.utf8", "na\xC3\xAFve"},
        {"spaced", "value2   "},
        {"spaced.colon", "value4"},
        {"tab", "value6"},
        {"unicode", "caf\xC3\xA9 \xE2\x82\xAC"},
        {"whitespace", "value5"},
        {"ws.then.sep", "value8"},
    };
    size_t n = sizeof expect / sizeof expect[0];
    CHECK_EQ_INT(props_count(p), n);
    for (size_t i = 0; i < n; i++) CHECK_EQ_STR(value(p, expect[i][0]), expect[i][1]);
    CHECK_EQ_STR(origin(p, "equals"), "data/java_syntax.properties:6");
    CHECK_EQ_STR(origin(p, "multi"), "data/java_syntax.properties:23");
    CHECK_EQ_STR(origin(p, "dup"), "data/java_syntax.properties:40");
    CHECK_EQ_STR(origin(p, "last"), "data/java_syntax.properties:42");
    props_destroy(p);
}

UNIT_MAIN(UNIT_TEST(test_separators), UNIT_TEST(test_whitespace_and_empty_values),
          UNIT_TEST(test_comments), UNIT_TEST(test_continuation),
          UNIT_TEST(test_trailing_backslash), UNIT_TEST(test_escapes),
          UNIT_TEST(test_raw_bytes_and_bom), UNIT_TEST(test_origins),
          UNIT_TEST(test_duplicates_and_order), UNIT_TEST(test_used), UNIT_TEST(test_errors),
          UNIT_TEST(test_java_syntax_file))

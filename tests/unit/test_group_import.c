/* Imported group offsets: the table and the kafka-consumer-groups CSV reader. */
#include <stdint.h>
#include <stdlib.h>

#include "core/sbuf.h"

#include "offsets/group_import.h"
#include "unit.h"

static const char *write_file(const char *name, const char *text) {
    FILE *f = fopen(name, "w");
    fputs(text, f);
    fclose(f);
    return name;
}

static void free_names(char **n) {
    for (char **p = n; *p; p++) free(*p);
    free(n);
}

static void test_four_columns(void) {
    group_import_t *imp = group_import_new();
    char err[256];
    const char *p = write_file("/tmp/kmig-unit-import4.csv",
                               "# exported\nbilling,orders,0,120\n\nbilling,orders,1,7\n"
                               "fraud,orders,0,0\r\nbilling,orders,0,130\n");
    CHECK_EQ_INT(0, group_import_csv(imp, p, NULL, err, sizeof err));
    CHECK_EQ_INT(130, group_import_get(imp, "billing", "orders", 0)); /* last line wins */
    CHECK_EQ_INT(7, group_import_get(imp, "billing", "orders", 1));
    CHECK_EQ_INT(0, group_import_get(imp, "fraud", "orders", 0));
    CHECK_EQ_INT(-1, group_import_get(imp, "fraud", "orders", 1));
    const char *g, *t;
    int32_t part;
    int64_t off;
    CHECK_EQ_INT(1, group_import_at(imp, 0, &g, &t, &part, &off));
    CHECK_EQ_STR(g, "billing");
    CHECK_EQ_INT(130, off);
    CHECK_EQ_INT(1, group_import_at(imp, 2, &g, &t, &part, &off));
    CHECK_EQ_STR(g, "fraud");
    CHECK_EQ_INT(0, group_import_at(imp, 3, &g, &t, &part, &off));
    char **names = group_import_names(imp);
    CHECK_EQ_STR(names[0], "billing");
    CHECK_EQ_STR(names[1], "fraud");
    CHECK(names[2] == NULL);
    free_names(names);
    group_import_destroy(imp);
    group_import_destroy(NULL);
}

static void test_three_columns_and_errors(void) {
    group_import_t *imp = group_import_new();
    char err[256];
    const char *p = write_file("/tmp/kmig-unit-import3.csv", "orders,2,55\n");
    CHECK_EQ_INT(-1, group_import_csv(imp, p, NULL, err, sizeof err));
    CHECK(strstr(err, "/tmp/kmig-unit-import3.csv:1:") != NULL);
    CHECK_EQ_INT(0, group_import_csv(imp, p, "g", err, sizeof err));
    CHECK_EQ_INT(55, group_import_get(imp, "g", "orders", 2));
    p = write_file("/tmp/kmig-unit-import-bad.csv", "g,orders,0,10\ng,orders,x,1\n");
    CHECK_EQ_INT(-1, group_import_csv(imp, p, NULL, err, sizeof err));
    CHECK(strstr(err, "import-bad.csv:2:") != NULL);
    p = write_file("/tmp/kmig-unit-import-neg.csv", "g,orders,0,-5\n");
    CHECK_EQ_INT(-1, group_import_csv(imp, p, NULL, err, sizeof err));
    CHECK_EQ_INT(-1, group_import_csv(imp, "/nonexistent/x.csv", NULL, err, sizeof err));
    CHECK(strstr(err, "cannot read") != NULL);
    group_import_destroy(imp);
}

/* Group names up to Kafka's 32767 bytes: keys are exact, never truncated. */
static void test_long_names(void) {
    size_t len = 1100;
    char *a = malloc(len + 3), *b = malloc(len + 3);
    memset(a, 'g', len);
    memcpy(b, a, len);
    strcpy(a + len, "-a");
    strcpy(b + len, "-b");
    group_import_t *imp = group_import_new();
    group_import_add(imp, a, "orders", 0, 10);
    group_import_add(imp, b, "orders", 0, 20);
    CHECK_EQ_INT(10, group_import_get(imp, a, "orders", 0));
    CHECK_EQ_INT(20, group_import_get(imp, b, "orders", 0));
    char **names = group_import_names(imp);
    CHECK(names[0] && names[1] && !names[2]);
    free_names(names);
    /* The same from a CSV, whose lines are longer than any fixed buffer. */
    FILE *f = fopen("/tmp/kmig-unit-import-long.csv", "w");
    fprintf(f, "%s,orders,1,30\n%s,orders,1,40\n", a, b);
    fclose(f);
    char err[256];
    CHECK_EQ_INT(0, group_import_csv(imp, "/tmp/kmig-unit-import-long.csv", NULL, err, sizeof err));
    CHECK_EQ_INT(30, group_import_get(imp, a, "orders", 1));
    CHECK_EQ_INT(40, group_import_get(imp, b, "orders", 1));
    /* Separators inside names do not make two keys equal. */
    sbuf_t k1 = {0}, k2 = {0};
    group_import_key(&k1, "a\x1f" "b", "c", 1);
    group_import_key(&k2, "a", "b\x1f" "c", 1);
    CHECK(strcmp(sbuf_str(&k1), sbuf_str(&k2)) != 0);
    sbuf_free(&k1);
    sbuf_free(&k2);
    group_import_destroy(imp);
    free(a);
    free(b);
}

/* Every numeric field is range-checked, with file:line. */
static void test_ranges(void) {
    static const char *const bad[] = {
        "g,orders,4294967296,5\n",           /* would be partition 0 as int32 */
        "g,orders,2147483648,5\n",           /* INT32_MAX + 1 */
        "g,orders,-1,5\n",
        "g,orders,0,9223372036854775808\n",  /* INT64_MAX + 1 */
        "g,orders,0,99999999999999999999999\n",
        "g,orders, 1,5\n",
        "g,orders,+1,5\n",
        "g,orders,1,5x\n",
        "g,orders,,5\n",
        "g,,1,5\n",
        ",orders,1,5\n",
        "g,orders,1,\n",
        "g,orders,1,5,6\n",
        "g,orders\n",
    };
    char err[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        group_import_t *imp = group_import_new();
        const char *p = write_file("/tmp/kmig-unit-import-range.csv", bad[i]);
        char line[300];
        snprintf(line, sizeof line, "g,orders,0,1\n%s", bad[i]);
        write_file(p, line);
        if (group_import_csv(imp, p, NULL, err, sizeof err) != -1)
            fprintf(stderr, "  accepted: %s", bad[i]);
        CHECK(strstr(err, "import-range.csv:2:") != NULL);
        group_import_destroy(imp);
    }
    group_import_t *imp = group_import_new();
    const char *p = write_file("/tmp/kmig-unit-import-max.csv",
                               "g,orders,2147483647,9223372036854775807\n");
    CHECK_EQ_INT(0, group_import_csv(imp, p, NULL, err, sizeof err));
    CHECK_EQ_INT(INT64_MAX, group_import_get(imp, "g", "orders", INT32_MAX));
    CHECK_EQ_INT(-1, group_import_get(imp, "g", "orders", 0));
    group_import_destroy(imp);
}

UNIT_MAIN(UNIT_TEST(test_four_columns), UNIT_TEST(test_three_columns_and_errors),
          UNIT_TEST(test_long_names), UNIT_TEST(test_ranges))

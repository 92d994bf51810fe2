/* Imported group offsets: the table and the kafka-consumer-groups CSV reader. */
#include <stdlib.h>

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

UNIT_MAIN(UNIT_TEST(test_four_columns), UNIT_TEST(test_three_columns_and_errors))

/* Unit tests of the task split (mtask.h): stable known answers, a topic's
 * partitions spread over consecutive tasks, every task used. */
#include <string.h>

#include "mirror/mtask.h"
#include "unit.h"

static void test_known_answers(void) {
    /* FNV-1a 32 of "orders" is 0x325e96ec (845059820) */
    CHECK_EQ_INT(mtask_of("orders", 0, 16), 845059820u % 16);
    CHECK_EQ_INT(mtask_of("orders", 3, 16), (845059820u % 16 + 3) % 16);
    CHECK_EQ_INT(mtask_of("orders", 5, 1), 0);
    CHECK_EQ_INT(mtask_of("orders", 5, 0), 0);
    CHECK_EQ_INT(mtask_of("", 2, 4), (2166136261u % 4 + 2) % 4);
}

static void test_spread(void) {
    int seen[7] = {0};
    for (int32_t p = 0; p < 7; p++) seen[mtask_of("payments.eu", p, 7)]++;
    for (int t = 0; t < 7; t++) CHECK_EQ_INT(seen[t], 1);
    for (int32_t p = 0; p < 100; p++) {
        int t = mtask_of("x", p, 12);
        CHECK(t >= 0 && t < 12);
        CHECK_EQ_INT(t, (mtask_of("x", 0, 12) + p) % 12);
    }
}

static void test_fingerprint(void) {
    mm2_flow_t a = {.source = "A", .target = "B", .topics = "orders.*", .topics_exclude = "x",
                    .tasks = 8, .policy = POLICY_IDENTITY, .separator = "."};
    mm2_flow_t b = a;
    char fa[17], fb[17];
    mtask_fingerprint(&a, fa, sizeof fa);
    mtask_fingerprint(&b, fb, sizeof fb);
    CHECK_EQ_INT(strlen(fa), 16);
    CHECK_EQ_STR(fa, fb);
    b.topics = "orders.*|invoices";
    mtask_fingerprint(&b, fb, sizeof fb);
    CHECK(strcmp(fa, fb) != 0);
    b = a;
    b.tasks = 4;
    mtask_fingerprint(&b, fb, sizeof fb);
    CHECK(strcmp(fa, fb) != 0);
    /* fields are delimited: moving a character between two fields changes it */
    b = a;
    b.source = "AB";
    b.target = "";
    mtask_fingerprint(&b, fb, sizeof fb);
    CHECK(strcmp(fa, fb) != 0);
}

UNIT_MAIN(UNIT_TEST(test_known_answers), UNIT_TEST(test_spread), UNIT_TEST(test_fingerprint))

/* Unit tests of the harness itself (tests/unit/unit.h): a test that executed no
 * check fails ("ran no check"), one with a passing check passes, one with a
 * failing check fails. */
#include "unit.h"

static void empty_test(void) {}

static void passing_test(void) { CHECK(1); }

static void failing_test(void) { CHECK_EQ_INT(1, 2); }

/* Runs one inner test with the harness's state saved around it; returns its
 * failure count. */
static int run_inner(const unit_test_t *t) {
    int saved_failed = unit_current_failed, saved_total = unit_failed_checks;
    long saved_checks = unit_current_checks;
    printf("  (inner run, expected result follows)\n");
    int failed = unit_run(t, 1);
    unit_current_failed = saved_failed;
    unit_failed_checks = saved_total;
    unit_current_checks = saved_checks;
    return failed;
}

static void test_no_check_fails(void) {
    static const unit_test_t t[] = {UNIT_TEST(empty_test)};
    CHECK_EQ_INT(run_inner(t), 1);
}

static void test_passing_check_passes(void) {
    static const unit_test_t t[] = {UNIT_TEST(passing_test)};
    CHECK_EQ_INT(run_inner(t), 0);
}

static void test_failing_check_fails(void) {
    static const unit_test_t t[] = {UNIT_TEST(failing_test)};
    CHECK_EQ_INT(run_inner(t), 1);
}

UNIT_MAIN(UNIT_TEST(test_no_check_fails), UNIT_TEST(test_passing_check_passes),
          UNIT_TEST(test_failing_check_fails))

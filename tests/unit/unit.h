#ifndef KMIG_TESTS_UNIT_H
#define KMIG_TESTS_UNIT_H
/* A minimal unit-test harness: each test_*.c defines test functions, lists them
 * in UNIT_MAIN, and prints one result line per test. The process exits non-zero
 * when any check failed. Checks print file:line and the failing expression. A
 * test that ran no check at all fails too ("ran no check"): it proved nothing. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int unit_failed_checks;
static int unit_current_failed;
static long unit_current_checks; /* checks the running test executed */

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        unit_current_checks++;                                                           \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);   \
            unit_failed_checks++;                                                        \
            unit_current_failed = 1;                                                     \
        }                                                                                \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                               \
    do {                                                                                 \
        long long unit_a_ = (long long)(a), unit_b_ = (long long)(b);                    \
        unit_current_checks++;                                                           \
        if (unit_a_ != unit_b_) {                                                        \
            fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n", __FILE__,         \
                    __LINE__, #a, #b, unit_a_, unit_b_);                                 \
            unit_failed_checks++;                                                        \
            unit_current_failed = 1;                                                     \
        }                                                                                \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                               \
    do {                                                                                 \
        const char *unit_a_ = (a), *unit_b_ = (b);                                       \
        unit_current_checks++;                                                           \
        if (!unit_a_ || !unit_b_ || strcmp(unit_a_, unit_b_) != 0) {                     \
            fprintf(stderr, "  %s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__,     \
                    __LINE__, #a, #b, unit_a_ ? unit_a_ : "(null)",                      \
                    unit_b_ ? unit_b_ : "(null)");                                       \
            unit_failed_checks++;                                                        \
            unit_current_failed = 1;                                                     \
        }                                                                                \
    } while (0)

typedef struct {
    const char *name;
    void (*fn)(void);
} unit_test_t;

#define UNIT_TEST(fn) {#fn, fn}

/* Runs `n` tests, printing one line each; returns how many failed. */
static inline int unit_run(const unit_test_t *tests, size_t n) {
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        unit_current_failed = 0;
        unit_current_checks = 0;
        tests[i].fn();
        if (unit_current_checks == 0) {
            fprintf(stderr, "  %s: ran no check\n", tests[i].name);
            unit_current_failed = 1;
        }
        printf("%s %s\n", unit_current_failed ? "FAIL" : "ok  ", tests[i].name);
        failed += unit_current_failed;
    }
    return failed;
}

#define UNIT_MAIN(...)                                                                   \
    int main(void) {                                                                     \
        static const unit_test_t tests[] = {__VA_ARGS__};                                \
        return unit_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;                  \
    }

#endif

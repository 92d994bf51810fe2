/* Unit tests of MM2's replication policies: target names, their inverse and
 * cycle detection. */
#include <string.h>

#include "mirror/naming.h"
#include "unit.h"

static void test_target_topic_default(void) {
    char out[NAMING_TOPIC_MAX + 1];
    CHECK_EQ_INT(naming_target_topic(POLICY_DEFAULT, "A", ".", "orders", out, sizeof out), 0);
    CHECK_EQ_STR(out, "A.orders");
    CHECK_EQ_INT(naming_target_topic(POLICY_DEFAULT, "us-west", "__", "B.orders", out, sizeof out),
                 0);
    CHECK_EQ_STR(out, "us-west__B.orders");
    CHECK_EQ_INT(naming_target_topic(POLICY_DEFAULT, "A", ".", "heartbeats", out, sizeof out), 0);
    CHECK_EQ_STR(out, "A.heartbeats");
}

static void test_target_topic_identity(void) {
    char out[NAMING_TOPIC_MAX + 1];
    CHECK_EQ_INT(naming_target_topic(POLICY_IDENTITY, "A", ".", "orders", out, sizeof out), 0);
    CHECK_EQ_STR(out, "orders");
    CHECK_EQ_INT(naming_target_topic(POLICY_IDENTITY, "A", ".", "B.orders", out, sizeof out), 0);
    CHECK_EQ_STR(out, "B.orders");
    /* heartbeats keep MM2's prefix even under the identity policy */
    CHECK_EQ_INT(naming_target_topic(POLICY_IDENTITY, "A", ".", "heartbeats", out, sizeof out), 0);
    CHECK_EQ_STR(out, "A.heartbeats");
    CHECK_EQ_INT(naming_target_topic(POLICY_IDENTITY, "A", ".", "B.heartbeats", out, sizeof out),
                 0);
    CHECK_EQ_STR(out, "A.B.heartbeats");
}

static void test_target_topic_length(void) {
    char topic[NAMING_TOPIC_MAX + 2], out[NAMING_TOPIC_MAX + 1];
    memset(topic, 'x', sizeof topic);
    topic[NAMING_TOPIC_MAX - 2] = '\0'; /* 247 chars: "A." + 247 = 249 */
    CHECK_EQ_INT(naming_target_topic(POLICY_DEFAULT, "A", ".", topic, out, sizeof out), 0);
    CHECK_EQ_INT(strlen(out), NAMING_TOPIC_MAX);
    topic[NAMING_TOPIC_MAX - 2] = 'x';
    topic[NAMING_TOPIC_MAX - 1] = '\0'; /* 248 chars: 250 */
    CHECK_EQ_INT(naming_target_topic(POLICY_DEFAULT, "A", ".", topic, out, sizeof out), -1);
    CHECK_EQ_INT(naming_target_topic(POLICY_IDENTITY, "A", ".", topic, out, sizeof out), 0);
    /* a larger buffer does not lift Kafka's limit */
    char big[512];
    CHECK_EQ_INT(naming_target_topic(POLICY_DEFAULT, "A", ".", topic, big, sizeof big), -1);
    /* a small buffer */
    CHECK_EQ_INT(naming_target_topic(POLICY_DEFAULT, "A", ".", "orders", out, 8), -1);
    CHECK_EQ_INT(naming_target_topic(POLICY_DEFAULT, "A", ".", "orders", out, 9), 0);
}

static void test_cycle_default(void) {
    /* mirroring A -> B: topics that came from B must not go back */
    CHECK(naming_is_cycle(POLICY_DEFAULT, "B", ".", "B.orders"));
    CHECK(naming_is_cycle(POLICY_DEFAULT, "B", ".", "C.B.orders")); /* B -> C -> A */
    CHECK(naming_is_cycle(POLICY_DEFAULT, "B", ".", "C.D.B.orders"));
    CHECK(!naming_is_cycle(POLICY_DEFAULT, "B", ".", "orders"));
    CHECK(!naming_is_cycle(POLICY_DEFAULT, "B", ".", "C.orders"));
    CHECK(!naming_is_cycle(POLICY_DEFAULT, "B", ".", "BB.orders"));
    CHECK(!naming_is_cycle(POLICY_DEFAULT, "B", ".", "C.orders.B")); /* B is not a source here */
    CHECK(naming_is_cycle(POLICY_DEFAULT, "B", ".", "C.orders.B.x"));  /* ... but here it is */
    /* Java's split drops trailing empty parts: "B." and "B.." are not remote */
    CHECK(!naming_is_cycle(POLICY_DEFAULT, "B", ".", "B."));
    CHECK(!naming_is_cycle(POLICY_DEFAULT, "B", ".", "B.."));
    CHECK(naming_is_cycle(POLICY_DEFAULT, "B", ".", "B..x"));
    CHECK(naming_is_cycle(POLICY_DEFAULT, "B", ".", ".B.x")); /* source "", upstream "B.x" */
    /* custom separators */
    CHECK(naming_is_cycle(POLICY_DEFAULT, "B", "__", "B__orders"));
    CHECK(!naming_is_cycle(POLICY_DEFAULT, "B", "__", "B.orders"));
    CHECK(naming_is_cycle(POLICY_DEFAULT, "B", "--", "C--B---x")); /* upstream "B---x" */
    CHECK(!naming_is_cycle(POLICY_DEFAULT, "B", "--", "B----"));
    CHECK(!naming_is_cycle(POLICY_DEFAULT, "B", ".", ""));
}

static void test_cycle_identity(void) {
    /* identity names carry no origin: no cycle can be seen */
    CHECK(!naming_is_cycle(POLICY_IDENTITY, "B", ".", "B.orders"));
    CHECK(!naming_is_cycle(POLICY_IDENTITY, "B", ".", "orders"));
    /* ... except for heartbeats, named as under the default policy */
    CHECK(naming_is_cycle(POLICY_IDENTITY, "B", ".", "B.heartbeats"));
    CHECK(naming_is_cycle(POLICY_IDENTITY, "B", ".", "C.B.heartbeats"));
    CHECK(!naming_is_cycle(POLICY_IDENTITY, "B", ".", "C.heartbeats"));
    CHECK(!naming_is_cycle(POLICY_IDENTITY, "B", ".", "heartbeats"));
}

static void test_source_topic(void) {
    char out[NAMING_TOPIC_MAX + 1];
    CHECK_EQ_INT(naming_source_topic(POLICY_DEFAULT, "A", ".", "A.orders", out, sizeof out), 0);
    CHECK_EQ_STR(out, "orders");
    CHECK_EQ_INT(naming_source_topic(POLICY_DEFAULT, "A", ".", "A.C.orders", out, sizeof out), 0);
    CHECK_EQ_STR(out, "C.orders");
    CHECK_EQ_INT(naming_source_topic(POLICY_DEFAULT, "us.west", ".", "us.west.x", out, sizeof out),
                 0);
    CHECK_EQ_STR(out, "x");
    CHECK_EQ_INT(naming_source_topic(POLICY_DEFAULT, "A", ".", "B.orders", out, sizeof out), -1);
    CHECK_EQ_INT(naming_source_topic(POLICY_DEFAULT, "A", ".", "AB.orders", out, sizeof out), -1);
    CHECK_EQ_INT(naming_source_topic(POLICY_DEFAULT, "A", ".", "orders", out, sizeof out), -1);
    CHECK_EQ_INT(naming_source_topic(POLICY_DEFAULT, "A", ".", "A.", out, sizeof out), -1);
    CHECK_EQ_INT(naming_source_topic(POLICY_DEFAULT, "A", "_", "A_x", out, sizeof out), 0);
    CHECK_EQ_STR(out, "x");
    CHECK_EQ_INT(naming_source_topic(POLICY_DEFAULT, "A", ".", "A.orders", out, 6), -1);

    CHECK_EQ_INT(naming_source_topic(POLICY_IDENTITY, "A", ".", "orders", out, sizeof out), 0);
    CHECK_EQ_STR(out, "orders");
    CHECK_EQ_INT(naming_source_topic(POLICY_IDENTITY, "A", ".", "A.orders", out, sizeof out), 0);
    CHECK_EQ_STR(out, "A.orders");
    CHECK_EQ_INT(naming_source_topic(POLICY_IDENTITY, "A", ".", "A.heartbeats", out, sizeof out),
                 0);
    CHECK_EQ_STR(out, "heartbeats");
    CHECK_EQ_INT(naming_source_topic(POLICY_IDENTITY, "A", ".", "heartbeats", out, sizeof out),
                 -1);
}

/* naming_source_topic() inverts naming_target_topic() under both policies. */
static void test_round_trip(void) {
    static const char *const topics[] = {"orders", "A.orders", "B.C.x", "heartbeats",
                                         "B.heartbeats", "x-heartbeats", "_a", "a.b.c"};
    static const replication_policy_t policies[] = {POLICY_DEFAULT, POLICY_IDENTITY};
    char tgt[NAMING_TOPIC_MAX + 1], back[NAMING_TOPIC_MAX + 1];
    for (size_t p = 0; p < 2; p++) {
        for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++) {
            CHECK_EQ_INT(naming_target_topic(policies[p], "A", ".", topics[i], tgt, sizeof tgt), 0);
            CHECK_EQ_INT(naming_source_topic(policies[p], "A", ".", tgt, back, sizeof back), 0);
            CHECK_EQ_STR(back, topics[i]);
            /* mirroring the result back to A is a cycle under the default policy */
            if (policies[p] == POLICY_DEFAULT) CHECK(naming_is_cycle(policies[p], "A", ".", tgt));
        }
    }
}

UNIT_MAIN(UNIT_TEST(test_target_topic_default), UNIT_TEST(test_target_topic_identity),
          UNIT_TEST(test_target_topic_length), UNIT_TEST(test_cycle_default),
          UNIT_TEST(test_cycle_identity), UNIT_TEST(test_source_topic), UNIT_TEST(test_round_trip))

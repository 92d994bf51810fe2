/* Unit tests of the Kafka release estimate from ApiVersions (on the version
 * lists real brokers sent) and of the ACL name <-> code tables. */
#include <stdlib.h>
#include <string.h>

#include "kafka/kacl.h"
#include "kafka/kprobe.h"
#include "unit.h"

enum { NAPI = 128 };

/* Estimate for a list "key:min-max ..." as an ApiVersions answer gives it. */
static const char *estimate(const char *list) {
    static char out[32];
    int api_max[NAPI];
    for (int k = 0; k < NAPI; k++) api_max[k] = -1;
    for (const char *p = list; *p;) {
        char *end;
        long key = strtol(p, &end, 10);
        strtol(end + 1, &end, 10); /* min */
        api_max[key] = (int)strtol(end + 1, &end, 10);
        p = end + strspn(end, " ");
    }
    kprobe_estimate(api_max, NAPI, out, sizeof out);
    return out;
}

/* Answers of the real tier's brokers (tests/real), captured with kprobe. */
static const char *const kafka_0_10_0_0 =
    "0:0-2 1:0-2 2:0-0 3:0-1 4:0-0 5:0-0 6:0-2 7:1-1 8:0-2 9:0-1 10:0-0 11:0-0 12:0-0 13:0-0 "
    "14:0-0 15:0-0 16:0-0 17:0-0 18:0-0";
static const char *const kafka_2_8_2_zk =
    "0:0-9 1:0-12 2:0-6 3:0-11 4:0-5 5:0-3 6:0-7 7:0-3 8:0-8 9:0-7 10:0-3 11:0-7 12:0-4 13:0-4 "
    "14:0-5 15:0-5 16:0-4 17:0-1 18:0-3 19:0-7 20:0-6 21:0-2 22:0-4 23:0-4 24:0-3 25:0-3 26:0-3 "
    "27:0-1 28:0-3 29:0-2 30:0-2 31:0-2 32:0-4 33:0-2 34:0-2 35:0-2 36:0-2 37:0-3 38:0-2 39:0-2 "
    "40:0-2 41:0-2 42:0-2 43:0-2 44:0-1 45:0-0 46:0-0 47:0-0 48:0-1 49:0-1 50:0-0 51:0-0 56:0-0 "
    "57:0-0 60:0-0 61:0-0";
static const char *const kafka_3_9_2 =
    "0:0-11 1:0-17 2:0-9 3:0-12 8:0-9 9:0-9 10:0-6 11:0-9 12:0-4 13:0-5 14:0-5 15:0-5 16:0-5 "
    "17:0-1 18:0-4 19:0-7 20:0-6 21:0-2 22:0-5 23:0-4 24:0-5 25:0-4 26:0-4 27:0-1 28:0-4 29:0-3 "
    "30:0-3 31:0-3 32:0-4 33:0-2 34:0-2 35:0-4 36:0-2 37:0-3 38:0-3 39:0-2 40:0-2 41:0-3 42:0-2 "
    "43:0-2 44:0-1 45:0-0 46:0-0 47:0-0 48:0-1 49:0-1 50:0-0 51:0-0 55:0-2 57:0-1 60:0-1 61:0-0 "
    "64:0-0 65:0-0 66:0-1 68:0-0 69:0-0 74:0-0 75:0-0 80:0-0 81:0-0";
static const char *const kafka_4_1_2 =
    "0:0-13 1:4-18 2:1-10 3:0-13 8:2-9 9:1-9 10:0-6 11:0-9 12:0-4 13:0-5 14:0-5 15:0-6 16:0-5 "
    "17:0-1 18:0-4 19:2-7 20:1-6 21:0-2 22:0-5 23:2-4 24:0-5 25:0-4 26:0-5 27:1-1 28:0-5 29:1-3 "
    "30:1-3 31:1-3 32:1-4 33:0-2 34:1-2 35:1-4 36:0-2 37:0-3 38:1-3 39:1-2 40:1-2 41:1-3 42:0-2 "
    "43:0-2 44:0-1 45:0-1 46:0-0 47:0-0 48:0-1 49:0-1 50:0-0 51:0-0 55:0-2 57:0-2 60:0-2 61:0-0 "
    "64:0-0 65:0-0 66:0-2 68:0-1 69:0-1 74:0-1 75:0-0 76:1-1 77:1-1 78:1-1 79:1-1 80:0-0 81:0-0 "
    "83:0-0 84:0-0 85:0-0 86:0-0 87:0-0 90:0-0 91:0-0 92:0-0";

static void test_estimate_real_brokers(void) {
    CHECK_EQ_STR(estimate(kafka_0_10_0_0), "0.10.0");
    CHECK_EQ_STR(estimate(kafka_2_8_2_zk), "2.8");
    CHECK_EQ_STR(estimate(kafka_3_9_2), "3.9");
    CHECK_EQ_STR(estimate(kafka_4_1_2), "4.1");
}

static void test_estimate_from_specs(void) {
    /* Kafka 4.0.0's request specs: 4.1.2's answer without what 4.1 added
     * (Produce 13, Fetch 18, ListTransactions 2) */
    CHECK_EQ_STR(estimate("0:3-12 1:4-17 2:1-10 3:0-13 15:0-6 18:0-4 66:0-1"), "4.0");
    /* 3.8: Produce 11, Fetch 16, ListOffsets 8, FindCoordinator 5 */
    CHECK_EQ_STR(estimate("0:0-11 1:0-16 2:0-8 10:0-5 18:0-3"), "3.8");
    /* 2.0: Produce 6, Fetch 8, ListOffsets 3, Metadata 6, ApiVersions 2 */
    CHECK_EQ_STR(estimate("0:0-6 1:0-8 2:0-3 3:0-6 18:0-2"), "2.0");
    /* one newer version is enough: the estimate is a floor */
    CHECK_EQ_STR(estimate("0:0-2 1:0-2 18:0-0 65:0-0"), "3.0");
}

static void test_estimate_edges(void) {
    CHECK_EQ_STR(estimate(""), "< 0.10");
    int api_max[2] = {2, 2}; /* keys beyond napi count as absent */
    char out[32];
    kprobe_estimate(api_max, 2, out, sizeof out);
    CHECK_EQ_STR(out, "< 0.10");
    kprobe_estimate(api_max, 2, out, 4);
    CHECK_EQ_STR(out, "< 0");
}

static void test_acl_names(void) {
    CHECK_EQ_STR(kacl_name(KACL_RESOURCE, RD_KAFKA_RESOURCE_TOPIC), "Topic");
    CHECK_EQ_STR(kacl_name(KACL_RESOURCE, RD_KAFKA_RESOURCE_BROKER), "Cluster");
    CHECK_EQ_STR(kacl_name(KACL_RESOURCE, 5), "TransactionalId");
    CHECK(kacl_name(KACL_RESOURCE, RD_KAFKA_RESOURCE_ANY) == NULL);
    CHECK(kacl_name(KACL_RESOURCE, RD_KAFKA_RESOURCE_UNKNOWN) == NULL);
    CHECK_EQ_STR(kacl_name(KACL_PATTERN, RD_KAFKA_RESOURCE_PATTERN_PREFIXED), "PREFIXED");
    CHECK(kacl_name(KACL_PATTERN, RD_KAFKA_RESOURCE_PATTERN_MATCH) == NULL);
    CHECK_EQ_STR(kacl_name(KACL_OPERATION, RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE),
                 "IdempotentWrite");
    CHECK_EQ_STR(kacl_name(KACL_OPERATION, RD_KAFKA_ACL_OPERATION_ALL), "All");
    CHECK(kacl_name(KACL_OPERATION, RD_KAFKA_ACL_OPERATION_ANY) == NULL);
    CHECK_EQ_STR(kacl_name(KACL_PERMISSION, RD_KAFKA_ACL_PERMISSION_TYPE_DENY), "Deny");
    CHECK_EQ_STR(kacl_name(KACL_PERMISSION, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW), "Allow");

    /* every named code reads back, in Kafka's enum spelling too */
    static const char *const ops[] = {"All", "Read", "Write", "Create", "Delete", "Alter",
                                      "Describe", "ClusterAction", "DescribeConfigs",
                                      "AlterConfigs", "IdempotentWrite"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        CHECK_EQ_STR(kacl_name(KACL_OPERATION, kacl_code(KACL_OPERATION, ops[i])), ops[i]);
    CHECK_EQ_INT(kacl_code(KACL_OPERATION, "CLUSTER_ACTION"),
                 RD_KAFKA_ACL_OPERATION_CLUSTER_ACTION);
    CHECK_EQ_INT(kacl_code(KACL_OPERATION, "read"), RD_KAFKA_ACL_OPERATION_READ);
    CHECK_EQ_INT(kacl_code(KACL_RESOURCE, "TRANSACTIONAL_ID"), 5);
    CHECK_EQ_INT(kacl_code(KACL_RESOURCE, "cluster"), RD_KAFKA_RESOURCE_BROKER);
    CHECK_EQ_INT(kacl_code(KACL_PATTERN, "literal"), RD_KAFKA_RESOURCE_PATTERN_LITERAL);
    CHECK_EQ_INT(kacl_code(KACL_PERMISSION, "ALLOW"), RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW);

    CHECK_EQ_INT(kacl_code(KACL_RESOURCE, "Broker"), -1);
    CHECK_EQ_INT(kacl_code(KACL_RESOURCE, "Any"), -1);
    CHECK_EQ_INT(kacl_code(KACL_PATTERN, "MATCH"), -1);
    CHECK_EQ_INT(kacl_code(KACL_OPERATION, "Reads"), -1);
    CHECK_EQ_INT(kacl_code(KACL_OPERATION, "Rea"), -1);
    CHECK_EQ_INT(kacl_code(KACL_PERMISSION, ""), -1);
    CHECK_EQ_INT(kacl_code(KACL_PERMISSION, NULL), -1);
}

UNIT_MAIN(UNIT_TEST(test_estimate_real_brokers), UNIT_TEST(test_estimate_from_specs),
          UNIT_TEST(test_estimate_edges), UNIT_TEST(test_acl_names))

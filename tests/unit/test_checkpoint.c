/* Checkpoint records and the group sync rules. */
#include <stdint.h>
#include <stdlib.h>

#include "offsets/checkpoint.h"
#include "unit.h"

static void test_round_trip(void) {
    sbuf_t k = {0}, v = {0};
    checkpoint_t cp = {1500, 1000, OFFSET_MAP_EXACT, 900}, back;
    checkpoint_encode_key(&k, "billing:eu", "orders", 3);
    checkpoint_encode_value(&v, "src.orders", &cp);
    CHECK_EQ_STR(sbuf_str(&k), "[\"billing:eu\",\"orders\",3]");
    char *g, *t, *tt, err[200];
    int32_t p;
    CHECK_EQ_INT(0, checkpoint_decode(k.s, k.len, v.s, v.len, &g, &t, &p, &tt, &back, err,
                                      sizeof err));
    CHECK_EQ_STR(g, "billing:eu");
    CHECK_EQ_STR(t, "orders");
    CHECK_EQ_STR(tt, "src.orders");
    CHECK_EQ_INT(3, p);
    CHECK_EQ_INT(1500, back.source_offset);
    CHECK_EQ_INT(1000, back.target_offset);
    CHECK_EQ_INT(OFFSET_MAP_EXACT, back.status);
    CHECK_EQ_INT(900, back.synced_offset);
    free(g), free(t), free(tt);
    sbuf_free(&k);
    sbuf_free(&v);
}

static void test_decode_errors(void) {
    char *g, *t, *tt, err[200];
    int32_t p;
    checkpoint_t cp;
    const char *key = "[\"g\",\"t\",0]";
    CHECK(checkpoint_decode("x", 1, "{}", 2, &g, &t, &p, &tt, &cp, err, sizeof err) == -1);
    CHECK(strstr(err, "key") != NULL);
    const char *v2 = "{\"v\":2,\"target\":\"t\",\"source_offset\":1,\"target_offset\":1,"
                     "\"status\":\"exact\",\"synced_offset\":-1}";
    CHECK(checkpoint_decode(key, strlen(key), v2, strlen(v2), &g, &t, &p, &tt, &cp, err,
                            sizeof err) == -1);
    CHECK(strstr(err, "version 2") != NULL);
    const char *bad = "{\"v\":1,\"target\":\"t\",\"source_offset\":1,\"target_offset\":1,"
                      "\"status\":\"maybe\",\"synced_offset\":-1}";
    CHECK(checkpoint_decode(key, strlen(key), bad, strlen(bad), &g, &t, &p, &tt, &cp, err,
                            sizeof err) == -1);
    CHECK(strstr(err, "maybe") != NULL);
}

/* Records on the checkpoints topic are outside input: anything malformed is
 * refused with a reason, never a crash or a silently truncated value. */
static void test_decode_malformed(void) {
    char *g, *t, *tt, err[200];
    int32_t p;
    checkpoint_t cp;
    const char *ok = "{\"v\":1,\"target\":\"t\",\"source_offset\":1,\"target_offset\":1,"
                     "\"status\":\"exact\",\"synced_offset\":-1}";
    static const char *const keys[] = {
        "", "[", "[\"g\",\"t\",", "[\"g\",\"t\"]", "[\"g\",\"t\",0,1]", "[\"g\",\"t\",\"0\"]",
        "[\"g\",\"t\",4294967296]", "[\"g\",\"t\",2147483648]", "[\"g\",\"t\",-1]",
        "[\"g\",\"\",0]", "[1,\"t\",0]", "{}", "[\"g\\u0000x\",\"t\",0]",
        "[\"g\",\"t\",1e3]"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        int rc = checkpoint_decode(keys[i], strlen(keys[i]), ok, strlen(ok), &g, &t, &p, &tt, &cp,
                                   err, sizeof err);
        if (rc != -1) fprintf(stderr, "  accepted key %s\n", keys[i]);
        CHECK_EQ_INT(-1, rc);
        CHECK(g == NULL && t == NULL && tt == NULL);
    }
    const char *key = "[\"g\",\"t\",2147483647]";
    static const char *const values[] = {
        "", "{", "{\"v\":1,\"target\":\"t\",\"source_offset\":1,\"target_offset\":1,",
        "{\"v\":1,\"target\":\"t\",\"source_offset\":-1,\"target_offset\":1,"
        "\"status\":\"exact\",\"synced_offset\":-1}",
        "{\"v\":1,\"target\":\"t\",\"source_offset\":1,\"target_offset\":-1,"
        "\"status\":\"exact\",\"synced_offset\":-1}",
        "{\"v\":1,\"target\":\"t\",\"source_offset\":1,\"target_offset\":1,"
        "\"status\":\"exact\",\"synced_offset\":-2}",
        "{\"v\":1,\"target\":\"t\",\"source_offset\":1,\"target_offset\":-7,"
        "\"status\":\"pending\",\"synced_offset\":-1}",
        "{\"v\":1,\"target\":\"t\",\"source_offset\":1e30,\"target_offset\":1,"
        "\"status\":\"exact\",\"synced_offset\":-1}",
        "{\"v\":1,\"target\":\"\",\"source_offset\":1,\"target_offset\":1,"
        "\"status\":\"exact\",\"synced_offset\":-1}",
        "{\"v\":1,\"target\":7,\"source_offset\":1,\"target_offset\":1,"
        "\"status\":\"exact\",\"synced_offset\":-1}",
        "[1]", "null"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        int rc = checkpoint_decode(key, strlen(key), values[i], strlen(values[i]), &g, &t, &p, &tt,
                                   &cp, err, sizeof err);
        if (rc != -1) fprintf(stderr, "  accepted value %s\n", values[i]);
        CHECK_EQ_INT(-1, rc);
        CHECK(g == NULL && t == NULL && tt == NULL);
    }
    /* Large fields are fine: a 32767-byte group name round-trips. */
    char *big = malloc(32768);
    memset(big, 'x', 32767);
    big[32767] = '\0';
    sbuf_t k = {0};
    checkpoint_encode_key(&k, big, "t", INT32_MAX);
    CHECK_EQ_INT(0, checkpoint_decode(k.s, k.len, ok, strlen(ok), &g, &t, &p, &tt, &cp, err,
                                      sizeof err));
    CHECK(g && strlen(g) == 32767);
    CHECK_EQ_INT(INT32_MAX, p);
    free(g), free(t), free(tt);
    /* ... and its error message is bounded by errsz. */
    CHECK_EQ_INT(-1, checkpoint_decode(k.s, k.len, "{}", 2, &g, &t, &p, &tt, &cp, err,
                                       sizeof err));
    CHECK(strlen(err) < sizeof err);
    sbuf_free(&k);
    free(big);
}

static void test_sync_rules(void) {
    checkpoint_t exact = {100, 80, OFFSET_MAP_EXACT, -1};
    CHECK_EQ_INT(SYNC_WRITE, checkpoint_sync_decide(&exact, -1));
    CHECK_EQ_INT(SYNC_UP_TO_DATE, checkpoint_sync_decide(&exact, 80));
    /* Offsets on the target that kmig never wrote belong to its consumers. */
    CHECK_EQ_INT(SYNC_TAKEN_OVER, checkpoint_sync_decide(&exact, 50));
    CHECK_EQ_INT(SYNC_TAKEN_OVER, checkpoint_sync_decide(&exact, 95));
    /* kmig wrote 60 before: moving forward is fine, backwards never. */
    checkpoint_t ahead = {100, 80, OFFSET_MAP_EXACT, 60};
    CHECK_EQ_INT(SYNC_WRITE, checkpoint_sync_decide(&ahead, 60));
    CHECK_EQ_INT(SYNC_TAKEN_OVER, checkpoint_sync_decide(&ahead, 70));
    checkpoint_t stale = {100, 50, OFFSET_MAP_EXACT, 60};
    CHECK_EQ_INT(SYNC_BEHIND, checkpoint_sync_decide(&stale, 60));
    checkpoint_t pending = {100, -1, OFFSET_MAP_PENDING, -1};
    CHECK_EQ_INT(SYNC_PENDING, checkpoint_sync_decide(&pending, -1));
    checkpoint_t nc = {5, -1, OFFSET_MAP_NOT_COPIED, -1};
    CHECK_EQ_INT(SYNC_PENDING, checkpoint_sync_decide(&nc, 3));
    /* Unknown is not "none": a target offset that could not be read writes nothing. */
    CHECK_EQ_INT(SYNC_UNKNOWN, checkpoint_sync_decide(&exact, CHECKPOINT_UNKNOWN));
    CHECK_EQ_INT(SYNC_UNKNOWN, checkpoint_sync_decide(&ahead, CHECKPOINT_UNKNOWN));
    CHECK_EQ_INT(SYNC_UNKNOWN, checkpoint_sync_decide(&pending, CHECKPOINT_UNKNOWN));
}

UNIT_MAIN(UNIT_TEST(test_round_trip), UNIT_TEST(test_decode_errors),
          UNIT_TEST(test_decode_malformed), UNIT_TEST(test_sync_rules))

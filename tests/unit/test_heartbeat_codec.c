/* Unit tests of MM2's heartbeat record format: the bytes Java's Heartbeat
 * (HeartbeatTest's "source-1", "target-2", 1234567890) serializes to, read
 * from Heartbeat.java's Struct schemas, and decoding of malformed input. */
#include <string.h>

#include "offsets/heartbeat_codec.h"
#include "unit.h"

static void test_key_bytes(void) {
    sbuf_t b = {0};
    CHECK_EQ_INT(heartbeat_codec_encode_key(&b, "source-1", "target-2"), 0);
    static const char want[] = "\x00\x08source-1\x00\x08target-2";
    CHECK_EQ_INT((int)b.len, (int)sizeof want - 1);
    CHECK(memcmp(sbuf_str(&b), want, sizeof want - 1) == 0);
    char s[64], t[64];
    CHECK_EQ_INT(heartbeat_codec_decode_key(sbuf_str(&b), b.len, s, sizeof s, t, sizeof t), 0);
    CHECK_EQ_STR(s, "source-1");
    CHECK_EQ_STR(t, "target-2");
    /* truncated, negative length, too small a buffer */
    CHECK_EQ_INT(heartbeat_codec_decode_key(sbuf_str(&b), b.len - 1, s, sizeof s, t, sizeof t), -1);
    CHECK_EQ_INT(heartbeat_codec_decode_key("\xff\xff", 2, s, sizeof s, t, sizeof t), -1);
    CHECK_EQ_INT(heartbeat_codec_decode_key(sbuf_str(&b), b.len, s, 8, t, sizeof t), -1);
    CHECK_EQ_INT(heartbeat_codec_decode_key(NULL, 0, s, sizeof s, t, sizeof t), -1);
    sbuf_free(&b);
}

static void test_value_bytes(void) {
    uint8_t v[HEARTBEAT_CODEC_VALUE_LEN];
    heartbeat_codec_encode_value(v, 1234567890LL);
    static const uint8_t want[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x49, 0x96, 0x02, 0xd2};
    CHECK(memcmp(v, want, sizeof want) == 0);
    int64_t ts = 0;
    CHECK_EQ_INT(heartbeat_codec_decode_value(v, sizeof v, &ts), 0);
    CHECK(ts == 1234567890LL);
    heartbeat_codec_encode_value(v, 1764938000123LL);
    CHECK_EQ_INT(heartbeat_codec_decode_value(v, sizeof v, &ts), 0);
    CHECK(ts == 1764938000123LL);
    CHECK_EQ_INT(heartbeat_codec_decode_value(v, 9, &ts), -1);
    v[1] = 1; /* version 1: unknown */
    CHECK_EQ_INT(heartbeat_codec_decode_value(v, sizeof v, &ts), -1);
    CHECK_EQ_INT(heartbeat_codec_decode_value(NULL, 0, &ts), -1);
}

static void test_latency(void) {
    sbuf_t k = {0};
    heartbeat_codec_encode_key(&k, "A", "B");
    uint8_t v[HEARTBEAT_CODEC_VALUE_LEN];
    heartbeat_codec_encode_value(v, 1000);
    CHECK(heartbeat_codec_latency(k.s, k.len, v, sizeof v, "A", "B", 1250) == 250);
    CHECK(heartbeat_codec_latency(k.s, k.len, v, sizeof v, "A", "B", 900) == 0); /* skew */
    CHECK(heartbeat_codec_latency(k.s, k.len, v, sizeof v, "B", "A", 1250) == -1);
    CHECK(heartbeat_codec_latency(k.s, k.len, "x", 1, "A", "B", 1250) == -1);
    sbuf_free(&k);
}

UNIT_MAIN(UNIT_TEST(test_key_bytes), UNIT_TEST(test_value_bytes), UNIT_TEST(test_latency))

/* Encoding and decoding of MirrorMaker 2's heartbeat records (see
 * heartbeat_codec.h for the byte layout, read from Heartbeat.java's
 * serializeKey/serializeValue: Schema.write of STRING and INT16/INT64 fields).
 * The emitter (mirror/heartbeat.c) writes them; the copy loop reads the
 * timestamps of the ones it copies to measure heartbeat latency. */
#include "offsets/heartbeat_codec.h"

#include <string.h>

static int put_string(sbuf_t *out, const char *s) {
    size_t n = strlen(s);
    if (n > 32767) return -1;
    char len[2] = {(char)(n >> 8), (char)(n & 0xff)};
    sbuf_append(out, len, 2);
    sbuf_append(out, s, n);
    return 0;
}

int heartbeat_codec_encode_key(sbuf_t *out, const char *source_alias, const char *target_alias) {
    if (strlen(source_alias) > 32767 || strlen(target_alias) > 32767) return -1;
    put_string(out, source_alias);
    put_string(out, target_alias);
    return 0;
}

void heartbeat_codec_encode_value(uint8_t out[HEARTBEAT_CODEC_VALUE_LEN], int64_t timestamp_ms) {
    uint64_t t = (uint64_t)timestamp_ms;
    out[0] = out[1] = 0; /* version 0 */
    for (int i = 0; i < 8; i++) out[2 + i] = (uint8_t)(t >> (56 - 8 * i));
}

int heartbeat_codec_decode_value(const void *value, size_t len, int64_t *timestamp_ms) {
    const uint8_t *b = value;
    if (!b || len < HEARTBEAT_CODEC_VALUE_LEN || b[0] || b[1]) return -1;
    uint64_t t = 0;
    for (int i = 0; i < 8; i++) t = t << 8 | b[2 + i];
    *timestamp_ms = (int64_t)t;
    return 0;
}

static int get_string(const uint8_t **p, const uint8_t *end, char *dst, size_t dstsz) {
    if (end - *p < 2) return -1;
    int16_t n = (int16_t)((*p)[0] << 8 | (*p)[1]);
    *p += 2;
    if (n < 0 || end - *p < n || (size_t)n >= dstsz) return -1;
    memcpy(dst, *p, (size_t)n);
    dst[n] = '\0';
    *p += n;
    return 0;
}

int heartbeat_codec_decode_key(const void *key, size_t len, char *source_alias, size_t src_sz,
                               char *target_alias, size_t tgt_sz) {
    const uint8_t *p = key, *end = p + len;
    if (!key) return -1;
    return get_string(&p, end, source_alias, src_sz) || get_string(&p, end, target_alias, tgt_sz)
               ? -1
               : 0;
}

int64_t heartbeat_codec_latency(const void *key, size_t key_len, const void *value,
                                size_t value_len, const char *source_alias,
                                const char *target_alias, int64_t now_ms) {
    char s[256], t[256];
    int64_t ts;
    if (heartbeat_codec_decode_key(key, key_len, s, sizeof s, t, sizeof t) ||
        heartbeat_codec_decode_value(value, value_len, &ts) || strcmp(s, source_alias) ||
        strcmp(t, target_alias))
        return -1;
    return now_ms > ts ? now_ms - ts : 0;
}

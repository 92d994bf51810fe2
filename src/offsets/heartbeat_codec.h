#ifndef KMIG_OFFSETS_HEARTBEAT_CODEC_H
#define KMIG_OFFSETS_HEARTBEAT_CODEC_H
/* MirrorMaker 2's heartbeat record (org.apache.kafka.connect.mirror.Heartbeat,
 * Kafka's protocol Struct serialization, big-endian), so that tools reading
 * MM2's `heartbeats` topics read kmig's:
 *   key   = STRING sourceClusterAlias, STRING targetClusterAlias
 *           (each an int16 length, then that many UTF-8 bytes)
 *   value = INT16 version (0), then INT64 timestamp (ms since the epoch).
 * Pure: no Kafka I/O. */
#include <stddef.h>
#include <stdint.h>

#include "core/sbuf.h"

#define HEARTBEAT_CODEC_VALUE_LEN 10

/* Appends the key; returns -1 (nothing appended) when an alias is longer than 32767 bytes. */
int heartbeat_codec_encode_key(sbuf_t *out, const char *source_alias, const char *target_alias);
/* Writes the 10-byte version-0 value into out. */
void heartbeat_codec_encode_value(uint8_t out[HEARTBEAT_CODEC_VALUE_LEN], int64_t timestamp_ms);

/* Decodes a value: 0 and the timestamp, or -1 (short, or a version kmig does not know). */
int heartbeat_codec_decode_value(const void *value, size_t len, int64_t *timestamp_ms);
/* Decodes a key into the caller's buffers (NUL-terminated): 0, or -1 when
 * malformed or an alias does not fit. */
int heartbeat_codec_decode_key(const void *key, size_t len, char *source_alias, size_t src_sz,
                               char *target_alias, size_t tgt_sz);

/* The latency of a copied heartbeat record: now_ms minus its timestamp (0
 * when the clocks disagree), when it decodes and its key is (source_alias,
 * target_alias) — a heartbeat of this flow; else -1. */
int64_t heartbeat_codec_latency(const void *key, size_t key_len, const void *value,
                                size_t value_len, const char *source_alias,
                                const char *target_alias, int64_t now_ms);

#endif

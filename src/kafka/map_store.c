/* The offset map's persistence: segment records produced to a compacted topic
 * on the target, and read back in full at start-up. */
#include "kafka/map_store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/sbuf.h"
#include "kafka/kread.h"

void map_store_topic_name(char *buf, size_t size, const char *source_alias) {
    snprintf(buf, size, "kmig-offset-map.%s.internal", source_alias);
}

rd_kafka_resp_err_t map_store_write(rd_kafka_topic_t *map_rkt, const char *topic, int32_t partition,
                                    const char *target_topic, const offset_seg_t *seg,
                                    void *opaque) {
    char key[400], val[600];
    int kl = offset_map_encode_key(key, sizeof key, topic, partition, seg->src_start);
    int vl = offset_map_encode_value(val, sizeof val, target_topic, seg);
    if (kl < 0 || vl < 0) return RD_KAFKA_RESP_ERR__INVALID_ARG;
    /* One map partition keeps every update of a source partition in order. */
    if (rd_kafka_produce(map_rkt, 0, RD_KAFKA_MSG_F_COPY, val, (size_t)vl, key,
                         (size_t)kl, opaque) == -1)
        return rd_kafka_last_error();
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

typedef struct {
    const char *map_topic;
    map_store_seg_fn fn;
    void *opaque;
    size_t records;
} load_ctx_t;

static int load_record(void *opaque, const rd_kafka_message_t *m, char *err, size_t errsz) {
    load_ctx_t *c = opaque;
    char topic[256], target[256], why[256];
    int32_t part;
    offset_seg_t seg;
    if (!m->key || !m->payload) return 0; /* a tombstone: nothing to load */
    if (offset_map_decode(m->key, m->key_len, m->payload, m->len, topic, sizeof topic, &part,
                          target, sizeof target, &seg, why, sizeof why)) {
        snprintf(err, errsz, "offset map %s [%d] offset %lld does not decode: %s", c->map_topic,
                 m->partition, (long long)m->offset, why);
        return -1;
    }
    c->fn(c->opaque, topic, part, target, &seg);
    c->records++;
    return 0;
}

static kv_list_t reader_required;
static pthread_once_t reader_once = PTHREAD_ONCE_INIT;
static void reader_init(void) {
    kv_list_add(&reader_required, "isolation.level", "read_committed",
                "kmig (offset map readers)", false);
    /* Exactly once: the map ends in a transaction marker, never delivered;
     * only the end-of-partition event says the read reached the end. */
    kv_list_add(&reader_required, "enable.partition.eof", "true", "kmig (offset map readers)",
                false);
}

const kv_list_t *map_store_reader_required(void) {
    pthread_once(&reader_once, reader_init);
    return &reader_required;
}

int map_store_load(rd_kafka_t *rk, const char *map_topic, int timeout_ms, map_store_seg_fn fn,
                   void *opaque, size_t *records, char *err, size_t errsz) {
    char iso[32] = "";
    size_t isz = sizeof iso;
    if (rd_kafka_conf_get(rd_kafka_conf(rk), "isolation.level", iso, &isz) == RD_KAFKA_CONF_OK &&
        strcmp(iso, "read_committed")) {
        snprintf(err, errsz, "offset map %s: its reader must read committed records only "
                             "(isolation.level is %s)", map_topic, iso);
        *records = 0;
        return -1;
    }
    load_ctx_t c = {map_topic, fn, opaque, 0};
    int rc = kread_topic(rk, map_topic, timeout_ms, load_record, &c, err, errsz);
    *records = c.records;
    return rc;
}

/* Checkpoint records and the rules that keep group sync safe: only exact
 * translations are written, a group is never moved backwards, and offsets that
 * consumers on the target committed themselves are never overwritten. */
#include "offsets/checkpoint.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {"exact", "pending", "not-copied"};

const char *checkpoint_status_name(offset_map_result_t status) {
    return (unsigned)status < 3 ? status_names[status] : "?";
}

static void dump(sbuf_t *out, json_t *j) {
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    sbuf_puts(out, s);
    free(s);
    json_decref(j);
}

void checkpoint_encode_key(sbuf_t *out, const char *group, const char *topic, int32_t partition) {
    dump(out, json_pack("[s,s,i]", group, topic, (int)partition));
}

void checkpoint_encode_value(sbuf_t *out, const char *target_topic, const checkpoint_t *cp) {
    dump(out, json_pack("{s:i,s:s,s:I,s:I,s:s,s:I}", "v", 1, "target", target_topic,
                        "source_offset", (json_int_t)cp->source_offset, "target_offset",
                        (json_int_t)cp->target_offset, "status",
                        checkpoint_status_name(cp->status), "synced_offset",
                        (json_int_t)cp->synced_offset));
}

/* The key ["group","topic",partition]: exactly three items, a non-empty
 * topic, a partition in 0..INT32_MAX. */
static int decode_key(json_t *k, const char **g, const char **t, int32_t *p, char *err,
                      size_t errsz) {
    json_int_t part;
    if (!k || json_unpack(k, "[s,s,I!]", g, t, &part) || !**t || part < 0 || part > INT32_MAX) {
        snprintf(err, errsz, "checkpoint key is not [group, topic, partition]");
        return -1;
    }
    *p = (int32_t)part;
    return 0;
}

int checkpoint_decode(const void *key, size_t key_len, const void *value, size_t value_len,
                      char **group, char **topic, int32_t *partition, char **target,
                      checkpoint_t *cp, char *err, size_t errsz) {
    json_error_t je;
    json_t *k = json_loadb(key, key_len, 0, &je), *v = json_loadb(value, value_len, 0, &je);
    const char *g = NULL, *t = NULL, *tt, *st;
    int ver;
    int32_t p = 0;
    json_int_t so, to, sy;
    int rc = -1;
    *group = *topic = *target = NULL;
    if (decode_key(k, &g, &t, &p, err, errsz)) {
        /* err set */
    } else if (!v || json_unpack(v, "{s:i,s:s,s:I,s:I,s:s,s:I}", "v", &ver, "target", &tt,
                                 "source_offset", &so, "target_offset", &to, "status", &st,
                                 "synced_offset", &sy)) {
        snprintf(err, errsz, "checkpoint value for %.200s/%.200s/%d is malformed", g, t, (int)p);
    } else if (ver != 1) {
        snprintf(err, errsz, "checkpoint format version %d is unknown (this kmig reads 1)", ver);
    } else {
        int s = -1;
        for (int i = 0; i < 3; i++)
            if (!strcmp(st, status_names[i])) s = i;
        if (s < 0) {
            snprintf(err, errsz, "checkpoint status '%.40s' is unknown", st);
        } else if (!*tt || so < 0 || sy < -1 ||
                   (s == OFFSET_MAP_EXACT ? to < 0 : to != -1)) {
            snprintf(err, errsz, "checkpoint value for %.200s/%.200s/%d has offsets out of range",
                     g, t, (int)p);
        } else {
            *group = xstrdup(g);
            *topic = xstrdup(t);
            *target = xstrdup(tt);
            *partition = p;
            *cp = (checkpoint_t){so, to, (offset_map_result_t)s, sy};
            rc = 0;
        }
    }
    json_decref(k);
    json_decref(v);
    return rc;
}

sync_action_t checkpoint_sync_decide(const checkpoint_t *cp, int64_t target_committed) {
    if (target_committed == CHECKPOINT_UNKNOWN) return SYNC_UNKNOWN;
    if (cp->status != OFFSET_MAP_EXACT) return SYNC_PENDING;
    if (target_committed < 0) return SYNC_WRITE;
    if (target_committed == cp->target_offset) return SYNC_UP_TO_DATE;
    /* The target has an offset kmig did not write: its consumers own the group. */
    if (target_committed != cp->synced_offset) return SYNC_TAKEN_OVER;
    if (cp->target_offset < target_committed) return SYNC_BEHIND;
    return SYNC_WRITE;
}

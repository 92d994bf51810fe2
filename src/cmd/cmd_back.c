/* Loading the forward map for the group commands of a reverse flow (see
 * cmd_back.h): the forward flow's map topic is read on the reverse flow's
 * source with the source's consumer and admin settings (the same read serves
 * `kmig verify`'s look at the opposite flow's map). */
#include "cmd/cmd_back.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/kclient.h"
#include "kafka/kread.h"
#include "offsets/checkpoint.h"
#include "kafka/map_store.h"
#include "mirror/backflow.h"

/* One checkpoint record of the forward flow: kept when it records a move kmig
 * made (an exact translation that kmig itself committed on B). */
static int moved_one(void *opaque, const rd_kafka_message_t *m, char *err, size_t errsz) {
    cmd_back_t *b = opaque;
    if (!m->key || !m->payload) return 0;
    char *group, *topic, *target;
    int32_t p;
    checkpoint_t cp;
    if (checkpoint_decode(m->key, m->key_len, m->payload, m->len, &group, &topic, &p, &target, &cp,
                          err, errsz))
        return -1;
    free(topic);
    /* later records of a key replace earlier ones */
    size_t i = 0;
    while (i < b->nmoved && (strcmp(b->moved[i].group, group) || strcmp(b->moved[i].b_topic, target) ||
                             b->moved[i].partition != p))
        i++;
    if (i == b->nmoved) {
        b->moved = xrealloc(b->moved, (b->nmoved + 1) * sizeof *b->moved);
        b->moved[b->nmoved++] = (struct cmd_back_moved){group, target, p, -1};
    } else {
        free(group);
        free(target);
    }
    bool move = cp.status == OFFSET_MAP_EXACT && cp.synced_offset >= 0 &&
                cp.synced_offset == cp.target_offset;
    b->moved[i].a_offset = move ? cp.source_offset : -1;
    return 0;
}

int cmd_back_read_opposite(const cmd_flow_t *cf, const char *reader_name, int timeout_ms,
                           map_set_t *opp, bool *exists, rd_kafka_t **reader, char *err,
                           size_t errsz) {
    kv_list_t sc = {0}, sa = {0};
    rd_kafka_t *cons = NULL, *adm = NULL;
    int rc = -1;
    if (mm2_client_settings(cf->mm2, cf->flow->source, MM2_CLIENT_CONSUMER, &sc, err, errsz) ||
        mm2_client_settings(cf->mm2, cf->flow->source, MM2_CLIENT_ADMIN, &sa, err, errsz))
        goto out;
    kclient_opts_t co = {.type = RD_KAFKA_CONSUMER, .name = reader_name, .settings = &sc};
    kclient_opts_t ao = {.type = RD_KAFKA_PRODUCER, .name = "source-admin", .settings = &sa};
    if (!(cons = kclient_new(&co, err, errsz)) || !(adm = kclient_new(&ao, err, errsz))) goto out;
    rc = backflow_load_opposite(adm, cons, cf->flow, timeout_ms, opp, exists, err, errsz);
    if (!rc && reader) {
        *reader = cons;
        cons = NULL;
    }
out:
    if (cons) rd_kafka_destroy(cons);
    if (adm) rd_kafka_destroy(adm);
    kv_list_clear(&sc);
    kv_list_clear(&sa);
    return rc;
}

int cmd_back_load(cmd_back_t *b, const cmd_flow_t *cf, map_set_t *own, int timeout_ms, char *err,
                  size_t errsz) {
    memset(b, 0, sizeof *b);
    map_store_topic_name(b->topic, sizeof b->topic, cf->flow->target);
    rd_kafka_t *cons = NULL;
    int rc = -1;
    b->fwd = map_set_new();
    if (cmd_back_read_opposite(cf, "source-forward-map-reader", timeout_ms, b->fwd, &b->active,
                               &cons, err, errsz))
        goto out;
    b->pair = (backmap_pair_t){b->fwd, own};
    if (b->active) {
        char ckpt[300];
        groups_checkpoint_topic(ckpt, sizeof ckpt, cf->flow->target);
        if (kread_topic(cons, ckpt, timeout_ms + 20000, moved_one, b, err, errsz)) goto out;
    }
    for (size_t i = 0; b->active && i < map_set_count(b->fwd); i++) {
        map_entry_t *f = map_set_sorted(b->fwd, i);
        /* forward: A topic -> B topic; the reverse flow's entry is keyed by B topic */
        map_set_ensure(own, f->target, f->partition, f->topic);
    }
    rc = 0;
out:
    if (cons) rd_kafka_destroy(cons);
    return rc;
}

void cmd_back_seed(const cmd_back_t *b, groups_t *g) {
    for (size_t i = 0; b->active && i < b->nmoved; i++)
        if (b->moved[i].a_offset >= 0)
            groups_note_synced(g, b->moved[i].group, b->moved[i].b_topic, b->moved[i].partition,
                               b->moved[i].a_offset);
}

void cmd_back_clear(cmd_back_t *b) {
    for (size_t i = 0; i < b->nmoved; i++) {
        free(b->moved[i].group);
        free(b->moved[i].b_topic);
    }
    free(b->moved);
    b->moved = NULL;
    b->nmoved = 0;
    map_set_destroy(b->fwd);
    b->fwd = NULL;
    b->active = false;
}

/* Loading the forward map for the group commands of a reverse flow (see
 * cmd_back.h): the forward flow's map topic is read on the reverse flow's
 * source with the source's consumer and admin settings. */
#include "cmd/cmd_back.h"

#include <stdio.h>
#include <string.h>

#include "kafka/kclient.h"
#include "kafka/map_store.h"
#include "mirror/backflow.h"

int cmd_back_load(cmd_back_t *b, const cmd_flow_t *cf, map_set_t *own, int timeout_ms, char *err,
                  size_t errsz) {
    memset(b, 0, sizeof *b);
    map_store_topic_name(b->topic, sizeof b->topic, cf->flow->target);
    kv_list_t sc = {0}, sa = {0};
    rd_kafka_t *cons = NULL, *adm = NULL;
    int rc = -1;
    if (mm2_client_settings(cf->mm2, cf->flow->source, MM2_CLIENT_CONSUMER, &sc, err, errsz) ||
        mm2_client_settings(cf->mm2, cf->flow->source, MM2_CLIENT_ADMIN, &sa, err, errsz))
        goto out;
    kclient_opts_t co = {.type = RD_KAFKA_CONSUMER, .name = "source-forward-map-reader",
                         .settings = &sc};
    kclient_opts_t ao = {.type = RD_KAFKA_PRODUCER, .name = "source-admin", .settings = &sa};
    if (!(cons = kclient_new(&co, err, errsz)) || !(adm = kclient_new(&ao, err, errsz))) goto out;
    b->fwd = map_set_new();
    if (backflow_load_opposite(adm, cons, cf->flow, timeout_ms, b->fwd, &b->active, err, errsz))
        goto out;
    b->pair = (backmap_pair_t){b->fwd, own};
    for (size_t i = 0; b->active && i < map_set_count(b->fwd); i++) {
        map_entry_t *f = map_set_sorted(b->fwd, i);
        /* forward: A topic -> B topic; the reverse flow's entry is keyed by B topic */
        map_set_ensure(own, f->target, f->partition, f->topic);
    }
    rc = 0;
out:
    if (cons) rd_kafka_destroy(cons);
    if (adm) rd_kafka_destroy(adm);
    kv_list_clear(&sc);
    kv_list_clear(&sa);
    return rc;
}

void cmd_back_clear(cmd_back_t *b) {
    map_set_destroy(b->fwd);
    b->fwd = NULL;
    b->active = false;
}

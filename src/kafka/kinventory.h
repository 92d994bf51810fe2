#ifndef KMIG_KAFKA_KINVENTORY_H
#define KMIG_KAFKA_KINVENTORY_H
/* Fills an inventory (plan/inventory.h) from a live cluster: metadata
 * (brokers, topics), broker configs and racks, topic configs, offsets,
 * sampled traffic and record sizes, consumer groups with lag, ACLs, and each
 * broker's protocol versions. What a cluster cannot answer (an old broker
 * without DescribeConfigs, no authorizer) is recorded in the inventory as a
 * reason and the rest goes on; only an unreachable cluster is an error. */
#include <stdbool.h>
#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "config/mm2.h"
#include "plan/inventory.h"

typedef struct kinventory_opts {
    rd_kafka_t *admin;        /* an admin-capable handle (producer type) */
    rd_kafka_t *group_admin;  /* a second handle for group describes (kgroups.h caveat) */
    rd_kafka_t *reader;       /* a consumer handle for record sizes; NULL: not sampled */
    const kv_list_t *client;  /* the cluster's client settings, for the protocol probe */
    int timeout_ms;
    int sample_s;             /* 0: no traffic sample */
    bool topics, configs, groups, acls, probe;
} kinventory_opts_t;

/* Returns 0, or -1 with err when the cluster's metadata cannot be read. */
int kinventory_collect(const kinventory_opts_t *o, inventory_t *inv, char *err, size_t errsz);

#endif

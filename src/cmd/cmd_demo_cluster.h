#ifndef KMIG_CMD_CMD_DEMO_CLUSTER_H
#define KMIG_CMD_CMD_DEMO_CLUSTER_H
/* A librdkafka mock cluster in this process, for `kmig demo` (cmd_demo.c) and
 * `kmig demo --cutover` (cmd_demo_services.h).
 *
 * Ownership: dcluster_t owns its handle and mock cluster; bootstrap is the
 * mock's (valid until demo_cluster_stop). */
#include <stddef.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

typedef struct dcluster {
    rd_kafka_t *handle;
    rd_kafka_mock_cluster_t *mock;
    const char *bootstrap;
} dcluster_t;

/* Starts a mock cluster of `brokers` brokers. Returns 0, or -1 with err
 * (demo_cluster_stop frees what was started). */
int demo_cluster_start(dcluster_t *c, int brokers, char *err, size_t errsz);
void demo_cluster_stop(dcluster_t *c);

#endif

/* The in-process mock clusters of both demos (see cmd_demo_cluster.h): a
 * producer handle hosts a librdkafka mock cluster, whose bootstrap servers the
 * demo's clients and mirror connect to over loopback TCP. */
#include "cmd/cmd_demo_cluster.h"

#include <stdio.h>

int demo_cluster_start(dcluster_t *c, int brokers, char *err, size_t errsz) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
    c->handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, errsz);
    if (!c->handle) return -1;
    if (!(c->mock = rd_kafka_mock_cluster_new(c->handle, brokers))) {
        snprintf(err, errsz, "cannot start a mock cluster");
        return -1;
    }
    c->bootstrap = rd_kafka_mock_cluster_bootstraps(c->mock);
    return 0;
}

void demo_cluster_stop(dcluster_t *c) {
    if (c->mock) rd_kafka_mock_cluster_destroy(c->mock);
    if (c->handle) rd_kafka_destroy(c->handle);
}

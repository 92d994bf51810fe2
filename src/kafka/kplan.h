#ifndef KMIG_KAFKA_KPLAN_H
#define KMIG_KAFKA_KPLAN_H
/* Executes a plan on the target cluster.
 *
 * Ownership: the plan stays the caller's; each item that fails gets its
 * `error` set (the broker's or librdkafka's reason, freed by plan_destroy). */
#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "plan/plan.h"

/* Creates the plan's topics, then adds partitions, then writes configs, then
 * creates ACL bindings. KRaft brokers list new ACLs asynchronously, so it
 * waits (up to timeout_ms, then warns) until the created bindings are listed:
 * a plan right after sees them. Returns the number of failed items. */
size_t kplan_apply(plan_t *p, rd_kafka_t *admin, int timeout_ms);

#endif

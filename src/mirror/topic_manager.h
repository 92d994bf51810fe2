#ifndef KMIG_MIRROR_TOPIC_MANAGER_H
#define KMIG_MIRROR_TOPIC_MANAGER_H
/* The mirror's topic manager: a thread that, every refresh interval, lists the
 * source topics, applies the flow's filters and naming, creates missing target
 * topics (source partition count and non-default configs minus
 * config.properties.exclude), grows partitions, keeps configs in sync, and
 * publishes the list of topics that are ready to copy. The copy loop picks up
 * each new list with topic_manager_take().
 *
 * Ownership: borrows the flow and the two admin handles (they outlive it);
 * lists returned by topic_manager_take() belong to the caller. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "config/mm2.h"

typedef struct ready_topic {
    char *name, *target;
    int32_t partitions;
} ready_topic_t;

void ready_topics_free(ready_topic_t *v, size_t n);

typedef struct topic_manager topic_manager_t;

topic_manager_t *topic_manager_new(const mm2_flow_t *flow, rd_kafka_t *source_admin,
                                   rd_kafka_t *target_admin, char *err, size_t errsz);
int topic_manager_start(topic_manager_t *m);
/* Asks the thread to stop and joins it (returns within an admin timeout). */
void topic_manager_stop(topic_manager_t *m);
void topic_manager_destroy(topic_manager_t *m); /* accepts NULL; stops first */

/* A list newer than *seen: copies it into *out / *n, updates *seen, returns
 * true. *missing gets the number of selected topics that cannot be copied. */
bool topic_manager_take(topic_manager_t *m, int *seen, ready_topic_t **out, size_t *n,
                        int *missing);
/* Whether the last successful source listing had `topic`: 1 yes, 0 no
 * (deleted), -1 no listing yet. */
int topic_manager_source_has(topic_manager_t *m, const char *topic);

#endif

#ifndef KMIG_MIRROR_HEARTBEAT_H
#define KMIG_MIRROR_HEARTBEAT_H
/* The heartbeat emitter of one flow A->B: its own thread and its own producer
 * on the SOURCE cluster A, writing every emit.heartbeats.interval.seconds an
 * MM2 heartbeat record (offsets/heartbeat_codec.h, key (A, B), value the
 * wall-clock time) to A's `heartbeats` topic (compacted, one partition;
 * created if missing with heartbeats.topic.replication.factor). The copy loop
 * mirrors that topic like any other (to `A.heartbeats` on B) and measures, on
 * each delivery, how long the record took from the source to the target.
 *
 * MM2 differs: its MirrorHeartbeatConnector writes the heartbeat to the
 * TARGET cluster's `heartbeats` topic, and the latency is seen only when a
 * further flow copies it on. kmig writes at the source so that one flow
 * measures its own end-to-end latency (docs/METRICS.md).
 *
 * Ownership: heartbeat_t borrows mm2 and flow (they outlive it). Not
 * thread-safe apart from heartbeat_get_stats(). */
#include <stdbool.h>
#include <stdint.h>

#include "config/mm2.h"

#define HEARTBEAT_TOPIC "heartbeats"

typedef struct heartbeat heartbeat_t;

/* True when the flow should emit heartbeats: emit.heartbeats.enabled and
 * the flow's topic filter selects `heartbeats` (the default `.*` does), so
 * that every heartbeat written is also copied and measured. (MM2 copies
 * heartbeats topics whatever the filter, heartbeats.replication.enabled;
 * kmig does not yet.) */
bool heartbeat_wanted(const mm2_flow_t *flow);

/* Starts the thread (which creates the topic, then writes). NULL with a
 * message when the producer cannot be made. */
heartbeat_t *heartbeat_start(mm2_t *mm2, const mm2_flow_t *flow, char *err, size_t errsz);
/* Stops the thread, flushes for at most 1 s, frees. Accepts NULL. */
void heartbeat_stop(heartbeat_t *h);

typedef struct heartbeat_stats {
    int64_t sent;   /* acknowledged by the source */
    int64_t failed; /* produce or delivery failures */
} heartbeat_stats_t;
void heartbeat_get_stats(heartbeat_t *h, heartbeat_stats_t *out); /* zeros for NULL */

#endif

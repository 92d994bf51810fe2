#ifndef KMIG_MIRROR_NAMING_H
#define KMIG_MIRROR_NAMING_H
/* Target topic names under MirrorMaker 2's replication policies
 * (replication.policy.class), and the checks that go with them. Pure.
 *
 *   POLICY_DEFAULT  (DefaultReplicationPolicy): "<source alias><separator><topic>",
 *                   e.g. "A.orders" when mirroring cluster A.
 *   POLICY_IDENTITY (IdentityReplicationPolicy): the topic keeps its name,
 *                   except that a topic whose name ends with "heartbeats" is
 *                   named as under the default policy (as MM2 does, so that
 *                   heartbeats from several sources do not collide).
 *
 * `separator` is replication.policy.separator and must not be empty. */
#include <stdbool.h>
#include <stddef.h>

#include "config/mm2.h"

#define NAMING_TOPIC_MAX 249 /* Kafka's limit on topic name length */

/* Writes the target name of source topic `topic` into out. Returns 0, or -1
 * when the name would be longer than NAMING_TOPIC_MAX or does not fit in out
 * (NAMING_TOPIC_MAX + 1 bytes always fit). */
int naming_target_topic(replication_policy_t policy, const char *source_alias,
                        const char *separator, const char *topic, char *out, size_t outsz);

/* True when source topic `topic` must not be mirrored to cluster `target_alias`
 * because its name says it came from there, directly ("B.orders" when
 * mirroring to B) or over several hops ("C.B.orders"); MM2's
 * MirrorSourceConnector.isCycle(). A name's source alias is the text before
 * the first separator, provided something other than separators follows it.
 * The identity policy keeps no origin in names, so it cannot detect cycles
 * (always false, except for heartbeats topics): its topology must be acyclic. */
bool naming_is_cycle(replication_policy_t policy, const char *target_alias,
                     const char *separator, const char *topic);

/* The inverse of naming_target_topic(): writes into out the source topic that
 * mirrors from `source_alias` to `target_topic`. Returns 0, or -1 when no
 * source topic maps there (under the default policy: the name does not start
 * with "<source alias><separator>") or out is too small. */
int naming_source_topic(replication_policy_t policy, const char *source_alias,
                        const char *separator, const char *target_topic, char *out,
                        size_t outsz);

#endif

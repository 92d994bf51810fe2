#ifndef KMIG_KAFKA_KGROUPS_H
#define KMIG_KAFKA_KGROUPS_H
/* Consumer-group admin calls, synchronous with a timeout: list groups, read a
 * group's committed offsets for given partitions, write a group's offsets
 * (refused by the broker while the group has active members), and describe a
 * group's state. Results are plain structs owned by the caller.
 *
 * librdkafka caveats (2.0.2, still open in 2.x):
 *  - after a DescribeConsumerGroups call fails, the next group call on the
 *    same handle may never return, so callers give kgroups_describe() a
 *    handle of its own;
 *  - ListConsumerGroupOffsets answered NOT_COORDINATOR (a coordinator that is
 *    starting or moving) crashes a handle that has no consumer group of its
 *    own (confluentinc/librdkafka#5040), so kgroups_committed() needs a handle
 *    from kgroups_admin_new(). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "config/mm2.h"
#include "offsets/group_presence.h"

typedef struct kgroup_offset {
    char *topic;
    int32_t partition;
    int64_t offset; /* -1: none committed */
    char *error;    /* per-partition error "CODE_NAME: description", or NULL */
} kgroup_offset_t;

typedef struct kgroup_offsets {
    kgroup_offset_t *v;
    size_t n, cap;
} kgroup_offsets_t;

void kgroup_offsets_add(kgroup_offsets_t *l, const char *topic, int32_t partition, int64_t offset);
void kgroup_offsets_clear(kgroup_offsets_t *l);

/* Names of all consumer groups (ListConsumerGroups). *names is a NULL-terminated
 * array the caller frees with kgroups_names_free(). */
int kgroups_list(rd_kafka_t *rk, int timeout_ms, char ***names, char *err, size_t errsz);
void kgroups_names_free(char **names);

/* An admin handle safe for every call here: a consumer handle with a
 * group.id of its own ("kmig-group-admin", never joined), built from the
 * cluster's admin `settings`. The caller owns it (rd_kafka_destroy). */
rd_kafka_t *kgroups_admin_new(const char *name, const kv_list_t *settings, char *err,
                              size_t errsz);

/* Committed offsets of `group` for the partitions in `parts` (their offsets
 * are ignored); fills out in the same order. A partition the broker answered
 * with an error, or left out of its answer, has its `error` set (its offset
 * is then unknown, not "none"). An empty `parts` asks for every
 * partition the group has committed. Asks again while the group coordinator
 * is loading or moving (whether the call or the group reports it), until
 * timeout_ms. On failure out is left empty.
 * `rk` from kgroups_admin_new(). */
int kgroups_committed(rd_kafka_t *rk, const char *group, const kgroup_offsets_t *parts,
                      int timeout_ms, kgroup_offsets_t *out, char *err, size_t errsz);

/* Commits offsets for `group` (AlterConsumerGroupOffsets); per-partition
 * outcomes go to the items' error fields of `offsets`. Returns -1 only when
 * the call failed as a whole; err is then "CODE_NAME: description" (e.g.
 * UNKNOWN_MEMBER_ID when the group has active members). Like
 * kgroups_committed(), asks again while the coordinator loads or moves. */
int kgroups_alter(rd_kafka_t *rk, const char *group, kgroup_offsets_t *offsets, int timeout_ms,
                  char *err, size_t errsz);

/* The group's state name ("Empty", "Stable", "Dead", ...) and member count;
 * with `clients` not NULL also its members' client ids, a NULL-terminated
 * array freed with kgroups_names_free(). */
int kgroups_describe(rd_kafka_t *rk, const char *group, int timeout_ms, char *state,
                     size_t state_size, int *members, char ***clients, char *err, size_t errsz);

/* Whether the cluster of `settings` serves DescribeGroups, asked of its first
 * bootstrap broker (kprobe.h): 1 yes, 0 no (the librdkafka mock: describing
 * there aborts the process in librdkafka 2.0.2), -1 unknown with err (the
 * broker did not answer: describing could hit the same abort). */
int kgroups_serves_describe(const kv_list_t *settings, int timeout_ms, char *err, size_t errsz);

/* Whether `group` has members on the cluster of `settings`, and its protocol
 * (classic or KIP-848 consumer): DescribeConsumerGroups, then, when that
 * says "Dead" (as Kafka 4 does for a consumer-protocol group),
 * ListConsumerGroups; judged by group_presence_judge(). Uses a handle of its
 * own, named `name` (see the DescribeConsumerGroups caveat above). Never
 * fails: what could not be read is GROUP_PROTOCOL_UNKNOWN / members -1 with
 * the reason in out->reason. */
void kgroups_presence(const char *name, const kv_list_t *settings, const char *group,
                      int timeout_ms, group_presence_t *out);

#endif

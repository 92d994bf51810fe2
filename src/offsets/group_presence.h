#ifndef KMIG_OFFSETS_GROUP_PRESENCE_H
#define KMIG_OFFSETS_GROUP_PRESENCE_H
/* Whether a consumer group has members on a cluster, and which rebalance
 * protocol it uses, judged from what the brokers answered (docs/OFFSETS.md,
 * "Kafka 4 groups").
 *
 * Kafka 4 runs two kinds of consumer groups: classic ones (JoinGroup,
 * group.protocol=classic) and KIP-848 ones (ConsumerGroupHeartbeat,
 * group.protocol=consumer). The classic DescribeGroups call, which is what
 * librdkafka 2.0.2 to 2.9 send for rd_kafka_DescribeConsumerGroups(),
 * answers "Dead" with no members for a KIP-848 group, exactly as for a group
 * that does not exist (GroupMetadataManager.describeGroups). ListGroups lists
 * both kinds with their state (and, from v5, their type). So "Dead, no
 * members" is never taken for "stopped": the listing decides, and when it
 * cannot, the answer is unknown, which is not none.
 *
 * Pure: kafka/kgroups.c asks the brokers and fills group_probe_t.
 * Ownership: the probe's strings are borrowed; results are plain values. */
#include <stdbool.h>
#include <stddef.h>

typedef enum {
    GROUP_PROTOCOL_UNKNOWN = 0, /* could not tell (see the reason) */
    GROUP_PROTOCOL_NONE,        /* no such group on that cluster */
    GROUP_PROTOCOL_CLASSIC,     /* classic group (JoinGroup/SyncGroup) */
    GROUP_PROTOCOL_CONSUMER,    /* KIP-848 consumer group (group.protocol=consumer) */
} group_protocol_t;

/* "unknown", "none", "classic", "consumer". */
const char *group_protocol_name(group_protocol_t p);

/* What the brokers said about one group. */
typedef struct group_probe {
    /* DescribeGroups (librdkafka's DescribeConsumerGroups) */
    bool describe_ok;
    const char *describe_state; /* librdkafka's state name: "Empty", "Stable", "Dead",
                                   "PreparingRebalance", "CompletingRebalance", "Unknown" */
    int describe_members;
    const char *describe_type;  /* "classic"/"consumer" when librdkafka tells it (2.10+,
                                   which then describes KIP-848 groups with
                                   ConsumerGroupDescribe), else NULL */
    const char *describe_error; /* when !describe_ok */
    /* ListGroups (librdkafka's ListConsumerGroups), asked after the description */
    bool list_asked;            /* false: not asked (not needed, or the description failed) */
    bool list_ok;               /* every broker answered */
    bool listed;                /* the group is in the answer */
    const char *list_state;     /* its state name, as describe_state (KIP-848 states
                                   "Assigning"/"Reconciling" read as "Unknown" there) */
    const char *list_type;      /* "classic"/"consumer" from ListGroups v5 (librdkafka
                                   2.6+), else NULL */
    const char *list_error;     /* when !list_ok */
    bool list_states;           /* the listing carries states (ListGroups v4+, Kafka 2.6+):
                                   some listed group has a known state */
    /* The group's committed offsets (OffsetFetch), asked only when it is neither
     * described nor listed: Kafka keeps a group while it has offsets, so offsets
     * of a group nobody lists mean an answer was incomplete (e.g. a coordinator
     * moving: GroupCoordinatorService.listGroups answers NOT_COORDINATOR with an
     * empty list), not "no such group". Not on brokers before 2.6 (a listing
     * without states): there a group with only committed offsets is described
     * "Dead" and not listed (Kafka 0.10.0), and has no members. */
    bool offsets_asked, offsets_ok, has_offsets;
    const char *offsets_error; /* when !offsets_ok */
} group_probe_t;

typedef struct group_presence {
    group_protocol_t protocol;
    int members;  /* -1 unknown; else the count, or a lower bound when !counted */
    bool counted; /* members is an exact count (false: "at least", from a state) */
    char reason[400]; /* how it was judged, or why it is unknown */
} group_presence_t;

/* Whether the probe must ask ListGroups after the description: when the
 * description does not settle it (state Dead or Unknown). */
bool group_presence_needs_list(const group_probe_t *p);

/* Whether the probe must read the group's committed offsets: described
 * "Dead" and absent from a complete listing. */
bool group_presence_needs_offsets(const group_probe_t *p);

/* The judgement. Members present whenever any answer says so; none only when
 * every answer that saw the group says it is empty, or it is absent from a
 * complete listing and has no committed offsets. */
void group_presence_judge(const group_probe_t *p, group_presence_t *out);

/* Whether an offset commit from outside (generation -1, no member id, as
 * kmig commits) was refused because the group has active members: Kafka
 * answers UNKNOWN_MEMBER_ID (both protocols), or for classic groups
 * mid-rebalance ILLEGAL_GENERATION / REBALANCE_IN_PROGRESS, FENCED_INSTANCE_ID
 * or STALE_MEMBER_EPOCH. `err` starts with the error's name. */
bool group_commit_refused_by_members(const char *err);

#endif

/* Unit tests of the group presence judgement: classic groups counted from
 * their description; a Kafka 4 consumer-protocol (KIP-848) group, described
 * "Dead" with no members by the classic call, is never taken for stopped:
 * the listing says it has members (or is empty), and without a complete
 * listing it is unknown; a missing group is none only when every broker
 * listed; commit refusals that mean "members active". */
#include <string.h>

#include "offsets/group_presence.h"
#include "unit.h"

static group_probe_t described(const char *state, int members) {
    return (group_probe_t){.describe_ok = true, .describe_state = state,
                           .describe_members = members};
}

static void test_classic(void) {
    group_presence_t o;
    group_probe_t p = described("Stable", 2);
    CHECK(!group_presence_needs_list(&p));
    group_presence_judge(&p, &o);
    CHECK_EQ_INT(o.protocol, GROUP_PROTOCOL_CLASSIC);
    CHECK_EQ_INT(o.members, 2);
    CHECK(o.counted);
    p = described("Empty", 0);
    group_presence_judge(&p, &o);
    CHECK_EQ_INT(o.protocol, GROUP_PROTOCOL_CLASSIC);
    CHECK_EQ_INT(o.members, 0);
    CHECK_EQ_STR(group_protocol_name(o.protocol), "classic");
    /* mid-rebalance without members listed: present, not counted */
    p = described("PreparingRebalance", 0);
    group_presence_judge(&p, &o);
    CHECK_EQ_INT(o.members, 1);
    CHECK(!o.counted);
}

static void test_consumer_protocol(void) {
    group_presence_t o;
    /* librdkafka 2.0.2: Dead, no members, listed Stable (v4, no type) */
    group_probe_t p = described("Dead", 0);
    CHECK(group_presence_needs_list(&p));
    p.list_asked = p.list_ok = p.listed = true;
    p.list_state = "Stable";
    group_presence_judge(&p, &o);
    CHECK_EQ_INT(o.protocol, GROUP_PROTOCOL_CONSUMER);
    CHECK(o.members > 0);
    CHECK(!o.counted);
    CHECK(strstr(o.reason, "KIP-848") != NULL);
    /* Assigning/Reconciling read as Unknown: still members */
    p.list_state = "Unknown";
    group_presence_judge(&p, &o);
    CHECK(o.members > 0);
    CHECK(strstr(o.reason, "Reconciling") != NULL);
    /* an empty consumer group: no members, counted */
    p.list_state = "Empty";
    group_presence_judge(&p, &o);
    CHECK_EQ_INT(o.protocol, GROUP_PROTOCOL_CONSUMER);
    CHECK_EQ_INT(o.members, 0);
    CHECK(o.counted);
    /* librdkafka 2.6+: the listing's type wins */
    p.list_state = "Stable";
    p.list_type = "consumer";
    group_presence_judge(&p, &o);
    CHECK_EQ_INT(o.protocol, GROUP_PROTOCOL_CONSUMER);
    CHECK(o.members > 0);
    /* a listing that fails somewhere but finds the group still counts */
    p.list_ok = false;
    p.list_error = "broker 2 timed out";
    group_presence_judge(&p, &o);
    CHECK(o.members > 0);
    /* librdkafka 2.10+: ConsumerGroupDescribe counts the members */
    p = described("Stable", 3);
    p.describe_type = "consumer";
    CHECK(!group_presence_needs_list(&p));
    group_presence_judge(&p, &o);
    CHECK_EQ_INT(o.protocol, GROUP_PROTOCOL_CONSUMER);
    CHECK_EQ_INT(o.members, 3);
    CHECK(o.counted);
}

static void test_unknown_is_not_none(void) {
    group_presence_t o;
    /* Dead and the listing failed: unknown, never 0 */
    group_probe_t p = described("Dead", 0);
    p.list_asked = true;
    p.list_error = "ListConsumerGroups: timed out";
    group_presence_judge(&p, &o);
    CHECK_EQ_INT(o.protocol, GROUP_PROTOCOL_UNKNOWN);
    CHECK_EQ_INT(o.members, -1);
    CHECK(strstr(o.reason, "timed out") != NULL);
    CHECK(strstr(o.reason, "KIP-848") != NULL);
    /* Dead and not listed at all: unknown */
    p = described("Dead", 0);
    group_presence_judge(&p, &o);
    CHECK_EQ_INT(o.members, -1);
    /* Dead and absent from a complete listing: no such group */
    p.list_asked = p.list_ok = true;
    group_presence_judge(&p, &o);
    CHECK_EQ_INT(o.protocol, GROUP_PROTOCOL_NONE);
    CHECK_EQ_INT(o.members, 0);
    CHECK_EQ_STR(group_protocol_name(o.protocol), "none");
    /* ... unless it has committed offsets: an answer was incomplete */
    CHECK(group_presence_needs_offsets(&p));
    p.offsets_asked = p.offsets_ok = p.has_offsets = true;
    /* (before Kafka 2.6, no states in the listing: a group with offsets only, 0.10.0) */
    group_presence_judge(&p, &o);
    CHECK_EQ_INT(o.protocol, GROUP_PROTOCOL_CLASSIC);
    CHECK_EQ_INT(o.members, 0);
    p.list_states = true;
    group_presence_judge(&p, &o);
    CHECK_EQ_INT(o.protocol, GROUP_PROTOCOL_UNKNOWN);
    CHECK_EQ_INT(o.members, -1);
    CHECK(strstr(o.reason, "incomplete") != NULL);
    p.has_offsets = p.offsets_ok = false;
    p.offsets_error = "COORDINATOR_NOT_AVAILABLE: x";
    group_presence_judge(&p, &o);
    CHECK_EQ_INT(o.members, -1);
    CHECK(strstr(o.reason, "COORDINATOR_NOT_AVAILABLE") != NULL);
    p.offsets_ok = true;
    group_presence_judge(&p, &o);
    CHECK_EQ_INT(o.protocol, GROUP_PROTOCOL_NONE);
    CHECK_EQ_INT(o.members, 0);
    /* listed without a state (old broker): members unknown */
    p.listed = true;
    p.list_state = "";
    group_presence_judge(&p, &o);
    CHECK_EQ_INT(o.members, -1);
    /* the description failed */
    p = (group_probe_t){.describe_error = "GROUP_AUTHORIZATION_FAILED: denied"};
    CHECK(!group_presence_needs_list(&p));
    group_presence_judge(&p, &o);
    CHECK_EQ_INT(o.protocol, GROUP_PROTOCOL_UNKNOWN);
    CHECK_EQ_INT(o.members, -1);
    CHECK(strstr(o.reason, "GROUP_AUTHORIZATION_FAILED") != NULL);
    CHECK_EQ_STR(group_protocol_name(GROUP_PROTOCOL_UNKNOWN), "unknown");
}

static void test_commit_refusals(void) {
    CHECK(group_commit_refused_by_members("UNKNOWN_MEMBER_ID: Broker: Unknown member"));
    CHECK(group_commit_refused_by_members("STALE_MEMBER_EPOCH: stale"));
    CHECK(group_commit_refused_by_members("REBALANCE_IN_PROGRESS: x"));
    CHECK(group_commit_refused_by_members("ILLEGAL_GENERATION: x"));
    CHECK(!group_commit_refused_by_members("GROUP_AUTHORIZATION_FAILED: x"));
    CHECK(!group_commit_refused_by_members("COORDINATOR_NOT_AVAILABLE: x"));
    CHECK(!group_commit_refused_by_members(NULL));
}

UNIT_MAIN({"classic", test_classic}, {"consumer_protocol", test_consumer_protocol},
          {"unknown_is_not_none", test_unknown_is_not_none},
          {"commit_refusals", test_commit_refusals})

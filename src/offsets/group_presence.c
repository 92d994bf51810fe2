/* Judges a consumer group's members and protocol from the brokers' answers
 * (group_presence.h). The rule that matters: Kafka 4 describes a KIP-848
 * group as "Dead" with no members through the classic DescribeGroups call,
 * so that answer alone is never "stopped"; ListGroups settles it, and
 * without a complete listing the answer is unknown. */
#include "offsets/group_presence.h"

#include <stdio.h>
#include <string.h>

const char *group_protocol_name(group_protocol_t p) {
    switch (p) {
    case GROUP_PROTOCOL_NONE: return "none";
    case GROUP_PROTOCOL_CLASSIC: return "classic";
    case GROUP_PROTOCOL_CONSUMER: return "consumer";
    default: return "unknown";
    }
}

static bool is(const char *a, const char *b) {
    return a && !strcmp(a, b);
}

/* A state that says the group has no members. */
static bool state_empty(const char *s) {
    return is(s, "Empty") || is(s, "Dead");
}

bool group_presence_needs_list(const group_probe_t *p) {
    if (!p->describe_ok) return false; /* unknown anyway (and the handle may hang) */
    if (is(p->describe_type, "consumer")) return false;
    return !p->describe_state || is(p->describe_state, "Dead") || is(p->describe_state, "Unknown");
}

bool group_presence_needs_offsets(const group_probe_t *p) {
    return group_presence_needs_list(p) && p->list_asked && p->list_ok && !p->listed;
}

static void set(group_presence_t *o, group_protocol_t proto, int members, bool counted) {
    o->protocol = proto;
    o->members = members;
    o->counted = counted;
}

void group_presence_judge(const group_probe_t *p, group_presence_t *o) {
    set(o, GROUP_PROTOCOL_UNKNOWN, -1, false);
    o->reason[0] = '\0';
    const char *ds = p->describe_state ? p->describe_state : "?";
    if (!p->describe_ok) {
        snprintf(o->reason, sizeof o->reason, "describing the group failed: %s",
                 p->describe_error ? p->describe_error : "no answer");
        return;
    }
    if (is(p->describe_type, "consumer")) { /* ConsumerGroupDescribe (librdkafka 2.10+) */
        set(o, GROUP_PROTOCOL_CONSUMER, p->describe_members, true);
        if (o->members == 0 && !state_empty(ds)) set(o, GROUP_PROTOCOL_CONSUMER, 1, false);
        snprintf(o->reason, sizeof o->reason, "consumer-protocol group, state %s", ds);
        return;
    }
    if (!group_presence_needs_list(p)) { /* a classic group the description saw */
        set(o, GROUP_PROTOCOL_CLASSIC, p->describe_members, true);
        if (o->members == 0 && !state_empty(ds)) set(o, GROUP_PROTOCOL_CLASSIC, 1, false);
        snprintf(o->reason, sizeof o->reason, "classic group, state %s", ds);
        return;
    }
    /* "Dead" (or a state librdkafka does not know): no such group, or a group
     * the classic call does not describe (KIP-848). */
    if (!p->list_asked) {
        snprintf(o->reason, sizeof o->reason,
                 "DescribeGroups says %s, which Kafka 4 also answers for a consumer-protocol "
                 "(KIP-848) group, and the groups were not listed",
                 ds);
        return;
    }
    if (!p->listed) {
        if (p->list_ok && p->offsets_asked && !p->offsets_ok) {
            snprintf(o->reason, sizeof o->reason,
                     "DescribeGroups says %s and the group is not listed, but its committed "
                     "offsets could not be read: %s",
                     ds, p->offsets_error ? p->offsets_error : "no answer");
        } else if (p->list_ok && p->has_offsets && !p->list_states) {
            set(o, GROUP_PROTOCOL_CLASSIC, 0, true);
            snprintf(o->reason, sizeof o->reason,
                     "a group with committed offsets only (DescribeGroups: %s; not listed by a "
                     "broker before 2.6)",
                     ds);
        } else if (p->list_ok && p->has_offsets) {
            snprintf(o->reason, sizeof o->reason,
                     "DescribeGroups says %s and the group is not listed, yet it has committed "
                     "offsets: an answer was incomplete (a group coordinator moving?)",
                     ds);
        } else if (p->list_ok) {
            set(o, GROUP_PROTOCOL_NONE, 0, true);
            snprintf(o->reason, sizeof o->reason,
                     "no such group (DescribeGroups: %s; not listed%s)", ds,
                     p->offsets_asked ? "; no committed offsets" : "");
        } else {
            snprintf(o->reason, sizeof o->reason,
                     "DescribeGroups says %s, which Kafka 4 also answers for a consumer-protocol "
                     "(KIP-848) group, and listing the groups failed: %s",
                     ds, p->list_error ? p->list_error : "no answer");
        }
        return;
    }
    group_protocol_t proto = GROUP_PROTOCOL_UNKNOWN;
    if (is(p->list_type, "consumer")) proto = GROUP_PROTOCOL_CONSUMER;
    else if (is(p->list_type, "classic")) proto = GROUP_PROTOCOL_CLASSIC;
    else if (is(ds, "Dead")) proto = GROUP_PROTOCOL_CONSUMER; /* listed, yet not classic */
    const char *ls = p->list_state;
    if (!ls || !*ls) {
        snprintf(o->reason, sizeof o->reason,
                 "DescribeGroups says %s but the group is listed, without a state (broker "
                 "before 2.6?): members unknown",
                 ds);
        o->protocol = proto;
        return;
    }
    if (state_empty(ls)) {
        set(o, proto, 0, true);
    } else {
        set(o, proto, 1, false); /* the state says members; librdkafka cannot count them */
    }
    snprintf(o->reason, sizeof o->reason, "%s group, listed in state %s%s",
             proto == GROUP_PROTOCOL_CONSUMER  ? "consumer-protocol (KIP-848)"
             : proto == GROUP_PROTOCOL_CLASSIC ? "classic"
                                               : "listed",
             is(ls, "Unknown") ? "Assigning or Reconciling" : ls,
             o->counted ? "" : " (members present, not counted: librdkafka describes only "
                               "classic groups)");
}

bool group_commit_refused_by_members(const char *e) {
    static const char *const codes[] = {"UNKNOWN_MEMBER_ID",     "ILLEGAL_GENERATION",
                                        "REBALANCE_IN_PROGRESS", "GROUP_SUBSCRIBED_TO_TOPIC",
                                        "FENCED_INSTANCE_ID",    "STALE_MEMBER_EPOCH"};
    for (size_t i = 0; e && i < sizeof codes / sizeof codes[0]; i++)
        if (!strncmp(e, codes[i], strlen(codes[i]))) return true;
    return false;
}

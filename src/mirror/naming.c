/* MirrorMaker 2's replication policies: how a source topic is named on the
 * target cluster, the reverse, and the cycle check that keeps a topic from
 * being mirrored back to the cluster it came from. */
#include "mirror/naming.h"

#include <stdio.h>
#include <string.h>

static bool looks_like_heartbeat(const char *topic) {
    size_t n = strlen(topic), m = strlen("heartbeats");
    return n >= m && strcmp(topic + n - m, "heartbeats") == 0;
}

/* Whether the identity policy names `topic` like the default policy does. */
static bool prefixed(replication_policy_t policy, const char *topic) {
    return policy == POLICY_DEFAULT || looks_like_heartbeat(topic);
}

int naming_target_topic(replication_policy_t policy, const char *source_alias,
                        const char *separator, const char *topic, char *out, size_t outsz) {
    int n = prefixed(policy, topic) ? snprintf(out, outsz, "%s%s%s", source_alias, separator, topic)
                                    : snprintf(out, outsz, "%s", topic);
    return n < 0 || n > NAMING_TOPIC_MAX || (size_t)n >= outsz ? -1 : 0;
}

/* DefaultReplicationPolicy.topicSource(): the length of the source alias at
 * the start of `topic` (the text before the first separator), or -1 when the
 * name is not a remote topic. Java's String.split() drops trailing empty
 * parts, so a name needs some non-separator text after the first separator. */
static int topic_source_len(const char *topic, const char *sep) {
    size_t m = strlen(sep);
    const char *first = m ? strstr(topic, sep) : NULL;
    if (!first) return -1;
    const char *rest = first + m;
    while (strncmp(rest, sep, m) == 0) rest += m;
    return *rest ? (int)(first - topic) : -1;
}

bool naming_is_cycle(replication_policy_t policy, const char *target_alias,
                     const char *separator, const char *topic) {
    size_t alias_len = strlen(target_alias);
    /* Each step moves to the upstream topic, a strict suffix: this ends. */
    while (prefixed(policy, topic)) {
        int len = topic_source_len(topic, separator);
        if (len < 0) return false;
        if ((size_t)len == alias_len && strncmp(topic, target_alias, alias_len) == 0) return true;
        topic += (size_t)len + strlen(separator);
    }
    return false;
}

int naming_source_topic(replication_policy_t policy, const char *source_alias,
                        const char *separator, const char *target_topic, char *out,
                        size_t outsz) {
    const char *topic = target_topic;
    if (prefixed(policy, target_topic)) {
        size_t a = strlen(source_alias), s = strlen(separator);
        if (strncmp(target_topic, source_alias, a) != 0 ||
            strncmp(target_topic + a, separator, s) != 0 || !target_topic[a + s])
            return -1;
        topic = target_topic + a + s;
    }
    int n = snprintf(out, outsz, "%s", topic);
    return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

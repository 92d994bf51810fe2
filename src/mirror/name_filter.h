#ifndef KMIG_MIRROR_NAME_FILTER_H
#define KMIG_MIRROR_NAME_FILTER_H
/* MirrorMaker 2's include/exclude filter for topic and consumer group names
 * (DefaultTopicFilter, DefaultGroupFilter): `topics` / `topics.exclude`,
 * `groups` / `groups.exclude`. Each list is comma-separated regular
 * expressions in Java syntax, as far as PCRE2 implements it (classes,
 * quantifiers, groups, alternation, \Q..\E and (?i) behave the same; PCRE2
 * takes a few forms literally that Java rejects, such as a '{' that starts no
 * repetition). As in MM2 the list is split at every comma, even one inside a
 * regex, the whitespace around commas is ignored, and the items are joined as
 * alternatives that must match the WHOLE name (Java's Matcher.matches()). A
 * name is selected when it matches the include list and not the exclude list.
 * An empty list matches nothing: an empty include list selects no name, an
 * empty exclude list excludes none. Pure: no Kafka I/O.
 *
 * Thread-safety: a filter is immutable after name_filter_new(); any number of
 * threads may call name_filter_match() on it at once.
 * Ownership: the caller owns the filter and frees it with name_filter_destroy(). */
#include <stdbool.h>
#include <stddef.h>

typedef struct name_filter name_filter_t;

/* Compiles both lists (NULL is an empty list). Returns NULL with a message
 * naming the bad pattern, PCRE2's reason and the offset in err. */
name_filter_t *name_filter_new(const char *include_list, const char *exclude_list, char *err,
                               size_t errsz);
void name_filter_destroy(name_filter_t *f); /* accepts NULL */

/* True when `name` matches the include list and not the exclude list. A
 * matching error (e.g. PCRE2's backtracking limit) is logged and counts as
 * not selected. */
bool name_filter_match(const name_filter_t *f, const char *name);

/* True for topics kmig never copies, whatever the filters say (MM2's
 * ReplicationPolicy.isInternalTopic() plus MM2's own topics):
 *   - Kafka internal topics: names starting with "__" or ".";
 *   - Connect and MM2 internal topics: names ending with ".internal",
 *     "-internal" or <separator>"internal" (MM2's offset-syncs and checkpoints
 *     topics under a custom separator); this covers kmig's own map topics
 *     "kmig-offset-map.<alias>.internal" too;
 *   - MM2 dedicated-mode Connect topics by prefix: "mm2-configs.",
 *     "mm2-offsets.", "mm2-status." and "mm2-offset-syncs.".
 * `separator` is replication.policy.separator (NULL means "."). */
bool name_filter_topic_is_internal(const char *topic, const char *separator);

#endif

#ifndef KMIG_OFFSETS_GROUP_IMPORT_H
#define KMIG_OFFSETS_GROUP_IMPORT_H
/* Source offsets of consumer groups given from outside instead of read from
 * the source cluster: a CSV file as kafka-consumer-groups.sh --export writes
 * it, or old clients' offsets read from ZooKeeper. Pure: no I/O but reading
 * the CSV file.
 *
 * Ownership: the import owns its strings; group_import_names() returns a copy
 * the caller frees (each string, then the array). */
#include <stddef.h>
#include <stdint.h>

#include "core/sbuf.h"

typedef struct group_import group_import_t;

group_import_t *group_import_new(void);
void group_import_destroy(group_import_t *imp); /* accepts NULL */

/* Adds (or replaces) one offset. */
void group_import_add(group_import_t *imp, const char *group, const char *topic,
                      int32_t partition, int64_t offset);
/* The offset for group/topic/partition, or -1. */
int64_t group_import_get(const group_import_t *imp, const char *group, const char *topic,
                         int32_t partition);
/* Every entry, in order of first appearance: returns 0 past the end. */
int group_import_at(const group_import_t *imp, size_t i, const char **group, const char **topic,
                    int32_t *partition, int64_t *offset);

/* The groups named, in order of appearance, NULL-terminated. */
char **group_import_names(const group_import_t *imp);

/* Parses CSV lines "group,topic,partition,offset", or "topic,partition,offset"
 * when `group` is given; blank lines and lines starting with '#' are skipped.
 * Returns 0 or -1 with "path:line: reason". */
int group_import_csv(group_import_t *imp, const char *path, const char *group, char *err,
                     size_t errsz);

/* Appends the exact key of group/topic/partition to out: each name
 * length-prefixed, so no two triples share a key, whatever their length or
 * bytes (Kafka allows group names of 32767 bytes). Also the key of the
 * mirror's checkpoint table. */
void group_import_key(sbuf_t *out, const char *group, const char *topic, int32_t partition);

#endif

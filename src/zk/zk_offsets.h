#ifndef KMIG_ZK_ZK_OFFSETS_H
#define KMIG_ZK_ZK_OFFSETS_H
/* Consumer-group offsets that old Kafka clients (the Scala consumer of Kafka
 * before 2.0, and clients modelled on it) kept in ZooKeeper, one znode per
 * partition: /consumers/<group>/offsets/<topic>/<partition>, whose data is the
 * offset of the next record to read as decimal text. Read-only: nothing is
 * ever written to ZooKeeper.
 *
 * Ownership: a zk_offsets_t owns its array and every string in it;
 * zk_offsets_clear() frees them and leaves an empty set. A zeroed zk_offsets_t
 * is a valid empty one. */
#include <stddef.h>
#include <stdint.h>

typedef struct zk_offset {
    char *group, *topic;
    int32_t partition;
    int64_t offset;
} zk_offset_t;

typedef struct zk_offsets {
    zk_offset_t *v; /* sorted by group, topic, partition */
    size_t n;
} zk_offsets_t;

/* Reads the offsets of `groups` (a NULL-terminated list of literal group
 * names; NULL: every group under /consumers) from the ZooKeeper ensemble at
 * `connect` ("host:port[,host:port...][/chroot]", as the old clients'
 * zookeeper.connect) into `out`, which is emptied first. A missing /consumers,
 * group or offsets node is not an error: it just adds nothing. Waits at most
 * timeout_ms for the connection; it is also the session timeout. Returns 0, or
 * -1 with `out` empty and a message in err naming the znode and ZooKeeper's
 * error (unreachable ensemble, no access, a malformed offset or partition
 * node, ...). Sets the ZooKeeper C client's process-wide log level: its
 * messages go to kmig's log at debug level only. */
int zk_offsets_read(const char *connect, const char *const *groups, int timeout_ms,
                    zk_offsets_t *out, char *err, size_t errsz);

void zk_offsets_clear(zk_offsets_t *offsets);

/* Parses one offset znode's data (`len` bytes, not NUL-terminated): a
 * non-negative decimal number, optionally surrounded by whitespace. Returns 0,
 * or -1 if it is anything else (empty, negative, not a number, too large). */
int zk_offset_parse(const char *data, int len, int64_t *offset);

#endif

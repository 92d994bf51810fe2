#ifndef KMIG_MIRROR_MTASK_H
#define KMIG_MIRROR_MTASK_H
/* Tasks: the units in which kmig processes share a flow. Pure.
 *
 * A flow's source partitions are split into `ntasks` tasks (MM2's key
 * `tasks.max`). A task is what a worker owns, moves and fences as a whole: in
 * exactly-once mode each task has its own transactional id, so the next owner
 * of a task fences the previous one. The task of a partition depends only on
 * its topic name, partition number and `ntasks`, never on which other topics
 * exist, so every worker computes the same split from the same file. */
#include <stddef.h>
#include <stdint.h>

#include "config/mm2.h"

/* The task (0 .. ntasks-1) of source partition `topic` [`partition`]; 0 when
 * ntasks <= 1. A topic's partitions go to consecutive tasks (partition p of a
 * topic whose first partition is in task t is in task (t + p) % ntasks), so a
 * topic with at least ntasks partitions spreads over every task. */
int mtask_of(const char *topic, int32_t partition, int ntasks);

/* What workers sharing a flow must agree on (aliases, topics,
 * topics.exclude, tasks.max, the replication policy and its separator) as 16
 * hex digits into out (at least 17 bytes): workers whose fingerprints differ
 * would split tasks over different selections, leaving partitions that no
 * worker copies. */
void mtask_fingerprint(const mm2_flow_t *f, char *out, size_t outsz);

#endif

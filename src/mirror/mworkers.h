#ifndef KMIG_MIRROR_MWORKERS_H
#define KMIG_MIRROR_MWORKERS_H
/* Workers: the `kmig mirror` processes of one flow share its tasks
 * (mirror/mtask.h) through a Kafka consumer group on the TARGET cluster
 * (docs/WORKERS.md). Every process joins the group `kmig.<source>-><target>`
 * (key kmig.workers.group.id) and subscribes to the internal topic
 * `kmig-tasks.<source>.internal`, which has one partition per task and holds
 * no records: owning partition k of it is owning task k. The assignment is
 * cooperative-sticky, so a rebalance moves only the tasks that must move, and
 * a task is revoked from its old owner (which stops it, flushing its map)
 * before it is assigned to the new one.
 *
 * A lone process owns every task; two processes started with the same file
 * never both own a task, except a process that was paused (SIGSTOP, a stalled
 * VM) past its session timeout: on waking it drops every task at once as lost
 * (mworkers_poll measures the pause) before the group tells it so, and the
 * records its producer had in flight then are counted as duplicates by the
 * copy loop.
 *
 * Threads: everything here runs on the copy loop's thread; the hooks are
 * called from mworkers_poll() (librdkafka serves rebalances from the poll).
 * Ownership: mworkers_t owns its group consumer; it borrows the flow, the
 * settings and the admin handle (they outlive it). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "config/mm2.h"

typedef struct mworkers_hooks {
    void *opaque;
    /* Tasks `tasks[0..n)` are now this process's: start their partitions from
     * their persisted maps. */
    void (*start)(void *opaque, const int *tasks, int n);
    /* Tasks `tasks[0..n)` are no longer this process's: stop their
     * partitions, and unless `lost`, deliver what is in flight and persist
     * their maps before returning (the next owner starts from them). With
     * `lost` another process may already copy them: write nothing more. */
    void (*stop)(void *opaque, const int *tasks, int n, bool lost);
} mworkers_hooks_t;

typedef struct mworkers mworkers_t;

/* The tasks topic of a flow: "kmig-tasks.<source>.internal", or with
 * kmig.workers.group.id set "kmig-tasks.<that group id>.internal" (characters
 * a topic name cannot hold become '_'), so that two groups never share one. */
void mworkers_topic_name(char *buf, size_t size, const mm2_flow_t *f);
/* The group id: kmig.workers.group.id, else "kmig.<source>-><target>". */
void mworkers_group_id(char *buf, size_t size, const mm2_flow_t *f);

/* Creates or checks the tasks topic (f->tasks partitions; a different count
 * is an error naming tasks.max: every worker of a flow must split it the same
 * way), then joins the group. `tgt_consumer` are the target's consumer
 * settings. Returns NULL with the reason in err; *no_admin is then true when
 * the tasks topic is missing and the target does not answer CreateTopics
 * (librdkafka's mock cluster): the caller may run alone, owning every task. */
mworkers_t *mworkers_new(const mm2_flow_t *f, const kv_list_t *tgt_consumer, rd_kafka_t *tadmin,
                         const mworkers_hooks_t *hooks, bool *no_admin, char *err, size_t errsz);

/* Serves the group (rebalances call the hooks). Returns -1 with err filled on
 * a fatal group error. */
int mworkers_poll(mworkers_t *w, char *err, size_t errsz);

/* True when the process was just paused past the group's patience and
 * mworkers_poll() has not dropped its tasks yet: the copy loop checks it
 * before each record it produces and each producer poll, so that nothing is
 * copied or mapped for a task another worker may own by now. Any thread. */
bool mworkers_paused(mworkers_t *w);
/* Exactly once: another owner's init_transactions fenced this process's
 * producer of `task` (its commit spanned a pause, say): the task is dropped
 * as lost (the stop hook is called) and started again only if the group
 * still gives it here a session's time later. Returns -1 with err filled
 * when tasks are fenced over and over while the group gives them here:
 * another process outside the group writes the flow. */
int mworkers_fenced(mworkers_t *w, int task, char *err, size_t errsz);
bool mworkers_owns(const mworkers_t *w, int task); /* true for every task when w is NULL */
int mworkers_owned(const mworkers_t *w);          /* tasks owned now */
int mworkers_ntasks(const mworkers_t *w);
/* True once the group gave this process its first assignment (possibly
 * empty): before that it owns nothing and is not "caught up". */
bool mworkers_joined(const mworkers_t *w);
/* True after a pause dropped every task, until the group confirms what this
 * process owns (nothing it owns is being copied meanwhile). */
bool mworkers_suspended(const mworkers_t *w);
/* This member's id in the group ("" before joining); the worker id. */
const char *mworkers_member_id(mworkers_t *w);
/* Rebalances seen, tasks gained, tasks lost to a pause or the group. */
void mworkers_counts(const mworkers_t *w, int64_t *rebalances, int64_t *gained, int64_t *lost);

/* Leaves the group (the stop hook is called for the tasks still owned, not
 * lost: the caller has persisted everything by then) and destroys w. */
void mworkers_destroy(mworkers_t *w); /* accepts NULL */

#endif

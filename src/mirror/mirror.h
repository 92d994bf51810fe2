#ifndef KMIG_MIRROR_MIRROR_H
#define KMIG_MIRROR_MIRROR_H
/* The replicator: copies the selected topics of one flow (source -> target)
 * record for record into the same partitions, and keeps the exact offset map
 * on the target. See docs/ARCHITECTURE.md for the threads and the data path.
 *
 * Ownership: mirror_t borrows the mm2_t and flow given in the options (they
 * must outlive it) and owns every client it creates. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/mm2.h"

typedef struct mirror_opts {
    mm2_t *mm2;
    const mm2_flow_t *flow;
    bool stop_at_end;           /* exit once every selected partition is copied to its end */
    const char *metrics_addr;   /* --http "[HOST:]PORT" or NULL */
    const char *http_port_file; /* --http-port-file: the bound port is written there */
    const char *verify_json;    /* --verify-json: a kmig verify --json file the dashboard shows */
    const char *services;       /* --services: a cutover manifest; the dashboard shows its board */
    int progress_interval_ms;   /* per-topic progress lines; 0 = off */
    /* Optional: kept equal to the exit code the run would end with if it
     * stopped now (0, or KMIG_EXIT_FAIL / KMIG_EXIT_DATA_LOSS once known), for
     * a caller that must exit before mirror_run returns. */
    atomic_int *exit_hint;
    /* Optional: the stop flag (0 run, 1 stop, 2 stop now) the caller sets,
     * e.g. from a signal handler (async-signal-safe: an atomic store). */
    atomic_int *stop;
    /* Optional: the run summary JSON (mirror_report.h) is written here when
     * mirror_run ends, before it waits for the helper threads. */
    const char *summary_path;
    /* One of `kmig mirror --workers N` (N, else 0): without a tasks topic (a
     * target without CreateTopics) it refuses to copy every task alone. */
    int worker_of;
} mirror_opts_t;

typedef struct mirror_stats {
    int64_t records;        /* copied and acknowledged in this run */
    int64_t bytes;          /* key + value bytes of those records */
    int64_t resend_estimate; /* target records written but not mapped before this run */
    int64_t recovered;       /* of those, paired with their source records (not re-sent) */
    int64_t lost;           /* source records deleted before they were copied */
    int topics;             /* topics being copied */
    int partitions;
    int missing_topics;     /* selected, but absent on the target and not creatable */
} mirror_stats_t;

typedef struct mirror mirror_t;

/* Connects nothing yet; validates options and builds client settings. */
mirror_t *mirror_new(const mirror_opts_t *opts, char *err, size_t errsz);

/* Runs until stopped (opts.stop), or until caught up with
 * stop_at_end. Returns a process exit code: 0, KMIG_EXIT_FAIL with the reason
 * logged, KMIG_EXIT_USAGE when the internal topics cannot be created or used
 * (before anything is copied), or KMIG_EXIT_DATA_LOSS. */
int mirror_run(mirror_t *m);

/* Any thread, any time: the latest published figures. */
void mirror_get_stats(mirror_t *m, mirror_stats_t *out);

void mirror_destroy(mirror_t *m); /* accepts NULL */

/* Above this many partitions a command may exit right after mirror_run()
 * instead of calling mirror_destroy(): the run's outcome is final by then
 * (the map flushed and every write checked, the summary written, the group
 * sync stopped), and librdkafka 2.0.2's consumer teardown stops every
 * assigned partition one by one, each stop walking them all (seconds at a
 * few thousand partitions, 9-11 s at 24,000), with or without
 * RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE. */
#define MIRROR_FAST_EXIT_PARTITIONS 1000

#endif

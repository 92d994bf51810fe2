#ifndef KMIG_MIRROR_BACKFLOW_H
#define KMIG_MIRROR_BACKFLOW_H
/* The way back in the copy loop (docs/CUTOVER.md "The way back"). A flow
 * S->T whose opposite flow T->S exists (its map topic
 * "kmig-offset-map.<T>.internal" is on S) never copies a record of S that the
 * opposite flow wrote there, and copies a record beyond what the opposite
 * map accounts for only once it is settled (offsets/backmap.h). A watcher
 * thread reads, every BACKFLOW_PERIOD_MS, S's end offsets, T's log start and
 * end offsets and the opposite map (in that order), and publishes a view;
 * the copy loop asks the latest view for each record (backflow_admit), pauses
 * a partition whose record must wait and resumes it at that record once a
 * view decides it (backflow_tick). Without an opposite map topic nothing is
 * checked (every record is copied, as before).
 *
 * Threads: backflow_admit/eof/tick/render are called by the copy loop only
 * (render from the metrics thread reads atomics). The watcher owns its
 * clients. Ownership: borrows flow, settings and the snapshot holder (they
 * outlive it). */
#include <stdbool.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "config/mm2.h"
#include "core/sbuf.h"
#include "mirror/msnap.h"
#include "offsets/map_set.h"

#define BACKFLOW_PERIOD_MS 2000
/* After the opposite map topic is first seen, records beyond the opposite
 * map wait this long at least: an opposite flow that just created its map
 * topic waits as long before its first copy (backflow_first_copy_delay), so
 * that a running flow has seen the topic before any copy lands. */
#define BACKFLOW_SETTLE_MS (3 * BACKFLOW_PERIOD_MS)

typedef struct backflow backflow_t;

typedef struct backflow_settings {
    const kv_list_t *src_admin, *src_consumer, *tgt_admin;
} backflow_settings_t;

/* Starts the watcher. NULL with err when its clients or thread cannot start. */
backflow_t *backflow_start(const mm2_flow_t *f, const backflow_settings_t *st,
                           msnap_holder_t *snaps, char *err, size_t errsz);
/* Stops and joins the watcher, resumes nothing; frees b (accepts NULL). */
void backflow_stop(backflow_t *b);

/* Copy loop: may the consumed record at `offset` of source topic/partition
 * (copied to `target`) be copied now? False: drop it (a copy of the opposite
 * flow, a gap in this flow's map; or it waits: the partition is paused and
 * refetched from `offset` later). Accepts b NULL (true). */
bool backflow_admit(backflow_t *b, rd_kafka_t *consumer, const char *topic, const char *target,
                    int32_t partition, int64_t offset);
/* Copy loop: false when an end-of-partition event at `end` must be ignored
 * (the partition waits at an offset below it: covering would map the waiting
 * records as gaps). */
bool backflow_eof_ok(backflow_t *b, const char *topic, int32_t partition, int64_t end);
/* Copy loop, every iteration: resumes waiting partitions a newer view decides
 * (each through the consumer backflow_admit paused it with). */
void backflow_tick(backflow_t *b);
/* Copy loop: the partition's fetch position is being set anew (reset from its
 * map, refetched, its task stopped): its wait, if any, is dropped and the
 * partition resumed, so that no stale seek brings it back to an old offset. */
void backflow_forget(backflow_t *b, rd_kafka_t *consumer, const char *topic, int32_t partition);

/* Start-up: where the opposite flow's map (read once when the watcher
 * started) ends on this flow's target partition (its source end offset), or -1.
 * Target records below it are the opposite flow's originals, or copies of
 * this flow it skipped: recovery must not pair them with this flow's source
 * records (they would be adopted as copies this flow never made). */
int64_t backflow_accounted_end(backflow_t *b, const char *topic, const char *target,
                               int32_t partition);

/* True when the source record at `offset` is a copy the opposite flow wrote
 * (in the latest view, else in the map read at start-up): a resumed partition
 * reads such records again in the gap below its map's end (they were skipped,
 * not rewritten). */
bool backflow_known_copy(backflow_t *b, const char *topic, const char *target, int32_t partition,
                         int64_t offset);

/* Prometheus lines (docs/METRICS.md): kmig_back_active, kmig_back_skipped_total,
 * kmig_back_unaccounted_total, kmig_back_waiting_partitions. */
void backflow_render(backflow_t *b, sbuf_t *out, const char *source, const char *target);

/* Reads the opposite flow's map (the topic "kmig-offset-map.<f->target>.internal"
 * on f's source) into `out`: *exists tells whether the topic exists (listed
 * with metadata, never auto-created). `admin` and `consumer` are clients on
 * f's source. Returns 0, or -1 with err. */
int backflow_load_opposite(rd_kafka_t *admin, rd_kafka_t *consumer, const mm2_flow_t *f,
                           int timeout_ms, map_set_t *out, bool *exists, char *err, size_t errsz);

#endif

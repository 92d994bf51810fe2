#ifndef KMIG_CMD_CMD_DEMO_SERVICES_H
#define KMIG_CMD_CMD_DEMO_SERVICES_H
/* The state and functions shared by the three files of `kmig demo --cutover`
 * (cmd_demo_cutover.h is its entry point): cmd_demo_cutover.c (the
 * walkthrough, the boards, the checks), cmd_demo_services.c (the clusters,
 * the three services and the map reads) and cmd_demo_moves.c (group moves and
 * the way back).
 *
 * Ownership: demo_t owns everything it points to; demo_cutover_run() frees
 * it. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "cmd/cmd_common.h"
#include "cmd/cmd_demo_cluster.h"
#include "cutover/cutover_manifest.h"
#include "cutover/cutover_plan.h"
#include "mirror/groups.h"
#include "mirror/mirror.h"
#include "offsets/map_set.h"

#define MAX_RECORDS 4096
#define WAIT_MS 30000

enum { T_ORDERS = 0, T_INVOICES = 1, NTOPICS = 2 };
extern const char *const demo_topic_name[NTOPICS];
extern const int demo_topic_parts[NTOPICS];

typedef enum { AT_STOPPED = 0, AT_SOURCE = 1, AT_TARGET = 2 } demo_at_t;
const char *demo_at_name(demo_at_t a);

typedef struct demo {
    FILE *out; /* the walkthrough's text: stdout, or stderr with --json */
    dcluster_t src, tgt;
    char cfg_path[64], svc_path[64];
    cmd_flow_t cf;  /* the forward flow old -> new */
    cmd_flow_t rcf; /* the reverse flow new -> old (the way back, identity names) */
    cutover_manifest_t *m;
    cutover_plan_t *plan;
    groups_t *g;
    rd_kafka_t *src_reader, *tgt_reader; /* no group: end offsets, the map, verify */
    mirror_t *mirror, *rmirror; /* the forward and the reverse flow */
    pthread_t mirror_thread, rmirror_thread;
    bool mirror_running, rmirror_running;
    atomic_int stop;
    int mirror_rc, rmirror_rc;
    demo_at_t shop, billing, mailer;
    int orders, invoices;                      /* produced so far (record indexes) */
    int orders_on_target, invoices_on_target;  /* of those, written on the target */
    unsigned char billing_seen[MAX_RECORDS], mailer_seen[MAX_RECORDS];
    int64_t prev_end[NTOPICS][4];
    bool have_prev;
    bool drained;
    json_t *steps, *step, *failures;
    int nstep;
    char err[1024];
} demo_t;

/* Output (cmd_demo_cutover.c): text, an action of the current step (text and
 * JSON), a failed check (text and the summary's failed_checks). */
void demo_say(demo_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void demo_action(demo_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void demo_failure(demo_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Where the service owning `group` runs. */
demo_at_t demo_owner_at(demo_t *d, const char *group);

/* Clients, services and map reads (cmd_demo_services.c; the clusters:
 * cmd_demo_cluster.h); each returns -1 with d->err on failure. */
typedef int (*on_record_fn)(demo_t *d, int index, void *arg);
const char *demo_boot(demo_t *d, demo_at_t at);
rd_kafka_t *demo_client(rd_kafka_type_t type, const char *bootstrap, const char *group,
                        char *err, size_t errsz);
int demo_produce(demo_t *d, rd_kafka_t *p, int topic, int index);
int demo_flush(demo_t *d, rd_kafka_t *p);
int demo_consume(demo_t *d, demo_at_t at, const char *group, int topic, on_record_fn fn,
                 void *arg, rd_kafka_t *before_commit);
int demo_shop_produce(demo_t *d, int n);
int demo_billing_run(demo_t *d);
int demo_mailer_run(demo_t *d);
void *demo_mirror_main(void *arg);
void *demo_rmirror_main(void *arg); /* the reverse flow's thread */
int demo_ends(demo_t *d, rd_kafka_t *rk, int64_t out[NTOPICS][4]);
map_set_t *demo_load_maps(demo_t *d, int64_t src_end[NTOPICS][4], int64_t tgt_end[NTOPICS][4]);
/* The reverse flow's map as kept on the source (keyed by the target's topics),
 * each entry's ends set (source_end: the target's, target_end: the source's).
 * NULL with d->err. */
map_set_t *demo_load_back_maps(demo_t *d, int64_t src_end[NTOPICS][4],
                               int64_t tgt_end[NTOPICS][4]);
/* Both: the forward map (demo_load_maps, its ends in src_end and tgt_end) and
 * the reverse one (demo_load_back_maps). Returns 0, or -1 with d->err and
 * nothing to free. */
int demo_load_both_maps(demo_t *d, map_set_t **maps, map_set_t **rev, int64_t src_end[NTOPICS][4],
                        int64_t tgt_end[NTOPICS][4]);
/* Waits until the reverse flow's map covers every target end: every record
 * written on the target went back (or is a forward copy it skipped). */
int demo_wait_back_copied(demo_t *d);
bool demo_covered(map_set_t *maps, int t, int p, int64_t end);
int demo_wait_copied(demo_t *d);
/* `back`: translate as `kmig cutover group` does while the reverse flow's map
 * exists (through both maps, offsets/backmap.h), else through the forward map
 * alone as `kmig cutover status` does. */
int demo_group_pass(demo_t *d, const char *group, bool write, bool back, group_rows_t *rows);

/* Group moves and the way back (cmd_demo_moves.c). */
const char *demo_move_group(demo_t *d, const char *group, group_rows_t *rows, char *reason,
                            size_t rsz);
int demo_move_group_step(demo_t *d, const char *group);
int demo_commit_on(demo_t *d, demo_at_t at, const char *group, int topic, const int64_t *off);
int demo_committed_on(demo_t *d, demo_at_t at, const char *group, int topic, int64_t *off);
int demo_way_back(demo_t *d, const char *group, int topic);
int demo_forward_again(demo_t *d, const char *group, int topic);

#endif

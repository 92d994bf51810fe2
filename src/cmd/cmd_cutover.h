#ifndef KMIG_CMD_CMD_CUTOVER_H
#define KMIG_CMD_CMD_CUTOVER_H
/* What the `kmig cutover` subcommands share (cmd_cutover.c dispatches). */
#include <stdbool.h>

#include <librdkafka/rdkafka.h>

#include "cmd/cmd_common.h"
#include "config/mm2.h"
#include "mirror/groups.h"
#include "mirror/name_filter.h"

/* The flow's topic selection, for cutover_plan_build()'s `selected`. */
typedef struct cutover_selection {
    name_filter_t *filter;
    const char *separator;
} cutover_selection_t;

bool cutover_topic_selected(const char *topic, void *arg); /* arg: cutover_selection_t */

/* What `cutover status` and `cutover group` read both clusters with.
 * Ownership: everything it points to is its own (cutover_clients_clear). */
typedef struct cutover_clients {
    kv_list_t sadm, tadm, tcons; /* admin settings of both clusters, the target's consumer's */
    int timeout;                 /* the flow's admin timeout (ms) */
    rd_kafka_t *reader, *sadmin; /* the map reader on the target, the source's admin */
    groups_t *g;                 /* the flow's groups sync: checkpoints loaded, emits nothing */
} cutover_clients_t;

/* Reads the settings, checks that both clusters answer (cmd_check_clusters,
 * which prints its own message, as `cmd`) and opens the clients. Returns
 * KMIG_EXIT_OK, or an exit code: with err when it is to be printed, err ""
 * when the clusters check failed. */
int cutover_clients_open(cutover_clients_t *c, const char *cmd, const cmd_flow_t *cf, char *err,
                         size_t errsz);
void cutover_clients_clear(cutover_clients_t *c);

/* `kmig cutover group` (cmd_cutover_group.c): argv[0] is "group". */
int cutover_group_cmd(int argc, char **argv);

/* `kmig cutover status` (cmd_cutover_status.c): argv[0] is "status". */
int cutover_status_cmd(int argc, char **argv);

#endif

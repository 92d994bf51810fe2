#ifndef KMIG_CMD_CMD_CUTOVER_H
#define KMIG_CMD_CMD_CUTOVER_H
/* What the `kmig cutover` subcommands share (cmd_cutover.c dispatches). */
#include <stdbool.h>

#include "mirror/name_filter.h"

/* The flow's topic selection, for cutover_plan_build()'s `selected`. */
typedef struct cutover_selection {
    name_filter_t *filter;
    const char *separator;
} cutover_selection_t;

bool cutover_topic_selected(const char *topic, void *arg); /* arg: cutover_selection_t */

/* `kmig cutover group` (cmd_cutover_group.c): argv[0] is "group". */
int cutover_group_cmd(int argc, char **argv);

/* `kmig cutover status` (cmd_cutover_status.c): argv[0] is "status". */
int cutover_status_cmd(int argc, char **argv);

#endif

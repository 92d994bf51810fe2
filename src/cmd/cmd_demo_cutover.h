#ifndef KMIG_CMD_CMD_DEMO_CUTOVER_H
#define KMIG_CMD_CMD_DEMO_CUTOVER_H
/* `kmig demo --cutover` (cmd_demo_cutover.c): a cutover walked through on two
 * in-process mock clusters. Returns a process exit code. */
#include <stdbool.h>

int demo_cutover_run(bool json);

#endif

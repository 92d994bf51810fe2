#ifndef KMIG_CMD_CMD_DEMO_CUTOVER_H
#define KMIG_CMD_CMD_DEMO_CUTOVER_H
/* `kmig demo --cutover` (docs/CUTOVER.md, "The walkthrough"): a cutover walked
 * through on two in-process mock clusters (cmd_demo_cutover.c, with
 * cmd_demo_services.c and cmd_demo_moves.c; shared state in
 * cmd_demo_services.h). */
#include <stdbool.h>

/* Runs the walkthrough; json: the summary on stdout, the text on stderr.
 * Returns a process exit code. */
int demo_cutover_run(bool json);

#endif

/* `kmig cutover status` (placeholder until it is written). */
#include <stdio.h>

#include "cmd/cmd_cutover.h"
#include "core/exitcode.h"

int cutover_status_cmd(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "kmig cutover status: not written yet\n");
    return KMIG_EXIT_FAIL;
}

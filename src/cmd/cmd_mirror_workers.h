#ifndef KMIG_CMD_CMD_MIRROR_WORKERS_H
#define KMIG_CMD_CMD_MIRROR_WORKERS_H
/* `kmig mirror --workers N`: runs N worker processes of the flow (this binary
 * with the same options) and waits for them; see cmd_mirror_workers.c. `argv`
 * is cmd_mirror's (argv[0] "mirror"). Returns the exit status. */
int cmd_mirror_workers(int argc, char **argv, int n, const char *summary, const char *port_file);

#endif

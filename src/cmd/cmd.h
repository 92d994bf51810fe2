#ifndef KMIG_CMD_CMD_H
#define KMIG_CMD_CMD_H
/* Subcommand entry points. Each takes the arguments after the subcommand name
 * (argv[0] is the subcommand) and returns a process exit code (core/exitcode.h).
 * Only these and main() decide to exit. */

int cmd_apply(int argc, char **argv);
int cmd_assess(int argc, char **argv);
int cmd_auth(int argc, char **argv);
int cmd_cutover(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_mirror(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_offsets(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_verify(int argc, char **argv);

#endif

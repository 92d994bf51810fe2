#ifndef KMIG_CMD_CMD_COMMON_H
#define KMIG_CMD_CMD_COMMON_H
/* What several commands share: loading an MM2 properties file with
 * command-line overrides and picking the flow to work on. */
#include <stdbool.h>
#include <stddef.h>

#include "config/mm2.h"
#include "config/props.h"
#include "kafka/kinventory.h"

typedef struct cmd_flow {
    props_t *props;
    mm2_t *mm2;
    const mm2_flow_t *flow;
} cmd_flow_t;

/* A command-line override. With `scoped`, `key` is a flow key and is set as
 * "<src>-><tgt>.key" so that it beats the file; otherwise the key is set as
 * written (--set), replacing the file's entry for that exact key. */
typedef struct cmd_override {
    const char *key, *value, *origin;
    int scoped;
    char keybuf[256]; /* --set's key (key points here); argv stays as given */
} cmd_override_t;

/* Loads `path`, picks the flow (src/tgt if given, else the one enabled flow),
 * applies overrides scoped to that flow (they beat the file), and resolves it.
 * Returns 0, or -1 with an actionable message in err. */
int cmd_flow_load(cmd_flow_t *cf, const char *path, const char *src, const char *tgt,
                  const cmd_override_t *ov, size_t nov, char *err, size_t errsz);
void cmd_flow_clear(cmd_flow_t *cf);

/* --log-level NAME: sets the level, or says "<cmd>: unknown --log-level ..."
 * on stderr and returns -1. */
int cmd_set_log_level(const char *cmd, const char *name);

/* Parses "key=value" from --set into a new override (its key copied, its
 * value pointing into arg; arg is left as it is). */
int cmd_parse_set(const char *arg, cmd_override_t *out);

/* Reads the inventory of cluster `alias` with its admin settings from the
 * file: o's admin, group_admin, reader and client fields are filled here
 * (a reader, with the cluster's consumer settings, only with `sizes`: it
 * reads the last records of some partitions for record sizes).
 * Returns a new inventory (inventory_destroy), or NULL with err. */
inventory_t *cmd_inventory(mm2_t *m, const char *alias, kinventory_opts_t o, bool sizes,
                           char *err, size_t errsz);

/* Checks that clusters `a` and `b` (b may be NULL) answer, with their admin
 * settings (kafka/kcheck.h), before the command builds its clients. Returns
 * KMIG_EXIT_OK, or after printing one line "kmig CMD: cluster 'ALIAS'
 * (BOOTSTRAP): cannot connect: CAUSE (HINT)" on stderr, the exit code:
 * KMIG_EXIT_USAGE when the cluster refuses this configuration (TLS, SASL,
 * protocol) or the settings are wrong, KMIG_EXIT_FAIL when it does not answer
 * (refused, unresolvable, timed out). */
int cmd_check_clusters(const char *cmd, mm2_t *m, const char *a, const char *b, int timeout_ms);

/* Parses `val`, the value of option `opt` (e.g. "--progress") of `kmig cmd`
 * (e.g. "mirror"), as a decimal integer in [min, max]: no sign other than a
 * leading '-', no spaces, no trailing characters. Returns 0 with *out set, or
 * -1 after printing "kmig CMD: OPT wants an integer in [MIN, MAX], got 'VAL'"
 * on stderr (the caller then exits with KMIG_EXIT_USAGE). */
int cmd_parse_int(const char *cmd, const char *opt, const char *val, long long min,
                  long long max, long long *out);

#endif

#ifndef KMIG_CMD_CMD_BACK_H
#define KMIG_CMD_CMD_BACK_H
/* The way back for the group commands (`kmig offsets`, `kmig cutover group`):
 * when the chosen flow B->A is the reverse of a flow A->B (the forward map
 * topic "kmig-offset-map.<A>.internal" exists on B), groups translate through
 * both maps (offsets/backmap.h) instead of the flow's own map alone.
 *
 * Ownership: cmd_back_t owns the forward maps; `own` (the flow's own maps) is
 * borrowed and gets an empty entry for every partition only the forward flow
 * copied, so that the callers read its ends and list it like the others. */
#include <stdbool.h>

#include <librdkafka/rdkafka.h>

#include "cmd/cmd_common.h"
#include "mirror/groups.h"
#include "offsets/backmap.h"
#include "offsets/map_set.h"

typedef struct cmd_back {
    bool active;     /* the forward map exists: translate through both maps */
    map_set_t *fwd;
    backmap_pair_t pair; /* {fwd, own} for backmap_pair_translate */
    char topic[300];     /* the forward map topic's name */
    /* The forward flow's checkpoints of groups it moved to B: the A offset
     * each group had when it left A (see cmd_back_seed). */
    struct cmd_back_moved {
        char *group, *b_topic;
        int32_t partition;
        int64_t a_offset;
    } *moved;
    size_t nmoved;
} cmd_back_t;

/* Looks for the forward map on the flow's source and loads it. Returns 0 (see
 * b->active), or -1 with err when the source cannot be read. */
int cmd_back_load(cmd_back_t *b, const cmd_flow_t *cf, map_set_t *own, int timeout_ms, char *err,
                  size_t errsz);
void cmd_back_clear(cmd_back_t *b);

/* Reads the opposite flow's maps (the way back: the topic
 * "kmig-offset-map.<target>.internal" on the flow's source) into opp with the
 * source's consumer and admin settings, the consumer named reader_name;
 * *exists false when there is no opposite flow. With `reader`, the consumer
 * is handed to the caller on success (it destroys it). Returns 0, or -1 with
 * err. Used by cmd_back_load and `kmig verify`. */
int cmd_back_read_opposite(const cmd_flow_t *cf, const char *reader_name, int timeout_ms,
                           map_set_t *opp, bool *exists, rd_kafka_t **reader, char *err,
                           size_t errsz);

/* Tells the reverse flow's groups which commits on A are the positions kmig
 * moved the groups from (groups_note_synced): those may be replaced, never
 * backwards; any other commit on A is its consumers' own (taken over). */
void cmd_back_seed(const cmd_back_t *b, groups_t *g);

#endif

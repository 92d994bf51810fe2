#ifndef KMIG_OFFSETS_CHECKPOINT_H
#define KMIG_OFFSETS_CHECKPOINT_H
/* A consumer group's position on one partition, translated to the target, and
 * the rules for committing it there. Pure: no Kafka I/O.
 *
 * Checkpoints live on the target in "kmig-checkpoints.<source-alias>.internal"
 * (compacted; docs/OFFSETS.md): key ["group","topic",partition] as compact
 * JSON, value {"v":1,"target":..,"source_offset":..,"target_offset":..,
 * "status":"exact"|"pending"|"not-copied","synced_offset":..}. */
#include <stddef.h>
#include <stdint.h>

#include "core/sbuf.h"
#include "offsets/offset_map.h"

typedef struct checkpoint {
    int64_t source_offset;       /* committed on the source */
    int64_t target_offset;       /* the exact translation, -1 unless status is EXACT */
    offset_map_result_t status;
    int64_t synced_offset;       /* the last offset kmig committed on the target, -1 none */
} checkpoint_t;

const char *checkpoint_status_name(offset_map_result_t status);

void checkpoint_encode_key(sbuf_t *out, const char *group, const char *topic, int32_t partition);
void checkpoint_encode_value(sbuf_t *out, const char *target_topic, const checkpoint_t *cp);
/* Decodes one record; group/topic/target are malloc'd for the caller. */
int checkpoint_decode(const void *key, size_t key_len, const void *value, size_t value_len,
                      char **group, char **topic, int32_t *partition, char **target,
                      checkpoint_t *cp, char *err, size_t errsz);

typedef enum {
    SYNC_WRITE,      /* commit cp->target_offset on the target */
    SYNC_UP_TO_DATE, /* the target already has it */
    SYNC_PENDING,    /* not translated exactly yet: never guess */
    SYNC_BEHIND,     /* the target is further: never move a group backwards */
    SYNC_TAKEN_OVER, /* consumers on the target committed themselves: leave the group alone */
    SYNC_UNKNOWN,    /* the target's committed offset could not be read: write nothing */
} sync_action_t;


/* A target committed offset that could not be read: unknown is not "none". */
#define CHECKPOINT_UNKNOWN (-2)

/* What to do with a checkpoint given the target's committed offset (-1: none,
 * CHECKPOINT_UNKNOWN: the read failed). */
sync_action_t checkpoint_sync_decide(const checkpoint_t *cp, int64_t target_committed);

#endif

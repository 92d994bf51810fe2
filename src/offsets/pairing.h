#ifndef KMIG_OFFSETS_PAIRING_H
#define KMIG_OFFSETS_PAIRING_H
/* The decision, record by record, of which target record is the copy of
 * which source record, from content digests alone (record_digest: key, value,
 * headers, timestamp). Pure logic: the caller reads both partitions in order
 * and offers each target record together with the next unpaired source record.
 *
 * Two starts:
 *   - resume (adopt = false): the map already holds records; the first target
 *     record after the map's end must be the copy of the first source record
 *     after it.
 *   - adopt (adopt = true): nothing is mapped and the target already holds a
 *     copy made by another tool (MirrorMaker 2). Target records are skipped as
 *     UNPAIRED (their source records are gone, e.g. by retention) until one is
 *     the copy of the source's first record; pairing starts there.
 * Once pairing, a target record that is not the copy of the next source record
 * may repeat source records paired before (an at-least-once copier resumed
 * from an older position): when it equals one of the last `lookback` paired
 * source records, it and the records that follow it in the same order are
 * DUPLICATE (skipped, not mapped) until the run catches up with the next
 * unpaired source record. Anything else is STOP: the first difference that
 * cannot be explained ends pairing.
 *
 * Memory: 8 bytes per remembered source record, at most `lookback` of them;
 * the ring grows with use. Duplicate runs are recognised by the first 8 bytes
 * of the digest; pairs always compare whole digests.
 *
 * Not thread-safe. Ownership: pairing_t owns its ring; digests passed in are
 * only read during the call. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "offsets/record_digest.h"

typedef enum {
    PAIRING_PAIRED = 0,    /* the target record is the copy of the source record: map them */
    PAIRING_DUPLICATE = 1, /* repeats an already paired source record: skip the target record */
    PAIRING_UNPAIRED = 2,  /* (adopt, before the first pair) no source record: skip it */
    PAIRING_STOP = 3,      /* an unexplained difference: pair nothing more */
} pairing_action_t;

typedef struct pairing pairing_t;

/* lookback: how many of the last paired source records a duplicate run may
 * repeat (0: duplicates are never recognised). */
pairing_t *pairing_new(bool adopt, size_t lookback);
void pairing_destroy(pairing_t *p); /* accepts NULL */

/* Remembers a source record mapped before this pairing (oldest first), so a
 * duplicate run that repeats it is recognised. Counts as paired for lookback
 * but not in pairing_paired(). */
void pairing_seed(pairing_t *p, const uint8_t digest[RECORD_DIGEST_LEN]);

/* Offers the next target record `tgt` with the next unpaired source record
 * `src` (NULL when the source has no more). PAIRED consumes both (the caller
 * advances both sides); the other actions consume only the target record.
 * After STOP every further offer is STOP. */
pairing_action_t pairing_offer(pairing_t *p, const uint8_t tgt[RECORD_DIGEST_LEN],
                               const uint8_t *src);

int64_t pairing_paired(const pairing_t *p);     /* PAIRED answers so far */
int64_t pairing_duplicates(const pairing_t *p); /* DUPLICATE answers so far */
int64_t pairing_unpaired(const pairing_t *p);   /* UNPAIRED answers so far */
bool pairing_stopped(const pairing_t *p);

#endif

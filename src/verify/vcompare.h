#ifndef KMIG_VERIFY_VCOMPARE_H
#define KMIG_VERIFY_VCOMPARE_H
/* The comparison at the heart of `kmig verify`: one partition's source
 * records and target records, each a stream in offset order, merged through
 * the partition's offset map in constant memory. Pure: the caller reads the
 * records (verify.c) and feeds them one at a time when asked.
 *
 * Every record falls into exactly one class:
 *   source record in a map segment's records  -> compared with the target record
 *       the map names: `matched` or `different`; `missing` when that target
 *       record is not there (deleted on the target, or retention);
 *   source record in a map gap or hole        -> `not_copied` (a failure);
 *   source record at or beyond the map's end  -> `pending` (not copied yet; not a
 *       failure), unless the next target record beyond the map's end has the same
 *       digest: then both are `unmapped_copies` (kmig copied it, the persisted map
 *       does not say so yet);
 *   target record named by the map whose source record is gone (retention or
 *       DeleteRecords on the source) -> `source_gone` (cannot be checked);
 *   target record below the map's target end that no map entry names -> `extra`
 *       (a re-sent duplicate, or a foreign write in the middle);
 *   target record beyond the map's target end that is not kmig's copy of the
 *       next pending source record -> `foreign` (someone else writes to the
 *       target: split brain).
 * With the opposite flow's map (the way back, offsets/backmap.h; set with
 * vcompare_set_opposite()), two more classes, neither a failure:
 *   source record not copied (a map gap, or beyond the map's end) that the
 *       opposite flow wrote (a target record of its map) -> `other_flow_copies`
 *       (never copied back: no loop);
 *   target record no map entry names (below or beyond the map's target end)
 *       that the opposite flow copied (a source record of its map) ->
 *       `other_flow_originals` (written on the target, gone the other way).
 * Failures: different, missing, not_copied, extra, foreign.
 *
 * Use: vcompare_new(), then loop on vcompare_want(): VC_WANT_SOURCE ->
 * vcompare_source(next record, or NULL at the end of the source range),
 * VC_WANT_TARGET -> vcompare_target(...), until VC_DONE. Offsets fed must
 * increase strictly on each side. Records are copied: the caller's buffers
 * can be reused at once.
 *
 * Ownership: borrows the map (unchanged while in use); owns nothing else. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "offsets/offset_map.h"
#include "offsets/record_digest.h"

typedef struct vc_rec {
    int64_t offset;
    int64_t timestamp;
    const uint8_t *digest; /* RECORD_DIGEST_LEN bytes */
} vc_rec_t;

typedef enum {
    VC_DIFFERENT = 0, /* source and target offsets: both records exist and differ */
    VC_MISSING,       /* source offset, and the target offset the map names */
    VC_NOT_COPIED,    /* source offset in a gap of the map (target -1) */
    VC_EXTRA,         /* target offset (source -1) */
    VC_FOREIGN,       /* target offset beyond the map's target end (source -1) */
    VC_NKINDS
} vc_kind_t;

const char *vc_kind_name(vc_kind_t k); /* "different", "missing", ... */

typedef struct vc_event {
    int kind; /* vc_kind_t, -1 when none */
    int64_t source_offset, target_offset; /* -1 when not applicable */
    bool timestamp_differs; /* VC_DIFFERENT: the timestamps differ (known at once) */
} vc_event_t;

typedef struct vc_counts {
    int64_t source_records, target_records; /* fed */
    int64_t matched, different, missing, not_copied, extra, foreign;
    int64_t pending, source_gone, unmapped_copies;
    int64_t other_flow_copies, other_flow_originals; /* the way back: not failures */
} vc_counts_t;

typedef struct vc_result {
    vc_counts_t n;
    vc_event_t first;              /* the first failure met, of any kind */
    vc_event_t first_of[VC_NKINDS]; /* the first of each kind */
    vc_event_t last_of[VC_NKINDS];  /* the last of each kind */
} vc_result_t;

/* Failures in r (different + missing + not_copied + extra + foreign). */
int64_t vc_failures(const vc_counts_t *n);

typedef enum { VC_WANT_SOURCE, VC_WANT_TARGET, VC_DONE } vc_want_t;

typedef struct vcompare vcompare_t;

vcompare_t *vcompare_new(const offset_map_t *map);
/* The opposite flow's map (target -> source, identity names; NULL: none),
 * borrowed like the map. Call before the first record. */
void vcompare_set_opposite(vcompare_t *vc, const offset_map_t *opp);
void vcompare_destroy(vcompare_t *vc); /* accepts NULL */
vc_want_t vcompare_want(vcompare_t *vc);
void vcompare_source(vcompare_t *vc, const vc_rec_t *r); /* NULL: no more source records */
void vcompare_target(vcompare_t *vc, const vc_rec_t *r); /* NULL: no more target records */
const vc_result_t *vcompare_result(const vcompare_t *vc);

/* What differs between two records that have different digests: their fields,
 * filled by the reader. */
typedef struct vc_header {
    const char *name;
    const void *value; /* NULL: a NULL value */
    size_t len;
} vc_header_t;

typedef struct vc_fields {
    const void *key, *value; /* NULL: a NULL key or value (not the same as empty) */
    size_t key_len, value_len;
    int64_t timestamp;
    const vc_header_t *headers;
    size_t nheaders;
} vc_fields_t;

enum { VC_F_KEY = 1, VC_F_VALUE = 2, VC_F_HEADERS = 4, VC_F_TIMESTAMP = 8 };

/* A mask of VC_F_* for the fields that differ (0: none). */
unsigned vc_fields_diff(const vc_fields_t *a, const vc_fields_t *b);
/* "key,value" style list of the fields in mask, into buf (empty for 0). */
const char *vc_fields_names(unsigned mask, char *buf, size_t size);

#endif

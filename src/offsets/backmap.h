#ifndef KMIG_OFFSETS_BACKMAP_H
#define KMIG_OFFSETS_BACKMAP_H
/* The way back (docs/CUTOVER.md "The way back"): two opposite flows A->B
 * (forward) and B->A (reverse, identity names) each keep their own exact map,
 * and each treats the records the other one wrote on its source as copies it
 * must never copy back. Pure logic: no Kafka I/O.
 *
 * Terms, for a flow S->T whose opposite flow T->S has the map `opp` (opp's
 * source is T, opp's target is S: opp's *target* records are offsets of S):
 *   - an S record at offset s is a **copy** when s is a target record of opp:
 *     it is never copied (it becomes a gap in this flow's own map);
 *   - below opp's target end, an offset that is not a copy was written on S
 *     by someone else (a producer there, or a re-send of a crashed opposite
 *     run): it is copied, and counted as **unaccounted**;
 *   - at or beyond opp's target end, s may be a copy whose map segment is not
 *     persisted yet. It is copied only below the **settled** bound
 *     (backmap_settled()): S offsets that existed before the opposite flow
 *     was seen to have nothing pending; otherwise the flow waits.
 *
 * Ownership: nothing is kept; maps are borrowed for the call. */
#include <stdbool.h>
#include <stdint.h>

#include "offsets/map_set.h"
#include "offsets/offset_map.h"

typedef enum {
    BACKMAP_COPY = 0,          /* written on this cluster: copy it */
    BACKMAP_COPY_UNACCOUNTED,  /* below opp's target end, not a copy: copy it, counted */
    BACKMAP_SKIP,              /* a copy the opposite flow wrote: never copied back */
    BACKMAP_WAIT,              /* beyond what opp accounts for while it may be pending */
} backmap_class_t;

/* The class of the source record at `offset` of a flow whose opposite flow
 * has the map `opp` (NULL or empty: no record of it), with the settled bound
 * `settled` from backmap_settled() (-1: none yet). O(log n). */
backmap_class_t backmap_classify(const offset_map_t *opp, int64_t offset, int64_t settled);

/* The settled bound of one source partition of a flow S->T. Read in this
 * order: `source_end` (S's end offset), then `target_start`/`target_end`
 * (T's log start and end offsets), then `opp` (the opposite flow's persisted
 * map); `own` is this flow's map (acknowledged copies). The opposite flow has
 * **nothing pending** when every T offset it has not covered yet,
 * [max(opp's source end, target_start), target_end), is a target record of
 * `own` (a copy this flow made, which the opposite flow skips). Then every S
 * offset below `source_end` that is not a copy of opp is a record written on
 * S: returns source_end. Otherwise returns opp's target end (0 when opp has
 * no record): only offsets opp already accounts for are decided.
 * Proof sketch: an S record below source_end existed before target_end was
 * read; a copy the opposite flow makes of a T record at or beyond target_end
 * is written after that read, so it lands at or beyond source_end. T records
 * below target_end are either covered by opp (their copies are in opp, read
 * last) or copies this flow made (never copied back). */
int64_t backmap_settled(const offset_map_t *opp, const offset_map_t *own, int64_t source_end,
                        int64_t target_start, int64_t target_end);

/* True when every offset in [from, to) is a target record of `map`. */
bool backmap_tgt_covered(const offset_map_t *map, int64_t from, int64_t to);
/* True when `offset` is a target record of `map` (NULL: false). */
bool backmap_is_tgt_record(const offset_map_t *map, int64_t offset);
/* True when `offset` is a source record `map` copied (NULL: false). */
bool backmap_is_src_record(const offset_map_t *map, int64_t offset);

typedef enum {
    BACKMAP_EXACT = 0,      /* *a is the exact position on A */
    BACKMAP_PENDING = 1,    /* not decidable yet (a flow has not copied or mapped enough) */
    BACKMAP_NOT_COPIED = 2, /* below what either flow copied */
    BACKMAP_CONFLICT = 3,   /* the two clusters order the records differently: no exact
                               position exists (both were written at once) */
} backmap_result_t;

/* Translates a group's committed position `c` on B (the next record it would
 * read there) to A, through `fwd` (A->B, the forward map: source A, target
 * B) and `rev` (B->A, the reverse map: source B, target A), either NULL when
 * absent. `b_end` and `a_end` are the partitions' end offsets (-1 unknown).
 * The answer is the A offset of the first B record at or after c that exists
 * on A: through the inverse of fwd when it is a forward copy, through rev
 * when it was produced on B; B offsets between c and it must be known to hold
 * no record (covered by rev), and the records the group read on B (below c)
 * must be exactly the A records below the answer (else CONFLICT). With no
 * record at or after c, a group at B's end resumes at A's end once every A
 * record is accounted for. `why` (may be NULL) gets a static reason for
 * anything but EXACT. */
backmap_result_t backmap_translate(const offset_map_t *fwd, const offset_map_t *rev, int64_t c,
                                   int64_t b_end, int64_t a_end, int64_t *a, const char **why);

const char *backmap_class_name(backmap_class_t c);

/* Both maps of a way back, for translating the groups of the reverse flow
 * B->A: `fwd` holds the forward flow's maps (keyed by A topic, target the B
 * topic), `rev` the reverse flow's own (keyed by B topic, target the A
 * topic). The callers set the entries' source_end/target_end (rev: B's and
 * A's ends; fwd: A's and B's). Borrowed. */
typedef struct backmap_pair {
    map_set_t *fwd, *rev;
} backmap_pair_t;

/* backmap_translate() for a B topic and partition; the signature fits
 * groups_translate_fn with a backmap_pair_t as opaque. CONFLICT is reported
 * as PENDING (no exact position: nothing is committed). */
offset_map_result_t backmap_pair_translate(void *pair, const char *topic, int32_t partition,
                                           int64_t committed, int64_t *target);
/* The A topic a B topic's records go back to: the reverse map's target, else
 * the forward map entry whose target is `topic`, else `topic` (identity). */
const char *backmap_pair_a_topic(const backmap_pair_t *p, const char *topic, int32_t partition);

#endif

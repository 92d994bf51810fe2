#ifndef KMIG_CUTOVER_CUTOVER_STATUS_H
#define KMIG_CUTOVER_CUTOVER_STATUS_H
/* The judgement of `kmig cutover status` (docs/CUTOVER.md): from facts read
 * on both clusters (per topic and per group) it decides each service's state
 * and whether the flow is drained. Every fact is three-valued: a fact that
 * could not be read is UNKNOWN with its reason, and an unknown fact never
 * makes anything ready. Pure: the facts are gathered by cmd_cutover_status.c.
 *
 * States, in order (a service is the least of its parts):
 *   not-ready  something forbids moving it now (reason given);
 *   in-sync    still running on the source, and the mirror follows all it
 *              uses: stop it there, then it becomes ready;
 *   ready      stopped on the source, everything copied and its groups' exact
 *              offsets committed on the target: start it on the target;
 *   moved      running on the target, nothing of it left on the source.
 *
 * Ownership: the caller owns the fact structs and their strings; the
 * functions write into caller buffers. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cutover/cutover_manifest.h"

typedef enum { CUTOVER_UNKNOWN = -1, CUTOVER_NO = 0, CUTOVER_YES = 1 } cutover_fact_t;

typedef enum {
    CUTOVER_NOT_READY = 0,
    CUTOVER_IN_SYNC = 1,
    CUTOVER_READY = 2,
    CUTOVER_MOVED = 3,
} cutover_state_t;

const char *cutover_state_name(cutover_state_t s);

typedef struct cutover_topic_facts {
    const char *topic;
    bool selected;                 /* in the mirror's topic selection */
    cutover_fact_t source_written; /* end offsets moved during the quiet period */
    cutover_fact_t copied;         /* the map covers the source end, every partition */
    cutover_fact_t foreign;        /* target end beyond the mapped target end */
    int64_t lag;                   /* records not copied yet (sum), -1 unknown */
    const char *reason;            /* why a fact is unknown, else NULL */
} cutover_topic_facts_t;

typedef struct cutover_group_facts {
    const char *group;
    int source_members, target_members; /* -1 unknown */
    cutover_fact_t translated;          /* every committed offset translates exactly */
    cutover_fact_t committed;           /* the target has the exact offsets (or its own
                                           consumers' newer commits) */
    const char *reason;                 /* why a fact is unknown or no, else NULL */
    /* The group's protocol on each cluster ("classic", "consumer" for KIP-848,
     * "none", "unknown"; NULL: not read), for display; and whether a member
     * count is only a lower bound (members present, not counted: a KIP-848
     * group through librdkafka before 2.10). The judgement uses the counts. */
    const char *source_protocol, *target_protocol;
    bool source_uncounted, target_uncounted;
} cutover_group_facts_t;

/* A group's state alone; writes the reason (for any state but moved) into
 * why. */
cutover_state_t cutover_group_state(const cutover_group_facts_t *g, char *why, size_t whysz);

/* A produced topic's state alone. */
cutover_state_t cutover_topic_state(const cutover_topic_facts_t *t, char *why, size_t whysz);

/* A service's state: the least of its groups' states, its produced topics'
 * states, and not-ready when a topic it consumes is not mirrored or unknown.
 * Facts are looked up by name in the arrays; a missing one is unknown.
 * `why` collects the reasons ("; "-separated). */
cutover_state_t cutover_service_state(const cutover_service_t *s,
                                      const cutover_topic_facts_t *topics, size_t ntopics,
                                      const cutover_group_facts_t *groups, size_t ngroups,
                                      char *why, size_t whysz);

/* Drained: every selected topic is not written on the source and fully
 * copied, and every service (states[i] for the manifest's services, may be
 * none) that lists a topic is moved (one that lists none is ready, and does
 * not hold the flow back). Writes the first reason it is not into why. */
bool cutover_drained(const cutover_topic_facts_t *topics, size_t ntopics,
                     const cutover_state_t *states, size_t nstates,
                     const cutover_manifest_t *m, char *why, size_t whysz);

#endif

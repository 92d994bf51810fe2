#ifndef KMIG_CUTOVER_CUTOVER_PLAN_H
#define KMIG_CUTOVER_CUTOVER_PLAN_H
/* The order in which services move from the source cluster to the target
 * (docs/CUTOVER.md), and what to check before and after each step.
 *
 * The rule: for every topic T with a producer P and a consumer C (P != C),
 * C moves before P. While P still writes T on the source, the mirror copies
 * each record to the target, so C, already on the target, reads everything.
 * Were P moved first, its records written on the target would never reach a
 * C still reading the source. Hence consumer-only services first, then the
 * services that consume and produce in the order of that relation, then
 * producer-only services. The relation is ordered with Kahn's algorithm over
 * the strongly connected components (Tarjan); a component of several services
 * is a cycle (A consumes what B produces and B consumes what A produces): no
 * order is safe for it, so its services are one step that moves them
 * together (stop all on the source, commit their groups, start all on the
 * target), and the plan names the services and topics of the cycle. Among
 * steps free to go, the order is consumer-only, consume-and-produce,
 * producer-only, services touching no topic, then manifest order.
 *
 * Topics outside the mirror's selection (`selected` says no) are flagged:
 * their records are never copied, so a service using them cannot move
 * safely as planned.
 *
 * Pure. Ownership: the plan owns its steps and strings and points into the
 * manifest (which must outlive it); cutover_plan_destroy() frees it. */
#include <stdbool.h>
#include <stddef.h>

#include "cutover/cutover_manifest.h"

typedef enum {
    CUTOVER_ROLE_CONSUMER = 0, /* consumes only */
    CUTOVER_ROLE_BOTH = 1,     /* consumes and produces */
    CUTOVER_ROLE_PRODUCER = 2, /* produces only */
    CUTOVER_ROLE_NONE = 3,     /* lists no topic */
} cutover_role_t;

const char *cutover_role_name(cutover_role_t r); /* "consumer", "consume-produce", ... */

typedef struct cutover_strs {
    char **v;
    size_t n;
} cutover_strs_t;

typedef struct cutover_step {
    size_t *services; /* indexes into the manifest; >1 only for a cycle */
    size_t n_services;
    bool cycle;
    cutover_strs_t cycle_topics; /* topics linking the services of a cycle */
    cutover_strs_t before, after; /* checks, in order */
    cutover_strs_t warnings;      /* topics outside the selection, ... */
} cutover_step_t;

typedef struct cutover_plan {
    const cutover_manifest_t *m;
    cutover_role_t *roles; /* per service */
    size_t *step_of;       /* per service: the index of its step */
    cutover_step_t *steps;
    size_t n_steps;
    size_t n_cycles, n_unselected; /* counts for the summary */
} cutover_plan_t;

/* `selected(topic, arg)` says whether the mirror copies the topic (NULL:
 * every topic). Returns a new plan; never fails. */
cutover_plan_t *cutover_plan_build(const cutover_manifest_t *m,
                                   bool (*selected)(const char *topic, void *arg), void *arg);
void cutover_plan_destroy(cutover_plan_t *p); /* accepts NULL */

/* Whether services a and b are linked by topic t: a consumes t and b
 * produces t. */
bool cutover_plan_feeds(const cutover_manifest_t *m, size_t b, size_t a, const char *t);

#endif

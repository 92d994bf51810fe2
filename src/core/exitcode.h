#ifndef KMIG_CORE_EXITCODE_H
#define KMIG_CORE_EXITCODE_H
/* Process exit codes, documented in the README. Only main() and command entry
 * points return these. */
enum {
    KMIG_EXIT_OK = 0,        /* success */
    KMIG_EXIT_FAIL = 1,      /* runtime failure (cluster unreachable, broker refused, ...) */
    KMIG_EXIT_USAGE = 2,     /* bad command line or configuration (also: a cluster refuses the
                                configured TLS/SASL settings, see kafka/kcheck.h) */
    KMIG_EXIT_DATA_LOSS = 3, /* source records were deleted before they were copied */
    KMIG_EXIT_MISMATCH = 4,  /* a verification found records that differ */
    KMIG_EXIT_NOT_READY = 5, /* kmig cutover status: not drained yet (some service not moved,
                                a topic still written or not copied, or a fact unknown) */
};
#endif

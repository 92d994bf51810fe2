#ifndef KMIG_AWSIO_AWSPROC_H
#define KMIG_AWSIO_AWSPROC_H
/* Runs a profile's credential_process the way the AWS CLI does: the command
 * line through /bin/sh -c, stdin from /dev/null, stdout captured (capped and
 * with a deadline), stderr left to the process (it is the user's tool; kmig
 * never reads it). Impure (process).
 *
 * Secrets: stdout holds credentials; it is returned to the caller only and
 * never logged. awsproc_run wipes its own copies. Error messages name the
 * outcome (exit status, signal, timeout, size), never the output.
 *
 * Thread-safe (posix_spawn, no global state). Ownership: *out is the
 * caller's; wipe it (OPENSSL_cleanse) before freeing. */
#include <stddef.h>

#include "core/sbuf.h"

#define AWSPROC_MAX_OUT (64 * 1024)

/* Runs `command`, waits at most timeout_ms (then kills it), keeps at most
 * max_out bytes of stdout (more is an error). Returns 0 when it exited with
 * status 0, else -1 with a reason. */
int awsproc_run(const char *command, int timeout_ms, size_t max_out, sbuf_t *out, char *err,
                size_t errsz);

#endif

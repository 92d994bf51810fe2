#ifndef KMIG_CORE_LOGDEDUP_H
#define KMIG_CORE_LOGDEDUP_H
/* Keeps a burst of identical log lines (a client retrying a broker that is
 * down) from becoming a wall: the first line of a kind is printed, repeats
 * are counted, and at most once per window the line is printed again with how
 * many were held back. Lines are "identical" when they differ only in digits
 * (broker ids, ports, timings), see logdedup_key. Not thread-safe: the caller
 * locks.
 *
 * Ownership: logdedup_new returns a table the caller frees with
 * logdedup_destroy. */
#include <stddef.h>
#include <stdint.h>

typedef struct logdedup logdedup_t;

logdedup_t *logdedup_new(int64_t window_ms);
void logdedup_destroy(logdedup_t *d);

/* Decides about one line of kind `key` seen at now_ms: returns 1 to print it
 * (then *held is how many of its kind were held back since it was last
 * printed, 0 the first time), 0 to hold it back (counted). */
int logdedup_check(logdedup_t *d, const char *key, int64_t now_ms, long *held);

/* The kind of a line: "facility|text" with every run of digits as '#' and
 * without librdkafka's " (after Nms in state S[, N identical error(s)
 * suppressed])" suffix, truncated to outsz - 1. */
void logdedup_key(const char *facility, const char *text, char *out, size_t outsz);

#endif

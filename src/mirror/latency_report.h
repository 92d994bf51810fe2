#ifndef KMIG_MIRROR_LATENCY_REPORT_H
#define KMIG_MIRROR_LATENCY_REPORT_H
/* The end-to-end latency part of the mirror's outputs, rendered from a
 * published snapshot (msnap.h): Prometheus histograms
 * (kmig_replication_latency_seconds per topic, kmig_heartbeat_latency_seconds
 * per flow, docs/METRICS.md), the latency part of the progress lines, and the
 * "latency"/"heartbeats" objects of the summary JSON. Called by
 * mirror_report.c; never touches live state. */
#include <jansson.h>
#include <stddef.h>

#include "core/sbuf.h"
#include "mirror/msnap.h"

/* One Prometheus histogram's samples (NAME_bucket per bound with `le`, NAME_sum
 * in seconds, NAME_count) of h; labels are nl strings, name/value pairs, at
 * most 12. Also used by mtxn_report.c. */
void latency_report_histogram(sbuf_t *out, const char *name, const char **labels, size_t nl,
                              const lathist_t *h);
void latency_report_metrics(sbuf_t *out, const msnap_t *s, const char *source, const char *target);
/* " p50 12ms p99 40ms" for one topic's records, "" when none was timed. */
void latency_report_topic(char *buf, size_t bufsz, const msnap_t *s, const char *topic);
/* "latency p50 .. p99 ..  heartbeat last .. p99 .. (sent N)" for the flow. */
void latency_report_flow(char *buf, size_t bufsz, const msnap_t *s);
/* Sets root's "latency" and "heartbeats" objects (s may be NULL). */
void latency_report_json(json_t *root, const msnap_t *s);

#endif

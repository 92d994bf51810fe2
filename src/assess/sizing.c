/* Amazon MSK sizing (see sizing.h): the inputs are summed from the source's
 * topics, then for each broker size the count every published limit calls
 * for is computed, with the arithmetic written out next to it. Values shown
 * in a formula are rounded to two decimals before they are used, so the
 * printed formula gives exactly the printed result. */
#include "assess/sizing.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "core/strmap.h"

#define MB 1e6
#define MIB 1048576.0
#define GIB 1073741824.0
#define EXPRESS_RF 3  /* Express brokers always replicate 3 ways across 3 AZs */
#define EXPRESS_AZS 3
#define STANDARD_VOLUME_MAX_GIB 16384.0

/* The AWS figures, read on 2026-12-04 from stored copies of these pages:
 *
 * - Partitions per Standard broker (replicas, leaders and followers):
 *   "Best practices for Standard brokers", Right-size your cluster: Number of
 *   partitions per Standard broker,
 *   https://docs.aws.amazon.com/msk/latest/developerguide/bestpractices.html
 *   (recommended / maximum supporting update operations).
 * - Partitions per Express broker: "Amazon MSK quota", Express broker
 *   partition quota,
 *   https://docs.aws.amazon.com/msk/latest/developerguide/limits.html#msk-express-broker-partition-quota
 * - Express ingress / egress per broker (recommended sustained, MBps):
 *   "Best practices for Express brokers", Right-size your cluster: Number of
 *   brokers per cluster,
 *   https://docs.aws.amazon.com/msk/latest/developerguide/bestpractices-express.html
 *   (AWS's example there: 45 MBps in, 90 MBps out -> 3 express.m7g.large, so
 *   the figures are client traffic, replication included).
 * - Standard storage throughput: 250 MiB/s is the default for volumes of
 *   10 GiB or more; kafka.m7g.2xlarge and larger can provision up to the
 *   value listed, "Manage storage throughput for Standard brokers",
 *   https://docs.aws.amazon.com/msk/latest/developerguide/msk-provision-throughput-management.html
 * - Maximum storage per Standard broker, 16384 GiB: "Amazon MSK quota",
 *   Standard broker quota, same limits.html page.
 *
 * Not found: AWS publishes no per-size client ingress or egress for Standard
 * brokers (it points to the MSK Sizing and Pricing spreadsheet), so the only
 * Standard throughput limit used is storage throughput, which smaller
 * instances may not reach (their EC2-to-EBS bandwidth is lower and not given
 * on the MSK pages). kafka.t3.small's storage throughput is not published
 * either; the 250 MiB/s volume default is used for it. vCPU counts are the
 * EC2 M7g and T3 instance sizes. */
static const sizing_spec_t specs[SIZING_NCLASSES] = {
    {"kafka.t3.small", SIZING_STANDARD, 2, false, 300, 300, 0, 0, 250},
    {"kafka.m7g.large", SIZING_STANDARD, 2, true, 1000, 1500, 0, 0, 250},
    {"kafka.m7g.xlarge", SIZING_STANDARD, 4, true, 1000, 1500, 0, 0, 250},
    {"kafka.m7g.2xlarge", SIZING_STANDARD, 8, true, 2000, 3000, 0, 0, 312.5},
    {"kafka.m7g.4xlarge", SIZING_STANDARD, 16, true, 4000, 6000, 0, 0, 625},
    {"kafka.m7g.8xlarge", SIZING_STANDARD, 32, true, 4000, 6000, 0, 0, 1000},
    {"kafka.m7g.12xlarge", SIZING_STANDARD, 48, true, 4000, 6000, 0, 0, 1000},
    {"kafka.m7g.16xlarge", SIZING_STANDARD, 64, true, 4000, 6000, 0, 0, 1000},
    {"express.m7g.large", SIZING_EXPRESS, 2, true, 1000, 1500, 15.6, 31.2, 0},
    {"express.m7g.xlarge", SIZING_EXPRESS, 4, true, 1000, 2000, 31.2, 62.5, 0},
    {"express.m7g.2xlarge", SIZING_EXPRESS, 8, true, 2500, 4000, 62.5, 125.0, 0},
    {"express.m7g.4xlarge", SIZING_EXPRESS, 16, true, 6000, 8000, 124.9, 249.8, 0},
    {"express.m7g.8xlarge", SIZING_EXPRESS, 32, true, 12000, 16000, 250.0, 500.0, 0},
    {"express.m7g.12xlarge", SIZING_EXPRESS, 48, true, 16000, 24000, 375.0, 750.0, 0},
    {"express.m7g.16xlarge", SIZING_EXPRESS, 64, true, 20000, 32000, 500.0, 1000.0, 0},
};

const char *const sizing_sources[] = {
    "Standard partitions per broker: "
    "https://docs.aws.amazon.com/msk/latest/developerguide/bestpractices.html",
    "Express partitions per broker: "
    "https://docs.aws.amazon.com/msk/latest/developerguide/limits.html"
    "#msk-express-broker-partition-quota",
    "Express ingress/egress per broker: "
    "https://docs.aws.amazon.com/msk/latest/developerguide/bestpractices-express.html",
    "Standard storage throughput (250 MiB/s default, provisioned maximum per size): "
    "https://docs.aws.amazon.com/msk/latest/developerguide/msk-provision-throughput-management.html",
    "Standard volume maximum 16384 GiB per broker: "
    "https://docs.aws.amazon.com/msk/latest/developerguide/limits.html",
    "Volumes filled to 60%, MSK's first storage alert: "
    "https://docs.aws.amazon.com/msk/latest/developerguide/cluster-alerts.html",
    "Figures read 2026-12-04. AWS publishes no per-size client throughput for Standard "
    "brokers: the storage-throughput limit used instead is optimistic for small sizes.",
    NULL,
};

static double r2(double x) { return round(x * 100.0) / 100.0; }

/* ceil(a / b) for positive quantities, tolerant of binary rounding. */
static int ceil_div(double a, double b) {
    if (a <= 0 || b <= 0) return 0;
    return (int)ceil(a / b - 1e-9);
}

static void topic_input(const inv_topic_t *t, int readers, sizing_input_t *in) {
    double ingress = t->records_per_s * t->avg_record_bytes;
    double current = (double)t->records * t->avg_record_bytes;
    double retained = current;
    if (!t->compacted && t->retention_ms > 0) {
        double by_time = ingress * (double)t->retention_ms / 1000.0;
        if (t->retention_bytes > 0) {
            double by_size = (double)t->retention_bytes * t->partitions;
            if (by_size < by_time) by_time = by_size;
        }
        if (by_time > retained) retained = by_time;
    }
    in->ingress_bps += ingress;
    in->records_ps += t->records_per_s;
    in->egress_bps += ingress * readers;
    in->partitions += t->partitions;
    in->retained_bytes += retained;
    in->current_bytes += current;
    in->current_records += (double)t->records;
    if (t->records > 0 && t->avg_record_bytes <= 0) in->unsized_topics++;
}

void sizing_input_from_inventory(const inventory_t *src, sizing_input_t *in) {
    memset(in, 0, sizeof *in);
    in->sampled = src->sample_s > 0;
    in->target_rf = SIZING_DEFAULT_RF;
    in->headroom = SIZING_DEFAULT_HEADROOM;
    in->azs = SIZING_DEFAULT_AZS;
    in->catch_up_hours = SIZING_DEFAULT_CATCH_UP_HOURS;
    in->record_us = SIZING_KMIG_RECORD_US;
    in->byte_ns = SIZING_KMIG_BYTE_NS;
    in->egress_assumed = src->groups_error != NULL;

    /* readers[i]: consumer groups with committed offsets on topic i */
    int *readers = xcalloc(src->ntopics + 1, sizeof *readers);
    strmap_t *index = strmap_new();
    for (size_t i = 0; i < src->ntopics; i++)
        strmap_put(index, src->topics[i].name, &readers[i]);
    for (size_t g = 0; g < src->ngroups; g++) {
        const char *p = src->groups[g].topics;
        while (p && *p) {
            size_t n = strcspn(p, ",");
            char *name = xstrndup(p, n);
            int *r = strmap_get(index, name);
            if (r) (*r)++;
            free(name);
            p += n + (p[n] == ',');
        }
    }
    for (size_t i = 0; i < src->ntopics; i++) {
        const inv_topic_t *t = &src->topics[i];
        if (strncmp(t->name, "__", 2) == 0) continue;
        int r = in->egress_assumed ? 1 : readers[i];
        in->group_reads += (size_t)r;
        topic_input(t, r, in);
    }
    strmap_destroy(index);
    free(readers);
}

static void bound(sizing_class_t *c, sizing_bound_kind_t k, int brokers, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void bound(sizing_class_t *c, sizing_bound_kind_t k, int brokers, const char *fmt, ...) {
    sizing_bound_t *b = &c->bounds[k];
    b->applies = true;
    b->brokers = brokers;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->formula, sizeof b->formula, fmt, ap);
    va_end(ap);
}

static void class_compute(const sizing_input_t *in, int rf, const sizing_spec_t *spec,
                          sizing_class_t *c) {
    memset(c, 0, sizeof *c);
    c->spec = spec;
    bool express = spec->kind == SIZING_EXPRESS;
    int azs = express ? EXPRESS_AZS : in->azs;
    int replicas_rf = express ? EXPRESS_RF : rf;
    double fill = r2(1.0 - in->headroom);
    double retained_gib = r2(in->retained_bytes / GIB);

    bound(c, SIZING_BY_AZS, azs, "1 broker in each of %d AZs = %d", azs, azs);
    long long replicas = (long long)in->partitions * replicas_rf;
    int n = ceil_div((double)replicas, spec->partitions_recommended);
    bound(c, SIZING_BY_PARTITIONS, n,
          "ceil(%lld partition replicas (%lld x RF %d) / %d per broker) = %d", replicas,
          (long long)in->partitions, replicas_rf, spec->partitions_recommended, n);
    if (express) {
        double in_mb = r2(in->ingress_bps / MB), out_mb = r2(in->egress_bps / MB);
        n = ceil_div(in_mb, spec->ingress_mbps);
        bound(c, SIZING_BY_INGRESS, n, "ceil(%.2f MB/s ingress / %.1f MB/s per broker) = %d",
              in_mb, spec->ingress_mbps, n);
        n = ceil_div(out_mb, spec->egress_mbps);
        bound(c, SIZING_BY_EGRESS, n, "ceil(%.2f MB/s egress / %.1f MB/s per broker) = %d",
              out_mb, spec->egress_mbps, n);
    } else {
        double in_mib = r2(in->ingress_bps / MIB);
        n = ceil_div(in_mib * rf, spec->storage_mibps);
        bound(c, SIZING_BY_WRITES, n,
              "ceil(%.2f MiB/s ingress x RF %d / %.1f MiB/s storage throughput per broker) = %d",
              in_mib, rf, spec->storage_mibps, n);
        n = ceil_div(retained_gib * rf / fill, STANDARD_VOLUME_MAX_GIB);
        bound(c, SIZING_BY_VOLUME, n,
              "ceil(%.2f GiB retained x RF %d / %.2f fill / %.0f GiB per broker) = %d",
              retained_gib, rf, fill, STANDARD_VOLUME_MAX_GIB, n);
    }

    int most = 0;
    sbuf_t list = {0};
    for (int k = 0; k < SIZING_NBOUNDS; k++) {
        if (!c->bounds[k].applies) continue;
        sbuf_printf(&list, "%s%d", list.len ? ", " : "", c->bounds[k].brokers);
        if (c->bounds[k].brokers > most) most = c->bounds[k].brokers;
    }
    c->brokers = (most + azs - 1) / azs * azs;
    snprintf(c->brokers_formula, sizeof c->brokers_formula,
             "max(%s) = %d, rounded up to a multiple of %d AZs = %d", sbuf_str(&list), most, azs,
             c->brokers);
    sbuf_free(&list);
    c->vcpus = c->brokers * spec->vcpus;

    if (!express) {
        double gib = retained_gib * rf / c->brokers / fill;
        c->volume_gib = gib < 1 ? 1 : (int64_t)ceil(gib - 1e-9);
        snprintf(c->volume_formula, sizeof c->volume_formula,
                 "max(1, ceil(%.2f GiB retained x RF %d / %d brokers / %.2f fill)) = %lld GiB",
                 retained_gib, rf, c->brokers, fill, (long long)c->volume_gib);
    }
}

void sizing_workers_compute(const sizing_input_t *in, sizing_workers_t *w) {
    memset(w, 0, sizeof *w);
    double us = r2(in->record_us), ns = r2(in->byte_ns), hours = r2(in->catch_up_hours);
    double backlog = round(in->current_records), live = r2(in->records_ps);
    double a = in->current_records > 0 ? in->current_bytes / in->current_records
               : in->records_ps > 0   ? in->ingress_bps / in->records_ps
                                      : 0;
    w->record_bytes = a = round(a);
    double per_record_s = us * 1e-6 + ns * 1e-9 * a;
    w->worker_rps = per_record_s > 0 ? round(1.0 / per_record_s) : 0;
    snprintf(w->rate_formula, sizeof w->rate_formula,
             "1 / (%.2f us + %.2f ns/B x %.0f B per record) = %.0f records/s per worker", us, ns,
             a, w->worker_rps);
    double secs = hours * 3600.0;
    w->need_rps = r2((secs > 0 ? backlog / secs : 0) + live);
    int n = ceil_div(w->need_rps, w->worker_rps);
    if (n < 1) n = 1;
    snprintf(w->formula, sizeof w->formula,
             "max(1, ceil((%.0f records backlog / (%.2f h x 3600 s) + %.2f records/s live) / "
             "%.0f records/s per worker)) = %d",
             backlog, hours, live, w->worker_rps, n);
    if (in->partitions > 0 && n > in->partitions) {
        /* One worker at a time copies a partition. */
        n = (int)in->partitions;
        w->capped = true;
        size_t len = strlen(w->formula);
        snprintf(w->formula + len, sizeof w->formula - len,
                 ", capped at the %d partitions (one worker per partition at most)", n);
    }
    w->workers = n;
    double spare = n * w->worker_rps - live;
    if (spare <= 0) {
        w->catch_up_hours = -1;
        snprintf(w->time_formula, sizeof w->time_formula,
                 "%d x %.0f records/s <= %.2f records/s live: never catches up", n,
                 w->worker_rps, live);
    } else {
        w->catch_up_hours = r2(backlog / spare / 3600.0);
        snprintf(w->time_formula, sizeof w->time_formula,
                 "%.0f records / (%d x %.0f - %.2f records/s live) / 3600 = %.2f h", backlog, n,
                 w->worker_rps, live, w->catch_up_hours);
    }
}

void sizing_compute(const sizing_input_t *in, sizing_t *out) {
    memset(out, 0, sizeof *out);
    out->in = *in;
    if (!(out->in.catch_up_hours > 0)) out->in.catch_up_hours = SIZING_DEFAULT_CATCH_UP_HOURS;
    if (!(out->in.record_us > 0)) out->in.record_us = SIZING_KMIG_RECORD_US;
    if (!(out->in.byte_ns > 0)) out->in.byte_ns = SIZING_KMIG_BYTE_NS;
    sizing_workers_compute(&out->in, &out->workers);
    if (out->in.target_rf < 1) out->in.target_rf = SIZING_DEFAULT_RF;
    if (out->in.azs < 1) out->in.azs = SIZING_DEFAULT_AZS;
    if (!(out->in.headroom >= 0 && out->in.headroom <= 0.95))
        out->in.headroom = SIZING_DEFAULT_HEADROOM;
    out->recommended[SIZING_STANDARD] = out->recommended[SIZING_EXPRESS] = -1;
    out->nclasses = SIZING_NCLASSES;
    for (size_t i = 0; i < SIZING_NCLASSES; i++) {
        sizing_class_t *c = &out->classes[i];
        class_compute(&out->in, out->in.target_rf, &specs[i], c);
        if (!specs[i].production) continue;
        int *best = &out->recommended[specs[i].kind];
        const sizing_class_t *b = *best < 0 ? NULL : &out->classes[*best];
        if (!b || c->vcpus < b->vcpus || (c->vcpus == b->vcpus && c->brokers < b->brokers))
            *best = (int)i;
    }
}

#ifndef KMIG_ASSESS_SIZING_H
#define KMIG_ASSESS_SIZING_H
/* Sizing an Amazon MSK target from a source cluster's inventory: for every
 * MSK Standard (kafka.t3.small, kafka.m7g.*) and Express (express.m7g.*)
 * broker size, the broker count each limit AWS publishes calls for, the
 * count to deploy, the EBS volume per Standard broker, and the cheapest
 * adequate size per broker type. Pure arithmetic on plain numbers: the AWS
 * figures are a table in sizing.c naming the pages they come from, and every
 * result keeps a formula string ("ceil(1200 partition replicas / 1000 per
 * broker) = 2") so a report reader can redo it from the printed inputs.
 * The method is in docs/ASSESS.md.
 *
 * Ownership: plain structs, nothing to free. sizing_t points into a static
 * table (sizing_class_t.spec). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan/inventory.h"

#define SIZING_DEFAULT_RF 3
/* Fraction of each Standard broker's volume kept free: volumes are sized so
 * the data fills 60% of them, the first of MSK's storage capacity alerts
 * (60% and 80%, docs.aws.amazon.com/msk/latest/developerguide/cluster-alerts.html). */
#define SIZING_DEFAULT_HEADROOM 0.4
#define SIZING_DEFAULT_AZS 3

/* kmig's own copy cost on one core, measured by `make bench` (bench/README.md,
 * docs/ASSESS.md): CPU seconds of the kmig process per record copied, as a
 * fixed part per record and a part per payload byte, solved from the 100-byte
 * and 1000-byte cases of one run (6.89 CPU-s for 3M x 100 B, 3.91 CPU-s for
 * 1M x 1000 B: 2.30 and 3.91 us per record). Measured 2026-12-05 by
 * `make bench` on a 2-core, 24 GB machine shared with other work (load
 * average 32 at the start), Kafka 3.9.2 brokers on the same machine, target
 * uncompressed; `kmig assess --cost-per-record-us`
 * and `--cost-per-byte-ns` override them with a figure measured elsewhere. */
#define SIZING_KMIG_RECORD_US 2.12
#define SIZING_KMIG_BYTE_NS 1.79
/* The catch-up time the fleet is sized for when none is given. */
#define SIZING_DEFAULT_CATCH_UP_HOURS 24.0

/* What the sizing starts from. sizing_input_from_inventory() fills it from
 * the source; a caller may then change target_rf, headroom and azs. Bytes
 * are one copy of the data (before replication). */
typedef struct sizing_input {
    bool sampled;         /* traffic was sampled (inventory sample_s > 0) */
    double ingress_bps;   /* bytes/s produced: sum over topics of records/s x avg record size */
    double records_ps;    /* records/s produced, summed over topics */
    /* bytes/s consumed: sum over topics of the topic's ingress x the number of
     * consumer groups with committed offsets on it (each group is assumed to
     * read all of the topic); when groups could not be listed, one reader per
     * topic is assumed and egress_assumed is set. */
    double egress_bps;
    size_t group_reads;   /* (group, topic) pairs behind egress_bps */
    bool egress_assumed;
    int64_t partitions;   /* leader partitions, summed over topics */
    int target_rf;        /* replication factor on the target (Standard); default 3 */
    /* Sum over topics of max(ingress x retention.ms (capped by retention.bytes
     * x partitions when set), current size); compacted topics and topics with
     * unlimited or unknown retention count their current size only. */
    double retained_bytes;
    double current_bytes; /* sum over topics of records x avg record size */
    double current_records; /* sum over topics of records (the backlog to copy) */
    size_t unsized_topics; /* topics with records but no sampled record size */
    double headroom;      /* fraction of each volume kept free; default 0.4 */
    int azs;              /* availability zones; default 3 (Express always uses 3) */
    /* The kmig fleet (sizing_workers_t): */
    double catch_up_hours; /* copy the backlog within this; default 24 */
    double record_us;      /* kmig CPU per record; default SIZING_KMIG_RECORD_US */
    double byte_ns;        /* kmig CPU per payload byte; default SIZING_KMIG_BYTE_NS */
} sizing_input_t;

/* How many kmig workers (processes of one core each, `kmig mirror --workers`
 * or one per machine) copy the source's backlog (its current records) within
 * catch_up_hours while keeping up with its sampled traffic:
 *   record size  a = backlog bytes / backlog records (else sampled bytes/s /
 *                records/s)
 *   worker rate  r = 1 / (record_us + byte_ns x a) records/s per core
 *   workers      n = ceil((backlog records / (hours x 3600) + records/s) / r),
 *                at least 1
 * and the catch-up time n workers give. Each partition is copied by one
 * worker at a time, so workers beyond the partition count add nothing
 * (capped, with a note). */
typedef struct sizing_workers {
    double record_bytes;    /* a */
    double worker_rps;      /* r, records/s one worker copies */
    double need_rps;        /* backlog records / catch-up seconds + live records/s */
    int workers;            /* n */
    bool capped;            /* n was limited to the partition count */
    double catch_up_hours;  /* with n workers: backlog / (n x r - live); -1 never */
    char rate_formula[200]; /* "1 / (1.50 us + 2.00 ns/B x 1000 B) = 285714 records/s per worker" */
    char formula[300];      /* "ceil((1000000 records / 86400 s + 10.0 records/s) / 285714 ...) = 1" */
    char time_formula[200];
} sizing_workers_t;

typedef enum { SIZING_STANDARD, SIZING_EXPRESS } sizing_kind_t;

/* One broker size with the figures AWS publishes for it (see sizing.c). */
typedef struct sizing_spec {
    const char *name;          /* "kafka.m7g.large", "express.m7g.large" */
    sizing_kind_t kind;
    int vcpus;
    bool production;           /* false for kafka.t3.small (AWS: dev/test) */
    int partitions_recommended; /* replicas (leaders and followers) per broker */
    int partitions_max;
    double ingress_mbps;       /* Express: recommended client ingress per broker, MB/s */
    double egress_mbps;        /* Express: recommended client egress per broker, MB/s */
    double storage_mibps;      /* Standard: storage throughput per broker, MiB/s */
} sizing_spec_t;

/* The limits a broker count is checked against, in this order. Standard
 * brokers use WRITES (storage throughput) and VOLUME (16384 GiB per broker);
 * Express brokers use INGRESS and EGRESS. */
typedef enum {
    SIZING_BY_AZS,        /* at least one broker per AZ */
    SIZING_BY_PARTITIONS, /* partition replicas / recommended per broker */
    SIZING_BY_INGRESS,    /* Express: ingress / per-broker ingress */
    SIZING_BY_EGRESS,     /* Express: egress / per-broker egress */
    SIZING_BY_WRITES,     /* Standard: ingress x RF / storage throughput */
    SIZING_BY_VOLUME,     /* Standard: retained x RF / fill / max volume */
    SIZING_NBOUNDS
} sizing_bound_kind_t;

typedef struct sizing_bound {
    bool applies;      /* false for the other broker type's limits */
    int brokers;
    char formula[200]; /* "ceil(1200 partition replicas (400 x RF 3) / 1000 per broker) = 2" */
} sizing_bound_t;

typedef struct sizing_class {
    const sizing_spec_t *spec;
    sizing_bound_t bounds[SIZING_NBOUNDS];
    int brokers; /* the largest bound, rounded up to a multiple of the AZ count */
    char brokers_formula[200];
    int vcpus;   /* brokers x vCPUs, the cost proxy for the recommendation */
    int64_t volume_gib; /* Standard: EBS volume per broker; 0 for Express */
    char volume_formula[200];
} sizing_class_t;

#define SIZING_NCLASSES 15

typedef struct sizing {
    sizing_input_t in;
    sizing_class_t classes[SIZING_NCLASSES];
    size_t nclasses;
    /* Index into classes of the recommended size per kind: the production
     * size with the fewest total vCPUs (a proxy for price; ties go to fewer
     * brokers). */
    int recommended[2];        /* [SIZING_STANDARD], [SIZING_EXPRESS] */
    sizing_workers_t workers;  /* the kmig fleet for the catch-up time */
} sizing_t;

/* Fills `in` from the source inventory, with target_rf, headroom, azs,
 * catch_up_hours, record_us and byte_ns at their defaults. Topics named "__*" (Kafka's internal topics) are left out. */
void sizing_input_from_inventory(const inventory_t *src, sizing_input_t *in);

/* Computes every class and the workers. target_rf < 1 is taken as
 * SIZING_DEFAULT_RF, azs < 1 as SIZING_DEFAULT_AZS, headroom outside
 * [0, 0.95] as the default, catch_up_hours, record_us and byte_ns <= 0 as
 * theirs. */
void sizing_compute(const sizing_input_t *in, sizing_t *out);

/* The workers alone (sizing_compute calls it), from an input whose defaults
 * are already applied. */
void sizing_workers_compute(const sizing_input_t *in, sizing_workers_t *out);

/* The AWS pages the figures come from, and when they were read: one line
 * each, for reports. */
extern const char *const sizing_sources[];

#endif

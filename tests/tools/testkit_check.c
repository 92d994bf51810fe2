/* `kmig-testkit check`: verifies that a topic holds exactly the expected
 * records, in order, allowing only re-sent duplicates.
 *
 * What is expected on partition p is a sequence E[0..n): with the generator
 * (default), the records i of [start, start+count) with i % P == p, in
 * increasing i (testkit_gen.c makes each one distinct and a pure function of
 * i), minus those of aborted transactions with --transactional --abort-every
 * (testkit_gen_expected()); with --source-bootstrap, the source partition's records as they are.
 * Records are compared by content digest (offsets/record_digest.c: key, value,
 * NULL vs empty, headers in order, timestamp).
 *
 * The partition is read from its low to its high watermark with a cursor
 * `next` on E, the first expected record not seen yet. Each record must be
 *   - E[next]: the next new record, or
 *   - some E[j] with j < next: a duplicate of a record already seen.
 * A copier that crashes and resumes from an older position writes exactly
 * such duplicates (0 1 2 3 4 2 3 4 5 6). Anything else fails: a record not in
 * E (wrong content, from another partition or topic, an extra record), one
 * from beyond `next` (records missing or reordered), or a partition that
 * ends before `next` reaches n. The check passes if every partition is
 * complete and the duplicates total at most --max-dups. (Comparing with a
 * source that holds identical records, a copy of the later one may count as
 * a duplicate of the earlier: digests cannot tell them apart.)
 *
 * Relative timestamps are base_ts + i: --base-ts gives base_ts, otherwise the
 * first record compared with a relative-timestamp expectation fixes it (if
 * that record is wrong, everything after fails to match, so it cannot hide
 * an error).
 *
 * --at P:S:O (with --source-bootstrap, repeatable) checks a translated
 * offset instead: the target record at offset O of partition P is the copy
 * of the first source record at offset >= S, or, when the source has no
 * record at or after S, O is the target's end offset. A group that committed
 * S on the source and O on the target then resumes at the same record. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "kafka/kread.h"
#include "testkit.h"

#define CHECK_READ_TIMEOUT_MS 15000
#define BASE_UNKNOWN INT64_MIN

typedef uint8_t digest_t[RECORD_DIGEST_LEN];

typedef struct check {
    const char *topic, *gen_topic;
    bool gen;                /* generator mode; else E comes from the source */
    int64_t start, count, parts, size;
    testkit_txn_t txn;
    int64_t base_ts;         /* BASE_UNKNOWN until learned */
    char base_from[128];     /* where it was learned */
    record_digest_t *d;
    testkit_rec_t rec;
    /* the partition being checked */
    int32_t p;
    int64_t *idx;            /* generator: E[k] is record idx[k] */
    size_t n;                /* records expected */
    digest_t *want;          /* E's digests [0, filled) */
    size_t filled, cap;
    size_t next;
    size_t hint;             /* where the last duplicate's run continues */
    int64_t dups, first_dup_offset, low;
    char why[1024];          /* the failure, empty while ok */
} check_t;

static int64_t index_of(const check_t *c, size_t k) { return c->idx[k]; }

static void want_push(check_t *c, const uint8_t *dig) {
    if (c->filled == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->want = xrealloc(c->want, c->cap * sizeof *c->want);
    }
    memcpy(c->want[c->filled++], dig, RECORD_DIGEST_LEN);
}

/* E[k]'s digest, generated on first use (k <= filled). `seen`, the record
 * being compared with E[k], may fix the base timestamp; NULL if it may not.
 * Returns NULL if E[k] cannot be known yet. */
static const uint8_t *want(check_t *c, size_t k, const krecord_t *seen) {
    if (k < c->filled) return c->want[k];
    if (!c->gen || k != c->filled || k >= c->n) return NULL;
    int64_t i = index_of(c, k);
    if (c->base_ts == BASE_UNKNOWN && testkit_gen_ts_relative(i)) {
        if (!seen) return NULL;
        c->base_ts = seen->timestamp - i;
        snprintf(c->base_from, sizeof c->base_from, "%s [%d] offset %" PRId64, c->topic, c->p,
                 seen->offset);
    }
    digest_t dig;
    testkit_gen_record(&c->rec, c->gen_topic, i, (size_t)c->size, c->base_ts);
    testkit_gen_digest(c->d, &c->rec, dig);
    want_push(c, dig);
    return c->want[k];
}

static bool same(const uint8_t *a, const uint8_t *b) {
    return a && !memcmp(a, b, RECORD_DIGEST_LEN);
}

/* Describes E[k] for messages. */
static void describe(const check_t *c, size_t k, char *buf, size_t size) {
    if (c->gen)
        snprintf(buf, size, "record #%" PRId64 " (%s)", index_of(c, k),
                 testkit_gen_shape_name((int)(index_of(c, k) % TESTKIT_GEN_SHAPES)));
    else
        snprintf(buf, size, "source record %zu of the partition", k);
}

static void fail_record(check_t *c, const krecord_t *r) {
    char exp[128], other[128];
    describe(c, c->next, exp, sizeof exp);
    sbuf_t b = {0};
    sbuf_printf(&b, "offset %" PRId64 " (timestamp %" PRId64 "): expected %s%s", r->offset,
                r->timestamp, c->next < c->n ? exp : "no more new records",
                c->next ? " or a duplicate of an earlier one" : "");
    size_t k;
    for (k = c->next + 1; k < c->n; k++) {
        const uint8_t *w = want(c, k, NULL);
        if (!w || same(w, r->digest)) break;
    }
    if (k < c->n && k < c->filled) {
        describe(c, k, other, sizeof other);
        sbuf_printf(&b, ", found %s: %zu records from %s on are missing or out of order", other,
                    k - c->next, exp);
    } else {
        sbuf_printf(&b, ", found a record that is not expected on this partition (wrong "
                        "content, partition or topic, or an extra record)");
    }
    if (c->next == 0 && c->low > 0)
        sbuf_printf(&b, "; the partition starts at offset %" PRId64 " (older records deleted?)",
                    c->low);
    if (c->gen && *c->base_from)
        sbuf_printf(&b, "; relative timestamps were checked against base %" PRId64
                        " learned from %s (see --base-ts)", c->base_ts, c->base_from);
    snprintf(c->why, sizeof c->why, "%s", sbuf_str(&b));
    sbuf_free(&b);
}

static bool is_dup(check_t *c, const krecord_t *r) {
    if (c->hint < c->next && same(c->want[c->hint], r->digest)) {
        c->hint++;
    } else {
        size_t j = c->next;
        while (j-- > 0 && !same(c->want[j], r->digest)) {}
        if (j == SIZE_MAX) return false;
        c->hint = j + 1;
    }
    if (c->dups++ == 0) c->first_dup_offset = r->offset;
    return true;
}

static int on_record(void *opaque, const krecord_t *r) {
    check_t *c = opaque;
    if (c->next < c->n && same(want(c, c->next, r), r->digest)) {
        c->next++;
        return 0;
    }
    if (is_dup(c, r)) return 0;
    fail_record(c, r);
    return 1;
}

static int collect(void *opaque, const krecord_t *r) {
    want_push(opaque, r->digest);
    return 0;
}

/* Checks partition p of the target; returns 0, or -1 with c->why filled. */
static int check_partition(check_t *c, rd_kafka_t *src, rd_kafka_t *tgt, const char *src_topic,
                           int32_t p) {
    c->p = p;
    c->filled = c->next = c->hint = 0;
    c->dups = 0;
    c->first_dup_offset = -1;
    c->why[0] = '\0';
    char err[512];
    if (c->gen) {
        free(c->idx);
        c->n = testkit_gen_expected(c->start, c->count, c->parts, p, &c->txn, &c->idx);
    } else {
        if (kread_partition(src, src_topic, p, 0, CHECK_READ_TIMEOUT_MS, collect, c, err,
                            sizeof err)) {
            snprintf(c->why, sizeof c->why, "reading the source: %s", err);
            return -1;
        }
        c->n = c->filled;
    }
    int64_t high;
    rd_kafka_resp_err_t e =
        rd_kafka_query_watermark_offsets(tgt, c->topic, p, &c->low, &high, CHECK_READ_TIMEOUT_MS);
    if (e) {
        snprintf(c->why, sizeof c->why, "watermarks: %s", rd_kafka_err2str(e));
        return -1;
    }
    int rc = kread_partition(tgt, c->topic, p, 0, CHECK_READ_TIMEOUT_MS, on_record, c, err,
                             sizeof err);
    if (rc < 0) snprintf(c->why, sizeof c->why, "%s", err);
    if (rc) return -1;
    if (c->next < c->n) {
        char exp[128];
        describe(c, c->next, exp, sizeof exp);
        snprintf(c->why, sizeof c->why,
                 "the partition ends at offset %" PRId64 " but %zu expected records are missing, "
                 "from %s on",
                 high, c->n - c->next, exp);
        if (c->next == 0 && c->low > 0)
            snprintf(c->why + strlen(c->why), sizeof c->why - strlen(c->why),
                     "; it starts at offset %" PRId64 " (older records deleted?)", c->low);
        return -1;
    }
    return 0;
}

/* A kread_fn that keeps the first record and stops. */
static int first_record(void *opaque, const krecord_t *r) {
    *(krecord_t *)opaque = *r;
    return 1;
}

/* --at P:S:O: returns 0, or -1 with the reason in why. */
static int check_at(rd_kafka_t *src, rd_kafka_t *tgt, const char *src_topic, const char *topic,
                    const char *spec, char *why, size_t whysz) {
    int32_t p;
    int64_t so, to, lo, hi;
    char err[512];
    if (sscanf(spec, "%" SCNd32 ":%" SCNd64 ":%" SCNd64, &p, &so, &to) != 3 || p < 0 || so < 0) {
        snprintf(why, whysz, "--at wants PARTITION:SOURCE_OFFSET:TARGET_OFFSET, got '%s'", spec);
        return -1;
    }
    krecord_t s = {.offset = -1}, t = {.offset = -1};
    if (kread_partition(src, src_topic, p, so, CHECK_READ_TIMEOUT_MS, first_record, &s, err,
                        sizeof err) < 0) {
        snprintf(why, whysz, "[%d] reading the source from %" PRId64 ": %s", p, so, err);
        return -1;
    }
    if (s.offset < 0) { /* nothing at or after so on the source: the target's end */
        if (kread_watermarks(tgt, topic, p, &lo, &hi, CHECK_READ_TIMEOUT_MS)) {
            snprintf(why, whysz, "[%d] target watermarks unknown", p);
            return -1;
        }
        if (to != hi) {
            snprintf(why, whysz, "[%d] source offset %" PRId64 " is the source's end, so the "
                     "target offset must be the target's end %" PRId64 ", not %" PRId64, p, so,
                     hi, to);
            return -1;
        }
        return 0;
    }
    if (to < 0 || kread_partition(tgt, topic, p, to, CHECK_READ_TIMEOUT_MS, first_record, &t,
                                  err, sizeof err) < 0) {
        snprintf(why, whysz, "[%d] reading the target from %" PRId64 ": %s", p, to,
                 to < 0 ? "negative offset" : err);
        return -1;
    }
    if (t.offset != to) {
        snprintf(why, whysz, "[%d] the target has no record at offset %" PRId64 " (%s %" PRId64
                 "); the source record at %" PRId64 " should be there", p, to,
                 t.offset < 0 ? "end reached at or before it" : "next one at", t.offset,
                 s.offset);
        return -1;
    }
    if (memcmp(s.digest, t.digest, RECORD_DIGEST_LEN)) {
        snprintf(why, whysz, "[%d] the target record at offset %" PRId64 " is not the copy of "
                 "the source record at offset %" PRId64, p, to, s.offset);
        return -1;
    }
    return 0;
}

static void check_usage(FILE *out) {
    fprintf(out,
            "usage: kmig-testkit check --bootstrap B --topic T --partitions P --count N\n"
            "         [--start I] [--size BYTES] [--base-ts MS] [--max-dups D]\n"
            "         [--source-topic ST] [--source-bootstrap S] [--at P:S:O]...\n"
            "         [--transactional [--txn-size M] [--abort-every K]]\n"
            "  verifies that T holds exactly the records `produce` wrote (same --start,\n"
            "  --count, --size and transaction flags; --base-ts is learned if not given),\n"
            "  in order per partition, allowing at most D (default 0) re-sent duplicates.\n"
            "  --source-topic ST      the records were produced to ST (e.g. T = src.ST)\n"
            "  --source-bootstrap S   compare with topic ST (default T) on cluster S record by\n"
            "                         record instead of the generator (--partitions optional)\n"
            "  --at P:S:O             (with --source-bootstrap) only check that target offset O\n"
            "                         of partition P holds the copy of the first source record\n"
            "                         at offset >= S, or is the target's end if the source has\n"
            "                         none; prints `check: T [P]: S -> O same record`\n"
            TESTKIT_TXN_USAGE
            "  prints `check: T: N records ok, D duplicates`; exit 0 only if that holds\n");
}

int testkit_check_main(int argc, char **argv) {
    static const struct option opts[] = {
        {"bootstrap", required_argument, 0, 'b'},  {"topic", required_argument, 0, 't'},
        {"partitions", required_argument, 0, 'p'}, {"count", required_argument, 0, 'n'},
        {"start", required_argument, 0, 's'},      {"size", required_argument, 0, 'z'},
        {"base-ts", required_argument, 0, 'B'},    {"max-dups", required_argument, 0, 'D'},
        {"source-topic", required_argument, 0, 'T'},
        {"source-bootstrap", required_argument, 0, 'S'},
        {"at", required_argument, 0, 'o'},
        TESTKIT_TXN_OPTIONS,
        {"help", no_argument, 0, 'h'},             {0, 0, 0, 0}};
    const char *bootstrap = NULL, *src_bootstrap = NULL, *src_topic = NULL;
    check_t c = {.start = 0, .count = -1, .parts = -1, .size = 1000, .base_ts = BASE_UNKNOWN,
                 .txn = TESTKIT_TXN_DEFAULT};
    int64_t max_dups = 0;
    const char **at = calloc((size_t)argc + 1, sizeof *at);
    size_t nat = 0;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int64_t *num = NULL;
        int t = testkit_txn_opt(&c.txn, opt, optarg);
        if (t) {
            if (t < 0) return 2;
            continue;
        }
        switch (opt) {
        case 'b': bootstrap = optarg; break;
        case 't': c.topic = optarg; break;
        case 'p': num = &c.parts; break;
        case 'n': num = &c.count; break;
        case 's': num = &c.start; break;
        case 'z': num = &c.size; break;
        case 'B': num = &c.base_ts; break;
        case 'D': num = &max_dups; break;
        case 'T': src_topic = optarg; break;
        case 'S': src_bootstrap = optarg; break;
        case 'o': at[nat++] = optarg; break;
        case 'h': check_usage(stdout); free(at); return 0;
        default: check_usage(stderr); free(at); return 2;
        }
        if (num && (*num = testkit_parse_count(optarg)) < 0) {
            fprintf(stderr, "check: bad number '%s'\n", optarg);
            free(at);
            return 2;
        }
    }
    c.gen = !src_bootstrap;
    if (!src_topic) src_topic = c.topic;
    c.gen_topic = src_topic;
    if (!bootstrap || !c.topic || optind < argc || (c.gen && (c.parts < 1 || c.count < 0)) ||
        c.parts == 0 || (nat && c.gen)) {
        check_usage(stderr);
        free(at);
        return 2;
    }
    if (testkit_txn_validate(&c.txn, "check")) {
        free(at);
        return 2;
    }

    char err[512];
    int rc = 1;
    rd_kafka_t *src = NULL,
               *tgt = testkit_client_new(RD_KAFKA_CONSUMER, bootstrap, NULL, err, sizeof err);
    if (!tgt || (!c.gen && !(src = testkit_client_new(RD_KAFKA_CONSUMER, src_bootstrap, NULL, err,
                                                      sizeof err)))) {
        fprintf(stderr, "check: %s\n", err);
        goto out;
    }
    if (nat) {
        int bad_at = 0;
        for (size_t i = 0; i < nat; i++) {
            char why[1024];
            if (check_at(src, tgt, src_topic, c.topic, at[i], why, sizeof why)) {
                printf("check: %s %s\n", c.topic, why);
                bad_at++;
            } else {
                printf("check: %s [%s]: same record\n", c.topic, at[i]);
            }
        }
        rc = bad_at ? 1 : 0;
        goto out;
    }
    int have = testkit_partition_count(tgt, c.topic, 5000, err, sizeof err);
    if (have < 0) {
        fprintf(stderr, "check: %s\n", err);
        goto out;
    }
    if (!c.gen) {
        int srcp = testkit_partition_count(src, src_topic, 5000, err, sizeof err);
        if (srcp < 0) {
            fprintf(stderr, "check: source: %s\n", err);
            goto out;
        }
        if (c.parts < 0) c.parts = srcp;
        if (srcp != c.parts) {
            fprintf(stderr, "check: source topic %s has %d partitions, not %" PRId64 "\n",
                    src_topic, srcp, c.parts);
            goto out;
        }
    }
    if (have != c.parts) {
        fprintf(stderr, "check: %s has %d partitions, expected %" PRId64 "\n", c.topic, have,
                c.parts);
        goto out;
    }
    c.d = record_digest_new();
    int64_t total = 0, dups = 0;
    int bad = 0;
    for (int32_t p = 0; p < c.parts; p++) {
        if (check_partition(&c, src, tgt, src_topic, p)) {
            fprintf(stderr, "check: %s [%d]: %s\n", c.topic, p, c.why);
            bad++;
        } else if (c.dups) {
            fprintf(stderr, "check: %s [%d]: %" PRId64 " duplicates, the first at offset %" PRId64
                            "\n", c.topic, p, c.dups, c.first_dup_offset);
        }
        total += (int64_t)c.next;
        dups += c.dups;
    }
    if (bad) {
        printf("check: %s: FAILED in %d of %" PRId64 " partitions (%" PRId64 " records ok, %" PRId64
               " duplicates)\n", c.topic, bad, c.parts, total, dups);
    } else if (dups > max_dups) {
        printf("check: %s: %" PRId64 " records ok, but %" PRId64 " duplicates, more than %" PRId64
               "\n", c.topic, total, dups, max_dups);
    } else {
        printf("check: %s: %" PRId64 " records ok, %" PRId64 " duplicates\n", c.topic, total, dups);
        rc = 0;
    }
out:
    free(at);
    free(c.want);
    free(c.idx);
    testkit_gen_clear(&c.rec);
    record_digest_destroy(c.d);
    if (src) rd_kafka_destroy(src);
    if (tgt) rd_kafka_destroy(tgt);
    return rc;
}

/* `kmig-testkit consume`: a real consumer group member, to prove that a group
 * resumes exactly where it stopped. It subscribes to one topic with the group
 * (read_committed, no auto commit; a partition without a committed offset
 * starts at --reset, default earliest), reads until every assigned partition
 * is at its end, or --max-records records, or (with --follow) until SIGTERM,
 * commits with --commit the offset after the last record it read on each
 * partition it read from, leaves the group cleanly, and prints per assigned
 * partition P
 *
 *   committed[P]=C n[P]=K first_offset[P]=O last_offset[P]=O
 *       [first[P]=I last[P]=I left[P]=L]
 *
 * (C: the group's committed offset when it joined, -1 none; K records read,
 * the offsets of the first and last; "-" when none), then `consumed=N`.
 *
 * With --count (generator mode, the same --start/--count/--size/--base-ts and
 * transaction flags as `produce`), it also checks the records: the first one
 * read on a partition must be one of the records expected there (I is its
 * index), and every later one the next expected record after it: no gap, no
 * repeat, nothing else, or it fails without committing. L is how many
 * expected records of the partition come after the last one read (0: it read
 * to the end).
 *
 * --print-records prints `record partition=P offset=O key=K value=V
 * digest=D` per record in the order read (K: null or x<hex>; V: null or the
 * length; D: the content digest), for data the generator does not describe
 * (compacted topics): compare two readers' sequences without the offsets. */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "kafka/kread.h"
#include "testkit.h"

#define CONSUME_TIMEOUT_MS 15000

static volatile sig_atomic_t consume_stop;

static void on_signal(int sig) {
    (void)sig;
    consume_stop = 1;
}

typedef struct cpart {
    bool assigned, eof;
    int64_t committed; /* when the group was joined, -1 none */
    int64_t n, first_off, last_off;
    /* generator mode: the expected indexes and the cursor after the last read */
    int64_t *idx;
    size_t nidx, pos;
    bool started;
    int64_t first_idx;
} cpart_t;

typedef struct consume {
    const char *topic, *gen_topic;
    bool gen, print;
    int64_t start, count, parts, size, base_ts;
    testkit_txn_t txn;
    record_digest_t *d;
    testkit_rec_t rec;
    cpart_t *p;
    int np;
    char why[1024]; /* the failure, empty while ok */
} consume_t;

/* Is dig the digest of generator record i? */
static bool gen_is(consume_t *c, int64_t i, const uint8_t *dig) {
    uint8_t want[RECORD_DIGEST_LEN];
    testkit_gen_record(&c->rec, c->gen_topic, i, (size_t)c->size, c->base_ts);
    testkit_gen_digest(c->d, &c->rec, want);
    return !memcmp(want, dig, RECORD_DIGEST_LEN);
}

/* The position of dig among partition s's expected records, or nidx. */
static size_t gen_find(consume_t *c, const cpart_t *s, const uint8_t *dig) {
    size_t k = 0;
    while (k < s->nidx && !gen_is(c, s->idx[k], dig)) k++;
    return k;
}

/* Checks a record of partition p against the generator; fills c->why. */
static void verify(consume_t *c, int32_t p, int64_t offset, const uint8_t *dig) {
    cpart_t *s = &c->p[p];
    const char *t = c->topic;
    if (s->started && s->pos < s->nidx && gen_is(c, s->idx[s->pos], dig)) {
        s->pos++;
        return;
    }
    size_t k = gen_find(c, s, dig);
    if (!s->started && k < s->nidx) {
        s->started = true;
        s->first_idx = s->idx[k];
        s->pos = k + 1;
        return;
    }
    if (!s->started)
        snprintf(c->why, sizeof c->why,
                 "%s [%d] offset %" PRId64 ": the first record read is none of the %zu records "
                 "expected on this partition", t, p, offset, s->nidx);
    else if (k < s->pos)
        snprintf(c->why, sizeof c->why,
                 "%s [%d] offset %" PRId64 ": record #%" PRId64 " again, after #%" PRId64
                 " (a repeat)", t, p, offset, s->idx[k], s->idx[s->pos - 1]);
    else if (k < s->nidx)
        snprintf(c->why, sizeof c->why,
                 "%s [%d] offset %" PRId64 ": record #%" PRId64 " right after #%" PRId64
                 ": %zu expected records skipped, from #%" PRId64 " on", t, p, offset, s->idx[k],
                 s->idx[s->pos - 1], k - s->pos, s->idx[s->pos]);
    else
        snprintf(c->why, sizeof c->why,
                 "%s [%d] offset %" PRId64 ": expected %s after #%" PRId64
                 ", found a record not expected on this partition", t, p, offset,
                 s->pos < s->nidx ? "the next record" : "no more records", s->idx[s->pos - 1]);
}

static void print_record(const rd_kafka_message_t *m, const uint8_t *dig) {
    sbuf_t b = {0};
    sbuf_printf(&b, "record partition=%d offset=%" PRId64 " key=", m->partition, m->offset);
    if (!m->key) sbuf_printf(&b, "null");
    else sbuf_printf(&b, "x");
    for (size_t k = 0; m->key && k < m->key_len; k++)
        sbuf_printf(&b, "%02x", ((const unsigned char *)m->key)[k]);
    if (m->payload) sbuf_printf(&b, " value=%zu digest=", m->len);
    else sbuf_printf(&b, " value=null digest=");
    for (int k = 0; k < RECORD_DIGEST_LEN; k++) sbuf_printf(&b, "%02x", dig[k]);
    puts(sbuf_str(&b));
    sbuf_free(&b);
}

/* Takes note of the assignment once there is one: reads the committed offsets
 * and prints `assigned=P,P,...`. Returns true once assigned. */
static bool note_assignment(consume_t *c, rd_kafka_t *rk) {
    rd_kafka_topic_partition_list_t *a = NULL;
    if (rd_kafka_assignment(rk, &a) || !a->cnt) {
        if (a) rd_kafka_topic_partition_list_destroy(a);
        return false;
    }
    rd_kafka_resp_err_t e = rd_kafka_committed(rk, a, CONSUME_TIMEOUT_MS);
    if (e) snprintf(c->why, sizeof c->why, "committed offsets: %s", rd_kafka_err2str(e));
    sbuf_t b = {0};
    sbuf_printf(&b, "assigned=");
    for (int i = 0; i < a->cnt; i++) {
        int32_t p = a->elems[i].partition;
        if (p < 0 || p >= c->np || strcmp(a->elems[i].topic, c->topic)) continue;
        c->p[p].assigned = true;
        c->p[p].committed = e || a->elems[i].offset < 0 ? -1 : a->elems[i].offset;
        sbuf_printf(&b, "%s%d", i ? "," : "", p);
    }
    puts(sbuf_str(&b));
    fflush(stdout);
    sbuf_free(&b);
    rd_kafka_topic_partition_list_destroy(a);
    return true;
}

static bool all_at_end(const consume_t *c) {
    for (int p = 0; p < c->np; p++)
        if (c->p[p].assigned && !c->p[p].eof) return false;
    return true;
}

/* Commits, per partition read from, the offset after the last record read. */
static void commit_read(consume_t *c, rd_kafka_t *rk) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(c->np);
    for (int p = 0; p < c->np; p++)
        if (c->p[p].n) rd_kafka_topic_partition_list_add(l, c->topic, p)->offset = c->p[p].last_off + 1;
    rd_kafka_resp_err_t e = l->cnt ? rd_kafka_commit(rk, l, 0) : 0;
    for (int i = 0; !e && i < l->cnt; i++) e = l->elems[i].err;
    if (e) snprintf(c->why, sizeof c->why, "commit: %s", rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(l);
}

static void print_summary(const consume_t *c, int64_t consumed) {
    for (int p = 0; p < c->np; p++) {
        const cpart_t *s = &c->p[p];
        if (!s->assigned) continue;
        printf("committed[%d]=%" PRId64 " n[%d]=%" PRId64, p, s->committed, p, s->n);
        if (s->n)
            printf(" first_offset[%d]=%" PRId64 " last_offset[%d]=%" PRId64, p, s->first_off, p,
                   s->last_off);
        else
            printf(" first_offset[%d]=- last_offset[%d]=-", p, p);
        if (c->gen && s->started)
            printf(" first[%d]=%" PRId64 " last[%d]=%" PRId64 " left[%d]=%zu", p, s->first_idx, p,
                   s->idx[s->pos - 1], p, s->nidx - s->pos);
        else if (c->gen)
            printf(" first[%d]=- last[%d]=- left[%d]=-", p, p, p);
        putchar('\n');
    }
    printf("consumed=%" PRId64 "\n", consumed);
    fflush(stdout);
}

static void consume_usage(FILE *out) {
    fprintf(out,
            "usage: kmig-testkit consume --bootstrap B --group G --topic T\n"
            "         [--max-records R] [--commit] [--follow] [--print-records]\n"
            "         [--reset earliest|latest] [--timeout S] [--set KEY=VALUE]...\n"
            "         [--partitions P --count N --base-ts MS [--start I] [--size BYTES]\n"
            "          [--source-topic ST] [--transactional [--txn-size M] [--abort-every K]]]\n"
            "  reads T as a member of G (read_committed) until every assigned partition is at\n"
            "  its end, R records were read, or (--follow) SIGTERM; --commit commits the\n"
            "  offset after the last record read per partition, then it leaves the group.\n"
            "  --count        verify against the generator (as `produce` wrote: same\n"
            "                 --partitions, --start, --count, --size, --base-ts, transaction\n"
            "                 flags; --source-topic if produced under another name): per\n"
            "                 partition consecutive expected records, no gap, no repeat\n"
            "  --timeout      seconds to reach the end (default 60; not with --follow)\n"
            "  prints assigned=P,... once assigned; then per partition committed[P]= n[P]=\n"
            "  first_offset[P]= last_offset[P]= (and first[P]= last[P]= left[P]= generator\n"
            "  indexes), consumed=N; --print-records adds a `record ...` line per record\n"
            TESTKIT_TXN_USAGE);
}

int testkit_consume_main(int argc, char **argv) {
    static const struct option opts[] = {
        {"bootstrap", required_argument, 0, 'b'},  {"group", required_argument, 0, 'g'},
        {"topic", required_argument, 0, 't'},      {"partitions", required_argument, 0, 'p'},
        {"count", required_argument, 0, 'n'},      {"start", required_argument, 0, 's'},
        {"size", required_argument, 0, 'z'},       {"base-ts", required_argument, 0, 'B'},
        {"source-topic", required_argument, 0, 'T'},
        {"max-records", required_argument, 0, 'R'}, {"commit", no_argument, 0, 'c'},
        {"follow", no_argument, 0, 'f'},           {"print-records", no_argument, 0, 'P'},
        {"reset", required_argument, 0, 'r'},      {"timeout", required_argument, 0, 'w'},
        {"set", required_argument, 0, 'S'},        TESTKIT_TXN_OPTIONS,
        {"help", no_argument, 0, 'h'},             {0, 0, 0, 0}};
    const char *bootstrap = NULL, *group = NULL, *reset = "earliest";
    consume_t c = {.count = -1, .parts = -1, .size = 1000, .base_ts = -1,
                   .txn = TESTKIT_TXN_DEFAULT};
    int64_t max_records = -1, timeout_s = 60, consumed = 0;
    bool commit = false, follow = false;
    const char **kv = calloc((size_t)argc * 2 + 16, sizeof *kv);
    size_t nkv = 8; /* the first 8 are filled below */
    rd_kafka_t *rk = NULL;
    int opt, rc = 2;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int64_t *num = NULL;
        int t = testkit_txn_opt(&c.txn, opt, optarg);
        if (t) {
            if (t < 0) goto out;
            continue;
        }
        switch (opt) {
        case 'b': bootstrap = optarg; break;
        case 'g': group = optarg; break;
        case 't': c.topic = optarg; break;
        case 'p': num = &c.parts; break;
        case 'n': num = &c.count; break;
        case 's': num = &c.start; break;
        case 'z': num = &c.size; break;
        case 'B': num = &c.base_ts; break;
        case 'T': c.gen_topic = optarg; break;
        case 'R': num = &max_records; break;
        case 'c': commit = true; break;
        case 'f': follow = true; break;
        case 'P': c.print = true; break;
        case 'r': reset = optarg; break;
        case 'w': num = &timeout_s; break;
        case 'S': {
            char *eq = strchr(optarg, '=');
            if (!eq) {
                fprintf(stderr, "consume: --set wants KEY=VALUE, got '%s'\n", optarg);
                goto out;
            }
            *eq = '\0';
            kv[nkv++] = optarg;
            kv[nkv++] = eq + 1;
            break;
        }
        case 'h': consume_usage(stdout); rc = 0; goto out;
        default: consume_usage(stderr); goto out;
        }
        if (num && (*num = testkit_parse_count(optarg)) < 0) {
            fprintf(stderr, "consume: bad number '%s'\n", optarg);
            goto out;
        }
    }
    c.gen = c.count >= 0;
    if (!c.gen_topic) c.gen_topic = c.topic;
    if (!bootstrap || !group || !c.topic || optind < argc ||
        (c.gen && (c.parts < 1 || c.base_ts < 0))) {
        if (c.gen && c.base_ts < 0) fprintf(stderr, "consume: --count needs --base-ts\n");
        consume_usage(stderr);
        goto out;
    }
    if (testkit_txn_validate(&c.txn, "consume")) goto out;

    const char *mine[] = {"group.id", group, "enable.auto.commit", "false", "isolation.level",
                          "read_committed", "auto.offset.reset", reset};
    memcpy(kv, mine, sizeof mine);
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    rc = 1;
    char err[512];
    if (!(rk = testkit_client_new(RD_KAFKA_CONSUMER, bootstrap, kv, err, sizeof err)) ||
        (c.np = testkit_partition_count(rk, c.topic, 5000, err, sizeof err)) < 0) {
        fprintf(stderr, "consume: %s\n", err);
        goto out;
    }
    if (c.gen && c.np != c.parts) {
        fprintf(stderr, "consume: %s has %d partitions, expected %" PRId64 "\n", c.topic, c.np,
                c.parts);
        goto out;
    }
    c.p = xcalloc((size_t)c.np, sizeof *c.p);
    for (int32_t p = 0; c.gen && p < c.np; p++)
        c.p[p].nidx = testkit_gen_expected(c.start, c.count, c.parts, p, &c.txn, &c.p[p].idx);
    c.d = record_digest_new();
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, c.topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (e) {
        fprintf(stderr, "consume: subscribe: %s\n", rd_kafka_err2str(e));
        goto out;
    }

    int64_t deadline = testkit_mono_ms() + timeout_s * 1000;
    bool assigned = false;
    while (!consume_stop && !*c.why && consumed != max_records) {
        if (assigned && !follow && all_at_end(&c)) break;
        if (!follow && testkit_mono_ms() > deadline) {
            snprintf(c.why, sizeof c.why, "%s after %" PRId64 " s (group %s, %" PRId64
                     " records read)", assigned ? "not at the end" : "no partitions assigned",
                     timeout_s, group, consumed);
            break;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!assigned) assigned = note_assignment(&c, rk);
        if (!m) continue;
        int32_t p = m->partition;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (p >= 0 && p < c.np) c.p[p].eof = true;
        } else if (m->err) {
            fprintf(stderr, "consume: %s\n", rd_kafka_message_errstr(m));
        } else if (p >= 0 && p < c.np) {
            cpart_t *s = &c.p[p];
            uint8_t dig[RECORD_DIGEST_LEN];
            kread_digest(m, c.d, dig);
            if (c.print) print_record(m, dig);
            if (c.gen) verify(&c, p, m->offset, dig);
            if (!s->n++) s->first_off = m->offset;
            s->last_off = m->offset;
            s->eof = false;
            consumed++;
        }
        rd_kafka_message_destroy(m);
    }
    if (!*c.why && commit) commit_read(&c, rk);
    e = rd_kafka_consumer_close(rk);
    if (e && !*c.why) snprintf(c.why, sizeof c.why, "close: %s", rd_kafka_err2str(e));
    print_summary(&c, consumed);
    if (*c.why)
        fprintf(stderr, "consume: %s\n", c.why);
    else
        rc = 0;
out:
    free(kv);
    for (int p = 0; c.p && p < c.np; p++) free(c.p[p].idx);
    free(c.p);
    testkit_gen_clear(&c.rec);
    record_digest_destroy(c.d);
    if (rk) rd_kafka_destroy(rk);
    return rc;
}

/* `kmig-testkit produce`: writes the generator's records (testkit_gen.c)
 * number start .. start+count-1, record i to partition i % P, in order,
 * optionally throttled to a rate. It waits for every delivery report, then
 * prints `produced=N` (records acknowledged) on stdout, always, also after
 * SIGTERM/SIGINT (which stop it cleanly after what is in flight) and on
 * failure. When it exits 0, exactly records start .. start+N-1 were written,
 * so `check --start START --count N` must pass on that topic. It exits 1 if any
 * record failed, 2 on bad usage.
 *
 * Without --idempotent, one request is in flight per broker so that a retry
 * cannot reorder records, but a retried request may still duplicate some:
 * use --idempotent when the source cluster gets faults.
 *
 * --transactional writes transactions of --txn-size records (record i in
 * transaction i / M) with a transactional.id unique to the run, and aborts
 * every --abort-every-th one after its records reached the broker, so that
 * they occupy offsets a read_committed reader skips. It stops only between
 * transactions; produced=N still counts every index written, committed or
 * not (so `check --count N` with the same flags passes), and the lines
 * committed=C and aborted=A follow.
 *
 * --keys K writes keyed records for compacted topics instead of the shapes
 * (testkit_gen_keyed(): K distinct keys, --tombstone-every X makes every
 * X-th record a tombstone); `check` does not know them, compare with
 * `check --source-bootstrap` or `consume --print-records`. */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testkit.h"

static volatile sig_atomic_t produce_stop;

static void on_signal(int sig) {
    (void)sig;
    produce_stop = 1;
}

typedef struct produce_state {
    int64_t delivered, failed;
    int64_t first_failed;   /* record index */
    char first_error[256];
    int64_t committed, aborted; /* records of ended transactions */
} produce_state_t;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    produce_state_t *st = opaque;
    if (!m->err) {
        st->delivered++;
        return;
    }
    if (st->failed++ == 0) {
        st->first_failed = (int64_t)(intptr_t)m->_private;
        snprintf(st->first_error, sizeof st->first_error, "%s", rd_kafka_err2str(m->err));
    }
}

/* Produces record i; polls while the local queue is full. */
static rd_kafka_resp_err_t produce_one(rd_kafka_t *rk, const char *topic, int32_t partition,
                                       const testkit_rec_t *r, int64_t i) {
    for (;;) {
        rd_kafka_headers_t *hdrs = NULL;
        if (r->nhdrs) {
            hdrs = rd_kafka_headers_new(r->nhdrs);
            for (size_t h = 0; h < r->nhdrs; h++)
                rd_kafka_header_add(hdrs, r->hdrs[h].name, -1, r->hdrs[h].value,
                                    r->hdrs[h].value ? (ssize_t)r->hdrs[h].len : 0);
        }
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY((void *)r->key, r->key_len),
            RD_KAFKA_V_VALUE((void *)r->value, r->value_len),
            RD_KAFKA_V_TIMESTAMP(r->timestamp), RD_KAFKA_V_HEADERS(hdrs),
            RD_KAFKA_V_OPAQUE((void *)(intptr_t)i), RD_KAFKA_V_END);
        if (e && hdrs) rd_kafka_headers_destroy(hdrs); /* owned by the message on success */
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) return e;
        rd_kafka_poll(rk, 100);
    }
}

/* Reports a failed transaction call; returns -1 if error is one. */
static int txn_call(rd_kafka_error_t *error, const char *what, produce_state_t *st) {
    if (!error) return 0;
    fprintf(stderr, "produce: %s transaction: %s\n", what, rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
    st->failed += !st->failed;
    return -1;
}

/* Commits or aborts the transaction of records [first, end). An aborted one
 * is flushed first, so that its records take up offsets. */
static int txn_end(rd_kafka_t *rk, const testkit_txn_t *txn, int64_t first, int64_t end,
                   produce_state_t *st) {
    bool abort = testkit_txn_aborted(txn, first);
    if (abort) {
        while (rd_kafka_outq_len(rk) > 0 && !st->failed) rd_kafka_flush(rk, 1000);
        if (st->failed) return -1;
        if (txn_call(rd_kafka_abort_transaction(rk, 30000), "abort", st)) return -1;
        st->aborted += end - first;
    } else {
        if (txn_call(rd_kafka_commit_transaction(rk, 30000), "commit", st)) return -1;
        st->committed += end - first;
    }
    return 0;
}

static void produce_usage(FILE *out) {
    fprintf(out,
            "usage: kmig-testkit produce --bootstrap B --topic T --partitions P --count N\n"
            "         [--start I] [--rate RECORDS_PER_S] [--size BYTES] [--base-ts MS]\n"
            "         [--idempotent] [--set KEY=VALUE]...\n"
            "         [--transactional [--txn-size M] [--abort-every K]]\n"
            "         [--keys K [--tombstone-every X]]\n"
            "  record i (I <= i < I+N) goes to partition i %% P; its shape is i %% %d\n"
            "  --size     length of the large-value shape's value (default 1000)\n"
            "  --base-ts  timestamp of record 0 for relative timestamps (base + i;\n"
            "             default: now - 1 h); give check the same value, or let it learn it\n"
            "  --set      any librdkafka producer setting\n"
            TESTKIT_TXN_USAGE
            "  --keys     keyed records instead: key key-<i %% K>, value <topic>#<i>, a NULL value\n"
            "             (tombstone) when i %% X == X-1 with --tombstone-every X\n"
            "  prints produced=N (acknowledged records) on exit; with --transactional N\n"
            "  counts aborted records too, and committed=C, aborted=A follow\n",
            TESTKIT_GEN_SHAPES);
}

int testkit_produce_main(int argc, char **argv) {
    static const struct option opts[] = {
        {"bootstrap", required_argument, 0, 'b'}, {"topic", required_argument, 0, 't'},
        {"partitions", required_argument, 0, 'p'}, {"count", required_argument, 0, 'n'},
        {"start", required_argument, 0, 's'},     {"rate", required_argument, 0, 'r'},
        {"size", required_argument, 0, 'z'},      {"base-ts", required_argument, 0, 'B'},
        {"idempotent", no_argument, 0, 'i'},      {"set", required_argument, 0, 'S'},
        {"keys", required_argument, 0, 'k'},      {"tombstone-every", required_argument, 0, 'x'},
        TESTKIT_TXN_OPTIONS,
        {"help", no_argument, 0, 'h'},            {0, 0, 0, 0}};
    const char *bootstrap = NULL, *topic = NULL;
    int64_t parts = -1, count = -1, start = 0, rate = 0, size = 1000, keys = 0, tomb = 0;
    testkit_txn_t txn = TESTKIT_TXN_DEFAULT;
    int64_t base_ts = testkit_now_ms() - TESTKIT_GEN_BASE_AGO_MS;
    bool idempotent = false;
    /* librdkafka settings: the testkit's, then --set ones (later wins). */
    const char **kv = calloc((size_t)argc * 2 + 16, sizeof *kv);
    size_t nkv = 0;
    int c, rc = 2;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int64_t *num = NULL;
        int t = testkit_txn_opt(&txn, c, optarg);
        if (t) {
            if (t < 0) goto out;
            continue;
        }
        switch (c) {
        case 'b': bootstrap = optarg; break;
        case 't': topic = optarg; break;
        case 'p': num = &parts; break;
        case 'n': num = &count; break;
        case 's': num = &start; break;
        case 'r': num = &rate; break;
        case 'z': num = &size; break;
        case 'B': num = &base_ts; break;
        case 'i': idempotent = true; break;
        case 'k': num = &keys; break;
        case 'x': num = &tomb; break;
        case 'S': {
            char *eq = strchr(optarg, '=');
            if (!eq) {
                fprintf(stderr, "produce: --set wants KEY=VALUE, got '%s'\n", optarg);
                goto out;
            }
            *eq = '\0';
            kv[nkv++] = optarg;
            kv[nkv++] = eq + 1;
            break;
        }
        case 'h': produce_usage(stdout); rc = 0; goto out;
        default: produce_usage(stderr); goto out;
        }
        if (num && (*num = testkit_parse_count(optarg)) < 0) {
            fprintf(stderr, "produce: bad number '%s'\n", optarg);
            goto out;
        }
    }
    if (!bootstrap || !topic || parts < 1 || count < 0 || optind < argc || size > 100000000 ||
        (tomb && !keys)) {
        produce_usage(stderr);
        goto out;
    }
    if (testkit_txn_validate(&txn, "produce")) goto out;
    if (txn.on) idempotent = true;
    char txn_id[300];
    snprintf(txn_id, sizeof txn_id, "kmig-testkit-%s-%d-%" PRId64, topic, (int)getpid(),
             testkit_now_ms());

    /* Put the testkit's settings in front of the user's. */
    const char *mine[] = {"acks", "all", "linger.ms", "5", "enable.idempotence",
                          idempotent ? "true" : "false",
                          "max.in.flight.requests.per.connection", idempotent ? "5" : "1",
                          "message.max.bytes", "100000000",
                          txn.on ? "transactional.id" : NULL, txn_id};
    size_t nmine = sizeof mine / sizeof mine[0] - (txn.on ? 0 : 2);
    memmove(kv + nmine, kv, nkv * sizeof *kv);
    memcpy(kv, mine, nmine * sizeof *kv);
    nkv += nmine;

    produce_state_t st = {0};
    testkit_rec_t rec = {0};
    char err[512];
    rd_kafka_t *rk = NULL;
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    rc = 1;
    rd_kafka_conf_t *conf = testkit_conf_new(RD_KAFKA_PRODUCER, bootstrap, kv, err, sizeof err);
    if (conf) {
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        rd_kafka_conf_set_opaque(conf, &st);
        if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err)))
            rd_kafka_conf_destroy(conf);
    }
    if (!rk) {
        fprintf(stderr, "produce: %s\n", err);
        goto done;
    }
    int have = testkit_partition_count(rk, topic, 5000, err, sizeof err);
    if (have < 0) {
        fprintf(stderr, "produce: %s\n", err);
        goto done;
    }
    if (have < parts) {
        fprintf(stderr, "produce: %s has %d partitions, fewer than --partitions %" PRId64 "\n",
                topic, have, parts);
        goto done;
    }

    if (txn.on && txn_call(rd_kafka_init_transactions(rk, 30000), "init", &st)) goto done;
    int64_t t0 = testkit_mono_ms(), txn_first = -1; /* index opening the open transaction */
    for (int64_t k = 0; k < count && !st.failed; k++) {
        int64_t i = start + k;
        if (rate > 0) {
            int64_t due = t0 + k * 1000 / rate, now;
            while (!produce_stop && (now = testkit_mono_ms()) < due)
                rd_kafka_poll(rk, (int)(due - now < 100 ? due - now : 100));
        }
        if (produce_stop && txn_first < 0) break;
        if (txn.on && txn_first < 0) {
            if (txn_call(rd_kafka_begin_transaction(rk), "begin", &st)) break;
            txn_first = i;
        }
        if (keys)
            testkit_gen_keyed(&rec, topic, i, keys, tomb, base_ts);
        else
            testkit_gen_record(&rec, topic, i, (size_t)size, base_ts);
        rd_kafka_resp_err_t e = produce_one(rk, topic, (int32_t)(i % parts), &rec, i);
        if (e) {
            fprintf(stderr, "produce: %s record %" PRId64 ": %s\n", topic, i, rd_kafka_err2str(e));
            break;
        }
        rd_kafka_poll(rk, 0);
        if (txn_first >= 0 && (i % txn.size == txn.size - 1 || k == count - 1)) {
            if (txn_end(rk, &txn, txn_first, i + 1, &st)) break;
            txn_first = -1;
        }
    }
    if (txn_first >= 0) { /* a failure left it open */
        rd_kafka_error_t *ae = rd_kafka_abort_transaction(rk, 30000);
        if (ae) rd_kafka_error_destroy(ae);
        st.failed += !st.failed;
    }
    while (rd_kafka_outq_len(rk) > 0) rd_kafka_flush(rk, 1000);
    if (st.failed)
        fprintf(stderr,
                "produce: %s: %" PRId64 " records were not delivered, the first #%" PRId64
                ": %s (the delivered ones may not be a contiguous range)\n",
                topic, st.failed, st.first_failed, st.first_error);
    else if (st.delivered == count || produce_stop)
        rc = 0;
done:
    printf("produced=%" PRId64 "\n", st.delivered);
    if (txn.on) printf("committed=%" PRId64 "\naborted=%" PRId64 "\n", st.committed, st.aborted);
    fflush(stdout);
    testkit_gen_clear(&rec);
    if (rk) rd_kafka_destroy(rk);
out:
    free(kv);
    return rc;
}

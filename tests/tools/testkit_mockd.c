/* `kmig-testkit mockd`: serves a librdkafka mock cluster (real Kafka protocol
 * over TCP on 127.0.0.1) to other processes and injects faults on request.
 *
 *   mockd [--brokers N] [--topic NAME:PARTITIONS]...
 *
 * Prints one line `bootstrap=HOST:PORT,...` on stdout, then reads commands
 * from stdin, one per line, and answers each with one line, `ok` or
 * `error: ...`:
 *
 *   topic NAME PARTITIONS          create a topic (the mock has no CreateTopics)
 *   down BROKERID | up BROKERID    close a broker's listener and connections / reopen it
 *   rtt BROKERID MS                delay every response of a broker
 *   errors APIKEY ERRCODE COUNT    the next COUNT requests with that API key
 *                                  (Produce=0, Fetch=1, ListOffsets=2, Metadata=3,
 *                                  OffsetCommit=8, ...) fail with ERRCODE (e.g. 6
 *                                  NOT_LEADER_OR_FOLLOWER, 7 REQUEST_TIMED_OUT)
 *   leader TOPIC PARTITION BROKERID  move a partition's leadership
 *   quit
 *
 * Exits on `quit`, end of input or SIGTERM/SIGINT. Broker ids are 1..N.
 *
 * Mock behaviour to keep in mind: a Metadata request that allows topic
 * auto-creation (librdkafka producers do by default) creates a missing topic
 * with 4 partitions, and so does `leader` for a missing topic (with
 * PARTITION+1 partitions); create topics first. Each partition keeps only the
 * last ~5 MiB or 100000 record batches: older batches are dropped silently. A
 * broker that is down keeps leading its partitions (no failover). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "testkit.h"

static volatile sig_atomic_t mockd_stop;

static void on_signal(int sig) {
    (void)sig;
    mockd_stop = 1;
}

static int replication_factor(int brokers) { return brokers < 3 ? brokers : 3; }

static int create_topic(rd_kafka_mock_cluster_t *mc, int brokers, const char *name,
                        const char *parts, char *err, size_t errsz) {
    int64_t n = testkit_parse_count(parts);
    if (n < 1 || n > 100000) {
        snprintf(err, errsz, "bad partition count '%s'", parts);
        return -1;
    }
    rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, name, (int)n, replication_factor(brokers));
    if (e) {
        snprintf(err, errsz, "topic %s: %s", name, rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}

/* Parses an integer argument within [lo, hi]; -1 with err filled otherwise. */
static int int_arg(const char *s, long lo, long hi, const char *what, long *out, char *err,
                   size_t errsz) {
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || errno || end == s || *end || v < lo || v > hi) {
        snprintf(err, errsz, "bad %s '%s'", what, s ? s : "");
        return -1;
    }
    *out = v;
    return 0;
}

/* Runs one control command; returns 1 for quit, 0 ok, -1 with err filled. */
static int run_command(rd_kafka_mock_cluster_t *mc, int brokers, char *line, char *err,
                       size_t errsz) {
    char *w[5] = {0}, *save = NULL;
    int n = 0;
    for (char *t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
        if (n == 5) {
            snprintf(err, errsz, "too many words");
            return -1;
        }
        w[n++] = t;
    }
    long a = 0, b = 0, c = 0;
    rd_kafka_resp_err_t e = 0;
    if (n == 0) {
        snprintf(err, errsz, "empty command");
        return -1;
    } else if (!strcmp(w[0], "quit") && n == 1) {
        return 1;
    } else if (!strcmp(w[0], "topic") && n == 3) {
        return create_topic(mc, brokers, w[1], w[2], err, errsz);
    } else if ((!strcmp(w[0], "down") || !strcmp(w[0], "up")) && n == 2) {
        if (int_arg(w[1], 1, brokers, "broker id", &a, err, errsz)) return -1;
        e = w[0][0] == 'd' ? rd_kafka_mock_broker_set_down(mc, (int32_t)a)
                           : rd_kafka_mock_broker_set_up(mc, (int32_t)a);
    } else if (!strcmp(w[0], "rtt") && n == 3) {
        if (int_arg(w[1], 1, brokers, "broker id", &a, err, errsz) ||
            int_arg(w[2], 0, 3600000, "rtt", &b, err, errsz))
            return -1;
        e = rd_kafka_mock_broker_set_rtt(mc, (int32_t)a, (int)b);
    } else if (!strcmp(w[0], "errors") && n == 4) {
        if (int_arg(w[1], 0, 1000, "API key", &a, err, errsz) ||
            int_arg(w[2], 1, 10000, "error code", &b, err, errsz) ||
            int_arg(w[3], 1, 100000, "count", &c, err, errsz))
            return -1;
        rd_kafka_resp_err_t *errs = calloc((size_t)c, sizeof *errs);
        if (!errs) {
            snprintf(err, errsz, "out of memory");
            return -1;
        }
        for (long k = 0; k < c; k++) errs[k] = (rd_kafka_resp_err_t)b;
        rd_kafka_mock_push_request_errors_array(mc, (int16_t)a, (size_t)c, errs);
        free(errs);
    } else if (!strcmp(w[0], "leader") && n == 4) {
        if (int_arg(w[2], 0, 100000, "partition", &a, err, errsz) ||
            int_arg(w[3], 1, brokers, "broker id", &b, err, errsz))
            return -1;
        e = rd_kafka_mock_partition_set_leader(mc, w[1], (int32_t)a, (int32_t)b);
    } else {
        snprintf(err, errsz, "unknown command or wrong number of arguments: %s", w[0]);
        return -1;
    }
    if (e) {
        snprintf(err, errsz, "%s", rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}

static void mockd_usage(FILE *out) {
    fprintf(out, "usage: kmig-testkit mockd [--brokers N] [--topic NAME:PARTITIONS]...\n"
                 "  prints bootstrap=..., then reads commands on stdin (see testkit_mockd.c):\n"
                 "  topic NAME PARTITIONS | down ID | up ID | rtt ID MS |\n"
                 "  errors APIKEY ERRCODE COUNT | leader TOPIC PARTITION ID | quit\n");
}

int testkit_mockd_main(int argc, char **argv) {
    static const struct option opts[] = {{"brokers", required_argument, 0, 'b'},
                                         {"topic", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    long brokers = 3;
    char **topics = calloc((size_t)argc, sizeof *topics);
    size_t ntopics = 0;
    char err[512];
    int c, rc = 2;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            if (int_arg(optarg, 1, 100, "broker count", &brokers, err, sizeof err)) {
                fprintf(stderr, "mockd: %s\n", err);
                goto out;
            }
            break;
        case 't':
            if (!strchr(optarg, ':')) {
                fprintf(stderr, "mockd: --topic wants NAME:PARTITIONS, got '%s'\n", optarg);
                goto out;
            }
            topics[ntopics++] = optarg;
            break;
        case 'h': mockd_usage(stdout); rc = 0; goto out;
        default: mockd_usage(stderr); goto out;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mockd: unexpected argument '%s'\n", argv[optind]);
        goto out;
    }

    rc = 1;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "4", NULL, 0);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "mockd: %s\n", err);
        goto out;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, (int)brokers);
    if (!mc) {
        fprintf(stderr, "mockd: cannot create a mock cluster\n");
        rd_kafka_destroy(rk);
        goto out;
    }
    for (size_t t = 0; t < ntopics; t++) {
        char *colon = strrchr(topics[t], ':');
        *colon = '\0';
        if (create_topic(mc, (int)brokers, topics[t], colon + 1, err, sizeof err)) {
            fprintf(stderr, "mockd: %s\n", err);
            goto done;
        }
    }

    struct sigaction sa = {0};
    sa.sa_handler = on_signal; /* no SA_RESTART: a signal ends the blocking read */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    printf("bootstrap=%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);

    char *line = NULL;
    size_t cap = 0;
    rc = 0;
    while (!mockd_stop && getline(&line, &cap, stdin) > 0) {
        int r = run_command(mc, (int)brokers, line, err, sizeof err);
        if (r < 0)
            printf("error: %s\n", err);
        else
            printf("ok\n");
        if (fflush(stdout) != 0 || r == 1) break;
    }
    free(line);
done:
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
out:
    free(topics);
    return rc;
}

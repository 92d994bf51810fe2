/* `kmig mirror`: the long-running replicator for one flow of an MM2 file.
 * Parses options, installs SIGTERM/SIGINT handlers that ask the engine to
 * stop cleanly, runs it and prints a summary. */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/cmd_common.h"
#include "core/exitcode.h"
#include "core/log.h"
#include "mirror/mirror.h"

static mirror_t *running;

static void on_signal(int sig) {
    (void)sig;
    if (running) mirror_request_stop(running);
}

static void mirror_usage(FILE *out) {
    fprintf(out,
            "usage: kmig mirror --config FILE [options]\n"
            "  --config FILE            MirrorMaker 2 properties file (mm2.properties)\n"
            "  --source A --target B    the flow to run (default: the one enabled flow)\n"
            "  --topics LIST            overrides `topics` (comma-separated regexes)\n"
            "  --topics-exclude LIST    overrides `topics.exclude`\n"
            "  --set KEY=VALUE          sets any key as if it were in the file (repeatable)\n"
            "  --stop-at-end            exit 0 once every selected partition is copied to its end\n"
            "  --continue-on-data-loss  report records deleted before they were copied, and go on\n"
            "  --metrics-addr [HOST:]PORT  serve Prometheus metrics (loopback unless HOST given)\n"
            "  --progress SECONDS       per-topic progress lines on stderr (default 5 on a\n"
            "                           terminal, 30 otherwise; 0 turns them off)\n"
            "  --log-level LEVEL        error, warn, info (default), debug\n");
}

int cmd_mirror(int argc, char **argv) {
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'},     {"source", required_argument, 0, 's'},
        {"target", required_argument, 0, 't'},     {"topics", required_argument, 0, 'T'},
        {"topics-exclude", required_argument, 0, 'X'}, {"set", required_argument, 0, 'S'},
        {"stop-at-end", no_argument, 0, 'e'},      {"continue-on-data-loss", no_argument, 0, 'L'},
        {"metrics-addr", required_argument, 0, 'm'}, {"progress", required_argument, 0, 'p'},
        {"log-level", required_argument, 0, 'l'},  {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *config = NULL, *src = NULL, *tgt = NULL, *metrics = NULL;
    cmd_override_t ov[64];
    size_t nov = 0;
    bool stop_at_end = false;
    int progress_s = isatty(STDERR_FILENO) ? 5 : 30;
    long long num;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:s:t:h", opts, NULL)) != -1) {
        if (nov >= sizeof ov / sizeof ov[0] - 1) {
            fprintf(stderr, "kmig mirror: too many overrides\n");
            return KMIG_EXIT_USAGE;
        }
        switch (c) {
        case 'c': config = optarg; break;
        case 's': src = optarg; break;
        case 't': tgt = optarg; break;
        case 'T': ov[nov++] = (cmd_override_t){"topics", optarg, "--topics", 1}; break;
        case 'X': ov[nov++] = (cmd_override_t){"topics.exclude", optarg, "--topics-exclude", 1}; break;
        case 'S':
            if (cmd_parse_set(optarg, &ov[nov])) {
                fprintf(stderr, "kmig mirror: --set wants KEY=VALUE, got '%s'\n", optarg);
                return KMIG_EXIT_USAGE;
            }
            nov++;
            break;
        case 'e': stop_at_end = true; break;
        case 'L':
            ov[nov++] = (cmd_override_t){"kmig.on.data.loss", "continue", "--continue-on-data-loss", 1};
            break;
        case 'm': metrics = optarg; break;
        case 'p':
            if (cmd_parse_int("mirror", "--progress", optarg, 0, 86400, &num))
                return KMIG_EXIT_USAGE;
            progress_s = (int)num;
            break;
        case 'l':
            if (cmd_set_log_level("kmig mirror", optarg)) return KMIG_EXIT_USAGE;
            break;
        case 'h': mirror_usage(stdout); return KMIG_EXIT_OK;
        default: mirror_usage(stderr); return KMIG_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "kmig mirror: unexpected argument '%s'\n", argv[optind]);
        return KMIG_EXIT_USAGE;
    }
    char err[1024];
    cmd_flow_t cf;
    if (cmd_flow_load(&cf, config, src, tgt, ov, nov, err, sizeof err)) {
        fprintf(stderr, "kmig mirror: %s\n", err);
        cmd_flow_clear(&cf);
        return KMIG_EXIT_USAGE;
    }
    mirror_opts_t mo = {.mm2 = cf.mm2, .flow = cf.flow, .stop_at_end = stop_at_end,
                        .metrics_addr = metrics, .progress_interval_ms = progress_s * 1000};
    mirror_t *m = mirror_new(&mo, err, sizeof err);
    if (!m) {
        fprintf(stderr, "kmig mirror: %s\n", err);
        cmd_flow_clear(&cf);
        return KMIG_EXIT_USAGE;
    }
    const char *unused = mm2_unused_keys_warning(cf.mm2);
    if (unused) log_warn("%s", unused);

    running = m;
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    int rc = mirror_run(m);
    mirror_stats_t st;
    mirror_get_stats(m, &st);
    running = NULL;
    mirror_destroy(m);
    printf("kmig mirror %s -> %s: copied %" PRId64 " records (%.1f MB) in %d topics, %d "
           "partitions; may have re-sent %" PRId64 "; lost %" PRId64 "; exit %d\n",
           cf.flow->source, cf.flow->target, st.records, (double)st.bytes / 1e6, st.topics,
           st.partitions, st.resend_estimate, st.lost, rc);
    cmd_flow_clear(&cf);
    return rc;
}

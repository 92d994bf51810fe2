/* `kmig mirror`: the long-running replicator for one flow of an MM2 file.
 * Parses options, runs the engine and prints a summary (and writes it as JSON
 * with --summary-json). Signals: the first SIGTERM/SIGINT asks the engine to
 * stop cleanly (flush, persist the map); a second asks it to stop now; and a
 * watchdog exits anyway, with status 0, if stopping takes longer than
 * STOP_GRACE_S: whatever the last map update missed is re-paired by content
 * or counted as re-sent by the next run. */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/cmd_common.h"
#include "cmd/cmd_mirror_workers.h"
#include "core/clock.h"
#include "core/exitcode.h"
#include "core/log.h"
#include "cutover/cutover_manifest.h"
#include "mirror/mirror.h"

#define STOP_GRACE_S 4

static atomic_int signals_seen, run_done, final_rc, exit_hint, stop_flag;
static sem_t signal_sem;

static void on_signal(int sig) {
    (void)sig;
    int n = atomic_fetch_add(&signals_seen, 1) + 1;
    atomic_store(&stop_flag, n > 1 ? 2 : 1); /* the engine polls it */
    sem_post(&signal_sem);
}

/* Waits for the first signal, or the end of the run, then gives the engine
 * STOP_GRACE_S seconds (less after a second signal) to finish before exiting
 * the process with the run's status (0 when stopped by a signal).
 * librdkafka 2.0.2 may never finish destroying a consumer whose topic was
 * deleted, and closing one with 24,000 partitions takes ~10 s. */
static void *stop_watchdog(void *arg) {
    (void)arg;
    while (sem_wait(&signal_sem) && !atomic_load(&signals_seen) && !atomic_load(&run_done))
        ;
    int64_t deadline = clock_mono_ms() + STOP_GRACE_S * 1000;
    for (;;) {
        if (atomic_load(&signals_seen) > 1 && clock_mono_ms() + 1000 < deadline)
            deadline = clock_mono_ms() + 1000;
        if (clock_mono_ms() >= deadline) break;
        clock_sleep_ms(50);
    }
    log_warn("stopping took longer than %d s; exiting now (the next run re-pairs what the "
             "last offset map update missed, or counts it as re-sent)",
             STOP_GRACE_S);
    fflush(stdout);
    _exit(atomic_load(&run_done) ? atomic_load(&final_rc) : atomic_load(&exit_hint));
    return NULL;
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
            "  --http [HOST:]PORT       serve the dashboard (/), /api/status and Prometheus\n"
            "                           /metrics (loopback unless HOST given; port 0 picks\n"
            "                           one); --metrics-addr is the same option\n"
            "  --http-port-file FILE    write the port --http bound to FILE (one line)\n"
            "  --verify-json FILE       show the results of `kmig verify --json >FILE` on the\n"
            "                           dashboard (re-read when the file changes)\n"
            "  --services FILE          a cutover services manifest: the dashboard shows the\n"
            "                           board of `kmig cutover status` (docs/CUTOVER.md)\n"
            "  --progress SECONDS       per-topic progress lines on stderr (default 5 on a\n"
            "                           terminal, 30 otherwise; 0 turns them off)\n"
            "  --summary-json FILE      write the run's figures as JSON (per partition: copied,\n"
            "                           lost, re-sent, recovered) when kmig exits\n"
            "  --workers N              run N worker processes of the flow here (they share its\n"
            "                           tasks as N processes on N machines would; SIGTERM stops\n"
            "                           all; --summary-json FILE gets one FILE.<k> per worker\n"
            "                           and FILE with all of them; docs/WORKERS.md)\n"
            "  --log-level LEVEL        error, warn, info (default), debug\n");
}

int cmd_mirror(int argc, char **argv) {
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'},     {"source", required_argument, 0, 's'},
        {"target", required_argument, 0, 't'},     {"topics", required_argument, 0, 'T'},
        {"topics-exclude", required_argument, 0, 'X'}, {"set", required_argument, 0, 'S'},
        {"stop-at-end", no_argument, 0, 'e'},      {"continue-on-data-loss", no_argument, 0, 'L'},
        {"metrics-addr", required_argument, 0, 'm'}, {"http", required_argument, 0, 'm'},
        {"http-port-file", required_argument, 0, 'P'}, {"verify-json", required_argument, 0, 'V'}, {"progress", required_argument, 0, 'p'},
        {"log-level", required_argument, 0, 'l'},  {"help", no_argument, 0, 'h'},
        {"summary-json", required_argument, 0, 'J'}, {"services", required_argument, 0, 'C'},
        {"workers", required_argument, 0, 'W'},
        {"worker-of", required_argument, 0, 'O'}, /* set by --workers for its children */
        {0, 0, 0, 0}};
    const char *config = NULL, *src = NULL, *tgt = NULL, *metrics = NULL, *summary = NULL;
    const char *port_file = NULL, *verify_json = NULL, *services = NULL;
    cmd_override_t ov[64];
    size_t nov = 0;
    bool stop_at_end = false;
    int progress_s = isatty(STDERR_FILENO) ? 5 : 30;
    int workers = 1, worker_of = 0;
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
        case 'T':
            ov[nov++] = (cmd_override_t){
                .key = "topics", .value = optarg, .origin = "--topics", .scoped = 1};
            break;
        case 'X':
            ov[nov++] = (cmd_override_t){.key = "topics.exclude", .value = optarg,
                                         .origin = "--topics-exclude", .scoped = 1};
            break;
        case 'S':
            if (cmd_parse_set(optarg, &ov[nov])) {
                fprintf(stderr, "kmig mirror: --set wants KEY=VALUE, got '%s'\n", optarg);
                return KMIG_EXIT_USAGE;
            }
            nov++;
            break;
        case 'e': stop_at_end = true; break;
        case 'L':
            ov[nov++] = (cmd_override_t){.key = "kmig.on.data.loss", .value = "continue",
                                         .origin = "--continue-on-data-loss", .scoped = 1};
            break;
        case 'm': metrics = optarg; break;
        case 'P': port_file = optarg; break;
        case 'V': verify_json = optarg; break;
        case 'J': summary = optarg; break;
        case 'C': services = optarg; break;
        case 'W':
            if (cmd_parse_int("mirror", "--workers", optarg, 1, 64, &num)) return KMIG_EXIT_USAGE;
            workers = (int)num;
            break;
        case 'O':
            if (cmd_parse_int("mirror", "--worker-of", optarg, 1, 64, &num)) return KMIG_EXIT_USAGE;
            worker_of = (int)num;
            break;
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
    if ((port_file || verify_json || services) && !metrics) {
        fprintf(stderr, "kmig mirror: --%s needs --http [HOST:]PORT\n",
                port_file ? "http-port-file" : verify_json ? "verify-json" : "services");
        return KMIG_EXIT_USAGE;
    }
    if (services) { /* checked now: a bad manifest is a usage error, before any copy */
        char merr[1024];
        cutover_manifest_t *man = cutover_manifest_load(services, merr, sizeof merr);
        if (!man) {
            fprintf(stderr, "kmig mirror: --services: %s\n", merr);
            return KMIG_EXIT_USAGE;
        }
        cutover_manifest_destroy(man);
    }
    if (workers > 1) {
        const char *colon = metrics ? strrchr(metrics, ':') : NULL;
        if (metrics && strcmp(colon ? colon + 1 : metrics, "0")) {
            fprintf(stderr, "kmig mirror: --workers %d with --http needs port 0 (each worker "
                            "picks one; --http-port-file FILE writes FILE.<k>)\n",
                    workers);
            return KMIG_EXIT_USAGE;
        }
        return cmd_mirror_workers(argc, argv, workers, summary, port_file);
    }
    /* From here on a signal stops the run cleanly, however early it comes. */
    sem_init(&signal_sem, 0, 0);
    pthread_t watchdog;
    pthread_create(&watchdog, NULL, stop_watchdog, NULL);
    pthread_detach(watchdog);
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    char err[1024];
    cmd_flow_t cf;
    if (cmd_flow_load(&cf, config, src, tgt, ov, nov, err, sizeof err)) {
        fprintf(stderr, "kmig mirror: %s\n", err);
        cmd_flow_clear(&cf);
        return KMIG_EXIT_USAGE;
    }
    int crc = cmd_check_clusters("kmig mirror", cf.mm2, cf.flow->source, cf.flow->target,
                                 cf.flow->admin_timeout_ms);
    if (crc) {
        cmd_flow_clear(&cf);
        return crc;
    }
    mirror_opts_t mo = {.mm2 = cf.mm2, .flow = cf.flow, .stop_at_end = stop_at_end,
                        .metrics_addr = metrics, .progress_interval_ms = progress_s * 1000,
                        .exit_hint = &exit_hint, .stop = &stop_flag, .summary_path = summary,
                        .http_port_file = port_file, .verify_json = verify_json,
                        .services = services, .worker_of = worker_of};
    mirror_t *m = mirror_new(&mo, err, sizeof err);
    if (!m) {
        fprintf(stderr, "kmig mirror: %s\n", err);
        cmd_flow_clear(&cf);
        return KMIG_EXIT_USAGE;
    }
    const char *unused = mm2_unused_keys_warning(cf.mm2);
    if (unused) log_warn("%s", unused);

    int rc = mirror_run(m);
    mirror_stats_t st;
    mirror_get_stats(m, &st);
    printf("kmig mirror %s -> %s: copied %" PRId64 " records (%.1f MB) in %d topics, %d "
           "partitions; may have re-sent %" PRId64 " (recovered %" PRId64 "); lost %" PRId64
           "; exit %d\n",
           cf.flow->source, cf.flow->target, st.records, (double)st.bytes / 1e6, st.topics,
           st.partitions, st.resend_estimate, st.recovered, st.lost, rc);
    fflush(stdout);
    atomic_store(&final_rc, rc);
    atomic_store(&run_done, 1);
    sem_post(&signal_sem);
    if (st.partitions > MIRROR_FAST_EXIT_PARTITIONS) { /* nothing left but teardown */
        log_debug("exiting without closing the clients (%d partitions, see mirror.h)",
                 st.partitions);
        fflush(NULL);
        _exit(rc);
    }
    mirror_destroy(m);
    cmd_flow_clear(&cf);
    return rc;
}

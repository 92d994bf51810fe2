/* `kmig mirror --workers N`: N worker processes of one flow in one process
 * tree, for tests and small hosts (docs/WORKERS.md). The parent runs this
 * very binary N times with the same options (minus --workers; --summary-json
 * and --http-port-file get a ".<k>" suffix per worker), forwards SIGTERM and
 * SIGINT to every worker, reports a worker that crashed or failed (the
 * others go on: its tasks move to them), and when all have exited writes the
 * --summary-json file with every worker's summary and the sums. Its exit
 * status is 0 when every worker exited 0, else the first failure's status (1
 * for a worker killed by a signal). */
#include "cmd/cmd_mirror_workers.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "core/clock.h"
#include "core/exitcode.h"
#include "core/log.h"
#include "core/sbuf.h"

static atomic_int parent_signals;

static void parent_on_signal(int sig) {
    (void)sig;
    atomic_fetch_add(&parent_signals, 1);
}

/* Is argv[i] the option `name` (as "--name VALUE" or "--name=VALUE")?
 * Returns how many argv entries it takes (0: not it). */
static int takes(char **argv, int argc, int i, const char *name) {
    size_t n = strlen(name);
    if (strncmp(argv[i], name, n)) return 0;
    if (argv[i][n] == '=') return 1;
    if (argv[i][n] == '\0') return i + 1 < argc ? 2 : 1;
    return 0;
}

static char **child_argv(int argc, char **argv, const char *exe, int k, int nworkers,
                         const char *summary, const char *port_file) {
    char **out = xcalloc((size_t)argc + 8, sizeof *out);
    int n = 0;
    out[n++] = xstrdup(exe);
    out[n++] = xstrdup("mirror");
    for (int i = 1; i < argc;) {
        int skip = takes(argv, argc, i, "--workers");
        if (!skip) skip = takes(argv, argc, i, "--summary-json");
        if (!skip) skip = takes(argv, argc, i, "--http-port-file");
        if (skip) {
            i += skip;
            continue;
        }
        out[n++] = xstrdup(argv[i++]);
    }
    char buf[4096];
    snprintf(buf, sizeof buf, "%d", nworkers);
    out[n++] = xstrdup("--worker-of");
    out[n++] = xstrdup(buf);
    if (summary) {
        out[n++] = xstrdup("--summary-json");
        snprintf(buf, sizeof buf, "%s.%d", summary, k);
        out[n++] = xstrdup(buf);
    }
    if (port_file) {
        out[n++] = xstrdup("--http-port-file");
        snprintf(buf, sizeof buf, "%s.%d", port_file, k);
        out[n++] = xstrdup(buf);
    }
    out[n] = NULL;
    return out;
}

static void argv_free(char **v) {
    for (char **p = v; p && *p; p++) free(*p);
    free(v);
}

typedef struct worker {
    pid_t pid;
    bool done;
    int status; /* waitpid's */
} worker_t;

static int worker_rc(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return KMIG_EXIT_FAIL;
}

static int write_summary(const char *path, worker_t *w, int n, int rc) {
    json_t *root = json_object(), *arr = json_array();
    json_int_t records = 0, resent = 0, dups = 0, lost = 0;
    for (int k = 0; k < n; k++) {
        char file[4096];
        snprintf(file, sizeof file, "%s.%d", path, k);
        json_error_t je;
        json_t *s = json_load_file(file, 0, &je);
        json_t *o = json_pack("{s:i, s:i, s:i}", "worker", k, "pid", (int)w[k].pid, "exit_code",
                              worker_rc(w[k].status));
        if (WIFSIGNALED(w[k].status))
            json_object_set_new(o, "signal", json_integer(WTERMSIG(w[k].status)));
        if (s) {
            records += json_integer_value(json_object_get(s, "records"));
            resent += json_integer_value(json_object_get(s, "resent_possible"));
            lost += json_integer_value(json_object_get(s, "lost"));
            dups += json_integer_value(
                json_object_get(json_object_get(s, "workers"), "duplicates_written"));
            json_object_set_new(o, "summary", s);
        } else {
            json_object_set_new(o, "summary", json_null()); /* crashed before writing it */
        }
        json_array_append_new(arr, o);
    }
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "exit_code", json_integer(rc));
    json_object_set_new(root, "records", json_integer(records));
    json_object_set_new(root, "resent_possible", json_integer(resent));
    json_object_set_new(root, "duplicates_written", json_integer(dups));
    json_object_set_new(root, "lost", json_integer(lost));
    json_object_set_new(root, "workers", arr);
    int wrc = json_dump_file(root, path, JSON_INDENT(2));
    json_decref(root);
    return wrc;
}

int cmd_mirror_workers(int argc, char **argv, int n, const char *summary, const char *port_file) {
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) {
        fprintf(stderr, "kmig mirror: --workers: cannot find this program (%s)\n",
                strerror(errno));
        return KMIG_EXIT_FAIL;
    }
    exe[len] = '\0';
    struct sigaction sa = {0};
    sa.sa_handler = parent_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    worker_t *w = xcalloc((size_t)n, sizeof *w);
    int started = 0;
    for (int k = 0; k < n; k++) {
        char **cv = child_argv(argc, argv, exe, k, n, summary, port_file);
        pid_t pid = fork();
        if (pid == 0) {
            signal(SIGTERM, SIG_DFL);
            signal(SIGINT, SIG_DFL);
            prctl(PR_SET_PDEATHSIG, SIGTERM); /* a parent killed with -9 stops them too */
            execv(exe, cv);
            fprintf(stderr, "kmig mirror: --workers: cannot run %s: %s\n", exe, strerror(errno));
            _exit(KMIG_EXIT_FAIL);
        }
        argv_free(cv);
        if (pid < 0) {
            log_error("--workers: cannot start worker %d: %s", k, strerror(errno));
            break;
        }
        w[k].pid = pid;
        started++;
        log_info("--workers: worker %d is pid %d", k, (int)pid);
    }
    int running = started, rc = started == n ? KMIG_EXIT_OK : KMIG_EXIT_FAIL, forwarded = 0;
    while (running > 0) {
        int sigs = atomic_load(&parent_signals);
        if (sigs > forwarded) {
            forwarded = sigs;
            for (int k = 0; k < started; k++)
                if (!w[k].done) kill(w[k].pid, SIGTERM);
        }
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0) {
            clock_sleep_ms(50);
            continue;
        }
        for (int k = 0; k < started; k++) {
            if (w[k].pid != pid) continue;
            w[k].done = true;
            w[k].status = status;
            running--;
            int wrc = worker_rc(status);
            if (WIFSIGNALED(status))
                log_error("--workers: worker %d (pid %d) was killed by signal %d; its tasks move "
                          "to the other workers",
                          k, (int)pid, WTERMSIG(status));
            else if (wrc)
                log_error("--workers: worker %d (pid %d) exited with status %d", k, (int)pid, wrc);
            else
                log_info("--workers: worker %d (pid %d) exited 0", k, (int)pid);
            if (wrc && rc == KMIG_EXIT_OK) rc = wrc;
        }
    }
    if (summary && write_summary(summary, w, started, rc)) {
        log_error("--summary-json: cannot write %s", summary);
        if (rc == KMIG_EXIT_OK) rc = KMIG_EXIT_FAIL;
    }
    printf("kmig mirror --workers %d: %d worker(s) ran; exit %d\n", n, started, rc);
    free(w);
    return rc;
}

/* credential_process runner: posix_spawn of /bin/sh -c <command> with stdout
 * on a pipe read with poll() against a deadline. The child gets kmig's
 * environment (the AWS CLI passes it on too) and /dev/null as stdin; a child
 * that outlives the deadline or writes too much is killed (SIGKILL) and
 * reaped. The output never goes to a log. */
#include "awsio/awsproc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "core/clock.h"

extern char **environ;

int awsproc_run(const char *command, int timeout_ms, size_t max_out, sbuf_t *out, char *err,
                size_t errsz) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(err, errsz, "credential_process: pipe: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    /* The child starts with default signal dispositions and an empty mask,
     * whatever kmig blocked or ignored (SIGPIPE, SIGTERM handling). */
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    char *argv[] = {"sh", "-c", (char *)command, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        snprintf(err, errsz, "credential_process: cannot start /bin/sh: %s", strerror(rc));
        return -1;
    }
    if (max_out == 0) max_out = AWSPROC_MAX_OUT;
    if (timeout_ms <= 0) timeout_ms = 60000;
    int64_t deadline = clock_mono_ms() + timeout_ms;
    const char *why = NULL;
    char buf[4096];
    for (;;) {
        int64_t left = deadline - clock_mono_ms();
        if (left <= 0) {
            why = "timed out";
            break;
        }
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        int n = poll(&p, 1, (int)left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            why = "poll failed";
            break;
        }
        if (n == 0) continue;
        ssize_t r = read(fds[0], buf, sizeof buf);
        if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (r <= 0) break; /* EOF (or an error: treated as the end) */
        if (out->len + (size_t)r > max_out) {
            why = "wrote more than the output limit";
            break;
        }
        sbuf_append(out, buf, (size_t)r);
    }
    OPENSSL_cleanse(buf, sizeof buf);
    close(fds[0]);
    if (why) kill(pid, SIGKILL);
    int status = 0;
    pid_t w;
    if (why) {
        while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {}
    } else {
        /* stdout closed; the process should exit now, give it until the deadline. */
        while ((w = waitpid(pid, &status, WNOHANG)) == 0 && clock_mono_ms() < deadline)
            clock_sleep_ms(10);
        if (w == 0) {
            why = "timed out";
            kill(pid, SIGKILL);
            while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {}
        }
    }
    if (why) {
        if (strcmp(why, "timed out") == 0)
            snprintf(err, errsz, "credential_process timed out after %d ms (killed)", timeout_ms);
        else if (strcmp(why, "poll failed") == 0)
            snprintf(err, errsz, "credential_process: poll failed");
        else
            snprintf(err, errsz, "credential_process wrote more than %zu bytes (killed)", max_out);
        return -1;
    }
    if (w < 0) {
        snprintf(err, errsz, "credential_process: waitpid: %s", strerror(errno));
        return -1;
    }
    if (WIFSIGNALED(status)) {
        snprintf(err, errsz, "credential_process was killed by signal %d", WTERMSIG(status));
        return -1;
    }
    if (WEXITSTATUS(status) != 0) {
        snprintf(err, errsz, "credential_process exited with status %d", WEXITSTATUS(status));
        return -1;
    }
    return 0;
}

/* Logging: one formatted line per call to stderr, prefixed with UTC time and level.
 * The level is process-wide; the default is info. */
#include "core/log.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static log_level_t log_level = LL_INFO;
static const char *const log_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void log_set_level(log_level_t level) { log_level = level; }
log_level_t log_get_level(void) { return log_level; }

int log_level_parse(const char *name) {
    static const char *const lower[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcasecmp(name, lower[i]) == 0) return i;
    return -1;
}

static void log_vmsg(log_level_t level, const char *fmt, va_list ap) {
    if (level > log_level) return;
    char line[4096];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %-5s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (int)(tv.tv_usec / 1000), log_names[level]);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2) len = sizeof line - 2;
    line[len++] = '\n';
    if (write(STDERR_FILENO, line, len) < 0) { /* nothing useful to do */
    }
}

void log_msg(log_level_t level, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}

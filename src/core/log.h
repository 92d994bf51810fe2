#ifndef KMIG_CORE_LOG_H
#define KMIG_CORE_LOG_H
/* Leveled logging to stderr with a timestamp. Thread-safe (one write per line).
 * Never pass secrets to these functions: values of keys that look secret are
 * redacted by the config layer before they get here. */
#include <stdarg.h>

typedef enum { LL_ERROR = 0, LL_WARN, LL_INFO, LL_DEBUG } log_level_t;

void log_set_level(log_level_t level);
log_level_t log_get_level(void);
/* Parses "error|warn|info|debug"; returns -1 when unknown. */
int log_level_parse(const char *name);
void log_msg(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LL_DEBUG, __VA_ARGS__)

#endif

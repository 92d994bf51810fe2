/* Time in milliseconds, one place for the clock_gettime() boilerplate. */
#include "core/clock.h"

#include <time.h>

static int64_t ms(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_ms(void) { return ms(CLOCK_MONOTONIC); }
/* Coarse (a few ms): read per batch on the copy path, used for latencies. */
int64_t clock_wall_ms(void) { return ms(CLOCK_REALTIME_COARSE); }

void clock_sleep_ms(int n) {
    struct timespec ts = {n / 1000, (long)(n % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

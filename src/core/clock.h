#ifndef KMIG_CORE_CLOCK_H
#define KMIG_CORE_CLOCK_H
/* Milliseconds: a monotonic clock for deadlines and durations, the wall
 * clock for record timestamps, and a sleep. */
#include <stdint.h>

int64_t clock_mono_ms(void);
int64_t clock_wall_ms(void); /* coarse: a few ms resolution */
void clock_sleep_ms(int ms);

#endif

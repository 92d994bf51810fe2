/* Rate-limits repeated log lines by kind: a small table of recent kinds with
 * when each was last printed and how many were held back since. The table is
 * bounded; when full, the kind seen longest ago is forgotten (its next line
 * prints again, which is the safe side). */
#include "core/logdedup.h"

#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"

enum { LOGDEDUP_SLOTS = 64, LOGDEDUP_KEY = 256 };

typedef struct logdedup_slot {
    char key[LOGDEDUP_KEY];
    int64_t printed_ms, seen_ms;
    long held;
    int used;
} logdedup_slot_t;

struct logdedup {
    int64_t window_ms;
    logdedup_slot_t slots[LOGDEDUP_SLOTS];
};

logdedup_t *logdedup_new(int64_t window_ms) {
    logdedup_t *d = xmalloc(sizeof *d);
    memset(d, 0, sizeof *d);
    d->window_ms = window_ms;
    return d;
}

void logdedup_destroy(logdedup_t *d) { free(d); }

void logdedup_key(const char *facility, const char *text, char *out, size_t outsz) {
    size_t n = 0;
    if (!outsz) return;
    for (int part = 0; part < 2; part++) {
        const char *s = part ? text : facility;
        /* librdkafka's "(after 12ms in state CONNECT, 3 identical error(s)
         * suppressed)" says nothing about the kind of line */
        const char *end = part && s ? strstr(s, " (after ") : NULL;
        if (part && n + 1 < outsz) out[n++] = '|';
        for (; s && *s && s != end && n + 1 < outsz; s++) {
            if (*s >= '0' && *s <= '9') {
                while (s[1] >= '0' && s[1] <= '9') s++;
                out[n++] = '#';
            } else {
                out[n++] = *s;
            }
        }
    }
    out[n] = '\0';
}

int logdedup_check(logdedup_t *d, const char *key, int64_t now_ms, long *held) {
    logdedup_slot_t *slot = NULL, *oldest = &d->slots[0];
    for (size_t i = 0; i < LOGDEDUP_SLOTS; i++) {
        logdedup_slot_t *s = &d->slots[i];
        if (s->used && strncmp(s->key, key, LOGDEDUP_KEY - 1) == 0) {
            slot = s;
            break;
        }
        if (!s->used || (oldest->used && s->seen_ms < oldest->seen_ms)) oldest = s;
    }
    *held = 0;
    if (!slot) {
        slot = oldest;
        memset(slot, 0, sizeof *slot);
        strncpy(slot->key, key, LOGDEDUP_KEY - 1);
        slot->used = 1;
        slot->printed_ms = slot->seen_ms = now_ms;
        return 1;
    }
    slot->seen_ms = now_ms;
    if (now_ms - slot->printed_ms < d->window_ms) {
        slot->held++;
        return 0;
    }
    *held = slot->held;
    slot->held = 0;
    slot->printed_ms = now_ms;
    return 1;
}

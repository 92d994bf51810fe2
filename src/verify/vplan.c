/* `kmig verify`'s choice of what to read: the --since window and --sample's
 * random partitions and ranges (splitmix64 from a seed that verify prints, so
 * a sampled run can be replayed exactly with --seed). */
#include "verify/vplan.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t mix(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t vplan_seed(int64_t now_ms, long pid) {
    uint64_t s = (uint64_t)now_ms ^ ((uint64_t)pid << 32);
    return mix(&s) % 1000000000ULL; /* short enough to type back */
}

static bool all_digits(const char *s) {
    if (!*s) return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s)) return false;
    return true;
}

int vplan_parse_since(const char *text, int64_t now_ms, vplan_since_t *out, char *err,
                      size_t errsz) {
    memset(out, 0, sizeof *out);
    if (all_digits(text) && strlen(text) <= 18) {
        out->kind = VPLAN_SINCE_OFFSET;
        out->value = strtoll(text, NULL, 10);
        return 0;
    }
    /* A duration before now. */
    char *end;
    if (isdigit((unsigned char)text[0])) {
        long long n = strtoll(text, &end, 10);
        static const struct {
            const char *unit;
            int64_t ms;
        } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (!strcmp(end, units[i].unit) && n <= INT64_MAX / units[i].ms / 2) {
                out->kind = VPLAN_SINCE_TIME;
                out->value = now_ms - n * units[i].ms;
                return 0;
            }
    }
    /* A UTC date and time. */
    struct tm tm = {0};
    int sec = 0, used = 0;
    char sep = 0;
    if (sscanf(text, "%4d-%2d-%2d%c%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &sep,
               &tm.tm_hour, &tm.tm_min, &used) == 6 &&
        (sep == 'T' || sep == ' ')) {
        const char *rest = text + used;
        int more = 0;
        if (*rest == ':' && sscanf(rest, ":%2d%n", &sec, &more) == 1) rest += more;
        if (*rest == 'Z') rest++;
        if (!*rest && tm.tm_mon >= 1 && tm.tm_mon <= 12 && tm.tm_mday >= 1 &&
            tm.tm_mday <= 31 && tm.tm_hour < 24 && tm.tm_min < 60 && sec < 61) {
            tm.tm_year -= 1900;
            tm.tm_mon -= 1;
            tm.tm_sec = sec;
            out->kind = VPLAN_SINCE_TIME;
            out->value = (int64_t)timegm(&tm) * 1000;
            return 0;
        }
    }
    snprintf(err, errsz,
             "--since wants a source offset (e.g. 1500), a duration before now (30m, 2h, 1d) "
             "or a UTC time (2026-01-31T12:00:00Z), got '%s'",
             text);
    return -1;
}

static int cmp_pick(const void *a, const void *b) {
    const vplan_pick_t *x = a, *y = b;
    return x->index < y->index ? -1 : x->index > y->index;
}

size_t vplan_sample(const int64_t *start, const int64_t *next, size_t n, double pct,
                    uint64_t seed, vplan_pick_t *out) {
    if (!n) return 0;
    if (pct > 100) pct = 100;
    size_t k = (size_t)ceil((double)n * pct / 100.0);
    if (k < 1) k = 1;
    if (k > n) k = n;
    uint64_t st = seed;
    size_t *idx = malloc(n * sizeof *idx);
    if (!idx) abort();
    for (size_t i = 0; i < n; i++) idx[i] = i;
    for (size_t i = 0; i < k; i++) { /* partial Fisher-Yates */
        size_t j = i + (size_t)(mix(&st) % (n - i));
        size_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
    for (size_t i = 0; i < k; i++) {
        size_t p = idx[i];
        int64_t len = next[p] > start[p] ? next[p] - start[p] : 0;
        int64_t take = (int64_t)ceil((double)len * pct / 100.0);
        if (take < 1 && len > 0) take = 1;
        if (take > len) take = len;
        int64_t from = start[p];
        if (len > take) from += (int64_t)(mix(&st) % (uint64_t)(len - take + 1));
        out[i] = (vplan_pick_t){p, from, from + take};
    }
    free(idx);
    qsort(out, k, sizeof *out, cmp_pick);
    return k;
}

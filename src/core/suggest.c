/* The nearest known word to a misspelled one (suggest.h), for warnings such as
 * "unknown: topcs (mm2.properties:8; did you mean `topics`?)". The distance is
 * the optimal-string-alignment form of Damerau-Levenshtein, computed with three
 * rows of the usual dynamic-programming table. */
#include "core/suggest.h"

#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"

static size_t min3(size_t a, size_t b, size_t c) {
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

size_t suggest_distance(const char *a, const char *b) {
    size_t n = strlen(a), m = strlen(b);
    size_t *prev2 = xcalloc(m + 1, sizeof *prev2), *prev = xcalloc(m + 1, sizeof *prev),
           *cur = xcalloc(m + 1, sizeof *cur);
    for (size_t j = 0; j <= m; j++) prev[j] = j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < cur[j])
                cur[j] = prev2[j - 2] + 1;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    size_t d = prev[m];
    free(prev2);
    free(prev);
    free(cur);
    return d;
}

const char *suggest_nearest(const char *word, const char *const *candidates, size_t n) {
    size_t len = strlen(word), best_d = 3;
    const char *best = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t cl = strlen(candidates[i]);
        if ((cl > len ? cl - len : len - cl) >= best_d) continue; /* cannot be nearer */
        size_t d = suggest_distance(word, candidates[i]);
        if (d == 0) return NULL;
        if (d < best_d && d * 3 <= len) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best;
}

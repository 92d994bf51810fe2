#ifndef KMIG_CORE_SUGGEST_H
#define KMIG_CORE_SUGGEST_H
/* "Did you mean ...?": the nearest of a list of known words to a misspelled
 * one, by Damerau-Levenshtein distance (optimal string alignment: insertion,
 * deletion, substitution, transposition of two adjacent characters, each 1).
 * Pure; no allocation visible to the caller. */
#include <stddef.h>

/* The edit distance between a and b. */
size_t suggest_distance(const char *a, const char *b);

/* The candidate nearest to `word` if it is close enough to be a likely typo:
 * distance 1 or 2, and at most a third of word's length (so "ab" suggests
 * nothing); on a tie the earlier candidate wins. NULL when none, or when word
 * is itself a candidate. Returns a pointer into `candidates`. */
const char *suggest_nearest(const char *word, const char *const *candidates, size_t n);

#endif

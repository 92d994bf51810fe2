#ifndef KMIG_CORE_STRMAP_H
#define KMIG_CORE_STRMAP_H
/* A string-keyed hash map (open addressing, linear probing) for lookups on
 * hot-ish paths: topics by name, loaded offset maps by "topic:partition".
 * The map copies keys and owns them; values are borrowed pointers. No
 * deletion (kmig's tables only grow during a run). */
#include <stddef.h>

typedef struct strmap strmap_t;

strmap_t *strmap_new(void);
void strmap_destroy(strmap_t *m); /* accepts NULL; does not free values */
void *strmap_get(const strmap_t *m, const char *key);
/* Inserts or replaces; returns the previous value or NULL. */
void *strmap_put(strmap_t *m, const char *key, void *value);
/* Iteration: call with *pos = 0; returns 0 when done. */
int strmap_next(const strmap_t *m, size_t *pos, const char **key, void **value);

#endif

#ifndef KMIG_CORE_SBUF_H
#define KMIG_CORE_SBUF_H
/* A growable NUL-terminated string buffer. Allocation failure aborts (kmig
 * cannot do anything useful without memory). The buffer owns `s`; sbuf_free()
 * releases it and leaves an empty buffer. A zeroed sbuf_t is a valid empty one. */
#include <stdarg.h>
#include <stddef.h>

typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf_t;

void sbuf_append(sbuf_t *b, const char *s, size_t n);
void sbuf_puts(sbuf_t *b, const char *s);
void sbuf_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_vprintf(sbuf_t *b, const char *fmt, va_list ap);
void sbuf_reset(sbuf_t *b); /* length 0, keeps the allocation */
void sbuf_free(sbuf_t *b);
const char *sbuf_str(const sbuf_t *b); /* "" for an empty buffer */

/* Allocation helpers that abort with a message on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif

#ifndef KMIG_OFFSETS_RECORD_DIGEST_H
#define KMIG_OFFSETS_RECORD_DIGEST_H
/* SHA-256 over everything a copy must keep of a record: key and value (a NULL
 * key or value digests differently from an empty one), headers in order
 * (name, NULL-or-value), and the timestamp. Pure: fields are passed in.
 *
 * The digested bytes: F(key) F(value) TS then F(name) F(value) per header,
 * where F(x) is x's length as an int64 (-1 for NULL) followed by x's bytes, and
 * TS is the timestamp as an int64; int64s in the host's byte order
 * (little-endian on x86-64 and arm64). Digests are compared within one process
 * only, never stored. tests/unit/test_record_digest.c has known answers. */
#include <stddef.h>
#include <stdint.h>

#define RECORD_DIGEST_LEN 32

typedef struct record_digest record_digest_t;

record_digest_t *record_digest_new(void);
void record_digest_destroy(record_digest_t *d); /* accepts NULL */

void record_digest_begin(record_digest_t *d, const void *key, size_t key_len, const void *value,
                         size_t value_len, int64_t timestamp);
/* value NULL means a NULL header value. */
void record_digest_header(record_digest_t *d, const char *name, const void *value,
                          size_t value_len);
void record_digest_end(record_digest_t *d, uint8_t out[RECORD_DIGEST_LEN]);

#endif

#ifndef KMIG_CORE_FILEIO_H
#define KMIG_CORE_FILEIO_H
/* Whole small files read into memory: MM2 properties, secrets of config
 * providers, AWS shared files and token files, the cutover manifest. Every
 * reader has a size bound, and what a failed read got is wiped (such files
 * hold secrets).
 *
 * Ownership: the caller owns *out (sbuf_free, or fileio_wipe for secrets). */
#include <stddef.h>

#include "core/sbuf.h"

/* Appends the file's bytes to *out (NUL-terminated). Returns 0; 1 when the
 * file does not exist (err untouched); -1 with "cannot read PATH: reason" or
 * "PATH is larger than MAX bytes" in err, *out wiped. */
int fileio_read(const char *path, size_t max, sbuf_t *out, char *err, size_t errsz);

/* Wipes a buffer's whole capacity and frees it. */
void fileio_wipe(sbuf_t *b);

#endif

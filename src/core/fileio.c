/* Reading whole small files with a bound, for every file kmig reads as text
 * (configuration, secrets, AWS files, manifests): one place for the size
 * limit, the read-error check and wiping what a failed read got. */
#include "core/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

void fileio_wipe(sbuf_t *b) {
    if (b->s) OPENSSL_cleanse(b->s, b->cap);
    sbuf_free(b);
}

int fileio_read(const char *path, size_t max, sbuf_t *out, char *err, size_t errsz) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT) return 1;
        snprintf(err, errsz, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char buf[8192];
    size_t n, start = out->len;
    int rc = 0;
    sbuf_puts(out, ""); /* NUL-terminated even when empty */
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (out->len - start + n > max) {
            snprintf(err, errsz, "%s is larger than %zu bytes", path, max);
            rc = -1;
            break;
        }
        sbuf_append(out, buf, n);
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errsz, "cannot read %s: %s", path, strerror(errno ? errno : EIO));
        rc = -1;
    }
    OPENSSL_cleanse(buf, sizeof buf);
    fclose(f);
    if (rc) fileio_wipe(out);
    return rc;
}

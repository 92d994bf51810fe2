/* Record content digests: each field is length-prefixed (with -1 for NULL) so
 * that no two different records can produce the same byte stream. */
#include "offsets/record_digest.h"

#include <openssl/evp.h>
#include <stdlib.h>

#include "core/sbuf.h"

struct record_digest {
    EVP_MD_CTX *ctx;
    EVP_MD *md; /* fetched once: an implicit fetch per record costs more than the hash */
};

record_digest_t *record_digest_new(void) {
    record_digest_t *d = xcalloc(1, sizeof *d);
    d->ctx = EVP_MD_CTX_new();
    d->md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (!d->ctx || !d->md) abort();
    return d;
}

void record_digest_destroy(record_digest_t *d) {
    if (!d) return;
    EVP_MD_CTX_free(d->ctx);
    EVP_MD_free(d->md);
    free(d);
}

static void field(record_digest_t *d, const void *p, size_t len) {
    int64_t n = p ? (int64_t)len : -1;
    EVP_DigestUpdate(d->ctx, &n, sizeof n);
    if (p && len) EVP_DigestUpdate(d->ctx, p, len);
}

void record_digest_begin(record_digest_t *d, const void *key, size_t key_len, const void *value,
                         size_t value_len, int64_t timestamp) {
    EVP_DigestInit_ex(d->ctx, d->md, NULL);
    field(d, key, key_len);
    field(d, value, value_len);
    EVP_DigestUpdate(d->ctx, &timestamp, sizeof timestamp);
}

void record_digest_header(record_digest_t *d, const char *name, const void *value,
                          size_t value_len) {
    size_t n = 0;
    while (name[n]) n++;
    field(d, name, n);
    field(d, value, value_len);
}

void record_digest_end(record_digest_t *d, uint8_t out[RECORD_DIGEST_LEN]) {
    unsigned int n = RECORD_DIGEST_LEN;
    EVP_DigestFinal_ex(d->ctx, out, &n);
}

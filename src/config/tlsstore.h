#ifndef KMIG_CONFIG_TLSSTORE_H
#define KMIG_CONFIG_TLSSTORE_H
/* Java key and trust stores read with OpenSSL, so that librdkafka gets PEM
 * (`ssl.ca.pem`, `ssl.certificate.pem`, `ssl.key.pem`) instead of a file it
 * cannot read (a PKCS12 truststore, a JKS store) or reads with a leak (a
 * PKCS12 keystore in librdkafka 2.0.2).
 *
 * The file's format is told by its content, not the declared type: Java's
 * "JKS" type reads PKCS12 files too (Java 9+ keytool writes PKCS12 by
 * default), a JKS file starts with 0xFEEDFEED and a JCEKS one with 0xCECECECE.
 *
 * Ownership: tlsstore_t owns its strings; tlsstore_clear() wipes the key.
 * Pure: OpenSSL and file reading only. */
#include <stddef.h>

typedef enum {
    TLSSTORE_UNKNOWN = 0,
    TLSSTORE_PKCS12,
    TLSSTORE_JKS,
    TLSSTORE_JCEKS,
    TLSSTORE_PEM,
} tlsstore_format_t;

typedef struct tlsstore {
    tlsstore_format_t format;
    char *certs_pem; /* every certificate, the private key's own first; NULL when none */
    size_t n_certs;
    char *key_pem; /* the private key, unencrypted PKCS#8 PEM, or NULL; secret */
} tlsstore_t;

/* The format of a store from its first bytes. */
tlsstore_format_t tlsstore_sniff(const unsigned char *b, size_t n);

/* Reads the store at `path`. A PKCS12 file is decrypted with store_password
 * (NULL: none; an empty password is tried too) and its private key, if any,
 * with key_password (NULL: the store password). Returns 0 with out filled for
 * PKCS12; 1 with only out->format set for JKS, JCEKS and PEM files (not read:
 * the caller decides); -1 with a reason in why that names the file and never a
 * password ("wrong password", "not a PKCS12 store", "cannot open"). */
int tlsstore_load(const char *path, const char *store_password, const char *key_password,
                  tlsstore_t *out, char *why, size_t whysz);
void tlsstore_clear(tlsstore_t *s); /* accepts a zeroed struct */

/* The keytool command that converts a JKS or JCEKS store at `path` to PKCS12
 * next to it (`x.jks` -> `x.p12`); malloc'd. *dest (malloc'd) gets the new path. */
char *tlsstore_keytool_command(const char *path, tlsstore_format_t f, char **dest);

#endif

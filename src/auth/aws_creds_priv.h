#ifndef KMIG_AUTH_AWS_CREDS_PRIV_H
#define KMIG_AUTH_AWS_CREDS_PRIV_H
/* Helpers shared by the aws_creds files (aws_creds.c, aws_creds_parse.c,
 * aws_creds_chain.c) and private to them: error text, wiping a secret
 * string, trimming a byte range. Not for other modules. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

static inline void set_err(char *err, size_t errsz, const char *msg) {
    if (err && errsz)
        snprintf(err, errsz, "%s", msg);
}

static inline void wipe_free(char *s) {
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

static inline bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Trims [*b, *e) in place. */
static inline void trim(const char **b, const char **e) {
    while (*b < *e && is_space(**b))
        (*b)++;
    while (*e > *b && is_space((*e)[-1]))
        (*e)--;
}

#endif

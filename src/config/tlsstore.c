/* Java key and trust stores read with OpenSSL (see tlsstore.h). A PKCS12 file
 * is walked bag by bag rather than with PKCS12_parse() so that a store holding
 * only certificate bags (a truststore written by keytool: trusted entries,
 * encrypted with the store password) reads, and so that the private key may have
 * its own password (Java's ssl.key.password). The MAC is checked first: a wrong
 * store password is reported as such, before anything is decrypted. */
#include "config/tlsstore.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "core/sbuf.h"

tlsstore_format_t tlsstore_sniff(const unsigned char *b, size_t n) {
    if (n >= 4 && b[0] == 0xFE && b[1] == 0xED && b[2] == 0xFE && b[3] == 0xED)
        return TLSSTORE_JKS;
    if (n >= 4 && b[0] == 0xCE && b[1] == 0xCE && b[2] == 0xCE && b[3] == 0xCE)
        return TLSSTORE_JCEKS;
    if (n >= 2 && b[0] == 0x30 && (b[1] == 0x80 || b[1] >= 0x81)) return TLSSTORE_PKCS12;
    /* PEM: text with a BEGIN line (openssl's output may start with "Bag Attributes"). */
    for (size_t i = 0; i + 11 <= n; i++)
        if (memcmp(b + i, "-----BEGIN ", 11) == 0) return TLSSTORE_PEM;
    return TLSSTORE_UNKNOWN;
}

void tlsstore_clear(tlsstore_t *s) {
    free(s->certs_pem);
    if (s->key_pem) {
        OPENSSL_cleanse(s->key_pem, strlen(s->key_pem));
        free(s->key_pem);
    }
    memset(s, 0, sizeof *s);
}

char *tlsstore_keytool_command(const char *path, tlsstore_format_t f, char **dest) {
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - path) : strlen(path);
    sbuf_t d = {0}, cmd = {0};
    sbuf_append(&d, path, stem);
    sbuf_puts(&d, ".p12");
    sbuf_printf(&cmd, "keytool -importkeystore -srckeystore %s%s -destkeystore %s -deststoretype PKCS12",
                path, f == TLSSTORE_JCEKS ? " -srcstoretype JCEKS" : "", d.s);
    *dest = d.s;
    return cmd.s;
}

/* What a PKCS12 walk collects. */
typedef struct walk {
    STACK_OF(X509) *certs;
    PKCS8_PRIV_KEY_INFO *p8;
    const char *pass; /* the store password as OpenSSL takes it (NULL or text) */
    const char *key_pass;
    bool key_pass_given;
    char *why;
    size_t whysz;
} walk_t;

static int walk_bags(walk_t *w, const STACK_OF(PKCS12_SAFEBAG) *bags) {
    for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); i++) {
        const PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, i);
        switch (PKCS12_SAFEBAG_get_nid(bag)) {
        case NID_certBag:
            if (PKCS12_SAFEBAG_get_bag_nid(bag) == NID_x509Certificate) {
                X509 *x = PKCS12_SAFEBAG_get1_cert(bag);
                if (x) sk_X509_push(w->certs, x);
            }
            break;
        case NID_keyBag:
            if (!w->p8) {
                const PKCS8_PRIV_KEY_INFO *p8 = PKCS12_SAFEBAG_get0_p8inf(bag);
                if (p8) w->p8 = ASN1_item_dup(ASN1_ITEM_rptr(PKCS8_PRIV_KEY_INFO), p8);
            }
            break;
        case NID_pkcs8ShroudedKeyBag:
            if (!w->p8) {
                w->p8 = PKCS12_decrypt_skey(bag, w->key_pass, w->key_pass ? -1 : 0);
                if (!w->p8 && w->key_pass_given) /* Java tries the store password too */
                    w->p8 = PKCS12_decrypt_skey(bag, w->pass, w->pass ? -1 : 0);
                if (!w->p8) {
                    snprintf(w->why, w->whysz,
                             "the private key does not decrypt with the %s password",
                             w->key_pass_given ? "key (ssl.key.password) or store" : "store");
                    return -1;
                }
            }
            break;
        case NID_safeContentsBag:
            if (walk_bags(w, PKCS12_SAFEBAG_get0_safes(bag))) return -1;
            break;
        default:
            break; /* CRL and secret bags mean nothing here */
        }
    }
    return 0;
}

static char *bio_text(BIO *b) {
    char *data;
    long n = BIO_get_mem_data(b, &data);
    return xstrndup(data, n > 0 ? (size_t)n : 0);
}

static int read_pkcs12(const char *path, const char *store_password, const char *key_password,
                       tlsstore_t *out, char *why, size_t whysz) {
    BIO *in = BIO_new_file(path, "rb");
    PKCS12 *p12 = in ? d2i_PKCS12_bio(in, NULL) : NULL;
    BIO_free(in);
    if (!p12) {
        snprintf(why, whysz, "%s is not a PKCS12 store (or is damaged)", path);
        return -1;
    }
    walk_t w = {.certs = sk_X509_new_null(), .why = why, .whysz = whysz};
    int rc = 0;
    /* Find the password form that opens the MAC: as given, or for no password
     * both OpenSSL's NULL and "" encodings. A store without a MAC (keytool with
     * keystore.pkcs12.macAlgorithm=NONE) takes the password as given. */
    if (store_password && *store_password) {
        w.pass = store_password;
        if (PKCS12_mac_present(p12) && !PKCS12_verify_mac(p12, store_password, -1)) {
            snprintf(why, whysz, "wrong password for %s (its integrity check failed)", path);
            rc = -1;
        }
    } else if (PKCS12_mac_present(p12)) {
        if (PKCS12_verify_mac(p12, NULL, 0))
            w.pass = NULL;
        else if (PKCS12_verify_mac(p12, "", 0))
            w.pass = "";
        else {
            snprintf(why, whysz, "%s is password-protected and no password is set", path);
            rc = -1;
        }
    }
    w.key_pass_given = key_password && *key_password;
    w.key_pass = w.key_pass_given ? key_password : w.pass;
    STACK_OF(PKCS7) *safes = rc == 0 ? PKCS12_unpack_authsafes(p12) : NULL;
    if (rc == 0 && !safes) {
        snprintf(why, whysz, "%s is not a PKCS12 store (or is damaged)", path);
        rc = -1;
    }
    for (int i = 0; rc == 0 && i < sk_PKCS7_num(safes); i++) {
        PKCS7 *p7 = sk_PKCS7_value(safes, i);
        STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
        int nid = OBJ_obj2nid(p7->type);
        if (nid == NID_pkcs7_data)
            bags = PKCS12_unpack_p7data(p7);
        else if (nid == NID_pkcs7_encrypted)
            bags = PKCS12_unpack_p7encdata(p7, w.pass, w.pass ? -1 : 0);
        else
            continue;
        if (!bags) {
            snprintf(why, whysz, "%s: part of the store does not decrypt with %s", path,
                     w.pass ? "the store password" : "no password (set the store password)");
            rc = -1;
            break;
        }
        rc = walk_bags(&w, bags);
        sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
    }
    sk_PKCS7_pop_free(safes, PKCS7_free);
    PKCS12_free(p12);
    EVP_PKEY *pkey = rc == 0 && w.p8 ? EVP_PKCS82PKEY(w.p8) : NULL;
    if (rc == 0 && w.p8 && !pkey) {
        snprintf(why, whysz, "%s: the private key is not usable by OpenSSL", path);
        rc = -1;
    }
    if (rc == 0) {
        /* The key's certificate first, then the rest in store order. */
        int leaf = -1;
        for (int i = 0; pkey && leaf < 0 && i < sk_X509_num(w.certs); i++) {
            ERR_set_mark();
            if (X509_check_private_key(sk_X509_value(w.certs, i), pkey)) leaf = i;
            ERR_pop_to_mark();
        }
        if (pkey && leaf < 0) {
            snprintf(why, whysz, "%s holds a private key but not its certificate", path);
            rc = -1;
        }
        BIO *cb = BIO_new(BIO_s_mem());
        if (rc == 0 && leaf >= 0) PEM_write_bio_X509(cb, sk_X509_value(w.certs, leaf));
        for (int i = 0; rc == 0 && i < sk_X509_num(w.certs); i++)
            if (i != leaf) PEM_write_bio_X509(cb, sk_X509_value(w.certs, i));
        out->n_certs = rc == 0 ? (size_t)sk_X509_num(w.certs) : 0;
        if (out->n_certs) out->certs_pem = bio_text(cb);
        BIO_free(cb);
        if (rc == 0 && w.p8) {
            BIO *kb = BIO_new(BIO_s_secmem());
            if (PEM_write_bio_PKCS8_PRIV_KEY_INFO(kb, w.p8)) {
                char *data;
                long n = BIO_get_mem_data(kb, &data);
                out->key_pem = xstrndup(data, n > 0 ? (size_t)n : 0);
            }
            BIO_free(kb);
        }
    }
    EVP_PKEY_free(pkey);
    PKCS8_PRIV_KEY_INFO_free(w.p8);
    sk_X509_pop_free(w.certs, X509_free);
    ERR_clear_error();
    if (rc) tlsstore_clear(out);
    out->format = TLSSTORE_PKCS12;
    return rc;
}

int tlsstore_load(const char *path, const char *store_password, const char *key_password,
                  tlsstore_t *out, char *why, size_t whysz) {
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, whysz, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    unsigned char head[512];
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    out->format = tlsstore_sniff(head, n);
    switch (out->format) {
    case TLSSTORE_PKCS12:
        return read_pkcs12(path, store_password, key_password, out, why, whysz);
    case TLSSTORE_UNKNOWN:
        snprintf(why, whysz, "%s is %s", path,
                 n ? "neither a PKCS12, JKS or JCEKS store nor PEM" : "empty");
        return -1;
    default:
        return 1;
    }
}

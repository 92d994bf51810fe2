/* Unit tests for config/tlsstore (PKCS12/JKS/JCEKS stores read with OpenSSL)
 * and the store keys of config/mm2 (ssl.truststore.*, ssl.keystore.*). The
 * stores are made here with OpenSSL (throwaway EC keys) in a temporary
 * directory: a keystore (key, leaf, CA), a truststore of certificate bags only
 * (as keytool writes), one without a password, one whose key has its own
 * password, and JKS / JCEKS look-alikes. */
#include "config/tlsstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "config/mm2.h"
#include "core/sbuf.h"
#include "unit.h"

static char dir[64];
static char err[2048];
static EVP_PKEY *ca_key, *leaf_key;
static X509 *ca_cert, *leaf_cert;
static char *leaf_pem, *ca_pem;

static bool contains(const char *s, const char *part) { return s && strstr(s, part) != NULL; }

static char *path_of(const char *name) {
    static char buf[4][256];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
    return buf[i];
}

static X509 *make_cert(const char *cn, EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer) {
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), issuer ? 2 : 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    X509_set_pubkey(x, key);
    X509_sign(x, signer, EVP_sha256());
    return x;
}

static char *pem_of(X509 *x) {
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    char *d;
    long n = BIO_get_mem_data(b, &d);
    char *s = xstrndup(d, (size_t)n);
    BIO_free(b);
    return s;
}

static void write_p12(const char *name, PKCS12 *p12) {
    BIO *b = BIO_new_file(path_of(name), "wb");
    CHECK(b && i2d_PKCS12_bio(b, p12));
    BIO_free(b);
    PKCS12_free(p12);
}

static void write_bytes(const char *name, const char *bytes, size_t n) {
    FILE *f = fopen(path_of(name), "wb");
    CHECK(f != NULL);
    if (!f) return;
    fwrite(bytes, 1, n, f);
    fclose(f);
}

/* A keystore whose key bag has its own password (Java: ssl.key.password). */
static PKCS12 *two_password_store(const char *store_pass, const char *key_pass) {
    STACK_OF(PKCS12_SAFEBAG) *certs = NULL, *keys = NULL;
    STACK_OF(PKCS7) *safes = NULL;
    PKCS12_add_cert(&certs, leaf_cert);
    PKCS12_add_cert(&certs, ca_cert);
    PKCS12_add_key(&keys, leaf_key, 0, PKCS12_DEFAULT_ITER, NID_aes_256_cbc, key_pass);
    PKCS12_add_safe(&safes, certs, NID_aes_256_cbc, PKCS12_DEFAULT_ITER, store_pass);
    PKCS12_add_safe(&safes, keys, -1, 0, NULL);
    PKCS12 *p12 = PKCS12_add_safes(safes, 0);
    PKCS12_set_mac(p12, store_pass, -1, NULL, 0, PKCS12_DEFAULT_ITER, NULL);
    sk_PKCS12_SAFEBAG_pop_free(certs, PKCS12_SAFEBAG_free);
    sk_PKCS12_SAFEBAG_pop_free(keys, PKCS12_SAFEBAG_free);
    sk_PKCS7_pop_free(safes, PKCS7_free);
    return p12;
}

static void make_stores(void) {
    ca_key = EVP_EC_gen("P-256");
    leaf_key = EVP_EC_gen("P-256");
    ca_cert = make_cert("kmig test CA", ca_key, ca_key, NULL);
    leaf_cert = make_cert("client", leaf_key, ca_key, ca_cert);
    leaf_pem = pem_of(leaf_cert);
    ca_pem = pem_of(ca_cert);
    STACK_OF(X509) *chain = sk_X509_new_null();
    sk_X509_push(chain, ca_cert);
    write_p12("keystore.p12",
              PKCS12_create("ks-pass", "client", leaf_key, leaf_cert, chain, 0, 0, 0, 0, 0));
    write_p12("trust.p12", PKCS12_create("ts-pass", NULL, NULL, NULL, chain, 0, 0, 0, 0, 0));
    write_p12("trust-nopass.p12", PKCS12_create(NULL, NULL, NULL, NULL, chain, 0, -1, 0, 0, 0));
    write_p12("keystore-2pw.p12", two_password_store("store-pass", "key-pass"));
    sk_X509_free(chain);
    write_bytes("store.jks", "\xFE\xED\xFE\xED\x00\x00\x00\x02junk", 12);
    write_bytes("store.jceks", "\xCE\xCE\xCE\xCE\x00\x00\x00\x02junk", 12);
    write_bytes("ca.pem", ca_pem, strlen(ca_pem));
    write_bytes("garbage.bin", "hello", 5);
}

static void test_sniff(void) {
    CHECK_EQ_INT(tlsstore_sniff((const unsigned char *)"\xFE\xED\xFE\xED", 4), TLSSTORE_JKS);
    CHECK_EQ_INT(tlsstore_sniff((const unsigned char *)"\xCE\xCE\xCE\xCE", 4), TLSSTORE_JCEKS);
    CHECK_EQ_INT(tlsstore_sniff((const unsigned char *)"\x30\x82\x01\x00", 4), TLSSTORE_PKCS12);
    CHECK_EQ_INT(tlsstore_sniff((const unsigned char *)"Bag Attributes\n-----BEGIN CERT", 30),
                 TLSSTORE_PEM);
    CHECK_EQ_INT(tlsstore_sniff((const unsigned char *)"hello", 5), TLSSTORE_UNKNOWN);
    char *dest;
    char *cmd = tlsstore_keytool_command("/etc/kafka/client.truststore.jks", TLSSTORE_JKS, &dest);
    CHECK_EQ_STR(cmd, "keytool -importkeystore -srckeystore /etc/kafka/client.truststore.jks "
                      "-destkeystore /etc/kafka/client.truststore.p12 -deststoretype PKCS12");
    CHECK_EQ_STR(dest, "/etc/kafka/client.truststore.p12");
    free(cmd);
    free(dest);
    cmd = tlsstore_keytool_command("./a.b/store", TLSSTORE_JCEKS, &dest);
    CHECK_EQ_STR(cmd, "keytool -importkeystore -srckeystore ./a.b/store -srcstoretype JCEKS "
                      "-destkeystore ./a.b/store.p12 -deststoretype PKCS12");
    free(cmd);
    free(dest);
}

static void test_load(void) {
    tlsstore_t s;
    char why[512];
    CHECK_EQ_INT(tlsstore_load(path_of("keystore.p12"), "ks-pass", NULL, &s, why, sizeof why), 0);
    CHECK_EQ_INT(s.n_certs, 2);
    CHECK(s.certs_pem && strncmp(s.certs_pem, leaf_pem, strlen(leaf_pem)) == 0); /* leaf first */
    CHECK(contains(s.certs_pem, ca_pem));
    CHECK(contains(s.key_pem, "-----BEGIN PRIVATE KEY-----"));
    tlsstore_clear(&s);

    CHECK_EQ_INT(tlsstore_load(path_of("trust.p12"), "ts-pass", NULL, &s, why, sizeof why), 0);
    CHECK_EQ_INT(s.n_certs, 1);
    CHECK_EQ_STR(s.certs_pem, ca_pem);
    CHECK(s.key_pem == NULL);
    tlsstore_clear(&s);

    CHECK_EQ_INT(tlsstore_load(path_of("trust-nopass.p12"), NULL, NULL, &s, why, sizeof why), 0);
    CHECK_EQ_STR(s.certs_pem, ca_pem);
    tlsstore_clear(&s);

    CHECK_EQ_INT(
        tlsstore_load(path_of("keystore-2pw.p12"), "store-pass", "key-pass", &s, why, sizeof why),
        0);
    CHECK(contains(s.key_pem, "PRIVATE KEY"));
    CHECK_EQ_INT(s.n_certs, 2);
    tlsstore_clear(&s);
    CHECK_EQ_INT(tlsstore_load(path_of("keystore-2pw.p12"), "store-pass", NULL, &s, why, sizeof why),
                 -1);
    CHECK(contains(why, "private key does not decrypt with the store password"));

    CHECK_EQ_INT(tlsstore_load(path_of("keystore.p12"), "hunter2", NULL, &s, why, sizeof why), -1);
    CHECK(contains(why, "wrong password for "));
    CHECK(contains(why, "keystore.p12"));
    CHECK(!contains(why, "hunter2"));
    CHECK_EQ_INT(tlsstore_load(path_of("trust.p12"), NULL, NULL, &s, why, sizeof why), -1);
    CHECK(contains(why, "is password-protected and no password is set"));

    CHECK_EQ_INT(tlsstore_load(path_of("store.jks"), "x", NULL, &s, why, sizeof why), 1);
    CHECK_EQ_INT(s.format, TLSSTORE_JKS);
    CHECK_EQ_INT(tlsstore_load(path_of("store.jceks"), "x", NULL, &s, why, sizeof why), 1);
    CHECK_EQ_INT(s.format, TLSSTORE_JCEKS);
    CHECK_EQ_INT(tlsstore_load(path_of("ca.pem"), NULL, NULL, &s, why, sizeof why), 1);
    CHECK_EQ_INT(s.format, TLSSTORE_PEM);
    CHECK_EQ_INT(tlsstore_load(path_of("garbage.bin"), NULL, NULL, &s, why, sizeof why), -1);
    CHECK(contains(why, "neither a PKCS12, JKS or JCEKS store nor PEM"));
    CHECK_EQ_INT(tlsstore_load(path_of("missing.p12"), NULL, NULL, &s, why, sizeof why), -1);
    CHECK(contains(why, "cannot open "));
    CHECK(contains(why, "No such file"));
}

/* librdkafka settings of cluster a (consumer) for `text` after the two clusters;
 * returns the mm2_client_settings() status. */
static int settings(const char *text, kv_list_t *l) {
    sbuf_t all = {0};
    sbuf_printf(&all, "clusters = a, b\na.bootstrap.servers = a1:9092\nb.bootstrap.servers = b1:9092\n%s",
                text);
    props_t *p = props_new();
    char perr[256];
    CHECK(props_load_string(p, "mm2.properties", all.s, perr, sizeof perr) == 0);
    sbuf_free(&all);
    mm2_t *m = mm2_new(p, err, sizeof err);
    CHECK(m != NULL);
    err[0] = '\0';
    int rc = m ? mm2_client_settings(m, "a", MM2_CLIENT_CONSUMER, l, err, sizeof err) : -1;
    mm2_destroy(m);
    props_destroy(p);
    return rc;
}

static const kv_t *kv_find(const kv_list_t *l, const char *key) {
    for (size_t i = l->n; i-- > 0;)
        if (strcmp(l->items[i].key, key) == 0) return &l->items[i];
    return NULL;
}

static void test_through_mm2(void) {
    kv_list_t l = {0};
    char text[2048];
    /* A PKCS12 keystore and truststore: PEM for librdkafka, the key secret. */
    snprintf(text, sizeof text,
             "a.security.protocol = SSL\n"
             "a.ssl.truststore.type = PKCS12\na.ssl.truststore.location = %s\n"
             "a.ssl.truststore.password = ts-pass\n"
             "a.ssl.keystore.type = PKCS12\na.ssl.keystore.location = %s\n"
             "a.ssl.keystore.password = ks-pass\n",
             path_of("trust.p12"), path_of("keystore.p12"));
    CHECK_EQ_INT(settings(text, &l), 0);
    CHECK_EQ_STR(kv_list_get(&l, "ssl.ca.pem"), ca_pem);
    CHECK(!kv_find(&l, "ssl.ca.pem")->secret);
    CHECK(contains(kv_list_get(&l, "ssl.certificate.pem"), leaf_pem));
    CHECK(contains(kv_list_get(&l, "ssl.key.pem"), "BEGIN PRIVATE KEY"));
    CHECK(kv_find(&l, "ssl.key.pem")->secret);
    CHECK(kv_list_get(&l, "ssl.keystore.location") == NULL);
    CHECK(kv_list_get(&l, "ssl.keystore.password") == NULL);
    CHECK(kv_list_get(&l, "ssl.truststore.password") == NULL);
    kv_list_clear(&l);

    /* Java's default type (JKS) with a PKCS12 file reads it, as Java 9+ does. */
    snprintf(text, sizeof text, "ssl.truststore.location = %s\nssl.truststore.password = ts-pass\n",
             path_of("trust.p12"));
    CHECK_EQ_INT(settings(text, &l), 0);
    CHECK_EQ_STR(kv_list_get(&l, "ssl.ca.pem"), ca_pem);
    kv_list_clear(&l);

    /* A wrong password names the key and the file, never the password. */
    snprintf(text, sizeof text,
             "a.ssl.keystore.type = PKCS12\na.ssl.keystore.location = %s\n"
             "a.ssl.keystore.password = hunter2\n",
             path_of("keystore.p12"));
    CHECK_EQ_INT(settings(text, &l), -1);
    CHECK(contains(err, "mm2.properties:5: a.ssl.keystore.location: cannot read the keystore: "
                        "wrong password for "));
    CHECK(contains(err, "(check a.ssl.keystore.password)"));
    CHECK(!contains(err, "hunter2"));
    CHECK_EQ_INT(l.n, 0);

    /* JKS and JCEKS files: the keytool command with the user's paths. */
    snprintf(text, sizeof text, "a.consumer.ssl.truststore.type = PKCS12\n"
                                "a.consumer.ssl.truststore.location = %s\n",
             path_of("store.jks"));
    CHECK_EQ_INT(settings(text, &l), -1);
    char expect[1024];
    snprintf(expect, sizeof expect,
             "mm2.properties:5: a.consumer.ssl.truststore.location: %s is a JKS truststore, which "
             "kmig cannot read; convert it to PKCS12: keytool -importkeystore -srckeystore %s "
             "-destkeystore %s/store.p12 -deststoretype PKCS12, then set "
             "a.consumer.ssl.truststore.type=PKCS12 and "
             "a.consumer.ssl.truststore.location=%s/store.p12",
             path_of("store.jks"), path_of("store.jks"), dir, dir);
    CHECK_EQ_STR(err, expect);
    snprintf(text, sizeof text, "ssl.keystore.location = %s\nssl.keystore.password = secret-x\n",
             path_of("store.jceks"));
    CHECK_EQ_INT(settings(text, &l), -1);
    CHECK(contains(err, "ssl.keystore.location: "));
    CHECK(contains(err, "is a JCEKS keystore, which kmig cannot read; convert it to PKCS12: "
                        "keytool -importkeystore -srckeystore "));
    CHECK(contains(err, "-srcstoretype JCEKS"));
    CHECK(contains(err, "then set ssl.keystore.type=PKCS12 and ssl.keystore.location="));
    CHECK(!contains(err, "secret-x"));

    /* A PEM file declared as PKCS12; a truststore with no certificate... */
    snprintf(text, sizeof text, "a.ssl.truststore.type = PKCS12\na.ssl.truststore.location = %s\n",
             path_of("ca.pem"));
    CHECK_EQ_INT(settings(text, &l), -1);
    CHECK(contains(err, "is a PEM file; set a.ssl.truststore.type=PEM"));
    /* ... and a keystore without a key. */
    snprintf(text, sizeof text,
             "a.ssl.keystore.type = PKCS12\na.ssl.keystore.location = %s\n"
             "a.ssl.keystore.password = ts-pass\n",
             path_of("trust.p12"));
    CHECK_EQ_INT(settings(text, &l), -1);
    CHECK(contains(err, "holds no private key"));

    /* The key's own password (ssl.key.password). */
    snprintf(text, sizeof text,
             "a.ssl.keystore.location = %s\na.ssl.keystore.password = store-pass\n"
             "a.ssl.key.password = key-pass\n",
             path_of("keystore-2pw.p12"));
    CHECK_EQ_INT(settings(text, &l), 0);
    CHECK(contains(kv_list_get(&l, "ssl.key.pem"), "BEGIN PRIVATE KEY"));
    kv_list_clear(&l);
}

int main(void) {
    strcpy(dir, "/tmp/kmig-tlsstore-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    make_stores();
    static const unit_test_t tests[] = {UNIT_TEST(test_sniff), UNIT_TEST(test_load),
                                        UNIT_TEST(test_through_mm2)};
    int failed = unit_run(tests, sizeof tests / sizeof tests[0]);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    X509_free(ca_cert);
    X509_free(leaf_cert);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(leaf_key);
    free(leaf_pem);
    free(ca_pem);
    return failed ? 1 : 0;
}

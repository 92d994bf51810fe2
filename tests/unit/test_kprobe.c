/* Unit tests of the Kafka release estimate from ApiVersions (on the version
 * lists real brokers sent), of the ACL name <-> code tables, and of kprobe's
 * TLS set-up against an in-process TLS server (a self-signed certificate made
 * here): CA and client certificate as inline PEM (encrypted key), as a PKCS12
 * keystore, hostname verification on and off. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "kafka/kacl.h"
#include "kafka/kprobe.h"
#include "unit.h"

enum { NAPI = 128 };

/* Estimate for a list "key:min-max ..." as an ApiVersions answer gives it. */
static const char *estimate(const char *list) {
    static char out[32];
    int api_max[NAPI];
    for (int k = 0; k < NAPI; k++) api_max[k] = -1;
    for (const char *p = list; *p;) {
        char *end;
        long key = strtol(p, &end, 10);
        strtol(end + 1, &end, 10); /* min */
        api_max[key] = (int)strtol(end + 1, &end, 10);
        p = end + strspn(end, " ");
    }
    kprobe_estimate(api_max, NAPI, out, sizeof out);
    return out;
}

/* Answers of the real tier's brokers (tests/real), captured with kprobe. */
static const char *const kafka_0_10_0_0 =
    "0:0-2 1:0-2 2:0-0 3:0-1 4:0-0 5:0-0 6:0-2 7:1-1 8:0-2 9:0-1 10:0-0 11:0-0 12:0-0 13:0-0 "
    "14:0-0 15:0-0 16:0-0 17:0-0 18:0-0";
static const char *const kafka_2_8_2_zk =
    "0:0-9 1:0-12 2:0-6 3:0-11 4:0-5 5:0-3 6:0-7 7:0-3 8:0-8 9:0-7 10:0-3 11:0-7 12:0-4 13:0-4 "
    "14:0-5 15:0-5 16:0-4 17:0-1 18:0-3 19:0-7 20:0-6 21:0-2 22:0-4 23:0-4 24:0-3 25:0-3 26:0-3 "
    "27:0-1 28:0-3 29:0-2 30:0-2 31:0-2 32:0-4 33:0-2 34:0-2 35:0-2 36:0-2 37:0-3 38:0-2 39:0-2 "
    "40:0-2 41:0-2 42:0-2 43:0-2 44:0-1 45:0-0 46:0-0 47:0-0 48:0-1 49:0-1 50:0-0 51:0-0 56:0-0 "
    "57:0-0 60:0-0 61:0-0";
static const char *const kafka_3_9_2 =
    "0:0-11 1:0-17 2:0-9 3:0-12 8:0-9 9:0-9 10:0-6 11:0-9 12:0-4 13:0-5 14:0-5 15:0-5 16:0-5 "
    "17:0-1 18:0-4 19:0-7 20:0-6 21:0-2 22:0-5 23:0-4 24:0-5 25:0-4 26:0-4 27:0-1 28:0-4 29:0-3 "
    "30:0-3 31:0-3 32:0-4 33:0-2 34:0-2 35:0-4 36:0-2 37:0-3 38:0-3 39:0-2 40:0-2 41:0-3 42:0-2 "
    "43:0-2 44:0-1 45:0-0 46:0-0 47:0-0 48:0-1 49:0-1 50:0-0 51:0-0 55:0-2 57:0-1 60:0-1 61:0-0 "
    "64:0-0 65:0-0 66:0-1 68:0-0 69:0-0 74:0-0 75:0-0 80:0-0 81:0-0";
static const char *const kafka_4_1_2 =
    "0:0-13 1:4-18 2:1-10 3:0-13 8:2-9 9:1-9 10:0-6 11:0-9 12:0-4 13:0-5 14:0-5 15:0-6 16:0-5 "
    "17:0-1 18:0-4 19:2-7 20:1-6 21:0-2 22:0-5 23:2-4 24:0-5 25:0-4 26:0-5 27:1-1 28:0-5 29:1-3 "
    "30:1-3 31:1-3 32:1-4 33:0-2 34:1-2 35:1-4 36:0-2 37:0-3 38:1-3 39:1-2 40:1-2 41:1-3 42:0-2 "
    "43:0-2 44:0-1 45:0-1 46:0-0 47:0-0 48:0-1 49:0-1 50:0-0 51:0-0 55:0-2 57:0-2 60:0-2 61:0-0 "
    "64:0-0 65:0-0 66:0-2 68:0-1 69:0-1 74:0-1 75:0-0 76:1-1 77:1-1 78:1-1 79:1-1 80:0-0 81:0-0 "
    "83:0-0 84:0-0 85:0-0 86:0-0 87:0-0 90:0-0 91:0-0 92:0-0";

static void test_estimate_real_brokers(void) {
    CHECK_EQ_STR(estimate(kafka_0_10_0_0), "0.10.0");
    CHECK_EQ_STR(estimate(kafka_2_8_2_zk), "2.8");
    CHECK_EQ_STR(estimate(kafka_3_9_2), "3.9");
    CHECK_EQ_STR(estimate(kafka_4_1_2), "4.1");
}

static void test_estimate_from_specs(void) {
    /* Kafka 4.0.0's request specs: 4.1.2's answer without what 4.1 added
     * (Produce 13, Fetch 18, ListTransactions 2) */
    CHECK_EQ_STR(estimate("0:3-12 1:4-17 2:1-10 3:0-13 15:0-6 18:0-4 66:0-1"), "4.0");
    /* 3.8: Produce 11, Fetch 16, ListOffsets 8, FindCoordinator 5 */
    CHECK_EQ_STR(estimate("0:0-11 1:0-16 2:0-8 10:0-5 18:0-3"), "3.8");
    /* 2.0: Produce 6, Fetch 8, ListOffsets 3, Metadata 6, ApiVersions 2 */
    CHECK_EQ_STR(estimate("0:0-6 1:0-8 2:0-3 3:0-6 18:0-2"), "2.0");
    /* one newer version is enough: the estimate is a floor */
    CHECK_EQ_STR(estimate("0:0-2 1:0-2 18:0-0 65:0-0"), "3.0");
}

static void test_estimate_edges(void) {
    CHECK_EQ_STR(estimate(""), "< 0.10");
    int api_max[2] = {2, 2}; /* keys beyond napi count as absent */
    char out[32];
    kprobe_estimate(api_max, 2, out, sizeof out);
    CHECK_EQ_STR(out, "< 0.10");
    kprobe_estimate(api_max, 2, out, 4);
    CHECK_EQ_STR(out, "< 0");
}

static void test_acl_names(void) {
    CHECK_EQ_STR(kacl_name(KACL_RESOURCE, RD_KAFKA_RESOURCE_TOPIC), "Topic");
    CHECK_EQ_STR(kacl_name(KACL_RESOURCE, RD_KAFKA_RESOURCE_BROKER), "Cluster");
    CHECK_EQ_STR(kacl_name(KACL_RESOURCE, 5), "TransactionalId");
    CHECK(kacl_name(KACL_RESOURCE, RD_KAFKA_RESOURCE_ANY) == NULL);
    CHECK(kacl_name(KACL_RESOURCE, RD_KAFKA_RESOURCE_UNKNOWN) == NULL);
    CHECK_EQ_STR(kacl_name(KACL_PATTERN, RD_KAFKA_RESOURCE_PATTERN_PREFIXED), "PREFIXED");
    CHECK(kacl_name(KACL_PATTERN, RD_KAFKA_RESOURCE_PATTERN_MATCH) == NULL);
    CHECK_EQ_STR(kacl_name(KACL_OPERATION, RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE),
                 "IdempotentWrite");
    CHECK_EQ_STR(kacl_name(KACL_OPERATION, RD_KAFKA_ACL_OPERATION_ALL), "All");
    CHECK(kacl_name(KACL_OPERATION, RD_KAFKA_ACL_OPERATION_ANY) == NULL);
    CHECK_EQ_STR(kacl_name(KACL_PERMISSION, RD_KAFKA_ACL_PERMISSION_TYPE_DENY), "Deny");
    CHECK_EQ_STR(kacl_name(KACL_PERMISSION, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW), "Allow");

    /* every named code reads back, in Kafka's enum spelling too */
    static const char *const ops[] = {"All", "Read", "Write", "Create", "Delete", "Alter",
                                      "Describe", "ClusterAction", "DescribeConfigs",
                                      "AlterConfigs", "IdempotentWrite"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        CHECK_EQ_STR(kacl_name(KACL_OPERATION, kacl_code(KACL_OPERATION, ops[i])), ops[i]);
    CHECK_EQ_INT(kacl_code(KACL_OPERATION, "CLUSTER_ACTION"),
                 RD_KAFKA_ACL_OPERATION_CLUSTER_ACTION);
    CHECK_EQ_INT(kacl_code(KACL_OPERATION, "read"), RD_KAFKA_ACL_OPERATION_READ);
    CHECK_EQ_INT(kacl_code(KACL_RESOURCE, "TRANSACTIONAL_ID"), 5);
    CHECK_EQ_INT(kacl_code(KACL_RESOURCE, "cluster"), RD_KAFKA_RESOURCE_BROKER);
    CHECK_EQ_INT(kacl_code(KACL_PATTERN, "literal"), RD_KAFKA_RESOURCE_PATTERN_LITERAL);
    CHECK_EQ_INT(kacl_code(KACL_PERMISSION, "ALLOW"), RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW);

    CHECK_EQ_INT(kacl_code(KACL_RESOURCE, "Broker"), -1);
    CHECK_EQ_INT(kacl_code(KACL_RESOURCE, "Any"), -1);
    CHECK_EQ_INT(kacl_code(KACL_PATTERN, "MATCH"), -1);
    CHECK_EQ_INT(kacl_code(KACL_OPERATION, "Reads"), -1);
    CHECK_EQ_INT(kacl_code(KACL_OPERATION, "Rea"), -1);
    CHECK_EQ_INT(kacl_code(KACL_PERMISSION, ""), -1);
    CHECK_EQ_INT(kacl_code(KACL_PERMISSION, NULL), -1);
}

/* A self-signed certificate for `san` (also its own CA), with its key. */
static X509 *make_cert(EVP_PKEY *key, const char *san) {
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"kprobe-test", -1,
                               -1, 0);
    X509_set_issuer_name(x, n);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    e = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, "critical,CA:TRUE");
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    X509_sign(x, key, EVP_sha256());
    return x;
}

static char *bio_string(BIO *b) {
    char *data;
    long n = BIO_get_mem_data(b, &data);
    char *s = malloc((size_t)n + 1);
    memcpy(s, data, (size_t)n);
    s[n] = '\0';
    BIO_free(b);
    return s;
}

/* The TLS server: accepts one connection per test on `fd`, handshakes
 * (requiring a client certificate when asked), and says whether a client
 * certificate it trusts came. */
typedef struct tls_server {
    int fd;
    SSL_CTX *ctx;
    int handshake_ok;
    int client_cert;
} tls_server_t;

static void *serve_one(void *arg) {
    tls_server_t *s = arg;
    int c = accept(s->fd, NULL, NULL);
    if (c < 0) return NULL;
    SSL *ssl = SSL_new(s->ctx);
    SSL_set_fd(ssl, c);
    s->handshake_ok = SSL_accept(ssl) == 1;
    if (s->handshake_ok) {
        char b[16];
        SSL_read(ssl, b, sizeof b); /* TLS 1.3: the client's certificate is checked by now */
        X509 *peer = SSL_get1_peer_certificate(ssl);
        s->client_cert = peer && SSL_get_verify_result(ssl) == X509_V_OK;
        X509_free(peer);
    }
    SSL_free(ssl);
    close(c);
    return NULL;
}

/* Runs kprobe_tls_check against the server; returns its result, why in `why`. */
static int probe(tls_server_t *s, int port, const kv_list_t *client, char *why, size_t whysz) {
    pthread_t t;
    s->handshake_ok = s->client_cert = 0;
    pthread_create(&t, NULL, serve_one, s);
    int rc = kprobe_tls_check("127.0.0.1", port, client, 5000, why, whysz);
    pthread_join(t, NULL);
    return rc;
}

static void test_tls_forms(void) {
    signal(SIGPIPE, SIG_IGN); /* the server writes alerts to clients that left */
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *good = make_cert(key, "IP:127.0.0.1"), *other = make_cert(key, "DNS:wrong-host.invalid");
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, good);
    char *cert_pem = bio_string(b);
    b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, other);
    char *other_pem = bio_string(b);
    b = BIO_new(BIO_s_mem());
    PEM_write_bio_PKCS8PrivateKey(b, key, EVP_aes_256_cbc(), NULL, 0, NULL, (void *)"key-pw");
    char *key_pem = bio_string(b);
    char p12path[] = "/tmp/kmig-test-kprobe-XXXXXX";
    int p12fd = mkstemp(p12path);
    PKCS12 *p12 = PKCS12_create("store-pw", "client", key, good, NULL, 0, 0, 0, 0, 0);
    FILE *f = fdopen(p12fd, "wb");
    i2d_PKCS12_fp(f, p12);
    fclose(f);
    PKCS12_free(p12);

    tls_server_t s = {.ctx = SSL_CTX_new(TLS_server_method())};
    SSL_CTX_use_certificate(s.ctx, good);
    SSL_CTX_use_PrivateKey(s.ctx, key);
    X509_STORE_add_cert(SSL_CTX_get_cert_store(s.ctx), good); /* trusts clients it signed */
    SSL_CTX_set_verify(s.ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    s.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    CHECK_EQ_INT(bind(s.fd, (struct sockaddr *)&a, sizeof a), 0);
    CHECK_EQ_INT(listen(s.fd, 4), 0);
    getsockname(s.fd, (struct sockaddr *)&a, &alen);
    int port = ntohs(a.sin_port);
    char why[300];

    /* inline CA, inline certificate, encrypted inline key */
    kv_list_t inl = {0};
    kv_list_add(&inl, "security.protocol", "SSL", "t", false);
    kv_list_add(&inl, "ssl.ca.pem", cert_pem, "t", false);
    kv_list_add(&inl, "ssl.certificate.pem", cert_pem, "t", false);
    kv_list_add(&inl, "ssl.key.pem", key_pem, "t", true);
    kv_list_add(&inl, "ssl.key.password", "key-pw", "t", true);
    CHECK_EQ_INT(probe(&s, port, &inl, why, sizeof why), 0);
    CHECK(s.handshake_ok && s.client_cert);

    /* a PKCS12 keystore with its password */
    kv_list_t ks = {0};
    kv_list_add(&ks, "ssl.ca.pem", cert_pem, "t", false);
    kv_list_add(&ks, "ssl.keystore.location", p12path, "t", false);
    kv_list_add(&ks, "ssl.keystore.password", "store-pw", "t", true);
    CHECK_EQ_INT(probe(&s, port, &ks, why, sizeof why), 0);
    CHECK(s.handshake_ok && s.client_cert);

    /* wrong key password: a clear error that shows neither key nor password */
    kv_list_t bad = {0};
    kv_list_add(&bad, "ssl.ca.pem", cert_pem, "t", false);
    kv_list_add(&bad, "ssl.certificate.pem", cert_pem, "t", false);
    kv_list_add(&bad, "ssl.key.pem", key_pem, "t", true);
    kv_list_add(&bad, "ssl.key.password", "nope-pw", "t", true);
    CHECK_EQ_INT(probe(&s, port, &bad, why, sizeof why), -1);
    CHECK(strstr(why, "cannot load ssl.key.pem") != NULL);
    CHECK(strstr(why, "nope-pw") == NULL && strstr(why, "PRIVATE") == NULL);

    /* a CA that did not sign the server's certificate */
    kv_list_t untrusted = {0};
    kv_list_add(&untrusted, "ssl.ca.pem", other_pem, "t", false);
    CHECK_EQ_INT(probe(&s, port, &untrusted, why, sizeof why), -1);
    CHECK(strstr(why, "mismatch") == NULL);

    /* the server's certificate for another host: refused, unless the check is off */
    SSL_CTX_use_certificate(s.ctx, other);
    kv_list_t host = {0};
    kv_list_add(&host, "ssl.ca.pem", other_pem, "t", false);
    kv_list_add(&host, "ssl.keystore.location", p12path, "t", false);
    kv_list_add(&host, "ssl.keystore.password", "store-pw", "t", true);
    CHECK_EQ_INT(probe(&s, port, &host, why, sizeof why), -1);
    CHECK(strstr(why, "mismatch") != NULL);
    kv_list_add(&host, "ssl.endpoint.identification.algorithm", "none", "t", false);
    CHECK_EQ_INT(probe(&s, port, &host, why, sizeof why), 0);

    kv_list_clear(&inl);
    kv_list_clear(&ks);
    kv_list_clear(&bad);
    kv_list_clear(&untrusted);
    kv_list_clear(&host);
    close(s.fd);
    SSL_CTX_free(s.ctx);
    unlink(p12path);
    free(cert_pem);
    free(other_pem);
    free(key_pem);
    X509_free(good);
    X509_free(other);
    EVP_PKEY_free(key);
}

UNIT_MAIN(UNIT_TEST(test_estimate_real_brokers), UNIT_TEST(test_estimate_from_specs),
          UNIT_TEST(test_estimate_edges), UNIT_TEST(test_acl_names), UNIT_TEST(test_tls_forms))

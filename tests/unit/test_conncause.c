/* Unit tests of core/conncause (librdkafka's connection error lines -> the
 * cause a user can act on) and core/logdedup (repeated log lines held back).
 * The lines are librdkafka 2.0.2's and OpenSSL 3.0's, as seen against real
 * Kafka 3.9 and 4.1 brokers (tests/real/test_secure_errors.sh). */
#include <stdio.h>
#include <string.h>

#include "core/conncause.h"
#include "core/logdedup.h"
#include "unit.h"

static void test_classify_real_lines(void) {
    CHECK_EQ_INT(conncause_classify(
                     "sasl_ssl://127.0.0.1:31524/bootstrap: SASL authentication error: "
                     "Authentication failed during authentication due to invalid credentials "
                     "with SASL mechanism SCRAM-SHA-512 (after 302ms in state AUTH_REQ)"),
                 CONNCAUSE_SASL_AUTH);
    CHECK_EQ_INT(conncause_classify("sasl_plaintext://127.0.0.1:1/bootstrap: SASL authentication "
                                    "error: Authentication failed: Invalid username or password"),
                 CONNCAUSE_SASL_AUTH);
    CHECK_EQ_INT(conncause_classify(
                     "ssl://127.0.0.1:9093/bootstrap: SSL handshake failed: error:0A000086:SSL "
                     "routines::certificate verify failed: broker certificate could not be "
                     "verified, verify that ssl.ca.location is correctly configured or root CA "
                     "certificates are installed (install ca-certificates package) (after 5ms "
                     "in state SSL_HANDSHAKE)"),
                 CONNCAUSE_TLS_VERIFY);
    CHECK_EQ_INT(conncause_classify(
                     "ssl://127.0.0.1:41000/bootstrap: SSL handshake failed: error:0A000126:SSL "
                     "routines::unexpected eof while reading (after 3ms in state SSL_HANDSHAKE)"),
                 CONNCAUSE_TLS_ON_PLAIN);
    CHECK_EQ_INT(conncause_classify("ssl://127.0.0.1:41000/bootstrap: error:0A000126:SSL "
                                    "routines::unexpected eof while reading (after 1ms in state "
                                    "SSL_HANDSHAKE)"),
                 CONNCAUSE_TLS_ON_PLAIN);
    CHECK_EQ_INT(conncause_classify("ssl://h:1/bootstrap: SSL handshake failed: Disconnected: "
                                    "connecting to a PLAINTEXT broker listener?"),
                 CONNCAUSE_TLS_ON_PLAIN);
    CHECK_EQ_INT(conncause_classify(
                     "127.0.0.1:41002/bootstrap: Disconnected while requesting ApiVersion: might "
                     "be caused by incorrect security.protocol configuration (connecting to a SSL "
                     "listener?) or broker version is < 0.10 (see api.version.request) (after "
                     "140ms in state APIVERSION_QUERY)"),
                 CONNCAUSE_PLAIN_ON_TLS);
    CHECK_EQ_INT(conncause_classify(
                     "ssl://127.0.0.1:41003/bootstrap: Receive failed: error:0A000412:SSL "
                     "routines::sslv3 alert bad certificate: SSL alert number 42 (after 16ms in "
                     "state APIVERSION_QUERY)"),
                 CONNCAUSE_CLIENT_CERT);
    CHECK_EQ_INT(conncause_classify("127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: "
                                    "Connection refused (after 0ms in state CONNECT)"),
                 CONNCAUSE_REFUSED);
    CHECK_EQ_INT(conncause_classify("nohost.invalid:9092/bootstrap: Failed to resolve "
                                    "'nohost.invalid:9092': Name or service not known"),
                 CONNCAUSE_RESOLVE);
    CHECK_EQ_INT(conncause_classify("Configuration property x is a consumer property"),
                 CONNCAUSE_NONE);
    CHECK_EQ_INT(conncause_classify(NULL), CONNCAUSE_NONE);
}

static void test_better_and_definitive(void) {
    CHECK_EQ_INT(conncause_better(CONNCAUSE_REFUSED, CONNCAUSE_SASL_AUTH), CONNCAUSE_SASL_AUTH);
    CHECK_EQ_INT(conncause_better(CONNCAUSE_SASL_AUTH, CONNCAUSE_REFUSED), CONNCAUSE_SASL_AUTH);
    CHECK_EQ_INT(conncause_better(CONNCAUSE_NONE, CONNCAUSE_TIMEOUT), CONNCAUSE_TIMEOUT);
    CHECK(!conncause_definitive(CONNCAUSE_NONE));
    CHECK(!conncause_definitive(CONNCAUSE_REFUSED));
    CHECK(!conncause_definitive(CONNCAUSE_TIMEOUT));
    CHECK(!conncause_definitive(CONNCAUSE_RESOLVE));
    CHECK(conncause_definitive(CONNCAUSE_TLS_VERIFY));
    CHECK(conncause_definitive(CONNCAUSE_SASL_AUTH));
    CHECK(conncause_definitive(CONNCAUSE_PLAIN_ON_TLS));
}

static void test_format(void) {
    char out[600];
    conncause_format(CONNCAUSE_TLS_VERIFY, "certificate has expired", out, sizeof out);
    CHECK(strstr(out, "cannot connect: SSL handshake failed: certificate verify failed: "
                      "certificate has expired (") == out);
    CHECK(strstr(out, "validity dates") != NULL);
    conncause_format(CONNCAUSE_TLS_VERIFY, "IP address mismatch", out, sizeof out);
    CHECK(strstr(out, "hostname mismatch") != NULL);
    conncause_format(CONNCAUSE_TLS_VERIFY, NULL, out, sizeof out);
    CHECK(strstr(out, "ssl.truststore") != NULL);
    conncause_format(CONNCAUSE_PLAIN_ON_TLS, "", out, sizeof out);
    CHECK_EQ_STR(out, "cannot connect: the listener speaks TLS (set security.protocol=SSL or "
                      "SASL_SSL)");
    conncause_format(CONNCAUSE_SASL_AUTH, "Invalid username or password", out, sizeof out);
    CHECK(strstr(out, "check sasl.jaas.config") != NULL);
    conncause_format(CONNCAUSE_SASL_AUTH, "Failed to acquire SASL OAUTHBEARER token: no creds",
                     out, sizeof out);
    CHECK(strstr(out, "bearer token") != NULL && strstr(out, "sasl.jaas.config") == NULL);
    CHECK_EQ_INT(conncause_classify("SASL authentication error: Failed to acquire SASL "
                                    "OAUTHBEARER token: no credentials"),
                 CONNCAUSE_SASL_AUTH);
    conncause_format(CONNCAUSE_REFUSED, NULL, out, sizeof out);
    CHECK(strstr(out, "connection refused") != NULL);
    conncause_format(CONNCAUSE_TLS_ON_PLAIN, NULL, out, sizeof out);
    CHECK(strstr(out, "does not speak TLS") != NULL);
}

static void test_dedup_key(void) {
    char k1[256], k2[256];
    logdedup_key("FAIL", "127.0.0.1:9093/1: Connect failed (after 12ms in state CONNECT)", k1,
                 sizeof k1);
    logdedup_key("FAIL", "127.0.0.1:9094/2: Connect failed (after 0ms in state CONNECT)", k2,
                 sizeof k2);
    CHECK_EQ_STR(k1, k2);
    CHECK_EQ_STR(k1, "FAIL|#.#.#.#:#/#: Connect failed");
    logdedup_key("FAIL",
                 "127.0.0.1:9093/1: Connect failed (after 0ms in state CONNECT, 11 identical "
                 "error(s) suppressed)",
                 k2, sizeof k2);
    CHECK_EQ_STR(k1, k2);
    logdedup_key("ERROR", "127.0.0.1:9093/1: Connect failed (after 12ms in state CONNECT)", k2,
                 sizeof k2);
    CHECK(strcmp(k1, k2) != 0);
    char small[6];
    logdedup_key("FAIL", "abc", small, sizeof small);
    CHECK_EQ_STR(small, "FAIL|");
}

static void test_dedup_window(void) {
    logdedup_t *d = logdedup_new(10000);
    long held = -1;
    CHECK_EQ_INT(logdedup_check(d, "a", 0, &held), 1);
    CHECK_EQ_INT(held, 0);
    for (int i = 1; i <= 30; i++) CHECK_EQ_INT(logdedup_check(d, "a", i * 300, &held), 0);
    CHECK_EQ_INT(logdedup_check(d, "b", 9100, &held), 1); /* another kind prints */
    CHECK_EQ_INT(logdedup_check(d, "a", 10000, &held), 1);
    CHECK_EQ_INT(held, 30);
    CHECK_EQ_INT(logdedup_check(d, "a", 10001, &held), 0);
    CHECK_EQ_INT(logdedup_check(d, "a", 30000, &held), 1);
    CHECK_EQ_INT(held, 1);
    /* a full table forgets the kind seen longest ago: it prints again */
    char k[16];
    for (int i = 0; i < 100; i++) {
        snprintf(k, sizeof k, "k%d", i);
        CHECK_EQ_INT(logdedup_check(d, k, 40000 + i, &held), 1);
    }
    CHECK_EQ_INT(logdedup_check(d, "a", 40200, &held), 1);
    CHECK_EQ_INT(logdedup_check(d, "k99", 40201, &held), 0);
    logdedup_destroy(d);
}

UNIT_MAIN(UNIT_TEST(test_classify_real_lines), UNIT_TEST(test_better_and_definitive),
          UNIT_TEST(test_format), UNIT_TEST(test_dedup_key), UNIT_TEST(test_dedup_window))

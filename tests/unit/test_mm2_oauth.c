/* Unit tests for the OAUTHBEARER forms of config/mm2's client settings:
 * Java's OAuthBearerLoginModule with the OIDC client-credentials handler
 * (librdkafka's sasl.oauthbearer.method=oidc) and with Java's unsecured JWT
 * options (librdkafka's enable.sasl.oauthbearer.unsecure.jwt); and the GSSAPI
 * check against librdkafka's builtin.features (mm2_client_check_features). */
#include <stdio.h>
#include <stdlib.h>

#include "config/mm2.h"
#include "core/sbuf.h"
#include "unit.h"

static char err[2048];
static char *warning;

static bool contains(const char *s, const char *part) { return s && strstr(s, part) != NULL; }

#define JAAS "a.sasl.jaas.config = org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required"

/* Settings of cluster a's consumer; the unused-key warning goes to `warning`. */
static int settings(const char *text, kv_list_t *l) {
    sbuf_t all = {0};
    sbuf_printf(&all,
                "clusters = a, b\na.bootstrap.servers = a1:9092\nb.bootstrap.servers = b1:9092\n"
                "a.security.protocol = SASL_SSL\n%s",
                text);
    props_t *p = props_new();
    char perr[256];
    CHECK(props_load_string(p, "mm2.properties", all.s, perr, sizeof perr) == 0);
    sbuf_free(&all);
    mm2_t *m = mm2_new(p, err, sizeof err);
    CHECK(m != NULL);
    err[0] = '\0';
    int rc = m ? mm2_client_settings(m, "a", MM2_CLIENT_CONSUMER, l, err, sizeof err) : -1;
    free(warning);
    const char *w = m ? mm2_unused_keys_warning(m) : NULL;
    warning = w ? xstrdup(w) : NULL;
    mm2_destroy(m);
    props_destroy(p);
    return rc;
}

static const kv_t *kv_find(const kv_list_t *l, const char *key) {
    for (size_t i = l->n; i-- > 0;)
        if (strcmp(l->items[i].key, key) == 0) return &l->items[i];
    return NULL;
}

static void test_oidc(void) {
    kv_list_t l = {0};
    CHECK_EQ_INT(settings("a.sasl.mechanism = OAUTHBEARER\n"
                          "a.sasl.oauthbearer.token.endpoint.url = https://idp.example/oauth2/token\n"
                          "a.sasl.login.callback.handler.class = "
                          "org.apache.kafka.common.security.oauthbearer.secured."
                          "OAuthBearerLoginCallbackHandler\n" JAAS
                          " clientId=\"kmig-app\" clientSecret=\"cs-7f3a9\" scope=\"kafka\" "
                          "extension_logicalCluster=\"lkc-1\" extension_identityPoolId=\"pool-2\";\n",
                          &l),
                 0);
    CHECK_EQ_STR(kv_list_get(&l, "sasl.mechanism"), "OAUTHBEARER");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.oauthbearer.method"), "oidc");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.oauthbearer.client.id"), "kmig-app");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.oauthbearer.client.secret"), "cs-7f3a9");
    CHECK(kv_find(&l, "sasl.oauthbearer.client.secret")->secret);
    CHECK_EQ_STR(kv_list_get(&l, "sasl.oauthbearer.scope"), "kafka");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.oauthbearer.token.endpoint.url"),
                 "https://idp.example/oauth2/token");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.oauthbearer.extensions"),
                 "logicalCluster=lkc-1,identityPoolId=pool-2");
    CHECK(kv_list_get(&l, "sasl.login.callback.handler.class") == NULL);
    CHECK(kv_list_get(&l, "sasl.jaas.config") == NULL);
    CHECK(warning == NULL); /* the handler class was understood, not ignored */
    kv_list_clear(&l);

    /* The pre-3.4 package name of the handler, no scope; Kafka 4.1's client
     * credential keys instead of JAAS options. */
    CHECK_EQ_INT(settings("a.sasl.mechanism = OAUTHBEARER\n"
                          "a.sasl.oauthbearer.token.endpoint.url = https://idp/t\n"
                          "a.sasl.login.callback.handler.class = "
                          "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler\n"
                          "a.sasl.oauthbearer.client.credentials.client.id = id-41\n"
                          "a.sasl.oauthbearer.client.credentials.client.secret = s-41\n"
                          "a.sasl.oauthbearer.scope = s1 s2\n" JAAS ";\n",
                          &l),
                 0);
    CHECK_EQ_STR(kv_list_get(&l, "sasl.oauthbearer.client.id"), "id-41");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.oauthbearer.client.secret"), "s-41");
    CHECK(kv_find(&l, "sasl.oauthbearer.client.secret")->secret);
    CHECK_EQ_STR(kv_list_get(&l, "sasl.oauthbearer.scope"), "s1 s2");
    CHECK(kv_list_get(&l, "sasl.oauthbearer.extensions") == NULL);
    kv_list_clear(&l);

    /* Errors name what is missing, never the secret. */
    CHECK_EQ_INT(settings("a.sasl.mechanism = OAUTHBEARER\n"
                          "a.sasl.login.callback.handler.class = "
                          "org.apache.kafka.common.security.oauthbearer.secured."
                          "OAuthBearerLoginCallbackHandler\n" JAAS
                          " clientId=\"x\" clientSecret=\"cs-7f3a9\";\n",
                          &l),
                 -1);
    CHECK(contains(err, "a.sasl.jaas.config: the OIDC login (OAuthBearerLoginCallbackHandler) "
                        "needs a.sasl.oauthbearer.token.endpoint.url"));
    CHECK(!contains(err, "cs-7f3a9"));
    CHECK_EQ_INT(settings("a.sasl.mechanism = OAUTHBEARER\n"
                          "a.sasl.oauthbearer.token.endpoint.url = https://idp/t\n" JAAS
                          " clientSecret=\"cs-7f3a9\";\n",
                          &l),
                 -1);
    CHECK(contains(err, "needs clientId=\"...\" and clientSecret=\"...\""));
    CHECK(!contains(err, "cs-7f3a9"));
    CHECK_EQ_INT(settings("a.sasl.mechanism = PLAIN\n" JAAS " clientId=\"x\";\n", &l), -1);
    CHECK(contains(err, "OAuthBearerLoginModule needs sasl.mechanism=OAUTHBEARER, not PLAIN"));
    CHECK_EQ_INT(settings("a.sasl.mechanism = OAUTHBEARER\n"
                          "a.sasl.login.callback.handler.class = com.example.MyHandler\n" JAAS
                          ";\n",
                          &l),
                 -1);
    CHECK(contains(err, "sasl.login.callback.handler.class com.example.MyHandler is not supported"));
    CHECK_EQ_INT(l.n, 0);
}

static void test_unsecured_jwt(void) {
    kv_list_t l = {0};
    CHECK_EQ_INT(settings("a.sasl.mechanism = OAUTHBEARER\n" JAAS
                          " unsecuredLoginStringClaim_sub=\"alice\" unsecuredLoginLifetimeSeconds=600 "
                          "unsecuredLoginListClaim_scope=\",read,write\" "
                          "unsecuredLoginExtension_traceId=\"t1\";\n",
                          &l),
                 0);
    CHECK_EQ_STR(kv_list_get(&l, "enable.sasl.oauthbearer.unsecure.jwt"), "true");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.oauthbearer.config"),
                 "principal=alice lifeSeconds=600 scope=read,write extension_traceId=t1");
    CHECK(kv_list_get(&l, "sasl.oauthbearer.method") == NULL);
    kv_list_clear(&l);
    CHECK_EQ_INT(settings("a.sasl.mechanism = OAUTHBEARER\n" JAAS ";\n", &l), -1);
    CHECK(contains(err, "OAuthBearerLoginModule without a token endpoint needs "
                        "unsecuredLoginStringClaim_sub"));
}

static void test_gssapi_feature(void) {
    const char *with = "gzip,snappy,ssl,sasl,regex,lz4,sasl_gssapi,sasl_plain,sasl_scram,plugins";
    const char *without = "gzip,snappy,ssl,sasl,regex,lz4,sasl_plain,sasl_scram,sasl_oauthbearer";
    kv_list_t l = {0};
    CHECK_EQ_INT(settings("a.sasl.mechanism = GSSAPI\n"
                          "a.sasl.jaas.config = com.sun.security.auth.module.Krb5LoginModule "
                          "required useKeyTab=true keyTab=\"/etc/k.keytab\" principal=\"kmig@EX\";\n",
                          &l),
                 0);
    CHECK_EQ_INT(mm2_client_check_features(&l, with, err, sizeof err), 0);
    CHECK_EQ_INT(mm2_client_check_features(&l, without, err, sizeof err), -1);
    CHECK(contains(err, "mm2.properties:5: sasl.mechanism=GSSAPI: this librdkafka was built "
                        "without Kerberos (GSSAPI) support"));
    kv_list_clear(&l);
    /* Java's and librdkafka's default mechanism is GSSAPI. */
    CHECK_EQ_INT(settings("", &l), 0);
    CHECK_EQ_INT(mm2_client_check_features(&l, without, err, sizeof err), -1);
    CHECK(contains(err, "mm2.properties:4: security.protocol=SASL_SSL without sasl.mechanism "
                        "means GSSAPI"));
    kv_list_clear(&l);
    CHECK_EQ_INT(settings("a.sasl.mechanism = SCRAM-SHA-512\n", &l), 0);
    CHECK_EQ_INT(mm2_client_check_features(&l, without, err, sizeof err), 0);
    kv_list_clear(&l);
    kv_list_add(&l, "security.protocol", "SSL", "x", false);
    CHECK_EQ_INT(mm2_client_check_features(&l, without, err, sizeof err), 0);
    kv_list_clear(&l);
}

static void test_oidc_feature(void) {
    kv_list_t l = {0};
    CHECK_EQ_INT(settings("a.sasl.mechanism = OAUTHBEARER\n"
                          "a.sasl.oauthbearer.token.endpoint.url = https://idp/t\n" JAAS
                          " clientId=\"x\" clientSecret=\"cs-7f3a9\";\n",
                          &l),
                 0);
    /* Debian 12's librdkafka 2.0.2 has no oidc (no libcurl). */
    CHECK_EQ_INT(mm2_client_check_features(&l, "gzip,ssl,sasl,sasl_gssapi,sasl_oauthbearer", err,
                                           sizeof err),
                 -1);
    CHECK(contains(err, "mm2.properties:7: sasl.oauthbearer.method=oidc (the OAuth client "
                        "credentials login): this librdkafka was built without OIDC support"));
    CHECK(!contains(err, "cs-7f3a9"));
    CHECK_EQ_INT(mm2_client_check_features(&l, "ssl,sasl,sasl_oauthbearer,http,oidc", err,
                                           sizeof err),
                 0);
    kv_list_clear(&l);
}

int main(void) {
    static const unit_test_t tests[] = {UNIT_TEST(test_oidc), UNIT_TEST(test_unsecured_jwt),
                                        UNIT_TEST(test_gssapi_feature), UNIT_TEST(test_oidc_feature)};
    int failed = unit_run(tests, sizeof tests / sizeof tests[0]);
    free(warning);
    return failed ? 1 : 0;
}

/* Unit tests for config/mm2_iam (MSK IAM in an MM2 file): both of Java's
 * forms, at every scope, become sasl.mechanism=OAUTHBEARER plus kmig.aws.*
 * keys; JAAS options map; kmig.aws.region is inherited; wrong combinations
 * are errors naming the key; the handler class keys are not reported as
 * ignored; a non-SASL protocol leaves IAM off, as Java ignores sasl.* then. */
#include "config/mm2.h"
#include "config/mm2_iam.h"

#include <stdlib.h>

#include "unit.h"

static char err[1024];

static props_t *text_props(const char *text) {
    props_t *p = props_new();
    char perr[256];
    if (props_load_string(p, "mm2.properties", text, perr, sizeof perr)) {
        fprintf(stderr, "  props error: %s\n", perr);
        CHECK(0);
    }
    return p;
}

static bool contains(const char *s, const char *part) { return s && strstr(s, part) != NULL; }

/* The settings of alias/role for `text`; returns mm2_client_settings' rc. */
static int settings(const char *text, const char *alias, mm2_client_t role, kv_list_t *out,
                    char **warning) {
    props_t *p = text_props(text);
    mm2_t *m = mm2_new(p, err, sizeof err);
    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "  mm2_new: %s\n", err);
        props_destroy(p);
        return -1;
    }
    err[0] = '\0';
    int rc = mm2_client_settings(m, alias, role, out, err, sizeof err);
    if (warning) {
        /* every client of every cluster, so that used keys are marked */
        kv_list_t all = {0};
        for (int r = 0; r < 3; r++) {
            mm2_client_settings(m, "a", (mm2_client_t)r, &all, err, sizeof err);
            mm2_client_settings(m, "b", (mm2_client_t)r, &all, err, sizeof err);
        }
        kv_list_clear(&all);
        const char *w = mm2_unused_keys_warning(m);
        *warning = w ? strdup(w) : NULL;
    }
    mm2_destroy(m);
    props_destroy(p);
    return rc;
}

#define TWO "clusters = a, b\na.bootstrap.servers = a1:9098\nb.bootstrap.servers = b1:9092\n"

static void test_form1_login_module(void) {
    kv_list_t l = {0};
    char *w = NULL;
    CHECK_EQ_INT(settings(TWO "a.security.protocol = SASL_SSL\n"
                              "a.sasl.mechanism = AWS_MSK_IAM\n"
                              "a.sasl.jaas.config = software.amazon.msk.auth.iam.IAMLoginModule "
                              "required awsProfileName=\"prod\" awsRoleArn=\"arn:aws:iam::123456789012:role/m\" "
                              "awsRoleSessionName=\"kmig-s\" awsStsRegion=\"eu-west-1\" awsDebugCreds=true;\n"
                              "a.sasl.client.callback.handler.class = "
                              "software.amazon.msk.auth.iam.IAMClientCallbackHandler\n",
                          "a", MM2_CLIENT_CONSUMER, &l, &w),
                 0);
    CHECK_EQ_STR(kv_list_get(&l, "sasl.mechanism"), "OAUTHBEARER");
    CHECK_EQ_STR(kv_list_get(&l, "security.protocol"), "SASL_SSL");
    CHECK_EQ_STR(kv_list_get(&l, "kmig.aws.msk.iam"), "true");
    CHECK_EQ_STR(kv_list_get(&l, "kmig.aws.profile"), "prod");
    CHECK_EQ_STR(kv_list_get(&l, "kmig.aws.role.arn"), "arn:aws:iam::123456789012:role/m");
    CHECK_EQ_STR(kv_list_get(&l, "kmig.aws.role.session.name"), "kmig-s");
    CHECK_EQ_STR(kv_list_get(&l, "kmig.aws.sts.region"), "eu-west-1");
    CHECK(kv_list_get(&l, "sasl.jaas.config") == NULL);
    CHECK(kv_list_get(&l, "sasl.client.callback.handler.class") == NULL);
    CHECK(!contains(w, "callback.handler"));
    free(w);
    kv_list_clear(&l);
    /* the other cluster is untouched */
    CHECK_EQ_INT(settings(TWO "a.security.protocol = SASL_SSL\na.sasl.mechanism = AWS_MSK_IAM\n",
                          "b", MM2_CLIENT_CONSUMER, &l, NULL),
                 0);
    CHECK(kv_list_get(&l, "kmig.aws.msk.iam") == NULL);
    CHECK(kv_list_get(&l, "sasl.mechanism") == NULL);
    kv_list_clear(&l);
}

static void test_form2_oauthbearer_handler(void) {
    kv_list_t l = {0};
    char *w = NULL;
    /* top level: every client of every cluster */
    static const char text[] =
        TWO "security.protocol = SASL_SSL\n"
            "sasl.mechanism = OAUTHBEARER\n"
            "sasl.jaas.config = org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule "
            "required;\n"
            "sasl.login.callback.handler.class = "
            "software.amazon.msk.auth.iam.IAMOAuthBearerLoginCallbackHandler\n"
            "sasl.client.callback.handler.class = "
            "software.amazon.msk.auth.iam.IAMOAuthBearerLoginCallbackHandler\n"
            "kmig.aws.region = us-east-2\n";
    for (int r = 0; r < 3; r++) {
        CHECK_EQ_INT(settings(text, r == 1 ? "a" : "b", (mm2_client_t)r, &l, r == 0 ? &w : NULL), 0);
        CHECK_EQ_STR(kv_list_get(&l, "sasl.mechanism"), "OAUTHBEARER");
        CHECK_EQ_STR(kv_list_get(&l, "kmig.aws.msk.iam"), "true");
        CHECK_EQ_STR(kv_list_get(&l, "kmig.aws.region"), "us-east-2");
        CHECK(kv_list_get(&l, "kmig.aws.profile") == NULL);
        kv_list_clear(&l);
    }
    CHECK(!contains(w, "callback.handler"));
    CHECK(!contains(w, "kmig.aws.region"));
    free(w);
    /* options in the OAuthBearerLoginModule line; a role scope */
    CHECK_EQ_INT(
        settings(TWO "a.security.protocol = SASL_SSL\n"
                     "a.producer.sasl.mechanism = OAUTHBEARER\n"
                     "a.producer.sasl.login.callback.handler.class = "
                     "software.amazon.msk.auth.iam.IAMOAuthBearerLoginCallbackHandler\n"
                     "a.producer.sasl.jaas.config = "
                     "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
                     "awsRoleArn=\"arn:aws:iam::1:role/w\";\n"
                     "a.kmig.aws.region = ca-central-1\n",
                 "a", MM2_CLIENT_PRODUCER, &l, NULL),
        0);
    CHECK_EQ_STR(kv_list_get(&l, "kmig.aws.msk.iam"), "true");
    CHECK_EQ_STR(kv_list_get(&l, "kmig.aws.role.arn"), "arn:aws:iam::1:role/w");
    CHECK_EQ_STR(kv_list_get(&l, "kmig.aws.region"), "ca-central-1");
    kv_list_clear(&l);
    CHECK_EQ_INT(settings(TWO "a.security.protocol = SASL_SSL\n"
                              "a.producer.sasl.mechanism = OAUTHBEARER\n"
                              "a.producer.sasl.login.callback.handler.class = "
                              "software.amazon.msk.auth.iam.IAMOAuthBearerLoginCallbackHandler\n",
                          "a", MM2_CLIENT_CONSUMER, &l, NULL),
                 0);
    CHECK(kv_list_get(&l, "kmig.aws.msk.iam") == NULL); /* only the producer */
    kv_list_clear(&l);
}

static void test_errors_and_non_sasl(void) {
    kv_list_t l = {0};
    /* IAMLoginModule with the wrong mechanism */
    CHECK_EQ_INT(settings(TWO "a.security.protocol = SASL_SSL\n"
                              "a.sasl.mechanism = PLAIN\n"
                              "a.sasl.jaas.config = software.amazon.msk.auth.iam.IAMLoginModule required;\n",
                          "a", MM2_CLIENT_ADMIN, &l, NULL),
                 -1);
    CHECK(contains(err, "a.sasl.jaas.config"));
    CHECK(contains(err, "IAMLoginModule needs sasl.mechanism=AWS_MSK_IAM"));
    kv_list_clear(&l);
    /* ... or none (Java's default is GSSAPI) */
    CHECK_EQ_INT(settings(TWO "a.security.protocol = SASL_SSL\n"
                              "a.sasl.jaas.config = software.amazon.msk.auth.iam.IAMLoginModule required;\n",
                          "a", MM2_CLIENT_ADMIN, &l, NULL),
                 -1);
    CHECK(contains(err, "but sasl.mechanism is GSSAPI"));
    kv_list_clear(&l);
    /* the IAM handler with a mechanism other than OAUTHBEARER */
    CHECK_EQ_INT(settings(TWO "a.security.protocol = SASL_SSL\n"
                              "a.sasl.mechanism = AWS_MSK_IAM\n"
                              "a.sasl.login.callback.handler.class = "
                              "software.amazon.msk.auth.iam.IAMOAuthBearerLoginCallbackHandler\n"
                              "a.sasl.jaas.config = org.apache.kafka.common.security.oauthbearer."
                              "OAuthBearerLoginModule required;\n",
                          "a", MM2_CLIENT_ADMIN, &l, NULL),
                 -1);
    CHECK(contains(err, "needs sasl.mechanism=OAUTHBEARER"));
    kv_list_clear(&l);
    /* PLAINTEXT: sasl.* are ignored (as in Java), IAM stays off */
    CHECK_EQ_INT(settings(TWO "a.sasl.mechanism = AWS_MSK_IAM\n"
                              "a.sasl.jaas.config = software.amazon.msk.auth.iam.IAMLoginModule required;\n",
                          "a", MM2_CLIENT_ADMIN, &l, NULL),
                 0);
    CHECK(kv_list_get(&l, "kmig.aws.msk.iam") == NULL);
    kv_list_clear(&l);
    /* OAUTHBEARER without the IAM handler is not IAM */
    CHECK_EQ_INT(settings(TWO "a.security.protocol = SASL_SSL\na.sasl.mechanism = OAUTHBEARER\n",
                          "a", MM2_CLIENT_ADMIN, &l, NULL),
                 0);
    CHECK(kv_list_get(&l, "kmig.aws.msk.iam") == NULL);
    CHECK_EQ_STR(kv_list_get(&l, "sasl.mechanism"), "OAUTHBEARER");
    kv_list_clear(&l);
    /* AWS_MSK_IAM alone (no JAAS line) still selects IAM with the default chain */
    CHECK_EQ_INT(settings(TWO "a.security.protocol = SASL_SSL\na.sasl.mechanism = aws_msk_iam\n",
                          "a", MM2_CLIENT_ADMIN, &l, NULL),
                 0);
    CHECK_EQ_STR(kv_list_get(&l, "kmig.aws.msk.iam"), "true");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.mechanism"), "OAUTHBEARER");
    kv_list_clear(&l);
}

static void test_pure_functions(void) {
    CHECK(mm2_iam_inherited("kmig.aws.region"));
    CHECK(!mm2_iam_inherited("kmig.aws.profile"));
    kv_list_t l = {0};
    CHECK(!mm2_iam_mechanism("SCRAM-SHA-512", NULL, true, "o", &l));
    CHECK(!mm2_iam_mechanism("OAUTHBEARER", "com.example.Other", true, "o", &l));
    CHECK_EQ_INT(l.n, 0);
    CHECK(mm2_iam_mechanism("OAUTHBEARER", " " MM2_IAM_OAUTH_HANDLER " ", true, "o", &l));
    CHECK_EQ_STR(kv_list_get(&l, "kmig.aws.msk.iam"), "true");
    kv_list_clear(&l);
    jaas_t j = {0};
    char why[200];
    CHECK_EQ_INT(jaas_parse(MM2_IAM_LOGIN_MODULE " required awsProfileName=p;", &j, why, sizeof why),
                 0);
    CHECK(mm2_iam_jaas_selected(&j, NULL));
    CHECK_EQ_INT(mm2_iam_jaas(&j, "AWS_MSK_IAM", "o", &l, why, sizeof why), 0);
    CHECK_EQ_STR(kv_list_get(&l, "kmig.aws.profile"), "p");
    kv_list_clear(&l);
    jaas_clear(&j);
    CHECK_EQ_INT(jaas_parse("org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule "
                            "required;",
                            &j, why, sizeof why),
                 0);
    CHECK(!mm2_iam_jaas_selected(&j, NULL)); /* cfg's OIDC mapping then */
    CHECK(mm2_iam_jaas_selected(&j, MM2_IAM_OAUTH_HANDLER));
    jaas_clear(&j);
}

UNIT_MAIN(UNIT_TEST(test_form1_login_module), UNIT_TEST(test_form2_oauthbearer_handler),
          UNIT_TEST(test_errors_and_non_sasl), UNIT_TEST(test_pure_functions))

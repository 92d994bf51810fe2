/* kafka/kiam.c with real librdkafka handles and no broker: a client whose
 * settings select MSK IAM gets its first OAUTHBEARER token from the refresh
 * callback on librdkafka's background thread, without anyone polling the
 * handle (admin handles are never polled), for producers, consumers and admin
 * clients alike; kmig.* keys never reach rd_kafka_conf_set; a missing region
 * or non-SASL protocol is a setup error naming the client; without
 * credentials the refresh fails (reported to librdkafka) instead of hanging. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "kafka/kclient.h"
#include "kafka/kiam.h"
#include "unit.h"

static void base_env(void) {
    setenv("AWS_CONFIG_FILE", "/nonexistent/kmig-test-config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/kmig-test-credentials", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    unsetenv("AWS_ROLE_ARN");
    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
}

static void iam_settings(kv_list_t *l, const char *region) {
    kv_list_add(l, "bootstrap.servers", "127.0.0.1:1", "test", false);
    kv_list_add(l, "security.protocol", "SASL_PLAINTEXT", "test", false);
    kv_list_add(l, "sasl.mechanism", "OAUTHBEARER", "test", false);
    kv_list_add(l, "kmig.aws.msk.iam", "true", "test", false);
    if (region) kv_list_add(l, "kmig.aws.region", region, "test", false);
    kv_list_add(l, "log_level", "0", "test", false);
}

/* Waits up to 10 s for the counters to reach the wanted values. */
static int wait_counts(unsigned long tokens, unsigned long failures) {
    for (int i = 0; i < 1000; i++) {
        unsigned long t, f;
        kiam_counts(&t, &f);
        if (t >= tokens && f >= failures) return 1;
        clock_sleep_ms(10);
    }
    return 0;
}

static void test_token_without_polling(void) {
    base_env();
    setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", 1);
    kv_list_t s = {0};
    iam_settings(&s, "eu-west-1");
    rd_kafka_type_t types[] = {RD_KAFKA_PRODUCER, RD_KAFKA_CONSUMER, RD_KAFKA_PRODUCER};
    for (int i = 0; i < 3; i++) {
        unsigned long t0, f0;
        kiam_counts(&t0, &f0);
        char err[512] = "";
        kclient_opts_t o = {.type = types[i], .name = "test-iam", .settings = &s};
        rd_kafka_t *rk = kclient_new(&o, err, sizeof err);
        CHECK(rk != NULL);
        if (!rk) {
            fprintf(stderr, "  kclient_new: %s\n", err);
            continue;
        }
        CHECK(wait_counts(t0 + 1, 0));
        unsigned long t1, f1;
        kiam_counts(&t1, &f1);
        CHECK_EQ_INT(f1, f0);
        rd_kafka_destroy(rk);
    }
    kv_list_clear(&s);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
}

static void test_refresh_failure_is_reported(void) {
    base_env();
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    kv_list_t s = {0};
    iam_settings(&s, "eu-west-1");
    kv_list_add(&s, "kmig.aws.profile", "nosuchprofile", "test", false);
    unsigned long t0, f0;
    kiam_counts(&t0, &f0);
    char err[512] = "";
    kclient_opts_t o = {.type = RD_KAFKA_PRODUCER, .name = "test-iam", .settings = &s};
    rd_kafka_t *rk = kclient_new(&o, err, sizeof err);
    CHECK(rk != NULL);
    if (rk) {
        CHECK(wait_counts(0, f0 + 1));
        rd_kafka_destroy(rk);
    }
    kv_list_clear(&s);
    /* the reason, for a connection check that saw only a timeout */
    char why[600] = "";
    CHECK_EQ_INT(kiam_last_failure("test-iam", why, sizeof why), 1);
    CHECK(strstr(why, "MSK IAM (region eu-west-1, profile nosuchprofile)") != NULL);
    CHECK(strstr(why, "AWS profile nosuchprofile not found") != NULL);
    CHECK_EQ_INT(kiam_last_failure("other-client", why, sizeof why), 0);
    /* a later success of the same client clears it */
    setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", 1);
    iam_settings(&s, "eu-west-1");
    kiam_counts(&t0, &f0);
    rk = kclient_new(&o, err, sizeof err);
    CHECK(rk != NULL);
    if (rk) {
        CHECK(wait_counts(t0 + 1, 0));
        rd_kafka_destroy(rk);
    }
    CHECK_EQ_INT(kiam_last_failure("test-iam", why, sizeof why), 0);
    kv_list_clear(&s);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
}

static void test_setup_errors(void) {
    base_env();
    char err[512] = "";
    kv_list_t s = {0};
    iam_settings(&s, NULL); /* 127.0.0.1 is not an MSK host name, no AWS_REGION */
    kclient_opts_t o = {.type = RD_KAFKA_PRODUCER, .name = "source-producer", .settings = &s};
    CHECK(kclient_new(&o, err, sizeof err) == NULL);
    CHECK(strstr(err, "source-producer: no AWS region") != NULL);
    CHECK(strstr(err, "kmig.aws.region") != NULL);
    kv_list_clear(&s);

    /* the region from an MSK bootstrap host name */
    char region[64];
    CHECK_EQ_INT(kiam_region(NULL, "10.0.0.1:9098, b-1.c.abc.c2.kafka.ap-south-1.amazonaws.com:9098",
                             NULL, region, sizeof region, err, sizeof err),
                 0);
    CHECK_EQ_STR(region, "ap-south-1");
    CHECK_EQ_INT(kiam_region("us-west-2", "b-1.c.abc.c2.kafka.ap-south-1.amazonaws.com:9098", NULL,
                             region, sizeof region, err, sizeof err),
                 0);
    CHECK_EQ_STR(region, "us-west-2");

    kv_list_add(&s, "bootstrap.servers", "127.0.0.1:1", "test", false);
    kv_list_add(&s, "kmig.aws.msk.iam", "true", "test", false);
    kv_list_add(&s, "kmig.aws.region", "us-east-1", "test", false);
    CHECK(kclient_new(&o, err, sizeof err) == NULL);
    CHECK(strstr(err, "security.protocol=SASL_SSL") != NULL);
    kv_list_clear(&s);

    /* kmig.* keys without IAM are skipped, not passed to librdkafka */
    kv_list_add(&s, "bootstrap.servers", "127.0.0.1:1", "test", false);
    kv_list_add(&s, "kmig.aws.region", "us-east-1", "test", false);
    kv_list_add(&s, "kmig.aws.msk.iam", "false", "test", false);
    rd_kafka_t *rk = kclient_new(&o, err, sizeof err);
    CHECK(rk != NULL);
    if (rk) rd_kafka_destroy(rk);
    kv_list_clear(&s);
}

int main(void) {
    static const unit_test_t tests[] = {
        UNIT_TEST(test_token_without_polling),
        UNIT_TEST(test_refresh_failure_is_reported),
        UNIT_TEST(test_setup_errors),
    };
    int failed = unit_run(tests, sizeof tests / sizeof tests[0]);
    kiam_shutdown();
    return failed ? 1 : 0;
}

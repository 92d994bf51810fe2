/* awsio/aws_provider.c's cache and refresh rules, with a profile whose
 * credential_process counts its runs and can be told to fail: fresh
 * credentials come from the cache; in the advisory window (15 min before
 * Expiration) a refresh is tried and a failed one keeps the current
 * credentials; in the mandatory window (10 min) a failed refresh is an error;
 * expired credentials from the source are refused. Also: awsProfileName uses
 * that profile only, and the process's output never reaches an error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/aws_creds.h"
#include "awsio/aws_provider.h"
#include "unit.h"

static char dir[256], config[300], counter[300], failflag[300];

static const char *table_getenv(const char *name, void *ctx) {
    (void)ctx;
    if (!strcmp(name, "AWS_CONFIG_FILE")) return config;
    if (!strcmp(name, "AWS_SHARED_CREDENTIALS_FILE")) return "/nonexistent/kmig-credentials";
    if (!strcmp(name, "AWS_EC2_METADATA_DISABLED")) return "true";
    if (!strcmp(name, "HOME")) return dir;
    return NULL;
}

static int runs(void) {
    FILE *f = fopen(counter, "r");
    if (!f) return 0;
    int n = 0;
    char line[64];
    while (fgets(line, sizeof line, f)) n++;
    fclose(f);
    return n;
}

static void setup(void) {
    snprintf(dir, sizeof dir, "/tmp/kmig-test-aws-provider.%ld", (long)getpid());
    mkdir(dir, 0700);
    snprintf(config, sizeof config, "%s/config", dir);
    snprintf(counter, sizeof counter, "%s/count", dir);
    snprintf(failflag, sizeof failflag, "%s/fail", dir);
    char script[300];
    snprintf(script, sizeof script, "%s/proc.sh", dir);
    FILE *f = fopen(script, "w");
    fprintf(f,
            "#!/bin/sh\necho run >>'%s'\n"
            "if [ -e '%s' ]; then echo 'procSecret/SHOULD-NOT-LEAK'; exit 1; fi\n"
            "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", \"SecretAccessKey\": "
            "\"procSecret/abc\", \"SessionToken\": \"tok\", \"Expiration\": \"%s\"}'\n",
            counter, failflag, "2030-01-01T01:00:00Z");
    fclose(f);
    chmod(script, 0700);
    f = fopen(config, "w");
    fprintf(f, "[default]\ncredential_process = %s\n[profile other]\nregion = eu-north-1\n"
               "aws_access_key_id = AKIAOTHER\naws_secret_access_key = otherSecret\n",
            script);
    fclose(f);
}

static void teardown(void) {
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

/* 2030-01-01T01:00:00Z in ms */
#define EXP_MS 1893459600000LL
#define MIN_MS 60000LL

static void test_cache_and_refresh(void) {
    setup();
    aws_provider_opts_t o = {.getenv_fn = table_getenv};
    aws_provider_t *p = aws_provider_new(&o);
    aws_creds_t c = {0};
    const char *src = NULL;
    char err[512] = "";
    CHECK_EQ_INT(aws_provider_get(p, EXP_MS - 60 * MIN_MS, &c, &src, err, sizeof err), 0);
    CHECK_EQ_STR(c.access_key_id, "AKIAPROC");
    CHECK_EQ_STR(src, "profile");
    CHECK_EQ_INT(c.expiration_ms, EXP_MS);
    CHECK_EQ_INT(runs(), 1);
    aws_creds_clear(&c);
    /* fresh: from the cache */
    CHECK_EQ_INT(aws_provider_get(p, EXP_MS - 20 * MIN_MS, &c, &src, err, sizeof err), 0);
    CHECK_EQ_INT(runs(), 1);
    aws_creds_clear(&c);
    /* advisory window: refreshed */
    CHECK_EQ_INT(aws_provider_get(p, EXP_MS - 14 * MIN_MS, &c, &src, err, sizeof err), 0);
    CHECK_EQ_INT(runs(), 2);
    aws_creds_clear(&c);
    /* advisory window, refresh fails: the current credentials */
    FILE *f = fopen(failflag, "w");
    fclose(f);
    CHECK_EQ_INT(aws_provider_get(p, EXP_MS - 12 * MIN_MS, &c, &src, err, sizeof err), 0);
    CHECK_EQ_INT(runs(), 3);
    CHECK_EQ_STR(c.access_key_id, "AKIAPROC");
    aws_creds_clear(&c);
    /* mandatory window, refresh fails: an error naming the source, not the output */
    CHECK_EQ_INT(aws_provider_get(p, EXP_MS - 9 * MIN_MS, &c, &src, err, sizeof err), -1);
    CHECK_EQ_INT(runs(), 4);
    CHECK(c.access_key_id == NULL);
    CHECK(strstr(err, "credential_process exited with status 1") != NULL);
    CHECK(strstr(err, "profile default") != NULL);
    CHECK(strstr(err, "SHOULD-NOT-LEAK") == NULL);
    unlink(failflag);
    /* the source's credentials have expired already: refused */
    CHECK_EQ_INT(aws_provider_get(p, EXP_MS + MIN_MS, &c, &src, err, sizeof err), -1);
    CHECK(strstr(err, "already expired") != NULL);
    aws_provider_destroy(p);

    /* awsProfileName: that profile only; its region */
    o.profile = "other";
    p = aws_provider_new(&o);
    CHECK_EQ_INT(aws_provider_get(p, EXP_MS, &c, &src, err, sizeof err), 0);
    CHECK_EQ_STR(c.access_key_id, "AKIAOTHER");
    CHECK_EQ_INT(c.expiration_ms, 0);
    aws_creds_clear(&c);
    char region[64];
    CHECK_EQ_INT(aws_provider_region(p, region, sizeof region), 0);
    CHECK_EQ_STR(region, "eu-north-1");
    aws_provider_destroy(p);
    o.profile = "missing";
    p = aws_provider_new(&o);
    CHECK_EQ_INT(aws_provider_get(p, EXP_MS, &c, &src, err, sizeof err), -1);
    CHECK(strstr(err, "AWS profile missing not found") != NULL);
    aws_provider_destroy(p);
    teardown();
}

UNIT_MAIN(UNIT_TEST(test_cache_and_refresh))

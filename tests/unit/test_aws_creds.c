/* Unit tests of src/auth/aws_creds*.c: the shared credentials/config files,
 * profile resolution into plans, and the credential answers (process, STS,
 * ECS, IMDS), each with malformed inputs that must be refused without a
 * crash and without a secret in the message. Files under data/aws/. The
 * STS XML samples follow the examples of AWS's STS API reference. Expected
 * epoch values were computed with Python's calendar.timegm / datetime. */
#include "auth/aws_creds.h"

#include <stdlib.h>

#include "core/sbuf.h"
#include "unit.h"

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    sbuf_t b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sbuf_append(&b, buf, n);
    fclose(f);
    *len = b.len;
    return b.s ? b.s : xstrdup("");
}

static int load(aws_creds_profiles_t *ps) {
    char err[256] = "";
    size_t n1 = 0, n2 = 0;
    char *cred = slurp("data/aws/credentials", &n1), *conf = slurp("data/aws/config", &n2);
    int rc = -1;
    /* config first: the credentials file must still win */
    if (cred && conf &&
        aws_creds_profiles_parse(ps, conf, n2, AWS_CREDS_FILE_CONFIG, "config", err, sizeof err) ==
            0 &&
        aws_creds_profiles_parse(ps, cred, n1, AWS_CREDS_FILE_CREDENTIALS, "credentials", err,
                                 sizeof err) == 0)
        rc = 0;
    if (rc)
        fprintf(stderr, "  load: %s\n", err);
    free(cred);
    free(conf);
    return rc;
}

static const char *get(const aws_creds_profiles_t *ps, const char *prof, aws_creds_key_t k) {
    return aws_creds_profile_get(aws_creds_profile_find(ps, prof), k);
}

static void test_profiles_files(void) {
    aws_creds_profiles_t ps = {0};
    CHECK_EQ_INT(load(&ps), 0);
    CHECK_EQ_STR(get(&ps, "default", AWS_KEY_ACCESS_KEY_ID), "AKIDDEFAULT");
    CHECK_EQ_STR(get(&ps, "default", AWS_KEY_SECRET_ACCESS_KEY), "secret/default+key");
    /* repeated [default] in the credentials file: last wins, over config */
    CHECK_EQ_STR(get(&ps, "default", AWS_KEY_REGION), "eu-central-1");
    /* case-insensitive keys, tabs around '=' */
    CHECK_EQ_STR(get(&ps, "static-token", AWS_KEY_ACCESS_KEY_ID), "AKIDTOKEN");
    CHECK_EQ_STR(get(&ps, "static-token", AWS_KEY_SECRET_ACCESS_KEY), "secret-token");
    CHECK_EQ_STR(get(&ps, "static-token", AWS_KEY_SESSION_TOKEN), "FwoGZXIvYXdzEXAMPLE//token==");
    /* the credentials file wins over the config file; config-only keys stay */
    CHECK_EQ_STR(get(&ps, "both", AWS_KEY_ACCESS_KEY_ID), "AKIDFROMCREDS");
    CHECK_EQ_STR(get(&ps, "both", AWS_KEY_REGION), "ap-south-1");
    /* [profile x] in config; values keep inner spaces and quotes */
    CHECK_EQ_STR(get(&ps, "proc", AWS_KEY_CREDENTIAL_PROCESS),
                 "/usr/local/bin/get-creds --profile \"x y\"");
    CHECK_EQ_STR(get(&ps, "dev", AWS_KEY_ROLE_ARN), "arn:aws:iam::123456789012:role/dev");
    /* sub-properties (s3 = / indented) and unknown keys are ignored */
    CHECK(aws_creds_profile_find(&ps, "both") != NULL);
    /* sso-session and bare sections of the config file are not profiles */
    CHECK(aws_creds_profile_find(&ps, "ignored-bare-section") == NULL);
    CHECK(aws_creds_profile_find(&ps, "my-sso") == NULL);
    CHECK(aws_creds_profile_find(&ps, "sso-session my-sso") == NULL);
    CHECK(aws_creds_profile_find(&ps, "nowhere") == NULL);
    CHECK(aws_creds_profile_get(NULL, AWS_KEY_REGION) == NULL);
    aws_creds_profiles_clear(&ps);
    CHECK(ps.n == 0 && ps.v == NULL);
}

static void test_profiles_syntax(void) {
    aws_creds_profiles_t ps = {0};
    char err[256];
    /* [profile default] is default; a profile named "profile x" in credentials */
    const char *conf = "[profile default]\nregion=us-east-2\n[ profile   spaced  ] # c\nregion = x\n"
                       "[profile]\nregion=y\n";
    CHECK_EQ_INT(aws_creds_profiles_parse(&ps, conf, strlen(conf), AWS_CREDS_FILE_CONFIG, NULL,
                                          err, sizeof err),
                 0);
    CHECK_EQ_STR(get(&ps, "default", AWS_KEY_REGION), "us-east-2");
    CHECK_EQ_STR(get(&ps, "spaced", AWS_KEY_REGION), "x");
    CHECK(aws_creds_profile_find(&ps, "profile") == NULL);
    const char *cred = "[profile x]\naws_access_key_id=A\r\n\r\n";
    CHECK_EQ_INT(aws_creds_profiles_parse(&ps, cred, strlen(cred), AWS_CREDS_FILE_CREDENTIALS,
                                          NULL, err, sizeof err),
                 0);
    CHECK_EQ_STR(get(&ps, "profile x", AWS_KEY_ACCESS_KEY_ID), "A");
    /* an empty value is not set */
    const char *empty = "[e]\nregion =\n";
    CHECK_EQ_INT(aws_creds_profiles_parse(&ps, empty, strlen(empty), AWS_CREDS_FILE_CREDENTIALS,
                                          NULL, err, sizeof err),
                 0);
    CHECK(get(&ps, "e", AWS_KEY_REGION) == NULL);
    /* only len bytes are read */
    const char *cut = "[c]\nregion = abcdef";
    CHECK_EQ_INT(aws_creds_profiles_parse(&ps, cut, strlen(cut) - 3, AWS_CREDS_FILE_CREDENTIALS,
                                          NULL, err, sizeof err),
                 0);
    CHECK_EQ_STR(get(&ps, "c", AWS_KEY_REGION), "abc");
    CHECK_EQ_INT(aws_creds_profiles_parse(&ps, NULL, 0, AWS_CREDS_FILE_CONFIG, NULL, err,
                                          sizeof err),
                 0);
    aws_creds_profiles_clear(&ps);

    /* malformed: each refused with file:line and without the line's text */
    static const struct {
        const char *text;
        const char *where;
    } bad[] = {
        {"aws_secret_access_key = TOPSECRET\n", "f:1:"},           /* before any section */
        {"[default\naws_secret_access_key = TOPSECRET\n", "f:1:"}, /* no ']' */
        {"[default]\nTOPSECRET\n", "f:2:"},                        /* no '=' */
        {"[default]\n= TOPSECRET\n", "f:2:"},                      /* empty key */
        {"[]\n", "f:1:"},
        {"[default] TOPSECRET\n", "f:1:"},
        {"[default]\naws_secret_access_key = a\n  TOPSECRET\n", "f:3:"}, /* continuation */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        aws_creds_profiles_t p = {0};
        err[0] = '\0';
        CHECK_EQ_INT(aws_creds_profiles_parse(&p, bad[i].text, strlen(bad[i].text),
                                              AWS_CREDS_FILE_CREDENTIALS, "f", err, sizeof err),
                     -1);
        CHECK(strncmp(err, bad[i].where, strlen(bad[i].where)) == 0);
        CHECK(strstr(err, "TOPSECRET") == NULL);
        aws_creds_profiles_clear(&p);
    }
    /* NUL byte inside */
    aws_creds_profiles_t p = {0};
    CHECK_EQ_INT(aws_creds_profiles_parse(&p, "[a]\nx=\0y\n", 9, AWS_CREDS_FILE_CREDENTIALS, "f", err,
                                          sizeof err),
                 -1);
    aws_creds_profiles_clear(&p);
}

static aws_creds_plan_t resolve(const aws_creds_profiles_t *ps, const char *name, int want_rc,
                                char *err, size_t errsz) {
    aws_creds_plan_t plan;
    err[0] = '\0';
    int rc = aws_creds_plan_resolve(ps, name, &plan, err, errsz);
    CHECK_EQ_INT(rc, want_rc);
    if (rc != want_rc)
        fprintf(stderr, "  %s: %s\n", name ? name : "(null)", err);
    return plan;
}

static void test_plans(void) {
    aws_creds_profiles_t ps = {0};
    char err[256];
    CHECK_EQ_INT(load(&ps), 0);

    aws_creds_plan_t pl = resolve(&ps, NULL, 0, err, sizeof err);
    CHECK_EQ_INT(pl.n, 1);
    CHECK(pl.n == 1 && pl.steps[0].kind == AWS_STEP_STATIC);
    CHECK_EQ_STR(pl.steps[0].access_key_id, "AKIDDEFAULT");
    CHECK(pl.steps[0].session_token == NULL);
    CHECK_EQ_STR(pl.region, "eu-central-1");
    aws_creds_plan_clear(&pl);

    pl = resolve(&ps, "static-token", 0, err, sizeof err);
    CHECK(pl.n == 1 && pl.steps[0].session_token != NULL);
    aws_creds_plan_clear(&pl);

    /* dev: default's keys, then AssumeRole with its options */
    pl = resolve(&ps, "dev", 0, err, sizeof err);
    CHECK_EQ_INT(pl.n, 2);
    if (pl.n == 2) {
        CHECK(pl.steps[0].kind == AWS_STEP_STATIC);
        CHECK_EQ_STR(pl.steps[0].profile, "default");
        CHECK(pl.steps[1].kind == AWS_STEP_ASSUME_ROLE);
        CHECK_EQ_STR(pl.steps[1].role_arn, "arn:aws:iam::123456789012:role/dev");
        CHECK_EQ_STR(pl.steps[1].role_session_name, "kmig-dev");
        CHECK_EQ_STR(pl.steps[1].external_id, "ext-1");
        CHECK_EQ_INT(pl.steps[1].duration_s, 3600);
    }
    CHECK_EQ_STR(pl.region, "us-west-2");
    aws_creds_plan_clear(&pl);

    /* chain2 -> dev -> default */
    pl = resolve(&ps, "chain2", 0, err, sizeof err);
    CHECK_EQ_INT(pl.n, 3);
    if (pl.n == 3) {
        CHECK(pl.steps[0].kind == AWS_STEP_STATIC);
        CHECK_EQ_STR(pl.steps[1].profile, "dev");
        CHECK_EQ_STR(pl.steps[2].role_arn, "arn:aws:iam::123456789012:role/second");
        CHECK(pl.steps[2].role_session_name == NULL && pl.steps[2].duration_s == 0);
    }
    CHECK(pl.region == NULL);
    aws_creds_plan_clear(&pl);

    /* a profile that is its own source uses its static keys */
    pl = resolve(&ps, "self-source", 0, err, sizeof err);
    CHECK_EQ_INT(pl.n, 2);
    if (pl.n == 2) {
        CHECK_EQ_STR(pl.steps[0].access_key_id, "AKIDSELF");
        CHECK(pl.steps[1].kind == AWS_STEP_ASSUME_ROLE);
    }
    aws_creds_plan_clear(&pl);

    pl = resolve(&ps, "proc", 0, err, sizeof err);
    CHECK(pl.n == 1 && pl.steps[0].kind == AWS_STEP_PROCESS);
    CHECK_EQ_STR(pl.n ? pl.steps[0].command : NULL, "/usr/local/bin/get-creds --profile \"x y\"");
    aws_creds_plan_clear(&pl);

    pl = resolve(&ps, "via-proc", 0, err, sizeof err);
    CHECK(pl.n == 2 && pl.steps[0].kind == AWS_STEP_PROCESS &&
          pl.steps[1].kind == AWS_STEP_ASSUME_ROLE);
    aws_creds_plan_clear(&pl);

    pl = resolve(&ps, "web", 0, err, sizeof err);
    CHECK(pl.n == 1 && pl.steps[0].kind == AWS_STEP_WEB_IDENTITY);
    if (pl.n == 1) {
        CHECK_EQ_STR(pl.steps[0].token_file,
                     "/var/run/secrets/eks.amazonaws.com/serviceaccount/token");
        CHECK_EQ_STR(pl.steps[0].role_arn, "arn:aws:iam::123456789012:role/web");
    }
    aws_creds_plan_clear(&pl);

    pl = resolve(&ps, "ec2", 0, err, sizeof err);
    CHECK(pl.n == 2 && pl.steps[0].kind == AWS_STEP_CREDENTIAL_SOURCE &&
          pl.steps[1].kind == AWS_STEP_ASSUME_ROLE);
    CHECK_EQ_STR(pl.n ? pl.steps[0].source : NULL, "Ec2InstanceMetadata");
    CHECK_EQ_STR(aws_creds_step_kind_name(AWS_STEP_CREDENTIAL_SOURCE), "credential-source");
    aws_creds_plan_clear(&pl);

    /* errors, with a plan left empty */
    static const struct {
        const char *name, *msg;
    } bad[] = {
        {"loop-a", "profile cycle: loop-a -> loop-b -> loop-a"},
        {"missing-source", "source_profile nowhere does not exist"},
        {"two-sources", "both source_profile and credential_source"},
        {"bad-cs", "credential_source must be"},
        {"role-only", "role_arn needs"},
        {"half-keys", "aws_access_key_id without aws_secret_access_key"},
        {"sso", "(SSO) profiles are not supported"},
        {"no-such-profile", "not found"},
        {"e", "has no credentials"},
    };
    const char *e_text = "[e]\nregion = x\n";
    CHECK_EQ_INT(aws_creds_profiles_parse(&ps, e_text, strlen(e_text), AWS_CREDS_FILE_CREDENTIALS,
                                          NULL, err, sizeof err),
                 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pl = resolve(&ps, bad[i].name, -1, err, sizeof err);
        CHECK(pl.n == 0 && pl.steps == NULL);
        if (!strstr(err, bad[i].msg))
            fprintf(stderr, "  %s: got \"%s\"\n", bad[i].name, err);
        CHECK(strstr(err, bad[i].msg) != NULL);
        CHECK(strstr(err, "secret-") == NULL && strstr(err, "secret/") == NULL);
    }
    aws_creds_profiles_clear(&ps);
}

static void test_plan_limits(void) {
    /* a chain longer than the limit, a bad duration */
    aws_creds_profiles_t ps = {0};
    sbuf_t t = {0};
    sbuf_puts(&t, "[p0]\naws_access_key_id=A\naws_secret_access_key=S\n");
    for (int i = 1; i <= AWS_CREDS_MAX_CHAIN + 2; i++)
        sbuf_printf(&t, "[p%d]\nrole_arn=arn:aws:iam::1:role/r%d\nsource_profile=p%d\n", i, i,
                    i - 1);
    sbuf_puts(&t, "[dur]\nrole_arn=r\nsource_profile=p0\nduration_seconds=12x\n");
    char err[256];
    CHECK_EQ_INT(aws_creds_profiles_parse(&ps, t.s, t.len, AWS_CREDS_FILE_CREDENTIALS, NULL, err,
                                          sizeof err),
                 0);
    aws_creds_plan_t pl = resolve(&ps, "p16", 0, err, sizeof err);
    CHECK_EQ_INT(pl.n, 17);
    aws_creds_plan_clear(&pl);
    pl = resolve(&ps, "p18", -1, err, sizeof err);
    CHECK(strstr(err, "longer than") != NULL);
    pl = resolve(&ps, "dur", -1, err, sizeof err);
    CHECK(strstr(err, "duration_seconds") != NULL);
    aws_creds_profiles_clear(&ps);
    sbuf_free(&t);
}

static void test_iso8601(void) {
    int64_t ms = 0;
    CHECK_EQ_INT(aws_creds_iso8601_ms("2024-01-02T03:19:05Z", &ms), 0);
    CHECK_EQ_INT(ms, 1704165545000LL);
    CHECK_EQ_INT(aws_creds_iso8601_ms("2014-10-24T23:00:23.000Z", &ms), 0);
    CHECK_EQ_INT(ms, 1414191623000LL);
    CHECK_EQ_INT(aws_creds_iso8601_ms("2000-02-29T23:59:59.123456-07:30", &ms), 0);
    CHECK_EQ_INT(ms, 951895799123LL);
    CHECK_EQ_INT(aws_creds_iso8601_ms("1969-12-31T23:59:59+0000", &ms), 0);
    CHECK_EQ_INT(ms, -1000);
    CHECK_EQ_INT(aws_creds_iso8601_ms("1970-01-01 00:00:00z", &ms), 0);
    CHECK_EQ_INT(ms, 0);
    const char *bad[] = {"",
                         "2024-01-02",
                         "2024-01-02T03:19:05",      /* no zone */
                         "2023-02-29T00:00:00Z",     /* not a leap year */
                         "2024-13-01T00:00:00Z",
                         "2024-01-32T00:00:00Z",
                         "2024-01-01T24:00:00Z",
                         "2024-01-01T00:00:00.Z",
                         "2024-01-01T00:00:00Zjunk",
                         "2024-01-01T00:00:00+5",
                         "2024-1-01T00:00:00Z",
                         "+024-01-01T00:00:00Z",
                         NULL};
    for (size_t i = 0; bad[i]; i++)
        CHECK_EQ_INT(aws_creds_iso8601_ms(bad[i], &ms), -1);
    CHECK_EQ_INT(aws_creds_iso8601_ms(NULL, &ms), -1);
}

static void test_process_json(void) {
    size_t n;
    char *j = slurp("data/aws/process-ok.json", &n);
    aws_creds_t c = {0};
    char err[256] = "";
    CHECK(j != NULL);
    CHECK_EQ_INT(aws_creds_parse_process(j, n, &c, err, sizeof err), 0);
    CHECK_EQ_STR(c.access_key_id, "ASIAPROCESSEXAMPLE");
    CHECK_EQ_STR(c.secret_access_key, "process/secret+KEY");
    CHECK_EQ_STR(c.session_token, "process-session-token");
    CHECK_EQ_INT(c.expiration_ms, 1704165545000LL);
    aws_creds_clear(&c);
    CHECK(c.access_key_id == NULL);
    free(j);
    /* long-term keys: no token, no expiration */
    const char *lt = "{\"Version\":1,\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":\"S\"}";
    CHECK_EQ_INT(aws_creds_parse_process(lt, strlen(lt), &c, err, sizeof err), 0);
    CHECK(c.session_token == NULL && c.expiration_ms == 0);
    aws_creds_clear(&c);

    const char *bad[] = {
        "",
        "TOPSECRET",
        "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"TOPSECRET\"",
        "[1]",
        "{\"Version\":2,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"TOPSECRET\"}",
        "{\"Version\":\"1\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"TOPSECRET\"}",
        "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"TOPSECRET\"}",
        "{\"Version\":1,\"SecretAccessKey\":\"TOPSECRET\"}",
        "{\"Version\":1,\"AccessKeyId\":\"A\"}",
        "{\"Version\":1,\"AccessKeyId\":\"\",\"SecretAccessKey\":\"TOPSECRET\"}",
        "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"TOP SECRET\"}",
        "{\"Version\":1,\"AccessKeyId\":7,\"SecretAccessKey\":\"TOPSECRET\"}",
        "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"TOPSECRET\",\"SessionToken\":[]}",
        "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"TOPSECRET\",\"Expiration\":"
        "\"tomorrow\"}",
        "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"TOPSECRET\",\"Expiration\":5}",
        "{\"Version\":1,\"AccessKeyId\":\"A\",\"AccessKeyId\":\"B\",\"SecretAccessKey\":\"TOPSECRET\"}",
        NULL};
    for (size_t i = 0; bad[i]; i++) {
        err[0] = '\0';
        CHECK_EQ_INT(aws_creds_parse_process(bad[i], strlen(bad[i]), &c, err, sizeof err), -1);
        CHECK(c.access_key_id == NULL && c.secret_access_key == NULL);
        CHECK(err[0] != '\0' && strstr(err, "TOPSECRET") == NULL);
    }
    CHECK_EQ_INT(aws_creds_parse_process(NULL, 0, &c, err, sizeof err), -1);
    /* bytes beyond len are not read */
    CHECK_EQ_INT(aws_creds_parse_process(lt, strlen(lt) - 1, &c, err, sizeof err), -1);
}

static void test_ecs_imds_json(void) {
    size_t n;
    aws_creds_t c = {0};
    char err[256] = "";
    char *j = slurp("data/aws/ecs.json", &n);
    CHECK_EQ_INT(aws_creds_parse_ecs(j, n, &c, err, sizeof err), 0);
    CHECK_EQ_STR(c.access_key_id, "ASIAECSEXAMPLE");
    CHECK_EQ_STR(c.secret_access_key, "ecs/secret");
    CHECK_EQ_STR(c.session_token, "ecs-token==");
    CHECK_EQ_INT(c.expiration_ms, 1704186245000LL);
    aws_creds_clear(&c);
    free(j);
    j = slurp("data/aws/imds.json", &n);
    CHECK_EQ_INT(aws_creds_parse_imds(j, n, &c, err, sizeof err), 0);
    CHECK_EQ_STR(c.access_key_id, "ASIAIMDSEXAMPLE");
    CHECK_EQ_STR(c.session_token, "imds-token");
    CHECK_EQ_INT(c.expiration_ms, 1704187445000LL);
    aws_creds_clear(&c);
    free(j);

    const char *no_token = "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"TOPSECRET\","
                           "\"Expiration\":\"2024-01-02T09:04:05Z\"}";
    CHECK_EQ_INT(aws_creds_parse_ecs(no_token, strlen(no_token), &c, err, sizeof err), -1);
    CHECK(strstr(err, "Token") != NULL && strstr(err, "TOPSECRET") == NULL);
    const char *no_exp = "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"TOPSECRET\",\"Token\":\"T\"}";
    CHECK_EQ_INT(aws_creds_parse_imds(no_exp, strlen(no_exp), &c, err, sizeof err), -1);
    CHECK(strstr(err, "Expiration") != NULL);
    const char *failed = "{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"AccessKeyId\":\"A\","
                         "\"SecretAccessKey\":\"TOPSECRET\",\"Token\":\"T\",\"Expiration\":"
                         "\"2024-01-02T09:04:05Z\"}";
    CHECK_EQ_INT(aws_creds_parse_imds(failed, strlen(failed), &c, err, sizeof err), -1);
    CHECK(strstr(err, "AssumeRoleUnauthorizedAccess") != NULL);
    CHECK(c.access_key_id == NULL);
    const char *code_num = "{\"Code\":1}";
    CHECK_EQ_INT(aws_creds_parse_imds(code_num, strlen(code_num), &c, err, sizeof err), -1);
    CHECK_EQ_INT(aws_creds_parse_ecs("null", 4, &c, err, sizeof err), -1);
    CHECK_EQ_INT(aws_creds_parse_imds("{", 1, &c, err, sizeof err), -1);
}

static void test_sts_xml(void) {
    size_t n;
    aws_creds_t c = {0};
    char err[256] = "";
    char *x = slurp("data/aws/sts-assume-role.xml", &n);
    CHECK_EQ_INT(aws_creds_parse_sts_xml(x, n, &c, err, sizeof err), 0);
    CHECK_EQ_STR(c.access_key_id, "ASIAIOSFODNN7EXAMPLE");
    CHECK_EQ_STR(c.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
    CHECK(c.session_token && strncmp(c.session_token, "AQoDYXdzEPT//////////wEXAMPLE", 29) == 0);
    CHECK(c.session_token && strcmp(c.session_token + strlen(c.session_token) - 7, "oLxBA==") == 0);
    CHECK_EQ_INT(c.expiration_ms, 1573306481000LL);
    aws_creds_clear(&c);
    free(x);
    x = slurp("data/aws/sts-web-identity.xml", &n);
    CHECK_EQ_INT(aws_creds_parse_sts_xml(x, n, &c, err, sizeof err), 0);
    CHECK_EQ_STR(c.access_key_id, "ASgeIAIOSFODNN7EXAMPLE");
    CHECK_EQ_STR(c.session_token, "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE&x");
    CHECK_EQ_INT(c.expiration_ms, 1414191623000LL);
    aws_creds_clear(&c);
    free(x);
    x = slurp("data/aws/sts-error.xml", &n);
    CHECK_EQ_INT(aws_creds_parse_sts_xml(x, n, &c, err, sizeof err), -1);
    CHECK(strncmp(err, "STS error AccessDenied: User: arn:aws:iam::123456789012:user/x", 62) == 0);
    free(x);

#define CREDS(inner) "<AssumeRoleResponse><AssumeRoleResult><Credentials>" inner \
                     "</Credentials></AssumeRoleResult></AssumeRoleResponse>"
#define AK "<AccessKeyId>A</AccessKeyId>"
#define SK "<SecretAccessKey>TOPSECRET</SecretAccessKey>"
#define ST "<SessionToken>TOKEN</SessionToken>"
#define EX "<Expiration>2019-11-09T13:34:41Z</Expiration>"
    const char *ok = CREDS(AK SK ST "<Expiration>2019-11-09T13:34:41Z</Expiration>");
    CHECK_EQ_INT(aws_creds_parse_sts_xml(ok, strlen(ok), &c, err, sizeof err), 0);
    aws_creds_clear(&c);
    const char *ent = CREDS(AK "<SecretAccessKey>a&#47;b&#x2B;&lt;</SecretAccessKey>" ST EX);
    CHECK_EQ_INT(aws_creds_parse_sts_xml(ent, strlen(ent), &c, err, sizeof err), 0);
    CHECK_EQ_STR(c.secret_access_key, "a/b+<");
    aws_creds_clear(&c);
    const char *bad[] = {
        "",
        "<html>TOPSECRET</html>",
        CREDS(SK ST EX),
        CREDS(AK SK ST),
        CREDS(AK SK SK ST EX),
        CREDS(AK "<SecretAccessKey><![CDATA[TOPSECRET]]></SecretAccessKey>" ST EX),
        CREDS(AK "<SecretAccessKey>TOP&bogus;SECRET</SecretAccessKey>" ST EX),
        CREDS(AK "<SecretAccessKey>TOP&#0;SECRET</SecretAccessKey>" ST EX),
        CREDS(AK "<SecretAccessKey>TOP&#x110000;SECRET</SecretAccessKey>" ST EX),
        CREDS(AK "<SecretAccessKey>TOP&amp SECRET</SecretAccessKey>" ST EX),
        CREDS(AK "<SecretAccessKey>TOP SECRET</SecretAccessKey>" ST EX),
        CREDS(AK "<SecretAccessKey></SecretAccessKey>" ST EX),
        CREDS(AK SK ST "<Expiration>never</Expiration>"),
        CREDS(AK "<SecretAccessKey>TOPSECRET" ST EX),
        "<Credentials>" AK SK ST EX,
        "<Credentials>" AK SK ST EX "</Credentials><Credentials></Credentials>",
        "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>",
        NULL};
    for (size_t i = 0; bad[i]; i++) {
        err[0] = '\0';
        CHECK_EQ_INT(aws_creds_parse_sts_xml(bad[i], strlen(bad[i]), &c, err, sizeof err), -1);
        CHECK(c.access_key_id == NULL && c.secret_access_key == NULL && c.session_token == NULL);
        CHECK(err[0] != '\0' && strstr(err, "TOPSECRET") == NULL && strstr(err, "TOKEN") == NULL);
    }
    CHECK_EQ_INT(aws_creds_parse_sts_xml(NULL, 0, &c, err, sizeof err), -1);
    /* only len bytes are read: the closing tag is cut off */
    CHECK_EQ_INT(aws_creds_parse_sts_xml(ok, strlen(ok) - 60, &c, err, sizeof err), -1);
}

/* Every prefix and some byte flips of each sample: refused or parsed, never
 * a crash (run under ASan/UBSan). */
static void test_truncations_and_flips(void) {
    const char *files[] = {"data/aws/process-ok.json", "data/aws/ecs.json", "data/aws/imds.json",
                           "data/aws/sts-assume-role.xml", "data/aws/sts-web-identity.xml",
                           "data/aws/credentials", "data/aws/config"};
    char err[256];
    int parsed = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t n;
        char *s = slurp(files[f], &n);
        CHECK(s != NULL);
        if (!s)
            continue;
        for (size_t cut = 0; cut <= n; cut++) {
            for (int flip = 0; flip < 2; flip++) {
                char *b = xmalloc(cut + 1);
                memcpy(b, s, cut);
                if (flip && cut)
                    b[(cut * 7) % cut] ^= (char)0x5a;
                aws_creds_t c = {0};
                aws_creds_profiles_t ps = {0};
                int rc;
                if (f < 3) {
                    rc = f == 0 ? aws_creds_parse_process(b, cut, &c, err, sizeof err)
                         : f == 1 ? aws_creds_parse_ecs(b, cut, &c, err, sizeof err)
                                  : aws_creds_parse_imds(b, cut, &c, err, sizeof err);
                } else if (f < 5) {
                    rc = aws_creds_parse_sts_xml(b, cut, &c, err, sizeof err);
                } else {
                    rc = aws_creds_profiles_parse(&ps, b, cut, AWS_CREDS_FILE_CONFIG, "f", err,
                                                  sizeof err);
                    if (rc == 0 && ps.n) {
                        aws_creds_plan_t pl;
                        for (size_t i = 0; i < ps.n; i++)
                            if (aws_creds_plan_resolve(&ps, ps.v[i].name, &pl, err, sizeof err) ==
                                0)
                                aws_creds_plan_clear(&pl);
                    }
                }
                parsed += rc == 0;
                aws_creds_clear(&c);
                aws_creds_profiles_clear(&ps);
                free(b);
            }
        }
        free(s);
    }
    CHECK(parsed > 0);
}

/* --- environment, chain, container, IMDS, STS --- */

static const char *table_getenv(const char *name, void *ctx) {
    for (const char *const *kv = ctx; kv[0]; kv += 2)
        if (strcmp(kv[0], name) == 0)
            return kv[1];
    return NULL;
}

static void test_env_and_chain(void) {
    const char *vars[] = {"AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY", "TOPSECRET",
                          "AWS_DEFAULT_PROFILE", "fallback", "AWS_PROFILE", "dev",
                          "AWS_DEFAULT_REGION", "eu-west-1", "AWS_SESSION_TOKEN", "",
                          "AWS_EC2_METADATA_DISABLED", "TRUE", NULL};
    aws_creds_env_t env;
    aws_creds_env_read(&env, table_getenv, (void *)vars);
    CHECK_EQ_STR(env.access_key_id, "AKIDENV");
    CHECK(env.session_token == NULL); /* empty is unset */
    CHECK_EQ_STR(env.profile, "dev"); /* AWS_PROFILE wins */
    CHECK_EQ_STR(env.region, "eu-west-1");
    CHECK(env.imds_disabled);
    aws_creds_source_t src[5];
    char err[256];
    CHECK_EQ_INT(aws_creds_chain(&env, NULL, src, err, sizeof err), 1);
    CHECK(src[0] == AWS_SOURCE_ENV);

    /* a static profile comes after env web identity; a role profile before */
    aws_creds_step_t st = {.kind = AWS_STEP_STATIC}, ar[2] = {{.kind = AWS_STEP_STATIC},
                                                              {.kind = AWS_STEP_ASSUME_ROLE}};
    aws_creds_plan_t static_plan = {&st, 1, NULL}, role_plan = {ar, 2, NULL};
    aws_creds_env_t e2 = {.role_arn = "arn:aws:iam::1:role/r", .web_identity_token_file = "/t",
                          .container_full_uri = "http://127.0.0.1/x"};
    CHECK_EQ_INT(aws_creds_chain(&e2, &static_plan, src, err, sizeof err), 4);
    CHECK(src[0] == AWS_SOURCE_WEB_IDENTITY && src[1] == AWS_SOURCE_PROFILE &&
          src[2] == AWS_SOURCE_CONTAINER && src[3] == AWS_SOURCE_IMDS);
    CHECK_EQ_INT(aws_creds_chain(&e2, &role_plan, src, err, sizeof err), 4);
    CHECK(src[0] == AWS_SOURCE_PROFILE && src[1] == AWS_SOURCE_WEB_IDENTITY);
    CHECK_EQ_STR(aws_creds_source_name(AWS_SOURCE_IMDS), "instance-metadata");
    aws_creds_env_t none = {0};
    CHECK_EQ_INT(aws_creds_chain(&none, NULL, src, err, sizeof err), 1);
    CHECK(src[0] == AWS_SOURCE_IMDS);

    /* partial variables */
    aws_creds_env_t half = {.access_key_id = "AKID"};
    CHECK_EQ_INT(aws_creds_chain(&half, NULL, src, err, sizeof err), -1);
    CHECK(strstr(err, "AWS_SECRET_ACCESS_KEY") != NULL);
    aws_creds_env_t half2 = {.secret_access_key = "TOPSECRET"};
    CHECK_EQ_INT(aws_creds_chain(&half2, NULL, src, err, sizeof err), -1);
    CHECK(strstr(err, "TOPSECRET") == NULL);
    aws_creds_env_t half3 = {.role_arn = "arn:aws:iam::1:role/r"};
    CHECK_EQ_INT(aws_creds_chain(&half3, NULL, src, err, sizeof err), -1);
}

static void test_container_url(void) {
    sbuf_t u = {0};
    char err[256];
    aws_creds_env_t e = {.container_relative_uri = "/v2/credentials/abc-123"};
    CHECK_EQ_INT(aws_creds_container_url(&e, &u, err, sizeof err), 0);
    CHECK_EQ_STR(sbuf_str(&u), "http://169.254.170.2/v2/credentials/abc-123");
    /* the relative URI wins over the full one */
    e.container_full_uri = "http://evil.example.com/";
    CHECK_EQ_INT(aws_creds_container_url(&e, &u, err, sizeof err), 0);
    const char *ok[] = {"http://169.254.170.23/v1/credentials",
                        "http://[fd00:ec2::23]/v1/credentials",
                        "http://127.0.0.1:51679/creds",
                        "http://127.12.0.1/creds",
                        "http://localhost:8080/creds",
                        "http://[::1]:80/",
                        "https://creds.example.com/role",
                        "HTTPS://creds.example.com:8443",
                        NULL};
    for (size_t i = 0; ok[i]; i++) {
        aws_creds_env_t f = {.container_full_uri = ok[i]};
        CHECK_EQ_INT(aws_creds_container_url(&f, &u, err, sizeof err), 0);
        CHECK_EQ_STR(sbuf_str(&u), ok[i]);
    }
    const char *bad[] = {"http://evil.example.com/",
                         "http://169.254.169.254/latest/meta-data/",
                         "http://127.0.0.1.evil.com/",
                         "http://127.0.0/",
                         "http://localhost@evil.com/",
                         "http://1270.0.0.1/",
                         "ftp://127.0.0.1/",
                         "http:///x",
                         "http://[fd00:ec2::23/",
                         "http://127.0.0.1/a b",
                         "169.254.170.2/creds",
                         NULL};
    for (size_t i = 0; bad[i]; i++) {
        aws_creds_env_t f = {.container_full_uri = bad[i]};
        CHECK_EQ_INT(aws_creds_container_url(&f, &u, err, sizeof err), -1);
    }
    aws_creds_env_t rel = {.container_relative_uri = "v2/creds"};
    CHECK_EQ_INT(aws_creds_container_url(&rel, &u, err, sizeof err), -1);
    aws_creds_env_t none = {0};
    CHECK_EQ_INT(aws_creds_container_url(&none, &u, err, sizeof err), -1);
    sbuf_free(&u);
}

static void test_imds_role_name(void) {
    char role[65], err[256];
    CHECK_EQ_INT(aws_creds_imds_role_name("my-role.v2@x\n", 13, role, err, sizeof err), 0);
    CHECK_EQ_STR(role, "my-role.v2@x");
    CHECK_EQ_INT(aws_creds_imds_role_name(" r \nsecond\n", 11, role, err, sizeof err), 0);
    CHECK_EQ_STR(role, "r");
    CHECK_EQ_INT(aws_creds_imds_role_name("", 0, role, err, sizeof err), -1);
    CHECK_EQ_INT(aws_creds_imds_role_name("../etc", 6, role, err, sizeof err), -1);
    CHECK_EQ_INT(aws_creds_imds_role_name("a/b", 3, role, err, sizeof err), -1);
    CHECK_EQ_INT(aws_creds_imds_role_name("<html>", 6, role, err, sizeof err), -1);
    char longname[80];
    memset(longname, 'a', sizeof longname);
    CHECK_EQ_INT(aws_creds_imds_role_name(longname, sizeof longname, role, err, sizeof err), -1);
    CHECK_EQ_INT(aws_creds_imds_role_name(NULL, 0, role, err, sizeof err), -1);
}

static const char *param(const aws_creds_sts_call_t *c, const char *name) {
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->params[i].name, name) == 0)
            return c->params[i].value;
    return NULL;
}

static void test_sts_call(void) {
    aws_creds_sts_call_t c;
    char err[256];
    aws_creds_step_t ar = {.kind = AWS_STEP_ASSUME_ROLE, .profile = "dev",
                           .role_arn = "arn:aws:iam::123456789012:role/dev",
                           .external_id = "ext-1", .duration_s = 3600};
    CHECK_EQ_INT(aws_creds_sts_call(&ar, "kmig-1704164645", "us-west-2", NULL, &c, err, sizeof err),
                 0);
    CHECK_EQ_STR(c.host, "sts.us-west-2.amazonaws.com");
    CHECK_EQ_STR(param(&c, "Action"), "AssumeRole");
    CHECK_EQ_STR(param(&c, "Version"), "2011-06-15");
    CHECK_EQ_STR(param(&c, "RoleArn"), "arn:aws:iam::123456789012:role/dev");
    CHECK_EQ_STR(param(&c, "RoleSessionName"), "kmig-1704164645");
    CHECK_EQ_STR(param(&c, "DurationSeconds"), "3600");
    CHECK_EQ_STR(param(&c, "ExternalId"), "ext-1");
    CHECK(param(&c, "WebIdentityToken") == NULL);
    /* the step's session name wins; no region: the global endpoint; cn */
    ar.role_session_name = "mine";
    ar.duration_s = 0;
    CHECK_EQ_INT(aws_creds_sts_call(&ar, "kmig-1", NULL, NULL, &c, err, sizeof err), 0);
    CHECK_EQ_STR(c.host, "sts.amazonaws.com");
    CHECK_EQ_STR(param(&c, "RoleSessionName"), "mine");
    CHECK(param(&c, "DurationSeconds") == NULL);
    CHECK_EQ_INT(aws_creds_sts_call(&ar, "kmig-1", "cn-north-1", NULL, &c, err, sizeof err), 0);
    CHECK_EQ_STR(c.host, "sts.cn-north-1.amazonaws.com.cn");

    aws_creds_step_t wi = {.kind = AWS_STEP_WEB_IDENTITY, .profile = "web",
                           .role_arn = "arn:aws:iam::123456789012:role/web",
                           .token_file = "/var/run/token", .external_id = "ignored"};
    CHECK_EQ_INT(aws_creds_sts_call(&wi, "kmig-1", "us-east-1", "eyJTOPSECRET", &c, err, sizeof err),
                 0);
    CHECK_EQ_STR(param(&c, "Action"), "AssumeRoleWithWebIdentity");
    CHECK_EQ_STR(param(&c, "WebIdentityToken"), "eyJTOPSECRET");
    CHECK(param(&c, "ExternalId") == NULL);

    /* refused */
    CHECK_EQ_INT(aws_creds_sts_call(&wi, "kmig-1", "us-east-1", "", &c, err, sizeof err), -1);
    CHECK_EQ_INT(aws_creds_sts_call(&ar, "kmig-1", "US-EAST-1", NULL, &c, err, sizeof err), -1);
    aws_creds_step_t bad = ar;
    bad.role_session_name = "has space";
    CHECK_EQ_INT(aws_creds_sts_call(&bad, "kmig-1", NULL, NULL, &c, err, sizeof err), -1);
    bad.role_session_name = NULL;
    CHECK_EQ_INT(aws_creds_sts_call(&bad, "x", NULL, NULL, &c, err, sizeof err), -1);
    bad.role_session_name = "ok-name";
    bad.role_arn = "role/dev";
    CHECK_EQ_INT(aws_creds_sts_call(&bad, NULL, NULL, NULL, &c, err, sizeof err), -1);
    aws_creds_step_t st = {.kind = AWS_STEP_STATIC, .profile = "p"};
    CHECK_EQ_INT(aws_creds_sts_call(&st, "kmig-1", NULL, NULL, &c, err, sizeof err), -1);
    CHECK(strstr(err, "TOPSECRET") == NULL);
}

static void test_describe_and_refresh(void) {
    aws_creds_profiles_t ps = {0};
    char err[256];
    CHECK_EQ_INT(load(&ps), 0);
    aws_creds_plan_t pl = resolve(&ps, "chain2", 0, err, sizeof err);
    sbuf_t d = {0};
    aws_creds_plan_describe(&pl, &d);
    CHECK_EQ_STR(sbuf_str(&d),
                 "1. static (profile default): access key id AKIDDEFAULT\n"
                 "2. assume-role (profile dev): arn:aws:iam::123456789012:role/dev using step 1's "
                 "credentials, session kmig-dev, with an external id, 3600 s\n"
                 "3. assume-role (profile chain2): arn:aws:iam::123456789012:role/second using "
                 "step 2's credentials\n");
    CHECK(strstr(sbuf_str(&d), "secret") == NULL && strstr(d.s, "ext-1") == NULL);
    aws_creds_plan_clear(&pl);
    sbuf_reset(&d);
    pl = resolve(&ps, "static-token", 0, err, sizeof err);
    aws_creds_plan_describe(&pl, &d);
    CHECK_EQ_STR(sbuf_str(&d), "1. static (profile static-token): access key id AKIDTOKEN with a "
                               "session token\n");
    CHECK(strstr(d.s, "FwoG") == NULL);
    aws_creds_plan_clear(&pl);
    sbuf_reset(&d);
    pl = resolve(&ps, "web", 0, err, sizeof err);
    aws_creds_plan_describe(&pl, &d);
    CHECK(strstr(sbuf_str(&d), "with the token in /var/run/secrets/") != NULL);
    aws_creds_plan_clear(&pl);
    sbuf_free(&d);
    aws_creds_profiles_clear(&ps);

    aws_creds_t c = {.expiration_ms = 0};
    CHECK_EQ_INT(aws_creds_refresh_needed(&c, 1000), 0);
    c.expiration_ms = 100LL * 60 * 1000;
    CHECK_EQ_INT(aws_creds_refresh_needed(&c, 0), 0);
    CHECK_EQ_INT(aws_creds_refresh_needed(&c, c.expiration_ms - 15 * 60 * 1000 - 1), 0);
    CHECK_EQ_INT(aws_creds_refresh_needed(&c, c.expiration_ms - 15 * 60 * 1000), 1);
    CHECK_EQ_INT(aws_creds_refresh_needed(&c, c.expiration_ms - 10 * 60 * 1000), 2);
    CHECK_EQ_INT(aws_creds_refresh_needed(&c, c.expiration_ms + 1), 2);
    CHECK_EQ_INT(aws_creds_refresh_needed(NULL, 0), 0);
}

UNIT_MAIN(UNIT_TEST(test_profiles_files), UNIT_TEST(test_profiles_syntax), UNIT_TEST(test_plans),
          UNIT_TEST(test_plan_limits), UNIT_TEST(test_iso8601), UNIT_TEST(test_process_json),
          UNIT_TEST(test_ecs_imds_json), UNIT_TEST(test_sts_xml),
          UNIT_TEST(test_truncations_and_flips), UNIT_TEST(test_env_and_chain),
          UNIT_TEST(test_container_url), UNIT_TEST(test_imds_role_name), UNIT_TEST(test_sts_call),
          UNIT_TEST(test_describe_and_refresh))

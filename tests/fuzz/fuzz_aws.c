/* A fuzz target for what kmig reads from AWS and from the user's AWS files
 * (auth/aws_creds): the input is parsed as a shared credentials file and as a
 * config file (then every profile is resolved into a plan and described), as
 * credential_process JSON, an STS XML answer, ECS and IMDS JSON, an ISO 8601
 * time and an IMDS role listing. Errors are fine; crashes, leaks and undefined
 * behaviour are not. Replayed by the unit tier's test_fuzz_aws. */
#include <stdint.h>
#include <stdlib.h>

#include "auth/aws_creds.h"
#include "core/sbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    char err[512];
    aws_creds_profiles_t ps = {0};
    if (aws_creds_profiles_parse(&ps, text, size, AWS_CREDS_FILE_CREDENTIALS, "credentials", err,
                                 sizeof err) == 0 &&
        aws_creds_profiles_parse(&ps, text, size, AWS_CREDS_FILE_CONFIG, "config", err,
                                 sizeof err) == 0) {
        for (size_t i = 0; i < ps.n; i++) {
            aws_creds_plan_t plan = {0};
            if (aws_creds_plan_resolve(&ps, ps.v[i].name, &plan, err, sizeof err) == 0) {
                sbuf_t d = {0};
                aws_creds_plan_describe(&plan, &d);
                sbuf_free(&d);
            }
            aws_creds_plan_clear(&plan);
        }
    }
    aws_creds_profiles_clear(&ps);

    int (*parsers[])(const char *, size_t, aws_creds_t *, char *, size_t) = {
        aws_creds_parse_process, aws_creds_parse_sts_xml, aws_creds_parse_ecs,
        aws_creds_parse_imds};
    for (size_t i = 0; i < sizeof parsers / sizeof parsers[0]; i++) {
        aws_creds_t c = {0};
        (void)parsers[i](text, size, &c, err, sizeof err);
        aws_creds_clear(&c);
    }
    char *s = xstrndup(text, size);
    int64_t ms;
    (void)aws_creds_iso8601_ms(s, &ms);
    char role[65];
    (void)aws_creds_imds_role_name(text, size, role, err, sizeof err);
    free(s);
    return 0;
}

#ifndef KMIG_AUTH_AWS_CREDS_H
#define KMIG_AUTH_AWS_CREDS_H
/* Where AWS credentials come from, as data: the shared files
 * ~/.aws/credentials and ~/.aws/config (INI profiles), a profile's
 * resolution into a plan of steps (static keys, credential_process, web
 * identity, a credential_source, then role assumptions in chain order), and
 * the answers those steps get: credential_process JSON, STS AssumeRole /
 * AssumeRoleWithWebIdentity XML, ECS container and EC2 IMDS JSON. Pure: no
 * file, process or network I/O (callers read files and run the steps).
 *
 * Shared-file rules (those of botocore / the AWS CLI): sections "[name]" in
 * the credentials file; "[default]", "[profile name]" (and "[profile
 * default]") in the config file, other config sections (sso-session,
 * services, bare names) ignored; lines starting with '#' or ';' are
 * comments; keys case-insensitive, keys and values trimmed; an indented line
 * under a key with an empty value is a sub-property (ignored); a value set
 * in the credentials file wins over the config file's; within one file the
 * last one wins and repeated sections merge.
 *
 * Secrets: secret keys and session tokens are never put in error messages;
 * parse errors give "origin:line" or a field name only (never JSON/XML
 * parser text, which quotes the input). aws_creds_t and profiles hold
 * secrets: their clear functions wipe them.
 *
 * Ownership: aws_creds_profiles_t and aws_creds_t own their strings. A plan
 * borrows every string from the profiles it was resolved from: the profiles
 * must outlive it. */
#include <stddef.h>
#include <stdint.h>

/* Profile keys kmig knows; others are ignored. */
typedef enum aws_creds_key {
    AWS_KEY_ACCESS_KEY_ID,           /* aws_access_key_id */
    AWS_KEY_SECRET_ACCESS_KEY,       /* aws_secret_access_key (secret) */
    AWS_KEY_SESSION_TOKEN,           /* aws_session_token (secret) */
    AWS_KEY_REGION,                  /* region */
    AWS_KEY_ROLE_ARN,                /* role_arn */
    AWS_KEY_SOURCE_PROFILE,          /* source_profile */
    AWS_KEY_CREDENTIAL_SOURCE,       /* credential_source */
    AWS_KEY_CREDENTIAL_PROCESS,      /* credential_process */
    AWS_KEY_WEB_IDENTITY_TOKEN_FILE, /* web_identity_token_file */
    AWS_KEY_ROLE_SESSION_NAME,       /* role_session_name */
    AWS_KEY_EXTERNAL_ID,             /* external_id */
    AWS_KEY_DURATION_SECONDS,        /* duration_seconds */
    AWS_KEY_SSO_SESSION,             /* sso_session (not supported, detected) */
    AWS_KEY_SSO_START_URL,           /* sso_start_url (not supported, detected) */
    AWS_KEY_COUNT
} aws_creds_key_t;

typedef struct aws_creds_profile {
    char *name;
    char *values[AWS_KEY_COUNT];                    /* NULL when not set */
    unsigned char from_credentials[AWS_KEY_COUNT]; /* set by a credentials file */
} aws_creds_profile_t;

typedef struct aws_creds_profiles {
    aws_creds_profile_t *v;
    size_t n;
} aws_creds_profiles_t;

typedef enum { AWS_CREDS_FILE_CREDENTIALS, AWS_CREDS_FILE_CONFIG } aws_creds_file_t;

/* Adds the profiles of one file's text (len bytes, NUL not needed) to *ps
 * (zeroed, or holding the other file's). origin names the file in errors.
 * Returns 0, or -1 with "origin:line: reason" (*ps keeps what was added
 * before the bad line; callers should discard it). */
int aws_creds_profiles_parse(aws_creds_profiles_t *ps, const char *text, size_t len,
                             aws_creds_file_t kind, const char *origin, char *err, size_t errsz);

const aws_creds_profile_t *aws_creds_profile_find(const aws_creds_profiles_t *ps,
                                                  const char *name);
/* A key's value, NULL when not set (an empty value counts as not set). */
const char *aws_creds_profile_get(const aws_creds_profile_t *p, aws_creds_key_t key);
void aws_creds_profiles_clear(aws_creds_profiles_t *ps); /* wipes and frees */

/* --- resolution into a plan --- */

typedef enum aws_creds_step_kind {
    AWS_STEP_STATIC,            /* keys from the profile */
    AWS_STEP_PROCESS,           /* run `command`, parse with aws_creds_parse_process */
    AWS_STEP_WEB_IDENTITY,      /* AssumeRoleWithWebIdentity(role_arn, token_file contents) */
    AWS_STEP_CREDENTIAL_SOURCE, /* source: Environment, Ec2InstanceMetadata or EcsContainer */
    AWS_STEP_ASSUME_ROLE        /* AssumeRole(role_arn) signed with the previous step's creds */
} aws_creds_step_kind_t;

typedef struct aws_creds_step {
    aws_creds_step_kind_t kind;
    const char *profile; /* the profile the step comes from */
    const char *access_key_id, *secret_access_key, *session_token; /* STATIC */
    const char *command;                                           /* PROCESS */
    const char *role_arn;          /* ASSUME_ROLE, WEB_IDENTITY */
    const char *role_session_name; /* ASSUME_ROLE, WEB_IDENTITY; NULL: caller's default */
    const char *external_id;       /* ASSUME_ROLE; NULL: none */
    const char *token_file;        /* WEB_IDENTITY */
    const char *source;            /* CREDENTIAL_SOURCE */
    int duration_s;                /* ASSUME_ROLE, WEB_IDENTITY; 0: STS default */
} aws_creds_step_t;

typedef struct aws_creds_plan {
    aws_creds_step_t *steps; /* steps[0] yields credentials; each ASSUME_ROLE uses the previous */
    size_t n;
    const char *region; /* the profile's region, NULL if none */
} aws_creds_plan_t;

#define AWS_CREDS_MAX_CHAIN 16

/* Resolves profile `name` (NULL: "default") the way botocore does: role_arn
 * with source_profile or credential_source -> the source's credentials, then
 * AssumeRole; role_arn with web_identity_token_file -> web identity; static
 * keys; credential_process. A source profile with static keys uses them (so
 * a profile may name itself as source). Cycles, missing profiles, both
 * source_profile and credential_source, incomplete keys, SSO-only profiles
 * and chains longer than AWS_CREDS_MAX_CHAIN are errors. No I/O. */
int aws_creds_plan_resolve(const aws_creds_profiles_t *ps, const char *name,
                           aws_creds_plan_t *out, char *err, size_t errsz);
void aws_creds_plan_clear(aws_creds_plan_t *plan);
const char *aws_creds_step_kind_name(aws_creds_step_kind_t k); /* "static", "assume-role", ... */

/* --- credentials and the answers that carry them --- */

typedef struct aws_creds {
    char *access_key_id;
    char *secret_access_key; /* secret */
    char *session_token;     /* secret; NULL for long-term keys */
    int64_t expiration_ms;   /* ms since the epoch; 0: does not expire */
} aws_creds_t;

void aws_creds_clear(aws_creds_t *c); /* wipes and frees; accepts a zeroed one */

/* credential_process output: {"Version": 1, "AccessKeyId", "SecretAccessKey",
 * "SessionToken"?, "Expiration"? (ISO 8601)}. Each parser fills *out (zeroed
 * or cleared) and returns 0, or -1 with a reason and *out empty. */
int aws_creds_parse_process(const char *json, size_t len, aws_creds_t *out, char *err,
                            size_t errsz);

/* An STS AssumeRole or AssumeRoleWithWebIdentity response body: the
 * <Credentials> element's AccessKeyId, SecretAccessKey, SessionToken and
 * Expiration, each exactly once; an <ErrorResponse> becomes -1 with its Code
 * and Message. Not a general XML parser: the five predefined entities and
 * numeric character references are decoded; CDATA and nested elements in
 * these fields are refused. */
int aws_creds_parse_sts_xml(const char *xml, size_t len, aws_creds_t *out, char *err,
                            size_t errsz);

/* ECS / EKS Pod Identity container credentials (AWS_CONTAINER_CREDENTIALS_*):
 * {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "RoleArn"?}. */
int aws_creds_parse_ecs(const char *json, size_t len, aws_creds_t *out, char *err, size_t errsz);

/* EC2 IMDS security-credentials/<role>: {"Code": "Success", "AccessKeyId",
 * "SecretAccessKey", "Token", "Expiration", ...}; a Code other than Success
 * is an error. */
int aws_creds_parse_imds(const char *json, size_t len, aws_creds_t *out, char *err, size_t errsz);

/* ISO 8601 / RFC 3339 date-time, "2015-08-30T12:36:00Z", optional fraction,
 * "Z" or a +hh:mm / -hhmm offset -> ms since the epoch. Returns 0 or -1. */
int aws_creds_iso8601_ms(const char *s, int64_t *ms);

#endif

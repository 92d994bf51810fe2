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
 * must outlive it.
 *
 * One header, three files (each section below names its own): aws_creds.c
 * (profiles, plans), aws_creds_parse.c (credentials and the answers that
 * carry them), aws_creds_chain.c (the environment, the default chain, the
 * requests); aws_creds_priv.h holds the helpers they share. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/sigv4.h"
#include "core/sbuf.h"

/* --- profiles (aws_creds.c) --- */

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

/* --- resolution into a plan (aws_creds.c) --- */

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

/* The plan in words, one step a line, for `kmig auth` and logs: profile
 * names, role ARNs, session names, commands, files and access key ids, never
 * a secret key or token. */
void aws_creds_plan_describe(const aws_creds_plan_t *plan, sbuf_t *out);
const char *aws_creds_step_kind_name(aws_creds_step_kind_t k); /* "static", "assume-role", ... */

/* --- credentials and the answers that carry them (aws_creds_parse.c) --- */

typedef struct aws_creds {
    char *access_key_id;
    char *secret_access_key; /* secret */
    char *session_token;     /* secret; NULL for long-term keys */
    int64_t expiration_ms;   /* ms since the epoch; 0: does not expire */
} aws_creds_t;

void aws_creds_clear(aws_creds_t *c); /* wipes and frees; accepts a zeroed one */

/* Refresh policy for temporary credentials (botocore's): 0 fresh (or no
 * expiration), 1 refresh advised (expires within 15 minutes: refresh, but
 * use these if that fails), 2 refresh mandatory (within 10 minutes, or
 * expired: do not sign with them). */
#define AWS_CREDS_ADVISORY_REFRESH_MS (15 * 60 * 1000)
#define AWS_CREDS_MANDATORY_REFRESH_MS (10 * 60 * 1000)
int aws_creds_refresh_needed(const aws_creds_t *c, int64_t now_ms);

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

/* --- the environment and the requests the impure layer will make (aws_creds_chain.c) --- */

/* What the AWS_* environment variables say (borrowed from the getter). */
typedef struct aws_creds_env {
    const char *access_key_id;     /* AWS_ACCESS_KEY_ID */
    const char *secret_access_key; /* AWS_SECRET_ACCESS_KEY (secret) */
    const char *session_token;     /* AWS_SESSION_TOKEN (secret) */
    const char *profile;           /* AWS_PROFILE, else AWS_DEFAULT_PROFILE */
    const char *region;            /* AWS_REGION, else AWS_DEFAULT_REGION */
    const char *credentials_file;  /* AWS_SHARED_CREDENTIALS_FILE */
    const char *config_file;       /* AWS_CONFIG_FILE */
    const char *role_arn;          /* AWS_ROLE_ARN */
    const char *web_identity_token_file; /* AWS_WEB_IDENTITY_TOKEN_FILE */
    const char *role_session_name;       /* AWS_ROLE_SESSION_NAME */
    const char *container_relative_uri;  /* AWS_CONTAINER_CREDENTIALS_RELATIVE_URI */
    const char *container_full_uri;      /* AWS_CONTAINER_CREDENTIALS_FULL_URI */
    const char *container_auth_token;    /* AWS_CONTAINER_AUTHORIZATION_TOKEN (secret) */
    const char *container_auth_token_file; /* AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE */
    bool imds_disabled;                  /* AWS_EC2_METADATA_DISABLED=true */
} aws_creds_env_t;

/* Reads the variables through getenv_fn (e.g. a wrapper of getenv, or a
 * table in tests); empty values count as unset. */
void aws_creds_env_read(aws_creds_env_t *env, const char *(*getenv_fn)(const char *name, void *ctx),
                        void *ctx);

/* The default chain (docs/SECURITY.md section 1.2), in order. */
typedef enum aws_creds_source {
    AWS_SOURCE_ENV,          /* static keys from the environment */
    AWS_SOURCE_PROFILE,      /* aws_creds_plan_resolve of env->profile or "default" */
    AWS_SOURCE_WEB_IDENTITY, /* AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE */
    AWS_SOURCE_CONTAINER,    /* aws_creds_container_url */
    AWS_SOURCE_IMDS          /* EC2 instance metadata (IMDSv2) */
} aws_creds_source_t;

/* The sources to try for this environment, in botocore's order, into
 * out[0..5): ENV when AWS_ACCESS_KEY_ID is set; the profile when it resolved
 * (profile_plan non-NULL; a role-based profile comes before environment web
 * identity, a static or process one after it, as botocore orders its
 * assume-role, web-identity, shared-file and process providers); web identity
 * when AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE are set; the container
 * when one of its URIs is set; IMDS unless disabled. Returns the count, or -1
 * (AWS_ACCESS_KEY_ID without AWS_SECRET_ACCESS_KEY or the reverse, or only
 * one of the two web identity variables) with a reason. */
int aws_creds_chain(const aws_creds_env_t *env, const aws_creds_plan_t *profile_plan,
                    aws_creds_source_t out[5], char *err, size_t errsz);
const char *aws_creds_source_name(aws_creds_source_t s);

/* The container credentials URL: "http://169.254.170.2" + the relative URI,
 * or the full URI if it is https, or http to a loopback address, the ECS
 * (169.254.170.2) or EKS Pod Identity (169.254.170.23, fd00:ec2::23)
 * endpoint; anything else is refused (it would send the authorization token
 * elsewhere). Returns 0 and the URL in *url, or -1. */
int aws_creds_container_url(const aws_creds_env_t *env, sbuf_t *url, char *err, size_t errsz);

/* The IAM role name in the body of IMDS's security-credentials/ listing
 * (its first line), checked against IAM's role-name characters
 * [A-Za-z0-9+=,.@_-]{1,64}. Returns 0 or -1. */
int aws_creds_imds_role_name(const char *body, size_t len, char out[65], char *err, size_t errsz);

/* An STS call: the form parameters (raw; encode each with sigv4_uri_encode,
 * join with '&', POST as application/x-www-form-urlencoded to
 * https://<host>/) and the host. AssumeRole is signed (sigv4_sign_headers,
 * service "sts") with the previous credentials; AssumeRoleWithWebIdentity is
 * not signed and carries the web identity token (a secret). */
typedef struct aws_creds_sts_call {
    sigv4_kv_t params[8];
    size_t n;
    char host[96];     /* sts.<region>.amazonaws.com[.cn], or sts.amazonaws.com */
    char duration[16]; /* storage for DurationSeconds */
} aws_creds_sts_call_t;

/* From an ASSUME_ROLE or WEB_IDENTITY step. session_name: the step's
 * role_session_name, else this default (e.g. "kmig-<epoch>"); must match
 * [A-Za-z0-9+=,.@_-]{2,64}. region NULL or "": the global endpoint.
 * web_identity_token: the token file's contents (WEB_IDENTITY only). The
 * call borrows the step's and the arguments' strings. */
int aws_creds_sts_call(const aws_creds_step_t *step, const char *default_session_name,
                       const char *region, const char *web_identity_token,
                       aws_creds_sts_call_t *out, char *err, size_t errsz);

#endif

/* The AWS SDKs' default credential chain as data: the AWS_* environment
 * variables, the order of the sources to try (environment keys, profile, web
 * identity, container, instance metadata), the container credentials URL and
 * the hosts it may point to, the IAM role name in an IMDS listing, and the
 * parameters and host of an STS AssumeRole / AssumeRoleWithWebIdentity call.
 * Pure: src/awsio/ reads the environment through aws_creds_env_read and makes
 * the requests decided here (tests/unit/test_aws_creds.c). */
#include "auth/aws_creds.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/aws_creds_priv.h"
#include "core/sbuf.h"

void aws_creds_env_read(aws_creds_env_t *env, const char *(*getenv_fn)(const char *name, void *ctx),
                        void *ctx) {
    memset(env, 0, sizeof *env);
#define GET(field, name)                                                                        \
    do {                                                                                        \
        const char *v_ = getenv_fn(name, ctx);                                                  \
        if (v_ && *v_ && !env->field)                                                           \
            env->field = v_;                                                                    \
    } while (0)
    GET(access_key_id, "AWS_ACCESS_KEY_ID");
    GET(secret_access_key, "AWS_SECRET_ACCESS_KEY");
    GET(session_token, "AWS_SESSION_TOKEN");
    GET(profile, "AWS_PROFILE");
    GET(profile, "AWS_DEFAULT_PROFILE");
    GET(region, "AWS_REGION");
    GET(region, "AWS_DEFAULT_REGION");
    GET(credentials_file, "AWS_SHARED_CREDENTIALS_FILE");
    GET(config_file, "AWS_CONFIG_FILE");
    GET(role_arn, "AWS_ROLE_ARN");
    GET(web_identity_token_file, "AWS_WEB_IDENTITY_TOKEN_FILE");
    GET(role_session_name, "AWS_ROLE_SESSION_NAME");
    GET(container_relative_uri, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    GET(container_full_uri, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    GET(container_auth_token, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
    GET(container_auth_token_file, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
#undef GET
    const char *d = getenv_fn("AWS_EC2_METADATA_DISABLED", ctx);
    env->imds_disabled = d && strcasecmp(d, "true") == 0;
}

const char *aws_creds_source_name(aws_creds_source_t s) {
    switch (s) {
    case AWS_SOURCE_ENV: return "environment";
    case AWS_SOURCE_PROFILE: return "profile";
    case AWS_SOURCE_WEB_IDENTITY: return "web-identity";
    case AWS_SOURCE_CONTAINER: return "container";
    case AWS_SOURCE_IMDS: return "instance-metadata";
    }
    return "?";
}

int aws_creds_chain(const aws_creds_env_t *env, const aws_creds_plan_t *profile_plan,
                    aws_creds_source_t out[5], char *err, size_t errsz) {
    if (!env->access_key_id != !env->secret_access_key) {
        set_err(err, errsz, env->access_key_id
                                ? "AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY"
                                : "AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID");
        return -1;
    }
    if (!env->role_arn != !env->web_identity_token_file) {
        set_err(err, errsz, "AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE must be set together");
        return -1;
    }
    int n = 0;
    bool role_profile = false;
    if (profile_plan && profile_plan->n > 0) {
        aws_creds_step_kind_t last = profile_plan->steps[profile_plan->n - 1].kind;
        role_profile = last == AWS_STEP_ASSUME_ROLE || last == AWS_STEP_WEB_IDENTITY;
    }
    if (env->access_key_id)
        out[n++] = AWS_SOURCE_ENV;
    if (role_profile)
        out[n++] = AWS_SOURCE_PROFILE;
    if (env->role_arn)
        out[n++] = AWS_SOURCE_WEB_IDENTITY;
    if (profile_plan && profile_plan->n > 0 && !role_profile)
        out[n++] = AWS_SOURCE_PROFILE;
    if (env->container_relative_uri || env->container_full_uri)
        out[n++] = AWS_SOURCE_CONTAINER;
    if (!env->imds_disabled)
        out[n++] = AWS_SOURCE_IMDS;
    return n;
}

/* Whether host (as in a URL authority, without port) may receive container
 * credentials requests over plain http. */
static bool container_http_host_ok(const char *h, size_t n) {
    static const char *const ok[] = {"169.254.170.2", "169.254.170.23", "[fd00:ec2::23]",
                                     "localhost", "[::1]"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strlen(ok[i]) == n && strncasecmp(ok[i], h, n) == 0)
            return true;
    /* 127.0.0.0/8 as a dotted quad */
    if (n >= 9 && n <= 15 && strncmp(h, "127.", 4) == 0) {
        int parts = 2, digits_in = 0; /* "127" and the part being read */
        for (size_t i = 4; i < n; i++) {
            if (h[i] == '.') {
                if (!digits_in)
                    return false;
                parts++;
                digits_in = 0;
            } else if (isdigit((unsigned char)h[i]) && digits_in < 3) {
                digits_in++;
            } else {
                return false;
            }
        }
        return parts == 4 && digits_in > 0;
    }
    return false;
}

static bool url_chars_ok(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

int aws_creds_container_url(const aws_creds_env_t *env, sbuf_t *url, char *err, size_t errsz) {
    sbuf_reset(url);
    if (env->container_relative_uri) {
        const char *r = env->container_relative_uri;
        if (r[0] != '/' || !url_chars_ok(r)) {
            set_err(err, errsz, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must be a path");
            return -1;
        }
        sbuf_printf(url, "http://169.254.170.2%s", r);
        return 0;
    }
    const char *f = env->container_full_uri;
    if (!f) {
        set_err(err, errsz, "no container credentials URI in the environment");
        return -1;
    }
    if (!url_chars_ok(f)) {
        set_err(err, errsz, "AWS_CONTAINER_CREDENTIALS_FULL_URI has spaces or control characters");
        return -1;
    }
    bool https = strncasecmp(f, "https://", 8) == 0;
    if (!https && strncasecmp(f, "http://", 7) != 0) {
        set_err(err, errsz, "AWS_CONTAINER_CREDENTIALS_FULL_URI must be an http(s) URL");
        return -1;
    }
    const char *h = f + (https ? 8 : 7);
    size_t alen = strcspn(h, "/?#");
    if (alen == 0 || memchr(h, '@', alen)) {
        set_err(err, errsz, "AWS_CONTAINER_CREDENTIALS_FULL_URI has no host (or has user info)");
        return -1;
    }
    /* host without port: [v6] or up to the last ':' */
    size_t hlen = alen;
    if (h[0] == '[') {
        const char *rb = memchr(h, ']', alen);
        if (!rb) {
            set_err(err, errsz, "AWS_CONTAINER_CREDENTIALS_FULL_URI: bad IPv6 host");
            return -1;
        }
        hlen = (size_t)(rb - h) + 1;
    } else {
        const char *colon = memchr(h, ':', alen);
        if (colon)
            hlen = (size_t)(colon - h);
    }
    if (!https && !container_http_host_ok(h, hlen)) {
        set_err(err, errsz,
                "AWS_CONTAINER_CREDENTIALS_FULL_URI: plain http is only allowed to a loopback "
                "address or the ECS / EKS Pod Identity endpoints");
        return -1;
    }
    sbuf_puts(url, f);
    return 0;
}

static bool iam_name_char(unsigned char c) {
    return isalnum(c) || c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '_' ||
           c == '-';
}

int aws_creds_imds_role_name(const char *body, size_t len, char out[65], char *err, size_t errsz) {
    out[0] = '\0';
    const char *b = body ? body : "", *e = b + (body ? len : 0);
    const char *nl = memchr(b, '\n', (size_t)(e - b));
    if (nl)
        e = nl;
    trim(&b, &e);
    size_t n = (size_t)(e - b);
    if (n == 0 || n > 64) {
        set_err(err, errsz, "instance metadata: no IAM role attached to this instance");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (!iam_name_char((unsigned char)b[i])) {
            set_err(err, errsz, "instance metadata: the role name has invalid characters");
            return -1;
        }
    memcpy(out, b, n);
    out[n] = '\0';
    return 0;
}

static bool valid_session_name(const char *s) {
    size_t n = s ? strlen(s) : 0;
    if (n < 2 || n > 64)
        return false;
    for (; *s; s++)
        if (!iam_name_char((unsigned char)*s))
            return false;
    return true;
}

int aws_creds_sts_call(const aws_creds_step_t *step, const char *default_session_name,
                       const char *region, const char *web_identity_token,
                       aws_creds_sts_call_t *out, char *err, size_t errsz) {
    memset(out, 0, sizeof *out);
    bool web = step->kind == AWS_STEP_WEB_IDENTITY;
    if (!web && step->kind != AWS_STEP_ASSUME_ROLE) {
        set_err(err, errsz, "STS: only assume-role and web-identity steps call STS");
        return -1;
    }
    if (!step->role_arn || strncmp(step->role_arn, "arn:", 4) != 0 || !url_chars_ok(step->role_arn)) {
        snprintf(err, errsz, "profile %s: role_arn is not an ARN", step->profile);
        return -1;
    }
    const char *session = step->role_session_name ? step->role_session_name : default_session_name;
    if (!valid_session_name(session)) {
        snprintf(err, errsz,
                 "profile %s: the role session name must be 2 to 64 of A-Z a-z 0-9 +=,.@_-",
                 step->profile);
        return -1;
    }
    if (web && (!web_identity_token || !*web_identity_token)) {
        snprintf(err, errsz, "profile %s: the web identity token is empty", step->profile);
        return -1;
    }
    if (region && *region) {
        for (const char *p = region; *p; p++)
            if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-') {
                set_err(err, errsz, "STS: the region must be lowercase letters, digits and '-'");
                return -1;
            }
        if (strlen(region) > 40) {
            set_err(err, errsz, "STS: the region name is too long");
            return -1;
        }
        snprintf(out->host, sizeof out->host, "sts.%s.amazonaws.com%s", region,
                 strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
    } else {
        snprintf(out->host, sizeof out->host, "sts.amazonaws.com");
    }
    size_t n = 0;
    out->params[n++] = (sigv4_kv_t){"Action", web ? "AssumeRoleWithWebIdentity" : "AssumeRole"};
    out->params[n++] = (sigv4_kv_t){"Version", "2011-06-15"};
    out->params[n++] = (sigv4_kv_t){"RoleArn", step->role_arn};
    out->params[n++] = (sigv4_kv_t){"RoleSessionName", session};
    if (step->duration_s > 0) {
        snprintf(out->duration, sizeof out->duration, "%d", step->duration_s);
        out->params[n++] = (sigv4_kv_t){"DurationSeconds", out->duration};
    }
    if (!web && step->external_id)
        out->params[n++] = (sigv4_kv_t){"ExternalId", step->external_id};
    if (web)
        out->params[n++] = (sigv4_kv_t){"WebIdentityToken", web_identity_token};
    out->n = n;
    return 0;
}

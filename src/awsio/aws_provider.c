/* The AWS credential provider: reads the environment and the shared files
 * at each fetch, runs the default chain in botocore's order
 * (aws_creds_chain), executes a profile's plan step by step with the
 * fetchers of aws_fetch.c, optionally assumes opts.role_arn on top, and
 * caches the result until aws_creds_refresh_needed says otherwise. See
 * aws_provider.h for the threading and failure rules. */
#include "awsio/aws_provider.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "awsio/aws_fetch.h"
#include "core/fileio.h"
#include "core/log.h"

#define SHARED_FILE_MAX (1024 * 1024)

struct aws_provider {
    char *profile, *role_arn, *role_session_name, *sts_region, *region;
    const char *(*getenv_fn)(const char *name, void *ctx);
    void *getenv_ctx;
    long connect_timeout_ms, timeout_ms;
    int process_timeout_ms;
    /* The lock guards the cache and is never held across a fetch: one caller
     * at a time fetches (refreshing), others use the cache while it is still
     * usable, or wait for that fetch to end. */
    pthread_mutex_t lock;
    pthread_cond_t fetched;
    bool refreshing;
    aws_creds_t cached; /* access_key_id NULL: none */
    const char *cached_source;
};

static char *dup_or_null(const char *s) { return s && *s ? xstrdup(s) : NULL; }

static const char *env_getenv(const char *name, void *ctx) {
    (void)ctx;
    return getenv(name);
}

aws_provider_t *aws_provider_new(const aws_provider_opts_t *o) {
    aws_provider_t *p = xcalloc(1, sizeof *p);
    p->profile = dup_or_null(o->profile);
    p->role_arn = dup_or_null(o->role_arn);
    p->role_session_name = dup_or_null(o->role_session_name);
    p->sts_region = dup_or_null(o->sts_region);
    p->region = dup_or_null(o->region);
    p->getenv_fn = o->getenv_fn ? o->getenv_fn : env_getenv;
    p->getenv_ctx = o->getenv_fn ? o->getenv_ctx : NULL;
    p->connect_timeout_ms = o->connect_timeout_ms;
    p->timeout_ms = o->timeout_ms;
    p->process_timeout_ms = o->process_timeout_ms;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->fetched, NULL);
    return p;
}

void aws_provider_destroy(aws_provider_t *p) {
    if (!p) return;
    aws_creds_clear(&p->cached);
    pthread_cond_destroy(&p->fetched);
    pthread_mutex_destroy(&p->lock);
    free(p->profile);
    free(p->role_arn);
    free(p->role_session_name);
    free(p->sts_region);
    free(p->region);
    free(p);
}

static void creds_copy(aws_creds_t *to, const aws_creds_t *from) {
    memset(to, 0, sizeof *to);
    to->access_key_id = xstrdup(from->access_key_id);
    to->secret_access_key = xstrdup(from->secret_access_key);
    to->session_token = from->session_token ? xstrdup(from->session_token) : NULL;
    to->expiration_ms = from->expiration_ms;
}

/* --- the shared files --- */

typedef struct files {
    aws_creds_profiles_t ps;
    char cred_path[512], conf_path[512];
} files_t;

static int load_one(files_t *f, const char *path, aws_creds_file_t kind, char *err,
                    size_t errsz) {
    sbuf_t text = {0};
    int rc = fileio_read(path, SHARED_FILE_MAX, &text, err, errsz);
    if (rc > 0) return 0; /* no file */
    if (rc == 0 && aws_creds_profiles_parse(&f->ps, text.s ? text.s : "", text.len, kind, path,
                                            err, errsz))
        rc = -1;
    fileio_wipe(&text);
    return rc;
}

static int load_files(const aws_creds_env_t *env, const char *home, files_t *f, char *err,
                      size_t errsz) {
    memset(f, 0, sizeof *f);
    if (env->credentials_file)
        snprintf(f->cred_path, sizeof f->cred_path, "%s", env->credentials_file);
    else if (home)
        snprintf(f->cred_path, sizeof f->cred_path, "%s/.aws/credentials", home);
    if (env->config_file)
        snprintf(f->conf_path, sizeof f->conf_path, "%s", env->config_file);
    else if (home)
        snprintf(f->conf_path, sizeof f->conf_path, "%s/.aws/config", home);
    /* Config first: values of the credentials file win (aws_creds.h). */
    if ((f->conf_path[0] && load_one(f, f->conf_path, AWS_CREDS_FILE_CONFIG, err, errsz)) ||
        (f->cred_path[0] && load_one(f, f->cred_path, AWS_CREDS_FILE_CREDENTIALS, err, errsz))) {
        aws_creds_profiles_clear(&f->ps);
        return -1;
    }
    return 0;
}

/* Whether a profile says anything about credentials (a "default" profile
 * that only sets a region is skipped, as botocore does). */
static bool has_credential_keys(const aws_creds_profile_t *pr) {
    static const aws_creds_key_t keys[] = {
        AWS_KEY_ACCESS_KEY_ID,      AWS_KEY_SECRET_ACCESS_KEY, AWS_KEY_ROLE_ARN,
        AWS_KEY_CREDENTIAL_PROCESS, AWS_KEY_SSO_SESSION,       AWS_KEY_SSO_START_URL};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (aws_creds_profile_get(pr, keys[i])) return true;
    return false;
}

/* --- one fetch --- */

typedef struct fetch {
    aws_provider_t *p;
    aws_creds_env_t env;
    aws_fetch_ctx_t x;
} fetch_t;

static const char *fetch_getenv(const char *name, void *ctx) {
    aws_provider_t *p = ctx;
    return p->getenv_fn(name, p->getenv_ctx);
}

static int env_keys(const aws_creds_env_t *env, aws_creds_t *out, char *err, size_t errsz) {
    if (!env->access_key_id || !env->secret_access_key) {
        snprintf(err, errsz, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set");
        return -1;
    }
    aws_creds_t c = {(char *)env->access_key_id, (char *)env->secret_access_key,
                     (char *)env->session_token, 0};
    creds_copy(out, &c);
    return 0;
}

/* Runs a profile's plan. sts_region: for its STS calls. */
static int run_plan(fetch_t *f, const aws_creds_plan_t *plan, const char *sts_region,
                    aws_creds_t *out, char *err, size_t errsz) {
    aws_creds_t cur = {0};
    char why[600];
    for (size_t i = 0; i < plan->n; i++) {
        const aws_creds_step_t *s = &plan->steps[i];
        aws_creds_t next = {0};
        int rc = 0;
        switch (s->kind) {
        case AWS_STEP_STATIC: {
            aws_creds_t c = {(char *)s->access_key_id, (char *)s->secret_access_key,
                             (char *)s->session_token, 0};
            creds_copy(&next, &c);
            break;
        }
        case AWS_STEP_PROCESS:
            rc = aws_fetch_process(&f->x, s->command, &next, why, sizeof why);
            break;
        case AWS_STEP_WEB_IDENTITY:
        case AWS_STEP_ASSUME_ROLE:
            rc = aws_fetch_sts(&f->x, s, sts_region, &cur, &next, why, sizeof why);
            break;
        case AWS_STEP_CREDENTIAL_SOURCE:
            if (strcmp(s->source, "Environment") == 0)
                rc = env_keys(&f->env, &next, why, sizeof why);
            else if (strcmp(s->source, "EcsContainer") == 0)
                rc = aws_fetch_container(&f->x, &next, why, sizeof why);
            else
                rc = aws_fetch_imds(&f->x, &next, why, sizeof why) ? -1 : 0;
            break;
        }
        aws_creds_clear(&cur);
        if (rc) {
            aws_creds_clear(&next);
            snprintf(err, errsz, "profile %.100s (%s): %.400s", s->profile,
                     aws_creds_step_kind_name(s->kind), why);
            return -1;
        }
        cur = next;
    }
    *out = cur;
    return 0;
}

static const char *source_label(aws_creds_source_t s) {
    switch (s) {
    case AWS_SOURCE_ENV: return "env";
    case AWS_SOURCE_PROFILE: return "profile";
    case AWS_SOURCE_WEB_IDENTITY: return "web-identity";
    case AWS_SOURCE_CONTAINER: return "container";
    case AWS_SOURCE_IMDS: return "imds";
    }
    return "?";
}

/* The chain, then opts.role_arn. */
static int fetch_chain(aws_provider_t *p, int64_t now_ms, aws_creds_t *out, const char **source,
                       char *err, size_t errsz) {
    fetch_t f = {.p = p};
    aws_creds_env_read(&f.env, fetch_getenv, p);
    f.x = (aws_fetch_ctx_t){.env = &f.env, .getenv_fn = fetch_getenv, .getenv_ctx = p,
                            .connect_timeout_ms = p->connect_timeout_ms,
                            .timeout_ms = p->timeout_ms,
                            .process_timeout_ms = p->process_timeout_ms,
                            .now = (time_t)(now_ms / 1000)};
    files_t files;
    char why[600];
    if (load_files(&f.env, p->getenv_fn("HOME", p->getenv_ctx), &files, why, sizeof why)) {
        snprintf(err, errsz, "AWS shared config: %s", why);
        return -1;
    }
    int rc = -1;
    const char *pname = p->profile ? p->profile : f.env.profile ? f.env.profile : "default";
    bool explicit_profile = p->profile || f.env.profile;
    aws_creds_plan_t plan = {0};
    bool have_plan = false;
    const aws_creds_profile_t *pr = aws_creds_profile_find(&files.ps, pname);
    if (pr && (explicit_profile || has_credential_keys(pr))) {
        if (aws_creds_plan_resolve(&files.ps, pname, &plan, why, sizeof why)) {
            snprintf(err, errsz, "AWS profile %s: %s", pname, why);
            goto done;
        }
        have_plan = true;
    } else if (explicit_profile) {
        snprintf(err, errsz, "AWS profile %.100s not found in %.300s or %.300s", pname,
                 files.conf_path[0] ? files.conf_path : "(no config file)",
                 files.cred_path[0] ? files.cred_path : "(no credentials file)");
        goto done;
    }
    aws_creds_source_t order[5];
    int n;
    if (p->profile) {
        order[0] = AWS_SOURCE_PROFILE; /* awsProfileName: that profile only */
        n = 1;
    } else if ((n = aws_creds_chain(&f.env, have_plan ? &plan : NULL, order, why, sizeof why)) <
               0) {
        snprintf(err, errsz, "AWS environment: %s", why);
        goto done;
    }
    const char *sts_region = plan.region ? plan.region : f.env.region;
    aws_creds_t got = {0};
    const char *src = NULL;
    char none[400] = "";
    for (int i = 0; i < n && !src; i++) {
        int r = 0;
        switch (order[i]) {
        case AWS_SOURCE_ENV:
            r = env_keys(&f.env, &got, why, sizeof why);
            break;
        case AWS_SOURCE_PROFILE:
            r = run_plan(&f, &plan, sts_region, &got, why, sizeof why);
            break;
        case AWS_SOURCE_WEB_IDENTITY: {
            aws_creds_step_t s = {.kind = AWS_STEP_WEB_IDENTITY,
                                  .profile = "(environment)",
                                  .role_arn = f.env.role_arn,
                                  .role_session_name = f.env.role_session_name,
                                  .token_file = f.env.web_identity_token_file};
            r = aws_fetch_sts(&f.x, &s, f.env.region, NULL, &got, why, sizeof why);
            break;
        }
        case AWS_SOURCE_CONTAINER:
            r = aws_fetch_container(&f.x, &got, why, sizeof why);
            break;
        case AWS_SOURCE_IMDS:
            r = aws_fetch_imds(&f.x, &got, why, sizeof why);
            break;
        }
        if (r == AWS_FETCH_NONE) {
            snprintf(none, sizeof none, "; instance metadata: %.300s", why);
            continue;
        }
        if (r) {
            snprintf(err, errsz, "AWS credentials from %s: %s", source_label(order[i]), why);
            goto done;
        }
        src = source_label(order[i]);
    }
    if (!src) {
        snprintf(err, errsz,
                 "no AWS credentials found (environment, profile %s, web identity, container, "
                 "instance metadata%s)%s",
                 pname, f.env.imds_disabled ? " disabled" : "", none);
        goto done;
    }
    if (p->role_arn) {
        aws_creds_step_t s = {.kind = AWS_STEP_ASSUME_ROLE,
                              .profile = "(awsRoleArn)",
                              .role_arn = p->role_arn,
                              .role_session_name = p->role_session_name};
        aws_creds_t role = {0};
        const char *region = p->sts_region ? p->sts_region : p->region;
        if (aws_fetch_sts(&f.x, &s, region, &got, &role, why, sizeof why)) {
            aws_creds_clear(&got);
            snprintf(err, errsz, "AWS credentials: assuming %s with the credentials from %s: %s",
                     p->role_arn, src, why);
            goto done;
        }
        aws_creds_clear(&got);
        got = role;
        src = "assume-role";
    }
    *out = got;
    *source = src;
    rc = 0;
done:
    aws_creds_plan_clear(&plan);
    aws_creds_profiles_clear(&files.ps);
    return rc;
}

int aws_provider_get(aws_provider_t *p, int64_t now_ms, aws_creds_t *out, const char **source,
                     char *err, size_t errsz) {
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&p->lock);
    int need;
    for (;;) {
        need = p->cached.access_key_id ? aws_creds_refresh_needed(&p->cached, now_ms) : 2;
        if (!need || !p->refreshing) break;
        if (need == 1) { /* another caller is refreshing: these are still good */
            need = 0;
            break;
        }
        pthread_cond_wait(&p->fetched, &p->lock);
    }
    int rc = 0;
    if (need) {
        p->refreshing = true;
        pthread_mutex_unlock(&p->lock);
        aws_creds_t fresh = {0};
        const char *src = NULL;
        char why[1024];
        int fetched = fetch_chain(p, now_ms, &fresh, &src, why, sizeof why) == 0;
        if (fetched && fresh.expiration_ms && fresh.expiration_ms <= now_ms) {
            time_t t = (time_t)(fresh.expiration_ms / 1000);
            struct tm tm;
            char when[32] = "?";
            if (gmtime_r(&t, &tm)) strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
            snprintf(why, sizeof why,
                     "AWS credentials from %s (access key id %.40s) are already expired "
                     "(Expiration %s)",
                     src, fresh.access_key_id, when);
            aws_creds_clear(&fresh);
            fetched = 0;
        }
        pthread_mutex_lock(&p->lock);
        p->refreshing = false;
        pthread_cond_broadcast(&p->fetched);
        if (fetched) {
            aws_creds_clear(&p->cached);
            p->cached = fresh;
            p->cached_source = src;
            log_debug("aws: credentials from %s, access key id %s%s", src, fresh.access_key_id,
                      fresh.expiration_ms ? ", temporary" : "");
        } else if (need == 1) {
            log_warn("aws: refreshing credentials failed, using the current ones until they "
                     "expire: %s", why);
        } else {
            snprintf(err, errsz, "%s", why);
            rc = -1;
        }
    }
    if (rc == 0) {
        creds_copy(out, &p->cached);
        if (source) *source = p->cached_source;
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

int aws_provider_region(aws_provider_t *p, char *out, size_t outsz) {
    aws_creds_env_t env;
    aws_creds_env_read(&env, fetch_getenv, p);
    if (env.region) {
        snprintf(out, outsz, "%s", env.region);
        return 0;
    }
    files_t files;
    char why[300];
    if (load_files(&env, p->getenv_fn("HOME", p->getenv_ctx), &files, why, sizeof why)) return -1;
    const char *pname = p->profile ? p->profile : env.profile ? env.profile : "default";
    const aws_creds_profile_t *pr = aws_creds_profile_find(&files.ps, pname);
    const char *r = pr ? aws_creds_profile_get(pr, AWS_KEY_REGION) : NULL;
    if (r) snprintf(out, outsz, "%s", r);
    aws_creds_profiles_clear(&files.ps);
    return r ? 0 : -1;
}

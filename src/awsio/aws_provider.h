#ifndef KMIG_AWSIO_AWS_PROVIDER_H
#define KMIG_AWSIO_AWS_PROVIDER_H
/* AWS credentials for kmig's clients: the SDKs' default chain
 * (docs/SECURITY.md 1.2) run for real, cached and refreshed. Order:
 * environment keys; the profile (AWS_PROFILE or "default", or the one given
 * in opts: then the profile alone, as awsProfileName does in Java); web
 * identity from the environment; the container endpoint; EC2 IMDSv2. A
 * source that is configured but fails is an error naming it, the next one is
 * not tried; IMDS unreachable (or without a role) means "no credentials".
 * opts.role_arn then assumes that role with what the chain gave (awsRoleArn).
 *
 * Refresh (aws_creds_refresh_needed): fresh credentials are returned from
 * the cache; within the advisory window a refresh is tried and the cached
 * ones are kept if it fails; within the mandatory window (or expired) a
 * failed refresh is an error.
 *
 * Threads: aws_provider_get may be called from any thread (librdkafka calls
 * the OAUTHBEARER refresh callback from its background thread). A
 * provider-local mutex serialises fetches and is held across the HTTP calls
 * and credential_process of one refresh (each bounded by its timeouts: at
 * most a few times 10 s); it is never a Kafka I/O lock, so a slow refresh
 * delays only the callers waiting for credentials.
 *
 * Secrets: credentials are copied out to the caller; errors never contain a
 * secret. Ownership: the provider copies opts' strings; *out of
 * aws_provider_get is the caller's (aws_creds_clear). */
#include <stdint.h>

#include "auth/aws_creds.h"

typedef struct aws_provider aws_provider_t;

typedef struct aws_provider_opts {
    const char *profile;           /* awsProfileName / --profile; NULL: the default chain */
    const char *role_arn;          /* awsRoleArn: AssumeRole on top of the chain; NULL: none */
    const char *role_session_name; /* awsRoleSessionName; NULL: kmig-<epoch> */
    const char *sts_region;        /* awsStsRegion: STS region for role_arn; NULL: region */
    const char *region;            /* the cluster's region (STS of role_arn when no sts_region) */
    /* The environment; NULL: getenv. Tests pass a table. */
    const char *(*getenv_fn)(const char *name, void *ctx);
    void *getenv_ctx;
    long connect_timeout_ms; /* 0: 2000 */
    long timeout_ms;         /* 0: 10000 per request */
    int process_timeout_ms;  /* 0: 60000 */
} aws_provider_opts_t;

aws_provider_t *aws_provider_new(const aws_provider_opts_t *opts);

/* Credentials valid at now_ms (ms since the epoch) in *out (zeroed or
 * cleared), and in *source (may be NULL) which source gave them: "env",
 * "profile", "web-identity", "container", "imds" or "assume-role" (static
 * strings). Returns 0, or -1 with one line naming the failing source. */
int aws_provider_get(aws_provider_t *p, int64_t now_ms, aws_creds_t *out, const char **source,
                     char *err, size_t errsz);

/* The region the environment or the profile names: AWS_REGION, else
 * AWS_DEFAULT_REGION, else the profile's `region`. Returns 0, or -1 when
 * none is set. */
int aws_provider_region(aws_provider_t *p, char *out, size_t outsz);

void aws_provider_destroy(aws_provider_t *p); /* wipes the cache; NULL is fine */

#endif

#ifndef KMIG_AWSIO_AWS_FETCH_H
#define KMIG_AWSIO_AWS_FETCH_H
/* The credential fetchers, one per kind of source: STS (AssumeRole signed
 * with SigV4, AssumeRoleWithWebIdentity), the ECS/EKS container endpoint, EC2
 * IMDSv2 and credential_process. Each makes its requests (awshttp.h,
 * awsproc.h) and parses the answer with src/auth/aws_creds_parse.c. Impure.
 *
 * Endpoints (docs/SECURITY.md 1.2), read through the context's getenv:
 * STS at AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else
 * https://sts.<region>.amazonaws.com (https://sts.amazonaws.com without a
 * region), signed for the host of the URL actually used; IMDS at
 * AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254; the
 * container URL of aws_creds_container_url.
 *
 * Secrets: see aws_creds.h; errors name the source, the URL without query,
 * the role ARN and the HTTP status or STS error code, never a secret.
 * Ownership: everything is borrowed; *out is filled (zeroed or cleared). */
#include <stdint.h>

#include "auth/aws_creds.h"

typedef struct aws_fetch_ctx {
    const aws_creds_env_t *env;
    const char *(*getenv_fn)(const char *name, void *ctx); /* for the endpoint variables */
    void *getenv_ctx;
    long connect_timeout_ms; /* 0: 2000 */
    long timeout_ms;         /* 0: 10000 */
    int process_timeout_ms;  /* 0: 60000 */
    time_t now;              /* for default session names */
} aws_fetch_ctx_t;

/* Results: 0 credentials in *out; -1 the source failed (err); AWS_FETCH_NONE
 * the source has nothing (IMDS unreachable or no role): try the next one. */
#define AWS_FETCH_NONE 1

/* An ASSUME_ROLE step (signed with *signer) or a WEB_IDENTITY step (its
 * token file read here). region: the STS region, NULL/"" for the global
 * endpoint. */
int aws_fetch_sts(const aws_fetch_ctx_t *x, const aws_creds_step_t *step, const char *region,
                  const aws_creds_t *signer, aws_creds_t *out, char *err, size_t errsz);
int aws_fetch_container(const aws_fetch_ctx_t *x, aws_creds_t *out, char *err, size_t errsz);
int aws_fetch_imds(const aws_fetch_ctx_t *x, aws_creds_t *out, char *err, size_t errsz);
int aws_fetch_process(const aws_fetch_ctx_t *x, const char *command, aws_creds_t *out, char *err,
                      size_t errsz);


#endif

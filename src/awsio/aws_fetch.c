/* Fetchers of AWS credentials from each kind of source: the requests of
 * STS, the container endpoint and IMDSv2, and credential_process, with their
 * answers parsed by the pure src/auth/aws_creds_parse.c. The chain that decides
 * which to call, and the caching, are in aws_provider.c. */
#include "awsio/aws_fetch.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth/sigv4.h"
#include "awsio/awshttp.h"
#include "awsio/awsproc.h"
#include "core/fileio.h"

#define TOKEN_FILE_MAX (64 * 1024)

static const char *xgetenv(const aws_fetch_ctx_t *x, const char *name) {
    const char *v = x->getenv_fn ? x->getenv_fn(name, x->getenv_ctx) : getenv(name);
    return v && *v ? v : NULL;
}

static void req_defaults(const aws_fetch_ctx_t *x, awshttp_req_t *r) {
    r->connect_timeout_ms = x->connect_timeout_ms;
    r->timeout_ms = x->timeout_ms;
}

/* GETs the credentials at hr's URL (`where` in messages) and parses them
 * with `parse` (the container's and IMDS's JSON). Returns 0, or -1 with err. */
static int get_creds(const aws_fetch_ctx_t *x, awshttp_req_t *hr, const char *where,
                     int (*parse)(const char *, size_t, aws_creds_t *, char *, size_t),
                     aws_creds_t *out, char *err, size_t errsz) {
    char why[400];
    awshttp_resp_t resp;
    req_defaults(x, hr);
    if (awshttp_do(hr, &resp, why, sizeof why) != AWSHTTP_OK) {
        snprintf(err, errsz, "%s", why);
        return -1;
    }
    int rc = -1;
    if (resp.status != 200)
        snprintf(err, errsz, "GET %s: HTTP %ld", where, resp.status);
    else if (parse(resp.body.s ? resp.body.s : "", resp.body.len, out, why, sizeof why))
        snprintf(err, errsz, "GET %s: %s", where, why);
    else
        rc = 0;
    awshttp_resp_clear(&resp);
    return rc;
}

/* Trims trailing whitespace (token files end with a newline). */
static void rtrim(sbuf_t *b) {
    while (b->len && isspace((unsigned char)b->s[b->len - 1])) b->s[--b->len] = '\0';
}

/* --- STS --- */

/* The authority of an http(s) URL ("host[:port]") into out; the path must be
 * empty or "/". */
static int url_authority(const char *url, char *out, size_t outsz) {
    const char *p = strstr(url, "://");
    if (!p || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))) return -1;
    p += 3;
    size_t n = strcspn(p, "/?#");
    if (n == 0 || n >= outsz || memchr(p, '@', n)) return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}

int aws_fetch_sts(const aws_fetch_ctx_t *x, const aws_creds_step_t *step, const char *region,
                  const aws_creds_t *signer, aws_creds_t *out, char *err, size_t errsz) {
    memset(out, 0, sizeof *out);
    bool web = step->kind == AWS_STEP_WEB_IDENTITY;
    const char *action = web ? "AssumeRoleWithWebIdentity" : "AssumeRole";
    sbuf_t token = {0};
    if (web) {
        if (!step->token_file) {
            snprintf(err, errsz, "%s: no web identity token file", action);
            return -1;
        }
        char why[300];
        int rc = fileio_read(step->token_file, TOKEN_FILE_MAX, &token, why, sizeof why);
        if (rc) {
            snprintf(err, errsz, "%s: the web identity token file %s: %s", action,
                     step->token_file, rc > 0 ? "does not exist" : why);
            fileio_wipe(&token);
            return -1;
        }
        rtrim(&token);
    } else if (!signer || !signer->access_key_id) {
        snprintf(err, errsz, "%s: no credentials to sign the request with", action);
        return -1;
    }
    char session[40];
    snprintf(session, sizeof session, "kmig-%lld", (long long)x->now);
    aws_creds_sts_call_t call;
    char why[400];
    if (aws_creds_sts_call(step, session, region, web ? sbuf_str(&token) : NULL, &call, why,
                           sizeof why)) {
        snprintf(err, errsz, "%s: %s", action, why);
        fileio_wipe(&token);
        return -1;
    }
    /* The endpoint: an override, else the call's host. */
    const char *over = xgetenv(x, "AWS_ENDPOINT_URL_STS");
    if (!over) over = xgetenv(x, "AWS_ENDPOINT_URL");
    char url[512], host[256];
    if (over) {
        if (url_authority(over, host, sizeof host)) {
            snprintf(err, errsz, "%s: the STS endpoint override is not an http(s)://host[:port] URL",
                     action);
            fileio_wipe(&token);
            return -1;
        }
        snprintf(url, sizeof url, "%s://%s/", strncmp(over, "https", 5) ? "http" : "https", host);
    } else {
        snprintf(host, sizeof host, "%s", call.host);
        snprintf(url, sizeof url, "https://%s/", host);
    }
    sbuf_t body = {0};
    for (size_t i = 0; i < call.n; i++) {
        if (i) sbuf_puts(&body, "&");
        sigv4_uri_encode(&body, call.params[i].name, strlen(call.params[i].name), false);
        sbuf_puts(&body, "=");
        const char *v = call.params[i].value ? call.params[i].value : "";
        sigv4_uri_encode(&body, v, strlen(v), false);
    }
    fileio_wipe(&token);
    static const char ctype[] = "application/x-www-form-urlencoded; charset=utf-8";
    sbuf_t hosth = {0}, dateh = {0}, tokh = {0}, authh = {0};
    sbuf_printf(&hosth, "Host: %s", host);
    const char *headers[6];
    size_t nh = 0;
    headers[nh++] = hosth.s;
    headers[nh++] = "Content-Type: application/x-www-form-urlencoded; charset=utf-8";
    headers[nh++] = "Accept: application/xml";
    sigv4_signed_t sig = {0};
    int rc = -1;
    if (!web) {
        sigv4_kv_t sh[] = {{"host", host}, {"content-type", ctype}};
        sigv4_request_t req = {.method = "POST", .path = "/", .headers = sh, .n_headers = 2,
                               .payload = body.s, .payload_len = body.len};
        sigv4_creds_t c = {signer->access_key_id, signer->secret_access_key,
                           signer->session_token};
        const char *sign_region = region && *region ? region : "us-east-1";
        if (sigv4_sign_headers(&req, &c, sign_region, "sts", x->now, &sig, why, sizeof why)) {
            snprintf(err, errsz, "%s: cannot sign the request: %s", action, why);
            goto out;
        }
        sbuf_printf(&dateh, "X-Amz-Date: %s", sig.amz_date);
        headers[nh++] = dateh.s;
        if (signer->session_token && *signer->session_token) {
            sbuf_printf(&tokh, "X-Amz-Security-Token: %s", signer->session_token);
            headers[nh++] = tokh.s;
        }
        sbuf_printf(&authh, "Authorization: %s", sig.authorization);
        headers[nh++] = authh.s;
    }
    awshttp_req_t hr = {.method = "POST", .url = url, .headers = headers, .n_headers = nh,
                        .body = body.s, .body_len = body.len};
    req_defaults(x, &hr);
    awshttp_resp_t resp;
    awshttp_rc_t hrc = awshttp_do(&hr, &resp, why, sizeof why);
    if (hrc != AWSHTTP_OK) {
        snprintf(err, errsz, "STS %s of %s: %s", action, step->role_arn, why);
        goto out;
    }
    if (aws_creds_parse_sts_xml(resp.body.s ? resp.body.s : "", resp.body.len, out, why,
                                sizeof why)) {
        snprintf(err, errsz, "STS %s of %s at %s: HTTP %ld: %s", action, step->role_arn, host,
                 resp.status, why);
    } else if (resp.status != 200) {
        aws_creds_clear(out);
        snprintf(err, errsz, "STS %s of %s at %s: HTTP %ld", action, step->role_arn, host,
                 resp.status);
    } else {
        rc = 0;
    }
    awshttp_resp_clear(&resp);
out:
    sigv4_signed_clear(&sig);
    fileio_wipe(&body);
    fileio_wipe(&tokh);
    fileio_wipe(&authh);
    sbuf_free(&dateh);
    sbuf_free(&hosth);
    return rc;
}

/* --- container --- */

int aws_fetch_container(const aws_fetch_ctx_t *x, aws_creds_t *out, char *err, size_t errsz) {
    memset(out, 0, sizeof *out);
    sbuf_t url = {0}, tok = {0}, authh = {0};
    char why[400], where[300];
    int rc = -1;
    if (aws_creds_container_url(x->env, &url, why, sizeof why)) {
        snprintf(err, errsz, "%s", why);
        sbuf_free(&url);
        return -1;
    }
    awshttp_url_for_msg(url.s, where, sizeof where);
    if (x->env->container_auth_token_file) {
        int r = fileio_read(x->env->container_auth_token_file, TOKEN_FILE_MAX, &tok, why,
                                    sizeof why);
        if (r) {
            snprintf(err, errsz, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: %s",
                     x->env->container_auth_token_file, r > 0 ? "does not exist" : why);
            goto out;
        }
        rtrim(&tok);
    } else if (x->env->container_auth_token) {
        sbuf_puts(&tok, x->env->container_auth_token);
    }
    const char *headers[2];
    size_t nh = 0;
    headers[nh++] = "Accept: application/json";
    if (tok.len) {
        if (strpbrk(tok.s, "\r\n")) {
            snprintf(err, errsz, "the container authorization token contains a line break");
            goto out;
        }
        sbuf_printf(&authh, "Authorization: %s", tok.s);
        headers[nh++] = authh.s;
    }
    awshttp_req_t hr = {.method = "GET", .url = url.s, .headers = headers, .n_headers = nh};
    rc = get_creds(x, &hr, where, aws_creds_parse_ecs, out, err, errsz);
out:
    sbuf_free(&url);
    fileio_wipe(&tok);
    fileio_wipe(&authh);
    return rc;
}

/* --- IMDSv2 --- */

int aws_fetch_imds(const aws_fetch_ctx_t *x, aws_creds_t *out, char *err, size_t errsz) {
    memset(out, 0, sizeof *out);
    const char *ep = xgetenv(x, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
    char base[300];
    snprintf(base, sizeof base, "%s", ep ? ep : "http://169.254.169.254");
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/') base[--bl] = '\0';
    char url[512], why[400];
    sbuf_t tokh = {0};
    awshttp_resp_t resp = {0};
    int rc = -1;
    /* 1. the session token */
    snprintf(url, sizeof url, "%s/latest/api/token", base);
    const char *th[] = {"X-aws-ec2-metadata-token-ttl-seconds: 21600"};
    awshttp_req_t hr = {.method = "PUT", .url = url, .headers = th, .n_headers = 1};
    req_defaults(x, &hr);
    awshttp_rc_t hrc = awshttp_do(&hr, &resp, why, sizeof why);
    if (hrc == AWSHTTP_UNREACHABLE) {
        snprintf(err, errsz, "%s", why);
        return AWS_FETCH_NONE;
    }
    if (hrc != AWSHTTP_OK) {
        snprintf(err, errsz, "%s", why);
        return -1;
    }
    if (resp.status != 200 || resp.body.len == 0 || strpbrk(resp.body.s, "\r\n")) {
        snprintf(err, errsz, "PUT %s: HTTP %ld%s", url, resp.status,
                 resp.status == 200 ? " with an unusable token" : "");
        awshttp_resp_clear(&resp);
        return -1;
    }
    sbuf_printf(&tokh, "X-aws-ec2-metadata-token: %s", resp.body.s);
    awshttp_resp_clear(&resp);
    const char *gh[] = {tokh.s};
    /* 2. the role name */
    snprintf(url, sizeof url, "%s/latest/meta-data/iam/security-credentials/", base);
    hr = (awshttp_req_t){.method = "GET", .url = url, .headers = gh, .n_headers = 1};
    req_defaults(x, &hr);
    if (awshttp_do(&hr, &resp, why, sizeof why) != AWSHTTP_OK) {
        snprintf(err, errsz, "%s", why);
        goto out;
    }
    if (resp.status == 404) {
        snprintf(err, errsz, "the instance has no IAM role (GET %s: HTTP 404)", url);
        rc = AWS_FETCH_NONE;
        goto out;
    }
    char role[65];
    if (resp.status != 200) {
        snprintf(err, errsz, "GET %s: HTTP %ld", url, resp.status);
        goto out;
    }
    if (aws_creds_imds_role_name(resp.body.s ? resp.body.s : "", resp.body.len, role, why,
                                 sizeof why)) {
        snprintf(err, errsz, "GET %s: %s", url, why);
        goto out;
    }
    awshttp_resp_clear(&resp);
    /* 3. the role's credentials */
    snprintf(url, sizeof url, "%s/latest/meta-data/iam/security-credentials/%s", base, role);
    hr = (awshttp_req_t){.method = "GET", .url = url, .headers = gh, .n_headers = 1};
    rc = get_creds(x, &hr, url, aws_creds_parse_imds, out, err, errsz);
out:
    awshttp_resp_clear(&resp);
    fileio_wipe(&tokh);
    return rc;
}

/* --- credential_process --- */

int aws_fetch_process(const aws_fetch_ctx_t *x, const char *command, aws_creds_t *out, char *err,
                      size_t errsz) {
    memset(out, 0, sizeof *out);
    sbuf_t o = {0};
    char why[300];
    int rc = -1;
    if (awsproc_run(command, x->process_timeout_ms, AWSPROC_MAX_OUT, &o, why, sizeof why))
        snprintf(err, errsz, "%s", why);
    else if (aws_creds_parse_process(o.s ? o.s : "", o.len, out, why, sizeof why))
        snprintf(err, errsz, "credential_process output: %s", why);
    else
        rc = 0;
    fileio_wipe(&o);
    return rc;
}

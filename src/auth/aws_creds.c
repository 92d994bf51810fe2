/* AWS credentials as data, for MSK IAM authentication: the shared
 * credentials and config files, the resolution of a profile into the steps
 * that yield its credentials (static keys, a credential process, web
 * identity, a credential source, role assumptions), and the parsing of the
 * answers of those steps (credential_process JSON, STS XML, ECS and IMDS
 * JSON). Everything that runs a process or calls a service lives elsewhere;
 * this module only decides and parses, so every rule is unit-tested
 * (tests/unit/test_aws_creds.c). */
#include "auth/aws_creds.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "core/sbuf.h"

static void set_err(char *err, size_t errsz, const char *msg) {
    if (err && errsz)
        snprintf(err, errsz, "%s", msg);
}

static void wipe_free(char *s) {
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

/* --- profiles --- */

static const char *const key_names[AWS_KEY_COUNT] = {
    "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "region",
    "role_arn",          "source_profile",        "credential_source", "credential_process",
    "web_identity_token_file", "role_session_name", "external_id",     "duration_seconds",
    "sso_session",       "sso_start_url"};

const aws_creds_profile_t *aws_creds_profile_find(const aws_creds_profiles_t *ps,
                                                  const char *name) {
    for (size_t i = 0; ps && i < ps->n; i++)
        if (strcmp(ps->v[i].name, name) == 0)
            return &ps->v[i];
    return NULL;
}

const char *aws_creds_profile_get(const aws_creds_profile_t *p, aws_creds_key_t key) {
    if (!p || key < 0 || key >= AWS_KEY_COUNT || !p->values[key] || !p->values[key][0])
        return NULL;
    return p->values[key];
}

static aws_creds_profile_t *profile_get_or_add(aws_creds_profiles_t *ps, const char *name,
                                               size_t nlen) {
    for (size_t i = 0; i < ps->n; i++)
        if (strlen(ps->v[i].name) == nlen && memcmp(ps->v[i].name, name, nlen) == 0)
            return &ps->v[i];
    ps->v = xrealloc(ps->v, (ps->n + 1) * sizeof *ps->v);
    aws_creds_profile_t *p = &ps->v[ps->n++];
    memset(p, 0, sizeof *p);
    p->name = xstrndup(name, nlen);
    return p;
}

void aws_creds_profiles_clear(aws_creds_profiles_t *ps) {
    if (!ps)
        return;
    for (size_t i = 0; i < ps->n; i++) {
        free(ps->v[i].name);
        for (int k = 0; k < AWS_KEY_COUNT; k++)
            wipe_free(ps->v[i].values[k]);
    }
    free(ps->v);
    ps->v = NULL;
    ps->n = 0;
}

static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Trims [*b, *e) in place. */
static void trim(const char **b, const char **e) {
    while (*b < *e && is_space(**b))
        (*b)++;
    while (*e > *b && is_space((*e)[-1]))
        (*e)--;
}

int aws_creds_profiles_parse(aws_creds_profiles_t *ps, const char *text, size_t len,
                             aws_creds_file_t kind, const char *origin, char *err, size_t errsz) {
    const char *org = origin ? origin : (kind == AWS_CREDS_FILE_CONFIG ? "config" : "credentials");
    const char *p = text ? text : "", *end = p + (text ? len : 0);
    size_t lineno = 0;
    bool in_section = false;     /* after any section header */
    aws_creds_profile_t *cur = NULL; /* NULL in an ignored section */
    bool parent_empty = false;   /* the last key line had an empty value */
    bool have_key = false;       /* a key line was seen in this section */
    int last_key = -1;           /* its known-key index, or -1 */
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        lineno++;
        const char *b = p, *e = le;
        p = nl ? nl + 1 : end;
        if (memchr(b, '\0', (size_t)(e - b))) {
            snprintf(err, errsz, "%s:%zu: NUL byte in the file", org, lineno);
            return -1;
        }
        bool indented = b < e && (*b == ' ' || *b == '\t');
        trim(&b, &e);
        if (b == e || *b == '#' || *b == ';')
            continue;
        if (indented && have_key) {
            /* A continuation: sub-properties under an empty value are
             * ignored; a multi-line value of a key kmig uses is refused. */
            if (!parent_empty && last_key >= 0 && cur) {
                snprintf(err, errsz, "%s:%zu: %s has a continuation line (multi-line values are "
                         "not supported)", org, lineno, key_names[last_key]);
                return -1;
            }
            continue;
        }
        if (*b == '[') {
            const char *close = memchr(b, ']', (size_t)(e - b));
            if (!close) {
                snprintf(err, errsz, "%s:%zu: section header without ']'", org, lineno);
                return -1;
            }
            const char *after = close + 1;
            while (after < e && is_space(*after))
                after++;
            if (after < e && *after != '#' && *after != ';') {
                snprintf(err, errsz, "%s:%zu: text after a section header", org, lineno);
                return -1;
            }
            const char *nb = b + 1, *ne = close;
            trim(&nb, &ne);
            if (nb == ne) {
                snprintf(err, errsz, "%s:%zu: empty section name", org, lineno);
                return -1;
            }
            in_section = true;
            have_key = false;
            parent_empty = false;
            last_key = -1;
            cur = NULL;
            if (kind == AWS_CREDS_FILE_CREDENTIALS) {
                cur = profile_get_or_add(ps, nb, (size_t)(ne - nb));
            } else if ((size_t)(ne - nb) == 7 && memcmp(nb, "default", 7) == 0) {
                cur = profile_get_or_add(ps, "default", 7);
            } else if ((size_t)(ne - nb) > 8 && memcmp(nb, "profile", 7) == 0 &&
                       (nb[7] == ' ' || nb[7] == '\t')) {
                const char *pb = nb + 8;
                trim(&pb, &ne);
                if (pb == ne) {
                    snprintf(err, errsz, "%s:%zu: empty profile name", org, lineno);
                    return -1;
                }
                cur = profile_get_or_add(ps, pb, (size_t)(ne - pb));
            } /* else: sso-session, services, ... ignored */
            continue;
        }
        const char *eq = memchr(b, '=', (size_t)(e - b));
        if (!eq) {
            snprintf(err, errsz, "%s:%zu: expected 'key = value' or a [section]", org, lineno);
            return -1;
        }
        if (!in_section) {
            snprintf(err, errsz, "%s:%zu: a key before any [section]", org, lineno);
            return -1;
        }
        const char *kb = b, *ke = eq, *vb = eq + 1, *ve = e;
        trim(&kb, &ke);
        trim(&vb, &ve);
        if (kb == ke) {
            snprintf(err, errsz, "%s:%zu: empty key", org, lineno);
            return -1;
        }
        have_key = true;
        parent_empty = vb == ve;
        last_key = -1;
        for (int k = 0; k < AWS_KEY_COUNT; k++)
            if (strlen(key_names[k]) == (size_t)(ke - kb) &&
                strncasecmp(key_names[k], kb, (size_t)(ke - kb)) == 0)
                last_key = k;
        if (!cur || last_key < 0)
            continue;
        bool from_creds = kind == AWS_CREDS_FILE_CREDENTIALS;
        if (!from_creds && cur->from_credentials[last_key])
            continue; /* the credentials file wins */
        wipe_free(cur->values[last_key]);
        cur->values[last_key] = xstrndup(vb, (size_t)(ve - vb));
        cur->from_credentials[last_key] = from_creds;
    }
    return 0;
}

/* --- plan --- */

const char *aws_creds_step_kind_name(aws_creds_step_kind_t k) {
    switch (k) {
    case AWS_STEP_STATIC: return "static";
    case AWS_STEP_PROCESS: return "credential-process";
    case AWS_STEP_WEB_IDENTITY: return "web-identity";
    case AWS_STEP_CREDENTIAL_SOURCE: return "credential-source";
    case AWS_STEP_ASSUME_ROLE: return "assume-role";
    }
    return "?";
}

typedef struct resolver {
    const aws_creds_profiles_t *ps;
    aws_creds_plan_t *plan;
    const char *visited[AWS_CREDS_MAX_CHAIN + 1];
    size_t n_visited;
    char *err;
    size_t errsz;
} resolver_t;

static aws_creds_step_t *add_step(resolver_t *r, aws_creds_step_kind_t kind,
                                  const aws_creds_profile_t *p) {
    aws_creds_plan_t *pl = r->plan;
    pl->steps = xrealloc(pl->steps, (pl->n + 1) * sizeof *pl->steps);
    aws_creds_step_t *s = &pl->steps[pl->n++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->profile = p->name;
    return s;
}

static int role_fields(resolver_t *r, const aws_creds_profile_t *p, aws_creds_step_t *s) {
    s->role_arn = aws_creds_profile_get(p, AWS_KEY_ROLE_ARN);
    s->role_session_name = aws_creds_profile_get(p, AWS_KEY_ROLE_SESSION_NAME);
    s->external_id = aws_creds_profile_get(p, AWS_KEY_EXTERNAL_ID);
    const char *d = aws_creds_profile_get(p, AWS_KEY_DURATION_SECONDS);
    if (d) {
        char *endp;
        long v = strtol(d, &endp, 10);
        if (*endp || v < 900 || v > 43200) {
            snprintf(r->err, r->errsz,
                     "profile %s: duration_seconds must be a number from 900 to 43200", p->name);
            return -1;
        }
        s->duration_s = (int)v;
    }
    return 0;
}

/* Static keys of p: 1 added, 0 none, -1 incomplete. */
static int try_static(resolver_t *r, const aws_creds_profile_t *p) {
    const char *ak = aws_creds_profile_get(p, AWS_KEY_ACCESS_KEY_ID);
    const char *sk = aws_creds_profile_get(p, AWS_KEY_SECRET_ACCESS_KEY);
    if (!ak && !sk)
        return 0;
    if (!ak || !sk) {
        snprintf(r->err, r->errsz, "profile %s: %s without %s", p->name,
                 ak ? "aws_access_key_id" : "aws_secret_access_key",
                 ak ? "aws_secret_access_key" : "aws_access_key_id");
        return -1;
    }
    aws_creds_step_t *s = add_step(r, AWS_STEP_STATIC, p);
    s->access_key_id = ak;
    s->secret_access_key = sk;
    s->session_token = aws_creds_profile_get(p, AWS_KEY_SESSION_TOKEN);
    return 1;
}

static int resolve_source(resolver_t *r, const aws_creds_profile_t *p);

static bool visited(const resolver_t *r, const char *name) {
    for (size_t i = 0; i < r->n_visited; i++)
        if (strcmp(r->visited[i], name) == 0)
            return true;
    return false;
}

static void cycle_err(resolver_t *r, const char *name) {
    sbuf_t b = {0};
    for (size_t i = 0; i < r->n_visited; i++)
        sbuf_printf(&b, "%s -> ", r->visited[i]);
    sbuf_puts(&b, name);
    snprintf(r->err, r->errsz, "profile cycle: %s", sbuf_str(&b));
    sbuf_free(&b);
}

/* p has role_arn: its source, then AssumeRole. */
static int resolve_role(resolver_t *r, const aws_creds_profile_t *p) {
    const char *src = aws_creds_profile_get(p, AWS_KEY_SOURCE_PROFILE);
    const char *cs = aws_creds_profile_get(p, AWS_KEY_CREDENTIAL_SOURCE);
    if (src && cs) {
        snprintf(r->err, r->errsz, "profile %s: both source_profile and credential_source",
                 p->name);
        return -1;
    }
    if (r->n_visited >= AWS_CREDS_MAX_CHAIN) {
        snprintf(r->err, r->errsz, "profile %s: role chain longer than %d profiles", p->name,
                 AWS_CREDS_MAX_CHAIN);
        return -1;
    }
    r->visited[r->n_visited++] = p->name;
    if (cs) {
        if (strcmp(cs, "Environment") && strcmp(cs, "Ec2InstanceMetadata") &&
            strcmp(cs, "EcsContainer")) {
            snprintf(r->err, r->errsz,
                     "profile %s: credential_source must be Environment, Ec2InstanceMetadata or "
                     "EcsContainer",
                     p->name);
            return -1;
        }
        add_step(r, AWS_STEP_CREDENTIAL_SOURCE, p)->source = cs;
    } else {
        const aws_creds_profile_t *sp = aws_creds_profile_find(r->ps, src);
        if (!sp) {
            snprintf(r->err, r->errsz, "profile %s: source_profile %s does not exist", p->name,
                     src);
            return -1;
        }
        if (resolve_source(r, sp) != 0)
            return -1;
    }
    return role_fields(r, p, add_step(r, AWS_STEP_ASSUME_ROLE, p));
}

static int web_identity(resolver_t *r, const aws_creds_profile_t *p) {
    aws_creds_step_t *s = add_step(r, AWS_STEP_WEB_IDENTITY, p);
    s->token_file = aws_creds_profile_get(p, AWS_KEY_WEB_IDENTITY_TOKEN_FILE);
    return role_fields(r, p, s);
}

static int no_creds(resolver_t *r, const aws_creds_profile_t *p) {
    if (aws_creds_profile_get(p, AWS_KEY_ROLE_ARN))
        snprintf(r->err, r->errsz,
                 "profile %s: role_arn needs source_profile, credential_source or "
                 "web_identity_token_file",
                 p->name);
    else if (aws_creds_profile_get(p, AWS_KEY_SSO_SESSION) ||
             aws_creds_profile_get(p, AWS_KEY_SSO_START_URL))
        snprintf(r->err, r->errsz,
                 "profile %s: IAM Identity Center (SSO) profiles are not supported; use "
                 "credential_process or exported keys",
                 p->name);
    else
        snprintf(r->err, r->errsz, "profile %s has no credentials", p->name);
    return -1;
}

/* A profile used as source_profile: static keys first (so a profile may be
 * its own source), then its own role, web identity, process. */
static int resolve_source(resolver_t *r, const aws_creds_profile_t *p) {
    int st = try_static(r, p);
    if (st != 0)
        return st < 0 ? -1 : 0;
    if (visited(r, p->name)) {
        cycle_err(r, p->name);
        return -1;
    }
    const char *role = aws_creds_profile_get(p, AWS_KEY_ROLE_ARN);
    if (role && (aws_creds_profile_get(p, AWS_KEY_SOURCE_PROFILE) ||
                 aws_creds_profile_get(p, AWS_KEY_CREDENTIAL_SOURCE)))
        return resolve_role(r, p);
    if (role && aws_creds_profile_get(p, AWS_KEY_WEB_IDENTITY_TOKEN_FILE))
        return web_identity(r, p);
    const char *proc = aws_creds_profile_get(p, AWS_KEY_CREDENTIAL_PROCESS);
    if (proc) {
        add_step(r, AWS_STEP_PROCESS, p)->command = proc;
        return 0;
    }
    return no_creds(r, p);
}

int aws_creds_plan_resolve(const aws_creds_profiles_t *ps, const char *name,
                           aws_creds_plan_t *out, char *err, size_t errsz) {
    memset(out, 0, sizeof *out);
    const char *n = name && *name ? name : "default";
    const aws_creds_profile_t *p = aws_creds_profile_find(ps, n);
    if (!p) {
        snprintf(err, errsz, "profile %s not found in the AWS config or credentials file", n);
        return -1;
    }
    resolver_t r = {.ps = ps, .plan = out, .err = err, .errsz = errsz};
    int rc;
    const char *role = aws_creds_profile_get(p, AWS_KEY_ROLE_ARN);
    if (role && (aws_creds_profile_get(p, AWS_KEY_SOURCE_PROFILE) ||
                 aws_creds_profile_get(p, AWS_KEY_CREDENTIAL_SOURCE))) {
        rc = resolve_role(&r, p);
    } else if (role && aws_creds_profile_get(p, AWS_KEY_WEB_IDENTITY_TOKEN_FILE)) {
        rc = web_identity(&r, p);
    } else {
        rc = try_static(&r, p);
        if (rc == 0) {
            const char *proc = aws_creds_profile_get(p, AWS_KEY_CREDENTIAL_PROCESS);
            if (proc) {
                add_step(&r, AWS_STEP_PROCESS, p)->command = proc;
                rc = 0;
            } else {
                rc = no_creds(&r, p);
            }
        } else if (rc > 0) {
            rc = 0;
        }
    }
    if (rc != 0) {
        aws_creds_plan_clear(out);
        return -1;
    }
    out->region = aws_creds_profile_get(p, AWS_KEY_REGION);
    return 0;
}

void aws_creds_plan_clear(aws_creds_plan_t *plan) {
    if (!plan)
        return;
    free(plan->steps);
    memset(plan, 0, sizeof *plan);
}

/* --- credentials --- */

void aws_creds_clear(aws_creds_t *c) {
    if (!c)
        return;
    wipe_free(c->access_key_id);
    wipe_free(c->secret_access_key);
    wipe_free(c->session_token);
    memset(c, 0, sizeof *c);
}

static bool digits(const char *s, int n, int *v) {
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        *v = *v * 10 + (s[i] - '0');
    }
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int aws_creds_iso8601_ms(const char *s, int64_t *ms) {
    int Y, M, D, h, mi, sec;
    if (!s || strlen(s) < 19 || !digits(s, 4, &Y) || s[4] != '-' || !digits(s + 5, 2, &M) ||
        s[7] != '-' || !digits(s + 8, 2, &D) || !(s[10] == 'T' || s[10] == 't' || s[10] == ' ') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &sec))
        return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || (M == 2 && D == 29 && !leap) || h > 23 ||
        mi > 59 || sec > 60)
        return -1;
    const char *p = s + 19;
    int frac_ms = 0;
    if (*p == '.' || *p == ',') {
        p++;
        int nd = 0;
        while (isdigit((unsigned char)*p)) {
            if (nd < 3)
                frac_ms = frac_ms * 10 + (*p - '0');
            nd++;
            p++;
        }
        if (nd == 0 || nd > 9)
            return -1;
        for (int i = nd; i < 3; i++)
            frac_ms *= 10;
    }
    int offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om;
        p++;
        if (!digits(p, 2, &oh))
            return -1;
        p += 2;
        if (*p == ':')
            p++;
        if (!digits(p, 2, &om))
            return -1;
        p += 2;
        if (oh > 23 || om > 59)
            return -1;
        offset_min = sign * (oh * 60 + om);
    } else {
        return -1; /* a time without zone is ambiguous */
    }
    if (*p)
        return -1;
    int64_t days = days_from_civil(Y, M, D);
    int64_t t = ((days * 24 + h) * 60 + mi) * 60 + sec - (int64_t)offset_min * 60;
    *ms = t * 1000 + frac_ms;
    return 0;
}

/* --- JSON answers --- */

/* Printable ASCII without spaces: what AWS keys and tokens are made of. */
static bool plausible_secret(const char *s) {
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

static int json_str(json_t *o, const char *name, bool required, const char **out, char *err,
                    size_t errsz) {
    json_t *v = json_object_get(o, name);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required) {
            snprintf(err, errsz, "no %s", name);
            return -1;
        }
        return 0;
    }
    if (!json_is_string(v) || !plausible_secret(json_string_value(v))) {
        snprintf(err, errsz, "%s is not a non-empty string of printable characters", name);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

typedef enum { JSON_PROCESS, JSON_ECS, JSON_IMDS } json_kind_t;

static int parse_json_creds(const char *json, size_t len, json_kind_t kind, aws_creds_t *out,
                            char *err, size_t errsz) {
    static const char *const what[] = {"credential_process output", "container credentials",
                                       "instance metadata credentials"};
    memset(out, 0, sizeof *out);
    char why[160] = "";
    json_error_t je;
    json_t *root = json ? json_loadb(json, len, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!root) {
        /* je.text quotes the input (maybe a secret): line and column only */
        snprintf(err, errsz, "%s: not valid JSON (line %d, column %d)", what[kind],
                 json ? je.line : 0, json ? je.column : 0);
        return -1;
    }
    const char *ak, *sk, *tok, *exp;
    const char *tok_name = kind == JSON_PROCESS ? "SessionToken" : "Token";
    if (!json_is_object(root)) {
        snprintf(why, sizeof why, "not a JSON object");
        goto bad;
    }
    if (kind == JSON_PROCESS) {
        json_t *v = json_object_get(root, "Version");
        if (!json_is_integer(v) || json_integer_value(v) != 1) {
            snprintf(why, sizeof why, "Version must be 1");
            goto bad;
        }
    }
    if (kind == JSON_IMDS) {
        json_t *code = json_object_get(root, "Code");
        if (code && (!json_is_string(code) || strcmp(json_string_value(code), "Success") != 0)) {
            const char *c = json_is_string(code) ? json_string_value(code) : "?";
            snprintf(why, sizeof why, "Code is not Success (%.40s)", plausible_secret(c) ? c : "?");
            goto bad;
        }
    }
    bool temp = kind != JSON_PROCESS; /* container and instance credentials always expire */
    if (json_str(root, "AccessKeyId", true, &ak, why, sizeof why) ||
        json_str(root, "SecretAccessKey", true, &sk, why, sizeof why) ||
        json_str(root, tok_name, temp, &tok, why, sizeof why))
        goto bad;
    json_t *e = json_object_get(root, "Expiration");
    exp = NULL;
    if (e && !json_is_null(e)) {
        if (!json_is_string(e)) {
            snprintf(why, sizeof why, "Expiration is not a string");
            goto bad;
        }
        exp = json_string_value(e);
    } else if (temp) {
        snprintf(why, sizeof why, "no Expiration");
        goto bad;
    }
    if (exp && aws_creds_iso8601_ms(exp, &out->expiration_ms) != 0) {
        snprintf(why, sizeof why, "Expiration is not an ISO 8601 time");
        goto bad;
    }
    out->access_key_id = xstrdup(ak);
    out->secret_access_key = xstrdup(sk);
    out->session_token = tok ? xstrdup(tok) : NULL;
    json_decref(root);
    return 0;
bad:
    snprintf(err, errsz, "%s: %s", what[kind], why);
    json_decref(root);
    aws_creds_clear(out);
    return -1;
}

int aws_creds_parse_process(const char *json, size_t len, aws_creds_t *out, char *err,
                            size_t errsz) {
    return parse_json_creds(json, len, JSON_PROCESS, out, err, errsz);
}

int aws_creds_parse_ecs(const char *json, size_t len, aws_creds_t *out, char *err, size_t errsz) {
    return parse_json_creds(json, len, JSON_ECS, out, err, errsz);
}

int aws_creds_parse_imds(const char *json, size_t len, aws_creds_t *out, char *err, size_t errsz) {
    return parse_json_creds(json, len, JSON_IMDS, out, err, errsz);
}

/* --- STS XML --- */

/* Finds the single element <name>text</name> in [b, e). Returns 1 found
 * (*vb, *ve its raw text), 0 absent, -1 repeated or unterminated. */
static int xml_element(const char *b, const char *e, const char *name, const char **vb,
                       const char **ve) {
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", name);
    snprintf(close, sizeof close, "</%s>", name);
    size_t ol = strlen(open), cl = strlen(close);
    const char *found = NULL;
    for (const char *p = b; p + ol <= e; p++) {
        if (memcmp(p, open, ol) != 0)
            continue;
        if (found)
            return -1;
        found = p;
    }
    if (!found)
        return 0;
    const char *tb = found + ol;
    for (const char *p = tb; p + cl <= e; p++)
        if (memcmp(p, close, cl) == 0) {
            *vb = tb;
            *ve = p;
            return 1;
        }
    return -1;
}

/* Decodes the text of an element: the five predefined entities and &#N; /
 * &#xN; (ASCII only), surrounding whitespace trimmed; markup refused. */
static char *xml_text(const char *b, const char *e) {
    trim(&b, &e);
    sbuf_t out = {0};
    for (const char *p = b; p < e; p++) {
        if (*p == '<') {
            sbuf_free(&out);
            return NULL;
        }
        if (*p != '&') {
            sbuf_append(&out, p, 1);
            continue;
        }
        const char *semi = memchr(p, ';', (size_t)(e - p));
        if (!semi || semi - p > 10)
            goto bad;
        size_t n = (size_t)(semi - p - 1);
        const char *ent = p + 1;
        char c = 0;
        if (n == 3 && !memcmp(ent, "amp", 3))
            c = '&';
        else if (n == 2 && !memcmp(ent, "lt", 2))
            c = '<';
        else if (n == 2 && !memcmp(ent, "gt", 2))
            c = '>';
        else if (n == 4 && !memcmp(ent, "quot", 4))
            c = '"';
        else if (n == 4 && !memcmp(ent, "apos", 4))
            c = '\'';
        else if (n >= 2 && ent[0] == '#') {
            bool hex = ent[1] == 'x' || ent[1] == 'X';
            long v = 0;
            size_t i = hex ? 2 : 1;
            if (i >= n)
                goto bad;
            for (; i < n; i++) {
                int d = isdigit((unsigned char)ent[i]) ? ent[i] - '0'
                        : hex && isxdigit((unsigned char)ent[i])
                            ? tolower((unsigned char)ent[i]) - 'a' + 10
                            : -1;
                if (d < 0)
                    goto bad;
                v = v * (hex ? 16 : 10) + d;
                if (v > 0x7f)
                    goto bad;
            }
            if (v < 0x20 || v == 0x7f)
                goto bad;
            c = (char)v;
        } else {
            goto bad;
        }
        sbuf_append(&out, &c, 1);
        p = semi;
    }
    if (!out.s)
        return xstrdup("");
    return out.s;
bad:
    if (out.s)
        OPENSSL_cleanse(out.s, out.cap);
    sbuf_free(&out);
    return NULL;
}

/* Copies printable characters of s into buf (for STS error codes and messages). */
static void printable_copy(char *buf, size_t n, const char *s) {
    size_t j = 0;
    for (; s && *s && j + 1 < n; s++)
        buf[j++] = ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f) ? *s : '?';
    buf[j] = '\0';
}

int aws_creds_parse_sts_xml(const char *xml, size_t len, aws_creds_t *out, char *err,
                            size_t errsz) {
    memset(out, 0, sizeof *out);
    if (!xml || len == 0 || memchr(xml, '\0', len)) {
        set_err(err, errsz, "STS response: empty or binary");
        return -1;
    }
    const char *b = xml, *e = xml + len, *vb, *ve;
    if (memmem(xml, len, "<ErrorResponse", 14) && xml_element(b, e, "Error", &vb, &ve) >= 0) {
        /* <ErrorResponse><Error><Type/><Code/><Message/></Error>...: no secrets */
        char code[64] = "?", msg[200] = "";
        const char *cb, *ce;
        if (xml_element(b, e, "Code", &cb, &ce) == 1) {
            char *t = xml_text(cb, ce);
            printable_copy(code, sizeof code, t);
            free(t);
        }
        if (xml_element(b, e, "Message", &cb, &ce) == 1) {
            char *t = xml_text(cb, ce);
            printable_copy(msg, sizeof msg, t);
            free(t);
        }
        snprintf(err, errsz, "STS error %s%s%s", code, msg[0] ? ": " : "", msg);
        return -1;
    }
    int rc = xml_element(b, e, "Credentials", &vb, &ve);
    if (rc != 1) {
        set_err(err, errsz, rc == 0 ? "STS response: no <Credentials>"
                                    : "STS response: <Credentials> repeated or unterminated");
        return -1;
    }
    static const char *const fields[] = {"AccessKeyId", "SecretAccessKey", "SessionToken",
                                         "Expiration"};
    char *vals[4] = {0};
    for (int i = 0; i < 4; i++) {
        const char *fb, *fe;
        int r = xml_element(vb, ve, fields[i], &fb, &fe);
        if (r != 1) {
            snprintf(err, errsz, "STS response: <%s> %s", fields[i],
                     r == 0 ? "missing" : "repeated or unterminated");
            goto bad;
        }
        vals[i] = xml_text(fb, fe);
        if (!vals[i] || !plausible_secret(vals[i])) {
            snprintf(err, errsz, "STS response: <%s> is not plain printable text", fields[i]);
            goto bad;
        }
    }
    if (aws_creds_iso8601_ms(vals[3], &out->expiration_ms) != 0) {
        set_err(err, errsz, "STS response: <Expiration> is not an ISO 8601 time");
        goto bad;
    }
    out->access_key_id = vals[0];
    out->secret_access_key = vals[1];
    out->session_token = vals[2];
    free(vals[3]);
    return 0;
bad:
    for (int i = 0; i < 4; i++)
        wipe_free(vals[i]);
    aws_creds_clear(out);
    return -1;
}

/* --- environment, chain, container, IMDS, STS --- */

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

/* --- plan description, refresh policy --- */

void aws_creds_plan_describe(const aws_creds_plan_t *plan, sbuf_t *out) {
    for (size_t i = 0; plan && i < plan->n; i++) {
        const aws_creds_step_t *s = &plan->steps[i];
        sbuf_printf(out, "%zu. %s (profile %s)", i + 1, aws_creds_step_kind_name(s->kind),
                    s->profile ? s->profile : "?");
        switch (s->kind) {
        case AWS_STEP_STATIC:
            sbuf_printf(out, ": access key id %s%s", s->access_key_id,
                        s->session_token ? " with a session token" : "");
            break;
        case AWS_STEP_PROCESS:
            sbuf_printf(out, ": runs %s", s->command);
            break;
        case AWS_STEP_CREDENTIAL_SOURCE:
            sbuf_printf(out, ": %s", s->source);
            break;
        case AWS_STEP_WEB_IDENTITY:
        case AWS_STEP_ASSUME_ROLE:
            sbuf_printf(out, ": %s", s->role_arn);
            if (s->kind == AWS_STEP_WEB_IDENTITY)
                sbuf_printf(out, " with the token in %s", s->token_file);
            else if (i > 0)
                sbuf_printf(out, " using step %zu's credentials", i);
            if (s->role_session_name)
                sbuf_printf(out, ", session %s", s->role_session_name);
            if (s->external_id)
                sbuf_puts(out, ", with an external id");
            if (s->duration_s)
                sbuf_printf(out, ", %d s", s->duration_s);
            break;
        }
        sbuf_puts(out, "\n");
    }
}

int aws_creds_refresh_needed(const aws_creds_t *c, int64_t now_ms) {
    if (!c || c->expiration_ms == 0)
        return 0;
    int64_t left = c->expiration_ms - now_ms;
    if (left <= AWS_CREDS_MANDATORY_REFRESH_MS)
        return 2;
    if (left <= AWS_CREDS_ADVISORY_REFRESH_MS)
        return 1;
    return 0;
}

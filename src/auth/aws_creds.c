/* AWS credentials as data, for MSK IAM authentication: the shared
 * credentials and config files, the resolution of a profile into the steps
 * that yield its credentials (static keys, a credential process, web
 * identity, a credential source, role assumptions), and a plan described in
 * words. The answers of those steps are parsed in aws_creds_parse.c, the
 * default chain and the requests it makes are decided in aws_creds_chain.c.
 * Everything that runs a process or calls a service lives elsewhere; this
 * module only decides and parses, so every rule is unit-tested
 * (tests/unit/test_aws_creds.c). */
#include "auth/aws_creds.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/aws_creds_priv.h"
#include "core/sbuf.h"

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

/* --- plan description --- */

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

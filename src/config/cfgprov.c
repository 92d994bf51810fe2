/* Configuration providers: the `${provider:[path:]key}` references of Kafka's
 * ConfigTransformer resolved in every mm2.properties value at load time, with
 * the three providers that ship with Kafka (file, environment variable,
 * directory). A reference is `${`, then up to the next `}`: the provider name up
 * to the first ':', then an optional path up to the next ':', then the key
 * (Kafka's pattern `\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}`); text with no ':'
 * inside the braces is not a reference. Resolved values are secret: the entry
 * is marked (props_entry_t.secret) so that nothing prints it, and errors name
 * the reference, never a value. */
#include "config/cfgprov.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <openssl/crypto.h>
#include <pcre2.h>

#include "core/fileio.h"
#include "core/sbuf.h"

#define CLASS_PREFIX "org.apache.kafka.common.config.provider."
#define PROVIDERS "config.providers"

typedef enum { PROV_FILE, PROV_ENV, PROV_DIRECTORY, PROV_UNSUPPORTED } prov_kind_t;

typedef struct provider {
    char *name;
    prov_kind_t kind;
    char *cls; /* PROV_UNSUPPORTED: the class, for the error */
    char **allowed; /* normalised absolute paths, NULL: anything */
    size_t n_allowed;
    pcre2_code *allowlist; /* env: names that may be read, NULL: all */
} provider_t;

typedef struct cfgprov {
    provider_t *p;
    size_t n;
} cfgprov_t;

static void cfgprov_clear(cfgprov_t *c) {
    for (size_t i = 0; i < c->n; i++) {
        free(c->p[i].name);
        free(c->p[i].cls);
        for (size_t j = 0; j < c->p[i].n_allowed; j++) free(c->p[i].allowed[j]);
        free(c->p[i].allowed);
        pcre2_code_free(c->p[i].allowlist);
    }
    free(c->p);
}

static char *trim_dup(const char *s) {
    while (*s && (unsigned char)*s <= ' ') s++;
    size_t n = strlen(s);
    while (n > 0 && (unsigned char)s[n - 1] <= ' ') n--;
    return xstrndup(s, n);
}

static void wipe_free(char *s) {
    if (!s) return;
    OPENSSL_cleanse(s, strlen(s));
    free(s);
}

/* Java's Path.normalize() of an absolute path: "." and empty components dropped,
 * ".." removes the previous one. NULL when `path` is not absolute. */
static char *normalize(const char *path) {
    if (path[0] != '/') return NULL;
    sbuf_t out = {0};
    sbuf_puts(&out, "");
    for (const char *p = path; *p;) {
        while (*p == '/') p++;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.')) {
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            char *slash = strrchr(out.s, '/');
            if (slash) {
                *slash = '\0';
                out.len = (size_t)(slash - out.s);
            }
        } else {
            sbuf_puts(&out, "/");
            sbuf_append(&out, p, n);
        }
        p += n;
    }
    char *r = xstrdup(out.len ? out.s : "/");
    sbuf_free(&out);
    return r;
}

/* Path.startsWith(): `path` is `dir` or below it, component-wise. */
static bool path_under(const char *path, const char *dir) {
    size_t n = strlen(dir);
    if (strcmp(dir, "/") == 0) return true;
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int provider_params(props_t *props, provider_t *pv, char *err, size_t errsz) {
    sbuf_t key = {0};
    sbuf_printf(&key, PROVIDERS ".%s.param.allowed.paths", pv->name);
    props_entry_t *e = props_get(props, key.s);
    sbuf_reset(&key);
    sbuf_printf(&key, PROVIDERS ".%s.param.allowlist.pattern", pv->name);
    props_entry_t *allow = props_get(props, key.s);
    sbuf_free(&key);
    int rc = 0;
    if (e && pv->kind != PROV_ENV && *e->value) {
        char *all = xstrdup(e->value);
        for (char *tok = all, *next; rc == 0 && tok; tok = next) {
            next = strchr(tok, ',');
            if (next) *next++ = '\0';
            char *t = trim_dup(tok);
            char *norm = normalize(t);
            struct stat st;
            if (!norm || stat(norm, &st) != 0) {
                snprintf(err, errsz, "%s: %s: path '%s' is not valid: it must be absolute and exist",
                         e->origin, e->key, t);
                rc = -1;
                free(norm);
            } else {
                pv->allowed = xrealloc(pv->allowed, (pv->n_allowed + 1) * sizeof *pv->allowed);
                pv->allowed[pv->n_allowed++] = norm;
            }
            free(t);
        }
        free(all);
    }
    if (rc == 0 && allow && pv->kind == PROV_ENV) {
        int code;
        PCRE2_SIZE off;
        pv->allowlist = pcre2_compile((PCRE2_SPTR)allow->value, PCRE2_ZERO_TERMINATED,
                                      PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF, &code, &off,
                                      NULL);
        if (!pv->allowlist) {
            PCRE2_UCHAR msg[160];
            pcre2_get_error_message(code, msg, sizeof msg);
            snprintf(err, errsz, "%s: %s: not a valid regular expression: %s", allow->origin,
                     allow->key, (const char *)msg);
            rc = -1;
        }
    }
    return rc;
}

/* Reads `config.providers` and each provider's class and parameters. */
static int cfgprov_load(props_t *props, cfgprov_t *c, char *err, size_t errsz) {
    props_entry_t *list = props_get(props, PROVIDERS);
    if (!list) return 0;
    char *all = xstrdup(list->value);
    int rc = 0;
    for (char *tok = all, *next; rc == 0 && tok; tok = next) {
        next = strchr(tok, ',');
        if (next) *next++ = '\0';
        char *name = trim_dup(tok);
        if (!*name) {
            free(name);
            continue;
        }
        sbuf_t key = {0};
        sbuf_printf(&key, PROVIDERS ".%s.class", name);
        props_entry_t *cls = props_get(props, key.s);
        char *cv = cls ? trim_dup(cls->value) : NULL;
        prov_kind_t kind = PROV_FILE;
        if (!cls) {
            snprintf(err, errsz, "%s: " PROVIDERS ": provider '%s' has no %s", list->origin, name,
                     key.s);
            rc = -1;
        } else if (strcmp(cv, CLASS_PREFIX "FileConfigProvider") == 0) {
            kind = PROV_FILE;
        } else if (strcmp(cv, CLASS_PREFIX "EnvVarConfigProvider") == 0) {
            kind = PROV_ENV;
        } else if (strcmp(cv, CLASS_PREFIX "DirectoryConfigProvider") == 0) {
            kind = PROV_DIRECTORY;
        } else {
            kind = PROV_UNSUPPORTED; /* an error only when a value refers to it */
        }
        sbuf_free(&key);
        free(cv);
        if (rc) {
            free(name);
            break;
        }
        c->p = xrealloc(c->p, (c->n + 1) * sizeof *c->p);
        c->p[c->n] = (provider_t){.name = name, .kind = kind,
                                  .cls = kind == PROV_UNSUPPORTED ? trim_dup(cls->value) : NULL};
        rc = provider_params(props, &c->p[c->n++], err, errsz);
    }
    free(all);
    /* Other config.providers.<name>.* keys (parameters kmig does not know) are left
     * unused, so the unused-key warning lists them. */
    return rc;
}

static const provider_t *find_provider(const cfgprov_t *c, const char *name) {
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->p[i].name, name) == 0) return &c->p[i];
    return NULL;
}

#define CFGPROV_FILE_MAX (4 * 1024 * 1024) /* a secret, a key or a certificate chain */

/* A whole file (at most CFGPROV_FILE_MAX bytes), or NULL with the reason in why. */
static char *read_all(const char *path, char *why, size_t whysz) {
    sbuf_t b = {0};
    int rc = fileio_read(path, CFGPROV_FILE_MAX, &b, why, whysz);
    if (rc == 1) snprintf(why, whysz, "%s: %s", path, strerror(ENOENT));
    return rc ? NULL : b.s;
}

/* The value of one reference (malloc'd) or NULL with the reason in why. */
static char *lookup(const provider_t *pv, const char *path, const char *key, char *why,
                    size_t whysz) {
    if (pv->kind == PROV_UNSUPPORTED) {
        snprintf(why, whysz,
                 "config provider class '%s' is not supported; kmig has FileConfigProvider, "
                 "EnvVarConfigProvider and DirectoryConfigProvider (" CLASS_PREFIX "...)",
                 pv->cls);
        return NULL;
    }
    if (pv->kind == PROV_ENV) {
        if (path && *path) {
            snprintf(why, whysz, "the env provider takes no path: write ${%s:NAME}", pv->name);
            return NULL;
        }
        if (pv->allowlist) {
            pcre2_match_data *md = pcre2_match_data_create_from_pattern(pv->allowlist, NULL);
            int m = pcre2_match(pv->allowlist, (PCRE2_SPTR)key, strlen(key), 0, 0, md, NULL);
            pcre2_match_data_free(md);
            if (m < 0) {
                snprintf(why, whysz, "environment variable %s is not in %s.%s.param.allowlist.pattern",
                         key, PROVIDERS, pv->name);
                return NULL;
            }
        }
        const char *v = getenv(key);
        if (!v) {
            snprintf(why, whysz, "environment variable %s is not set", key);
            return NULL;
        }
        return xstrdup(v);
    }
    if (!path || !*path) {
        snprintf(why, whysz, "the %s provider needs a path: write ${%s:/path:%s}", pv->name,
                 pv->name, key);
        return NULL;
    }
    char *norm = normalize(path);
    if (pv->allowed) {
        bool ok = false;
        for (size_t i = 0; norm && !ok && i < pv->n_allowed; i++)
            ok = path_under(norm, pv->allowed[i]);
        if (!ok) {
            snprintf(why, whysz, "%s is not under %s.%s.param.allowed.paths", path, PROVIDERS,
                     pv->name);
            free(norm);
            return NULL;
        }
    }
    free(norm);
    if (pv->kind == PROV_DIRECTORY) {
        if (!*key || strchr(key, '/') || strcmp(key, "..") == 0 || strcmp(key, ".") == 0) {
            snprintf(why, whysz, "'%s' is not a file name", key);
            return NULL;
        }
        sbuf_t file = {0};
        sbuf_printf(&file, "%s/%s", path, key);
        struct stat st;
        char *v = NULL;
        if (stat(file.s, &st) != 0)
            snprintf(why, whysz, "%s: %s", file.s, strerror(errno));
        else if (!S_ISREG(st.st_mode))
            snprintf(why, whysz, "%s is not a regular file", file.s);
        else
            v = read_all(file.s, why, whysz);
        sbuf_free(&file);
        return v;
    }
    /* FileConfigProvider: a properties file (a regular one: not /dev/zero). */
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(why, whysz, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, whysz, "%s is not a regular file", path);
        return NULL;
    }
    props_t *f = props_new();
    char *v = NULL;
    if (props_load_file(f, path, why, whysz) == 0) {
        props_entry_t *e = props_get(f, key);
        if (e)
            v = xstrdup(e->value);
        else
            snprintf(why, whysz, "%s has no key '%s'", path, key);
    }
    for (size_t i = 0; i < props_count(f); i++) props_at(f, i)->secret = true; /* wiped */
    props_destroy(f);
    return v;
}

/* Whether [b, e) can be a provider name (Kafka's pattern allows any text, but
 * "${x ${env:A}" is then an unknown provider "x ${env"; kmig skips such text
 * and finds the reference after it). */
static bool provider_name(const char *b, const char *e) {
    if (b == e) return false;
    for (const char *p = b; p < e; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.') return false;
    return true;
}

/* Expands the references in one entry. */
static int expand(const cfgprov_t *c, props_entry_t *e, char *err, size_t errsz) {
    const char *s = e->value;
    if (!strstr(s, "${")) return 0;
    sbuf_t out = {0};
    sbuf_puts(&out, "");
    bool any = false;
    int rc = 0;
    while (rc == 0 && *s) {
        const char *b = strstr(s, "${");
        const char *close = b ? strchr(b + 2, '}') : NULL;
        const char *colon = close ? memchr(b + 2, ':', (size_t)(close - b - 2)) : NULL;
        if (colon && !provider_name(b + 2, colon)) colon = NULL;
        if (!colon) {
            /* no further reference: keep the rest as it is */
            const char *upto = b ? b + 2 : s + strlen(s);
            sbuf_append(&out, s, (size_t)(upto - s));
            s = upto;
            continue;
        }
        sbuf_append(&out, s, (size_t)(b - s));
        char *ref = xstrndup(b, (size_t)(close - b + 1));
        char *name = xstrndup(b + 2, (size_t)(colon - b - 2));
        const char *rest = colon + 1;
        const char *colon2 = memchr(rest, ':', (size_t)(close - rest));
        char *path = colon2 ? xstrndup(rest, (size_t)(colon2 - rest)) : NULL;
        char *key = colon2 ? xstrndup(colon2 + 1, (size_t)(close - colon2 - 1))
                           : xstrndup(rest, (size_t)(close - rest));
        const provider_t *pv = find_provider(c, name);
        char why[512] = "";
        char *v = NULL;
        if (!pv)
            snprintf(why, sizeof why,
                     "no config provider named '%s' (list it in " PROVIDERS
                     " and set " PROVIDERS ".%s.class)",
                     name, name);
        else
            v = lookup(pv, path, key, why, sizeof why);
        if (v) {
            sbuf_puts(&out, v);
            wipe_free(v);
            any = true;
        } else {
            snprintf(err, errsz, "%s: %s: cannot resolve %s: %s", e->origin, e->key, ref, why);
            rc = -1;
        }
        free(ref);
        free(name);
        free(path);
        free(key);
        s = close + 1;
    }
    if (rc == 0 && any) {
        if (e->secret) OPENSSL_cleanse(e->value, strlen(e->value));
        free(e->value);
        e->value = xstrdup(out.s);
        e->secret = true;
    }
    OPENSSL_cleanse(out.s, out.len);
    sbuf_free(&out);
    return rc;
}

int cfgprov_resolve(props_t *p, char *err, size_t errsz) {
    cfgprov_t c = {0};
    int rc = cfgprov_load(p, &c, err, errsz);
    for (size_t i = 0; rc == 0 && i < props_count(p); i++) {
        props_entry_t *e = props_at(p, i);
        if (e->expanded) continue;
        e->expanded = true;
        if (strncmp(e->key, PROVIDERS, strlen(PROVIDERS)) == 0) continue;
        rc = expand(&c, e, err, errsz);
    }
    cfgprov_clear(&c);
    return rc;
}

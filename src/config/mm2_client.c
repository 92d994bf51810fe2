/* Per-cluster client settings of an MM2 file (MirrorMakerConfig.clusterProps()
 * and MirrorClientConfig): which `<alias>.<role>.`, `<alias>.` and top-level
 * keys apply to one client, and their translation from Java client keys to
 * librdkafka's: key renames, Java-only keys dropped, keystores/truststores,
 * inline PEM values and sasl.jaas.config (PLAIN, SCRAM, Kerberos). Also the
 * kv_list that carries the result to the kafka/ layer. Split from mm2.c, which
 * owns clusters, flows and the unused-key warning. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include <openssl/crypto.h>

#include "config/jaas.h"
#include "config/mm2_iam.h"
#include "config/mm2_priv.h"
#include "config/tlsstore.h"
#include "core/sbuf.h"

static const char *const role_names[] = {"consumer", "producer", "admin"};

/* ---- kv_list ---- */

void kv_list_add(kv_list_t *l, const char *key, const char *value, const char *origin,
                 bool secret) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->n++] = (kv_t){xstrdup(key), xstrdup(value), origin ? xstrdup(origin) : NULL,
                              secret};
}

const char *kv_list_get(const kv_list_t *l, const char *key) {
    for (size_t i = l->n; i-- > 0;)
        if (strcmp(l->items[i].key, key) == 0) return l->items[i].value;
    return NULL;
}

void kv_list_clear(kv_list_t *l) {
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].key);
        if (l->items[i].secret) OPENSSL_cleanse(l->items[i].value, strlen(l->items[i].value));
        free(l->items[i].value);
        free(l->items[i].origin);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

void kv_list_copy(kv_list_t *to, const kv_list_t *from) {
    for (size_t i = 0; i < from->n; i++)
        kv_list_add(to, from->items[i].key, from->items[i].value, from->items[i].origin,
                    from->items[i].secret);
}

bool mm2_key_is_secret(const char *key) {
    static const char *const words[] = {"password", "secret",       "jaas",     "token",
                                        "credentials", "keystore.key", "ssl.key.pem"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcasestr(key, words[i])) return true;
    return false;
}

/* Java client keys (Kafka 3.x and 4.x) that librdkafka names differently
 * (rdkafka != NULL) or that mean nothing to it (rdkafka == NULL: dropped,
 * reported as ignored); an entry ending in '.' is a prefix. Keys not listed here
 * and not handled in client_translate() pass through unchanged: either the Java
 * and librdkafka names agree, or it is a librdkafka key. */
static const struct {
    const char *java;
    const char *rdkafka;
} client_keys[] = {
    {"fetch.max.wait.ms", "fetch.wait.max.ms"},
    {"max.request.size", "message.max.bytes"},
    {"send.buffer.bytes", "socket.send.buffer.bytes"},
    {"receive.buffer.bytes", "socket.receive.buffer.bytes"},
    /* Serialization and plug-in classes. */
    {"key.serializer", NULL},
    {"value.serializer", NULL},
    {"key.deserializer", NULL},
    {"value.deserializer", NULL},
    {"interceptor.classes", NULL},
    {"partitioner.class", NULL},
    {"metric.reporters", NULL},
    {"auto.include.jmx.reporter", NULL},
    {"security.providers", NULL},
    /* Consumer-group management and offset commits: kmig assigns partitions
     * and manages positions itself. */
    {"group.id", NULL},
    {"group.instance.id", NULL},
    {"group.protocol", NULL},
    {"group.remote.assignor", NULL},
    {"partition.assignment.strategy", NULL},
    {"session.timeout.ms", NULL},
    {"heartbeat.interval.ms", NULL},
    {"max.poll.interval.ms", NULL},
    {"enable.auto.commit", NULL},
    {"auto.commit.interval.ms", NULL},
    {"auto.offset.reset", NULL}, /* see kmig.on.data.loss */
    {"max.poll.records", NULL},
    {"exclude.internal.topics", NULL},
    {"internal.leave.group.on.close", NULL},
    {"internal.throw.on.fetch.stable.offset.unsupported", NULL},
    {"share.acknowledgement.mode", NULL},
    /* Producer features kmig does not use or that librdkafka lacks. */
    {"transactional.id", NULL},
    {"transaction.timeout.ms", NULL},
    {"transaction.two.phase.commit.enable", NULL},
    {"max.block.ms", NULL},
    {"metadata.max.idle.ms", NULL},
    {"partitioner.", NULL},
    {"compression.gzip.level", NULL},
    {"compression.lz4.level", NULL},
    {"compression.zstd.level", NULL},
    /* Java-only client internals. */
    {"client.dns.lookup", NULL},
    {"default.api.timeout.ms", NULL},
    {"retry.backoff.max.ms", NULL},
    {"socket.connection.setup.timeout.max.ms", NULL},
    {"metadata.recovery.strategy", NULL},
    {"metadata.recovery.rebootstrap.trigger.ms", NULL},
    {"enable.metrics.push", NULL},
    {"metrics.", NULL},
    {"bootstrap.controllers", NULL},
    /* JSSE / JAAS machinery. */
    {"ssl.protocol", NULL},
    {"ssl.enabled.protocols", NULL},
    {"ssl.provider", NULL},
    {"ssl.keymanager.algorithm", NULL},
    {"ssl.trustmanager.algorithm", NULL},
    {"ssl.secure.random.implementation", NULL},
    {"ssl.engine.factory.class", NULL},
    {"sasl.client.callback.handler.class", NULL},
    {"sasl.login.", NULL},
    {"sasl.kerberos.kinit.cmd", NULL}, /* a path in Java, a shell command in librdkafka */
    {"sasl.kerberos.ticket.renew.", NULL},
    {"sasl.oauthbearer.scope.claim.name", NULL},
    {"sasl.oauthbearer.sub.claim.name", NULL},
    {"sasl.oauthbearer.jwks.", NULL},
    {"sasl.oauthbearer.jwt.", NULL},
    {"sasl.oauthbearer.assertion.", NULL},
    {"sasl.oauthbearer.client.credentials.", NULL},
    {"sasl.oauthbearer.clock.skew.seconds", NULL},
    {"sasl.oauthbearer.expected.audience", NULL},
    {"sasl.oauthbearer.expected.issuer", NULL},
    {"sasl.oauthbearer.header.urlencode", NULL},
};

/* ---- client settings ---- */

/* One Java client key as it applies to a client, with the entry that won. */
typedef struct resolved {
    const char *key; /* Java key without scope, points into entry->key */
    props_entry_t *entry;
    int level; /* 1 top-level, 2 `<alias>.`, 3 `<alias>.<role>.` */
    size_t order;
} resolved_t;

typedef struct client_ctx {
    resolved_t *r;
    size_t n;
    kv_list_t out;
    char *err;
    size_t errsz;
} client_ctx_t;

/* Java client keys kmig acts on or passes to librdkafka under the same name,
 * for "did you mean" (the renamed and dropped ones come from client_keys). The
 * first block is what `<alias>.` and the top level pass to every client. */
static const char *const known_inherited[] = {
    "bootstrap.servers", "security.protocol", "ssl.truststore.location",
    "ssl.truststore.password", "ssl.truststore.type", "ssl.truststore.certificates",
    "ssl.keystore.location", "ssl.keystore.password", "ssl.keystore.type", "ssl.keystore.key",
    "ssl.keystore.certificate.chain", "ssl.key.password", "ssl.endpoint.identification.algorithm",
    "ssl.cipher.suites", "ssl.enabled.protocols", "ssl.protocol", "sasl.mechanism",
    "sasl.jaas.config", "sasl.login.callback.handler.class", "sasl.client.callback.handler.class",
    "sasl.oauthbearer.token.endpoint.url", "sasl.kerberos.service.name",
    /* librdkafka's own names for the same things */
    "ssl.ca.location", "ssl.ca.pem", "ssl.certificate.location", "ssl.certificate.pem",
    "ssl.key.location", "ssl.key.pem", "sasl.mechanisms", "sasl.username", "sasl.password",
    "sasl.oauthbearer.method", "sasl.oauthbearer.client.id", "sasl.oauthbearer.client.secret",
    "sasl.oauthbearer.scope", "sasl.oauthbearer.extensions", "sasl.oauthbearer.config",
    "enable.sasl.oauthbearer.unsecure.jwt", "enable.ssl.certificate.verification",
    "sasl.kerberos.keytab", "sasl.kerberos.principal"};
static const char *const known_client[] = {
    "acks", "batch.size", "linger.ms", "compression.type", "enable.idempotence",
    "max.in.flight.requests.per.connection", "retries", "retry.backoff.ms", "delivery.timeout.ms",
    "request.timeout.ms", "buffer.memory", "fetch.min.bytes", "fetch.max.bytes",
    "max.partition.fetch.bytes", "isolation.level", "client.id", "client.rack",
    "connections.max.idle.ms", "metadata.max.age.ms", "reconnect.backoff.ms",
    "reconnect.backoff.max.ms", "socket.connection.setup.timeout.ms", "check.crcs",
    "queue.buffering.max.ms", "queue.buffering.max.kbytes", "queue.buffering.max.messages",
    "message.max.bytes", "fetch.wait.max.ms", "socket.send.buffer.bytes",
    "socket.receive.buffer.bytes", "statistics.interval.ms", "debug"};

size_t mm2__client_known_keys(bool inherited_only, const char ***out) {
    size_t n = 0, cap = sizeof known_inherited / sizeof *known_inherited +
                        sizeof known_client / sizeof *known_client +
                        sizeof client_keys / sizeof *client_keys * 2;
    const char **k = xcalloc(cap, sizeof *k);
    for (size_t i = 0; i < sizeof known_inherited / sizeof *known_inherited; i++)
        k[n++] = known_inherited[i];
    for (size_t i = 0; i < sizeof client_keys / sizeof *client_keys; i++) {
        const char *j = client_keys[i].java;
        if (j[strlen(j) - 1] == '.') continue; /* a prefix */
        if (inherited_only && strncmp(j, "ssl.", 4) != 0 && strncmp(j, "sasl.", 5) != 0) continue;
        k[n++] = j;
        if (!inherited_only && client_keys[i].rdkafka) k[n++] = client_keys[i].rdkafka;
    }
    for (size_t i = 0; !inherited_only && i < sizeof known_client / sizeof *known_client; i++)
        k[n++] = known_client[i];
    *out = k;
    return n;
}

bool mm2__role_scoped(const char *k) {
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(role_names[i]);
        if (strncmp(k, role_names[i], n) == 0 && k[n] == '.') return true;
    }
    return false;
}

/* Keys that `<alias>.` and the top level pass to every client, as MirrorClientConfig's
 * CLIENT_CONFIG_DEF does (plus librdkafka's own ssl.* and sasl.* keys). */
static bool inherited(const char *k) {
    return strcmp(k, "security.protocol") == 0 || mm2__has_prefix(k, "ssl.") ||
           mm2__has_prefix(k, "sasl.") || mm2_iam_inherited(k);
}

/* The Java key that entry `key` sets for the clients of `role` of `alias`. */
static const char *client_key_of(const mm2_t *m, const char *key, const char *alias,
                                 const char *role, int *level) {
    const char *scope = mm2__key_cluster(m, key);
    if (scope && strcmp(scope, alias) == 0) {
        const char *k = key + strlen(alias) + 1;
        size_t rl = strlen(role);
        if (strncmp(k, role, rl) == 0 && k[rl] == '.' && k[rl + 1]) {
            *level = 3;
            return k + rl + 1;
        }
        *level = 2;
        return !mm2__role_scoped(k) && (strcmp(k, "bootstrap.servers") == 0 || inherited(k)) ? k : NULL;
    }
    *level = 1;
    return !scope && inherited(key) ? key : NULL;
}

bool mm2__key_matches(const char *key, const char *entry) {
    size_t n = strlen(entry);
    return entry[n - 1] == '.' ? strncmp(key, entry, n) == 0 && key[n] : strcmp(key, entry) == 0;
}

static ssize_t client_key_index(const char *java) {
    for (size_t i = 0; i < sizeof client_keys / sizeof client_keys[0]; i++)
        if (mm2__key_matches(java, client_keys[i].java)) return (ssize_t)i;
    return -1;
}

bool mm2__client_key_dropped(const char *java) {
    ssize_t i = client_key_index(java);
    return i >= 0 && !client_keys[i].rdkafka;
}

static const resolved_t *ctx_find(const client_ctx_t *c, const char *key) {
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->r[i].key, key) == 0) return &c->r[i];
    return NULL;
}

/* The entry's key with its Java key replaced by `other`: "A.ssl.ca.location" for
 * "A.ssl.truststore.location", so suggestions use the user's scope. */
static void scoped_name(const resolved_t *r, const char *other, sbuf_t *out) {
    sbuf_append(out, r->entry->key, strlen(r->entry->key) - strlen(r->key));
    sbuf_puts(out, other);
}

static void emit_kv(client_ctx_t *c, const resolved_t *r, const char *key, const char *value,
                    bool secret) {
    kv_list_add(&c->out, key, value, r->entry->origin, secret || r->entry->secret);
}

/* A value is secret when either the Java or the librdkafka key says so. */
static void emit(client_ctx_t *c, const resolved_t *r, const char *key, const char *value) {
    emit_kv(c, r, key, value, mm2_key_is_secret(key) || mm2_key_is_secret(r->key));
}

static int fail(client_ctx_t *c, const resolved_t *r, const char *why) {
    snprintf(c->err, c->errsz, "%s: %s: %s", r->entry->origin, r->entry->key, why);
    return -1;
}

/* Java's keystore/truststore type for `key` (default JKS), upper-cased. */
static char *store_type(const client_ctx_t *c, const char *key) {
    const resolved_t *t = ctx_find(c, key);
    char *v = mm2__trim_dup(t ? t->entry->value : "JKS");
    for (char *p = v; *p; p++) *p = (char)toupper((unsigned char)*p);
    return v;
}

/* The trimmed value of `key` for this client, or NULL; malloc'd. */
static char *ctx_value(const client_ctx_t *c, const char *key) {
    const resolved_t *r = ctx_find(c, key);
    return r ? mm2__trim_dup(r->entry->value) : NULL;
}

static void free_secret(char *s) {
    if (s) OPENSSL_cleanse(s, strlen(s));
    free(s);
}

/* A store librdkafka cannot take: the keytool command that converts it. */
static void store_convert_hint(const resolved_t *r, const char *path, tlsstore_format_t f,
                               const char *kind, sbuf_t *why) {
    char *dest;
    char *cmd = tlsstore_keytool_command(path, f, &dest);
    sbuf_t t = {0}, loc = {0};
    scoped_name(r, kind[0] == 't' ? "ssl.truststore.type" : "ssl.keystore.type", &t);
    scoped_name(r, kind[0] == 't' ? "ssl.truststore.location" : "ssl.keystore.location", &loc);
    sbuf_printf(why,
                "%s is a %s %s, which kmig cannot read; convert it to PKCS12: %s, then set "
                "%s=PKCS12 and %s=%s",
                path, f == TLSSTORE_JCEKS ? "JCEKS" : "JKS", kind, cmd, t.s, loc.s, dest);
    sbuf_free(&t);
    sbuf_free(&loc);
    free(cmd);
    free(dest);
}

/* Reads a JKS/PKCS12-typed store (the format is sniffed: Java's JKS type reads
 * PKCS12 files too). Returns 0 with `s` filled, or -1 with the reason in why. */
static int store_read(const client_ctx_t *c, const resolved_t *r, const char *path,
                      const char *kind, tlsstore_t *s, sbuf_t *why) {
    bool trust = kind[0] == 't';
    char *pass = ctx_value(c, trust ? "ssl.truststore.password" : "ssl.keystore.password");
    char *keypass = trust ? NULL : ctx_value(c, "ssl.key.password");
    char reason[512];
    int rc = tlsstore_load(path, pass, keypass, s, reason, sizeof reason);
    free_secret(pass);
    free_secret(keypass);
    if (rc < 0) {
        sbuf_t pw = {0};
        scoped_name(r, trust ? "ssl.truststore.password" : "ssl.keystore.password", &pw);
        sbuf_printf(why, "cannot read the %s: %s", kind, reason);
        if (strstr(reason, "password")) sbuf_printf(why, " (check %s)", pw.s);
        sbuf_free(&pw);
    } else if (rc > 0 && s->format == TLSSTORE_PEM) {
        sbuf_t t = {0};
        scoped_name(r, trust ? "ssl.truststore.type" : "ssl.keystore.type", &t);
        sbuf_printf(why, "%s is a PEM file; set %s=PEM", path, t.s);
        sbuf_free(&t);
        rc = -1;
    } else if (rc > 0) {
        store_convert_hint(r, path, s->format, kind, why);
        rc = -1;
    }
    return rc;
}

static int truststore(client_ctx_t *c, const resolved_t *r, const char *v) {
    if (ctx_find(c, "ssl.ca.location") || ctx_find(c, "ssl.ca.pem"))
        return 0; /* librdkafka's own keys win */
    char *type = store_type(c, "ssl.truststore.type");
    sbuf_t why = {0}, ca = {0};
    scoped_name(r, "ssl.ca.location", &ca);
    tlsstore_t s = {0};
    if (strcmp(type, "PEM") == 0) {
        emit(c, r, "ssl.ca.location", v);
    } else if (strcmp(type, "JKS") == 0 || strcmp(type, "PKCS12") == 0) {
        if (store_read(c, r, v, "truststore", &s, &why) == 0) {
            if (!s.n_certs)
                sbuf_printf(&why, "the truststore %s holds no certificates", v);
            else
                emit_kv(c, r, "ssl.ca.pem", s.certs_pem, false);
        }
    } else {
        sbuf_printf(&why,
                    "truststore type %s is not supported; use PKCS12, a PEM file with "
                    "ssl.truststore.type=PEM, or set %s",
                    type, ca.s);
    }
    int rc = why.len ? fail(c, r, why.s) : 0;
    tlsstore_clear(&s);
    sbuf_free(&why);
    sbuf_free(&ca);
    free(type);
    return rc;
}

static int keystore(client_ctx_t *c, const resolved_t *r, const char *v) {
    if (ctx_find(c, "ssl.certificate.location") || ctx_find(c, "ssl.key.location")) return 0;
    char *type = store_type(c, "ssl.keystore.type");
    sbuf_t why = {0}, t = {0};
    scoped_name(r, "ssl.keystore.type", &t);
    tlsstore_t s = {0};
    if (strcmp(type, "PKCS12") == 0 || strcmp(type, "JKS") == 0) {
        /* Read here rather than by librdkafka (ssl.keystore.location), which in
         * 2.0.2 leaks the certificate and key it reads per client. */
        if (store_read(c, r, v, "keystore", &s, &why) == 0) {
            if (!s.key_pem)
                sbuf_printf(&why, "the keystore %s holds no private key", v);
            else {
                emit_kv(c, r, "ssl.certificate.pem", s.certs_pem, false);
                emit_kv(c, r, "ssl.key.pem", s.key_pem, true);
            }
        }
    } else if (strcmp(type, "PEM") == 0) {
        emit(c, r, "ssl.certificate.location", v);
        emit(c, r, "ssl.key.location", v);
    } else {
        sbuf_printf(&why, "keystore type %s is not supported; use PKCS12 or PEM (%s)", type, t.s);
    }
    int rc = why.len ? fail(c, r, why.s) : 0;
    tlsstore_clear(&s);
    sbuf_free(&why);
    sbuf_free(&t);
    free(type);
    return rc;
}

#define OAUTH_PKG "org.apache.kafka.common.security.oauthbearer."

/* Marks a Java-only key consumed here (so the unused-key warning does not list
 * it as ignored) and returns its trimmed value (malloc'd), or NULL. */
static char *consume(const client_ctx_t *c, const char *key) {
    const resolved_t *r = ctx_find(c, key);
    if (!r) return NULL;
    r->entry->used = true;
    return mm2__trim_dup(r->entry->value);
}

/* Java's OAuthBearerLoginModule for librdkafka (the MSK IAM form is handled
 * before this, by mm2_iam):
 *  - with the login callback handler OAuthBearerLoginCallbackHandler (in
 *    ...oauthbearer.secured. since Kafka 3.1, in ...oauthbearer. later and in
 *    4.x), or with no handler and
 *    sasl.oauthbearer.token.endpoint.url set: the OIDC client credentials flow,
 *    librdkafka's sasl.oauthbearer.method=oidc with clientId, clientSecret,
 *    scope and extension_<name> options (or Kafka 4.1's
 *    sasl.oauthbearer.client.credentials.client.id/secret and sasl.oauthbearer.scope);
 *  - with no handler and no endpoint: Java's unsecured JWT
 *    (unsecuredLoginStringClaim_sub, ...), librdkafka's
 *    enable.sasl.oauthbearer.unsecure.jwt with sasl.oauthbearer.config.
 * Writes a reason into why on error. */
static void oauthbearer_jaas(client_ctx_t *c, const resolved_t *r, const jaas_t *j,
                             const char *mech, char *why, size_t whysz) {
    if (strcmp(mech, "OAUTHBEARER") != 0) {
        snprintf(why, whysz, "OAuthBearerLoginModule needs sasl.mechanism=OAUTHBEARER, not %s",
                 mech);
        return;
    }
    char *handler = consume(c, "sasl.login.callback.handler.class");
    char *endpoint = ctx_value(c, "sasl.oauthbearer.token.endpoint.url");
    char *cc_id = consume(c, "sasl.oauthbearer.client.credentials.client.id");
    char *cc_secret = consume(c, "sasl.oauthbearer.client.credentials.client.secret");
    bool oidc_handler =
        handler && (strcmp(handler, OAUTH_PKG "OAuthBearerLoginCallbackHandler") == 0 ||
                    strcmp(handler, OAUTH_PKG "secured.OAuthBearerLoginCallbackHandler") == 0);
    sbuf_t ext = {0};
    for (size_t i = 0; i < j->n_options; i++) {
        const char *n = j->options[i].name;
        const char *name = mm2__has_prefix(n, "extension_")                   ? n + 10
                           : mm2__has_prefix(n, "unsecuredLoginExtension_") ? n + 24
                                                                            : NULL;
        if (name && *name)
            sbuf_printf(&ext, "%s%s=%s", ext.len ? "," : "", name, j->options[i].value);
    }
    if (handler && !oidc_handler) {
        snprintf(why, whysz,
                 "sasl.login.callback.handler.class %s is not supported with "
                 "OAuthBearerLoginModule; kmig knows " OAUTH_PKG
                 "OAuthBearerLoginCallbackHandler (OIDC client credentials)",
                 handler);
    } else if (oidc_handler || endpoint) {
        const char *id = jaas_option(j, "clientId"), *secret = jaas_option(j, "clientSecret");
        const char *scope = jaas_option(j, "scope");
        if (!id) id = cc_id;
        if (!secret) secret = cc_secret;
        sbuf_t ep = {0};
        scoped_name(r, "sasl.oauthbearer.token.endpoint.url", &ep);
        if (!endpoint)
            snprintf(why, whysz, "the OIDC login (OAuthBearerLoginCallbackHandler) needs %s", ep.s);
        else if (!id || !secret)
            snprintf(why, whysz,
                     "the OIDC login needs clientId=\"...\" and clientSecret=\"...\" in "
                     "OAuthBearerLoginModule's options");
        sbuf_free(&ep);
        if (!why[0]) {
            emit_kv(c, r, "sasl.oauthbearer.method", "oidc", false);
            emit_kv(c, r, "sasl.oauthbearer.client.id", id, false);
            emit_kv(c, r, "sasl.oauthbearer.client.secret", secret, true);
            char *sc = scope ? NULL : consume(c, "sasl.oauthbearer.scope");
            if (scope || sc) emit_kv(c, r, "sasl.oauthbearer.scope", scope ? scope : sc, false);
            free(sc);
            if (ext.len) emit_kv(c, r, "sasl.oauthbearer.extensions", ext.s, false);
        }
    } else {
        /* Java's OAuthBearerUnsecuredLoginCallbackHandler options. */
        const char *sub = jaas_option(j, "unsecuredLoginStringClaim_sub");
        const char *life = jaas_option(j, "unsecuredLoginLifetimeSeconds");
        const char *scopes = jaas_option(j, "unsecuredLoginListClaim_scope");
        if (!sub) {
            snprintf(why, whysz,
                     "OAuthBearerLoginModule without a token endpoint needs "
                     "unsecuredLoginStringClaim_sub=\"...\" (an unsecured JWT, for tests), or set "
                     "sasl.oauthbearer.token.endpoint.url and "
                     "sasl.login.callback.handler.class=" OAUTH_PKG
                     "OAuthBearerLoginCallbackHandler with clientId and clientSecret");
        } else {
            sbuf_t conf = {0};
            sbuf_printf(&conf, "principal=%s", sub);
            if (life) sbuf_printf(&conf, " lifeSeconds=%s", life);
            if (scopes && scopes[0] && scopes[1]) {
                /* Java's list claim: the first character is the separator. */
                sbuf_puts(&conf, " scope=");
                for (const char *p = scopes + 1; *p; p++) sbuf_append(&conf, *p == scopes[0] ? "," : p, 1);
            }
            for (size_t i = 0; i < j->n_options; i++) {
                const char *n = j->options[i].name;
                const char *name = mm2__has_prefix(n, "extension_")                   ? n + 10
                                   : mm2__has_prefix(n, "unsecuredLoginExtension_") ? n + 24
                                                                                    : NULL;
                if (name && *name) sbuf_printf(&conf, " extension_%s=%s", name, j->options[i].value);
            }
            emit_kv(c, r, "enable.sasl.oauthbearer.unsecure.jwt", "true", false);
            emit_kv(c, r, "sasl.oauthbearer.config", conf.s, false);
            sbuf_free(&conf);
        }
    }
    sbuf_free(&ext);
    free(handler);
    free(endpoint);
    free_secret(cc_id);
    free_secret(cc_secret);
}

/* ---- MSK IAM (config/mm2_iam.h) ---- */

static bool iam_sasl_protocol(const client_ctx_t *c) {
    const resolved_t *proto = ctx_find(c, "security.protocol");
    char *protocol = mm2__trim_dup(proto ? proto->entry->value : "PLAINTEXT");
    bool sasl = strncasecmp(protocol, "SASL_", 5) == 0;
    free(protocol);
    return sasl;
}

static const char *iam_login_handler(const client_ctx_t *c) {
    const resolved_t *h = ctx_find(c, "sasl.login.callback.handler.class");
    return h ? h->entry->value : NULL;
}

/* Appends mm2_iam's settings, and marks the Java callback handler keys used
 * (they are dropped keys otherwise reported as ignored). */
static void iam_emit(client_ctx_t *c, kv_list_t *l) {
    for (size_t i = 0; i < l->n; i++)
        kv_list_add(&c->out, l->items[i].key, l->items[i].value, l->items[i].origin, false);
    const char *handlers[] = {"sasl.login.callback.handler.class",
                              "sasl.client.callback.handler.class"};
    for (size_t i = 0; i < 2; i++) {
        const resolved_t *h = ctx_find(c, handlers[i]);
        if (h) h->entry->used = true;
    }
}

/* sasl.mechanism when it selects MSK IAM; true when handled. */
static bool iam_mechanism(client_ctx_t *c, const resolved_t *r, const char *v) {
    kv_list_t l = {0};
    bool iam = mm2_iam_mechanism(v, iam_login_handler(c), iam_sasl_protocol(c), r->entry->origin, &l);
    if (iam) iam_emit(c, &l);
    kv_list_clear(&l);
    return iam;
}

/* sasl.jaas.config of MSK IAM: 1 handled (rc in *rc), 0 not IAM's. */
static int iam_jaas(client_ctx_t *c, const resolved_t *r, const jaas_t *j, const char *mech,
                    int *rc) {
    if (!mm2_iam_jaas_selected(j, iam_login_handler(c))) return 0;
    kv_list_t l = {0};
    char why[300];
    if (mm2_iam_jaas(j, mech, r->entry->origin, &l, why, sizeof why)) {
        *rc = fail(c, r, why);
    } else {
        iam_emit(c, &l);
        *rc = 0;
    }
    kv_list_clear(&l);
    return 1;
}

/* sasl.jaas.config; like the Java client, ignored unless security.protocol is SASL_*. */
static int jaas_config(client_ctx_t *c, const resolved_t *r, const char *v) {
    const resolved_t *proto = ctx_find(c, "security.protocol");
    char *protocol = mm2__trim_dup(proto ? proto->entry->value : "PLAINTEXT");
    bool sasl = strncasecmp(protocol, "SASL_", 5) == 0;
    free(protocol);
    if (!sasl) return 0;
    jaas_t j = {0};
    char why[700];
    if (jaas_parse(v, &j, why, sizeof why)) {
        char msg[800];
        snprintf(msg, sizeof msg, "cannot parse the JAAS configuration: %s", why);
        return fail(c, r, msg);
    }
    const resolved_t *mr = ctx_find(c, "sasl.mechanism");
    if (!mr) mr = ctx_find(c, "sasl.mechanisms");
    char *mech = mm2__trim_dup(mr ? mr->entry->value : "GSSAPI");
    for (char *p = mech; *p; p++) *p = (char)toupper((unsigned char)*p);
    const char *user = jaas_option(&j, "username"), *pass = jaas_option(&j, "password");
    const char *tokenauth = jaas_option(&j, "tokenauth");
    int rc = 0;
    why[0] = '\0';
    if (iam_jaas(c, r, &j, mech, &rc)) {
        free(mech);
        jaas_clear(&j);
        return rc;
    }
    if (strcmp(j.module, "org.apache.kafka.common.security.plain.PlainLoginModule") == 0 ||
        strcmp(j.module, "org.apache.kafka.common.security.scram.ScramLoginModule") == 0) {
        bool scram = strstr(j.module, "Scram") != NULL;
        if (scram ? !mm2__has_prefix(mech, "SCRAM-SHA-") : strcmp(mech, "PLAIN") != 0)
            snprintf(why, sizeof why, "%s needs sasl.mechanism=%s, but sasl.mechanism is %s%s",
                     jaas_module_simple_name(&j),
                     scram ? "SCRAM-SHA-256 or SCRAM-SHA-512" : "PLAIN", mech,
                     mr ? "" : " (the default)");
        else if (!user || !pass)
            snprintf(why, sizeof why, "%s needs both username=\"...\" and password=\"...\"",
                     jaas_module_simple_name(&j));
        else if (tokenauth && strcasecmp(tokenauth, "true") == 0)
            snprintf(why, sizeof why,
                     "tokenauth=true (delegation tokens) is not supported by librdkafka");
        if (!why[0]) {
            emit_kv(c, r, "sasl.username", user, false);
            emit_kv(c, r, "sasl.password", pass, true);
        }
    } else if (strcmp(j.module, "com.sun.security.auth.module.Krb5LoginModule") == 0) {
        const char *keytab = jaas_option(&j, "keyTab"), *principal = jaas_option(&j, "principal");
        if (strcmp(mech, "GSSAPI") != 0)
            snprintf(why, sizeof why, "Krb5LoginModule needs sasl.mechanism=GSSAPI, not %s", mech);
        if (!why[0] && keytab) emit_kv(c, r, "sasl.kerberos.keytab", keytab, false);
        if (!why[0] && principal) emit_kv(c, r, "sasl.kerberos.principal", principal, false);
    } else if (strcmp(j.module,
                      "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule") == 0) {
        oauthbearer_jaas(c, r, &j, mech, why, sizeof why);
    } else {
        snprintf(why, sizeof why,
                 "login module %s is not supported; kmig understands PlainLoginModule, "
                 "ScramLoginModule, OAuthBearerLoginModule and Krb5LoginModule",
                 j.module);
    }
    if (why[0]) rc = fail(c, r, why);
    free(mech);
    jaas_clear(&j);
    return rc;
}

/* An inline PEM value (ssl.truststore.certificates, ssl.keystore.certificate.chain,
 * ssl.keystore.key) as OpenSSL reads it. Java's parser takes the base64 between the
 * BEGIN and END lines with any whitespace, so a value continued over several
 * properties lines (`\` at each line's end) arrives as one line; OpenSSL needs the
 * markers and the base64 on lines of their own. Each block is rewritten with
 * 64-column base64. A value with line breaks already (`\n` escapes), or without a
 * complete block, is returned unchanged. */
static char *pem_normalize(const char *v) {
    sbuf_t out = {0};
    const char *p = v;
    while (!strchr(v, '\n')) {
        const char *b = strstr(p, "-----BEGIN ");
        if (!b) break;
        const char *bl = b + 11, *be = strstr(bl, "-----");
        if (!be) break;
        const char *body = be + 5, *e = strstr(body, "-----END ");
        if (!e) break;
        const char *el = e + 9, *ee = strstr(el, "-----");
        if (!ee) break;
        sbuf_printf(&out, "-----BEGIN %.*s-----\n", (int)(be - bl), bl);
        size_t col = 0;
        for (const char *q = body; q < e; q++) {
            if (isspace((unsigned char)*q)) continue;
            sbuf_append(&out, q, 1);
            if (++col == 64) {
                sbuf_puts(&out, "\n");
                col = 0;
            }
        }
        sbuf_printf(&out, "%s-----END %.*s-----\n", col ? "\n" : "", (int)(ee - el), el);
        p = ee + 5;
    }
    char *r = xstrdup(out.len ? out.s : v);
    sbuf_free(&out);
    return r;
}

static void emit_pem(client_ctx_t *c, const resolved_t *r, const char *key, const char *v) {
    char *pem = pem_normalize(v);
    emit(c, r, key, pem);
    free(pem);
}

/* Translates one resolved Java client key into librdkafka settings. */
static int client_translate(client_ctx_t *c, const resolved_t *r) {
    const char *k = r->key;
    char *v = mm2__trim_dup(r->entry->value);
    int rc = 0;
    ssize_t t = client_key_index(k);
    if (strcmp(k, "sasl.jaas.config") == 0) {
        rc = jaas_config(c, r, v);
    } else if (strcmp(k, "ssl.truststore.location") == 0) {
        rc = truststore(c, r, v);
    } else if (strcmp(k, "ssl.keystore.location") == 0) {
        rc = keystore(c, r, v);
    } else if (strcmp(k, "ssl.truststore.type") == 0 || strcmp(k, "ssl.truststore.password") == 0 ||
               strcmp(k, "ssl.keystore.type") == 0 || strcmp(k, "ssl.keystore.password") == 0) {
        /* read together with the store's location */
    } else if (strcmp(k, "ssl.truststore.certificates") == 0) {
        emit_pem(c, r, "ssl.ca.pem", v);
    } else if (strcmp(k, "ssl.keystore.key") == 0) {
        emit_pem(c, r, "ssl.key.pem", v);
    } else if (strcmp(k, "ssl.keystore.certificate.chain") == 0) {
        emit_pem(c, r, "ssl.certificate.pem", v);
    } else if (strcmp(k, "ssl.endpoint.identification.algorithm") == 0) {
        for (char *p = v; *p; p++) *p = (char)tolower((unsigned char)*p);
        emit(c, r, k, *v ? v : "none");
    } else if (strcmp(k, "ssl.cipher.suites") == 0) {
        mm2__strlist_t l = mm2__split_list(v);
        sbuf_t list = {0};
        for (size_t i = 0; rc == 0 && i < l.n; i++) {
            if (mm2__has_prefix(l.items[i], "TLS_") || mm2__has_prefix(l.items[i], "SSL_"))
                rc = fail(c, r,
                          "Java cipher suite names (TLS_..., SSL_...) are not OpenSSL names; "
                          "give librdkafka an OpenSSL cipher list such as "
                          "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256");
            sbuf_printf(&list, "%s%s", i ? ":" : "", l.items[i]);
        }
        if (rc == 0 && list.len) emit(c, r, k, list.s);
        sbuf_free(&list);
        mm2__strlist_free(&l);
    } else if (strcmp(k, "buffer.memory") == 0) {
        char *end;
        errno = 0;
        long long bytes = strtoll(v, &end, 10);
        if (!*v || *end || bytes < 0 || errno == ERANGE) {
            mm2__bad_value(r->entry, "is not a number of bytes (0 to 9223372036854775807)", c->err,
                      c->errsz);
            rc = -1;
        } else {
            long long kb = bytes / 1024 + (bytes % 1024 != 0);
            char buf[32];
            snprintf(buf, sizeof buf, "%lld", kb < 1 ? 1 : kb > INT_MAX ? INT_MAX : kb);
            emit(c, r, "queue.buffering.max.kbytes", buf);
        }
    } else if (strcmp(k, "sasl.mechanism") == 0 && iam_mechanism(c, r, v)) {
        /* MSK IAM: OAUTHBEARER with kmig's token refresh (kafka/kiam.h) */
    } else if (t >= 0 && client_keys[t].rdkafka) {
        bool socket_buf = mm2__has_prefix(client_keys[t].rdkafka, "socket.");
        emit(c, r, client_keys[t].rdkafka, socket_buf && strcmp(v, "-1") == 0 ? "0" : v);
    } else if (t < 0) {
        emit(c, r, k, v);
    }
    free_secret(v); /* the value may be a password */
    return rc;
}

static int by_order(const void *a, const void *b) {
    size_t x = ((const resolved_t *)a)->order, y = ((const resolved_t *)b)->order;
    return x < y ? -1 : x > y;
}

int mm2_client_settings(mm2_t *m, const char *alias, mm2_client_t role, kv_list_t *out,
                        char *err, size_t errsz) {
    if (mm2__alias_index(m, alias) < 0) {
        sbuf_t known = {0};
        mm2__alias_list(m, &known);
        snprintf(err, errsz, "unknown cluster alias '%s' (clusters: %s)", alias, known.s);
        sbuf_free(&known);
        return -1;
    }
    client_ctx_t c = {.err = err, .errsz = errsz};
    const char *rname = role_names[role];
    for (size_t i = 0; i < props_count(m->props); i++) {
        props_entry_t *e = props_at(m->props, i);
        int level;
        const char *k = client_key_of(m, e->key, alias, rname, &level);
        if (!k) continue;
        if (!mm2__client_key_dropped(k)) e->used = true;
        resolved_t *r = NULL;
        for (size_t j = 0; j < c.n && !r; j++)
            if (strcmp(c.r[j].key, k) == 0) r = &c.r[j];
        if (!r) {
            c.r = xrealloc(c.r, (c.n + 1) * sizeof *c.r);
            r = &c.r[c.n++];
            r->level = 0;
        }
        if (level > r->level) *r = (resolved_t){k, e, level, i};
    }
    qsort(c.r, c.n, sizeof *c.r, by_order);
    int rc = 0;
    const resolved_t *b = ctx_find(&c, "bootstrap.servers");
    char *hosts = !b ? NULL
                  : b->level == 3 ? mm2__join_hosts(b->entry->value)
                                  : xstrdup(mm2_bootstrap(m, alias));
    if (!b) {
        snprintf(err, errsz, "no bootstrap.servers applies to cluster '%s'", alias);
        rc = -1;
    } else if (hosts) {
        emit(&c, b, "bootstrap.servers", hosts);
    } else {
        mm2__bad_value(b->entry, "lists no host:port pairs", err, errsz);
        rc = -1;
    }
    free(hosts);
    for (size_t i = 0; rc == 0 && i < c.n; i++)
        if (strcmp(c.r[i].key, "bootstrap.servers") != 0) rc = client_translate(&c, &c.r[i]);
    if (rc == 0)
        for (size_t i = 0; i < c.out.n; i++)
            kv_list_add(out, c.out.items[i].key, c.out.items[i].value, c.out.items[i].origin,
                        c.out.items[i].secret);
    kv_list_clear(&c.out);
    free(c.r);
    return rc;
}

/* ---- what this librdkafka can do ---- */

static bool feature_listed(const char *features, const char *f) {
    size_t n = strlen(f);
    for (const char *p = features; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, f, n) == 0) return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

int mm2_client_check_features(const kv_list_t *settings, const char *features, char *err,
                              size_t errsz) {
    const kv_t *proto = NULL, *mech = NULL, *method = NULL;
    for (size_t i = 0; settings && i < settings->n; i++) {
        const kv_t *kv = &settings->items[i];
        if (strcmp(kv->key, "security.protocol") == 0) proto = kv;
        if (strcmp(kv->key, "sasl.mechanism") == 0 || strcmp(kv->key, "sasl.mechanisms") == 0)
            mech = kv;
        if (strcmp(kv->key, "sasl.oauthbearer.method") == 0) method = kv;
    }
    if (method && strcasecmp(method->value, "oidc") == 0 && !feature_listed(features, "oidc")) {
        snprintf(err, errsz,
                 "%s: sasl.oauthbearer.method=oidc (the OAuth client credentials login): this "
                 "librdkafka was built without OIDC support (builtin.features has no oidc; it "
                 "needs libcurl at build time, which Debian 12's librdkafka 2.0.2 lacks); use a "
                 "librdkafka built with libcurl",
                 method->origin ? method->origin : "setting");
        return -1;
    }
    if (!proto || strncasecmp(proto->value, "SASL_", 5) != 0) return 0;
    /* GSSAPI is the default mechanism of both Java and librdkafka. */
    if (mech && strcasecmp(mech->value, "GSSAPI") != 0) return 0;
    if (feature_listed(features, "sasl_gssapi")) return 0;
    if (mech)
        snprintf(err, errsz,
                 "%s: sasl.mechanism=GSSAPI: this librdkafka was built without Kerberos (GSSAPI) "
                 "support (builtin.features has no sasl_gssapi); use a librdkafka built with "
                 "libsasl2 (Cyrus SASL), or another mechanism (SCRAM-SHA-512, PLAIN, OAUTHBEARER)",
                 mech->origin ? mech->origin : "setting");
    else
        snprintf(err, errsz,
                 "%s: security.protocol=%s without sasl.mechanism means GSSAPI (Kerberos), the "
                 "default, but this librdkafka was built without it (builtin.features has no "
                 "sasl_gssapi); set sasl.mechanism (SCRAM-SHA-512, PLAIN, OAUTHBEARER) or use a "
                 "librdkafka built with libsasl2",
                 proto->origin ? proto->origin : "setting", proto->value);
    return -1;
}

/* MirrorMaker 2 configuration semantics (connect/mirror MirrorMakerConfig,
 * MirrorSourceConfig and friends) on top of props_t:
 *  - `clusters` and `<alias>.bootstrap.servers`;
 *  - flows "<src>-><tgt>": a flow key resolves `<src>-><tgt>.<key>`, then the
 *    top-level `<key>`, then MM2's default (kmig's for kmig.* keys);
 *  - client settings: `<alias>.<role>.<key>` beats `<alias>.<key>` beats the
 *    top-level `<key>`, where only connection and security keys (bootstrap,
 *    security.protocol, ssl.*, sasl.*) are inherited from the two outer
 *    levels, as in MirrorMakerConfig.clusterProps(); Java client keys are then
 *    translated to librdkafka's;
 *  - the warning about keys kmig ignores, does not support yet, or does not
 *    know, and about deprecated MM2 keys.
 * docs/CONFIG.md describes every key. */
#include "config/mm2.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "config/jaas.h"
#include "config/mm2_iam.h"
#include "core/sbuf.h"

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

/* ---- MM2 key tables ---- */

typedef enum { KEY_UNKNOWN = 0, KEY_NOT_SUPPORTED, KEY_IGNORED } key_kind_t;

/* MM2 flow/top-level keys that kmig does not act on. An entry ending in '.' is a
 * prefix. First match wins. Remove a line here when kmig starts to support it. */
static const struct {
    const char *key;
    key_kind_t kind;
} mm2_other_keys[] = {
    /* Consumer-group offset sync (MirrorCheckpointConnector). */
    {"group.filter.class", KEY_NOT_SUPPORTED},
    /* Heartbeats (MirrorHeartbeatConnector). */
    {"emit.heartbeats.enabled", KEY_NOT_SUPPORTED},
    {"emit.heartbeats.interval.seconds", KEY_NOT_SUPPORTED},
    {"heartbeats.topic.replication.factor", KEY_NOT_SUPPORTED},
    {"heartbeats.replication.enabled", KEY_NOT_SUPPORTED},
    /* MirrorSourceConnector features and pluggable Java classes. */
    {"offset-syncs.topic.location", KEY_NOT_SUPPORTED},
    {"emit.offset-syncs.enabled", KEY_NOT_SUPPORTED},
    {"topic.filter.class", KEY_NOT_SUPPORTED},
    {"config.property.filter.class", KEY_NOT_SUPPORTED},
    {"use.defaults.from", KEY_NOT_SUPPORTED},
    {"forwarding.admin.class", KEY_NOT_SUPPORTED},
    {"config.providers", KEY_NOT_SUPPORTED},
    {"config.providers.", KEY_NOT_SUPPORTED},
    /* MM2 settings that have no meaning for kmig. */
    {"consumer.poll.timeout.ms", KEY_IGNORED},
    {"offset.lag.max", KEY_IGNORED}, /* kmig's offset map is exact */
    {"tasks.max", KEY_IGNORED},
    {"replication.policy.internal.topic.separator.enabled", KEY_IGNORED},
    {"metric.reporters", KEY_IGNORED},
    {"dedicated.mode.enable.internal.rest", KEY_IGNORED},
    {"source.cluster.alias", KEY_IGNORED},
    {"target.cluster.alias", KEY_IGNORED},
    {"name", KEY_IGNORED},
    {"connector.class", KEY_IGNORED},
    /* Kafka Connect worker settings (MM2 runs on Connect, kmig does not). */
    {"group.id", KEY_IGNORED},
    {"client.id", KEY_IGNORED},
    {"offset.storage.", KEY_IGNORED},
    {"config.storage.", KEY_IGNORED},
    {"status.storage.", KEY_IGNORED},
    {"key.converter", KEY_IGNORED},
    {"key.converter.", KEY_IGNORED},
    {"value.converter", KEY_IGNORED},
    {"value.converter.", KEY_IGNORED},
    {"header.converter", KEY_IGNORED},
    {"header.converter.", KEY_IGNORED},
    {"offset.flush.interval.ms", KEY_IGNORED},
    {"offset.flush.timeout.ms", KEY_IGNORED},
    {"listeners", KEY_IGNORED},
    {"admin.listeners", KEY_IGNORED},
    {"rest.", KEY_IGNORED},
    {"plugin.path", KEY_IGNORED},
    /* Flow-level client overrides (`A->B.producer.linger.ms`). */
    {"producer.", KEY_NOT_SUPPORTED},
    {"consumer.", KEY_NOT_SUPPORTED},
    {"admin.", KEY_NOT_SUPPORTED},
};

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

static const char *const TOPICS_EXCLUDE_DEFAULT = ".*[\\-\\.]internal, .*\\.replica, __.*";
static const char *const GROUPS_EXCLUDE_DEFAULT = "console-consumer-.*, connect-.*, __.*";
/* MM2's default minus min.insync.replicas, which kmig copies (capped at the
 * replication factor, plan.h) so that durability settings move too. */
static const char *const CONFIG_PROPERTIES_EXCLUDE_DEFAULT =
    "follower\\.replication\\.throttled\\.replicas, "
    "leader\\.replication\\.throttled\\.replicas, "
    "message\\.timestamp\\.difference\\.max\\.ms, "
    "message\\.timestamp\\.type, "
    "unclean\\.leader\\.election\\.enable";

/* kmig.admin.timeout.ms at most an hour: callers add some seconds to it in an int. */
#define ADMIN_TIMEOUT_MAX_MS 3600000

static const char *const role_names[] = {"consumer", "producer", "admin"};

struct mm2 {
    props_t *props;
    char **aliases, **bootstrap;
    size_t n_aliases;
    mm2_flow_t **flows; /* the named flows first, then those resolved on demand */
    size_t n_flows, n_named;
    char *warning;
};

/* ---- small helpers ---- */

static bool has_prefix(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A copy of s without leading and trailing characters <= ' ' (Java's trim()). */
static char *trim_dup(const char *s) {
    while (*s && (unsigned char)*s <= ' ') s++;
    size_t n = strlen(s);
    while (n > 0 && (unsigned char)s[n - 1] <= ' ') n--;
    return xstrndup(s, n);
}

/* Java's comma list: trims the whole value and each element. */
typedef struct strlist {
    char **items;
    size_t n;
} strlist_t;

static strlist_t split_list(const char *value) {
    strlist_t l = {0};
    char *all = trim_dup(value);
    if (*all) {
        for (char *p = all;;) {
            char *comma = strchr(p, ',');
            if (comma) *comma = '\0';
            l.items = xrealloc(l.items, (l.n + 1) * sizeof *l.items);
            l.items[l.n++] = trim_dup(p);
            if (!comma) break;
            p = comma + 1;
        }
    }
    free(all);
    return l;
}

static void strlist_free(strlist_t *l) {
    for (size_t i = 0; i < l->n; i++) free(l->items[i]);
    free(l->items);
}

/* A bootstrap list as librdkafka wants it: "h1:9092,h2:9092" (NULL when empty). */
static char *join_hosts(const char *value) {
    strlist_t hosts = split_list(value);
    sbuf_t joined = {0};
    for (size_t h = 0; h < hosts.n; h++)
        if (*hosts.items[h]) sbuf_printf(&joined, "%s%s", joined.len ? "," : "", hosts.items[h]);
    strlist_free(&hosts);
    return joined.s;
}

static ssize_t alias_index(const mm2_t *m, const char *alias) {
    for (size_t i = 0; i < m->n_aliases; i++)
        if (strcmp(m->aliases[i], alias) == 0) return (ssize_t)i;
    return -1;
}

/* The longest alias that `key` starts with, followed by '.', or NULL. */
static const char *alias_prefix(const mm2_t *m, const char *key) {
    const char *best = NULL;
    for (size_t i = 0; i < m->n_aliases; i++) {
        size_t n = strlen(m->aliases[i]);
        if (strncmp(key, m->aliases[i], n) == 0 && key[n] == '.' &&
            (!best || n > strlen(best)))
            best = m->aliases[i];
    }
    return best;
}

/* The alias a cluster-scoped key `<alias>.<key>` belongs to, or NULL. When
 * aliases are dotted prefixes of each other (`a` and `a.b`), `<alias>.bootstrap.servers`
 * of a listed alias belongs to that alias (every alias needs it, and load_clusters()
 * reads it by that exact name); any other key belongs to the longest alias it
 * starts with. */
static const char *key_cluster(const mm2_t *m, const char *key) {
    static const char suffix[] = ".bootstrap.servers";
    size_t n = strlen(key), sn = sizeof suffix - 1;
    if (n > sn && strcmp(key + n - sn, suffix) == 0) {
        for (size_t i = 0; i < m->n_aliases; i++)
            if (strlen(m->aliases[i]) == n - sn && strncmp(key, m->aliases[i], n - sn) == 0)
                return m->aliases[i];
    }
    return alias_prefix(m, key);
}

static void alias_list(const mm2_t *m, sbuf_t *b) {
    for (size_t i = 0; i < m->n_aliases; i++)
        sbuf_printf(b, "%s%s", i ? ", " : "", m->aliases[i]);
}

/* Splits a flow key "<src>-><tgt>.<rest>". Returns false when `key` is not
 * flow-shaped. *src is malloc'd; *tgt points at an alias or is NULL when the
 * target is not a known alias; *rest points into key (NULL when missing). */
static bool split_flow_key(const mm2_t *m, const char *key, char **src, const char **tgt,
                           const char **rest) {
    const char *arrow = strstr(key, "->");
    if (!arrow) return false;
    *src = xstrndup(key, (size_t)(arrow - key));
    const char *after = arrow + 2;
    *tgt = alias_prefix(m, after);
    ssize_t exact = alias_index(m, after);
    if (*tgt) {
        *rest = after + strlen(*tgt) + 1;
    } else if (exact >= 0) { /* "A->B" without a setting */
        *tgt = m->aliases[exact];
        *rest = NULL;
    } else {
        const char *dot = strchr(after, '.');
        *rest = dot ? dot + 1 : NULL;
    }
    if (*rest && !**rest) *rest = NULL;
    return true;
}

/* ---- typed values with "origin: key: reason" errors ---- */

static void bad_value(const props_entry_t *e, const char *why, char *err, size_t errsz) {
    if (mm2_key_is_secret(e->key))
        snprintf(err, errsz, "%s: %s: %s", e->origin, e->key, why);
    else
        snprintf(err, errsz, "%s: %s: '%s' %s", e->origin, e->key, e->value, why);
}

static int parse_bool(const props_entry_t *e, bool *out, char *err, size_t errsz) {
    char *v = trim_dup(e->value);
    int rc = 0;
    if (strcasecmp(v, "true") == 0) *out = true;
    else if (strcasecmp(v, "false") == 0) *out = false;
    else {
        bad_value(e, "is not true or false", err, errsz);
        rc = -1;
    }
    free(v);
    return rc;
}

/* Java's Integer.parseInt on the trimmed value, then a range check; min -1
 * means "-1 (the broker default) or 1 to max" for replication factors. */
static int parse_int(const props_entry_t *e, long long min, long long max, int *out, char *err,
                     size_t errsz) {
    char *v = trim_dup(e->value);
    const char *p = v + (*v == '+' || *v == '-');
    bool ok = *p != '\0';
    long long n = 0;
    for (; ok && *p; p++) {
        ok = isdigit((unsigned char)*p) && n <= (LLONG_MAX - 9) / 10;
        if (ok) n = n * 10 + (*p - '0');
    }
    if (*v == '-') n = -n;
    int rc = 0;
    char why[96];
    if (!ok) {
        bad_value(e, "is not an integer", err, errsz);
        rc = -1;
    } else if (n < min || n > max || (min == -1 && n == 0)) {
        if (min == -1)
            snprintf(why, sizeof why, "is out of range (-1 for the broker default, or 1 to %lld)",
                     max);
        else
            snprintf(why, sizeof why, "is out of range (%lld to %lld)", min, max);
        bad_value(e, why, err, errsz);
        rc = -1;
    } else {
        *out = (int)n;
    }
    free(v);
    return rc;
}

/* ---- clusters ---- */

static int load_clusters(mm2_t *m, char *err, size_t errsz) {
    props_entry_t *c = props_get(m->props, "clusters");
    if (!c) {
        props_entry_t *first = props_at(m->props, 0);
        const char *colon = first ? strrchr(first->origin, ':') : NULL;
        int n = first ? (colon ? (int)(colon - first->origin) : (int)strlen(first->origin)) : 0;
        snprintf(err, errsz,
                 "%.*s%sclusters is not set; list the cluster aliases, e.g. clusters = source, "
                 "target",
                 n, first ? first->origin : "", n ? ": " : "");
        return -1;
    }
    strlist_t l = split_list(c->value);
    int rc = 0;
    if (l.n == 0) {
        snprintf(err, errsz, "%s: clusters is empty; list the cluster aliases, e.g. clusters = "
                             "source, target", c->origin);
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        const char *a = l.items[i];
        bool space = false;
        for (const char *p = a; *p; p++) space = space || isspace((unsigned char)*p);
        if (!*a || space || strstr(a, "->")) {
            snprintf(err, errsz,
                     "%s: clusters: '%s' is not a usable alias (it must be non-empty, without "
                     "whitespace or '->')",
                     c->origin, a);
            rc = -1;
        } else if (alias_index(m, a) >= 0) {
            snprintf(err, errsz, "%s: clusters names '%s' twice", c->origin, a);
            rc = -1;
        } else {
            m->aliases = xrealloc(m->aliases, (m->n_aliases + 1) * sizeof *m->aliases);
            m->bootstrap = xrealloc(m->bootstrap, (m->n_aliases + 1) * sizeof *m->bootstrap);
            m->aliases[m->n_aliases] = xstrdup(a);
            m->bootstrap[m->n_aliases++] = NULL;
        }
    }
    strlist_free(&l);
    sbuf_t key = {0};
    for (size_t i = 0; rc == 0 && i < m->n_aliases; i++) {
        sbuf_reset(&key);
        sbuf_printf(&key, "%s.bootstrap.servers", m->aliases[i]);
        props_entry_t *b = props_get(m->props, key.s);
        if (!b) {
            snprintf(err, errsz, "%s: clusters names '%s' but %s is not set", c->origin,
                     m->aliases[i], key.s);
            rc = -1;
            break;
        }
        m->bootstrap[i] = join_hosts(b->value);
        if (!m->bootstrap[i]) {
            bad_value(b, "lists no host:port pairs", err, errsz);
            rc = -1;
        }
    }
    sbuf_free(&key);
    return rc;
}

size_t mm2_cluster_count(const mm2_t *m) { return m->n_aliases; }

const char *mm2_cluster_alias(const mm2_t *m, size_t i) {
    return i < m->n_aliases ? m->aliases[i] : NULL;
}

const char *mm2_bootstrap(const mm2_t *m, const char *alias) {
    ssize_t i = alias_index(m, alias);
    return i < 0 ? NULL : m->bootstrap[i];
}

/* ---- flows ---- */

/* `<src>-><tgt>.<key>` or else the top-level `<key>`; both are marked used. */
static props_entry_t *flow_entry(mm2_t *m, const mm2_flow_t *f, const char *key) {
    sbuf_t b = {0};
    sbuf_printf(&b, "%s->%s.%s", f->source, f->target, key);
    props_entry_t *scoped = props_get(m->props, b.s);
    props_entry_t *top = props_get(m->props, key);
    sbuf_free(&b);
    return scoped ? scoped : top;
}

/* As flow_entry, with MM2's deprecated alias `old` used only when `key` is not
 * set at either level (ConfigUtils.translateDeprecatedConfigs on the merged map). */
static props_entry_t *flow_entry_or(mm2_t *m, const mm2_flow_t *f, const char *key,
                                    const char *old) {
    props_entry_t *e = flow_entry(m, f, key);
    props_entry_t *d = flow_entry(m, f, old);
    return e ? e : d;
}

static char *flow_string(mm2_t *m, const mm2_flow_t *f, const char *key, const char *old,
                         const char *def) {
    props_entry_t *e = old ? flow_entry_or(m, f, key, old) : flow_entry(m, f, key);
    return e ? trim_dup(e->value) : xstrdup(def);
}

static int flow_bool(mm2_t *m, const mm2_flow_t *f, const char *key, bool def, bool *out,
                     char *err, size_t errsz) {
    props_entry_t *e = flow_entry(m, f, key);
    *out = def;
    return e ? parse_bool(e, out, err, errsz) : 0;
}

static int entry_int(const props_entry_t *e, int def, long long min, long long max, int *out,
                     char *err, size_t errsz) {
    *out = def;
    return e ? parse_int(e, min, max, out, err, errsz) : 0;
}

/* A value from a fixed set (case-insensitive); stores the canonical spelling. */
static int one_of(const props_entry_t *e, const char *const *allowed, size_t n, const char **out,
                  char *err, size_t errsz) {
    char *v = trim_dup(e->value);
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(v, allowed[i]) == 0) {
            *out = allowed[i];
            free(v);
            return 0;
        }
    }
    free(v);
    sbuf_t why = {0};
    sbuf_puts(&why, "is not one of");
    for (size_t i = 0; i < n; i++) sbuf_printf(&why, "%s %s", i ? "," : "", allowed[i]);
    bad_value(e, why.s, err, errsz);
    sbuf_free(&why);
    return -1;
}

static int flow_policy(mm2_t *m, mm2_flow_t *f, char *err, size_t errsz) {
    props_entry_t *e = flow_entry(m, f, "replication.policy.class");
    f->policy = POLICY_DEFAULT;
    if (!e) return 0;
    char *v = trim_dup(e->value);
    const char *simple = has_prefix(v, "org.apache.kafka.connect.mirror.")
                             ? v + strlen("org.apache.kafka.connect.mirror.")
                             : v;
    int rc = 0;
    if (strcmp(simple, "DefaultReplicationPolicy") == 0) {
        f->policy = POLICY_DEFAULT;
    } else if (strcmp(simple, "IdentityReplicationPolicy") == 0) {
        f->policy = POLICY_IDENTITY;
    } else {
        bad_value(e,
                  "is not supported; kmig implements "
                  "org.apache.kafka.connect.mirror.DefaultReplicationPolicy and "
                  "org.apache.kafka.connect.mirror.IdentityReplicationPolicy",
                  err, errsz);
        rc = -1;
    }
    free(v);
    return rc;
}

static void flow_free(mm2_flow_t *f) {
    if (!f) return;
    free(f->source);
    free(f->target);
    free(f->topics);
    free(f->topics_exclude);
    free(f->separator);
    free(f->config_properties_exclude);
    free(f->compression);
    free(f->groups);
    free(f->principal_map);
    free(f->groups_exclude);
    free(f);
}

/* kmig.compression.type, defaulting to the target producer's compression.type. */
static int flow_compression(mm2_t *m, mm2_flow_t *f, char *err, size_t errsz) {
    static const char *const codecs[] = {"none", "gzip", "snappy", "lz4", "zstd"};
    props_entry_t *e = flow_entry(m, f, "kmig.compression.type");
    if (!e) {
        sbuf_t k = {0};
        sbuf_printf(&k, "%s.producer.compression.type", f->target);
        e = props_get(m->props, k.s);
        sbuf_free(&k);
    }
    const char *codec = "lz4";
    if (e && one_of(e, codecs, 5, &codec, err, errsz)) return -1;
    f->compression = xstrdup(codec);
    return 0;
}

/* kmig.isolation.level, defaulting to the source consumer's isolation.level. */
static int flow_isolation(mm2_t *m, mm2_flow_t *f, char *err, size_t errsz) {
    static const char *const levels[] = {"read_committed", "read_uncommitted"};
    props_entry_t *e = flow_entry(m, f, "kmig.isolation.level");
    if (!e) {
        sbuf_t k = {0};
        sbuf_printf(&k, "%s.consumer.isolation.level", f->source);
        e = props_get(m->props, k.s);
        sbuf_free(&k);
    }
    const char *level = levels[0];
    if (e && one_of(e, levels, 2, &level, err, errsz)) return -1;
    f->read_committed = level == levels[0];
    return 0;
}

static int flow_int(mm2_t *m, const mm2_flow_t *f, const char *key, int def, long long min,
                    long long max, int *out, char *err, size_t errsz) {
    return entry_int(flow_entry(m, f, key), def, min, max, out, err, errsz);
}

static int flow_data_loss(mm2_t *m, mm2_flow_t *f, char *err, size_t errsz) {
    static const char *const actions[] = {"fail", "continue"};
    props_entry_t *e = flow_entry(m, f, "kmig.on.data.loss");
    const char *action = actions[0];
    if (e && one_of(e, actions, 2, &action, err, errsz)) return -1;
    f->continue_on_data_loss = action == actions[1];
    return 0;
}

static int flow_separator(mm2_t *m, mm2_flow_t *f, char *err, size_t errsz) {
    props_entry_t *e = flow_entry(m, f, "replication.policy.separator");
    f->separator = e ? trim_dup(e->value) : xstrdup(".");
    if (*f->separator) return 0;
    snprintf(err, errsz, "%s: %s: the separator must not be empty", e->origin, e->key);
    return -1;
}

static mm2_flow_t *flow_resolve(mm2_t *m, const char *src, const char *tgt, char *err,
                                size_t errsz) {
    mm2_flow_t *f = xcalloc(1, sizeof *f);
    f->source = xstrdup(src);
    f->target = xstrdup(tgt);
    f->topics = flow_string(m, f, "topics", NULL, ".*");
    f->topics_exclude =
        flow_string(m, f, "topics.exclude", "topics.blacklist", TOPICS_EXCLUDE_DEFAULT);
    f->config_properties_exclude =
        flow_string(m, f, "config.properties.exclude", "config.properties.blacklist",
                    CONFIG_PROPERTIES_EXCLUDE_DEFAULT);
    f->groups = flow_string(m, f, "groups", NULL, ".*");
    f->principal_map = flow_string(m, f, "kmig.principal.map", NULL, "");
    f->groups_exclude =
        flow_string(m, f, "groups.exclude", "groups.blacklist", GROUPS_EXCLUDE_DEFAULT);
    int rc =
        flow_bool(m, f, "enabled", false, &f->enabled, err, errsz) ||
        flow_policy(m, f, err, errsz) || flow_separator(m, f, err, errsz) ||
        flow_int(m, f, "replication.factor", 2, -1, SHRT_MAX, &f->replication_factor, err,
                 errsz) ||
        flow_int(m, f, "offset-syncs.topic.replication.factor", 3, -1, SHRT_MAX,
                 &f->offset_map_replication_factor, err, errsz) ||
        flow_bool(m, f, "refresh.topics.enabled", true, &f->refresh_topics, err, errsz) ||
        flow_int(m, f, "refresh.topics.interval.seconds", 10, 1, INT_MAX,
                 &f->refresh_topics_interval_s, err, errsz) ||
        flow_bool(m, f, "sync.topic.configs.enabled", true, &f->sync_topic_configs, err, errsz) ||
        flow_int(m, f, "sync.topic.configs.interval.seconds", 600, 1, INT_MAX,
                 &f->sync_topic_configs_interval_s, err, errsz) ||
        flow_bool(m, f, "sync.topic.acls.enabled", true, &f->sync_topic_acls, err, errsz) ||
        flow_int(m, f, "sync.topic.acls.interval.seconds", 600, 1, INT_MAX,
                 &f->sync_topic_acls_interval_s, err, errsz) ||
        flow_bool(m, f, "refresh.groups.enabled", true, &f->refresh_groups, err, errsz) ||
        flow_int(m, f, "refresh.groups.interval.seconds", 10, 1, INT_MAX,
                 &f->refresh_groups_interval_s, err, errsz) ||
        flow_bool(m, f, "emit.checkpoints.enabled", true, &f->emit_checkpoints, err, errsz) ||
        flow_int(m, f, "emit.checkpoints.interval.seconds", 5, 1, INT_MAX,
                 &f->emit_checkpoints_interval_s, err, errsz) ||
        flow_bool(m, f, "sync.group.offsets.enabled", false, &f->sync_group_offsets, err,
                  errsz) ||
        flow_int(m, f, "sync.group.offsets.interval.seconds", 5, 1, INT_MAX,
                 &f->sync_group_offsets_interval_s, err, errsz) ||
        flow_int(m, f, "checkpoints.topic.replication.factor", 3, -1, SHRT_MAX,
                 &f->checkpoints_replication_factor, err, errsz) ||
        flow_compression(m, f, err, errsz) ||
        flow_int(m, f, "kmig.offset.map.flush.interval.ms", 1000, 1, INT_MAX,
                 &f->offset_map_flush_ms, err, errsz) ||
        flow_isolation(m, f, err, errsz) || flow_data_loss(m, f, err, errsz) ||
        entry_int(flow_entry_or(m, f, "kmig.admin.timeout.ms", "admin.timeout.ms"), 10000, 1,
                  ADMIN_TIMEOUT_MAX_MS, &f->admin_timeout_ms, err, errsz);
    if (rc) {
        flow_free(f);
        return NULL;
    }
    return f;
}

static void add_flow(mm2_t *m, mm2_flow_t *f) {
    m->flows = xrealloc(m->flows, (m->n_flows + 1) * sizeof *m->flows);
    m->flows[m->n_flows++] = f;
}

static mm2_flow_t *find_flow(const mm2_t *m, const char *src, const char *tgt) {
    for (size_t i = 0; i < m->n_flows; i++)
        if (strcmp(m->flows[i]->source, src) == 0 && strcmp(m->flows[i]->target, tgt) == 0)
            return m->flows[i];
    return NULL;
}

/* Finds the flows named by `<src>-><tgt>.<key>` entries, in file order, and
 * resolves each so that invalid values fail early. */
static int discover_flows(mm2_t *m, char *err, size_t errsz) {
    typedef struct {
        const char *src, *tgt;
    } pair_t;
    pair_t *pairs = NULL;
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < props_count(m->props); i++) {
        props_entry_t *e = props_at(m->props, i);
        char *src;
        const char *tgt, *rest;
        if (!split_flow_key(m, e->key, &src, &tgt, &rest)) continue;
        ssize_t s = alias_index(m, src);
        sbuf_t known = {0};
        alias_list(m, &known);
        if (s < 0 || !tgt) {
            const char *after = strstr(e->key, "->") + 2;
            const char *dot = strchr(after, '.');
            int tlen = dot ? (int)(dot - after) : (int)strlen(after);
            if (s < 0)
                snprintf(err, errsz, "%s: %s: '%s' is not one of the clusters (%s)", e->origin,
                         e->key, src, known.s);
            else
                snprintf(err, errsz, "%s: %s: '%.*s' is not one of the clusters (%s)",
                         e->origin, e->key, tlen, after, known.s);
            rc = -1;
        } else if (!rest) {
            snprintf(err, errsz, "%s: %s: expected %s->%s.<setting>", e->origin, e->key, src, tgt);
            rc = -1;
        } else if (strcmp(src, tgt) == 0) {
            snprintf(err, errsz, "%s: %s: a flow needs two different clusters", e->origin,
                     e->key);
            rc = -1;
        } else {
            bool seen = false;
            for (size_t k = 0; k < n && !seen; k++)
                seen = pairs[k].src == m->aliases[s] && pairs[k].tgt == tgt;
            if (!seen) {
                pairs = xrealloc(pairs, (n + 1) * sizeof *pairs);
                pairs[n++] = (pair_t){m->aliases[s], tgt};
            }
        }
        sbuf_free(&known);
        free(src);
    }
    for (size_t k = 0; rc == 0 && k < n; k++) {
        mm2_flow_t *f = flow_resolve(m, pairs[k].src, pairs[k].tgt, err, errsz);
        if (!f) rc = -1;
        else add_flow(m, f);
    }
    m->n_named = m->n_flows;
    free(pairs);
    return rc;
}

size_t mm2_flow_count(const mm2_t *m) { return m->n_named; }

const mm2_flow_t *mm2_flow_at(const mm2_t *m, size_t i) {
    return i < m->n_named ? m->flows[i] : NULL;
}

const mm2_flow_t *mm2_flow(mm2_t *m, const char *src, const char *tgt, char *err, size_t errsz) {
    const char *bad = alias_index(m, src) < 0 ? src : alias_index(m, tgt) < 0 ? tgt : NULL;
    if (bad) {
        sbuf_t known = {0};
        alias_list(m, &known);
        snprintf(err, errsz, "unknown cluster alias '%s' (clusters: %s)", bad, known.s);
        sbuf_free(&known);
        return NULL;
    }
    if (strcmp(src, tgt) == 0) {
        snprintf(err, errsz, "source and target are both '%s'; a flow needs two different clusters",
                 src);
        return NULL;
    }
    mm2_flow_t *f = find_flow(m, src, tgt);
    if (f) return f;
    f = flow_resolve(m, src, tgt, err, errsz);
    if (f) add_flow(m, f);
    return f;
}

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

static bool role_scoped(const char *k) {
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(role_names[i]);
        if (strncmp(k, role_names[i], n) == 0 && k[n] == '.') return true;
    }
    return false;
}

/* Keys that `<alias>.` and the top level pass to every client, as MirrorClientConfig's
 * CLIENT_CONFIG_DEF does (plus librdkafka's own ssl.* and sasl.* keys). */
static bool inherited(const char *k) {
    return strcmp(k, "security.protocol") == 0 || has_prefix(k, "ssl.") || has_prefix(k, "sasl.") ||
           mm2_iam_inherited(k);
}

/* The Java key that entry `key` sets for the clients of `role` of `alias`. */
static const char *client_key_of(const mm2_t *m, const char *key, const char *alias,
                                 const char *role, int *level) {
    const char *scope = key_cluster(m, key);
    if (scope && strcmp(scope, alias) == 0) {
        const char *k = key + strlen(alias) + 1;
        size_t rl = strlen(role);
        if (strncmp(k, role, rl) == 0 && k[rl] == '.' && k[rl + 1]) {
            *level = 3;
            return k + rl + 1;
        }
        *level = 2;
        return !role_scoped(k) && (strcmp(k, "bootstrap.servers") == 0 || inherited(k)) ? k : NULL;
    }
    *level = 1;
    return !scope && inherited(key) ? key : NULL;
}

static bool key_matches(const char *key, const char *entry) {
    size_t n = strlen(entry);
    return entry[n - 1] == '.' ? strncmp(key, entry, n) == 0 && key[n] : strcmp(key, entry) == 0;
}

static ssize_t client_key_index(const char *java) {
    for (size_t i = 0; i < sizeof client_keys / sizeof client_keys[0]; i++)
        if (key_matches(java, client_keys[i].java)) return (ssize_t)i;
    return -1;
}

static bool client_key_dropped(const char *java) {
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
    kv_list_add(&c->out, key, value, r->entry->origin, secret);
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
    char *v = trim_dup(t ? t->entry->value : "JKS");
    for (char *p = v; *p; p++) *p = (char)toupper((unsigned char)*p);
    return v;
}

static int truststore(client_ctx_t *c, const resolved_t *r, const char *v) {
    if (ctx_find(c, "ssl.ca.location") || ctx_find(c, "ssl.ca.pem"))
        return 0; /* librdkafka's own keys win */
    char *type = store_type(c, "ssl.truststore.type");
    sbuf_t why = {0}, ca = {0};
    scoped_name(r, "ssl.ca.location", &ca);
    if (strcmp(type, "PEM") == 0)
        emit(c, r, "ssl.ca.location", v);
    else if (strcmp(type, "JKS") == 0)
        sbuf_printf(&why,
                    "librdkafka cannot read JKS truststores (JKS is Java's default "
                    "ssl.truststore.type); convert it: keytool -importkeystore -srckeystore "
                    "truststore.jks -destkeystore truststore.p12 -deststoretype PKCS12 && "
                    "openssl pkcs12 -in truststore.p12 -nokeys -out ca.pem, then set %s=ca.pem",
                    ca.s);
    else if (strcmp(type, "PKCS12") == 0)
        sbuf_printf(&why,
                    "librdkafka cannot use a PKCS12 truststore; extract the CA certificates "
                    "(openssl pkcs12 -in truststore.p12 -nokeys -out ca.pem) and set %s=ca.pem",
                    ca.s);
    else
        sbuf_printf(&why,
                    "truststore type %s is not supported; use a PEM file with "
                    "ssl.truststore.type=PEM or set %s",
                    type, ca.s);
    int rc = why.len ? fail(c, r, why.s) : 0;
    sbuf_free(&why);
    sbuf_free(&ca);
    free(type);
    return rc;
}

static int keystore(client_ctx_t *c, const resolved_t *r, const char *v) {
    if (ctx_find(c, "ssl.certificate.location") || ctx_find(c, "ssl.key.location")) return 0;
    char *type = store_type(c, "ssl.keystore.type");
    sbuf_t why = {0}, t = {0}, loc = {0};
    scoped_name(r, "ssl.keystore.type", &t);
    scoped_name(r, "ssl.keystore.location", &loc);
    if (strcmp(type, "PKCS12") == 0) {
        emit(c, r, "ssl.keystore.location", v);
        const resolved_t *pw = ctx_find(c, "ssl.keystore.password");
        if (pw) {
            char *p = trim_dup(pw->entry->value);
            emit(c, pw, "ssl.keystore.password", p);
            free(p);
        }
    } else if (strcmp(type, "PEM") == 0) {
        emit(c, r, "ssl.certificate.location", v);
        emit(c, r, "ssl.key.location", v);
    } else if (strcmp(type, "JKS") == 0) {
        sbuf_printf(&why,
                    "librdkafka cannot read JKS keystores (JKS is Java's default "
                    "ssl.keystore.type); convert it: keytool -importkeystore -srckeystore "
                    "keystore.jks -destkeystore keystore.p12 -deststoretype PKCS12, then set "
                    "%s=PKCS12 and %s=keystore.p12",
                    t.s, loc.s);
    } else {
        sbuf_printf(&why, "keystore type %s is not supported; use PKCS12 or PEM (%s)", type, t.s);
    }
    int rc = why.len ? fail(c, r, why.s) : 0;
    sbuf_free(&why);
    sbuf_free(&t);
    sbuf_free(&loc);
    free(type);
    return rc;
}

/* ---- MSK IAM (config/mm2_iam.h) ---- */

static bool iam_sasl_protocol(const client_ctx_t *c) {
    const resolved_t *proto = ctx_find(c, "security.protocol");
    char *protocol = trim_dup(proto ? proto->entry->value : "PLAINTEXT");
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
    char *protocol = trim_dup(proto ? proto->entry->value : "PLAINTEXT");
    bool sasl = strncasecmp(protocol, "SASL_", 5) == 0;
    free(protocol);
    if (!sasl) return 0;
    jaas_t j = {0};
    char why[300];
    if (jaas_parse(v, &j, why, sizeof why)) {
        char msg[400];
        snprintf(msg, sizeof msg, "cannot parse the JAAS configuration: %s", why);
        return fail(c, r, msg);
    }
    const resolved_t *mr = ctx_find(c, "sasl.mechanism");
    if (!mr) mr = ctx_find(c, "sasl.mechanisms");
    char *mech = trim_dup(mr ? mr->entry->value : "GSSAPI");
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
        if (scram ? !has_prefix(mech, "SCRAM-SHA-") : strcmp(mech, "PLAIN") != 0)
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
        snprintf(why, sizeof why,
                 "OAuthBearerLoginModule is not supported yet; remove sasl.jaas.config and "
                 "configure librdkafka's OIDC client instead: sasl.oauthbearer.method=oidc, "
                 "sasl.oauthbearer.client.id, sasl.oauthbearer.client.secret, "
                 "sasl.oauthbearer.token.endpoint.url");
    } else {
        snprintf(why, sizeof why,
                 "login module %s is not supported; kmig understands PlainLoginModule, "
                 "ScramLoginModule and Krb5LoginModule",
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
    char *v = trim_dup(r->entry->value);
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
        strlist_t l = split_list(v);
        sbuf_t list = {0};
        for (size_t i = 0; rc == 0 && i < l.n; i++) {
            if (has_prefix(l.items[i], "TLS_") || has_prefix(l.items[i], "SSL_"))
                rc = fail(c, r,
                          "Java cipher suite names (TLS_..., SSL_...) are not OpenSSL names; "
                          "give librdkafka an OpenSSL cipher list such as "
                          "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256");
            sbuf_printf(&list, "%s%s", i ? ":" : "", l.items[i]);
        }
        if (rc == 0 && list.len) emit(c, r, k, list.s);
        sbuf_free(&list);
        strlist_free(&l);
    } else if (strcmp(k, "buffer.memory") == 0) {
        char *end;
        errno = 0;
        long long bytes = strtoll(v, &end, 10);
        if (!*v || *end || bytes < 0 || errno == ERANGE) {
            bad_value(r->entry, "is not a number of bytes (0 to 9223372036854775807)", c->err,
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
        bool socket_buf = has_prefix(client_keys[t].rdkafka, "socket.");
        emit(c, r, client_keys[t].rdkafka, socket_buf && strcmp(v, "-1") == 0 ? "0" : v);
    } else if (t < 0) {
        emit(c, r, k, v);
    }
    free(v);
    return rc;
}

static int by_order(const void *a, const void *b) {
    size_t x = ((const resolved_t *)a)->order, y = ((const resolved_t *)b)->order;
    return x < y ? -1 : x > y;
}

int mm2_client_settings(mm2_t *m, const char *alias, mm2_client_t role, kv_list_t *out,
                        char *err, size_t errsz) {
    if (alias_index(m, alias) < 0) {
        sbuf_t known = {0};
        alias_list(m, &known);
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
        if (!client_key_dropped(k)) e->used = true;
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
                  : b->level == 3 ? join_hosts(b->entry->value)
                                  : xstrdup(mm2_bootstrap(m, alias));
    if (!b) {
        snprintf(err, errsz, "no bootstrap.servers applies to cluster '%s'", alias);
        rc = -1;
    } else if (hosts) {
        emit(&c, b, "bootstrap.servers", hosts);
    } else {
        bad_value(b->entry, "lists no host:port pairs", err, errsz);
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

/* ---- unused keys ---- */

static key_kind_t mm2_key_kind(const char *key) {
    for (size_t i = 0; i < sizeof mm2_other_keys / sizeof mm2_other_keys[0]; i++)
        if (key_matches(key, mm2_other_keys[i].key)) return mm2_other_keys[i].kind;
    return KEY_UNKNOWN;
}

static key_kind_t classify(const mm2_t *m, const char *key) {
    char *src;
    const char *tgt, *rest;
    if (split_flow_key(m, key, &src, &tgt, &rest)) {
        free(src);
        return rest ? mm2_key_kind(rest) : KEY_UNKNOWN;
    }
    const char *alias = key_cluster(m, key);
    if (alias) {
        const char *k = key + strlen(alias) + 1;
        if (role_scoped(k)) k = strchr(k, '.') + 1;
        return client_key_dropped(k) ? KEY_IGNORED : KEY_UNKNOWN;
    }
    key_kind_t kind = mm2_key_kind(key);
    return kind ? kind : client_key_dropped(key) ? KEY_IGNORED : KEY_UNKNOWN;
}

/* The replacement of a deprecated MM2 key (at any scope), or NULL. */
static const char *deprecated_by(const mm2_t *m, const char *key) {
    static const char *const renamed[][2] = {
        {"topics.blacklist", "topics.exclude"},
        {"config.properties.blacklist", "config.properties.exclude"}};
    char *src;
    const char *tgt, *rest = key;
    if (split_flow_key(m, key, &src, &tgt, &rest)) free(src);
    for (size_t k = 0; rest && k < 2; k++)
        if (strcmp(rest, renamed[k][0]) == 0) return renamed[k][1];
    return NULL;
}

const char *mm2_unused_keys_warning(mm2_t *m) {
    static const struct {
        key_kind_t kind;
        const char *label;
    } groups[] = {{KEY_NOT_SUPPORTED, "not supported yet"},
                  {KEY_IGNORED, "ignored"},
                  {KEY_UNKNOWN, "unknown"}};
    sbuf_t w = {0};
    bool first = true;
    for (size_t i = 0; i < props_count(m->props); i++) {
        props_entry_t *e = props_at(m->props, i);
        const char *use = deprecated_by(m, e->key);
        if (!use || !e->used) continue;
        sbuf_printf(&w, "%s%s (%s, use %s)", first ? "deprecated: " : ", ", e->key, e->origin,
                    use);
        first = false;
    }
    for (size_t g = 0; g < 3; g++) {
        first = true;
        for (size_t i = 0; i < props_count(m->props); i++) {
            props_entry_t *e = props_at(m->props, i);
            if (e->used || classify(m, e->key) != groups[g].kind) continue;
            if (first) sbuf_printf(&w, "%s%s: ", w.len ? "; " : "", groups[g].label);
            sbuf_printf(&w, "%s%s (%s)", first ? "" : ", ", e->key, e->origin);
            first = false;
        }
    }
    free(m->warning);
    m->warning = w.s; /* NULL when nothing was appended */
    return m->warning;
}

/* ---- lifecycle ---- */

mm2_t *mm2_new(props_t *props, char *err, size_t errsz) {
    mm2_t *m = xcalloc(1, sizeof *m);
    m->props = props;
    if (load_clusters(m, err, errsz) || discover_flows(m, err, errsz)) {
        mm2_destroy(m);
        return NULL;
    }
    return m;
}

void mm2_destroy(mm2_t *m) {
    if (!m) return;
    for (size_t i = 0; i < m->n_aliases; i++) {
        free(m->aliases[i]);
        free(m->bootstrap[i]);
    }
    free(m->aliases);
    free(m->bootstrap);
    for (size_t i = 0; i < m->n_flows; i++) flow_free(m->flows[i]);
    free(m->flows);
    free(m->warning);
    free(m);
}

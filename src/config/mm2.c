/* MirrorMaker 2 configuration semantics (connect/mirror MirrorMakerConfig,
 * MirrorSourceConfig and friends) on top of props_t:
 *  - `clusters` and `<alias>.bootstrap.servers`;
 *  - flows "<src>-><tgt>": a flow key resolves `<src>-><tgt>.<key>`, then the
 *    top-level `<key>`, then MM2's default (kmig's for kmig.* keys);
 *  - client settings (mm2_client.c): `<alias>.<role>.<key>` beats `<alias>.<key>`
 *    beats the top-level `<key>`, where only connection and security keys
 *    (bootstrap, security.protocol, ssl.*, sasl.*) are inherited from the two
 *    outer levels, as in MirrorMakerConfig.clusterProps(); Java client keys are
 *    then translated to librdkafka's;
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

#include "config/cfgprov.h"
#include "config/mm2_priv.h"
#include "core/sbuf.h"
#include "core/suggest.h"

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

/* ---- small helpers ---- */

bool mm2__has_prefix(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A copy of s without leading and trailing characters <= ' ' (Java's trim()). */
char *mm2__trim_dup(const char *s) {
    while (*s && (unsigned char)*s <= ' ') s++;
    size_t n = strlen(s);
    while (n > 0 && (unsigned char)s[n - 1] <= ' ') n--;
    return xstrndup(s, n);
}

mm2__strlist_t mm2__split_list(const char *value) {
    mm2__strlist_t l = {0};
    char *all = mm2__trim_dup(value);
    if (*all) {
        for (char *p = all;;) {
            char *comma = strchr(p, ',');
            if (comma) *comma = '\0';
            l.items = xrealloc(l.items, (l.n + 1) * sizeof *l.items);
            l.items[l.n++] = mm2__trim_dup(p);
            if (!comma) break;
            p = comma + 1;
        }
    }
    free(all);
    return l;
}

void mm2__strlist_free(mm2__strlist_t *l) {
    for (size_t i = 0; i < l->n; i++) free(l->items[i]);
    free(l->items);
}

/* A bootstrap list as librdkafka wants it: "h1:9092,h2:9092" (NULL when empty). */
char *mm2__join_hosts(const char *value) {
    mm2__strlist_t hosts = mm2__split_list(value);
    sbuf_t joined = {0};
    for (size_t h = 0; h < hosts.n; h++)
        if (*hosts.items[h]) sbuf_printf(&joined, "%s%s", joined.len ? "," : "", hosts.items[h]);
    mm2__strlist_free(&hosts);
    return joined.s;
}

ssize_t mm2__alias_index(const mm2_t *m, const char *alias) {
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
const char *mm2__key_cluster(const mm2_t *m, const char *key) {
    static const char suffix[] = ".bootstrap.servers";
    size_t n = strlen(key), sn = sizeof suffix - 1;
    if (n > sn && strcmp(key + n - sn, suffix) == 0) {
        for (size_t i = 0; i < m->n_aliases; i++)
            if (strlen(m->aliases[i]) == n - sn && strncmp(key, m->aliases[i], n - sn) == 0)
                return m->aliases[i];
    }
    return alias_prefix(m, key);
}

void mm2__alias_list(const mm2_t *m, sbuf_t *b) {
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
    ssize_t exact = mm2__alias_index(m, after);
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

void mm2__bad_value(const props_entry_t *e, const char *why, char *err, size_t errsz) {
    if (e->secret || mm2_key_is_secret(e->key))
        snprintf(err, errsz, "%s: %s: %s", e->origin, e->key, why);
    else
        snprintf(err, errsz, "%s: %s: '%s' %s", e->origin, e->key, e->value, why);
}

static int parse_bool(const props_entry_t *e, bool *out, char *err, size_t errsz) {
    char *v = mm2__trim_dup(e->value);
    int rc = 0;
    if (strcasecmp(v, "true") == 0) *out = true;
    else if (strcasecmp(v, "false") == 0) *out = false;
    else {
        mm2__bad_value(e, "is not true or false", err, errsz);
        rc = -1;
    }
    free(v);
    return rc;
}

/* Java's Integer.parseInt on the trimmed value, then a range check; min -1
 * means "-1 (the broker default) or 1 to max" for replication factors. */
static int parse_int(const props_entry_t *e, long long min, long long max, int *out, char *err,
                     size_t errsz) {
    char *v = mm2__trim_dup(e->value);
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
        mm2__bad_value(e, "is not an integer", err, errsz);
        rc = -1;
    } else if (n < min || n > max || (min == -1 && n == 0)) {
        if (min == -1)
            snprintf(why, sizeof why, "is out of range (-1 for the broker default, or 1 to %lld)",
                     max);
        else
            snprintf(why, sizeof why, "is out of range (%lld to %lld)", min, max);
        mm2__bad_value(e, why, err, errsz);
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
    mm2__strlist_t l = mm2__split_list(c->value);
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
        } else if (mm2__alias_index(m, a) >= 0) {
            snprintf(err, errsz, "%s: clusters names '%s' twice", c->origin, a);
            rc = -1;
        } else {
            m->aliases = xrealloc(m->aliases, (m->n_aliases + 1) * sizeof *m->aliases);
            m->bootstrap = xrealloc(m->bootstrap, (m->n_aliases + 1) * sizeof *m->bootstrap);
            m->aliases[m->n_aliases] = xstrdup(a);
            m->bootstrap[m->n_aliases++] = NULL;
        }
    }
    mm2__strlist_free(&l);
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
        m->bootstrap[i] = mm2__join_hosts(b->value);
        if (!m->bootstrap[i]) {
            mm2__bad_value(b, "lists no host:port pairs", err, errsz);
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
    ssize_t i = mm2__alias_index(m, alias);
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
    return e ? mm2__trim_dup(e->value) : xstrdup(def);
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
    char *v = mm2__trim_dup(e->value);
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
    mm2__bad_value(e, why.s, err, errsz);
    sbuf_free(&why);
    return -1;
}

static int flow_policy(mm2_t *m, mm2_flow_t *f, char *err, size_t errsz) {
    props_entry_t *e = flow_entry(m, f, "replication.policy.class");
    f->policy = POLICY_DEFAULT;
    if (!e) return 0;
    char *v = mm2__trim_dup(e->value);
    const char *simple = mm2__has_prefix(v, "org.apache.kafka.connect.mirror.")
                             ? v + strlen("org.apache.kafka.connect.mirror.")
                             : v;
    int rc = 0;
    if (strcmp(simple, "DefaultReplicationPolicy") == 0) {
        f->policy = POLICY_DEFAULT;
    } else if (strcmp(simple, "IdentityReplicationPolicy") == 0) {
        f->policy = POLICY_IDENTITY;
    } else {
        mm2__bad_value(e,
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
    free(f->workers_group);
    free(f->txn_id_prefix);
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

/* Exactly-once mode (docs/EXACTLY_ONCE.md). MM2's connector key
 * exactly.once.support takes `requested` (its default: exactly once when the
 * worker's exactly.once.source.support is `enabled`) or `required`; kmig also
 * takes `enabled` (= required) and `disabled`. The worker key takes
 * `enabled`, `preparing` (MM2's rolling-upgrade step: not yet exactly once)
 * or `disabled` (its default). */
static int flow_exactly_once(mm2_t *m, mm2_flow_t *f, char *err, size_t errsz) {
    static const char *const conn[] = {"requested", "required", "enabled", "disabled"};
    static const char *const worker[] = {"disabled", "preparing", "enabled"};
    const char *c = conn[0], *w = worker[0];
    props_entry_t *e = flow_entry(m, f, "exactly.once.support");
    if (e && one_of(e, conn, 4, &c, err, errsz)) return -1;
    e = flow_entry(m, f, "exactly.once.source.support");
    if (!e) { /* MM2 scopes the worker key by the target cluster's alias */
        sbuf_t k = {0};
        sbuf_printf(&k, "%s.exactly.once.source.support", f->target);
        e = props_get(m->props, k.s);
        sbuf_free(&k);
    }
    if (e && one_of(e, worker, 3, &w, err, errsz)) return -1;
    f->exactly_once = c == conn[1] || c == conn[2] || (c == conn[0] && w == worker[2]);
    f->txn_id_prefix = flow_string(m, f, "kmig.transactional.id.prefix", NULL, "");
    return flow_int(m, f, "kmig.transaction.max.kbytes", 65536, 64, 4194304, &f->txn_max_kbytes,
                    err, errsz);
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
    f->separator = e ? mm2__trim_dup(e->value) : xstrdup(".");
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
    f->workers_group = flow_string(m, f, "kmig.workers.group.id", NULL, "");
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
        flow_bool(m, f, "emit.heartbeats.enabled", true, &f->emit_heartbeats, err, errsz) ||
        flow_int(m, f, "emit.heartbeats.interval.seconds", 1, 1, INT_MAX,
                 &f->emit_heartbeats_interval_s, err, errsz) ||
        flow_int(m, f, "heartbeats.topic.replication.factor", 3, -1, SHRT_MAX,
                 &f->heartbeats_replication_factor, err, errsz) ||
        flow_compression(m, f, err, errsz) ||
        flow_int(m, f, "kmig.offset.map.flush.interval.ms", 1000, 1, INT_MAX,
                 &f->offset_map_flush_ms, err, errsz) ||
        flow_isolation(m, f, err, errsz) || flow_data_loss(m, f, err, errsz) ||
        flow_int(m, f, "tasks.max", 8, 1, 1024, &f->tasks, err, errsz) ||
        flow_int(m, f, "kmig.partitions.per.client", 2000, 1, INT_MAX,
                 &f->partitions_per_client, err, errsz) ||
        flow_exactly_once(m, f, err, errsz) ||
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
        ssize_t s = mm2__alias_index(m, src);
        sbuf_t known = {0};
        mm2__alias_list(m, &known);
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
    const char *bad = mm2__alias_index(m, src) < 0 ? src : mm2__alias_index(m, tgt) < 0 ? tgt : NULL;
    if (bad) {
        sbuf_t known = {0};
        mm2__alias_list(m, &known);
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

/* ---- unused keys ---- */

static key_kind_t mm2_key_kind(const char *key) {
    for (size_t i = 0; i < sizeof mm2_other_keys / sizeof mm2_other_keys[0]; i++)
        if (mm2__key_matches(key, mm2_other_keys[i].key)) return mm2_other_keys[i].kind;
    return KEY_UNKNOWN;
}

static key_kind_t classify(const mm2_t *m, const char *key) {
    char *src;
    const char *tgt, *rest;
    if (split_flow_key(m, key, &src, &tgt, &rest)) {
        free(src);
        return rest ? mm2_key_kind(rest) : KEY_UNKNOWN;
    }
    const char *alias = mm2__key_cluster(m, key);
    if (alias) {
        const char *k = key + strlen(alias) + 1;
        if (mm2__role_scoped(k)) k = strchr(k, '.') + 1;
        return mm2__client_key_dropped(k) ? KEY_IGNORED : KEY_UNKNOWN;
    }
    key_kind_t kind = mm2_key_kind(key);
    return kind ? kind : mm2__client_key_dropped(key) ? KEY_IGNORED : KEY_UNKNOWN;
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

/* ---- did you mean ---- */

/* The MM2 flow keys kmig reads (at the top level or as `<src>-><tgt>.<key>`). */
static const char *const flow_keys[] = {
    "enabled", "topics", "topics.exclude", "groups", "groups.exclude",
    "replication.policy.class", "replication.policy.separator", "replication.factor",
    "offset-syncs.topic.replication.factor", "checkpoints.topic.replication.factor",
    "refresh.topics.enabled", "refresh.topics.interval.seconds", "refresh.groups.enabled",
    "refresh.groups.interval.seconds", "sync.topic.configs.enabled",
    "sync.topic.configs.interval.seconds", "config.properties.exclude", "sync.topic.acls.enabled",
    "sync.topic.acls.interval.seconds", "emit.checkpoints.enabled",
    "emit.checkpoints.interval.seconds", "sync.group.offsets.enabled",
    "sync.group.offsets.interval.seconds", "admin.timeout.ms", "kmig.compression.type",
    "kmig.offset.map.flush.interval.ms", "kmig.isolation.level", "kmig.on.data.loss",
    "kmig.admin.timeout.ms", "kmig.principal.map", "tasks.max", "kmig.workers.group.id",
    "exactly.once.support", "exactly.once.source.support", "kmig.transactional.id.prefix",
    "kmig.transaction.max.kbytes", "kmig.partitions.per.client"};

typedef struct cands {
    const char **k;
    size_t n;
    char **owned; /* built strings ("<alias>.<key>") */
    size_t n_owned;
} cands_t;

static void cands_add(cands_t *c, const char *const *k, size_t n) {
    c->k = xrealloc(c->k, (c->n + n) * sizeof *c->k);
    for (size_t i = 0; i < n; i++) c->k[c->n++] = k[i];
}

static void cands_add_owned(cands_t *c, char *s) {
    c->owned = xrealloc(c->owned, (c->n_owned + 1) * sizeof *c->owned);
    c->owned[c->n_owned++] = s;
    cands_add(c, (const char *const *)&c->owned[c->n_owned - 1], 1);
}

static void cands_free(cands_t *c) {
    for (size_t i = 0; i < c->n_owned; i++) free(c->owned[i]);
    free(c->owned);
    free(c->k);
}

static void cands_add_mm2_other(cands_t *c) {
    for (size_t i = 0; i < sizeof mm2_other_keys / sizeof mm2_other_keys[0]; i++) {
        const char *k = mm2_other_keys[i].key;
        if (k[strlen(k) - 1] != '.') cands_add(c, &k, 1);
    }
}

static void cands_add_client(cands_t *c, bool inherited_only) {
    const char **k;
    size_t n = mm2__client_known_keys(inherited_only, &k);
    cands_add(c, k, n);
    free(k);
}

/* "did you mean `<scope><nearest key>`?" for an unknown key, keeping the user's
 * scope (`A->B.`, `<alias>.`, `<alias>.<role>.`), or a hint about an alias that
 * is not in `clusters`; NULL when nothing is near. malloc'd. */
static char *suggestion(const mm2_t *m, const char *key) {
    static const char bs[] = ".bootstrap.servers";
    cands_t c = {0};
    const char *word = key;
    char *src;
    const char *tgt, *rest;
    sbuf_t out = {0};
    size_t kl = strlen(key);
    if (split_flow_key(m, key, &src, &tgt, &rest)) {
        free(src);
        if (!rest) return NULL;
        word = rest;
        cands_add(&c, flow_keys, sizeof flow_keys / sizeof *flow_keys);
        cands_add_mm2_other(&c);
    } else if (mm2__key_cluster(m, key)) {
        word = key + strlen(mm2__key_cluster(m, key)) + 1;
        bool role = mm2__role_scoped(word);
        if (role) word = strchr(word, '.') + 1;
        cands_add_client(&c, !role);
    } else if (kl > sizeof bs - 1 && strcmp(key + kl - (sizeof bs - 1), bs) == 0 &&
               !strchr(key, '>')) {
        sbuf_t known = {0};
        mm2__alias_list(m, &known);
        sbuf_printf(&out, "`%.*s` is not in clusters (%s)", (int)(kl - (sizeof bs - 1)), key,
                    sbuf_str(&known));
        sbuf_free(&known);
        return out.s;
    } else {
        cands_add(&c, flow_keys, sizeof flow_keys / sizeof *flow_keys);
        cands_add_mm2_other(&c);
        cands_add_client(&c, true);
        static const char *const top[] = {"clusters", "config.providers"};
        cands_add(&c, top, 2);
        /* a misspelled alias: "<alias>.<the rest>" for each alias */
        const char *dot = strchr(key, '.');
        for (size_t i = 0; dot && i < m->n_aliases; i++) {
            sbuf_t a = {0};
            sbuf_printf(&a, "%s%s", m->aliases[i], dot);
            cands_add_owned(&c, a.s);
        }
    }
    const char *best = suggest_nearest(word, c.k, c.n);
    if (best) sbuf_printf(&out, "did you mean `%.*s%s`?", (int)(word - key), key, best);
    cands_free(&c);
    return out.s;
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
            char *hint = groups[g].kind == KEY_UNKNOWN ? suggestion(m, e->key) : NULL;
            sbuf_printf(&w, "%s%s (%s%s%s)", first ? "" : ", ", e->key, e->origin,
                        hint ? "; " : "", hint ? hint : "");
            free(hint);
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
    if (cfgprov_resolve(props, err, errsz) || load_clusters(m, err, errsz) ||
        discover_flows(m, err, errsz)) {
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

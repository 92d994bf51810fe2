/* Unit tests for config/mm2 (MM2 semantics, client settings translation,
 * unused-key warning) and config/jaas (sasl.jaas.config parsing). */
#include "config/mm2.h"

#include <stdlib.h>

#include "config/jaas.h"
#include "core/sbuf.h"
#include "unit.h"

static char err[1024];

static props_t *text_props(const char *text) {
    props_t *p = props_new();
    char perr[256];
    if (props_load_string(p, "mm2.properties", text, perr, sizeof perr)) {
        fprintf(stderr, "  props error: %s\n", perr);
        CHECK(0);
    }
    return p;
}

/* mm2 over `text`, expected to load. The props are freed by done(). */
static mm2_t *load(const char *text, props_t **pp) {
    *pp = text_props(text);
    err[0] = '\0';
    mm2_t *m = mm2_new(*pp, err, sizeof err);
    if (!m) fprintf(stderr, "  mm2_new: %s\n", err);
    CHECK(m != NULL);
    return m;
}

static void done(mm2_t *m, props_t *p) {
    mm2_destroy(m);
    props_destroy(p);
}

/* mm2_new over `text` must fail; returns err. */
static const char *load_error(const char *text) {
    props_t *p = text_props(text);
    err[0] = '\0';
    mm2_t *m = mm2_new(p, err, sizeof err);
    CHECK(m == NULL);
    mm2_destroy(m);
    props_destroy(p);
    return err;
}

static bool contains(const char *s, const char *part) { return s && strstr(s, part) != NULL; }

#define TWO "clusters = a, b\na.bootstrap.servers = a1:9092\nb.bootstrap.servers = b1:9092\n"

static const kv_t *kv_find(const kv_list_t *l, const char *key) {
    for (size_t i = l->n; i-- > 0;)
        if (strcmp(l->items[i].key, key) == 0) return &l->items[i];
    return NULL;
}

/* ---- clusters and flows ---- */

static void test_clusters(void) {
    props_t *p;
    mm2_t *m = load("clusters =  primary ,backup,  dr  \n"
                    "primary.bootstrap.servers = p1:9092 , p2:9092,\n"
                    "backup.bootstrap.servers = b1:9092\n"
                    "dr.bootstrap.servers=d1:9092\n",
                    &p);
    CHECK_EQ_INT(mm2_cluster_count(m), 3);
    CHECK_EQ_STR(mm2_cluster_alias(m, 0), "primary");
    CHECK_EQ_STR(mm2_cluster_alias(m, 1), "backup");
    CHECK_EQ_STR(mm2_cluster_alias(m, 2), "dr");
    CHECK(mm2_cluster_alias(m, 3) == NULL);
    CHECK_EQ_STR(mm2_bootstrap(m, "primary"), "p1:9092,p2:9092");
    CHECK_EQ_STR(mm2_bootstrap(m, "dr"), "d1:9092");
    CHECK(mm2_bootstrap(m, "nope") == NULL);
    CHECK_EQ_INT(mm2_flow_count(m), 0);
    CHECK(mm2_unused_keys_warning(m) == NULL);
    done(m, p);
}

static void test_cluster_errors(void) {
    const char *e = load_error("clusters = primary, backup\nprimary.bootstrap.servers = p:9092\n");
    CHECK_EQ_STR(e, "mm2.properties:1: clusters names 'backup' but backup.bootstrap.servers is "
                    "not set");
    e = load_error("a.bootstrap.servers = x:1\n");
    CHECK(contains(e, "mm2.properties: clusters is not set"));
    e = load_error("clusters =\n");
    CHECK(contains(e, "mm2.properties:1: clusters is empty"));
    e = load_error("\nclusters = a, a\na.bootstrap.servers = x:1\n");
    CHECK_EQ_STR(e, "mm2.properties:2: clusters names 'a' twice");
    e = load_error("clusters = a, , b\n");
    CHECK(contains(e, "mm2.properties:1: clusters: '' is not a usable alias"));
    e = load_error("clusters = a->b\n");
    CHECK(contains(e, "'a->b' is not a usable alias"));
    e = load_error("clusters = a\na.bootstrap.servers = ,\n");
    CHECK_EQ_STR(e, "mm2.properties:2: a.bootstrap.servers: ',' lists no host:port pairs");
}

static void test_flow_discovery(void) {
    props_t *p;
    mm2_t *m = load(TWO "clusters = a, b, c\nc.bootstrap.servers = c1:9092\n"
                        "b->c.topics = x\n"
                        "a->b.enabled = true\n"
                        "b->c.enabled = false\n"
                        "c->a.replication.factor = 1\n",
                    &p);
    CHECK_EQ_INT(mm2_flow_count(m), 3);
    const mm2_flow_t *f = mm2_flow_at(m, 0);
    CHECK_EQ_STR(f->source, "b");
    CHECK_EQ_STR(f->target, "c");
    CHECK(!f->enabled);
    CHECK_EQ_STR(f->topics, "x");
    CHECK(mm2_flow_at(m, 1)->enabled);
    CHECK_EQ_STR(mm2_flow_at(m, 2)->source, "c");
    CHECK(!mm2_flow_at(m, 2)->enabled);
    CHECK(mm2_flow_at(m, 3) == NULL);
    done(m, p);

    const char *e = load_error(TWO "\na->c.enabled = true\n");
    CHECK_EQ_STR(e, "mm2.properties:5: a->c.enabled: 'c' is not one of the clusters (a, b)");
    e = load_error(TWO "x->b.enabled = true\n");
    CHECK_EQ_STR(e, "mm2.properties:4: x->b.enabled: 'x' is not one of the clusters (a, b)");
    e = load_error(TWO "a->a.enabled = true\n");
    CHECK_EQ_STR(e, "mm2.properties:4: a->a.enabled: a flow needs two different clusters");
    e = load_error(TWO "a->b = true\n");
    CHECK_EQ_STR(e, "mm2.properties:4: a->b: expected a->b.<setting>");
}

/* Aliases may contain dots; the longest alias wins when one prefixes another. */
static void test_dotted_aliases(void) {
    props_t *p;
    mm2_t *m = load("clusters = us, us.east\n"
                    "us.bootstrap.servers = us:9092\n"
                    "us.east.bootstrap.servers = use:9092\n"
                    "us.east.security.protocol = SSL\n"
                    "us.east->us.enabled = true\n"
                    "us->us.east.topics = t\n",
                    &p);
    CHECK_EQ_STR(mm2_bootstrap(m, "us.east"), "use:9092");
    CHECK_EQ_INT(mm2_flow_count(m), 2);
    CHECK_EQ_STR(mm2_flow_at(m, 0)->source, "us.east");
    CHECK_EQ_STR(mm2_flow_at(m, 0)->target, "us");
    CHECK(mm2_flow_at(m, 0)->enabled);
    CHECK_EQ_STR(mm2_flow_at(m, 1)->target, "us.east");
    CHECK_EQ_STR(mm2_flow_at(m, 1)->topics, "t");
    kv_list_t l = {0};
    CHECK_EQ_INT(mm2_client_settings(m, "us", MM2_CLIENT_ADMIN, &l, err, sizeof err), 0);
    CHECK(kv_list_get(&l, "security.protocol") == NULL);
    kv_list_clear(&l);
    CHECK_EQ_INT(mm2_client_settings(m, "us.east", MM2_CLIENT_ADMIN, &l, err, sizeof err), 0);
    CHECK_EQ_STR(kv_list_get(&l, "security.protocol"), "SSL");
    kv_list_clear(&l);
    CHECK(mm2_unused_keys_warning(m) == NULL);
    done(m, p);
}

/* Aliases that are dotted prefixes of each other (`a`, `a.bootstrap`): each
 * alias's `<alias>.bootstrap.servers` is its own, every other key belongs to
 * the longest alias it starts with. This used to crash (NULL bootstrap entry). */
static void test_prefix_aliases(void) {
    props_t *p;
    mm2_t *m = load("clusters = a, a.bootstrap\n"
                    "a.bootstrap.servers = a1:9092\n"
                    "a.bootstrap.bootstrap.servers = ab1:9092\n"
                    "a.bootstrap.security.protocol = SSL\n"
                    "a.security.protocol = PLAINTEXT\n"
                    "a.consumer.client.rack = r1\n"
                    "a->a.bootstrap.enabled = true\n",
                    &p);
    CHECK_EQ_STR(mm2_bootstrap(m, "a"), "a1:9092");
    CHECK_EQ_STR(mm2_bootstrap(m, "a.bootstrap"), "ab1:9092");
    CHECK_EQ_INT(mm2_flow_count(m), 1);
    CHECK_EQ_STR(mm2_flow_at(m, 0)->source, "a");
    CHECK_EQ_STR(mm2_flow_at(m, 0)->target, "a.bootstrap");
    for (int round = 0; round < 2; round++) { /* the same answer every time */
        kv_list_t l = {0};
        CHECK_EQ_INT(mm2_client_settings(m, "a", MM2_CLIENT_CONSUMER, &l, err, sizeof err), 0);
        CHECK_EQ_STR(kv_list_get(&l, "bootstrap.servers"), "a1:9092");
        CHECK_EQ_STR(kv_list_get(&l, "security.protocol"), "PLAINTEXT");
        CHECK_EQ_STR(kv_list_get(&l, "client.rack"), "r1");
        kv_list_clear(&l);
        CHECK_EQ_INT(
            mm2_client_settings(m, "a.bootstrap", MM2_CLIENT_CONSUMER, &l, err, sizeof err), 0);
        CHECK_EQ_STR(kv_list_get(&l, "bootstrap.servers"), "ab1:9092");
        CHECK_EQ_STR(kv_list_get(&l, "security.protocol"), "SSL");
        CHECK(kv_list_get(&l, "client.rack") == NULL);
        kv_list_clear(&l);
    }
    CHECK(mm2_unused_keys_warning(m) == NULL);
    done(m, p);

    /* Three levels, listed longest first. */
    m = load("clusters = x.y.z, x.y, x\n"
             "x.bootstrap.servers = x:1\nx.y.bootstrap.servers = xy:1\n"
             "x.y.z.bootstrap.servers = xyz:1\n"
             "x.y.z.admin.request.timeout.ms = 7\n",
             &p);
    const char *names[] = {"x", "x.y", "x.y.z"}, *hosts[] = {"x:1", "xy:1", "xyz:1"};
    for (size_t i = 0; i < 3; i++) {
        kv_list_t l = {0};
        CHECK_EQ_INT(mm2_client_settings(m, names[i], MM2_CLIENT_ADMIN, &l, err, sizeof err), 0);
        CHECK_EQ_STR(kv_list_get(&l, "bootstrap.servers"), hosts[i]);
        CHECK((kv_list_get(&l, "request.timeout.ms") != NULL) == (i == 2));
        kv_list_clear(&l);
    }
    done(m, p);
}

/* Odd input: each is a clear error with file:line, or loads; none crashes. */
static void test_odd_input(void) {
    const char *e = load_error(TWO "a->unknown.enabled = true\n");
    CHECK(contains(e, "mm2.properties:4: a->unknown.enabled: 'unknown' is not one of the "
                      "clusters (a, b)"));
    e = load_error(TWO "b->b.topics = x\n");
    CHECK(contains(e, "mm2.properties:4: b->b.topics: a flow needs two different clusters"));
    e = load_error(TWO "->b.enabled = true\n");
    CHECK(contains(e, "mm2.properties:4: ->b.enabled: '' is not one of the clusters"));
    e = load_error(TWO "a->.enabled = true\n");
    CHECK(contains(e, "mm2.properties:4: a->.enabled: '' is not one of the clusters"));
    e = load_error(TWO "a->b.\n");
    CHECK(contains(e, "mm2.properties:4: a->b.: expected a->b.<setting>"));
    e = load_error("clusters = a, b, a\na.bootstrap.servers = x:1\nb.bootstrap.servers = y:1\n");
    CHECK(contains(e, "mm2.properties:1: clusters names 'a' twice"));
    e = load_error("clusters = a\na.bootstrap.servers\n");
    CHECK(contains(e, "mm2.properties:2: a.bootstrap.servers: '' lists no host:port pairs"));
    e = load_error(TWO "a->b.replication.factor\n");
    CHECK(contains(e, "mm2.properties:4: a->b.replication.factor: '' is not an integer"));
    e = load_error(TWO "a->b.enabled =\n");
    CHECK(contains(e, "mm2.properties:4: a->b.enabled: '' is not true or false"));

    /* Keys without values, an empty key, a lone '=', a very long line. */
    props_t *p;
    sbuf_t big = {0};
    sbuf_puts(&big, TWO "=\n= v\nlonely\na->b.topics = ");
    for (int i = 0; i < 20000; i++) sbuf_printf(&big, "%stopic%d", i ? "," : "", i);
    sbuf_puts(&big, "\n");
    mm2_t *m = load(big.s, &p);
    CHECK_EQ_INT(mm2_flow_count(m), 1);
    CHECK(strlen(mm2_flow_at(m, 0)->topics) > 100000);
    const char *w = mm2_unused_keys_warning(m);
    CHECK(contains(w, "lonely (mm2.properties:6)"));
    done(m, p);
    sbuf_free(&big);
}

static void test_defaults(void) {
    props_t *p;
    mm2_t *m = load(TWO "a->b.enabled = true\n", &p);
    const mm2_flow_t *f = mm2_flow_at(m, 0);
    CHECK(f->enabled);
    CHECK_EQ_STR(f->topics, ".*");
    CHECK_EQ_STR(f->topics_exclude, ".*[\\-\\.]internal, .*\\.replica, __.*");
    CHECK_EQ_INT(f->policy, POLICY_DEFAULT);
    CHECK_EQ_STR(f->separator, ".");
    CHECK_EQ_INT(f->replication_factor, 2);
    CHECK_EQ_INT(f->offset_map_replication_factor, 3);
    CHECK(f->refresh_topics);
    CHECK_EQ_INT(f->refresh_topics_interval_s, 10);
    CHECK(f->sync_topic_configs);
    CHECK_EQ_INT(f->sync_topic_configs_interval_s, 600);
    CHECK(f->sync_topic_acls);
    CHECK_EQ_INT(f->sync_topic_acls_interval_s, 600);
    CHECK_EQ_STR(f->principal_map, "");
    CHECK_EQ_STR(f->config_properties_exclude,
                 "follower\\.replication\\.throttled\\.replicas, "
                 "leader\\.replication\\.throttled\\.replicas, "
                 "message\\.timestamp\\.difference\\.max\\.ms, message\\.timestamp\\.type, "
                 "unclean\\.leader\\.election\\.enable");
    CHECK_EQ_STR(f->compression, "lz4");
    CHECK_EQ_INT(f->offset_map_flush_ms, 1000);
    CHECK(f->read_committed);
    CHECK(!f->continue_on_data_loss);
    CHECK_EQ_INT(f->admin_timeout_ms, 10000);
    done(m, p);
}

static void test_scoping(void) {
    props_t *p;
    mm2_t *m = load(TWO "topics = top.*\n"
                        "a->b.topics = flow.*\n"
                        "replication.factor = 1\n"
                        "b->a.replication.factor = 5\n"
                        "replication.policy.separator =  _ \n"
                        "refresh.topics.enabled = FALSE\n"
                        "a->b.refresh.topics.enabled = True\n"
                        "kmig.compression.type = ZSTD\n"
                        "b->a.kmig.compression.type = snappy\n"
                        "kmig.on.data.loss = continue\n"
                        "a->b.kmig.on.data.loss = fail\n"
                        "kmig.isolation.level = read_uncommitted\n"
                        "kmig.offset.map.flush.interval.ms = 250\n"
                        "b->a.kmig.admin.timeout.ms = 3000\n"
                        "a->b.enabled = true\n"
                        "b->a.enabled = true\n",
                    &p);
    const mm2_flow_t *ab = mm2_flow_at(m, 0), *ba = mm2_flow_at(m, 1);
    CHECK_EQ_STR(ab->source, "a");
    CHECK_EQ_STR(ab->topics, "flow.*");
    CHECK_EQ_STR(ba->topics, "top.*");
    CHECK_EQ_INT(ab->replication_factor, 1);
    CHECK_EQ_INT(ba->replication_factor, 5);
    CHECK_EQ_STR(ab->separator, "_");
    CHECK(ab->refresh_topics);
    CHECK(!ba->refresh_topics);
    CHECK_EQ_STR(ab->compression, "zstd");
    CHECK_EQ_STR(ba->compression, "snappy");
    CHECK(!ab->continue_on_data_loss);
    CHECK(ba->continue_on_data_loss);
    CHECK(!ab->read_committed);
    CHECK_EQ_INT(ab->offset_map_flush_ms, 250);
    CHECK_EQ_INT(ab->admin_timeout_ms, 10000);
    CHECK_EQ_INT(ba->admin_timeout_ms, 3000);
    CHECK(mm2_unused_keys_warning(m) == NULL);
    done(m, p);
}

static void test_deprecated_and_fallbacks(void) {
    props_t *p;
    /* topics.blacklist is used when topics.exclude is set at neither level. */
    mm2_t *m = load(TWO "topics.blacklist = old.*\n"
                        "config.properties.blacklist = retention\\\\..*\n"
                        "a->b.enabled = true\n",
                    &p);
    CHECK_EQ_STR(mm2_flow_at(m, 0)->topics_exclude, "old.*");
    CHECK_EQ_STR(mm2_flow_at(m, 0)->config_properties_exclude, "retention\\..*");
    CHECK_EQ_STR(mm2_unused_keys_warning(m),
                 "deprecated: topics.blacklist (mm2.properties:4, use topics.exclude), "
                 "config.properties.blacklist (mm2.properties:5, use config.properties.exclude)");
    done(m, p);
    /* ... and loses to topics.exclude at any level, as in MM2. */
    m = load(TWO "topics.exclude = new.*\n"
                 "a->b.topics.blacklist = old.*\n"
                 "a->b.enabled = true\n",
             &p);
    CHECK_EQ_STR(mm2_flow_at(m, 0)->topics_exclude, "new.*");
    CHECK_EQ_STR(mm2_unused_keys_warning(m),
                 "deprecated: a->b.topics.blacklist (mm2.properties:5, use topics.exclude)");
    done(m, p);
    /* MM2's admin.timeout.ms, the producer's compression.type and the
     * consumer's isolation.level are the defaults of kmig's keys. */
    m = load(TWO "admin.timeout.ms = 30000\n"
                 "b.producer.compression.type = gzip\n"
                 "a.consumer.isolation.level = read_uncommitted\n"
                 "a->b.enabled = true\n",
             &p);
    const mm2_flow_t *f = mm2_flow_at(m, 0);
    CHECK_EQ_INT(f->admin_timeout_ms, 30000);
    CHECK_EQ_STR(f->compression, "gzip");
    CHECK(!f->read_committed);
    CHECK(mm2_unused_keys_warning(m) == NULL);
    done(m, p);
    m = load(TWO "admin.timeout.ms = 30000\nkmig.admin.timeout.ms = 5000\n"
                 "a.producer.compression.type = gzip\n" /* a is the source: not used */
                 "a->b.enabled = true\n",
             &p);
    CHECK_EQ_INT(mm2_flow_at(m, 0)->admin_timeout_ms, 5000);
    CHECK_EQ_STR(mm2_flow_at(m, 0)->compression, "lz4");
    done(m, p);
}

static void test_policy(void) {
    props_t *p;
    mm2_t *m = load(TWO "replication.policy.class = IdentityReplicationPolicy\n"
                        "a->b.replication.policy.class = "
                        "org.apache.kafka.connect.mirror.DefaultReplicationPolicy\n"
                        "b->a.enabled = true\n",
                    &p);
    CHECK_EQ_INT(mm2_flow_at(m, 0)->policy, POLICY_DEFAULT);
    CHECK_EQ_INT(mm2_flow_at(m, 1)->policy, POLICY_IDENTITY);
    done(m, p);
    m = load(TWO "replication.policy.class = "
                 "  org.apache.kafka.connect.mirror.IdentityReplicationPolicy  \n",
             &p);
    const mm2_flow_t *f = mm2_flow(m, "a", "b", err, sizeof err);
    CHECK(f && f->policy == POLICY_IDENTITY);
    done(m, p);

    const char *e = load_error(TWO "a->b.replication.policy.class = com.example.MyPolicy\n");
    CHECK(contains(e, "mm2.properties:4: a->b.replication.policy.class: 'com.example.MyPolicy' "
                      "is not supported"));
    CHECK(contains(e, "IdentityReplicationPolicy"));
}

static void test_value_errors(void) {
    const char *e = load_error(TWO "a->b.enabled = yes\n");
    CHECK_EQ_STR(e, "mm2.properties:4: a->b.enabled: 'yes' is not true or false");
    e = load_error(TWO "\nsync.topic.configs.enabled = 1\na->b.enabled = true\n");
    CHECK_EQ_STR(e, "mm2.properties:5: sync.topic.configs.enabled: '1' is not true or false");
    e = load_error(TWO "a->b.replication.factor = 3x\n");
    CHECK_EQ_STR(e, "mm2.properties:4: a->b.replication.factor: '3x' is not an integer");
    e = load_error(TWO "a->b.replication.factor = 0\n");
    CHECK(contains(e, "mm2.properties:4: a->b.replication.factor: '0' is out of range (-1"));
    e = load_error(TWO "a->b.offset-syncs.topic.replication.factor = 40000\n");
    CHECK(contains(e, "offset-syncs.topic.replication.factor: '40000' is out of range"));
    e = load_error(TWO "a->b.refresh.topics.interval.seconds = 99999999999999999999\n");
    CHECK(contains(e, "mm2.properties:4: a->b.refresh.topics.interval.seconds: "
                      "'99999999999999999999' is not an integer"));
    e = load_error(TWO "a->b.sync.topic.configs.interval.seconds = 0\n");
    CHECK(contains(e, "'0' is out of range (1 to 2147483647)"));
    e = load_error(TWO "a->b.kmig.offset.map.flush.interval.ms = \n");
    CHECK(contains(e, "mm2.properties:4: a->b.kmig.offset.map.flush.interval.ms: '' is not an "
                      "integer"));
    e = load_error(TWO "a->b.kmig.compression.type = brotli\n");
    CHECK_EQ_STR(e, "mm2.properties:4: a->b.kmig.compression.type: 'brotli' is not one of none, "
                    "gzip, snappy, lz4, zstd");
    e = load_error(TWO "b.producer.compression.type = lzma\na->b.enabled = true\n");
    CHECK(contains(e, "mm2.properties:4: b.producer.compression.type: 'lzma' is not one of"));
    e = load_error(TWO "a->b.kmig.isolation.level = committed\n");
    CHECK(contains(e, "mm2.properties:4: a->b.kmig.isolation.level: 'committed' is not one of "
                      "read_committed, read_uncommitted"));
    e = load_error(TWO "a->b.kmig.on.data.loss = ignore\n");
    CHECK(contains(e, "a->b.kmig.on.data.loss: 'ignore' is not one of fail, continue"));
    e = load_error(TWO "a->b.kmig.admin.timeout.ms = 2147483647\n");
    CHECK(contains(e, "mm2.properties:4: a->b.kmig.admin.timeout.ms: '2147483647' is out of "
                      "range (1 to 3600000)"));
    e = load_error(TWO "admin.timeout.ms = 3600001\na->b.enabled = true\n");
    CHECK(contains(e, "mm2.properties:4: admin.timeout.ms: '3600001' is out of range"));
    e = load_error(TWO "a->b.kmig.admin.timeout.ms = -5\n");
    CHECK(contains(e, "a->b.kmig.admin.timeout.ms: '-5' is out of range"));
    e = load_error(TWO "a->b.replication.policy.separator =   \n");
    CHECK_EQ_STR(e, "mm2.properties:4: a->b.replication.policy.separator: the separator must not "
                    "be empty");

    /* A top-level error surfaces when a flow is resolved on demand. */
    props_t *p;
    mm2_t *m = load(TWO "replication.factor = many\n", &p);
    CHECK(mm2_flow(m, "a", "b", err, sizeof err) == NULL);
    CHECK_EQ_STR(err, "mm2.properties:4: replication.factor: 'many' is not an integer");
    done(m, p);
}

static void test_lazy_flow(void) {
    props_t *p;
    mm2_t *m = load(TWO "replication.factor = 1\n", &p);
    const mm2_flow_t *f = mm2_flow(m, "b", "a", err, sizeof err);
    CHECK(f != NULL);
    CHECK(!f->enabled);
    CHECK_EQ_INT(f->replication_factor, 1);
    CHECK(mm2_flow(m, "b", "a", err, sizeof err) == f);
    CHECK_EQ_INT(mm2_flow_count(m), 0);
    CHECK(mm2_flow(m, "a", "zz", err, sizeof err) == NULL);
    CHECK_EQ_STR(err, "unknown cluster alias 'zz' (clusters: a, b)");
    CHECK(mm2_flow(m, "a", "a", err, sizeof err) == NULL);
    CHECK(contains(err, "two different clusters"));
    done(m, p);
}

/* ---- client settings ---- */

static void test_client_inheritance(void) {
    props_t *p;
    mm2_t *m = load(TWO "security.protocol = SASL_SSL\n"
                        "sasl.mechanism = PLAIN\n"
                        "b.security.protocol = SSL\n"
                        "b.producer.security.protocol = PLAINTEXT\n"
                        "a.consumer.client.id = reader\n"
                        "a.client.id = ignored-by-mm2\n"
                        "linger.ms = 5\n"
                        "a.consumer.bootstrap.servers = a9:9092 , a8:9092\n"
                        "a.ssl.ca.location = /etc/ca.pem\n",
                    &p);
    kv_list_t l = {0};
    CHECK_EQ_INT(mm2_client_settings(m, "a", MM2_CLIENT_CONSUMER, &l, err, sizeof err), 0);
    CHECK_EQ_STR(l.items[0].key, "bootstrap.servers");
    CHECK_EQ_STR(kv_list_get(&l, "bootstrap.servers"), "a9:9092,a8:9092");
    CHECK_EQ_STR(kv_list_get(&l, "security.protocol"), "SASL_SSL");
    CHECK_EQ_STR(kv_find(&l, "security.protocol")->origin, "mm2.properties:4");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.mechanism"), "PLAIN");
    CHECK_EQ_STR(kv_list_get(&l, "client.id"), "reader");
    CHECK_EQ_STR(kv_list_get(&l, "ssl.ca.location"), "/etc/ca.pem");
    CHECK(kv_list_get(&l, "linger.ms") == NULL);
    kv_list_clear(&l);

    CHECK_EQ_INT(mm2_client_settings(m, "a", MM2_CLIENT_ADMIN, &l, err, sizeof err), 0);
    CHECK_EQ_STR(kv_list_get(&l, "bootstrap.servers"), "a1:9092");
    CHECK(kv_list_get(&l, "client.id") == NULL);
    kv_list_clear(&l);

    CHECK_EQ_INT(mm2_client_settings(m, "b", MM2_CLIENT_CONSUMER, &l, err, sizeof err), 0);
    CHECK_EQ_STR(kv_list_get(&l, "security.protocol"), "SSL");
    CHECK(kv_list_get(&l, "ssl.ca.location") == NULL);
    kv_list_clear(&l);
    CHECK_EQ_INT(mm2_client_settings(m, "b", MM2_CLIENT_PRODUCER, &l, err, sizeof err), 0);
    CHECK_EQ_STR(kv_list_get(&l, "security.protocol"), "PLAINTEXT");
    kv_list_clear(&l);

    /* Cluster-level and top-level keys other than connection and security
     * settings do not reach the clients (MirrorMakerConfig.clusterProps). */
    CHECK_EQ_STR(mm2_unused_keys_warning(m), "unknown: a.client.id (mm2.properties:9), "
                                             "linger.ms (mm2.properties:10)");

    CHECK_EQ_INT(mm2_client_settings(m, "c", MM2_CLIENT_ADMIN, &l, err, sizeof err), -1);
    CHECK_EQ_STR(err, "unknown cluster alias 'c' (clusters: a, b)");
    CHECK_EQ_INT(l.n, 0);
    done(m, p);
}

static void test_client_translation(void) {
    props_t *p;
    mm2_t *m = load(TWO "a.consumer.fetch.max.wait.ms = 250\n"
                        "a.consumer.fetch.min.bytes = 1\n"
                        "a.consumer.max.partition.fetch.bytes = 1048576\n"
                        "a.consumer.receive.buffer.bytes = -1\n"
                        "a.consumer.max.poll.records = 500\n"
                        "a.consumer.key.deserializer = "
                        "org.apache.kafka.common.serialization.ByteArrayDeserializer\n"
                        "a.consumer.enable.auto.commit = true\n"
                        "a.consumer.queued.max.messages.kbytes = 65536\n"
                        "a.consumer.isolation.level = read_committed\n"
                        "b.producer.buffer.memory = 33554433\n"
                        "b.producer.max.request.size = 2097152\n"
                        "b.producer.send.buffer.bytes = 131072\n"
                        "b.producer.acks = all\n"
                        "b.producer.linger.ms = 20\n"
                        "b.producer.batch.size = 65536\n"
                        "b.producer.compression.type = zstd\n"
                        "b.producer.interceptor.classes = com.example.Tracing\n"
                        "b.ssl.endpoint.identification.algorithm =\n"
                        "b.ssl.cipher.suites = ECDHE-RSA-AES256-GCM-SHA384, "
                        "ECDHE-RSA-AES128-GCM-SHA256\n"
                        "b.ssl.enabled.protocols = TLSv1.2,TLSv1.3\n",
                    &p);
    kv_list_t l = {0};
    CHECK_EQ_INT(mm2_client_settings(m, "a", MM2_CLIENT_CONSUMER, &l, err, sizeof err), 0);
    CHECK_EQ_STR(kv_list_get(&l, "fetch.wait.max.ms"), "250");
    CHECK(kv_list_get(&l, "fetch.max.wait.ms") == NULL);
    CHECK_EQ_STR(kv_list_get(&l, "fetch.min.bytes"), "1");
    CHECK_EQ_STR(kv_list_get(&l, "max.partition.fetch.bytes"), "1048576");
    CHECK_EQ_STR(kv_list_get(&l, "socket.receive.buffer.bytes"), "0");
    CHECK_EQ_STR(kv_list_get(&l, "queued.max.messages.kbytes"), "65536");
    CHECK_EQ_STR(kv_list_get(&l, "isolation.level"), "read_committed");
    CHECK(kv_list_get(&l, "max.poll.records") == NULL);
    CHECK(kv_list_get(&l, "key.deserializer") == NULL);
    CHECK(kv_list_get(&l, "enable.auto.commit") == NULL);
    CHECK_EQ_INT(l.n, 7);
    kv_list_clear(&l);

    CHECK_EQ_INT(mm2_client_settings(m, "b", MM2_CLIENT_PRODUCER, &l, err, sizeof err), 0);
    CHECK_EQ_STR(kv_list_get(&l, "queue.buffering.max.kbytes"), "32769");
    CHECK_EQ_STR(kv_list_get(&l, "message.max.bytes"), "2097152");
    CHECK_EQ_STR(kv_list_get(&l, "socket.send.buffer.bytes"), "131072");
    CHECK_EQ_STR(kv_list_get(&l, "acks"), "all");
    CHECK_EQ_STR(kv_list_get(&l, "linger.ms"), "20");
    CHECK_EQ_STR(kv_list_get(&l, "batch.size"), "65536");
    CHECK_EQ_STR(kv_list_get(&l, "compression.type"), "zstd");
    CHECK_EQ_STR(kv_list_get(&l, "ssl.endpoint.identification.algorithm"), "none");
    CHECK_EQ_STR(kv_list_get(&l, "ssl.cipher.suites"),
                 "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256");
    CHECK(kv_list_get(&l, "interceptor.classes") == NULL);
    CHECK(kv_list_get(&l, "ssl.enabled.protocols") == NULL);
    kv_list_clear(&l);

    CHECK_EQ_STR(mm2_unused_keys_warning(m),
                 "ignored: a.consumer.max.poll.records (mm2.properties:8), "
                 "a.consumer.key.deserializer (mm2.properties:9), "
                 "a.consumer.enable.auto.commit (mm2.properties:10), "
                 "b.producer.interceptor.classes (mm2.properties:20), "
                 "b.ssl.enabled.protocols (mm2.properties:23)");
    done(m, p);

    m = load(TWO "b.ssl.cipher.suites = TLS_AES_128_GCM_SHA256\n", &p);
    CHECK_EQ_INT(mm2_client_settings(m, "b", MM2_CLIENT_ADMIN, &l, err, sizeof err), -1);
    CHECK(contains(err, "mm2.properties:4: b.ssl.cipher.suites: Java cipher suite names"));
    done(m, p);
    m = load(TWO "b.producer.buffer.memory = 32MB\n", &p);
    CHECK_EQ_INT(mm2_client_settings(m, "b", MM2_CLIENT_PRODUCER, &l, err, sizeof err), -1);
    CHECK_EQ_STR(err, "mm2.properties:4: b.producer.buffer.memory: '32MB' is not a number of "
                      "bytes (0 to 9223372036854775807)");
    CHECK_EQ_INT(l.n, 0);
    done(m, p);
    /* the largest long, and one beyond it (found by the fuzzer: the rounding overflowed) */
    m = load(TWO "b.producer.buffer.memory = 9223372036854775807\n", &p);
    CHECK_EQ_INT(mm2_client_settings(m, "b", MM2_CLIENT_PRODUCER, &l, err, sizeof err), 0);
    CHECK_EQ_STR(kv_list_get(&l, "queue.buffering.max.kbytes"), "2147483647");
    kv_list_clear(&l);
    done(m, p);
    m = load(TWO "b.producer.buffer.memory = 9223372036854775808\n", &p);
    CHECK_EQ_INT(mm2_client_settings(m, "b", MM2_CLIENT_PRODUCER, &l, err, sizeof err), -1);
    CHECK(contains(err, "mm2.properties:4: b.producer.buffer.memory: '9223372036854775808' is "
                        "not a number of bytes"));
    done(m, p);
}

static void test_truststores(void) {
    props_t *p;
    kv_list_t l = {0};
    mm2_t *m = load(TWO "ssl.truststore.type = PEM\n"
                        "a.ssl.truststore.location = /etc/a-ca.pem\n"
                        "a.ssl.truststore.password = unused-secret\n"
                        "b.ssl.truststore.location = /etc/b.jks\n"
                        "b.ssl.truststore.type = JKS\n"
                        "b.ssl.truststore.password = changeit\n",
                    &p);
    CHECK_EQ_INT(mm2_client_settings(m, "a", MM2_CLIENT_ADMIN, &l, err, sizeof err), 0);
    CHECK_EQ_STR(kv_list_get(&l, "ssl.ca.location"), "/etc/a-ca.pem");
    CHECK(kv_list_get(&l, "ssl.truststore.location") == NULL);
    CHECK(kv_list_get(&l, "ssl.truststore.password") == NULL);
    kv_list_clear(&l);
    CHECK_EQ_INT(mm2_client_settings(m, "b", MM2_CLIENT_PRODUCER, &l, err, sizeof err), -1);
    /* The store is read (tlsstore.c; test_tlsstore has the formats). */
    CHECK(contains(err, "mm2.properties:7: b.ssl.truststore.location: cannot read the truststore: "
                        "cannot open /etc/b.jks: No such file"));
    CHECK(!contains(err, "changeit"));
    CHECK_EQ_INT(l.n, 0);
    done(m, p);

    /* JKS is the default type; librdkafka's own ssl.ca.location makes the Java
     * truststore irrelevant, so one file can serve MM2 and kmig. */
    m = load(TWO "a.consumer.ssl.truststore.location = /etc/a.jks\n", &p);
    CHECK_EQ_INT(mm2_client_settings(m, "a", MM2_CLIENT_CONSUMER, &l, err, sizeof err), -1);
    CHECK(contains(err, "a.consumer.ssl.truststore.location: cannot read the truststore"));
    done(m, p);
    m = load(TWO "a.ssl.truststore.location = /etc/a.jks\na.ssl.ca.location = /etc/a.pem\n", &p);
    CHECK_EQ_INT(mm2_client_settings(m, "a", MM2_CLIENT_CONSUMER, &l, err, sizeof err), 0);
    CHECK_EQ_STR(kv_list_get(&l, "ssl.ca.location"), "/etc/a.pem");
    CHECK_EQ_INT(l.n, 2);
    kv_list_clear(&l);
    CHECK(mm2_unused_keys_warning(m) == NULL);
    done(m, p);

    m = load(TWO "a.ssl.truststore.type = JCEKS\na.ssl.truststore.location = /t.p12\n", &p);
    CHECK_EQ_INT(mm2_client_settings(m, "a", MM2_CLIENT_CONSUMER, &l, err, sizeof err), -1);
    CHECK(contains(err, "mm2.properties:5: a.ssl.truststore.location: truststore type JCEKS is "
                        "not supported"));
    done(m, p);
    m = load(TWO "a.ssl.truststore.certificates = -----BEGIN CERTIFICATE-----\\nMIIB\\n"
                 "-----END CERTIFICATE-----\n",
             &p);
    CHECK_EQ_INT(mm2_client_settings(m, "a", MM2_CLIENT_CONSUMER, &l, err, sizeof err), 0);
    CHECK_EQ_STR(kv_list_get(&l, "ssl.ca.pem"),
                 "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----");
    kv_list_clear(&l);
    done(m, p);
}

static void test_keystores(void) {
    props_t *p;
    kv_list_t l = {0};
    /* PKCS12 keystores are read into PEM (test_tlsstore); here a missing one. */
    mm2_t *m = load(TWO "a.ssl.keystore.type = PKCS12\n"
                        "a.ssl.keystore.location = /etc/a.p12\n"
                        "a.ssl.keystore.password = ks-secret\n"
                        "a.ssl.key.password = key-secret\n"
                        "b.ssl.keystore.type = PEM\n"
                        "b.ssl.keystore.location = /etc/b-client.pem\n",
                    &p);
    CHECK_EQ_INT(mm2_client_settings(m, "a", MM2_CLIENT_CONSUMER, &l, err, sizeof err), -1);
    CHECK(contains(err, "mm2.properties:5: a.ssl.keystore.location: cannot read the keystore: "
                        "cannot open /etc/a.p12"));
    CHECK(!contains(err, "secret"));
    CHECK_EQ_INT(l.n, 0);
    CHECK_EQ_INT(mm2_client_settings(m, "b", MM2_CLIENT_CONSUMER, &l, err, sizeof err), 0);
    CHECK_EQ_STR(kv_list_get(&l, "ssl.certificate.location"), "/etc/b-client.pem");
    CHECK_EQ_STR(kv_list_get(&l, "ssl.key.location"), "/etc/b-client.pem");
    kv_list_clear(&l);
    done(m, p);

    m = load(TWO "a.ssl.keystore.location = /etc/a.jks\na.ssl.keystore.password = hunter2\n", &p);
    CHECK_EQ_INT(mm2_client_settings(m, "a", MM2_CLIENT_CONSUMER, &l, err, sizeof err), -1);
    CHECK(contains(err, "mm2.properties:4: a.ssl.keystore.location: cannot read the keystore"));
    CHECK(!contains(err, "hunter2"));
    done(m, p);

    m = load(TWO "a.ssl.keystore.key = -----BEGIN PRIVATE KEY-----\n"
                 "a.ssl.keystore.certificate.chain = -----BEGIN CERTIFICATE-----\n",
             &p);
    CHECK_EQ_INT(mm2_client_settings(m, "a", MM2_CLIENT_CONSUMER, &l, err, sizeof err), 0);
    CHECK_EQ_STR(kv_list_get(&l, "ssl.key.pem"), "-----BEGIN PRIVATE KEY-----");
    CHECK(kv_find(&l, "ssl.key.pem")->secret);
    CHECK_EQ_STR(kv_list_get(&l, "ssl.certificate.pem"), "-----BEGIN CERTIFICATE-----");
    kv_list_clear(&l);
    done(m, p);
}

/* ---- JAAS ---- */

static void test_jaas_parse(void) {
    jaas_t j = {0};
    char e[256];
    CHECK_EQ_INT(jaas_parse("org.apache.kafka.common.security.plain.PlainLoginModule required "
                            "username=\"alice\" password=\"a \\\"quoted\\\" \\\\ pass;word\";",
                            &j, e, sizeof e),
                 0);
    CHECK_EQ_STR(j.module, "org.apache.kafka.common.security.plain.PlainLoginModule");
    CHECK_EQ_STR(jaas_module_simple_name(&j), "PlainLoginModule");
    CHECK_EQ_STR(j.flag, "required");
    CHECK_EQ_STR(jaas_option(&j, "username"), "alice");
    CHECK_EQ_STR(jaas_option(&j, "password"), "a \"quoted\" \\ pass;word");
    CHECK(jaas_option(&j, "missing") == NULL);
    jaas_clear(&j);

    /* Single quotes, bare words, comments, newlines, escapes, duplicate options. */
    CHECK_EQ_INT(jaas_parse("  com.sun.security.auth.module.Krb5LoginModule  REQUIRED\n"
                            "  useKeyTab=true // a comment\n"
                            "  keyTab='/etc/security/keytabs/kafka.keytab' /* inline */\n"
                            "  principal=\"kafka/host@EXAMPLE.COM\" x=first x=\"tab\\there\\101\"\n"
                            "  ;  ",
                            &j, e, sizeof e),
                 0);
    CHECK_EQ_STR(j.flag, "REQUIRED");
    CHECK_EQ_INT(j.n_options, 5);
    CHECK_EQ_STR(jaas_option(&j, "useKeyTab"), "true");
    CHECK_EQ_STR(jaas_option(&j, "keyTab"), "/etc/security/keytabs/kafka.keytab");
    CHECK_EQ_STR(jaas_option(&j, "principal"), "kafka/host@EXAMPLE.COM");
    CHECK_EQ_STR(jaas_option(&j, "x"), "tab\thereA");
    jaas_clear(&j);

    CHECK_EQ_INT(jaas_parse("m.M optional;", &j, e, sizeof e), 0);
    CHECK_EQ_INT(j.n_options, 0);
    jaas_clear(&j);
}

static void test_jaas_errors(void) {
    jaas_t j = {0};
    char e[256];
    CHECK_EQ_INT(jaas_parse("", &j, e, sizeof e), -1);
    CHECK_EQ_STR(e, "no login module is specified");
    CHECK_EQ_INT(jaas_parse("  // only a comment", &j, e, sizeof e), -1);
    CHECK_EQ_INT(jaas_parse("a.B required username=\"u\" password=\"sekrit\"", &j, e, sizeof e),
                 -1);
    CHECK_EQ_STR(e, "the login module entry is not terminated by ';'");
    CHECK(j.module == NULL && j.n_options == 0);
    CHECK_EQ_INT(jaas_parse("a.B mandatory;", &j, e, sizeof e), -1);
    CHECK(contains(e, "expected a control flag"));
    CHECK_EQ_INT(jaas_parse("a.B;", &j, e, sizeof e), -1);
    CHECK(contains(e, "expected a control flag"));
    CHECK_EQ_INT(jaas_parse("a.B required username;", &j, e, sizeof e), -1);
    CHECK_EQ_STR(e, "the option at character 14 needs '=' and a value");
    CHECK_EQ_INT(jaas_parse("a.B required password=;", &j, e, sizeof e), -1);
    CHECK(contains(e, "needs '=' and a value"));
    CHECK_EQ_INT(jaas_parse("a.B required p@ss=x;", &j, e, sizeof e), -1);
    CHECK(!contains(e, "p@ss"));
    CHECK_EQ_INT(jaas_parse("a.B required u=\"x\"; c.D required;", &j, e, sizeof e), -1);
    CHECK(contains(e, "more than one login module"));
    /* Secrets never appear in messages, even when the text is mangled. */
    CHECK_EQ_INT(jaas_parse("a.B required username=\"u\" password=Sup3r$ecret!x;", &j, e,
                            sizeof e),
                 -1);
    CHECK(!contains(e, "Sup3r"));
    CHECK(!contains(e, "ecret"));
}

static void test_client_sasl(void) {
    props_t *p;
    kv_list_t l = {0};
    mm2_t *m = load(TWO "a.security.protocol = SASL_SSL\n"
                        "a.sasl.mechanism = SCRAM-SHA-256\n"
                        "a.sasl.jaas.config = org.apache.kafka.common.security.scram."
                        "ScramLoginModule required username=\"mm2\" password=\"pa\\\\\\\"ss\";\n"
                        "b.security.protocol = sasl_plaintext\n"
                        "b.sasl.mechanism = GSSAPI\n"
                        "b.sasl.kerberos.service.name = kafka\n"
                        "b.sasl.jaas.config = com.sun.security.auth.module.Krb5LoginModule "
                        "required useKeyTab=true keyTab=\"/k.keytab\" principal=\"mm2@EX.COM\";\n",
                    &p);
    CHECK_EQ_INT(mm2_client_settings(m, "a", MM2_CLIENT_PRODUCER, &l, err, sizeof err), 0);
    CHECK_EQ_STR(kv_list_get(&l, "sasl.mechanism"), "SCRAM-SHA-256");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.username"), "mm2");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.password"), "pa\"ss");
    CHECK(!kv_find(&l, "sasl.username")->secret);
    CHECK(kv_find(&l, "sasl.password")->secret);
    CHECK_EQ_STR(kv_find(&l, "sasl.password")->origin, "mm2.properties:6");
    CHECK(kv_list_get(&l, "sasl.jaas.config") == NULL);
    kv_list_clear(&l);
    CHECK_EQ_INT(mm2_client_settings(m, "b", MM2_CLIENT_ADMIN, &l, err, sizeof err), 0);
    CHECK_EQ_STR(kv_list_get(&l, "sasl.kerberos.keytab"), "/k.keytab");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.kerberos.principal"), "mm2@EX.COM");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.kerberos.service.name"), "kafka");
    kv_list_clear(&l);
    done(m, p);

    /* Like the Java client, a cluster that does not use SASL ignores the JAAS
     * configuration, even a broken one. */
    m = load(TWO "security.protocol = SSL\nsasl.jaas.config = not valid\n", &p);
    CHECK_EQ_INT(mm2_client_settings(m, "a", MM2_CLIENT_CONSUMER, &l, err, sizeof err), 0);
    CHECK(kv_list_get(&l, "sasl.username") == NULL);
    CHECK_EQ_INT(l.n, 2);
    kv_list_clear(&l);
    CHECK(mm2_unused_keys_warning(m) == NULL);
    done(m, p);

    static const struct {
        const char *text, *expect;
    } bad[] = {
        {"a.sasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required "
         "username=\"u\" password=\"TopSecret1\";\n",
         "mm2.properties:4: a.sasl.jaas.config: PlainLoginModule needs sasl.mechanism=PLAIN, but "
         "sasl.mechanism is GSSAPI (the default)"},
        {"a.sasl.mechanism = PLAIN\n"
         "a.sasl.jaas.config = org.apache.kafka.common.security.scram.ScramLoginModule required "
         "username=\"u\" password=\"TopSecret1\";\n",
         "mm2.properties:5: a.sasl.jaas.config: ScramLoginModule needs "
         "sasl.mechanism=SCRAM-SHA-256 or SCRAM-SHA-512, but sasl.mechanism is PLAIN"},
        {"a.sasl.mechanism = PLAIN\n"
         "a.sasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required "
         "password=\"TopSecret1\";\n",
         "mm2.properties:5: a.sasl.jaas.config: PlainLoginModule needs both username=\"...\" and "
         "password=\"...\""},
        {"a.sasl.mechanism = SCRAM-SHA-512\n"
         "a.sasl.jaas.config = org.apache.kafka.common.security.scram.ScramLoginModule required "
         "username=\"tokenid\" password=\"TopSecret1\" tokenauth=\"true\";\n",
         "mm2.properties:5: a.sasl.jaas.config: tokenauth=true (delegation tokens) is not "
         "supported by librdkafka"},
        {"a.sasl.mechanism = OAUTHBEARER\n"
         "a.sasl.jaas.config = org.apache.kafka.common.security.oauthbearer."
         "OAuthBearerLoginModule required clientSecret=\"TopSecret1\";\n",
         "mm2.properties:5: a.sasl.jaas.config: OAuthBearerLoginModule without a token endpoint "
         "needs unsecuredLoginStringClaim_sub"},
        {"a.sasl.mechanism = PLAIN\n"
         "a.sasl.jaas.config = software.amazon.msk.auth.iam.IAMLoginModule required;\n",
         "mm2.properties:5: a.sasl.jaas.config: IAMLoginModule needs "
         "sasl.mechanism=AWS_MSK_IAM, but sasl.mechanism is PLAIN"},
        {"sasl.mechanism = PLAIN\n"
         "a.sasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required "
         "username=\"u\" password=\"TopSecret1\"\n",
         "mm2.properties:5: a.sasl.jaas.config: cannot parse the JAAS configuration: the login "
         "module entry is not terminated by ';'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sbuf_t t = {0};
        sbuf_printf(&t, TWO "%ssecurity.protocol = SASL_SSL\n", bad[i].text);
        m = load(t.s, &p);
        sbuf_free(&t);
        CHECK_EQ_INT(mm2_client_settings(m, "a", MM2_CLIENT_CONSUMER, &l, err, sizeof err), -1);
        if (!contains(err, bad[i].expect))
            fprintf(stderr, "  case %zu: got \"%s\"\n", i, err);
        CHECK(contains(err, bad[i].expect));
        CHECK(!contains(err, "TopSecret1"));
        CHECK_EQ_INT(l.n, 0);
        done(m, p);
    }
}

static void test_secret_keys(void) {
    CHECK(mm2_key_is_secret("sasl.jaas.config"));
    CHECK(mm2_key_is_secret("a.consumer.ssl.keystore.password"));
    CHECK(mm2_key_is_secret("sasl.password"));
    CHECK(mm2_key_is_secret("sasl.oauthbearer.client.secret"));
    CHECK(mm2_key_is_secret("aws.credentials.file"));
    CHECK(mm2_key_is_secret("some.TOKEN"));
    CHECK(mm2_key_is_secret("ssl.key.pem"));
    CHECK(mm2_key_is_secret("ssl.keystore.key"));
    CHECK(!mm2_key_is_secret("sasl.username"));
    CHECK(!mm2_key_is_secret("ssl.keystore.location"));
    CHECK(!mm2_key_is_secret("bootstrap.servers"));
}

/* ---- unused keys ---- */

static void test_unused_warning(void) {
    props_t *p;
    mm2_t *m = load(TWO "a->b.enabled = true\n"
                        "emit.heartbeats.enabled = false\n"
                        "a->b.sync.group.offsets.enabled = true\n"
                        "groups = .*\n"
                        "topcis = x\n"
                        "tasks.max = 4\n"
                        "offset.storage.replication.factor = 1\n"
                        "a->b.producer.linger.ms = 5\n"
                        "config.providers = file\n"
                        "config.providers.file.class = "
                        "org.apache.kafka.common.config.provider.FileConfigProvider\n"
                        "a.consumer.key.deserializer = x\n"
                        "c.bootstrap.servers = c:9092\n"
                        "kmig.compresion.type = lz4\n"
                        "a->b.replication.policy.internal.topic.separator.enabled = false\n",
                    &p);
    kv_list_t l = {0};
    CHECK_EQ_INT(mm2_client_settings(m, "a", MM2_CLIENT_CONSUMER, &l, err, sizeof err), 0);
    kv_list_clear(&l);
    const char *w = mm2_unused_keys_warning(m);
    CHECK_EQ_STR(w,
                 "not supported yet: a->b.producer.linger.ms (mm2.properties:11); "
                 "ignored: offset.storage.replication.factor "
                 "(mm2.properties:10), a.consumer.key.deserializer (mm2.properties:14), "
                 "a->b.replication.policy.internal.topic.separator.enabled (mm2.properties:17); "
                 "unknown: topcis (mm2.properties:8; did you mean `topics`?), c.bootstrap.servers "
                 "(mm2.properties:15; `c` is not in clusters (a, b)), kmig.compresion.type "
                 "(mm2.properties:16; did you mean `kmig.compression.type`?)");
    /* Keys marked used by a consumer disappear from the warning. */
    for (size_t i = 0; i < props_count(p); i++)
        if (strcmp(props_at(p, i)->key, "topcis") != 0) props_at(p, i)->used = true;
    CHECK_EQ_STR(mm2_unused_keys_warning(m), "unknown: topcis (mm2.properties:8; did you mean `topics`?)");
    props_get(p, "topcis");
    CHECK(mm2_unused_keys_warning(m) == NULL);
    done(m, p);
}

/* ---- realistic files ---- */

static mm2_t *load_file(const char *path, props_t **pp) {
    *pp = props_new();
    char perr[256];
    CHECK_EQ_INT(props_load_file(*pp, path, perr, sizeof perr), 0);
    mm2_t *m = mm2_new(*pp, err, sizeof err);
    if (!m) fprintf(stderr, "  %s: %s\n", path, err);
    CHECK(m != NULL);
    return m;
}

/* Runs every client role for every cluster, as a mirror would. */
static void all_clients(mm2_t *m) {
    for (size_t i = 0; i < mm2_cluster_count(m); i++) {
        for (int r = 0; r < 3; r++) {
            kv_list_t l = {0};
            CHECK_EQ_INT(mm2_client_settings(m, mm2_cluster_alias(m, i), (mm2_client_t)r, &l, err,
                                             sizeof err),
                         0);
            kv_list_clear(&l);
        }
    }
}

static void test_file_plain(void) {
    props_t *p;
    mm2_t *m = load_file("data/plain.properties", &p);
    CHECK_EQ_INT(mm2_flow_count(m), 1);
    const mm2_flow_t *f = mm2_flow_at(m, 0);
    CHECK_EQ_STR(f->source, "source");
    CHECK_EQ_STR(f->target, "target");
    CHECK(f->enabled);
    CHECK_EQ_STR(f->topics, "orders.*, payments, inventory\\..*");
    CHECK_EQ_INT(f->replication_factor, 3);
    CHECK_EQ_STR(mm2_bootstrap(m, "source"), "src-kafka-1:9092,src-kafka-2:9092,src-kafka-3:9092");
    all_clients(m);
    CHECK(mm2_unused_keys_warning(m) == NULL);
    done(m, p);
}

static void test_file_sasl_scram(void) {
    props_t *p;
    mm2_t *m = load_file("data/sasl_scram.properties", &p);
    CHECK_EQ_INT(mm2_flow_count(m), 2);
    const mm2_flow_t *f = mm2_flow_at(m, 0);
    CHECK(f->enabled);
    CHECK_EQ_STR(f->compression, "zstd"); /* from cloud.producer.compression.type */
    CHECK(!mm2_flow_at(m, 1)->enabled);

    kv_list_t l = {0};
    CHECK_EQ_INT(mm2_client_settings(m, "onprem", MM2_CLIENT_CONSUMER, &l, err, sizeof err), 0);
    CHECK_EQ_STR(kv_list_get(&l, "bootstrap.servers"),
                 "kafka1.dc1.example.com:9093,kafka2.dc1.example.com:9093");
    CHECK_EQ_STR(kv_list_get(&l, "security.protocol"), "SASL_SSL");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.mechanism"), "SCRAM-SHA-512");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.username"), "mirror-maker");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.password"), "p\"w\\d");
    CHECK_EQ_STR(kv_find(&l, "sasl.password")->origin, "data/sasl_scram.properties:10");
    CHECK_EQ_STR(kv_list_get(&l, "ssl.ca.location"), "/etc/kafka/secrets/dc1-ca.pem");
    CHECK_EQ_STR(kv_list_get(&l, "fetch.wait.max.ms"), "200");
    kv_list_clear(&l);
    CHECK_EQ_INT(mm2_client_settings(m, "cloud", MM2_CLIENT_PRODUCER, &l, err, sizeof err), 0);
    CHECK_EQ_STR(kv_list_get(&l, "sasl.mechanism"), "PLAIN");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.username"), "ABCDEFGHIJKLMNOP");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.password"), "cloud/Secret+Key==");
    CHECK_EQ_STR(kv_list_get(&l, "ssl.endpoint.identification.algorithm"), "https");
    CHECK_EQ_STR(kv_list_get(&l, "compression.type"), "zstd");
    CHECK_EQ_STR(kv_list_get(&l, "linger.ms"), "20");
    CHECK_EQ_STR(kv_list_get(&l, "queue.buffering.max.kbytes"), "65536");
    for (size_t i = 0; i < l.n; i++)
        CHECK(l.items[i].secret == (strcmp(l.items[i].key, "sasl.password") == 0));
    kv_list_clear(&l);
    all_clients(m);
    CHECK_EQ_STR(mm2_unused_keys_warning(m),
                 "ignored: onprem.consumer.max.poll.records (data/sasl_scram.properties:27)");
    done(m, p);
}

static void test_file_flow_overrides(void) {
    props_t *p;
    mm2_t *m = load_file("data/flow_overrides.properties", &p);
    CHECK_EQ_INT(mm2_flow_count(m), 3);
    const mm2_flow_t *east = mm2_flow_at(m, 0), *west = mm2_flow_at(m, 1),
                     *back = mm2_flow_at(m, 2);
    CHECK_EQ_STR(east->source, "east");
    CHECK_EQ_STR(east->target, "dr");
    CHECK(east->enabled);
    CHECK_EQ_STR(east->topics, "billing\\..*, audit");
    CHECK_EQ_STR(east->topics_exclude, ".*\\.tmp, .*[\\-\\.]internal, __.*");
    CHECK_EQ_INT(east->policy, POLICY_DEFAULT);
    CHECK_EQ_STR(east->separator, "_");
    CHECK_EQ_INT(east->replication_factor, 2);
    CHECK_EQ_INT(east->refresh_topics_interval_s, 30);
    CHECK_EQ_STR(east->compression, "zstd");
    CHECK(east->continue_on_data_loss);
    CHECK(east->sync_topic_configs);

    CHECK(west->enabled);
    CHECK_EQ_STR(west->topics, "inventory.*");
    CHECK_EQ_INT(west->policy, POLICY_IDENTITY);
    CHECK_EQ_INT(west->replication_factor, -1);
    CHECK_EQ_STR(west->compression, "none");
    CHECK(!west->continue_on_data_loss);
    CHECK(!west->sync_topic_configs);

    CHECK_EQ_STR(back->source, "dr");
    CHECK(!back->enabled);
    CHECK_EQ_STR(back->topics, ".*");

    const mm2_flow_t *we = mm2_flow(m, "west", "east", err, sizeof err);
    CHECK(we && !we->enabled && we->policy == POLICY_DEFAULT);
    all_clients(m);
    CHECK_EQ_STR(mm2_unused_keys_warning(m),
                 "unknown: topcis "
                 "(data/flow_overrides.properties:29; did you mean `topics`?)");
    done(m, p);
}

static void test_file_msk(void) {
    props_t *p;
    mm2_t *m = load_file("data/msk.properties", &p);
    CHECK_EQ_INT(mm2_flow_count(m), 2);
    const mm2_flow_t *f = mm2_flow_at(m, 0);
    CHECK_EQ_STR(f->source, "selfmanaged");
    CHECK_EQ_STR(f->target, "msk");
    CHECK(f->enabled);
    CHECK_EQ_INT(f->policy, POLICY_IDENTITY);
    CHECK_EQ_INT(f->replication_factor, 3);
    CHECK_EQ_INT(f->offset_map_replication_factor, 3);
    CHECK_EQ_INT(f->refresh_topics_interval_s, 30);
    CHECK(!f->sync_topic_acls); /* sync.topic.acls.enabled = false */
    CHECK(f->emit_heartbeats && f->emit_heartbeats_interval_s == 1);
    CHECK_EQ_INT(f->heartbeats_replication_factor, 3);
    CHECK_EQ_INT(mm2_flow_at(m, 1)->policy, POLICY_IDENTITY);

    kv_list_t l = {0};
    CHECK_EQ_INT(mm2_client_settings(m, "msk", MM2_CLIENT_PRODUCER, &l, err, sizeof err), 0);
    CHECK_EQ_STR(kv_list_get(&l, "security.protocol"), "SASL_SSL");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.username"), "mm2-user");
    CHECK_EQ_STR(kv_list_get(&l, "sasl.password"), "msk-Secret-42");
    kv_list_clear(&l);
    CHECK_EQ_INT(mm2_client_settings(m, "selfmanaged", MM2_CLIENT_CONSUMER, &l, err, sizeof err),
                 0);
    CHECK_EQ_INT(l.n, 1);
    kv_list_clear(&l);
    all_clients(m);
    const char *w = mm2_unused_keys_warning(m);
    CHECK_EQ_STR(w,
                 "ignored: "
                 "offset.storage.replication.factor (data/msk.properties:26), "
                 "status.storage.replication.factor (data/msk.properties:27), "
                 "config.storage.replication.factor (data/msk.properties:28), "
                 "key.converter (data/msk.properties:30), "
                 "value.converter (data/msk.properties:31)");
    CHECK(!contains(w, "msk-Secret-42"));
    done(m, p);
}

static void test_kv_list(void) {
    kv_list_t l = {0};
    CHECK(kv_list_get(&l, "x") == NULL);
    kv_list_add(&l, "x", "1", "o:1", false);
    kv_list_add(&l, "y", "2", NULL, true);
    kv_list_add(&l, "x", "3", "o:3", false);
    CHECK_EQ_INT(l.n, 3);
    CHECK_EQ_STR(kv_list_get(&l, "x"), "3");
    CHECK(l.items[1].origin == NULL && l.items[1].secret);
    kv_list_clear(&l);
    CHECK_EQ_INT(l.n, 0);
    kv_list_clear(&l);
}

UNIT_MAIN(UNIT_TEST(test_clusters), UNIT_TEST(test_cluster_errors), UNIT_TEST(test_flow_discovery),
          UNIT_TEST(test_dotted_aliases), UNIT_TEST(test_prefix_aliases),
          UNIT_TEST(test_odd_input), UNIT_TEST(test_defaults), UNIT_TEST(test_scoping),
          UNIT_TEST(test_deprecated_and_fallbacks), UNIT_TEST(test_policy),
          UNIT_TEST(test_value_errors), UNIT_TEST(test_lazy_flow),
          UNIT_TEST(test_client_inheritance), UNIT_TEST(test_client_translation),
          UNIT_TEST(test_truststores), UNIT_TEST(test_keystores), UNIT_TEST(test_jaas_parse),
          UNIT_TEST(test_jaas_errors), UNIT_TEST(test_client_sasl), UNIT_TEST(test_secret_keys),
          UNIT_TEST(test_unused_warning), UNIT_TEST(test_file_plain),
          UNIT_TEST(test_file_sasl_scram), UNIT_TEST(test_file_flow_overrides),
          UNIT_TEST(test_file_msk), UNIT_TEST(test_kv_list))

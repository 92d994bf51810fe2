/* Unit tests for config/cfgprov (Kafka config providers: ${file:...},
 * ${env:...}, ${directory:...}) and their effect through config/mm2: resolved
 * values are secret and never appear in errors. Files are made in a temporary
 * directory. */
#include "config/cfgprov.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/mm2.h"
#include "core/sbuf.h"
#include "unit.h"

static char dir[64];
static char err[1024];

static void write_file(const char *name, const char *text) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static props_t *props_of(const char *text) {
    props_t *p = props_new();
    char perr[256];
    int rc = props_load_string(p, "mm2.properties", text, perr, sizeof perr);
    if (rc) fprintf(stderr, "  props error: %s\n", perr);
    CHECK(rc == 0);
    return p;
}

static bool contains(const char *s, const char *part) { return s && strstr(s, part) != NULL; }

#define PROVIDERS                                                                        \
    "config.providers = file, env ,dir\n"                                                \
    "config.providers.file.class = org.apache.kafka.common.config.provider.FileConfigProvider\n" \
    "config.providers.env.class = org.apache.kafka.common.config.provider.EnvVarConfigProvider\n" \
    "config.providers.dir.class = "                                                      \
    "org.apache.kafka.common.config.provider.DirectoryConfigProvider\n"

/* Resolves `text` after PROVIDERS, expected to succeed. */
static props_t *resolved(const char *text) {
    sbuf_t all = {0};
    sbuf_puts(&all, PROVIDERS);
    sbuf_puts(&all, text);
    props_t *p = props_of(all.s);
    sbuf_free(&all);
    err[0] = '\0';
    int rc = cfgprov_resolve(p, err, sizeof err);
    if (rc) fprintf(stderr, "  cfgprov: %s\n", err);
    CHECK(rc == 0);
    return p;
}

/* Resolves `text` after PROVIDERS, expected to fail; returns err. */
static const char *failing(const char *text) {
    sbuf_t all = {0};
    sbuf_puts(&all, PROVIDERS);
    sbuf_puts(&all, text);
    props_t *p = props_of(all.s);
    sbuf_free(&all);
    err[0] = '\0';
    CHECK(cfgprov_resolve(p, err, sizeof err) == -1);
    props_destroy(p);
    return err;
}

static void test_file_env_directory(void) {
    write_file("secrets.properties", "password = s3cr3t-file\nuser: alice\n");
    mkdir(strcat(strcpy((char[80]){0}, dir), "/d"), 0700);
    write_file("d/token", "tok-from-dir\n");
    setenv("KMIG_TEST_CFGPROV_PW", "s3cr3t-env", 1);
    char text[2048];
    snprintf(text, sizeof text,
             "a.sasl.password = ${file:%s/secrets.properties:password}\n"
             "b.sasl.password = pre-${env:KMIG_TEST_CFGPROV_PW}-post\n"
             "c.token = ${dir:%s/d:token}\n"
             "plain = no ${reference} here, nor ${this\n"
             "mixed = ${a b ${env:KMIG_TEST_CFGPROV_PW}} and ${:x}\n"
             "jaas = x username=\"${file:%s/secrets.properties:user}\" password=\"${env:KMIG_TEST_CFGPROV_PW}\";\n",
             dir, dir, dir);
    props_t *p = resolved(text);
    props_entry_t *e = props_get(p, "a.sasl.password");
    CHECK_EQ_STR(e->value, "s3cr3t-file");
    CHECK(e->secret);
    e = props_get(p, "b.sasl.password");
    CHECK_EQ_STR(e->value, "pre-s3cr3t-env-post");
    CHECK(e->secret);
    e = props_get(p, "c.token");
    CHECK_EQ_STR(e->value, "tok-from-dir\n");
    e = props_get(p, "plain");
    CHECK_EQ_STR(e->value, "no ${reference} here, nor ${this");
    CHECK(!e->secret);
    e = props_get(p, "mixed");
    CHECK_EQ_STR(e->value, "${a b s3cr3t-env} and ${:x}");
    CHECK(e->secret);
    e = props_get(p, "jaas");
    CHECK_EQ_STR(e->value, "x username=\"alice\" password=\"s3cr3t-env\";");
    CHECK(e->secret);
    CHECK(props_get(p, "config.providers.file.class")->used);
    /* A second call leaves expanded entries alone and handles new ones. */
    props_set(p, "late", "${env:KMIG_TEST_CFGPROV_PW}", "--late");
    CHECK(cfgprov_resolve(p, err, sizeof err) == 0);
    CHECK_EQ_STR(props_get(p, "late")->value, "s3cr3t-env");
    CHECK_EQ_STR(props_get(p, "a.sasl.password")->value, "s3cr3t-file");
    props_destroy(p);
}

static void test_errors(void) {
    char text[1024];
    snprintf(text, sizeof text, "x = ${file:%s/secrets.properties:nope}\n", dir);
    const char *e = failing(text);
    CHECK(contains(e, "mm2.properties:5: x: cannot resolve ${file:"));
    CHECK(contains(e, "secrets.properties:nope}: "));
    CHECK(contains(e, "has no key 'nope'"));
    CHECK(!contains(e, "s3cr3t"));

    e = failing("x = ${file:/nonexistent/kmig.properties:k}\n");
    CHECK(contains(e, "cannot resolve ${file:/nonexistent/kmig.properties:k}: "));
    CHECK(contains(e, "No such file"));

    unsetenv("KMIG_TEST_CFGPROV_UNSET");
    e = failing("y = a${env:KMIG_TEST_CFGPROV_UNSET}\n");
    CHECK(contains(e, "mm2.properties:5: y: cannot resolve ${env:KMIG_TEST_CFGPROV_UNSET}: "
                      "environment variable KMIG_TEST_CFGPROV_UNSET is not set"));

    e = failing("z = ${vault:/secret/kafka:pw}\n");
    CHECK(contains(e, "cannot resolve ${vault:/secret/kafka:pw}: no config provider named 'vault'"));

    e = failing("z = ${file:/dev/zero:pw}\n");
    CHECK(contains(e, "/dev/zero is not a regular file"));

    e = failing("z = ${file:pw}\n");
    CHECK(contains(e, "the file provider needs a path"));

    snprintf(text, sizeof text, "z = ${dir:%s/d:../secrets.properties}\n", dir);
    e = failing(text);
    CHECK(contains(e, "is not a file name"));

    /* An unsupported class is an error only when referenced. */
    props_t *p = props_of("config.providers = vault\n"
                          "config.providers.vault.class = com.example.VaultConfigProvider\n"
                          "x = 1\n");
    CHECK(cfgprov_resolve(p, err, sizeof err) == 0);
    props_set(p, "y", "${vault:/a:b}", "--y");
    CHECK(cfgprov_resolve(p, err, sizeof err) == -1);
    CHECK(contains(err, "--y: y: cannot resolve ${vault:/a:b}: config provider class "
                        "'com.example.VaultConfigProvider' is not supported"));
    props_destroy(p);

    p = props_of("config.providers = f\nx = 1\n");
    CHECK(cfgprov_resolve(p, err, sizeof err) == -1);
    CHECK(contains(err, "mm2.properties:1: config.providers: provider 'f' has no "
                        "config.providers.f.class"));
    props_destroy(p);
}

static void test_allowed_paths(void) {
    char text[1024];
    snprintf(text, sizeof text,
             "config.providers.file.param.allowed.paths = %s/d/../d , /nonexistent-but-listed\n",
             dir);
    const char *e = failing(text);
    CHECK(contains(e, "allowed.paths: path '/nonexistent-but-listed' is not valid"));

    snprintf(text, sizeof text,
             "config.providers.file.param.allowed.paths = %s/d\n"
             "x = ${file:%s/d/../secrets.properties:password}\n",
             dir, dir);
    e = failing(text);
    CHECK(contains(e, "is not under config.providers.file.param.allowed.paths"));
    CHECK(!contains(e, "s3cr3t"));

    write_file("d/in.properties", "k = v\n");
    snprintf(text, sizeof text,
             "config.providers.file.param.allowed.paths = %s/d/\n"
             "config.providers.dir.param.allowed.paths = %s\n"
             "x = ${file:%s/d/./in.properties:k}\ny = ${dir:%s/d:token}\n",
             dir, dir, dir, dir);
    props_t *p = resolved(text);
    CHECK_EQ_STR(props_get(p, "x")->value, "v");
    CHECK_EQ_STR(props_get(p, "y")->value, "tok-from-dir\n");
    props_destroy(p);

    setenv("KMIG_OK_1", "one", 1);
    setenv("OTHER_1", "two", 1);
    p = resolved("config.providers.env.param.allowlist.pattern = KMIG_.*\nx = ${env:KMIG_OK_1}\n");
    CHECK_EQ_STR(props_get(p, "x")->value, "one");
    props_destroy(p);
    e = failing("config.providers.env.param.allowlist.pattern = KMIG_.*\nx = ${env:OTHER_1}\n");
    CHECK(contains(e, "environment variable OTHER_1 is not in "
                      "config.providers.env.param.allowlist.pattern"));
}

/* Through mm2: resolved values become secret librdkafka settings, and value
 * errors never quote them. */
static void test_through_mm2(void) {
    setenv("KMIG_TEST_CFGPROV_PW", "s3cr3t-env", 1);
    setenv("KMIG_TEST_CFGPROV_BAD", "notanumber", 1);
    char text[2048];
    snprintf(text, sizeof text,
             PROVIDERS "clusters = a, b\na.bootstrap.servers = a1:9092\nb.bootstrap.servers = b1:9092\n"
             "a.security.protocol = SASL_SSL\na.sasl.mechanism = SCRAM-SHA-512\n"
             "a.sasl.jaas.config = org.apache.kafka.common.security.scram.ScramLoginModule "
             "required username=\"${file:%s/secrets.properties:user}\" "
             "password=\"${env:KMIG_TEST_CFGPROV_PW}\";\n",
             dir);
    props_t *p = props_of(text);
    mm2_t *m = mm2_new(p, err, sizeof err);
    if (!m) fprintf(stderr, "  mm2_new: %s\n", err);
    CHECK(m != NULL);
    if (!m) {
        props_destroy(p);
        return;
    }
    kv_list_t l = {0};
    CHECK(mm2_client_settings(m, "a", MM2_CLIENT_CONSUMER, &l, err, sizeof err) == 0);
    for (size_t i = 0; i < l.n; i++) {
        if (strcmp(l.items[i].key, "sasl.password") == 0) {
            CHECK_EQ_STR(l.items[i].value, "s3cr3t-env");
            CHECK(l.items[i].secret);
        }
        if (strcmp(l.items[i].key, "sasl.username") == 0) {
            CHECK_EQ_STR(l.items[i].value, "alice");
            CHECK(l.items[i].secret); /* it came from a provider */
        }
    }
    kv_list_clear(&l);
    mm2_destroy(m);
    props_destroy(p);

    p = props_of(PROVIDERS "clusters = a, b\na.bootstrap.servers = a1:9092\n"
                           "b.bootstrap.servers = b1:9092\n"
                           "a->b.replication.factor = ${env:KMIG_TEST_CFGPROV_BAD}\n");
    CHECK(mm2_new(p, err, sizeof err) == NULL);
    if (!contains(err, "mm2.properties:8: a->b.replication.factor: is not an integer")) fprintf(stderr, "  %s\n", err);
    CHECK(contains(err, "mm2.properties:8: a->b.replication.factor: is not an integer"));
    CHECK(!contains(err, "notanumber"));
    props_destroy(p);

    /* An unresolvable reference fails mm2_new with the reference named. */
    p = props_of(PROVIDERS "clusters = a\na.bootstrap.servers = ${env:KMIG_TEST_CFGPROV_UNSET}\n");
    CHECK(mm2_new(p, err, sizeof err) == NULL);
    CHECK(contains(err, "mm2.properties:6: a.bootstrap.servers: cannot resolve "
                        "${env:KMIG_TEST_CFGPROV_UNSET}"));
    props_destroy(p);
}

static void cleanup(void) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "  could not remove %s\n", dir);
}

int main(void) {
    strcpy(dir, "/tmp/kmig-cfgprov-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    static const unit_test_t tests[] = {UNIT_TEST(test_file_env_directory), UNIT_TEST(test_errors),
                                        UNIT_TEST(test_allowed_paths),
                                        UNIT_TEST(test_through_mm2)};
    int failed = unit_run(tests, sizeof tests / sizeof tests[0]);
    cleanup();
    return failed ? 1 : 0;
}

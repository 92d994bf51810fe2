/* MSK IAM for librdkafka: turns kmig.aws.* client settings into an
 * OAUTHBEARER setup whose token refresh callback signs MSK IAM tokens with
 * credentials from a shared, process-lifetime provider. See kiam.h for the
 * threading and ownership rules. */
#include "kafka/kiam.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/msk_iam.h"
#include "core/clock.h"
#include "core/log.h"

#define KIAM_CONFIG_TAG "kmig-msk-iam"

/* --- the shared providers --- */

typedef struct kiam_entry {
    char *key; /* the sasl.oauthbearer.config string */
    aws_provider_t *provider;
    struct kiam_entry *next;
} kiam_entry_t;

static pthread_mutex_t kiam_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_ulong kiam_tokens, kiam_failures;

void kiam_counts(unsigned long *tokens, unsigned long *failures) {
    *tokens = atomic_load(&kiam_tokens);
    *failures = atomic_load(&kiam_failures);
}
static kiam_entry_t *kiam_registry;

/* The fields of a sasl.oauthbearer.config string written by kiam_conf_setup:
 * "kmig-msk-iam;region=R[;profile=P][;role=ARN][;session=S][;sts=R]". */
typedef struct kiam_cfg {
    char buf[1024];
    const char *region, *profile, *role, *session, *sts;
} kiam_cfg_t;

static int kiam_cfg_parse(const char *s, kiam_cfg_t *c) {
    memset(c, 0, sizeof *c);
    if (!s || strlen(s) >= sizeof c->buf) return -1;
    strcpy(c->buf, s);
    char *save = NULL, *tok = strtok_r(c->buf, ";", &save);
    if (!tok || strcmp(tok, KIAM_CONFIG_TAG) != 0) return -1;
    while ((tok = strtok_r(NULL, ";", &save))) {
        char *eq = strchr(tok, '=');
        if (!eq) return -1;
        *eq = '\0';
        const char *v = eq + 1;
        if (!strcmp(tok, "region")) c->region = v;
        else if (!strcmp(tok, "profile")) c->profile = v;
        else if (!strcmp(tok, "role")) c->role = v;
        else if (!strcmp(tok, "session")) c->session = v;
        else if (!strcmp(tok, "sts")) c->sts = v;
        else return -1;
    }
    return c->region ? 0 : -1;
}

static aws_provider_t *kiam_provider(const char *cfgstr, const kiam_cfg_t *c) {
    pthread_mutex_lock(&kiam_lock);
    kiam_entry_t *e = kiam_registry;
    while (e && strcmp(e->key, cfgstr) != 0) e = e->next;
    if (!e) {
        aws_provider_opts_t o = {.profile = c->profile, .role_arn = c->role,
                                 .role_session_name = c->session, .sts_region = c->sts,
                                 .region = c->region};
        e = xcalloc(1, sizeof *e);
        e->key = xstrdup(cfgstr);
        e->provider = aws_provider_new(&o);
        e->next = kiam_registry;
        kiam_registry = e;
    }
    pthread_mutex_unlock(&kiam_lock);
    return e->provider;
}

void kiam_shutdown(void) {
    pthread_mutex_lock(&kiam_lock);
    while (kiam_registry) {
        kiam_entry_t *e = kiam_registry;
        kiam_registry = e->next;
        aws_provider_destroy(e->provider);
        free(e->key);
        free(e);
    }
    pthread_mutex_unlock(&kiam_lock);
}

/* --- the last failure per client.id --- */

#define KIAM_FAILURES 32
static struct {
    char client_id[128];
    char reason[600];
} kiam_failed[KIAM_FAILURES];
static size_t kiam_failed_next;

static void kiam_client_id(rd_kafka_t *rk, char *out, size_t outsz) {
    const char *n = rd_kafka_name(rk);
    size_t len = strcspn(n, "#");
    snprintf(out, outsz, "%.*s", (int)len, n);
}

/* reason NULL: a success, which clears the entry. */
static void kiam_note(rd_kafka_t *rk, const char *reason) {
    char id[128];
    kiam_client_id(rk, id, sizeof id);
    pthread_mutex_lock(&kiam_lock);
    size_t i = 0;
    while (i < KIAM_FAILURES && strcmp(kiam_failed[i].client_id, id) != 0) i++;
    if (i == KIAM_FAILURES && reason) {
        i = kiam_failed_next++ % KIAM_FAILURES;
        snprintf(kiam_failed[i].client_id, sizeof kiam_failed[i].client_id, "%s", id);
    }
    if (i < KIAM_FAILURES) {
        if (reason)
            snprintf(kiam_failed[i].reason, sizeof kiam_failed[i].reason, "%s", reason);
        else
            kiam_failed[i].reason[0] = '\0';
    }
    pthread_mutex_unlock(&kiam_lock);
}

int kiam_last_failure(const char *client_id, char *out, size_t outsz) {
    int found = 0;
    pthread_mutex_lock(&kiam_lock);
    for (size_t i = 0; i < KIAM_FAILURES && !found; i++)
        if (kiam_failed[i].client_id[0] && strcmp(kiam_failed[i].client_id, client_id) == 0 &&
            kiam_failed[i].reason[0]) {
            snprintf(out, outsz, "%s", kiam_failed[i].reason);
            found = 1;
        }
    pthread_mutex_unlock(&kiam_lock);
    return found;
}

/* --- the refresh callback --- */

static void kiam_refresh_cb(rd_kafka_t *rk, const char *oauthbearer_config, void *opaque) {
    (void)opaque;
    kiam_cfg_t c;
    char err[1024], why[1600];
    if (kiam_cfg_parse(oauthbearer_config, &c)) {
        rd_kafka_oauthbearer_set_token_failure(
            rk, "MSK IAM: sasl.oauthbearer.config was changed; it is kmig's own setting");
        return;
    }
    aws_provider_t *p = kiam_provider(oauthbearer_config, &c);
    aws_creds_t creds = {0};
    const char *source = NULL;
    msk_iam_token_t tok = {0};
    if (aws_provider_get(p, clock_wall_ms(), &creds, &source, err, sizeof err)) {
        snprintf(why, sizeof why, "MSK IAM (region %s%s%s%s%s): %s", c.region,
                 c.profile ? ", profile " : "", c.profile ? c.profile : "",
                 c.role ? ", role " : "", c.role ? c.role : "", err);
        log_error("%s: %s", rd_kafka_name(rk), why);
        rd_kafka_oauthbearer_set_token_failure(rk, why);
        kiam_note(rk, why);
        atomic_fetch_add(&kiam_failures, 1);
        return;
    }
    sigv4_creds_t sc = {creds.access_key_id, creds.secret_access_key, creds.session_token};
    time_t now = time(NULL);
    if (msk_iam_token(&sc, creds.expiration_ms, c.region, now, KIAM_USER_AGENT, &tok, err,
                      sizeof err)) {
        snprintf(why, sizeof why, "MSK IAM: cannot sign a token: %s", err);
        log_error("%s: %s", rd_kafka_name(rk), why);
        rd_kafka_oauthbearer_set_token_failure(rk, why);
        kiam_note(rk, why);
        atomic_fetch_add(&kiam_failures, 1);
    } else if (rd_kafka_oauthbearer_set_token(rk, tok.token, tok.lifetime_ms, creds.access_key_id,
                                              NULL, 0, err, sizeof err) !=
               RD_KAFKA_RESP_ERR_NO_ERROR) {
        /* librdkafka's reason names the argument at fault, never its value. */
        snprintf(why, sizeof why, "MSK IAM: librdkafka refused the token: %s", err);
        log_error("%s: %s", rd_kafka_name(rk), why);
        rd_kafka_oauthbearer_set_token_failure(rk, why);
        kiam_note(rk, why);
        atomic_fetch_add(&kiam_failures, 1);
    } else {
        atomic_fetch_add(&kiam_tokens, 1);
        kiam_note(rk, NULL);
        log_debug("%s: MSK IAM token for access key id %s (credentials from %s), region %s, "
                  "valid %lld s",
                  rd_kafka_name(rk), creds.access_key_id, source, c.region,
                  (long long)(tok.lifetime_ms / 1000 - (int64_t)now));
    }
    msk_iam_token_clear(&tok);
    aws_creds_clear(&creds);
}

/* --- setup --- */

bool kiam_enabled(const kv_list_t *settings) {
    const char *v = settings ? kv_list_get(settings, "kmig.aws.msk.iam") : NULL;
    return v && strcasecmp(v, "false") != 0;
}

int kiam_region(const char *explicit_region, const char *bootstrap, aws_provider_t *p,
                char *out, size_t outsz, char *err, size_t errsz) {
    if (explicit_region && *explicit_region) {
        snprintf(out, outsz, "%s", explicit_region);
        return 0;
    }
    if (bootstrap) {
        char *list = xstrdup(bootstrap), *save = NULL;
        int found = 0;
        for (char *h = strtok_r(list, ", ", &save); h && !found; h = strtok_r(NULL, ", ", &save)) {
            char r[MSK_IAM_REGION_MAX], why[200];
            if (msk_iam_region_from_host(h, r, why, sizeof why) == 0) {
                snprintf(out, outsz, "%s", r);
                found = 1;
            }
        }
        free(list);
        if (found) return 0;
    }
    if (p && aws_provider_region(p, out, outsz) == 0) return 0;
    snprintf(err, errsz,
             "no AWS region to sign MSK IAM tokens for: the bootstrap host names are not MSK "
             "ones (*.kafka.<region>.amazonaws.com) and neither AWS_REGION, AWS_DEFAULT_REGION "
             "nor the profile's region is set; set kmig.aws.region");
    return -1;
}

/* Appends ";name=value", refusing values that would break the format. */
static int cfg_add(sbuf_t *b, const char *name, const char *v, const char *key, char *err,
                   size_t errsz) {
    if (!v || !*v) return 0;
    if (strpbrk(v, ";= \t\r\n")) {
        snprintf(err, errsz, "%s must not contain ';', '=' or spaces", key);
        return -1;
    }
    sbuf_printf(b, ";%s=%s", name, v);
    return 0;
}

int kiam_conf_setup(rd_kafka_conf_t *conf, const kv_list_t *settings, const char *alias_or_name,
                    char *err, size_t errsz) {
    if (!settings || !kv_list_get(settings, "kmig.aws.msk.iam")) return 0;
    const char *on = kv_list_get(settings, "kmig.aws.msk.iam");
    if (strcasecmp(on, "true") != 0 && strcasecmp(on, "false") != 0) {
        snprintf(err, errsz, "%s: kmig.aws.msk.iam must be true or false", alias_or_name);
        return -1;
    }
    if (!kiam_enabled(settings)) return 0;
    const char *proto = kv_list_get(settings, "security.protocol");
    if (!proto || strncasecmp(proto, "SASL_", 5) != 0) {
        snprintf(err, errsz,
                 "%s: MSK IAM authentication needs security.protocol=SASL_SSL (it is %s)",
                 alias_or_name, proto ? proto : "PLAINTEXT, the default");
        return -1;
    }
    const char *profile = kv_list_get(settings, "kmig.aws.profile");
    const char *role = kv_list_get(settings, "kmig.aws.role.arn");
    const char *session = kv_list_get(settings, "kmig.aws.role.session.name");
    const char *sts = kv_list_get(settings, "kmig.aws.sts.region");
    char region[MSK_IAM_REGION_MAX], why[600];
    aws_provider_opts_t po = {.profile = profile};
    aws_provider_t *tmp = aws_provider_new(&po);
    int rc = kiam_region(kv_list_get(settings, "kmig.aws.region"),
                         kv_list_get(settings, "bootstrap.servers"), tmp, region, sizeof region,
                         why, sizeof why);
    aws_provider_destroy(tmp);
    if (rc) {
        snprintf(err, errsz, "%s: %s", alias_or_name, why);
        return -1;
    }
    sbuf_t cfg = {0};
    sbuf_puts(&cfg, KIAM_CONFIG_TAG);
    if (cfg_add(&cfg, "region", region, "kmig.aws.region", why, sizeof why) ||
        cfg_add(&cfg, "profile", profile, "kmig.aws.profile", why, sizeof why) ||
        cfg_add(&cfg, "role", role, "kmig.aws.role.arn", why, sizeof why) ||
        cfg_add(&cfg, "session", session, "kmig.aws.role.session.name", why, sizeof why) ||
        cfg_add(&cfg, "sts", sts, "kmig.aws.sts.region", why, sizeof why)) {
        snprintf(err, errsz, "%s: %s", alias_or_name, why);
        sbuf_free(&cfg);
        return -1;
    }
    kiam_cfg_t check;
    if (kiam_cfg_parse(cfg.s, &check)) {
        snprintf(err, errsz, "%s: the MSK IAM settings are too long", alias_or_name);
        sbuf_free(&cfg);
        return -1;
    }
    char rwhy[256];
    if (rd_kafka_conf_set(conf, "sasl.mechanism", "OAUTHBEARER", rwhy, sizeof rwhy) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "sasl.oauthbearer.config", cfg.s, rwhy, sizeof rwhy) !=
            RD_KAFKA_CONF_OK) {
        snprintf(err, errsz, "%s: MSK IAM: %s", alias_or_name, rwhy);
        sbuf_free(&cfg);
        return -1;
    }
    sbuf_free(&cfg);
    rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf, kiam_refresh_cb);
    rd_kafka_conf_enable_sasl_queue(conf, 1);
    log_debug("%s: MSK IAM authentication, region %s%s%s%s%s", alias_or_name, region,
              profile ? ", profile " : "", profile ? profile : "", role ? ", role " : "",
              role ? role : "");
    return 0;
}

int kiam_handle_setup(rd_kafka_t *rk, const kv_list_t *settings, char *err, size_t errsz) {
    if (!kiam_enabled(settings)) return 0;
    rd_kafka_error_t *e = rd_kafka_sasl_background_callbacks_enable(rk);
    if (e) {
        snprintf(err, errsz, "%s: MSK IAM: cannot serve the token refresh in the background: %s",
                 rd_kafka_name(rk), rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        return -1;
    }
    return 0;
}

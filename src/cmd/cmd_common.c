/* Shared command plumbing: configuration file + overrides -> one resolved flow. */
#include "cmd/cmd_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/exitcode.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "kafka/kcheck.h"
#include "kafka/kclient.h"
#include "kafka/kgroups.h"

int cmd_set_log_level(const char *cmd, const char *name) {
    int level = log_level_parse(name);
    if (level < 0) {
        fprintf(stderr, "%s: unknown --log-level '%s' (error, warn, info, debug)\n", cmd, name);
        return -1;
    }
    log_set_level((log_level_t)level);
    return 0;
}

int cmd_parse_set(const char *arg, cmd_override_t *out) {
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof out->keybuf) return -1;
    memcpy(out->keybuf, arg, (size_t)(eq - arg));
    out->keybuf[eq - arg] = '\0';
    out->key = out->keybuf; /* (argv unchanged: --workers passes it on) */
    out->value = eq + 1;
    out->origin = "--set";
    out->scoped = 0;
    return 0;
}

static int cmd_pick_flow(mm2_t *m, const char *path, char **src, char **tgt, char *err,
                         size_t errsz) {
    sbuf_t names = {0};
    int enabled = 0;
    for (size_t i = 0; i < mm2_flow_count(m); i++) {
        const mm2_flow_t *f = mm2_flow_at(m, i);
        if (!f->enabled) continue;
        if (!enabled++) {
            *src = xstrdup(f->source);
            *tgt = xstrdup(f->target);
        }
        sbuf_printf(&names, "%s%s->%s", names.len ? ", " : "", f->source, f->target);
    }
    int rc = 0;
    if (enabled == 0) {
        snprintf(err, errsz,
                 "%s: no replication flow is enabled: set e.g. `source->target.enabled = true`, "
                 "or pass --source and --target",
                 path);
        rc = -1;
    } else if (enabled > 1) {
        snprintf(err, errsz, "%s: several flows are enabled (%s): pick one with --source and --target",
                 path, sbuf_str(&names));
        rc = -1;
    }
    sbuf_free(&names);
    return rc;
}

int cmd_flow_load(cmd_flow_t *cf, const char *path, const char *src, const char *tgt,
                  const cmd_override_t *ov, size_t nov, char *err, size_t errsz) {
    memset(cf, 0, sizeof *cf);
    if (!path) {
        snprintf(err, errsz, "--config FILE is required (an MM2 properties file)");
        return -1;
    }
    if ((src == NULL) != (tgt == NULL)) {
        snprintf(err, errsz, "--source and --target go together");
        return -1;
    }
    cf->props = props_new();
    if (props_load_file(cf->props, path, err, errsz)) return -1;
    char *s = src ? xstrdup(src) : NULL, *t = tgt ? xstrdup(tgt) : NULL;
    if (!s) {
        /* A first pass only to find the enabled flow. */
        mm2_t *probe = mm2_new(cf->props, err, errsz);
        int rc = probe ? cmd_pick_flow(probe, path, &s, &t, err, errsz) : -1;
        mm2_destroy(probe);
        if (rc) {
            free(s);
            free(t);
            return -1;
        }
    }
    for (size_t i = 0; i < nov; i++) {
        sbuf_t key = {0}; /* exact: never truncated */
        if (ov[i].scoped) sbuf_printf(&key, "%s->%s.", s, t);
        sbuf_puts(&key, ov[i].key);
        props_set(cf->props, sbuf_str(&key), ov[i].value, ov[i].origin);
        sbuf_free(&key);
    }
    int rc = -1;
    if ((cf->mm2 = mm2_new(cf->props, err, errsz)) &&
        (cf->flow = mm2_flow(cf->mm2, s, t, err, errsz)))
        rc = 0;
    free(s);
    free(t);
    return rc;
}

void cmd_flow_clear(cmd_flow_t *cf) {
    mm2_destroy(cf->mm2);
    props_destroy(cf->props);
    memset(cf, 0, sizeof *cf);
}

inventory_t *cmd_inventory(mm2_t *m, const char *alias, kinventory_opts_t o, bool sizes,
                           char *err, size_t errsz) {
    kv_list_t adm = {0}, cons = {0};
    inventory_t *inv = NULL;
    rd_kafka_t *admin = NULL, *gadmin = NULL, *reader = NULL;
    const char *bootstrap = mm2_bootstrap(m, alias);
    if (!bootstrap) {
        snprintf(err, errsz, "unknown cluster alias '%s' (not in `clusters`)", alias);
        return NULL;
    }
    if (mm2_client_settings(m, alias, MM2_CLIENT_ADMIN, &adm, err, errsz) ||
        (sizes && mm2_client_settings(m, alias, MM2_CLIENT_CONSUMER, &cons, err, errsz)))
        goto out;
    kclient_opts_t ro = {.type = RD_KAFKA_CONSUMER, .name = "sampler", .settings = &cons};
    if (!(admin = kgroups_admin_new("admin", &adm, err, errsz)) ||
        (o.groups && !(gadmin = kgroups_admin_new("group-admin", &adm, err, errsz))) ||
        (sizes && !(reader = kclient_new(&ro, err, errsz))))
        goto out;
    o.admin = admin;
    o.group_admin = gadmin;
    o.reader = reader;
    o.client = &adm;
    inv = inventory_new(alias, bootstrap);
    if (kinventory_collect(&o, inv, err, errsz)) {
        inventory_destroy(inv);
        inv = NULL;
    }
out:
    if (reader) rd_kafka_destroy(reader);
    if (gadmin) rd_kafka_destroy(gadmin);
    if (admin) rd_kafka_destroy(admin);
    kv_list_clear(&adm);
    kv_list_clear(&cons);
    return inv;
}

int cmd_check_clusters(const char *cmd, mm2_t *m, const char *a, const char *b, int timeout_ms) {
    const char *aliases[] = {a, b};
    for (size_t i = 0; i < 2; i++) {
        if (!aliases[i] || (i == 1 && strcmp(a, b) == 0)) continue;
        char err[1400];
        kv_list_t adm = {0};
        int rc = KMIG_EXIT_OK;
        if (mm2_client_settings(m, aliases[i], MM2_CLIENT_ADMIN, &adm, err, sizeof err)) {
            rc = KMIG_EXIT_USAGE;
        } else {
            int k = kcheck_cluster(aliases[i], &adm, timeout_ms, err, sizeof err);
            rc = k == KCHECK_OK ? KMIG_EXIT_OK
                 : k == KCHECK_REFUSED ? KMIG_EXIT_USAGE
                                       : KMIG_EXIT_FAIL;
        }
        kv_list_clear(&adm);
        if (rc != KMIG_EXIT_OK) {
            fprintf(stderr, "%s: %s\n", cmd, err);
            return rc;
        }
    }
    return KMIG_EXIT_OK;
}

int cmd_parse_int(const char *cmd, const char *opt, const char *val, long long min,
                  long long max, long long *out) {
    int neg = *val == '-', ok = val[neg] != '\0';
    long long v = 0;
    for (const char *p = val + neg; ok && *p; p++) /* overflow is an error, as junk is */
        ok = *p >= '0' && *p <= '9' && !__builtin_mul_overflow(v, 10, &v) &&
             !__builtin_add_overflow(v, neg ? -(*p - '0') : *p - '0', &v);
    if (!ok || v < min || v > max) {
        fprintf(stderr, "kmig %s: %s wants an integer in [%lld, %lld], got '%s'\n", cmd, opt, min,
                max, val);
        return -1;
    }
    *out = v;
    return 0;
}

/* `kmig plan` and `kmig apply`: what the target lacks compared with the
 * source (topics, partitions, topic configs, ACL bindings) under the flow's
 * filters and naming, as a reviewable plan (text like `terraform plan`, JSON,
 * or exported as Terraform or Strimzi resources), and its execution. Apply is
 * a dry run unless --execute; each change reports the broker's answer, and a
 * second apply finds nothing to do. The rules are plan/plan.h's. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "cmd/cmd_common.h"
#include "core/exitcode.h"
#include "core/log.h"
#include "kafka/kclient.h"
#include "kafka/kplan.h"
#include "plan/plan.h"
#include "plan/plan_render.h"
#include "plan/principal_map.h"

typedef enum { FMT_TEXT, FMT_JSON, FMT_TERRAFORM, FMT_STRIMZI } plan_format_t;

static void plan_usage(FILE *out, bool apply) {
    fprintf(out,
            "usage: kmig %s --config FILE [--source A --target B]%s\n"
            "                 [--map-principal 'FROM -> TO']... [--principal-map FILE]\n"
            "                 [--no-configs] [--no-acls]%s\n"
            "  %s\n"
            "  --map-principal R     maps an ACL principal, e.g. 'User:CN=alice,O=acme -> User:alice'\n"
            "                        or 'regex:User:CN=([^,]+),.* -> User:$1' (repeatable)\n"
            "  --principal-map FILE  one such rule per line ('#' comments); default: the\n"
            "                        file of kmig.principal.map, as the mirror's ACL sync uses\n"
            "  --no-configs          leave configs of existing target topics alone\n"
            "  --no-acls             leave ACLs out\n",
            apply ? "apply" : "plan",
            apply ? " [--execute] [--json]" : "",
            apply ? "" : "\n                 [--format text|json|terraform|strimzi] [--strimzi-cluster NAME]",
            apply ? "Makes the target match the source: creates topics, adds partitions, sets\n"
                    "  configs, creates ACL bindings. Dry run (prints the plan) unless --execute."
                  : "Prints what the target lacks: topics to create, partitions to add, configs to\n"
                    "  set, ACL bindings to create (docs/PLAN.md). Reads only. --format terraform\n"
                    "  and strimzi export the same changes as code (--strimzi-cluster: the Kafka\n"
                    "  resource's name, default my-cluster).");
}

static int plan_main(int argc, char **argv, bool apply) {
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'},    {"source", required_argument, 0, 's'},
        {"target", required_argument, 0, 't'},    {"format", required_argument, 0, 'f'},
        {"json", no_argument, 0, 'j'},            {"execute", no_argument, 0, 'E'},
        {"map-principal", required_argument, 0, 'm'},
        {"principal-map", required_argument, 0, 'M'},
        {"strimzi-cluster", required_argument, 0, 'k'},
        {"no-configs", no_argument, 0, 'C'},      {"no-acls", no_argument, 0, 'A'},
        {"log-level", required_argument, 0, 'l'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *cmd = apply ? "kmig apply" : "kmig plan";
    const char *config = NULL, *src = NULL, *tgt = NULL, *strimzi = "my-cluster";
    plan_format_t fmt = FMT_TEXT;
    bool execute = false, configs = true, acls = true;
    char err[1024];
    int c, rc = KMIG_EXIT_USAGE;
    principal_map_t *pm = principal_map_new();
    cmd_flow_t cf = {0};
    inventory_t *si = NULL, *ti = NULL;
    name_filter_t *topics = NULL, *exclude = NULL;
    plan_t *p = NULL;
    rd_kafka_t *admin = NULL;
    kv_list_t adm = {0};
    log_set_level(LL_WARN);
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:s:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 's': src = optarg; break;
        case 't': tgt = optarg; break;
        case 'j': fmt = FMT_JSON; break;
        case 'E': execute = true; break;
        case 'k': strimzi = optarg; break;
        case 'C': configs = false; break;
        case 'A': acls = false; break;
        case 'f':
            if (!strcmp(optarg, "text")) fmt = FMT_TEXT;
            else if (!strcmp(optarg, "json")) fmt = FMT_JSON;
            else if (!strcmp(optarg, "terraform")) fmt = FMT_TERRAFORM;
            else if (!strcmp(optarg, "strimzi")) fmt = FMT_STRIMZI;
            else {
                fprintf(stderr, "%s: --format is text, json, terraform or strimzi\n", cmd);
                goto out;
            }
            break;
        case 'm':
            if (principal_map_add(pm, optarg, "--map-principal", err, sizeof err)) goto fail;
            break;
        case 'M':
            if (principal_map_load(pm, optarg, err, sizeof err)) goto fail;
            break;
        case 'l':
            if (cmd_set_log_level(cmd, optarg)) goto out;
            break;
        case 'h': plan_usage(stdout, apply); rc = KMIG_EXIT_OK; goto out;
        default: plan_usage(stderr, apply); goto out;
        }
    }
    if (apply && (fmt == FMT_TERRAFORM || fmt == FMT_STRIMZI)) {
        snprintf(err, sizeof err, "--format terraform/strimzi is for `kmig plan`");
        goto fail;
    }
    if (cmd_flow_load(&cf, config, src, tgt, NULL, 0, err, sizeof err) ||
        !(topics = name_filter_new(cf.flow->topics, cf.flow->topics_exclude, err, sizeof err)) ||
        !(exclude = name_filter_new(cf.flow->config_properties_exclude, "", err, sizeof err)))
        goto fail;
    if (!principal_map_count(pm) && *cf.flow->principal_map &&
        principal_map_load(pm, cf.flow->principal_map, err, sizeof err))
        goto fail;
    if ((rc = cmd_check_clusters(cmd, cf.mm2, cf.flow->source,
                                 cf.flow->target, cf.flow->admin_timeout_ms)))
        goto out;
    rc = KMIG_EXIT_FAIL;
    const int timeout = cf.flow->admin_timeout_ms;
    kinventory_opts_t io = {.timeout_ms = timeout, .topics = true, .configs = true, .acls = acls};
    if (!(si = cmd_inventory(cf.mm2, cf.flow->source, io, false, err, sizeof err)) ||
        !(ti = cmd_inventory(cf.mm2, cf.flow->target, io, false, err, sizeof err)))
        goto fail;
    plan_opts_t po = {.source_alias = cf.flow->source,
                      .separator = cf.flow->separator,
                      .policy = cf.flow->policy,
                      .topics = topics,
                      .config_exclude = exclude,
                      .replication_factor = cf.flow->replication_factor,
                      .do_topics = true,
                      .do_configs = configs,
                      .do_acls = acls,
                      .principals = principal_map_count(pm) ? pm : NULL};
    p = plan_build(si, ti, &po);
    const char *drf = inventory_broker_config(ti, "default.replication.factor");
    size_t failed = 0;
    if (apply && execute && p->n) {
        kclient_opts_t ao = {.type = RD_KAFKA_PRODUCER, .name = "target-admin", .settings = &adm};
        if (mm2_client_settings(cf.mm2, cf.flow->target, MM2_CLIENT_ADMIN, &adm, err, sizeof err) ||
            !(admin = kclient_new(&ao, err, sizeof err)))
            goto fail;
        failed = kplan_apply(p, admin, timeout);
    }
    sbuf_t out = {0};
    if (fmt == FMT_JSON) {
        json_t *j = plan_render_json(p);
        if (apply) {
            json_object_set_new(j, "executed", json_boolean(execute));
            json_object_set_new(j, "failed", json_integer((json_int_t)failed));
        }
        char *s = json_dumps(j, JSON_INDENT(2));
        sbuf_printf(&out, "%s\n", s);
        free(s);
        json_decref(j);
    } else if (fmt == FMT_TERRAFORM) {
        plan_render_terraform(p, drf ? atoi(drf) : 0, &out);
    } else if (fmt == FMT_STRIMZI) {
        plan_render_strimzi(p, strimzi, drf ? atoi(drf) : 0, &out);
    } else {
        plan_render_text(p, &out);
    }
    fputs(sbuf_str(&out), stdout);
    sbuf_free(&out);
    if (apply && fmt != FMT_JSON) {
        if (!execute)
            fprintf(stderr, "(dry run: nothing was changed; --execute applies this plan)\n");
        else if (p->n)
            fprintf(stderr, "Apply: %zu of %zu changes done, %zu failed.\n", p->n - failed, p->n,
                    failed);
    }
    rc = failed ? KMIG_EXIT_FAIL : KMIG_EXIT_OK;
    goto out;
fail:
    fprintf(stderr, "%s: %s\n", cmd, err);
out:
    if (admin) rd_kafka_destroy(admin);
    kv_list_clear(&adm);
    plan_destroy(p);
    name_filter_destroy(topics);
    name_filter_destroy(exclude);
    inventory_destroy(si);
    inventory_destroy(ti);
    principal_map_destroy(pm);
    cmd_flow_clear(&cf);
    return rc;
}

int cmd_plan(int argc, char **argv) { return plan_main(argc, argv, false); }
int cmd_apply(int argc, char **argv) { return plan_main(argc, argv, true); }

/* `kmig cutover`: moving services from the source cluster to the target
 * (docs/CUTOVER.md). `plan` orders the services of a manifest and prints the
 * runbook (cutover/cutover_plan.h); `status` reads both clusters and says
 * which service is ready to move (cmd_cutover_status.c). This file parses the
 * subcommand and the plan's options, and opens the clients `status` and
 * `group` read both clusters with (cutover_clients_open). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "cmd/cmd_common.h"
#include "cmd/cmd_cutover.h"
#include "core/exitcode.h"
#include "core/log.h"
#include "cutover/cutover_manifest.h"
#include "cutover/cutover_plan.h"
#include "cutover/cutover_render.h"
#include "kafka/kclient.h"
#include "kafka/map_store.h"
#include "mirror/name_filter.h"

static void cutover_usage(FILE *out) {
    fprintf(out,
            "usage: kmig cutover plan   --config FILE --services FILE [--source A --target B]\n"
            "                           [--markdown | --json]\n"
            "       kmig cutover status --config FILE [--services FILE] [--json] [--watch]\n"
            "                           [--quiet-seconds N]\n"
            "       kmig cutover group GROUP --config FILE [--execute] [--timeout S] [--json]\n"
            "  plan    orders the services of the manifest (consumers first, then services\n"
            "          that consume and produce, then producers; cycles move together) and\n"
            "          prints the runbook with the checks before and after each step\n"
            "  status  per topic, group and service: ready to move? (exit 0 drained,\n"
            "          %d not drained yet; docs/CUTOVER.md)\n"
            "  group   one group's step: wait until it has no members on the source and the\n"
            "          copy covers its offsets, commit the exact translation on the target,\n"
            "          read it back (dry run unless --execute)\n",
            KMIG_EXIT_NOT_READY);
}

bool cutover_topic_selected(const char *topic, void *arg) {
    const cutover_selection_t *s = arg;
    return !name_filter_topic_is_internal(topic, s->separator) &&
           name_filter_match(s->filter, topic);
}

int cutover_clients_open(cutover_clients_t *c, const char *cmd, const cmd_flow_t *cf, char *err,
                         size_t errsz) {
    *err = '\0';
    if (mm2_client_settings(cf->mm2, cf->flow->source, MM2_CLIENT_ADMIN, &c->sadm, err, errsz) ||
        mm2_client_settings(cf->mm2, cf->flow->target, MM2_CLIENT_ADMIN, &c->tadm, err, errsz) ||
        mm2_client_settings(cf->mm2, cf->flow->target, MM2_CLIENT_CONSUMER, &c->tcons, err, errsz))
        return KMIG_EXIT_USAGE;
    c->timeout = cf->flow->admin_timeout_ms;
    int rc = cmd_check_clusters(cmd, cf->mm2, cf->flow->source, cf->flow->target, c->timeout);
    if (rc) return rc;
    kclient_opts_t ro = {.type = RD_KAFKA_CONSUMER, .name = "map-reader", .settings = &c->tcons,
                         .required = map_store_reader_required()};
    kclient_opts_t ao = {.type = RD_KAFKA_PRODUCER, .name = "source-admin", .settings = &c->sadm};
    if (!(c->reader = kclient_new(&ro, err, errsz)) ||
        !(c->sadmin = kclient_new(&ao, err, errsz)) ||
        !(c->g = groups_new(cf->mm2, cf->flow, err, errsz)) ||
        groups_load_checkpoints(c->g, err, errsz))
        return KMIG_EXIT_FAIL;
    groups_set_emit(c->g, false);
    return KMIG_EXIT_OK;
}

void cutover_clients_clear(cutover_clients_t *c) {
    groups_destroy(c->g);
    if (c->reader) rd_kafka_destroy(c->reader);
    if (c->sadmin) rd_kafka_destroy(c->sadmin);
    kv_list_clear(&c->sadm);
    kv_list_clear(&c->tadm);
    kv_list_clear(&c->tcons);
    memset(c, 0, sizeof *c);
}

static int cutover_plan_cmd(int argc, char **argv) {
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'}, {"source", required_argument, 0, 's'},
        {"target", required_argument, 0, 't'}, {"services", required_argument, 0, 'S'},
        {"json", no_argument, 0, 'j'},         {"markdown", no_argument, 0, 'm'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *config = NULL, *src = NULL, *tgt = NULL, *services = NULL;
    int fmt = 0, c, rc = KMIG_EXIT_USAGE;
    char err[1024];
    cmd_flow_t cf = {0};
    cutover_manifest_t *m = NULL;
    cutover_plan_t *p = NULL;
    cutover_selection_t sel = {0};
    log_set_level(LL_WARN);
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:s:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 's': src = optarg; break;
        case 't': tgt = optarg; break;
        case 'S': services = optarg; break;
        case 'j': fmt = 2; break;
        case 'm': fmt = 1; break;
        case 'h': cutover_usage(stdout); return KMIG_EXIT_OK;
        default: cutover_usage(stderr); return KMIG_EXIT_USAGE;
        }
    }
    if (!services) {
        snprintf(err, sizeof err, "--services FILE is required (the manifest, docs/CUTOVER.md)");
        goto fail;
    }
    if (cmd_flow_load(&cf, config, src, tgt, NULL, 0, err, sizeof err) ||
        !(sel.filter = name_filter_new(cf.flow->topics, cf.flow->topics_exclude, err,
                                       sizeof err)) ||
        !(m = cutover_manifest_load(services, err, sizeof err)))
        goto fail;
    sel.separator = cf.flow->separator;
    p = cutover_plan_build(m, cutover_topic_selected, &sel);
    if (fmt == 2) {
        json_t *j = cutover_render_json(p);
        json_dumpf(j, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(j);
    } else {
        sbuf_t out = {0};
        if (fmt == 1) cutover_render_markdown(p, &out);
        else cutover_render_text(p, &out);
        fputs(sbuf_str(&out), stdout);
        sbuf_free(&out);
    }
    rc = KMIG_EXIT_OK;
    goto out;
fail:
    fprintf(stderr, "kmig cutover plan: %s\n", err);
out:
    cutover_plan_destroy(p);
    cutover_manifest_destroy(m);
    name_filter_destroy(sel.filter);
    cmd_flow_clear(&cf);
    return rc;
}

int cmd_cutover(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        cutover_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? KMIG_EXIT_USAGE : KMIG_EXIT_OK;
    }
    if (!strcmp(argv[1], "plan")) return cutover_plan_cmd(argc - 1, argv + 1);
    if (!strcmp(argv[1], "status")) return cutover_status_cmd(argc - 1, argv + 1);
    if (!strcmp(argv[1], "group")) return cutover_group_cmd(argc - 1, argv + 1);
    fprintf(stderr, "kmig cutover: '%s' is not a subcommand (plan, status, group)\n", argv[1]);
    cutover_usage(stderr);
    return KMIG_EXIT_USAGE;
}

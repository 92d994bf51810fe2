/* `kmig assess`: the inventory of a source cluster (brokers, topics, configs,
 * traffic, groups with lag, ACLs), optionally the target's for comparison,
 * a sizing for an Amazon MSK target with its formulas, and the warnings a
 * reviewer needs. Reads only; the report is text or --json (docs/ASSESS.md). */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "assess/assess_report.h"
#include "assess/sizing.h"
#include "cmd/cmd.h"
#include "cmd/cmd_common.h"
#include "core/exitcode.h"
#include "core/log.h"

static void assess_usage(FILE *out) {
    fprintf(out,
            "usage: kmig assess --config FILE [--source A --target B | --cluster A]\n"
            "                   [--no-target] [--sample SECONDS] [--replication-factor N]\n"
            "                   [--catch-up-hours H] [--cost-per-record-us US]\n"
            "                   [--cost-per-byte-ns NS] [--json]\n"
            "  Inventories the flow's source cluster (or --cluster A alone): brokers and\n"
            "  versions, topics and configs, traffic, consumer groups and lag, ACLs; compares\n"
            "  with the target; sizes an Amazon MSK target and prints every formula. Reads only.\n"
            "  --sample SECONDS         measure traffic from end offsets over this long (default 10;\n"
            "                           0: no sample, sizing then has no throughput limits)\n"
            "  --replication-factor N   for the sizing (default: the flow's replication.factor,\n"
            "                           else 3)\n"
            "  --catch-up-hours H       size the kmig workers to copy the source's records\n"
            "                           within H hours while keeping up (default 24)\n"
            "  --cost-per-record-us US  kmig CPU per record copied (default: measured by\n"
            "                           make bench, docs/ASSESS.md)\n"
            "  --cost-per-byte-ns NS    kmig CPU per payload byte copied (likewise)\n"
            "  --no-target              do not read the target cluster\n"
            "  --json                   the report as JSON\n"
            "  --log-level LEVEL        error, warn (default here), info, debug\n");
}

int cmd_assess(int argc, char **argv) {
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'},  {"source", required_argument, 0, 's'},
        {"target", required_argument, 0, 't'},  {"cluster", required_argument, 0, 'C'},
        {"no-target", no_argument, 0, 'N'},     {"sample", required_argument, 0, 'S'},
        {"replication-factor", required_argument, 0, 'r'},
        {"catch-up-hours", required_argument, 0, 'H'},
        {"cost-per-record-us", required_argument, 0, 'R'},
        {"cost-per-byte-ns", required_argument, 0, 'B'},
        {"json", no_argument, 0, 'j'},          {"log-level", required_argument, 0, 'l'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    const char *config = NULL, *src = NULL, *tgt = NULL, *cluster = NULL;
    bool json = false, no_target = false;
    int sample = 10, rf = 0, c;
    double hours = 0, rec_us = 0, byte_ns = 0;
    long long num;
    log_set_level(LL_WARN);
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:s:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 's': src = optarg; break;
        case 't': tgt = optarg; break;
        case 'C': cluster = optarg; break;
        case 'N': no_target = true; break;
        case 'j': json = true; break;
        case 'S':
            if (cmd_parse_int("assess", "--sample", optarg, 0, 3600, &num))
                return KMIG_EXIT_USAGE;
            sample = (int)num;
            break;
        case 'r':
            if (cmd_parse_int("assess", "--replication-factor", optarg, 1, SHRT_MAX, &num))
                return KMIG_EXIT_USAGE;
            rf = (int)num;
            break;
        case 'H':
        case 'R':
        case 'B': {
            char *end;
            double v = strtod(optarg, &end);
            const char *name = c == 'H'   ? "--catch-up-hours"
                               : c == 'R' ? "--cost-per-record-us"
                                          : "--cost-per-byte-ns";
            if (end == optarg || *end || !isfinite(v) || v <= 0 || v > 1e6) {
                fprintf(stderr, "kmig assess: %s wants a number in (0, 1000000], got '%s'\n",
                        name, optarg);
                return KMIG_EXIT_USAGE;
            }
            *(c == 'H' ? &hours : c == 'R' ? &rec_us : &byte_ns) = v;
            break;
        }
        case 'l':
            if (cmd_set_log_level("kmig assess", optarg)) return KMIG_EXIT_USAGE;
            break;
        case 'h': assess_usage(stdout); return KMIG_EXIT_OK;
        default: assess_usage(stderr); return KMIG_EXIT_USAGE;
        }
    }
    char err[1024];
    cmd_flow_t cf = {0};
    inventory_t *si = NULL, *ti = NULL;
    int rc = KMIG_EXIT_USAGE, timeout = 10000;
    const char *source = cluster, *target = NULL;
    if (cluster) {
        /* One cluster on its own: no flow needed. */
        if (!config) {
            snprintf(err, sizeof err, "--config FILE is required (an MM2 properties file)");
            goto fail;
        }
        cf.props = props_new();
        if (props_load_file(cf.props, config, err, sizeof err) ||
            !(cf.mm2 = mm2_new(cf.props, err, sizeof err)))
            goto fail;
    } else {
        if (cmd_flow_load(&cf, config, src, tgt, NULL, 0, err, sizeof err)) goto fail;
        source = cf.flow->source;
        target = no_target ? NULL : cf.flow->target;
        timeout = cf.flow->admin_timeout_ms;
        if (!rf && cf.flow->replication_factor > 0) rf = cf.flow->replication_factor;
    }
    if (!mm2_bootstrap(cf.mm2, source)) {
        snprintf(err, sizeof err, "unknown cluster alias '%s' (not in `clusters`)", source);
        goto fail;
    }
    if ((rc = cmd_check_clusters("kmig assess", cf.mm2, source, target, timeout))) goto out;
    rc = KMIG_EXIT_FAIL;
    kinventory_opts_t so = {.timeout_ms = timeout, .sample_s = sample, .topics = true,
                            .configs = true, .groups = true, .acls = true, .probe = true};
    kinventory_opts_t to = {.timeout_ms = timeout, .topics = true, .configs = true,
                            .acls = true, .probe = true};
    if (!(si = cmd_inventory(cf.mm2, source, so, true, err, sizeof err)) ||
        (target && !(ti = cmd_inventory(cf.mm2, target, to, false, err, sizeof err))))
        goto fail;
    sizing_input_t in;
    sizing_t s;
    sizing_input_from_inventory(si, &in);
    if (rf) in.target_rf = rf;
    if (hours > 0) in.catch_up_hours = hours;
    if (rec_us > 0) in.record_us = rec_us;
    if (byte_ns > 0) in.byte_ns = byte_ns;
    sizing_compute(&in, &s);
    assess_warnings_t w = {0};
    assess_warnings(si, ti, in.target_rf, &w);
    if (json) {
        json_t *j = assess_render_json(si, ti, &s, &w);
        json_dumpf(j, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(j);
    } else {
        sbuf_t out = {0};
        assess_render_text(si, ti, &s, &w, &out);
        fputs(sbuf_str(&out), stdout);
        sbuf_free(&out);
    }
    assess_warnings_clear(&w);
    rc = KMIG_EXIT_OK;
    goto out;
fail:
    fprintf(stderr, "kmig assess: %s\n", err);
out:
    inventory_destroy(si);
    inventory_destroy(ti);
    cmd_flow_clear(&cf);
    return rc;
}

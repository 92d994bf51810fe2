/* `kmig offsets`: where each consumer group stands, on both clusters, for a
 * cutover script. Reads the offset maps kept on the target, the groups'
 * committed source offsets, translates them exactly, compares with what the
 * target group has, and (with --execute) commits the translations on the
 * target under the same safety rules as the mirror's sync. Prints a table,
 * JSON, or a CSV that kafka-consumer-groups.sh --reset-offsets --from-file
 * accepts. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "cmd/cmd_back.h"
#include "cmd/cmd_common.h"
#include "core/exitcode.h"
#include "core/log.h"
#include "core/strmap.h"
#include "kafka/kadmin.h"
#include "kafka/kclient.h"
#include "kafka/kgroups.h"
#include "kafka/map_store.h"
#include "mirror/groups.h"
#include "offsets/map_set.h"
#include "zk/zk_offsets.h"

static void offsets_usage(FILE *out) {
    fprintf(out,
            "usage: kmig offsets --config FILE [--source A --target B] [--group G]...\n"
            "                    [--json] [--export FILE.csv] [--import FILE.csv] [--execute]\n"
            "                    [--from-zookeeper HOST:PORT[/chroot] [--to-source]]\n"
            "  Shows, per group and partition: the source committed offset and lag, the exact\n"
            "  target offset, what the target group has committed, and the status. Dry run\n"
            "  unless --execute, which commits exact offsets to groups that are not active on\n"
            "  the target, never backwards, never over offsets its consumers committed.\n"
            "  --group G        only this group (repeatable); default: `groups` of the flow\n"
            "  --export FILE    write group,topic,partition,offset CSV of the exact target\n"
            "                   offsets (kafka-consumer-groups.sh --reset-offsets --from-file)\n"
            "  --import FILE    take the SOURCE offsets from a CSV (group,topic,partition,offset,\n"
            "                   or topic,partition,offset with --group) instead of the cluster\n"
            "  --from-zookeeper Z  take them from old clients' /consumers/<group>/offsets in\n"
            "                   ZooKeeper; with --to-source --execute also write them into the\n"
            "                   source's Kafka-stored group offsets\n");
}

/* An offset for JSON: null when it could not be read. */
static json_t *offset_json(int64_t v) {
    return v == CHECKPOINT_UNKNOWN ? json_null() : json_integer((json_int_t)v);
}

/* An offset for the table: "-" when there is none, "?" when unknown. */
static const char *offset_text(char *buf, size_t size, int64_t v) {
    if (v == CHECKPOINT_UNKNOWN) return "?";
    if (v < 0) return "-";
    snprintf(buf, size, "%" PRId64, v);
    return buf;
}

static int print_rows(const group_rows_t *rows, bool json) {
    if (json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < rows->n; i++) {
            const group_row_t *r = &rows->v[i];
            json_array_append_new(
                arr, json_pack("{s:s,s:s?,s:i,s:o,s:I,s:s?,s:I,s:o,s:s,s:s?}", "group", r->group,
                               "topic", r->topic, "partition", (int)r->partition, "source_offset",
                               offset_json(r->source_offset), "source_lag",
                               (json_int_t)r->source_lag, "target_topic", r->target_topic,
                               "target_offset", (json_int_t)r->cp.target_offset,
                               "target_committed", offset_json(r->target_committed), "status",
                               r->status, "error", r->error));
        }
        json_dumpf(arr, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(arr);
        return 0;
    }
    printf("%-24s %-24s %5s %14s %10s %-24s %14s %16s  %s\n", "GROUP", "TOPIC", "PART",
           "SOURCE-OFFSET", "SOURCE-LAG", "TARGET-TOPIC", "TARGET-OFFSET", "TARGET-COMMITTED",
           "STATUS");
    for (size_t i = 0; i < rows->n; i++) {
        const group_row_t *r = &rows->v[i];
        char so[24], to[24], tc[24];
        printf("%-24s %-24s %5d %14s %10" PRId64 " %-24s %14s %16s  %s%s%s\n", r->group,
               r->topic ? r->topic : "*", r->partition,
               offset_text(so, sizeof so, r->source_offset), r->source_lag,
               r->target_topic ? r->target_topic : "*",
               offset_text(to, sizeof to, r->cp.target_offset),
               offset_text(tc, sizeof tc, r->target_committed), r->status,
               r->error ? ": " : "", r->error ? r->error : "");
    }
    if (!rows->n) printf("(no committed offsets on copied partitions for the selected groups)\n");
    return 0;
}

static int export_csv(const char *path, const group_rows_t *rows, char *err, size_t errsz) {
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errsz, "--export %s: cannot write", path);
        return -1;
    }
    for (size_t i = 0; i < rows->n; i++)
        if (rows->v[i].cp.status == OFFSET_MAP_EXACT)
            fprintf(f, "%s,%s,%d,%" PRId64 "\n", rows->v[i].group, rows->v[i].target_topic,
                    rows->v[i].partition, rows->v[i].cp.target_offset);
    return fclose(f) ? -1 : 0;
}

/* --to-source: commits imported (ZooKeeper) offsets as the source group's
 * Kafka-stored offsets, so consumers moved to Kafka storage resume there. */
static int write_to_source(rd_kafka_t *sadmin, const group_import_t *imp, char **names,
                           const mm2_flow_t *flow, char *err, size_t errsz) {
    (void)flow;
    for (char **g = names; g && *g; g++) {
        kgroup_offsets_t l = {0};
        const char *ig, *it;
        int32_t ip;
        int64_t io;
        for (size_t i = 0; group_import_at(imp, i, &ig, &it, &ip, &io); i++)
            if (!strcmp(ig, *g)) kgroup_offsets_add(&l, it, ip, io);
        int rc = kgroups_alter(sadmin, *g, &l, flow->admin_timeout_ms, err, errsz);
        for (size_t i = 0; rc == 0 && i < l.n; i++)
            if (l.v[i].error) {
                snprintf(err, errsz, "group %s: %s [%d] on the source: %s", *g, l.v[i].topic,
                         l.v[i].partition, l.v[i].error);
                rc = -1;
            }
        if (rc == 0) fprintf(stderr, "group %s: %zu offsets written to the source's Kafka storage\n", *g, l.n);
        kgroup_offsets_clear(&l);
        if (rc) return -1;
    }
    return 0;
}

int cmd_offsets(int argc, char **argv) {
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'}, {"source", required_argument, 0, 's'},
        {"target", required_argument, 0, 't'}, {"group", required_argument, 0, 'g'},
        {"json", no_argument, 0, 'j'},         {"export", required_argument, 0, 'x'},
        {"execute", no_argument, 0, 'E'},      {"log-level", required_argument, 0, 'l'},
        {"import", required_argument, 0, 'i'},
        {"from-zookeeper", required_argument, 0, 'z'}, {"to-source", no_argument, 0, 'S'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *config = NULL, *src = NULL, *tgt = NULL, *export = NULL, *import = NULL;
    const char *zk = NULL;
    bool to_source = false;
    const char **only = xcalloc((size_t)argc + 1, sizeof *only);
    size_t nonly = 0;
    bool json = false, execute = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:s:t:g:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 's': src = optarg; break;
        case 't': tgt = optarg; break;
        case 'g': only[nonly++] = optarg; break;
        case 'j': json = true; break;
        case 'x': export = optarg; break;
        case 'E': execute = true; break;
        case 'i': import = optarg; break;
        case 'z': zk = optarg; break;
        case 'S': to_source = true; break;
        case 'l':
            if (cmd_set_log_level("kmig offsets", optarg)) {
                free(only);
                return KMIG_EXIT_USAGE;
            }
            break;
        case 'h': offsets_usage(stdout); free(only); return KMIG_EXIT_OK;
        default: offsets_usage(stderr); free(only); return KMIG_EXIT_USAGE;
        }
    }
    char err[1024];
    cmd_flow_t cf;
    int rc = KMIG_EXIT_FAIL;
    kv_list_t tcons = {0}, sadm = {0};
    rd_kafka_t *reader = NULL, *sadmin = NULL;
    map_set_t *maps = map_set_new();
    groups_t *g = NULL;
    groups_partition_t *parts = NULL;
    rd_kafka_topic_partition_list_t *tp = NULL, *ttp = rd_kafka_topic_partition_list_new(16);
    group_rows_t rows = {0};
    char **names = NULL;
    group_import_t *imp = NULL;
    cmd_back_t back = {0};
    if (cmd_flow_load(&cf, config, src, tgt, NULL, 0, err, sizeof err) ||
        mm2_client_settings(cf.mm2, cf.flow->target, MM2_CLIENT_CONSUMER, &tcons, err, sizeof err) ||
        mm2_client_settings(cf.mm2, cf.flow->source, MM2_CLIENT_ADMIN, &sadm, err, sizeof err)) {
        fprintf(stderr, "kmig offsets: %s\n", err);
        rc = KMIG_EXIT_USAGE;
        goto out;
    }
    if ((rc = cmd_check_clusters("kmig offsets", cf.mm2, cf.flow->source, cf.flow->target,
                                 cf.flow->admin_timeout_ms)))
        goto out;
    rc = KMIG_EXIT_FAIL;
    /* The offset maps, and the source end offsets of their partitions. */
    kclient_opts_t ro = {.type = RD_KAFKA_CONSUMER, .name = "map-reader", .settings = &tcons,
                         .required = map_store_reader_required()};
    kclient_opts_t ao = {.type = RD_KAFKA_PRODUCER, .name = "source-admin", .settings = &sadm};
    char map_topic[300];
    size_t records;
    map_store_topic_name(map_topic, sizeof map_topic, cf.flow->source);
    if (!(reader = kclient_new(&ro, err, sizeof err)) || !(sadmin = kclient_new(&ao, err, sizeof err)) ||
        map_store_load(reader, map_topic, cf.flow->admin_timeout_ms + 20000, map_set_add_seg, maps,
                       &records, err, sizeof err))
        goto fail;
    /* A reverse flow (the way back): groups translate through both maps. */
    if (cmd_back_load(&back, &cf, maps, cf.flow->admin_timeout_ms, err, sizeof err)) goto fail;
    size_t n = map_set_count(maps);
    parts = xcalloc(n ? n : 1, sizeof *parts);
    tp = rd_kafka_topic_partition_list_new((int)n + 1);
    for (size_t i = 0; i < n; i++) {
        map_entry_t *e = map_set_sorted(maps, i);
        const offset_seg_t *first = offset_map_at(e->map, 0);
        if (first && !first->count) first = offset_map_at(e->map, 1);
        parts[i] = (groups_partition_t){e->topic, e->target, e->partition, -1,
                                        first ? first->tgt_start : -1};
        rd_kafka_topic_partition_list_add(tp, e->topic, e->partition);
    }
    for (size_t i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(ttp, parts[i].target_topic, parts[i].partition);
    if (n && (kadmin_end_offsets(sadmin, tp, cf.flow->admin_timeout_ms + 10000, err, sizeof err) ||
              kadmin_end_offsets(reader, ttp, cf.flow->admin_timeout_ms + 10000, err, sizeof err)))
        goto fail;
    for (int i = 0; i < tp->cnt; i++) {
        map_entry_t *e = map_set_get(maps, tp->elems[i].topic, tp->elems[i].partition);
        parts[i].source_end = tp->elems[i].err ? -1 : tp->elems[i].offset;
        e->source_end = parts[i].source_end;
        e->target_end = ttp->elems[i].err ? -1 : ttp->elems[i].offset;
    }
    if (!(g = groups_new(cf.mm2, cf.flow, err, sizeof err)) ||
        groups_load_checkpoints(g, err, sizeof err))
        goto fail;
    cmd_back_seed(&back, g); /* the way back: the positions groups left A from */
    if (zk) {
        /* Old clients' offsets in ZooKeeper stand in for the source's. */
        zk_offsets_t zo = {0};
        imp = group_import_new();
        if (zk_offsets_read(zk, nonly ? only : NULL, cf.flow->admin_timeout_ms, &zo, err,
                            sizeof err)) {
            zk_offsets_clear(&zo);
            goto fail;
        }
        for (size_t i = 0; i < zo.n; i++)
            group_import_add(imp, zo.v[i].group, zo.v[i].topic, zo.v[i].partition,
                             zo.v[i].offset);
        zk_offsets_clear(&zo);
        names = group_import_names(imp);
        if (to_source && execute && write_to_source(sadmin, imp, names, cf.flow, err, sizeof err))
            goto fail;
    } else if (import) {
        imp = group_import_new();
        if (nonly > 1) {
            snprintf(err, sizeof err, "--import with a 3-column CSV takes at most one --group");
            goto fail;
        }
        if (group_import_csv(imp, import, nonly ? only[0] : NULL, err, sizeof err)) goto fail;
        names = group_import_names(imp);
    } else {
        names = groups_select(g, nonly ? only : NULL);
    }
    groups_set_emit(g, false); /* a dry run writes nothing; --execute records what it commits */
    int failed = groups_pass(g, names, parts, n,
                             back.active ? backmap_pair_translate : map_set_translate,
                             back.active ? (void *)&back.pair : maps, imp, execute, &rows);
    print_rows(&rows, json);
    if (export && export_csv(export, &rows, err, sizeof err)) goto fail;
    rc = KMIG_EXIT_OK;
    for (size_t i = 0; i < rows.n; i++)
        if (!strcmp(rows.v[i].status, "failed")) rc = KMIG_EXIT_FAIL;
    if (failed) rc = KMIG_EXIT_FAIL;
    if (!execute && !json)
        fprintf(stderr, "(dry run: nothing was written; --execute commits the exact offsets)\n");
    goto out;
fail:
    fprintf(stderr, "kmig offsets: %s\n", err);
out:
    kgroups_names_free(names);
    group_import_destroy(imp);
    group_rows_clear(&rows);
    groups_destroy(g);
    if (tp) rd_kafka_topic_partition_list_destroy(tp);
    rd_kafka_topic_partition_list_destroy(ttp);
    free(parts);
    cmd_back_clear(&back);
    map_set_destroy(maps);
    if (reader) rd_kafka_destroy(reader);
    if (sadmin) rd_kafka_destroy(sadmin);
    kv_list_clear(&tcons);
    kv_list_clear(&sadm);
    cmd_flow_clear(&cf);
    free(only);
    return rc;
}

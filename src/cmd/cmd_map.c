/* `kmig map`: prints the persisted offset map of a flow (all topics, one
 * topic, or one partition) as a table or JSON, and optionally translates a
 * source offset through it, so an operator can see exactly where each source
 * offset landed. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "cmd/cmd_common.h"
#include "core/exitcode.h"
#include "core/log.h"
#include "kafka/kclient.h"
#include "kafka/map_store.h"
#include "offsets/map_set.h"

static void map_usage(FILE *out) {
    fprintf(out, "usage: kmig map --config FILE [--source A --target B] [--topic T]\n"
                 "                [--partition P] [--translate OFFSET] [--json]\n"
                 "  Prints the source->target offset map kmig keeps on the target cluster.\n"
                 "  --translate OFFSET  the target offset for a committed source offset\n");
}

static const char *result_name(offset_map_result_t r) {
    return r == OFFSET_MAP_EXACT ? "exact" : r == OFFSET_MAP_PENDING ? "pending" : "not-copied";
}

int cmd_map(int argc, char **argv) {
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'}, {"source", required_argument, 0, 's'},
        {"target", required_argument, 0, 't'}, {"topic", required_argument, 0, 'T'},
        {"partition", required_argument, 0, 'p'}, {"translate", required_argument, 0, 'x'},
        {"json", no_argument, 0, 'j'},         {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *config = NULL, *src = NULL, *tgt = NULL, *topic = NULL;
    int partition = -1, json = 0, c;
    int64_t translate = -1;
    long long num;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:s:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 's': src = optarg; break;
        case 't': tgt = optarg; break;
        case 'T': topic = optarg; break;
        case 'p':
            if (cmd_parse_int("map", "--partition", optarg, 0, INT32_MAX, &num))
                return KMIG_EXIT_USAGE;
            partition = (int)num;
            break;
        case 'x':
            if (cmd_parse_int("map", "--translate", optarg, 0, INT64_MAX, &num))
                return KMIG_EXIT_USAGE;
            translate = num;
            break;
        case 'j': json = 1; break;
        case 'h': map_usage(stdout); return KMIG_EXIT_OK;
        default: map_usage(stderr); return KMIG_EXIT_USAGE;
        }
    }
    char err[1024];
    cmd_flow_t cf;
    if (cmd_flow_load(&cf, config, src, tgt, NULL, 0, err, sizeof err)) {
        fprintf(stderr, "kmig map: %s\n", err);
        cmd_flow_clear(&cf);
        return KMIG_EXIT_USAGE;
    }
    kv_list_t settings = {0};
    int rc = KMIG_EXIT_FAIL;
    rd_kafka_t *rk = NULL;
    map_set_t *set = map_set_new();
    if (mm2_client_settings(cf.mm2, cf.flow->target, MM2_CLIENT_CONSUMER, &settings, err,
                            sizeof err)) {
        fprintf(stderr, "kmig map: %s\n", err);
        rc = KMIG_EXIT_USAGE;
        goto out;
    }
    if ((rc = cmd_check_clusters("kmig map", cf.mm2, cf.flow->target, NULL,
                                 cf.flow->admin_timeout_ms)))
        goto out;
    rc = KMIG_EXIT_FAIL;
    kclient_opts_t ko = {.type = RD_KAFKA_CONSUMER, .name = "map-reader", .settings = &settings,
                          .required = map_store_reader_required()};
    char map_topic[300];
    size_t records;
    map_store_topic_name(map_topic, sizeof map_topic, cf.flow->source);
    if (!(rk = kclient_new(&ko, err, sizeof err)) ||
        map_store_load(rk, map_topic, cf.flow->admin_timeout_ms + 20000, map_set_add_seg, set,
                       &records, err, sizeof err)) {
        fprintf(stderr, "kmig map: %s\n", err);
        goto out;
    }
    json_t *arr = json ? json_array() : NULL;
    if (!json)
        printf("%-30s %5s %14s %14s %14s %12s %10s %s\n", "TOPIC", "PART", "SRC-START",
               "SRC-END", "TGT-START", "RECORDS", "GAP", translate >= 0 ? "TRANSLATED" : "");
    size_t shown = 0;
    for (size_t i = 0; i < map_set_count(set); i++) {
        map_entry_t *e = map_set_sorted(set, i);
        if ((topic && strcmp(topic, e->topic)) || (partition >= 0 && partition != e->partition))
            continue;
        shown++;
        for (size_t s = 0; s < offset_map_count(e->map); s++) {
            const offset_seg_t *g = offset_map_at(e->map, s);
            int64_t gap = g->src_end - g->src_start - g->count;
            if (json) {
                json_array_append_new(
                    arr, json_pack("{s:s,s:s,s:i,s:I,s:I,s:I,s:I}", "topic", e->topic, "target",
                                   e->target, "partition", e->partition, "src_start",
                                   (json_int_t)g->src_start, "src_end", (json_int_t)g->src_end,
                                   "tgt_start", (json_int_t)g->tgt_start, "count",
                                   (json_int_t)g->count));
            } else {
                printf("%-30s %5d %14" PRId64 " %14" PRId64 " %14" PRId64 " %12" PRId64
                       " %10" PRId64 "\n",
                       e->topic, e->partition, g->src_start, g->src_end, g->tgt_start, g->count,
                       gap);
            }
        }
        if (translate >= 0) {
            int64_t to = -1;
            offset_map_result_t r = offset_map_translate(e->map, translate, &to);
            if (json)
                json_array_append_new(arr, json_pack("{s:s,s:i,s:I,s:s,s:I}", "topic", e->topic,
                                                     "partition", e->partition, "source_offset",
                                                     (json_int_t)translate, "result",
                                                     result_name(r), "target_offset",
                                                     (json_int_t)to));
            else
                printf("%-30s %5d source offset %" PRId64 " -> %s %" PRId64 "\n", e->topic,
                       e->partition, translate, result_name(r), to);
        }
    }
    if (json) {
        json_dumpf(arr, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(arr);
    } else if (!shown) {
        printf("(no offset map for %s%s in %s)\n", topic ? "topic " : "all topics",
               topic ? topic : "", map_topic);
    }
    rc = KMIG_EXIT_OK;
out:
    if (rk) rd_kafka_destroy(rk);
    map_set_destroy(set);
    kv_list_clear(&settings);
    cmd_flow_clear(&cf);
    return rc;
}

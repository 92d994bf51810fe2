/* `kmig-testkit commit` and `kmig-testkit committed`: set and read a consumer
 * group's committed offsets on one topic without joining the group, so that
 * tests can put a group at an exact position (e.g. offset 0, or inside an
 * aborted transaction) and see what a sync wrote or left alone.
 *
 *   commit    --offset P:O ...   commits those offsets (OffsetCommit outside
 *                                the group: the broker refuses it while the
 *                                group has active members, exit 1)
 *   committed                    prints committed[P]=O for every partition,
 *                                -1 when the group has none there */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testkit.h"

#define COMMIT_TIMEOUT_MS 15000

static void commit_usage(FILE *out, bool set) {
    if (set)
        fprintf(out, "usage: kmig-testkit commit --bootstrap B --group G --topic T --offset P:O...\n"
                     "  commits offset O of partition P for group G (not joining the group)\n");
    else
        fprintf(out, "usage: kmig-testkit committed --bootstrap B --group G --topic T\n"
                     "  prints committed[P]=O per partition of T, -1 where G has none\n");
}

/* Both commands: `set` is true for commit. */
static int commit_run(int argc, char **argv, bool set) {
    static const struct option opts[] = {
        {"bootstrap", required_argument, 0, 'b'}, {"group", required_argument, 0, 'g'},
        {"topic", required_argument, 0, 't'},     {"offset", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'},            {0, 0, 0, 0}};
    const char *bootstrap = NULL, *group = NULL, *topic = NULL, *cmd = set ? "commit" : "committed";
    /* --offset values (topic not known yet), then the request */
    rd_kafka_topic_partition_list_t *given = rd_kafka_topic_partition_list_new(4), *list = NULL;
    rd_kafka_t *rk = NULL;
    int c, rc = 2;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': bootstrap = optarg; break;
        case 'g': group = optarg; break;
        case 't': topic = optarg; break;
        case 'o': {
            char *colon = strchr(optarg, ':');
            int64_t p = colon ? (*colon = '\0', testkit_parse_count(optarg)) : -1;
            int64_t o = colon ? testkit_parse_count(colon + 1) : -1;
            if (!set || p < 0 || p > INT32_MAX || o < 0) {
                fprintf(stderr, "%s: --offset wants PARTITION:OFFSET\n", cmd);
                goto out;
            }
            rd_kafka_topic_partition_list_add(given, "", (int32_t)p)->offset = o;
            break;
        }
        case 'h': commit_usage(stdout, set); rc = 0; goto out;
        default: commit_usage(stderr, set); goto out;
        }
    }
    if (!bootstrap || !group || !topic || optind < argc || (set && !given->cnt)) {
        commit_usage(stderr, set);
        goto out;
    }
    rc = 1;
    char err[512];
    const char *kv[] = {"group.id", group, "enable.auto.commit", "false", NULL};
    int parts = -1;
    if ((rk = testkit_client_new(RD_KAFKA_CONSUMER, bootstrap, kv, err, sizeof err)))
        parts = testkit_partition_count(rk, topic, 5000, err, sizeof err);
    if (parts < 0) {
        fprintf(stderr, "%s: %s\n", cmd, err);
        goto out;
    }
    list = rd_kafka_topic_partition_list_new(parts);
    for (int i = 0; i < given->cnt; i++)
        rd_kafka_topic_partition_list_add(list, topic, given->elems[i].partition)->offset =
            given->elems[i].offset;
    if (!set)
        for (int32_t p = 0; p < parts; p++) rd_kafka_topic_partition_list_add(list, topic, p);
    rd_kafka_resp_err_t e = set ? rd_kafka_commit(rk, list, 0)
                                : rd_kafka_committed(rk, list, COMMIT_TIMEOUT_MS);
    for (int i = 0; !e && i < list->cnt; i++) {
        if (list->elems[i].err) {
            e = list->elems[i].err;
        } else if (!set) {
            int64_t o = list->elems[i].offset;
            printf("committed[%d]=%" PRId64 "\n", list->elems[i].partition, o < 0 ? -1 : o);
        }
    }
    if (e)
        fprintf(stderr, "%s: group %s, topic %s: %s\n", cmd, group, topic, rd_kafka_err2str(e));
    else
        rc = 0;
out:
    rd_kafka_topic_partition_list_destroy(given);
    if (list) rd_kafka_topic_partition_list_destroy(list);
    if (rk) rd_kafka_destroy(rk);
    return rc;
}

int testkit_commit_main(int argc, char **argv) { return commit_run(argc, argv, true); }

int testkit_committed_main(int argc, char **argv) { return commit_run(argc, argv, false); }

/* `kmig-testkit count`: prints a topic's per-partition watermarks and the
 * number of records it holds, for quick assertions in test scripts:
 *
 *   partition=0 low=0 high=25
 *   ...
 *   total=100          (sum of high - low)
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "testkit.h"

int testkit_count_main(int argc, char **argv) {
    static const struct option opts[] = {{"bootstrap", required_argument, 0, 'b'},
                                         {"topic", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *bootstrap = NULL, *topic = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': bootstrap = optarg; break;
        case 't': topic = optarg; break;
        case 'h':
        default:
            fprintf(c == 'h' ? stdout : stderr,
                    "usage: kmig-testkit count --bootstrap B --topic T\n"
                    "  prints partition=P low=L high=H per partition, then total=N\n");
            return c == 'h' ? 0 : 2;
        }
    }
    if (!bootstrap || !topic || optind < argc) {
        fprintf(stderr, "usage: kmig-testkit count --bootstrap B --topic T\n");
        return 2;
    }
    char err[512];
    int rc = 1;
    rd_kafka_t *rk = testkit_client_new(RD_KAFKA_CONSUMER, bootstrap, NULL, err, sizeof err);
    int parts = rk ? testkit_partition_count(rk, topic, 5000, err, sizeof err) : -1;
    int64_t total = 0;
    for (int p = 0; p < parts; p++) {
        int64_t lo, hi;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10000);
        if (e) {
            snprintf(err, sizeof err, "%s [%d]: %s", topic, p, rd_kafka_err2str(e));
            parts = -1;
            break;
        }
        printf("partition=%d low=%" PRId64 " high=%" PRId64 "\n", p, lo, hi);
        total += hi - lo;
    }
    if (parts < 0) {
        fprintf(stderr, "count: %s\n", err);
    } else {
        printf("total=%" PRId64 "\n", total);
        rc = 0;
    }
    if (rk) rd_kafka_destroy(rk);
    return rc;
}

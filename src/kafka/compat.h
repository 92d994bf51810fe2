#ifndef KMIG_KAFKA_COMPAT_H
#define KMIG_KAFKA_COMPAT_H
/* librdkafka version gates, in one place. Debian 12's librdkafka 2.0.2 is the
 * baseline; Debian 13 ships 2.8.0. Anything newer than the baseline is used
 * only behind these macros, and the baseline's way stays next to it. */
#include <librdkafka/rdkafka.h>

/* rd_kafka_IncrementalAlterConfigs() appeared in 2.2.0. Before it, topic
 * configs are changed with AlterConfigs, which replaces the whole set. */
#define KMIG_HAVE_INCREMENTAL_ALTER_CONFIGS (RD_KAFKA_VERSION >= 0x020200ff)

/* SCRAM credential admin APIs appeared in 2.2.0. */
#define KMIG_HAVE_SCRAM_ADMIN (RD_KAFKA_VERSION >= 0x020200ff)

/* The admin ListOffsets call (rd_kafka_ListOffsets(), KIP-396) appeared in
 * 2.3.0: one request per leader for all of its partitions. Before it, start
 * and end offsets come from rd_kafka_offsets_for_times(), whose cost grows
 * with the square of the partition count in 2.0.2. */
#define KMIG_HAVE_ADMIN_LIST_OFFSETS (RD_KAFKA_VERSION >= 0x020300ff)

/* rd_kafka_DescribeCluster() (cluster id, controller, and the brokers with
 * their racks, rd_kafka_Node_rack()) appeared in 2.3.0, with
 * rd_kafka_DescribeTopics(). Before it, racks come from each broker's
 * broker.rack config. */
#define KMIG_HAVE_DESCRIBE_CLUSTER (RD_KAFKA_VERSION >= 0x020300ff)

/* ACL bindings on TransactionalId resources (RD_KAFKA_RESOURCE_TRANSACTIONAL_ID)
 * appeared in 2.6.0: before it, DescribeAcls reads them as UNKNOWN and
 * rd_kafka_AclBinding_new() refuses them. */
#define KMIG_HAVE_ACL_TRANSACTIONAL_ID (RD_KAFKA_VERSION >= 0x020600ff)

#endif

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

/* rd_kafka_ConsumerGroupListing_type() (ListGroups v5, KIP-848: a group's
 * type, classic or consumer) appeared in 2.6.0. Before it, a Kafka 4
 * consumer-protocol group is told from a classic one by DescribeGroups
 * answering "Dead" for a group the listing has (offsets/group_presence.h). */
#define KMIG_HAVE_GROUP_LISTING_TYPE (RD_KAFKA_VERSION >= 0x020600ff)

/* From 2.10.0 rd_kafka_DescribeConsumerGroups() describes KIP-848 groups
 * with ConsumerGroupDescribe (members counted) and tells the group's type
 * (rd_kafka_ConsumerGroupDescription_type()). Before it, such a group is
 * described "Dead" with no members by the classic DescribeGroups. */
#define KMIG_HAVE_DESCRIBE_GROUP_TYPE (RD_KAFKA_VERSION >= 0x020a00ff)

#endif

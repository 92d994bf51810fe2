#ifndef KMIG_KAFKA_COMPAT_H
#define KMIG_KAFKA_COMPAT_H
/* librdkafka version gates, in one place. Debian 12's librdkafka 2.0.2 is the
 * baseline; anything newer is used only behind these macros. */
#include <librdkafka/rdkafka.h>

/* rd_kafka_IncrementalAlterConfigs() appeared in 2.2.0. Before it, topic
 * configs are changed with AlterConfigs, which replaces the whole set. */
#define KMIG_HAVE_INCREMENTAL_ALTER_CONFIGS (RD_KAFKA_VERSION >= 0x020200ff)

/* SCRAM credential admin APIs appeared in 2.2.0. */
#define KMIG_HAVE_SCRAM_ADMIN (RD_KAFKA_VERSION >= 0x020200ff)

#endif

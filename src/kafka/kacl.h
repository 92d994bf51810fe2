#ifndef KMIG_KAFKA_KACL_H
#define KMIG_KAFKA_KACL_H
/* ACL bindings through the admin API (DescribeAcls, CreateAcls), synchronous
 * with a timeout, as kmig's plain inv_acl_t records (names as kafka-acls.sh
 * prints them: "Topic", "LITERAL", "Write", "Allow").
 *
 * Ownership: kacl_describe_all() appends copies to the inventory; kacl_create()
 * writes per-binding errors into the caller's array (strings the caller frees
 * with free()). */
#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "plan/inventory.h"

/* Appends every ACL binding of the cluster (DescribeAcls with a match-any
 * filter) to inv. Returns 0, or -1 with the reason in err (timeout, a broker
 * before 0.11 without the ACL API). librdkafka (2.0.2, still in 2.15) drops
 * the call's own error, so a cluster without an authorizer answers "no
 * bindings" (the broker config authorizer.class.name, empty there, tells).
 * Bindings librdkafka cannot name (TransactionalId, User... see below) are
 * left out with one warning. */
int kacl_describe_all(rd_kafka_t *rk, inventory_t *inv, int timeout_ms, char *err, size_t errsz);

/* Creates acls[0..n) (CreateAcls). errors[i] is set to NULL on success or to
 * a malloc'ed "CODE: reason" string. Returns -1 with err only when the call
 * failed as a whole (timeout, unknown resource type name in acls). */
int kacl_create(rd_kafka_t *rk, const inv_acl_t *acls, size_t n, char **errors, int timeout_ms,
                char *err, size_t errsz);

/* The name <-> code tables behind both calls (exposed for unit tests). Codes
 * are Kafka's, which librdkafka's enums share (RD_KAFKA_RESOURCE_BROKER is
 * Kafka's Cluster); Kafka knows more values than librdkafka 2.0.2 (resource
 * types TransactionalId, DelegationToken, User; operations CreateTokens,
 * DescribeTokens), which that librdkafka reports as UNKNOWN and refuses to
 * create. */
typedef enum { KACL_RESOURCE, KACL_PATTERN, KACL_OPERATION, KACL_PERMISSION } kacl_field_t;

/* Kafka's name for `code` ("Topic", "PREFIXED", "IdempotentWrite", "Allow"),
 * or NULL when it has none (UNKNOWN, ANY, MATCH). */
const char *kacl_name(kacl_field_t field, int code);

/* The code of a name, case-insensitively as kafka-acls.sh reads them, or -1. */
int kacl_code(kacl_field_t field, const char *name);

#endif

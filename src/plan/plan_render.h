#ifndef KMIG_PLAN_PLAN_RENDER_H
#define KMIG_PLAN_PLAN_RENDER_H
/* Renders a migration plan (plan.h) for a reviewer and for other tools:
 *
 *  - text: like `terraform plan` ("+" create, "~" change), then
 *    "Plan: N to create, N to change, 0 to destroy." and the warnings;
 *  - JSON: {"changes":[...], "summary":{...}, "warnings":[...]}, with each
 *    item's "error" once apply filled it in (docs/PLAN.md);
 *  - Terraform HCL for the Mongey/kafka provider: kafka_topic and kafka_acl
 *    resources; topics that already exist on the target (partitions added,
 *    configs set) are written whole, with a Terraform >= 1.5 `import` block
 *    so that `terraform apply` adopts them instead of creating them;
 *  - Strimzi YAML: one KafkaTopic per created or changed topic and one
 *    KafkaUser per User principal that gets ACL bindings.
 *
 * Secret config values (kv_t.secret) are never written: "(sensitive)" in
 * text, null in JSON, a sensitive Terraform variable, and a comment asking to
 * set it by hand in Strimzi YAML.
 *
 * Replication factor -1 (the target's default): the exports write
 * `default_rf` instead (pass the target's default.replication.factor). When
 * that is unknown too (<= 0), Terraform gets `var.replication_factor`, a
 * declared variable without default (Terraform asks for it), and Strimzi
 * leaves spec.replicas out (the broker default applies).
 *
 * Strimzi caveats, also written as comments: a KafkaUser is named after its
 * principal (User:<metadata.name>), so principals that are not valid
 * Kubernetes names (e.g. certificate DNs: map them first) and non-User
 * principals are skipped; and the User Operator owns every ACL of a KafkaUser,
 * so ACLs the user already has on the target must be added to it by hand or
 * they are removed.
 *
 * Ownership: the sbuf_t renderers append to the caller's buffer;
 * plan_render_json() returns a new reference the caller json_decref()s. */
#include <jansson.h>

#include "core/sbuf.h"
#include "plan/plan.h"

void plan_render_text(const plan_t *p, sbuf_t *out);
json_t *plan_render_json(const plan_t *p);
void plan_render_terraform(const plan_t *p, int default_rf, sbuf_t *out);
/* `cluster` is the Strimzi Kafka resource's name (label strimzi.io/cluster). */
void plan_render_strimzi(const plan_t *p, const char *cluster, int default_rf, sbuf_t *out);

#endif

#ifndef KMIG_KAFKA_KIAM_H
#define KMIG_KAFKA_KIAM_H
/* Amazon MSK IAM authentication for librdkafka handles: when a client's
 * settings say kmig.aws.msk.iam=true (config/mm2_iam.h writes it from an MM2
 * file's IAM forms), kiam_conf_setup sets sasl.mechanism=OAUTHBEARER and
 * installs an OAUTHBEARER token refresh callback that gets AWS credentials
 * (awsio/aws_provider.h), signs a token (auth/msk_iam.h) and hands it to
 * librdkafka with rd_kafka_oauthbearer_set_token (principal = the access key
 * id), or rd_kafka_oauthbearer_set_token_failure with a reason that names no
 * secret. kiam_handle_setup then moves the callback onto librdkafka's
 * background thread (rd_kafka_sasl_background_callbacks_enable, librdkafka
 * >= 1.9), so it runs whether or not the owner of the handle polls its main
 * queue (admin handles do not: their results come on their own queues). The
 * callback blocks only that background thread, for at most the HTTP and
 * credential_process timeouts of one refresh.
 *
 * Keys read from the client settings (contracts A, docs/SECURITY.md 1):
 * kmig.aws.msk.iam, kmig.aws.region, kmig.aws.profile, kmig.aws.role.arn,
 * kmig.aws.role.session.name, kmig.aws.sts.region. The region: kmig.aws.region,
 * else a bootstrap.servers host name of MSK's form, else AWS_REGION /
 * AWS_DEFAULT_REGION, else the profile's region; none is an error naming the
 * client.
 *
 * Ownership: credential providers are shared and live for the process: one
 * per distinct (profile, role, session name, STS region, region) in a
 * registry guarded by a mutex held only for the lookup; they cache
 * credentials for every handle that uses the same identity. A handle finds
 * its provider through its sasl.oauthbearer.config string (which carries the
 * non-secret identity, never a credential), so nothing is attached to the
 * handle and nothing needs freeing when it is destroyed; kiam_shutdown (run
 * at exit) frees the registry. */
#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "awsio/aws_provider.h"
#include "config/mm2.h"

#ifndef KMIG_VERSION
#define KMIG_VERSION "0.1.0"
#endif
#define KIAM_USER_AGENT "kmig/" KMIG_VERSION

/* Whether settings ask for MSK IAM (kmig.aws.msk.iam=true). */
bool kiam_enabled(const kv_list_t *settings);

/* For a conf being built from settings: nothing when IAM is not enabled;
 * else sets sasl.mechanism, sasl.oauthbearer.config and the refresh callback
 * and enables the SASL queue. Returns 0, or -1 with "<name>: reason". */
int kiam_conf_setup(rd_kafka_conf_t *conf, const kv_list_t *settings, const char *alias_or_name,
                    char *err, size_t errsz);

/* After rd_kafka_new on a conf prepared by kiam_conf_setup: serve the
 * refresh callback on the background thread. Nothing for other handles.
 * Returns 0, or -1 with a reason. */
int kiam_handle_setup(rd_kafka_t *rk, const kv_list_t *settings, char *err, size_t errsz);

/* The region to sign for: explicit if set, else an MSK host name in
 * bootstrap (comma-separated host:port list, may be NULL), else the
 * provider's environment or profile region. Returns 0, or -1 with a reason. */
int kiam_region(const char *explicit_region, const char *bootstrap, aws_provider_t *p,
                char *out, size_t outsz, char *err, size_t errsz);

/* The last token refresh failure of the handles whose client.id is
 * client_id (rd_kafka_name up to '#'), e.g. for a connection check that timed
 * out: librdkafka reports a failed refresh only as an error event on the main
 * queue, which a handle that is not polled never sees. Cleared by a
 * successful refresh. Returns 1 and the reason (no secret) in out, or 0. */
int kiam_last_failure(const char *client_id, char *out, size_t outsz);

/* How many tokens the refresh callback handed to librdkafka, and how many
 * refreshes failed, since the start (for tests and diagnostics). */
void kiam_counts(unsigned long *tokens, unsigned long *failures);

/* Frees the shared providers (at exit; no handle may still refresh). */
void kiam_shutdown(void);

#endif

#ifndef KMIG_CONFIG_MM2_IAM_H
#define KMIG_CONFIG_MM2_IAM_H
/* Amazon MSK IAM in an MM2 file, the ways Java's aws-msk-iam-auth is
 * configured, mapped to kmig's internal client keys (read by kafka/kiam.c):
 *
 *   1. sasl.mechanism=AWS_MSK_IAM with sasl.jaas.config=
 *      software.amazon.msk.auth.iam.IAMLoginModule required [options];
 *      (sasl.client.callback.handler.class=...IAMClientCallbackHandler)
 *   2. sasl.mechanism=OAUTHBEARER with sasl.login.callback.handler.class=
 *      software.amazon.msk.auth.iam.IAMOAuthBearerLoginCallbackHandler and
 *      sasl.jaas.config=...OAuthBearerLoginModule required [options];
 *
 * at any scope (top level, `<alias>.`, `<alias>.<role>.`), become
 * sasl.mechanism=OAUTHBEARER, kmig.aws.msk.iam=true and, from the JAAS
 * options awsProfileName, awsRoleArn, awsRoleSessionName, awsStsRegion:
 * kmig.aws.profile, kmig.aws.role.arn, kmig.aws.role.session.name,
 * kmig.aws.sts.region. The user's own key kmig.aws.region is inherited by
 * every client like the sasl.* keys. awsDebugCreds and the retry options are
 * accepted and have no effect. Pure (called from config/mm2.c).
 *
 * Ownership: everything is borrowed; out lists are the caller's. */
#include <stdbool.h>
#include <stddef.h>

#include "config/jaas.h"
#include "config/mm2.h"

#define MM2_IAM_MECHANISM "AWS_MSK_IAM"
#define MM2_IAM_LOGIN_MODULE "software.amazon.msk.auth.iam.IAMLoginModule"
#define MM2_IAM_CLIENT_HANDLER "software.amazon.msk.auth.iam.IAMClientCallbackHandler"
#define MM2_IAM_OAUTH_HANDLER "software.amazon.msk.auth.iam.IAMOAuthBearerLoginCallbackHandler"

/* Client keys that `<alias>.` and the top level pass to every client. */
bool mm2_iam_inherited(const char *key);

/* sasl.mechanism's translation when it selects IAM (mechanism AWS_MSK_IAM,
 * or OAUTHBEARER with login_handler = the IAM handler class; login_handler
 * may be NULL): appends sasl.mechanism=OAUTHBEARER and, when sasl is true
 * (security.protocol SASL_*), kmig.aws.msk.iam=true to out with origin.
 * Returns true when it did, false when the mechanism is not IAM's. */
bool mm2_iam_mechanism(const char *mechanism, const char *login_handler, bool sasl,
                       const char *origin, kv_list_t *out);

/* Whether a parsed sasl.jaas.config is MSK IAM's: IAMLoginModule, or
 * OAuthBearerLoginModule with login_handler = the IAM handler class. */
bool mm2_iam_jaas_selected(const jaas_t *j, const char *login_handler);

/* For a JAAS selected above: checks it against the (upper-cased) mechanism
 * and appends kmig.aws.msk.iam=true and the option keys to out. Returns 0,
 * or -1 with a reason in why (never an option value). */
int mm2_iam_jaas(const jaas_t *j, const char *mechanism, const char *origin, kv_list_t *out,
                 char *why, size_t whysz);

#endif

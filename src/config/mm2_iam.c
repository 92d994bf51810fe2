/* MM2's MSK IAM settings (Java's aws-msk-iam-auth) -> kmig's kmig.aws.*
 * client keys. mm2.c calls in at two points of its client key translation:
 * sasl.mechanism (mm2_iam_mechanism) and sasl.jaas.config
 * (mm2_iam_jaas_selected, mm2_iam_jaas). See mm2_iam.h. */
#include "config/mm2_iam.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

bool mm2_iam_inherited(const char *key) { return strcmp(key, "kmig.aws.region") == 0; }

static bool is_iam_handler(const char *h) {
    if (!h) return false;
    while (*h == ' ' || *h == '\t') h++;
    size_t n = strlen(MM2_IAM_OAUTH_HANDLER);
    if (strncmp(h, MM2_IAM_OAUTH_HANDLER, n) != 0) return false;
    for (h += n; *h; h++)
        if (*h != ' ' && *h != '\t') return false;
    return true;
}

bool mm2_iam_mechanism(const char *mechanism, const char *login_handler, bool sasl,
                       const char *origin, kv_list_t *out) {
    bool iam = strcasecmp(mechanism, MM2_IAM_MECHANISM) == 0 ||
               (strcasecmp(mechanism, "OAUTHBEARER") == 0 && is_iam_handler(login_handler));
    if (!iam) return false;
    kv_list_add(out, "sasl.mechanism", "OAUTHBEARER", origin, false);
    if (sasl) kv_list_add(out, "kmig.aws.msk.iam", "true", origin, false);
    return true;
}

bool mm2_iam_jaas_selected(const jaas_t *j, const char *login_handler) {
    return strcmp(j->module, MM2_IAM_LOGIN_MODULE) == 0 ||
           (strcmp(j->module, "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule") ==
                0 &&
            is_iam_handler(login_handler));
}

int mm2_iam_jaas(const jaas_t *j, const char *mechanism, const char *origin, kv_list_t *out,
                 char *why, size_t whysz) {
    bool login_module = strcmp(j->module, MM2_IAM_LOGIN_MODULE) == 0;
    const char *need = login_module ? MM2_IAM_MECHANISM : "OAUTHBEARER";
    if (strcasecmp(mechanism, need) != 0) {
        snprintf(why, whysz, "%s needs sasl.mechanism=%s, but sasl.mechanism is %s",
                 login_module ? "IAMLoginModule" : "IAMOAuthBearerLoginCallbackHandler", need,
                 mechanism);
        return -1;
    }
    static const char *const map[][2] = {{"awsProfileName", "kmig.aws.profile"},
                                         {"awsRoleArn", "kmig.aws.role.arn"},
                                         {"awsRoleSessionName", "kmig.aws.role.session.name"},
                                         {"awsStsRegion", "kmig.aws.sts.region"}};
    kv_list_add(out, "kmig.aws.msk.iam", "true", origin, false);
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        const char *v = jaas_option(j, map[i][0]);
        if (v && *v) kv_list_add(out, map[i][1], v, origin, false);
    }
    return 0;
}

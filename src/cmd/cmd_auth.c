/* `kmig auth msk-iam-token`: gets AWS credentials through the same default
 * chain and options as the mirror's MSK IAM clients (awsio/aws_provider.h,
 * kafka/kiam.h) and prints the MSK IAM token (auth/msk_iam.h), its signed URL
 * (--decode) or both with where the credentials came from (--json). For
 * debugging a setup and for other tools; --time fixes the signing time so the
 * signer can be checked against known values. The token is printed because
 * that is what was asked for; errors never contain a secret. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "auth/msk_iam.h"
#include "awsio/aws_provider.h"
#include "cmd/cmd.h"
#include "cmd/cmd_common.h"
#include "core/clock.h"
#include "core/exitcode.h"
#include "kafka/kiam.h"

static void auth_usage(FILE *out) {
    fprintf(out,
            "usage: kmig auth msk-iam-token [--region R] [--profile P] [--role-arn ARN]\n"
            "                 [--role-session-name S] [--sts-region R] [--bootstrap HOST:PORT]\n"
            "                 [--time YYYYMMDDTHHMMSSZ] [--decode] [--json] [--log-level L]\n"
            "  Prints an Amazon MSK IAM authentication token made from the AWS credentials\n"
            "  of the default chain (environment, profile, web identity, container, EC2).\n"
            "  --region R      the cluster's region (else from an MSK --bootstrap host name,\n"
            "                  AWS_REGION, AWS_DEFAULT_REGION or the profile's region)\n"
            "  --profile P     that profile only (awsProfileName)\n"
            "  --role-arn ARN  assume this role with the chain's credentials (awsRoleArn)\n"
            "  --time T        sign at this UTC time instead of now\n"
            "  --decode        print the signed URL instead of the token\n"
            "  --json          print {token, url, expires_ms, access_key_id, source}\n");
}

/* "20150830T123600Z" -> time_t (UTC). */
static int parse_amz_time(const char *s, time_t *out) {
    struct tm tm = {0};
    if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z') return -1;
    for (int i = 0; i < 15; i++)
        if (i != 8 && (s[i] < '0' || s[i] > '9')) return -1;
    tm.tm_year = atoi((char[]){s[0], s[1], s[2], s[3], 0}) - 1900;
    tm.tm_mon = atoi((char[]){s[4], s[5], 0}) - 1;
    tm.tm_mday = atoi((char[]){s[6], s[7], 0});
    tm.tm_hour = atoi((char[]){s[9], s[10], 0});
    tm.tm_min = atoi((char[]){s[11], s[12], 0});
    tm.tm_sec = atoi((char[]){s[13], s[14], 0});
    if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
        tm.tm_min > 59 || tm.tm_sec > 60)
        return -1;
    *out = timegm(&tm);
    return 0;
}

static int msk_iam_token_cmd(int argc, char **argv) {
    static const struct option opts[] = {
        {"region", required_argument, 0, 'r'},
        {"profile", required_argument, 0, 'p'},
        {"role-arn", required_argument, 0, 'a'},
        {"role-session-name", required_argument, 0, 's'},
        {"sts-region", required_argument, 0, 'S'},
        {"bootstrap", required_argument, 0, 'b'},
        {"time", required_argument, 0, 't'},
        {"decode", no_argument, 0, 'd'},
        {"json", no_argument, 0, 'j'},
        {"log-level", required_argument, 0, 'l'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    aws_provider_opts_t po = {0};
    const char *region = NULL, *bootstrap = NULL, *at = NULL;
    int decode = 0, json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'r': region = optarg; break;
        case 'p': po.profile = optarg; break;
        case 'a': po.role_arn = optarg; break;
        case 's': po.role_session_name = optarg; break;
        case 'S': po.sts_region = optarg; break;
        case 'b': bootstrap = optarg; break;
        case 't': at = optarg; break;
        case 'd': decode = 1; break;
        case 'j': json = 1; break;
        case 'l':
            if (cmd_set_log_level("auth", optarg)) return KMIG_EXIT_USAGE;
            break;
        case 'h': auth_usage(stdout); return KMIG_EXIT_OK;
        default: auth_usage(stderr); return KMIG_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "kmig auth msk-iam-token: unexpected argument '%s'\n", argv[optind]);
        return KMIG_EXIT_USAGE;
    }
    time_t when = time(NULL);
    if (at && parse_amz_time(at, &when)) {
        fprintf(stderr, "kmig auth msk-iam-token: --time must be YYYYMMDDTHHMMSSZ (UTC), not '%s'\n",
                at);
        return KMIG_EXIT_USAGE;
    }
    char err[1024], reg[MSK_IAM_REGION_MAX];
    aws_provider_t *p = aws_provider_new(&po);
    int rc = KMIG_EXIT_USAGE;
    aws_creds_t creds = {0};
    msk_iam_token_t tok = {0};
    sbuf_t url = {0};
    const char *source = NULL;
    if (kiam_region(region, bootstrap, p, reg, sizeof reg, err, sizeof err)) goto fail;
    /* The cluster's region also picks the regional STS endpoint for --role-arn. */
    aws_provider_destroy(p);
    po.region = reg;
    p = aws_provider_new(&po);
    if (aws_provider_get(p, clock_wall_ms(), &creds, &source, err, sizeof err)) goto fail;
    sigv4_creds_t sc = {creds.access_key_id, creds.secret_access_key, creds.session_token};
    if (msk_iam_token(&sc, creds.expiration_ms, reg, when, KIAM_USER_AGENT, &tok, err,
                      sizeof err) ||
        msk_iam_decode(tok.token, &url, err, sizeof err))
        goto fail;
    if (json) {
        json_t *o = json_object();
        json_object_set_new(o, "token", json_string(tok.token));
        json_object_set_new(o, "url", json_string(url.s));
        json_object_set_new(o, "expires_ms", json_integer(tok.lifetime_ms));
        json_object_set_new(o, "access_key_id", json_string(creds.access_key_id));
        json_object_set_new(o, "source", json_string(source));
        json_object_set_new(o, "region", json_string(reg));
        char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
        printf("%s\n", s);
        OPENSSL_cleanse(s, strlen(s));
        free(s);
        json_decref(o);
    } else {
        printf("%s\n", decode ? url.s : tok.token);
    }
    rc = KMIG_EXIT_OK;
    goto out;
fail:
    fprintf(stderr, "kmig auth msk-iam-token: %s\n", err);
out:
    if (url.s) OPENSSL_cleanse(url.s, url.cap);
    sbuf_free(&url);
    msk_iam_token_clear(&tok);
    aws_creds_clear(&creds);
    aws_provider_destroy(p);
    return rc;
}

int cmd_auth(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        auth_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? KMIG_EXIT_USAGE : KMIG_EXIT_OK;
    }
    if (!strcmp(argv[1], "msk-iam-token")) return msk_iam_token_cmd(argc - 1, argv + 1);
    fprintf(stderr, "kmig auth: '%s' is not an auth command (msk-iam-token)\n", argv[1]);
    return KMIG_EXIT_USAGE;
}

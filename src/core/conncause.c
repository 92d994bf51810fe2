/* Classifies librdkafka's connection error lines into the few causes a user
 * can act on (wrong protocol, untrusted certificate, bad credentials, nothing
 * listening), so that a command that cannot reach a cluster says so in one
 * line naming the cause and the settings to check, instead of forwarding a
 * wall of retries. Matching is on the fixed phrases librdkafka (2.0 to 2.8)
 * and OpenSSL put in those lines; anything unknown stays CONNCAUSE_NONE and
 * the caller reports the raw reason. */
#include "core/conncause.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool has(const char *s, const char *needle) { return strcasestr(s, needle) != NULL; }

conncause_t conncause_classify(const char *l) {
    if (!l) return CONNCAUSE_NONE;
    if (has(l, "SASL authentication error") || has(l, "Authentication failed") ||
        has(l, "SASL_AUTHENTICATION_FAILED") || has(l, "invalid credentials") ||
        has(l, "SASL SCRAM verification failed"))
        return CONNCAUSE_SASL_AUTH;
    if (has(l, "Unsupported SASL mechanism") || has(l, "UNSUPPORTED_SASL_MECHANISM") ||
        has(l, "does not support SASL mechanism"))
        return CONNCAUSE_SASL_MECH;
    if (has(l, "certificate verify failed") || has(l, "could not be verified") ||
        has(l, "0A000086"))
        return CONNCAUSE_TLS_VERIFY;
    /* the listener closed before its ServerHello: it did not read a ClientHello */
    if ((has(l, "SSL handshake failed") || has(l, "state SSL_HANDSHAKE")) &&
        (has(l, "PLAINTEXT broker listener") ||
         has(l, "wrong version number") || has(l, "packet length too long") ||
         has(l, "record layer failure") || has(l, "unexpected eof while reading")))
        return CONNCAUSE_TLS_ON_PLAIN;
    if (has(l, "client SSL authentication might be required") ||
        has(l, "alert certificate required") || has(l, "alert bad certificate") ||
        has(l, "alert unknown ca") || has(l, "unexpected message"))
        return CONNCAUSE_CLIENT_CERT;
    if (has(l, "connecting to a SSL listener") || has(l, "Invalid response size") ||
        has(l, "incorrect security.protocol"))
        return CONNCAUSE_PLAIN_ON_TLS;
    if (has(l, "SSL handshake failed") || has(l, "SSL_ERROR") || has(l, "ssl routines"))
        return CONNCAUSE_TLS_HANDSHAKE;
    if (has(l, "Connection refused") || has(l, "ECONNREFUSED")) return CONNCAUSE_REFUSED;
    if (has(l, "Failed to resolve") || has(l, "Name or service not known") ||
        has(l, "Temporary failure in name resolution"))
        return CONNCAUSE_RESOLVE;
    if (has(l, "timed out") || has(l, "Connection timed out")) return CONNCAUSE_TIMEOUT;
    return CONNCAUSE_NONE;
}

/* The enum is ordered from least to most specific. */
conncause_t conncause_better(conncause_t a, conncause_t b) { return b > a ? b : a; }

bool conncause_definitive(conncause_t c) {
    return c >= CONNCAUSE_TLS_HANDSHAKE;
}

const char *conncause_text(conncause_t c) {
    switch (c) {
    case CONNCAUSE_TIMEOUT: return "timed out (no answer from the bootstrap servers)";
    case CONNCAUSE_RESOLVE: return "cannot resolve the bootstrap host name";
    case CONNCAUSE_REFUSED: return "connection refused";
    case CONNCAUSE_TLS_HANDSHAKE: return "SSL handshake failed";
    case CONNCAUSE_PLAIN_ON_TLS: return "the listener speaks TLS";
    case CONNCAUSE_TLS_ON_PLAIN: return "SSL handshake failed: the listener does not speak TLS";
    case CONNCAUSE_CLIENT_CERT: return "SSL handshake failed: the broker refused the client certificate";
    case CONNCAUSE_TLS_VERIFY: return "SSL handshake failed: certificate verify failed";
    case CONNCAUSE_SASL_MECH: return "the broker does not enable this SASL mechanism";
    case CONNCAUSE_SASL_AUTH: return "SASL authentication failed";
    case CONNCAUSE_NONE: break;
    }
    return "no answer";
}

const char *conncause_hint(conncause_t c) {
    switch (c) {
    case CONNCAUSE_TIMEOUT: return "check bootstrap.servers and that the port is reachable";
    case CONNCAUSE_RESOLVE: return "check the host names in bootstrap.servers";
    case CONNCAUSE_REFUSED:
        return "nothing listens there: check bootstrap.servers and that the brokers run";
    case CONNCAUSE_TLS_HANDSHAKE: return "check security.protocol and the ssl.* settings";
    case CONNCAUSE_PLAIN_ON_TLS: return "set security.protocol=SSL or SASL_SSL";
    case CONNCAUSE_TLS_ON_PLAIN:
        return "it is a plaintext listener: set security.protocol=PLAINTEXT or SASL_PLAINTEXT, "
               "or use the TLS port";
    case CONNCAUSE_CLIENT_CERT:
        return "the listener requires a client certificate signed by a CA it trusts: "
               "check ssl.keystore.* / ssl.certificate.location and ssl.key.location";
    case CONNCAUSE_TLS_VERIFY:
        return "broker certificate not trusted: check ssl.truststore.* / ssl.ca.location, the "
               "certificate's dates and that it names the bootstrap host "
               "(ssl.endpoint.identification.algorithm)";
    case CONNCAUSE_SASL_MECH: return "check sasl.mechanism against the listener's mechanisms";
    case CONNCAUSE_SASL_AUTH:
        return "invalid username or password: check sasl.jaas.config and sasl.mechanism";
    case CONNCAUSE_NONE: break;
    }
    return "check bootstrap.servers and security.protocol";
}

/* OpenSSL's verify result (X509_verify_cert_error_string) says which check
 * failed; the hint follows it. */
static const char *verify_hint(const char *detail) {
    if (!detail) return NULL;
    if (has(detail, "expired") || has(detail, "not yet valid"))
        return "the broker's certificate is outside its validity dates (expired or not yet "
               "valid): renew it, or check this machine's clock";
    if (has(detail, "mismatch"))
        return "hostname mismatch: the broker's certificate does not name the host in "
               "bootstrap.servers; connect by a name it lists, or set "
               "ssl.endpoint.identification.algorithm= (empty) to skip the check";
    if (has(detail, "issuer") || has(detail, "self-signed") || has(detail, "self signed"))
        return "broker certificate not trusted: check ssl.truststore.* / ssl.ca.location";
    return NULL;
}

/* OAUTHBEARER (OIDC, MSK IAM): no user name or password to check. */
static const char *sasl_hint(const char *detail) {
    if (detail && (has(detail, "OAUTHBEARER") || has(detail, "token")))
        return "the bearer token could not be obtained or was refused: check the token "
               "source (OIDC: sasl.oauthbearer.*; MSK IAM: the AWS credentials, "
               "docs/SECURITY.md section 1)";
    return NULL;
}

void conncause_format(conncause_t c, const char *detail, char *out, size_t outsz) {
    const char *hint = c == CONNCAUSE_TLS_VERIFY ? verify_hint(detail)
                       : c == CONNCAUSE_SASL_AUTH ? sasl_hint(detail)
                                                  : NULL;
    snprintf(out, outsz, "cannot connect: %s%s%s (%s)", conncause_text(c),
             detail && *detail ? ": " : "", detail && *detail ? detail : "",
             hint ? hint : conncause_hint(c));
}

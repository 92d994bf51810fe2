#ifndef KMIG_CORE_CONNCAUSE_H
#define KMIG_CORE_CONNCAUSE_H
/* Why a client could not talk to a cluster, read from librdkafka's error and
 * log lines (pure: the lines are plain text here, so unit tests feed them
 * without a broker). Each cause has a stable phrase that tests and users grep
 * for, and a hint naming the settings to check.
 *
 * Stable phrases (docs/SECURITY.md "When a cluster cannot be reached"):
 *   "connection refused", "cannot resolve", "timed out", "speaks TLS",
 *   "does not speak TLS", "certificate verify failed", "authentication failed",
 *   "client certificate", "SASL mechanism", "SSL handshake failed". */
#include <stdbool.h>
#include <stddef.h>

typedef enum {
    CONNCAUSE_NONE = 0,
    CONNCAUSE_TIMEOUT,      /* no answer in time (filtered port, wrong host) */
    CONNCAUSE_RESOLVE,      /* the host name does not resolve */
    CONNCAUSE_REFUSED,      /* nothing listens on the port */
    CONNCAUSE_TLS_HANDSHAKE,/* another TLS failure */
    CONNCAUSE_PLAIN_ON_TLS, /* plaintext client, TLS listener */
    CONNCAUSE_TLS_ON_PLAIN, /* TLS client, plaintext listener */
    CONNCAUSE_CLIENT_CERT,  /* the broker wants (another) client certificate */
    CONNCAUSE_TLS_VERIFY,   /* the broker's certificate was not accepted */
    CONNCAUSE_SASL_MECH,    /* the broker does not enable the SASL mechanism */
    CONNCAUSE_SASL_AUTH,    /* wrong user name or password (or token) */
} conncause_t;

/* The cause one librdkafka error or log line shows, CONNCAUSE_NONE if none. */
conncause_t conncause_classify(const char *line);

/* Which of two causes says more (the more specific wins: an authentication
 * failure beats "connection refused" seen on another broker). */
conncause_t conncause_better(conncause_t a, conncause_t b);

/* True when retrying cannot help (configuration or credentials): the check
 * stops at once. Refused/timeout/resolve are transient: a broker may be
 * restarting. */
bool conncause_definitive(conncause_t c);

/* "SSL handshake failed: certificate verify failed" ... : the cause's stable
 * phrase, with a short what-to-do hint. Never NULL. */
const char *conncause_text(conncause_t c);
const char *conncause_hint(conncause_t c);

/* Writes "cannot connect: <text>[: <detail>] (<hint>)" into out. `detail`
 * (may be NULL) refines the cause, e.g. OpenSSL's verify result "certificate
 * has expired"; it must not hold secrets. */
void conncause_format(conncause_t c, const char *detail, char *out, size_t outsz);

#endif

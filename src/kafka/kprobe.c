/* Asks a broker which protocol versions it speaks with an ApiVersions v0
 * request of our own (librdkafka 2.0.2 keeps its answer to itself), over
 * plaintext or TLS, and estimates the Kafka release from the highest versions
 * of a few APIs. Every byte goes through one non-blocking socket with poll()
 * against a single deadline; TLS runs on memory BIOs on top of it, so OpenSSL
 * never touches the socket (and send(MSG_NOSIGNAL) means no SIGPIPE). */
#include "kafka/kprobe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/clock.h"
#include "core/sbuf.h" /* xmalloc */

/* Kafka API keys (the "apiKey" of each request spec) */
enum {
    API_PRODUCE = 0,
    API_FETCH = 1,
    API_LIST_OFFSETS = 2,
    API_METADATA = 3,
    API_LEADER_AND_ISR = 4,
    API_OFFSET_FETCH = 9,
    API_FIND_COORDINATOR = 10,
    API_JOIN_GROUP = 11,
    API_LEAVE_GROUP = 13,
    API_DESCRIBE_GROUPS = 15,
    API_LIST_GROUPS = 16,
    API_VERSIONS = 18,
    API_INIT_PRODUCER_ID = 22,
    API_CREATE_TOPICS = 19,
    API_ADD_PARTITIONS_TO_TXN = 24,
    API_DESCRIBE_ACLS = 29,
    API_DESCRIBE_LOG_DIRS = 35,
    API_DELETE_GROUPS = 42,
    API_ELECT_LEADERS = 43,
    API_INCREMENTAL_ALTER_CONFIGS = 44,
    API_OFFSET_DELETE = 47,
    API_DESCRIBE_CLIENT_QUOTAS = 48,
    API_DESCRIBE_USER_SCRAM_CREDENTIALS = 50,
    API_DESCRIBE_CLUSTER = 60,
    API_DESCRIBE_TRANSACTIONS = 65,
    API_LIST_TRANSACTIONS = 66,
};
enum { KPROBE_KEYS = 128 };           /* API keys kept; the table uses keys < 100 */
enum { KPROBE_MAX_ANSWER = 1 << 20 }; /* an ApiVersions answer is a few hundred bytes */

/* The release floor table: a broker that advertises `version` (or more) of
 * API `key` is at least `release`. Derived from Apache Kafka's own protocol
 * definitions: for 0.10.0 to 2.1 the request schemas at the tip of each
 * release branch of apache/kafka (Protocol.java, then the request classes),
 * for 2.2 to 3.9 the "validVersions" of the request specs there
 * (clients/src/main/resources/common/message/, files named ...Request.json),
 * for 4.0 and 4.1 the same files in the kafka-clients 4.0.0 and 4.1.2 jars.
 * Each row is a version that first appeared, as stable, in that release
 * ("latestVersionUnstable" versions are not advertised by default), on an API
 * brokers advertise in both ZooKeeper and KRaft mode (3.4 has only a
 * ZooKeeper-mode row, so a KRaft 3.4 broker reads as 3.3). Only highest
 * versions are used: Kafka 4.0 raised the lowest ones (Produce 3+, Fetch 4+)
 * and dropped ZooKeeper-only APIs, which leaves every row true for it. Rows
 * are in release order; the estimate is the last release with a row that
 * holds. Checked against real 0.10.0.0, 2.8.2 (ZooKeeper mode), 3.9.2 and
 * 4.1.2 brokers (tests/unit/test_kprobe.c). */
typedef struct kprobe_mark {
    const char *release;
    int16_t key, version;
} kprobe_mark_t;

static const kprobe_mark_t kprobe_marks[] = {
    {"0.10.0", API_VERSIONS, 0},
    {"0.10.1", API_FETCH, 3},
    {"0.10.1", API_LIST_OFFSETS, 1},
    {"0.10.1", API_METADATA, 2},
    {"0.10.2", API_OFFSET_FETCH, 2},
    {"0.10.2", API_CREATE_TOPICS, 1},
    {"0.11.0", API_PRODUCE, 3},
    {"0.11.0", API_FETCH, 5},
    {"0.11.0", API_VERSIONS, 1},
    {"1.0", API_PRODUCE, 5},
    {"1.0", API_FETCH, 6},
    {"1.0", API_METADATA, 5},
    {"1.1", API_FETCH, 7},
    {"1.1", API_DELETE_GROUPS, 0},
    {"2.0", API_PRODUCE, 6},
    {"2.0", API_FETCH, 8},
    {"2.0", API_LIST_OFFSETS, 3},
    {"2.0", API_VERSIONS, 2},
    {"2.1", API_PRODUCE, 7},
    {"2.1", API_FETCH, 10},
    {"2.1", API_LIST_OFFSETS, 4},
    {"2.2", API_LIST_OFFSETS, 5},
    {"2.2", API_ELECT_LEADERS, 0},
    {"2.3", API_FETCH, 11},
    {"2.3", API_INCREMENTAL_ALTER_CONFIGS, 0},
    {"2.4", API_PRODUCE, 8},
    {"2.4", API_VERSIONS, 3},
    {"2.4", API_OFFSET_DELETE, 0},
    {"2.5", API_JOIN_GROUP, 7},
    {"2.5", API_OFFSET_FETCH, 7},
    {"2.5", API_DESCRIBE_ACLS, 2},
    {"2.6", API_LIST_GROUPS, 4},
    {"2.6", API_DESCRIBE_CLIENT_QUOTAS, 0},
    {"2.7", API_FETCH, 12},
    {"2.7", API_DESCRIBE_USER_SCRAM_CREDENTIALS, 0},
    {"2.8", API_PRODUCE, 9},
    {"2.8", API_LIST_OFFSETS, 6},
    {"2.8", API_METADATA, 11},
    {"2.8", API_DESCRIBE_CLUSTER, 0},
    {"3.0", API_LIST_OFFSETS, 7},
    {"3.0", API_OFFSET_FETCH, 8},
    {"3.0", API_DESCRIBE_TRANSACTIONS, 0},
    {"3.1", API_FETCH, 13},
    {"3.1", API_METADATA, 12},
    {"3.2", API_JOIN_GROUP, 9},
    {"3.2", API_LEAVE_GROUP, 5},
    {"3.3", API_DESCRIBE_ACLS, 3},
    {"3.3", API_DESCRIBE_LOG_DIRS, 4},
    {"3.4", API_LEADER_AND_ISR, 7},
    {"3.5", API_FETCH, 15},
    {"3.5", API_LIST_OFFSETS, 8},
    {"3.6", API_ADD_PARTITIONS_TO_TXN, 4},
    {"3.7", API_PRODUCE, 10},
    {"3.7", API_FETCH, 16},
    {"3.7", API_DESCRIBE_CLUSTER, 1},
    {"3.8", API_PRODUCE, 11},
    {"3.8", API_FIND_COORDINATOR, 5},
    {"3.8", API_LIST_GROUPS, 5},
    {"3.9", API_FETCH, 17},
    {"3.9", API_LIST_OFFSETS, 9},
    {"3.9", API_VERSIONS, 4},
    {"3.9", API_FIND_COORDINATOR, 6},
    {"4.0", API_PRODUCE, 12},
    {"4.0", API_LIST_OFFSETS, 10},
    {"4.0", API_METADATA, 13},
    {"4.0", API_DESCRIBE_GROUPS, 6},
    {"4.1", API_PRODUCE, 13},
    {"4.1", API_FETCH, 18},
    {"4.1", API_LIST_TRANSACTIONS, 2},
};

void kprobe_estimate(const int *api_max, int napi, char *out, size_t outsz) {
    const char *release = "< 0.10";
    for (size_t i = 0; i < sizeof kprobe_marks / sizeof kprobe_marks[0]; i++) {
        const kprobe_mark_t *m = &kprobe_marks[i];
        if (m->key < napi && api_max[m->key] >= m->version) release = m->release;
    }
    snprintf(out, outsz, "%s", release);
}

/* One connection to one broker, with everything its helpers need to report. */
typedef struct kprobe_conn {
    const char *host;
    int port;
    int fd;
    SSL *ssl;         /* NULL for plaintext; its BIOs are memory buffers */
    int64_t deadline; /* clock_mono_ms() */
    long verify;      /* OpenSSL's verify result of a failed handshake */
    char *err;
    size_t errsz;
} kprobe_conn_t;

static int conn_fail(kprobe_conn_t *c, const char *doing, int e) {
    snprintf(c->err, c->errsz, "%s:%d: %s: %s", c->host, c->port, doing, strerror(e));
    return -1;
}

/* Waits until the socket is ready for `events` or the deadline passes. */
static int conn_wait(kprobe_conn_t *c, short events, const char *doing) {
    for (;;) {
        int64_t left = c->deadline - clock_mono_ms();
        if (left <= 0) {
            snprintf(c->err, c->errsz, "%s:%d: timed out %s", c->host, c->port, doing);
            return -1;
        }
        struct pollfd p = {.fd = c->fd, .events = events};
        int r = poll(&p, 1, (int)left);
        if (r > 0) return 0; /* also on POLLERR/POLLHUP: the next call reports them */
        if (r < 0 && errno != EINTR) return conn_fail(c, "poll", errno);
    }
}

static int sock_send(kprobe_conn_t *c, const unsigned char *p, size_t n) {
    while (n) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (conn_wait(c, POLLOUT, "sending")) return -1;
        } else {
            return conn_fail(c, "send", errno);
        }
    }
    return 0;
}

/* Receives up to cap bytes, waiting for at least one: the count, 0 at the
 * end of the stream, -1 on error. */
static ssize_t sock_recv(kprobe_conn_t *c, unsigned char *p, size_t cap) {
    for (;;) {
        ssize_t r = recv(c->fd, p, cap, 0);
        if (r >= 0) return r;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (conn_wait(c, POLLIN, "waiting for the broker's answer")) return -1;
        } else if (errno != EINTR) {
            return conn_fail(c, "receive", errno);
        }
    }
}

/* Connects to the first address of host that accepts before the deadline. */
static int conn_open(kprobe_conn_t *c) {
    char port[16];
    snprintf(port, sizeof port, "%d", c->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
    int rc = getaddrinfo(c->host, port, &hints, &res);
    if (rc) {
        snprintf(c->err, c->errsz, "%s:%d: cannot resolve the host: %s", c->host, c->port,
                 gai_strerror(rc));
        return -1;
    }
    int last = ECONNREFUSED;
    rc = -1;
    for (struct addrinfo *ai = res; ai && rc == -1; ai = ai->ai_next) {
        c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                       ai->ai_protocol);
        if (c->fd < 0) {
            last = errno;
            continue;
        }
        int e = connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
        if (e == EINPROGRESS) {
            socklen_t len = sizeof e;
            if (conn_wait(c, POLLOUT, "connecting")) {
                rc = -2; /* the deadline is spent; err says so */
                break;
            }
            if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len)) e = errno;
        }
        if (e == 0) {
            rc = 0;
        } else {
            last = e;
            close(c->fd);
            c->fd = -1;
        }
    }
    freeaddrinfo(res);
    if (rc == -1) conn_fail(c, "cannot connect", last);
    return rc == 0 ? 0 : -1;
}

typedef enum { TLS_HANDSHAKE, TLS_WRITE, TLS_READ } tls_op_t;

static int tls_fail(kprobe_conn_t *c, tls_op_t op) {
    long verify = c->ssl ? SSL_get_verify_result(c->ssl) : X509_V_OK;
    c->verify = verify;
    unsigned long e = ERR_peek_last_error();
    const char *reason = "the connection failed", *hint = "";
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        reason = X509_verify_cert_error_string(verify);
        hint = " (the broker's certificate does not name this host; "
               "ssl.endpoint.identification.algorithm=none skips the check)";
    } else if (verify != X509_V_OK) {
        reason = X509_verify_cert_error_string(verify);
        hint = " (ssl.ca.location must hold the CA that signed the broker's certificate)";
    } else if (e) {
        reason = ERR_reason_error_string(e);
        if (ERR_GET_REASON(e) == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE ||
            ERR_GET_REASON(e) == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED)
            hint = " (the broker wants a client certificate it trusts: "
                   "ssl.certificate.location, ssl.key.location)";
    }
    snprintf(c->err, c->errsz, "%s:%d: TLS %s failed: %s%s", c->host, c->port,
             op == TLS_HANDSHAKE ? "handshake" : "I/O", reason ? reason : "unknown error", hint);
    return -1;
}

/* Runs one TLS call until it completes, moving records between the memory
 * BIOs and the socket. Returns the call's result (> 0), 0 when the broker
 * closed the connection while we read, -1 on error. */
static int tls_call(kprobe_conn_t *c, tls_op_t op, void *buf, int n) {
    for (;;) {
        ERR_clear_error();
        int r = op == TLS_HANDSHAKE ? SSL_connect(c->ssl)
                : op == TLS_WRITE   ? SSL_write(c->ssl, buf, n)
                                    : SSL_read(c->ssl, buf, n);
        int e = SSL_get_error(c->ssl, r);
        unsigned char rec[16384];
        int k;
        /* send what OpenSSL wrote: ClientHello, data, alerts */
        while ((k = BIO_read(SSL_get_wbio(c->ssl), rec, sizeof rec)) > 0)
            if (sock_send(c, rec, (size_t)k)) return -1;
        if (r > 0) return r;
        if (e == SSL_ERROR_ZERO_RETURN && op == TLS_READ) return 0;
        if (e != SSL_ERROR_WANT_READ) return tls_fail(c, op);
        ssize_t got = sock_recv(c, rec, sizeof rec);
        if (got < 0) return -1;
        if (got == 0 && op == TLS_READ) return 0;
        if (got == 0) {
            snprintf(c->err, c->errsz,
                     "%s:%d: the broker closed the connection during the TLS handshake (is "
                     "this a TLS listener? does it require a client certificate?)",
                     c->host, c->port);
            return -1;
        }
        BIO_write(SSL_get_rbio(c->ssl), rec, (int)got);
    }
}

static bool setting_is(const kv_list_t *client, const char *key, const char *value) {
    const char *v = kv_list_get(client, key);
    return v && !strcasecmp(v, value);
}

static bool setting_set(const kv_list_t *client, const char *key) {
    const char *v = kv_list_get(client, key);
    return v && *v;
}

static int kprobe_password_cb(char *buf, int size, int rwflag, void *u) {
    (void)rwflag;
    const char *pass = u;
    int n = pass ? (int)strlen(pass) : 0;
    if (n > size) n = size;
    if (n) memcpy(buf, pass, (size_t)n);
    return n;
}

/* The CA certificates of an inline PEM value (ssl.ca.pem) into ctx's store. */
static int tls_ca_pem(SSL_CTX *ctx, const char *pem) {
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509_STORE *st = SSL_CTX_get_cert_store(ctx);
    X509 *x;
    int n = 0;
    while (b && (x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
        if (X509_STORE_add_cert(st, x) == 1) n++;
        X509_free(x);
    }
    ERR_clear_error(); /* the end of the buffer reads as an error */
    BIO_free(b);
    return n > 0 ? 0 : -1;
}

/* An inline PEM certificate chain (ssl.certificate.pem): the first is the
 * client's certificate, the rest its chain. */
static int tls_cert_pem(SSL_CTX *ctx, const char *pem) {
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    int rc = x && SSL_CTX_use_certificate(ctx, x) == 1 ? 0 : -1;
    X509_free(x);
    while (rc == 0 && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)))
        if (SSL_CTX_add_extra_chain_cert(ctx, x) != 1) { /* takes x on success */
            X509_free(x);
            rc = -1;
        }
    if (rc == 0) ERR_clear_error();
    BIO_free(b);
    return rc;
}

/* An inline PEM private key (ssl.key.pem), encrypted with `pass` or not. */
static int tls_key_pem(SSL_CTX *ctx, const char *pem, const char *pass) {
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, kprobe_password_cb, (void *)pass) : NULL;
    int rc = k && SSL_CTX_use_PrivateKey(ctx, k) == 1 ? 0 : -1;
    EVP_PKEY_free(k);
    BIO_free(b);
    return rc;
}

/* A PKCS12 keystore (ssl.keystore.location, ssl.keystore.password): key,
 * certificate and chain, as librdkafka reads it. */
static int tls_keystore(SSL_CTX *ctx, const char *path, const char *pass) {
    BIO *b = BIO_new_file(path, "rb");
    PKCS12 *p12 = b ? d2i_PKCS12_bio(b, NULL) : NULL;
    EVP_PKEY *k = NULL;
    X509 *x = NULL;
    STACK_OF(X509) *ca = NULL;
    int rc = p12 && PKCS12_parse(p12, pass ? pass : "", &k, &x, &ca) == 1 && x && k &&
                     SSL_CTX_use_certificate(ctx, x) == 1 && SSL_CTX_use_PrivateKey(ctx, k) == 1
                 ? 0
                 : -1;
    for (int i = 0; rc == 0 && ca && i < sk_X509_num(ca); i++) {
        X509 *c = sk_X509_value(ca, i);
        if (SSL_CTX_add_extra_chain_cert(ctx, c) == 1)
            sk_X509_set(ca, i, NULL); /* ctx owns it now */
        else
            rc = -1;
    }
    sk_X509_pop_free(ca, X509_free);
    X509_free(x);
    EVP_PKEY_free(k);
    PKCS12_free(p12);
    BIO_free(b);
    return rc;
}

/* Sets up TLS as librdkafka would with the same settings (CA, client
 * certificate and key from files, inline PEM values or a PKCS12 keystore;
 * certificate and hostname verification), then handshakes. */
static int tls_start(kprobe_conn_t *c, const kv_list_t *client) {
    const char *ca = kv_list_get(client, "ssl.ca.location");
    const char *ca_pem = kv_list_get(client, "ssl.ca.pem");
    const char *cert = kv_list_get(client, "ssl.certificate.location");
    const char *cert_pem = kv_list_get(client, "ssl.certificate.pem");
    const char *key = kv_list_get(client, "ssl.key.location");
    const char *key_pem = kv_list_get(client, "ssl.key.pem");
    const char *pass = kv_list_get(client, "ssl.key.password");
    const char *store = kv_list_get(client, "ssl.keystore.location");
    const char *store_pass = kv_list_get(client, "ssl.keystore.password");
    const char *algo = kv_list_get(client, "ssl.endpoint.identification.algorithm");
    bool verify = !setting_is(client, "enable.ssl.certificate.verification", "false");
    bool check_host = verify && !(algo && (!*algo || !strcasecmp(algo, "none")));
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) return tls_fail(c, TLS_HANDSHAKE);
    const char *what = NULL, *path = NULL;
    if (pass) {
        SSL_CTX_set_default_passwd_cb(ctx, kprobe_password_cb);
        SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)pass);
    }
    if (ca_pem && *ca_pem) {
        if (tls_ca_pem(ctx, ca_pem)) what = "ssl.ca.pem";
    } else if (ca && *ca && strcmp(ca, "probe")) {
        struct stat st;
        bool dir = stat(ca, &st) == 0 && S_ISDIR(st.st_mode);
        if (SSL_CTX_load_verify_locations(ctx, dir ? NULL : ca, dir ? ca : NULL) != 1)
            what = "ssl.ca.location", path = ca;
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        what = "the system's CA certificates", path = X509_get_default_cert_file();
    }
    if (!what && setting_set(client, "ssl.certificate.pem") && tls_cert_pem(ctx, cert_pem))
        what = "ssl.certificate.pem";
    else if (!what && !setting_set(client, "ssl.certificate.pem") && cert && *cert &&
             SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
        what = "ssl.certificate.location", path = cert;
    if (!what && setting_set(client, "ssl.key.pem") && tls_key_pem(ctx, key_pem, pass))
        what = "ssl.key.pem";
    else if (!what && !setting_set(client, "ssl.key.pem") && key && *key &&
             SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
        what = "ssl.key.location", path = key;
    if (!what && store && *store && !setting_set(client, "ssl.certificate.pem") &&
        !(cert && *cert) && tls_keystore(ctx, store, store_pass))
        what = "ssl.keystore.location", path = store;
    if (what) {
        const char *reason = path && access(path, R_OK) ? strerror(errno)
                                                        : ERR_reason_error_string(ERR_peek_error());
        /* inline values are not echoed: they may hold a key */
        snprintf(c->err, c->errsz, "cannot load %s%s%s%s: %s", what, path ? " (" : "",
                 path ? path : "", path ? ")" : "", reason ? reason : "unusable value");
        SSL_CTX_free(ctx);
        return -1;
    }
    SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
    c->ssl = SSL_new(ctx);
    SSL_CTX_free(ctx); /* c->ssl holds its own reference */
    if (!c->ssl) return tls_fail(c, TLS_HANDSHAKE);
    SSL_set_bio(c->ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem())); /* records in, out */
    unsigned char addr[sizeof(struct in6_addr)];
    bool ip = inet_pton(AF_INET, c->host, addr) == 1 || inet_pton(AF_INET6, c->host, addr) == 1;
    if (!ip) SSL_set_tlsext_host_name(c->ssl, c->host); /* SNI takes names only */
    if (check_host && (ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), c->host)
                          : SSL_set1_host(c->ssl, c->host)) != 1)
        return tls_fail(c, TLS_HANDSHAKE);
    return tls_call(c, TLS_HANDSHAKE, NULL, 0) > 0 ? 0 : -1;
}

/* Reads n bytes, or fewer when the stream ends: the count, or -1. */
static ssize_t conn_read(kprobe_conn_t *c, unsigned char *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = c->ssl ? tls_call(c, TLS_READ, buf + got, (int)(n - got))
                           : sock_recv(c, buf + got, n - got);
        if (r < 0) return -1;
        if (r == 0) break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static int conn_write(kprobe_conn_t *c, const unsigned char *buf, size_t n) {
    if (!c->ssl) return sock_send(c, buf, n);
    return tls_call(c, TLS_WRITE, (void *)buf, (int)n) > 0 ? 0 : -1;
}

static int32_t get32(const unsigned char *p) {
    return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

static int16_t get16(const unsigned char *p) { return (int16_t)((uint16_t)p[0] << 8 | p[1]); }

enum { KPROBE_CORRELATION_ID = 1 };

/* Reads an ApiVersions v0 answer body (after its size): correlation id,
 * error, [api key, min, max]. UNSUPPORTED_VERSION (35) still lists the
 * versions, so it is no failure. */
static int kprobe_parse(kprobe_conn_t *c, const unsigned char *p, size_t n, kprobe_result_t *out) {
    int api_max[KPROBE_KEYS];
    for (int k = 0; k < KPROBE_KEYS; k++) api_max[k] = -1;
    int32_t count = n >= 10 ? get32(p + 6) : -1;
    if (n < 10 || get32(p) != KPROBE_CORRELATION_ID || count < 0 ||
        (size_t)count > (n - 10) / 6) {
        snprintf(c->err, c->errsz, "%s:%d: malformed ApiVersions answer (%zu bytes)", c->host,
                 c->port, n);
        return -1;
    }
    int16_t error = get16(p + 4);
    if (error && error != 35) {
        snprintf(c->err, c->errsz, "%s:%d: ApiVersions failed with error code %d", c->host,
                 c->port, error);
        return -1;
    }
    for (int32_t i = 0; i < count; i++) {
        const unsigned char *a = p + 10 + 6 * (size_t)i;
        int16_t key = get16(a);
        if (key >= 0 && key < KPROBE_KEYS) api_max[key] = get16(a + 4);
    }
    out->api_count = count;
    out->produce_max = api_max[API_PRODUCE];
    out->fetch_max = api_max[API_FETCH];
    out->api_versions_max = api_max[API_VERSIONS];
    out->describe_groups_max = api_max[API_DESCRIBE_GROUPS];
    out->init_producer_id_max = api_max[API_INIT_PRODUCER_ID];
    kprobe_estimate(api_max, KPROBE_KEYS, out->version, sizeof out->version);
    return 0;
}

int kprobe_broker(const char *host, int port, const kv_list_t *client, int timeout_ms,
                  kprobe_result_t *out, char *err, size_t errsz) {
    /* ApiVersions v0: size, api key 18, version 0, correlation id, client id */
    static const unsigned char req[] = {0, 0, 0, 14, 0, API_VERSIONS, 0, 0,
                                        0, 0, 0, KPROBE_CORRELATION_ID,
                                        0, 4, 'k', 'm', 'i', 'g'};
    memset(out, 0, sizeof *out);
    out->fetch_max = out->produce_max = out->api_versions_max = out->describe_groups_max =
        out->init_producer_id_max = -1;
    const char *proto = client ? kv_list_get(client, "security.protocol") : NULL;
    bool tls = proto && (!strcasecmp(proto, "ssl") || !strcasecmp(proto, "sasl_ssl"));
    kprobe_conn_t c = {.host = host, .port = port, .fd = -1, .err = err, .errsz = errsz,
                       .deadline = clock_mono_ms() + timeout_ms};
    unsigned char size[4], *body = NULL;
    int rc = -1;
    if (conn_open(&c) || (tls && tls_start(&c, client)) || conn_write(&c, req, sizeof req))
        goto done;
    ssize_t got = conn_read(&c, size, sizeof size);
    if (got == 0) { /* brokers before 0.10.0 close on an API they do not know */
        snprintf(out->version, sizeof out->version, "< 0.10");
        rc = 0;
    } else if (got == (ssize_t)sizeof size) {
        int32_t n = get32(size);
        if (n < 10 || n > KPROBE_MAX_ANSWER) {
            snprintf(err, errsz, "%s:%d: not a Kafka answer (announces %d bytes)%s", host, port,
                     n, tls ? "" : "; is this a TLS listener (security.protocol)?");
        } else {
            body = xmalloc((size_t)n);
            got = conn_read(&c, body, (size_t)n);
            if (got == n)
                rc = kprobe_parse(&c, body, (size_t)n, out);
            else if (got >= 0)
                snprintf(err, errsz, "%s:%d: the broker closed the connection mid-answer", host,
                         port);
        }
    } else if (got > 0) {
        snprintf(err, errsz, "%s:%d: the broker closed the connection mid-answer", host, port);
    }
done:
    free(body);
    SSL_free(c.ssl); /* frees the BIOs */
    if (c.fd >= 0) close(c.fd);
    return rc;
}

int kprobe_tls_check(const char *host, int port, const kv_list_t *client, int timeout_ms,
                     char *why, size_t whysz) {
    kprobe_conn_t c = {.host = host, .port = port, .fd = -1, .err = why, .errsz = whysz,
                       .deadline = clock_mono_ms() + timeout_ms, .verify = X509_V_OK};
    int rc = conn_open(&c) || tls_start(&c, client) ? -1 : 0;
    if (rc && c.verify != X509_V_OK)
        snprintf(why, whysz, "%s", X509_verify_cert_error_string(c.verify));
    SSL_free(c.ssl);
    if (c.fd >= 0) close(c.fd);
    return rc;
}

/* Reads the group offsets old Kafka consumers kept in ZooKeeper, with the
 * synchronous API of the multi-threaded ZooKeeper C client (libzookeeper_mt):
 * open a session and wait for it, walk /consumers/<group>/offsets/<topic>/
 * <partition>, parse each znode's decimal offset. The client's own log goes to
 * kmig's log at debug level, or nowhere. */
#define THREADED /* declares the synchronous API of libzookeeper_mt */
#include "zk/zk_offsets.h"

#include <ctype.h>
#include <errno.h> /* ETIMEDOUT */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zookeeper/zookeeper.h>

#include "core/log.h"
#include "core/sbuf.h"

int zk_offset_parse(const char *data, int len, int64_t *offset) {
    int i = 0, start;
    int64_t v = 0;
    if (!data) return -1;
    while (i < len && isspace((unsigned char)data[i])) i++;
    for (start = i; i < len && data[i] >= '0' && data[i] <= '9'; i++) {
        int d = data[i] - '0';
        if (v > (INT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    if (i == start) return -1;
    while (i < len && isspace((unsigned char)data[i])) i++;
    if (i != len) return -1;
    *offset = v;
    return 0;
}

/* A partition node's name: a decimal int32, nothing else. */
static int parse_partition(const char *name, int32_t *partition) {
    int64_t v = 0;
    if (!*name || strlen(name) > 10) return -1;
    for (const char *p = name; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        v = v * 10 + (*p - '0');
    }
    if (v > INT32_MAX) return -1;
    *partition = (int32_t)v;
    return 0;
}

void zk_offsets_clear(zk_offsets_t *offsets) {
    if (!offsets) return;
    for (size_t i = 0; i < offsets->n; i++) {
        free(offsets->v[i].group);
        free(offsets->v[i].topic);
    }
    free(offsets->v);
    offsets->v = NULL;
    offsets->n = 0;
}

/* ---- the session ---- */

typedef struct session {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int state; /* the last session state the watcher saw, 0 before any */
} session_t;

static void on_event(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    session_t *s = ctx;
    (void)zh;
    (void)path;
    if (type != ZOO_SESSION_EVENT) return;
    pthread_mutex_lock(&s->mu);
    s->state = state;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
}

static void on_client_log(const char *message) { log_debug("zookeeper client: %s", message); }

/* Waits until the session is connected (0) or has failed for good or the
 * timeout passed (-1, with the reason in err). */
static int wait_connected(session_t *s, const char *connect, int timeout_ms, char *err,
                          size_t errsz) {
    struct timespec deadline;
    int rc = 0, state;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->mu);
    while (s->state != ZOO_CONNECTED_STATE && s->state != ZOO_EXPIRED_SESSION_STATE &&
           s->state != ZOO_AUTH_FAILED_STATE && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&s->cond, &s->mu, &deadline);
    state = s->state;
    pthread_mutex_unlock(&s->mu);
    if (state == ZOO_CONNECTED_STATE) return 0;
    if (state == ZOO_AUTH_FAILED_STATE)
        snprintf(err, errsz, "ZooKeeper %s: authentication failed", connect);
    else if (state == ZOO_EXPIRED_SESSION_STATE)
        snprintf(err, errsz, "ZooKeeper %s: the session expired while connecting", connect);
    else
        snprintf(err, errsz, "ZooKeeper %s: no connection within %d ms (is it running there?)",
                 connect, timeout_ms);
    return -1;
}

/* ---- the walk ---- */

typedef struct reader {
    zhandle_t *zh;
    const char *connect;
    zk_offsets_t *out;
    size_t cap;
    char *err;
    size_t errsz;
} reader_t;

/* Children of path: 0, 1 if the node does not exist, -1 on error. */
static int children(reader_t *r, const char *path, struct String_vector *kids) {
    memset(kids, 0, sizeof *kids);
    int rc = zoo_get_children(r->zh, path, 0, kids);
    if (rc == ZOK) return 0;
    if (rc == ZNONODE) return 1;
    snprintf(r->err, r->errsz, "ZooKeeper %s: listing %s: %s", r->connect, path, zerror(rc));
    return -1;
}

/* Data for an error message: printable characters only, at most 32. */
static void printable(char *dst, size_t dstsz, const char *data, int len) {
    size_t n = 0;
    for (int i = 0; i < len && n + 1 < dstsz && n < 32; i++)
        dst[n++] = isprint((unsigned char)data[i]) ? data[i] : '?';
    dst[n] = '\0';
}

static void add(reader_t *r, const char *group, const char *topic, int32_t partition,
                int64_t offset) {
    zk_offsets_t *o = r->out;
    if (o->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        o->v = xrealloc(o->v, r->cap * sizeof *o->v);
    }
    o->v[o->n++] = (zk_offset_t){xstrdup(group), xstrdup(topic), partition, offset};
}

/* One partition node: 0 (also when it vanished meanwhile), -1 on error. */
static int read_partition(reader_t *r, const char *path, const char *group, const char *topic,
                          const char *name) {
    char data[64], shown[40];
    int len = (int)sizeof data;
    struct Stat st;
    int32_t partition;
    int64_t offset;
    if (parse_partition(name, &partition) < 0) {
        snprintf(r->err, r->errsz, "ZooKeeper %s: %s: '%s' is not a partition number",
                 r->connect, path, name);
        return -1;
    }
    int rc = zoo_get(r->zh, path, 0, data, &len, &st);
    if (rc == ZNONODE) return 0;
    if (rc != ZOK) {
        snprintf(r->err, r->errsz, "ZooKeeper %s: reading %s: %s", r->connect, path, zerror(rc));
        return -1;
    }
    if (len < 0) {
        snprintf(r->err, r->errsz, "ZooKeeper %s: %s has no data, not an offset", r->connect,
                 path);
        return -1;
    }
    if (st.dataLength > (int)sizeof data || zk_offset_parse(data, len, &offset) < 0) {
        printable(shown, sizeof shown, data, len);
        snprintf(r->err, r->errsz, "ZooKeeper %s: %s holds '%s%s', not an offset", r->connect,
                 path, shown, st.dataLength > 32 ? "..." : "");
        return -1;
    }
    add(r, group, topic, partition, offset);
    return 0;
}

static int read_group(reader_t *r, const char *group) {
    sbuf_t path = {0};
    struct String_vector topics, parts;
    int rc;
    sbuf_printf(&path, "/consumers/%s/offsets", group);
    rc = children(r, sbuf_str(&path), &topics);
    if (rc != 0) {
        sbuf_free(&path);
        return rc < 0 ? -1 : 0;
    }
    rc = 0;
    for (int t = 0; t < topics.count && rc == 0; t++) {
        const char *topic = topics.data[t];
        sbuf_reset(&path);
        sbuf_printf(&path, "/consumers/%s/offsets/%s", group, topic);
        int c = children(r, sbuf_str(&path), &parts);
        if (c < 0) rc = -1;
        for (int p = 0; c == 0 && p < parts.count && rc == 0; p++) {
            sbuf_reset(&path);
            sbuf_printf(&path, "/consumers/%s/offsets/%s/%s", group, topic, parts.data[p]);
            rc = read_partition(r, sbuf_str(&path), group, topic, parts.data[p]);
        }
        deallocate_String_vector(&parts);
    }
    deallocate_String_vector(&topics);
    sbuf_free(&path);
    return rc;
}

static int read_all(reader_t *r, const char *const *groups) {
    struct String_vector all;
    int rc = 0;
    if (groups) {
        for (; *groups && rc == 0; groups++) rc = read_group(r, *groups);
        return rc;
    }
    rc = children(r, "/consumers", &all);
    if (rc != 0) return rc < 0 ? -1 : 0;
    for (int g = 0; g < all.count && rc == 0; g++) rc = read_group(r, all.data[g]);
    deallocate_String_vector(&all);
    return rc;
}

static int offset_cmp(const void *a, const void *b) {
    const zk_offset_t *x = a, *y = b;
    int c = strcmp(x->group, y->group);
    if (!c) c = strcmp(x->topic, y->topic);
    if (!c) c = (x->partition > y->partition) - (x->partition < y->partition);
    return c;
}

int zk_offsets_read(const char *connect, const char *const *groups, int timeout_ms,
                    zk_offsets_t *out, char *err, size_t errsz) {
    session_t s = {.state = 0};
    pthread_condattr_t attr;
    reader_t r = {.connect = connect, .out = out, .err = err, .errsz = errsz};
    int rc;

    zk_offsets_clear(out);
    if (!connect || !*connect) {
        snprintf(err, errsz, "no ZooKeeper address given (host:port[/chroot])");
        return -1;
    }
    if (timeout_ms <= 0) {
        snprintf(err, errsz, "ZooKeeper %s: timeout must be positive", connect);
        return -1;
    }
    for (const char *const *g = groups; g && *g; g++) {
        if (!**g || strchr(*g, '/')) {
            snprintf(err, errsz, "group name '%s' cannot be a ZooKeeper node name", *g);
            return -1;
        }
    }
    pthread_mutex_init(&s.mu, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s.cond, &attr);
    pthread_condattr_destroy(&attr);
    /* Process-wide: 0 silences the client altogether. */
    zoo_set_debug_level(log_get_level() >= LL_DEBUG ? ZOO_LOG_LEVEL_INFO : (ZooLogLevel)0);

    r.zh = zookeeper_init2(connect, on_event, timeout_ms, NULL, &s, 0, on_client_log);
    if (!r.zh) {
        snprintf(err, errsz, "ZooKeeper %s: not a usable address (host:port[,host:port...]"
                 "[/chroot], every host resolvable)", connect);
        rc = -1;
    } else {
        rc = wait_connected(&s, connect, timeout_ms, err, errsz);
        if (rc == 0) rc = read_all(&r, groups);
        zookeeper_close(r.zh);
    }
    pthread_cond_destroy(&s.cond);
    pthread_mutex_destroy(&s.mu);
    if (rc < 0) {
        zk_offsets_clear(out);
        return -1;
    }
    if (out->n > 1) qsort(out->v, out->n, sizeof *out->v, offset_cmp);
    log_debug("ZooKeeper %s: %zu group offsets read", connect, out->n);
    return 0;
}

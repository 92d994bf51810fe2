/* Consumer-group admin calls (see kgroups.h). */
#include "kafka/kgroups.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/sbuf.h"
#include "kafka/compat.h"
#include "kafka/kadmin.h"
#include "kafka/kclient.h"
#include "kafka/kprobe.h"

void kgroup_offsets_add(kgroup_offsets_t *l, const char *topic, int32_t partition, int64_t offset) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = (kgroup_offset_t){xstrdup(topic), partition, offset, NULL};
}

void kgroup_offsets_clear(kgroup_offsets_t *l) {
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].topic);
        free(l->v[i].error);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static rd_kafka_AdminOptions_t *kgroups_options(rd_kafka_t *rk, rd_kafka_admin_op_t op,
                                                int timeout_ms) {
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, op);
    rd_kafka_AdminOptions_set_request_timeout(o, timeout_ms, NULL, 0);
    return o;
}

int kgroups_list(rd_kafka_t *rk, int timeout_ms, char ***names, char *err, size_t errsz) {
    *names = NULL;
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o =
        kgroups_options(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeout_ms);
    rd_kafka_ListConsumerGroups(rk, o, q);
    rd_kafka_event_t *ev = kadmin_wait(q, timeout_ms, err, errsz, "ListConsumerGroups");
    int rc = -1;
    if (ev) {
        const rd_kafka_ListConsumerGroups_result_t *res = rd_kafka_event_ListConsumerGroups_result(ev);
        size_t n, nerr;
        const rd_kafka_ConsumerGroupListing_t **v = rd_kafka_ListConsumerGroups_result_valid(res, &n);
        const rd_kafka_error_t **errs = rd_kafka_ListConsumerGroups_result_errors(res, &nerr);
        if (nerr && !n) {
            snprintf(err, errsz, "ListConsumerGroups: %s", rd_kafka_error_string(errs[0]));
        } else {
            *names = xcalloc(n + 1, sizeof **names);
            for (size_t i = 0; i < n; i++)
                (*names)[i] = xstrdup(rd_kafka_ConsumerGroupListing_group_id(v[i]));
            rc = 0;
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    return rc;
}

void kgroups_names_free(char **names) {
    for (char **p = names; p && *p; p++) free(*p);
    free(names);
}

static rd_kafka_topic_partition_list_t *kgroups_tplist(const kgroup_offsets_t *l, bool offsets) {
    rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new((int)l->n + 1);
    for (size_t i = 0; i < l->n; i++)
        rd_kafka_topic_partition_list_add(tp, l->v[i].topic, l->v[i].partition)->offset =
            offsets ? l->v[i].offset : RD_KAFKA_OFFSET_INVALID;
    return tp;
}

static void kgroups_set_error(kgroup_offset_t *o, const char *name, const char *text) {
    sbuf_t b = {0};
    sbuf_printf(&b, "%s: %s", name, text);
    free(o->error);
    o->error = b.s;
}

/* Copies per-partition results back into `out` (matching topic/partition),
 * errors included. A partition of `out` the answer leaves out is unknown,
 * not "none": it gets an error too. */
static void kgroups_results(const rd_kafka_group_result_t **gr, size_t n, kgroup_offsets_t *out,
                            bool take_offsets) {
    bool *seen = xcalloc(out->n + 1, sizeof *seen);
    for (size_t g = 0; g < n; g++) {
        const rd_kafka_topic_partition_list_t *p = rd_kafka_group_result_partitions(gr[g]);
        for (int i = 0; p && i < p->cnt; i++)
            for (size_t k = 0; k < out->n; k++) {
                kgroup_offset_t *o = &out->v[k];
                if (seen[k] || o->partition != p->elems[i].partition ||
                    strcmp(o->topic, p->elems[i].topic))
                    continue;
                seen[k] = true;
                if (take_offsets) o->offset = p->elems[i].offset;
                if (p->elems[i].err)
                    kgroups_set_error(o, rd_kafka_err2name(p->elems[i].err),
                                      rd_kafka_err2str(p->elems[i].err));
                break;
            }
    }
    for (size_t k = 0; k < out->n; k++)
        if (!seen[k]) {
            if (take_offsets) out->v[k].offset = -1;
            kgroups_set_error(&out->v[k], "NO_ANSWER", "the broker's answer leaves this partition out");
        }
    free(seen);
}

/* Errors a group coordinator gives while it starts, moves or loads its
 * partition of __consumer_offsets: worth asking again. */
static bool coordinator_busy(rd_kafka_resp_err_t e) {
    return e == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS ||
           e == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE ||
           e == RD_KAFKA_RESP_ERR_NOT_COORDINATOR;
}

/* After a failure with `code`: true, having waited, when the coordinator was
 * busy and there is time left before `deadline` to ask again. */
static bool coordinator_retry(rd_kafka_resp_err_t code, int64_t deadline) {
    if (!coordinator_busy(code) || clock_mono_ms() + 500 >= deadline) return false;
    clock_sleep_ms(500);
    return true;
}

/* Puts the error code's name before err ("GROUP_AUTHORIZATION_FAILED: ..."),
 * so that callers and users see which error it was. */
static void kgroups_name_error(rd_kafka_resp_err_t code, char *err, size_t errsz) {
    const char *name = rd_kafka_err2name(code);
    if (!code || !name || !strncmp(err, name, strlen(name))) return;
    sbuf_t b = {0};
    sbuf_printf(&b, "%s: %s", name, err);
    snprintf(err, errsz, "%s", b.s);
    sbuf_free(&b);
}

/* One ListConsumerGroupOffsets call; *code gets the call's or the group's
 * error code. */
static int kgroups_committed_once(rd_kafka_t *rk, const char *group,
                                  const kgroup_offsets_t *parts, int timeout_ms,
                                  kgroup_offsets_t *out, rd_kafka_resp_err_t *code, char *err,
                                  size_t errsz) {
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < parts->n; i++)
        kgroup_offsets_add(out, parts->v[i].topic, parts->v[i].partition, -1);
    bool all = parts->n == 0;
    rd_kafka_topic_partition_list_t *tp = all ? NULL : kgroups_tplist(parts, false);
    rd_kafka_ListConsumerGroupOffsets_t *req = rd_kafka_ListConsumerGroupOffsets_new(group, tp);
    if (tp) rd_kafka_topic_partition_list_destroy(tp);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o =
        kgroups_options(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout_ms);
    rd_kafka_ListConsumerGroupOffsets(rk, &req, 1, o, q);
    rd_kafka_event_t *ev =
        kadmin_wait_code(q, timeout_ms, code, err, errsz, "ListConsumerGroupOffsets");
    int rc = -1;
    if (ev) {
        size_t n;
        const rd_kafka_group_result_t **gr = rd_kafka_ListConsumerGroupOffsets_result_groups(
            rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
        const rd_kafka_error_t *ge = n ? rd_kafka_group_result_error(gr[0]) : NULL;
        if (ge) {
            snprintf(err, errsz, "ListConsumerGroupOffsets %s: %s", group,
                     rd_kafka_error_string(ge));
            *code = rd_kafka_error_code(ge);
        } else {
            if (all) { /* every committed partition, in the broker's order */
                const rd_kafka_topic_partition_list_t *p =
                    n ? rd_kafka_group_result_partitions(gr[0]) : NULL;
                for (int i = 0; p && i < p->cnt; i++)
                    kgroup_offsets_add(out, p->elems[i].topic, p->elems[i].partition, -1);
            }
            kgroups_results(gr, n, out, true);
            for (size_t i = 0; i < out->n; i++)
                if (out->v[i].offset < 0) out->v[i].offset = -1;
            rc = 0;
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    return rc;
}

int kgroups_committed(rd_kafka_t *rk, const char *group, const kgroup_offsets_t *parts,
                      int timeout_ms, kgroup_offsets_t *out, char *err, size_t errsz) {
    int64_t deadline = clock_mono_ms() + timeout_ms;
    for (;;) {
        rd_kafka_resp_err_t code;
        if (kgroups_committed_once(rk, group, parts, timeout_ms, out, &code, err, errsz) == 0)
            return 0;
        kgroup_offsets_clear(out);
        if (!coordinator_retry(code, deadline)) {
            kgroups_name_error(code, err, errsz);
            return -1;
        }
    }
}

rd_kafka_t *kgroups_admin_new(const char *name, const kv_list_t *settings, char *err,
                              size_t errsz) {
    kv_list_t req = {0};
    kv_list_add(&req, "group.id", "kmig-group-admin", "kmig", false);
    kclient_opts_t o = {.type = RD_KAFKA_CONSUMER, .name = name, .settings = settings,
                        .required = &req};
    rd_kafka_t *rk = kclient_new(&o, err, errsz);
    kv_list_clear(&req);
    return rk;
}

/* One AlterConsumerGroupOffsets call; *code as for kgroups_committed_once. */
static int kgroups_alter_once(rd_kafka_t *rk, const char *group, kgroup_offsets_t *offsets,
                              int timeout_ms, rd_kafka_resp_err_t *code, char *err,
                              size_t errsz) {
    rd_kafka_topic_partition_list_t *tp = kgroups_tplist(offsets, true);
    rd_kafka_AlterConsumerGroupOffsets_t *req = rd_kafka_AlterConsumerGroupOffsets_new(group, tp);
    rd_kafka_topic_partition_list_destroy(tp);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o =
        kgroups_options(rk, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, timeout_ms);
    rd_kafka_AlterConsumerGroupOffsets(rk, &req, 1, o, q);
    rd_kafka_event_t *ev =
        kadmin_wait_code(q, timeout_ms, code, err, errsz, "AlterConsumerGroupOffsets");
    int rc = -1;
    if (ev) {
        size_t n;
        const rd_kafka_group_result_t **gr = rd_kafka_AlterConsumerGroupOffsets_result_groups(
            rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
        const rd_kafka_error_t *ge = n ? rd_kafka_group_result_error(gr[0]) : NULL;
        if (ge) {
            snprintf(err, errsz, "%s: %s", rd_kafka_error_name(ge), rd_kafka_error_string(ge));
            *code = rd_kafka_error_code(ge);
        } else {
            kgroups_results(gr, n, offsets, false);
            rc = 0;
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AlterConsumerGroupOffsets_destroy(req);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    return rc;
}

int kgroups_alter(rd_kafka_t *rk, const char *group, kgroup_offsets_t *offsets, int timeout_ms,
                  char *err, size_t errsz) {
    int64_t deadline = clock_mono_ms() + timeout_ms;
    for (;;) {
        rd_kafka_resp_err_t code;
        if (kgroups_alter_once(rk, group, offsets, timeout_ms, &code, err, errsz) == 0) return 0;
        if (!coordinator_retry(code, deadline)) return -1;
    }
}

int kgroups_describe(rd_kafka_t *rk, const char *group, int timeout_ms, char *state,
                     size_t state_size, int *members, char ***clients, char *err, size_t errsz) {
    if (clients) *clients = NULL;
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o =
        kgroups_options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout_ms);
    const char *groups[] = {group};
    rd_kafka_DescribeConsumerGroups(rk, groups, 1, o, q);
    rd_kafka_event_t *ev = kadmin_wait(q, timeout_ms, err, errsz, "DescribeConsumerGroups");
    int rc = -1;
    if (ev) {
        size_t n;
        const rd_kafka_ConsumerGroupDescription_t **d = rd_kafka_DescribeConsumerGroups_result_groups(
            rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
        const rd_kafka_error_t *ge = n ? rd_kafka_ConsumerGroupDescription_error(d[0]) : NULL;
        if (!n || ge) {
            snprintf(err, errsz, "DescribeConsumerGroups %s: %s", group,
                     ge ? rd_kafka_error_string(ge) : "no result");
        } else {
            snprintf(state, state_size, "%s",
                     rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(d[0])));
            *members = (int)rd_kafka_ConsumerGroupDescription_member_count(d[0]);
            if (clients) {
                *clients = xcalloc((size_t)*members + 1, sizeof **clients);
                for (int i = 0; i < *members; i++) {
                    const char *c = rd_kafka_MemberDescription_client_id(
                        rd_kafka_ConsumerGroupDescription_member(d[0], (size_t)i));
                    (*clients)[i] = xstrdup(c ? c : "");
                }
            }
            rc = 0;
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    return rc;
}

int kgroups_serves_describe(const kv_list_t *settings, int timeout_ms, char *err, size_t errsz) {
    const char *bs = kv_list_get(settings, "bootstrap.servers");
    char host[256] = "";
    if (!bs) {
        snprintf(err, errsz, "no bootstrap.servers");
        return -1;
    }
    const char *p = strstr(bs, "://");
    p = p ? p + 3 : bs;
    size_t len = strcspn(p, ", ");
    if (len >= sizeof host) len = sizeof host - 1;
    memcpy(host, p, len);
    host[len] = 0;
    char *colon = strrchr(host, ':');
    int port = colon ? atoi(colon + 1) : 9092;
    if (colon) *colon = 0;
    char *h = host;
    if (*h == '[') {
        h++;
        char *close = strchr(h, ']');
        if (close) *close = 0;
    }
    kprobe_result_t r;
    if (kprobe_broker(h, port, settings, timeout_ms, &r, err, errsz)) return -1;
    return r.describe_groups_max >= 0;
}

/* Buffers behind a group_probe_t's strings. */
typedef struct probe_bufs {
    char dstate[64], dtype[16], derr[512], lstate[64], ltype[16], lerr[512], oerr[512];
} probe_bufs_t;

#if KMIG_HAVE_DESCRIBE_GROUP_TYPE || KMIG_HAVE_GROUP_LISTING_TYPE
static const char *group_type_name(rd_kafka_consumer_group_type_t t) {
    return t == RD_KAFKA_CONSUMER_GROUP_TYPE_CONSUMER  ? "consumer"
           : t == RD_KAFKA_CONSUMER_GROUP_TYPE_CLASSIC ? "classic"
                                                       : NULL;
}
#endif

/* The description part of the probe (DescribeConsumerGroups). */
static void probe_describe(rd_kafka_t *rk, const char *group, int timeout_ms, group_probe_t *p,
                           probe_bufs_t *b) {
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o =
        kgroups_options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout_ms);
    const char *groups[] = {group};
    rd_kafka_DescribeConsumerGroups(rk, groups, 1, o, q);
    rd_kafka_event_t *ev =
        kadmin_wait(q, timeout_ms, b->derr, sizeof b->derr, "DescribeConsumerGroups");
    p->describe_error = b->derr;
    if (ev) {
        size_t n;
        const rd_kafka_ConsumerGroupDescription_t **d = rd_kafka_DescribeConsumerGroups_result_groups(
            rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
        const rd_kafka_error_t *ge = n ? rd_kafka_ConsumerGroupDescription_error(d[0]) : NULL;
        if (!n || ge) {
            snprintf(b->derr, sizeof b->derr, "DescribeConsumerGroups %s: %s%s%s", group,
                     ge ? rd_kafka_error_name(ge) : "", ge ? ": " : "",
                     ge ? rd_kafka_error_string(ge) : "no result");
        } else {
            const char *st = rd_kafka_consumer_group_state_name(
                rd_kafka_ConsumerGroupDescription_state(d[0]));
            snprintf(b->dstate, sizeof b->dstate, "%s", st ? st : "Unknown");
            p->describe_state = b->dstate;
            p->describe_members = (int)rd_kafka_ConsumerGroupDescription_member_count(d[0]);
#if KMIG_HAVE_DESCRIBE_GROUP_TYPE
            const char *t = group_type_name(rd_kafka_ConsumerGroupDescription_type(d[0]));
            if (t) {
                snprintf(b->dtype, sizeof b->dtype, "%s", t);
                p->describe_type = b->dtype;
            }
#endif
            p->describe_ok = true;
            p->describe_error = NULL;
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
}

/* The listing part of the probe (ListConsumerGroups: every broker). */
static void probe_list(rd_kafka_t *rk, const char *group, int timeout_ms, group_probe_t *p,
                       probe_bufs_t *b) {
    p->list_asked = true;
    p->list_error = b->lerr;
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o =
        kgroups_options(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeout_ms);
    rd_kafka_ListConsumerGroups(rk, o, q);
    rd_kafka_event_t *ev = kadmin_wait(q, timeout_ms, b->lerr, sizeof b->lerr, "ListConsumerGroups");
    if (ev) {
        const rd_kafka_ListConsumerGroups_result_t *res = rd_kafka_event_ListConsumerGroups_result(ev);
        size_t n, nerr;
        const rd_kafka_ConsumerGroupListing_t **v = rd_kafka_ListConsumerGroups_result_valid(res, &n);
        const rd_kafka_error_t **errs = rd_kafka_ListConsumerGroups_result_errors(res, &nerr);
        if (nerr)
            snprintf(b->lerr, sizeof b->lerr, "ListConsumerGroups: %s",
                     rd_kafka_error_string(errs[0]));
        p->list_ok = nerr == 0;
        for (size_t i = 0; i < n; i++)
            p->list_states |= rd_kafka_ConsumerGroupListing_state(v[i]) !=
                              RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(rd_kafka_ConsumerGroupListing_group_id(v[i]), group)) continue;
            p->listed = true;
            const char *st =
                rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(v[i]));
            snprintf(b->lstate, sizeof b->lstate, "%s", st ? st : "Unknown");
            p->list_state = b->lstate;
#if KMIG_HAVE_GROUP_LISTING_TYPE
            const char *t = group_type_name(rd_kafka_ConsumerGroupListing_type(v[i]));
            if (t) {
                snprintf(b->ltype, sizeof b->ltype, "%s", t);
                p->list_type = b->ltype;
            }
#endif
            break;
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
}

/* The offsets part of the probe: any committed offset at all? */
static void probe_offsets(rd_kafka_t *rk, const char *group, int timeout_ms, group_probe_t *p,
                          probe_bufs_t *b) {
    kgroup_offsets_t none = {0}, out = {0};
    p->offsets_asked = true;
    p->offsets_error = b->oerr;
    if (kgroups_committed(rk, group, &none, timeout_ms, &out, b->oerr, sizeof b->oerr) == 0) {
        p->offsets_ok = true;
        for (size_t i = 0; i < out.n; i++) {
            if (out.v[i].error) {
                p->offsets_ok = false;
                snprintf(b->oerr, sizeof b->oerr, "%s", out.v[i].error);
            }
            p->has_offsets |= out.v[i].offset >= 0;
        }
    }
    kgroup_offsets_clear(&out);
}

void kgroups_presence(const char *name, const kv_list_t *settings, const char *group,
                      int timeout_ms, group_presence_t *out) {
    group_probe_t p = {0};
    probe_bufs_t b = {0};
    rd_kafka_t *rk = kgroups_admin_new(name, settings, b.derr, sizeof b.derr);
    p.describe_error = b.derr;
    if (rk) {
        probe_describe(rk, group, timeout_ms, &p, &b);
        /* after a failed description the handle may hang: no listing then */
        if (group_presence_needs_list(&p)) probe_list(rk, group, timeout_ms, &p, &b);
        if (group_presence_needs_offsets(&p)) probe_offsets(rk, group, timeout_ms, &p, &b);
        rd_kafka_destroy(rk);
    }
    group_presence_judge(&p, out);
}

/* The dashboard's JSON (/api/status, /api/partitions), built with jansson from
 * published state on the HTTP thread: per flow and per topic the copied
 * records and bytes, lag, rate over the window between two snapshots, ETA and
 * latency; the groups of the last pass with their exact translations and sync
 * status; and the warnings an operator must not miss (data loss, foreign
 * writes, refused or failed syncs, stopped partitions, missing topics). The
 * schema is a contract with scripts: docs/DASHBOARD.md; add fields, never
 * rename or remove them without bumping "version". */
#include "mirror/mirror_status.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mirror/mtxn_report.h"
#include "offsets/checkpoint.h"

#define STATUS_VERSION 1

static json_t *jint(int64_t v) { return json_integer((json_int_t)v); }
static json_t *jint_or_null(int64_t v) { return v < 0 ? json_null() : jint(v); }

static bool part_stopped(const msnap_part_t *p) {
    return strcmp(p->state, "copying") && strcmp(p->state, "caught-up");
}

static int64_t foreign_of(const mirror_status_in_t *in, const char *topic, int32_t partition) {
    int64_t n = 0;
    for (size_t i = 0; i < in->nforeign; i++)
        if (!strcmp(in->foreign[i].topic, topic) &&
            (partition < 0 || in->foreign[i].partition == partition))
            n += in->foreign[i].count;
    return n;
}

/* Seconds between base and snap, 0 when there is no usable window. */
static double window_s(const mirror_status_in_t *in) {
    if (!in->snap || !in->base || in->base == in->snap) return 0;
    int64_t dt = in->snap->published_ms - in->base->published_ms;
    return dt > 0 ? (double)dt / 1000.0 : 0;
}

/* Records and bytes of topic/partition in base (partition -1: whole topic). */
static void base_counts(const mirror_status_in_t *in, const msnap_part_t *p, int64_t *rec,
                        int64_t *bytes) {
    long j = msnap_find(in->base, p->topic, p->partition);
    *rec = j >= 0 ? in->base->v[j].records : 0;
    *bytes = j >= 0 ? in->base->v[j].bytes : 0;
}

typedef struct agg {
    int64_t parts, records, bytes, lag, lost, stopped, caught_up, lat_max, lat_avg_sum, lat_n;
    int64_t d_records, d_bytes, foreign;
    bool any_base;
    const lathist_t *hist; /* the latency histogram (msnap.h), NULL for none */
} agg_t;

static json_t *quantile_or_null(const lathist_t *h, double q) {
    double v = h ? lathist_quantile(h, q) : -1;
    return v < 0 ? json_null() : json_real(v);
}

static void agg_add(agg_t *a, const mirror_status_in_t *in, const msnap_part_t *p) {
    a->parts++;
    a->records += p->records;
    a->bytes += p->bytes;
    a->lag += p->lag;
    a->lost += p->lost;
    a->stopped += part_stopped(p);
    a->caught_up += !strcmp(p->state, "caught-up") || (!part_stopped(p) && p->lag == 0);
    if (p->latency_max_ms > a->lat_max) a->lat_max = p->latency_max_ms;
    if (p->latency_avg_ms > 0) {
        a->lat_avg_sum += p->latency_avg_ms;
        a->lat_n++;
    }
    if (window_s(in) > 0) {
        int64_t r, b;
        base_counts(in, p, &r, &b);
        a->d_records += p->records - r;
        a->d_bytes += p->bytes - b;
        a->any_base = true;
    }
}

static const char *agg_state(const agg_t *a) {
    if (a->stopped == a->parts && a->parts) return "stopped";
    if (a->stopped) return "partly-stopped";
    return a->caught_up == a->parts ? "caught-up" : "copying";
}

/* Fills the figures shared by a flow and a topic into o. */
static void agg_json(json_t *o, const agg_t *a, const mirror_status_in_t *in) {
    double w = window_s(in);
    json_object_set_new(o, "partitions", jint(a->parts));
    json_object_set_new(o, "records", jint(a->records));
    json_object_set_new(o, "bytes", jint(a->bytes));
    json_object_set_new(o, "lag", jint(a->lag));
    json_object_set_new(o, "lost", jint(a->lost));
    json_object_set_new(o, "foreign_records", jint(a->foreign));
    json_object_set_new(o, "stopped_partitions", jint(a->stopped));
    json_object_set_new(o, "state", json_string(agg_state(a)));
    double rate = 0;
    if (w > 0 && a->any_base) {
        rate = (double)(a->d_records > 0 ? a->d_records : 0) / w;
        json_object_set_new(o, "rate_records_per_s", json_real(rate));
        json_object_set_new(o, "rate_bytes_per_s",
                            json_real((double)(a->d_bytes > 0 ? a->d_bytes : 0) / w));
    } else {
        json_object_set_new(o, "rate_records_per_s", json_null());
        json_object_set_new(o, "rate_bytes_per_s", json_null());
    }
    if (a->lag == 0)
        json_object_set_new(o, "eta_s", json_integer(0));
    else if (rate > 0)
        json_object_set_new(o, "eta_s", jint((int64_t)((double)a->lag / rate + 0.999))); /* >= 1 */
    else
        json_object_set_new(o, "eta_s", json_null());
    json_object_set_new(o, "latency_max_ms", jint(a->lat_max));
    json_object_set_new(o, "latency_avg_ms", jint(a->lat_n ? a->lat_avg_sum / a->lat_n : 0));
    /* Record latency percentiles since the start (null until a record was timed). */
    json_object_set_new(o, "latency_p50_ms", quantile_or_null(a->hist, 0.5));
    json_object_set_new(o, "latency_p99_ms", quantile_or_null(a->hist, 0.99));
}

static json_t *part_json(const mirror_status_in_t *in, const msnap_part_t *p) {
    json_t *o = json_object();
    json_object_set_new(o, "topic", json_string(p->topic));
    json_object_set_new(o, "target_topic", json_string(p->target));
    json_object_set_new(o, "partition", json_integer(p->partition));
    json_object_set_new(o, "state", json_string(p->state));
    json_object_set_new(o, "records", jint(p->records));
    json_object_set_new(o, "bytes", jint(p->bytes));
    json_object_set_new(o, "lag", jint(p->lag));
    json_object_set_new(o, "lost", jint(p->lost));
    json_object_set_new(o, "foreign_records", jint(foreign_of(in, p->topic, p->partition)));
    json_object_set_new(o, "source_start", jint_or_null(p->source_start));
    json_object_set_new(o, "source_end", jint_or_null(p->source_end));
    json_object_set_new(o, "source_next", jint_or_null(p->src_next));
    json_object_set_new(o, "target_next", jint_or_null(p->tgt_next));
    json_object_set_new(o, "inflight", jint(p->inflight));
    json_object_set_new(o, "map_segments", jint((int64_t)p->segments));
    json_object_set_new(o, "latency_max_ms", jint(p->latency_max_ms));
    json_object_set_new(o, "latency_avg_ms", jint(p->latency_avg_ms));
    double w = window_s(in);
    if (w > 0) {
        int64_t r, b;
        base_counts(in, p, &r, &b);
        json_object_set_new(o, "rate_records_per_s",
                            json_real((double)(p->records > r ? p->records - r : 0) / w));
    } else {
        json_object_set_new(o, "rate_records_per_s", json_null());
    }
    return o;
}

static void warn(json_t *w, const char *kind, const char *severity, const char *topic,
                 int32_t partition, const char *group, int64_t records, const char *message) {
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(kind));
    json_object_set_new(o, "severity", json_string(severity));
    json_object_set_new(o, "topic", topic ? json_string(topic) : json_null());
    json_object_set_new(o, "partition", partition >= 0 ? json_integer(partition) : json_null());
    json_object_set_new(o, "group", group ? json_string(group) : json_null());
    json_object_set_new(o, "records", records >= 0 ? jint(records) : json_null());
    json_object_set_new(o, "message", json_string(message));
    json_array_append_new(w, o);
}

static json_t *groups_json(const mirror_status_in_t *in, json_t *warnings) {
    json_t *g = json_object(), *list = json_array();
    json_object_set_new(g, "enabled", json_boolean(in->gstats != NULL));
    json_object_set_new(g, "last_pass_time_ms",
                        in->groups ? jint(in->groups->wall_ms) : json_null());
    if (in->gstats) {
        const groups_stats_t *s = in->gstats;
        json_object_set_new(
            g, "stats",
            json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "passes",
                      (json_int_t)s->passes, "groups_synced", (json_int_t)s->groups_synced,
                      "offsets_written", (json_int_t)s->offsets_written, "pending",
                      (json_int_t)s->pending, "taken_over", (json_int_t)s->taken_over,
                      "active_refusals", (json_int_t)s->active, "failures",
                      (json_int_t)s->failures, "read_failures", (json_int_t)s->read_failures,
                      "last_pass_duration_ms", (json_int_t)s->last_pass_ms));
    } else {
        json_object_set_new(g, "stats", json_null());
    }
    const group_rows_t *r = in->groups ? &in->groups->rows : NULL;
    json_t *cur = NULL, *parts = NULL, *counts = NULL;
    const char *cur_name = NULL;
    for (size_t i = 0; r && i < r->n; i++) {
        const group_row_t *row = &r->v[i];
        if (!cur_name || strcmp(cur_name, row->group)) {
            /* Rows of one group are adjacent (groups_pass appends group by group);
             * a group seen again starts a new entry rather than being lost. */
            cur = json_object();
            parts = json_array();
            counts = json_object();
            cur_name = row->group;
            json_object_set_new(cur, "group", json_string(row->group));
            json_object_set_new(cur, "status_counts", counts);
            json_object_set_new(cur, "partitions", parts);
            json_array_append_new(list, cur);
        }
        json_t *c = json_object_get(counts, row->status);
        json_object_set_new(counts, row->status, json_integer(c ? json_integer_value(c) + 1 : 1));
        json_t *o = json_object();
        json_object_set_new(o, "topic", row->topic ? json_string(row->topic) : json_null());
        json_object_set_new(o, "target_topic",
                            row->target_topic ? json_string(row->target_topic) : json_null());
        json_object_set_new(o, "partition",
                            row->partition >= 0 ? json_integer(row->partition) : json_null());
        json_object_set_new(o, "source_offset", jint_or_null(row->source_offset));
        json_object_set_new(o, "source_lag", jint_or_null(row->source_lag));
        json_object_set_new(o, "translation", json_string(checkpoint_status_name(row->cp.status)));
        json_object_set_new(o, "target_offset", jint_or_null(row->cp.target_offset));
        json_object_set_new(o, "target_committed", jint_or_null(row->target_committed));
        json_object_set_new(o, "status", json_string(row->status));
        json_object_set_new(o, "error", row->error ? json_string(row->error) : json_null());
        json_array_append_new(parts, o);
        if (!strcmp(row->status, "active-on-target"))
            warn(warnings, "sync-refused", "warning", row->topic, row->partition, row->group, -1,
                 "the target refused the group's offsets: the group has active members there");
        else if (!strcmp(row->status, "failed"))
            warn(warnings, "sync-failed", "error", row->topic, row->partition, row->group, -1,
                 row->error ? row->error : "the group's offsets could not be synced");
    }
    json_object_set_new(g, "list", list);
    return g;
}

/* The "verification" object: a digest of a `kmig verify --json` document
 * (result, summary, the partitions and groups that differ, at most 50 each). */
static json_t *verify_json(const mirror_status_in_t *in, json_t *warnings) {
    if (!in->verify_file) return json_null();
    json_t *v = json_object(), *doc = in->verify;
    json_object_set_new(v, "file", json_string(in->verify_file));
    json_object_set_new(v, "file_time_ms", in->verify ? jint(in->verify_mtime_ms) : json_null());
    const char *result = doc ? json_string_value(json_object_get(doc, "result")) : NULL;
    json_object_set_new(v, "result", result ? json_string(result) : json_null());
    json_t *sum = doc ? json_object_get(doc, "summary") : NULL;
    json_object_set(v, "summary", json_is_object(sum) ? sum : json_null());
    json_t *bad = json_array(), *badg = json_array(), *x;
    size_t i;
    json_array_foreach(doc ? json_object_get(doc, "partitions") : NULL, i, x) {
        const char *st = json_string_value(json_object_get(x, "status"));
        if (!st || !strcmp(st, "ok") || json_array_size(bad) >= 50) continue;
        json_t *o = json_object();
        static const char *keys[] = {"topic", "partition", "target_topic", "status", "error",
                                     "matched", "missing", "different", "extra", "foreign",
                                     "first_mismatch"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            json_t *f = json_object_get(x, keys[k]);
            json_object_set(o, keys[k], f ? f : json_null());
        }
        json_array_append_new(bad, o);
        json_t *t = json_object_get(x, "topic"), *p = json_object_get(x, "partition");
        warn(warnings, "verify-differs", "error", json_string_value(t),
             json_is_integer(p) ? (int32_t)json_integer_value(p) : -1, NULL, -1,
             strcmp(st, "error") ? "kmig verify found records that differ on the target"
                                 : "kmig verify could not read the partition");
    }
    json_array_foreach(doc ? json_object_get(doc, "groups") : NULL, i, x) {
        const char *st = json_string_value(json_object_get(x, "status"));
        if (!st || !strcmp(st, "ok") || json_array_size(badg) >= 50) continue;
        json_array_append(badg, x);
    }
    json_object_set_new(v, "partitions_not_ok", bad);
    json_object_set_new(v, "groups_not_ok", badg);
    if (!doc)
        warn(warnings, "verify-unreadable", "warning", NULL, -1, NULL, -1,
             "the --verify-json file is missing or not a kmig verify --json document");
    return v;
}

static void server_time(json_t *root, int64_t wall_ms) {
    time_t t = (time_t)(wall_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[40], ms[8];
    strftime(buf, sizeof buf - sizeof ms, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ms, sizeof ms, ".%03dZ", (int)(wall_ms % 1000));
    strcat(buf, ms);
    json_object_set_new(root, "server_time", json_string(buf));
    json_object_set_new(root, "server_time_ms", jint(wall_ms));
}

static char *dump(json_t *root) {
    char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    return s;
}

char *mirror_status_render(const mirror_status_in_t *in) {
    const msnap_t *s = in->snap;
    json_t *root = json_object(), *topics = json_array(), *warnings = json_array();
    json_object_set_new(root, "version", json_integer(STATUS_VERSION));
    server_time(root, in->now_wall_ms);
    json_object_set_new(root, "started_ms", jint(in->started_wall_ms));
    json_object_set_new(root, "snapshot_age_ms",
                        s ? jint(in->now_mono_ms - s->published_ms) : json_null());
    double w = window_s(in);
    json_object_set_new(root, "rate_window_s", w > 0 ? json_real(w) : json_null());

    agg_t flow = {0};
    for (size_t i = 0; s && i < s->n;) {
        const char *topic = s->v[i].topic;
        agg_t t = {0};
        json_t *o = json_object();
        json_object_set_new(o, "topic", json_string(topic));
        json_object_set_new(o, "target_topic", json_string(s->v[i].target));
        for (; i < s->n && !strcmp(s->v[i].topic, topic); i++) {
            const msnap_part_t *p = &s->v[i];
            agg_add(&t, in, p);
            agg_add(&flow, in, p);
            if (p->lost > 0)
                warn(warnings, "data-loss", "error", p->topic, p->partition, NULL, p->lost,
                     "source records were deleted before they were copied");
            if (part_stopped(p))
                warn(warnings, "partition-stopped", "error", p->topic, p->partition, NULL, -1,
                     p->state);
        }
        t.foreign = foreign_of(in, topic, -1);
        for (size_t k = 0; k < s->ntlat; k++)
            if (!strcmp(s->tlat[k].topic, topic)) t.hist = &s->tlat[k].h;
        agg_json(o, &t, in);
        json_array_append_new(topics, o);
    }
    for (size_t i = 0; i < in->nforeign; i++) {
        flow.foreign += in->foreign[i].count;
        warn(warnings, "foreign-writes", "error", in->foreign[i].topic, in->foreign[i].partition,
             NULL, in->foreign[i].count,
             "records on the target partition that kmig did not write (split brain)");
    }
    if (s && s->missing_topics > 0)
        warn(warnings, "topics-missing", "error", NULL, -1, NULL, s->missing_topics,
             "selected topics are absent on the target and could not be created");
    if (s && s->produce_errors > 0)
        warn(warnings, "produce-errors", "warning", NULL, -1, NULL, s->produce_errors,
             "records the target refused (retried)");
    if (s && s->map_errors > 0)
        warn(warnings, "offset-map-errors", "warning", NULL, -1, NULL, s->map_errors,
             "offset map writes that failed");
    if (!in->foreign_watched)
        warn(warnings, "foreign-writes-unwatched", "info", NULL, -1, NULL, -1,
             "the foreign-write watch is not running");

    json_t *f = json_object();
    json_object_set_new(f, "source", json_string(in->source));
    json_object_set_new(f, "target", json_string(in->target));
    json_object_set_new(f, "topics", json_integer(s ? s->topics : 0));
    json_object_set_new(f, "missing_topics", json_integer(s ? s->missing_topics : 0));
    flow.hist = s ? &s->latency : NULL;
    agg_json(f, &flow, in);
    json_object_set_new(f, "heartbeats_sent", jint(s ? s->hb_sent : 0));
    json_object_set_new(f, "heartbeat_latency_last_ms",
                        s && s->hb_last_ms >= 0 ? jint(s->hb_last_ms) : json_null());
    const lathist_t *hb = s ? &s->hb_latency : NULL;
    json_object_set_new(f, "heartbeat_latency_p50_ms", quantile_or_null(hb, 0.5));
    json_object_set_new(f, "heartbeat_latency_p99_ms", quantile_or_null(hb, 0.99));
    if (!s) json_object_set_new(f, "state", json_string("starting"));
    json_object_set_new(f, "resent_possible", jint(s ? s->resent_possible : 0));
    json_object_set_new(f, "recovered", jint(s ? s->recovered : 0));
    json_object_set_new(f, "produce_errors", jint(s ? s->produce_errors : 0));
    json_object_set_new(f, "map_errors", jint(s ? s->map_errors : 0));
    mtxn_report_json(f, s); /* mode, transactions */
    json_t *flows = json_array();
    json_array_append_new(flows, f);
    json_object_set_new(root, "flows", flows);
    json_object_set_new(root, "topics", topics);
    json_object_set_new(root, "groups", groups_json(in, warnings));
    json_object_set_new(root, "verification", verify_json(in, warnings));
    json_object_set(root, "cutover", in->cutover ? in->cutover : json_null());
    json_object_set_new(root, "warnings", warnings);
    return dump(root);
}

char *mirror_status_render_partitions(const mirror_status_in_t *in, const char *topic) {
    const msnap_t *s = in->snap;
    json_t *parts = json_array();
    for (size_t i = 0; s && i < s->n; i++)
        if (!strcmp(s->v[i].topic, topic)) json_array_append_new(parts, part_json(in, &s->v[i]));
    if (!json_array_size(parts)) {
        json_decref(parts);
        return NULL;
    }
    json_t *root = json_object();
    json_object_set_new(root, "version", json_integer(STATUS_VERSION));
    server_time(root, in->now_wall_ms);
    json_object_set_new(root, "topic", json_string(topic));
    json_object_set_new(root, "partitions", parts);
    return dump(root);
}

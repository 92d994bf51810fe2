/* The mirror's outputs for people and machines, all rendered from a published
 * snapshot: the Prometheus metrics behind --metrics-addr, the progress lines
 * on stderr, and the summary JSON that tests and scripts read after a run.
 * Metric names and meanings: docs/METRICS.md. */
#include "mirror/mirror_report.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics/prom.h"
#include "mirror/latency_report.h"
#include "mirror/mtxn_report.h"

/* Workers (docs/WORKERS.md): the tasks this process owns, its rebalances,
 * and the records it wrote for tasks it no longer owned (duplicates). */
static void mirror_report_workers_metrics(sbuf_t *out, const msnap_t *s, const char **fl) {
    prom_family(out, "kmig_tasks_owned", "gauge",
                "Tasks of the flow this process owns now (of kmig_tasks_total).");
    prom_sample_i64(out, "kmig_tasks_owned", fl, s ? s->tasks_owned : 0);
    prom_family(out, "kmig_tasks_total", "gauge", "The flow's tasks (tasks.max).");
    prom_sample_i64(out, "kmig_tasks_total", fl, s ? s->tasks_total : 0);
    prom_family(out, "kmig_task_rebalances_total", "counter",
                "Rebalances of the workers' group this process took part in.");
    prom_sample_i64(out, "kmig_task_rebalances_total", fl, s ? s->task_rebalances : 0);
    prom_family(out, "kmig_tasks_lost_total", "counter",
                "Tasks taken from this process without a hand-over (a pause past the session "
                "timeout, or the group expelled it).");
    prom_sample_i64(out, "kmig_tasks_lost_total", fl, s ? s->tasks_lost : 0);
    prom_family(out, "kmig_duplicates_written_total", "counter",
                "Records that landed on the target for tasks this process had stopped: "
                "duplicates (the next owner copied them from the persisted map).");
    prom_sample_i64(out, "kmig_duplicates_written_total", fl, s ? s->duplicates_written : 0);
}

void mirror_report_metrics(sbuf_t *out, const msnap_t *s, groups_t *g, const char *src,
                           const char *tgt) {
    static const struct {
        const char *name, *type, *help;
    } fam[] = {
        {"kmig_mirror_record_count_total", "counter", "Records copied and acknowledged by the target (MM2: record-count)."},
        {"kmig_mirror_byte_count_total", "counter", "Key and value bytes copied (MM2: byte-count)."},
        {"kmig_mirror_lag_records", "gauge", "Source records not yet copied (high watermark minus copied position)."},
        {"kmig_mirror_replication_latency_ms_max", "gauge", "Max time from record timestamp to target acknowledgement over the last publish period (MM2: replication-latency-ms-max)."},
        {"kmig_mirror_replication_latency_ms_avg", "gauge", "Average of the same (MM2: replication-latency-ms-avg)."},
        {"kmig_mirror_lost_records_total", "counter", "Source records deleted or truncated before they were copied."},
        {"kmig_mirror_offset_map_segments", "gauge", "Segments in the partition's offset map."},
        {"kmig_mirror_partition_stopped", "gauge", "1 when the partition stopped copying (failed, data loss, removed)."},
    };
    for (size_t f = 0; s && f < sizeof fam / sizeof fam[0]; f++) {
        prom_family(out, fam[f].name, fam[f].type, fam[f].help);
        for (size_t i = 0; i < s->n; i++) {
            const msnap_part_t *p = &s->v[i];
            char part[16];
            snprintf(part, sizeof part, "%d", p->partition);
            const char *labels[] = {"source", src, "target", tgt, "topic", p->topic,
                                    "partition", part, NULL};
            int64_t v = 0;
            switch (f) {
            case 0: v = p->records; break;
            case 1: v = p->bytes; break;
            case 2: v = p->lag; break;
            case 3: v = p->latency_max_ms; break;
            case 4: v = p->latency_avg_ms; break;
            case 5: v = p->lost; break;
            case 6: v = (int64_t)p->segments; break;
            case 7:
                v = strcmp(p->state, "copying") && strcmp(p->state, "caught-up");
                break;
            }
            prom_sample_i64(out, fam[f].name, labels, v);
        }
    }
    const char *fl[] = {"source", src, "target", tgt, NULL};
    prom_family(out, "kmig_mirror_errors_total", "counter",
                "Records the target refused, and offset map writes that failed.");
    const char *el[] = {"source", src, "target", tgt, "kind", "produce", NULL};
    prom_sample_i64(out, "kmig_mirror_errors_total", el, s ? s->produce_errors : 0);
    el[5] = "offset_map";
    prom_sample_i64(out, "kmig_mirror_errors_total", el, s ? s->map_errors : 0);
    prom_family(out, "kmig_mirror_resend_estimate", "gauge",
                "Records that may have been written twice after the last restart.");
    prom_sample_i64(out, "kmig_mirror_resend_estimate", fl, s ? s->resent_possible : 0);
    prom_family(out, "kmig_mirror_recovered_records", "gauge",
                "Target records written before the last restart but not mapped, paired with "
                "their source records by content at start-up (not re-sent).");
    prom_sample_i64(out, "kmig_mirror_recovered_records", fl, s ? s->recovered : 0);
    prom_family(out, "kmig_mirror_topics_missing", "gauge",
                "Selected topics that are absent on the target and could not be created.");
    prom_sample_i64(out, "kmig_mirror_topics_missing", fl, s ? s->missing_topics : 0);
    mirror_report_workers_metrics(out, s, fl);
    latency_report_metrics(out, s, src, tgt);
    mtxn_report_metrics(out, s, src, tgt);
    if (!g) return;
    groups_stats_t gs;
    groups_get_stats(g, &gs);
    static const struct {
        const char *name, *type, *help;
    } gf[] = {
        {"kmig_groups_checkpoint_passes_total", "counter", "Checkpoint passes over the selected groups."},
        {"kmig_groups_checkpoint_latency_ms", "gauge", "Duration of the last checkpoint pass (read, translate, sync)."},
        {"kmig_groups_synced_total", "counter", "Group syncs that committed offsets on the target."},
        {"kmig_groups_offsets_written_total", "counter", "Partition offsets committed on the target."},
        {"kmig_groups_pending_partitions", "gauge", "Group partitions whose committed offset is not copied yet (never guessed)."},
        {"kmig_groups_taken_over_partitions", "gauge", "Group partitions whose target consumers committed their own offsets."},
        {"kmig_groups_active_refusals_total", "counter", "Syncs refused because the group is active on the target."},
        {"kmig_groups_failures_total", "counter", "Syncs that failed for another reason."},
        {"kmig_groups_duplicates_avoided", "gauge", "Estimate: records the selected groups would re-read after MirrorMaker 2's translation (syncs every 100 records)."},
        {"kmig_groups_read_failures_total", "counter", "Group/partition offsets that could not be read on the source or the target (nothing is written for them in that pass)."},
        {"kmig_groups_checkpoint_failures_total", "counter", "Checkpoint records the target did not confirm (written again next pass)."},
    };
    int64_t v[] = {gs.passes, gs.last_pass_ms, gs.groups_synced, gs.offsets_written,
                   gs.pending, gs.taken_over, gs.active, gs.failures, gs.duplicates_avoided,
                   gs.read_failures, gs.checkpoint_failures};
    for (size_t i = 0; i < sizeof gf / sizeof gf[0]; i++) {
        prom_family(out, gf[i].name, gf[i].type, gf[i].help);
        prom_sample_i64(out, gf[i].name, fl, v[i]);
    }
    prom_family(out, "kmig_group_partitions", "gauge",
                "Partitions of each group by status in the last checkpoint pass.");
    groups_render_status(g, out, "kmig_group_partitions", src, tgt);
}

void mirror_report_progress(FILE *f, const msnap_t *s, const msnap_t *prev, double dt_s) {
    for (size_t i = 0; s && i < s->n;) {
        const char *topic = s->v[i].topic;
        int64_t copied = 0, before = 0, lag = 0;
        for (; i < s->n && !strcmp(s->v[i].topic, topic); i++) {
            copied += s->v[i].records;
            lag += s->v[i].lag;
            long j = prev ? msnap_find(prev, topic, s->v[i].partition) : -1;
            if (j >= 0) before += prev->v[j].records;
        }
        double rate = dt_s > 0 && prev ? (double)(copied - before) / dt_s : 0;
        char eta[32] = "-";
        if (lag == 0)
            snprintf(eta, sizeof eta, "caught up");
        else if (rate > 0) {
            long sec = (long)((double)lag / rate);
            snprintf(eta, sizeof eta, "eta %ld:%02ld:%02ld", sec / 3600, sec / 60 % 60, sec % 60);
        }
        char lat[64];
        latency_report_topic(lat, sizeof lat, s, topic);
        fprintf(f, "  %-32s copied %12" PRId64 "  lag %10" PRId64 "  %10.0f rec/s  %s%s\n", topic,
                copied, lag, rate, eta, lat);
    }
    char flow[160];
    latency_report_flow(flow, sizeof flow, s);
    if (s) fprintf(f, "  %s\n", flow);
}

int mirror_report_summary(const char *path, const msnap_t *s, const mirror_report_end_t *end,
                          char *err, size_t errsz) {
    json_t *root = json_object(), *parts = json_array(), *errors = json_array();
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "source", json_string(end->source));
    json_object_set_new(root, "target", json_string(end->target));
    json_object_set_new(root, "exit_code", json_integer(end->exit_code));
    json_object_set_new(root, "exit_reason", json_string(end->exit_reason));
    json_object_set_new(root, "records", json_integer(s ? s->records : 0));
    json_object_set_new(root, "bytes", json_integer(s ? s->bytes : 0));
    json_object_set_new(root, "resent_possible", json_integer(s ? s->resent_possible : 0));
    json_object_set_new(root, "recovered", json_integer(s ? s->recovered : 0));
    json_object_set_new(root, "lost", json_integer(s ? s->lost : 0));
    json_object_set_new(root, "topics", json_integer(s ? s->topics : 0));
    json_object_set_new(root, "missing_topics", json_integer(s ? s->missing_topics : 0));
    json_object_set_new(root, "client_pairs", json_integer(s ? s->client_pairs : 0));
    json_object_set_new(root, "foreign_records", json_integer(end->foreign_records));
    if (s)
        json_object_set_new(
            root, "workers",
            json_pack("{s:s, s:i, s:i, s:I, s:I, s:I, s:I}", "worker_id", s->worker_id,
                      "tasks_total", s->tasks_total, "tasks_owned", s->tasks_owned,
                      "rebalances", (json_int_t)s->task_rebalances, "tasks_gained",
                      (json_int_t)s->tasks_gained, "tasks_lost", (json_int_t)s->tasks_lost,
                      "duplicates_written", (json_int_t)s->duplicates_written));
    const char *e = end->errors ? end->errors : "";
    while (*e) {
        const char *nl = strchr(e, '\n');
        size_t len = nl ? (size_t)(nl - e) : strlen(e);
        if (len) json_array_append_new(errors, json_stringn(e, len));
        e += len + (nl != NULL);
    }
    json_object_set_new(root, "errors", errors);
    latency_report_json(root, s);
    mtxn_report_json(root, s);
    for (size_t i = 0; s && i < s->n; i++) {
        const msnap_part_t *p = &s->v[i];
        json_array_append_new(
            parts, json_pack("{s:s, s:i, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s}",
                             "topic", p->topic, "partition", (int)p->partition, "target_topic",
                             p->target, "records", (json_int_t)p->records, "bytes",
                             (json_int_t)p->bytes, "lost", (json_int_t)p->lost,
                             "resent_possible", (json_int_t)p->resent_possible, "recovered",
                             (json_int_t)p->recovered, "source_next", (json_int_t)p->src_next,
                             "target_next", (json_int_t)p->tgt_next, "lag",
                             (json_int_t)p->lag, "state", p->state));
    }
    json_object_set_new(root, "partitions", parts);
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 8);
    int rc = -1;
    if (tmp) {
        snprintf(tmp, plen + 8, "%s.tmp", path);
        if (json_dump_file(root, tmp, JSON_INDENT(1) | JSON_SORT_KEYS))
            snprintf(err, errsz, "cannot write %s: %s", tmp, strerror(errno));
        else if (rename(tmp, path))
            snprintf(err, errsz, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        else
            rc = 0;
        if (rc) unlink(tmp);
        free(tmp);
    }
    json_decref(root);
    return rc;
}

/* The copy mode and the transactions of exactly-once mode as the run shows
 * them: metrics and the run summary's members, from a snapshot. */
#include "mirror/mtxn_report.h"

#include "metrics/prom.h"
#include "mirror/latency_report.h"

const char *mtxn_report_mode(const msnap_t *s) {
    return s && s->exactly_once ? "exactly-once" : "at-least-once";
}

void mtxn_report_metrics(sbuf_t *out, const msnap_t *s, const char *src, const char *tgt) {
    const char *ml[] = {"source", src, "target", tgt, "mode", mtxn_report_mode(s), NULL};
    prom_family(out, "kmig_mirror_mode", "gauge",
                "1 for the copy mode this run uses (exactly-once: transactional producers per "
                "task; at-least-once: idempotent producer, crash duplicates paired or counted).");
    prom_sample_i64(out, "kmig_mirror_mode", ml, 1);
    const char *fl[] = {"source", src, "target", tgt, NULL};
    static const struct {
        const char *name, *help;
    } fam[] = {
        {"kmig_transactions_committed_total",
         "Target transactions committed (records and the map segments covering them)."},
        {"kmig_transactions_aborted_total",
         "Target transactions aborted; their records were sent again in later ones."},
        {"kmig_transactions_fenced_total",
         "Tasks fenced by another owner of their transactional id (they stop writing)."},
    };
    int64_t v[3] = {s ? s->txn_committed : 0, s ? s->txn_aborted : 0, s ? s->txn_fenced : 0};
    for (size_t i = 0; i < 3; i++) {
        prom_family(out, fam[i].name, "counter", fam[i].help);
        prom_sample_i64(out, fam[i].name, fl, v[i]);
    }
    /* Each task's commit: delivery of its open records, its segments, EndTxn. */
    const char *name = "kmig_transaction_commit_seconds";
    prom_family(out, name, "histogram",
                "Time of each transaction's commit: its records delivered, its map segments "
                "written, the commit acknowledged.");
    lathist_t empty = {0};
    const lathist_t *h = s ? &s->txn_ms : &empty;
    latency_report_histogram(out, name, fl, 4, h);
}

void mtxn_report_json(json_t *root, const msnap_t *s) {
    /* Before the first snapshot the mode is not known yet: null. */
    json_object_set_new(root, "mode", s ? json_string(mtxn_report_mode(s)) : json_null());
    if (!s || !s->exactly_once) return;
    double p50 = lathist_quantile(&s->txn_ms, 0.5), p99 = lathist_quantile(&s->txn_ms, 0.99);
    json_object_set_new(
        root, "transactions",
        json_pack("{s:I, s:I, s:I, s:f, s:f}", "committed", (json_int_t)s->txn_committed,
                  "aborted", (json_int_t)s->txn_aborted, "fenced", (json_int_t)s->txn_fenced,
                  "commit_p50_ms", p50 < 0 ? 0.0 : p50, "commit_p99_ms", p99 < 0 ? 0.0 : p99));
}

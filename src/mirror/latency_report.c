/* Renders the mirror's end-to-end latency (see latency_report.h). What is
 * measured (docs/METRICS.md): for every copied record with a timestamp, the
 * time from that timestamp (CreateTime as the producer set it, or the source
 * broker's LogAppendTime) to the target's acknowledgement, on kmig's clock;
 * for this flow's heartbeats, the time from their write on the source to
 * their acknowledgement on the target. Records copied during a catch-up
 * carry old timestamps and land in the top buckets: the heartbeat latency is
 * the "how far behind now" signal. */
#include "mirror/latency_report.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "metrics/prom.h"

void latency_report_histogram(sbuf_t *out, const char *name, const char **labels, size_t nl,
                              const lathist_t *h) {
    const char *l[16];
    char le[32], bname[128], sname[128], cname[128];
    snprintf(bname, sizeof bname, "%s_bucket", name);
    snprintf(sname, sizeof sname, "%s_sum", name);
    snprintf(cname, sizeof cname, "%s_count", name);
    memcpy(l, labels, nl * sizeof *l);
    l[nl] = "le";
    l[nl + 1] = le;
    l[nl + 2] = NULL;
    int64_t cum = 0;
    const int64_t *b = lathist_bounds_ms();
    for (size_t i = 0; i <= LATHIST_NBOUNDS; i++) {
        cum += h->counts[i];
        if (i < LATHIST_NBOUNDS)
            snprintf(le, sizeof le, "%g", (double)b[i] / 1000.0);
        else
            snprintf(le, sizeof le, "+Inf");
        prom_sample_i64(out, bname, l, cum);
    }
    l[nl] = NULL;
    prom_sample(out, sname, l, (double)h->sum_ms / 1000.0);
    prom_sample_i64(out, cname, l, h->n);
}

void latency_report_metrics(sbuf_t *out, const msnap_t *s, const char *source, const char *target) {
    prom_family(out, "kmig_replication_latency_seconds", "histogram",
                "Time from a copied record's timestamp to the target's acknowledgement, per "
                "topic, since the start (records copied during a catch-up are old).");
    for (size_t i = 0; s && i < s->ntlat; i++) {
        const char *labels[] = {"source", source, "target", target, "topic", s->tlat[i].topic};
        latency_report_histogram(out, "kmig_replication_latency_seconds", labels, 6,
                                 &s->tlat[i].h);
    }
    const char *fl[] = {"source", source, "target", target};
    prom_family(out, "kmig_heartbeat_latency_seconds", "histogram",
                "Time from a heartbeat's write on the source to its acknowledgement on the "
                "target, for this flow's heartbeats, since the start.");
    lathist_t empty = {0};
    latency_report_histogram(out, "kmig_heartbeat_latency_seconds", fl, 4,
                             s ? &s->hb_latency : &empty);
    const char *fl0[] = {"source", source, "target", target, NULL};
    prom_family(out, "kmig_heartbeat_last_latency_seconds", "gauge",
                "Latency of the latest heartbeat that reached the target (-1: none yet).");
    prom_sample(out, "kmig_heartbeat_last_latency_seconds", fl0,
                s && s->hb_last_ms >= 0 ? (double)s->hb_last_ms / 1000.0 : -1);
    prom_family(out, "kmig_heartbeats_total", "counter",
                "Heartbeats written to the source's heartbeats topic, by outcome.");
    const char *ol[] = {"source", source, "target", target, "outcome", "sent", NULL};
    prom_sample_i64(out, "kmig_heartbeats_total", ol, s ? s->hb_sent : 0);
    ol[5] = "failed";
    prom_sample_i64(out, "kmig_heartbeats_total", ol, s ? s->hb_failed : 0);
}

static void fmt_ms(char *buf, size_t sz, double ms) {
    if (ms < 0)
        snprintf(buf, sz, "-");
    else if (ms < 1000)
        snprintf(buf, sz, "%.0fms", ms);
    else
        snprintf(buf, sz, "%.1fs", ms / 1000.0);
}

void latency_report_topic(char *buf, size_t bufsz, const msnap_t *s, const char *topic) {
    *buf = '\0';
    for (size_t i = 0; s && i < s->ntlat; i++) {
        if (strcmp(s->tlat[i].topic, topic) || !s->tlat[i].h.n) continue;
        char p50[16], p99[16];
        fmt_ms(p50, sizeof p50, lathist_quantile(&s->tlat[i].h, 0.5));
        fmt_ms(p99, sizeof p99, lathist_quantile(&s->tlat[i].h, 0.99));
        snprintf(buf, bufsz, "  p50 %s p99 %s", p50, p99);
        return;
    }
}

void latency_report_flow(char *buf, size_t bufsz, const msnap_t *s) {
    char p50[16], p99[16], hl[16], h99[16];
    fmt_ms(p50, sizeof p50, s ? lathist_quantile(&s->latency, 0.5) : -1);
    fmt_ms(p99, sizeof p99, s ? lathist_quantile(&s->latency, 0.99) : -1);
    fmt_ms(hl, sizeof hl, s && s->hb_last_ms >= 0 ? (double)s->hb_last_ms : -1);
    fmt_ms(h99, sizeof h99, s ? lathist_quantile(&s->hb_latency, 0.99) : -1);
    snprintf(buf, bufsz, "latency p50 %s p99 %s  heartbeat last %s p99 %s (sent %" PRId64 ")",
             p50, p99, hl, h99, s ? s->hb_sent : 0);
}

static json_t *ms_or_null(double ms) {
    return ms < 0 ? json_null() : json_real(ms);
}

static json_t *hist_json(const lathist_t *h) {
    json_t *o = json_object();
    json_object_set_new(o, "count", json_integer(h->n));
    json_object_set_new(o, "p50_ms", ms_or_null(lathist_quantile(h, 0.5)));
    json_object_set_new(o, "p99_ms", ms_or_null(lathist_quantile(h, 0.99)));
    return o;
}

void latency_report_json(json_t *root, const msnap_t *s) {
    lathist_t empty = {0};
    json_t *lat = hist_json(s ? &s->latency : &empty), *topics = json_object();
    for (size_t i = 0; s && i < s->ntlat; i++)
        json_object_set_new(topics, s->tlat[i].topic, hist_json(&s->tlat[i].h));
    json_object_set_new(lat, "topics", topics);
    json_object_set_new(root, "latency", lat);
    json_t *hb = hist_json(s ? &s->hb_latency : &empty);
    json_object_set_new(hb, "sent", json_integer(s ? s->hb_sent : 0));
    json_object_set_new(hb, "failed", json_integer(s ? s->hb_failed : 0));
    json_object_set_new(hb, "last_ms",
                        s && s->hb_last_ms >= 0 ? json_integer(s->hb_last_ms) : json_null());
    json_object_set_new(root, "heartbeats", hb);
}

/* The `kmig assess` report (see assess_report.h): warnings computed from the
 * source and target inventories, then the same facts rendered twice, as
 * aligned text tables for a reader and as JSON for tools. Long topic lists in
 * warnings are cut after NAMES_SHOWN names ("and 12 more"). */
#include "assess/assess_report.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strmap.h"

#define NAMES_SHOWN 20
#define ACL_BINDINGS_SHOWN 50
#define KAFKA_MESSAGE_MAX_BYTES 1048588 /* Kafka's message.max.bytes default */

static const char *const bound_names[SIZING_NBOUNDS] = {"azs",    "partitions", "ingress",
                                                         "egress", "writes",     "volume"};

/* ---- small helpers ---- */

static char *xfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xfmt(const char *fmt, ...) {
    sbuf_t b = {0};
    va_list ap;
    va_start(ap, fmt);
    sbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    return b.s ? b.s : xstrdup("");
}

static bool parse_i64(const char *s, int64_t *out) {
    if (!s || !*s) return false;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end) return false;
    *out = v;
    return true;
}

/* A broker default, NULL when absent or empty (unset). */
static const char *bcfg(const inventory_t *inv, const char *key) {
    const char *v = inv ? inventory_broker_config(inv, key) : NULL;
    return v && *v ? v : NULL;
}

static bool bcfg_i64(const inventory_t *inv, const char *key, int64_t *out) {
    return parse_i64(bcfg(inv, key), out);
}

static const char *tcfg(const inv_topic_t *t, const char *key) {
    const char *v = kv_list_get(&t->configs, key);
    return v && *v ? v : NULL;
}

static bool internal_topic(const inv_topic_t *t) { return strncmp(t->name, "__", 2) == 0; }

/* True when a version ("0.10.2", "0.10.2-IV1", "< 0.10", "3.9", ">= 4.0")
 * is before 0.11, the release that brought record headers (format v2). */
static bool before_0_11(const char *v) {
    if (!v) return false;
    bool below = false;
    for (; *v == ' ' || *v == '<' || *v == '>' || *v == '='; v++)
        if (*v == '<') below = true;
    char *end;
    long major = strtol(v, &end, 10);
    if (end == v || major > 0) return false;
    long minor = *end == '.' ? strtol(end + 1, NULL, 10) : 0;
    return below ? minor <= 11 : minor < 11;
}

/* Sampled records/s and bytes/s produced, summed over topics. */
static void traffic(const inventory_t *inv, double *rps, double *bps) {
    *rps = *bps = 0;
    for (size_t i = 0; i < inv->ntopics; i++) {
        *rps += inv->topics[i].records_per_s;
        *bps += inv->topics[i].records_per_s * inv->topics[i].avg_record_bytes;
    }
}

static void fmt_ms(int64_t ms, char *buf, size_t n) {
    static const struct { int64_t ms; const char *unit; } units[] = {
        {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
    if (ms < 0) {
        snprintf(buf, n, "unlimited");
        return;
    }
    if (ms == 0) {
        snprintf(buf, n, "?");
        return;
    }
    size_t u = 0;
    while (ms % units[u].ms) u++;
    snprintf(buf, n, "%" PRId64 "%s", ms / units[u].ms, units[u].unit);
}

static void fmt_bytes(double b, char *buf, size_t n) {
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    size_t u = 0;
    while (b >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
        b /= 1024;
        u++;
    }
    snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", b, units[u]);
}

/* ---- warnings ---- */

typedef struct names {
    sbuf_t b;
    size_t n;
} names_t;

static void names_add(names_t *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void names_add(names_t *l, const char *fmt, ...) {
    if (l->n++ >= NAMES_SHOWN) return;
    if (l->b.len) sbuf_puts(&l->b, ", ");
    va_list ap;
    va_start(ap, fmt);
    sbuf_vprintf(&l->b, fmt, ap);
    va_end(ap);
}

/* The list as text ("a, b and 3 more"); frees it. The result is owned by
 * the caller. */
static char *names_take(names_t *l) {
    if (l->n > NAMES_SHOWN) sbuf_printf(&l->b, " and %zu more", l->n - NAMES_SHOWN);
    char *s = l->b.s ? l->b.s : xstrdup("");
    memset(l, 0, sizeof *l);
    return s;
}

static void warn(assess_warnings_t *w, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void warn(assess_warnings_t *w, const char *code, const char *fmt, ...) {
    sbuf_t b = {0};
    va_list ap;
    va_start(ap, fmt);
    sbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    w->items = xrealloc(w->items, (w->n + 1) * sizeof *w->items);
    w->items[w->n].code = code;
    w->items[w->n].text = b.s;
    w->n++;
}

/* Warns "<before><names><after>" when the list is not empty. */
static void warn_list(assess_warnings_t *w, const char *code, names_t *l, const char *before,
                      const char *after) {
    if (!l->n) return;
    char *names = names_take(l);
    warn(w, code, "%s%s%s", before, names, after);
    free(names);
}

void assess_warnings_clear(assess_warnings_t *w) {
    for (size_t i = 0; i < w->n; i++) free(w->items[i].text);
    free(w->items);
    w->items = NULL;
    w->n = 0;
}

static void warn_configs_unread(const inventory_t *inv, const char *side, assess_warnings_t *w) {
    if (!inv || !inv->configs_error) return;
    warn(w, "configs-unread",
         "%s %s: broker and topic configs could not be read (%s); the checks that need them "
         "(auto-create, message size, min.insync.replicas, retention defaults) are incomplete.",
         side, inv->alias, inv->configs_error);
}

static void warn_old_protocol(const inventory_t *src, assess_warnings_t *w) {
    names_t l = {0};
    for (size_t i = 0; i < src->nbrokers; i++)
        if (before_0_11(src->brokers[i].version))
            names_add(&l, "%d (%s)", src->brokers[i].id, src->brokers[i].version);
    warn_list(w, "old-protocol", &l, "Source brokers ",
              " run Kafka before 0.11: records have no headers, producers no idempotence or "
              "transactions, and old consumers may keep their offsets in ZooKeeper (read them "
              "with kmig offsets --from-zookeeper).");
    const char *fv = bcfg(src, "log.message.format.version");
    if (before_0_11(fv)) names_add(&l, "brokers (log.message.format.version=%s)", fv);
    for (size_t i = 0; i < src->ntopics; i++) {
        const char *v = tcfg(&src->topics[i], "message.format.version");
        if (before_0_11(v)) names_add(&l, "%s (message.format.version=%s)", src->topics[i].name, v);
    }
    warn_list(w, "old-protocol", &l, "Records are stored in a pre-0.11 format on the source: ",
              "; they carry no headers, and the broker converts them for every newer client.");
}

static void warn_topic_kinds(const inventory_t *src, assess_warnings_t *w) {
    names_t compacted = {0}, txn = {0};
    for (size_t i = 0; i < src->ntopics; i++) {
        const inv_topic_t *t = &src->topics[i];
        if (internal_topic(t)) continue;
        if (t->compacted) names_add(&compacted, "%s", t->name);
        if (t->transactional) names_add(&txn, "%s", t->name);
    }
    warn_list(w, "compacted", &compacted, "Compacted topics: ",
              ". The copy gets new, gapless offsets and is compacted again on the target's "
              "schedule, so consumers must start from translated offsets (kmig offsets), and "
              "delete.retention.ms must keep tombstones long enough to be copied.");
    warn_list(w, "transactional", &txn, "Transaction markers were seen in: ",
              ". Markers are not copied and aborted records are skipped when reading "
              "read_committed, so target offsets do not line up with source offsets: move "
              "consumers with translated offsets (kmig offsets).");
}

static void warn_rf(const inventory_t *src, const inventory_t *tgt, int rf,
                    assess_warnings_t *w) {
    if (rf < 1) return;
    if (tgt && tgt->nbrokers && (size_t)rf > tgt->nbrokers)
        warn(w, "rf-brokers",
             "The replication factor %d for new topics is above the %zu brokers of target %s: "
             "creating topics there fails (INVALID_REPLICATION_FACTOR).",
             rf, tgt->nbrokers, tgt->alias);
    names_t l = {0};
    for (size_t i = 0; i < src->ntopics; i++) {
        const inv_topic_t *t = &src->topics[i];
        if (!internal_topic(t) && t->replication_factor > rf)
            names_add(&l, "%s (RF %d)", t->name, t->replication_factor);
    }
    char before[128];
    snprintf(before, sizeof before,
             "Topics get replication factor %d on the target, fewer copies than on the source: ",
             rf);
    warn_list(w, "rf-lower", &l, before, ".");
}

static char *normalized(const char *name) {
    char *s = xstrdup(name);
    for (char *p = s; *p; p++)
        if (*p == '.') *p = '_';
    return s;
}

static void warn_collisions(const inventory_t *src, const inventory_t *tgt,
                               assess_warnings_t *w) {
    names_t parts = {0}, dots = {0};
    strmap_t *seen = strmap_new(); /* normalized name -> a topic name having it */
    for (size_t i = 0; i < tgt->ntopics; i++) {
        char *k = normalized(tgt->topics[i].name);
        strmap_put(seen, k, tgt->topics[i].name);
        free(k);
    }
    for (size_t i = 0; i < src->ntopics; i++) {
        const inv_topic_t *t = &src->topics[i];
        if (internal_topic(t)) continue;
        const inv_topic_t *on = inventory_topic(tgt, t->name);
        if (on && on->partitions != t->partitions)
            names_add(&parts, "%s (source %d, target %d)", t->name, t->partitions,
                      on->partitions);
        char *k = normalized(t->name);
        const char *other = strmap_get(seen, k);
        if (other && strcmp(other, t->name) != 0) names_add(&dots, "%s vs %s", t->name, other);
        else if (!other) strmap_put(seen, k, t->name);
        free(k);
    }
    strmap_destroy(seen);
    warn_list(w, "name-collision", &parts,
              "Topics already exist on the target with another partition count: ",
              ". Keyed records are spread by partition count, so they land in other partitions "
              "than on the source; kmig plan adds partitions to a smaller topic but never "
              "removes any.");
    warn_list(w, "name-collision", &dots, "Topic names that differ only by '.' and '_': ",
              ". Kafka refuses to create a topic that collides this way with an existing one.");
}

static void warn_auto_create(const inventory_t *tgt, assess_warnings_t *w) {
    if (!tgt->broker_configs.n) return;
    const char *v = bcfg(tgt, "auto.create.topics.enable");
    if (v && strcmp(v, "true") != 0) return;
    const char *np = bcfg(tgt, "num.partitions"), *rf = bcfg(tgt, "default.replication.factor");
    warn(w, "auto-create",
         "Target %s has auto.create.topics.enable=%s: a client that produces to or fetches "
         "from a topic before kmig creates it makes the topic with the broker defaults "
         "(num.partitions=%s, default.replication.factor=%s) and none of the source's "
         "configs. Set it to false for the migration (MSK's default configuration does).",
         tgt->alias, v ? v : "true (Kafka's default; not reported)", np ? np : "?",
         rf ? rf : "?");
}

static void warn_message_size(const inventory_t *src, const inventory_t *tgt,
                              assess_warnings_t *w) {
    int64_t sb, tb;
    if (!bcfg_i64(tgt, "message.max.bytes", &tb)) return;
    if (!bcfg_i64(src, "message.max.bytes", &sb)) sb = KAFKA_MESSAGE_MAX_BYTES;
    names_t relying = {0}, above = {0};
    for (size_t i = 0; i < src->ntopics; i++) {
        const inv_topic_t *t = &src->topics[i];
        if (internal_topic(t)) continue;
        int64_t own;
        if (!parse_i64(tcfg(t, "max.message.bytes"), &own)) {
            if (sb > tb) names_add(&relying, "%s", t->name);
        } else if (own > tb) {
            names_add(&above, "%s (%" PRId64 ")", t->name, own);
        }
    }
    char before[256];
    snprintf(before, sizeof before,
             "Source brokers accept batches up to %" PRId64 " bytes (message.max.bytes) but "
             "target brokers only %" PRId64 ": topics without their own max.message.bytes (",
             sb, tb);
    warn_list(w, "max-message-bytes", &relying, before,
              ") can hold batches the target rejects.");
    snprintf(before, sizeof before,
             "Topics set max.message.bytes above the target brokers' message.max.bytes "
             "(%" PRId64 "): ",
             tb);
    warn_list(w, "max-message-bytes", &above, before,
              ". The topic setting is copied with the topic and wins there; the mirror's "
              "producer must also allow batches that large "
              "(<target>.producer.max.request.size).");
}

static void warn_min_isr(const inventory_t *src, const inventory_t *tgt, int rf,
                         assess_warnings_t *w) {
    int64_t sd, td;
    bool have_sd = bcfg_i64(src, "min.insync.replicas", &sd);
    bool have_td = bcfg_i64(tgt, "min.insync.replicas", &td);
    names_t relying = {0}, capped = {0}, equal = {0}, above = {0};
    for (size_t i = 0; i < src->ntopics; i++) {
        const inv_topic_t *t = &src->topics[i];
        if (internal_topic(t)) continue;
        int64_t own;
        bool has_own = parse_i64(tcfg(t, "min.insync.replicas"), &own);
        if (!has_own && have_sd && have_td && sd != td) names_add(&relying, "%s", t->name);
        if (rf < 1) continue;
        if (has_own && own > rf) {
            names_add(&capped, "%s (%" PRId64 ")", t->name, own);
            own = rf;
        }
        int64_t eff = has_own ? own : have_td ? td : 0;
        if (eff == rf) names_add(&equal, "%s", t->name);
        else if (eff > rf) names_add(&above, "%s", t->name);
    }
    char before[256], after[64];
    snprintf(before, sizeof before,
             "min.insync.replicas defaults differ: source brokers %" PRId64
             ", target brokers %" PRId64 "; topics relying on the default (",
             sd, td);
    warn_list(w, "min-isr", &relying, before,
              ") change durability: a higher value makes acks=all producers fail sooner, a "
              "lower one acknowledges writes held by fewer replicas.");
    snprintf(before, sizeof before,
             "Topics set min.insync.replicas above the target replication factor %d: ", rf);
    snprintf(after, sizeof after, "; kmig creates them with min.insync.replicas=%d.", rf);
    warn_list(w, "min-isr", &capped, before, after);
    snprintf(before, sizeof before,
             "min.insync.replicas equals the replication factor %d on the target for: ", rf);
    warn_list(w, "min-isr", &equal, before,
              "; acks=all producers stop whenever one replica is offline, as in MSK's rolling "
              "updates (AWS recommends at most RF - 1).");
    snprintf(before, sizeof before,
             "The target's default min.insync.replicas (%" PRId64
             ") is above the replication factor %d: acks=all writes to ",
             have_td ? td : 0, rf);
    warn_list(w, "min-isr", &above, before, " will fail.");
}

/* One retention default: warns when source and target brokers differ,
 * naming the topics without their own `topic_key`. */
static void drift(const inventory_t *src, const char *topic_key, const char *what,
                  const char *sv, const char *tv, const char *consequence,
                  assess_warnings_t *w) {
    if (strcmp(sv, tv) == 0) return;
    names_t l = {0};
    for (size_t i = 0; i < src->ntopics; i++) {
        const inv_topic_t *t = &src->topics[i];
        if (!internal_topic(t) && !tcfg(t, topic_key)) names_add(&l, "%s", t->name);
    }
    char before[256], after[320];
    snprintf(before, sizeof before,
             "Cluster default %s differs: source brokers %s, target brokers %s. Topics without "
             "their own %s follow the target's default: ",
             what, sv, tv, topic_key);
    snprintf(after, sizeof after, ".%s%s", consequence ? " " : "", consequence ? consequence : "");
    warn_list(w, "retention-drift", &l, before, after);
}

static void warn_retention(const inventory_t *src, const inventory_t *tgt,
                           assess_warnings_t *w) {
    if (!src->broker_configs.n || !tgt->broker_configs.n) return;
    char sv[64], tv[64], why[256];
    int64_t sms = inventory_broker_retention_ms(src), tms = inventory_broker_retention_ms(tgt);
    fmt_ms(sms, sv, sizeof sv);
    fmt_ms(tms, tv, sizeof tv);
    bool shorter = tms >= 0 && (sms < 0 || tms < sms);
    snprintf(why, sizeof why,
             "Copied records keep their source timestamps, so those older than %s are deleted "
             "soon after they are copied.",
             tv);
    drift(src, "retention.ms", "retention (log.retention.ms/minutes/hours)", sv, tv,
          shorter ? why : NULL, w);

    int64_t sb = -1, tb = -1;
    bcfg_i64(src, "log.retention.bytes", &sb);
    bcfg_i64(tgt, "log.retention.bytes", &tb);
    snprintf(sv, sizeof sv, "%" PRId64, sb);
    snprintf(tv, sizeof tv, "%" PRId64, tb);
    drift(src, "retention.bytes", "log.retention.bytes", sv, tv,
          tb >= 0 && (sb < 0 || tb < sb)
              ? "Partitions larger than that lose their oldest copied records."
              : NULL,
          w);

    const char *sp = bcfg(src, "log.cleanup.policy"), *tp = bcfg(tgt, "log.cleanup.policy");
    drift(src, "cleanup.policy", "log.cleanup.policy", sp ? sp : "delete", tp ? tp : "delete",
          NULL, w);
}

void assess_warnings(const inventory_t *src, const inventory_t *tgt, int target_rf,
                     assess_warnings_t *out) {
    int64_t rf = target_rf;
    if (rf < 1 && !bcfg_i64(tgt, "default.replication.factor", &rf)) rf = 0;
    warn_configs_unread(src, "Source", out);
    warn_configs_unread(tgt, "Target", out);
    warn_old_protocol(src, out);
    warn_topic_kinds(src, out);
    warn_rf(src, tgt, (int)rf, out);
    if (!tgt) return;
    warn_collisions(src, tgt, out);
    warn_auto_create(tgt, out);
    warn_message_size(src, tgt, out);
    warn_min_isr(src, tgt, (int)rf, out);
    warn_retention(src, tgt, out);
}

/* ---- text ---- */

/* A table of strings printed with aligned columns; row 0 is the header.
 * `align` has one 'l' or 'r' per column. Cells are owned by the table. */
typedef struct table {
    size_t ncols, nrows;
    const char *align;
    char **cells;
} table_t;

static void table_row(table_t *t, ...) {
    t->cells = xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof *t->cells);
    va_list ap;
    va_start(ap, t);
    for (size_t c = 0; c < t->ncols; c++) t->cells[t->nrows * t->ncols + c] = va_arg(ap, char *);
    va_end(ap);
    t->nrows++;
}

/* Prints the table indented by `indent` spaces and frees it. */
static void table_out(table_t *t, int indent, sbuf_t *out) {
    size_t *width = xcalloc(t->ncols, sizeof *width);
    for (size_t i = 0; i < t->nrows * t->ncols; i++) {
        size_t n = strlen(t->cells[i]);
        if (n > width[i % t->ncols]) width[i % t->ncols] = n;
    }
    for (size_t r = 0; r < t->nrows; r++) {
        sbuf_t line = {0};
        sbuf_printf(&line, "%*s", indent, "");
        for (size_t c = 0; c < t->ncols; c++) {
            const char *cell = t->cells[r * t->ncols + c];
            bool last = c + 1 == t->ncols;
            if (t->align[c] == 'r') sbuf_printf(&line, "%*s", (int)width[c], cell);
            else sbuf_printf(&line, "%-*s", last ? 0 : (int)width[c], cell);
            if (!last) sbuf_puts(&line, "  ");
        }
        size_t len = line.len;
        while (len && line.s[len - 1] == ' ') len--;
        sbuf_append(out, line.s, len);
        sbuf_puts(out, "\n");
        sbuf_free(&line);
    }
    for (size_t i = 0; i < t->nrows * t->ncols; i++) free(t->cells[i]);
    free(t->cells);
    free(width);
}

static void text_brokers(const inventory_t *inv, sbuf_t *out) {
    sbuf_printf(out, "  cluster id: %s, controller: %d, brokers: %zu\n",
                inv->cluster_id ? inv->cluster_id : "?", inv->controller_id, inv->nbrokers);
    if (inv->configs_error) sbuf_printf(out, "  configs: not read: %s\n", inv->configs_error);
    table_t t = {4, 0, "rlll", NULL};
    table_row(&t, xstrdup("ID"), xstrdup("HOST:PORT"), xstrdup("RACK"), xstrdup("VERSION"));
    for (size_t i = 0; i < inv->nbrokers; i++) {
        const inv_broker_t *b = &inv->brokers[i];
        table_row(&t, xfmt("%d", b->id), xfmt("%s:%d", b->host, b->port),
                  xstrdup(b->rack ? b->rack : "-"), xstrdup(b->version ? b->version : "?"));
    }
    table_out(&t, 2, out);
}

static void text_topics(const inventory_t *inv, sbuf_t *out) {
    sbuf_printf(out, "\nTopics (%zu)\n", inv->ntopics);
    if (!inv->ntopics) return;
    table_t t = {8, 0, "lrrlrrrr", NULL};
    table_row(&t, xstrdup("NAME"), xstrdup("PARTITIONS"), xstrdup("RF"), xstrdup("RETENTION"),
              xstrdup("RECORDS/S"), xstrdup("AVG SIZE"), xstrdup("RECORDS"), xstrdup("CONFIGS"));
    int64_t partitions = 0, records = 0;
    double rate = 0;
    for (size_t i = 0; i < inv->ntopics; i++) {
        const inv_topic_t *tp = &inv->topics[i];
        char ret[32];
        fmt_ms(tp->retention_ms, ret, sizeof ret);
        table_row(&t, xstrdup(tp->name), xfmt("%d", tp->partitions),
                  xfmt("%d", tp->replication_factor),
                  xfmt("%s%s", ret, tp->compacted ? " compact" : ""),
                  xfmt("%.1f", tp->records_per_s),
                  tp->avg_record_bytes > 0 ? xfmt("%.0f B", tp->avg_record_bytes) : xstrdup("?"),
                  xfmt("%" PRId64, tp->records), xfmt("%zu", tp->configs.n));
        partitions += tp->partitions;
        records += tp->records;
        rate += tp->records_per_s;
    }
    table_row(&t, xstrdup("total"), xfmt("%" PRId64, partitions), xstrdup(""), xstrdup(""),
              xfmt("%.1f", rate), xstrdup(""), xfmt("%" PRId64, records), xstrdup(""));
    table_out(&t, 2, out);
    sbuf_puts(out, "  (CONFIGS: number of non-default topic configs; RETENTION ? = unknown)\n");
}

static void text_groups(const inventory_t *inv, sbuf_t *out) {
    if (inv->groups_error) {
        sbuf_printf(out, "\nConsumer groups: not listed: %s\n", inv->groups_error);
        return;
    }
    sbuf_printf(out, "\nConsumer groups (%zu)\n", inv->ngroups);
    if (!inv->ngroups) return;
    table_t t = {4, 0, "llrr", NULL};
    table_row(&t, xstrdup("NAME"), xstrdup("STATE"), xstrdup("MEMBERS"), xstrdup("LAG"));
    for (size_t i = 0; i < inv->ngroups; i++) {
        const inv_group_t *g = &inv->groups[i];
        table_row(&t, xstrdup(g->name), xstrdup(g->state ? g->state : "?"),
                  xfmt("%d", g->members),
                  g->lag < 0 ? xstrdup("?") : xfmt("%" PRId64, g->lag));
    }
    table_out(&t, 2, out);
}

static void text_acls(const inventory_t *inv, sbuf_t *out) {
    if (inv->acls_error) {
        sbuf_printf(out, "\nACLs: not listed: %s\n", inv->acls_error);
    } else {
        sbuf_printf(out, "\nACLs (%zu)", inv->nacls);
        strmap_t *by_type = strmap_new();
        const char **order = xcalloc(inv->nacls + 1, sizeof *order);
        size_t ntypes = 0;
        for (size_t i = 0; i < inv->nacls; i++) {
            size_t *n = strmap_get(by_type, inv->acls[i].resource_type);
            if (!n) {
                n = xcalloc(1, sizeof *n);
                strmap_put(by_type, inv->acls[i].resource_type, n);
                order[ntypes++] = inv->acls[i].resource_type;
            }
            (*n)++;
        }
        for (size_t i = 0; i < ntypes; i++) {
            size_t *n = strmap_get(by_type, order[i]);
            sbuf_printf(out, "%s%s %zu", i ? ", " : ": ", order[i], *n);
            free(n);
        }
        sbuf_puts(out, "\n");
        strmap_destroy(by_type);
        free(order);
        if (inv->nacls && inv->nacls <= ACL_BINDINGS_SHOWN) {
            table_t t = {7, 0, "lllllll", NULL};
            table_row(&t, xstrdup("RESOURCE"), xstrdup("PATTERN"), xstrdup("NAME"),
                      xstrdup("PRINCIPAL"), xstrdup("HOST"), xstrdup("OPERATION"),
                      xstrdup("PERMISSION"));
            for (size_t i = 0; i < inv->nacls; i++) {
                const inv_acl_t *a = &inv->acls[i];
                table_row(&t, xstrdup(a->resource_type), xstrdup(a->pattern),
                          xstrdup(a->resource_name), xstrdup(a->principal), xstrdup(a->host),
                          xstrdup(a->operation), xstrdup(a->permission));
            }
            table_out(&t, 2, out);
        } else if (inv->nacls) {
            sbuf_printf(out, "  (more than %d bindings: see the JSON report)\n",
                        ACL_BINDINGS_SHOWN);
        }
    }
    if (inv->scram_note) sbuf_printf(out, "SCRAM users: not listed: %s\n", inv->scram_note);
    else if (inv->nscram) sbuf_printf(out, "SCRAM users: %zu\n", inv->nscram);
}

static void text_traffic(const inventory_t *inv, sbuf_t *out) {
    sbuf_puts(out, "\nTraffic\n");
    if (inv->sample_s <= 0) {
        sbuf_puts(out, "  not sampled: records/s and record sizes are unknown, and the sizing "
                       "below has no throughput limits\n");
        return;
    }
    double rps, bps;
    traffic(inv, &rps, &bps);
    sbuf_printf(out, "  sampled over %.0f s: %.1f records/s, %.0f bytes/s produced\n",
                inv->sample_s, rps, bps);
}

static void text_sizing_class(const sizing_class_t *c, sbuf_t *out) {
    table_t t = {2, 0, "ll", NULL};
    for (int k = 0; k < SIZING_NBOUNDS; k++)
        if (c->bounds[k].applies)
            table_row(&t, xfmt("by %s", bound_names[k]), xstrdup(c->bounds[k].formula));
    table_row(&t, xstrdup("brokers"), xstrdup(c->brokers_formula));
    if (c->spec->kind == SIZING_STANDARD)
        table_row(&t, xstrdup("volume"), xstrdup(c->volume_formula));
    table_out(&t, 4, out);
}

/* The kmig fleet: workers for the catch-up time (sizing.h). */
static void text_workers(const sizing_t *s, sbuf_t *out) {
    const sizing_workers_t *w = &s->workers;
    sbuf_printf(out,
                "\n  kmig workers to copy the backlog within %.2f h while keeping up "
                "(--catch-up-hours; one core each):\n",
                s->in.catch_up_hours);
    table_t t = {2, 0, "ll", NULL};
    table_row(&t, xstrdup("worker rate"), xstrdup(w->rate_formula));
    table_row(&t, xstrdup("workers"), xstrdup(w->formula));
    table_row(&t, xstrdup("catch-up"), xstrdup(w->time_formula));
    table_out(&t, 4, out);
    sbuf_printf(out,
                "    Cost per record and per byte: kmig's own, measured by `make bench` "
                "(docs/ASSESS.md); --cost-per-record-us and --cost-per-byte-ns override them.%s\n",
                s->in.sampled ? "" : " Traffic was not sampled: live records/s counted as 0.");
}

static void text_sizing(const sizing_t *s, sbuf_t *out) {
    const sizing_input_t *in = &s->in;
    char retained[32], current[32];
    fmt_bytes(in->retained_bytes, retained, sizeof retained);
    fmt_bytes(in->current_bytes, current, sizeof current);
    sbuf_puts(out, "\nSizing for Amazon MSK (docs/ASSESS.md)\n");
    sbuf_puts(out, "  Inputs, from the source's topics (internal __* topics left out):\n");
    table_t t = {2, 0, "ll", NULL};
    table_row(&t, xstrdup("ingress"),
              xfmt("%.0f B/s = %.2f MB/s = %.2f MiB/s, %.1f records/s%s", in->ingress_bps,
                   in->ingress_bps / 1e6, in->ingress_bps / 1048576.0, in->records_ps,
                   in->sampled ? "" : " (not sampled)"));
    table_row(&t, xstrdup("egress"),
              xfmt("%.0f B/s = %.2f MB/s: each topic's ingress x the consumer groups reading it "
                   "(%zu group-topic reads%s)",
                   in->egress_bps, in->egress_bps / 1e6, in->group_reads,
                   in->egress_assumed ? "; groups not listed, one reader per topic assumed" : ""));
    table_row(&t, xstrdup("partitions"),
              xfmt("%" PRId64 " leaders; replication factor %d on Standard, always 3 on Express",
                   in->partitions, in->target_rf));
    table_row(&t, xstrdup("retained"),
              xfmt("%s (%.2f GiB): per topic max(ingress x retention, records x avg size), "
                   "one copy",
                   retained, in->retained_bytes / 1073741824.0));
    table_row(&t, xstrdup("current"), xfmt("%s: records x avg record size, one copy", current));
    table_row(&t, xstrdup("headroom"),
              xfmt("%.0f%% of each Standard volume kept free (fill %.2f)", in->headroom * 100,
                   1.0 - in->headroom));
    table_row(&t, xstrdup("AZs"), xfmt("%d (Express: always 3)", in->azs));
    table_out(&t, 4, out);
    if (in->unsized_topics)
        sbuf_printf(out,
                    "  %zu topics have records but no sampled record size: their data is not "
                    "counted.\n",
                    in->unsized_topics);

    sbuf_puts(out, "\n  Standard brokers: storage is an EBS volume per broker (VOLUME GiB)\n");
    table_t st = {10, 0, "lrrrrrrrrr", NULL};
    table_row(&st, xstrdup("CLASS"), xstrdup("PART/BROKER"), xstrdup("STORAGE MiB/s"),
              xstrdup("BY AZS"), xstrdup("BY PARTITIONS"), xstrdup("BY WRITES"),
              xstrdup("BY VOLUME"), xstrdup("BROKERS"), xstrdup("VCPUS"), xstrdup("VOLUME GiB"));
    table_t ex = {10, 0, "lrrrrrrrrr", NULL};
    table_row(&ex, xstrdup("CLASS"), xstrdup("PART/BROKER"), xstrdup("IN MB/s"),
              xstrdup("OUT MB/s"), xstrdup("BY AZS"), xstrdup("BY PARTITIONS"),
              xstrdup("BY INGRESS"), xstrdup("BY EGRESS"), xstrdup("BROKERS"), xstrdup("VCPUS"));
    for (size_t i = 0; i < s->nclasses; i++) {
        const sizing_class_t *c = &s->classes[i];
        const sizing_spec_t *p = c->spec;
        const sizing_bound_t *b = c->bounds;
        if (p->kind == SIZING_STANDARD)
            table_row(&st, xfmt("%s%s", p->name, p->production ? "" : " (dev/test)"),
                      xfmt("%d", p->partitions_recommended), xfmt("%.1f", p->storage_mibps),
                      xfmt("%d", b[SIZING_BY_AZS].brokers),
                      xfmt("%d", b[SIZING_BY_PARTITIONS].brokers),
                      xfmt("%d", b[SIZING_BY_WRITES].brokers),
                      xfmt("%d", b[SIZING_BY_VOLUME].brokers), xfmt("%d", c->brokers),
                      xfmt("%d", c->vcpus), xfmt("%" PRId64, c->volume_gib));
        else
            table_row(&ex, xstrdup(p->name), xfmt("%d", p->partitions_recommended),
                      xfmt("%.1f", p->ingress_mbps), xfmt("%.1f", p->egress_mbps),
                      xfmt("%d", b[SIZING_BY_AZS].brokers),
                      xfmt("%d", b[SIZING_BY_PARTITIONS].brokers),
                      xfmt("%d", b[SIZING_BY_INGRESS].brokers),
                      xfmt("%d", b[SIZING_BY_EGRESS].brokers), xfmt("%d", c->brokers),
                      xfmt("%d", c->vcpus));
    }
    table_out(&st, 4, out);
    sbuf_printf(out,
                "\n  Express brokers: storage is pay-as-you-go, nothing to provision (%s "
                "retained, one copy)\n",
                retained);
    table_out(&ex, 4, out);

    static const char *const kinds[] = {"Standard", "Express"};
    for (int k = 0; k < 2; k++) {
        if (s->recommended[k] < 0) continue;
        const sizing_class_t *c = &s->classes[s->recommended[k]];
        sbuf_printf(out, "\n  Recommended %s: %d x %s", kinds[k], c->brokers, c->spec->name);
        if (c->volume_gib) sbuf_printf(out, " with %" PRId64 " GiB volumes", c->volume_gib);
        sbuf_printf(out, " (fewest total vCPUs, %d, a proxy for price)\n", c->vcpus);
        text_sizing_class(c, out);
    }
    text_workers(s, out);
    sbuf_puts(out, "\n  Sources:\n");
    for (const char *const *src = sizing_sources; *src; src++) sbuf_printf(out, "    %s\n", *src);
}

void assess_render_text(const inventory_t *src, const inventory_t *tgt, const sizing_t *s,
                        const assess_warnings_t *w, sbuf_t *out) {
    sbuf_printf(out, "Source cluster %s (%s)\n", src->alias, src->bootstrap);
    text_brokers(src, out);
    text_topics(src, out);
    text_groups(src, out);
    text_acls(src, out);
    text_traffic(src, out);
    if (tgt) {
        sbuf_printf(out, "\nTarget cluster %s (%s)\n", tgt->alias, tgt->bootstrap);
        text_brokers(tgt, out);
        sbuf_printf(out, "  topics: %zu\n", tgt->ntopics);
    }
    if (s) text_sizing(s, out);
    if (!w || !w->n) {
        sbuf_puts(out, "\nWarnings: none\n");
        return;
    }
    sbuf_printf(out, "\nWarnings (%zu)\n", w->n);
    for (size_t i = 0; i < w->n; i++)
        sbuf_printf(out, "  [%s] %s\n", w->items[i].code, w->items[i].text);
}

/* ---- JSON ---- */

static json_t *jstr(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *json_cluster(const inventory_t *inv) {
    json_t *brokers = json_array();
    for (size_t i = 0; i < inv->nbrokers; i++) {
        const inv_broker_t *b = &inv->brokers[i];
        json_array_append_new(brokers,
                              json_pack("{s:i,s:s,s:i,s:o,s:o}", "id", (int)b->id, "host",
                                        b->host, "port", b->port, "rack", jstr(b->rack),
                                        "version", jstr(b->version)));
    }
    return json_pack("{s:s,s:s,s:o,s:i,s:o,s:o,s:I}", "alias", inv->alias, "bootstrap",
                     inv->bootstrap, "cluster_id", jstr(inv->cluster_id), "controller_id",
                     (int)inv->controller_id, "configs_error", jstr(inv->configs_error),
                     "brokers", brokers, "topic_count", (json_int_t)inv->ntopics);
}

static json_t *json_topics(const inventory_t *inv) {
    json_t *arr = json_array();
    for (size_t i = 0; i < inv->ntopics; i++) {
        const inv_topic_t *t = &inv->topics[i];
        json_t *configs = json_object();
        for (size_t c = 0; c < t->configs.n; c++)
            if (!t->configs.items[c].secret)
                json_object_set_new(configs, t->configs.items[c].key,
                                    jstr(t->configs.items[c].value));
        json_array_append_new(
            arr, json_pack("{s:s,s:i,s:i,s:I,s:I,s:b,s:b,s:I,s:I,s:f,s:f,s:o}", "name",
                           t->name, "partitions", (int)t->partitions, "replication_factor",
                           t->replication_factor, "retention_ms", (json_int_t)t->retention_ms,
                           "retention_bytes", (json_int_t)t->retention_bytes, "compacted",
                           t->compacted, "transactional", t->transactional, "records",
                           (json_int_t)t->records, "bytes_on_disk",
                           (json_int_t)t->bytes_on_disk, "records_per_s", t->records_per_s,
                           "avg_record_bytes", t->avg_record_bytes, "configs", configs));
    }
    return arr;
}

static json_t *json_groups(const inventory_t *inv) {
    json_t *arr = json_array();
    for (size_t i = 0; i < inv->ngroups; i++) {
        const inv_group_t *g = &inv->groups[i];
        json_array_append_new(arr, json_pack("{s:s,s:o,s:i,s:I,s:I,s:o}", "name", g->name,
                                             "state", jstr(g->state), "members", g->members,
                                             "lag", (json_int_t)g->lag, "partitions",
                                             (json_int_t)g->partitions, "topics",
                                             jstr(g->topics)));
    }
    return arr;
}

static json_t *json_acls(const inventory_t *inv) {
    json_t *bindings = json_array(), *by_type = json_object();
    for (size_t i = 0; i < inv->nacls; i++) {
        const inv_acl_t *a = &inv->acls[i];
        json_t *n = json_object_get(by_type, a->resource_type);
        json_object_set_new(by_type, a->resource_type,
                            json_integer(n ? json_integer_value(n) + 1 : 1));
        json_array_append_new(
            bindings, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "resource_type",
                                a->resource_type, "resource_name", a->resource_name, "pattern",
                                a->pattern, "principal", a->principal, "host", a->host,
                                "operation", a->operation, "permission", a->permission));
    }
    return json_pack("{s:o,s:o,s:o,s:I,s:o}", "error", jstr(inv->acls_error), "by_resource_type",
                     by_type, "bindings", bindings, "scram_users", (json_int_t)inv->nscram,
                     "scram_note", jstr(inv->scram_note));
}

static json_t *json_sizing(const sizing_t *s) {
    const sizing_input_t *in = &s->in;
    json_t *inputs = json_pack(
        "{s:b,s:f,s:f,s:f,s:I,s:b,s:I,s:i,s:f,s:f,s:I,s:f,s:i}", "sampled", in->sampled,
        "ingress_bytes_per_s", in->ingress_bps, "records_per_s", in->records_ps,
        "egress_bytes_per_s", in->egress_bps, "group_reads", (json_int_t)in->group_reads,
        "egress_assumed", in->egress_assumed, "partitions", (json_int_t)in->partitions,
        "target_replication_factor", in->target_rf, "retained_bytes", in->retained_bytes,
        "current_bytes", in->current_bytes, "unsized_topics", (json_int_t)in->unsized_topics,
        "headroom", in->headroom, "availability_zones", in->azs);
    json_t *classes = json_array();
    for (size_t i = 0; i < s->nclasses; i++) {
        const sizing_class_t *c = &s->classes[i];
        const sizing_spec_t *p = c->spec;
        json_t *bounds = json_object();
        for (int k = 0; k < SIZING_NBOUNDS; k++)
            if (c->bounds[k].applies)
                json_object_set_new(bounds, bound_names[k],
                                    json_pack("{s:i,s:s}", "brokers", c->bounds[k].brokers,
                                              "formula", c->bounds[k].formula));
        json_t *spec = json_pack("{s:i,s:b,s:i,s:i}", "vcpus", p->vcpus, "production",
                                 p->production, "partitions_recommended",
                                 p->partitions_recommended, "partitions_max", p->partitions_max);
        if (p->kind == SIZING_EXPRESS) {
            json_object_set_new(spec, "ingress_mb_per_s", json_real(p->ingress_mbps));
            json_object_set_new(spec, "egress_mb_per_s", json_real(p->egress_mbps));
        } else {
            json_object_set_new(spec, "storage_mib_per_s", json_real(p->storage_mibps));
        }
        json_t *cj = json_pack("{s:s,s:s,s:o,s:o,s:i,s:s,s:i}", "name", p->name, "kind",
                               p->kind == SIZING_EXPRESS ? "express" : "standard", "aws", spec,
                               "bounds", bounds, "brokers", c->brokers, "brokers_formula",
                               c->brokers_formula, "total_vcpus", c->vcpus);
        if (p->kind == SIZING_STANDARD) {
            json_object_set_new(cj, "volume_gib", json_integer(c->volume_gib));
            json_object_set_new(cj, "volume_formula", json_string(c->volume_formula));
        } else {
            json_object_set_new(cj, "storage", json_string("pay-as-you-go"));
        }
        json_array_append_new(classes, cj);
    }
    json_t *sources = json_array();
    for (const char *const *src = sizing_sources; *src; src++)
        json_array_append_new(sources, json_string(*src));
    json_t *recommended = json_object();
    static const char *const kinds[] = {"standard", "express"};
    for (int k = 0; k < 2; k++) {
        int i = s->recommended[k];
        json_object_set_new(recommended, kinds[k],
                            i < 0 ? json_null() : json_string(s->classes[i].spec->name));
    }
    const sizing_workers_t *w = &s->workers;
    json_t *workers = json_pack(
        "{s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:i,s:b,s:f,s:s,s:s,s:s}", "catch_up_hours_target",
        in->catch_up_hours, "backlog_records", in->current_records, "cost_per_record_us",
        in->record_us, "cost_per_byte_ns", in->byte_ns, "record_bytes", w->record_bytes,
        "worker_records_per_s", w->worker_rps, "needed_records_per_s", w->need_rps, "workers",
        w->workers, "capped_by_partitions", w->capped, "catch_up_hours", w->catch_up_hours,
        "rate_formula", w->rate_formula, "formula", w->formula, "catch_up_formula",
        w->time_formula);
    return json_pack("{s:o,s:o,s:o,s:o,s:o}", "inputs", inputs, "classes", classes,
                     "recommended", recommended, "workers", workers, "sources", sources);
}

json_t *assess_render_json(const inventory_t *src, const inventory_t *tgt, const sizing_t *s,
                           const assess_warnings_t *w) {
    double rps, bps;
    traffic(src, &rps, &bps);
    json_t *warnings = json_array();
    for (size_t i = 0; w && i < w->n; i++)
        json_array_append_new(warnings, json_pack("{s:s,s:s}", "code", w->items[i].code, "text",
                                                  w->items[i].text));
    json_t *source = json_cluster(src);
    json_object_set_new(source, "topics", json_topics(src));
    json_object_set_new(source, "groups", json_groups(src));
    json_object_set_new(source, "groups_error", jstr(src->groups_error));
    json_object_set_new(source, "acls", json_acls(src));
    json_object_set_new(source, "traffic",
                        json_pack("{s:f,s:f,s:f}", "sample_s", src->sample_s, "records_per_s",
                                  rps, "bytes_per_s", bps));
    return json_pack("{s:o,s:o,s:o,s:o}", "source", source, "target",
                     tgt ? json_cluster(tgt) : json_null(), "sizing",
                     s ? json_sizing(s) : json_null(), "warnings", warnings);
}

/* `kmig verify`: proves a copy. For every copied partition (or a --topic,
 * --partition, --since window, or a --sample of partitions and ranges) it
 * reads the source and the target side by side through the offset map kept on
 * the target (verify/verify.c, streamed: any partition size), N partitions at
 * once (--parallel, each worker with its own pair of consumers), and reports
 * per partition what matched, what is missing, different, extra, foreign
 * (written to the target by someone else) or pending, with the first
 * mismatch's offsets and fields; then each selected consumer group's target
 * commit against the exact translation of its source commit. When the
 * opposite flow exists (the way back, docs/CUTOVER.md), its copies on the
 * source and the target's records it copied back are counted apart
 * (other_flow_copies, other_flow_originals), not as differences. A table or
 * --json (docs/VERIFY.md); progress and the rate on stderr. Exit 0 when all
 * match, 4 when anything differs, 1 when a read failed, 2 on configuration
 * or connection errors. */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "cmd/cmd_back.h"
#include "cmd/cmd_common.h"
#include "core/clock.h"
#include "core/exitcode.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "core/strmap.h"
#include "kafka/kclient.h"
#include "kafka/kgroups.h"
#include "kafka/kread.h"
#include "kafka/map_store.h"
#include "mirror/groups.h"
#include "mirror/name_filter.h"
#include "offsets/map_set.h"
#include "verify/verify.h"
#include "verify/vplan.h"

static void verify_usage(FILE *out) {
    fprintf(out,
            "usage: kmig verify --config FILE [--source A --target B] [--topic T]...\n"
            "                   [--partition P] [--since OFFSET|TIME] [--sample PCT [--seed S]]\n"
            "                   [--parallel N] [--group G]... [--no-groups] [--json]\n"
            "                   [--progress SECONDS] [--log-level L]\n"
            "  Reads every copied partition on both clusters through the offset map and\n"
            "  compares them record by record (key, value, headers, timestamp); then checks\n"
            "  that each group's target commit is the exact translation of its source commit.\n"
            "  --since X     only source offsets from X (an offset), or from a time: 30m, 2h,\n"
            "                1d before now, or 2026-01-31T12:00:00Z\n"
            "  --sample PCT  PCT%% of the partitions, and PCT%% of each one's range, at random\n"
            "                (the seed is printed; --seed S replays a sample)\n"
            "  --topic T     only this source topic (repeatable)\n"
            "  --parallel N  partitions verified at once (default 4)\n"
            "  --group G     only this group (repeatable); default: `groups` of the flow\n"
            "  exit: 0 all match, 4 something differs, 1 a read failed, 2 configuration or\n"
            "        connection error. Output schema: docs/VERIFY.md\n");
}

typedef struct job {
    map_entry_t *e;
    verify_range_t range;
    verify_report_t rep;
    int failed;
    char err[512];
} job_t;

typedef struct pool {
    const cmd_flow_t *cf;
    kv_list_t *s_set, *t_set;
    job_t *jobs;
    size_t njobs;
    atomic_size_t next;
    atomic_llong progress, bytes;
    atomic_int done_jobs, stop;
    int timeout_ms;
    char setup_err[512];
    atomic_int setup_failed;
} pool_t;

static rd_kafka_t *verify_consumer(const pool_t *p, bool source, char *err, size_t errsz) {
    kv_list_t def = {0}, req = {0};
    verify_client_defaults(p->cf->flow, source, &def, &req);
    kclient_opts_t o = {.type = RD_KAFKA_CONSUMER,
                        .name = source ? "verify-source" : "verify-target",
                        .defaults = &def,
                        .settings = source ? p->s_set : p->t_set,
                        .required = &req};
    rd_kafka_t *rk = kclient_new(&o, err, errsz);
    kv_list_clear(&def);
    kv_list_clear(&req);
    return rk;
}

static void *worker(void *arg) {
    pool_t *p = arg;
    char err[512];
    rd_kafka_t *s = verify_consumer(p, true, err, sizeof err);
    rd_kafka_t *t = s ? verify_consumer(p, false, err, sizeof err) : NULL;
    if (!t) {
        if (!atomic_exchange(&p->setup_failed, 1))
            snprintf(p->setup_err, sizeof p->setup_err, "%s", err);
    }
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->njobs) break;
        job_t *j = &p->jobs[i];
        if (!t) {
            j->failed = 1;
            snprintf(j->err, sizeof j->err, "%s", p->setup_err);
        } else if (verify_range(s, t, &j->range, p->timeout_ms, &p->stop, &p->progress, &j->rep,
                                j->err, sizeof j->err)) {
            j->failed = 1;
        }
        atomic_fetch_add(&p->bytes, (long long)j->rep.bytes);
        atomic_fetch_add(&p->done_jobs, 1);
    }
    if (t) rd_kafka_destroy(t);
    if (s) rd_kafka_destroy(s);
    return NULL;
}

/* ok, behind, ahead, not-translatable, error. */
static const char *group_verdict(const group_row_t *r) {
    if (!r->topic || !strcmp(r->status, "failed") || r->source_offset == CHECKPOINT_UNKNOWN ||
        r->target_committed == CHECKPOINT_UNKNOWN)
        return "error";
    if (r->cp.status != OFFSET_MAP_EXACT) return "not-translatable";
    if (r->target_committed == r->cp.target_offset) return "ok";
    return r->target_committed < r->cp.target_offset ? "behind" : "ahead";
}

static json_t *event_json(const vc_event_t *e, unsigned fields) {
    if (e->kind < 0) return json_null();
    json_t *o = json_pack("{s:s,s:I,s:I}", "kind", vc_kind_name((vc_kind_t)e->kind),
                          "source_offset", (json_int_t)e->source_offset, "target_offset",
                          (json_int_t)e->target_offset);
    if (e->kind == VC_DIFFERENT) {
        json_t *a = json_array();
        static const char *const names[] = {"key", "value", "headers", "timestamp"};
        for (int i = 0; i < 4; i++)
            if (fields & (1u << i)) json_array_append_new(a, json_string(names[i]));
        json_object_set_new(o, "differs", a);
    }
    return o;
}

static const char *job_status(const job_t *j) {
    if (j->failed) return "error";
    return vc_failures(&j->rep.vc.n) ? "differs" : "ok";
}

static json_t *job_json(const job_t *j) {
    const verify_report_t *r = &j->rep;
    const vc_counts_t *n = &r->vc.n;
    const offset_map_t *m = j->range.map;
    const offset_seg_t *first = offset_map_at(m, 0);
    json_t *o = json_pack(
        "{s:s,s:i,s:s,s:s,s:s?,s:{s:I,s:I,s:I,s:I},s:{s:I,s:I,s:I,s:I},s:{s:I,s:I,s:I},"
        "s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
        "topic", j->range.source_topic, "partition", (int)j->range.partition, "target_topic",
        j->range.target_topic, "status", job_status(j), "error", j->failed ? j->err : NULL,
        "source", "from", (json_int_t)r->src_from, "to", (json_int_t)r->src_to, "log_start",
        (json_int_t)r->src_lo, "end", (json_int_t)r->src_hi, "target", "from",
        (json_int_t)r->tgt_from, "to", (json_int_t)r->tgt_to, "log_start", (json_int_t)r->tgt_lo,
        "end", (json_int_t)r->tgt_hi, "map", "src_start",
        (json_int_t)(first ? first->src_start : -1), "src_next",
        (json_int_t)offset_map_src_next(m), "tgt_next", (json_int_t)offset_map_tgt_next(m),
        "source_records", (json_int_t)n->source_records, "target_records",
        (json_int_t)n->target_records, "matched", (json_int_t)n->matched, "missing",
        (json_int_t)n->missing, "different", (json_int_t)n->different, "extra",
        (json_int_t)n->extra, "foreign", (json_int_t)n->foreign, "not_copied",
        (json_int_t)n->not_copied, "pending", (json_int_t)n->pending, "source_gone",
        (json_int_t)n->source_gone, "unmapped_copies", (json_int_t)n->unmapped_copies);
    json_object_set_new(o, "other_flow_copies", json_integer((json_int_t)n->other_flow_copies));
    json_object_set_new(o, "other_flow_originals",
                        json_integer((json_int_t)n->other_flow_originals));
    json_object_set_new(o, "first_mismatch", event_json(&r->vc.first, r->first_diff_fields));
    json_t *firsts = json_object();
    for (int k = 0; k < VC_NKINDS; k++) {
        if (r->vc.first_of[k].kind < 0) continue;
        json_t *f = event_json(&r->vc.first_of[k], k == VC_DIFFERENT ? r->first_diff_fields : 0);
        const vc_event_t *l = &r->vc.last_of[k];
        json_object_set_new(f, "last_source_offset", json_integer((json_int_t)l->source_offset));
        json_object_set_new(f, "last_target_offset", json_integer((json_int_t)l->target_offset));
        json_object_set_new(firsts, vc_kind_name((vc_kind_t)k), f);
    }
    json_object_set_new(o, "mismatches", firsts);
    return o;
}

static void print_job_line(const job_t *j) {
    const vc_counts_t *n = &j->rep.vc.n;
    char first[600] = "";
    const vc_event_t *e = &j->rep.vc.first;
    if (j->failed) {
        snprintf(first, sizeof first, "%s", j->err);
    } else if (e->kind >= 0) {
        char f[64];
        snprintf(first, sizeof first, "first %s: source %" PRId64 " target %" PRId64 "%s%s",
                 vc_kind_name((vc_kind_t)e->kind), e->source_offset, e->target_offset,
                 e->kind == VC_DIFFERENT ? " differs in " : "",
                 e->kind == VC_DIFFERENT
                     ? (j->rep.first_diff_fields
                            ? vc_fields_names(j->rep.first_diff_fields, f, sizeof f)
                            : "content")
                     : "");
    }
    printf("%-28s %4d %10" PRId64 " %10" PRId64 " %10" PRId64 " %8" PRId64 " %8" PRId64
           " %8" PRId64 " %8" PRId64 " %8" PRId64 "  %-7s %s\n",
           j->range.source_topic, j->range.partition, n->source_records, n->target_records,
           n->matched, n->missing + n->not_copied, n->different, n->extra, n->foreign, n->pending,
           job_status(j), first);
}

typedef struct opts {
    const char *config, *src, *tgt, *since;
    const char **topics; /* --topic, repeatable */
    size_t ntopics;
    int partition, parallel, progress_s;
    double sample;
    long long seed;
    bool json, no_groups, have_seed;
    const char **groups;
    size_t ngroups;
} opts_t;

static int parse_args(int argc, char **argv, opts_t *o) {
    static const struct option lo[] = {
        {"config", required_argument, 0, 'c'},   {"source", required_argument, 0, 's'},
        {"target", required_argument, 0, 't'},   {"topic", required_argument, 0, 'T'},
        {"partition", required_argument, 0, 'p'}, {"since", required_argument, 0, 'S'},
        {"sample", required_argument, 0, 'm'},   {"seed", required_argument, 0, 'e'},
        {"parallel", required_argument, 0, 'n'}, {"json", no_argument, 0, 'j'},
        {"group", required_argument, 0, 'g'},    {"no-groups", no_argument, 0, 'G'},
        {"progress", required_argument, 0, 'P'}, {"log-level", required_argument, 0, 'l'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    long long num;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:s:t:g:h", lo, NULL)) != -1) {
        switch (c) {
        case 'c': o->config = optarg; break;
        case 's': o->src = optarg; break;
        case 't': o->tgt = optarg; break;
        case 'T': o->topics[o->ntopics++] = optarg; break;
        case 'S': o->since = optarg; break;
        case 'p':
            if (cmd_parse_int("verify", "--partition", optarg, 0, INT32_MAX, &num)) return 2;
            o->partition = (int)num;
            break;
        case 'm':
            if (cmd_parse_int("verify", "--sample", optarg, 1, 100, &num)) return 2;
            o->sample = (double)num;
            break;
        case 'e':
            if (cmd_parse_int("verify", "--seed", optarg, 0, INT64_MAX, &num)) return 2;
            o->seed = num;
            o->have_seed = true;
            break;
        case 'n':
            if (cmd_parse_int("verify", "--parallel", optarg, 1, 256, &num)) return 2;
            o->parallel = (int)num;
            break;
        case 'P':
            if (cmd_parse_int("verify", "--progress", optarg, 0, 3600, &num)) return 2;
            o->progress_s = (int)num;
            break;
        case 'j': o->json = true; break;
        case 'g': o->groups[o->ngroups++] = optarg; break;
        case 'G': o->no_groups = true; break;
        case 'l':
            if (cmd_set_log_level("kmig verify", optarg)) return 2;
            break;
        case 'h': verify_usage(stdout); return 1;
        default: verify_usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "kmig verify: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    return 0;
}

/* Source offsets of a --since time per job, with offsets_for_times. */
static int since_offsets(const pool_t *p, job_t *jobs, size_t n, int64_t ts, char *err,
                         size_t errsz) {
    rd_kafka_t *rk = verify_consumer(p, true, err, errsz);
    if (!rk) return -1;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)n + 1);
    for (size_t i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(l, jobs[i].range.source_topic, jobs[i].range.partition)
            ->offset = ts;
    rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(rk, l, p->timeout_ms);
    int rc = 0;
    if (e) {
        snprintf(err, errsz, "--since: offsets for the time: %s", rd_kafka_err2str(e));
        rc = -1;
    }
    for (int i = 0; rc == 0 && i < l->cnt; i++) {
        /* -1: no record at or after the time: only what comes after the end. */
        jobs[i].range.from = l->elems[i].offset >= 0 ? l->elems[i].offset : INT64_MAX / 2;
    }
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_destroy(rk);
    return rc;
}

/* Group verification: one pass like `kmig offsets`, judged row by row. */
static int verify_groups(const cmd_flow_t *cf, map_set_t *maps, job_t *jobs, size_t njobs,
                         const opts_t *o, group_rows_t *rows, char *err, size_t errsz) {
    groups_t *g = groups_new(cf->mm2, cf->flow, err, errsz);
    if (!g) return -1;
    groups_set_emit(g, false);
    groups_partition_t *parts = xcalloc(njobs ? njobs : 1, sizeof *parts);
    size_t n = 0;
    for (size_t i = 0; i < njobs; i++) {
        const job_t *j = &jobs[i];
        if (j->failed) continue;
        const offset_seg_t *first = offset_map_at(j->e->map, 0);
        if (first && !first->count) first = offset_map_at(j->e->map, 1);
        parts[n] = (groups_partition_t){j->e->topic, j->e->target, j->e->partition,
                                        j->rep.src_hi, first ? first->tgt_start : -1};
        j->e->source_end = j->rep.src_hi;
        j->e->target_end = j->rep.tgt_hi;
        n++;
    }
    char **names = groups_select(g, o->ngroups ? o->groups : NULL);
    groups_pass(g, names, parts, n, map_set_translate, maps, NULL, false, rows);
    kgroups_names_free(names);
    groups_destroy(g);
    free(parts);
    return 0;
}

int cmd_verify(int argc, char **argv) {
    opts_t o = {.partition = -1, .parallel = 4, .progress_s = 5};
    o.groups = xcalloc((size_t)argc + 1, sizeof *o.groups);
    o.topics = xcalloc((size_t)argc + 1, sizeof *o.topics);
    int prc = parse_args(argc, argv, &o);
    if (prc) {
        free(o.groups);
        free(o.topics);
        return prc == 1 ? KMIG_EXIT_OK : KMIG_EXIT_USAGE;
    }
    char err[1024];
    vplan_since_t since = {0};
    cmd_flow_t cf = {0};
    kv_list_t s_set = {0}, t_set = {0};
    map_set_t *maps = map_set_new(), *opp = map_set_new();
    bool have_opp = false;
    rd_kafka_t *reader = NULL;
    name_filter_t *selected = NULL;
    job_t *jobs = NULL;
    size_t njobs = 0;
    group_rows_t rows = {0};
    int rc = KMIG_EXIT_USAGE;
    pool_t pool = {0};
    pthread_t *th = NULL;
    if (o.since && vplan_parse_since(o.since, clock_wall_ms(), &since, err, sizeof err)) goto fail;
    if (cmd_flow_load(&cf, o.config, o.src, o.tgt, NULL, 0, err, sizeof err) ||
        mm2_client_settings(cf.mm2, cf.flow->source, MM2_CLIENT_CONSUMER, &s_set, err,
                            sizeof err) ||
        mm2_client_settings(cf.mm2, cf.flow->target, MM2_CLIENT_CONSUMER, &t_set, err,
                            sizeof err))
        goto fail;
    pool.cf = &cf;
    pool.s_set = &s_set;
    pool.t_set = &t_set;
    pool.timeout_ms = cf.flow->admin_timeout_ms + 20000;
    /* The persisted maps, read as the mirror reads them at start-up. */
    kclient_opts_t ro = {.type = RD_KAFKA_CONSUMER, .name = "map-reader", .settings = &t_set,
                         .required = map_store_reader_required()};
    char map_topic[300];
    size_t records;
    map_store_topic_name(map_topic, sizeof map_topic, cf.flow->source);
    if (!(reader = kclient_new(&ro, err, sizeof err)) ||
        map_store_load(reader, map_topic, pool.timeout_ms, map_set_add_seg, maps, &records, err,
                       sizeof err))
        goto fail; /* connection or configuration: exit 2 */
    rd_kafka_destroy(reader);
    reader = NULL;
    if (map_set_conflicts(maps))
        log_warn("%s: %zu map segments contradict earlier ones and were ignored", map_topic,
                 map_set_conflicts(maps));
    if (cmd_back_read_opposite(&cf, "opposite-map-reader", pool.timeout_ms, opp, &have_opp, NULL,
                               err, sizeof err))
        goto fail;
    /* The flow's own topics (its topics / topics.exclude): the map topic is
     * shared by every flow from this source alias, and may hold topics the
     * flow no longer selects. A --topic is verified as named. */
    if (!o.ntopics &&
        !(selected = name_filter_new(cf.flow->topics, cf.flow->topics_exclude, err, sizeof err)))
        goto fail;
    size_t nmaps = map_set_count(maps);
    jobs = xcalloc(nmaps ? nmaps : 1, sizeof *jobs);
    for (size_t i = 0; i < nmaps; i++) {
        map_entry_t *e = map_set_sorted(maps, i);
        bool listed = !o.ntopics && name_filter_match(selected, e->topic);
        for (size_t k = 0; k < o.ntopics && !listed; k++) listed = !strcmp(o.topics[k], e->topic);
        if (!listed || (o.partition >= 0 && o.partition != e->partition) || !e->map) continue;
        job_t *j = &jobs[njobs++];
        j->e = e;
        j->range = (verify_range_t){e->topic, e->target, e->partition, e->map, -1, -1, NULL};
        /* the opposite flow's map of this partition: keyed by its source, our target */
        map_entry_t *oe = have_opp ? map_set_get(opp, e->target, e->partition) : NULL;
        if (oe && oe->map && offset_map_count(oe->map)) j->range.opp = oe->map;
        if (since.kind == VPLAN_SINCE_OFFSET) j->range.from = since.value;
    }
    if (!njobs) {
        snprintf(err, sizeof err, "no copied partition%s%s in %s (nothing to verify)",
                 o.ntopics ? " of topic " : "", o.ntopics ? o.topics[0] : "", map_topic);
        goto fail;
    }
    if (since.kind == VPLAN_SINCE_TIME &&
        since_offsets(&pool, jobs, njobs, since.value, err, sizeof err))
        goto fail;
    uint64_t seed = 0;
    if (o.sample > 0 && o.sample < 100) {
        seed = o.have_seed ? (uint64_t)o.seed : vplan_seed(clock_wall_ms(), (long)getpid());
        int64_t *st = xcalloc(njobs, sizeof *st), *nx = xcalloc(njobs, sizeof *nx);
        vplan_pick_t *picks = xcalloc(njobs, sizeof *picks);
        for (size_t i = 0; i < njobs; i++) {
            const offset_seg_t *f = offset_map_at(jobs[i].range.map, 0);
            st[i] = f ? f->src_start : 0;
            if (jobs[i].range.from > st[i]) st[i] = jobs[i].range.from;
            nx[i] = offset_map_src_next(jobs[i].range.map);
        }
        size_t k = vplan_sample(st, nx, njobs, o.sample, seed, picks);
        job_t *chosen = xcalloc(k ? k : 1, sizeof *chosen);
        for (size_t i = 0; i < k; i++) {
            chosen[i] = jobs[picks[i].index];
            chosen[i].range.from = picks[i].from;
            chosen[i].range.to = picks[i].to;
        }
        free(jobs);
        jobs = chosen;
        njobs = k;
        free(st);
        free(nx);
        free(picks);
        fprintf(stderr, "kmig verify: sample %g%%: %zu partitions, seed %" PRIu64
                        " (--seed %" PRIu64 " replays it)\n",
                o.sample, njobs, seed, seed);
    }
    /* Verify, N partitions at once. */
    pool.jobs = jobs;
    pool.njobs = njobs;
    int nth = o.parallel < (int)njobs ? o.parallel : (int)njobs;
    th = xcalloc((size_t)nth, sizeof *th);
    int64_t t0 = clock_mono_ms(), last = t0;
    long long last_n = 0;
    int started = 0;
    while (started < nth && pthread_create(&th[started], NULL, worker, &pool) == 0) started++;
    if (nth && !started) {
        snprintf(err, sizeof err, "cannot start a verify worker thread");
        goto fail;
    }
    while (atomic_load(&pool.done_jobs) < (int)njobs) {
        clock_sleep_ms(100);
        int64_t now = clock_mono_ms();
        if (o.progress_s > 0 && now - last >= o.progress_s * 1000) {
            long long n = atomic_load(&pool.progress);
            fprintf(stderr, "kmig verify: %lld records read, %d/%zu partitions done, %.0f records/s\n",
                    n, atomic_load(&pool.done_jobs), njobs,
                    (double)(n - last_n) * 1000.0 / (double)(now - last));
            last = now;
            last_n = n;
        }
    }
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    int64_t elapsed = clock_mono_ms() - t0;
    if (atomic_load(&pool.setup_failed)) {
        snprintf(err, sizeof err, "%s", pool.setup_err);
        goto fail;
    }
    /* Groups. */
    int group_err = 0;
    if (!o.no_groups &&
        verify_groups(&cf, maps, jobs, njobs, &o, &rows, err, sizeof err)) {
        fprintf(stderr, "kmig verify: groups: %s\n", err);
        group_err = 1;
    }
    /* Verdict and output. */
    vc_counts_t tot = {0};
    size_t p_ok = 0, p_diff = 0, p_err = 0, g_ok = 0, g_diff = 0, g_err = 0, g_pending = 0;
    for (size_t i = 0; i < njobs; i++) {
        const vc_counts_t *n = &jobs[i].rep.vc.n;
        tot.source_records += n->source_records;
        tot.target_records += n->target_records;
        tot.matched += n->matched;
        tot.different += n->different;
        tot.missing += n->missing;
        tot.not_copied += n->not_copied;
        tot.extra += n->extra;
        tot.foreign += n->foreign;
        tot.pending += n->pending;
        tot.source_gone += n->source_gone;
        tot.unmapped_copies += n->unmapped_copies;
        tot.other_flow_copies += n->other_flow_copies;
        tot.other_flow_originals += n->other_flow_originals;
        const char *st = job_status(&jobs[i]);
        if (!strcmp(st, "ok")) p_ok++;
        else if (!strcmp(st, "differs")) p_diff++;
        else p_err++;
        if (!jobs[i].failed && n->foreign)
            fprintf(stderr,
                    "kmig verify: WARNING: %s [%d]: %" PRId64 " records on the target beyond "
                    "what kmig copied (target offsets %" PRId64 "..%" PRId64
                    "): someone else writes to the target (split brain)\n",
                    jobs[i].range.target_topic, jobs[i].range.partition, n->foreign,
                    jobs[i].rep.vc.first_of[VC_FOREIGN].target_offset,
                    jobs[i].rep.vc.last_of[VC_FOREIGN].target_offset);
    }
    for (size_t i = 0; i < rows.n; i++) {
        const char *v = group_verdict(&rows.v[i]);
        if (!strcmp(v, "ok")) g_ok++;
        else if (!strcmp(v, "behind") || !strcmp(v, "ahead")) g_diff++;
        else if (!strcmp(v, "error")) g_err++;
        else g_pending++;
    }
    long long bytes = atomic_load(&pool.bytes);
    long long read = tot.source_records + tot.target_records;
    double secs = elapsed > 0 ? (double)elapsed / 1000.0 : 0.001;
    const char *result = p_diff || g_diff ? "differs" : p_err || g_err || group_err ? "error" : "ok";
    if (o.json) {
        json_t *root = json_object(), *parts = json_array(), *groups = json_array();
        for (size_t i = 0; i < njobs; i++) json_array_append_new(parts, job_json(&jobs[i]));
        for (size_t i = 0; i < rows.n; i++) {
            const group_row_t *r = &rows.v[i];
            json_array_append_new(
                groups, json_pack("{s:s,s:s?,s:i,s:s?,s:I,s:I,s:I,s:s,s:s?}", "group", r->group,
                                  "topic", r->topic, "partition", (int)r->partition,
                                  "target_topic", r->target_topic, "source_offset",
                                  (json_int_t)r->source_offset, "target_offset",
                                  (json_int_t)r->cp.target_offset, "target_committed",
                                  (json_int_t)r->target_committed, "status", group_verdict(r),
                                  "error", r->error));
        }
        json_object_set_new(root, "version", json_integer(1));
        json_object_set_new(root, "source", json_string(cf.flow->source));
        json_object_set_new(root, "target", json_string(cf.flow->target));
        json_object_set_new(root, "result", json_string(result));
        json_object_set_new(root, "sample_pct", o.sample > 0 && o.sample < 100
                                                    ? json_real(o.sample) : json_null());
        json_object_set_new(root, "seed", o.sample > 0 && o.sample < 100
                                              ? json_integer((json_int_t)seed) : json_null());
        json_object_set_new(root, "since", o.since ? json_string(o.since) : json_null());
        json_object_set_new(root, "partitions", parts);
        json_object_set_new(root, "groups", groups);
        json_object_set_new(
            root, "summary",
            json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
                      "s:I,s:f,s:f,s:f}",
                      "partitions", (json_int_t)njobs, "partitions_ok", (json_int_t)p_ok,
                      "partitions_differ", (json_int_t)p_diff, "partitions_error",
                      (json_int_t)p_err, "source_records", (json_int_t)tot.source_records,
                      "target_records", (json_int_t)tot.target_records, "matched",
                      (json_int_t)tot.matched, "missing", (json_int_t)tot.missing, "different",
                      (json_int_t)tot.different, "extra", (json_int_t)tot.extra, "foreign",
                      (json_int_t)tot.foreign, "not_copied", (json_int_t)tot.not_copied,
                      "pending", (json_int_t)tot.pending, "source_gone",
                      (json_int_t)tot.source_gone, "groups", (json_int_t)rows.n, "groups_ok",
                      (json_int_t)g_ok, "groups_differ", (json_int_t)g_diff, "bytes",
                      (json_int_t)bytes, "groups_not_translatable", (json_int_t)g_pending,
                      "seconds", secs, "records_per_s", (double)read / secs, "mb_per_s",
                      (double)bytes / 1e6 / secs));
        json_t *sum = json_object_get(root, "summary");
        json_object_set_new(sum, "other_flow", json_boolean(have_opp));
        json_object_set_new(sum, "other_flow_copies",
                            json_integer((json_int_t)tot.other_flow_copies));
        json_object_set_new(sum, "other_flow_originals",
                            json_integer((json_int_t)tot.other_flow_originals));
        json_dumpf(root, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(root);
    } else {
        printf("%-28s %4s %10s %10s %10s %8s %8s %8s %8s %8s  %-7s %s\n", "TOPIC", "PART",
               "SOURCE", "TARGET", "MATCHED", "MISSING", "DIFFER", "EXTRA", "FOREIGN", "PENDING",
               "STATUS", "FIRST MISMATCH");
        for (size_t i = 0; i < njobs; i++) print_job_line(&jobs[i]);
        if (rows.n) {
            printf("\n%-24s %-24s %5s %14s %14s %16s  %s\n", "GROUP", "TOPIC", "PART",
                   "SOURCE-OFFSET", "TARGET-OFFSET", "TARGET-COMMITTED", "STATUS");
            for (size_t i = 0; i < rows.n; i++) {
                const group_row_t *r = &rows.v[i];
                printf("%-24s %-24s %5d %14" PRId64 " %14" PRId64 " %16" PRId64 "  %s\n",
                       r->group, r->topic ? r->topic : "*", r->partition, r->source_offset,
                       r->cp.target_offset, r->target_committed, group_verdict(r));
            }
        }
        printf("\n%s: %zu partitions (%zu ok, %zu differ, %zu errors), %lld matched, %lld "
               "missing, %lld different, %lld extra, %lld foreign, %lld pending; groups: %zu ok, "
               "%zu differ, %zu not translatable\n",
               result, njobs, p_ok, p_diff, p_err, (long long)tot.matched,
               (long long)(tot.missing + tot.not_copied), (long long)tot.different,
               (long long)tot.extra, (long long)tot.foreign, (long long)tot.pending, g_ok, g_diff,
               g_pending);
        if (have_opp)
            printf("the opposite flow (the way back): %lld of its copies on the source (never "
                   "copied back), %lld records written on the target that it copied\n",
                   (long long)tot.other_flow_copies, (long long)tot.other_flow_originals);
    }
    fprintf(stderr,
            "kmig verify: %lld records (%lld source + %lld target, %.1f MB) in %.2f s: %.0f "
            "records/s, %.1f MB/s\n",
            read, (long long)tot.source_records, (long long)tot.target_records,
            (double)bytes / 1e6, secs, (double)read / secs, (double)bytes / 1e6 / secs);
    rc = !strcmp(result, "differs") ? KMIG_EXIT_MISMATCH
         : !strcmp(result, "error") ? KMIG_EXIT_FAIL
                                    : KMIG_EXIT_OK;
    goto out;
fail:
    fprintf(stderr, "kmig verify: %s\n", err);
out:
    if (reader) rd_kafka_destroy(reader);
    group_rows_clear(&rows);
    free(th);
    free(jobs);
    map_set_destroy(maps);
    map_set_destroy(opp);
    name_filter_destroy(selected);
    kv_list_clear(&s_set);
    kv_list_clear(&t_set);
    cmd_flow_clear(&cf);
    free(o.groups);
    free(o.topics);
    return rc;
}

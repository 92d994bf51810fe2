/* Group moves of `kmig demo --cutover` (cmd_demo_cutover.h): a group's step
 * as `kmig cutover group GROUP --execute` takes it (through the groups sync,
 * mirror/groups.h, translating through both flows' maps as it does once the
 * reverse flow's map exists), and the way back to the source through both
 * maps (offsets/backmap.h, as `cutover group --back` translates), then
 * forward again. */
#include "cmd/cmd_demo_services.h"

#include <inttypes.h>
#include <string.h>

#include "offsets/backmap.h"
#include "offsets/offset_map.h"

/* --- group moves ------------------------------------------------------------- */

static const group_row_t *row_with(const group_rows_t *r, const char *status) {
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->v[i].status, status)) return &r->v[i];
    return NULL;
}

static bool rows_all(const group_rows_t *r, const char *a) {
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].status, a)) return false;
    return true;
}

static void print_rows(demo_t *d, const group_rows_t *rows) {
    for (size_t i = 0; i < rows->n; i++) {
        const group_row_t *r = &rows->v[i];
        demo_say(d, "      %s[%d]: source offset %" PRId64 " -> target offset %" PRId64 " (%s)\n",
            r->topic ? r->topic : "*", r->partition, r->source_offset, r->cp.target_offset,
            r->status);
    }
}

/* `kmig cutover group GROUP --execute`, in process: refuses while the group
 * runs on the target, needs it stopped on the source and the copy covering
 * its offsets, refuses offsets beyond the translation or its own consumers'
 * on the target, commits the exact translation and reads it back. Returns
 * the state (committed, refused) or NULL with d->err. `rows` keeps the last
 * pass. */
const char *demo_move_group(demo_t *d, const char *group, group_rows_t *rows,
                              char *reason, size_t rsz) {
    demo_at_t at = demo_owner_at(d, group);
    *reason = 0;
    if (at == AT_TARGET) {
        snprintf(reason, rsz, "members active on the target");
        return "refused";
    }
    if (at == AT_SOURCE) {
        snprintf(d->err, sizeof d->err, "group %s still runs on the source", group);
        return NULL;
    }
    if (demo_wait_copied(d)) return NULL;
    group_rows_clear(rows);
    if (demo_group_pass(d, group, false, true, rows)) return NULL;
    const group_row_t *r;
    if ((r = row_with(rows, "failed")) || (r = row_with(rows, "pending")) ||
        (r = row_with(rows, "not-copied"))) {
        snprintf(d->err, sizeof d->err, "%s[%d] of group %s: %s", r->topic ? r->topic : "*",
                 r->partition, group, r->error ? r->error : r->status);
        return NULL;
    }
    if ((r = row_with(rows, "behind")) || (r = row_with(rows, "taken-over"))) {
        snprintf(reason, rsz, "%s[%d]: the target group has %s offset %" PRId64
                 " instead of the exact translation %" PRId64 "; nothing committed",
                 r->topic, r->partition, !strcmp(r->status, "behind") ? "a further" : "its own consumers'",
                 r->target_committed, r->cp.target_offset);
        return "refused";
    }
    if (rows_all(rows, "up-to-date")) {
        snprintf(reason, rsz, "the target already has the exact offsets");
        return "committed";
    }
    group_rows_clear(rows);
    if (demo_group_pass(d, group, true, true, rows)) return NULL;
    if ((r = row_with(rows, "failed")) || (r = row_with(rows, "active-on-target"))) {
        snprintf(d->err, sizeof d->err, "commit of %s[%d] refused: %s", r->topic ? r->topic : "*",
                 r->partition, r->error ? r->error : r->status);
        return NULL;
    }
    print_rows(d, rows);
    group_rows_clear(rows);
    if (demo_group_pass(d, group, false, true, rows)) return NULL;
    if (!rows_all(rows, "up-to-date")) {
        snprintf(d->err, sizeof d->err, "group %s: the target does not hold the exact offsets "
                 "after the commit", group);
        return NULL;
    }
    snprintf(reason, rsz, "exact offsets committed on the target and read back");
    return "committed";
}

static void record_move(demo_t *d, const char *group, const char *state, const char *reason) {
    json_t *a = json_object_get(d->step, "group_moves");
    if (!a) json_object_set_new(d->step, "group_moves", a = json_array());
    json_array_append_new(a, json_pack("{s:s,s:s,s:s}", "group", group, "state", state, "reason",
                                       reason));
}

int demo_move_group_step(demo_t *d, const char *group) {
    group_rows_t rows = {0};
    char reason[600];
    const char *st = demo_move_group(d, group, &rows, reason, sizeof reason);
    group_rows_clear(&rows);
    if (!st) return -1;
    demo_action(d, "kmig cutover group %s --execute (in process): %s: %s", group, st, reason);
    record_move(d, group, st, reason);
    if (strcmp(st, "committed")) {
        demo_failure(d, "group %s: %s: %s", group, st, reason);
        return -1;
    }
    return 0;
}

/* Commits offsets of `group` on a cluster (one topic), then reads them back. */
int demo_commit_on(demo_t *d, demo_at_t at, const char *group, int topic, const int64_t *off) {
    rd_kafka_t *c = demo_client(RD_KAFKA_CONSUMER, demo_boot(d, at), group, d->err, sizeof d->err);
    if (!c) return -1;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
    for (int p = 0; p < demo_topic_parts[topic]; p++)
        if (off[p] >= 0) rd_kafka_topic_partition_list_add(l, demo_topic_name[topic], p)->offset = off[p];
    rd_kafka_resp_err_t e = rd_kafka_commit(c, l, 0);
    if (!e) e = rd_kafka_committed(c, l, 10000);
    for (int i = 0; !e && i < l->cnt; i++)
        if (l->elems[i].offset != off[l->elems[i].partition]) e = RD_KAFKA_RESP_ERR__FAIL;
    if (e) snprintf(d->err, sizeof d->err, "committing %s's offsets on %s: %s", group,
                    demo_at_name(at), rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    return e ? -1 : 0;
}

/* The group's committed offsets of `topic` on a cluster, -1 where none. */
int demo_committed_on(demo_t *d, demo_at_t at, const char *group, int topic, int64_t *off) {
    rd_kafka_t *c = demo_client(RD_KAFKA_CONSUMER, demo_boot(d, at), group, d->err, sizeof d->err);
    if (!c) return -1;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
    for (int p = 0; p < demo_topic_parts[topic]; p++)
        rd_kafka_topic_partition_list_add(l, demo_topic_name[topic], p);
    rd_kafka_resp_err_t e = rd_kafka_committed(c, l, 10000);
    for (int p = 0; !e && p < demo_topic_parts[topic]; p++)
        off[p] = l->elems[p].err ? -2 : l->elems[p].offset < 0 ? -1 : l->elems[p].offset;
    if (e) snprintf(d->err, sizeof d->err, "reading %s's offsets on %s: %s", group, demo_at_name(at),
                    rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    return e ? -1 : 0;
}

/* The way back for one group (issue 12 item 5): the group stops on the
 * target and resumes on the source at exactly the next record. Its target
 * position is translated as `kmig cutover group --back` translates it
 * (backmap_pair_translate): through the inverse of the forward map where the
 * next record is a forward copy, through the reverse flow's map where it was
 * written on the target (the reverse flow copied it to the source), once the
 * reverse flow has read the target to the group's position. Never backwards
 * on the source. */
int demo_way_back(demo_t *d, const char *group, int topic) {
    int64_t se[NTOPICS][4], te[NTOPICS][4];
    int64_t tcommit[4], scommit[4], back[4];
    if (group[0] == 'm') d->mailer = AT_STOPPED;
    else d->billing = AT_STOPPED;
    demo_action(d, "%s stopped on the target", group);
    if (demo_wait_copied(d) || demo_wait_back_copied(d)) return -1;
    demo_action(d, "both flows copied everything: the reverse flow read the target to its end");
    map_set_t *fwd, *rev;
    if (demo_load_both_maps(d, &fwd, &rev, se, te)) return -1;
    int rc = -1;
    backmap_pair_t pair = {fwd, rev};
    if (demo_committed_on(d, AT_TARGET, group, topic, tcommit) ||
        demo_committed_on(d, AT_SOURCE, group, topic, scommit))
        goto out;
    int from_rev = 0;
    for (int p = 0; p < demo_topic_parts[topic]; p++) {
        back[p] = -1;
        if (tcommit[p] < 0) continue; /* nothing committed there: the source offset stands */
        offset_map_result_t x =
            backmap_pair_translate(&pair, demo_topic_name[topic], p, tcommit[p], &back[p]);
        if (x != OFFSET_MAP_EXACT) {
            demo_failure(d, "way back: %s[%d] target offset %" PRId64 " has no exact position on "
                    "the source (%s)", demo_topic_name[topic], p, tcommit[p],
                    x == OFFSET_MAP_PENDING ? "pending" : "not copied");
            goto out;
        }
        if (scommit[p] > back[p]) { /* never backwards on the source */
            demo_failure(d, "way back: %s[%d]: the source group is at %" PRId64 ", beyond %" PRId64,
                    demo_topic_name[topic], p, scommit[p], back[p]);
            goto out;
        }
        /* did it read records written on the target (reverse flow's source records)? */
        map_entry_t *r = map_set_get(rev, demo_topic_name[topic], p);
        bool past_fwd = false;
        for (size_t i = 0; r && r->map && i < offset_map_count(r->map) && !past_fwd; i++) {
            const offset_seg_t *g = offset_map_at(r->map, i);
            past_fwd = g->count > 0 && g->src_start < tcommit[p];
        }
        from_rev += past_fwd;
        demo_say(d, "      %s[%d]: target offset %" PRId64 " -> source offset %" PRId64
               " (exact through both maps%s)\n",
            demo_topic_name[topic], p, tcommit[p], back[p],
            past_fwd ? ": it read records written on the target, copied back by the reverse flow"
                     : "");
    }
    if (demo_commit_on(d, AT_SOURCE, group, topic, back)) goto out;
    demo_action(d, "way back for %s: its target position translated to the source exactly "
           "through both maps (the forward map and the reverse flow's) and committed there "
           "(read back)", group);
    json_object_set_new(d->step, "way_back", json_string("exact"));
    json_object_set_new(d->step, "way_back_partitions_through_reverse_map", json_integer(from_rev));
    rc = 0;
out:
    map_set_destroy(fwd);
    map_set_destroy(rev);
    return rc;
}

/* Moving forward again after a way back. The target group holds the commit
 * its consumers made before going back, so `cutover group` refuses it as
 * theirs (taken-over: never over consumers' own commits): `cutover group
 * --back --execute` records no checkpoint of the position the group left the
 * target from (the symmetric rule of cmd_back_seed() needs the reverse
 * flow's checkpoints on the source). Until it does, the demo commits the exact
 * translation itself, checking it is not behind that commit. */
int demo_forward_again(demo_t *d, const char *group, int topic) {
    group_rows_t rows = {0};
    char reason[600];
    const char *st = demo_move_group(d, group, &rows, reason, sizeof reason);
    int rc = -1;
    if (!st) goto out;
    demo_action(d, "kmig cutover group %s --execute (in process): %s: %s", group, st, reason);
    record_move(d, group, st, reason);
    if (!strcmp(st, "committed")) {
        rc = 0;
        goto out;
    }
    int64_t off[4] = {-1, -1, -1, -1};
    for (size_t i = 0; i < rows.n; i++) {
        const group_row_t *r = &rows.v[i];
        if (!r->topic || strcmp(r->topic, demo_topic_name[topic]) || r->partition < 0 ||
            r->partition >= demo_topic_parts[topic])
            continue;
        if (r->cp.status != OFFSET_MAP_EXACT || r->cp.target_offset < r->target_committed) {
            demo_failure(d, "forward again: %s[%d] translation %" PRId64 " (%s) is behind the target's "
                    "%" PRId64, r->topic, r->partition, r->cp.target_offset, r->status,
                    r->target_committed);
            goto out;
        }
        off[r->partition] = r->cp.target_offset;
        demo_say(d, "      %s[%d]: source offset %" PRId64 " -> target offset %" PRId64
               " (exact; the target had %" PRId64 ")\n",
            r->topic, r->partition, r->source_offset, r->cp.target_offset, r->target_committed);
    }
    if (demo_commit_on(d, AT_TARGET, group, topic, off)) goto out;
    record_move(d, group, "committed-by-demo",
                "exact translation committed on the target by the demo: nothing records the "
                "position the group left the target from");
    demo_action(d, "after the way back the demo committed %s's exact translation on the target "
           "itself (never behind the target's commit): `cutover group` takes that commit for its "
           "consumers' own", group);
    rc = 0;
out:
    group_rows_clear(&rows);
    return rc;
}

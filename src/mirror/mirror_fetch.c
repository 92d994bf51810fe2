/* The fetched side of the copy loop: each batch from the source consumer's
 * queue, record by record, before mirror_copy_record() produces it. A record
 * is copied only when nothing below its partition's map end would be copied
 * again: the resume check compares the source's record at the last copied
 * offset with its copy on the target (mpart_resume_check), and the way back
 * (backflow.h) admits it. The consumer's errors are judged here: a refused
 * fetch position (records deleted, a truncated log), a source re-created or
 * rewritten under the map, and a record librdkafka cannot read are data
 * loss or stop the partition, never a silent skip; errors that do not move
 * the fetch position pass. mirror_fetch_restart() restarts a partition's
 * fetch at an offset (also after an exactly-once abort). */
#include <inttypes.h>
#include <stdatomic.h>
#include <sys/types.h>

#include <librdkafka/rdkafka.h>

#include "core/log.h"
#include "core/strmap.h"
#include "kafka/kread.h"
#include "mirror/backflow.h"
#include "mirror/mirror_priv.h"
#include "mirror/mpart.h"
#include "offsets/record_digest.h"

static mtopic_t *topic_of(mirror_t *m, rd_kafka_message_t *msg) {
    mtopic_t *t = msg->rkt ? rd_kafka_topic_opaque(msg->rkt) : NULL;
    if (!t && msg->rkt) t = strmap_get(m->topic_by_name, rd_kafka_topic_name(msg->rkt));
    if (t && (msg->partition < 0 || msg->partition >= t->nparts)) return NULL;
    return t;
}

/* (Re)starts fetching one partition at `offset`. */
int mirror_fetch_restart(mirror_t *m, mtopic_t *t, int32_t part, int64_t offset) {
    rd_kafka_t *consumer = mirror_shard_of(m, t)->consumer;
    backflow_forget(m->back, consumer, t->name, part); /* no stale seek after this one */
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, t->name, part)->offset = offset;
    rd_kafka_error_t *se = rd_kafka_incremental_unassign(consumer, l);
    if (!se) se = rd_kafka_incremental_assign(consumer, l);
    int rc = 0;
    if (se) {
        mirror_error(m, "%s [%d]: restarting the fetch at %" PRId64 " failed: %s", t->name, part,
                     offset, rd_kafka_error_string(se));
        rd_kafka_error_destroy(se);
        rc = -1;
    }
    rd_kafka_topic_partition_list_destroy(l);
    return rc;
}

/* The source refused the fetch position: records were deleted (retention,
 * DeleteRecords) or the log was truncated (unclean leader election, topic
 * re-created). Reported loudly, with offsets; goes on only when configured. */
static void on_offset_reset(mirror_t *m, mtopic_t *t, int32_t part, const char *why) {
    mpart_t *p = &t->parts[part];
    int64_t lo = -1, hi = -1;
    rd_kafka_resp_err_t e =
        kread_watermarks(mirror_shard_of(m, t)->consumer, t->name, part, &lo, &hi, 5000);
    if (e) {
        mirror_error(m, "%s [%d]: the source refused the fetch position %" PRId64
                        " (%s) and its offsets could not be read (%s); stopping",
                     t->name, part, mpart_position(p), why, rd_kafka_err2str(e));
        m->fail = true;
        return;
    }
    bool go_on = m->flow->continue_on_data_loss;
    int64_t from, to, resume;
    mpart_gap_t gap = mpart_offset_reset(p, lo, hi, go_on, &from, &to, &resume);
    if (gap != MPART_GAP_NONE) {
        m->lost_total += to - from;
        const char *tail = go_on ? "; continuing (kmig.on.data.loss=continue)"
                                 : "; stopping (set kmig.on.data.loss=continue or "
                                   "--continue-on-data-loss to go on)";
        if (gap == MPART_GAP_DELETED)
            mirror_error(m, "DATA LOSS: %s [%d]: source offsets %" PRId64 "..%" PRId64
                            " (%" PRId64 " records) were deleted on the source before kmig "
                            "copied them (retention or DeleteRecords)%s",
                         t->name, part, from, to - 1, to - from, tail);
        else
            mirror_error(m, "DATA LOSS: %s [%d]: the source log was truncated: it ends at %" PRId64
                            " but kmig had read up to %" PRId64 " (unclean leader election, or "
                            "the topic was deleted and re-created); %" PRId64 " record(s) the "
                            "source writes at offsets %" PRId64 "..%" PRId64 " are not copied%s",
                         t->name, part, hi, to, to - from, from, to - 1, tail);
        if (!go_on) {
            m->data_loss = true;
            return;
        }
    }
    if (mirror_fetch_restart(m, t, part, resume)) m->fail = true;
}

/* Consumer errors that do not move the fetch position past a record (the
 * fetch is retried or the partition waits): logged, and copying goes on.
 * Any other error on a partition stops it. */
static bool fetch_error_passes(rd_kafka_resp_err_t e) {
    switch (e) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR__SSL:
        return true;
    default:
        return false;
    }
}

/* The source holds other records than kmig copied below the map's end: the
 * topic was re-created or rewritten (at `offset`: a record, or with `eof` the
 * end of the partition). Reported as data loss. */
static void source_rewritten(mirror_t *m, mtopic_t *t, int32_t part, int64_t offset, bool eof) {
    mpart_t *p = &t->parts[part];
    int64_t lo = 0, hi = -1, resume, end = offset_map_src_next(p->map);
    if (kread_watermarks(mirror_shard_of(m, t)->consumer, t->name, part, &lo, &hi, 5000)) lo = 0;
    bool go_on = m->flow->continue_on_data_loss;
    int64_t n = mpart_rewritten(p, lo, go_on, &resume);
    m->lost_total += n;
    mirror_error(m, "DATA LOSS: %s [%d]: the source %s offset %" PRId64 " is not what kmig "
                    "copied (its map reaches source offset %" PRId64 "): the topic was "
                    "re-created or rewritten while kmig was not reading it; the %" PRId64
                    " record(s) the source holds from offset %" PRId64 " to %" PRId64
                    " are not copied%s",
                 t->name, part, eof ? "ends at" : "record at", offset, end, n, lo, end - 1,
                 go_on ? "; continuing (kmig.on.data.loss=continue)"
                       : "; stopping (set kmig.on.data.loss=continue or "
                         "--continue-on-data-loss to go on)");
    if (!go_on) m->data_loss = true;
}

/* Before a record is copied: the resume check (mpart_resume_check) and the
 * rule that nothing below the map's end is copied again. False when the
 * record must not be copied. */
static bool resume_checked(mirror_t *m, mtopic_t *t, rd_kafka_message_t *msg) {
    mpart_t *p = &t->parts[msg->partition];
    uint8_t d[RECORD_DIGEST_LEN];
    if (mpart_skips(p, msg->offset)) return false;
    if (msg->offset != p->verify_src && msg->offset < offset_map_src_next(p->map) &&
        backflow_known_copy(m->back, t->name, t->target, msg->partition, msg->offset))
        return false; /* skipped before: a copy the opposite flow wrote (the way back) */
    if (p->verify_src >= 0) {
        if (msg->offset == p->verify_src) kread_digest(msg, m->digest, d);
        switch (mpart_resume_check(p, msg->offset, d)) {
        case MPART_RESUME_SAME:
            return false; /* the copied record itself: go on after it */
        case MPART_RESUME_CHANGED:
            source_rewritten(m, t, msg->partition, msg->offset, false);
            return false;
        case MPART_RESUME_UNKNOWN:
            log_info("%s [%d]: the last copied record (source offset %" PRId64
                     ") is no longer on the source (compacted or deleted); resuming unchecked",
                     t->name, msg->partition, offset_map_src_next(p->map) - 1);
            break;
        case MPART_RESUME_NONE: break;
        }
    }
    if (msg->offset < offset_map_src_next(p->map)) {
        source_rewritten(m, t, msg->partition, msg->offset, false);
        return false;
    }
    return true;
}

void mirror_fetch_batch(mirror_t *m, rd_kafka_message_t **msgs, ssize_t n) {
    ssize_t i = 0;
    for (; i < n; i++) {
        rd_kafka_message_t *msg = msgs[i];
        mtopic_t *t = topic_of(m, msg);
        mirror_pause_check(m);
        if (t && !t->parts[msg->partition].started) { /* its task stopped or not started */
            rd_kafka_message_destroy(msg);
            continue;
        }
        if (msg->err) {
            if (t && msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                mpart_t *p = &t->parts[msg->partition];
                if (mpart_resume_check(p, msg->offset, NULL) == MPART_RESUME_CHANGED)
                    source_rewritten(m, t, msg->partition, msg->offset, false);
                if (p->state == MPART_COPYING &&
                    backflow_eof_ok(m->back, t->name, msg->partition, msg->offset))
                    mpart_eof(p, msg->offset);
            } else if (t && (msg->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
                             msg->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE)) {
                if (t->parts[msg->partition].state == MPART_COPYING)
                    on_offset_reset(m, t, msg->partition, rd_kafka_message_errstr(msg));
            } else if (t && !fetch_error_passes(msg->err) &&
                       t->parts[msg->partition].state == MPART_COPYING) {
                /* librdkafka moves past a record it cannot read (a bad CRC,
                 * an unknown format, a batch it cannot decompress): stop
                 * rather than map the record as a gap. */
                mpart_delivery_failed(&t->parts[msg->partition]);
                mirror_error(m, "%s [%d]: the source record at offset %" PRId64
                                " cannot be read (%s); stopping this partition so that no "
                                "record is skipped",
                             t->name, msg->partition, msg->offset, rd_kafka_message_errstr(msg));
                m->fail = true;
            } else {
                log_warn("source consumer: %s%s%s", t ? t->name : "", t ? ": " : "",
                         rd_kafka_message_errstr(msg));
            }
            rd_kafka_message_destroy(msg);
            continue;
        }
        if (!t || t->parts[msg->partition].state != MPART_COPYING) {
            rd_kafka_message_destroy(msg);
            continue;
        }
        if (atomic_load(m->stop) || m->fail || m->data_loss) break;
        if (!resume_checked(m, t, msg) ||
            !backflow_admit(m->back, mirror_shard_of(m, t)->consumer, t->name, t->target, msg->partition, msg->offset)) {
            rd_kafka_message_destroy(msg);
            continue;
        }
        if (!mirror_copy_record(m, t, msg)) { /* it released msg */
            i++;
            break;
        }
    }
    /* Stopping: the rest stays unmapped and is fetched again by the next run. */
    for (; i < n; i++) rd_kafka_message_destroy(msgs[i]);
}

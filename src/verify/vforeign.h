#ifndef KMIG_VERIFY_VFOREIGN_H
#define KMIG_VERIFY_VFOREIGN_H
/* The mirror's watch for foreign writes (split brain): a thread that, every
 * interval, reads the end offsets of the copied target partitions and
 * compares them with what kmig itself wrote there. On a partition kmig left
 * quiet (nothing in flight and nothing delivered between the snapshot before
 * the read and one published after it), the target records from the end at
 * start (tgt_base) to the current end that this run did not deliver were
 * written by someone else; they are counted once each
 * (kmig_foreign_records_total{topic,partition}) and warned about. Reads only
 * published snapshots (msnap).
 *
 * Ownership: vforeign_t owns its thread and its consumer; it borrows the
 * holder and the settings, which must outlive vforeign_stop(). */
#include <stdint.h>

#include "config/mm2.h"
#include "core/sbuf.h"
#include "mirror/msnap.h"

typedef struct vforeign vforeign_t;

/* Starts the watch with a consumer made from `target_consumer` (the user's
 * settings for the target). Returns NULL with err filled. */
vforeign_t *vforeign_start(const kv_list_t *target_consumer, msnap_holder_t *snaps,
                           int interval_ms, char *err, size_t errsz);
/* Asks the thread to stop without waiting (so a caller stopping several
 * threads waits for them together); accepts NULL. */
void vforeign_request_stop(vforeign_t *v);
void vforeign_stop(vforeign_t *v); /* accepts NULL; joins the thread */

/* kmig_foreign_records_total per partition checked so far (labels: source,
 * target, topic = the source topic, partition). */
void vforeign_render(vforeign_t *v, sbuf_t *out, const char *source, const char *target);
int64_t vforeign_total(vforeign_t *v); /* 0 for NULL */

/* A copy of the partitions with foreign records so far (count > 0), for the
 * dashboard; *out is malloc'd (free it with vforeign_counts_free). */
typedef struct vforeign_count {
    char *topic; /* source topic */
    int32_t partition;
    int64_t count;
} vforeign_count_t;
size_t vforeign_counts(vforeign_t *v, vforeign_count_t **out); /* 0 and NULL for NULL v */
void vforeign_counts_free(vforeign_count_t *c, size_t n);

#endif

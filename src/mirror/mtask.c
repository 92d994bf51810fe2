/* The task of a source partition (mtask.h): FNV-1a of the topic name gives the
 * task of its partition 0; the others follow it round the tasks. Pure and
 * stable across versions: changing it would move partitions between
 * transactional ids of running flows. */
#include "mirror/mtask.h"

#include <stdio.h>

int mtask_of(const char *topic, int32_t partition, int ntasks) {
    if (ntasks <= 1 || partition < 0) return 0;
    uint32_t h = 2166136261u;
    for (const unsigned char *s = (const unsigned char *)topic; *s; s++) {
        h ^= *s;
        h *= 16777619u;
    }
    return (int)((h % (uint32_t)ntasks + (uint32_t)partition % (uint32_t)ntasks) % (uint32_t)ntasks);
}

static uint64_t fnv64(uint64_t h, const char *s) {
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    h ^= 0xff; /* field separator: ("ab","c") and ("a","bc") differ */
    h *= 1099511628211ull;
    return h;
}

void mtask_fingerprint(const mm2_flow_t *f, char *out, size_t outsz) {
    char tasks[16];
    snprintf(tasks, sizeof tasks, "%d", f->tasks);
    const char *fields[] = {f->source, f->target,  f->topics,
                            f->topics_exclude, tasks, f->policy == POLICY_IDENTITY ? "identity" : "default",
                            f->separator};
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) h = fnv64(h, fields[i]);
    snprintf(out, outsz, "%016llx", (unsigned long long)h);
}

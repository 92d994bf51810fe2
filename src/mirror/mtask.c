/* The task of a source partition (mtask.h): FNV-1a of the topic name gives the
 * task of its partition 0; the others follow it round the tasks. Pure and
 * stable across versions: changing it would move partitions between
 * transactional ids of running flows. */
#include "mirror/mtask.h"

int mtask_of(const char *topic, int32_t partition, int ntasks) {
    if (ntasks <= 1 || partition < 0) return 0;
    uint32_t h = 2166136261u;
    for (const unsigned char *s = (const unsigned char *)topic; *s; s++) {
        h ^= *s;
        h *= 16777619u;
    }
    return (int)((h % (uint32_t)ntasks + (uint32_t)partition % (uint32_t)ntasks) % (uint32_t)ntasks);
}

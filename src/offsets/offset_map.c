/* The exact source->target offset map of one partition: a sorted array of
 * run-length segments that grows at the end while records are copied, is
 * searched by binary search to translate committed offsets, and round-trips
 * through the compacted map topic (key/value encoding here, I/O elsewhere).
 * The model and the translation rule are explained in docs/OFFSET_MAP.md. */
#include "offsets/offset_map.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"

struct offset_map {
    offset_seg_t *segs;
    size_t n, cap;
    size_t dirty_from; /* == n when clean */
};

offset_map_t *offset_map_new(void) {
    return xcalloc(1, sizeof(offset_map_t));
}

void offset_map_destroy(offset_map_t *map) {
    if (!map) return;
    free(map->segs);
    free(map);
}

static void mark_dirty(offset_map_t *map, size_t i) {
    if (i < map->dirty_from) map->dirty_from = i;
}

/* Inserts `seg` at index `pos`, shifting the following segments up. */
static void insert_at(offset_map_t *map, size_t pos, const offset_seg_t *seg) {
    if (map->n == map->cap) {
        map->cap = map->cap ? map->cap * 2 : 16;
        map->segs = xrealloc(map->segs, map->cap * sizeof(offset_seg_t));
    }
    memmove(&map->segs[pos + 1], &map->segs[pos], (map->n - pos) * sizeof(offset_seg_t));
    map->segs[pos] = *seg;
    map->n++;
}

static void append(offset_map_t *map, int64_t src, int64_t tgt, int64_t count) {
    offset_seg_t seg = {src, src + count, tgt, count, 0};
    insert_at(map, map->n, &seg);
    mark_dirty(map, map->n - 1);
}

void offset_map_begin(offset_map_t *map, int64_t src_start) {
    if (map->n == 0) append(map, src_start, -1, 0);
}

int64_t offset_map_src_next(const offset_map_t *map) {
    return map->n ? map->segs[map->n - 1].src_end : -1;
}

int64_t offset_map_tgt_next(const offset_map_t *map) {
    for (size_t i = map->n; i-- > 0;) {
        const offset_seg_t *s = &map->segs[i];
        if (s->count > 0) return s->tgt_start + s->count;
    }
    return -1;
}

int offset_map_add(offset_map_t *map, int64_t src, int64_t tgt) {
    /* src+1 and tgt+1 (the segment's ends) must fit in an int64_t. */
    if (src < 0 || tgt < 0 || src == INT64_MAX || tgt == INT64_MAX) return -1;
    if (map->n == 0) {
        append(map, src, tgt, 1);
        return 0;
    }
    offset_seg_t *last = &map->segs[map->n - 1];
    if (src < last->src_end || tgt < offset_map_tgt_next(map)) return -1;
    if (last->count > 0 && src == last->src_end && last->src_end == last->src_start + last->count &&
        tgt == last->tgt_start + last->count) {
        last->count++;
        last->src_end++;
        mark_dirty(map, map->n - 1);
    } else if (last->count == 0 && src == last->src_start) {
        last->tgt_start = tgt;
        last->count = 1;
        last->src_end = src + 1;
        mark_dirty(map, map->n - 1);
    } else {
        if (last->src_end != src) {
            last->src_end = src;
            mark_dirty(map, map->n - 1);
        }
        append(map, src, tgt, 1);
    }
    return 0;
}

int offset_map_cover(offset_map_t *map, int64_t src_next) {
    if (map->n == 0) return 0;
    offset_seg_t *last = &map->segs[map->n - 1];
    if (src_next < last->src_end) return -1;
    if (src_next > last->src_end) {
        last->src_end = src_next;
        mark_dirty(map, map->n - 1);
    }
    return 0;
}

/* Index of the first segment whose src_start is above `src` (n when none). */
static size_t upper_bound(const offset_map_t *map, int64_t src) {
    size_t lo = 0, hi = map->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (map->segs[mid].src_start <= src)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

offset_map_result_t offset_map_translate(const offset_map_t *map, int64_t c, int64_t *tgt) {
    if (map->n == 0 || c >= offset_map_src_next(map)) return OFFSET_MAP_PENDING;
    size_t i = upper_bound(map, c);
    if (i == 0) return OFFSET_MAP_NOT_COPIED;
    const offset_seg_t *s = &map->segs[i - 1];
    if (c < s->src_start + s->count) {
        *tgt = s->tgt_start + (c - s->src_start);
        return OFFSET_MAP_EXACT;
    }
    /* In the gap (or a hole after s): the next record, unless a hole comes first. */
    for (size_t j = i; j < map->n; j++) {
        if (map->segs[j].src_start != map->segs[j - 1].src_end) return OFFSET_MAP_PENDING;
        if (map->segs[j].count > 0) {
            *tgt = map->segs[j].tgt_start;
            return OFFSET_MAP_EXACT;
        }
    }
    int64_t next = offset_map_tgt_next(map);
    if (next < 0) return OFFSET_MAP_PENDING;
    *tgt = next;
    return OFFSET_MAP_EXACT;
}

offset_map_result_t offset_map_translate_at_end(const offset_map_t *map, int64_t c,
                                                int64_t source_end, int64_t *tgt) {
    int64_t next = offset_map_tgt_next(map);
    if (c == source_end && c == offset_map_src_next(map) && next >= 0) {
        *tgt = next;
        return OFFSET_MAP_EXACT;
    }
    return offset_map_translate(map, c, tgt);
}

size_t offset_map_count(const offset_map_t *map) {
    return map->n;
}

const offset_seg_t *offset_map_at(const offset_map_t *map, size_t i) {
    return i < map->n ? &map->segs[i] : NULL;
}

size_t offset_map_dirty_from(const offset_map_t *map) {
    return map->dirty_from;
}

void offset_map_mark_clean(offset_map_t *map) {
    map->dirty_from = map->n;
}

void offset_map_mark_dirty_from(offset_map_t *map, size_t i) {
    if (i < map->n) mark_dirty(map, i);
}

void offset_map_truncate(offset_map_t *map, int64_t src_next) {
    if (!map->n || src_next >= map->segs[map->n - 1].src_end) return;
    if (src_next < map->segs[0].src_start) src_next = map->segs[0].src_start;
    size_t n = map->n;
    while (n > 1 && map->segs[n - 1].src_start >= src_next) n--;
    offset_seg_t *last = &map->segs[n - 1];
    if (last->count > src_next - last->src_start) last->count = src_next - last->src_start;
    if (last->count == 0) last->tgt_start = -1;
    last->src_end = src_next;
    map->n = n;
    if (map->dirty_from > n) map->dirty_from = n;
    mark_dirty(map, n - 1);
}

/* A segment on its own is well-formed (the rules offset_map_add() keeps), and
 * every sum the map computes from it (src_start+count, tgt_start+count) fits
 * in an int64_t. */
static bool seg_valid(const offset_seg_t *s) {
    int64_t src_records_end, tgt_end;
    if (s->src_start < 0 || s->count < 0 ||
        __builtin_add_overflow(s->src_start, s->count, &src_records_end) ||
        s->src_end < src_records_end)
        return false;
    if (s->count == 0) return s->tgt_start == -1;
    return s->tgt_start >= 0 && !__builtin_add_overflow(s->tgt_start, s->count, &tgt_end);
}

/* True when `b` is `a` or a later version of it: same records so far, more
 * records only while `a` had no trailing gap, and a src_end not smaller. */
static bool grows_into(const offset_seg_t *a, const offset_seg_t *b) {
    if (b->count < a->count || b->src_end < a->src_end) return false;
    if (a->count > 0 && b->tgt_start != a->tgt_start) return false;
    return b->count == a->count || a->src_end == a->src_start + a->count;
}

int offset_map_load(offset_map_t *map, const offset_seg_t *seg) {
    if (!seg_valid(seg)) return -1;
    size_t pos = upper_bound(map, seg->src_start);
    bool replace = pos > 0 && map->segs[pos - 1].src_start == seg->src_start;
    offset_seg_t merged = *seg;
    if (replace) {
        pos--;
        const offset_seg_t *old = &map->segs[pos];
        if (grows_into(seg, old))
            merged = *old;
        else if (!grows_into(old, seg))
            return -1;
    }
    size_t next = replace ? pos + 1 : pos; /* first segment after the new one */
    if (pos > 0 && map->segs[pos - 1].src_end > merged.src_start) return -1;
    if (next < map->n && merged.src_end > map->segs[next].src_start) return -1;
    if (merged.count > 0) {
        for (size_t j = pos; j-- > 0;) {
            const offset_seg_t *p = &map->segs[j];
            if (p->count == 0) continue;
            if (p->tgt_start + p->count > merged.tgt_start) return -1;
            break;
        }
        for (size_t j = next; j < map->n; j++) {
            const offset_seg_t *q = &map->segs[j];
            if (q->count == 0) continue;
            if (merged.tgt_start + merged.count > q->tgt_start) return -1;
            break;
        }
    }
    if (replace)
        map->segs[pos] = merged;
    else
        insert_at(map, pos, &merged);
    map->dirty_from = map->n;
    return 0;
}

int offset_map_encode_key(char *buf, size_t size, const char *topic, int32_t partition,
                          int64_t src_start) {
    int n = snprintf(buf, size, "%s:%" PRId32 ":%" PRId64, topic, partition, src_start);
    return n < 0 || (size_t)n >= size ? -1 : n;
}

int offset_map_encode_value(char *buf, size_t size, const char *target_topic,
                            const offset_seg_t *seg) {
    for (const char *p = target_topic; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == '"' || *p == '\\') return -1;
    if (seg->epoch < 0) return -1;
    char epoch[40] = "";
    if (seg->epoch > 0) snprintf(epoch, sizeof epoch, ",\"epoch\":%" PRId64, seg->epoch);
    int n = snprintf(buf, size,
                     "{\"v\":%d,\"target\":\"%s\",\"src_start\":%" PRId64 ",\"src_end\":%" PRId64
                     ",\"tgt_start\":%" PRId64 ",\"count\":%" PRId64 "%s}",
                     seg->epoch > 0 ? 2 : 1, target_topic, seg->src_start, seg->src_end,
                     seg->tgt_start, seg->count, epoch);
    return n < 0 || (size_t)n >= size ? -1 : n;
}

/* Writes "offset map record <key>: <message>" into err; returns -1. */
static int fail(char *err, size_t errsz, const char *key, size_t key_len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t errsz, const char *key, size_t key_len, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, errsz, "offset map record \"%.*s\": %s", key_len > 200 ? 200 : (int)key_len,
             key, msg);
    return -1;
}

/* Parses a decimal number of digits only (no sign, no spaces) up to `max`. */
static int parse_uint(const char *s, size_t n, int64_t max, int64_t *out) {
    if (n == 0) return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        int d = s[i] - '0';
        if (v > (max - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int decode_key(const char *key, size_t len, char *topic, size_t topic_size,
                      int32_t *partition, int64_t *src_start, char *err, size_t errsz) {
    const char *c2 = len ? memrchr(key, ':', len) : NULL;
    const char *c1 = c2 && c2 > key ? memrchr(key, ':', (size_t)(c2 - key)) : NULL;
    if (!c1 || memchr(key, '\0', len))
        return fail(err, errsz, key, len, "key is not \"<topic>:<partition>:<src_start>\"");
    size_t tlen = (size_t)(c1 - key);
    if (tlen == 0) return fail(err, errsz, key, len, "key has an empty topic");
    if (tlen >= topic_size) return fail(err, errsz, key, len, "key's topic is too long");
    int64_t p;
    if (parse_uint(c1 + 1, (size_t)(c2 - c1 - 1), INT32_MAX, &p) < 0)
        return fail(err, errsz, key, len, "key's partition is not a number");
    if (parse_uint(c2 + 1, len - (size_t)(c2 + 1 - key), INT64_MAX, src_start) < 0)
        return fail(err, errsz, key, len, "key's src_start is not a number");
    memcpy(topic, key, tlen);
    topic[tlen] = '\0';
    *partition = (int32_t)p;
    return 0;
}

int offset_map_decode(const void *key, size_t key_len, const void *value, size_t value_len,
                      char *topic, size_t topic_size, int32_t *partition, char *target_topic,
                      size_t target_size, offset_seg_t *seg, char *err, size_t errsz) {
    static const char *const ints[] = {"src_start", "src_end", "tgt_start", "count"};
    const char *k = key;
    int64_t key_start = -1;
    if (decode_key(k, key_len, topic, topic_size, partition, &key_start, err, errsz) < 0)
        return -1;
    if (!value) return fail(err, errsz, k, key_len, "value is empty (a deleted record)");

    json_error_t jerr;
    json_t *root = json_loadb(value, value_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return fail(err, errsz, k, key_len, "value is not valid JSON: %s (column %d)", jerr.text,
                    jerr.column);
    int rc = -1;
    const char *name;
    json_t *v;
    if (!json_is_object(root)) {
        fail(err, errsz, k, key_len, "value is not a JSON object");
        goto out;
    }
    json_object_foreach(root, name, v) {
        bool known = !strcmp(name, "v") || !strcmp(name, "target") || !strcmp(name, "epoch");
        for (size_t i = 0; i < 4; i++) known = known || !strcmp(name, ints[i]);
        if (!known) {
            fail(err, errsz, k, key_len, "value has an unknown field \"%s\"", name);
            goto out;
        }
    }
    v = json_object_get(root, "v");
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 2) {
        fail(err, errsz, k, key_len,
             "value has %s version (this kmig reads versions 1 and 2; written by a newer kmig?)",
             v ? "an unsupported" : "no");
        goto out;
    }
    int version = (int)json_integer_value(v);
    v = json_object_get(root, "epoch");
    seg->epoch = 0;
    if (version == 1 && v) {
        fail(err, errsz, k, key_len, "value has an unknown field \"epoch\" (version 1)");
        goto out;
    }
    if (version == 2) {
        if (!json_is_integer(v) || json_integer_value(v) < 1) {
            fail(err, errsz, k, key_len, "value's epoch is %s",
                 v ? "not a positive integer" : "missing");
            goto out;
        }
        seg->epoch = json_integer_value(v);
    }
    v = json_object_get(root, "target");
    if (!json_is_string(v) || json_string_length(v) == 0 ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        fail(err, errsz, k, key_len, "value's target is not a topic name");
        goto out;
    }
    if (json_string_length(v) >= target_size) {
        fail(err, errsz, k, key_len, "value's target is too long");
        goto out;
    }
    memcpy(target_topic, json_string_value(v), json_string_length(v) + 1);
    int64_t *fields[] = {&seg->src_start, &seg->src_end, &seg->tgt_start, &seg->count};
    for (size_t i = 0; i < 4; i++) {
        v = json_object_get(root, ints[i]);
        if (!json_is_integer(v)) {
            fail(err, errsz, k, key_len, "value's %s is %s", ints[i],
                 v ? "not an integer" : "missing");
            goto out;
        }
        *fields[i] = json_integer_value(v);
    }
    if (seg->src_start != key_start) {
        fail(err, errsz, k, key_len, "value's src_start %" PRId64 " differs from the key's",
             seg->src_start);
        goto out;
    }
    if (!seg_valid(seg)) {
        fail(err, errsz, k, key_len,
             "inconsistent segment src_start=%" PRId64 " src_end=%" PRId64 " tgt_start=%" PRId64
             " count=%" PRId64 " (need count >= 0, src_end >= src_start+count, tgt_start -1 "
             "exactly when count is 0, src_start+count and tgt_start+count at most %" PRId64 ")",
             seg->src_start, seg->src_end, seg->tgt_start, seg->count, INT64_MAX);
        goto out;
    }
    rc = 0;
out:
    json_decref(root);
    return rc;
}

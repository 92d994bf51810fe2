/* Runs a fuzz target (LLVMFuzzerTestOneInput) without libFuzzer:
 *   - with no argument (the unit tier): over every file of the corpus
 *     directory KMIG_FUZZ_CORPUS, as a unit test that fails when the corpus is
 *     empty; a crash or a sanitizer report fails the run;
 *   - with `--mutate N [SEED]`: N random mutations (byte flips, inserts, deletes,
 *     splices of corpus files and of MM2 and offset-map tokens) of the corpus files, for
 *     machines without clang's -fsanitize=fuzzer. Each input is written to
 *     `fuzz-last-input` first, so the one that crashed can be added to the corpus. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    sbuf_t *files;
    size_t n;
} corpus_t;

static void corpus_load(corpus_t *c, const char *dir) {
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "  cannot open the corpus %s\n", dir);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        sbuf_t path = {0};
        sbuf_printf(&path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path.s, "rb");
        sbuf_free(&path);
        if (!f) continue;
        c->files = xrealloc(c->files, (c->n + 1) * sizeof *c->files);
        sbuf_t *b = &c->files[c->n++];
        *b = (sbuf_t){0};
        char chunk[4096];
        size_t got;
        sbuf_append(b, "", 0);
        while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) sbuf_append(b, chunk, got);
        fclose(f);
    }
    closedir(d);
}

static void corpus_free(corpus_t *c) {
    for (size_t i = 0; i < c->n; i++) sbuf_free(&c->files[i]);
    free(c->files);
}

static void test_corpus(void) {
    corpus_t c = {0};
    corpus_load(&c, KMIG_FUZZ_CORPUS);
    CHECK(c.n > 0);
    for (size_t i = 0; i < c.n; i++)
        CHECK_EQ_INT(LLVMFuzzerTestOneInput((const uint8_t *)c.files[i].s, c.files[i].len), 0);
    corpus_free(&c);
}

static uint64_t rng_state;
static uint64_t rnd(uint64_t n) { /* xorshift64*, uniform enough for mutations */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return n ? (rng_state * 2685821657736338717ULL) % n : 0;
}

static void mutate(sbuf_t *b, const corpus_t *c) {
    static const char *const tokens[] = {
        "\n", "=", ":", " ", "\\", "\\u", "\\uZZZZ", "\\\n", "->", ".", ",", "#", "!",
        "clusters", "bootstrap.servers", "a", "a.b", "consumer.", "producer.", "admin.",
        "enabled", "true", "-1", "0", "99999999999999999999", "replication.factor",
        "sasl.jaas.config", "security.protocol=SASL_SSL", "sasl.mechanism=PLAIN",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" "
        "password=\"p\";",
        "ssl.truststore.location", "ssl.truststore.type=PEM", "ssl.keystore.location",
        "buffer.memory", "\"", "'", "/*", "//", ";",
        /* offset-map records */
        "9223372036854775807", "9223372036854775806", "\"count\":", "\"tgt_start\":",
        "\"src_end\":", "{", "}", "\n--\n", ":0:"};
    size_t ops = 1 + rnd(8);
    for (size_t k = 0; k < ops; k++) {
        size_t at = b->len ? rnd(b->len + 1) : 0;
        sbuf_t next = {0};
        sbuf_append(&next, b->s ? b->s : "", at);
        switch (rnd(5)) {
        case 0: { /* a token */
            const char *t = tokens[rnd(sizeof tokens / sizeof tokens[0])];
            sbuf_puts(&next, t);
            break;
        }
        case 1: /* drop a run */
            at += rnd(16);
            if (at > b->len) at = b->len;
            break;
        case 2: { /* a random byte */
            char ch = (char)(1 + rnd(255));
            sbuf_append(&next, &ch, 1);
            break;
        }
        case 3: { /* a slice of a corpus file */
            const sbuf_t *o = &c->files[rnd(c->n)];
            size_t from = rnd(o->len + 1), len = rnd(o->len - from + 1);
            sbuf_append(&next, o->s + from, len);
            break;
        }
        default: { /* repeat a slice (long lines) */
            size_t len = rnd(32);
            if (at + len > b->len) len = b->len - at;
            for (size_t r = rnd(64); r > 0; r--) sbuf_append(&next, b->s + at, len);
        }
        }
        sbuf_append(&next, b->s ? b->s + at : "", b->len - at);
        sbuf_free(b);
        *b = next;
    }
}

static int mutate_run(long iterations, uint64_t seed) {
    corpus_t c = {0};
    corpus_load(&c, KMIG_FUZZ_CORPUS);
    if (c.n == 0) return 1;
    rng_state = seed ? seed : 88172645463325252ULL;
    for (long i = 0; i < iterations; i++) {
        sbuf_t b = {0};
        const sbuf_t *o = &c.files[rnd(c.n)];
        sbuf_append(&b, o->s, o->len);
        mutate(&b, &c);
        FILE *f = fopen("fuzz-last-input", "wb");
        if (f) {
            fwrite(b.s, 1, b.len, f);
            fclose(f);
        }
        LLVMFuzzerTestOneInput((const uint8_t *)b.s, b.len);
        sbuf_free(&b);
    }
    corpus_free(&c);
    printf("%ld mutated inputs, no crash\n", iterations);
    return 0;
}

static const unit_test_t replay_tests[] = {UNIT_TEST(test_corpus)};

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "--mutate") == 0)
        return mutate_run(atol(argv[2]), argc > 3 ? strtoull(argv[3], NULL, 10) : 0);
    return unit_run(replay_tests, 1) ? 1 : 0;
}

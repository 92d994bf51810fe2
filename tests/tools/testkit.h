#ifndef KMIG_TESTS_TOOLS_TESTKIT_H
#define KMIG_TESTS_TOOLS_TESTKIT_H
/* kmig-testkit: the test tiers' record generator, record checker and mock
 * cluster server, as one executable with subcommands (testkit.c dispatches):
 *
 *   mockd    testkit_mockd.c    a librdkafka mock cluster, driven over stdin
 *   produce  testkit_produce.c  writes generated records (testkit_gen.c)
 *   check    testkit_check.c    verifies a topic against the generator or a source topic
 *   count    testkit_count.c    prints watermarks
 *   consume  testkit_consume.c  a group member: reads, verifies, commits what it read
 *   commit, committed  testkit_commit.c  set / print a group's committed offsets
 *   admin-seed testkit_admin.c   topics, configs, records, groups and ACLs on a real cluster
 *   fake-aws testkit_fakeaws.c  fake AWS credential endpoints (IMDSv2, ECS, STS) for MSK IAM tests
 *
 * Subcommand entry points take the arguments after the subcommand name
 * (argv[0] is the subcommand) and return the exit code: 0 ok, 1 failure,
 * 2 usage. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "offsets/record_digest.h"

int testkit_mockd_main(int argc, char **argv);
int testkit_produce_main(int argc, char **argv);
int testkit_check_main(int argc, char **argv);
int testkit_count_main(int argc, char **argv);
int testkit_consume_main(int argc, char **argv);
int testkit_commit_main(int argc, char **argv);
int testkit_committed_main(int argc, char **argv);
int testkit_admin_seed_main(int argc, char **argv);
int testkit_fakeaws_main(int argc, char **argv);

/* ------------------------------------------------ shared helpers (testkit.c) */

/* A configuration for bootstrap with the testkit's common settings (producers
 * do not auto-create topics, consumers get partition EOF events, warnings and
 * up are logged) plus the key/value pairs in `kv` (NULL-terminated, may be NULL; later ones
 * win). The caller owns it. Returns NULL with the reason in err. */
rd_kafka_conf_t *testkit_conf_new(rd_kafka_type_t type, const char *bootstrap,
                                  const char *const *kv, char *err, size_t errsz);
/* rd_kafka_new() on testkit_conf_new()'s configuration. The caller owns the
 * handle. Returns NULL with the reason in err. */
rd_kafka_t *testkit_client_new(rd_kafka_type_t type, const char *bootstrap, const char *const *kv,
                               char *err, size_t errsz);

/* The partition count of topic, waiting up to timeout_ms for it to appear in
 * the metadata. Returns -1 with err filled when the topic does not exist. */
int testkit_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms, char *err,
                            size_t errsz);

/* Parses a non-negative decimal integer that fits in int64; -1 if invalid. */
int64_t testkit_parse_count(const char *s);

/* Milliseconds since the epoch / of a monotonic clock. */
int64_t testkit_now_ms(void);
int64_t testkit_mono_ms(void);

/* ------------------------------------------------- generator (testkit_gen.c) */

/* Number of record shapes; prime, so that on every partition count below it
 * each partition (index i % P) cycles through all shapes. */
#define TESTKIT_GEN_SHAPES 17
#define TESTKIT_GEN_MAX_HEADERS 24
/* Default --base-ts offset: relative timestamps start an hour in the past, so
 * that brokers limiting future timestamps (Kafka 4's one hour) accept them. */
#define TESTKIT_GEN_BASE_AGO_MS 3600000

typedef struct testkit_hdr {
    const char *name;
    const void *value; /* NULL: a NULL header value */
    size_t len;
} testkit_hdr_t;

/* One generated record. key/value NULL means NULL (distinct from an empty,
 * non-NULL field of length 0). The pointers refer to storage inside the
 * struct: valid until the next testkit_gen_record() on it or testkit_gen_clear().
 * Start from a zeroed struct. */
typedef struct testkit_rec {
    int shape;
    const void *key, *value;
    size_t key_len, value_len;
    int64_t timestamp;
    testkit_hdr_t hdrs[TESTKIT_GEN_MAX_HEADERS];
    size_t nhdrs;
    /* storage */
    char keybuf[64], smallval[256], hvals[TESTKIT_GEN_MAX_HEADERS][48];
    unsigned char *big; /* owned, for the large value */
    size_t big_cap;
} testkit_rec_t;

/* Fills r with record number i of topic: its shape is i % TESTKIT_GEN_SHAPES,
 * its content a pure function of (topic, i, size, base_ts). size is the length
 * of the "large" shape's value; base_ts is the timestamp of index 0 for the
 * shapes with a relative timestamp (base_ts + i). */
void testkit_gen_record(testkit_rec_t *r, const char *topic, int64_t i, size_t size,
                        int64_t base_ts);
void testkit_gen_clear(testkit_rec_t *r); /* frees the storage; r can be reused */

const char *testkit_gen_shape_name(int shape);
/* True if index i's timestamp is base_ts + i (false: a fixed old timestamp). */
bool testkit_gen_ts_relative(int64_t i);

/* The digest of r as kafka/kread.c computes it for a consumed record. */
void testkit_gen_digest(record_digest_t *d, const testkit_rec_t *r,
                        uint8_t out[RECORD_DIGEST_LEN]);

/* Keyed records for compacted topics (`produce --keys K`): record i has the
 * key "key-<i % K>", the value "<topic>#<i>" (NULL, a tombstone, when
 * tombstone_every > 0 and i % tombstone_every == tombstone_every - 1), no
 * headers and the timestamp base_ts + i. */
void testkit_gen_keyed(testkit_rec_t *r, const char *topic, int64_t i, int64_t keys,
                       int64_t tombstone_every, int64_t base_ts);

/* Transactions (`--transactional [--txn-size M] [--abort-every K]`, the same
 * flags for produce, check and consume): record i belongs to transaction
 * i / M, whatever --start is, and transaction t is aborted when K > 0 and
 * t % K == K - 1 (every K-th). A reader with read_committed sees exactly the
 * records of the other transactions. */
typedef struct testkit_txn {
    bool on;
    int64_t size;        /* M, default 10 */
    int64_t abort_every; /* K, 0: none */
} testkit_txn_t;

#define TESTKIT_TXN_SIZE 10 /* default M */
#define TESTKIT_TXN_DEFAULT {false, TESTKIT_TXN_SIZE, 0}
/* getopt_long entries of the three flags (codes 'X', 'M', 'A'). */
#define TESTKIT_TXN_OPTIONS                                                                     \
    {"transactional", no_argument, 0, 'X'}, {"txn-size", required_argument, 0, 'M'},          \
        {"abort-every", required_argument, 0, 'A'}
#define TESTKIT_TXN_USAGE                                                                       \
    "  --transactional  records in transactions of --txn-size M (default 10) records,\n"      \
    "                   record i in transaction i / M; --abort-every K aborts every K-th\n"   \
    "                   one (transactions K-1, 2K-1, ...)\n"

/* Handles getopt code c of the three flags: 1 if taken, 0 if c is another
 * option, -1 (message printed) if its value is bad. */
int testkit_txn_opt(testkit_txn_t *t, int c, const char *arg);
/* 0 if the flags go together, else -1 with a message printed for cmd. */
int testkit_txn_validate(const testkit_txn_t *t, const char *cmd);
bool testkit_txn_aborted(const testkit_txn_t *t, int64_t i);

/* The records a read_committed reader expects on partition p of a topic that
 * `produce` wrote indexes [start, start+count) to: the committed i with
 * i % parts == p, increasing. Returns how many; *out is malloc'd (caller
 * frees). */
size_t testkit_gen_expected(int64_t start, int64_t count, int64_t parts, int32_t p,
                            const testkit_txn_t *t, int64_t **out);

#endif

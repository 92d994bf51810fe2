#!/usr/bin/env bash
# A million 100-byte records over 8 partitions, copied by the optimised
# build on the newest Kafka version: every record arrives (target end offsets
# and the offset map both account for all of them). Prints the copy rate for
# the record; speed is measured by bench/, never asserted here.
. "$(dirname "$0")/../lib.sh"

[ -n "${KMIG_REAL_VERSIONS:-}" ] || fail "KMIG_REAL_* not set: run it as tests/run.sh real $TEST_NAME"
KMIG_FAST=${KMIG_FAST:-$ROOT/build/kmig}
[ -x "$KMIG_FAST" ] || fail "$KMIG_FAST is not built (make build)"
N=1000000
tag=${KMIG_REAL_VERSIONS##* }
src=KMIG_REAL_SRC_$tag; src=${!src}
tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
topic=$(unique_name million)
"$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions 8 >/dev/null
"$KAFKA_SH" perf-produce "src$tag" "$topic" "$N" 100 acks=1 linger.ms=5 batch.size=262144 >/dev/null
cfg=$T/mm2.properties
cat >"$cfg" <<PROPS
clusters = s, t
s.bootstrap.servers = $src
t.bootstrap.servers = $tgt
s->t.enabled = true
s->t.topics = $topic
replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy
replication.factor = 1
offset-syncs.topic.replication.factor = 1
checkpoints.topic.replication.factor = 1
PROPS
start=${EPOCHREALTIME/./}
"$KMIG_FAST" mirror --config "$cfg" --stop-at-end --progress 0 >"$T/mirror.log" 2>&1 ||
    fail "kmig mirror failed: $(tail -5 "$T/mirror.log")"
end=${EPOCHREALTIME/./}
grep -q "copied $N records" "$T/mirror.log" || fail "summary: $(tail -1 "$T/mirror.log")"
total=$("$TESTKIT" count --bootstrap "$tgt" --topic "$topic" | sed -n 's/^total=//p')
expect_eq "$N" "$total" "records on the target"
mapped=$("$KMIG_FAST" map --config "$cfg" --topic "$topic" --json | grep -o '"count": [0-9]*' | awk '{ s += $2 } END { print s }')
expect_eq "$N" "$mapped" "records in the offset map"
us=$((end - start))
echo "Kafka $tag: $N x 100 B records over 8 partitions in $((us / 1000)) ms including start-up: $((N * 1000000 / us)) records/s"

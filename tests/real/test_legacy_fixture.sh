#!/usr/bin/env bash
# The legacy source of the real tier works: an old ZooKeeper-mode broker
# (KMIG_REAL_LEGACY_VERSION) takes a topic from its own ZooKeeper-based topic
# tool, librdkafka produces to it, consumes from it in a group and commits and
# reads back group offsets; an old ZooKeeper-based consumer stores its offsets
# in ZooKeeper, where the ZooKeeper CLI reads them back.
. "$(dirname "$0")/../lib.sh"

[ -n "${KMIG_REAL_LEGACY_SRC:-}" ] || fail "KMIG_REAL_LEGACY_* not set: run it as tests/run.sh real $TEST_NAME"
src=$KMIG_REAL_LEGACY_SRC
expect_eq "$src" "$("$KAFKA_SH" status legacy)" "legacy broker address"
expect_eq "$KMIG_REAL_LEGACY_ZK" "$("$ZK_SH" status legacy-zk)" "legacy ZooKeeper address"
echo "legacy source: Kafka $KMIG_REAL_LEGACY_VERSION on $src, ZooKeeper on $KMIG_REAL_LEGACY_ZK"

topic=$(unique_name legacy)
"$KAFKA_SH" topics legacy --create --topic "$topic" --partitions 3 --replication-factor 1
wait_for "'$KAFKA_SH' topics legacy --describe --topic '$topic' | grep -q 'Partition: 2.*Leader: 0'" 30

# Records with headers lose them before Kafka 0.11 (message format v1), but
# every record arrives.
"$TESTKIT" produce --bootstrap "$src" --topic "$topic" --partitions 3 --count 300 >"$T/produce.out"
expect_eq produced=300 "$(cat "$T/produce.out")" "produce"
"$TESTKIT" count --bootstrap "$src" --topic "$topic" >"$T/count.out"
expect_contains "$(cat "$T/count.out")" total=300 "count"

# A group member (JoinGroup, SyncGroup, OffsetCommit), then OffsetFetch.
group=$(unique_name group)
"$TESTKIT" consume --bootstrap "$src" --group "$group" --topic "$topic" --commit --timeout 60 >"$T/consume.out"
expect_contains "$(cat "$T/consume.out")" consumed=300 "consume"
"$TESTKIT" committed --bootstrap "$src" --group "$group" --topic "$topic" >"$T/committed.out"
expect_eq "committed[0]=100 committed[1]=100 committed[2]=100" "$(tr '\n' ' ' <"$T/committed.out" | sed 's/ $//')" "committed offsets"

# Explicit offsets from a non-member.
"$TESTKIT" commit --bootstrap "$src" --group "$group-x" --topic "$topic" --offset 0:7 --offset 2:42
"$TESTKIT" committed --bootstrap "$src" --group "$group-x" --topic "$topic" >"$T/committed-x.out"
expect_eq "committed[0]=7 committed[1]=-1 committed[2]=42" "$(tr '\n' ' ' <"$T/committed-x.out" | sed 's/ $//')" "explicit offsets"

# An old consumer keeps its offsets in ZooKeeper: 250 records read, in whatever
# partition order, leave 250 as the sum of its three partition offsets.
old=$(unique_name old)
"$KAFKA_SH" zk-consume legacy "$topic" "$old" 250
expect_eq "[0, 1, 2]" "$("$ZK_SH" cli legacy-zk ls "/consumers/$old/offsets/$topic")" "old consumer's partitions"
sum=0
for p in 0 1 2; do
    o=$("$ZK_SH" cli legacy-zk get "/consumers/$old/offsets/$topic/$p")
    sum=$((sum + o))
done
expect_eq 250 "$sum" "old consumer's offsets in ZooKeeper"

# The ZooKeeper CLI writes and reads nodes; a missing node is a failure.
node=/$(unique_name node)
"$ZK_SH" cli legacy-zk create "$node" 12345
expect_eq 12345 "$("$ZK_SH" cli legacy-zk get "$node")" "node data"
if "$ZK_SH" cli legacy-zk get "$node/missing" 2>"$T/missing.err"; then
    fail "get of a missing node succeeded"
fi
expect_contains "$(cat "$T/missing.err")" "does not exist" "missing node"
printf 'create %s/a 1\ncreate %s/b 2\n' "$node" "$node" | "$ZK_SH" cli legacy-zk
expect_eq "[a, b]" "$("$ZK_SH" cli legacy-zk ls "$node")" "nodes created from stdin"
echo "legacy fixture ok"

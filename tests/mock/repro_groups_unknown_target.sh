#!/usr/bin/env bash
# Reproduction (not a test of the suite: it fails while the bug is there) of
# a promise-3 bug found by the fault soak: when reading the target group's
# committed offsets fails, kmig treats "unknown" as "none" and writes its
# translation over offsets the group's consumers on the target committed.
# Mock target: the group's OffsetFetch fails once (GROUP_AUTHORIZATION_FAILED,
# injected), its OffsetCommit works.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mocklib.sh"
no_leak_check
mock_start src --brokers 1 --topic t:1
SRC=$MOCK_BOOTSTRAP
mock_start tgt --brokers 1 --topic t:1 --topic kmig-offset-map.src.internal:1 --topic kmig-checkpoints.src.internal:1
TGT=$MOCK_BOOTSTRAP
cfg=$T/mm2.properties
mm2_config "$cfg" "$SRC" "$TGT" t identity "groups = g" "checkpoints.topic.replication.factor = 1"
"$TESTKIT" produce --bootstrap "$SRC" --topic t --partitions 1 --count 100 >/dev/null
"$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 >"$T/mirror.log" 2>&1 || fail "mirror: $(tail -5 "$T/mirror.log")"
# The group's consumers on the target committed 7 themselves; the source group is at 50.
"$TESTKIT" commit --bootstrap "$TGT" --group g --topic t --offset 0:7
"$TESTKIT" commit --bootstrap "$SRC" --group g --topic t --offset 0:50
"$KMIG" offsets --config "$cfg" --group g --execute >"$T/o1.txt" 2>&1 || true
cat "$T/o1.txt"
grep -q taken-over "$T/o1.txt" || fail "expected taken-over first: $(cat "$T/o1.txt")"
# One failed read of the target's group offsets.
mock_cmd tgt "errors 9 30 1"
"$KMIG" offsets --config "$cfg" --group g --execute >"$T/o2.txt" 2>&1 || true
cat "$T/o2.txt"
got=$("$TESTKIT" committed --bootstrap "$TGT" --group g --topic t)
expect_eq "committed[0]=7" "$got" "the target group's offset, which its consumers own, after a failed read"
echo "ok: nothing written after the failed read"

#!/usr/bin/env bash
# Reproduction (not a test of the suite: it fails while the bug is there) of
# a promise-2 suspicion raised by the fault soak: when kmig starts and cannot
# read the target's end offsets ("could not read target end offsets ...; the
# re-send count is unknown"), it neither recovers nor counts the target
# records it acknowledged but had not mapped before a kill -9, and copies
# them again: duplicates nobody reported.
# Mock target: ListOffsets (API key 2) fails with TOPIC_AUTHORIZATION_FAILED
# for a while at the restart.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mocklib.sh"
no_leak_check
mock_start src --brokers 1 --topic t:1
SRC=$MOCK_BOOTSTRAP
mock_start tgt --brokers 1 --topic t:1 --topic kmig-offset-map.src.internal:1 --topic kmig-checkpoints.src.internal:1
TGT=$MOCK_BOOTSTRAP
cfg=$T/mm2.properties
# The map is flushed rarely: a kill leaves acknowledged records unmapped.
mm2_config "$cfg" "$SRC" "$TGT" t identity "checkpoints.topic.replication.factor = 1" \
    "kmig.offset.map.flush.interval.ms = 600000"
"$TESTKIT" produce --bootstrap "$SRC" --topic t --partitions 1 --count 2000 >/dev/null
run_bg "$T/mirror-1.log" "$KMIG" mirror --config "$cfg" --progress 0 --summary-json "$T/s1.json"
copied() { "$TESTKIT" count --bootstrap "$TGT" --topic t | sed -n 's/^total=//p'; }
wait_for '[ "$(copied)" -ge 2000 ]' 60 || fail "nothing copied: $(tail -5 "$T/mirror-1.log")"
kill_bg "$BG_PID" KILL
echo "killed with $(copied) records on the target"
mock_cmd tgt "errors 2 29 200"
rc=0
timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 --summary-json "$T/s2.json" >"$T/mirror-2.log" 2>&1 || rc=$?
grep -E "WARN|re-sent|end offsets" "$T/mirror-2.log" | head -5
resent=$(jq -r .resent_possible "$T/s2.json" 2>/dev/null || echo "?")
out=$("$TESTKIT" check --bootstrap "$TGT" --topic t --partitions 1 --count 2000 --max-dups 1000000) || fail "$out"
echo "$out; second run exited $rc, reported resent_possible=$resent"
dups=$(sed -n 's/.* \([0-9]*\) duplicates$/\1/p' <<<"$out")
[ "$dups" -le "${resent//[!0-9]/0}" ] || fail "$dups duplicates on the target, kmig reported $resent possible re-sends"

#!/usr/bin/env bash
# Exactly-once mode (exactly.once.support = enabled) against the mock cluster,
# which serves InitProducerId, AddPartitionsToTxn and EndTxn (librdkafka
# 2.0.2's mock; it does not hide aborted records from read_committed readers,
# so the exactly-once count after kill -9 is checked on real brokers:
# tests/real/test_eos.sh).
#  1. A stream copied to its end: the summary names the mode and counts
#     committed transactions, the target holds every record once, in order,
#     and the metrics carry the transaction families.
#  2. The target refuses a Produce request with a non-retriable error: the
#     task's transaction aborts, its partitions go back to their last
#     committed map position and are sent again; the run goes on to the end
#     with no record lost and exit 0.
#  3. kill -9 three times at random moments during a live stream: the map
#     stays exact (kmig verify) and nothing is lost or counted as re-sent.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mocklib.sh"

PRODUCE=0 MSG_TOO_LARGE=10
N=3000
BASE=$(($(date +%s%3N) - 3600000)) # both streams' timestamps (check --base-ts)
mock_start src --brokers 3 --topic orders:4
SRC=$MOCK_BOOTSTRAP
mock_start tgt --brokers 3 --topic orders:4 --topic kmig-offset-map.src.internal:1
TGT=$MOCK_BOOTSTRAP
cfg=$T/mm2.properties
mm2_config "$cfg" "$SRC" "$TGT" orders identity \
    "exactly.once.support = enabled" "tasks.max = 3" \
    "kmig.offset.map.flush.interval.ms = 200"

"$TESTKIT" produce --bootstrap "$SRC" --topic orders --partitions 4 --count "$N" \
    --base-ts "$BASE" --idempotent >"$T/produce1.out" || fail "producer failed"

rc=0
timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 \
    --summary-json "$T/s1.json" >"$T/m1.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "kmig mirror exited $rc: $(tail -20 "$T/m1.log")"
expect_eq exactly-once "$(jq -r .mode "$T/s1.json")" "summary mode"
c=$(jq -r .transactions.committed "$T/s1.json")
[ "$c" -ge 1 ] || fail "no committed transaction in the summary: $(cat "$T/s1.json")"
expect_eq 0 "$(jq -r .transactions.aborted "$T/s1.json")" "aborted transactions"
out=$("$TESTKIT" check --bootstrap "$TGT" --topic orders --partitions 4 --count "$N" \
    --base-ts "$BASE" --max-dups 0) || fail "orders: $out"
echo "run 1: $c transactions; $out"

# 2: a Produce refusal in the middle of a second stream.
run_bg "$T/produce2.out" "$TESTKIT" produce --bootstrap "$SRC" --topic orders --partitions 4 \
    --count "$N" --rate 200 --idempotent --start "$N" --base-ts "$BASE"
prod=$BG_PID
run_bg "$T/m2.log" "$KMIG" mirror --config "$cfg" --progress 0 --summary-json "$T/s2.json" \
    --http 127.0.0.1:0 --http-port-file "$T/port"
kmig=$BG_PID
wait_for "[ -s '$T/port' ]" 30 0.1 || fail "no http port: $(tail -20 "$T/m2.log")"
wait_for "[ \$(copied) -gt $((N + 200)) ]" 60 0.2 || fail "run 2 copied nothing: $(tail -20 "$T/m2.log")"
mock_cmd tgt errors "$PRODUCE" "$MSG_TOO_LARGE" 1
wait_for "grep -q 'sent again' '$T/m2.log'" 30 0.2 ||
    fail "no abort after the refused Produce: $(tail -20 "$T/m2.log")"
kill_bg "$prod" TERM
expect_eq 0 "$BG_RC" "producer exit status"
metrics=$(curl -s "http://127.0.0.1:$(cat "$T/port")/metrics")
expect_contains "$metrics" 'kmig_transactions_aborted_total{source="src",target="tgt"}'
expect_contains "$metrics" 'kmig_mirror_mode{source="src",target="tgt",mode="exactly-once"} 1'
expect_contains "$metrics" 'kmig_transaction_commit_seconds_count'
kill_bg "$kmig" TERM
expect_eq 0 "$BG_RC" "kmig exit status after SIGTERM: $(tail -5 "$T/m2.log")"
a=$(jq -r .transactions.aborted "$T/s2.json")
[ "$a" -ge 1 ] || fail "the summary counts no aborted transaction: $(cat "$T/s2.json")"

rc=0
timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 \
    --summary-json "$T/s3.json" >"$T/m3.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "final kmig mirror exited $rc: $(tail -20 "$T/m3.log")"
# The mock shows the aborted transaction's records to every reader: duplicates
# here are those (on real brokers a read_committed reader never sees them).
n2=$(sed -n 's/^produced=//p' "$T/produce2.out")
out=$("$TESTKIT" check --bootstrap "$TGT" --topic orders --partitions 4 --count "$((N + n2))" \
    --base-ts "$BASE" --max-dups "$N") || fail "orders after the abort: $out"
echo "run 2: $a aborted; $out"

# 3: kill -9 at random moments while a stream runs. The mock cannot hide the
# aborted transactions' records from any reader, so what is checked here is
# that the map stays exact: every source record is mapped to its copy
# (kmig verify: all matched, none missing, different or not copied), none is
# lost, and no restart counted anything as possibly re-sent (no pairing).
start=$((N + n2))
run_bg "$T/produce3.out" "$TESTKIT" produce --bootstrap "$SRC" --topic orders --partitions 4 \
    --count 10000000 --rate 300 --idempotent --start "$start" --base-ts "$BASE"
prod=$BG_PID
for ((run = 1; run <= 3; run++)); do
    before=$(copied)
    run_bg "$T/k$run.log" "$KMIG" mirror --config "$cfg" --progress 0
    pid=$BG_PID
    wait_for "[ \$(copied) -gt $((before + 100)) ]" 60 0.1 ||
        fail "kill run $run copied nothing: $(tail -20 "$T/k$run.log")"
    sleep "$((RANDOM % 6 / 2)).$((RANDOM % 10))"
    proc_exited "$pid" && fail "kmig kill run $run exited on its own: $(tail -20 "$T/k$run.log")"
    kill_bg "$pid" KILL
    echo "kill run $run: killed with -9 at target end offsets totalling $(copied)"
done
kill_bg "$prod" TERM
expect_eq 0 "$BG_RC" "producer exit status"
n3=$(sed -n 's/^produced=//p' "$T/produce3.out")
total=$((start + n3))
rc=0
timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 \
    --summary-json "$T/s4.json" >"$T/m4.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "kmig mirror after the kills exited $rc: $(tail -20 "$T/m4.log")"
expect_eq 0 "$(resent_total "$T"/k*.log "$T/m4.log")" "records counted as possibly re-sent"
out=$("$TESTKIT" check --bootstrap "$TGT" --topic orders --partitions 4 --count "$total" \
    --base-ts "$BASE" --max-dups "$total") || fail "orders after the kills: $out"
echo "after the kills: $out"
"$KMIG" verify --config "$cfg" --json --no-groups >"$T/verify.json" 2>"$T/verify.err" || true
expect_eq "$total $total 0 0 0" \
    "$(jq -r '"\(.summary.source_records) \(.summary.matched) \(.summary.missing) \(.summary.different) \(.summary.not_copied)"' "$T/verify.json")" \
    "kmig verify: source records, matched, missing, different, not copied ($(tail -3 "$T/verify.err"))"

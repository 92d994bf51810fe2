#!/usr/bin/env bash
# kill -9 of kmig at random moments while a producer keeps writing to the
# source: each restart resumes from the offset map on the target, and a final
# --stop-at-end run leaves every produced record on the target, in order,
# with no more duplicates than kmig reported as possibly re-sent
# ("N records may be re-sent" at the restarts).
# KMIG_KILL9_CONFIG: an extra line for the flow's file; KMIG_KILL9_PAIRS: the
# client pairs the final run must report at least (test_shards.sh sets both).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mocklib.sh"

KILLS=${KMIG_TEST_KILLS:-3}
mock_start src --brokers 3 --topic orders:4 --topic audit:1
SRC=$MOCK_BOOTSTRAP
mock_start tgt --brokers 3 --topic orders:4 --topic audit:1 --topic kmig-offset-map.src.internal:1
TGT=$MOCK_BOOTSTRAP
cfg=$T/mm2.properties
# Flush the offset map often, so that kills land both before and after flushes.
mm2_config "$cfg" "$SRC" "$TGT" "orders, audit" identity "kmig.offset.map.flush.interval.ms = 300" \
    ${KMIG_KILL9_CONFIG:+"$KMIG_KILL9_CONFIG"}

# Producers at a steady rate for the whole test (stopped below). With a
# record per batch, 4 partitions hold well under the mock's limits.
run_bg "$T/produce-orders.out" "$TESTKIT" produce --bootstrap "$SRC" --topic orders \
    --partitions 4 --count 10000000 --rate 400 --idempotent
prod_orders=$BG_PID
run_bg "$T/produce-audit.out" "$TESTKIT" produce --bootstrap "$SRC" --topic audit \
    --partitions 1 --count 10000000 --rate 100 --size 5000 --idempotent
prod_audit=$BG_PID

copied() { # records on the target's orders topic
    "$TESTKIT" count --bootstrap "$TGT" --topic orders | sed -n 's/^total=//p'
}

for ((run = 1; run <= KILLS; run++)); do
    before=$(copied)
    run_bg "$T/mirror-$run.log" "$KMIG" mirror --config "$cfg" --progress 0
    pid=$BG_PID
    # Let it copy something, then kill it at a random moment 0-2.5 s later.
    wait_for "[ \$(copied) -gt $before ]" 60 0.1 ||
        fail "run $run copied nothing: $(tail -20 "$T/mirror-$run.log")"
    sleep "$((RANDOM % 6 / 2)).$((RANDOM % 10))"
    proc_exited "$pid" && fail "kmig run $run exited on its own: $(tail -20 "$T/mirror-$run.log")"
    kill_bg "$pid" KILL
    echo "run $run: killed with $(copied) records on the target"
done

# Stop the producers; what they acknowledged is what must arrive.
kill_bg "$prod_orders" TERM
expect_eq 0 "$BG_RC" "orders producer exit status"
kill_bg "$prod_audit" TERM
expect_eq 0 "$BG_RC" "audit producer exit status"
n_orders=$(sed -n 's/^produced=//p' "$T/produce-orders.out")
n_audit=$(sed -n 's/^produced=//p' "$T/produce-audit.out")
if [ -z "$n_orders" ] || [ -z "$n_audit" ]; then fail "no produced= line from the producers"; fi
echo "produced $n_orders orders and $n_audit audit records"

rc=0
timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 \
    --summary-json "$T/final.json" >"$T/mirror-final.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "final kmig mirror --stop-at-end exited $rc: $(tail -20 "$T/mirror-final.log")"
pairs=$(jq -r .client_pairs "$T/final.json")
[ "$pairs" -ge "${KMIG_KILL9_PAIRS:-1}" ] ||
    fail "the final run copied through $pairs client pair(s), not ${KMIG_KILL9_PAIRS:-1}+"

resent=$(resent_total "$T"/mirror-*.log)
echo "kmig reported $resent records that may be re-sent"
dups=0
for t in "orders 4 $n_orders 1000" "audit 1 $n_audit 5000"; do
    read -r name parts n size <<<"$t"
    out=$("$TESTKIT" check --bootstrap "$TGT" --topic "$name" --partitions "$parts" --count "$n" \
        --size "$size" --max-dups "$resent") || fail "$name: $out"
    echo "$out"
    dups=$((dups + $(sed -n 's/.* \([0-9]*\) duplicates$/\1/p' <<<"$out")))
done
[ "$dups" -le "$resent" ] || fail "$dups duplicates in all, but kmig reported only $resent re-sends"

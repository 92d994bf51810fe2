#!/usr/bin/env bash
# SIGTERM (then SIGINT) while kmig copies a live stream: it exits 0 within a
# few seconds, after flushing, and the next run resumes where it stopped. The
# target ends with every record, and duplicates only up to what kmig
# reported as possibly re-sent (a clean stop should leave none).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mocklib.sh"

STOP_WITHIN=8 # seconds; kmig's own limit is 4 (cmd_mirror.c), plus ASan start-up and a busy machine
mock_start src --brokers 3 --topic orders:4
SRC=$MOCK_BOOTSTRAP
mock_start tgt --brokers 3 --topic orders:4 --topic kmig-offset-map.src.internal:1
TGT=$MOCK_BOOTSTRAP
# Slow target responses keep produce requests in flight when the signal comes.
mock_cmd tgt rtt 1 50
mock_cmd tgt rtt 2 50
mock_cmd tgt rtt 3 50
cfg=$T/mm2.properties
mm2_config "$cfg" "$SRC" "$TGT" orders identity

run_bg "$T/produce.out" "$TESTKIT" produce --bootstrap "$SRC" --topic orders --partitions 4 \
    --count 10000000 --rate 1000 --idempotent
prod=$BG_PID

copied() {
    "$TESTKIT" count --bootstrap "$TGT" --topic orders | sed -n 's/^total=//p'
}

run=0
for sig in TERM INT; do
    run=$((run + 1))
    before=$(copied)
    run_bg "$T/mirror-$run.log" "$KMIG" mirror --config "$cfg" --progress 0
    pid=$BG_PID
    wait_for "[ \$(copied) -ge $((before + 500)) ]" 60 0.1 ||
        fail "run $run is not copying: $(tail -20 "$T/mirror-$run.log")"
    kill -s "$sig" "$pid"
    wait_for "proc_exited $pid" "$STOP_WITHIN" ||
        fail "kmig did not exit within ${STOP_WITHIN}s of SIG$sig: $(tail -20 "$T/mirror-$run.log")"
    kill_bg "$pid"
    expect_eq 0 "$BG_RC" "kmig exit status after SIG$sig"
    expect_contains "$(cat "$T/mirror-$run.log")" "exit 0" "kmig summary after SIG$sig"
    echo "run $run: SIG$sig, exit 0 with $(copied) records on the target"
done

# The target goes down while records are in flight: SIGTERM still ends kmig
# with status 0 within the limit (whatever was not acknowledged is fetched
# again by the next run).
run=$((run + 1))
before=$(copied)
run_bg "$T/mirror-$run.log" "$KMIG" mirror --config "$cfg" --progress 0 \
    --summary-json "$T/summary-$run.json"
pid=$BG_PID
wait_for "[ \$(copied) -ge $((before + 500)) ]" 60 0.1 ||
    fail "run $run is not copying: $(tail -20 "$T/mirror-$run.log")"
mock_cmd tgt down 1
mock_cmd tgt down 2
mock_cmd tgt down 3
sleep 1
kill -s TERM "$pid"
wait_for "proc_exited $pid" "$STOP_WITHIN" ||
    fail "kmig did not exit within ${STOP_WITHIN}s of SIGTERM with the target down: $(tail -20 "$T/mirror-$run.log")"
kill_bg "$pid"
expect_eq 0 "$BG_RC" "kmig exit status after SIGTERM with the target down"
mock_cmd tgt up 1
mock_cmd tgt up 2
mock_cmd tgt up 3
echo "run $run: SIGTERM with the target down, exit 0"

kill_bg "$prod" TERM
expect_eq 0 "$BG_RC" "producer exit status"
n=$(sed -n 's/^produced=//p' "$T/produce.out")
[ -n "$n" ] || fail "no produced= line: $(cat "$T/produce.out")"

mock_cmd tgt rtt 1 0
mock_cmd tgt rtt 2 0
mock_cmd tgt rtt 3 0
rc=0
timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 >"$T/mirror-final.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "final kmig mirror --stop-at-end exited $rc: $(tail -20 "$T/mirror-final.log")"

resent=$(resent_total "$T"/mirror-*.log)
out=$("$TESTKIT" check --bootstrap "$TGT" --topic orders --partitions 4 --count "$n" \
    --max-dups "$resent") || fail "orders (kmig reported $resent possible re-sends): $out"
echo "$out (kmig reported $resent possible re-sends)"

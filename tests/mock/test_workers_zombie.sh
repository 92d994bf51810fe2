#!/usr/bin/env bash
# Fencing in the default mode (docs/WORKERS.md): two workers share a flow's 2
# tasks; with the target slow (500 ms round trips, so records are in flight),
# worker A is paused with SIGSTOP until the group gives its task to B, then
# resumed: A drops its task as lost at once (tasks_lost > 0 in its summary),
# counts what it had in flight and landed anyway (duplicates_written), and
# rejoins. At the end every produced record is on the target, in order, with no
# more duplicates than the workers reported.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mocklib.sh"
no_leak_check

mock_start src --brokers 3 --topic orders:4
SRC=$MOCK_BOOTSTRAP
mock_start tgt --brokers 3 --topic orders:4 --topic kmig-offset-map.src.internal:1 \
    --topic kmig-tasks.src.internal:2
TGT=$MOCK_BOOTSTRAP
cfg=$T/mm2.properties
mm2_config "$cfg" "$SRC" "$TGT" "orders" identity "kmig.offset.map.flush.interval.ms = 300" \
    "tasks.max = 2" "emit.checkpoints.enabled = false" "emit.heartbeats.enabled = false"

run_bg "$T/produce.out" "$TESTKIT" produce --bootstrap "$SRC" --topic orders \
    --partitions 4 --count 10000000 --rate 400 --idempotent
prod=$BG_PID

copied() { "$TESTKIT" count --bootstrap "$TGT" --topic orders | sed -n 's/^total=//p'; }
owned() {
    local port
    port=$(cat "$T/port-$1" 2>/dev/null) || return 0
    curl -sf "http://127.0.0.1:$port/metrics" | sed -n 's/^kmig_tasks_owned{.*} \([0-9]*\)$/\1/p'
}

for w in a b; do
    run_bg "$T/worker-$w.log" "$KMIG" mirror --config "$cfg" --progress 0 --http 127.0.0.1:0 \
        --http-port-file "$T/port-$w" --summary-json "$T/summary-$w.json"
    eval "pid_$w=$BG_PID"
done
wait_for '[ "$(owned a)" = 1 ] && [ "$(owned b)" = 1 ]' 60 0.3 ||
    fail "two workers do not share 2 tasks: a=$(owned a) b=$(owned b)"
before=$(copied)
wait_for "[ \$(copied) -gt $((before + 400)) ]" 60 0.2 || fail "nothing copied"

for b in 1 2 3; do mock_cmd tgt rtt "$b" 500; done
sleep 1
kill -STOP "$pid_a"
for b in 1 2 3; do mock_cmd tgt rtt "$b" 0; done # what a sent is in flight
wait_for '[ "$(owned b)" = 2 ]' 90 0.3 || { kill -CONT "$pid_a"; fail "a's task did not move to b"; }
echo "a's task moved to b"
kill -CONT "$pid_a"
wait_for '[ "$(owned a)" = 1 ] && [ "$(owned b)" = 1 ]' 90 0.3 ||
    fail "a did not get a task back: a=$(owned a) b=$(owned b)"
before=$(copied)
wait_for "[ \$(copied) -gt $((before + 400)) ]" 60 0.2 || fail "nothing copied after the pause"

kill_bg "$prod" TERM
expect_eq 0 "$BG_RC" "producer exit status"
n=$(sed -n 's/^produced=//p' "$T/produce.out")
[ -n "$n" ] || fail "no produced= line"
for w in a b; do
    kill_bg "$(eval "echo \$pid_$w")" TERM
    expect_eq 0 "$BG_RC" "worker $w exit status after SIGTERM"
done
jq -e '.workers.tasks_lost > 0' "$T/summary-a.json" >/dev/null ||
    fail "the paused worker reports no lost task: $(jq -c .workers "$T/summary-a.json")"
echo "worker a: $(jq -c .workers "$T/summary-a.json")"

rc=0
timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 \
    --summary-json "$T/summary-final.json" >"$T/final.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "final --stop-at-end run exited $rc: $(tail -20 "$T/final.log")"
resent=$(resent_total "$T"/worker-*.log "$T/final.log")
dupw=$(jq -s '[.[].workers.duplicates_written // 0] | add' "$T"/summary-*.json)
echo "produced $n; reported $resent re-sends and $dupw duplicates written"
out=$("$TESTKIT" check --bootstrap "$TGT" --topic orders --partitions 4 --count "$n" \
    --size 1000 --max-dups $((resent + dupw))) || fail "orders: $out"
echo "$out"

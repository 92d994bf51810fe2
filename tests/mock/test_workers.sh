#!/usr/bin/env bash
# Workers (docs/WORKERS.md): three `kmig mirror` processes with the same file
# share one flow's 4 tasks through the workers' group on the target while a
# producer writes; each owns some and together they own all 4 (kmig_tasks_owned
# on /metrics). One is killed with -9: the other two take its tasks within
# seconds and resume its partitions from the persisted map. SIGTERM stops the
# two with exit 0; a final --stop-at-end run copies the rest. Every produced
# record is on the target, in order, with no more duplicates than the workers
# reported (re-sends at resume plus duplicates written). Also: `--workers 2`
# runs two in one process tree, and SIGTERM to the parent stops both, exit 0.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mocklib.sh"
no_leak_check # one worker is killed with -9

mock_start src --brokers 3 --topic orders:8
SRC=$MOCK_BOOTSTRAP
mock_start tgt --brokers 3 --topic orders:8 --topic kmig-offset-map.src.internal:1 \
    --topic kmig-tasks.src.internal:4
TGT=$MOCK_BOOTSTRAP
cfg=$T/mm2.properties
mm2_config "$cfg" "$SRC" "$TGT" "orders" identity "kmig.offset.map.flush.interval.ms = 300" \
    "tasks.max = 4" "emit.checkpoints.enabled = false" "emit.heartbeats.enabled = false"

run_bg "$T/produce.out" "$TESTKIT" produce --bootstrap "$SRC" --topic orders \
    --partitions 8 --count 10000000 --rate 400 --idempotent
prod=$BG_PID

copied() { "$TESTKIT" count --bootstrap "$TGT" --topic orders | sed -n 's/^total=//p'; }
owned() { # tasks owned by the worker whose port file is $1 (empty: no answer)
    local port
    port=$(cat "$1" 2>/dev/null) || return 0
    curl -sf "http://127.0.0.1:$port/metrics" | sed -n 's/^kmig_tasks_owned{.*} \([0-9]*\)$/\1/p'
}
sum_owned() { # sum over the port files given; fails unless each answers with > 0
    local f n s=0
    for f in "$@"; do
        n=$(owned "$f")
        [ -n "$n" ] && [ "$n" -gt 0 ] || return 1
        s=$((s + n))
    done
    echo "$s"
}

pids=()
for w in 0 1 2; do
    run_bg "$T/worker-$w.log" "$KMIG" mirror --config "$cfg" --progress 0 --http 127.0.0.1:0 \
        --http-port-file "$T/port-$w" --summary-json "$T/summary-$w.json"
    pids+=("$BG_PID")
done
wait_for "[ \"\$(sum_owned $T/port-0 $T/port-1 $T/port-2)\" = 4 ]" 60 0.3 ||
    fail "three workers do not share the 4 tasks: $(for w in 0 1 2; do echo "w$w: $(owned $T/port-$w)"; done; tail -5 $T/worker-*.log)"
echo "three workers own $(owned $T/port-0) + $(owned $T/port-1) + $(owned $T/port-2) tasks"
before=$(copied)
wait_for "[ \$(copied) -gt $((before + 400)) ]" 60 0.2 || fail "nothing copied"

t0=${EPOCHREALTIME/./}
kill_bg "${pids[1]}" KILL
wait_for "[ \"\$(sum_owned $T/port-0 $T/port-2)\" = 4 ]" 60 0.2 ||
    fail "the tasks of the killed worker did not move: $(tail -5 $T/worker-0.log $T/worker-2.log)"
echo "tasks moved $(((${EPOCHREALTIME/./} - t0) / 1000)) ms after kill -9"
before=$(copied)
wait_for "[ \$(copied) -gt $((before + 400)) ]" 60 0.2 || fail "nothing copied after the kill"

kill_bg "$prod" TERM
expect_eq 0 "$BG_RC" "producer exit status"
n=$(sed -n 's/^produced=//p' "$T/produce.out")
[ -n "$n" ] || fail "no produced= line from the producer"
for w in 0 2; do
    t0=${EPOCHREALTIME/./}
    kill_bg "${pids[$w]}" TERM
    expect_eq 0 "$BG_RC" "worker $w exit status after SIGTERM"
    echo "worker $w stopped in $(((${EPOCHREALTIME/./} - t0) / 1000)) ms"
    jq -e '.workers.tasks_total == 4' "$T/summary-$w.json" >/dev/null ||
        fail "worker $w summary has no workers object: $(cat "$T/summary-$w.json")"
done

# Two workers in one process tree finish the copy; SIGTERM to the parent stops both.
run_bg "$T/tree.log" "$KMIG" mirror --config "$cfg" --progress 0 --workers 2 \
    --summary-json "$T/tree.json"
tree=$BG_PID
wait_for "grep -c 'took [1-9]' $T/tree.log | grep -q 2" 60 0.3 ||
    fail "--workers 2 did not share the tasks: $(tail -20 $T/tree.log)"
sleep 2
kill_bg "$tree" TERM
expect_eq 0 "$BG_RC" "--workers 2 exit status after SIGTERM"
jq -e '(.workers | length) == 2 and all(.workers[]; .exit_code == 0 and .summary != null)' \
    "$T/tree.json" >/dev/null || fail "tree summary: $(cat "$T/tree.json")"

rc=0
timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 \
    --summary-json "$T/summary-final.json" >"$T/final.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "final --stop-at-end run exited $rc: $(tail -20 "$T/final.log")"

resent=$(resent_total "$T"/worker-*.log "$T/tree.log" "$T/final.log")
dupw=$(cat "$T"/summary-*.json | jq -s '[.[].workers.duplicates_written // 0] | add')
dupw=$((dupw + $(jq '.duplicates_written' "$T/tree.json")))
allowed=$((resent + dupw))
echo "produced $n; workers reported $resent re-sends and $dupw duplicates written"
out=$("$TESTKIT" check --bootstrap "$TGT" --topic orders --partitions 8 --count "$n" \
    --size 1000 --max-dups "$allowed") || fail "orders: $out"
echo "$out"

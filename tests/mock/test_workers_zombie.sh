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

workers_setup 4 2

owned() { tasks_owned "$T/port-$1"; } # worker a or b

for w in a b; do
    worker_start "$w"
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

workers_stop_producer
for w in a b; do
    kill_bg "$(eval "echo \$pid_$w")" TERM
    expect_eq 0 "$BG_RC" "worker $w exit status after SIGTERM"
done
jq -e '.workers.tasks_lost > 0' "$T/summary-a.json" >/dev/null ||
    fail "the paused worker reports no lost task: $(jq -c .workers "$T/summary-a.json")"
echo "worker a: $(jq -c .workers "$T/summary-a.json")"

workers_final_run
resent=$(resent_total "$T"/worker-*.log "$T/final.log")
dupw=$(jq -s '[.[].workers.duplicates_written // 0] | add' "$T"/summary-*.json)
echo "produced $n; reported $resent re-sends and $dupw duplicates written"
out=$("$TESTKIT" check --bootstrap "$TGT" --topic orders --partitions 4 --count "$n" \
    --size 1000 --max-dups $((resent + dupw))) || fail "orders: $out"
echo "$out"

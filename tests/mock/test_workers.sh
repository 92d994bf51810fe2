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

workers_setup 8 4

sum_owned() { # sum over the port files given; fails unless each answers with > 0
    local f n s=0
    for f in "$@"; do
        n=$(tasks_owned "$f")
        [ -n "$n" ] && [ "$n" -gt 0 ] || return 1
        s=$((s + n))
    done
    echo "$s"
}

pids=()
for w in 0 1 2; do
    worker_start "$w"
    pids+=("$BG_PID")
done
wait_for "[ \"\$(sum_owned $T/port-0 $T/port-1 $T/port-2)\" = 4 ]" 60 0.3 ||
    fail "three workers do not share the 4 tasks: $(for w in 0 1 2; do echo "w$w: $(tasks_owned $T/port-$w)"; done; tail -5 $T/worker-*.log)"
echo "three workers own $(tasks_owned $T/port-0) + $(tasks_owned $T/port-1) + $(tasks_owned $T/port-2) tasks"
before=$(copied)
wait_for "[ \$(copied) -gt $((before + 400)) ]" 60 0.2 || fail "nothing copied"

t0=${EPOCHREALTIME/./}
kill_bg "${pids[1]}" KILL
wait_for "[ \"\$(sum_owned $T/port-0 $T/port-2)\" = 4 ]" 60 0.2 ||
    fail "the tasks of the killed worker did not move: $(tail -5 $T/worker-0.log $T/worker-2.log)"
echo "tasks moved $(((${EPOCHREALTIME/./} - t0) / 1000)) ms after kill -9"
before=$(copied)
wait_for "[ \$(copied) -gt $((before + 400)) ]" 60 0.2 || fail "nothing copied after the kill"

workers_stop_producer
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

workers_final_run

resent=$(resent_total "$T"/worker-*.log "$T/tree.log" "$T/final.log")
dupw=$(cat "$T"/summary-*.json | jq -s '[.[].workers.duplicates_written // 0] | add')
dupw=$((dupw + $(jq '.duplicates_written' "$T/tree.json")))
allowed=$((resent + dupw))
echo "produced $n; workers reported $resent re-sends and $dupw duplicates written"
out=$("$TESTKIT" check --bootstrap "$TGT" --topic orders --partitions 8 --count "$n" \
    --size 1000 --max-dups "$allowed") || fail "orders: $out"
echo "$out"

# A target that cannot create the tasks topic (the mock has no CreateTopics;
# another group id names another tasks topic): each of --workers 2 would copy
# every task, so both refuse (exit 2, as for any internal topic kmig cannot
# create) and the target gets nothing more.
rc=0
timeout 60 "$KMIG" mirror --config "$cfg" --progress 0 --workers 2 --stop-at-end \
    --set kmig.workers.group.id=kmig-notasks --summary-json "$T/notasks.json" \
    >"$T/notasks.log" 2>&1 || rc=$?
expect_eq 2 "$rc" "--workers 2 without a tasks topic: exit status"
jq -e '(.workers | length) == 2 and all(.workers[]; .exit_code == 2 and
        any(.summary.errors[]; test("--workers 2 needs it")))' "$T/notasks.json" >/dev/null ||
    fail "--workers 2 without a tasks topic: $(cat "$T/notasks.json"; tail -5 "$T/notasks.log")"
echo "--workers 2 without a tasks topic: both workers refused"

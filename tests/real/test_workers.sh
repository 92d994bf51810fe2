#!/usr/bin/env bash
# Workers on real Kafka (docs/WORKERS.md): three `kmig mirror` processes with
# the same file share a live flow (8 partitions, tasks.max 4) through the
# workers' group on the target while a producer writes:
#  - together they own the 4 tasks (kmig_tasks_owned on each one's /metrics);
#  - one is killed with -9: the others take its tasks (time printed);
#  - one is added: it gets tasks (time printed);
#  - one is paused (SIGSTOP) until its tasks moved, then resumed (SIGCONT): it
#    drops them as lost and rejoins;
#  - SIGTERM stops the rest with exit 0; a final --stop-at-end run copies what
#    is left and does the last group sync.
# At the end: every produced record is on the target in order, 0 lost, with
# no more duplicates than the workers reported (re-sends counted at resume
# plus duplicates written for lost tasks), and a stopped group resumes on the
# target exactly where it stopped on the source (groupslib.sh). Then, on the
# first version, the same in exactly-once mode with 0 duplicates allowed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/groupslib.sh"
no_leak_check # a worker is killed with -9

P=8
N=2000 # records before the workers start (the stopped group reads half)

check_version() {
    local tag=$1 src tgt topic pfx cfg gen prod n t0 w
    src=KMIG_REAL_SRC_$tag; src=${!src}
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    topic=$(unique_name work)
    pfx=$(unique_name g)
    gen=(--partitions "$P" --size 300 --base-ts $(($(date +%s%3N) - 3600000)))
    cfg=$T/mm2-$tag.properties
    # a group (and so a tasks topic) of its own: other tests' flows s$tag->t$tag
    # have 8 tasks, and a tasks topic of another count is refused
    groups_config "$cfg" "$tag" "$topic" "$pfx-.*" "tasks.max = 4" \
        "kmig.workers.group.id = $(unique_name kmig-workers)" \
        "exactly.once.support = ${MODE:-disabled}" \
        "refresh.topics.interval.seconds = 1" "kmig.offset.map.flush.interval.ms = 300" \
        "emit.heartbeats.enabled = false"

    owned() { # tasks owned by worker $1 (empty when it does not answer)
        local port
        port=$(cat "$T/$tag-port-$1" 2>/dev/null) || return 0
        curl -sf "http://127.0.0.1:$port/metrics" | sed -n 's/^kmig_tasks_owned{.*} \([0-9]*\)$/\1/p'
    }
    share() { # workers $@ each own > 0 tasks and 4 in all
        local w o s=0
        for w in "$@"; do
            o=$(owned "$w")
            [ -n "$o" ] && [ "$o" -gt 0 ] || return 1
            s=$((s + o))
        done
        [ "$s" = 4 ]
    }
    copied() { "$TESTKIT" count --bootstrap "$tgt" --topic "$topic" | sed -n 's/^total=//p'; }
    start_worker() {
        run_bg "$T/$tag-worker-$1.log" "$KMIG" mirror --config "$cfg" --progress 0 \
            --http 127.0.0.1:0 --http-port-file "$T/$tag-port-$1" \
            --summary-json "$T/$tag-summary-$1.json"
        eval "wpid_$1=$BG_PID"
    }
    wpid() { eval "echo \$wpid_$1"; }
    ms_since() { echo $(((${EPOCHREALTIME/./} - $1) / 1000)); }
    progress() { # copying goes on: 300 more records on the target
        local before
        before=$(copied)
        wait_for "[ \$(copied) -gt $((before + 300)) ]" 90 0.3 || fail "Kafka $tag: no progress $1"
    }

    "$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions "$P" >/dev/null
    "$TESTKIT" produce --bootstrap "$src" --topic "$topic" --count "$N" "${gen[@]}" --idempotent \
        >/dev/null || fail "produce failed"
    "$TESTKIT" consume --bootstrap "$src" --group "$pfx-half" --topic "$topic" "${gen[@]}" \
        --count "$N" --max-records $((N / 2)) --commit >"$T/$tag-half.out" 2>&1 ||
        fail "consume half: $(tail -3 "$T/$tag-half.out")"
    run_bg "$T/$tag-produce.out" "$TESTKIT" produce --bootstrap "$src" --topic "$topic" \
        --start "$N" --count 10000000 --rate 300 "${gen[@]}" --idempotent
    prod=$BG_PID

    t0=${EPOCHREALTIME/./}
    for w in 0 1 2; do start_worker $w; done
    wait_for "share 0 1 2" 90 0.3 ||
        fail "Kafka $tag: three workers do not share the 4 tasks: $(for w in 0 1 2; do echo "w$w=$(owned $w)"; done) $(tail -3 "$T/$tag-worker-0.log")"
    echo "Kafka $tag: three workers own $(owned 0)+$(owned 1)+$(owned 2) tasks, $(ms_since "$t0") ms after start"
    progress "with three workers"

    t0=${EPOCHREALTIME/./}
    kill_bg "$(wpid 1)" KILL
    wait_for "share 0 2" 90 0.2 || fail "Kafka $tag: the killed worker's tasks did not move"
    echo "Kafka $tag: tasks moved $(ms_since "$t0") ms after kill -9"
    progress "after the kill"

    t0=${EPOCHREALTIME/./}
    start_worker 3
    wait_for "share 0 2 3" 90 0.2 || fail "Kafka $tag: the added worker got no task"
    echo "Kafka $tag: the added worker owns $(owned 3) task(s) $(ms_since "$t0") ms after start"
    progress "after the join"

    t0=${EPOCHREALTIME/./}
    kill -STOP "$(wpid 0)"
    wait_for "share 2 3" 90 0.2 || { kill -CONT "$(wpid 0)"; fail "Kafka $tag: the paused worker's tasks did not move"; }
    echo "Kafka $tag: the paused worker's tasks moved $(ms_since "$t0") ms after SIGSTOP"
    sleep 2 # the others copy its partitions for a while
    kill -CONT "$(wpid 0)"
    t0=${EPOCHREALTIME/./}
    wait_for "share 0 2 3" 90 0.3 || fail "Kafka $tag: the resumed worker got no task back"
    echo "Kafka $tag: the resumed worker owns $(owned 0) task(s) again $(ms_since "$t0") ms after SIGCONT"
    progress "after the pause"

    kill_bg "$prod" TERM
    expect_eq 0 "$BG_RC" "producer exit status"
    n=$(sed -n 's/^produced=//p' "$T/$tag-produce.out")
    [ -n "$n" ] || fail "no produced= line"
    n=$((n + N))
    for w in 0 2 3; do
        t0=${EPOCHREALTIME/./}
        kill_bg "$(wpid $w)" TERM
        expect_eq 0 "$BG_RC" "Kafka $tag: worker $w exit status after SIGTERM"
        echo "Kafka $tag: worker $w stopped in $(ms_since "$t0") ms"
    done
    jq -e '.workers.tasks_lost > 0' "$T/$tag-summary-0.json" >/dev/null ||
        fail "Kafka $tag: the paused worker reports no lost task: $(jq -c .workers "$T/$tag-summary-0.json")"

    timeout 180 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 \
        --summary-json "$T/$tag-summary-final.json" >"$T/$tag-final.log" 2>&1 ||
        fail "Kafka $tag: final --stop-at-end exited $?: $(tail -5 "$T/$tag-final.log")"

    local resent dupw allowed out
    resent=$(cat "$T/$tag"-worker-*.log "$T/$tag-final.log" |
        sed -n 's/.* \([0-9][0-9]*\) records may be re-sent.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
    dupw=$(jq -s '[.[].workers.duplicates_written // 0] | add' "$T/$tag"-summary-*.json)
    allowed=$((resent + dupw))
    # Exactly once: a read_committed reader sees no duplicate at all.
    [ "${MODE:-}" != enabled ] || allowed=0
    expect_eq 0 "$(jq -s '[.[].lost] | add' "$T/$tag"-summary-*.json)" "Kafka $tag: records lost"
    out=$("$TESTKIT" check --bootstrap "$tgt" --topic "$topic" --count "$n" "${gen[@]}" \
        --max-dups "$allowed") || fail "Kafka $tag: $out"
    echo "Kafka $tag: produced $n; reported $resent re-sends + $dupw duplicates written; $out"

    # The stopped group resumes exactly on the target: kmig committed its exact
    # translation there, and the first record the group reads next on each
    # partition is the same on both clusters (later duplicates aside).
    offsets_json "$T/$tag-groups.json" "$cfg"
    "$TESTKIT" consume --bootstrap "$src" --group "$pfx-half" --topic "$topic" --print-records \
        >"$T/$tag-src-half.out" 2>&1 || fail "consume on the source: $(tail -3 "$T/$tag-src-half.out")"
    "$TESTKIT" consume --bootstrap "$tgt" --group "$pfx-half" --topic "$topic" --print-records \
        >"$T/$tag-tgt-half.out" 2>&1 || fail "consume on the target: $(tail -3 "$T/$tag-tgt-half.out")"
    offsets_agree "group half" "$T/$tag-groups.json" "$pfx-half" "$T/$tag-tgt-half.out" "$P" up-to-date
    firsts() { awk '/^record / { split($2, a, "="); if (!(a[2] in seen)) { seen[a[2]] = 1; print $2, $4, $5, $6 } }' "$1" | sort; }
    expect_eq "$(firsts "$T/$tag-src-half.out")" "$(firsts "$T/$tag-tgt-half.out")" \
        "Kafka $tag: the group's next record per partition on the target"
    echo "Kafka $tag: group half resumes on the target at the exact offsets"
    [ "${MODE:-}" != enabled ] || return 0

    # A process of the same group with another selection (another topics
    # list) is refused: the two would split the tasks over different
    # partitions and leave some copied by nobody.
    sed "s|^\(s$tag->t$tag.topics = \).*|\1$topic, other-$topic|" "$cfg" >"$T/mm2-$tag-other.properties"
    start_worker 0
    wait_for "[ \"\$(owned 0)\" = 4 ]" 90 0.3 || fail "Kafka $tag: the lone worker does not own 4 tasks"
    sleep 6 # the established worker: the newcomer is the one refused
    local orc=0
    timeout 90 "$KMIG" mirror --config "$T/mm2-$tag-other.properties" --progress 0 \
        --summary-json "$T/$tag-summary-other.json" >"$T/$tag-other.log" 2>&1 || orc=$?
    [ "$orc" != 0 ] && [ "$orc" != 124 ] ||
        fail "Kafka $tag: a worker with another topics list in the same group exited $orc"
    jq -e '[.errors[] | tostring | select(test("other settings"))] | length > 0' \
        "$T/$tag-summary-other.json" >/dev/null ||
        fail "Kafka $tag: the refusal does not say why: $(cat "$T/$tag-summary-other.json")"
    proc_exited "$(wpid 0)" && fail "Kafka $tag: the established worker stopped too: $(tail -3 "$T/$tag-worker-0.log")"
    kill_bg "$(wpid 0)" TERM
    expect_eq 0 "$BG_RC" "Kafka $tag: the established worker's exit status"
    echo "Kafka $tag: a worker with another selection in the same group refused (exit $orc); the established one went on"
}

for_each_version check_version
# The same in exactly-once mode (a task's records and map commit together;
# a worker paused past its session is fenced by the task's next owner), on the
# first version of the tier: 0 duplicates for a read_committed reader.
check_eos() { MODE=enabled check_version "$1"; }
KMIG_REAL_VERSIONS=${KMIG_REAL_VERSIONS%% *} for_each_version check_eos

#!/usr/bin/env bash
# Exactly-once copy on real Kafka (exactly.once.support = enabled,
# docs/EXACTLY_ONCE.md). A producer keeps writing to the source while kmig,
# in exactly-once mode, is killed with -9 three times at random moments and
# started again; then the producer stops, two consumer groups stop on the
# source (one half way, one at the end) and a last `kmig mirror --stop-at-end`
# copies the rest. Facts checked:
#  - a read_committed reader of the target sees every source record exactly
#    once, in order (kmig-testkit check --max-dups 0);
#  - the summary says exactly-once, no record was counted as possibly re-sent,
#    and the restarts committed transactions;
#  - the persisted map is exact: `kmig verify --json` finds every record
#    matched, nothing missing, extra or different;
#  - the groups translate exactly: a consumer of each group on the target
#    reads the same continuation as on the source;
#  - a second kmig of the same flow in another workers' group fences the first (exit 1,
#    named in its summary), which writes nothing more;
#  - a target older than Kafka 2.5 (the legacy 0.10 broker) is refused at
#    start-up with exit 2, naming the version.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/groupslib.sh"
no_leak_check

P=4
KILLS=${KMIG_TEST_KILLS:-3}

check_version() {
    local tag=$1 src tgt topic pfx cfg base gen run pid before n rc g pids=() p
    src=KMIG_REAL_SRC_$tag; src=${!src}
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    topic=$(unique_name eos)
    pfx=$(unique_name g)
    base=$(($(date +%s%3N) - 3600000))
    gen=(--partitions "$P" --size 200 --base-ts "$base")
    cfg=$T/mm2-$tag.properties
    # a workers' group (and so a tasks topic) of its own: other tests' flows
    # s$tag->t$tag have 8 tasks, and a tasks topic of another count is refused
    groups_config "$cfg" "$tag" "$topic" "$pfx-.*" "exactly.once.support = enabled" \
        "kmig.workers.group.id = $(unique_name kmig-eos)" \
        "tasks.max = 3" "kmig.offset.map.flush.interval.ms = 300"
    "$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions "$P" >/dev/null

    copied() { # 0 until kmig created the target topic
        local c
        c=$("$TESTKIT" count --bootstrap "$tgt" --topic "$topic" 2>/dev/null | sed -n 's/^total=//p')
        echo "${c:-0}"
    }
    run_bg "$T/$tag-produce.out" "$TESTKIT" produce --bootstrap "$src" --topic "$topic" \
        --count 100000000 --rate 400 "${gen[@]}" --idempotent
    local prod=$BG_PID
    for ((run = 1; run <= KILLS; run++)); do
        before=$(copied)
        run_bg "$T/$tag-mirror-$run.log" "$KMIG" mirror --config "$cfg" --progress 0
        pid=$BG_PID
        wait_for "[ \$(copied) -gt $((before + 50)) ]" 90 0.2 ||
            fail "run $run copied nothing: $(tail -20 "$T/$tag-mirror-$run.log")"
        sleep "$((RANDOM % 6 / 2)).$((RANDOM % 10))"
        proc_exited "$pid" && fail "kmig run $run exited on its own: $(tail -20 "$T/$tag-mirror-$run.log")"
        kill_bg "$pid" KILL
        echo "Kafka $tag: run $run killed with -9 at target end offsets totalling $(copied)"
    done
    # A second kmig copying the same flow in another workers' group (with the
    # same group the two would share the tasks): its init_transactions fences
    # the first, which stops (exit 1) naming the fencing, and never writes again.
    run_bg "$T/$tag-fenced.log" "$KMIG" mirror --config "$cfg" --progress 0 \
        --summary-json "$T/$tag-fenced.json"
    local first=$BG_PID
    # Started, not racing the second's start: two processes starting at once
    # fence each other task by task (the workers' group prevents that).
    wait_for "grep -q 'copying $topic' '$T/$tag-fenced.log'" 90 0.2 ||
        fail "the first of two did not start: $(tail -20 "$T/$tag-fenced.log")"
    before=$(copied)
    wait_for "[ \$(copied) -gt $((before + 50)) ]" 90 0.2 ||
        fail "the first of two copied nothing: $(tail -20 "$T/$tag-fenced.log")"
    run_bg "$T/$tag-fencer.log" "$KMIG" mirror --config "$cfg" --progress 0 \
        --set "kmig.workers.group.id=$(unique_name fencer)"
    local second=$BG_PID
    wait_for "proc_exited $first" 90 0.2 ||
        fail "the first kmig was not fenced by the second: $(tail -20 "$T/$tag-fenced.log")"
    kill_bg "$first"
    expect_eq 1 "$BG_RC" "exit status of the fenced kmig: $(tail -5 "$T/$tag-fenced.log")"
    jq -r '.errors[]' "$T/$tag-fenced.json" | grep -qi "fenced" ||
        fail "the fenced kmig's summary does not say so: $(jq -c .errors "$T/$tag-fenced.json")"
    sleep 2
    proc_exited "$second" && fail "the second kmig stopped: $(tail -20 "$T/$tag-fencer.log")"
    kill_bg "$second" KILL
    echo "Kafka $tag: a second kmig fenced the first (exit 1), then was killed with -9"

    kill_bg "$prod" TERM
    expect_eq 0 "$BG_RC" "producer exit status"
    n=$(sed -n 's/^produced=//p' "$T/$tag-produce.out")
    [ -n "$n" ] || fail "no produced= line from the producer"
    echo "Kafka $tag: the source holds $n records"

    # Two groups stop on the source: half way and at the end.
    "$TESTKIT" consume --bootstrap "$src" --group "$pfx-half" --topic "$topic" "${gen[@]}" \
        --count "$n" --max-records $((n / 2)) --commit >"$T/$tag-half.out" 2>&1 ||
        fail "consume half: $(tail -3 "$T/$tag-half.out")"
    "$TESTKIT" consume --bootstrap "$src" --group "$pfx-all" --topic "$topic" "${gen[@]}" \
        --count "$n" --commit >"$T/$tag-all.out" 2>&1 || fail "consume all: $(tail -3 "$T/$tag-all.out")"

    rc=0
    timeout 180 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 \
        --summary-json "$T/$tag-final.json" >"$T/$tag-final.log" 2>&1 || rc=$?
    expect_eq 0 "$rc" "final kmig mirror --stop-at-end: $(tail -5 "$T/$tag-final.log")"
    expect_eq exactly-once "$(jq -r .mode "$T/$tag-final.json")" "summary mode"
    expect_eq 0 "$(jq -r .resent_possible "$T/$tag-final.json")" "records counted as possibly re-sent"
    jq -e '.transactions.committed >= 1' "$T/$tag-final.json" >/dev/null ||
        fail "no committed transaction: $(jq -c .transactions "$T/$tag-final.json")"

    # Every source record exactly once for a read_committed reader.
    out=$("$TESTKIT" check --bootstrap "$tgt" --topic "$topic" --count "$n" "${gen[@]}" \
        --max-dups 0) || fail "Kafka $tag: $out"
    echo "Kafka $tag: $out"

    # The map is exact, record by record.
    rc=0
    "$KMIG" verify --config "$cfg" --json --no-groups >"$T/$tag-verify.json" 2>"$T/$tag-verify.err" || rc=$?
    expect_eq 0 "$rc" "kmig verify exit status: $(tail -3 "$T/$tag-verify.err")"
    expect_eq "ok $n $n 0 0 0 0 0" \
        "$(jq -r '"\(.result) \(.summary.source_records) \(.summary.matched) \(.summary.missing) \(.summary.extra) \(.summary.different) \(.summary.foreign) \(.summary.not_copied)"' \
            "$T/$tag-verify.json")" "kmig verify: result, source records, matched, missing, extra, different, foreign, not copied"

    # The groups resume exactly on the target.
    offsets_json "$T/$tag-offsets.json" "$cfg"
    for g in half all; do
        "$TESTKIT" consume --bootstrap "$src" --group "$pfx-$g" --topic "$topic" "${gen[@]}" \
            --count "$n" >"$T/$tag-src-$g.out" 2>&1 &
        pids+=($!)
        "$TESTKIT" consume --bootstrap "$tgt" --group "$pfx-$g" --topic "$topic" "${gen[@]}" \
            --count "$n" >"$T/$tag-tgt-$g.out" 2>&1 &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || fail "a consumer failed"; done
    for g in half all; do
        same_continuation "group $g" "$T/$tag-src-$g.out" "$T/$tag-tgt-$g.out" "$P"
        offsets_agree "group $g" "$T/$tag-offsets.json" "$pfx-$g" "$T/$tag-tgt-$g.out" "$P" up-to-date
    done
    echo "Kafka $tag: after $KILLS kills, every record once, map exact, groups half and all resume exactly"
}

# Exactly-once mode needs Kafka 2.5+ on the target: with the legacy broker
# (Kafka 0.10) as target, kmig exits 2 before creating anything, naming the
# broker's version and what it needs.
legacy_target() {
    local cfg=$T/legacy.properties rc=0 src
    [ -n "${KMIG_REAL_LEGACY_SRC:-}" ] || fail "KMIG_REAL_LEGACY_* not set"
    src=KMIG_REAL_SRC_${KMIG_REAL_VERSIONS%% *}; src=${!src}
    {
        echo "clusters = s, old"
        echo "s.bootstrap.servers = $src"
        echo "old.bootstrap.servers = $KMIG_REAL_LEGACY_SRC"
        echo "s->old.enabled = true"
        echo "s->old.topics = nothing-$$"
        echo "exactly.once.support = enabled"
    } >"$cfg"
    "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 --summary-json "$T/legacy.json" \
        >"$T/legacy.log" 2>&1 || rc=$?
    expect_eq 2 "$rc" "exit status with a Kafka $KMIG_REAL_LEGACY_VERSION target: $(tail -3 "$T/legacy.log")"
    expect_eq exactly-once "$(jq -r .exit_reason "$T/legacy.json")" "exit reason"
    expect_contains "$(jq -r '.errors[0]' "$T/legacy.json")" "needs Kafka 2.5 or later" \
        "the error says what the target needs"
    echo "a Kafka $KMIG_REAL_LEGACY_VERSION target: exit 2, $(jq -r '.errors[0]' "$T/legacy.json" | cut -c1-120)..."
}
legacy_target

for_each_version check_version

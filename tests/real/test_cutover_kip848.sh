#!/usr/bin/env bash
# Kafka 4 consumer groups (KIP-848) through `kmig cutover`, with Kafka's own
# Java consumer (the console consumer of the broker's distribution): one group
# with `group.protocol=consumer`, one with `group.protocol=classic`, each
# reading a topic while a producer writes it on the source and `kmig mirror`
# runs (group sync on). `cutover status --json` sees each group's members on
# the source and its protocol (a KIP-848 group is "Dead, no members" to the
# classic DescribeGroups call that librdkafka 2.0.2 sends: it must never be
# taken for stopped). Each consumer is stopped on the source, `kmig cutover
# group --execute` commits its exact position on the target (the KIP-848
# group's commit creates a classic group there, which converts when the
# consumer-protocol member joins, offsets kept), and the consumer starts on
# the target with the same protocol. Every record is read exactly once across
# the move, for both groups. With a consumer-protocol member active on the
# target, the broker refuses kmig's commit (`kmig offsets --execute`:
# active-on-target, UNKNOWN_MEMBER_ID) and `cutover group` refuses with the
# reason and the protocol.
#
# On Kafka 3.9 only the classic half runs: the consumer protocol is KIP-848's
# early access there (off unless the broker enables it), generally available
# from Kafka 4.0; this test says so on 3.9 rather than skipping silently.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/groupslib.sh"
no_leak_check

P=3
RATE=40 # records per second written on the source until the moves are done

# traffic STOPFILE: writes records <topic>#0, #1, ... on the source in batches
# of RATE records at RATE/s until STOPFILE exists, then prints total=N (every
# batch acknowledged whole, else it fails): live traffic for as long as the
# moves take, however loaded the machine.
traffic() {
    local stopf=$1 i=0 out
    while [ ! -e "$stopf" ]; do
        out=$("$TESTKIT" produce --bootstrap "$src" --topic "$topic" --partitions "$P" --start "$i" \
            --count "$RATE" --rate "$RATE" --keys 1000 --idempotent) || { echo "batch at $i failed: $out"; return 1; }
        [ "$(sed -n 's/^produced=//p' <<<"$out")" = "$RATE" ] || { echo "batch at $i: $out"; return 1; }
        i=$((i + RATE))
    done
    echo "total=$i"
}

# java_consume TAG CLUSTER GROUP PROTOCOL TOPIC OUT [PROP=V...]: Kafka's console consumer of
# that version (in the background, output in $T/...; PID in BG_PID) printing
# each record's value (`<topic>#<i>`), auto-commit on (it commits the next
# unprinted record on close: ConsoleConsumer.ConsumerWrapper.cleanup()).
java_consume() {
    local tag=$1 cluster=$2 group=$3 proto=$4 topic=$5 out=$6 d libs props=() kv
    shift 6
    for kv in auto.commit.interval.ms=1000 "$@"; do props+=(--consumer-property "$kv"); done
    d=$ROOT/build/kafka-run/$cluster
    libs=$("$KAFKA_SH" fetch "$(cat "$d/version")")
    run_bg "$out" "${KMIG_JAVA:-java}" -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
        -Dlog4j.configuration="file:$d/tools-log4j.properties" \
        -Dlog4j2.configurationFile="$d/tools-log4j2.properties" \
        -cp "$libs/*" org.apache.kafka.tools.consumer.ConsoleConsumer \
        --bootstrap-server "$("$KAFKA_SH" bootstrap "$cluster")" --topic "$topic" \
        --group "$group" --from-beginning \
        --consumer-property group.protocol="$proto" "${props[@]}"
}

# read_count OUT TOPIC: records a console consumer printed
read_count() { grep -c "^$2#[0-9]*\$" "$1" || true; }

# stop_java PID WHAT: SIGTERM (the JVM runs its shutdown hook: commit, close)
stop_java() {
    kill_bg "$1" TERM
    case $BG_RC in 0 | 143) ;; *) fail "$2 exited $BG_RC" ;; esac
}

check_version() {
    local tag=$1 src tgt topic pfx cfg svc prod mirror rc gs g proto kinds
    src=KMIG_REAL_SRC_$tag; src=${!src}
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    topic=$(unique_name kip)
    pfx=$(unique_name g)
    cfg=$T/mm2-$tag.properties
    svc=$T/services-$tag.yaml
    if [ "${tag:0:1}" -ge 4 ]; then
        kinds="consumer classic"
    else
        kinds="classic"
        echo "Kafka $tag: the consumer-protocol (KIP-848) half is Kafka 4.x only (early access on 3.x, off by default); the classic half runs"
    fi
    groups_config "$cfg" "$tag" "$topic" "$pfx-.*"
    {
        echo "services:"
        for g in $kinds; do
            printf '  - name: svc-%s\n    consumes: [{topic: %s, group: %s}]\n' "$g" "$topic" "$pfx-$g"
        done
    } >"$svc"
    "$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions "$P" >/dev/null

    # live traffic on the source, the mirror running, and each group reading on the source
    run_bg "$T/$tag-producer.out" traffic "$T/$tag-stop-traffic"
    prod=$BG_PID
    run_bg "$T/$tag-mirror.log" "$KMIG" mirror --config "$cfg" --progress 0
    mirror=$BG_PID
    declare -A pid
    for g in $kinds; do
        java_consume "$tag" "src$tag" "$pfx-$g" "$g" "$topic" "$T/$tag-$g-src.out"
        pid[$g]=$BG_PID
    done
    for g in $kinds; do
        wait_for "[ \$(read_count '$T/$tag-$g-src.out' '$topic') -ge 100 ]" 90 ||
            fail "the $g consumer read nothing on the source: $(tail -5 "$T/$tag-$g-src.out")"
    done

    # status: each group has members on the source (a KIP-848 group is not "Dead, stopped")
    rc=0
    "$KMIG" cutover status --config "$cfg" --services "$svc" --json --quiet-seconds 1 \
        >"$T/$tag-status1.json" 2>"$T/$tag-status1.err" || rc=$?
    expect_eq 5 "$rc" "exit code of cutover status while the groups run on the source ($(cat "$T/$tag-status1.err"))"
    gf() { jq -r --arg g "$2" ".groups[] | select(.group == \$g) | .$3" "$1"; }
    for g in $kinds; do
        expect_eq "$g" "$(gf "$T/$tag-status1.json" "$pfx-$g" source_protocol)" "$g group's protocol on the source"
        gs=$(gf "$T/$tag-status1.json" "$pfx-$g" source_members)
        [ "$gs" != null ] && [ "$gs" -ge 1 ] ||
            fail "$g group's members on the source: $gs ($(gf "$T/$tag-status1.json" "$pfx-$g" reason))"
        expect_eq in-sync "$(gf "$T/$tag-status1.json" "$pfx-$g" state)" "$g group's state while it runs on the source"
    done
    expect_eq 1 "$(gf "$T/$tag-status1.json" "$pfx-classic" source_members)" "classic group's members on the source"
    expect_eq true "$(gf "$T/$tag-status1.json" "$pfx-classic" source_members_counted)" "classic members counted"
    rc=0
    "$KMIG" cutover group "$pfx-${kinds%% *}" --config "$cfg" --json >"$T/$tag-dry.json" 2>"$T/$tag-dry.err" || rc=$?
    expect_eq 5 "$rc" "exit code of cutover group (dry run) while the group runs on the source ($(cat "$T/$tag-dry.err"))"
    expect_eq waiting "$(jq -r .state "$T/$tag-dry.json")" "cutover group state while the group runs on the source"
    expect_contains "$(jq -r .reason "$T/$tag-dry.json")" "on the source: stop the service there" "cutover group reason"
    expect_eq "${kinds%% *}" "$(jq -r .source_protocol "$T/$tag-dry.json")" "cutover group: protocol on the source"
    echo "Kafka $tag: groups running on the source ($kinds) are seen running, with their protocol"

    # the move, one group after the other, while the producer writes on the source
    for g in $kinds; do
        stop_java "${pid[$g]}" "the $g consumer on the source"
        "$KMIG" cutover group "$pfx-$g" --config "$cfg" --execute --timeout 60 --json \
            >"$T/$tag-group-$g.json" 2>"$T/$tag-group-$g.err" ||
            fail "kmig cutover group $g --execute: exit $?: $(cat "$T/$tag-group-$g.json" "$T/$tag-group-$g.err")"
        expect_eq committed "$(jq -r .state "$T/$tag-group-$g.json")" "cutover group $g state"
        expect_eq "$g" "$(jq -r .source_protocol "$T/$tag-group-$g.json")" "cutover group $g: protocol on the source"
        expect_eq 0 "$(jq -r .source_members "$T/$tag-group-$g.json")" "cutover group $g: members on the source"
        java_consume "$tag" "tgt$tag" "$pfx-$g" "$g" "$topic" "$T/$tag-$g-tgt.out"
        pid[$g]=$BG_PID
    done
    for g in $kinds; do
        wait_for "[ \$(read_count '$T/$tag-$g-tgt.out' '$topic') -ge 1 ]" 90 ||
            fail "the $g consumer read nothing on the target: $(tail -5 "$T/$tag-$g-tgt.out")"
    done
    rc=0
    "$KMIG" cutover status --config "$cfg" --services "$svc" --json --quiet-seconds 1 \
        >"$T/$tag-status2.json" 2>"$T/$tag-status2.err" || rc=$?
    for g in $kinds; do
        expect_eq moved "$(gf "$T/$tag-status2.json" "$pfx-$g" state)" \
            "$g group's state once it runs on the target ($(gf "$T/$tag-status2.json" "$pfx-$g" reason))"
        expect_eq "$g" "$(gf "$T/$tag-status2.json" "$pfx-$g" target_protocol)" "$g group's protocol on the target"
        expect_eq 0 "$(gf "$T/$tag-status2.json" "$pfx-$g" source_members)" "$g group's members on the source once moved"
        # running on the target: cutover group refuses, naming the protocol
        rc=0
        "$KMIG" cutover group "$pfx-$g" --config "$cfg" --execute --timeout 5 --json \
            >"$T/$tag-again-$g.json" 2>"$T/$tag-again-$g.err" || rc=$?
        expect_eq 5 "$rc" "exit code of cutover group $g with members on the target"
        expect_eq refused "$(jq -r .state "$T/$tag-again-$g.json")" "cutover group $g state with members on the target"
        expect_contains "$(jq -r .reason "$T/$tag-again-$g.json")" "active on the target ($g group)" "cutover group $g reason"
    done
    echo "Kafka $tag: each group moved with its own protocol ($kinds); cutover group refuses while it runs on the target"

    if [ "$kinds" != classic ]; then
        # a consumer-protocol member already runs on the target while kmig would commit:
        # the broker refuses the commit from outside (UNKNOWN_MEMBER_ID), kmig says why
        local early=$pfx-early epid
        # (no commits of its own: kmig's commit must meet the member, not its offsets)
        java_consume "$tag" "tgt$tag" "$early" consumer "$topic" "$T/$tag-early-tgt.out" enable.auto.commit=false
        epid=$BG_PID
        wait_for "[ \$(read_count '$T/$tag-early-tgt.out' '$topic') -ge 1 ]" 90 ||
            fail "the early consumer read nothing on the target: $(tail -5 "$T/$tag-early-tgt.out")"
        "$TESTKIT" commit --bootstrap "$src" --group "$early" --topic "$topic" --offset 0:5 --offset 1:5 --offset 2:5 \
            >/dev/null || fail "commit for $early on the source failed"
        "$KMIG" offsets --config "$cfg" --group "$early" --execute --json >"$T/$tag-early.json" 2>"$T/$tag-early.err" ||
            fail "kmig offsets --execute for $early: exit $?: $(cat "$T/$tag-early.err")"
        expect_eq active-on-target "$(jq -r '[.[].status] | unique | join(",")' "$T/$tag-early.json")" \
            "kmig offsets --execute for a group with a consumer-protocol member on the target ($(cat "$T/$tag-early.json"))"
        expect_contains "$(jq -r '.[0].error' "$T/$tag-early.json")" UNKNOWN_MEMBER_ID "kmig offsets: why the commit was refused"
        expect_contains "$(jq -r '.[0].error' "$T/$tag-early.json")" "active members on the target" "kmig offsets: the refusal explained"
        rc=0
        "$KMIG" cutover group "$early" --config "$cfg" --execute --timeout 5 --json \
            >"$T/$tag-early-group.json" 2>"$T/$tag-early-group.err" || rc=$?
        expect_eq 5 "$rc" "exit code of cutover group with a consumer-protocol member on the target"
        expect_eq refused "$(jq -r .state "$T/$tag-early-group.json")" "cutover group state with a consumer-protocol member on the target"
        expect_eq consumer "$(jq -r .target_protocol "$T/$tag-early-group.json")" "cutover group: protocol on the target"
        expect_contains "$(jq -r .reason "$T/$tag-early-group.json")" "active on the target" "cutover group reason"
        stop_java "$epid" "the early consumer on the target"
        echo "Kafka $tag: with a consumer-protocol member active on the target, commits are refused and cutover group says so"
    fi

    # the producer stops, the mirror copies everything, the moved consumers read it all
    local N
    touch "$T/$tag-stop-traffic"
    wait_for "grep -q '^total=' '$T/$tag-producer.out'" 60 || fail "the producer did not stop: $(tail -3 "$T/$tag-producer.out")"
    kill_bg "$prod"
    expect_eq 0 "$BG_RC" "exit status of the producer ($(cat "$T/$tag-producer.out"))"
    N=$(field "$T/$tag-producer.out" total)
    expect_eq "$N" "$("$TESTKIT" count --bootstrap "$src" --topic "$topic" | sed -n 's/^total=//p')" "records on the source"
    wait_for "[ \"\$(\"$TESTKIT\" count --bootstrap '$tgt' --topic '$topic' | sed -n 's/^total=//p')\" = $N ]" 120 ||
        fail "the mirror did not copy all $N records: $(tail -5 "$T/$tag-mirror.log")"
    for g in $kinds; do
        wait_for "[ \$((\$(read_count '$T/$tag-$g-src.out' '$topic') + \$(read_count '$T/$tag-$g-tgt.out' '$topic'))) -ge $N ]" 120 ||
            true # counted below
        stop_java "${pid[$g]}" "the $g consumer on the target"
    done
    kill_bg "$mirror" TERM
    expect_eq 0 "$BG_RC" "exit status of kmig mirror after SIGTERM"

    # exactly once across the move: every record 0..N-1 printed once, on the source or the target
    local s t dups missing
    for g in $kinds; do
        s=$(read_count "$T/$tag-$g-src.out" "$topic")
        t=$(read_count "$T/$tag-$g-tgt.out" "$topic")
        cat "$T/$tag-$g-src.out" "$T/$tag-$g-tgt.out" | sed -n "s/^$topic#\([0-9]*\)\$/\1/p" | sort -n >"$T/$tag-$g-all"
        dups=$(uniq -d "$T/$tag-$g-all" | wc -l)
        missing=$(comm -23 <(seq 0 $((N - 1)) | sort) <(sort -u "$T/$tag-$g-all") | wc -l)
        expect_eq 0 "$dups" "$g group: records read twice across the move (source $s, target $t)"
        expect_eq 0 "$missing" "$g group: records never read (source $s, target $t)"
        expect_eq "$N" $((s + t)) "$g group: records read on the source plus on the target"
        [ "$s" -gt 0 ] && [ "$t" -gt 0 ] || fail "$g group: read $s records on the source, $t on the target: no move under traffic"
        echo "Kafka $tag: $g group read every record exactly once: $s on the source, $t on the target"
    done
}

[ -n "${KMIG_REAL_VERSIONS:-}" ] || fail "KMIG_REAL_* not set: run it as tests/run.sh real $TEST_NAME"
case " $KMIG_REAL_VERSIONS " in
*" 4"[0-9]" "*) ;;
*) echo "NOTE: no Kafka 4.x in this tier ($KMIG_REAL_VERSIONS): the consumer-protocol (KIP-848) half does not run" ;;
esac
for_each_version check_version

#!/usr/bin/env bash
# Consumer groups move exactly on real Kafka. Stopped groups on the source (one
# that committed offset 0 without reading, one that read about half, one that
# read everything) are synced by `kmig mirror --stop-at-end` to the same names
# on the target, where each resumes at exactly the next record it had not
# read: a consumer of the group reads the same records on the target as on the
# source, no duplicate, none skipped, to the end; `kmig offsets --json` shows
# the offsets the consumers start from. A group that committed offsets beyond
# what was copied is `pending` and nothing is committed for it on the target,
# not even with `kmig offsets --execute`, until the next mirror copies those
# records; then it resumes exactly too.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/groupslib.sh"
no_leak_check

N=3000 # first batch, before the first mirror
M=600  # produced after it
P=3

check_version() {
    local tag=$1 src tgt topic pfx cfg base gen g p k
    src=KMIG_REAL_SRC_$tag; src=${!src}
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    topic=$(unique_name exact)
    pfx=$(unique_name g)
    base=$(($(date +%s%3N) - 3600000))
    gen=(--partitions "$P" --size 200 --base-ts "$base")
    cfg=$T/mm2-$tag.properties
    groups_config "$cfg" "$tag" "$topic" "$pfx-.*"

    # consume CLUSTER GROUP OUT COUNT [ARGS...]: one group member's run.
    consume() {
        local b=$1 group=$2 o=$3 count=$4
        shift 4
        "$TESTKIT" consume --bootstrap "$b" --group "$group" --topic "$topic" "${gen[@]}" \
            --count "$count" "$@" >"$o" 2>&1 || fail "consume $group on $b: $(tail -3 "$o")"
    }
    # verify PHASE COUNT STATUS GROUP...: each group's continuation on the
    # target is the one on the source, and kmig offsets agrees (rows STATUS).
    verify() {
        local phase=$1 count=$2 status=$3 g pids=()
        shift 3
        offsets_json "$T/$tag-$phase.json" "$cfg"
        for g in "$@"; do
            consume "$src" "$pfx-$g" "$T/$tag-$phase-src-$g.out" "$count" &
            pids+=($!)
            consume "$tgt" "$pfx-$g" "$T/$tag-$phase-tgt-$g.out" "$count" &
            pids+=($!)
        done
        for p in "${pids[@]}"; do wait "$p" || fail "a consumer failed (see above)"; done
        for g in "$@"; do
            same_continuation "$phase, group $g" "$T/$tag-$phase-src-$g.out" "$T/$tag-$phase-tgt-$g.out" "$P"
            offsets_agree "$phase, group $g" "$T/$tag-$phase.json" "$pfx-$g" "$T/$tag-$phase-tgt-$g.out" "$P" "$status"
        done
    }

    "$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions "$P" >/dev/null
    "$TESTKIT" produce --bootstrap "$src" --topic "$topic" --count "$N" "${gen[@]}" --idempotent >/dev/null ||
        fail "produce failed"

    # The stopped groups.
    "$TESTKIT" commit --bootstrap "$src" --group "$pfx-zero" --topic "$topic" --offset 0:0 --offset 1:0 --offset 2:0
    consume "$src" "$pfx-half" "$T/$tag-half.out" "$N" --max-records $((N / 2)) --commit
    consume "$src" "$pfx-all" "$T/$tag-all.out" "$N" --commit
    echo "group half read $(grep -o 'n\[[0-9]\]=[0-9]*' "$T/$tag-half.out" | tr '\n' ' ')"

    timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 >"$T/$tag-mirror1.log" 2>&1 ||
        fail "kmig mirror --stop-at-end exited $?: $(tail -5 "$T/$tag-mirror1.log")"
    for g in zero half all; do
        k=3
        [ $g != half ] || k=$(grep -o 'n\[[0-9]\]=[1-9][0-9]*' "$T/$tag-half.out" | wc -l)
        grep -q "group $pfx-$g: committed $k offsets on the target" "$T/$tag-mirror1.log" ||
            fail "no 'group $pfx-$g: committed $k offsets on the target' in the mirror's log: $(grep group "$T/$tag-mirror1.log")"
    done
    verify synced "$N" up-to-date zero half all
    echo "Kafka $tag: groups zero, half and all resume exactly on the target"
    # --export: the CSV of the exact target offsets, as kafka-consumer-groups.sh takes it.
    "$KMIG" offsets --config "$cfg" --export "$T/$tag.csv" >/dev/null 2>"$T/$tag-export.err" ||
        fail "kmig offsets --export: $(cat "$T/$tag-export.err")"
    expect_eq "$(jq -r '.[] | "\(.group),\(.target_topic),\(.partition),\(.target_offset)"' "$T/$tag-synced.json" | sort)" \
        "$(sort "$T/$tag.csv")" "kmig offsets --export"
    # ... which Kafka's own tool takes: its dry-run plan (GROUP TOPIC PARTITION
    # NEW-OFFSET; 3.9 prints the rows without line breaks) is the same.
    "$KAFKA_SH" groups "tgt$tag" --reset-offsets --from-file "$T/$tag.csv" --group "$pfx-zero" \
        --group "$pfx-half" --group "$pfx-all" --dry-run >"$T/$tag-reset.out" 2>"$T/$tag-reset.err" ||
        fail "kafka-consumer-groups --reset-offsets --from-file: $(tail -5 "$T/$tag-reset.err")"
    expect_eq "$(sort "$T/$tag.csv")" \
        "$(awk '/NEW-OFFSET/ { f = 1; sub(/.*NEW-OFFSET/, "") } f' "$T/$tag-reset.out" |
            tr -s ' \t\n' '\n' | grep -v '^$' | paste -d, - - - - | sort)" \
        "the plan of kafka-consumer-groups --reset-offsets --from-file"

    # A group ahead of the copy: records produced after the mirror stopped.
    "$TESTKIT" produce --bootstrap "$src" --topic "$topic" --start "$N" --count "$M" "${gen[@]}" \
        --idempotent >/dev/null || fail "produce failed"
    consume "$src" "$pfx-late" "$T/$tag-late.out" $((N + M)) --commit
    offsets_json "$T/$tag-late.json" "$cfg" --group "$pfx-late" --execute
    for ((p = 0; p < P; p++)); do
        expect_eq pending "$(jrow "$T/$tag-late.json" "$pfx-late" "$p" status)" "kmig offsets --execute status of late [$p]"
        expect_eq -1 "$(jrow "$T/$tag-late.json" "$pfx-late" "$p" target_offset)" "target_offset of late [$p] (pending)"
    done
    "$TESTKIT" committed --bootstrap "$tgt" --group "$pfx-late" --topic "$topic" >"$T/$tag-late-tgt.out"
    for ((p = 0; p < P; p++)); do
        expect_eq -1 "$(field "$T/$tag-late-tgt.out" "committed[$p]")" "committed offset of the pending group on the target [$p]"
    done
    # The group that read everything is no longer at the source's end: pending
    # too, and its target offsets stay.
    offsets_json "$T/$tag-ahead.json" "$cfg"
    for ((p = 0; p < P; p++)); do
        expect_eq pending "$(jrow "$T/$tag-ahead.json" "$pfx-all" "$p" status)" "status of all [$p] with uncopied records"
        expect_eq "$(jrow "$T/$tag-synced.json" "$pfx-all" "$p" target_committed)" \
            "$(jrow "$T/$tag-ahead.json" "$pfx-all" "$p" target_committed)" "target offset of all [$p] kept"
    done
    echo "Kafka $tag: a group ahead of the copy is pending, nothing committed for it on the target"

    # The next mirror copies the new records: every group resumes exactly.
    timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 >"$T/$tag-mirror2.log" 2>&1 ||
        fail "second kmig mirror --stop-at-end exited $?: $(tail -5 "$T/$tag-mirror2.log")"
    grep -q "group $pfx-late: committed 3 offsets on the target" "$T/$tag-mirror2.log" ||
        fail "the second mirror did not sync group late: $(grep group "$T/$tag-mirror2.log")"
    verify final $((N + M)) up-to-date zero half all late
    "$TESTKIT" check --bootstrap "$tgt" --topic "$topic" --count $((N + M)) "${gen[@]}" >/dev/null ||
        fail "target records differ"
    echo "Kafka $tag: after the second copy, groups zero, half, all and late resume exactly"
}

for_each_version check_version

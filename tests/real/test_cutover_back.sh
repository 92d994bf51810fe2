#!/usr/bin/env bash
# The way back on real Kafka (docs/CUTOVER.md "The way back"), on each Kafka
# version of the tier. One topic, P partitions; one MM2 file with both flows
# sTAG->tTAG (forward) and tTAG->sTAG (reverse, identity names).
#  1. N records are written on the source A; the group reads some of them
#     there and stops; the forward flow copies; `cutover group` moves the group
#     to B exactly.
#  2. The producer moves to B: M records are written on B; the group reads
#     some records on B (forward copies and records produced on B) and stops.
#  3. `cutover group --back` before the reverse flow ran: waiting, the
#     translation is pending (exit 5).
#  4. The reverse flow copies exactly the M records produced on B to A (none
#     of the forward copies: no loop), its map is exact (`kmig verify`, which
#     counts the forward flow's records apart; so does verify of the forward
#     flow for the reverse one's); the
#     forward flow run again copies nothing back to B (it skips the reverse
#     flow's copies).
#  5. `kmig offsets` of the reverse flow and `cutover group --back --execute`
#     commit the exact position on A; the group reads the rest there.
# Across the two moves the group reads every record exactly once: each reader
# checks its records are consecutive generator records, each one starts right
# after where the previous one stopped, and the counts add up to N+M.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/groupslib.sh"
no_leak_check

N=300
M=150
M2=30 # records produced on B while both flows run
P=3
R1=100 # records the group reads on A before the first move
R2=250 # records it reads on B before the way back (some partitions past the forward copies)

# count TOPIC BOOTSTRAP: records in the topic
count() { "$TESTKIT" count --bootstrap "$2" --topic "$1" | sed -n 's/^total=//p'; }

check_version() {
    local tag=$1 src tgt topic pfx grp cfg base gen fwd rev rc p prev left M=$M
    src=KMIG_REAL_SRC_$tag; src=${!src}
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    topic=$(unique_name orders)
    pfx=$(unique_name g)
    grp=$pfx-app
    base=$(($(date +%s%3N) - 3600000))
    gen=(--partitions "$P" --size 100 --base-ts "$base")
    cfg=$T/mm2-$tag.properties
    # Aliases of its own: the reverse flow's map topic kmig-offset-map.<B>.internal
    # on A makes every flow from A to that alias a way back; with the shared
    # aliases s$tag/t$tag it would make the other tests' flows ways back too.
    local a=wbs$tag b=wbt$tag
    fwd=(--source "$a" --target "$b")
    rev=(--source "$b" --target "$a")
    groups_config "$cfg" "$tag" "$topic" "$pfx-.*" \
        "t$tag->s$tag.enabled = true" "t$tag->s$tag.topics = $topic" \
        "t$tag->s$tag.emit.checkpoints.enabled = false"
    sed -i -e '/^sync.group.offsets.enabled/d' -e "s/\bs$tag\b/$a/g; s/\bt$tag\b/$b/g" "$cfg"

    # 1. on A, then the first move
    "$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions "$P" >/dev/null
    "$TESTKIT" produce --bootstrap "$src" --topic "$topic" --count "$N" "${gen[@]}" --idempotent >/dev/null ||
        fail "produce on A failed"
    "$TESTKIT" consume --bootstrap "$src" --group "$grp" --topic "$topic" "${gen[@]}" \
        --count "$N" --max-records "$R1" --commit >"$T/$tag-a1.out" 2>&1 ||
        fail "group on A: $(tail -3 "$T/$tag-a1.out")"
    timeout 120 "$KMIG" mirror --config "$cfg" "${fwd[@]}" --stop-at-end --progress 0 \
        >"$T/$tag-fwd1.log" 2>&1 || fail "forward mirror exited $?: $(tail -5 "$T/$tag-fwd1.log")"
    "$KMIG" cutover group "$grp" --config "$cfg" "${fwd[@]}" --execute --timeout 30 --json \
        >"$T/$tag-move1.json" 2>"$T/$tag-move1.err" ||
        fail "cutover group (to B): exit $?: $(cat "$T/$tag-move1.json" "$T/$tag-move1.err")"
    expect_eq committed "$(jq -r .state "$T/$tag-move1.json")" "cutover group (to B) state"

    # 2. the producer writes on B; the group reads on B
    "$TESTKIT" produce --bootstrap "$tgt" --topic "$topic" --start "$N" --count "$M" "${gen[@]}" \
        --idempotent >/dev/null || fail "produce on B failed"
    "$TESTKIT" consume --bootstrap "$tgt" --group "$grp" --topic "$topic" "${gen[@]}" \
        --count $((N + M)) --max-records "$R2" --commit >"$T/$tag-b.out" 2>&1 ||
        fail "group on B: $(tail -3 "$T/$tag-b.out")"
    expect_eq "$R2" "$(field "$T/$tag-b.out" consumed)" "records the group read on B"

    # 3. before the reverse flow ran: the translation is pending
    rc=0
    "$KMIG" cutover group "$grp" --config "$cfg" "${rev[@]}" --back --json \
        >"$T/$tag-back0.json" 2>"$T/$tag-back0.err" || rc=$?
    expect_eq 5 "$rc" "exit code of cutover group --back before the reverse flow ($(cat "$T/$tag-back0.err"))"
    expect_eq waiting "$(jq -r .state "$T/$tag-back0.json")" "cutover group --back state before the reverse flow"
    expect_contains "$(jq -r .reason "$T/$tag-back0.json")" "pending" "cutover group --back reason"
    echo "Kafka $tag: the way back waits for the reverse flow"

    # 4. the reverse flow copies only what was produced on B, while the
    # forward flow runs too (it sees the reverse map appear and skips its copies)
    run_bg "$T/$tag-fwdbg.log" "$KMIG" mirror --config "$cfg" "${fwd[@]}" --progress 0 \
        --summary-json "$T/$tag-fwdbg.json"
    local fpid=$BG_PID
    wait_for "grep -q 'copying $topic' '$T/$tag-fwdbg.log'" 60 || fail "the forward flow did not start"
    timeout 120 "$KMIG" mirror --config "$cfg" "${rev[@]}" --stop-at-end --progress 0 \
        --summary-json "$T/$tag-rev.json" >"$T/$tag-rev.log" 2>&1 ||
        fail "reverse mirror exited $?: $(tail -5 "$T/$tag-rev.log")"
    expect_eq "$M" "$(jq .records "$T/$tag-rev.json")" "records the reverse flow copied"
    expect_eq $((N + M)) "$(count "$topic" "$src")" "records on A after the reverse flow (no loop)"
    # more records on B while both flows run: they go back, and only once
    "$TESTKIT" produce --bootstrap "$tgt" --topic "$topic" --start $((N + M)) --count "$M2" "${gen[@]}" \
        --idempotent >/dev/null || fail "produce more on B failed"
    timeout 120 "$KMIG" mirror --config "$cfg" "${rev[@]}" --stop-at-end --progress 0 \
        --summary-json "$T/$tag-rev2.json" >"$T/$tag-rev2.log" 2>&1 ||
        fail "reverse mirror (again) exited $?: $(tail -5 "$T/$tag-rev2.log")"
    expect_eq "$M2" "$(jq .records "$T/$tag-rev2.json")" "records the reverse flow copied the second time"
    M=$((M + M2))
    expect_eq $((N + M)) "$(count "$topic" "$src")" "records on A after the second reverse run"
    kill_bg "$fpid" TERM
    expect_eq 0 "$BG_RC" "exit status of the running forward flow after SIGTERM ($(tail -3 "$T/$tag-fwdbg.log"))"
    expect_eq 0 "$(jq .records "$T/$tag-fwdbg.json")" "records the running forward flow copied"
    expect_eq $((N + M)) "$(count "$topic" "$tgt")" "records on B while the forward flow ran (no loop)"
    # the reverse map is exact: every record it copied matches; the records of
    # B it did not copy are exactly the N forward copies, and the A records
    # before its copies are the forward flow's originals: verify counts them
    # as the other flow's, not as differences (exit 0)
    rc=0
    "$KMIG" verify --config "$cfg" "${rev[@]}" --no-groups --json >"$T/$tag-verify.json" 2>"$T/$tag-verify.err" || rc=$?
    expect_eq 0 "$rc" "exit code of kmig verify of the reverse flow ($(tail -3 "$T/$tag-verify.err"))"
    expect_eq "$M 0 0 0 0 0 0 true $N" \
        "$(jq -r '.summary | "\(.matched) \(.missing) \(.different) \(.extra) \(.foreign) \(.not_copied) \(.pending) \(.other_flow) \(.other_flow_copies)"' "$T/$tag-verify.json")" \
        "kmig verify of the reverse flow: matched missing different extra foreign not_copied pending other_flow other_flow_copies"
    # the forward flow, run again, skips the reverse flow's copies
    timeout 120 "$KMIG" mirror --config "$cfg" "${fwd[@]}" --stop-at-end --progress 0 \
        --summary-json "$T/$tag-fwd2.json" >"$T/$tag-fwd2.log" 2>&1 ||
        fail "forward mirror (again) exited $?: $(tail -5 "$T/$tag-fwd2.log")"
    expect_eq 0 "$(jq .records "$T/$tag-fwd2.json")" "records the forward flow copied again"
    expect_eq $((N + M)) "$(count "$topic" "$tgt")" "records on B after the forward flow ran again (no loop)"
    # verify of the forward flow: A holds the reverse flow's M copies, B the M
    # records produced there that went back: both the other flow's (exit 0)
    rc=0
    "$KMIG" verify --config "$cfg" "${fwd[@]}" --no-groups --json >"$T/$tag-fverify.json" 2>"$T/$tag-fverify.err" || rc=$?
    expect_eq 0 "$rc" "exit code of kmig verify of the forward flow ($(tail -3 "$T/$tag-fverify.err"))"
    expect_eq "$N 0 0 0 0 0 0 $M $M" \
        "$(jq -r '.summary | "\(.matched) \(.missing) \(.different) \(.extra) \(.foreign) \(.not_copied) \(.pending) \(.other_flow_copies) \(.other_flow_originals)"' "$T/$tag-fverify.json")" \
        "kmig verify of the forward flow: matched missing different extra foreign not_copied pending other_flow_copies other_flow_originals"
    echo "Kafka $tag: the reverse flow copied exactly the records produced on B, no record looped"

    # 5. the way back
    offsets_json "$T/$tag-offsets.json" "$cfg" "${rev[@]}" --group "$grp"
    expect_eq "" "$(jq -r '.[] | select(.status != "exact") | .status' "$T/$tag-offsets.json")" \
        "kmig offsets of the reverse flow: rows not exact"
    "$KMIG" cutover group "$grp" --config "$cfg" "${rev[@]}" --back --execute --timeout 30 --json \
        >"$T/$tag-back.json" 2>"$T/$tag-back.err" ||
        fail "cutover group --back: exit $?: $(cat "$T/$tag-back.json" "$T/$tag-back.err")"
    expect_eq committed "$(jq -r .state "$T/$tag-back.json")" "cutover group --back state"
    expect_eq "" "$(jq -r '.partitions[] | select(.status != "written" and .status != "up-to-date") | .status' "$T/$tag-back.json")" \
        "cutover group --back: partitions not committed"
    for ((p = 0; p < P; p++)); do
        expect_eq "$(jrow "$T/$tag-offsets.json" "$grp" "$p" target_offset)" \
            "$(jq -r --argjson p "$p" '.partitions[] | select(.partition == $p) | .target_offset' "$T/$tag-back.json")" \
            "cutover group --back offset of partition $p = kmig offsets'"
    done
    "$TESTKIT" consume --bootstrap "$src" --group "$grp" --topic "$topic" "${gen[@]}" \
        --count $((N + M)) >"$T/$tag-a2.out" 2>&1 || fail "group back on A: $(tail -3 "$T/$tag-a2.out")"

    # exactly once across both moves
    expect_eq $((N + M)) $(($(field "$T/$tag-a1.out" consumed) + R2 + $(field "$T/$tag-a2.out" consumed))) \
        "records the group read on A, then B, then A"
    for ((p = 0; p < P; p++)); do
        # (a reader that read nothing on a partition: the one before read it to the end)
        prev=$(field "$T/$tag-a1.out" "last[$p]") left=$(field "$T/$tag-a1.out" "left[$p]")
        [ "$prev" = - ] && prev=$((p - P))
        if [ "$(field "$T/$tag-b.out" "n[$p]")" != 0 ]; then
            expect_eq "$prev" "$(($(field "$T/$tag-b.out" "first[$p]") - P))" \
                "the group's first record on B [$p] follows its last on A"
            prev=$(field "$T/$tag-b.out" "last[$p]") left=$(field "$T/$tag-b.out" "left[$p]")
        fi
        if [ "$(field "$T/$tag-a2.out" "n[$p]")" != 0 ]; then
            expect_eq "$prev" "$(($(field "$T/$tag-a2.out" "first[$p]") - P))" \
                "the group's first record back on A [$p] follows its last on B"
            left=$(field "$T/$tag-a2.out" "left[$p]")
        fi
        expect_eq 0 "$left" "records left unread on [$p] after the way back"
    done
    echo "Kafka $tag: the group moved to B and back, every record read exactly once"
}

for_each_version check_version

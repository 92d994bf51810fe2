#!/usr/bin/env bash
# Groups that keep their offsets in Kafka move exactly from the legacy source
# (Kafka 0.10, ZooKeeper mode) to a KRaft target. On the source a group member
# reads half of a topic and commits, and another group commits chosen offsets
# (the start, the middle, the end) without reading; 0.10 does not list such
# groups, so `groups` names them. `kmig mirror --stop-at-end` with group sync
# copies the topic record for record (no duplicate, none missing; compared with
# the source's records, as 0.10 drops the generator's headers) at the same
# offsets (a fresh identity topic) and commits on the target exactly the
# source's offsets; `kmig offsets` finds them up to date. A member of each
# group then reads on the target exactly the records a member of it reads on
# the source: from the synced offsets to the end, nothing skipped, nothing
# twice.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/groupslib.sh"

[ -n "${KMIG_REAL_LEGACY_SRC:-}" ] || fail "KMIG_REAL_LEGACY_* not set: run it as tests/run.sh real $TEST_NAME"
src=$KMIG_REAL_LEGACY_SRC

N=3000
P=3
E=$((N / P)) # each partition's end offset

check_version() {
    local tag=$1 tgt topic pfx cfg g p k c want pids=()
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    topic=$(unique_name mg$tag)
    pfx=$(unique_name g$tag)
    cfg=$T/mm2-$tag.properties
    GROUPS_SOURCE=legacy=$src groups_config "$cfg" "$tag" "$topic" "$pfx-member, $pfx-picked"

    "$KAFKA_SH" topics legacy --create --topic "$topic" --partitions "$P" --replication-factor 1 >/dev/null
    wait_for "'$TESTKIT' count --bootstrap '$src' --topic '$topic' | grep -qx total=0" 30
    "$TESTKIT" produce --bootstrap "$src" --topic "$topic" --partitions "$P" --count "$N" --size 200 >/dev/null ||
        fail "produce failed"
    "$TESTKIT" consume --bootstrap "$src" --group "$pfx-member" --topic "$topic" --max-records $((N / 2)) \
        --commit >"$T/$tag-member.out" 2>&1 || fail "consume on the source: $(tail -3 "$T/$tag-member.out")"
    "$TESTKIT" commit --bootstrap "$src" --group "$pfx-picked" --topic "$topic" \
        --offset 0:0 --offset 1:$((E / 2 + 17)) --offset 2:$E
    for g in member picked; do
        "$TESTKIT" committed --bootstrap "$src" --group "$pfx-$g" --topic "$topic" >"$T/$tag-src-$g.out"
        echo "Kafka $tag: group $g on the source: $(tr '\n' ' ' <"$T/$tag-src-$g.out")"
    done

    timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 >"$T/$tag-mirror.log" 2>&1 ||
        fail "kmig mirror --stop-at-end exited $?: $(tail -5 "$T/$tag-mirror.log")"
    grep -q "copied $N records" "$T/$tag-mirror.log" || fail "mirror summary: $(tail -1 "$T/$tag-mirror.log")"
    # The same records at the same offsets.
    "$TESTKIT" check --bootstrap "$tgt" --topic "$topic" --source-bootstrap "$src" >"$T/$tag-check.out" 2>&1 ||
        fail "the target's records differ from the source's: $(tail -3 "$T/$tag-check.out")"
    expect_contains "$(cat "$T/$tag-check.out")" "$N records ok, 0 duplicates" "check"
    "$TESTKIT" count --bootstrap "$src" --topic "$topic" >"$T/$tag-src-count.out"
    "$TESTKIT" count --bootstrap "$tgt" --topic "$topic" >"$T/$tag-tgt-count.out"
    expect_eq "$(cat "$T/$tag-src-count.out")" "$(cat "$T/$tag-tgt-count.out")" "watermarks on the target"

    offsets_json "$T/$tag.json" "$cfg"
    for g in member picked; do
        k=$(grep -c '=[0-9]' "$T/$tag-src-$g.out") || true
        [ "$k" -gt 0 ] || fail "group $g committed nothing on the source"
        grep -q "group $pfx-$g: committed $k offsets on the target" "$T/$tag-mirror.log" ||
            fail "no 'group $pfx-$g: committed $k offsets on the target' in the mirror's log: $(grep group "$T/$tag-mirror.log")"
        "$TESTKIT" committed --bootstrap "$tgt" --group "$pfx-$g" --topic "$topic" >"$T/$tag-tgt-$g.out"
        expect_eq "$(cat "$T/$tag-src-$g.out")" "$(cat "$T/$tag-tgt-$g.out")" "group $g's offsets on the target"
        for ((p = 0; p < P; p++)); do
            c=$(field "$T/$tag-src-$g.out" "committed[$p]")
            [ "$c" = -1 ] || expect_eq "$c" "$(jrow "$T/$tag.json" "$pfx-$g" "$p" source_offset)" \
                "kmig offsets source_offset of $g [$p]"
        done
        # A member of the group on each cluster (no commit), side by side.
        for k in src tgt; do
            "$TESTKIT" consume --bootstrap "${!k}" --group "$pfx-$g" --topic "$topic" --print-records \
                >"$T/$tag-resume-$k-$g.out" 2>&1 || fail "consume $g on $k: $(tail -3 "$T/$tag-resume-$k-$g.out")" &
            pids+=($!)
        done
    done
    for p in "${pids[@]}"; do wait "$p" || fail "a consumer failed (see above)"; done
    for g in member picked; do
        # Each row up to date, the target member started at its offset ...
        offsets_agree "group $g" "$T/$tag.json" "$pfx-$g" "$T/$tag-resume-tgt-$g.out" "$P" up-to-date
        # ... and read on both clusters the same records, to the end.
        same_records "group $g" "$T/$tag-resume-src-$g.out" "$T/$tag-resume-tgt-$g.out"
        for ((p = 0; p < P; p++)); do
            c=$(field "$T/$tag-src-$g.out" "committed[$p]")
            [ "$c" != -1 ] || c=0
            want=$((E - c))
            expect_eq "$want" "$(field "$T/$tag-resume-tgt-$g.out" "n[$p]")" "records group $g read on the target [$p]"
            expect_eq "$want" "$(grep -c "^record partition=$p " "$T/$tag-resume-tgt-$g.out")" \
                "record lines of group $g on the target [$p]"
        done
    done
    echo "Kafka $tag: $N records copied exactly; groups member and picked resume exactly on the target"
}

for_each_version check_version

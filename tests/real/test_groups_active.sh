#!/usr/bin/env bash
# Group sync never overrides consumers on the target, on real Kafka:
# - a group with a member subscribed on the target is reported
#   active-on-target by `kmig offsets --execute` and skipped by the mirror's
#   sync; its target offsets stay as they were. Once the member has left, the
#   sync writes, and the group resumes exactly on the target.
# - a group whose consumers on the target committed offsets of their own is
#   reported taken-over and left alone, by `kmig offsets --execute` and by the
#   mirror, although its source offsets moved on.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/groupslib.sh"
no_leak_check

N=1000 # 500 per partition
P=2

check_version() {
    local tag=$1 src tgt topic pfx cfg gen p pid before
    src=KMIG_REAL_SRC_$tag; src=${!src}
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    topic=$(unique_name active)
    pfx=$(unique_name g)
    gen=(--partitions "$P" --count "$N" --size 200 --base-ts $(($(date +%s%3N) - 3600000)))
    cfg=$T/mm2-$tag.properties
    groups_config "$cfg" "$tag" "$topic" "$pfx-.*"
    consume() { # CLUSTER GROUP OUT [ARGS...]
        local b=$1 group=$2 o=$3
        shift 3
        "$TESTKIT" consume --bootstrap "$b" --group "$group" --topic "$topic" "${gen[@]}" "$@" \
            >"$o" 2>&1 || fail "consume $group on $b: $(tail -3 "$o")"
    }
    committed() { # CLUSTER GROUP OUT
        "$TESTKIT" committed --bootstrap "$1" --group "$2" --topic "$topic" >"$3" ||
            fail "committed $2 on $1 failed"
    }
    mirror() { # LOG
        timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 >"$1" 2>&1 ||
            fail "kmig mirror --stop-at-end exited $?: $(tail -5 "$1")"
    }

    "$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions "$P" >/dev/null
    "$TESTKIT" produce --bootstrap "$src" --topic "$topic" "${gen[@]}" --idempotent >/dev/null ||
        fail "produce failed"
    mirror "$T/$tag-copy.log"

    # --- active: a member of the group is subscribed on the target.
    run_bg "$T/$tag-member.out" "$TESTKIT" consume --bootstrap "$tgt" --group "$pfx-act" \
        --topic "$topic" "${gen[@]}" --follow
    pid=$BG_PID
    wait_for "grep -q '^assigned=' '$T/$tag-member.out'" 60 || fail "the target member got no partitions"
    consume "$src" "$pfx-act" "$T/$tag-act.out" --max-records 400 --commit
    offsets_json "$T/$tag-act.json" "$cfg" --group "$pfx-act" --execute
    [ "$(jq length "$T/$tag-act.json")" -gt 0 ] || fail "kmig offsets shows no rows for the active group"
    for p in $(jq '.[].partition' "$T/$tag-act.json"); do
        expect_eq active-on-target "$(jrow "$T/$tag-act.json" "$pfx-act" "$p" status)" \
            "kmig offsets --execute status of a group active on the target [$p]"
    done
    mirror "$T/$tag-act-mirror.log"
    if grep -q "group $pfx-act: committed" "$T/$tag-act-mirror.log"; then
        fail "the mirror committed offsets of a group active on the target: $(grep group "$T/$tag-act-mirror.log")"
    fi
    committed "$tgt" "$pfx-act" "$T/$tag-act-tgt.out"
    for ((p = 0; p < P; p++)); do
        expect_eq -1 "$(field "$T/$tag-act-tgt.out" "committed[$p]")" "target offset of the active group [$p]"
    done
    kill_bg "$pid" TERM
    expect_eq 0 "$BG_RC" "exit status of the target member after SIGTERM"
    echo "Kafka $tag: a group active on the target is left alone"

    # Once the member has left, the sync writes and the group resumes exactly.
    offsets_json "$T/$tag-act-after.json" "$cfg" --group "$pfx-act" --execute
    for p in $(jq '.[].partition' "$T/$tag-act-after.json"); do
        expect_eq written "$(jrow "$T/$tag-act-after.json" "$pfx-act" "$p" status)" \
            "kmig offsets --execute status once the member left [$p]"
    done
    offsets_json "$T/$tag-act-synced.json" "$cfg" --group "$pfx-act"
    consume "$src" "$pfx-act" "$T/$tag-act-src.out"
    consume "$tgt" "$pfx-act" "$T/$tag-act-tgt-read.out"
    same_continuation "group act" "$T/$tag-act-src.out" "$T/$tag-act-tgt-read.out" "$P"
    offsets_agree "group act" "$T/$tag-act-synced.json" "$pfx-act" "$T/$tag-act-tgt-read.out" "$P" up-to-date
    echo "Kafka $tag: after the member left, the group resumes exactly on the target"

    # --- taken over: consumers on the target committed their own offsets.
    consume "$src" "$pfx-own" "$T/$tag-own-1.out" --max-records 300 --commit
    offsets_json "$T/$tag-own-sync.json" "$cfg" --group "$pfx-own" --execute
    for p in $(jq '.[].partition' "$T/$tag-own-sync.json"); do
        expect_eq written "$(jrow "$T/$tag-own-sync.json" "$pfx-own" "$p" status)" "first sync of group own [$p]"
    done
    consume "$tgt" "$pfx-own" "$T/$tag-own-tgt.out" --commit
    committed "$tgt" "$pfx-own" "$T/$tag-own-before.out"
    before=$(cat "$T/$tag-own-before.out")
    for ((p = 0; p < P; p++)); do
        expect_eq $((N / P)) "$(field "$T/$tag-own-before.out" "committed[$p]")" \
            "offset the target consumer committed [$p]"
    done
    # The source group moves on (400 of 500 per partition at most).
    consume "$src" "$pfx-own" "$T/$tag-own-2.out" --max-records 100 --commit
    offsets_json "$T/$tag-own.json" "$cfg" --group "$pfx-own" --execute
    [ "$(jq length "$T/$tag-own.json")" -gt 0 ] || fail "kmig offsets shows no rows for group own"
    for p in $(jq '.[].partition' "$T/$tag-own.json"); do
        expect_eq taken-over "$(jrow "$T/$tag-own.json" "$pfx-own" "$p" status)" \
            "kmig offsets --execute status of a group its target consumers committed [$p]"
    done
    mirror "$T/$tag-own-mirror.log"
    if grep -q "group $pfx-own: committed" "$T/$tag-own-mirror.log"; then
        fail "the mirror overwrote a group taken over on the target: $(grep group "$T/$tag-own-mirror.log")"
    fi
    expect_eq "$before" "$("$TESTKIT" committed --bootstrap "$tgt" --group "$pfx-own" --topic "$topic")" \
        "target offsets of the taken-over group"
    echo "Kafka $tag: a group taken over on the target is left alone"
}

for_each_version check_version

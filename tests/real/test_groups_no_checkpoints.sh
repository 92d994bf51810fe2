#!/usr/bin/env bash
# Without a checkpoints topic kmig could not later tell its own commits from
# the target consumers', so it commits nothing: `kmig offsets --execute` on a
# target where the topic cannot be created (replication factor 3 on one
# broker) reports each row failed with the reason, exits 1, and the target
# group stays without offsets. Once the topic can be created, it commits.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/groupslib.sh"

check_version() {
    local tag=$1 src tgt topic group alias cfg
    src=KMIG_REAL_SRC_$tag; src=${!src}
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    topic=$(unique_name nockpt)
    group=$(unique_name nockpt-g)
    alias=nock$RANDOM$RANDOM # its own checkpoints topic, kmig-checkpoints.ALIAS.internal
    "$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions 2 >/dev/null
    "$TESTKIT" produce --bootstrap "$src" --topic "$topic" --partitions 2 --count 20 >/dev/null
    cfg=$T/mm2-$tag.properties
    GROUPS_SOURCE="$alias=$src" groups_config "$cfg" "$tag" "$topic" "$group" \
        "emit.checkpoints.enabled = false" "sync.group.offsets.enabled = false"
    timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 >"$T/mirror-$tag.log" 2>&1 ||
        fail "$tag: kmig mirror --stop-at-end exited $?: $(tail -5 "$T/mirror-$tag.log")"
    "$TESTKIT" commit --bootstrap "$src" --group "$group" --topic "$topic" --offset 0:3 --offset 1:4

    echo "checkpoints.topic.replication.factor = 3" >>"$cfg" # the last one counts
    local rc=0
    "$KMIG" offsets --config "$cfg" --json --execute >"$T/off-$tag.json" 2>"$T/off-$tag.err" || rc=$?
    expect_eq 1 "$rc" "$tag: kmig offsets --execute exit status without a checkpoints topic"
    expect_eq "failed failed" "$(jq -r '[.[] | .status] | join(" ")' "$T/off-$tag.json")" \
        "$tag: statuses without a checkpoints topic"
    expect_contains "$(jrow "$T/off-$tag.json" "$group" 0 error)" "kmig-checkpoints.$alias.internal" \
        "$tag: row error"
    expect_eq "committed[0]=-1 committed[1]=-1" \
        "$("$TESTKIT" committed --bootstrap "$tgt" --group "$group" --topic "$topic" | tr '\n' ' ' | sed 's/ $//')" \
        "$tag: target offsets after the refusal"

    sed -i '$d' "$cfg" # back to replication factor 1
    offsets_json "$T/off2-$tag.json" "$cfg" --execute
    expect_eq "written written" "$(jq -r '[.[] | .status] | join(" ")' "$T/off2-$tag.json")" \
        "$tag: statuses once the checkpoints topic can be created"
    expect_eq "committed[0]=3 committed[1]=4" \
        "$("$TESTKIT" committed --bootstrap "$tgt" --group "$group" --topic "$topic" | tr '\n' ' ' | sed 's/ $//')" \
        "$tag: target offsets after the commit"
    echo "$tag: no checkpoints topic, no commit; then committed"
}

for tag in $KMIG_REAL_VERSIONS; do check_version "$tag"; done

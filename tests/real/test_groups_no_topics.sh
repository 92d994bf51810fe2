#!/usr/bin/env bash
# A mirror whose topic filter matches nothing, on a source that has a consumer
# group with committed offsets: the group passes have no copied partition and
# do nothing (they used to ask for every partition the group has and read
# past the end of the partition list: exit 139 within seconds). kmig keeps
# running, exits 0 on SIGTERM, and commits nothing on the target.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/groupslib.sh"

check_version() {
    local tag=$1 src tgt topic group cfg pid
    src=KMIG_REAL_SRC_$tag; src=${!src}
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    topic=$(unique_name notopics)
    group=$(unique_name notopics-g)
    "$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions 2 >/dev/null
    "$KAFKA_SH" topics "tgt$tag" --create --topic "$topic" --partitions 2 >/dev/null
    "$TESTKIT" produce --bootstrap "$src" --topic "$topic" --partitions 2 --count 20 >/dev/null
    "$TESTKIT" commit --bootstrap "$src" --group "$group" --topic "$topic" --offset 0:3 --offset 1:4
    cfg=$T/mm2-$tag.properties
    groups_config "$cfg" "$tag" "$(unique_name matches-nothing)" "$group"
    run_bg "$T/mirror-$tag.log" "$KMIG" mirror --config "$cfg" --progress 0
    pid=$BG_PID
    sleep 5 # several group passes (every second)
    proc_alive() { [ -e "/proc/$1" ] && [ "$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat")" != Z ]; }
    proc_alive "$pid" || fail "$tag: kmig mirror ended: $(tail -20 "$T/mirror-$tag.log")"
    kill_bg "$pid" TERM
    expect_eq 0 "$BG_RC" "$tag: kmig mirror exit status after SIGTERM"
    expect_eq "committed[0]=-1 committed[1]=-1" \
        "$("$TESTKIT" committed --bootstrap "$tgt" --group "$group" --topic "$topic" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')" \
        "$tag: target offsets of the group"
    echo "$tag: no copied partition, no crash, nothing written"
}

for tag in $KMIG_REAL_VERSIONS; do check_version "$tag"; done

# Helpers for the real-tier consumer-group tests (tests/real/test_groups_*.sh),
# sourced after lib.sh. The tests prove that a group stopped on the source
# resumes on the target at exactly the next record it had not read: they read
# the group's continuation on both clusters with `kmig-testkit consume` (same
# group name, no commit) and compare.
#
#   groups_config FILE TAG TOPICS GROUPS [LINE...]
#                         kmig/MM2 config srcTAG -> tgtTAG (aliases sTAG, tTAG):
#                         identity names, group sync on, 1 s intervals; with
#                         GROUPS_SOURCE=ALIAS=BOOTSTRAP, that source instead
#   field OUT KEY         value of KEY=VALUE in a consume/committed output
#                         (KEY like first[0]; empty if absent)
#   offsets_json FILE CONFIG [ARGS...]
#                         kmig offsets --json ARGS into FILE (stderr: FILE.err)
#   jrow JSON GROUP PARTITION KEY
#                         KEY of that row of a kmig offsets --json (empty: no row)
#   same_continuation WHAT SRC_OUT TGT_OUT PARTITIONS
#                         the target consumer read exactly what the source one
#                         did: per partition the same count and first and last
#                         generator index (consume checked they are consecutive)
#   same_records WHAT SRC_OUT TGT_OUT
#                         the same `record` lines (consume --print-records),
#                         offsets aside, in the same order per partition
#   offsets_agree WHAT JSON GROUP TGT_OUT PARTITIONS STATUS
#                         each row of GROUP has STATUS and target_committed =
#                         target_offset; the target consumer started there (its
#                         committed[P], and its first record's offset if it
#                         read any); without a row it found nothing committed
# shellcheck shell=bash

command -v jq >/dev/null || fail "jq not found (scripts/setup.sh installs it)"

groups_config() {
    local file=$1 tag=$2 topics=$3 groups=$4 s=s$tag src tgt
    shift 4
    src=KMIG_REAL_SRC_$tag; src=${!src:-}
    if [ -n "${GROUPS_SOURCE:-}" ]; then s=${GROUPS_SOURCE%%=*} src=${GROUPS_SOURCE#*=}; fi
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    {
        echo "clusters = $s, t$tag"
        echo "$s.bootstrap.servers = $src"
        echo "t$tag.bootstrap.servers = $tgt"
        echo "$s->t$tag.enabled = true"
        echo "$s->t$tag.topics = $topics"
        echo "replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy"
        echo "replication.factor = 1"
        echo "offset-syncs.topic.replication.factor = 1"
        echo "checkpoints.topic.replication.factor = 1"
        echo "groups = $groups"
        echo "emit.checkpoints.interval.seconds = 1"
        echo "sync.group.offsets.enabled = true"
        echo "sync.group.offsets.interval.seconds = 1"
        local l
        for l in "$@"; do echo "$l"; done
    } >"$file"
}

field() {
    awk -v k="$2=" '{ for (i = 1; i <= NF; i++) if (index($i, k) == 1) v = substr($i, length(k) + 1) }
        END { print v }' "$1"
}

offsets_json() {
    local file=$1 cfg=$2
    shift 2
    "$KMIG" offsets --config "$cfg" --json "$@" >"$file" 2>"$file.err" ||
        fail "kmig offsets --json $*: exit $?: $(cat "$file.err")"
    jq -e 'type == "array"' "$file" >/dev/null || fail "kmig offsets --json is not an array: $(cat "$file")"
}

jrow() {
    jq -r --arg g "$2" --argjson p "$3" \
        ".[] | select(.group == \$g and .partition == \$p) | .$4" "$1"
}

same_continuation() {
    local what=$1 src=$2 tgt=$3 parts=$4 p k
    for ((p = 0; p < parts; p++)); do
        for k in n first last; do
            expect_eq "$(field "$src" "${k}[$p]")" "$(field "$tgt" "${k}[$p]")" \
                "$what: ${k}[$p] on the target (source: $(grep "n\[$p\]" "$src"))"
        done
        [ "$(field "$tgt" "n[$p]")" = 0 ] || expect_eq 0 "$(field "$tgt" "left[$p]")" \
            "$what: records left unread after the target consumer's last on partition $p"
    done
}

same_records() {
    local what=$1 src=$2 tgt=$3 a b
    a=$(awk '/^record /{ print $2, $4, $5, $6 }' "$src" | sort -s -k1,1)
    b=$(awk '/^record /{ print $2, $4, $5, $6 }' "$tgt" | sort -s -k1,1)
    [ "$a" = "$b" ] || fail "$what: the target consumer read other records than the source one:
$(diff <(echo "$a") <(echo "$b") | head -20)"
}

offsets_agree() {
    local what=$1 json=$2 group=$3 tgt=$4 parts=$5 status=$6 p to
    for ((p = 0; p < parts; p++)); do
        to=$(jrow "$json" "$group" "$p" target_offset)
        if [ -z "$to" ]; then
            expect_eq -1 "$(field "$tgt" "committed[$p]")" \
                "$what: target committed offset of partition $p (no row in kmig offsets)"
            continue
        fi
        expect_eq "$status" "$(jrow "$json" "$group" "$p" status)" "$what: kmig offsets status of partition $p"
        expect_eq "$to" "$(jrow "$json" "$group" "$p" target_committed)" \
            "$what: kmig offsets target_committed of partition $p"
        expect_eq "$to" "$(field "$tgt" "committed[$p]")" \
            "$what: the target consumer's starting offset on partition $p"
        [ "$(field "$tgt" "n[$p]")" = 0 ] || expect_eq "$to" "$(field "$tgt" "first_offset[$p]")" \
            "$what: offset of the first record the target consumer read on partition $p"
    done
}

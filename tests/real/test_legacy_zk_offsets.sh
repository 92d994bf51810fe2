#!/usr/bin/env bash
# Offsets an old consumer kept in ZooKeeper move exactly. On the legacy source
# (Kafka 0.10, ZooKeeper mode) the old Scala consumer reads part of a topic and
# stores its offsets in ZooKeeper; `kmig mirror --stop-at-end` copies the topic
# to a KRaft target under the same name, record for record (no duplicate, none
# missing). `kmig offsets --from-zookeeper` then shows the group at exactly its
# ZooKeeper offsets (a fresh identity topic: the same offsets) and writes
# nothing without --execute, not even with --to-source; --execute commits
# exactly those offsets on the target and nothing on the source; --to-source
# --execute also writes them into the source's Kafka-stored group offsets,
# where `kmig offsets` (Kafka storage) then finds them up to date, and a member
# of the group reads the same records on both clusters, from those offsets to
# the end. When the old consumer reads records the mirror has not copied yet,
# those partitions are pending and the target keeps its offsets until the next
# mirror copies them.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/groupslib.sh"

[ -n "${KMIG_REAL_LEGACY_SRC:-}" ] || fail "KMIG_REAL_LEGACY_* not set: run it as tests/run.sh real $TEST_NAME"
src=$KMIG_REAL_LEGACY_SRC
zk=$KMIG_REAL_LEGACY_ZK

N=600 # records before the first mirror
R=250 # of them read by the old consumer
M=300 # produced after the first mirror
P=3

check_version() {
    local tag=$1 tgt topic old cfg p z
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    topic=$(unique_name zk$tag)
    old=$(unique_name old$tag)
    cfg=$T/mm2-$tag.properties
    cat >"$cfg" <<PROPS
clusters = legacy, t$tag
legacy.bootstrap.servers = $src
t$tag.bootstrap.servers = $tgt
legacy->t$tag.enabled = true
legacy->t$tag.topics = $topic
replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy
replication.factor = 1
offset-syncs.topic.replication.factor = 1
checkpoints.topic.replication.factor = 1
groups = $old
PROPS

    # zk_offsets: the old consumer's offsets in ZooKeeper into $T/TAG-zk.out,
    # "committed[P]=O" per partition as `kmig-testkit committed` prints (it
    # stores a node for every partition it owned, read or not). One CLI run.
    zk_offsets() {
        local p out=$T/$tag-zk.out
        for ((p = 0; p < P; p++)); do echo "get /consumers/$old/offsets/$topic/$p"; done |
            "$ZK_SH" cli legacy-zk 2>&1 | awk '{ print "committed[" NR - 1 "]=" $0 }' >"$out"
        [ "$(grep -cxE 'committed\[[0-9]+\]=[0-9]+' "$out")" = "$P" ] && [ "$(wc -l <"$out")" = "$P" ] ||
            fail "the old consumer's offsets in ZooKeeper: $(cat "$out")"
    }
    none() { for ((p = 0; p < P; p++)); do echo "committed[$p]=-1"; done; }
    committed() { # CLUSTER: the group's Kafka-stored offsets there
        "$TESTKIT" committed --bootstrap "$1" --group "$old" --topic "$topic"
    }
    mirror() { # LOG TOTAL: a copy, then the target holds the source's TOTAL records
        timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 >"$T/$tag-$1.log" 2>&1 ||
            fail "kmig mirror --stop-at-end exited $?: $(tail -5 "$T/$tag-$1.log")"
        "$TESTKIT" check --bootstrap "$tgt" --topic "$topic" --source-bootstrap "$src" >"$T/$tag-$1.check" 2>&1 ||
            fail "after $1 the target's records differ from the source's: $(tail -3 "$T/$tag-$1.check")"
        expect_contains "$(cat "$T/$tag-$1.check")" "$2 records ok, 0 duplicates" "check after $1"
    }
    # rows JSON STATUS: one row per partition, each with STATUS, source
    # offset = its ZooKeeper offset = target offset (-1 when pending).
    rows() {
        local json=$1 status=$2 p z want
        for ((p = 0; p < P; p++)); do
            z=$(field "$T/$tag-zk.out" "committed[$p]")
            expect_eq "$status" "$(jrow "$json" "$old" "$p" status)" "$json: status of [$p]"
            expect_eq "$z" "$(jrow "$json" "$old" "$p" source_offset)" "$json: source_offset of [$p]"
            expect_eq "$topic" "$(jrow "$json" "$old" "$p" target_topic)" "$json: target_topic of [$p]"
            [ "$status" = pending ] && want=-1 || want=$z
            expect_eq "$want" "$(jrow "$json" "$old" "$p" target_offset)" "$json: target_offset of [$p]"
        done
        expect_eq "$P" "$(jq --arg g "$old" '[.[] | select(.group == $g)] | length' "$json")" "$json: rows of $old"
    }

    "$KAFKA_SH" topics legacy --create --topic "$topic" --partitions "$P" --replication-factor 1 >/dev/null
    wait_for "'$TESTKIT' count --bootstrap '$src' --topic '$topic' | grep -qx total=0" 30
    "$TESTKIT" produce --bootstrap "$src" --topic "$topic" --partitions "$P" --count "$N" >/dev/null ||
        fail "produce failed"
    "$KAFKA_SH" zk-consume legacy "$topic" "$old" "$R"
    zk_offsets
    echo "Kafka $tag: the old consumer's offsets in ZooKeeper: $(tr '\n' ' ' <"$T/$tag-zk.out")"
    z=0
    for ((p = 0; p < P; p++)); do z=$((z + $(field "$T/$tag-zk.out" "committed[$p]"))); done
    expect_eq "$R" "$z" "sum of the old consumer's offsets"
    mirror mirror1 "$N"

    # A dry run, even with --to-source: the exact positions, nothing written
    # anywhere. Without --group it reads every group under /consumers (other
    # tests' and runs' too, with rows for topics of earlier runs in the
    # target's offset map: only this group has offsets on this topic).
    offsets_json "$T/$tag-dry.json" "$cfg" --from-zookeeper "$zk" --to-source
    rows "$T/$tag-dry.json" exact
    expect_eq 0 "$(jq --arg g "$old" --arg t "$topic" '[.[] | select(.topic == $t and .group != $g)] | length' \
        "$T/$tag-dry.json")" "rows of other groups on $topic"
    committed "$tgt" >"$T/$tag-tgt0.out"
    expect_eq "$(none)" "$(cat "$T/$tag-tgt0.out")" "target offsets after the dry run"
    committed "$src" >"$T/$tag-src0.out"
    expect_eq "$(none)" "$(cat "$T/$tag-src0.out")" "source Kafka-stored offsets after the dry run"

    # --execute: the target group gets exactly the ZooKeeper offsets; the
    # source's Kafka storage is left alone.
    offsets_json "$T/$tag-exec.json" "$cfg" --from-zookeeper "$zk" --group "$old" --execute
    rows "$T/$tag-exec.json" written
    grep -q "group $old: committed $P offsets on the target" "$T/$tag-exec.json.err" ||
        fail "no commit logged: $(cat "$T/$tag-exec.json.err")"
    committed "$tgt" >"$T/$tag-tgt1.out"
    expect_eq "$(cat "$T/$tag-zk.out")" "$(cat "$T/$tag-tgt1.out")" "target offsets after --execute (the ZooKeeper ones)"
    committed "$src" >"$T/$tag-src1.out"
    expect_eq "$(cat "$T/$tag-src0.out")" "$(cat "$T/$tag-src1.out")" "source Kafka-stored offsets after --execute"
    echo "Kafka $tag: --execute committed exactly the ZooKeeper offsets on the target"

    # --to-source --execute: the same offsets in the source's Kafka storage,
    # where kmig (reading Kafka-stored offsets now) finds them up to date.
    offsets_json "$T/$tag-tosrc.json" "$cfg" --from-zookeeper "$zk" --group "$old" --to-source --execute
    rows "$T/$tag-tosrc.json" up-to-date
    grep -q "group $old: $P offsets written to the source's Kafka storage" "$T/$tag-tosrc.json.err" ||
        fail "no source write reported: $(cat "$T/$tag-tosrc.json.err")"
    committed "$src" >"$T/$tag-src2.out"
    expect_eq "$(cat "$T/$tag-zk.out")" "$(cat "$T/$tag-src2.out")" "source Kafka-stored offsets after --to-source"
    offsets_json "$T/$tag-kafka.json" "$cfg" --group "$old"
    rows "$T/$tag-kafka.json" up-to-date
    echo "Kafka $tag: --to-source wrote the ZooKeeper offsets into the source's Kafka storage"
    # A member of the group (Kafka storage now, no commit) on each cluster
    # reads the same records: from the ZooKeeper offsets to the end.
    "$TESTKIT" consume --bootstrap "$src" --group "$old" --topic "$topic" --print-records \
        >"$T/$tag-resume-src.out" 2>&1 || fail "consume on the source: $(tail -3 "$T/$tag-resume-src.out")"
    "$TESTKIT" consume --bootstrap "$tgt" --group "$old" --topic "$topic" --print-records \
        >"$T/$tag-resume-tgt.out" 2>&1 || fail "consume on the target: $(tail -3 "$T/$tag-resume-tgt.out")"
    offsets_agree "resume" "$T/$tag-kafka.json" "$old" "$T/$tag-resume-tgt.out" "$P" up-to-date
    same_records "resume" "$T/$tag-resume-src.out" "$T/$tag-resume-tgt.out"
    for ((p = 0; p < P; p++)); do
        z=$(field "$T/$tag-zk.out" "committed[$p]")
        expect_eq "$z" "$(field "$T/$tag-resume-src.out" "committed[$p]")" "the source member's start [$p]"
        expect_eq $((N / P - z)) "$(field "$T/$tag-resume-tgt.out" "n[$p]")" "records read on the target [$p]"
    done
    echo "Kafka $tag: a member of the group resumes at the ZooKeeper offsets on both clusters"

    # The old consumer reads on past the copy: every partition pending, the
    # target group keeps its offsets, until the next mirror copies the rest.
    "$TESTKIT" produce --bootstrap "$src" --topic "$topic" --partitions "$P" --start "$N" --count "$M" >/dev/null ||
        fail "produce failed"
    "$KAFKA_SH" zk-consume legacy "$topic" "$old" $((N + M - R))
    zk_offsets
    for ((p = 0; p < P; p++)); do
        expect_eq $(((N + M) / P)) "$(field "$T/$tag-zk.out" "committed[$p]")" "ZooKeeper offset of [$p] after reading everything"
    done
    offsets_json "$T/$tag-pending.json" "$cfg" --from-zookeeper "$zk" --group "$old" --execute
    rows "$T/$tag-pending.json" pending
    committed "$tgt" >"$T/$tag-tgt2.out"
    expect_eq "$(cat "$T/$tag-tgt1.out")" "$(cat "$T/$tag-tgt2.out")" "target offsets while pending"
    mirror mirror2 $((N + M))
    offsets_json "$T/$tag-final.json" "$cfg" --from-zookeeper "$zk" --group "$old" --execute
    rows "$T/$tag-final.json" written
    committed "$tgt" >"$T/$tag-tgt3.out"
    expect_eq "$(cat "$T/$tag-zk.out")" "$(cat "$T/$tag-tgt3.out")" "target offsets after the second copy"
    echo "Kafka $tag: past the copy pending, then exact after the next mirror"
}

for_each_version check_version

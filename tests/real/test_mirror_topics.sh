#!/usr/bin/env bash
# Target topics on real Kafka: kmig creates them with the source's partition
# count and non-default configs (minus config.properties.exclude; unlike MM2,
# min.insync.replicas is copied), names them
# by the default replication policy ("src.<topic>"), leaves excluded topics
# alone, picks up partitions added on the source while it runs, keeps configs
# and ACL bindings in sync, creates its compacted offset-map topic, and exits 0 on SIGTERM with
# every produced record in the offset map.
. "$(dirname "$0")/../lib.sh"

[ -n "${KMIG_REAL_VERSIONS:-}" ] || fail "KMIG_REAL_* not set: run it as tests/run.sh real $TEST_NAME"
no_leak_check

check_version() {
    local tag=$1 src tgt topic skip cfg desc out n mapped
    src=KMIG_REAL_SRC_$tag; src=${!src}
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    topic=$(unique_name orders)
    skip=$(unique_name scratch)
    "$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions 3 \
        --config retention.ms=3600000 --config max.message.bytes=2000000 \
        --config min.insync.replicas=1 >/dev/null
    "$KAFKA_SH" topics "src$tag" --create --topic "$skip" --partitions 1 >/dev/null
    "$KAFKA_SH" perf-produce "src$tag" "$topic" 3000 100 acks=all >/dev/null
    # ACLs: Read is copied onto the renamed topic, Write is not (only the
    # replicator writes to mirrored topics under the default policy).
    "$KAFKA_SH" acls "src$tag" --add --allow-principal User:dave --operation Read \
        --operation Write --topic "$topic" >/dev/null

    cfg=$T/mm2-$tag.properties
    cat >"$cfg" <<PROPS
clusters = src$tag, tgt$tag
src$tag.bootstrap.servers = $src
tgt$tag.bootstrap.servers = $tgt
src$tag->tgt$tag.enabled = true
src$tag->tgt$tag.topics = $topic, $skip
src$tag->tgt$tag.topics.exclude = $skip
replication.factor = 1
offset-syncs.topic.replication.factor = 1
checkpoints.topic.replication.factor = 1
refresh.topics.interval.seconds = 1
sync.topic.configs.interval.seconds = 1
sync.topic.acls.interval.seconds = 1
PROPS
    run_bg "$T/mirror-$tag.log" "$KMIG" mirror --config "$cfg" --progress 0
    local pid=$BG_PID
    wait_for "'$KAFKA_SH' topics tgt$tag --describe --topic src$tag.$topic | grep -q 'PartitionCount: 3'" 60 1 ||
        fail "src$tag.$topic was not created with 3 partitions: $(tail -5 "$T/mirror-$tag.log")"
    desc=$("$KAFKA_SH" configs "tgt$tag" --describe --entity-type topics --entity-name "src$tag.$topic")
    expect_contains "$desc" "retention.ms=3600000" "target configs"
    expect_contains "$desc" "max.message.bytes=2000000" "target configs"
    expect_contains "$desc" "min.insync.replicas=1" "target configs (kmig copies it, unlike MM2)"
    if "$KAFKA_SH" topics "tgt$tag" --list | grep -q "$skip"; then fail "excluded topic $skip was created"; fi
    wait_for "'$KAFKA_SH' acls tgt$tag --list --topic src$tag.$topic | grep -q 'User:dave, host=\*, operation=READ'" 60 1 ||
        fail "the Read binding was not synced: $(grep -i acl "$T/mirror-$tag.log" | tail -3)"
    if "$KAFKA_SH" acls "tgt$tag" --list --topic "src$tag.$topic" | grep -q "operation=WRITE"; then
        fail "a Write binding was copied onto the renamed topic"
    fi

    # Partition growth and config changes while running.
    "$KAFKA_SH" topics "src$tag" --alter --topic "$topic" --partitions 5 >/dev/null
    wait_for "'$KAFKA_SH' topics tgt$tag --describe --topic src$tag.$topic | grep -q 'PartitionCount: 5'" 60 1 ||
        fail "partitions were not added on the target"
    "$KAFKA_SH" configs "src$tag" --alter --entity-type topics --entity-name "$topic" \
        --add-config retention.ms=7200000 >/dev/null
    wait_for "'$KAFKA_SH' configs tgt$tag --describe --entity-type topics --entity-name src$tag.$topic | grep -q retention.ms=7200000" 60 1 ||
        fail "the config change was not synced"
    "$KAFKA_SH" perf-produce "src$tag" "$topic" 2000 100 acks=all >/dev/null
    n=5000
    wait_for "'$KMIG' map --config '$cfg' --topic '$topic' --json | grep -o '\"count\": [0-9]*' | awk '{s+=\$2} END {exit s != $n}'" 60 1 ||
        fail "the offset map does not cover $n records: $("$KMIG" map --config "$cfg" --topic "$topic")"
    kill_bg "$pid" TERM
    expect_eq 0 "$BG_RC" "kmig mirror exit status after SIGTERM"
    out=$(cat "$T/mirror-$tag.log")
    expect_contains "$out" "copied $n records" "mirror summary"
    mapped=$("$KMIG" map --config "$cfg" --topic "$topic" | awk 'NR > 1 { p[$2] = 1 } END { print length(p) }')
    expect_eq 5 "$mapped" "partitions in the offset map"
    desc=$("$KAFKA_SH" configs "tgt$tag" --describe --entity-type topics --entity-name kmig-offset-map.src$tag.internal)
    expect_contains "$desc" "cleanup.policy=compact" "offset map topic configs"
    echo "Kafka $tag: topics created, grown and synced; $n records mapped"
}

for_each_version check_version

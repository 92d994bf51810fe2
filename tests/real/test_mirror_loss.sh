#!/usr/bin/env bash
# Records deleted on the source before kmig copied them are reported as data
# loss, never skipped: kmig copies 1000 records, stops; 1000 more are produced
# and the first 500 of those are deleted (DeleteRecords, as retention would);
# the next run reports exactly that range and exits 3. With
# --continue-on-data-loss it copies the rest, exits 0, and the offset map
# translates an offset inside the lost range to the next copied record.
. "$(dirname "$0")/../lib.sh"

[ -n "${KMIG_REAL_VERSIONS:-}" ] || fail "KMIG_REAL_* not set: run it as tests/run.sh real $TEST_NAME"

check_version() {
    local tag=$1 src tgt topic cfg rc out version
    src=KMIG_REAL_SRC_$tag; src=${!src}
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    version=KMIG_REAL_KAFKA_$tag; version=${!version}
    topic=$(unique_name events)
    "$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions 1 >/dev/null
    cfg=$T/mm2-$tag.properties
    cat >"$cfg" <<PROPS
clusters = a$tag, b$tag
a$tag.bootstrap.servers = $src
b$tag.bootstrap.servers = $tgt
a$tag->b$tag.enabled = true
a$tag->b$tag.topics = $topic
replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy
replication.factor = 1
offset-syncs.topic.replication.factor = 1
checkpoints.topic.replication.factor = 1
PROPS
    "$KAFKA_SH" perf-produce "src$tag" "$topic" 1000 100 acks=all >/dev/null
    "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 >"$T/run1-$tag.log" 2>&1 ||
        fail "first run failed: $(tail -5 "$T/run1-$tag.log")"
    "$KAFKA_SH" perf-produce "src$tag" "$topic" 1000 100 acks=all >/dev/null
    echo "{\"version\":1,\"partitions\":[{\"topic\":\"$topic\",\"partition\":0,\"offset\":1500}]}" >"$T/delete-$tag.json"
    java -cp "$ROOT/build/kafka/$version/libs/*" org.apache.kafka.tools.DeleteRecordsCommand \
        --bootstrap-server "$src" --offset-json-file "$T/delete-$tag.json" >/dev/null 2>&1 ||
        fail "DeleteRecords failed"

    rc=0
    "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 >"$T/run2-$tag.log" 2>&1 || rc=$?
    out=$(cat "$T/run2-$tag.log")
    expect_eq 3 "$rc" "exit status when source records were deleted before they were copied"
    expect_contains "$out" "DATA LOSS: $topic [0]: source offsets 1000..1499 (500 records)" "run 2 log"

    rc=0
    "$KMIG" mirror --config "$cfg" --stop-at-end --continue-on-data-loss --progress 0 >"$T/run3-$tag.log" 2>&1 || rc=$?
    out=$(cat "$T/run3-$tag.log")
    expect_eq 0 "$rc" "exit status with --continue-on-data-loss: $(tail -3 "$T/run3-$tag.log")"
    expect_contains "$out" "copied 500 records" "run 3 summary"
    expect_contains "$out" "lost 500" "run 3 summary"
    out=$("$KMIG" map --config "$cfg" --topic "$topic" --translate 1200)
    expect_contains "$out" "source offset 1200 -> exact 1000" "translation inside the lost range"
    out=$("$KMIG" map --config "$cfg" --topic "$topic" --translate 1999)
    expect_contains "$out" "source offset 1999 -> exact 1499" "translation after the lost range"
    echo "Kafka $tag: 500 deleted records reported as loss (exit 3), then skipped on request"
}

for_each_version check_version

#!/usr/bin/env bash
# kmig-test: long
# kmig keeps its promises when the clusters do not cooperate (facts from
# --summary-json, offsets and records; not log prose):
#  1. No copy without a persisted map: on a one-broker target with topic
#     auto-creation off, the default replication factor (3) of the offset map
#     topic, then of the checkpoints topic, makes kmig exit 2 at once, naming
#     the key, before any record is copied; an existing map topic that deletes
#     by time is refused too.
#  2. Map writes are checked: when the target refuses every map segment (a map
#     topic whose max.message.bytes is too small), kmig stops with exit 1
#     instead of copying without a map.
#  3. Source truncation: the source topic is deleted and re-created with fewer
#     records than kmig copied; the next run reports the truncated range as
#     data loss (exit 3). Then the source grows past kmig's old position while
#     kmig is not running: the resume check (the record at the last copied
#     offset is compared with its copy) reports it (exit 3), and with
#     --continue-on-data-loss kmig goes on from its old position.
#  4. A source topic deleted while kmig copies it stops with data loss.
. "$(dirname "$0")/../lib.sh"

[ -n "${KMIG_REAL_VERSIONS:-}" ] || fail "KMIG_REAL_* not set: run it as tests/run.sh real $TEST_NAME"

# props FILE SRC_ALIAS SRC TGT TOPIC [LINE...]
props() {
    local f=$1 a=$2 src=$3 tgt=$4 topic=$5
    shift 5
    {
        echo "clusters = $a, t$a"
        echo "$a.bootstrap.servers = $src"
        echo "t$a.bootstrap.servers = $tgt"
        echo "$a->t$a.enabled = true"
        echo "$a->t$a.topics = $topic"
        echo "replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy"
        echo "replication.factor = 1"
        echo "refresh.topics.interval.seconds = 1"
        for l in "$@"; do echo "$l"; done
    } >"$f"
}

# summary FILE JQ: prints a field of a run summary
summary() { jq -r "$2" "$1"; }

# run NAME ARGS...: runs kmig mirror, sets RC; summary in $T/NAME.json
run() {
    local name=$1
    shift
    RC=0
    "$KMIG" mirror --progress 0 --summary-json "$T/$name.json" "$@" >"$T/$name.log" 2>&1 || RC=$?
    [ -s "$T/$name.json" ] || fail "$name: no summary written (exit $RC): $(tail -5 "$T/$name.log")"
}

target_topic_exists() { "$KAFKA_SH" topics "$1" --list 2>/dev/null | grep -qx "$2"; }

check_version() {
    local tag=$1 src tgt topic a cfg rf1
    src=KMIG_REAL_SRC_$tag; src=${!src}
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    rf1=("offset-syncs.topic.replication.factor = 1" "checkpoints.topic.replication.factor = 1")

    # --- 1. internal topics that cannot be created: exit 2 before copying.
    topic=$(unique_name safe)
    "$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions 2 >/dev/null
    "$KAFKA_SH" perf-produce "src$tag" "$topic" 200 100 acks=all >/dev/null
    a=$(unique_name s)
    cfg=$T/rf-$tag.properties
    props "$cfg" "$a" "$src" "$tgt" "$topic"
    run rf-map-$tag --config "$cfg" --stop-at-end
    expect_eq 2 "$RC" "exit status with offset-syncs.topic.replication.factor 3 on one broker"
    expect_eq internal-topics "$(summary "$T/rf-map-$tag.json" .exit_reason)" "exit reason"
    expect_eq 0 "$(summary "$T/rf-map-$tag.json" .records)" "records copied"
    expect_contains "$(summary "$T/rf-map-$tag.json" '.errors[0]')" \
        "offset-syncs.topic.replication.factor" "the error names the key"
    target_topic_exists "tgt$tag" "$topic" && fail "the data topic was created on the target"
    props "$cfg" "$a" "$src" "$tgt" "$topic" "offset-syncs.topic.replication.factor = 1"
    run rf-ckpt-$tag --config "$cfg" --stop-at-end
    expect_eq 2 "$RC" "exit status with checkpoints.topic.replication.factor 3 on one broker"
    expect_contains "$(summary "$T/rf-ckpt-$tag.json" '.errors[0]')" \
        "checkpoints.topic.replication.factor" "the error names the key"
    target_topic_exists "tgt$tag" "$topic" && fail "the data topic was created on the target"
    # A map topic that deletes old records is refused.
    a=$(unique_name s)
    "$KAFKA_SH" topics "tgt$tag" --create --topic "kmig-offset-map.$a.internal" --partitions 1 \
        --config cleanup.policy=delete >/dev/null
    props "$cfg" "$a" "$src" "$tgt" "$topic" "${rf1[@]}"
    run policy-$tag --config "$cfg" --stop-at-end
    expect_eq 2 "$RC" "exit status with a map topic that deletes by time"
    expect_contains "$(summary "$T/policy-$tag.json" '.errors[0]')" "cleanup.policy=compact" \
        "the error says how to fix it"

    # --- 2. map writes the target refuses: stop, never copy without a map.
    a=$(unique_name s)
    "$KAFKA_SH" topics "tgt$tag" --create --topic "kmig-offset-map.$a.internal" --partitions 1 \
        --config cleanup.policy=compact --config max.message.bytes=64 >/dev/null
    props "$cfg" "$a" "$src" "$tgt" "$topic" "${rf1[@]}" "kmig.offset.map.flush.interval.ms = 200"
    run mapfail-$tag --config "$cfg"
    expect_eq 1 "$RC" "exit status when every map write is refused: $(tail -3 "$T/mapfail-$tag.log")"
    expect_eq failed "$(summary "$T/mapfail-$tag.json" .exit_reason)" "exit reason"
    summary "$T/mapfail-$tag.json" '.errors[]' | grep -q "offset map writes" ||
        fail "the summary does not name the failing map writes: $(summary "$T/mapfail-$tag.json" .errors)"

    # --- 3. the source is truncated below what kmig copied.
    a=$(unique_name s)
    topic=$(unique_name trunc)
    "$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions 1 >/dev/null
    "$KAFKA_SH" perf-produce "src$tag" "$topic" 100 100 acks=all >/dev/null
    props "$cfg" "$a" "$src" "$tgt" "$topic" "${rf1[@]}"
    run trunc1-$tag --config "$cfg" --stop-at-end
    expect_eq 0 "$RC" "first copy: $(tail -3 "$T/trunc1-$tag.log")"
    expect_eq 100 "$(summary "$T/trunc1-$tag.json" .records)" "records copied"
    "$KAFKA_SH" topics "src$tag" --delete --topic "$topic" >/dev/null
    wait_for "! '$KAFKA_SH' topics src$tag --list | grep -qx '$topic'" 60 ||
        fail "the source topic was not deleted"
    "$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions 1 >/dev/null
    "$KAFKA_SH" perf-produce "src$tag" "$topic" 30 100 acks=all >/dev/null
    run trunc2-$tag --config "$cfg" --stop-at-end
    expect_eq 3 "$RC" "exit status after the source was truncated: $(tail -3 "$T/trunc2-$tag.log")"
    expect_eq data-loss "$(summary "$T/trunc2-$tag.json" .exit_reason)" "exit reason"
    expect_eq 70 "$(summary "$T/trunc2-$tag.json" .lost)" "records the source lost below kmig's position"
    expect_eq data-loss "$(summary "$T/trunc2-$tag.json" '.partitions[0].state')" "partition state"
    expect_contains "$(summary "$T/trunc2-$tag.json" '.errors[0]')" "truncated" "the error says what happened"
    # While kmig is not running, the source is written past the old position:
    # the resume check finds that the record at the last copied offset is not
    # the one kmig copied, and reports the source's records below the old
    # position (offsets 0..99) as not copied; going on, it copies from there.
    "$KAFKA_SH" perf-produce "src$tag" "$topic" 90 100 acks=all >/dev/null
    run trunc3-$tag --config "$cfg" --stop-at-end
    expect_eq 3 "$RC" "exit status after the source was rewritten past kmig's position: $(tail -3 "$T/trunc3-$tag.log")"
    expect_eq 100 "$(summary "$T/trunc3-$tag.json" .lost)" "records below the old position"
    expect_contains "$(summary "$T/trunc3-$tag.json" '.errors[0]')" "re-created or rewritten" "the error says what happened"
    expect_eq 0 "$(summary "$T/trunc3-$tag.json" .records)" "records copied"
    run trunc4-$tag --config "$cfg" --stop-at-end --continue-on-data-loss
    expect_eq 0 "$RC" "exit status with --continue-on-data-loss: $(tail -3 "$T/trunc4-$tag.log")"
    expect_eq 20 "$(summary "$T/trunc4-$tag.json" .records)" "records copied after the old position"
    expect_eq 100 "$(summary "$T/trunc4-$tag.json" .lost)" "records reported as not copied"
    # Resuming an unchanged source checks and goes on without a word.
    "$KAFKA_SH" perf-produce "src$tag" "$topic" 5 100 acks=all >/dev/null
    run trunc5-$tag --config "$cfg" --stop-at-end
    expect_eq 0 "$RC" "exit status on an unchanged source: $(tail -3 "$T/trunc5-$tag.log")"
    expect_eq 5 "$(summary "$T/trunc5-$tag.json" .records)" "records copied"
    expect_eq 0 "$(summary "$T/trunc5-$tag.json" .lost)" "nothing lost"

    # --- 4. a source topic deleted while kmig copies it.
    a=$(unique_name s)
    topic=$(unique_name gone)
    "$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions 2 >/dev/null
    "$KAFKA_SH" perf-produce "src$tag" "$topic" 100 100 acks=all >/dev/null
    props "$cfg" "$a" "$src" "$tgt" "$topic" "${rf1[@]}"
    RC=0
    "$KMIG" mirror --config "$cfg" --progress 0 --summary-json "$T/gone-$tag.json" \
        >"$T/gone-$tag.log" 2>&1 &
    local pid=$!
    wait_for "'$KMIG' map --config '$cfg' --topic '$topic' --json 2>/dev/null | grep -q '\"$topic\"'" 60 ||
        fail "kmig did not copy the topic: $(tail -5 "$T/gone-$tag.log")"
    "$KAFKA_SH" topics "src$tag" --delete --topic "$topic" >/dev/null
    wait_for "! kill -0 $pid" 60 || { kill -9 "$pid"; fail "kmig did not stop after the topic was deleted: $(tail -5 "$T/gone-$tag.log")"; }
    wait "$pid" || RC=$?
    expect_eq 3 "$RC" "exit status when the source topic is deleted: $(tail -3 "$T/gone-$tag.log")"
    expect_eq data-loss "$(summary "$T/gone-$tag.json" .exit_reason)" "exit reason"
    summary "$T/gone-$tag.json" '.errors[]' | grep -q "deleted" ||
        fail "the summary does not say the topic was deleted: $(summary "$T/gone-$tag.json" .errors)"
    echo "Kafka $tag: internal topics checked (exit 2), refused map writes stop (exit 1), truncation and deletion reported (exit 3)"
}

for_each_version check_version

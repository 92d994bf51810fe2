#!/usr/bin/env bash
# kmig-test: exclusive (restarts the shared target cluster)
# End to end on real Kafka: records of every shape (NULL and empty keys and
# values, binary data, repeated and NULL-valued headers, explicit timestamps,
# large values) are copied exactly, in order, into the same partitions, while
# the TARGET broker is restarted in the middle of the copy. The Prometheus
# endpoint serves the counters during the run, SIGTERM exits 0, and the
# target holds every record with no duplicate. Heartbeats (on by default)
# are written to the source's `heartbeats`, copied to `s<tag>.heartbeats`
# (MM2's name for them even under the identity policy), and their latency is
# in /metrics.
. "$(dirname "$0")/../lib.sh"

[ -n "${KMIG_REAL_VERSIONS:-}" ] || fail "KMIG_REAL_* not set: run it as tests/run.sh real $TEST_NAME"
no_leak_check

N=60000

check_version() {
    local tag=$1 src tgt topic cfg port pid out copied
    src=KMIG_REAL_SRC_$tag; src=${!src}
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    topic=$(unique_name shapes)
    "$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions 4 >/dev/null
    "$TESTKIT" produce --bootstrap "$src" --topic "$topic" --partitions 4 --count "$N" \
        --size 3000 --idempotent >"$T/produce-$tag.out" || fail "produce failed"
    cfg=$T/mm2-$tag.properties
    cat >"$cfg" <<PROPS
clusters = s$tag, t$tag
s$tag.bootstrap.servers = $src
t$tag.bootstrap.servers = $tgt
s$tag->t$tag.enabled = true
s$tag->t$tag.topics = $topic, heartbeats
refresh.topics.interval.seconds = 1
replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy
replication.factor = 1
offset-syncs.topic.replication.factor = 1
checkpoints.topic.replication.factor = 1
heartbeats.topic.replication.factor = 1
# A slow producer, so that the target restart lands in the middle of the copy.
t$tag.producer.linger.ms = 20
t$tag.producer.batch.size = 16384
PROPS
    port=$(free_port)
    run_bg "$T/mirror-$tag.log" "$KMIG" mirror --config "$cfg" --metrics-addr "$port" --progress 1
    pid=$BG_PID
    copied() { "$TESTKIT" count --bootstrap "$tgt" --topic "$topic" 2>/dev/null | sed -n 's/^total=//p'; }
    wait_for "[ \"\$(copied)\" -gt 0 ]" 60 0.1 || fail "nothing copied: $(tail -5 "$T/mirror-$tag.log")"
    "$KAFKA_SH" restart "tgt$tag" >/dev/null
    echo "target broker restarted with $(copied) of $N records copied"
    # Every partition's lag at 0 (the sum over the topic's series).
    lag_total() {
        curl -sf "http://127.0.0.1:$port/metrics" |
            awk -v t="$topic" '/^kmig_mirror_lag_records/ && index($0, "topic=\"" t "\"") { n++; s += $NF }
                               END { print (n ? s : -1) }'
    }
    wait_for "[ \"\$(lag_total)\" = 0 ]" 120 0.5 ||
        fail "lag never reached 0: $(curl -sf "http://127.0.0.1:$port/metrics" | grep lag_records; tail -5 "$T/mirror-$tag.log")"
    out=$(curl -sf "http://127.0.0.1:$port/metrics")
    copied=$(awk -v t="$topic" '/^kmig_mirror_record_count_total/ && index($0, "topic=\"" t "\"") { s += $NF } END { print s }' <<<"$out")
    expect_eq "$N" "$copied" "kmig_mirror_record_count_total for $topic"
    hb_count() {
        curl -sf "http://127.0.0.1:$port/metrics" |
            awk '/^kmig_heartbeat_latency_seconds_count/ { print $NF; exit }'
    }
    wait_for "[ \"\$(hb_count)\" -gt 0 ]" 30 0.5 ||
        fail "no heartbeat latency: $(curl -sf "http://127.0.0.1:$port/metrics" | grep heartbeat)"
    n=$("$TESTKIT" count --bootstrap "$tgt" --topic "s$tag.heartbeats" | sed -n 's/^total=//p')
    [ "${n:-0}" -gt 0 ] || fail "no heartbeats in s$tag.heartbeats on the target"
    wait_for "grep -qE 'heartbeat last [0-9.]+m?s' '$T/mirror-$tag.log'" 10 ||
        fail "no heartbeat latency in the progress line"
    kill_bg "$pid" TERM
    expect_eq 0 "$BG_RC" "kmig mirror exit status after SIGTERM"
    # The summary's total also counts the heartbeats copied.
    total=$(sed -n 's/.*: copied \([0-9]*\) records.*/\1/p' "$T/mirror-$tag.log" | tail -1)
    [ "${total:-0}" -ge "$N" ] || fail "summary: $(tail -2 "$T/mirror-$tag.log")"
    grep -q "copied " "$T/mirror-$tag.log" && grep -qE "^  $topic +copied" "$T/mirror-$tag.log" ||
        fail "no progress lines in the log"
    "$TESTKIT" check --bootstrap "$tgt" --topic "$topic" --partitions 4 --count "$N" --size 3000 ||
        fail "target records differ"
    echo "Kafka $tag: $N records of every shape copied exactly across a target restart"
}

for_each_version check_version

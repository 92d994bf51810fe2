#!/usr/bin/env bash
# Proves the real-tier fixture before kmig's own real tests rely on it: on every
# Kafka version the run started, both clusters answer on the advertised
# address, the broker runs with topic auto-creation off, and a topic created
# with 3 partitions and a non-default retention.ms reads back as such and
# carries 1000 records produced and consumed with Kafka's perf tools.
. "$(dirname "$0")/../lib.sh"

[ -n "${KMIG_REAL_VERSIONS:-}" ] || fail "KMIG_REAL_* not set: run it as tests/run.sh real test_fixture"

check_version() {
    local tag=$1 role var broker c topic desc out consumed version
    for role in src tgt; do
        var=KMIG_REAL_${role^^}_$tag
        expect_eq "${!var}" "$("$KAFKA_SH" status "$role$tag")" "$role$tag bootstrap"
    done

    broker=$("$KAFKA_SH" configs "tgt$tag" --describe --entity-type brokers --entity-name 1 --all)
    expect_contains "$broker" "auto.create.topics.enable=false" "tgt$tag broker configs"

    c=src$tag
    topic=$(unique_name fixture)
    "$KAFKA_SH" topics "$c" --create --topic "$topic" --partitions 3 --config retention.ms=3600000
    desc=$("$KAFKA_SH" topics "$c" --describe --topic "$topic")
    expect_contains "$desc" "PartitionCount: 3" "$c describe"
    expect_contains "$desc" "retention.ms=3600000" "$c describe"

    out=$("$KAFKA_SH" perf-produce "$c" "$topic" 1000 100 acks=all)
    expect_contains "$out" "1000 records sent" "$c perf-produce"

    out=$("$KAFKA_SH" perf-consume "$c" "$topic" 1000)
    consumed=$(awk -F', *' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "data.consumed.in.nMsg") col = i }
                            NR == 2 && col { print $col }' <<<"$out")
    expect_eq 1000 "$consumed" "$c records consumed"
    version=KMIG_REAL_KAFKA_$tag
    echo "Kafka ${!version}: fixture ok"
}

for_each_version check_version

#!/usr/bin/env bash
# kmig verify on real Kafka. A faithful copy of N records over 8 partitions
# (1e6 on the newest version, 1e5 on the others, to keep the tier short) plus a
# topic of every record shape passes (exit 0, every record matched); verify's
# rate is printed next to the mirror's on the same data (no timing assertion).
# Then the target is tampered with, and verify exits 4 naming each partition
# and offset:
#   - a foreign record appended to a target partition: `foreign` at the end;
#   - records deleted on the target with DeleteRecords: `missing` from the
#     mapped target offsets below the new log start;
#   - the shapes topic deleted on the target and re-produced with the same
#     records (keys, values, timestamps, headers) but one header changed:
#     `different` at that record, with `headers` named.
# The tampering is a small Java program on the broker's own client jars
# (AdminClient.deleteRecords, deleteTopics/createTopics, a producer).
. "$(dirname "$0")/../lib.sh"

[ -n "${KMIG_REAL_VERSIONS:-}" ] || fail "KMIG_REAL_* not set: run it as tests/run.sh real $TEST_NAME"
KMIG_FAST=${KMIG_FAST:-$ROOT/build/kmig}
[ -x "$KMIG_FAST" ] || fail "$KMIG_FAST is not built (make build)"
command -v jq >/dev/null || fail "jq is needed"
JAVA=${KMIG_JAVA:-java}
newest=${KMIG_REAL_VERSIONS##* }

cat >"$T/Tamper.java" <<'JAVA'
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.header.*;
import org.apache.kafka.common.header.internals.*;
import org.apache.kafka.common.serialization.*;

/* Tamper BOOTSTRAP OP...: append TOPIC P | delete TOPIC P BEFORE |
 * reheader TOPIC P FROM (re-creates TOPIC with the same records, the first
 * record with headers at or after offset FROM of partition P getting its first
 * header's value changed; prints "reheader P OFFSET"). */
public class Tamper {
    static String bs;

    static Properties props() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bs);
        return p;
    }

    static KafkaProducer<byte[], byte[]> producer() {
        Properties p = props();
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("max.in.flight.requests.per.connection", "1");
        p.put("linger.ms", "5");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public static void main(String[] a) throws Exception {
        bs = a[0];
        try (Admin admin = Admin.create(props())) {
            for (int i = 1; i < a.length; ) {
                switch (a[i]) {
                case "append": {
                    try (KafkaProducer<byte[], byte[]> p = producer()) {
                        RecordMetadata m = p.send(new ProducerRecord<>(a[i + 1], Integer.parseInt(a[i + 2]),
                            "foreign".getBytes(), "written by someone else".getBytes())).get();
                        System.out.println("append " + m.partition() + " " + m.offset());
                    }
                    i += 3;
                    break;
                }
                case "delete": {
                    TopicPartition tp = new TopicPartition(a[i + 1], Integer.parseInt(a[i + 2]));
                    long before = Long.parseLong(a[i + 3]);
                    admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(before))).all().get();
                    System.out.println("delete " + tp.partition() + " " + before);
                    i += 4;
                    break;
                }
                case "reheader":
                    reheader(admin, a[i + 1], Integer.parseInt(a[i + 2]), Long.parseLong(a[i + 3]));
                    i += 4;
                    break;
                default:
                    throw new IllegalArgumentException(a[i]);
                }
            }
        }
    }

    static void reheader(Admin admin, String topic, int part, long from) throws Exception {
        int n = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        List<List<ConsumerRecord<byte[], byte[]>>> recs = new ArrayList<>();
        Properties cp = props();
        cp.put("enable.auto.commit", "false");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            for (int p = 0; p < n; p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                long end = c.endOffsets(List.of(tp)).get(tp);
                List<ConsumerRecord<byte[], byte[]>> l = new ArrayList<>();
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                while (c.position(tp) < end)
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) l.add(r);
                recs.add(l);
            }
        }
        admin.deleteTopics(List.of(topic)).all().get();
        for (int tries = 0; ; tries++) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, n, (short) 1))).all().get();
                break;
            } catch (Exception e) {
                if (tries > 100) throw e;
                Thread.sleep(200);
            }
        }
        long changed = -1;
        List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
        List<ConsumerRecord<byte[], byte[]>> order = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            for (int q = 0; q < n; q++) {
                for (ConsumerRecord<byte[], byte[]> r : recs.get(q)) {
                    Headers h = new RecordHeaders();
                    boolean first = true;
                    for (Header x : r.headers()) {
                        byte[] v = x.value();
                        if (first && changed < 0 && q == part && r.offset() >= from) {
                            v = (v == null ? "changed" : new String(v) + "-changed").getBytes();
                            changed = r.offset();
                        }
                        first = false;
                        h.add(x.key(), v);
                    }
                    sent.add(p.send(new ProducerRecord<>(topic, q, r.timestamp(), r.key(), r.value(), h)));
                    order.add(r);
                }
            }
            p.flush();
            for (int k = 0; k < sent.size(); k++) {
                RecordMetadata m = sent.get(k).get();
                ConsumerRecord<byte[], byte[]> r = order.get(k);
                if (m.offset() != r.offset())
                    throw new IllegalStateException(topic + " [" + r.partition() + "]: " + r.offset() + " landed at " + m.offset());
            }
        }
        System.out.println("reheader " + part + " " + changed);
    }
}
JAVA

check_version() {
    local tag=$1 src tgt version libs big shapes cfg n per t0 t1 mrate vrate out rc
    src=KMIG_REAL_SRC_$tag; src=${!src}
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    version=KMIG_REAL_KAFKA_$tag; version=${!version}
    libs=$ROOT/build/kafka/$version/libs
    n=100000
    [ "$tag" = "$newest" ] && n=1000000
    per=$((n / 8))
    big=$(unique_name verify)
    shapes=$(unique_name vshapes)
    "$KAFKA_SH" topics "src$tag" --create --topic "$big" --partitions 8 >/dev/null
    "$KAFKA_SH" topics "src$tag" --create --topic "$shapes" --partitions 2 >/dev/null
    local began=$SECONDS
    "$KAFKA_SH" perf-produce "src$tag" "$big" "$n" 100 acks=1 linger.ms=5 batch.size=262144 >/dev/null
    echo "Kafka $tag: produced in $((SECONDS - began)) s"
    # (timestamps of the last hour: older ones would fall to the 7-day retention)
    "$TESTKIT" produce --bootstrap "$src" --topic "$shapes" --partitions 2 --count 500 >/dev/null
    cfg=$T/mm2-$tag.properties
    cat >"$cfg" <<PROPS
clusters = s$tag, t$tag
s$tag.bootstrap.servers = $src
t$tag.bootstrap.servers = $tgt
s$tag->t$tag.enabled = true
s$tag->t$tag.topics = $big, $shapes
replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy
replication.factor = 1
offset-syncs.topic.replication.factor = 1
checkpoints.topic.replication.factor = 1
groups = $big-group
PROPS
    # The mirror's rate and verify's rate on the same data, same build.
    t0=${EPOCHREALTIME/./}
    "$KMIG_FAST" mirror --config "$cfg" --stop-at-end --progress 0 >"$T/mirror-$tag.log" 2>&1 ||
        fail "kmig mirror failed: $(tail -5 "$T/mirror-$tag.log")"
    t1=${EPOCHREALTIME/./}
    mrate=$(((n + 500) * 1000000 / (t1 - t0)))
    # The mirror's foreign-write watch ran during the copy: no false alarm.
    ! grep -q "did not write" "$T/mirror-$tag.log" || fail "false foreign-write alarm: $(grep "did not write" "$T/mirror-$tag.log")"
    rc=0
    "$KMIG_FAST" verify --config "$cfg" --topic "$big" --topic "$shapes" --json >"$T/ok-$tag.json" 2>"$T/ok-$tag.err" || rc=$?
    expect_eq 0 "$rc" "verify exit status on a faithful copy ($(tail -3 "$T/ok-$tag.err"))"
    expect_eq "ok $((n + 500)) 10" "$(jq -r '[.result, .summary.matched, .summary.partitions_ok] | join(" ")' "$T/ok-$tag.json")" "faithful copy"
    vrate=$(jq -r '.summary.records_per_s | floor' "$T/ok-$tag.json")
    grep -E 'records/s, [0-9.]+ MB/s' "$T/ok-$tag.err" || fail "no rate line"
    echo "Kafka $tag: mirror $((n + 500)) records in $(((t1 - t0) / 1000)) ms including start-up: $mrate records/s; verify read both sides ($(jq -r .summary.source_records "$T/ok-$tag.json") + $(jq -r .summary.target_records "$T/ok-$tag.json") records) at $vrate records/s, $(jq -r '.summary.mb_per_s * 10 | floor / 10' "$T/ok-$tag.json") MB/s, i.e. $((vrate / 2)) source records/s"

    # The ASan build agrees on the small topic, read from a time (--since).
    rc=0
    "$KMIG" verify --config "$cfg" --topic "$shapes" --since 2h --json >"$T/san-$tag.json" 2>"$T/san-$tag.err" || rc=$?
    expect_eq "0 ok 500" "$rc $(jq -r '[.result, .summary.matched] | join(" ")' "$T/san-$tag.json")" "ASan build on $shapes"

    # Tamper: foreign record on partition 1, DeleteRecords below offset 10 on
    # partition 2, a header changed in the re-produced shapes topic (partition 1).
    out=$("$JAVA" -Xmx256m -cp "$libs/*" "$T/Tamper.java" "$tgt" append "$big" 1 delete "$big" 2 10 \
        reheader "$shapes" 1 100 2>"$T/tamper-$tag.err") || fail "tamper: $(tail -20 "$T/tamper-$tag.err")"
    echo "$out"
    echo "Kafka $tag: tampered at $((SECONDS - began)) s"
    local foreign_off changed_off end1
    foreign_off=$(awk '$1 == "append" { print $3 }' <<<"$out")
    changed_off=$(awk '$1 == "reheader" { print $3 }' <<<"$out")
    end1=$(jq -r '.partitions[] | select(.topic == "'"$big"'" and .partition == 1) | .map.tgt_next' "$T/ok-$tag.json")
    expect_eq "$end1" "$foreign_off" "the foreign record lands at the mapped end"
    [ "$changed_off" -ge 100 ] || fail "no header changed: $out"
    rc=0
    "$KMIG_FAST" verify --config "$cfg" --topic "$big" --topic "$shapes" --json >"$T/bad-$tag.json" 2>"$T/bad-$tag.err" || rc=$?
    expect_eq 4 "$rc" "verify exit status after tampering ($(tail -3 "$T/bad-$tag.err"))"
    local got
    got=$(jq -r '[.partitions[] | select(.status != "ok") | "\(.topic):\(.partition):\(.first_mismatch.kind):\(.first_mismatch.source_offset):\(.first_mismatch.target_offset):\(.first_mismatch.differs // [] | join(","))"] | join(" ")' "$T/bad-$tag.json")
    local s2
    s2=$(jq -r '.partitions[] | select(.topic == "'"$big"'" and .partition == 2) | .map.src_start' "$T/ok-$tag.json")
    expect_eq "$big:1:foreign:-1:$foreign_off: $big:2:missing:$s2:0: $shapes:1:different:$changed_off:$changed_off:headers" "$got" "each tampered partition and offset"
    expect_eq "1 10 1 $((n + 500 - 11))" "$(jq -r '[.summary.foreign, .summary.missing, .summary.different, .summary.matched] | join(" ")' "$T/bad-$tag.json")" "counts after tampering"
    grep -q "$big \[1\]: 1 records on the target beyond what kmig copied" "$T/bad-$tag.err" ||
        fail "no split-brain warning: $(cat "$T/bad-$tag.err")"
    echo "Kafka $tag: done in $((SECONDS - began)) s; verify found the foreign record ($big [1] @$foreign_off), 10 deleted records ($big [2]) and the changed header ($shapes [1] @$changed_off)"
}

for_each_version check_version

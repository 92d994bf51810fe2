#!/usr/bin/env bash
# kmig-test: long private (its targets are clusters of its own)
# Group sync through a target outage: with group sync on, the target broker
# stops for a while and comes back; kmig keeps running and exits 0 on SIGTERM.
# librdkafka 2.0.2 (and later, confluentinc/librdkafka#4605) aborts the
# process when a coordinator admin call (ListConsumerGroupOffsets,
# AlterConsumerGroupOffsets) times out while the coordinator's broker is down
# ("rd_kafka_enq_once_del_source_return: Assertion `eonce->refcnt > 0'").
# kmig checks that both clusters answer before each group pass and gives
# coordinator calls a minute, so a broker restart is waited out instead.
# Found by the fault soak. Private clusters (the target is stopped).
. "$(dirname "$0")/../lib.sh"
no_leak_check
V=${SOAK_KAFKA_VERSION:-4.1.2}
export KMIG_KAFKA_JVM_OPTS=${KMIG_KAFKA_JVM_OPTS:--Xmx384m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC}
"$KAFKA_SH" fetch "$V" >/dev/null
kafka_start reprosrc "$V" >/dev/null
SRC=$KAFKA_BOOTSTRAP
kafka_start reprotgt "$V" >/dev/null
TGT=$KAFKA_BOOTSTRAP
"$KAFKA_SH" topics reprosrc --create --topic r --partitions 1 >/dev/null
"$TESTKIT" produce --bootstrap "$SRC" --topic r --partitions 1 --count 100 >/dev/null
"$TESTKIT" commit --bootstrap "$SRC" --group rg --topic r --offset 0:50
cat >"$T/mm2.properties" <<P
clusters = s, t
s.bootstrap.servers = $SRC
t.bootstrap.servers = $TGT
s->t.enabled = true
s->t.topics = r
replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy
replication.factor = 1
offset-syncs.topic.replication.factor = 1
checkpoints.topic.replication.factor = 1
groups = rg
emit.checkpoints.interval.seconds = 1
sync.group.offsets.enabled = true
sync.group.offsets.interval.seconds = 1
P
run_bg "$T/mirror.log" "$KMIG" mirror --config "$T/mm2.properties" --progress 0
pid=$BG_PID
wait_for "grep -q 'group rg: committed' '$T/mirror.log'" 60 || fail "no group sync: $(tail -5 "$T/mirror.log")"
# Down for a while, then back (the soak's broker restarts took 12-25 s).
"$KAFKA_SH" stop reprotgt
sleep "${REPRO_DOWN:-8}"
"$KAFKA_SH" restart reprotgt >/dev/null
echo "target broker was down for ${REPRO_DOWN:-8} s plus its start-up; watching kmig for 30 s"
for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
if ! kill -0 "$pid" 2>/dev/null; then
    kill_bg "$pid" TERM
    tail -3 "$T/mirror.log"
    fail "kmig ended by itself with status $BG_RC around a target outage"
fi
kill_bg "$pid" TERM
expect_eq 0 "$BG_RC" "exit status after SIGTERM"
echo "ok: kmig survived the target outage with group sync on"

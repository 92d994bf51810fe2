#!/usr/bin/env bash
# Consumer groups under faults, on two mock clusters: a read of the target's
# (or the source's) committed offsets that fails is "unknown", not "none": kmig
# writes nothing for that group, reports the row as `failed` with the error,
# and exits 1; a group that consumers took over on the target keeps their
# offset. A checkpoints topic that cannot be created refuses the commit. A
# mirror whose topic filter matches nothing, with a group on the source, runs
# its group passes without crashing.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mocklib.sh"

mock_start src --brokers 1 --topic t:2
SRC=$MOCK_BOOTSTRAP
mock_start tgt --brokers 1 --topic t:2 --topic kmig-offset-map.src.internal:1 \
    --topic kmig-checkpoints.src.internal:1
TGT=$MOCK_BOOTSTRAP
cfg=$T/mm2.properties
mm2_config "$cfg" "$SRC" "$TGT" t identity "checkpoints.topic.replication.factor = 1"

"$TESTKIT" produce --bootstrap "$SRC" --topic t --partitions 2 --count 400 >/dev/null
rc=0
timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 >"$T/mirror.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "kmig mirror --stop-at-end exited $rc: $(tail -20 "$T/mirror.log")"

G=kmig-test-group
committed_g() { # GROUP CLUSTER_BOOTSTRAP: "O0 O1"
    "$TESTKIT" committed --bootstrap "$2" --group "$1" --topic t | sed 's/.*=//' | tr '\n' ' ' | sed 's/ $//'
}
committed() { committed_g "$G" "$1"; }
offsets() { # ARGS...: kmig offsets --json, exit status in OFF_RC
    OFF_RC=0
    "$KMIG" offsets --config "$cfg" --group "$G" --json "$@" >"$T/off.json" 2>"$T/off.err" || OFF_RC=$?
}
statuses() { jq -r '[.[] | .status] | join(" ")' "$T/off.json"; }

# 1. The source group at 5 and 7; kmig writes them on the target.
"$TESTKIT" commit --bootstrap "$SRC" --group "$G" --topic t --offset 0:5 --offset 1:7
offsets --execute
expect_eq 0 "$OFF_RC" "first --execute exit status ($(cat "$T/off.err"))"
expect_eq "written written" "$(statuses)" "first --execute statuses"
expect_eq "5 7" "$(committed "$TGT")" "target after the first --execute"

# 2. Consumers on the target take the group over (100, 120); the source moves on.
"$TESTKIT" commit --bootstrap "$TGT" --group "$G" --topic t --offset 0:100 --offset 1:120
"$TESTKIT" commit --bootstrap "$SRC" --group "$G" --topic t --offset 0:10 --offset 1:12

# 3. The target's OffsetFetch (API 9) fails: GROUP_AUTHORIZATION_FAILED (30).
#    Nothing is written, every row says why, exit 1.
mock_cmd tgt errors 9 30 1
offsets --execute
expect_eq 1 "$OFF_RC" "--execute exit status when the target cannot be read"
expect_eq "failed failed" "$(statuses)" "statuses when the target cannot be read"
expect_contains "$(jq -r '.[0].error' "$T/off.json")" "GROUP_AUTHORIZATION_FAILED" "row error"
expect_eq "100 120" "$(committed "$TGT")" "target after a failed read (consumers' offsets kept)"

# 4. Read again without faults: taken over, still not written.
offsets --execute
expect_eq "taken-over taken-over" "$(statuses)" "statuses once the target can be read"
expect_eq "100 120" "$(committed "$TGT")" "target after a clean pass"

# 5. The source's OffsetFetch fails: nothing written, reported, exit 1.
mock_cmd src errors 9 30 1
offsets --execute
expect_eq 1 "$OFF_RC" "--execute exit status when the source cannot be read"
expect_contains "$(cat "$T/off.err")" "GROUP_AUTHORIZATION_FAILED" "stderr when the source cannot be read"
expect_eq "100 120" "$(committed "$TGT")" "target after a failed source read"
echo "read failures: nothing written, reported"

# 6. Checkpoint records the target refuses (Produce, API 0: TOPIC_AUTHORIZATION_FAILED, 29)
#    are not stored: `kmig offsets --execute` says so and exits 1.
ckpts() { "$TESTKIT" count --bootstrap "$TGT" --topic kmig-checkpoints.src.internal | sed -n 's/^total=//p'; }
"$TESTKIT" commit --bootstrap "$SRC" --group g2 --topic t --offset 0:20 --offset 1:30
before=$(ckpts)
# Both records in one Produce request (a long linger), so the one refused
# request covers every checkpoint of the run, however loaded the machine is.
cfg6=$T/mm2-one-batch.properties
{ cat "$cfg"; echo "tgt.producer.linger.ms = 1000"; } >"$cfg6"
mock_cmd tgt errors 0 29 1
OFF_RC=0
"$KMIG" offsets --config "$cfg6" --group g2 --json --execute >"$T/off.json" 2>"$T/off.err" || OFF_RC=$?
expect_eq 1 "$OFF_RC" "--execute exit status when checkpoints are not stored"
expect_contains "$(cat "$T/off.err")" "were not stored" "stderr when checkpoints are not stored"
expect_eq "$before" "$(ckpts)" "checkpoint records after a refused write"
echo "lost checkpoints: reported"

# 7. The mirror's sync: the first checkpoints of g3 are refused twice; they are
#    written again on later passes until stored, so a later kmig knows that the
#    target's offsets are kmig's own (not the consumers').
cfg3=$T/mm2-g3.properties
mm2_config "$cfg3" "$SRC" "$TGT" t identity "groups = g3" "emit.checkpoints.interval.seconds = 1" \
    "sync.group.offsets.enabled = true" "sync.group.offsets.interval.seconds = 1" \
    "checkpoints.topic.replication.factor = 1"
mport=$(free_port)
run_bg "$T/mirror-g3.log" "$KMIG" mirror --config "$cfg3" --progress 1 --metrics-addr "$mport"
pid=$BG_PID
wait_for "grep -q 'caught up' $T/mirror-g3.log" 60 || fail "mirror did not catch up: $(tail -20 "$T/mirror-g3.log")"
before=$(ckpts)
mock_cmd tgt errors 0 29 2
"$TESTKIT" commit --bootstrap "$SRC" --group g3 --topic t --offset 0:40 --offset 1:50
wait_for "[ \"\$(committed_g g3 "$TGT")\" = '40 50' ]" 30 ||
    fail "g3 not synced: $(committed_g g3 "$TGT"): $(tail -20 "$T/mirror-g3.log")"
wait_for "[ \$(ckpts) -ge $((before + 2)) ]" 30 ||
    fail "lost checkpoints were not written again ($(ckpts) records, $before before)"
wait_for "grep -q 'were not stored' $T/mirror-g3.log" 30 || fail "no report of lost checkpoints"
metric='kmig_group_partitions{source="src",target="tgt",group="g3",status="up-to-date"} 2'
wait_for "curl -s http://127.0.0.1:$mport/metrics | grep -cF '$metric'" 20 ||
    fail "no '$metric' in: $(curl -s "http://127.0.0.1:$mport/metrics" | grep kmig_group_partitions)"
kill_bg "$pid" TERM
expect_eq 0 "$BG_RC" "kmig mirror exit status"
"$TESTKIT" commit --bootstrap "$SRC" --group g3 --topic t --offset 0:45 --offset 1:55
offsets_g() { "$KMIG" offsets --config "$cfg" --group "$1" --json 2>"$T/off.err"; }
expect_eq "exact exact" "$(offsets_g g3 | jq -r '[.[] | .status] | join(" ")')" \
    "g3 statuses after the source moved (kmig's own commits recognised)"
echo "lost checkpoints: written again"

# 8. A mirror whose topic filter matches nothing, with the group on the source:
#    its group passes have no partition to work on and do nothing.
cfg0=$T/mm2-none.properties
mm2_config "$cfg0" "$SRC" "$TGT" "matches-nothing" identity "emit.checkpoints.interval.seconds = 1" \
    "sync.group.offsets.enabled = true" "sync.group.offsets.interval.seconds = 1"
run_bg "$T/mirror-none.log" "$KMIG" mirror --config "$cfg0" --progress 0
pid=$BG_PID
sleep 4 # several group passes (every second)
proc_exited "$pid" && fail "kmig mirror with no copied partition ended: $(tail -20 "$T/mirror-none.log")"
kill_bg "$pid" TERM
expect_eq 0 "$BG_RC" "kmig mirror with no copied partition, exit status after SIGTERM"
expect_eq "100 120" "$(committed "$TGT")" "target after the mirror with no copied partition"
echo "no copied partition: no crash, nothing written"
echo "groups under faults: all good"

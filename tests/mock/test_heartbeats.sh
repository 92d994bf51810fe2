#!/usr/bin/env bash
# Heartbeats and end-to-end latency on the mock cluster: kmig writes MM2
# heartbeats to the source's `heartbeats` topic, mirrors them (to
# `src.heartbeats`, MM2's name even under the identity policy), and reports
# their latency and the copied records' latency in /metrics (histograms), the
# progress line and --summary-json. With emit.heartbeats.enabled=false, or
# when the flow's topics do not select `heartbeats`, it writes none.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mocklib.sh"

mock_start src --topic orders:2 --topic heartbeats:1
SRC=$MOCK_BOOTSTRAP
mock_start tgt --topic orders:2 --topic src.heartbeats:1 --topic kmig-offset-map.src.internal:1
TGT=$MOCK_BOOTSTRAP
cfg=$T/mm2.properties
mm2_config "$cfg" "$SRC" "$TGT" "orders, heartbeats" identity \
    "emit.checkpoints.enabled = false"

count() { "$TESTKIT" count --bootstrap "$1" --topic "$2" | sed -n 's/^total=//p'; }

"$TESTKIT" produce --bootstrap "$SRC" --topic orders --partitions 2 --count 2000 >"$T/produce.out"

run_bg "$T/mirror.log" "$KMIG" mirror --config "$cfg" --progress 1 --metrics-addr 127.0.0.1:0 \
    --summary-json "$T/summary.json"
pid=$BG_PID
wait_for "grep -q 'and /metrics on port' $T/mirror.log" 30 0.1 ||
    fail "no metrics port: $(tail -20 "$T/mirror.log")"
port=$(sed -n 's/.* on port \([0-9]*\).*/\1/p' "$T/mirror.log" | head -1)

# Heartbeats reach the source and are copied to the target.
wait_for "[ \$(count $SRC heartbeats) -ge 3 ]" 30 ||
    fail "no heartbeats on the source: $(tail -20 "$T/mirror.log")"
wait_for "[ \$(count $TGT src.heartbeats) -ge 3 ]" 30 ||
    fail "heartbeats not copied: $(tail -20 "$T/mirror.log")"
wait_for "[ \$(count $TGT orders) -ge 2000 ]" 30 || fail "orders not copied"

# The record is MM2's: key (src, tgt) as two Struct strings, 10-byte value.
"$TESTKIT" consume --bootstrap "$TGT" --group hb-check --topic src.heartbeats \
    --max-records 1 --print-records >"$T/hb.out" 2>&1 || true
echo "heartbeat record: $(grep -m1 '^record' "$T/hb.out")"

# (Pages are read whole first: a reader that stops early (awk's exit, grep -q)
# leaves curl a SIGPIPE, which fails the pipe under pipefail.)
metric() {
    local page
    page=$(curl -s "http://127.0.0.1:$port/metrics")
    awk -v n="$1" '$1 ~ "^"n {print $2; exit}' <<<"$page"
}
wait_for "[ \"\$(metric 'kmig_heartbeat_latency_seconds_count')\" -gt 0 ]" 30 ||
    fail "no heartbeat latency in /metrics: $(curl -s "http://127.0.0.1:$port/metrics" | grep heartbeat)"
n=$(metric 'kmig_replication_latency_seconds_count\{.*topic="orders"')
[ "${n:-0}" -ge 2000 ] || fail "replication latency count for orders: '$n'"
page=$(curl -s "http://127.0.0.1:$port/metrics")
grep -q 'kmig_replication_latency_seconds_bucket{.*topic="orders",le="+Inf"} ' <<<"$page" ||
    fail "no +Inf bucket for orders"
# The dashboard's JSON (same server) has the percentiles too.
curl -sf "http://127.0.0.1:$port/api/status" >"$T/status.json" || fail "no /api/status"
jq -e '.flows[0] | (.heartbeat_latency_p99_ms|type) == "number" and
       (.latency_p99_ms|type) == "number"' "$T/status.json" >/dev/null ||
    fail "/api/status latency: $(jq -c . "$T/status.json" | head -c 2000)"
wait_for "grep -q 'heartbeat last [0-9]' $T/mirror.log" 10 ||
    fail "no heartbeat latency in the progress line: $(tail -5 "$T/mirror.log")"

kill_bg "$pid"
expect_eq 0 "$BG_RC" "kmig exit status"
jq -e '.heartbeats.count > 0 and (.heartbeats.p50_ms|type) == "number" and
       (.heartbeats.p99_ms|type) == "number" and .heartbeats.sent > 0 and
       .latency.count >= 2000 and (.latency.p99_ms|type) == "number" and
       .latency.topics.orders.count >= 2000' "$T/summary.json" >/dev/null ||
    fail "summary latency: $(jq -c '{latency, heartbeats}' "$T/summary.json")"
echo "summary: $(jq -c '{p50: .latency.p50_ms, p99: .latency.p99_ms, heartbeats}' "$T/summary.json")"

# Disabled: no heartbeat written in a run of a few seconds.
before=$(count "$SRC" heartbeats)
mm2_config "$cfg" "$SRC" "$TGT" "orders, heartbeats" identity \
    "emit.checkpoints.enabled = false" "emit.heartbeats.enabled = false"
run_bg "$T/mirror-off.log" "$KMIG" mirror --config "$cfg" --progress 1 \
    --summary-json "$T/summary-off.json"
pid=$BG_PID
wait_for "grep -q 'heartbeat last' $T/mirror-off.log" 30 || fail "no progress line"
sleep 2
kill_bg "$pid"
expect_eq 0 "$BG_RC" "kmig exit status (heartbeats off)"
expect_eq "$before" "$(count "$SRC" heartbeats)" "source heartbeats with emit.heartbeats.enabled=false"
expect_eq 0 "$(jq .heartbeats.sent "$T/summary-off.json")" "heartbeats sent when disabled"

# Not selected by `topics`: none written either (they would never be copied).
mm2_config "$cfg" "$SRC" "$TGT" "orders" identity "emit.checkpoints.enabled = false"
run_bg "$T/mirror-unselected.log" "$KMIG" mirror --config "$cfg" --progress 1 \
    --summary-json "$T/summary-unselected.json"
pid=$BG_PID
wait_for "grep -q 'heartbeat last' $T/mirror-unselected.log" 30 || fail "no progress line"
sleep 2
kill_bg "$pid"
expect_eq 0 "$BG_RC" "kmig exit status (heartbeats not selected)"
expect_eq "$before" "$(count "$SRC" heartbeats)" "source heartbeats when topics does not select them"
echo "ok: heartbeats and latency"

#!/usr/bin/env bash
# kmig mirror --http --services FILE on mock clusters: /api/status carries the
# cutover board (docs/DASHBOARD.md "cutover", the JSON of `kmig cutover status
# --json`): a producer's topic that is quiet and fully copied is `ready`, then
# `moved` once something writes it on the target (foreign writes); a group's
# members are unknown here (the mock serves no DescribeGroups), so its service
# is `not-ready` with that reason, never ready; a topic outside the flow's
# selection is `selected: false` and its service not-ready; the flow is not
# drained. A bad manifest, or --services without --http, is a usage error.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mocklib.sh"

mock_start src --brokers 1 --topic orders:3 --topic invoices:2 --topic scratch:1
SRC=$MOCK_BOOTSTRAP
mock_start tgt --brokers 1 --topic orders:3 --topic invoices:2 --topic kmig-offset-map.src.internal:1 \
    --topic kmig-checkpoints.src.internal:1
TGT=$MOCK_BOOTSTRAP
"$TESTKIT" produce --bootstrap "$SRC" --topic orders --partitions 3 --count 90 >/dev/null
"$TESTKIT" produce --bootstrap "$SRC" --topic invoices --partitions 2 --count 40 >/dev/null
"$TESTKIT" commit --bootstrap "$SRC" --group billing --topic orders --offset 0:10 --offset 1:5 >/dev/null

cat >"$T/services.yaml" <<'YAML'
services:
  - name: shop
    produces: [orders]
  - name: billing
    consumes: [{topic: orders, group: billing}]
    produces: [invoices]
  - name: scratcher
    consumes: [{topic: scratch, group: scratcher}]
YAML
cfg=$T/mm2.properties
# A password in the settings the board's member reads and probes use: never shown.
mm2_config "$cfg" "$SRC" "$TGT" "orders, invoices" identity "groups = billing, scratcher" \
    "emit.checkpoints.interval.seconds = 1" "tgt.sasl.password = board-secret-4711"

rc=0
"$KMIG" mirror --config "$cfg" --services "$T/services.yaml" >"$T/usage1.log" 2>&1 || rc=$?
expect_eq 2 "$rc" "--services without --http is a usage error"
printf 'services:\n  - name: a\n    colour: red\n' >"$T/bad.yaml"
rc=0
"$KMIG" mirror --config "$cfg" --http 127.0.0.1:0 --services "$T/bad.yaml" >"$T/usage2.log" 2>&1 || rc=$?
expect_eq 2 "$rc" "a bad manifest is a usage error"
expect_contains "$(cat "$T/usage2.log")" "colour" "the error names the field"

run_bg "$T/mirror.log" "$KMIG" mirror --config "$cfg" --http 127.0.0.1:0 \
    --http-port-file "$T/port" --services "$T/services.yaml" --progress 0
pid=$BG_PID
wait_for "[ -s '$T/port' ]" 30 0.2 || fail "no port file: $(tail -5 "$T/mirror.log")"
U=http://127.0.0.1:$(cat "$T/port")
status() { curl -sf "$U/api/status" >"$T/st.json" && jq -e . "$T/st.json" >/dev/null; }
q() { jq -r "$1" "$T/st.json"; }
svc() { q ".cutover.services[] | select(.service == \"$1\") | .state"; }
topic() { q ".cutover.topics[] | select(.topic == \"$1\") | $2"; }

# The board is there from the first document; "source written" needs two
# snapshots 5 s apart, so shop turns ready once both are quiet and copied.
wait_for "status && [ \"\$(svc shop)\" = ready ]" 60 0.5 ||
    fail "shop never ready: $(q .cutover); $(tail -5 "$T/mirror.log")"
expect_eq 1 "$(q .version)" "/api/status version"
expect_eq "$T/services.yaml" "$(q .cutover.services_file)" "services_file"
expect_eq true "$(q '.cutover.quiet_s >= 5')" "source written measured over at least 5 s"
expect_eq "true false true false 0" "$(topic orders '"\(.selected) \(.source_written) \(.copied) \(.foreign_writes) \(.lag)"')" \
    "orders: mirrored, quiet, copied, no foreign writes"
expect_eq "false" "$(topic scratch .selected)" "scratch is outside the selection"
expect_eq "not-ready" "$(svc scratcher)" "a service reading an unmirrored topic"
expect_contains "$(q '.cutover.services[] | select(.service == "scratcher") | .reason')" "not mirrored" "scratcher's reason"
# Members: the mock cannot describe groups: unknown, so never ready.
wait_for "status && [ \"\$(q .cutover.members_read_ms)\" != null ]" 30 0.5 || fail "members never read"
expect_eq "null null" "$(q '.cutover.groups[] | select(.group == "billing") | "\(.source_members) \(.target_members)"')" \
    "billing's members are unknown on the mock"
expect_eq "not-ready" "$(q '.cutover.groups[] | select(.group == "billing") | .state')" "billing group state"
expect_contains "$(q '.cutover.groups[] | select(.group == "billing") | .reason')" "members unknown" "billing's reason"
expect_eq "billing" "$(q '.cutover.groups[] | select(.group == "billing") | .service')" "billing's service"
expect_eq "not-ready" "$(svc billing)" "billing service"
expect_eq "false" "$(q .cutover.drained)" "not drained"
[ -n "$(q .cutover.reason)" ] || fail "no reason for not drained"

# A producer moved: it writes orders on the target. The foreign-write watch
# sees it, and shop is moved.
"$TESTKIT" produce --bootstrap "$TGT" --topic orders --partitions 3 --start 90 --count 3 >/dev/null
wait_for "status && [ \"\$(svc shop)\" = moved ]" 60 0.5 || fail "shop never moved: $(q .cutover.topics)"
expect_eq "true" "$(topic orders .foreign_writes)" "orders written on the target"

kill_bg "$pid" TERM
expect_eq 0 "$BG_RC" "kmig mirror exit status after SIGTERM"
if grep -q "board-secret-4711" "$T/st.json" "$T/mirror.log"; then fail "the password shows in /api/status or the log"; fi
echo "cutover board on /api/status: ready, moved, not-ready for unknown members and unmirrored topics"

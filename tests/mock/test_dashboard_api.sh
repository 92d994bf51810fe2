#!/usr/bin/env bash
# kmig mirror --http on mock clusters: --http-port-file names the port bound
# for --http 127.0.0.1:0; the page and its assets are served from the binary;
# /api/status (docs/DASHBOARD.md, version 1) shows the flow and topic with
# their copied counts (equal to the records on the target once copied),
# /api/partitions?topic= the partitions, /metrics is unchanged; a foreign
# write on the target shows as a `foreign-writes` warning naming the
# partition; a `kmig verify --json` file given by --verify-json shows as
# `verification` and a `verify-differs` warning; the Grafana JSON and alert rules in docs/ parse. (The page in a real browser: tests/real/test_dashboard.sh.)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mocklib.sh"

mock_start src --brokers 1 --topic dash:3
SRC=$MOCK_BOOTSTRAP
mock_start tgt --brokers 1 --topic dash:3 --topic kmig-offset-map.src.internal:1
TGT=$MOCK_BOOTSTRAP
"$TESTKIT" produce --bootstrap "$SRC" --topic dash --partitions 3 --count 300 >/dev/null

cfg=$T/mm2.properties
mm2_config "$cfg" "$SRC" "$TGT" dash identity
"$KMIG" mirror --config "$cfg" --http-port-file "$T/port" >"$T/usage.log" 2>&1 && rc=0 || rc=$?
expect_eq 2 "$rc" "--http-port-file without --http is a usage error"

run_bg "$T/mirror.log" "$KMIG" mirror --config "$cfg" --http 127.0.0.1:0 \
    --http-port-file "$T/port" --verify-json "$T/verify.json" --progress 0
pid=$BG_PID
wait_for "[ -s '$T/port' ]" 30 0.2 || fail "no port file: $(tail -5 "$T/mirror.log")"
port=$(cat "$T/port")
[[ $port =~ ^[0-9]+$ ]] && [ "$port" -gt 0 ] || fail "port file holds '$port'"
U=http://127.0.0.1:$port

status() { curl -sf "$U/api/status" >"$T/st.json" && jq -e . "$T/st.json" >/dev/null; }
q() { jq -r "$1" "$T/st.json"; }
wait_for "status && [ \"\$(q '.topics[0].records')\" = 300 ]" 60 0.3 ||
    fail "dash not copied per /api/status: $(cat "$T/st.json"); $(tail -5 "$T/mirror.log")"
expect_eq 1 "$(q .version)" "/api/status version"
expect_eq "src tgt" "$(q '.flows[0] | "\(.source) \(.target)"')" "flow"
expect_eq "dash 3 300 0" "$(q '.topics[0] | "\(.topic) \(.partitions) \(.records) \(.lag)"')" "topic figures"
expect_eq 300 "$(q '.flows[0].records')" "flow records"
expect_eq 0 "$(q '.topics[0].eta_s')" "eta of a caught-up topic"
expect_eq true "$(q '.server_time_ms > 0 and (.server_time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"))')" "server time"
expect_eq true "$(q '.topics[0] | has("latency_p99_ms") and has("rate_records_per_s")')" "latency and rate fields"
expect_eq 0 "$(q '[.warnings[] | select(.severity == "error")] | length')" "no error warnings on a clean copy"

# --verify-json: nothing there yet, then a kmig verify --json document.
expect_eq "null" "$(q .verification.result)" "verification before the file exists"
cat >"$T/verify.json.tmp" <<'JSON'
{"version": 1, "source": "src", "target": "tgt", "result": "differs",
 "partitions": [{"topic": "dash", "partition": 0, "status": "ok"},
                {"topic": "dash", "partition": 1, "status": "differs", "missing": 2,
                 "first_mismatch": {"kind": "missing", "source_offset": 7, "target_offset": 7}}],
 "groups": [], "summary": {"partitions": 2, "partitions_differ": 1, "matched": 10}}
JSON
mv "$T/verify.json.tmp" "$T/verify.json"
status || fail "/api/status"
expect_eq "differs 1 7" "$(q '.verification | "\(.result) \(.partitions_not_ok[0].partition) \(.partitions_not_ok[0].first_mismatch.source_offset)"')" \
    "verification on the dashboard"
expect_eq "dash 1" "$(q '.warnings[] | select(.kind == "verify-differs") | "\(.topic) \(.partition)"')" "verify-differs warning"
rm "$T/verify.json"

curl -sf "$U/api/partitions?topic=dash" >"$T/p.json" || fail "/api/partitions"
expect_eq "dash" "$(curl -sf "$U/api/status?partitions=dash" | jq -r .topic)" "/api/status?partitions="
expect_eq "0 1 2" "$(jq -r '[.partitions[].partition] | map(tostring) | join(" ")' "$T/p.json")" "partitions"
expect_eq 300 "$(jq '[.partitions[].records] | add' "$T/p.json")" "partition records add up"
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/api/partitions?topic=nope")
expect_eq 404 "$code" "partitions of an unknown topic"

curl -sf "$U/" >"$T/index.html" || fail "GET /"
grep -q 'id="topics"' "$T/index.html" || fail "the page has no topics table"
expect_contains "$(curl -sfI "$U/dashboard.js")" "text/javascript" "dashboard.js type"
expect_contains "$(curl -sfI "$U/")" "Content-Security-Policy: default-src 'self'" "the page's CSP"
expect_contains "$(curl -sfI "$U/dashboard.css")" "text/css" "dashboard.css type"
curl -sf "$U/metrics" >"$T/metrics.txt" || fail "GET /metrics"
grep -q '^kmig_mirror_record_count_total{' "$T/metrics.txt" || fail "/metrics lost its samples"
expect_eq ok "$(curl -sf "$U/healthz")" "/healthz"

# A foreign write on the target while the source still receives writes.
"$TESTKIT" produce --bootstrap "$TGT" --topic dash --partitions 3 --start 2 --count 1 >/dev/null
"$TESTKIT" produce --bootstrap "$SRC" --topic dash --partitions 3 --start 300 --count 30 >/dev/null
wait_for "status && [ \"\$(q '[.warnings[] | select(.kind == \"foreign-writes\")] | length')\" -ge 1 ]" 60 0.5 ||
    fail "no foreign-writes warning: $(q .warnings)"
expect_eq "dash 2 1" "$(q '.warnings[] | select(.kind == "foreign-writes") | "\(.topic) \(.partition) \(.records)"')" \
    "foreign-writes warning"
expect_eq 1 "$(q '.flows[0].foreign_records')" "flow foreign_records"
kill_bg "$pid" TERM
expect_eq 0 "$BG_RC" "kmig mirror exit status after SIGTERM"
# The Grafana dashboard and the alert rules in the docs parse.
jq -e '.panels | length > 0' "$ROOT/docs/grafana-dashboard.json" >/dev/null ||
    fail "docs/grafana-dashboard.json is not a dashboard"
python3 - "$ROOT/docs/METRICS.md" <<'PY' || fail "the alert rules in docs/METRICS.md do not parse"
import sys, yaml
s = open(sys.argv[1]).read()
rules = yaml.safe_load(s.split("## Alert rules", 1)[1].split("```yaml", 1)[1].split("```", 1)[0])
assert all(r["alert"] and r["expr"] for r in rules["groups"][0]["rules"])
PY
echo "dashboard API on the mock: port file, page, status, partitions, foreign-write warning"

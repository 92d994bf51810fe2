#!/usr/bin/env bash
# kmig verify on mock clusters: a faithful copy passes (exit 0, every record
# matched, the rate printed) with its groups `ok`; a group whose target commit
# is not the exact translation is `behind` (exit 4); a record appended to a
# target partition is `foreign` at its offset (exit 4, named in the JSON);
# records that differ are `different` with the fields named (the same map and
# target read against a source holding other values); --partition, --since
# and --sample (seed printed, replayed by --seed) narrow the read.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mocklib.sh"

N=4000
BASE_TS=1700000000000
mock_start src --brokers 2 --topic orders:4 --topic live:2
SRC=$MOCK_BOOTSTRAP
mock_start src2 --brokers 1 --topic orders:4
SRC2=$MOCK_BOOTSTRAP
mock_start tgt --brokers 2 --topic orders:4 --topic live:2 --topic kmig-offset-map.src.internal:1
TGT=$MOCK_BOOTSTRAP

"$TESTKIT" produce --bootstrap "$SRC" --topic orders --partitions 4 --count "$N" \
    --base-ts "$BASE_TS" --size 300 >/dev/null
# The same records but for the large shape's value (i % 17 == 10).
"$TESTKIT" produce --bootstrap "$SRC2" --topic orders --partitions 4 --count "$N" \
    --base-ts "$BASE_TS" --size 301 >/dev/null

cfg=$T/mm2.properties
mm2_config "$cfg" "$SRC" "$TGT" orders identity
timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 >"$T/mirror.log" 2>&1 ||
    fail "kmig mirror: $(tail -20 "$T/mirror.log")"

G=kmig-test-group
"$TESTKIT" commit --bootstrap "$SRC" --group "$G" --topic orders --offset 0:100 --offset 1:200 >/dev/null
"$TESTKIT" commit --bootstrap "$TGT" --group "$G" --topic orders --offset 0:100 --offset 1:200 >/dev/null

# verify ARGS...: JSON in $T/v.json, stderr in $T/v.err, exit status in VRC.
verify() {
    VRC=0
    timeout 120 "$KMIG" verify --config "$cfg" --json "$@" >"$T/v.json" 2>"$T/v.err" || VRC=$?
    jq -e . "$T/v.json" >/dev/null || fail "verify $*: no JSON (exit $VRC): $(tail -5 "$T/v.err")"
}
q() { jq -r "$1" "$T/v.json"; }

# 1. A faithful copy.
verify
expect_eq 0 "$VRC" "verify exit status on a faithful copy ($(tail -3 "$T/v.err"))"
expect_eq "ok $N $N 4 0" "$(q '[.result, .summary.matched, .summary.source_records, .summary.partitions_ok, .summary.partitions_differ] | join(" ")')" "faithful summary"
expect_eq "ok ok" "$(q '[.groups[].status] | join(" ")')" "groups on a faithful copy"
grep -E '^kmig verify: [0-9]+ records .* records/s, [0-9.]+ MB/s' "$T/v.err" || fail "no rate line: $(cat "$T/v.err")"
# The table too.
"$KMIG" verify --config "$cfg" >"$T/table.txt" 2>&1 || fail "verify table: $(cat "$T/table.txt")"
expect_contains "$(cat "$T/table.txt")" "ok: 4 partitions (4 ok, 0 differ, 0 errors), $N matched" "table summary"

# 2. A group whose target commit is behind its exact translation.
"$TESTKIT" commit --bootstrap "$TGT" --group "$G" --topic orders --offset 1:150 >/dev/null
verify
expect_eq 4 "$VRC" "verify exit status with a group behind"
expect_eq "differs 0 1:200:150:behind" \
    "$(q '[.result, .summary.partitions_differ, (.groups[] | select(.status != "ok") | "\(.partition):\(.target_offset):\(.target_committed):\(.status)")] | join(" ")')" "group behind"
verify --no-groups
expect_eq 0 "$VRC" "verify --no-groups exit status"
"$TESTKIT" commit --bootstrap "$TGT" --group "$G" --topic orders --offset 1:200 >/dev/null

# 3. Narrowed reads.
verify --partition 2 --since 900
expect_eq "0 1 2 900 100" "$VRC $(q '[.summary.partitions, .partitions[0].partition, .partitions[0].source.from, .summary.matched] | join(" ")')" "--partition 2 --since 900"
verify --sample 50
expect_eq 0 "$VRC" "verify --sample exit status"
seed=$(q .seed)
[ "$seed" -ge 0 ] 2>/dev/null || fail "no seed in the JSON"
grep -q "seed $seed" "$T/v.err" || fail "seed not printed: $(cat "$T/v.err")"
picked=$(q '[.partitions[] | "\(.partition):\(.source.from)-\(.source.to)"] | join(" ")')
expect_eq "2 $((N / 4))" "$(q '[.summary.partitions, .summary.matched] | join(" ")')" "a 50% sample: 2 partitions, half of each"
verify --sample 50 --seed "$seed"
expect_eq "$picked" "$(q '[.partitions[] | "\(.partition):\(.source.from)-\(.source.to)"] | join(" ")')" "--seed replays the sample"

# 4. A foreign record appended to target partition 1 (generator record 1).
"$TESTKIT" produce --bootstrap "$TGT" --topic orders --partitions 4 --start 1 --count 1 >/dev/null
verify
expect_eq 4 "$VRC" "verify exit status after a foreign write"
per=$((N / 4))
expect_eq "differs 1:foreign:1:-1:$per" \
    "$(q '[.result, (.partitions[] | select(.status != "ok") | "\(.partition):\(.first_mismatch.kind):\(.foreign):\(.first_mismatch.source_offset):\(.first_mismatch.target_offset)")] | join(" ")')" \
    "the foreign record, by partition and offset"
grep -q "orders \[1\]: 1 records on the target beyond what kmig copied (target offsets $per..$per)" "$T/v.err" ||
    fail "no split-brain warning: $(cat "$T/v.err")"

# 5. Records that differ: the same map and target, read against a source whose
#    large-shape values differ (i % 17 == 10: i = 10, 27, ...; partition i % 4).
mm2_config "$cfg" "$SRC2" "$TGT" orders identity
verify --partition 2 --no-groups
expect_eq 4 "$VRC" "verify exit status with different values"
# Partition 2 holds i = 2, 6, 10, ...: the first i % 17 == 10 there is i = 10, offset 2.
expect_eq "different:2:2:value" "$(q '.partitions[0] | "\(.first_mismatch.kind):\(.first_mismatch.source_offset):\(.first_mismatch.target_offset):\(.first_mismatch.differs | join(","))"')" "first difference"
want=$(awk -v n="$N" 'BEGIN { for (i = 2; i < n; i += 4) if (i % 17 == 10) c++; print c }')
expect_eq "$want $((per - want))" "$(q '.partitions[0] | "\(.different) \(.matched)"')" "different and matched on partition 2"

# 6. The running mirror sees a foreign write too: kmig_foreign_records_total
#    and a warning naming the offsets, while the source still receives writes.
lcfg=$T/live.properties
mm2_config "$lcfg" "$SRC" "$TGT" live identity
port=$(free_port)
"$TESTKIT" produce --bootstrap "$SRC" --topic live --partitions 2 --count 200 >/dev/null
run_bg "$T/live.log" "$KMIG" mirror --config "$lcfg" --metrics-addr "$port" --progress 0 \
    --summary-json "$T/live-summary.json"
pid=$BG_PID
count_live() { "$TESTKIT" count --bootstrap "$TGT" --topic live 2>/dev/null | sed -n 's/^total=//p'; }
wait_for "[ \"\$(count_live)\" = 200 ]" 60 0.2 || fail "live not copied: $(tail -5 "$T/live.log")"
foreign_metric() {
    curl -sf "http://127.0.0.1:$port/metrics" |
        awk '/^kmig_foreign_records_total/ && /topic="live"/ && /partition="1"/ { print $NF }'
}
sleep 6 # a full watch interval over the quiet copy: nothing counted
expect_eq 0 "$(foreign_metric)" "foreign records before any foreign write"
"$TESTKIT" produce --bootstrap "$TGT" --topic live --partitions 2 --start 1 --count 1 >/dev/null
"$TESTKIT" produce --bootstrap "$SRC" --topic live --partitions 2 --start 200 --count 20 >/dev/null
wait_for "[ \"\$(foreign_metric)\" = 1 ]" 60 0.5 ||
    fail "kmig_foreign_records_total not 1: $(curl -sf "http://127.0.0.1:$port/metrics" | grep foreign); $(tail -5 "$T/live.log")"
grep -q "live \[1\]: 1 more records on the target that kmig did not write (1 in all since offset 0;" "$T/live.log" ||
    fail "no split-brain warning: $(grep -i foreign "$T/live.log")"
kill_bg "$pid" TERM
expect_eq 0 "$BG_RC" "kmig mirror exit status after SIGTERM"
expect_eq 1 "$(jq -r .foreign_records "$T/live-summary.json")" "foreign_records in the run summary"
echo "verify on the mock: faithful, group behind, foreign write, different values, and the mirror's foreign-write metric: all found"

#!/usr/bin/env bash
# kmig-test: long
# Taking over from MirrorMaker 2. MM2 (connect-mirror, identity policy) copies
# N records (every generator shape, 100-byte large values, 8 partitions) and
# is stopped; `kmig mirror --stop-at-end` with the same properties adopts the
# copy instead of writing it again. A first kmig run gets SIGTERM while it is
# pairing and exits 0; the second finishes. Then: nothing was re-sent (the
# target holds exactly the source's records, no duplicate), the offset map
# maps source offset k to target offset k in every partition, and kmig's
# peak RSS (optimised build, /usr/bin/time) stays under RSS_LIMIT_KB.
# Second case: a target written by an at-least-once copier that re-sent a
# range, and whose first records' sources are gone: the repeats are skipped,
# the records without a source stay unpaired, the rest is mapped exactly and
# the copy goes on after it. Third: the repeat comes after records an earlier
# kmig run adopted (a run resuming after a restart): it is skipped too.
# Fourth: a transactional source and a repeat at the end of the target.
# N: KMIG_ADOPT_RECORDS (default 200000 for CI on 2 cores; 1000000 also works).
. "$(dirname "$0")/../lib.sh"

[ -n "${KMIG_REAL_VERSIONS:-}" ] || fail "KMIG_REAL_* not set: run it as tests/run.sh real $TEST_NAME"
KMIG_FAST=${KMIG_FAST:-$ROOT/build/kmig}
TESTKIT_FAST=${TESTKIT_FAST:-$ROOT/build/kmig-testkit}
[ -x "$KMIG_FAST" ] && [ -x "$TESTKIT_FAST" ] || fail "$KMIG_FAST or $TESTKIT_FAST is not built (make build)"
N=${KMIG_ADOPT_RECORDS:-200000}
P=8
RSS_LIMIT_KB=$((128 * 1024))
STOP_WITHIN=10 # seconds; generous on a busy machine
tag=${KMIG_REAL_VERSIONS##* }
src=KMIG_REAL_SRC_$tag; src=${!src}
tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
version=KMIG_REAL_KAFKA_$tag; version=${!version}
LIBS=$("$KAFKA_SH" fetch "$version") || fail "cannot fetch Kafka $version"
BASE_TS=$(($(date +%s) * 1000 - 3600000))

target_total() {
    "$TESTKIT" count --bootstrap "$tgt" --topic "$1" 2>/dev/null | sed -n 's/^total=//p'
}

# The file both tools read: bench's MM2 file (clusters source and target)
# with this run's clusters, topic and tasks.
# shellcheck source=SCRIPTDIR/../../bench/mm2lib.sh
. "$ROOT/bench/mm2lib.sh"
config() { mm2_config "$ROOT/bench/mm2-bench.properties" "$1" "$src" "$tgt" "$2" "$P"; }

# ---- MM2 copies N records.
topic=$(unique_name adopt)
cfg=$T/mm2.properties
config "$cfg" "$topic"
"$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions "$P" >/dev/null
now() { echo $((${EPOCHREALTIME/./} / 1000)); }
t_start=$(now)
"$TESTKIT_FAST" produce --bootstrap "$src" --topic "$topic" --partitions "$P" --count "$N" --size 100 \
    --base-ts "$BASE_TS" --idempotent >"$T/produce.out" || fail "produce: $(cat "$T/produce.out")"
mm2_args "$T" "$T/mm2.log" "$LIBS" "$cfg"
run_bg "$T/mm2.out" "${KMIG_JAVA:-java}" -Xmx384m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "${MM2_ARGS[@]}"
mm2=$BG_PID
t_mm2=$(now)
wait_for "[ \"\$(target_total $topic)\" = $N ]" 240 1 ||
    fail "MM2 did not copy $N records (target: $(target_total "$topic")): $(tail -5 "$T/mm2.log")"
kill_bg "$mm2" TERM
echo "seeded $N records in $((t_mm2 - t_start)) ms; MM2 copied them in $(($(now) - t_mm2)) ms including start-up (exit $BG_RC)"

# ---- kmig adopts them: a first run is stopped while pairing, a second ends.
run_bg "$T/kmig-1.log" /usr/bin/time -f %M -o "$T/rss-1" "$KMIG_FAST" mirror --config "$cfg" \
    --stop-at-end --progress 0
timed=$BG_PID
wait_for "grep -q 'copying $topic' $T/kmig-1.log" 60 0.05 || fail "kmig run 1: $(tail -5 "$T/kmig-1.log")"
kpid=$(pgrep -P "$timed" | head -1)
t0=${EPOCHREALTIME/./}
[ -n "$kpid" ] && kill -TERM "$kpid"
wait_for "proc_exited $timed" "$STOP_WITHIN" 0.05 ||
    fail "kmig did not exit within ${STOP_WITHIN}s of SIGTERM: $(tail -5 "$T/kmig-1.log")"
t1=${EPOCHREALTIME/./}
kill_bg "$timed"
expect_eq 0 "$BG_RC" "kmig exit status after SIGTERM (run 1)"
echo "run 1: SIGTERM while adopting, exit 0 after $(((t1 - t0) / 1000)) ms:" \
    "$(grep -c 'kept as copies' "$T/kmig-1.log") partition(s) reported"
t_kmig=$(now)
# Run 2 serves /metrics; it is scraped while kmig adopts (the endpoint renders
# the copy loop's published snapshot, so a scrape never waits for recovery).
run_bg "$T/kmig-2.log" /usr/bin/time -f %M -o "$T/rss-2" "$KMIG_FAST" mirror --config "$cfg" \
    --stop-at-end --progress 0 --metrics-addr 0 --summary-json "$T/summary-2.json"
timed=$BG_PID
wait_for "grep -q '/metrics on port' $T/kmig-2.log" 60 0.05 ||
    fail "kmig run 2 serves no metrics: $(tail -5 "$T/kmig-2.log")"
port=$(sed -n 's/.*\/metrics on port \([0-9]*\).*/\1/p' "$T/kmig-2.log" | head -1)
: >"$T/scrapes"
while ! proc_exited "$timed"; do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 5 \
        "http://127.0.0.1:$port/metrics" >>"$T/scrapes" 2>/dev/null || true
    sleep 0.05
done
kill_bg "$timed"
expect_eq 0 "$BG_RC" "kmig exit status (run 2): $(tail -3 "$T/kmig-2.log")"
echo "run 2: adopted the rest and caught up in $(($(now) - t_kmig)) ms including start-up"
echo "run 2: $(grep -c '^200 ' "$T/scrapes") /metrics scrapes answered while it ran, slowest" \
    "$(awk '$1 == 200 { if ($2 > m) m = $2 } END { printf "%.0f ms", m * 1000 }' "$T/scrapes")"
expect_eq 0 "$(jq .resent_possible "$T/summary-2.json")" "records run 2 may have re-sent"
grep -h 'resume:' "$T"/kmig-*.log || true

expect_eq "$N" "$(target_total "$topic")" "records on the target (nothing re-sent)"
out=$("$TESTKIT_FAST" check --bootstrap "$tgt" --topic "$topic" --partitions "$P" --count "$N" \
    --size 100 --base-ts "$BASE_TS") || fail "check: $out"
echo "$out"
"$KMIG_FAST" map --config "$cfg" --topic "$topic" --json >"$T/map.json" || fail "kmig map failed"
# Every partition: one segment of records, source offset k -> target offset k.
expect_eq "$P" "$(jq "[.[] | select(.count > 0)] | length" "$T/map.json")" "mapped segments"
expect_eq "$P" "$(jq "[.[] | select(.count == $N / $P and .src_start == 0 and .tgt_start == 0)] | length" \
    "$T/map.json")" "segments mapping offset k to k"
rss=$(cat "$T/rss-1" "$T/rss-2" | grep -E '^[0-9]+$' | sort -n | tail -1)
echo "kmig peak RSS while adopting $N records: $((rss / 1024)) MB (limit $((RSS_LIMIT_KB / 1024)) MB)"
[ "$rss" -lt "$RSS_LIMIT_KB" ] || fail "peak RSS ${rss} kB over ${RSS_LIMIT_KB} kB"

# ---- A copier that re-sent a range, over a source that lost its oldest
# records: the target holds generator records 0..599 then 400..999 (a repeat
# of 400..599), the source 100..1199 (0..99 are gone).
topic2=$(unique_name adoptdup)
cfg2=$T/mm2-dup.properties
config "$cfg2" "$topic2"
"$KAFKA_SH" topics "src$tag" --create --topic "$topic2" --partitions 4 >/dev/null
"$KAFKA_SH" topics "tgt$tag" --create --topic "$topic2" --partitions 4 >/dev/null
gen() { # gen TOPIC BOOTSTRAP START COUNT: generator records START.. (4 partitions)
    "$TESTKIT" produce --bootstrap "$2" --topic "$1" --partitions 4 --start "$3" --count "$4" \
        --size 100 --base-ts "$BASE_TS" --idempotent >>"$T/produce.out" || fail "produce to $2 failed"
}
gen "$topic2" "$src" 100 1100
gen "$topic2" "$tgt" 0 600
gen "$topic2" "$tgt" 400 600
rc=0
"$KMIG" mirror --config "$cfg2" --stop-at-end --progress 0 >"$T/kmig-dup.log" 2>&1 || rc=$?
expect_eq 0 "$rc" "kmig exit status (duplicates): $(tail -3 "$T/kmig-dup.log")"
grep -h 'resume:' "$T/kmig-dup.log" || true
# 1200 from the copier, then records 1000..1199 copied by kmig; nothing re-sent.
expect_eq 1400 "$(target_total "$topic2")" "records on the target"
out=$("$TESTKIT" check --bootstrap "$tgt" --topic "$topic2" --partitions 4 --count 1200 \
    --size 100 --base-ts "$BASE_TS" --max-dups 200) || fail "check: $out"
expect_contains "$out" "1200 records ok, 200 duplicates" "check"
# Per partition: target 0..24 have no source; 25..149 are source 0..124;
# 150..199 repeat; 200..299 are source 125..224 and kmig's copies follow.
"$KMIG" map --config "$cfg2" --topic "$topic2" --json >"$T/map-dup.json" || fail "kmig map failed"
expect_eq 8 "$(jq '[.[] | select(.count > 0)] | length' "$T/map-dup.json")" "mapped segments"
expect_eq 4 "$(jq '[.[] | select(.src_start == 0 and .tgt_start == 25 and .count == 125)] | length' \
    "$T/map-dup.json")" "segments before the repeat"
expect_eq 4 "$(jq '[.[] | select(.src_start == 125 and .tgt_start == 200 and .count == 150)] | length' \
    "$T/map-dup.json")" "segments after the repeat"
echo "duplicated run: 200 repeats skipped, 100 records without a source, 900 adopted, 200 copied"

# ---- The repeat follows records adopted by an earlier run: kmig adopts
# 0..599, then the copier repeats 400..599 and copies 600..999.
topic3=$(unique_name adoptresume)
cfg3=$T/mm2-resume.properties
config "$cfg3" "$topic3"
"$KAFKA_SH" topics "src$tag" --create --topic "$topic3" --partitions 4 >/dev/null
"$KAFKA_SH" topics "tgt$tag" --create --topic "$topic3" --partitions 4 >/dev/null
gen "$topic3" "$src" 0 600
gen "$topic3" "$tgt" 0 600
for run in 1 2; do
    rc=0
    "$KMIG" mirror --config "$cfg3" --stop-at-end --progress 0 >"$T/kmig-resume-$run.log" 2>&1 || rc=$?
    expect_eq 0 "$rc" "kmig exit status (resume run $run): $(tail -3 "$T/kmig-resume-$run.log")"
    grep -h 'resume:' "$T/kmig-resume-$run.log" || true
    [ "$run" = 2 ] && break
    gen "$topic3" "$tgt" 400 200
    gen "$topic3" "$src" 600 400
    gen "$topic3" "$tgt" 600 400
done
expect_eq 1200 "$(target_total "$topic3")" "records on the target (resume)"
out=$("$TESTKIT" check --bootstrap "$tgt" --topic "$topic3" --partitions 4 --count 1000 \
    --size 100 --base-ts "$BASE_TS" --max-dups 200) || fail "check: $out"
expect_contains "$out" "1000 records ok, 200 duplicates" "check (resume)"
# Per partition: target 0..149 are source 0..149 (run 1); 150..199 repeat;
# 200..299 are source 150..249 (run 2).
"$KMIG" map --config "$cfg3" --topic "$topic3" --json >"$T/map-resume.json" || fail "kmig map failed"
expect_eq 8 "$(jq '[.[] | select(.count > 0)] | length' "$T/map-resume.json")" "mapped segments (resume)"
expect_eq 4 "$(jq '[.[] | select(.src_start == 0 and .tgt_start == 0 and .count == 150)] | length' \
    "$T/map-resume.json")" "segments adopted by run 1"
expect_eq 4 "$(jq '[.[] | select(.src_start == 150 and .tgt_start == 200 and .count == 100)] | length' \
    "$T/map-resume.json")" "segments adopted by run 2"
echo "repeat after an earlier adoption: 200 repeats skipped, 400 adopted"

# ---- A transactional source (its partitions end in commit markers) and a
# repeat at the target's end: pairing reads the source to its end and skips
# the repeat instead of waiting for records that never come.
topic4=$(unique_name adopttxn)
cfg4=$T/mm2-txn.properties
config "$cfg4" "$topic4"
"$KAFKA_SH" topics "src$tag" --create --topic "$topic4" --partitions 4 >/dev/null
"$KAFKA_SH" topics "tgt$tag" --create --topic "$topic4" --partitions 4 >/dev/null
"$TESTKIT" produce --bootstrap "$src" --topic "$topic4" --partitions 4 --count 100 --size 100 \
    --base-ts "$BASE_TS" --transactional --txn-size 10 >>"$T/produce.out" || fail "transactional produce failed"
gen "$topic4" "$tgt" 0 100
gen "$topic4" "$tgt" 92 8
rc=0
"$KMIG" mirror --config "$cfg4" --stop-at-end --progress 0 >"$T/kmig-txn.log" 2>&1 || rc=$?
expect_eq 0 "$rc" "kmig exit status (transactional source): $(tail -3 "$T/kmig-txn.log")"
grep -h 'resume:' "$T/kmig-txn.log" || true
expect_eq 108 "$(target_total "$topic4")" "records on the target (transactional source)"
out=$("$TESTKIT" check --bootstrap "$tgt" --topic "$topic4" --partitions 4 --count 100 \
    --size 100 --base-ts "$BASE_TS" --max-dups 8) || fail "check: $out"
expect_contains "$out" "100 records ok, 8 duplicates" "check (transactional source)"
"$KMIG" map --config "$cfg4" --topic "$topic4" --json >"$T/map-txn.json" || fail "kmig map failed"
expect_eq 100 "$(jq '[.[] | .count] | add' "$T/map-txn.json")" "mapped records (transactional source)"
expect_eq 4 "$(jq '[.[] | select(.count > 0 and .tgt_start == 0)] | length' "$T/map-txn.json")" \
    "partitions mapped from target offset 0"
echo "transactional source: 100 adopted, 8 repeats at the end skipped"

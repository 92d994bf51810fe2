#!/usr/bin/env bash
# Broker faults while kmig copies a live stream: brokers of the source and of
# the target go down and come back, partition leadership moves, responses
# slow down, and Produce (target) and Fetch (source) requests fail with
# retriable errors (NOT_LEADER_OR_FOLLOWER=6, REQUEST_TIMED_OUT=7). kmig must
# ride them out without a restart and end with the target holding exactly the
# source's records, in order, then exit 0 on SIGTERM.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mocklib.sh"

PRODUCE=0 FETCH=1 NOT_LEADER=6 TIMED_OUT=7
N=6000 RATE=300
mock_start src --brokers 3 --topic orders:6
SRC=$MOCK_BOOTSTRAP
mock_start tgt --brokers 3 --topic orders:6 --topic kmig-offset-map.src.internal:1
TGT=$MOCK_BOOTSTRAP
cfg=$T/mm2.properties
# One Produce request in flight per connection. The mock checks idempotent
# sequence numbers only for transactional producers (librdkafka 2.0.2,
# rd_kafka_mock_validate_records), so with several in flight a failed request
# is simply not written while a later one is. librdkafka then infers, as a
# real broker guarantees, that the failed one was persisted and reports its
# records delivered without offsets; kmig finds no room for them and stops
# the partition (place_unknown in src/mirror/mirror.c) instead of mapping
# records that are not there. Real brokers keep that guarantee.
mm2_config "$cfg" "$SRC" "$TGT" orders identity \
    "tgt.producer.max.in.flight.requests.per.connection = 1"

# The stream runs for N/RATE = 20 s; the faults below fall inside it.
run_bg "$T/produce.out" "$TESTKIT" produce --bootstrap "$SRC" --topic orders --partitions 6 \
    --count "$N" --rate "$RATE" --idempotent
prod=$BG_PID
# Even with one request in flight, the mock can drop a batch after a leader
# move while librdkafka reports it persisted (no sequence checks): kmig then
# finds no room for those records on the target and stops the partition with
# exit 1 rather than map records that are not there. That exit, named in its
# summary, is the one tolerated: kmig is restarted (the restart re-pairs what
# the target holds and copies the rest), as an operator would. Anything else
# fails the test.
run=0
start_kmig() {
    run=$((run + 1))
    run_bg "$T/mirror-$run.log" "$KMIG" mirror --config "$cfg" --progress 0 \
        --summary-json "$T/summary-$run.json"
    kmig=$BG_PID
}
revive() {
    proc_exited "$kmig" || return 0
    kill_bg "$kmig"
    if [ "$BG_RC" != 1 ] ||
        ! jq -e '[.errors[] | select(contains("without target offsets"))] | length > 0' \
            "$T/summary-$run.json" >/dev/null 2>&1; then
        fail "kmig exited during the faults (status $BG_RC): $(tail -20 "$T/mirror-$run.log")"
    fi
    echo "run $run stopped a partition on records the mock lost (exit 1); restarting kmig"
    start_kmig
}
start_kmig

copied() {
    "$TESTKIT" count --bootstrap "$TGT" --topic orders | sed -n 's/^total=//p'
}
# pause: wait until the target grew by at least 100 records (kmig is copying).
pause() {
    local n
    n=$(copied)
    wait_for "revive && [ \$(copied) -ge $((n + 100)) ]" 60 0.1 ||
        fail "kmig stopped copying: $(tail -20 "$T/mirror-$run.log")"
}

pause
mock_cmd tgt down 1
sleep 2
mock_cmd tgt up 1
pause
mock_cmd src down 2
sleep 2
mock_cmd src up 2
pause
mock_cmd tgt errors "$PRODUCE" "$NOT_LEADER" 5
mock_cmd tgt errors "$PRODUCE" "$TIMED_OUT" 5
pause
mock_cmd src errors "$FETCH" "$NOT_LEADER" 5
mock_cmd src errors "$FETCH" "$TIMED_OUT" 5
pause
mock_cmd src leader orders 0 3
mock_cmd tgt leader orders 1 3
mock_cmd tgt rtt 2 300
pause
mock_cmd tgt rtt 2 0
mock_cmd tgt down 3
mock_cmd src down 1
sleep 1
mock_cmd src up 1
mock_cmd tgt up 3

wait_for "proc_exited $prod" 120 || fail "the producer did not finish"
kill_bg "$prod" TERM
expect_eq 0 "$BG_RC" "producer exit status"
expect_eq "$N" "$(sed -n 's/^produced=//p' "$T/produce.out")" "records produced"
revive
wait_for "revive && [ \$(copied) -ge $N ]" 120 0.5 ||
    fail "kmig did not copy all $N records: $(copied) on the target; $(tail -20 "$T/mirror-$run.log")"
kill_bg "$kmig" TERM
expect_eq 0 "$BG_RC" "kmig exit status after SIGTERM"

# The target against the source, record by record: the mock source itself may
# hold a duplicate (the idempotent test producer re-appends a batch during
# source broker faults, since the mock does no idempotent dedup), and kmig
# must copy exactly what the source holds.
src_total=$("$TESTKIT" count --bootstrap "$SRC" --topic orders | sed -n 's/^total=//p')
resent=$(cat "$T"/summary-*.json | jq -s 'map(.resent_possible) | add')
out=$("$TESTKIT" check --bootstrap "$TGT" --topic orders --partitions 6 --count "$src_total" \
    --source-bootstrap "$SRC" --max-dups "$resent") ||
    fail "orders against the source (kmig reported $resent possible re-sends): $out"
expect_contains "$out" "check: orders: $src_total records ok" "check against the source"
echo "$out (kmig runs: $run, possible re-sends reported: $resent)"
# The generator's records are all on the source (duplicates there are the producer's).
out=$("$TESTKIT" check --bootstrap "$SRC" --topic orders --partitions 6 --count "$N" \
    --max-dups $((src_total - N))) || fail "source orders: $out"
echo "source: $out"

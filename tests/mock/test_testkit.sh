#!/usr/bin/env bash
# The mock tier's own tools, without kmig: `kmig-testkit check` passes on what
# `produce` wrote (every record shape, retried produces included), counts
# re-sent duplicates, and fails on missing, reordered, extra or altered records,
# on a wrong partition count and on a missing topic; `produce` stops cleanly on
# SIGTERM with an exact count; mockd answers its control commands. Every other
# mock test trusts these tools, so a check that passes too easily is a bug here.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mocklib.sh"

tk() { "$TESTKIT" "$@"; }

# expect_check_fails BOOTSTRAP WHAT PATTERN CHECK-ARGS...: check must exit 1
# and say PATTERN.
expect_check_fails() {
    local bootstrap=$1 what=$2 pattern=$3 out rc=0
    shift 3
    out=$(tk check --bootstrap "$bootstrap" "$@" 2>&1) || rc=$?
    [ "$rc" = 1 ] || fail "check passed (exit $rc) on $what: $out"
    expect_contains "$out" "$pattern" "check output for $what"
    echo "detected $what"
}

mock_start c --brokers 3 --topic good:4 --topic dup:3 --topic gap:2 --topic order:2 \
    --topic altered:2 --topic retried:3 --topic slow:2
B=$MOCK_BOOTSTRAP

# Every shape, 200 of each, with large values; a clean topic checks exactly.
base=$(($(date +%s%3N) - 3600000))
out=$(tk produce --bootstrap "$B" --topic good --partitions 4 --count 3400 --size 3000 --base-ts "$base")
expect_eq "produced=3400" "$out" "produce output"
out=$(tk check --bootstrap "$B" --topic good --partitions 4 --count 3400 --size 3000)
expect_eq "check: good: 3400 records ok, 0 duplicates" "$out" "check output"
expect_contains "$(tk count --bootstrap "$B" --topic good)" "total=3400" "count output"
out=$(tk check --bootstrap "$B" --topic good --source-bootstrap "$B")
expect_eq "check: good: 3400 records ok, 0 duplicates" "$out" "source comparison of a topic with itself"

# Re-sent records: 250..279 written again after 0..299.
tk produce --bootstrap "$B" --topic dup --partitions 3 --count 300 --base-ts 1700000000000 >/dev/null
tk produce --bootstrap "$B" --topic dup --partitions 3 --start 250 --count 30 --base-ts 1700000000000 >/dev/null
tk produce --bootstrap "$B" --topic dup --partitions 3 --start 300 --count 100 --base-ts 1700000000000 >/dev/null
expect_check_fails "$B" "30 duplicates with --max-dups 0" "30 duplicates, more than 0" \
    --topic dup --partitions 3 --count 400
expect_check_fails "$B" "30 duplicates with --max-dups 29" "30 duplicates, more than 29" \
    --topic dup --partitions 3 --count 400 --max-dups 29
out=$(tk check --bootstrap "$B" --topic dup --partitions 3 --count 400 --max-dups 30 2>&1)
expect_contains "$out" "check: dup: 400 records ok, 30 duplicates" "check with --max-dups 30"
out=$(tk check --bootstrap "$B" --topic dup --partitions 3 --count 400 --max-dups 30 \
    --base-ts 1700000000000 2>/dev/null)
expect_eq "check: dup: 400 records ok, 30 duplicates" "$out" "check with the base timestamp given"
expect_check_fails "$B" "a wrong base timestamp" "expected record #0" \
    --topic dup --partitions 3 --count 400 --max-dups 30 --base-ts 1700000000001
expect_check_fails "$B" "an extra record" "not expected on this partition" \
    --topic dup --partitions 3 --count 399 --max-dups 30
expect_check_fails "$B" "a record missing at the end" "1 expected records are missing" \
    --topic dup --partitions 3 --count 401 --max-dups 30
expect_check_fails "$B" "records missing at the start" "expected record #3" \
    --topic dup --partitions 3 --start 3 --count 397 --max-dups 30
expect_check_fails "$B" "a wrong partition count" "has 3 partitions, expected 4" \
    --topic dup --partitions 4 --count 400 --max-dups 30
expect_check_fails "$B" "records of another topic" "not expected on this partition" \
    --topic dup --source-topic good --partitions 3 --count 400 --max-dups 30

# A gap: 100..109 never written.
tk produce --bootstrap "$B" --topic gap --partitions 2 --count 100 --base-ts "$base" >/dev/null
tk produce --bootstrap "$B" --topic gap --partitions 2 --start 110 --count 90 --base-ts "$base" >/dev/null
expect_check_fails "$B" "missing records" "5 records from record #100 (utf8) on are missing" \
    --topic gap --partitions 2 --count 200 --max-dups 1000

# Reordered: 10..19 before 0..9.
tk produce --bootstrap "$B" --topic order --partitions 2 --start 10 --count 10 --base-ts 1 >/dev/null
tk produce --bootstrap "$B" --topic order --partitions 2 --start 0 --count 10 --base-ts 1 >/dev/null
expect_check_fails "$B" "reordered records" "are missing or out of order" \
    --topic order --partitions 2 --count 20 --base-ts 1 --max-dups 1000

# Altered content: the large values have another size.
tk produce --bootstrap "$B" --topic altered --partitions 2 --count 100 --size 100 >/dev/null
expect_check_fails "$B" "altered values" "expected record #10 (large)" \
    --topic altered --partitions 2 --count 100 --size 101

# Source comparison across clusters: the same records on a second cluster
# match; one more on either side does not.
mock_start d --brokers 1 --topic good:4
D=$MOCK_BOOTSTRAP
tk produce --bootstrap "$D" --topic good --partitions 4 --count 3400 --size 3000 --base-ts "$base" >/dev/null
out=$(tk check --bootstrap "$D" --topic good --source-bootstrap "$B")
expect_eq "check: good: 3400 records ok, 0 duplicates" "$out" "source comparison across clusters"
tk produce --bootstrap "$D" --topic good --partitions 4 --start 3400 --count 1 --size 3000 \
    --base-ts "$base" >/dev/null
expect_check_fails "$D" "a record the source does not have" "not expected on this partition" \
    --topic good --source-bootstrap "$B"
expect_check_fails "$B" "a record the target does not have" "1 expected records are missing" \
    --topic good --source-bootstrap "$D"
mock_stop d

# Retried produces (injected NOT_LEADER_OR_FOLLOWER and REQUEST_TIMED_OUT)
# neither lose nor duplicate records with --idempotent.
mock_cmd c errors 0 6 3
mock_cmd c errors 0 7 3
tk produce --bootstrap "$B" --topic retried --partitions 3 --count 1000 --idempotent >/dev/null
out=$(tk check --bootstrap "$B" --topic retried --partitions 3 --count 1000)
expect_eq "check: retried: 1000 records ok, 0 duplicates" "$out" "check after retried produces"

# SIGTERM stops a throttled producer; produced=N is exactly what was written.
run_bg "$T/slow.out" "$TESTKIT" produce --bootstrap "$B" --topic slow --partitions 2 \
    --count 1000000 --rate 200
pid=$BG_PID
wait_for "[ \$(tk count --bootstrap '$B' --topic slow | sed -n 's/^total=//p') -gt 50 ]" 30
kill_bg "$pid" TERM
expect_eq 0 "$BG_RC" "produce exit status after SIGTERM"
n=$(sed -n 's/^produced=//p' "$T/slow.out")
if [ -z "$n" ] || [ "$n" -le 50 ] || [ "$n" -ge 1000000 ]; then
    fail "produced=$n after SIGTERM: $(cat "$T/slow.out")"
fi
out=$(tk check --bootstrap "$B" --topic slow --partitions 2 --count "$n")
expect_eq "check: slow: $n records ok, 0 duplicates" "$out" "check after SIGTERM"

# A missing topic is reported, and not created by asking.
expect_check_fails "$B" "a missing topic" "topic nosuch does not exist" \
    --topic nosuch --partitions 1 --count 1
if tk count --bootstrap "$B" --topic nosuch >/dev/null 2>&1; then fail "count created topic nosuch"; fi

# mockd's control commands.
mock_cmd c topic later 2
mock_cmd c rtt 2 5
mock_cmd c rtt 2 0
mock_cmd c down 3
mock_cmd c up 3
mock_cmd c leader good 0 2
expect_contains "$(mock_try c topic later 2)" "error: " "creating an existing topic"
expect_contains "$(mock_try c down 9)" "error: bad broker id" "bad broker id"
expect_contains "$(mock_try c fly away)" "error: unknown command" "unknown command"
tk produce --bootstrap "$B" --topic later --partitions 2 --count 50 >/dev/null
out=$(tk check --bootstrap "$B" --topic later --partitions 2 --count 50)
expect_eq "check: later: 50 records ok, 0 duplicates" "$out" "check of a topic created by command"
out=$(tk check --bootstrap "$B" --topic good --partitions 4 --count 3400 --size 3000)
expect_eq "check: good: 3400 records ok, 0 duplicates" "$out" "check after the leader moved"
mock_stop c
echo "testkit: all good"

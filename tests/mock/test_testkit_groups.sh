#!/usr/bin/env bash
# The testkit's group tools, without kmig: `consume` resumes a group exactly
# where its --commit left it, starts where `commit` put it, reports first/last
# generator indexes, and fails (committing nothing) on a skipped, repeated or
# foreign record; `committed` prints what the group has. The real-tier group
# tests prove kmig's offset translation with these, so a consumer that passes
# too easily is a bug here.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mocklib.sh"

field() {
    awk -v k="$2=" '{ for (i = 1; i <= NF; i++) if (index($i, k) == 1) v = substr($i, length(k) + 1) }
        END { print v }' "$1"
}

# The mock's group coordinator waits session.timeout.ms - 1 s after a member
# left before a new one can join (and 3 s for a group's first join): a
# session of 6 s keeps a re-join of the same group at 5 s.
tk_consume() { "$TESTKIT" consume --set session.timeout.ms=6000 --set heartbeat.interval.ms=1000 "$@"; }

mock_start c --brokers 1 --topic t:3 --topic gap:2 --topic dup:2
B=$MOCK_BOOTSTRAP
base=$(($(date +%s%3N) - 3600000))
gen=(--partitions 3 --count 900 --base-ts "$base")
"$TESTKIT" produce --bootstrap "$B" --topic t "${gen[@]}" >/dev/null

# A group reads 250 records (fewer than a partition holds) and commits; the next member reads the rest,
# each partition from exactly the record after the last one read.
tk_consume --bootstrap "$B" --group g1 --topic t "${gen[@]}" --max-records 250 --commit >"$T/g1a.out"
expect_eq consumed=250 "$(tail -1 "$T/g1a.out")" "first run"
"$TESTKIT" committed --bootstrap "$B" --group g1 --topic t >"$T/g1c.out"
tk_consume --bootstrap "$B" --group g1 --topic t "${gen[@]}" >"$T/g1b.out"
expect_eq consumed=650 "$(tail -1 "$T/g1b.out")" "second run"
for p in 0 1 2; do
    n=$(field "$T/g1a.out" "n[$p]")
    expect_eq "$(field "$T/g1c.out" "committed[$p]")" "$(field "$T/g1b.out" "committed[$p]")" "committed[$p]"
    if [ "$n" = 0 ]; then
        expect_eq -1 "$(field "$T/g1c.out" "committed[$p]")" "committed[$p] of a partition not read"
        expect_eq "$p" "$(field "$T/g1b.out" "first[$p]")" "first[$p] without a committed offset"
    else
        expect_eq "$n" "$(field "$T/g1c.out" "committed[$p]")" "committed[$p] after reading $n"
        expect_eq $(($(field "$T/g1a.out" "last[$p]") + 3)) "$(field "$T/g1b.out" "first[$p]")" "first[$p] after a commit"
    fi
    expect_eq 0 "$(field "$T/g1b.out" "left[$p]")" "left[$p] after reading to the end"
    expect_eq $((897 + p)) "$(field "$T/g1b.out" "last[$p]")" "last[$p]"
done

# commit puts a group at an offset: record 3 * 5 + 1 is at offset 5 of [1].
"$TESTKIT" commit --bootstrap "$B" --group g2 --topic t --offset 1:5
tk_consume --bootstrap "$B" --group g2 --topic t "${gen[@]}" >"$T/g2.out"
expect_eq 16 "$(field "$T/g2.out" "first[1]")" "first record after commit --offset 1:5"
expect_eq 295 "$(field "$T/g2.out" "n[1]")" "records read from offset 5 of 300"
expect_eq "-1 5 -1" "$(for p in 0 1 2; do field "$T/g2.out" "committed[$p]"; done | tr '\n' ' ' | sed 's/ $//')" \
    "committed offsets when g2 joined"

# expect_consume_fails TOPIC WHAT PATTERN ARGS...: exit 1, PATTERN said, nothing committed.
expect_consume_fails() {
    local topic=$1 what=$2 pattern=$3 out rc=0 group
    shift 3
    group=bad-$topic-$RANDOM
    out=$(tk_consume --bootstrap "$B" --group "$group" --topic "$topic" --commit "$@" 2>&1) || rc=$?
    [ "$rc" = 1 ] || fail "consume passed (exit $rc) on $what: $out"
    expect_contains "$out" "$pattern" "consume output for $what"
    expect_eq "committed[0]=-1 committed[1]=-1" \
        "$("$TESTKIT" committed --bootstrap "$B" --group "$group" --topic "$topic" | tr '\n' ' ' | sed 's/ $//')" \
        "offsets committed after a failed consume on $what"
    echo "detected $what"
}

# A gap: 100..109 never written. A repeat: 50..59 written twice.
"$TESTKIT" produce --bootstrap "$B" --topic gap --partitions 2 --count 100 --base-ts "$base" >/dev/null
"$TESTKIT" produce --bootstrap "$B" --topic gap --partitions 2 --start 110 --count 90 --base-ts "$base" >/dev/null
"$TESTKIT" produce --bootstrap "$B" --topic dup --partitions 2 --count 60 --base-ts "$base" >/dev/null
"$TESTKIT" produce --bootstrap "$B" --topic dup --partitions 2 --start 50 --count 50 --base-ts "$base" >/dev/null
# (Side by side: each group's first join takes the mock 3 s.)
pids=()
expect_consume_fails gap "missing records" "5 expected records skipped, from #10" \
    --partitions 2 --count 200 --base-ts "$base" &
pids+=($!)
expect_consume_fails dup "repeated records" "(a repeat)" --partitions 2 --count 100 --base-ts "$base" &
pids+=($!)
expect_consume_fails dup "records of another topic" "none of the" --partitions 2 --count 100 \
    --base-ts "$base" --source-topic t &
pids+=($!)
expect_consume_fails dup "a wrong base timestamp" "none of the" --partitions 2 --count 100 \
    --base-ts $((base + 1)) &
pids+=($!)
# The same records, read with --print-records by two groups, are the same lines.
tk_consume --bootstrap "$B" --group p1 --topic t --print-records >"$T/p1.out" &
pids+=($!)
tk_consume --bootstrap "$B" --group p2 --topic t --print-records >"$T/p2.out" &
pids+=($!)
for p in "${pids[@]}"; do wait "$p" || fail "see above"; done
expect_eq 900 "$(grep -c '^record ' "$T/p1.out")" "records printed"
expect_eq "$(grep '^record ' "$T/p1.out" | sort)" "$(grep '^record ' "$T/p2.out" | sort)" "printed records of two readers"
mock_stop c
echo "testkit groups: all good"

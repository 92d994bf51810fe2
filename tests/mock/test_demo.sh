#!/usr/bin/env bash
# The README's first command: `kmig demo` (under ASan/UBSan here) copies every
# seeded record, checks each one through the offset map, syncs the three
# consumer groups exactly, prints PASS and exits 0.
. "$(dirname "$0")/../lib.sh"

rc=0
"$KMIG" demo >"$T/demo.out" 2>&1 || rc=$?
out=$(cat "$T/demo.out")
expect_eq 0 "$rc" "kmig demo exit status: $(tail -5 "$T/demo.out")"
expect_contains "$out" "PASS: 48000 records copied and checked one by one" "demo output"
expect_contains "$out" "committed on the target" "demo output"
synced=$(grep -c "exact, synced" "$T/demo.out" || true)
expect_eq 18 "$synced" "group partitions translated and synced (3 groups x 6 partitions)"
case $out in *WRONG*) fail "a group offset was wrong: $out" ;; esac
echo "demo: PASS, 18 group partitions synced exactly"

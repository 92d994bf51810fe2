#!/usr/bin/env bash
# Every numeric command-line option is range-checked: junk, signs, overflow and
# out-of-range values exit 2 (usage) with "kmig CMD: --opt wants an integer in
# [min, max], got 'val'", before any configuration or cluster is touched.
. "$(dirname "$0")/../lib.sh"

# CMD OPTION VALUE EXPECTED-RANGE
check_bad() {
    local cmd=$1 opt=$2 val=$3 range=$4 rc=0 out
    out=$("$KMIG" "$cmd" --config /nonexistent "$opt" "$val" 2>&1) || rc=$?
    expect_eq 2 "$rc" "kmig $cmd $opt '$val' exit status ($out)"
    expect_contains "$out" "kmig $cmd: $opt wants an integer in $range, got '$val'" "kmig $cmd $opt '$val'"
}

for v in abc -5 "" " 5" 5x 1e3 99999999999999999999 86401 +5; do
    check_bad mirror --progress "$v" "[0, 86400]"
done
for v in x -1 2147483648 "3 "; do
    check_bad map --partition "$v" "[0, 2147483647]"
done
for v in -1 9223372036854775808 0x10; do
    check_bad map --translate "$v" "[0, 9223372036854775807]"
done
for v in 3601 -1 ten; do
    check_bad assess --sample "$v" "[0, 3600]"
done
for v in 0 32768 two; do
    check_bad assess --replication-factor "$v" "[1, 32767]"
done
# Decimal options (kmig's worker sizing): positive, finite, at most 1e6.
for opt in --catch-up-hours --cost-per-record-us --cost-per-byte-ns; do
    for v in 0 -2 abc "" 1e7 inf nan 3x; do
        rc=0
        out=$("$KMIG" assess --config /nonexistent "$opt" "$v" 2>&1) || rc=$?
        expect_eq 2 "$rc" "kmig assess $opt '$v' exit status ($out)"
        expect_contains "$out" "kmig assess: $opt wants a number in (0, 1000000], got '$v'" \
            "kmig assess $opt '$v'"
    done
done

# In range, the value passes and the next problem (the missing file) is reported.
rc=0
out=$("$KMIG" mirror --config /nonexistent --progress 0 2>&1) || rc=$?
expect_eq 2 "$rc" "kmig mirror --progress 0 on a missing file"
expect_contains "$out" "/nonexistent" "kmig mirror --progress 0"
case $out in *"wants an integer"*) fail "--progress 0 was refused: $out" ;; esac
echo "numeric options: every bad value refused with exit 2"

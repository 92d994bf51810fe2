#!/usr/bin/env bash
# kmig mirror --stop-at-end copies every record shape exactly (NULL and empty
# keys and values, binary bytes, headers in order with repeated names and
# NULL or empty values, old timestamps, large values) into topics of several
# partition counts, an empty topic included, under the identity policy and
# under the default policy ("src.<topic>"), and exits 0. Checked record by
# record against the generator and against the source topic: no duplicates.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mocklib.sh"

# topic:partitions:records:value size of the large shape
topics=(orders:4:3400:2000 events:3:1000:0 single:1:300:100000 empty:2:0:10)
list=$(printf '%s\n' "${topics[@]}" | cut -d: -f1 | paste -sd, -)

src_topics=() tgt_identity=() tgt_default=()
for t in "${topics[@]}"; do
    IFS=: read -r name parts _ _ <<<"$t"
    src_topics+=(--topic "$name:$parts")
    tgt_identity+=(--topic "$name:$parts")
    tgt_default+=(--topic "src.$name:$parts")
done
# A topic that is not selected must not be copied.
mock_start src --brokers 3 "${src_topics[@]}" --topic other:2
SRC=$MOCK_BOOTSTRAP
mock_start tgt1 --brokers 3 "${tgt_identity[@]}" --topic other:2 --topic kmig-offset-map.src.internal:1
TGT1=$MOCK_BOOTSTRAP
mock_start tgt2 --brokers 2 "${tgt_default[@]}" --topic kmig-offset-map.src.internal:1
TGT2=$MOCK_BOOTSTRAP

for t in "${topics[@]}"; do
    IFS=: read -r name parts n size <<<"$t"
    out=$("$TESTKIT" produce --bootstrap "$SRC" --topic "$name" --partitions "$parts" \
        --count "$n" --size "$size")
    expect_eq "produced=$n" "$out" "producing $name"
done
"$TESTKIT" produce --bootstrap "$SRC" --topic other --partitions 2 --count 50 >/dev/null

# mirror_to POLICY TARGET: one --stop-at-end run; checks every topic.
mirror_to() {
    local policy=$1 tgt=$2 cfg=$T/$1.properties rc=0 prefix="" name parts n size out
    [ "$policy" = identity ] || prefix=src.
    mm2_config "$cfg" "$SRC" "$tgt" "$list" "$policy"
    timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 >"$T/$policy.log" 2>&1 || rc=$?
    [ "$rc" = 0 ] || fail "kmig mirror ($policy) exited $rc: $(tail -20 "$T/$policy.log")"
    for t in "${topics[@]}"; do
        IFS=: read -r name parts n size <<<"$t"
        out=$("$TESTKIT" check --bootstrap "$tgt" --topic "$prefix$name" --source-topic "$name" \
            --partitions "$parts" --count "$n" --size "$size") ||
            fail "$policy: $prefix$name is not an exact copy: $out"
        expect_eq "check: $prefix$name: $n records ok, 0 duplicates" "$out" "$policy check"
        out=$("$TESTKIT" check --bootstrap "$tgt" --topic "$prefix$name" --source-topic "$name" \
            --source-bootstrap "$SRC") || fail "$policy: $prefix$name differs from the source: $out"
        echo "$policy: $out"
    done
    expect_contains "$(cat "$T/$policy.log")" "copied 4700 records" "kmig mirror summary ($policy)"
}

mirror_to identity "$TGT1"
expect_contains "$("$TESTKIT" count --bootstrap "$TGT1" --topic other)" "total=0" "unselected topic"
mirror_to default "$TGT2"

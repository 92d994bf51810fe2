#!/usr/bin/env bash
# Exact group offsets across source offset gaps on real Kafka:
# (a) a transactional producer aborts every 3rd transaction (kmig copies
#     read_committed, so aborted records and transaction markers are gaps):
#     groups stopped midway, at an offset inside an aborted transaction (also
#     offset 0, in the aborted first one), and at the end (a commit marker)
#     resume on the target at exactly the next record;
# (b) a compacted topic whose source partitions compaction has really thinned
#     (overwritten keys, deleted keys whose tombstones are gone too): groups
#     stopped midway, at removed offsets (at the head of the partitions and in
#     the middle), and at the end resume on the target exactly (records
#     compared by content, in order).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/groupslib.sh"
no_leak_check

P=3

# consume_to OUT CLUSTER GROUP [ARGS...] on topic $topic.
consume_to() {
    local o=$1 b=$2 group=$3
    shift 3
    "$TESTKIT" consume --bootstrap "$b" --group "$group" --topic "$topic" "$@" >"$o" 2>&1 ||
        fail "consume $group on $b: $(tail -3 "$o")"
}

# mirror_sync CFG LOG: one kmig mirror --stop-at-end run.
mirror_sync() {
    timeout 120 "$KMIG" mirror --config "$1" --stop-at-end --progress 0 >"$2" 2>&1 ||
        fail "kmig mirror --stop-at-end exited $?: $(tail -5 "$2")"
}

# gap_offsets DUMP SKIP: --offset P:O arguments, per partition of a
# --print-records dump the first offset O inside a gap of the records read:
# O = R + 1 + SKIP after a record at R whose successor is beyond O. (SKIP 1
# passes the commit marker after a transaction's record, and lands in an
# aborted transaction.)
gap_offsets() {
    awk -v skip="$2" '/^record /{ split($2, a, "="); split($3, b, "="); p = a[2]; o = b[2]
            if ((p in last) && o > last[p] + 1 + skip && !(p in got)) got[p] = last[p] + 1 + skip
            last[p] = o }
         END { for (p in got) printf "--offset %s:%s ", p, got[p] }' "$1"
}

txn_part() {
    local tag=$1 src tgt topic pfx cfg gen g p pids=() N=1500
    src=KMIG_REAL_SRC_$tag; src=${!src}
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    topic=$(unique_name txn)
    pfx=$(unique_name g)
    # Records 20 .. 1519: transaction 2, the first, is aborted, so are 5, 8, ...
    gen=(--partitions "$P" --start 20 --count "$N" --size 200
        --base-ts $(($(date +%s%3N) - 3600000)) --transactional --txn-size 10 --abort-every 3)
    cfg=$T/mm2-txn-$tag.properties
    groups_config "$cfg" "$tag" "$topic" "$pfx-.*"
    "$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions "$P" >/dev/null
    "$TESTKIT" produce --bootstrap "$src" --topic "$topic" "${gen[@]}" >"$T/txn-$tag-produce.out" ||
        fail "transactional produce failed: $(cat "$T/txn-$tag-produce.out")"
    expect_contains "$(cat "$T/txn-$tag-produce.out")" "aborted=500" "transactional produce"

    consume_to "$T/txn-$tag-half.out" "$src" "$pfx-half" "${gen[@]}" --max-records 400 --commit
    consume_to "$T/txn-$tag-all.out" "$src" "$pfx-all" "${gen[@]}" --commit
    consume_to "$T/txn-$tag-dump.out" "$src" "probe-$pfx" "${gen[@]}" --print-records
    local inside
    inside=$(gap_offsets "$T/txn-$tag-dump.out" 1)
    [ "$(wc -w <<<"$inside")" = $((2 * P)) ] || fail "no aborted ranges found on every partition: $inside"
    # shellcheck disable=SC2086
    "$TESTKIT" commit --bootstrap "$src" --group "$pfx-inside" --topic "$topic" $inside
    echo "txn $tag: group inside committed $inside"
    # Offset 0, in the aborted first transaction.
    "$TESTKIT" commit --bootstrap "$src" --group "$pfx-zero" --topic "$topic" \
        --offset 0:0 --offset 1:0 --offset 2:0

    mirror_sync "$cfg" "$T/txn-$tag-mirror.log"
    for g in half all inside zero; do
        grep -q "group $pfx-$g: committed [1-9][0-9]* offsets on the target" "$T/txn-$tag-mirror.log" ||
            fail "txn: group $g not synced: $(grep group "$T/txn-$tag-mirror.log")"
    done
    offsets_json "$T/txn-$tag.json" "$cfg"
    for g in half all inside zero; do
        consume_to "$T/txn-$tag-src-$g.out" "$src" "$pfx-$g" "${gen[@]}" &
        pids+=($!)
        consume_to "$T/txn-$tag-tgt-$g.out" "$tgt" "$pfx-$g" "${gen[@]}" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || fail "a consumer failed (see above)"; done
    for g in half all inside zero; do
        same_continuation "txn, group $g" "$T/txn-$tag-src-$g.out" "$T/txn-$tag-tgt-$g.out" "$P"
        offsets_agree "txn, group $g" "$T/txn-$tag.json" "$pfx-$g" "$T/txn-$tag-tgt-$g.out" "$P" up-to-date
    done
    "$TESTKIT" check --bootstrap "$tgt" --topic "$topic" "${gen[@]}" >/dev/null || fail "txn: target records differ"
    echo "Kafka $tag: transactional topic, groups half, all, inside and zero (aborted ranges) resume exactly"
}

# records DUMP: how many records a --print-records dump holds, and tombstones.
records() { grep -c '^record ' "$1" || true; }
tombstones() { grep -c '^record .* value=null ' "$1" || true; }

compact_part() {
    local tag=$1 src tgt topic pfx cfg g p high n probe=0 pids=()
    src=KMIG_REAL_SRC_$tag; src=${!src}
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    topic=$(unique_name compact)
    pfx=$(unique_name g)
    cfg=$T/mm2-compact-$tag.properties
    groups_config "$cfg" "$tag" "$topic" "$pfx-.*"
    local base=$(($(date +%s%3N) - 3600000))
    # Record timestamps are base + index, so a segment rolls every 100
    # records (segment.ms=100 counts in record time).
    "$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions "$P" \
        --config cleanup.policy=compact --config segment.ms=100 \
        --config min.cleanable.dirty.ratio=0.01 --config delete.retention.ms=0 \
        --config min.compaction.lag.ms=0 >/dev/null
    # 99 keys written 9 times or so, every 7th record a tombstone, then
    # records with keys of their own.
    "$TESTKIT" produce --bootstrap "$src" --topic "$topic" --partitions "$P" --count 900 \
        --keys 99 --tombstone-every 7 --base-ts "$base" >/dev/null || fail "produce failed"
    "$TESTKIT" produce --bootstrap "$src" --topic "$topic" --partitions "$P" --start 900 \
        --count 300 --keys 1000000000 --base-ts "$base" >/dev/null || fail "produce failed"
    high=$("$TESTKIT" count --bootstrap "$src" --topic "$topic" | sed -n 's/^total=//p')
    # shellcheck disable=SC2317 # (called by wait_for)
    dump() {
        probe=$((probe + 1))
        consume_to "$T/compact-$tag-dump.out" "$src" "probe-$pfx-$probe" --print-records
    }
    # The cleaner runs every 15 s at most: wait for it to drop overwritten
    # records, then write more so that a second pass drops the tombstones.
    wait_for "dump && [ \$(records '$T/compact-$tag-dump.out') -lt $high ]" 90 1 ||
        fail "compaction removed nothing from $topic"
    echo "compact $tag: first cleaning: $(records "$T/compact-$tag-dump.out") of $high records left, $(tombstones "$T/compact-$tag-dump.out") tombstones"
    # A tombstone goes in a pass after the one that first saw it, and only a
    # dirty log is cleaned again: write more until a pass has dropped them
    # (a busy broker's cleaner may need more than one round).
    local round gone=false
    for round in 0 1 2 3; do
        "$TESTKIT" produce --bootstrap "$src" --topic "$topic" --partitions "$P" \
            --start $((1200 + round * 300)) --count 300 --keys 1000000000 --base-ts "$base" \
            >/dev/null || fail "produce failed"
        if wait_for "dump && [ \$(tombstones '$T/compact-$tag-dump.out') = 0 ]" 45 1; then
            gone=true
            break
        fi
    done
    $gone || fail "the tombstones of $topic were never removed"
    high=$("$TESTKIT" count --bootstrap "$src" --topic "$topic" | sed -n 's/^total=//p')
    n=$(records "$T/compact-$tag-dump.out")
    echo "compact $tag: $n records left of $high offsets, no tombstones"
    [ "$(grep -c '^record .* offset=[01] ' "$T/compact-$tag-dump.out")" = 0 ] ||
        fail "offsets 0 and 1 were not compacted away"

    consume_to "$T/compact-$tag-half.out" "$src" "$pfx-half" --max-records $((n / 2)) --commit
    consume_to "$T/compact-$tag-all.out" "$src" "$pfx-all" --commit
    # Committed offsets where compaction removed the records: at the head of
    # the partitions, and in the middle.
    "$TESTKIT" commit --bootstrap "$src" --group "$pfx-gap" --topic "$topic" \
        --offset 0:1 --offset 1:1 --offset 2:1
    local mid
    mid=$(gap_offsets "$T/compact-$tag-dump.out" 0)
    [ "$(wc -w <<<"$mid")" = $((2 * P)) ] || fail "no gap after the first record on every partition: $mid"
    # shellcheck disable=SC2086
    "$TESTKIT" commit --bootstrap "$src" --group "$pfx-mid" --topic "$topic" $mid
    echo "compact $tag: group mid committed $mid"
    mirror_sync "$cfg" "$T/compact-$tag-mirror.log"
    for g in half all gap mid; do
        grep -q "group $pfx-$g: committed [1-9][0-9]* offsets on the target" "$T/compact-$tag-mirror.log" ||
            fail "compact: group $g not synced: $(grep group "$T/compact-$tag-mirror.log")"
    done
    "$TESTKIT" check --bootstrap "$tgt" --topic "$topic" --source-bootstrap "$src" >/dev/null ||
        fail "compact: target records differ from the source's"
    offsets_json "$T/compact-$tag.json" "$cfg"
    for g in half all gap mid; do
        consume_to "$T/compact-$tag-src-$g.out" "$src" "$pfx-$g" --print-records &
        pids+=($!)
        consume_to "$T/compact-$tag-tgt-$g.out" "$tgt" "$pfx-$g" --print-records &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || fail "a consumer failed (see above)"; done
    for g in half all gap mid; do
        same_records "compact, group $g" "$T/compact-$tag-src-$g.out" "$T/compact-$tag-tgt-$g.out"
        for ((p = 0; p < P; p++)); do
            expect_eq "$(field "$T/compact-$tag-src-$g.out" "n[$p]")" "$(field "$T/compact-$tag-tgt-$g.out" "n[$p]")" \
                "compact, group $g: records read on partition $p"
        done
        offsets_agree "compact, group $g" "$T/compact-$tag.json" "$pfx-$g" "$T/compact-$tag-tgt-$g.out" "$P" up-to-date
    done
    echo "Kafka $tag: compacted topic, groups half, all, gap and mid (removed offsets) resume exactly"
}

both_parts() {
    local tag=$1 a b rc=0
    (txn_part "$tag") >"$T/txn-$tag.log" 2>&1 &
    a=$!
    (compact_part "$tag") >"$T/compact-$tag.log" 2>&1 &
    b=$!
    wait $a || rc=1
    wait $b || rc=1
    cat "$T/txn-$tag.log" "$T/compact-$tag.log"
    return $rc
}

for_each_version both_parts

#!/usr/bin/env bash
# The benchmark (`make bench`): kmig against MirrorMaker 2 and against the
# brokers' own ceiling, on two real single-node Kafka clusters started with the
# real test tier's fixture (tests/real/kafka.sh). For each record size it seeds
# a source topic, then measures, one after the other on the same data:
#   ceiling-read   Kafka's ConsumerPerformance reading the source topic
#   ceiling-write  Kafka's ProducerPerformance writing N records to the target
#                  (acks=all)
#   mm2            MirrorMaker 2 (connect-mirror) copying the topic, tuned as
#                  in bench/mm2-bench.properties
#   kmig           kmig mirror --stop-at-end with the same properties file
# and prints a table per size. Results: build/bench/result.json. What each
# number means: bench/README.md.
#
# Environment:
#   KMIG_BENCH_CASES        record sizes and counts (default "100:3000000 1000:1000000")
#   KMIG_BENCH_RECORDS      one record count for every size (a quick run: 200000)
#   KMIG_BENCH_PARTITIONS   partitions of the topics (default 8)
#   KMIG_BENCH_VERSION      Kafka version of brokers, tools and MM2 (default 3.9.2)
#   KMIG_BENCH_BROKER_JVM_OPTS  broker JVM options (default -Xmx1g)
#   KMIG_BENCH_MM2_JVM_OPTS     MM2 JVM options (default: what bin/connect-mirror-maker.sh uses)
#   KMIG_BENCH_MM2_PROPS    MM2 properties template (default bench/mm2-bench.properties)
#   KMIG_BENCH_KMIG_SET     extra kmig settings, space-separated key=value (--set)
#   KMIG_BENCH_TIMEOUT      seconds allowed per measured run (default 600)
#   KMIG_BENCH_SCALE=1      also run bench/scale.sh (start-up and memory against
#                           partition count, on mock clusters)
set -eEuo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
KAFKA_SH=$ROOT/tests/real/kafka.sh
KMIG=${KMIG:-$ROOT/build/kmig}
TESTKIT=${TESTKIT:-$ROOT/build/kmig-testkit}
VERSION=${KMIG_BENCH_VERSION:-3.9.2}
PARTS=${KMIG_BENCH_PARTITIONS:-8}
CASES=${KMIG_BENCH_CASES:-100:3000000 1000:1000000}
BROKER_JVM=${KMIG_BENCH_BROKER_JVM_OPTS:--Xmx1g}
MM2_JVM=${KMIG_BENCH_MM2_JVM_OPTS:--Xms256M -Xmx2G -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}
MM2_PROPS=${KMIG_BENCH_MM2_PROPS:-$BENCH/mm2-bench.properties}
KMIG_SET=${KMIG_BENCH_KMIG_SET:-}
TIMEOUT=${KMIG_BENCH_TIMEOUT:-600}
WORK=$ROOT/build/bench-run
OUT=$ROOT/build/bench
SRC=bench-src
TGT=bench-tgt
TGT_DATA=$ROOT/build/kafka-run/$TGT/data

# shellcheck source=SCRIPTDIR/benchlib.sh
. "$BENCH/benchlib.sh"
# shellcheck source=SCRIPTDIR/mm2lib.sh
. "$BENCH/mm2lib.sh"
# shellcheck source=SCRIPTDIR/../tests/lib.sh
KMIG_LIB_NO_TEST=1 . "$ROOT/tests/lib.sh" # free_port
set -eEuo pipefail

if [ -n "${KMIG_BENCH_RECORDS:-}" ]; then
    c=
    for x in $CASES; do c+="${x%%:*}:$KMIG_BENCH_RECORDS "; done
    CASES=$c
fi

say() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
die() {
    echo "bench: $*" >&2
    exit 1
}

cleanup() {
    local rc=$?
    if [ -n "${B_WRAPPER:-}" ] && kill -0 "$B_WRAPPER" 2>/dev/null; then
        bench_find "$M_PROCESS" # (TERM to the wrapper would leave it running)
        kill -TERM "${B_PID:-$B_WRAPPER}" 2>/dev/null || true
        wait "$B_WRAPPER" 2>/dev/null || true
    fi
    "$KAFKA_SH" stop "$SRC" || true
    "$KAFKA_SH" stop "$TGT" || true
    # The copies take gigabytes; the brokers' logs stay for a look.
    rm -rf "$ROOT/build/kafka-run/$SRC/data" "$ROOT/build/kafka-run/$TGT/data"
    bench_cleanup
    exit "$rc"
}

# True once some partition of TOPIC on the target has a non-empty log: the
# broker has appended the first record. No client involved, so it can be
# checked every 50 ms for free.
target_has_records() {
    local p
    for ((p = 0; p < PARTS; p++)); do
        [ -s "$TGT_DATA/$1-$p/00000000000000000000.log" ] && return 0
    done
    return 1
}

# Records on target TOPIC in COUNT (0 while the topic does not exist yet).
target_count() {
    COUNT=$("$TESTKIT" count --bootstrap "$TGT_BOOT" --topic "$1" 2>/dev/null | sed -n 's/^total=//p') || true
    COUNT=${COUNT:-0}
}

# measure ROW MODE TOPIC N PROCESS CMD...: runs CMD and samples it until done.
#   MODE exit        done when CMD exits
#        count-stop  done when target TOPIC holds N records; then CMD is stopped
#        count-wait  done likewise; CMD then ends by itself
#   TOPIC            target topic watched for the first record ("" for none)
#   PROCESS          name of the process measured for CPU and RSS (kmig, java)
# Appends one line to $RAW.
measure() {
    local row=$1 mode=$2 topic=$3 n=$4 first=-1 done_t='' exit_t='' next=0 deadline
    local src0 tgt0 busy0 src1 tgt1 busy1 cpu tool_rate=-1 count=-1
    M_PROCESS=$5
    shift 5
    say "$row: $*"
    proc_ticks "$SRC_PID"; src0=$TICKS
    proc_ticks "$TGT_PID"; tgt0=$TICKS
    machine_busy; busy0=$BUSY
    bench_launch "$WORK/$row-$SIZE.out" "$@"
    deadline=$((B_T0 + TIMEOUT * 1000000))
    while :; do
        bench_find "$M_PROCESS"
        bench_sample
        now_us
        if [ -n "$topic" ] && [ "$first" = -1 ] && target_has_records "$topic"; then
            first=$((NOW - B_T0))
        fi
        if [ -z "$exit_t" ] && ! bench_alive; then
            exit_t=$((NOW - B_T0))
            next=0 # count right away: kmig has just written its last record
        fi
        if [ "$mode" = exit ] && [ -n "$exit_t" ]; then
            done_t=$exit_t
            break
        fi
        if [ "$mode" != exit ] && [ "$first" != -1 ] && [ "$NOW" -ge "$next" ]; then
            target_count "$topic"
            next=$((NOW + 250000))
            if [ "$COUNT" -ge "$n" ]; then
                now_us
                done_t=$((NOW - B_T0))
                bench_sample
                break
            fi
        fi
        if [ -n "$exit_t" ] && [ $((NOW - B_T0 - exit_t)) -gt 10000000 ]; then
            tail -n 20 "$WORK/$row-$SIZE.out" >&2
            die "$row ended with $COUNT of $n records on the target (output: $WORK/$row-$SIZE.out)"
        fi
        [ "$NOW" -lt "$deadline" ] || die "$row: not done after ${TIMEOUT}s (KMIG_BENCH_TIMEOUT)"
        if [ "$first" = -1 ]; then bench_sleep 0.05; else bench_sleep 0.1; fi
    done
    proc_ticks "$SRC_PID"; src1=$TICKS
    proc_ticks "$TGT_PID"; tgt1=$TICKS
    machine_busy; busy1=$BUSY
    cpu=$(awk -v t="$B_CPU" -v hz="$B_HZ" 'BEGIN { printf "%.2f", t / hz }')
    if [ "$mode" = count-stop ] && bench_alive; then kill -TERM "$B_PID"; fi
    bench_finish 60
    [ -n "$exit_t" ] || { now_us; exit_t=$((NOW - B_T0)); }
    # A process that ended before it was seen done: its own total is exact.
    if [ "$exit_t" -le "$done_t" ] || [ "$B_CPU" = 0 ]; then cpu=$B_TOTAL_CPU; fi
    case $row in
    ceiling-read)
        [ "$B_RC" = 0 ] || die "ConsumerPerformance failed: $(tail -5 "$WORK/$row-$SIZE.out")"
        # CSV: ..., data.consumed.in.nMsg (5), ..., fetch.nMsg.sec (10)
        tool_rate=$(awk -F', *' -v n="$n" '$5 == n { print $10 }' "$WORK/$row-$SIZE.out")
        [ -n "$tool_rate" ] || die "ConsumerPerformance did not read $n records: $(tail -3 "$WORK/$row-$SIZE.out")"
        ;;
    ceiling-write)
        [ "$B_RC" = 0 ] || die "ProducerPerformance failed: $(tail -5 "$WORK/$row-$SIZE.out")"
        tool_rate=$(awk -v n="$n" '$1 == n && $3 == "sent," { print $4 }' "$WORK/$row-$SIZE.out")
        [ -n "$tool_rate" ] || die "ProducerPerformance did not send $n records: $(tail -3 "$WORK/$row-$SIZE.out")"
        ;;
    kmig)
        [ "$B_RC" = 0 ] || die "kmig exited $B_RC: $(tail -5 "$WORK/$row-$SIZE.out")"
        ;;
    esac
    if [ "$mode" != exit ]; then
        target_count "$topic"
        count=$COUNT
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$SIZE" "$n" "$row" \
        "$done_t" "$first" "$exit_t" "$cpu" "$B_HWM" $((src1 - src0)) $((tgt1 - tgt0)) \
        $((busy1 - busy0)) "$tool_rate" "$count" >>"$RAW"
}

# Deletes target topics matching REGEX and waits until TOPIC's partitions
# are gone from the broker's data directory.
delete_target_topics() {
    local regex=$1 topic=$2 i
    "$KAFKA_SH" topics "$TGT" --delete --topic "$regex" >/dev/null
    for ((i = 0; i < 300; i++)); do
        [ -d "$TGT_DATA/$topic-0" ] || return 0
        bench_sleep 0.1
    done
    die "topic $topic was not deleted on the target"
}

run_case() {
    local topic=bench-$SIZE ceiling=ceiling-$SIZE cfg=$WORK/mm2-$SIZE.properties out set=() jvm
    say "case: $N records of $SIZE bytes, $PARTS partitions"
    "$KAFKA_SH" topics "$SRC" --create --topic "$topic" --partitions "$PARTS" >/dev/null
    out=$("$KAFKA_SH" perf-produce "$SRC" "$topic" "$N" "$SIZE" acks=1 linger.ms=5 batch.size=524288 | tail -n 1)
    case $out in "$N records sent,"*) ;; *) die "seeding failed: $out" ;; esac

    measure ceiling-read exit "" "$N" java "$KAFKA_SH" perf-consume "$SRC" "$topic" "$N" \
        max.partition.fetch.bytes=4194304 fetch.max.bytes=52428800 fetch.max.wait.ms=50 max.poll.records=5000
    "$KAFKA_SH" topics "$TGT" --create --topic "$ceiling" --partitions "$PARTS" >/dev/null
    measure ceiling-write exit "$ceiling" "$N" java "$KAFKA_SH" perf-produce "$TGT" "$ceiling" "$N" "$SIZE" \
        acks=all linger.ms=5 batch.size=524288

    mm2_config "$MM2_PROPS" "$cfg" "$SRC_BOOT" "$TGT_BOOT" "$topic" "$PARTS"
    mm2_args "$WORK" "$WORK/mm2-$SIZE.log" "$LIBS" "$cfg"
    read -r -a jvm <<<"$MM2_JVM"
    measure mm2 count-stop "$topic" "$N" java java "${jvm[@]}" "${MM2_ARGS[@]}"
    # kmig writes the same topic name (identity policy): start it fresh, and
    # drop MM2's state so the next case starts as fresh as this one did.
    delete_target_topics "mm2-.*|heartbeats|$topic" "$topic"

    for x in $KMIG_SET; do set+=(--set "$x"); done
    measure kmig count-wait "$topic" "$N" kmig "$KMIG" mirror --config "$cfg" --stop-at-end \
        --progress 0 "${set[@]+"${set[@]}"}"
    delete_target_topics "kmig-.*" "kmig-offset-map.source.internal"
    measure_eos
}

# kmig-eos: kmig in exactly-once mode (docs/EXACTLY_ONCE.md) on the same data,
# right after the default mode's row, into a fresh target topic and map. Its
# target count includes one commit marker per partition and transaction (a
# few hundred offsets at most), so it is seen done a few records early.
measure_eos() {
    local topic=bench-$SIZE cfg=$WORK/mm2-$SIZE.properties set=(--set exactly.once.support=enabled)
    delete_target_topics "$topic" "$topic"
    for x in $KMIG_SET; do set+=(--set "$x"); done
    measure kmig-eos count-wait "$topic" "$N" kmig "$KMIG" mirror --config "$cfg" --stop-at-end \
        --progress 0 "${set[@]}"
    [ "$B_RC" = 0 ] || die "kmig (exactly once) exited $B_RC: $(tail -5 "$WORK/kmig-eos-$SIZE.out")"
    delete_target_topics "kmig-.*|$topic" "kmig-offset-map.source.internal"
}

[ -x "$KMIG" ] || die "$KMIG not built (make build)"
[ -x "$TESTKIT" ] || die "$TESTKIT not built (make build)"
[ -f "$MM2_PROPS" ] || die "no MM2 properties file $MM2_PROPS"
LIBS=$("$KAFKA_SH" fetch "$VERSION")
mkdir -p "$WORK" "$OUT"
rm -f "$WORK"/*.out "$WORK"/*.log
# Measure these binaries even if the build is redone during the run.
cp "$KMIG" "$WORK/kmig"
cp "$TESTKIT" "$WORK/kmig-testkit"
KMIG=$WORK/kmig
TESTKIT=$WORK/kmig-testkit
RAW=$WORK/raw.tsv
: >"$RAW"
trap cleanup EXIT
trap 'echo "bench: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 143' TERM
trap 'exit 130' INT

read -r load_start _ </proc/loadavg
port=$(free_port 4)
export KMIG_KAFKA_JVM_OPTS=$BROKER_JVM
"$KAFKA_SH" start "$SRC" "$VERSION" "$port" >&2 &
pid=$!
"$KAFKA_SH" start "$TGT" "$VERSION" $((port + 2)) >&2
wait "$pid"
SRC_BOOT=$("$KAFKA_SH" bootstrap "$SRC")
TGT_BOOT=$("$KAFKA_SH" bootstrap "$TGT")
SRC_PID=$(cat "$ROOT/build/kafka-run/$SRC/pid")
TGT_PID=$(cat "$ROOT/build/kafka-run/$TGT/pid")

# A fresh broker's first run is markedly slower (JIT): warm both up first.
say "warming up both brokers"
for c in "$SRC" "$TGT"; do
    (
        "$KAFKA_SH" topics "$c" --create --topic warmup --partitions "$PARTS" >/dev/null
        "$KAFKA_SH" perf-produce "$c" warmup 1000000 100 acks=all linger.ms=5 batch.size=524288 >/dev/null
        "$KAFKA_SH" perf-consume "$c" warmup 1000000 >/dev/null
    ) &
done
wait

for x in $CASES; do
    SIZE=${x%%:*}
    N=${x#*:}
    run_case
done

scale_json=
if [ "${KMIG_BENCH_SCALE:-}" = 1 ]; then
    "$KAFKA_SH" stop "$SRC"
    "$KAFKA_SH" stop "$TGT"
    KMIG=$KMIG TESTKIT=$TESTKIT "$BENCH/scale.sh"
    scale_json=$OUT/scale.json
fi

awk -F'\t' -f "$BENCH/report.awk" -v json="$OUT/result.json" -v scale_json="$scale_json" \
    -v version="$VERSION" -v partitions="$PARTS" -v nproc="$(nproc)" -v hz="$B_HZ" \
    -v kmig_version="$("$KMIG" --version 2>&1 | head -n 1)" \
    -v commit="$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)" \
    -v date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -v kmig_set="$KMIG_SET" \
    -v mm2_jvm="$MM2_JVM" -v broker_jvm="$BROKER_JVM" -v load="$load_start" "$RAW"
echo "result: $OUT/result.json"

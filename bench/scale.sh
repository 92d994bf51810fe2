#!/usr/bin/env bash
# Scale shape: how kmig's start-up time and memory grow with the number of
# partitions it mirrors. On librdkafka mock clusters (kmig-testkit mockd), for
# T topics x 24 partitions (T = 10, 100, 300, 1000), each topic holding a few
# records, one `kmig mirror --stop-at-end` run measures:
#   start-up   process start to the "copying" line of the last topic
#   caught up  process start to "caught up" (every partition copied)
#   exit       process start to exit
#   CPU s, peak RSS
# A run that exceeds KMIG_BENCH_SCALE_TIMEOUT is stopped and reported with
# the phase it was in. Prints a table; writes build/bench/scale.json.
# Run by bench/run.sh when KMIG_BENCH_SCALE=1, or alone.
#
# Environment: KMIG_BENCH_SCALE_TOPICS (default "10 100 300 1000"),
# KMIG_BENCH_SCALE_PARTITIONS (24), KMIG_BENCH_SCALE_TIMEOUT (seconds per
# run, 600), KMIG_SCALE_WORKERS (1; N > 1 runs `kmig mirror --workers N`,
# which needs a kmig with workers: CPU is then the whole process tree's, peak
# RSS the first kmig process's).
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KMIG=${KMIG:-$ROOT/build/kmig}
TESTKIT=${TESTKIT:-$ROOT/build/kmig-testkit}
# shellcheck source=SCRIPTDIR/../tests/lib.sh
. "$ROOT/tests/lib.sh"
# shellcheck source=SCRIPTDIR/../tests/mock/mocklib.sh
. "$ROOT/tests/mock/mocklib.sh"
B_TMP=$T/sampler
# shellcheck source=SCRIPTDIR/benchlib.sh
. "$ROOT/bench/benchlib.sh"

TOPICS=${KMIG_BENCH_SCALE_TOPICS:-10 100 300 1000}
PARTS=${KMIG_BENCH_SCALE_PARTITIONS:-24}
TIMEOUT=${KMIG_BENCH_SCALE_TIMEOUT:-600}
WORKERS=${KMIG_SCALE_WORKERS:-1}
PER_TOPIC=$((2 * PARTS))
case $WORKERS in '' | *[!0-9]* | 0) fail "KMIG_SCALE_WORKERS must be a positive number" ;; esac
worker_args=()
[ "$WORKERS" -le 1 ] || worker_args=(--workers "$WORKERS")
OUT=$ROOT/build/bench
mkdir -p "$OUT"
[ -x "$KMIG" ] || fail "$KMIG not built (make build)"
[ -x "$TESTKIT" ] || fail "$TESTKIT not built (make build)"
# Measure these binaries even if the build is redone during the run.
cp "$KMIG" "$T/kmig"
cp "$TESTKIT" "$T/kmig-testkit"
KMIG=$T/kmig
TESTKIT=$T/kmig-testkit

# Milliseconds since the epoch of the first log line matching PATTERN (last
# one with -l), or nothing.
log_ms() {
    local line
    if [ "$1" = -l ]; then
        line=$(grep -- "$2" "$3" | tail -n 1)
    else
        line=$(grep -m 1 -- "$1" "$2")
    fi
    [ -z "$line" ] || date -d "${line%% *}" +%s%3N
}

# Creates topics scale-0..scale-(N-1) on a mock cluster. (Through the control
# channel: mockd's --topic flags take about 0.2 s per topic with librdkafka
# 2.0.2, the `topic` command a few microseconds.)
create_topics() {
    local name=$1 n=$2 i reply
    for ((i = 0; i < n; i++)); do
        reply=$(mock_try "$name" topic "scale-$i" "$PARTS")
        [ "$reply" = ok ] || fail "mock $name: topic scale-$i: $reply"
    done
}

rows=()
for t in $TOPICS; do
    echo "scale: $t topics x $PARTS partitions" >&2
    mock_start "src$t" --brokers 1 >/dev/null
    src=$MOCK_BOOTSTRAP
    # (The mock cluster has no CreateTopics: the workers' tasks topic is made
    # here, with the default tasks.max partitions.)
    mock_start "tgt$t" --brokers 1 --topic kmig-offset-map.src.internal:1 \
        --topic kmig-tasks.src.internal:8 >/dev/null
    tgt=$MOCK_BOOTSTRAP
    create_topics "src$t" "$t"
    create_topics "tgt$t" "$t"
    # Two producers at a time (a bare `wait` would wait for the mocks too).
    for ((i = 0; i < t; i += 2)); do
        pids=()
        for j in $i $((i + 1)); do
            [ "$j" -lt "$t" ] || break
            "$TESTKIT" produce --bootstrap "$src" --topic "scale-$j" --partitions "$PARTS" \
                --count "$PER_TOPIC" --size 100 >/dev/null &
            pids+=($!)
        done
        for p in "${pids[@]}"; do wait "$p" || fail "producing to scale-$i failed"; done
    done
    cfg=$T/scale-$t.properties
    # Only the data path: the mock has no admin API for configs or groups.
    cat >"$cfg" <<EOF
clusters = src, tgt
src.bootstrap.servers = $src
tgt.bootstrap.servers = $tgt
src->tgt.enabled = true
src->tgt.topics = scale-.*
replication.policy.class = IdentityReplicationPolicy
replication.factor = 1
offset-syncs.topic.replication.factor = 1
checkpoints.topic.replication.factor = 1
sync.topic.configs.enabled = false
emit.checkpoints.enabled = false
sync.group.offsets.enabled = false
kmig.admin.timeout.ms = 2000
EOF
    log=$T/kmig-$t.log
    bench_launch "$log" "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 \
        "${worker_args[@]+"${worker_args[@]}"}"
    deadline=$((B_T0 + TIMEOUT * 1000000))
    timed_out=0
    while bench_alive; do
        if [ -z "$B_PID" ]; then
            bench_find kmig
            [ -z "$B_PID" ] || _LIB_BG_PIDS+=("$B_PID") # stopped if this script fails
        fi
        bench_sample
        now_us
        if [ "$NOW" -ge "$deadline" ]; then
            timed_out=1
            kill -TERM "$B_PID"
            break
        fi
        bench_sleep 0.1
    done
    bench_finish 60
    now_us
    keep=()
    for p in "${_LIB_BG_PIDS[@]}"; do [ "$p" = "$B_PID" ] || keep+=("$p"); done
    _LIB_BG_PIDS=("${keep[@]}")
    exit_ms=$(((NOW - B_T0) / 1000))
    t0_ms=$((B_T0 / 1000))
    copying=$(grep -c "INFO  copying scale-" "$log" || true)
    last_copy=$(log_ms -l "INFO  copying scale-" "$log")
    caught=$(log_ms "caught up:" "$log")
    startup=null caught_up=null
    [ "$copying" = "$t" ] && startup=$(awk -v a="$last_copy" -v b="$t0_ms" 'BEGIN { printf "%.2f", (a - b) / 1000 }')
    [ -n "$caught" ] && caught_up=$(awk -v a="$caught" -v b="$t0_ms" 'BEGIN { printf "%.2f", (a - b) / 1000 }')
    if [ "$timed_out" = 1 ]; then
        phase="start-up ($copying of $t topics copying)"
        [ "$copying" = "$t" ] && phase=copying
        [ -n "$caught" ] && phase="shutdown after caught up"
        echo "scale: $t topics: stopped after ${TIMEOUT}s, during $phase" >&2
    else
        phase="done"
        [ "$B_RC" = 0 ] || fail "kmig exited $B_RC: $(tail -n 20 "$log")"
        # (With workers, each one reports its own share.)
        [ "$WORKERS" -gt 1 ] ||
            expect_contains "$(tail -n 1 "$log")" "copied $((t * PER_TOPIC)) records" "kmig summary"
    fi
    rows+=("$t $((t * PARTS)) $startup $caught_up $(awk -v e="$exit_ms" 'BEGIN { printf "%.2f", e / 1000 }') $B_TOTAL_CPU $((B_HWM / 1024)) $B_HWM $phase")
    cp "$log" "$OUT/scale-kmig-$t.log"
    mock_stop "src$t"
    mock_stop "tgt$t"
done

# Per partition: caught-up ms, CPU ms and peak RSS kB over the partition
# count (flat columns = linear growth); exit after caught up in seconds.
per_part() { # VALUE SCALE PARTITIONS
    awk -v v="$1" -v k="$2" -v n="$3" 'BEGIN { if (v == "null" || v == "" || n <= 0) print "null"; else printf "%.3f", v * k / n }'
}
after_caught() { # EXIT CAUGHT
    awk -v e="$1" -v c="$2" 'BEGIN { if (c == "null" || c == "") print "null"; else printf "%.2f", e - c }'
}
printf '\nkmig start-up, catch-up and memory against partition count (mock clusters, %d records per topic, %d worker(s))\n' \
    "$PER_TOPIC" "$WORKERS"
printf '%7s %10s %10s %11s %8s %7s %8s %8s %11s %9s %10s  %s\n' topics partitions "start-up s" "caught-up s" \
    "exit s" "exit-cu" "CPU s" "RSS MB" "cu ms/part" "CPU ms/p" "RSS kB/p" phase
for r in "${rows[@]}"; do
    read -r a b c d e f g kb h <<<"$r"
    printf '%7s %10s %10s %11s %8s %7s %8s %8s %11s %9s %10s  %s\n' "$a" "$b" "$c" "$d" "$e" \
        "$(after_caught "$e" "$d")" "$f" "$g" "$(per_part "$d" 1000 "$b")" "$(per_part "$f" 1000 "$b")" \
        "$(per_part "$kb" 1 "$b")" "$h"
done
{
    printf '['
    sep=
    for r in "${rows[@]}"; do
        read -r a b c d e f g kb h <<<"$r"
        printf '%s\n  {"topics": %s, "partitions": %s, "workers": %s, "startup_s": %s, "caught_up_s": %s, ' \
            "$sep" "$a" "$b" "$WORKERS" "$c" "$d"
        printf '"exit_s": %s, "exit_after_caught_up_s": %s, "cpu_s": %s, "peak_rss_mb": %s, ' \
            "$e" "$(after_caught "$e" "$d")" "${f:-null}" "$g"
        printf '"caught_up_ms_per_partition": %s, "cpu_ms_per_partition": %s, "peak_rss_kb_per_partition": %s, "phase": "%s"}' \
            "$(per_part "$d" 1000 "$b")" "$(per_part "${f:-null}" 1000 "$b")" "$(per_part "$kb" 1 "$b")" "$h"
        sep=,
    done
    printf '\n]\n'
} >"$OUT/scale.json"
echo "scale: $OUT/scale.json (kmig logs: $OUT/scale-kmig-*.log)" >&2

# Measuring a process from the outside, for bench/run.sh and bench/scale.sh:
# CPU time and peak RSS from /proc, sampled by a loop that never forks, so the
# sampler itself costs next to nothing. Sourced, not run.
#
#   bench_launch LOG CMD...     start CMD in the background under a tiny bash
#                               wrapper that records the CPU time of everything
#                               it ran (bash `times`) when CMD ends; sets
#                               B_WRAPPER (wrapper PID) and B_T0 (start, µs)
#   bench_find NAME             set B_PID to the first process named NAME
#                               under the wrapper (kmig, or the JVM), if started
#   bench_sample                refresh B_CPU (ticks) and B_HWM (kB) of B_PID
#   bench_alive                 true while the wrapper runs
#   bench_finish [TIMEOUT_S]    wait for the wrapper to end (KILL the process
#                               after TIMEOUT_S); sets B_RC, B_TOTAL_CPU (s)
#   bench_sleep SECONDS         sleep without forking
#   now_us                      set NOW (µs since the epoch)
#   proc_ticks PID              set TICKS to the utime+stime of PID (0 if gone)
#   machine_busy                set BUSY to the machine's busy ticks so far
#   bench_cleanup               remove the sampler's temp dir (call on exit)
# shellcheck shell=bash
# shellcheck disable=SC2034 # B_* and the like are read by the sourcing script

B_HZ=$(getconf CLK_TCK)
# B_TMP: a directory for the sampler's files (default: a new temp dir).
_B_DIR=${B_TMP:-$(mktemp -d "${TMPDIR:-/tmp}/kmig-bench.XXXXXX")}
mkdir -p "$_B_DIR"
mkfifo "$_B_DIR/sleep"
exec {_B_SLEEP_FD}<>"$_B_DIR/sleep"

bench_sleep() { read -r -t "$1" -u "$_B_SLEEP_FD" _ || true; }

now_us() { NOW=${EPOCHREALTIME/./}; }

# /proc/PID/stat after the command name: state is field 0, utime 11, stime 12.
proc_ticks() {
    local line f
    TICKS=0
    { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 0
    read -r -a f <<<"${line##*) }"
    TICKS=$((f[11] + f[12]))
}

machine_busy() {
    local user nice sys irq softirq steal
    read -r _ user nice sys _ _ irq softirq steal _ </proc/stat
    BUSY=$((user + nice + sys + irq + softirq + steal))
}

bench_launch() {
    local log=$1
    shift
    B_TIMES=$_B_DIR/times.$RANDOM
    rm -f "$B_TIMES"
    B_PID='' B_CPU=0 B_HWM=0
    now_us
    B_T0=$NOW
    bash -c 'out=$1; shift; "$@"; rc=$?; times >"$out"; exit $rc' _ "$B_TIMES" "$@" \
        >"$log" 2>&1 </dev/null &
    B_WRAPPER=$!
}

bench_alive() { kill -0 "$B_WRAPPER" 2>/dev/null; }

bench_find() {
    local queue=("$B_WRAPPER") p c comm kids
    [ -z "$B_PID" ] || return 0
    while [ ${#queue[@]} -gt 0 ]; do
        p=${queue[0]}
        queue=("${queue[@]:1}")
        # (The list ends without a newline: read fails but fills kids.)
        kids=
        { read -r kids <"/proc/$p/task/$p/children"; } 2>/dev/null || true
        for c in $kids; do
            { read -r comm <"/proc/$c/comm"; } 2>/dev/null || continue
            if [ "$comm" = "$1" ]; then
                B_PID=$c
                return 0
            fi
            queue+=("$c")
        done
    done
}

bench_sample() {
    local k v _
    [ -n "$B_PID" ] || return 0
    proc_ticks "$B_PID"
    [ "$TICKS" -gt 0 ] && B_CPU=$TICKS
    { while read -r k v _; do
        if [ "$k" = VmHWM: ]; then
            [ "$v" -gt "$B_HWM" ] && B_HWM=$v
            break
        fi
    done <"/proc/$B_PID/status"; } 2>/dev/null || true
}

# Seconds in bash `times` notation (1m2.345s) to milliseconds.
_times_ms() {
    local m=${1%%m*} s=${1#*m}
    s=${s%s}
    echo $((m * 60000 + 10#${s%.*} * 1000 + 10#${s#*.}))
}

bench_finish() {
    local timeout=${1:-60} i u s
    for ((i = 0; i < timeout * 10; i++)); do
        bench_alive || break
        bench_sleep 0.1
    done
    if bench_alive; then
        echo "bench: $B_PID did not stop in ${timeout}s, killing it" >&2
        kill -KILL "${B_PID:-$B_WRAPPER}" 2>/dev/null || true
    fi
    B_RC=0
    wait "$B_WRAPPER" || B_RC=$?
    B_TOTAL_CPU=
    if [ -s "$B_TIMES" ]; then
        # Second line: user and system time of the wrapper's children.
        { read -r _; read -r u s; } <"$B_TIMES"
        B_TOTAL_CPU=$(awk -v ms=$(($(_times_ms "$u") + $(_times_ms "$s"))) 'BEGIN { printf "%.2f", ms / 1000 }')
    fi
}

bench_cleanup() { rm -rf "$_B_DIR"; }

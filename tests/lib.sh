# Shared helpers for the test scripts in tests/mock and tests/real. A test
# starts with:
#     . "$(dirname "$0")/../lib.sh"
# which turns on `set -euo pipefail`, gives it a private temp dir $T (removed on
# success, kept and named on failure) and kills whatever it started with run_bg
# when it exits. Tests poll for outcomes (wait_for); they never assert on time.
#
# Variables: ROOT (repo), KMIG (binary under test, default $BUILD_SAN/kmig with
# BUILD_SAN=build-san, so tests run under ASan/UBSan with leak checks), TESTKIT
# ($BUILD_SAN/kmig-testkit),
# KAFKA_SH (tests/real/kafka.sh), ZK_SH (tests/real/zk.sh), T (temp dir), TEST_NAME.
# Helpers: fail, expect_eq, expect_contains, wait_for, run_bg, kill_bg,
# no_leak_check, free_port, unique_name, kafka_start, for_each_version.
# shellcheck shell=bash

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# BUILD_SAN picks the build dir (e.g. build-san-rk28, built against another
# librdkafka); KMIG and TESTKIT, when set, win over it.
_LIB_SAN=${BUILD_SAN:-build-san}
[ "${_LIB_SAN#/}" != "$_LIB_SAN" ] || _LIB_SAN=$ROOT/$_LIB_SAN
KMIG=${KMIG:-$_LIB_SAN/kmig}
TESTKIT=${TESTKIT:-$_LIB_SAN/kmig-testkit}
KAFKA_SH=$ROOT/tests/real/kafka.sh
ZK_SH=$ROOT/tests/real/zk.sh
TEST_NAME=$(basename "$0" .sh)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# fail MSG: print MSG and end the test as failed.
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# expect_eq EXPECTED ACTUAL [WHAT]
expect_eq() {
    [ "$1" = "$2" ] || fail "${3:-value}: expected '$1', got '$2'"
}

# expect_contains HAYSTACK NEEDLE [WHAT]
expect_contains() {
    case $1 in
    *"$2"*) ;;
    *) fail "${3:-output} does not contain '$2': $1" ;;
    esac
}

# wait_for CMD TIMEOUT_SECONDS [INTERVAL]: run CMD (a shell string) until it
# succeeds; returns 1 with a message if it never does (fatal under set -e
# unless tested with `if`).
wait_for() {
    local cmd=$1 timeout=$2 interval=${3:-0.2} deadline
    deadline=$((${EPOCHREALTIME/./} + timeout * 1000000))
    until eval "$cmd" >/dev/null 2>&1; do
        if [ "${EPOCHREALTIME/./}" -ge "$deadline" ]; then
            echo "wait_for: gave up after ${timeout}s: $cmd" >&2
            return 1
        fi
        sleep "$interval"
    done
}

# no_leak_check: this test's kmig runs skip LeakSanitizer (e.g. killed ones).
no_leak_check() {
    export ASAN_OPTIONS="${ASAN_OPTIONS//detect_leaks=1/detect_leaks=0}"
}

_LIB_BG_PIDS=()

# run_bg LOGFILE CMD [ARGS...]: start CMD in the background with stdout and
# stderr in LOGFILE; its PID is left in BG_PID and it is killed on exit.
run_bg() {
    local log=$1
    shift
    "$@" >"$log" 2>&1 </dev/null &
    BG_PID=$!
    _LIB_BG_PIDS+=("$BG_PID")
}

# kill_bg PID [SIGNAL]: signal a run_bg process (default TERM), wait for it to
# end and leave its exit status in BG_RC.
kill_bg() {
    local pid=$1 sig=${2:-TERM} p keep=()
    kill -s "$sig" "$pid" 2>/dev/null || true
    BG_RC=0
    wait "$pid" 2>/dev/null || BG_RC=$?
    for p in "${_LIB_BG_PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
    _LIB_BG_PIDS=("${keep[@]+"${keep[@]}"}")
}

# free_port [COUNT]: print a port P such that P..P+COUNT-1 are unused on this
# host (nothing bound, per /proc/net/tcp*), below the ephemeral range. Ports
# handed out before in this process (or listed in $_LIB_PORTS_FILE) are skipped
# even if not bound yet.
free_port() {
    local count=${1:-1} used=" " f l p i ok tries
    for f in /proc/net/tcp /proc/net/tcp6; do
        [ -r "$f" ] || continue
        { read -r _; while read -r _ l _; do
            case ${l##*:} in [0-9A-Fa-f]*) used+="$((16#${l##*:})) " ;; esac
        done; } <"$f"
    done
    [ -n "${_LIB_PORTS_FILE:-}" ] && [ -f "$_LIB_PORTS_FILE" ] && used+=" $(tr '\n' ' ' <"$_LIB_PORTS_FILE")"
    for ((tries = 0; tries < 200; tries++)); do
        p=$((20000 + RANDOM % 12000))
        ok=1
        for ((i = 0; i < count; i++)); do
            case $used in *" $((p + i)) "*) ok=0 ;; esac
        done
        if [ $ok = 1 ]; then
            [ -n "${_LIB_PORTS_FILE:-}" ] && seq "$p" $((p + count - 1)) >>"$_LIB_PORTS_FILE"
            echo "$p"
            return 0
        fi
    done
    echo "free_port: no free port found" >&2
    return 1
}

# for_each_version FUNC: runs `FUNC TAG` for every Kafka version of the real
# tier ($KMIG_REAL_VERSIONS) side by side, each with its output in $T/TAG.log;
# shows the outputs one after the other and fails if any run failed.
for_each_version() {
    local fn=$1 tag i rc=0 pids=()
    [ -n "${KMIG_REAL_VERSIONS:-}" ] || fail "KMIG_REAL_* not set: run it as tests/run.sh real $TEST_NAME"
    for tag in $KMIG_REAL_VERSIONS; do
        # (Its EXIT trap stops only what it started: the test's own
        # background processes, such as a fake server, serve every version.)
        (_LIB_BG_PIDS=(); trap _lib_kill_bg EXIT; "$fn" "$tag") >"$T/$tag.log" 2>&1 &
        pids+=($!)
    done
    for i in "${!pids[@]}"; do wait "${pids[$i]}" || rc=1; done
    for tag in $KMIG_REAL_VERSIONS; do cat "$T/$tag.log"; done
    [ $rc = 0 ] || fail "see above"
}

_LIB_CLUSTERS=()

# kafka_start NAME VERSION [prop=value...]: start a private Kafka cluster (for
# settings the shared ones lack); it is stopped when the test exits. Its
# bootstrap address is left in KAFKA_BOOTSTRAP.
kafka_start() {
    local name=$1 version=$2 port
    shift 2
    port=$(free_port 2)
    _LIB_CLUSTERS+=("$name")
    "$KAFKA_SH" start "$name" "$version" "$port" "$@"
    KAFKA_BOOTSTRAP=127.0.0.1:$port
}

# unique_name PREFIX: a topic/group name no other test or run has used, for
# the shared real clusters.
# proc_exited PID: true once the process is gone or a zombie (a background
# process that exited but was not waited for yet). A stat that cannot be read
# is gone too: the shell may reap the process between the two looks.
proc_exited() {
    local st
    st=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 0
    [ -z "$st" ] || [ "$st" = Z ]
}

unique_name() {
    echo "$1-${TEST_NAME//_/-}-$$-$RANDOM"
}

# Stops this shell's run_bg processes: TERM, then KILL after 2 s. Also the
# EXIT trap of for_each_version's subshells, whose run_bg processes the main
# shell does not know (a fail there left them running).
_lib_kill_bg() {
    local p
    for p in "${_LIB_BG_PIDS[@]+"${_LIB_BG_PIDS[@]}"}"; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${_LIB_BG_PIDS[@]+"${_LIB_BG_PIDS[@]}"}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$p" 2>/dev/null || true
    done
}

_lib_exit() {
    local rc=$? p
    _lib_kill_bg
    for p in "${_LIB_CLUSTERS[@]+"${_LIB_CLUSTERS[@]}"}"; do
        "$KAFKA_SH" stop "$p" || true
    done
    if [ "$rc" -eq 0 ] && [ -z "${KMIG_KEEP_TMP:-}" ]; then
        rm -rf "$T"
    else
        echo "($TEST_NAME: files kept in $T)" >&2
    fi
    exit "$rc"
}

if [ -z "${KMIG_LIB_NO_TEST:-}" ]; then
    T=$(mktemp -d "${TMPDIR:-/tmp}/kmig-$TEST_NAME.XXXXXX")
    _LIB_PORTS_FILE=$T/.ports
    trap _lib_exit EXIT
    trap 'exit 143' TERM
    trap 'exit 130' INT
fi

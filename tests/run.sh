#!/usr/bin/env bash
# Runs kmig's test tiers and prints one line per test, then exactly one last
# line "N passed, N failed". Exit status is non-zero if anything failed.
#
#   tests/run.sh all                  unit, mock and real
#   tests/run.sh unit mock            some tiers
#   tests/run.sh real test_fixture    only the named test(s) of the tier(s)
#
# unit: every $BUILD_SAN/test_* executable, run from tests/unit.
# mock: every tests/mock/test_*.sh.
# real: every tests/real/test_*.sh, against genuine Kafka clusters started once
#       for the whole run (see tests/README.md for the variables they get).
# Each test's output goes to build/test-logs/TIER/NAME.log and is shown (tail)
# only when it fails. Environment: BUILD_SAN (default build-san: the unit
# tests, and the kmig and kmig-testkit of the mock and real tiers),
# KMIG_TEST_TIMEOUT (seconds per test, default 300), KMIG_KAFKA_VERSIONS
# (default "3.9.2 4.1.2"), KMIG_LEGACY_KAFKA_VERSION (the ZooKeeper-mode legacy
# source, default 0.10.0.0), KMIG_SKIP_REAL=1 (skip the real tier; not in CI),
# KMIG_REAL_KEEP=1 (reuse running clusters and leave them running),
# KMIG_MOCK_JOBS (mock tests run side by side, default 2 on 2+ cores),
# KMIG_REAL_JOBS (default 2 on 2+ cores: see "private" below).
#
# A test file's line "# kmig-test: WORD..." says how it runs:
#   long       it starts first, so that the tier ends sooner;
#   exclusive  it restarts a shared cluster, or needs the machine to itself:
#              it starts once the others ended and runs alone;
#   private    (real tier) it copies only to clusters of its own, so it runs
#              in a second lane beside the other real tests. Those run one at
#              a time: their flows share the clusters' names (s39 -> t39), and
#              with them the workers' group and the transactional ids.
# Mock tests run side by side up to KMIG_MOCK_JOBS at once.
KMIG_LIB_NO_TEST=1
. "$(dirname "$0")/lib.sh"
set +e
cd "$ROOT" || exit 1

export BUILD_SAN=${BUILD_SAN:-build-san}
LOGS=$ROOT/build/test-logs
TEST_TIMEOUT=${KMIG_TEST_TIMEOUT:-300}
VERSIONS=${KMIG_KAFKA_VERSIONS:-3.9.2 4.1.2}
LEGACY_VERSION=${KMIG_LEGACY_KAFKA_VERSION:-0.10.0.0}
# Test brokers need start-up speed more than peak throughput: C1-only JIT and
# the serial GC halve their start-up CPU on a 2-core machine.
export KMIG_KAFKA_JVM_OPTS=${KMIG_KAFKA_JVM_OPTS:--Xmx512m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC}
PASSED=0
FAILED=0
CLUSTERS=()
LEGACY_ZK="" # the legacy cluster's ZooKeeper, if this run started it
FAILED_OUTSIDE=0 # failures not of a test run (setup, unknown names)
RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/kmig-results.XXXXXX")
JOBS=1
OUTDIR=$RESULTS # where a lane's finished tests leave their lines
LANE_PID=""     # the real tier's second lane (run_tests)
DEFAULT_JOBS=1
[ "$(nproc 2>/dev/null || echo 1)" -lt 2 ] || DEFAULT_JOBS=2

usage() {
    echo "usage: tests/run.sh unit|mock|real|all... [TEST_NAME...]" >&2
    exit 2
}

tiers=()
names=()
for a in "$@"; do
    case $a in
    unit | mock | real) tiers+=("$a") ;;
    all) tiers+=(unit mock real) ;;
    -h | --help) usage ;;
    *) names+=("${a%.sh}") ;;
    esac
done
[ ${#tiers[@]} -gt 0 ] || usage
matched=()
# Ports handed out to clusters this run (see free_port).
_LIB_PORTS_FILE=$(mktemp "${TMPDIR:-/tmp}/kmig-ports.XXXXXX")
trap 'rm -rf "$_LIB_PORTS_FILE" "$RESULTS"' EXIT

now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
secs_since() { # START_MS -> "1.2s"
    local ms=$(($(now_ms) - $1))
    printf '%d.%01ds' $((ms / 1000)) $((ms % 1000 / 100))
}

pass() {
    printf 'ok   %s (%s)\n' "$1" "$2"
}

# fail_outside ID WHY [LOG]: a failure that is not a test's run
fail_outside() {
    FAILED_OUTSIDE=$((FAILED_OUTSIDE + 1))
    fail_test "$@"
}

# fail_test ID WHY [LOG]
fail_test() {
    printf 'FAIL %s (%s)\n' "$1" "$2"
    if [ -n "${3:-}" ]; then
        tail -n 40 "$3" | sed 's/^/     | /'
        echo "     full log: ${3#"$ROOT"/}"
    fi
}

# Sets TESTS to the tier's tests as "name path" lines, filtered by the names
# given on the command line (and records which names matched).
list_tests() {
    local tier=$1 f n
    TESTS=""
    case $tier in
    unit) set -- "$BUILD_SAN"/test_* ;;
    *) set -- tests/"$tier"/test_*.sh ;;
    esac
    for f in "$@"; do
        [ -f "$f" ] || continue
        [ "$tier" != unit ] || [ -x "$f" ] || continue
        n=$(basename "$f" .sh)
        if [ ${#names[@]} -gt 0 ]; then
            case " ${names[*]} " in
            *" $n "* | *" $tier/$n "*) matched+=("$n" "$tier/$n") ;;
            *) continue ;;
            esac
        fi
        TESTS+="$n $f"$'\n'
    done
    TESTS=${TESTS%$'\n'}
}

describe_rc() { # "exit 1", or "killed by SIGABRT" for 134
    if [ "$1" -gt 128 ] && [ "$1" -lt 160 ]; then
        echo "killed by SIG$(kill -l $(($1 - 128)))"
    else
        echo "exit $1"
    fi
}

# run_test TIER NAME CWD CMD...: runs one test in the background (at most
# JOBS at once) and prints its line when it ends; the tally is read by
# wait_tests from one result file per test.
RUNNING=() # pids of the tests running now
run_test() {
    local tier=$1 name=$2 dir=$3
    shift 3
    while [ ${#RUNNING[@]} -ge "$JOBS" ]; do reap_one; done
    (
        trap - INT TERM
        log=$LOGS/$tier/$name.log
        t0=$(now_ms)
        (cd "$dir" && exec timeout -k 10 "$TEST_TIMEOUT" "$@") >"$log" 2>&1 </dev/null &
        child=$!
        trap 'kill -TERM $child 2>/dev/null' TERM
        wait "$child" 2>/dev/null # (no "Aborted" notice; rc tells)
        rc=$?
        # 124: timed out; 137 after the timeout: it also needed the KILL.
        [ "$rc" != 137 ] || [ $(($(now_ms) - t0)) -lt $((TEST_TIMEOUT * 1000)) ] || rc=124
        case $rc in
        0) pass "$tier/$name" "$(secs_since "$t0")" ;;
        124) fail_test "$tier/$name" "timed out after ${TEST_TIMEOUT}s" "$log" ;;
        *) fail_test "$tier/$name" "$(describe_rc "$rc"), $(secs_since "$t0")" "$log" ;;
        esac >"$OUTDIR/$tier-$name.out"
        [ "$rc" = 0 ] && touch "$RESULTS/$tier-$name.pass" || touch "$RESULTS/$tier-$name.fail"
    ) &
    RUNNING+=($!)
}

# Waits for one running test to end and prints its line.
reap_one() {
    local pid keep=() f
    wait -n "${RUNNING[@]}" 2>/dev/null
    for pid in "${RUNNING[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then keep+=("$pid"); else wait "$pid" 2>/dev/null; fi
    done
    RUNNING=("${keep[@]+"${keep[@]}"}")
    for f in "$OUTDIR"/*.out; do
        [ -f "$f" ] || continue
        cat "$f"
        rm -f "$f"
    done
}

# Waits for every running test, prints their lines and counts the results.
wait_tests() {
    while [ ${#RUNNING[@]} -gt 0 ]; do reap_one; done
    PASSED=$(find "$RESULTS" -name '*.pass' | wc -l)
    FAILED=$((FAILED_OUTSIDE + $(find "$RESULTS" -name '*.fail' | wc -l)))
}

# run_tests TIER CWD RUNNER...: every test of TESTS, "long" ones first,
# "exclusive" ones alone; with JOBS >= 2 in the real tier, the "private" ones
# in a second lane and the others one at a time.
run_tests() {
    local tier=$1 dir=$2 name path private="" shared=""
    [ "$tier" = real ] && [ "$JOBS" -ge 2 ] || { run_lane "$@"; return; }
    while read -r name path; do
        if test_private "$path"; then private+="$name $path"$'\n'; else shared+="$name $path"$'\n'; fi
    done <<<"$TESTS"
    (
        OUTDIR=$RESULTS/lane2 JOBS=1 RUNNING=() TESTS=${private%$'\n'}
        trap 'for p in "${RUNNING[@]+"${RUNNING[@]}"}"; do kill -TERM "$p"; done; wait; exit 130' TERM
        mkdir -p "$OUTDIR"
        run_lane "$@"
    ) &
    LANE_PID=$!
    TESTS=${shared%$'\n'} JOBS=1
    run_lane "$@"
    wait "$LANE_PID"
    LANE_PID=""
}

# run_lane TIER CWD RUNNER...: run_tests' work for one lane.
run_lane() {
    local tier=$1 dir=$2 name path pass
    shift 2
    [ -n "$TESTS" ] || return 0
    for pass in long other exclusive; do
        while read -r name path; do
            case "$pass:$(test_kind "$path")" in
            long:long | other:other) run_test "$tier" "$name" "$dir" "$@" "$path" ;;
            exclusive:exclusive)
                while [ ${#RUNNING[@]} -gt 0 ]; do reap_one; done
                JOBS_SAVED=$JOBS JOBS=1
                run_test "$tier" "$name" "$dir" "$@" "$path"
                reap_one
                JOBS=$JOBS_SAVED
                ;;
            esac
        done <<<"$TESTS"
    done
    while [ ${#RUNNING[@]} -gt 0 ]; do reap_one; done
}

test_words() { # PATH -> the words of its "# kmig-test:" line (before any "(")
    sed -n 's/^# kmig-test: \([a-z ]*\).*/ \1 /p' "$1" 2>/dev/null | head -n 1
}

test_kind() { # PATH -> exclusive | long | other
    case $(test_words "$1") in
    *" exclusive "*) echo exclusive ;;
    *" long "*) echo long ;;
    *) echo other ;;
    esac
}

test_private() { [[ $(test_words "$1") == *" private "* ]]; }

# Stops the clusters of this run side by side; the legacy broker's ZooKeeper
# only after that broker (which needs it to shut down cleanly).
stop_clusters() {
    local n pids=() t0
    [ ${#CLUSTERS[@]} -gt 0 ] || return 0
    t0=$(now_ms)
    for n in "${CLUSTERS[@]}"; do
        {
            "$KAFKA_SH" stop "$n"
            [ "$n" != legacy ] || [ -z "$LEGACY_ZK" ] || "$ZK_SH" stop "$LEGACY_ZK"
        } >>"$LOGS/real/setup.log" 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}"
    echo "real: stopped ${CLUSTERS[*]}${LEGACY_ZK:+ $LEGACY_ZK} in $(secs_since "$t0")"
    CLUSTERS=()
    LEGACY_ZK=""
}

# Ctrl-C or TERM: end the running test, let cluster start-ups finish, then
# stop the clusters of this run.
on_signal() {
    local pid
    for pid in "${RUNNING[@]+"${RUNNING[@]}"}" $LANE_PID; do kill -TERM "$pid" 2>/dev/null; done
    wait
    [ -n "${KMIG_REAL_KEEP:-}" ] || stop_clusters
    exit 130
}
trap on_signal INT TERM

# Fetches the jars and starts a source and a target cluster per Kafka version,
# and the legacy source (a ZooKeeper server and an old ZooKeeper-mode broker);
# exports KMIG_REAL_* for the tests. Versions are fetched one after the other
# (concurrent Maven runs may corrupt a cold ~/.m2) while the clusters of the
# versions already fetched start in the background. On failure returns
# non-zero with the reason in REAL_WHY and details in the setup log.
real_setup() {
    local log=$LOGS/real/setup.log tool v tag role name port zkport pids=() started=()
    local t0 t1 fetch_ms=0 i each=""
    REAL_WHY=""
    : >"$log"
    for tool in "${KMIG_JAVA:-java}" mvn; do
        command -v "$tool" >/dev/null || { REAL_WHY="$tool not found (scripts/setup.sh installs it)"; return 1; }
    done
    [ -r /usr/share/java/zookeeper.jar ] ||
        { REAL_WHY="Debian's zookeeper package is missing (scripts/setup.sh installs it)"; return 1; }
    t0=$(now_ms)
    KMIG_REAL_VERSIONS=""
    for v in $VERSIONS; do
        t1=$(now_ms)
        if ! "$KAFKA_SH" fetch "$v" >>"$log" 2>&1; then
            REAL_WHY="could not fetch the jars of Kafka $v"
            break
        fi
        fetch_ms=$((fetch_ms + $(now_ms) - t1))
        tag=${v%.*}
        tag=${tag//./}
        KMIG_REAL_VERSIONS+="${KMIG_REAL_VERSIONS:+ }$tag"
        export "KMIG_REAL_KAFKA_$tag=$v"
        for role in src tgt; do
            name=$role$tag
            if [ -n "${KMIG_REAL_KEEP:-}" ] && port=$("$KAFKA_SH" status "$name" 2>/dev/null); then
                echo "real: reusing running $name on $port"
                export "KMIG_REAL_${role^^}_$tag=$port"
                continue
            fi
            "$KAFKA_SH" stop "$name" >>"$log" 2>&1 # left by an earlier KMIG_REAL_KEEP run
            port=$(free_port 2) || { REAL_WHY="no free port"; break 2; }
            export "KMIG_REAL_${role^^}_$tag=127.0.0.1:$port"
            "$KAFKA_SH" start "$name" "$v" "$port" >"$LOGS/real/start-$name.log" 2>&1 &
            pids+=($!)
            started+=("$name")
            CLUSTERS+=("$name")
        done
    done
    export KMIG_REAL_VERSIONS
    # The legacy source: its jars come last, its start-up is the shortest.
    t1=$(now_ms)
    if [ -z "$REAL_WHY" ] && ! "$KAFKA_SH" fetch "$LEGACY_VERSION" >>"$log" 2>&1; then
        REAL_WHY="could not fetch the jars of Kafka $LEGACY_VERSION"
    fi
    fetch_ms=$((fetch_ms + $(now_ms) - t1))
    if [ -z "$REAL_WHY" ]; then
        if [ -n "${KMIG_REAL_KEEP:-}" ] && port=$("$KAFKA_SH" status legacy 2>/dev/null) &&
            zkport=$("$ZK_SH" status legacy-zk 2>/dev/null); then
            echo "real: reusing running legacy on $port (ZooKeeper $zkport)"
            export KMIG_REAL_LEGACY_SRC=$port KMIG_REAL_LEGACY_ZK=$zkport
        elif zkport=$(free_port) && port=$(free_port); then
            { "$KAFKA_SH" stop legacy; "$ZK_SH" stop legacy-zk; } >>"$log" 2>&1
            export KMIG_REAL_LEGACY_SRC=127.0.0.1:$port KMIG_REAL_LEGACY_ZK=127.0.0.1:$zkport
            {
                "$ZK_SH" start legacy-zk "$zkport" &&
                    "$KAFKA_SH" start-zk legacy "$LEGACY_VERSION" "$port" "127.0.0.1:$zkport"
            } >"$LOGS/real/start-legacy.log" 2>&1 &
            pids+=($!)
            started+=(legacy)
            CLUSTERS+=(legacy)
            LEGACY_ZK=legacy-zk
        else
            REAL_WHY="no free port"
        fi
    fi
    export KMIG_REAL_LEGACY_VERSION=$LEGACY_VERSION
    for i in "${!pids[@]}"; do
        if ! wait "${pids[$i]}"; then
            REAL_WHY=${REAL_WHY:-"Kafka clusters did not start"}
            echo "--- ${started[$i]} did not start:" >>"$log"
        fi
        cat "$LOGS/real/start-${started[$i]}.log" >>"$log"
        each+="${each:+, }${started[$i]} $(sed -n 's/.* in \([0-9.]*s\)$/\1/p' "$LOGS/real/start-${started[$i]}.log" | paste -sd+)"
    done
    [ -z "$REAL_WHY" ] || return 1
    echo "real: jars fetched in $(secs_since $(($(now_ms) - fetch_ms))), clusters up $(secs_since "$t0") after the start (${each:-all reused})"
    [ -z "${KMIG_REAL_KEEP:-}" ] || { CLUSTERS=(); LEGACY_ZK=""; }
    return 0
}

run_tier() {
    local tier=$1 tests name path
    mkdir -p "$LOGS/$tier"
    list_tests "$tier"
    tests=$TESTS
    if [ "$tier" = unit ] && [ ! -d "$BUILD_SAN" ]; then
        fail_outside "unit/build" "$BUILD_SAN/ missing: run make build-san"
        return
    fi
    [ -n "$tests" ] || { [ ${#names[@]} -gt 0 ] || echo "note: no $tier tests"; return; }
    case $tier in
    unit)
        JOBS=1
        while read -r name path; do
            [ "${path#/}" != "$path" ] || path=$ROOT/$path
            run_test unit "$name" tests/unit "$path"
        done <<<"$tests"
        wait_tests
        ;;
    mock)
        JOBS=${KMIG_MOCK_JOBS:-$DEFAULT_JOBS}
        run_tests mock "$ROOT" bash
        wait_tests
        ;;
    real)
        if [ -n "${KMIG_SKIP_REAL:-}" ] && [ "${CI:-}" != true ]; then
            echo "!!! ------------------------------------------------------------"
            echo "!!! real tier SKIPPED (KMIG_SKIP_REAL is set): its tests did not run"
            echo "!!! ------------------------------------------------------------"
            return
        fi
        [ -z "${KMIG_SKIP_REAL:-}" ] || echo "note: KMIG_SKIP_REAL ignored: CI never skips the real tier"
        if ! real_setup; then
            fail_outside "real/setup" "$REAL_WHY" "$LOGS/real/setup.log"
            while read -r name path; do
                fail_outside "real/$name" "not run: no Kafka clusters"
            done <<<"$tests"
        else
            JOBS=${KMIG_REAL_JOBS:-$DEFAULT_JOBS}
            run_tests real "$ROOT" bash
            wait_tests
        fi
        stop_clusters
        ;;
    esac
}

for tier in "${tiers[@]}"; do
    run_tier "$tier"
done
for n in "${names[@]}"; do
    case " ${matched[*]} " in
    *" $n "*) ;;
    *) fail_outside "$n" "no such test in tiers: ${tiers[*]}" ;;
    esac
done
wait_tests
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

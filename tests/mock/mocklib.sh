# Helpers for the mock tier: librdkafka mock clusters served by
# `kmig-testkit mockd`, kmig configurations for them, and reading kmig's
# logs. A test starts with:
#     . "$(dirname "$0")/../lib.sh"
#     . "$(dirname "$0")/mocklib.sh"
#
# Each mock cluster is a mockd process whose stdin and stdout are FIFOs in $T
# that this shell keeps open (bash coprocesses allow only one at a time, and
# tests need a source and a target). It ends with the test: lib.sh's exit
# handler TERMs it like a run_bg process.
#
#   mock_start NAME [--brokers N] [--topic TOPIC:PARTITIONS]...
#                           start a cluster; bootstrap in MOCK_BOOTSTRAP
#   mock_bootstrap NAME     print its bootstrap servers
#   mock_cmd NAME COMMAND   send a control command, fail the test unless `ok`:
#                           topic T P | down ID | up ID | rtt ID MS |
#                           errors APIKEY ERRCODE COUNT | leader T P ID
#   mock_try NAME COMMAND   send a command, print the answer (`ok` or `error: ...`)
#   mock_stop NAME          quit it
#   mm2_config FILE SRC_BOOTSTRAP TGT_BOOTSTRAP TOPICS [identity|default] [LINE...]
#                           write a kmig/MM2 properties file (clusters src, tgt)
#   resent_total LOG...     sum of kmig's "N records may be re-sent" counts
#   copied                  records on the target $TGT's orders topic
#   workers_setup PARTITIONS TASKS
#                           the workers tests' start: clusters src and tgt (3
#                           brokers each, orders:PARTITIONS; the target also
#                           has the map topic and the tasks topic of TASKS
#                           partitions), $cfg for TASKS tasks, and a producer
#                           writing orders at 400/s in the background (its
#                           output $T/produce.out); sets SRC TGT cfg prod (pid)
#   worker_start NAME       a `kmig mirror --config $cfg` worker in the
#                           background (BG_PID): log $T/worker-NAME.log, HTTP
#                           port in $T/port-NAME, summary $T/summary-NAME.json
#   tasks_owned PORT_FILE   kmig_tasks_owned of the worker whose port file is
#                           given (empty: no answer)
#   workers_stop_producer   stop workers_setup's producer; what it wrote in n
#   workers_final_run       a last `kmig mirror --stop-at-end` copies the rest
#                           (log $T/final.log, summary $T/summary-final.json)
#   proc_exited PID         true once PID has ended (also if not yet reaped)
#
# Mock facts that shape the tests (see tests/tools/testkit_mockd.c):
# - No admin API: kmig's CreateTopics times out (kmig.admin.timeout.ms), so
#   tests create target topics themselves, with the source's partition count.
# - Any Metadata request naming a missing topic creates it with 4 partitions
#   (librdkafka 2.0.2 cannot opt out towards the mock).
# - A partition keeps only its last ~5 MiB or 100000 batches: tests stay well
#   below that per partition (a record with --size S takes about S bytes, the
#   others under 200; a slow --rate producer writes one batch per record).
# - Broker ids are 1..N; a broker that is down keeps leading its partitions.
# shellcheck shell=bash

declare -gA _MOCK_IN=() _MOCK_OUT=() _MOCK_PID=() _MOCK_BOOT=()

mock_start() {
    local name=$1 dir line pid wfd rfd
    shift
    [ -x "$TESTKIT" ] || fail "$TESTKIT not found (make build-san builds kmig-testkit)"
    dir=$T/mock-$name
    mkdir -p "$dir"
    mkfifo "$dir/in" "$dir/out"
    "$TESTKIT" mockd "$@" <"$dir/in" >"$dir/out" 2>"$dir/log" &
    pid=$!
    _LIB_BG_PIDS+=("$pid") # lib.sh stops it when the test exits
    # Read-write opens of a FIFO never block, whatever mockd has opened yet.
    exec {wfd}<>"$dir/in" {rfd}<>"$dir/out"
    _MOCK_IN[$name]=$wfd
    _MOCK_OUT[$name]=$rfd
    _MOCK_PID[$name]=$pid
    if ! read -r -t 30 -u "$rfd" line || [ "${line#bootstrap=}" = "$line" ]; then
        fail "mock cluster $name did not start: ${line:-no output} $(cat "$dir/log")"
    fi
    MOCK_BOOTSTRAP=${line#bootstrap=}
    _MOCK_BOOT[$name]=$MOCK_BOOTSTRAP
    echo "mock $name: $MOCK_BOOTSTRAP ($*)"
}

mock_bootstrap() {
    echo "${_MOCK_BOOT[$1]:?no mock cluster named $1}"
}

mock_try() {
    local name=$1 reply
    shift
    [ -n "${_MOCK_IN[$name]:-}" ] || fail "no mock cluster named $name"
    echo "$*" >&"${_MOCK_IN[$name]}"
    read -r -t 30 -u "${_MOCK_OUT[$name]}" reply ||
        fail "mock cluster $name: no answer to '$*' $(tail -5 "$T/mock-$name/log")"
    echo "$reply"
}

mock_cmd() {
    local name=$1 reply
    shift
    reply=$(mock_try "$name" "$@")
    [ "$reply" = ok ] || fail "mock cluster $name: '$*': $reply"
    echo "mock $name: $*"
}

mock_stop() {
    local name=$1 pid=${_MOCK_PID[$1]:?no mock cluster named $1} wfd=${_MOCK_IN[$1]} rfd=${_MOCK_OUT[$1]}
    { echo quit >&"$wfd"; } 2>/dev/null || true
    kill_bg "$pid" TERM
    exec {wfd}>&- {rfd}<&-
    unset "_MOCK_IN[$name]" "_MOCK_OUT[$name]" "_MOCK_PID[$name]" "_MOCK_BOOT[$name]"
}

mm2_config() {
    local file=$1 src=$2 tgt=$3 topics=$4 policy=${5:-identity} line
    shift 5 || shift $#
    {
        echo "clusters = src, tgt"
        echo "src.bootstrap.servers = $src"
        echo "tgt.bootstrap.servers = $tgt"
        echo "src->tgt.enabled = true"
        echo "src->tgt.topics = $topics"
        if [ "$policy" = identity ]; then
            echo "replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy"
        fi
        echo "replication.factor = 1"
        echo "offset-syncs.topic.replication.factor = 1"
        echo "checkpoints.topic.replication.factor = 1"
        # The mock has no admin API: no config or ACL sync, short admin timeouts.
        echo "sync.topic.configs.enabled = false"
        echo "sync.topic.acls.enabled = false"
        echo "kmig.admin.timeout.ms = 2000"
        echo "refresh.topics.interval.seconds = 2"
        # Nor can it list groups: name them (librdkafka 2.0.2 also leaks on the
        # failed ListConsumerGroups, which LeakSanitizer would report).
        echo "groups = kmig-test-group"
        for line in "$@"; do echo "$line"; done
    } >"$file"
}

resent_total() {
    local n
    n=$(cat "$@" 2>/dev/null | sed -n 's/.* \([0-9][0-9]*\) records may be re-sent.*/\1/p' |
        awk '{ s += $1 } END { print s + 0 }')
    echo "$n"
}

copied() {
    "$TESTKIT" count --bootstrap "$TGT" --topic orders | sed -n 's/^total=//p'
}

workers_setup() {
    local parts=$1 tasks=$2
    mock_start src --brokers 3 --topic "orders:$parts"
    SRC=$MOCK_BOOTSTRAP
    mock_start tgt --brokers 3 --topic "orders:$parts" --topic kmig-offset-map.src.internal:1 \
        --topic "kmig-tasks.src.internal:$tasks"
    TGT=$MOCK_BOOTSTRAP
    cfg=$T/mm2.properties
    mm2_config "$cfg" "$SRC" "$TGT" "orders" identity "kmig.offset.map.flush.interval.ms = 300" \
        "tasks.max = $tasks" "emit.checkpoints.enabled = false" "emit.heartbeats.enabled = false"
    run_bg "$T/produce.out" "$TESTKIT" produce --bootstrap "$SRC" --topic orders \
        --partitions "$parts" --count 10000000 --rate 400 --idempotent
    prod=$BG_PID
}

worker_start() {
    run_bg "$T/worker-$1.log" "$KMIG" mirror --config "$cfg" --progress 0 --http 127.0.0.1:0 \
        --http-port-file "$T/port-$1" --summary-json "$T/summary-$1.json"
}

tasks_owned() {
    local port
    port=$(cat "$1" 2>/dev/null) || return 0
    curl -sf "http://127.0.0.1:$port/metrics" | sed -n 's/^kmig_tasks_owned{.*} \([0-9]*\)$/\1/p'
}

workers_stop_producer() {
    kill_bg "$prod" TERM
    expect_eq 0 "$BG_RC" "producer exit status"
    n=$(sed -n 's/^produced=//p' "$T/produce.out")
    [ -n "$n" ] || fail "no produced= line from the producer"
}

workers_final_run() {
    local rc=0
    timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 \
        --summary-json "$T/summary-final.json" >"$T/final.log" 2>&1 || rc=$?
    [ "$rc" = 0 ] || fail "final --stop-at-end run exited $rc: $(tail -20 "$T/final.log")"
}

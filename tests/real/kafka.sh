#!/usr/bin/env bash
# Starts and drives genuine Apache Kafka brokers for the real test tier and the
# benchmark. The jars come from Maven Central through tests/real/pom.xml (Kafka
# 2.4 and later) or tests/real/pom-legacy.xml (older, ZooKeeper-mode brokers);
# each cluster is one node bound to 127.0.0.1, with its files under
# build/kafka-run/NAME: a KRaft node (broker and controller combined), or a
# ZooKeeper-mode broker for an old source (its ZooKeeper from tests/real/zk.sh).
# KRaft nodes run the ACL authorizer with ANONYMOUS (every plaintext client,
# and the controller listener) as super user, so clients keep full access while
# ACLs can be created and listed; `authorizer.class.name=` turns it off.
# Nothing here is Kafka's own shell tooling: the tool classes are run straight
# from the jars.
#
#   kafka.sh fetch VERSION                       copy jars, print the libs dir
#   kafka.sh start NAME VERSION PORT [k=v...]    fresh cluster, controller on PORT+1
#   kafka.sh start-zk NAME VERSION PORT ZKCONNECT [k=v...]
#                                                fresh ZooKeeper-mode broker using
#                                                ZKCONNECT (host:port[/chroot])
#   kafka.sh stop NAME | kill NAME | restart NAME | stopall
#   kafka.sh bootstrap NAME                      print 127.0.0.1:PORT
#   kafka.sh status NAME                         print 127.0.0.1:PORT if running, else fail
#   kafka.sh topics|groups|configs|acls NAME ARGS...
#                                                kafka-topics/-consumer-groups/-configs/-acls
#   kafka.sh perf-produce NAME TOPIC N SIZE [producer k=v...]
#   kafka.sh perf-consume NAME TOPIC N [consumer k=v...]
#   kafka.sh zk-consume NAME TOPIC GROUP N       an old ZooKeeper-based consumer
#                                                (Kafka < 2.0) reads up to N records
#                                                and stores its offsets in ZooKeeper
#
# On a ZooKeeper-mode cluster, `topics` and `configs` get --zookeeper instead
# of --bootstrap-server (old tools need it).
#
# Environment: KMIG_JAVA (java binary, default `java`), KMIG_KAFKA_JVM_OPTS
# (broker JVM options, default -Xmx512m; tests/run.sh adds C1-only JIT and the
# serial GC, which halve start-up CPU), KMIG_KAFKA_START_TIMEOUT (seconds, 90),
# KMIG_KAFKA_EXTRA_CLASSPATH (jars appended to a started cluster's classpath,
# e.g. a test's own SASL callback handler; kept for restarts).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
JARS_BASE=$ROOT/build/kafka
RUN_BASE=$ROOT/build/kafka-run
JAVA=${KMIG_JAVA:-java}
JVM_OPTS=${KMIG_KAFKA_JVM_OPTS:--Xmx512m}
START_TIMEOUT=${KMIG_KAFKA_START_TIMEOUT:-90}

die() { echo "kafka.sh: $*" >&2; exit 1; }

libs_of() { echo "$JARS_BASE/$1/libs"; }

# Whether a process still runs. An exited process can stay a zombie for a
# while (its reaper is init); it no longer counts.
alive() { kill -0 "$1" 2>/dev/null && ! grep -qs '^State:[[:space:]]*Z' "/proc/$1/status"; }

# Whether a version predates Kafka 2.4: ZooKeeper-only, no connect-mirror, no
# Scala 2.13 build (its jars come from pom-legacy.xml).
is_legacy() {
    local major=${1%%.*} rest=${1#*.}
    [ "$major" -lt 2 ] || { [ "$major" -eq 2 ] && [ "${rest%%.*}" -lt 4 ]; }
}

# Whether the broker jar of a version was fetched (kafka_2.11-V.jar, kafka_2.13-V.jar...).
have_jars() { compgen -G "$(libs_of "$1")/kafka_2.*-$1.jar" >/dev/null; }

# The directory of a cluster that was started at least once.
cluster_dir() {
    local d=$RUN_BASE/$1
    [ -f "$d/version" ] || die "no cluster named '$1' (start it first)"
    echo "$d"
}

# PID of a running cluster, or nothing. The PID file is trusted only if that
# process is still this cluster's broker (guards against PID reuse).
running_pid() {
    local d=$RUN_BASE/$1 pid
    [ -f "$d/pid" ] || return 0
    pid=$(cat "$d/pid")
    if grep -qaF "$d/server.properties" "/proc/$pid/cmdline" 2>/dev/null; then
        echo "$pid"
    fi
}

cmd_fetch() {
    local v=${1:?usage: fetch VERSION} libs tmp pom=pom.xml
    libs=$(libs_of "$v")
    if ! have_jars "$v"; then
        command -v mvn >/dev/null || die "mvn not found (install maven: scripts/setup.sh)"
        if is_legacy "$v"; then pom="pom-legacy.xml"; fi
        tmp=$libs.tmp.$$
        rm -rf "$tmp"
        # (Debian's mvn prints colour codes even in batch mode; drop them.)
        mvn -q -B -f "$ROOT/tests/real/$pom" -Dkafka.version="$v" \
            dependency:copy-dependencies -DoutputDirectory="$tmp" 2>&1 |
            sed 's/\x1b\[[0-9;]*m//g' >&2 ||
            { rm -rf "$tmp"; die "mvn could not fetch Kafka $v"; }
        rm -rf "$libs"
        mv "$tmp" "$libs"
    fi
    echo "$libs"
}

# Tool main classes moved from core (kafka.admin) to kafka-tools over the 3.x
# line; pick whichever this version ships. A jar's central directory stores
# entry names uncompressed, so grep finds them without unzip.
tool_class() {
    local libs=$1 preferred=$2 fallback=$3
    if LC_ALL=C grep -qaF "${preferred//.//}.class" "$libs"/kafka-tools-*.jar 2>/dev/null; then
        echo "$preferred"
    else
        echo "$fallback"
    fi
}

# Short-lived command-line tools: quick JIT, quiet logging (warnings to stderr).
run_tool() {
    local d=$1; shift
    "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
        -Dlog4j.configuration="file:$d/tools-log4j.properties" \
        -Dlog4j2.configurationFile="$d/tools-log4j2.properties" \
        -cp "$(libs_of "$(cat "$d/version")")/*" "$@"
}

write_logging() {
    local d=$1
    cat >"$d/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$d/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
EOF
    cat >"$d/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $d/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
EOF
    cat >"$d/tools-log4j.properties" <<EOF
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
    cat >"$d/tools-log4j2.properties" <<EOF
status = warn
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.err.ref = err
EOF
}

# Launches the broker of an already configured and formatted cluster dir (with
# the JVM options it was first started with) and waits until it logs that it
# started.
launch() {
    local name=$1 d=$RUN_BASE/$1 v opts pid t0 waited cp extra=
    v=$(cat "$d/version")
    opts=$(cat "$d/jvm.opts")
    [ ! -f "$d/extra.cp" ] || extra=$(cat "$d/extra.cp")
    cp="$(libs_of "$v")/*${extra:+:$extra}"
    t0=${EPOCHREALTIME/./}
    : >"$d/server.log"
    rm -f "$d/pid"
    # Own session, so a test's timeout or Ctrl-C reaching the test's process
    # group does not take shared brokers down; stop/kill go by PID.
    setsid bash -c 'echo $$ >"$1/pid"; shift; exec "$@"' _ "$d" \
        "$JAVA" $opts -Djava.awt.headless=true \
        -Dlog4j.configuration="file:$d/log4j.properties" \
        -Dlog4j2.configurationFile="$d/log4j2.properties" \
        -cp "$cp" kafka.Kafka "$d/server.properties" \
        </dev/null >"$d/stdout.log" 2>&1 &
    while [ ! -s "$d/pid" ]; do
        kill -0 $! 2>/dev/null || [ -s "$d/pid" ] || die "$name: could not launch java"
        sleep 0.05
    done
    pid=$(cat "$d/pid")
    # ("[Kafka Server 0], started" before 1.0, "[KafkaServer id=0] started" in 1.x/2.x)
    until grep -qE "Kafka Server started| started \(kafka\.server\.KafkaServer\)" "$d/server.log"; do
        if ! alive "$pid"; then
            tail -n 30 "$d/server.log" "$d/stdout.log" >&2
            die "$name: broker exited during start-up (logs in $d)"
        fi
        waited=$(( (${EPOCHREALTIME/./} - t0) / 1000000 ))
        if [ "$waited" -ge "$START_TIMEOUT" ]; then
            kill -KILL "$pid" 2>/dev/null || true
            tail -n 30 "$d/server.log" "$d/stdout.log" >&2
            die "$name: broker not started after ${START_TIMEOUT}s (logs in $d)"
        fi
        sleep 0.1
    done
    local ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
    printf 'kafka.sh: %s (Kafka %s) ready on 127.0.0.1:%s in %d.%01ds\n' \
        "$name" "$v" "$(cat "$d/port")" $((ms / 1000)) $((ms % 1000 / 100))
}

# prepare_dir NAME VERSION PORT: a fresh cluster dir for a stopped cluster.
prepare_dir() {
    local name=$1 v=$2 port=$3 d=$RUN_BASE/$1
    [ -z "$(running_pid "$name")" ] || die "$name is already running"
    have_jars "$v" || die "no jars for Kafka $v (run: kafka.sh fetch $v)"
    rm -rf "$d"
    mkdir -p "$d/data"
    echo "$v" >"$d/version"
    echo "$port" >"$d/port"
    echo "$JVM_OPTS" >"$d/jvm.opts"
    echo "${KMIG_KAFKA_EXTRA_CLASSPATH:-}" >"$d/extra.cp"
    write_logging "$d"
}

cmd_start() {
    [ $# -ge 3 ] || die "usage: start NAME VERSION PORT [server properties...]"
    local name=$1 v=$2 port=$3 d=$RUN_BASE/$1 cid
    shift 3
    prepare_dir "$name" "$v" "$port"
    {
        echo "process.roles=broker,controller"
        echo "node.id=1"
        echo "controller.quorum.voters=1@127.0.0.1:$((port + 1))"
        echo "listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$((port + 1))"
        echo "advertised.listeners=PLAINTEXT://127.0.0.1:$port"
        echo "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
        echo "controller.listener.names=CONTROLLER"
        echo "inter.broker.listener.name=PLAINTEXT"
        echo "log.dirs=$d/data"
        echo "num.partitions=1"
        echo "default.replication.factor=1"
        echo "auto.create.topics.enable=false"
        echo "offsets.topic.replication.factor=1"
        echo "offsets.topic.num.partitions=5"
        echo "transaction.state.log.replication.factor=1"
        echo "transaction.state.log.min.isr=1"
        echo "transaction.state.log.num.partitions=5"
        echo "group.initial.rebalance.delay.ms=0"
        # (The controller authorizes the broker's registration and heartbeats
        # too: they arrive as ANONYMOUS over the PLAINTEXT controller listener.)
        echo "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer"
        echo "super.users=User:ANONYMOUS"
        echo "allow.everyone.if.no.acl.found=true"
        local kv
        for kv in "$@"; do echo "$kv"; done
    } >"$d/server.properties"
    # A cluster id is 16 random bytes in unpadded base64url; like Kafka's own
    # generator, avoid a leading '-' that would read as an option.
    cid=-
    while [ "${cid#-}" != "$cid" ]; do
        cid=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22)
    done
    run_tool "$d" kafka.tools.StorageTool format -t "$cid" -c "$d/server.properties" \
        >"$d/format.log" 2>&1 || { cat "$d/format.log" >&2; die "$name: storage format failed"; }
    launch "$name"
}

# A ZooKeeper-mode broker (broker.id 0) registered in ZKCONNECT. Settings an
# old version does not know are only logged as unknown by it.
cmd_start_zk() {
    [ $# -ge 4 ] || die "usage: start-zk NAME VERSION PORT ZKCONNECT [server properties...]"
    local name=$1 v=$2 port=$3 zk=$4 d=$RUN_BASE/$1
    shift 4
    prepare_dir "$name" "$v" "$port"
    echo "$zk" >"$d/zookeeper"
    {
        echo "broker.id=0"
        echo "zookeeper.connect=$zk"
        echo "listeners=PLAINTEXT://127.0.0.1:$port"
        echo "advertised.listeners=PLAINTEXT://127.0.0.1:$port"
        echo "log.dirs=$d/data"
        echo "num.partitions=1"
        echo "default.replication.factor=1"
        echo "auto.create.topics.enable=false"
        echo "delete.topic.enable=true"
        echo "offsets.topic.replication.factor=1"
        echo "offsets.topic.num.partitions=5"
        echo "transaction.state.log.replication.factor=1"
        echo "transaction.state.log.min.isr=1"
        echo "transaction.state.log.num.partitions=5"
        echo "group.initial.rebalance.delay.ms=0"
        local kv
        for kv in "$@"; do echo "$kv"; done
    } >"$d/server.properties"
    launch "$name"
}

cmd_stop() {
    local name=${1:?usage: stop NAME} pid i
    pid=$(running_pid "$name")
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        echo "kafka.sh: $name did not stop in 15s, killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
        while alive "$pid"; do sleep 0.05; done
    fi
    rm -f "$RUN_BASE/$name/pid"
}

cmd_kill() {
    local name=${1:?usage: kill NAME} pid
    pid=$(running_pid "$name")
    [ -n "$pid" ] || return 0
    kill -KILL "$pid" 2>/dev/null || true
    while alive "$pid"; do sleep 0.05; done
    rm -f "$RUN_BASE/$name/pid"
}

cmd_restart() {
    local name=${1:?usage: restart NAME}
    cluster_dir "$name" >/dev/null
    cmd_stop "$name"
    launch "$name"
}

# Brokers first, then the ZooKeeper servers they may still need to shut down.
cmd_stopall() {
    local d pids=() rc=0
    for d in "$RUN_BASE"/*/; do
        if [ -f "$d/pid" ] && [ ! -f "$d/zoo.cfg" ]; then
            cmd_stop "$(basename "$d")" &
            pids+=($!)
        fi
    done
    for d in "${pids[@]+"${pids[@]}"}"; do wait "$d" || rc=1; done
    for d in "$RUN_BASE"/*/; do
        if [ -f "$d/pid" ] && [ -f "$d/zoo.cfg" ]; then
            "$ROOT/tests/real/zk.sh" stop "$(basename "$d")" || rc=1
        fi
    done
    return $rc
}

bootstrap() { echo "127.0.0.1:$(cat "$(cluster_dir "$1")/port")"; }

cmd_tool() {
    local kind=$1 name=${2:?usage: $1 NAME ARGS...} d libs cls
    shift 2
    d=$(cluster_dir "$name")
    libs=$(libs_of "$(cat "$d/version")")
    local server=(--bootstrap-server "$(bootstrap "$name")")
    case $kind in
    topics) cls=$(tool_class "$libs" org.apache.kafka.tools.TopicCommand kafka.admin.TopicCommand) ;;
    groups) cls=$(tool_class "$libs" org.apache.kafka.tools.consumer.group.ConsumerGroupCommand kafka.admin.ConsumerGroupCommand) ;;
    configs) cls=$(tool_class "$libs" org.apache.kafka.tools.ConfigCommand kafka.admin.ConfigCommand) ;;
    acls) cls=$(tool_class "$libs" org.apache.kafka.tools.AclCommand kafka.admin.AclCommand) ;;
    esac
    if [ -f "$d/zookeeper" ]; then # ZooKeeper mode: old tools
        case $kind in
        topics | configs) server=(--zookeeper "$(cat "$d/zookeeper")") ;;
        groups) case $(cat "$d/version") in 0.*) server+=(--new-consumer) ;; esac ;;
        esac
    fi
    run_tool "$d" "$cls" "${server[@]}" "$@"
}

# The old Scala consumer keeps its offsets in ZooKeeper under
# /consumers/GROUP/offsets/TOPIC/PARTITION and commits them when it stops
# (after N records, or 5 s without any). A group new to ZooKeeper starts at
# the beginning. The old ConsoleConsumer refuses --from-beginning for a group
# with offsets: such a group resumes from them, and starts a topic new to it at
# its end (use a fresh group per topic). Kafka 2.0 removed this consumer.
cmd_zk_consume() {
    [ $# -eq 4 ] || die "usage: zk-consume NAME TOPIC GROUP N"
    local name=$1 topic=$2 group=$3 n=$4 d libs conf errs rc=0
    d=$(cluster_dir "$name")
    [ -f "$d/zookeeper" ] || die "$name is not a ZooKeeper-mode cluster (start-zk)"
    libs=$(libs_of "$(cat "$d/version")")
    LC_ALL=C grep -qaF kafka/consumer/ZookeeperConsumerConnector.class "$libs"/kafka_2.*.jar ||
        die "Kafka $(cat "$d/version") has no ZooKeeper-based consumer (removed in 2.0)"
    conf=$(mktemp "${TMPDIR:-/tmp}/kafka-zk-consumer.XXXXXX")
    errs=$conf.err
    printf '%s\n' "group.id=$group" offsets.storage=zookeeper consumer.timeout.ms=5000 >"$conf"
    set -- --zookeeper "$(cat "$d/zookeeper")" --topic "$topic" --max-messages "$n" --consumer.config "$conf"
    run_tool "$d" kafka.tools.ConsoleConsumer "$@" --from-beginning >/dev/null 2>"$errs" || rc=$?
    if [ $rc != 0 ] && grep -q "Found previous offset information" "$errs"; then
        rc=0
        run_tool "$d" kafka.tools.ConsoleConsumer "$@" >/dev/null 2>"$errs" || rc=$?
    fi
    # (running out of records ends it with a ConsumerTimeoutException: expected)
    grep -v -e ConsumerTimeoutException -e '^[[:space:]]at ' \
        -e 'Error processing message, terminating consumer process' "$errs" >&2 || true
    rm -f "$conf" "$errs"
    return $rc
}

cmd_perf_produce() {
    [ $# -ge 4 ] || die "usage: perf-produce NAME TOPIC N SIZE [producer properties...]"
    local name=$1 topic=$2 n=$3 size=$4 d
    shift 4
    d=$(cluster_dir "$name")
    "$JAVA" -Xmx512m -Dlog4j.configuration="file:$d/tools-log4j.properties" \
        -Dlog4j2.configurationFile="$d/tools-log4j2.properties" \
        -cp "$(libs_of "$(cat "$d/version")")/*" org.apache.kafka.tools.ProducerPerformance \
        --topic "$topic" --num-records "$n" --record-size "$size" --throughput -1 \
        --producer-props bootstrap.servers="$(bootstrap "$name")" "$@"
}

cmd_perf_consume() {
    [ $# -ge 3 ] || die "usage: perf-consume NAME TOPIC N [consumer properties...]"
    local name=$1 topic=$2 n=$3 d conf
    shift 3
    d=$(cluster_dir "$name")
    conf=$(mktemp "${TMPDIR:-/tmp}/kafka-consumer.XXXXXX")
    printf '%s\n' "$@" >"$conf"
    local rc=0
    "$JAVA" -Xmx512m -Dlog4j.configuration="file:$d/tools-log4j.properties" \
        -Dlog4j2.configurationFile="$d/tools-log4j2.properties" \
        -cp "$(libs_of "$(cat "$d/version")")/*" org.apache.kafka.tools.ConsumerPerformance \
        --bootstrap-server "$(bootstrap "$name")" --topic "$topic" --messages "$n" \
        --timeout 30000 --consumer.config "$conf" || rc=$?
    rm -f "$conf"
    return $rc
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
fetch) cmd_fetch "$@" ;;
start) cmd_start "$@" ;;
start-zk) cmd_start_zk "$@" ;;
stop) cmd_stop "$@" ;;
kill) cmd_kill "$@" ;;
restart) cmd_restart "$@" ;;
stopall) cmd_stopall ;;
bootstrap) bootstrap "${1:?usage: bootstrap NAME}" ;;
status) [ -n "$(running_pid "${1:?usage: status NAME}")" ] && bootstrap "$1" ;;
topics | groups | configs | acls) cmd_tool "$cmd" "$@" ;;
perf-produce) cmd_perf_produce "$@" ;;
perf-consume) cmd_perf_consume "$@" ;;
zk-consume) cmd_zk_consume "$@" ;;
*) die "usage: kafka.sh fetch|start|start-zk|stop|kill|restart|stopall|bootstrap|status|topics|groups|configs|acls|perf-produce|perf-consume|zk-consume ..." ;;
esac

#!/usr/bin/env bash
# Starts and drives standalone ZooKeeper servers for the real test tier: the
# ZooKeeper of a legacy (ZooKeeper-mode) Kafka source, where old consumers kept
# their offsets. It runs Debian's `zookeeper` package (the server class from
# /usr/share/java/zookeeper.jar, whose manifest names its own dependencies),
# bound to 127.0.0.1, with its files under build/kafka-run/NAME.
#
#   zk.sh start NAME PORT      fresh, empty server on 127.0.0.1:PORT
#   zk.sh stop NAME
#   zk.sh status NAME          print 127.0.0.1:PORT if running, else fail
#   zk.sh cli NAME ARGS...     one ZooKeeper CLI command, e.g. `get /a/b` or
#                              `create /a/b 42`; exit status 1 if it failed
#   zk.sh cli NAME <CMDS       CLI commands from stdin, one a line (exit status
#                              0 even if some failed: check what they printed)
#
# The CLI's own banner and connection events are dropped from its output, so
# `zk.sh cli NAME get /a` prints just the data. Environment: KMIG_JAVA (java
# binary, default `java`), KMIG_ZK_START_TIMEOUT (seconds, 60).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN_BASE=$ROOT/build/kafka-run
JAVA=${KMIG_JAVA:-java}
START_TIMEOUT=${KMIG_ZK_START_TIMEOUT:-60}
# ZooKeeper logs through SLF4J 1.7: add Debian's log4j 1.2 binding.
CLASSPATH_ZK=/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar
# Quick start-up over peak throughput, as for the test brokers.
JVM_OPTS="-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true"

die() { echo "zk.sh: $*" >&2; exit 1; }

# Whether a process still runs. An exited process can stay a zombie for a
# while (its reaper is init); it no longer counts.
alive() { kill -0 "$1" 2>/dev/null && ! grep -qs '^State:[[:space:]]*Z' "/proc/$1/status"; }

# The directory of a server that was started at least once.
server_dir() {
    local d=$RUN_BASE/$1
    [ -f "$d/zoo.cfg" ] || die "no ZooKeeper named '$1' (start it first)"
    echo "$d"
}

# PID of a running server, or nothing (the PID file is trusted only if that
# process still runs this server's config: guards against PID reuse).
running_pid() {
    local d=$RUN_BASE/$1 pid
    [ -f "$d/pid" ] || return 0
    pid=$(cat "$d/pid")
    if grep -qaF "$d/zoo.cfg" "/proc/$pid/cmdline" 2>/dev/null; then
        echo "$pid"
    fi
}

# Asks the server for its state with the `srvr` four-letter word (allowed in
# zoo.cfg below); succeeds once it serves requests.
serving() {
    local reply
    reply=$(timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf srvr >&3 && cat <&3' _ "$1" 2>/dev/null) ||
        return 1
    case $reply in *"Mode: standalone"*) return 0 ;; *) return 1 ;; esac
}

cmd_start() {
    [ $# -eq 2 ] || die "usage: start NAME PORT"
    local name=$1 port=$2 d=$RUN_BASE/$1 pid t0 ms
    [ -r /usr/share/java/zookeeper.jar ] || die "no /usr/share/java/zookeeper.jar (install Debian's zookeeper: scripts/setup.sh)"
    [ -z "$(running_pid "$name")" ] || die "$name is already running"
    rm -rf "$d"
    mkdir -p "$d/data"
    echo "$port" >"$d/port"
    # forceSync=no: test data need no fsync per write.
    cat >"$d/zoo.cfg" <<EOF
tickTime=2000
dataDir=$d/data
clientPort=$port
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=srvr
forceSync=no
EOF
    cat >"$d/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$d/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
# (each CLI run ends without closing its session: not worth a stack trace)
log4j.logger.org.apache.zookeeper.server.NIOServerCnxn=ERROR
EOF
    # The CLI: warnings to stderr, not its "Exiting JVM" note.
    cat >"$d/cli-log4j.properties" <<EOF
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.zookeeper.util.ServiceUtils=OFF
EOF
    t0=${EPOCHREALTIME/./}
    # Own session, like the brokers: a test's Ctrl-C does not reach it.
    # shellcheck disable=SC2086
    setsid bash -c 'echo $$ >"$1/pid"; shift; exec "$@"' _ "$d" \
        "$JAVA" $JVM_OPTS -Dlog4j.configuration="file:$d/log4j.properties" \
        -cp "$CLASSPATH_ZK" org.apache.zookeeper.server.ZooKeeperServerMain "$d/zoo.cfg" \
        </dev/null >"$d/stdout.log" 2>&1 &
    while [ ! -s "$d/pid" ]; do
        kill -0 $! 2>/dev/null || [ -s "$d/pid" ] || die "$name: could not launch java"
        sleep 0.05
    done
    pid=$(cat "$d/pid")
    until serving "$port"; do
        if ! alive "$pid"; then
            tail -n 30 "$d/server.log" "$d/stdout.log" >&2
            die "$name: ZooKeeper exited during start-up (logs in $d)"
        fi
        if [ $(((${EPOCHREALTIME/./} - t0) / 1000000)) -ge "$START_TIMEOUT" ]; then
            kill -KILL "$pid" 2>/dev/null || true
            tail -n 30 "$d/server.log" "$d/stdout.log" >&2
            die "$name: ZooKeeper not serving after ${START_TIMEOUT}s (logs in $d)"
        fi
        sleep 0.1
    done
    ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
    printf 'zk.sh: %s (ZooKeeper) ready on 127.0.0.1:%s in %d.%01ds\n' \
        "$name" "$port" $((ms / 1000)) $((ms % 1000 / 100))
}

cmd_stop() {
    local name=${1:?usage: stop NAME} pid i
    pid=$(running_pid "$name")
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        echo "zk.sh: $name did not stop in 10s, killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
        while alive "$pid"; do sleep 0.05; done
    fi
    rm -f "$RUN_BASE/$name/pid"
}

# Drops the CLI's banner and watcher lines (each printed after a blank line)
# and passes everything else through.
filter_cli() {
    awk '
        /^(Connecting to |Welcome to ZooKeeper!$|JLine support is |WATCHER::$|WatchedEvent state:)/ { blanks = 0; next }
        /^$/ { blanks++; next }
        { for (; blanks > 0; blanks--) print ""; print }
        END { for (; blanks > 0; blanks--) print "" }'
}

cmd_cli() {
    local name=${1:?usage: cli NAME [ARGS...]} d rc=0
    shift
    d=$(server_dir "$name")
    "$JAVA" -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
        -Dlog4j.configuration="file:$d/cli-log4j.properties" -cp "$CLASSPATH_ZK" \
        org.apache.zookeeper.ZooKeeperMain -server "127.0.0.1:$(cat "$d/port")" "$@" |
        filter_cli || rc=$?
    return $rc
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
status) [ -n "$(running_pid "${1:?usage: status NAME}")" ] && echo "127.0.0.1:$(cat "$RUN_BASE/$1/port")" ;;
cli) cmd_cli "$@" ;;
*) die "usage: zk.sh start|stop|status|cli ..." ;;
esac

# Helpers of the fault soak (tests/real/test_soak.sh, `make soak`), sourced
# after lib.sh and groupslib.sh. They keep the soak's state in shell variables
# and files under $T, and read facts only: record digests (`kmig-testkit
# check`), watermarks (`kmig-testkit count`), group offsets (`kmig offsets
# --json`, `kmig map --translate`, `kmig-testkit committed`) and kmig's exit
# statuses and summaries.
#
#   soak_rand N           a number in 0..N-1 from the soak's own generator
#                         (seeded by SOAK_SEED; bash's $RANDOM stays lib.sh's)
#   soak_pause LO HI      sleep a random LO..HI tenths of a second
#   soak_note MSG         a line in the soak's output, prefixed by the cycle
#   soak_finding MSG      a failure to report at the end (the soak goes on)
#   soak_kmig_start       a new `kmig mirror` run in the background (RUN, KPID)
#   soak_kmig_check [--no-restart]
#                         records a run that ended on its own, restarts kmig
#   soak_kmig_stop SIG    ends the current run with SIG (KILL or TERM) and
#                         checks what TERM promises (exit 0, a summary)
#   soak_rss_sample       keeps the largest kmig resident set seen (RSS_MAX, MiB)
#   soak_resent           possible re-sends kmig reported over all its runs
#   soak_producer TOPIC PARTS START COUNT RATE
#                         an idempotent acks=all producer in the background
#   soak_producer_stop PID OUT
#                         stops it; its acknowledged count in PRODUCED_N, added
#                         to PRODUCED
# shellcheck shell=bash

# --- the schedule's generator: a 31-bit LCG (glibc's constants), so a seed
# gives the same schedule whatever else uses $RANDOM.
_SOAK_RNG=0
soak_seed() { _SOAK_RNG=$(($1 % 2147483648)); }
soak_rand() {
    _SOAK_RNG=$(((_SOAK_RNG * 1103515245 + 12345) % 2147483648))
    SOAK_R=$(((_SOAK_RNG >> 8) % $1))
}
soak_pause() {
    soak_rand $(($2 - $1 + 1))
    local t=$(($1 + SOAK_R))
    sleep "$((t / 10)).$((t % 10))"
}

CYCLE=0
FINDINGS=()
_SOAK_T0=${EPOCHREALTIME/./}
soak_elapsed() { echo "$(((${EPOCHREALTIME/./} - _SOAK_T0) / 1000000))s"; }
soak_note() { echo "[cycle $CYCLE +$(soak_elapsed)] $*"; }
soak_finding() {
    FINDINGS+=("cycle $CYCLE: $*")
    echo "[cycle $CYCLE +$(soak_elapsed)] FINDING: $*"
}

# --- kmig runs. Run N logs to $T/kmig-N.log and, when kmig supports it,
# writes its summary to $T/kmig-N.json.
RUN=0
KPID=""
SUMMARY_OPT=0
soak_kmig_start() {
    RUN=$((RUN + 1))
    local args=(mirror --config "$SOAK_CFG" --progress 0)
    [ "$SUMMARY_OPT" = 0 ] || args+=(--summary-json "$T/kmig-$RUN.json")
    run_bg "$T/kmig-$RUN.log" "$KMIG" "${args[@]}"
    KPID=$BG_PID
    KSTART=${EPOCHREALTIME/./}
    echo "$KPID" >"$T/kmig-$RUN.pid"
}

# How long the current run has been running ("12.3s"), and an exit status
# in words.
soak_kmig_age() {
    local ms=$(((${EPOCHREALTIME/./} - KSTART) / 1000))
    echo "$((ms / 1000)).$((ms % 1000 / 100))s"
}
soak_rc_words() {
    if [ "$1" -gt 128 ] && [ "$1" -lt 160 ]; then
        echo "$1 (killed by SIG$(kill -l $(($1 - 128))))"
    else
        echo "$1"
    fi
}

# The last lines of run N's log worth showing (broker connection noise
# aside), and what is known about a crash there.
soak_kmig_tail() {
    grep -E 'WARN|ERROR|error|fail' "$T/kmig-$1.log" | grep -v 'Connect to ipv4' |
        tail -n "${2:-8}" | sed 's/^/    | /'
    if grep -q 'rd_kafka_enq_once_del_source_return' "$T/kmig-$1.log"; then
        echo "    (librdkafka 2.0.2 aborts when a coordinator admin request times out during a broker"
        echo "    outage, confluentinc/librdkafka#4605; tests/real/repro_groups_target_down.sh)"
    fi
}

soak_kmig_check() {
    [ -n "$KPID" ] || return 0
    proc_exited "$KPID" || return 0
    kill_bg "$KPID" TERM
    soak_finding "kmig run $RUN exited on its own with status $(soak_rc_words "$BG_RC") about $(soak_kmig_age) after its start:
$(soak_kmig_tail "$RUN" 12)"
    KPID=""
    [ "${1:-}" = --no-restart ] || soak_kmig_start
}

# SIGTERM must end a run with status 0 within seconds; a run still alive
# after SOAK_TERM_GRACE seconds (30) is a hang, killed and reported.
soak_kmig_stop() {
    local sig=$1
    # (a run that already ended is reported, and the caller starts the next)
    soak_kmig_check --no-restart
    [ -n "$KPID" ] || return 0
    if [ "$sig" = KILL ]; then
        kill_bg "$KPID" KILL
        KPID=""
        return 0
    fi
    local age t0 deadline waited young
    # A run started a moment ago (by soak_kmig_check) gets a second first: a
    # signal before the program's main() runs (the loader, ASan's start-up)
    # takes its default action in any program.
    young=$((1000000 - (${EPOCHREALTIME/./} - KSTART)))
    [ "$young" -le 0 ] || sleep "0.$(printf '%06d' "$young")"
    age=$(soak_kmig_age)
    t0=${EPOCHREALTIME/./}
    deadline=$((t0 + ${SOAK_TERM_GRACE:-30} * 1000000))
    kill -TERM "$KPID" 2>/dev/null || true
    while ! proc_exited "$KPID" && [ "${EPOCHREALTIME/./}" -lt "$deadline" ]; do sleep 0.1; done
    waited=$(((${EPOCHREALTIME/./} - t0) / 100000))
    waited="$((waited / 10)).$((waited % 10))s"
    if ! proc_exited "$KPID"; then
        soak_finding "kmig run $RUN (PID $KPID: $(tr '\0' ' ' <"/proc/$KPID/cmdline" 2>/dev/null | cut -c1-60), state $(sed 's/.*) \(.\).*/\1/' "/proc/$KPID/stat" 2>/dev/null)) still running $waited after SIGTERM (killed)"
        kill_bg "$KPID" KILL
    else
        kill_bg "$KPID" TERM
        [ "$BG_RC" = 0 ] || soak_finding "kmig run $RUN exited $(soak_rc_words "$BG_RC") after a SIGTERM sent $age after its start, not 0 ($(wc -l <"$T/kmig-$RUN.log") log lines):
$(soak_kmig_tail "$RUN")"
        if [ "$SUMMARY_OPT" = 1 ]; then
            if ! jq -e . "$T/kmig-$RUN.json" >/dev/null 2>&1; then
                soak_finding "kmig run $RUN wrote no valid --summary-json after SIGTERM"
            else
                expect_summary_rc "$RUN" "$BG_RC"
            fi
        fi
    fi
    KPID=""
}

expect_summary_rc() {
    local got
    got=$(jq -r .exit_code "$T/kmig-$1.json")
    [ "$got" = "$2" ] || soak_finding "kmig run $1 exited $2 but its summary says exit_code $got"
}

# The largest resident set of a kmig run seen so far (MiB), sampled once per
# cycle: a figure for the summary (under ASan it includes shadow memory).
RSS_MAX=0
soak_rss_sample() {
    local kb
    [ -n "$KPID" ] || return 0
    kb=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$KPID/status" 2>/dev/null) || return 0
    [ -z "$kb" ] || [ $((kb / 1024)) -le "$RSS_MAX" ] || RSS_MAX=$((kb / 1024))
}

# Possible re-sends kmig reported over all its runs. With --summary-json:
# the sum of resent_possible of the runs that wrote one (a run killed with -9
# writes none; the next run's recovery counts what it left). Without it: the
# "resume: N records may be re-sent" line each run logs at start-up (also
# with --logs: the findings show both).
soak_resent() {
    local n=0 f v
    if [ "$SUMMARY_OPT" = 1 ] && [ "${1:-}" != --logs ]; then
        for f in "$T"/kmig-*.json; do
            [ -f "$f" ] || continue
            v=$(jq -r '.resent_possible // 0' "$f") && n=$((n + v))
        done
        echo "$n"
    else
        cat "$T"/kmig-*.log 2>/dev/null | sed -n 's/.* \([0-9][0-9]*\) records may be re-sent.*/\1/p' |
            awk '{ s += $1 } END { print s + 0 }'
    fi
}

# --- producers: idempotent, acks=all (the testkit's default), small records.
# Each is a line "PID TOPIC OUT" in $T/producers.
PRODUCERS=0
PRODUCED=0 # records the stopped producers had acknowledged
soak_producer() {
    local topic=$1 parts=$2 start=$3 count=$4 rate=$5 out
    PRODUCERS=$((PRODUCERS + 1))
    out=$T/produce-$PRODUCERS.out
    run_bg "$out" "$TESTKIT" produce --bootstrap "$SRC" --topic "$topic" --partitions "$parts" \
        --start "$start" --count "$count" --rate "$rate" --size 300 --idempotent \
        --set message.timeout.ms=600000
    echo "$BG_PID $topic $out" >>"$T/producers"
}

# Stops one producer (TERM); leaves its produced=N in PRODUCED_N. A failed producer (it
# could not deliver within its timeout) is noted: the source then holds
# fewer records than asked, which the target-vs-source check does not mind.
soak_producer_stop() {
    local pid=$1 out=$2
    kill_bg "$pid" TERM
    echo "$pid" >>"$T/producers.stopped"
    [ "$BG_RC" = 0 ] || soak_note "producer $pid exited $BG_RC (not kmig): $(grep -v '^produced=' "$out" | tail -1)"
    PRODUCED_N=$(sed -n 's/^produced=//p' "$out")
    PRODUCED=$((PRODUCED + ${PRODUCED_N:-0}))
}

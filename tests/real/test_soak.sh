#!/usr/bin/env bash
# kmig-test: long private (its targets are clusters of its own)
# A fault soak on real Kafka. Idempotent acks=all producers write to the
# source and a few consumer groups commit there, while `kmig mirror` (group
# sync on, short intervals) copies to the target and a random schedule cycles
# faults: kill -9 of kmig (restarted with the same config), SIGTERM of kmig
# (exit 0, then restarted), restarts of the target and of the source broker
# (same ports and log dirs), a topic created and partitions added mid-run,
# group commits, and a kill -9 whose restarted kmig meets a target restart
# during its start-up. At the end the producers stop, a last `kmig mirror
# --stop-at-end` catches up, and the soak proves from facts:
#   - no record lost: every source record is on the target, in order, per
#     partition (`kmig-testkit check --source-bootstrap`);
#   - duplicates on the target <= the possible re-sends kmig reported over
#     all its runs;
#   - every synced group's committed target offset is exactly the translation
#     of its source offset: `kmig offsets --json` says up-to-date with
#     target_committed = target_offset, its source_offset is what the source
#     group committed, and the target record there is the copy of the source
#     record at the source offset (or both are at their ends).
# The schedule comes from SOAK_SEED (printed first; timings still vary, so a
# replay repeats the schedule, not every interleaving). Environment:
# SOAK_CYCLES (10), SOAK_SEED (random), SOAK_FAULTS (kill9,term,target,source,
# topics,groups,kill9target), SOAK_KAFKA_VERSION (4.1.2, or the tier's 4.1 version),
# SOAK_RATE (records/s of the main producer, 150). Own clusters soaksrc and
# soaktgt (tests/real/kafka.sh), started and stopped here; runs alone too:
# `bash tests/real/test_soak.sh` or `make soak` (100 cycles).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/groupslib.sh"
. "$(dirname "$0")/soaklib.sh"
no_leak_check

CYCLES=${SOAK_CYCLES:-10}
SEED=${SOAK_SEED:-$(((${EPOCHREALTIME/./} ^ $$) % 2147483648))}
FAULTS=${SOAK_FAULTS:-kill9,term,target,source,topics,groups,kill9target}
VERSION=${SOAK_KAFKA_VERSION:-${KMIG_REAL_KAFKA_41:-4.1.2}}
RATE=${SOAK_RATE:-150}
echo "soak: seed=$SEED cycles=$CYCLES faults=$FAULTS kafka=$VERSION rate=$RATE/s kmig=$KMIG"
echo "soak: replay with SOAK_SEED=$SEED SOAK_CYCLES=$CYCLES SOAK_FAULTS=$FAULTS"
soak_seed "$SEED"
IFS=, read -r -a FAULT_KINDS <<<"$FAULTS"
for f in "${FAULT_KINDS[@]}"; do
    case $f in kill9 | term | target | source | topics | groups | kill9target) ;; *) fail "SOAK_FAULTS: unknown fault '$f'" ;; esac
done
declare -A DONE=()
"$KMIG" mirror --help 2>&1 | grep -q -- --summary-json && SUMMARY_OPT=1

# --- clusters of our own: restarting them disturbs no other test.
export KMIG_KAFKA_JVM_OPTS=${KMIG_KAFKA_JVM_OPTS:--Xmx384m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC}
"$KAFKA_SH" fetch "$VERSION" >/dev/null || fail "no jars for Kafka $VERSION"
_LIB_CLUSTERS+=(soaksrc soaktgt) # stopped when the test exits
"$KAFKA_SH" stop soaksrc
"$KAFKA_SH" stop soaktgt
kafka_start soaksrc "$VERSION" >/dev/null &
p1=$!
sleep 1 # (free_port must not hand out the same ports twice)
kafka_start soaktgt "$VERSION" >/dev/null &
p2=$!
wait $p1 || fail "the source cluster did not start"
wait $p2 || fail "the target cluster did not start"
SRC=$("$KAFKA_SH" bootstrap soaksrc)
TGT=$("$KAFKA_SH" bootstrap soaktgt)
echo "soak: source $SRC, target $TGT (+$(soak_elapsed))"

SOAK_CFG=$T/mm2.properties
cat >"$SOAK_CFG" <<PROPS
clusters = src, tgt
src.bootstrap.servers = $SRC
tgt.bootstrap.servers = $TGT
src->tgt.enabled = true
src->tgt.topics = soak-.*
replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy
replication.factor = 1
offset-syncs.topic.replication.factor = 1
checkpoints.topic.replication.factor = 1
refresh.topics.interval.seconds = 1
groups = soak-g.*
refresh.groups.interval.seconds = 1
emit.checkpoints.interval.seconds = 1
sync.group.offsets.enabled = true
sync.group.offsets.interval.seconds = 1
# Flushed often, so that kills land both before and after map flushes.
kmig.offset.map.flush.interval.ms = 300
PROPS

# --- load: soak-a (3 partitions, the main producer), soak-grow (grows),
# soak-new-N (created mid-run). Records are distinct within a partition
# (distinct --start ranges), so duplicates are unambiguous.
# No retention: the generator's records with old timestamps (1970, 2001) would
# otherwise roll a segment of their own and be deleted by time soon after kmig
# copied them (seen: the source's log start moved to 1 on two partitions),
# which the record-by-record check cannot align.
topic_create() {
    "$KAFKA_SH" topics soaksrc --create --topic "$1" --partitions "$2" \
        --config retention.ms=-1 >/dev/null
}
topic_create soak-a 3
topic_create soak-grow 2
GROW_PARTS=2
GROW_START=0
soak_producer soak-a 3 0 1000000000 "$RATE"
soak_producer soak-grow 2 0 1000000000 $((RATE / 5 + 1))
GROW_PID=$BG_PID
GROW_OUT=$T/produce-$PRODUCERS.out
NEW_TOPICS=0
GROUPS_LIST=(soak-g1 soak-g2 soak-g3)
declare -A GROUP_TOPIC=([soak-g1]=soak-a [soak-g2]=soak-a [soak-g3]=soak-grow)
declare -A GROUP_USED=()

soak_kmig_start
wait_for "grep -q 'copying soak-a' '$T/kmig-$RUN.log'" 60 || fail "kmig never started copying: $(tail -5 "$T/kmig-$RUN.log")"

# soak-own: its consumers on the target committed offsets of their own
# (before any on the source), so kmig must never write to it, whatever
# fails around it; it keeps committing on the source in the groups fault.
OWN=(--offset 0:1 --offset 1:2 --offset 2:3)
wait_for "\"\$TESTKIT\" commit --bootstrap '$TGT' --group soak-own --topic soak-a ${OWN[*]}" 60 1 ||
    fail "could not commit soak-own on the target"
"$TESTKIT" committed --bootstrap "$TGT" --group soak-own --topic soak-a >"$T/own-target.out"
GROUPS_LIST+=(soak-own)
GROUP_TOPIC[soak-own]=soak-a

# --- the faults
fault_topics() {
    soak_rand 2
    if [ "$SOAK_R" = 0 ]; then
        local t=soak-new-$((NEW_TOPICS + 1)) parts
        soak_rand 3
        parts=$((SOAK_R + 1))
        topic_create "$t" "$parts" || { soak_finding "could not create source topic $t (not kmig)"; return; }
        NEW_TOPICS=$((NEW_TOPICS + 1))
        soak_producer "$t" "$parts" 0 $((RATE * 20)) $((RATE / 3 + 1))
        soak_note "topic $t created with $parts partitions"
    else
        local to=$((GROW_PARTS + 1)) start
        "$KAFKA_SH" topics soaksrc --alter --topic soak-grow --partitions "$to" >/dev/null ||
            { soak_finding "could not grow soak-grow (not kmig)"; return; }
        GROW_PARTS=$to
        soak_producer_stop "$GROW_PID" "$GROW_OUT"
        # The new producer writes to every partition, from the next index on
        # (records stay distinct, and their relative timestamps base + i stay
        # within what the broker accepts).
        GROW_START=$((GROW_START + ${PRODUCED_N:-0} + 1000))
        start=$GROW_START
        wait_for "[ \"\$(\"\$TESTKIT\" count --bootstrap '$SRC' --topic soak-grow | grep -c '^partition=')\" -ge $to ]" 30 ||
            soak_finding "the source does not show soak-grow's $to partitions"
        soak_producer soak-grow "$to" "$start" 1000000000 $((RATE / 5 + 1))
        GROW_PID=$BG_PID
        GROW_OUT=$T/produce-$PRODUCERS.out
        soak_note "soak-grow grown to $to partitions"
    fi
}

fault_groups() {
    local g t k out
    soak_rand ${#GROUPS_LIST[@]}
    g=${GROUPS_LIST[$SOAK_R]}
    t=${GROUP_TOPIC[$g]}
    soak_rand 3000
    k=$((SOAK_R + 1))
    out=$T/group-$CYCLE-$g.out
    if timeout 90 "$TESTKIT" consume --bootstrap "$SRC" --group "$g" --topic "$t" \
        --max-records "$k" --commit >"$out" 2>&1; then
        GROUP_USED[$g]=1
        soak_note "group $g read $(sed -n 's/^consumed=//p' "$out") records of $t on the source and committed"
    else
        GROUP_USED[$g]=1 # it may have committed before failing
        soak_note "group $g: consume on the source failed (not kmig): $(tail -1 "$out")"
    fi
}

do_fault() {
    case $1 in
    kill9)
        soak_kmig_stop KILL
        soak_note "kmig run $RUN killed with SIGKILL"
        soak_kmig_start
        ;;
    term)
        soak_kmig_stop TERM
        soak_note "kmig run $RUN stopped with SIGTERM"
        soak_kmig_start
        ;;
    kill9target)
        # kmig restarts while the target broker goes down: its start-up
        # (offset map read, target end offsets, recovery) meets the outage.
        soak_kmig_stop KILL
        soak_kmig_start
        soak_pause 0 20
        "$KAFKA_SH" restart soaktgt >"$T/restart-$CYCLE.log" 2>&1 ||
            fail "the target broker did not restart: $(tail -5 "$T/restart-$CYCLE.log")"
        soak_note "kmig run $((RUN - 1)) killed with SIGKILL, run $RUN started, target broker restarted ${SOAK_R}00 ms later"
        ;;
    target | source)
        local c=soaktgt
        [ "$1" = target ] || c=soaksrc
        "$KAFKA_SH" restart "$c" >"$T/restart-$CYCLE.log" 2>&1 ||
            fail "the $1 broker did not restart: $(tail -5 "$T/restart-$CYCLE.log")"
        soak_note "$1 broker restarted"
        ;;
    topics) fault_topics ;;
    groups) fault_groups ;;
    esac
}

for ((CYCLE = 1; CYCLE <= CYCLES; CYCLE++)); do
    soak_pause 5 60
    soak_kmig_check
    soak_rss_sample
    soak_rand ${#FAULT_KINDS[@]}
    f=${FAULT_KINDS[$SOAK_R]}
    DONE[$f]=$((${DONE[$f]:-0} + 1))
    do_fault "$f"
done
CYCLE=end

# --- the end: producers stop, kmig catches up.
soak_pause 10 30
soak_kmig_check
while read -r pid topic out; do
    ! grep -qx "$pid" "$T/producers.stopped" 2>/dev/null || continue
    soak_producer_stop "$pid" "$out"
done < <(cat "$T/producers")
for pid in $(cut -d' ' -f1 "$T/producers"); do
    proc_exited "$pid" || fail "producer $pid still runs before the final catch-up (a soak bug)"
done
soak_kmig_stop TERM
RUN=$((RUN + 1))
rc=0
args=(mirror --config "$SOAK_CFG" --stop-at-end --progress 0)
[ "$SUMMARY_OPT" = 0 ] || args+=(--summary-json "$T/kmig-$RUN.json")
timeout 300 "$KMIG" "${args[@]}" >"$T/kmig-$RUN.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || soak_finding "the final kmig mirror --stop-at-end (run $RUN) exited $rc:
$(soak_kmig_tail "$RUN" 12)"
if [ "$SUMMARY_OPT" = 1 ] && [ "$rc" != 124 ]; then
    expect_summary_rc "$RUN" "$rc"
    r=$(jq -r .exit_reason "$T/kmig-$RUN.json")
    [ "$r" = caught-up ] || soak_finding "the final run's summary says exit_reason '$r', not caught-up"
fi
# No retention deletes anything here: no run may report lost records.
if [ "$SUMMARY_OPT" = 1 ]; then
    for f in "$T"/kmig-*.json; do
        [ -f "$f" ] || continue
        n=$(jq -r '.lost // 0' "$f")
        [ "$n" = 0 ] || soak_finding "$(basename "$f" .json) reports $n lost records: $(jq -c '[.partitions[]? | select(.lost > 0)]' "$f")"
    done
fi

# --- records: every source record on the target, in order; duplicates counted.
RESENT=$(soak_resent)
SOURCE_RECORDS=0 OK=0 DUPS=0
topics="soak-a soak-grow"
for ((i = 1; i <= NEW_TOPICS; i++)); do topics+=" soak-new-$i"; done
soak_note "producers stopped, final run done; checking"
for t in $topics; do
    n=$("$TESTKIT" count --bootstrap "$SRC" --topic "$t" | sed -n 's/^total=//p')
    SOURCE_RECORDS=$((SOURCE_RECORDS + n))
    # (duplicates are bounded below by kmig's reports over all topics)
    out=$("$TESTKIT" check --bootstrap "$TGT" --topic "$t" --source-bootstrap "$SRC" \
        --max-dups 1000000000 2>"$T/check-$t.err") ||
        soak_finding "$t: $out
$(sed 's/^/    | /' "$T/check-$t.err")"
    echo "$out"
    ok=$(sed -n 's/.* \([0-9][0-9]*\) records ok.*/\1/p' <<<"$out")
    d=$(sed -n 's/.* \([0-9][0-9]*\) duplicates.*/\1/p' <<<"$out")
    OK=$((OK + ${ok:-0}))
    DUPS=$((DUPS + ${d:-0}))
done
LOST=$((SOURCE_RECORDS - OK))
[ "$LOST" = 0 ] || soak_finding "$LOST of $SOURCE_RECORDS source records are not on the target in order"
LOGGED=$(soak_resent --logs)
[ "$DUPS" -le "$RESENT" ] || [ "$SUMMARY_OPT" = 0 ] || [ "$DUPS" -gt "$LOGGED" ] ||
    soak_finding "the $DUPS duplicates on the target are within the $LOGGED re-sends kmig logged, but its summaries count only $RESENT: runs that counted re-sends at start-up and then died (kill -9, abort) wrote no summary, and no later run counts them again"
[ "$DUPS" -le "$RESENT" ] || { [ "$SUMMARY_OPT" = 1 ] && [ "$DUPS" -le "$LOGGED" ]; } ||
    soak_finding "$DUPS duplicates on the target, but kmig reported only $RESENT possible re-sends over $RUN runs ($(soak_resent --logs) in its 'records may be re-sent' log lines, killed runs included; per run: $(for f in "$T"/kmig-*.json; do [ -f "$f" ] && printf '%s=%s ' "$(basename "$f" .json)" "$(jq -r .resent_possible "$f")"; done))"

# --- groups: the target offset is exactly the translation of the source one.
GROUPS_CHECKED=0
offsets_json "$T/offsets.json" "$SOAK_CFG"
# soak-own: taken over, its target offsets exactly what its consumers there
# committed.
own=$("$TESTKIT" committed --bootstrap "$TGT" --group soak-own --topic soak-a)
[ "$own" = "$(cat "$T/own-target.out")" ] ||
    soak_finding "kmig wrote over the target offsets of soak-own, which its consumers on the target own: they were '$(cat "$T/own-target.out")', now '$own'"
for p in $(jq -r '.[] | select(.group == "soak-own") | .partition' "$T/offsets.json"); do
    st=$(jrow "$T/offsets.json" soak-own "$p" status)
    [ "$st" = taken-over ] || soak_finding "soak-own soak-a [$p]: kmig offsets says '$st', not taken-over"
done
unset "GROUP_USED[soak-own]"
for g in "${!GROUP_USED[@]}"; do
    t=${GROUP_TOPIC[$g]}
    "$TESTKIT" committed --bootstrap "$SRC" --group "$g" --topic "$t" >"$T/committed-$g.out" ||
        { soak_finding "could not read $g's source offsets"; continue; }
    bad=0
    parts=$(grep -o 'committed\[' "$T/committed-$g.out" | wc -l)
    for ((p = 0; p < parts; p++)); do
        so=$(field "$T/committed-$g.out" "committed[$p]")
        [ -n "$so" ] && [ "$so" != -1 ] || continue
        row="$g $t [$p]"
        st=$(jrow "$T/offsets.json" "$g" "$p" status)
        to=$(jrow "$T/offsets.json" "$g" "$p" target_offset)
        tc=$(jrow "$T/offsets.json" "$g" "$p" target_committed)
        js=$(jrow "$T/offsets.json" "$g" "$p" source_offset)
        if [ "$js" != "$so" ]; then
            soak_finding "$row: kmig offsets reads source offset '$js', the source group has $so"; bad=1; continue
        fi
        if [ "$st" != up-to-date ] || [ "$tc" != "$to" ]; then
            soak_finding "$row: after the final run, status '$st', target_committed $tc, exact target offset $to (source $so):
$(jq -c --arg g "$g" --argjson p "$p" '.[] | select(.group == $g and .partition == $p)' "$T/offsets.json")"
            bad=1; continue
        fi
        if ! out=$("$TESTKIT" check --bootstrap "$TGT" --topic "$t" --source-bootstrap "$SRC" \
            --at "$p:$so:$to" 2>&1); then
            soak_finding "$row: target offset $to is not the translation of source offset $so: $out"
            bad=1
        fi
    done
    [ "$bad" = 1 ] || GROUPS_CHECKED=$((GROUPS_CHECKED + 1))
done

faults=""
for f in "${FAULT_KINDS[@]}"; do faults+=" $f=${DONE[$f]:-0}"; done
echo "soak: seed=$SEED cycles=$CYCLES runs=$RUN records=$SOURCE_RECORDS produced=$PRODUCED lost=$LOST duplicates=$DUPS resent_reported=$RESENT groups_checked=$GROUPS_CHECKED/${#GROUP_USED[@]} kmig_rss_max=${RSS_MAX}MiB findings=${#FINDINGS[@]} faults:$faults"
if [ ${#FINDINGS[@]} -gt 0 ]; then
    printf '%s\n' "${FINDINGS[@]}" >&2
    fail "${#FINDINGS[@]} findings (seed $SEED; replay: SOAK_SEED=$SEED SOAK_CYCLES=$CYCLES SOAK_FAULTS=$FAULTS)"
fi

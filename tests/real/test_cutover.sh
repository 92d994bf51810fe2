#!/usr/bin/env bash
# `kmig cutover` on real Kafka, one version only (the first of the tier,
# 3.9 when it runs: the facts do not depend on the broker version and CI time
# is short). A manifest of three services: shop produces orders, billing
# consumes orders (group billing) and produces invoices, mailer consumes
# invoices (group mailer). `cutover plan --json` orders them mailer, billing,
# shop. `cutover status --json`: while mailer's group has a member on the
# source, mailer is not ready (in-sync) and the flow is not drained (exit 5);
# once the member stopped, the mirror copied everything and the exact offsets
# are committed on the target, mailer and billing are ready and every topic
# is copied and no longer written; with a member of mailer's group on the
# target, mailer is moved. `cutover group` waits (dry run: says why) while
# the group runs on the source, commits exactly and reads back once it is
# stopped, and refuses once the group runs on the target. Then shop writes
# its last orders on the source (status: orders still written, exit 5), the
# mirror catches up and shop writes on the target (shop moved; billing only
# ready: exit 5); billing and mailer run on the target and billing writes
# invoices there: every service moved, the flow drained (exit 0), and each
# group read every record exactly once across the move.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/groupslib.sh"
no_leak_check

N=600
M=150
K=30
P=3

check_version() {
    local tag=$1 src tgt orders invoices pfx cfg svc base gen pid rc
    src=KMIG_REAL_SRC_$tag; src=${!src}
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    orders=$(unique_name orders)
    invoices=$(unique_name invoices)
    pfx=$(unique_name g)
    base=$(($(date +%s%3N) - 3600000))
    gen=(--partitions "$P" --size 100 --base-ts "$base")
    cfg=$T/mm2-$tag.properties
    svc=$T/services-$tag.yaml
    # group sync off: the offsets are committed by the step itself (kmig offsets --execute)
    groups_config "$cfg" "$tag" "$orders, $invoices" "$pfx-.*"
    sed -i '/^sync.group.offsets.enabled/d' "$cfg"
    cat >"$svc" <<YAML
services:
  - name: shop
    produces: [$orders]
  - name: billing
    consumes: [{topic: $orders, group: $pfx-billing}]
    produces: [$invoices]
  - name: mailer
    consumes:
      - {topic: $invoices, group: $pfx-mailer}
YAML
    "$KMIG" cutover plan --config "$cfg" --services "$svc" --json >"$T/$tag-plan.json" 2>"$T/$tag-plan.err" ||
        fail "kmig cutover plan: $(cat "$T/$tag-plan.err")"
    expect_eq "mailer billing shop" "$(jq -r '.order | join(" ")' "$T/$tag-plan.json")" "planned order"
    expect_eq 0 "$(jq '.summary.unselected_topic_uses' "$T/$tag-plan.json")" "unselected topic uses"

    for t in "$orders" "$invoices"; do
        "$KAFKA_SH" topics "src$tag" --create --topic "$t" --partitions "$P" >/dev/null
        "$TESTKIT" produce --bootstrap "$src" --topic "$t" --count "$N" "${gen[@]}" --idempotent >/dev/null ||
            fail "produce $t failed"
    done
    # billing read half of orders and stopped; mailer runs on the source
    "$TESTKIT" consume --bootstrap "$src" --group "$pfx-billing" --topic "$orders" "${gen[@]}" \
        --count "$N" --max-records $((N / 2)) --commit >"$T/$tag-billing.out" 2>&1 ||
        fail "billing consumer: $(tail -3 "$T/$tag-billing.out")"
    run_bg "$T/$tag-mailer-src.out" "$TESTKIT" consume --bootstrap "$src" --group "$pfx-mailer" \
        --topic "$invoices" "${gen[@]}" --count "$N" --follow --commit
    pid=$BG_PID
    wait_for "grep -q '^assigned=' '$T/$tag-mailer-src.out'" 60 || fail "the source mailer got no partitions"
    timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 >"$T/$tag-mirror1.log" 2>&1 ||
        fail "kmig mirror --stop-at-end exited $?: $(tail -5 "$T/$tag-mirror1.log")"

    # status: mailer still has a member on the source
    rc=0
    "$KMIG" cutover status --config "$cfg" --services "$svc" --json --quiet-seconds 1 \
        >"$T/$tag-status1.json" 2>"$T/$tag-status1.err" || rc=$?
    expect_eq 5 "$rc" "exit code of cutover status while mailer runs on the source ($(cat "$T/$tag-status1.err"))"
    st() { jq -r --arg s "$2" '.services[] | select(.service == $s) | .state' "$1"; }
    gf() { jq -r --arg g "$2" ".groups[] | select(.group == \$g) | .$3" "$1"; }
    tf() { jq -r --arg t "$2" ".topics[] | select(.topic == \$t) | .$3" "$1"; }
    expect_eq 1 "$(gf "$T/$tag-status1.json" "$pfx-mailer" source_members)" "mailer's members on the source"
    expect_eq in-sync "$(st "$T/$tag-status1.json" mailer)" "mailer's state with a member on the source"
    expect_eq false "$(jq .drained "$T/$tag-status1.json")" "drained while mailer runs"
    for t in "$orders" "$invoices"; do
        expect_eq true "$(tf "$T/$tag-status1.json" "$t" copied)" "$t copied"
        expect_eq false "$(tf "$T/$tag-status1.json" "$t" source_written)" "$t written on the source"
        expect_eq false "$(tf "$T/$tag-status1.json" "$t" foreign_writes)" "$t foreign writes"
    done
    rc=0
    "$KMIG" cutover group "$pfx-mailer" --config "$cfg" --json >"$T/$tag-group1.json" 2>"$T/$tag-group1.err" || rc=$?
    expect_eq 5 "$rc" "exit code of cutover group (dry run) while mailer runs on the source ($(cat "$T/$tag-group1.err"))"
    expect_eq waiting "$(jq -r .state "$T/$tag-group1.json")" "cutover group state while mailer runs on the source"
    expect_contains "$(jq -r .reason "$T/$tag-group1.json")" "1 member on the source" "cutover group reason"
    echo "Kafka $tag: a group with a member on the source is not ready"

    # step 1: stop mailer on the source, commit the exact offsets on the target
    kill_bg "$pid" TERM
    expect_eq 0 "$BG_RC" "exit status of the source mailer after SIGTERM"
    # invoices written meanwhile (billing still runs on the source): mailer reads them on the target
    "$TESTKIT" produce --bootstrap "$src" --topic "$invoices" --start "$N" --count "$M" "${gen[@]}" --idempotent >/dev/null ||
        fail "produce more invoices failed"
    timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 >"$T/$tag-mirror2.log" 2>&1 ||
        fail "kmig mirror --stop-at-end exited $?: $(tail -5 "$T/$tag-mirror2.log")"
    for g in mailer billing; do
        "$KMIG" cutover group "$pfx-$g" --config "$cfg" --execute --timeout 30 --json \
            >"$T/$tag-group-$g.json" 2>"$T/$tag-group-$g.err" ||
            fail "kmig cutover group $g --execute: exit $?: $(cat "$T/$tag-group-$g.json" "$T/$tag-group-$g.err")"
        expect_eq committed "$(jq -r .state "$T/$tag-group-$g.json")" "cutover group $g state"
        expect_eq "" "$(jq -r '.partitions[] | select(.status != "written" and .status != "up-to-date") | .status' "$T/$tag-group-$g.json")" \
            "cutover group $g: partitions not committed"
    done
    # a second run finds nothing to do
    "$KMIG" cutover group "$pfx-mailer" --config "$cfg" --json >"$T/$tag-group-again.json" 2>&1 ||
        fail "kmig cutover group again: $(cat "$T/$tag-group-again.json")"
    expect_eq "the target already has the exact offsets" "$(jq -r .reason "$T/$tag-group-again.json")" "second cutover group"
    rc=0
    "$KMIG" cutover status --config "$cfg" --services "$svc" --json --quiet-seconds 1 \
        >"$T/$tag-status2.json" 2>"$T/$tag-status2.err" || rc=$?
    expect_eq 5 "$rc" "exit code of cutover status before any service moved"
    expect_eq 0 "$(gf "$T/$tag-status2.json" "$pfx-mailer" source_members)" "mailer's members on the source"
    expect_eq true "$(gf "$T/$tag-status2.json" "$pfx-mailer" committed_on_target)" "mailer's exact offsets on the target"
    expect_eq ready "$(st "$T/$tag-status2.json" mailer)" "mailer's state once stopped and committed"
    expect_eq ready "$(st "$T/$tag-status2.json" billing)" "billing's state once stopped and committed"
    expect_eq ready "$(st "$T/$tag-status2.json" shop)" "shop's state (orders copied, not written)"
    echo "Kafka $tag: once stopped and committed exactly, the group is ready"

    # mailer starts on the target: moved, and it reads exactly what was left
    run_bg "$T/$tag-mailer-tgt.out" "$TESTKIT" consume --bootstrap "$tgt" --group "$pfx-mailer" \
        --topic "$invoices" "${gen[@]}" --count $((N + M)) --follow
    pid=$BG_PID
    wait_for "grep -q '^assigned=' '$T/$tag-mailer-tgt.out'" 60 || fail "the target mailer got no partitions"
    rc=0
    "$KMIG" cutover status --config "$cfg" --services "$svc" --json --quiet-seconds 1 \
        >"$T/$tag-status3.json" 2>"$T/$tag-status3.err" || rc=$?
    expect_eq 5 "$rc" "exit code of cutover status with one service moved"
    expect_eq moved "$(st "$T/$tag-status3.json" mailer)" "mailer's state with a member on the target"
    rc=0
    "$KMIG" cutover group "$pfx-mailer" --config "$cfg" --execute --json >"$T/$tag-group3.json" 2>&1 || rc=$?
    expect_eq 5 "$rc" "exit code of cutover group with members on the target"
    expect_eq refused "$(jq -r .state "$T/$tag-group3.json")" "cutover group state with members on the target"
    kill_bg "$pid" TERM
    # on the target, mailer reads exactly the records it had not read on the source
    expect_eq "$N" "$(field "$T/$tag-mailer-src.out" consumed)" "records mailer read on the source"
    "$TESTKIT" consume --bootstrap "$tgt" --group "$pfx-mailer" --topic "$invoices" "${gen[@]}" \
        --count $((N + M)) >"$T/$tag-mailer-tgt2.out" 2>&1 || fail "target mailer: $(tail -3 "$T/$tag-mailer-tgt2.out")"
    expect_eq "$M" "$(field "$T/$tag-mailer-tgt2.out" consumed)" "records mailer read on the target"
    for ((p = 0; p < P; p++)); do
        expect_eq "$(field "$T/$tag-mailer-src.out" "last[$p]")" "$(($(field "$T/$tag-mailer-tgt2.out" "first[$p]") - P))" \
            "mailer's first record on the target [$p] follows its last on the source"
        expect_eq 0 "$(field "$T/$tag-mailer-tgt2.out" "left[$p]")" "records left unread on the target [$p]"
    done
    echo "Kafka $tag: a group with members on the target only is moved"

    # shop writes its last orders on the source: still written, not drained
    run_bg "$T/$tag-shop-src.out" "$TESTKIT" produce --bootstrap "$src" --topic "$orders" \
        --start "$N" --count "$K" --rate 6 "${gen[@]}" --idempotent
    pid=$BG_PID
    # (it writes for 5 s: status reads while it does, once its first record is in)
    wait_for "[ \$(\"$TESTKIT\" count --bootstrap '$src' --topic '$orders' | sed -n 's/^total=//p') -gt $N ]" 30 ||
        fail "shop wrote nothing on the source"
    rc=0
    "$KMIG" cutover status --config "$cfg" --services "$svc" --json --quiet-seconds 1 \
        >"$T/$tag-status4.json" 2>"$T/$tag-status4.err" || rc=$?
    expect_eq 5 "$rc" "exit code of cutover status while shop writes on the source ($(cat "$T/$tag-status4.err"))"
    expect_eq true "$(tf "$T/$tag-status4.json" "$orders" source_written)" "orders written on the source"
    expect_eq in-sync "$(st "$T/$tag-status4.json" shop)" "shop's state while it writes on the source"
    expect_eq false "$(jq .drained "$T/$tag-status4.json")" "drained while shop writes on the source"
    wait_for "grep -q '^produced=' '$T/$tag-shop-src.out'" 30 || fail "shop on the source did not finish"
    kill_bg "$pid" # it has ended: collects its exit status
    expect_eq 0 "$BG_RC" "exit status of shop on the source"
    expect_eq "$K" "$(field "$T/$tag-shop-src.out" produced)" "orders shop wrote on the source"
    # shop stopped on the source; the mirror catches up; shop moves (writes on the target)
    timeout 120 "$KMIG" mirror --config "$cfg" --stop-at-end --progress 0 >"$T/$tag-mirror3.log" 2>&1 ||
        fail "kmig mirror --stop-at-end exited $?: $(tail -5 "$T/$tag-mirror3.log")"
    "$TESTKIT" produce --bootstrap "$tgt" --topic "$orders" --start $((N + K)) --count "$K" "${gen[@]}" \
        --idempotent >/dev/null || fail "produce orders on the target failed"
    # billing's group has not moved yet: not drained
    rc=0
    "$KMIG" cutover status --config "$cfg" --services "$svc" --json --quiet-seconds 2 \
        >"$T/$tag-status5.json" 2>"$T/$tag-status5.err" || rc=$?
    expect_eq 5 "$rc" "exit code of cutover status before billing moved ($(cat "$T/$tag-status5.err"))"
    for t in "$orders" "$invoices"; do
        expect_eq false "$(tf "$T/$tag-status5.json" "$t" source_written)" "$t written on the source (quiet)"
        expect_eq true "$(tf "$T/$tag-status5.json" "$t" copied)" "$t copied after the mirror caught up"
    done
    expect_eq true "$(tf "$T/$tag-status5.json" "$orders" foreign_writes)" "orders written on the target"
    expect_eq moved "$(st "$T/$tag-status5.json" shop)" "shop's state once it writes on the target"
    expect_eq ready "$(st "$T/$tag-status5.json" billing)" "billing's state before it moved"
    expect_eq false "$(jq .drained "$T/$tag-status5.json")" "drained before billing moved"

    # billing and mailer run on the target, billing writes invoices there: drained
    run_bg "$T/$tag-billing-tgt.out" "$TESTKIT" consume --bootstrap "$tgt" --group "$pfx-billing" \
        --topic "$orders" "${gen[@]}" --count $((N + 2 * K)) --follow
    local bpid=$BG_PID
    run_bg "$T/$tag-mailer-tgt3.out" "$TESTKIT" consume --bootstrap "$tgt" --group "$pfx-mailer" \
        --topic "$invoices" "${gen[@]}" --count $((N + M + K)) --follow
    pid=$BG_PID
    wait_for "grep -q '^assigned=' '$T/$tag-billing-tgt.out' && grep -q '^assigned=' '$T/$tag-mailer-tgt3.out'" 60 ||
        fail "the target billing or mailer got no partitions"
    "$TESTKIT" produce --bootstrap "$tgt" --topic "$invoices" --start $((N + M)) --count "$K" "${gen[@]}" \
        --idempotent >/dev/null || fail "produce invoices on the target failed"
    rc=0
    "$KMIG" cutover status --config "$cfg" --services "$svc" --json --quiet-seconds 2 \
        >"$T/$tag-status6.json" 2>"$T/$tag-status6.err" || rc=$?
    expect_eq 0 "$rc" "exit code of cutover status once everything moved ($(cat "$T/$tag-status6.json" "$T/$tag-status6.err"))"
    expect_eq true "$(jq .drained "$T/$tag-status6.json")" "drained once everything moved"
    expect_eq "moved moved moved" "$(jq -r '[.services[].state] | join(" ")' "$T/$tag-status6.json")" "every service's state"
    for g in mailer billing; do
        expect_eq 0 "$(gf "$T/$tag-status6.json" "$pfx-$g" source_members)" "$g's members on the source"
        expect_eq 1 "$(gf "$T/$tag-status6.json" "$pfx-$g" target_members)" "$g's members on the target"
        expect_eq moved "$(gf "$T/$tag-status6.json" "$pfx-$g" state)" "$g's group state"
    done
    kill_bg "$pid" TERM
    kill_bg "$bpid" TERM
    # exactly once across the move: on the target each group reads exactly what it had not read on the source
    "$TESTKIT" consume --bootstrap "$tgt" --group "$pfx-billing" --topic "$orders" "${gen[@]}" \
        --count $((N + 2 * K)) >"$T/$tag-billing-tgt2.out" 2>&1 || fail "target billing: $(tail -3 "$T/$tag-billing-tgt2.out")"
    expect_eq $((N + 2 * K - $(field "$T/$tag-billing.out" consumed))) "$(field "$T/$tag-billing-tgt2.out" consumed)" \
        "records billing read on the target"
    "$TESTKIT" consume --bootstrap "$tgt" --group "$pfx-mailer" --topic "$invoices" "${gen[@]}" \
        --count $((N + M + K)) >"$T/$tag-mailer-tgt4.out" 2>&1 || fail "target mailer: $(tail -3 "$T/$tag-mailer-tgt4.out")"
    expect_eq $((M + K)) "$(field "$T/$tag-mailer-tgt4.out" consumed)" "records mailer read on the target"
    local last
    for ((p = 0; p < P; p++)); do
        last=$(field "$T/$tag-billing.out" "last[$p]")
        [ "$last" = - ] && last=$((p - P))
        expect_eq "$last" "$(($(field "$T/$tag-billing-tgt2.out" "first[$p]") - P))" \
            "billing's first record on the target [$p] follows its last on the source"
        expect_eq 0 "$(field "$T/$tag-billing-tgt2.out" "left[$p]")" "orders left unread on the target [$p]"
        expect_eq 0 "$(field "$T/$tag-mailer-tgt4.out" "left[$p]")" "invoices left unread on the target [$p]"
    done
    echo "Kafka $tag: every service moved, every record read once, the flow is drained"
}

# one version: the first of the tier, 3.9 when it runs
tag=${KMIG_REAL_VERSIONS%% *}
case " ${KMIG_REAL_VERSIONS:-} " in *" 39 "*) tag=39 ;; esac
[ -n "$tag" ] || fail "KMIG_REAL_* not set: run it as tests/run.sh real $TEST_NAME"
KMIG_REAL_VERSIONS=$tag for_each_version check_version

#!/usr/bin/env bash
# `kmig demo --cutover --json` (under ASan/UBSan here): three services move in
# the planned order (mailer, billing, shop), each board says what the rules
# of `kmig cutover status` say at that point (in-sync, ready, moved), each
# group moves exactly (committed and read back), mailer goes back to the
# source exactly after billing moved (through both maps: the reverse flow
# new->old runs too and copies the invoices written on the target back) and
# forward again, the flow ends drained, and every consumer read every record
# exactly once; both flows' copies are verified through their own maps. The
# summary's facts, not its prose, are checked. A usage error for --json
# without --cutover.
. "$(dirname "$0")/../lib.sh"

rc=0
"$KMIG" demo --json >"$T/usage.out" 2>&1 || rc=$?
expect_eq 2 "$rc" "--json without --cutover is a usage error"

rc=0
"$KMIG" demo --cutover --json >"$T/demo.json" 2>"$T/demo.err" || rc=$?
expect_eq 0 "$rc" "kmig demo --cutover exit status: $(tail -5 "$T/demo.err")"
jq -e . "$T/demo.json" >/dev/null || fail "the summary is not JSON: $(head -c 300 "$T/demo.json")"
q() { jq -r "$1" "$T/demo.json"; }
expect_eq "pass 0 true 0" "$(q '"\(.result) \(.exit_code) \(.drained) \(.failed_checks | length)"')" "result"
# The plan: consumers first, then consume-and-produce, then producers.
expect_eq "mailer billing shop" "$(q '.steps[0].plan.order | join(" ")')" "the plan's order"
# States on the boards, step by step (service=state, one board per line).
boards() { q ".steps[] | select(.title | startswith(\"$1\")) | .status[] | [.services[] | \"\(.service)=\(.state)\"] | join(\",\")" | tr '\n' ' ' | sed 's/ $//'; }
expect_eq "shop=in-sync,billing=in-sync,mailer=in-sync" "$(boards "live traffic")" "everyone in sync on the source"
expect_eq "shop=in-sync,billing=in-sync,mailer=in-sync shop=in-sync,billing=in-sync,mailer=ready shop=in-sync,billing=in-sync,mailer=moved" \
    "$(boards "move mailer")" "mailer: stopped (in-sync), committed (ready), started on the target (moved)"
expect_eq "shop=in-sync,billing=moved,mailer=in-sync" "$(boards "the way back")" "mailer back on the source, billing stays moved"
expect_eq "shop=in-sync,billing=moved,mailer=moved" "$(boards "mailer moves forward")" "mailer forward again"
expect_eq "shop=in-sync,billing=in-sync,mailer=moved shop=in-sync,billing=ready,mailer=moved shop=in-sync,billing=moved,mailer=moved" \
    "$(boards "move billing")" "billing: in-sync, ready, moved"
expect_eq "shop=in-sync,billing=moved,mailer=moved shop=ready,billing=moved,mailer=moved shop=moved,billing=moved,mailer=moved" \
    "$(boards "move shop")" "shop: still written, quiet (ready), moved"
# Unknown is never ready: the first board has no earlier end offsets.
expect_eq "null not-ready" "$(q '.steps[0].status[0] | "\(.topics[] | select(.topic == "orders") | .source_written) \(.services[] | select(.service == "shop") | .state)"')" \
    "the first board: source written unknown, shop not ready"
# Drained only on the last board, with every fact behind it.
expect_eq "true" "$(q "[.steps[].status[]?.drained] | (last == true) and (.[:-1] | all(. == false))")" "drained only on the last board"
expect_eq "true true" "$(q '.steps[] | select(.title | startswith("move shop")) | .status[-1].topics | map(.foreign_writes) | map(tostring) | join(" ")')" \
    "both topics written on the target at the end"
# Group moves: exact commits read back; after the way back `cutover group`
# refuses (the target holds the group's own commit: nothing records the
# position it left the target from) and the demo commits the exact
# translation itself.
expect_eq "mailer:committed billing:committed mailer:refused mailer:committed-by-demo" \
    "$(q '[.steps[].group_moves[]? | "\(.group):\(.state)"] | join(" ")')" "group moves"
expect_eq "exact" "$(q '.steps[] | select(.title | startswith("the way back")) | .way_back')" "the way back is exact"
expect_eq true "$(q '.steps[] | select(.title | startswith("the way back")) | .way_back_partitions_through_reverse_map > 0')" \
    "the way back translated positions past records written on the target (through the reverse flow's map)"
# Every record and offset.
expect_eq "0 0 0 0" "$(q '.checks | "\(.billing.read_twice) \(.billing.not_read) \(.mailer.read_twice) \(.mailer.not_read)"')" \
    "each consumer read each record exactly once"
expect_eq true "$(q '.checks.billing.orders > 300 and .checks.billing.orders == .checks.mailer.invoices and .checks.billing.orders_on_target > 0 and .checks.mailer.invoices_on_target > 0')" \
    "records produced on both clusters"
expect_eq "true true" "$(q '.checks.topics | map(.missing == 0 and .different == 0 and .matched + .other_flow_copies == .source_records and .target_only == .produced_on_target) | map(tostring) | join(" ")')" \
    "every copied record equal through the map, and the target's others are the moved producers'"
expect_eq "true true" "$(q '.checks.topics | map(.other_flow_originals == .produced_on_target and .other_flow_copies == .produced_on_target and .back_matched == .produced_on_target and .back_differences == 0) | map(tostring) | join(" ")')" \
    "the reverse flow copied each record written on the target back once, equal through its map, and nothing else"
expect_eq "true true" "$(q '"\(.checks.billing_committed_at_end) \(.checks.mailer_committed_at_end)"')" "groups committed at the end"
# The walkthrough itself went to stderr, a header per step.
expect_eq 9 "$(grep -c '^== Step ' "$T/demo.err")" "step headers"
expect_contains "$(cat "$T/demo.err")" "drained: safe to stop mirroring" "walkthrough"
echo "demo --cutover: planned order, boards, exact group moves, a way back, drained, every record once"

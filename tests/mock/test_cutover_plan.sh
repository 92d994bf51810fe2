#!/usr/bin/env bash
# `kmig cutover plan` from the files alone (no cluster): the order of a chain
# with a cycle and an isolated service, cycles named, topics outside the
# mirror's selection flagged, the three outputs, and usage errors (exit 2 with
# the file and the reason) for bad manifests and options.
. "$(dirname "$0")/../lib.sh"

cat >"$T/mm2.properties" <<'EOF2'
clusters = a, b
a.bootstrap.servers = 127.0.0.1:1
b.bootstrap.servers = 127.0.0.1:2
a->b.enabled = true
a->b.topics = orders, invoices, ping, pong, events
EOF2
cat >"$T/services.yaml" <<'EOF2'
services:
  - name: shop
    produces: [orders]
  - name: billing
    consumes: [{topic: orders, group: billing}]
    produces: [invoices]
  - name: mailer
    consumes: [{topic: invoices, group: mailer}, {topic: secrets, group: mailer}]
  - name: pinger
    consumes: [{topic: pong, group: pinger}]
    produces: [ping]
  - name: ponger
    consumes: [{topic: ping, group: ponger}]
    produces: [pong, events]
  - name: tool
EOF2
"$KMIG" cutover plan --config "$T/mm2.properties" --services "$T/services.yaml" --json >"$T/plan.json" ||
    fail "cutover plan --json exited $?"
expect_eq "mailer billing pinger ponger shop tool" "$(jq -r '.order | join(" ")' "$T/plan.json")" "order"
expect_eq 5 "$(jq '.steps | length' "$T/plan.json")" "steps"
expect_eq true "$(jq '.steps[2].cycle' "$T/plan.json")" "pinger and ponger are a cycle"
expect_eq "pong ping" "$(jq -r '.steps[2].cycle_topics | join(" ")' "$T/plan.json")" "cycle topics"
expect_eq 1 "$(jq '.summary.unselected_topic_uses' "$T/plan.json")" "unselected topic uses"
expect_contains "$(jq -r '.steps[0].warnings[0]' "$T/plan.json")" "mailer consumes topic secrets, which the mirror does not copy"
expect_contains "$(jq -r '.steps[3].before | join("\n")' "$T/plan.json")" "consumer billing of topic orders already moved to the target"

out=$("$KMIG" cutover plan --config "$T/mm2.properties" --services "$T/services.yaml") || fail "text plan"
expect_contains "$out" "Step 3: move pinger + ponger (cycle, together)"
expect_contains "$out" "cycle: pinger, ponger feed each other through topics pong, ping"
out=$("$KMIG" cutover plan --config "$T/mm2.properties" --services "$T/services.yaml" --markdown) || fail "markdown plan"
expect_contains "$out" "## Step 1: mailer (consumer)"
expect_contains "$out" "- [ ] group billing has no members on the source"

# usage errors: exit 2, naming the file and what is wrong
bad() { # WHAT EXPECTED-TEXT ARGS...
    local what=$1 text=$2 rc=0 out
    shift 2
    out=$("$KMIG" cutover "$@" 2>&1) || rc=$?
    expect_eq 2 "$rc" "$what: exit status ($out)"
    expect_contains "$out" "$text" "$what"
}
printf 'services:\n  - name: a\n    consumes: [{topic: t}]\n' >"$T/bad1.yaml"
bad "entry without group" "$T/bad1.yaml: service a: consumes[0] needs a topic and a group" \
    plan --config "$T/mm2.properties" --services "$T/bad1.yaml"
printf 'services: [\n' >"$T/bad2.yaml"
bad "bad YAML" "$T/bad2.yaml:" plan --config "$T/mm2.properties" --services "$T/bad2.yaml"
bad "no manifest" "--services FILE is required" plan --config "$T/mm2.properties"
bad "missing manifest" "cannot read $T/none.yaml" plan --config "$T/mm2.properties" --services "$T/none.yaml"
bad "unknown subcommand" "'fly' is not a subcommand" fly
bad "status --quiet-seconds" "kmig cutover status: --quiet-seconds wants an integer in [1, 3600], got '0'" \
    status --config "$T/mm2.properties" --quiet-seconds 0
bad "group --timeout" "kmig cutover group: --timeout wants an integer in [0, 86400], got 'x'" \
    group g --config "$T/mm2.properties" --timeout x
bad "group without a name" "name one GROUP" group --config "$T/mm2.properties"
echo "cutover plan: order, cycles, flags, outputs and usage errors as documented"

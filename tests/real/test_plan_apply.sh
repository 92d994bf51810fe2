#!/usr/bin/env bash
# assess, plan and apply on real Kafka with an authorizer: a source with 50
# topics (some with non-default configs), consumer groups with known lag and
# ACL bindings (literal and prefixed, Write, Deny, group, cluster, a
# certificate-DN principal). `kmig assess --json` must list exactly that and
# print a sizing whose numbers follow from its printed inputs; `kmig plan`
# must list every change, with the DN principal mapped; the Terraform and
# Strimzi exports must parse and describe the same changes; `kmig apply` is a
# dry run without --execute; with it, the target gets the topics, configs and
# bindings, and a second plan is empty.
. "$(dirname "$0")/../lib.sh"

[ -n "${KMIG_REAL_VERSIONS:-}" ] || fail "KMIG_REAL_* not set: run it as tests/run.sh real $TEST_NAME"
no_leak_check
PY=/usr/bin/python3 # Debian's, with python3-yaml and python3-pyhcl (scripts/setup.sh)

N=50
G=5
MAP='regex:User:CN=([^,]+),.* -> User:$1'

check_version() {
    local tag=$1 src tgt p cfg out rc
    src=KMIG_REAL_SRC_$tag; src=${!src}
    tgt=KMIG_REAL_TGT_$tag; tgt=${!tgt}
    p=$(unique_name pa)
    "$TESTKIT" admin-seed --bootstrap "$src" --topics $N --prefix "$p" --configs --acls \
        --groups $G >"$T/seed-$tag.log" 2>&1 || fail "admin-seed: $(cat "$T/seed-$tag.log")"
    cfg=$T/mm2-$tag.properties
    cat >"$cfg" <<PROPS
clusters = src$tag, tgt$tag
src$tag.bootstrap.servers = $src
tgt$tag.bootstrap.servers = $tgt
src$tag->tgt$tag.enabled = true
src$tag->tgt$tag.topics = $p-.*
src$tag->tgt$tag.groups = $p-group-.*
replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy
replication.factor = 1
PROPS

    # --- assess: the inventory and a sizing a reviewer can recompute.
    "$KMIG" assess --config "$cfg" --sample 1 --json >"$T/assess-$tag.json" 2>"$T/assess-$tag.err" ||
        fail "kmig assess failed: $(cat "$T/assess-$tag.err")"
    "$PY" - "$T/assess-$tag.json" "$p" $N $G <<'PY' || fail "assess inventory/sizing check failed (Kafka $tag)"
import json, math, sys
a = json.load(open(sys.argv[1])); p = sys.argv[2]; n = int(sys.argv[3]); g = int(sys.argv[4])
src = a["source"]
def check(cond, what):
    if not cond:
        print("assess: " + what, file=sys.stderr); sys.exit(1)
mine = [t for t in src["topics"] if t["name"].startswith(p + "-")]
check(len(mine) == n, "%d of %d topics" % (len(mine), n))
for t in mine:
    i = int(t["name"][-3:])
    check(t["partitions"] == 3 and t["replication_factor"] == 1, t["name"] + " shape")
    check(t["records"] == 30, "%s has %s records, not 30" % (t["name"], t["records"]))
    check(t["compacted"] == (i % 5 == 0), t["name"] + " compacted")
    cfg = t.get("configs", {})
    check((cfg.get("retention.ms") == "3600000") == (i % 7 == 0), t["name"] + " retention.ms")
    check((cfg.get("max.message.bytes") == "2000000") == (i % 3 == 0), t["name"] + " max.message.bytes")
groups = {x["name"]: x for x in src["groups"] if x["name"].startswith(p + "-group-")}
check(len(groups) == g, "%d of %d groups" % (len(groups), g))
for k in range(g):
    x = groups["%s-group-%02d" % (p, k)]
    check(x["lag"] == 3 * (9 - k % 10) and x["partitions"] == 6, "%s lag %s over %s partitions" % (x["name"], x["lag"], x["partitions"]))
acls = {(b["resource_type"], b["pattern"], b["resource_name"], b["principal"], b["operation"], b["permission"]) for b in src["acls"]["bindings"]}
for want in [("Topic", "LITERAL", p + "-000", "User:alice", "Read", "Allow"),
             ("Topic", "LITERAL", p + "-000", "User:alice", "Write", "Allow"),
             ("Topic", "PREFIXED", p + "-", "User:bob", "Describe", "Allow"),
             ("Group", "LITERAL", p + "-group-00", "User:alice", "Read", "Allow"),
             ("Group", "PREFIXED", p + "-group-", "User:bob", "Read", "Allow"),
             ("Cluster", "LITERAL", "kafka-cluster", "User:alice", "IdempotentWrite", "Allow"),
             ("Topic", "LITERAL", p + "-001", "User:mallory", "Write", "Deny"),
             ("Topic", "LITERAL", p + "-002", "User:CN=carol,OU=apps,O=acme", "Read", "Allow")]:
    check(want in acls, "ACL binding missing: %s" % (want,))
codes = {w["code"] for w in a["warnings"]}
check({"compacted", "max-message-bytes"} <= codes, "warnings %s" % sorted(codes))
# Sizing: the inputs follow from the inventory, each bound from the inputs.
s = a["sizing"]; i = s["inputs"]
parts = sum(t["partitions"] for t in src["topics"] if not t["name"].startswith("__"))
check(i["partitions"] == parts, "sizing partitions %s != %s" % (i["partitions"], parts))
rf = i["target_replication_factor"]
for c in s["classes"]:
    spec, b = c["aws"], c["bounds"]
    r = rf if c["kind"] == "standard" else 3
    want = math.ceil(parts * r / spec["partitions_recommended"])
    check(b["partitions"]["brokers"] == want, "%s partitions bound %s != %s" % (c["name"], b["partitions"]["brokers"], want))
    top = max(x["brokers"] for x in b.values())
    check(c["brokers"] == math.ceil(top / i["availability_zones"]) * i["availability_zones"], c["name"] + " broker count")
    check(str(c["brokers"]) in c["brokers_formula"], c["name"] + " formula")
check(s["recommended"]["standard"] and s["recommended"]["express"], "no recommendation")
PY

    # --- plan: every change, the DN principal mapped.
    "$KMIG" plan --config "$cfg" --map-principal "$MAP" --json >"$T/plan-$tag.json" 2>"$T/plan-$tag.err" ||
        fail "kmig plan failed: $(cat "$T/plan-$tag.err")"
    "$PY" - "$T/plan-$tag.json" "$p" $N <<'PY' || fail "plan check failed (Kafka $tag)"
import json, sys
plan = json.load(open(sys.argv[1])); p = sys.argv[2]; n = int(sys.argv[3])
ch = plan["changes"]
topics = [c for c in ch if c["action"] == "create_topic"]
assert len(topics) == n, "create_topic: %d" % len(topics)
assert all(c["topic"].startswith(p + "-") for c in topics), "foreign topics planned"
acls = {(c["resource_type"], c["resource_name"], c["principal"], c["operation"], c["permission"]) for c in ch if c["action"] == "create_acl"}
for want in [("Topic", p + "-000", "User:alice", "Write", "Allow"),
             ("Topic", p + "-", "User:bob", "Describe", "Allow"),
             ("Group", p + "-group-", "User:bob", "Read", "Allow"),
             ("Topic", p + "-001", "User:mallory", "Write", "Deny"),
             ("Topic", p + "-002", "User:carol", "Read", "Allow")]:
    assert want in acls, "planned ACL missing: %s" % (want,)
assert not any("CN=" in c["principal"] for c in ch if c["action"] == "create_acl"), "unmapped DN"
PY

    # --- exports parse and carry the same changes.
    "$KMIG" plan --config "$cfg" --map-principal "$MAP" --format terraform >"$T/plan-$tag.tf" 2>/dev/null ||
        fail "plan --format terraform failed"
    "$KMIG" plan --config "$cfg" --map-principal "$MAP" --format strimzi --strimzi-cluster target \
        >"$T/plan-$tag.yaml" 2>/dev/null || fail "plan --format strimzi failed"
    "$PY" - "$T/plan-$tag.json" "$T/plan-$tag.tf" "$T/plan-$tag.yaml" <<'PY' || fail "exports do not match the plan (Kafka $tag)"
import hcl, json, sys, yaml
plan = json.load(open(sys.argv[1]))["changes"]
tf = hcl.load(open(sys.argv[2]))
res = tf["resource"]
topics = {c["topic"]: c for c in plan if c["action"] == "create_topic"}
tft = {r["name"]: r for r in res["kafka_topic"].values()}
assert set(tft) == set(topics), "terraform topics differ from the plan"
for name, c in topics.items():
    assert tft[name]["partitions"] == c["partitions"], name + " partitions"
    assert tft[name].get("config", {}) == {k: v for k, v in c["configs"].items()}, name + " configs"
acls = sorted((c["resource_type"], c["resource_name"], c["pattern_type"].capitalize(), c["principal"], c["operation"], c["permission"])
              for c in plan if c["action"] == "create_acl")
tfa = sorted((r["resource_type"], r["resource_name"], r["resource_pattern_type_filter"], r["acl_principal"], r["acl_operation"], r["acl_permission_type"])
             for r in res["kafka_acl"].values())
assert tfa == acls, "terraform ACLs differ from the plan:\n%s\n%s" % (tfa, acls)
docs = [d for d in yaml.safe_load_all(open(sys.argv[3])) if d]
kt = {d["spec"].get("topicName", d["metadata"]["name"]): d for d in docs if d["kind"] == "KafkaTopic"}
assert set(kt) == set(topics), "strimzi topics differ from the plan"
for d in docs:
    assert d["apiVersion"].startswith("kafka.strimzi.io/"), d["apiVersion"]
    assert d["metadata"]["labels"]["strimzi.io/cluster"] == "target"
for name, c in topics.items():
    assert kt[name]["spec"]["partitions"] == c["partitions"], name + " strimzi partitions"
users = {d["metadata"]["name"]: d for d in docs if d["kind"] == "KafkaUser"}
n = 0
for u, d in users.items():
    n += sum(len(a.get("operations", [a.get("operation")])) for a in d["spec"]["authorization"]["acls"])
user_acls = [a for a in acls if a[3].startswith("User:")]
assert set(users) == {a[3][5:] for a in user_acls}, "strimzi users %s" % sorted(users)
assert n == len(user_acls), "strimzi ACL count %d != %d" % (n, len(user_acls))
PY

    # --- apply: dry run changes nothing; --execute makes the target match.
    "$KMIG" apply --config "$cfg" --map-principal "$MAP" >/dev/null 2>&1 || fail "apply (dry run) failed"
    if "$KAFKA_SH" topics "tgt$tag" --list | grep -q "^$p-"; then fail "the dry run created topics"; fi
    rc=0
    out=$("$KMIG" apply --config "$cfg" --map-principal "$MAP" --execute 2>&1) || rc=$?
    expect_eq 0 "$rc" "kmig apply --execute exit status: $out"
    expect_contains "$out" "0 failed" "apply summary"
    "$KMIG" plan --config "$cfg" --map-principal "$MAP" --json >"$T/plan2-$tag.json" 2>/dev/null ||
        fail "second plan failed"
    expect_eq 0 "$(jq '.changes | length' "$T/plan2-$tag.json")" "changes in the second plan: $(jq -c .changes "$T/plan2-$tag.json")"
    out=$("$KMIG" apply --config "$cfg" --map-principal "$MAP" --execute 2>&1) ||
        fail "second apply failed: $out"
    expect_contains "$out" "No changes" "second apply"

    # --- what the target has, as Kafka's own tools see it.
    expect_eq $N "$("$KAFKA_SH" topics "tgt$tag" --list | grep -c "^$p-[0-9]")" "topics on the target"
    out=$("$KAFKA_SH" configs "tgt$tag" --describe --entity-type topics --entity-name "$p-035")
    expect_contains "$out" "cleanup.policy=compact" "configs of $p-035"
    expect_contains "$out" "retention.ms=3600000" "configs of $p-035"
    out=$("$KAFKA_SH" acls "tgt$tag" --list)
    expect_contains "$out" "principal=User:carol, host=*, operation=READ, permissionType=ALLOW" "mapped binding"
    expect_contains "$out" "principal=User:mallory, host=*, operation=WRITE, permissionType=DENY" "deny binding"
    expect_contains "$out" "resourceType=GROUP, name=$p-group-, patternType=PREFIXED" "prefixed group binding"
    expect_contains "$out" "principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW" "write binding"
    echo "Kafka $tag: assess, plan, exports and apply agree on $N topics, $G groups and the ACLs"
}

for_each_version check_version

#!/usr/bin/env bash
# The web dashboard on real Kafka, in a real browser: a mirror started with
# --http 127.0.0.1:0 writes its port to --http-port-file; while a producer
# keeps writing, Debian's headless Chromium loads the page (with a topic
# selected: ?topic=), runs its JavaScript, and dumps the DOM; the DOM is
# checked against /api/status fetched with curl just before and just after:
# the flow, the topic and the group are there, every copied count the page
# shows lies between the two documents' counts (they only grow), the topic's
# partitions are listed. Screenshots at desktop (1280x900), phone (390x844)
# and tall (1280x2000, every panel, dark theme) sizes are kept in build/test-logs/ and their paths printed.
# With --services FILE the page shows the cutover board (docs/CUTOVER.md): a
# producer still writing is in-sync, a stopped group whose exact offsets the
# sync committed on the target is ready, its members read from both clusters;
# the board's states and facts in the DOM are those of /api/status's
# "cutover" (and a screenshot of the board is kept).
# The browser runs on the first Kafka version only (it is slow on small
# machines); the API checks run on every version.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/groupslib.sh"

[ -n "${KMIG_REAL_VERSIONS:-}" ] || fail "KMIG_REAL_* not set: run it as tests/run.sh real $TEST_NAME"
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || fail "chromium not found (scripts/setup.sh installs it)"
command -v python3 >/dev/null || fail "python3 not found"
SHOTS=$ROOT/build/test-logs
mkdir -p "$SHOTS"
BROWSER_TAG=${KMIG_REAL_VERSIONS%% *}

# dom_facts HTML: the page's figures as JSON (from the data-* hooks).
dom_facts() {
    python3 - "$1" <<'PY'
import json, sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.f = {"topics": {}, "flows": {}, "groups": [], "partitions": [], "warnings": [],
                  "updates": 0, "cutover_services": {}, "cutover_groups": {},
                  "cutover_topics": {}, "drained": None}
        self.row = None
    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == "body":
            self.f["updates"] = int(a.get("data-updates", "0"))
        if tag == "tr":
            self.row = {k[5:]: v for k, v in a.items() if k.startswith("data-")}
            self.row["_table"] = self.table
        if tag == "table":
            self.table = a.get("id")
        if tag == "td" and self.row is not None and "data-field" in a and "data-value" in a:
            self.row[a["data-field"]] = a["data-value"]
        if tag == "li" and "data-kind" in a:
            self.f["warnings"].append(a["data-kind"])
        if tag == "span" and a.get("id") == "cutover-drained" and "data-value" in a:
            self.f["drained"] = a["data-value"]
    def handle_endtag(self, tag):
        if tag == "tr" and self.row is not None:
            r, t = self.row, self.row.pop("_table")
            if t == "topics" and "topic" in r: self.f["topics"][r["topic"]] = int(r.get("records", -1))
            if t == "flows" and "flow" in r: self.f["flows"][r["flow"]] = int(r.get("records", -1))
            if t == "groups" and "group" in r: self.f["groups"].append(r)
            if t == "partitions" and "partition" in r: self.f["partitions"].append(r)
            if t == "cutover-services" and "service" in r: self.f["cutover_services"][r["service"]] = r.get("state")
            if t == "cutover-groups" and "group" in r: self.f["cutover_groups"][r["group"]] = r
            if t == "cutover-topics" and "topic" in r: self.f["cutover_topics"][r["topic"]] = r
            self.row = None
    table = None
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
print(json.dumps(p.f))
PY
}

check_version() {
    local tag=$1 src topic group cfg pid port U i a b dom shot phone full board
    src=KMIG_REAL_SRC_$tag; src=${!src}
    topic=$(unique_name dash)
    group=$(unique_name dashgroup)
    "$KAFKA_SH" topics "src$tag" --create --topic "$topic" --partitions 4 >/dev/null
    "$TESTKIT" produce --bootstrap "$src" --topic "$topic" --partitions 4 --count 20000 \
        --size 200 >/dev/null || fail "produce failed"
    "$TESTKIT" commit --bootstrap "$src" --group "$group" --topic "$topic" \
        --offset 0:100 --offset 1:200 >/dev/null || fail "commit on the source failed"
    cfg=$T/mm2-$tag.properties
    groups_config "$cfg" "$tag" "$topic" "$group"
    cat >"$T/services-$tag.yaml" <<YAML
services:
  - name: writer
    produces: [$topic]
  - name: reader
    consumes: [{topic: $topic, group: $group}]
YAML
    run_bg "$T/mirror-$tag.log" "$KMIG" mirror --config "$cfg" --http 127.0.0.1:0 \
        --http-port-file "$T/port-$tag" --progress 0 --topics "$topic,heartbeats" \
        --set heartbeats.topic.replication.factor=1 --services "$T/services-$tag.yaml"
    pid=$BG_PID
    wait_for "[ -s '$T/port-$tag' ]" 60 0.2 || fail "no --http-port-file: $(tail -5 "$T/mirror-$tag.log")"
    port=$(cat "$T/port-$tag")
    U=http://127.0.0.1:$port
    # Live traffic for the rest of the test.
    (i=20000; while :; do
         "$TESTKIT" produce --bootstrap "$src" --topic "$topic" --partitions 4 --start "$i" \
             --count 400 --size 200 --base-ts "$(($(date +%s%3N) - i))" >/dev/null 2>&1 || true
         i=$((i + 400)); sleep 0.3
     done) &
    local feeder=$!
    _LIB_BG_PIDS+=("$feeder") # stopped with the mirror if a check fails
    st() { curl -sf "$U/api/status" >"$1" && jq -e .version "$1" >/dev/null; }
    tq() { jq -r --arg t "$topic" "$2" "$1"; }
    wait_for "st '$T/a-$tag.json' && [ \"\$(tq '$T/a-$tag.json' '.topics[] | select(.topic == \$t) | .records')\" -gt 20000 ] &&
              [ \"\$(jq '[.groups.list[] | select(.group == \"$group\")] | length' '$T/a-$tag.json')\" = 1 ] &&
              [ \"\$(jq -r '.groups.list[] | select(.group == \"$group\") | .partitions[] | select(.partition == 0) | .translation' '$T/a-$tag.json')\" != pending ]" 90 0.5 ||
        fail "status never showed the copy and the group: $(cat "$T/a-$tag.json"); $(tail -5 "$T/mirror-$tag.log")"
    expect_eq "1 s$tag t$tag" "$(jq -r '"\(.version) \(.flows[0].source) \(.flows[0].target)"' "$T/a-$tag.json")" "version and flow"
    expect_eq "exact 100" "$(jq -r --arg g "$group" '.groups.list[] | select(.group == $g) | .partitions[] | select(.partition == 0) | "\(.translation) \(.source_offset)"' "$T/a-$tag.json")" \
        "group partition 0 in /api/status"
    wait_for "st '$T/hb-$tag.json' && jq -e '.flows[0].heartbeat_latency_last_ms != null' '$T/hb-$tag.json' >/dev/null" 60 0.5 ||
        fail "no heartbeat reached the target: $(jq -c .flows "$T/hb-$tag.json")"
    # The cutover board: the writer still writes (in-sync); the reader's group has no
    # members anywhere and the sync committed its exact offsets on the target (ready).
    svc_states() { jq -r '[.cutover.services[] | "\(.service)=\(.state)"] | join(",")' "$1"; }
    wait_for "st '$T/c-$tag.json' && [ \"\$(svc_states '$T/c-$tag.json')\" = 'writer=in-sync,reader=ready' ]" 60 0.5 ||
        fail "the board never showed writer in-sync and reader ready: $(jq -c .cutover "$T/c-$tag.json")"
    expect_eq "0 0 true true" "$(jq -r --arg g "$group" '.cutover.groups[] | select(.group == $g) | "\(.source_members) \(.target_members) \(.translated) \(.committed_on_target)"' "$T/c-$tag.json")" \
        "the reader group's facts on the board"
    expect_eq "true true false" "$(tq "$T/c-$tag.json" '.cutover.topics[] | select(.topic == $t) | "\(.selected) \(.source_written) \(.foreign_writes)"')" \
        "the topic's facts on the board"
    expect_eq false "$(jq -r .cutover.drained "$T/c-$tag.json")" "not drained while the writer writes"

    if [ "$tag" = "$BROWSER_TAG" ]; then
        dom=$T/dom-$tag.html
        shot=$SHOTS/dashboard-$tag-desktop.png
        phone=$SHOTS/dashboard-$tag-phone.png
        full=$SHOTS/dashboard-$tag-dark-full.png
        st "$T/a-$tag.json" || fail "status before the browser"
        local chrome=(timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu
                      --disable-dev-shm-usage --no-first-run --hide-scrollbars
                      --user-data-dir="$T/chrome-$tag" --virtual-time-budget=6000)
        "${chrome[@]}" --dump-dom "$U/?topic=$topic" >"$dom" 2>"$T/chrome-$tag.err" ||
            fail "chromium --dump-dom failed: $(tail -5 "$T/chrome-$tag.err")"
        st "$T/b-$tag.json" || fail "status after the browser"
        dom_facts "$dom" >"$T/dom-$tag.json" || fail "could not parse the DOM"
        local d=$T/dom-$tag.json
        [ "$(jq .updates "$d")" -ge 1 ] || fail "the page never rendered a status: $(head -c 2000 "$dom")"
        local lo hi seen
        lo=$(tq "$T/a-$tag.json" '.topics[] | select(.topic == $t) | .records')
        hi=$(tq "$T/b-$tag.json" '.topics[] | select(.topic == $t) | .records')
        seen=$(jq -r --arg t "$topic" '.topics[$t] // -1' "$d")
        [ "$lo" -le "$seen" ] && [ "$seen" -le "$hi" ] ||
            fail "the page shows $seen copied for $topic, /api/status said $lo before and $hi after"
        lo=$(jq '.flows[0].records' "$T/a-$tag.json"); hi=$(jq '.flows[0].records' "$T/b-$tag.json")
        seen=$(jq -r --arg f "s$tag->t$tag" '.flows[$f] // -1' "$d")
        [ "$lo" -le "$seen" ] && [ "$seen" -le "$hi" ] ||
            fail "the page shows $seen copied for the flow, /api/status said $lo before and $hi after"
        expect_eq "0 1 2 3" "$(jq -r '[.partitions[].partition] | join(" ")' "$d")" "partitions of the selected topic on the page"
        expect_eq "100" "$(jq -r --arg g "$group" '.groups[] | select(.group == $g and .partition == "0") | .source_offset' "$d")" \
            "the group's partition 0 source offset on the page"
        expect_eq "$(jq -r '[.warnings[].kind] | sort | join(",")' "$T/b-$tag.json")" \
            "$(jq -r '.warnings | sort | join(",")' "$d")" "warnings on the page and in /api/status"
        expect_eq "reader=ready writer=in-sync" "$(jq -r '.cutover_services | to_entries | map("\(.key)=\(.value)") | sort | join(" ")' "$d")" \
            "service states on the page's board"
        expect_eq "$(svc_states "$T/b-$tag.json")" "writer=in-sync,reader=ready" "service states in /api/status after the browser"
        expect_eq "0 0 true true ready" "$(jq -r --arg g "$group" '.cutover_groups[$g] | "\(.source_members) \(.target_members) \(.translated) \(.committed_on_target) \(.state)"' "$d")" \
            "the reader group's row on the page's board"
        expect_eq "true true false" "$(jq -r --arg t "$topic" '.cutover_topics[$t] | "\(.selected) \(.source_written) \(.foreign_writes)"' "$d")" \
            "the topic's row on the page's board"
        expect_eq false "$(jq -r .drained "$d")" "drained on the page"
        "${chrome[@]}" --screenshot="$shot" --window-size=1280,900 "$U/?topic=$topic" \
            >/dev/null 2>>"$T/chrome-$tag.err" || fail "desktop screenshot failed"
        "${chrome[@]}" --screenshot="$phone" --window-size=390,844 "$U/" \
            >/dev/null 2>>"$T/chrome-$tag.err" || fail "phone screenshot failed"
        "${chrome[@]}" --force-dark-mode --screenshot="$full" --window-size=1280,2000 "$U/?topic=$topic" \
            >/dev/null 2>>"$T/chrome-$tag.err" || fail "dark full-page screenshot failed"
        board=$SHOTS/dashboard-$tag-cutover.png
        "${chrome[@]}" --screenshot="$board" --window-size=1280,1100 "$U/#cutover-panel" \
            >/dev/null 2>>"$T/chrome-$tag.err" || fail "cutover board screenshot failed"
        [ -s "$shot" ] && [ -s "$phone" ] && [ -s "$full" ] && [ -s "$board" ] || fail "empty screenshot"
        echo "dashboard screenshots: $shot $phone $full $board"
    fi
    kill "$feeder" 2>/dev/null || true
    wait "$feeder" 2>/dev/null || true
    kill_bg "$pid" TERM
    expect_eq 0 "$BG_RC" "kmig mirror exit status after SIGTERM"
    echo "Kafka $tag: dashboard and /api/status agree"
}

for_each_version check_version

#!/usr/bin/env bash
# Every command that talks to clusters checks them first and fails fast: with a
# closed port as the source (then as the target, the source a mock cluster),
# `assess`, `plan`, `apply`, `mirror`, `offsets` and `map` exit 1 within 15 s
# with one line on stderr naming the unreachable cluster's alias and
# "connection refused" (no wall of librdkafka retries). The secured and
# misconfigured cases run against real brokers in
# tests/real/test_secure_errors.sh.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mocklib.sh"

mock_start up --brokers 1 --topic orders:1
UP=$MOCK_BOOTSTRAP
CLOSED=127.0.0.1:$(free_port 1)

# cfg FILE SRC TGT
cfg() {
    printf '%s\n' "clusters = src, tgt" "src.bootstrap.servers = $2" "tgt.bootstrap.servers = $3" \
        "src->tgt.enabled = true" "src->tgt.topics = orders" >"$1"
}
cfg "$T/src-down.properties" "$CLOSED" "$UP"
cfg "$T/tgt-down.properties" "$UP" "$CLOSED"

check() {
    local file=$1 alias=$2 cmd rc t0 ms err lines
    for cmd in assess plan apply mirror offsets map; do
        local args=("$cmd" --config "$file")
        case $cmd in
        mirror) args+=(--stop-at-end) ;;
        offsets) args+=(--group g) ;;
        esac
        [ "$cmd" != map ] || [ "$alias" = tgt ] || continue # map reads the target only
        err=$T/$alias-$cmd.err
        t0=$(date +%s%N)
        rc=0
        timeout 60 "$KMIG" "${args[@]}" >/dev/null 2>"$err" || rc=$?
        ms=$((($(date +%s%N) - t0) / 1000000))
        expect_eq 1 "$rc" "kmig $cmd with '$alias' down: exit status ($(head -c 300 "$err"))"
        [ "$ms" -lt 15000 ] || fail "kmig $cmd with '$alias' down took $ms ms"
        expect_contains "$(cat "$err")" "cluster '$alias' ($CLOSED): cannot connect: connection refused" \
            "kmig $cmd with '$alias' down: stderr"
        lines=$(wc -l <"$err")
        [ "$lines" -le 5 ] || fail "kmig $cmd with '$alias' down: $lines lines on stderr: $(head -8 "$err")"
        echo "kmig $cmd, '$alias' down: exit $rc in $ms ms, $lines line(s)"
    done
}
check "$T/src-down.properties" src
check "$T/tgt-down.properties" tgt

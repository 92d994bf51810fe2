#!/usr/bin/env bash
# A cluster kmig cannot use fails fast and says why, on real brokers: for each
# way a secured (or unreachable) cluster refuses kmig, `kmig assess`, `kmig
# offsets` and `kmig mirror` exit non-zero within 15 s, with a short stderr (at
# most 5 lines at the default log level: no wall of repeated client log lines)
# that names the cluster's alias and the cause, and shows no secret. The cases,
# each against a listener of a private broker (securelib.sh) or a closed port:
#   wrong-scram    SASL_SSL + SCRAM-SHA-512, wrong password  "authentication failed"
#   wrong-plain    SASL_PLAINTEXT + PLAIN, wrong password    "authentication failed"
#   untrusted-ca   SSL (mTLS), truststore of another CA      "certificate verify failed"
#   expired        SSL, the broker's certificate expired     "expired"
#   hostname       SSL, the certificate names another host   "hostname mismatch"
#   unreachable    a closed port (as the SOURCE)             "connection refused"
#   plain-on-tls   no security.protocol on the SASL_SSL port "speaks TLS"
#   tls-on-plain   security.protocol=SSL on the plaintext port "does not speak TLS"
# Exit status: 2 (configuration) for the TLS and SASL causes, 1 for a cluster
# that does not answer (README "Exit codes").
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/securelib.sh"

[ -n "${KMIG_REAL_VERSIONS:-}" ] || fail "KMIG_REAL_* not set: run it as tests/run.sh real $TEST_NAME"
command -v openssl >/dev/null || fail "openssl not found"

C=$T/certs
secure_certs "$C"
WRONG_PASSWORD=wrong-Pw-3c1d9e77
SECRETS=("$SECURE_PASSWORD" "$SECURE_STORE_PASSWORD" "$SECURE_KEY_PASSWORD"
    "$SECURE_BROKER_PASSWORD" "$WRONG_PASSWORD" "$(sed -n 2p "$C/client.key")")
MAX_LINES=5
MAX_MS=15000

# mm2 CFG SRC_ALIAS SRC_BOOT TGT_ALIAS TGT_BOOT [src:key=value | key=value (target)...]
mm2() { secure_mm2 "$1" "$2" "$3" "$4" "$5" "$TOPIC" "${@:6}"; }

# expect_failure CASE ALIAS CAUSE CODE CFG: assess, offsets and mirror each fail
# as described above.
expect_failure() {
    local name=$1 alias=$2 cause=$3 code=$4 cfg=$5 cmd out err t0 ms rc lines s
    for cmd in assess offsets mirror; do
        out=$T/$TAG-$name-$cmd.out err=$T/$TAG-$name-$cmd.err
        local args=("$cmd" --config "$cfg")
        case $cmd in
        offsets) args+=(--group "$GROUP") ;;
        mirror) args+=(--stop-at-end) ;;
        esac
        t0=$(date +%s%N)
        rc=0
        timeout 60 "$KMIG" "${args[@]}" >"$out" 2>"$err" || rc=$?
        ms=$((($(date +%s%N) - t0) / 1000000))
        [ "$rc" != 124 ] || fail "$TAG $name: kmig $cmd still running after 60 s: $(tail -3 "$err")"
        [ "$rc" != 0 ] || fail "$TAG $name: kmig $cmd succeeded"
        expect_eq "$code" "$rc" "$TAG $name: kmig $cmd exit status ($(head -c 300 "$err"))"
        [ "$ms" -lt $MAX_MS ] || fail "$TAG $name: kmig $cmd took ${ms} ms (limit $MAX_MS)"
        expect_contains "$(cat "$err")" "'$alias'" "$TAG $name: kmig $cmd stderr (the alias)"
        expect_contains "$(cat "$err")" "$cause" "$TAG $name: kmig $cmd stderr (the cause)"
        lines=$(wc -l <"$err")
        [ "$lines" -le $MAX_LINES ] ||
            fail "$TAG $name: kmig $cmd printed $lines lines on stderr (limit $MAX_LINES): $(head -8 "$err")"
        for s in "${SECRETS[@]}"; do
            ! grep -qF -- "$s" "$out" "$err" || fail "$TAG $name: kmig $cmd shows a secret (${s:0:6}...)"
        done
        echo "$TAG $name: kmig $cmd exit $rc in ${ms} ms, $lines line(s): $(grep -m1 "$alias" "$err" | cut -c1-220)"
    done
}

check_version() {
    TAG=$1
    local port src tgt closed ca_lines
    src=KMIG_REAL_SRC_$TAG; src=${!src}
    tgt=KMIG_REAL_TGT_$TAG; tgt=${!tgt}
    port=SECURE_PORT_$TAG
    secure_bootstraps "${!port}"
    TOPIC=$(unique_name orders)
    GROUP=$(unique_name grp)
    closed=127.0.0.1:$(free_port 1)
    ca_lines=("ssl.truststore.type = PEM" "ssl.truststore.location = $C/ca.pem")
    local d=$T/$TAG

    mm2 "$d-scram.properties" "s$TAG" "$src" "badscram$TAG" "$SECURE_SASL_SSL" "${ca_lines[@]}" \
        "security.protocol = SASL_SSL" "sasl.mechanism = SCRAM-SHA-512" \
        "sasl.jaas.config = org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$SECURE_USER\" password=\"$WRONG_PASSWORD\";"
    expect_failure wrong-scram "badscram$TAG" "authentication failed" 2 "$d-scram.properties"

    mm2 "$d-plain.properties" "s$TAG" "$src" "badplain$TAG" "$SECURE_SASL_PLAIN" \
        "security.protocol = SASL_PLAINTEXT" "sasl.mechanism = PLAIN" \
        "sasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required username=\"$SECURE_USER\" password=\"$WRONG_PASSWORD\";"
    expect_failure wrong-plain "badplain$TAG" "authentication failed" 2 "$d-plain.properties"

    mm2 "$d-ca.properties" "s$TAG" "$src" "badca$TAG" "$SECURE_MTLS" "security.protocol = SSL" \
        "ssl.truststore.type = PEM" "ssl.truststore.location = $C/other-ca.pem" \
        "ssl.keystore.type = PEM" "ssl.keystore.location = $C/client-bundle.pem"
    expect_failure untrusted-ca "badca$TAG" "certificate verify failed" 2 "$d-ca.properties"

    mm2 "$d-expired.properties" "s$TAG" "$src" "expired$TAG" "$SECURE_EXPIRED" \
        "security.protocol = SSL" "${ca_lines[@]}"
    expect_failure expired "expired$TAG" "expired" 2 "$d-expired.properties"

    mm2 "$d-host.properties" "s$TAG" "$src" "wronghost$TAG" "$SECURE_WRONGHOST" \
        "security.protocol = SSL" "${ca_lines[@]}"
    expect_failure hostname "wronghost$TAG" "hostname mismatch" 2 "$d-host.properties"

    # The source is the one that cannot be reached.
    mm2 "$d-closed.properties" "gone$TAG" "$closed" "t$TAG" "$tgt"
    expect_failure unreachable "gone$TAG" "connection refused" 1 "$d-closed.properties"

    mm2 "$d-plaintls.properties" "s$TAG" "$src" "plaintls$TAG" "$SECURE_SASL_SSL"
    expect_failure plain-on-tls "plaintls$TAG" "speaks TLS" 2 "$d-plaintls.properties"

    mm2 "$d-tlsplain.properties" "s$TAG" "$src" "tlsplain$TAG" "$SECURE_PLAIN" \
        "security.protocol = SSL" "${ca_lines[@]}"
    expect_failure tls-on-plain "tlsplain$TAG" "does not speak TLS" 2 "$d-tlsplain.properties"
}

# The private brokers start side by side, from this shell (so that they are
# stopped when the test exits).
pids=()
for tag in $KMIG_REAL_VERSIONS; do
    v=KMIG_REAL_KAFKA_$tag
    secure_broker_reserve "secerr$tag"
    printf -v "SECURE_PORT_$tag" %s "$SECURE_PORT"
    secure_broker_launch "secerr$tag" "${!v}" "$C" "$SECURE_PORT" >"$T/start-$tag.log" 2>&1 &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a secured broker did not start: $(cat "$T"/start-*.log)"; done
cat "$T"/start-*.log

for_each_version check_version

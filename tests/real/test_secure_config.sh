#!/usr/bin/env bash
# kmig-test: private (its targets are clusters of its own)
# The configuration side of secured clusters, on real brokers: an MM2 file whose
# secrets live outside it (config providers: ${file:...}, ${env:...},
# ${dir:...}), SASL/OAUTHBEARER with Java's OAuthBearerLoginModule (unsecured
# JWT: the broker uses Kafka's default unsecured validator), Java PKCS12 stores
# read by kmig (a keytool-made truststore, a PKCS12 keystore for mTLS, run
# without any leak suppression), and the clear configuration errors: an
# unresolvable reference, a wrong store password, a JKS keystore. Each positive
# case mirrors a seeded topic exactly (`kmig mirror --stop-at-end`, checked
# record by record); no secret appears in kmig's output at --log-level debug.
# The private broker is securelib.sh's, with OAUTHBEARER added to its SASL_SSL
# listener. librdkafka before 2.6.1 cannot SCRAM against Kafka 4.x
# (confluentinc/librdkafka#4895): there the SCRAM case is skipped (test_secure
# checks that failure).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/securelib.sh"

[ -n "${KMIG_REAL_VERSIONS:-}" ] || fail "KMIG_REAL_* not set: run it as tests/run.sh real $TEST_NAME"
command -v jq >/dev/null || fail "jq not found (scripts/setup.sh installs it)"
command -v openssl >/dev/null || fail "openssl not found"

N=200
C=$T/certs
secure_certs "$C"
RDKAFKA=$("$KMIG" --version | sed -n 's/.*librdkafka \([0-9.]*\).*/\1/p')
KEYTOOL=$(dirname "$(readlink -f "$(command -v "${KMIG_JAVA:-java}")")")/keytool

# Secrets outside the MM2 file: a properties file, a directory of files (as a
# Kubernetes secret volume), and environment variables.
S=$T/secrets
mkdir -p "$S/dir"
chmod 700 "$S"
printf '%s\n' "scram.user = $SECURE_USER" "truststore.password = $SECURE_STORE_PASSWORD" \
    "wrong.password = wrong-Store-Pw-41b7" >"$S/secrets.properties"
cp "$C/ca.pem" "$S/dir/ca.pem"
export KMIG_TEST_SCRAM_PW=$SECURE_PASSWORD
export KMIG_TEST_KEYSTORE_PW=$SECURE_STORE_PASSWORD
export KMIG_TEST_PRINCIPAL=kmig-oauth-user
unset KMIG_TEST_NOT_SET
# A real JKS keystore (Java's old default format).
"$KEYTOOL" -importkeystore -noprompt -srckeystore "$C/client.p12" -srcstoretype PKCS12 \
    -srcstorepass "$SECURE_STORE_PASSWORD" -destkeystore "$C/client.jks" -deststoretype JKS \
    -deststorepass "$SECURE_STORE_PASSWORD" >/dev/null 2>&1 || fail "keytool could not write a JKS store"

SECRETS=("$SECURE_PASSWORD" "$SECURE_STORE_PASSWORD" "wrong-Store-Pw-41b7" "$(sed -n 2p "$C/client.key")")

PROVIDERS=("config.providers = file,env,dir"
    "config.providers.file.class = org.apache.kafka.common.config.provider.FileConfigProvider"
    "config.providers.env.class = org.apache.kafka.common.config.provider.EnvVarConfigProvider"
    "config.providers.dir.class = org.apache.kafka.common.config.provider.DirectoryConfigProvider"
    "config.providers.file.param.allowed.paths = $S")

# mm2 CFG SRC_ALIAS TGT_ALIAS TGT_BOOTSTRAP [target key=value lines...], providers first
MM2_HEAD=("${PROVIDERS[@]}")
mm2() {
    local cfg=$1 sa=$2 ta=$3 boot=$4
    shift 4
    secure_mm2 "$cfg" "$sa" "$SRC" "$ta" "$boot" "$TOPIC" "$@"
}

# positive NAME CFG: an exact copy through the secured target.
positive() {
    local name=$1 cfg=$2 sa summary
    sa=$(sed -n 's/^clusters = \([^,]*\),.*/\1/p' "$cfg")
    summary=$T/$TAG-$name.json
    run_kmig "$name" -- mirror --config "$cfg" --stop-at-end --summary-json "$summary" --log-level debug
    [ "$RC" = 0 ] || fail "$TAG $name: kmig mirror exit $RC: $(grep -v '^    #' "$T/$TAG-$name.err" | tail -5)"
    expect_eq "$N" "$(jq '[.partitions[].records] | add' "$summary")" "$TAG $name: records copied (summary)"
    "$TESTKIT" check --bootstrap "$SECURE_PLAIN" --topic "$sa.$TOPIC" --source-topic "$TOPIC" \
        --source-bootstrap "$SRC" --partitions 3 --count "$N" >"$T/$TAG-$name.check" 2>&1 ||
        fail "$TAG $name: check: $(cat "$T/$TAG-$name.check")"
    no_secrets "$name"
    echo "$TAG $name: copied $N records exactly in ${SECS}s"
}

# config_error NAME CFG TEXT...: kmig stops with exit 2 (configuration), saying each TEXT.
config_error() {
    local name=$1 cfg=$2 said t
    shift 2
    run_kmig "$name" -- mirror --config "$cfg" --stop-at-end --log-level debug
    expect_eq 2 "$RC" "$TAG $name: exit status (configuration error)"
    said=$(cat "$T/$TAG-$name.log" "$T/$TAG-$name.err")
    for t in "$@"; do expect_contains "$said" "$t" "$TAG $name: kmig's output"; done
    no_secrets "$name"
    echo "$TAG $name: exit 2 in ${SECS}s: $(grep -m1 -F -- "$1" "$T/$TAG-$name.err" | cut -c1-240)"
}

check_version() {
    TAG=$1
    local version port sa ta cfg
    version=KMIG_REAL_KAFKA_$TAG; version=${!version}
    SRC=KMIG_REAL_SRC_$TAG; SRC=${!SRC}
    port=SECURE_PORT_$TAG
    secure_bootstraps "${!port}"
    TOPIC=$(unique_name cfgprov)
    "$KAFKA_SH" topics "src$TAG" --create --topic "$TOPIC" --partitions 3 >/dev/null
    "$TESTKIT" produce --bootstrap "$SRC" --topic "$TOPIC" --partitions 3 --count "$N" >/dev/null

    # 1. SASL_SSL + OAUTHBEARER (Java's unsecured JWT options, the principal from
    # the environment), a keytool-made PKCS12 truststore whose password is in a
    # secrets file; a misspelled flow key gets a suggestion.
    sa=o1$TAG ta=oauth$TAG cfg=$T/$TAG-oauth.properties
    mm2 "$cfg" "$sa" "$ta" "$SECURE_SASL_SSL" "security.protocol = SASL_SSL" \
        "sasl.mechanism = OAUTHBEARER" \
        "sasl.jaas.config = org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\"\${env:KMIG_TEST_PRINCIPAL}\";" \
        "ssl.truststore.type = PKCS12" "ssl.truststore.location = $C/truststore.p12" \
        "ssl.truststore.password = \${file:$S/secrets.properties:truststore.password}"
    echo "$sa->$ta.topcs = not-a-key" >>"$cfg"
    positive oauth-unsecured-jwt "$cfg"
    expect_contains "$(cat "$T/$TAG-oauth-unsecured-jwt.err")" "did you mean \`$sa->$ta.topics\`?" \
        "$TAG oauth: the unused-key warning"

    # 2. SASL_SSL + SCRAM-SHA-512: user from a secrets file, password from the
    # environment, the CA inline from a directory provider.
    if [ "${version%%.*}" -ge 4 ] && ! version_ge "$RDKAFKA" 2.6.1; then
        echo "$TAG NOTE: SCRAM against Kafka $version needs librdkafka 2.6.1+ (have $RDKAFKA); scram-providers skipped"
    else
        sa=o2$TAG ta=scram$TAG cfg=$T/$TAG-scram.properties
        mm2 "$cfg" "$sa" "$ta" "$SECURE_SASL_SSL" "security.protocol = SASL_SSL" \
            "sasl.mechanism = SCRAM-SHA-512" \
            "sasl.jaas.config = org.apache.kafka.common.security.scram.ScramLoginModule required username=\"\${file:$S/secrets.properties:scram.user}\" password=\"\${env:KMIG_TEST_SCRAM_PW}\";" \
            "ssl.truststore.type = PEM" "ssl.truststore.certificates = \${dir:$S/dir:ca.pem}"
        positive scram-providers "$cfg"
    fi

    # 3. mTLS with a PKCS12 keystore read by kmig (its password from the
    # environment); no leak suppression.
    sa=o3$TAG ta=mtls$TAG cfg=$T/$TAG-mtls.properties
    mm2 "$cfg" "$sa" "$ta" "$SECURE_MTLS" "security.protocol = SSL" \
        "ssl.truststore.location = $C/truststore.p12" \
        "ssl.truststore.password = \${file:$S/secrets.properties:truststore.password}" \
        "ssl.keystore.type = PKCS12" "ssl.keystore.location = $C/client.p12" \
        "ssl.keystore.password = \${env:KMIG_TEST_KEYSTORE_PW}"
    positive mtls-pkcs12 "$cfg"

    # 4. Configuration errors: clear, naming the key, never the secret.
    sa=e1$TAG ta=unset$TAG cfg=$T/$TAG-unset.properties
    mm2 "$cfg" "$sa" "$ta" "$SECURE_SASL_SSL" "security.protocol = SASL_SSL" \
        "sasl.mechanism = SCRAM-SHA-512" \
        "sasl.jaas.config = org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"\${env:KMIG_TEST_NOT_SET}\";"
    config_error unresolvable "$cfg" "$ta.sasl.jaas.config: cannot resolve \${env:KMIG_TEST_NOT_SET}: environment variable KMIG_TEST_NOT_SET is not set"
    sa=e2$TAG ta=badpw$TAG cfg=$T/$TAG-badpw.properties
    mm2 "$cfg" "$sa" "$ta" "$SECURE_MTLS" "security.protocol = SSL" \
        "ssl.truststore.type = PEM" "ssl.truststore.location = $C/ca.pem" \
        "ssl.keystore.type = PKCS12" "ssl.keystore.location = $C/client.p12" \
        "ssl.keystore.password = \${file:$S/secrets.properties:wrong.password}"
    config_error wrong-store-password "$cfg" "$ta.ssl.keystore.location: cannot read the keystore: wrong password for $C/client.p12" \
        "check $ta.ssl.keystore.password"
    sa=e3$TAG ta=jks$TAG cfg=$T/$TAG-jks.properties
    mm2 "$cfg" "$sa" "$ta" "$SECURE_MTLS" "security.protocol = SSL" \
        "ssl.truststore.type = PEM" "ssl.truststore.location = $C/ca.pem" \
        "ssl.keystore.location = $C/client.jks" "ssl.keystore.password = $SECURE_STORE_PASSWORD"
    config_error jks-keystore "$cfg" "$ta.ssl.keystore.location: $C/client.jks is a JKS keystore" \
        "keytool -importkeystore -srckeystore $C/client.jks -destkeystore $C/client.p12 -deststoretype PKCS12"
}

# The private brokers: securelib's, with OAUTHBEARER (Kafka's default unsecured
# validator) next to SCRAM on the SASL_SSL listener.
pids=()
for tag in $KMIG_REAL_VERSIONS; do
    v=KMIG_REAL_KAFKA_$tag
    secure_broker_reserve "secureconf$tag"
    printf -v "SECURE_PORT_$tag" %s "$SECURE_PORT"
    secure_broker_launch "secureconf$tag" "${!v}" "$C" "$SECURE_PORT" \
        "listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512,OAUTHBEARER" \
        "listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;" \
        >"$T/start-$tag.log" 2>&1 &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a secured broker did not start: $(cat "$T"/start-*.log)"; done

for_each_version check_version

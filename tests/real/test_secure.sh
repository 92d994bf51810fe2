#!/usr/bin/env bash
# kmig-test: long private (its targets are clusters of its own)
# MirrorMaker 2 files written for secured clusters work with kmig unchanged, on
# real brokers: a private broker per Kafka version with a SASL_SSL listener
# (SCRAM-SHA-512 and SCRAM-SHA-256, TLS with the test's own CA), an SSL
# listener that requires a client certificate (mTLS) and a SASL_PLAINTEXT
# listener (PLAIN). Through each, in the Java client's key forms
# (sasl.jaas.config with ScramLoginModule or PlainLoginModule; a PEM truststore
# file or inline ssl.truststore.certificates, continued over several lines as
# Java users write it; a PKCS12 keystore with its passwords; inline PEM
# certificate chain and encrypted key; a PEM keystore file), `kmig mirror
# --stop-at-end` copies a seeded topic exactly (checked record by record
# against the source). Through SCRAM, mTLS and PLAIN also `kmig offsets`
# translates and commits a group, `kmig assess --json` inventories the secured
# cluster (with its release, read by kmig's own TLS probe), and `kmig plan` /
# `kmig apply --execute` create a topic there. A secured SOURCE (mTLS) mirrors
# to a secured target (SCRAM, or PLAIN where SCRAM cannot run). No password or
# private key appears in kmig's output at --log-level debug. A PKCS12
# truststore (read by kmig with OpenSSL) works. (Wrong passwords, untrusted or expired certificates and the other
# ways to be refused are in test_secure_errors.sh.)
# Known limit: librdkafka before 2.6.1 (Debian 12 ships 2.0.2) fails SCRAM
# against Kafka 4.x brokers (confluentinc/librdkafka#4895: the client nonce is
# sent twice, which 4.x rejects); there the SCRAM cases check that failure instead.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/securelib.sh"

[ -n "${KMIG_REAL_VERSIONS:-}" ] || fail "KMIG_REAL_* not set: run it as tests/run.sh real $TEST_NAME"
command -v jq >/dev/null || fail "jq not found (scripts/setup.sh installs it)"
command -v openssl >/dev/null || fail "openssl not found"

N=300
C=$T/certs
secure_certs "$C"
RDKAFKA=$("$KMIG" --version | sed -n 's/.*librdkafka \([0-9.]*\).*/\1/p')

# What must never be printed: every password, and a line of the client's key.
SECRETS=("$SECURE_PASSWORD" "$SECURE_STORE_PASSWORD" "$SECURE_KEY_PASSWORD"
    "$SECURE_BROKER_PASSWORD" "wrong-Pw-3c1d9e77" "$(sed -n 2p "$C/client.key")")
# A PEM file as a properties value continued over lines ('\' at each line's
# end, continuation lines indented), as Java users write inline PEM.
pem_continued() { awk 'NR > 1 { print prev " \\" } { prev = (NR > 1 ? "    " : "") $0 } END { print prev }' "$1"; }

# mm2 CFG SRC_ALIAS TGT_ALIAS TGT_BOOTSTRAP [target key=value | src:key=value lines...]
# The source is $MM2_SRC (default $SRC), the topics $MM2_TOPICS (default $TOPIC).
mm2() {
    local cfg=$1 sa=$2 ta=$3 boot=$4
    shift 4
    secure_mm2 "$cfg" "$sa" "${MM2_SRC:-$SRC}" "$ta" "$boot" "${MM2_TOPICS:-$TOPIC}" "$@"
}

# positive NAME CFG [VAR=value...]: an exact copy through the secured target
# (of $CHECK_SRC's topic, default $SRC).
positive() {
    local name=$1 cfg=$2 sa summary copied
    shift 2
    sa=$(sed -n 's/^clusters = \([^,]*\),.*/\1/p' "$cfg")
    summary=$T/$TAG-$name.json
    run_kmig "$name" "$@" -- mirror --config "$cfg" --stop-at-end --summary-json "$summary" \
        --log-level debug
    [ "$RC" = 0 ] || fail "$TAG $name: kmig mirror exit $RC: $(grep -v '^    #' "$T/$TAG-$name.err" | tail -5)"
    expect_eq 0 "$(jq .exit_code "$summary")" "$TAG $name: summary exit_code"
    copied=$(jq '[.partitions[].records] | add' "$summary")
    expect_eq "$N" "$copied" "$TAG $name: records copied (summary)"
    "$TESTKIT" check --bootstrap "$SECURE_PLAIN" --topic "$sa.$TOPIC" --source-topic "$TOPIC" \
        --source-bootstrap "${CHECK_SRC:-$SRC}" --partitions 3 --count "$N" >"$T/$TAG-$name.check" 2>&1 ||
        fail "$TAG $name: check: $(cat "$T/$TAG-$name.check")"
    grep -q ' DEBUG ' "$T/$TAG-$name.err" || fail "$TAG $name: no debug lines (--log-level debug)"
    no_secrets "$name"
    echo "$TAG $name: copied $N records exactly in ${SECS}s ($(cat "$T/$TAG-$name.check"))"
}

# negative NAME CFG KEYWORD [VAR=value...]: fails, naming the target alias and the cause.
negative() {
    local name=$1 cfg=$2 keyword=$3 ta summary
    shift 3
    ta=$(sed -n 's/^clusters = [^,]*, *//p' "$cfg")
    summary=$T/$TAG-$name.json
    run_kmig "$name" "$@" -- mirror --config "$cfg" --stop-at-end --summary-json "$summary" \
        --log-level debug
    [ "$RC" != 0 ] || fail "$TAG $name: kmig mirror succeeded"
    # (a configuration error stops kmig before it writes a summary)
    local said
    said=$(cat "$T/$TAG-$name.log" "$T/$TAG-$name.err" "$summary" 2>/dev/null) || true
    expect_contains "$said" "$ta" "$TAG $name: kmig's output (the target alias)"
    expect_contains "$said" "$keyword" "$TAG $name: kmig's output (the cause)"
    no_secrets "$name"
    echo "$TAG $name: exit $RC in ${SECS}s, naming $ta and '$keyword'"
}

# assess_version NAME CFG ALIAS [VAR=value...]: `kmig assess` reads the
# release of the secured broker with its own TLS probe, from the TLS settings
# in the form CFG gives them (inline PEM, encrypted key, PKCS12 keystore).
assess_version() {
    local name=$1 cfg=$2 ta=$3
    shift 3
    run_kmig "$name-assess" "$@" -- assess --config "$cfg" --cluster "$ta" --sample 0 --json
    [ "$RC" = 0 ] || fail "$TAG $name: kmig assess: exit $RC: $(tail -3 "$T/$TAG-$name-assess.err")"
    expect_eq "${VERSION%.*}" "$(jq -r '.source.brokers[0].version' "$T/$TAG-$name-assess.log")" \
        "$TAG $name: kmig assess: the secured broker's version"
    no_secrets "$name-assess"
    echo "$TAG $name assess: release ${VERSION%.*} read over TLS"
}

# through NAME CFG SRC_ALIAS TGT_ALIAS SRC_TOPIC: on the flow of CFG (target
# secured), `kmig offsets` translates and commits a group (the mirror of
# SRC_TOPIC ran before), `kmig assess --json` inventories the target with its
# release, and `kmig plan` / `kmig apply --execute` create a new topic there.
through() {
    local name=$1 cfg=$2 sa=$3 ta=$4 topic=$5 group rows ptopic pcfg
    group=$(unique_name grp)
    "$TESTKIT" commit --bootstrap "$SRC" --group "$group" --topic "$topic" \
        --offset 0:40 --offset 1:100 >/dev/null
    run_kmig "$name-offsets-dry" -- offsets --config "$cfg" --group "$group" --json
    [ "$RC" = 0 ] || fail "$TAG $name: kmig offsets --json: exit $RC: $(tail -3 "$T/$TAG-$name-offsets-dry.err")"
    rows=$(jq -c '[.[] | [.partition, .status, .target_offset, .target_committed]] | sort' \
        "$T/$TAG-$name-offsets-dry.log")
    expect_eq '[[0,"exact",40,-1],[1,"exact",100,-1]]' "$rows" "$TAG $name: kmig offsets --json rows"
    run_kmig "$name-offsets-exec" -- offsets --config "$cfg" --group "$group" --execute
    [ "$RC" = 0 ] || fail "$TAG $name: kmig offsets --execute: exit $RC: $(tail -3 "$T/$TAG-$name-offsets-exec.err")"
    run_kmig "$name-offsets-json" -- offsets --config "$cfg" --group "$group" --json
    [ "$RC" = 0 ] || fail "$TAG $name: kmig offsets --json: exit $RC: $(tail -3 "$T/$TAG-$name-offsets-json.err")"
    rows=$(jq -c '[.[] | [.partition, .status, .target_offset, .target_committed]] | sort' \
        "$T/$TAG-$name-offsets-json.log")
    expect_eq '[[0,"up-to-date",40,40],[1,"up-to-date",100,100]]' "$rows" \
        "$TAG $name: kmig offsets --json rows after --execute"
    no_secrets "$name-offsets-dry"; no_secrets "$name-offsets-exec"; no_secrets "$name-offsets-json"
    echo "$TAG $name offsets: group translated and committed on the secured target: $rows"

    run_kmig "$name-assess" -- assess --config "$cfg" --cluster "$ta" --sample 0 --json
    [ "$RC" = 0 ] || fail "$TAG $name: kmig assess: exit $RC: $(tail -3 "$T/$TAG-$name-assess.err")"
    jq -e --arg t "$sa.$topic" '[.. | objects | select(.name? == $t)] | length > 0' \
        "$T/$TAG-$name-assess.log" >/dev/null || fail "$TAG $name: kmig assess --json does not list $sa.$topic"
    # (the broker's release comes from kmig's own probe, over the same TLS)
    expect_eq "${VERSION%.*}" "$(jq -r '.source.brokers[0].version' "$T/$TAG-$name-assess.log")" \
        "$TAG $name: kmig assess: the secured broker's version"
    no_secrets "$name-assess"
    echo "$TAG $name assess: the secured cluster's inventory lists $sa.$topic, release ${VERSION%.*} (${SECS}s)"

    # plan/apply: a topic the target lacks.
    ptopic=$(unique_name plan)
    "$KAFKA_SH" topics "src$TAG" --create --topic "$ptopic" --partitions 2 >/dev/null
    pcfg=$T/$TAG-$name-plan.properties
    sed "s|^$sa->$ta.topics = .*|$sa->$ta.topics = $ptopic|" "$cfg" >"$pcfg"
    run_kmig "$name-plan" -- plan --config "$pcfg" --no-acls --format json
    [ "$RC" = 0 ] || fail "$TAG $name: kmig plan: exit $RC: $(tail -3 "$T/$TAG-$name-plan.err")"
    expect_eq "create_topic $sa.$ptopic 2" \
        "$(jq -r '.changes[] | select(.action == "create_topic") | "\(.action) \(.topic) \(.partitions)"' "$T/$TAG-$name-plan.log")" \
        "$TAG $name: kmig plan through the secured target"
    run_kmig "$name-apply" -- apply --config "$pcfg" --no-acls --execute
    [ "$RC" = 0 ] || fail "$TAG $name: kmig apply --execute: exit $RC: $(tail -3 "$T/$TAG-$name-apply.err")"
    "$KAFKA_SH" topics "secure$TAG" --describe --topic "$sa.$ptopic" >"$T/$TAG-$name-describe.txt" 2>&1 ||
        fail "$TAG $name: kmig apply --execute did not create $sa.$ptopic: $(cat "$T/$TAG-$name-apply.log")"
    expect_contains "$(cat "$T/$TAG-$name-describe.txt")" "PartitionCount: 2" "$TAG $name: the topic apply created"
    run_kmig "$name-plan2" -- plan --config "$pcfg" --no-acls --format json
    expect_eq 0 "$(jq '.changes | length' "$T/$TAG-$name-plan2.log")" "$TAG $name: changes after apply"
    no_secrets "$name-plan"; no_secrets "$name-apply"; no_secrets "$name-plan2"
    echo "$TAG $name plan/apply: created $sa.$ptopic (2 partitions) on the secured target"
}

check_version() {
    TAG=$1
    local version port scram=yes sa ta cfg
    version=KMIG_REAL_KAFKA_$TAG; version=${!version}
    VERSION=$version
    SRC=KMIG_REAL_SRC_$TAG; SRC=${!SRC}
    port=SECURE_PORT_$TAG
    secure_bootstraps "${!port}"
    TOPIC=$(unique_name orders)
    "$KAFKA_SH" topics "src$TAG" --create --topic "$TOPIC" --partitions 3 >/dev/null
    "$TESTKIT" produce --bootstrap "$SRC" --topic "$TOPIC" --partitions 3 --count "$N" >/dev/null
    if [ "${version%%.*}" -ge 4 ] && ! version_ge "$RDKAFKA" 2.6.1; then scram=no; fi

    local ca_lines=("ssl.truststore.type = PEM" "ssl.truststore.location = $C/ca.pem")
    local scram_lines=("security.protocol = SASL_SSL" "sasl.mechanism = SCRAM-SHA-512"
        "sasl.jaas.config = org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$SECURE_USER\" password=\"$SECURE_PASSWORD\";")
    local mtls_pem_files=("security.protocol = SSL" "${ca_lines[@]}" "ssl.keystore.type = PEM"
        "ssl.keystore.location = $C/client-bundle.pem")

    # 1. SASL_SSL, SCRAM-SHA-512, CA from a PEM truststore file.
    sa=s1$TAG ta=scram$TAG cfg=$T/$TAG-scram-file.properties
    mm2 "$cfg" "$sa" "$ta" "$SECURE_SASL_SSL" "${scram_lines[@]}" "${ca_lines[@]}"
    if [ $scram = yes ]; then
        positive scram-file "$cfg"
    else
        # librdkafka#4895; the broker's own log says why.
        negative scram-kafka4-known "$cfg" "authentication failed"
        echo "$TAG NOTE: SCRAM against Kafka $version needs librdkafka 2.6.1+ (have $RDKAFKA); the SCRAM cases ran as this failure"
    fi

    # 2. SASL_SSL with the CA inline (ssl.truststore.certificates over several lines).
    sa=s2$TAG cfg=$T/$TAG-scram-inline.properties
    mm2 "$cfg" "$sa" "$ta" "$SECURE_SASL_SSL" "${scram_lines[@]}" "ssl.truststore.type = PEM" \
        "ssl.truststore.certificates = $(pem_continued "$C/ca.pem")"
    [ $scram = no ] || positive scram-inline "$cfg"
    [ $scram = no ] || through scram "$T/$TAG-scram-file.properties" s1$TAG "$ta" "$TOPIC"

    # 2b. SASL_SSL, SCRAM-SHA-256.
    sa=s256$TAG ta=scram256$TAG cfg=$T/$TAG-scram256.properties
    mm2 "$cfg" "$sa" "$ta" "$SECURE_SASL_SSL" "security.protocol = SASL_SSL" \
        "sasl.mechanism = SCRAM-SHA-256" \
        "sasl.jaas.config = org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$SECURE_USER\" password=\"$SECURE_PASSWORD\";" \
        "${ca_lines[@]}"
    if [ $scram = yes ]; then
        positive scram256 "$cfg"
    else
        negative scram256-kafka4-known "$cfg" "authentication failed"
    fi

    # 2c. SASL_PLAINTEXT, PLAIN (PlainLoginModule in sasl.jaas.config).
    sa=sp$TAG ta=plain$TAG cfg=$T/$TAG-plain.properties
    mm2 "$cfg" "$sa" "$ta" "$SECURE_SASL_PLAIN" "security.protocol = SASL_PLAINTEXT" \
        "sasl.mechanism = PLAIN" \
        "sasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required username=\"$SECURE_USER\" password=\"$SECURE_PASSWORD\";"
    positive plain "$cfg"
    through plain "$cfg" "$sa" "$ta" "$TOPIC"

    # 3. mTLS with a PKCS12 keystore and its passwords, CA from a PEM file.
    sa=s3$TAG ta=mtls$TAG cfg=$T/$TAG-mtls-p12.properties
    mm2 "$cfg" "$sa" "$ta" "$SECURE_MTLS" "security.protocol = SSL" "${ca_lines[@]}" \
        "ssl.keystore.type = PKCS12" "ssl.keystore.location = $C/client.p12" \
        "ssl.keystore.password = $SECURE_STORE_PASSWORD" "ssl.key.password = $SECURE_STORE_PASSWORD"
    positive mtls-p12 "$cfg"
    assess_version mtls-p12 "$cfg" "$ta"

    # 4. mTLS with everything inline: the CA with '\n' escapes, the chain and the
    # encrypted key continued over several lines.
    sa=s4$TAG cfg=$T/$TAG-mtls-inline.properties
    mm2 "$cfg" "$sa" "$ta" "$SECURE_MTLS" "security.protocol = SSL" "ssl.truststore.type = PEM" \
        "ssl.truststore.certificates = $(pem_oneline "$C/ca.pem")" "ssl.keystore.type = PEM" \
        "ssl.keystore.certificate.chain = $(pem_continued "$C/client.pem")" \
        "ssl.keystore.key = $(pem_continued "$C/client-enc.key")" \
        "ssl.key.password = $SECURE_KEY_PASSWORD"
    positive mtls-inline "$cfg"
    assess_version mtls-inline "$cfg" "$ta"

    # 5. mTLS with a PEM keystore file (key and chain); offsets and assess on that cluster.
    sa=s5$TAG cfg=$T/$TAG-mtls-pemfile.properties
    mm2 "$cfg" "$sa" "$ta" "$SECURE_MTLS" "${mtls_pem_files[@]}"
    positive mtls-pemfile "$cfg"
    through mtls "$cfg" "$sa" "$ta" "$TOPIC"

    # 6. A secured source: the topic on the secured broker, read over mTLS;
    # the target the same broker over SCRAM (PLAIN where SCRAM cannot run).
    local stopic
    stopic=$(unique_name secsrc)
    "$KAFKA_SH" topics "secure$TAG" --create --topic "$stopic" --partitions 3 >/dev/null
    "$TESTKIT" produce --bootstrap "$SECURE_PLAIN" --topic "$stopic" --partitions 3 --count "$N" >/dev/null
    sa=msrc$TAG cfg=$T/$TAG-secure-source.properties
    local src_lines=("src:security.protocol = SSL" "src:ssl.truststore.type = PEM"
        "src:ssl.truststore.location = $C/ca.pem" "src:ssl.keystore.type = PEM"
        "src:ssl.keystore.location = $C/client-bundle.pem")
    if [ $scram = yes ]; then
        ta=tscram$TAG
        MM2_SRC=$SECURE_MTLS MM2_TOPICS=$stopic mm2 "$cfg" "$sa" "$ta" "$SECURE_SASL_SSL" \
            "${src_lines[@]}" "${scram_lines[@]}" "${ca_lines[@]}"
    else
        ta=tplain$TAG
        MM2_SRC=$SECURE_MTLS MM2_TOPICS=$stopic mm2 "$cfg" "$sa" "$ta" "$SECURE_SASL_PLAIN" \
            "${src_lines[@]}" "security.protocol = SASL_PLAINTEXT" "sasl.mechanism = PLAIN" \
            "sasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required username=\"$SECURE_USER\" password=\"$SECURE_PASSWORD\";"
    fi
    TOPIC=$stopic CHECK_SRC=$SECURE_PLAIN positive secure-source "$cfg"

    # A PKCS12 truststore: a clear error naming the target.
    local pids=() p rc=0
    sa=n4$TAG ta=p12trust$TAG
    mm2 "$T/$TAG-neg-p12.properties" "$sa" "$ta" "$SECURE_MTLS" "security.protocol = SSL" \
        "ssl.truststore.type = PKCS12" "ssl.truststore.location = $C/truststore.p12" \
        "ssl.truststore.password = $SECURE_STORE_PASSWORD" \
        "ssl.keystore.type = PEM" "ssl.keystore.location = $C/client-bundle.pem"
    (positive pkcs12-truststore "$T/$TAG-neg-p12.properties") & # kmig reads it (tlsstore.c)
    pids+=($!)
    for p in "${pids[@]}"; do wait "$p" || rc=1; done
    [ $rc = 0 ] || fail "$TAG: a negative case failed (above)"
}

# The private brokers start side by side, from this shell (so that they are
# stopped when the test exits).
pids=()
for tag in $KMIG_REAL_VERSIONS; do
    v=KMIG_REAL_KAFKA_$tag
    secure_broker_reserve "secure$tag"
    printf -v "SECURE_PORT_$tag" %s "$SECURE_PORT"
    secure_broker_launch "secure$tag" "${!v}" "$C" "$SECURE_PORT" >"$T/start-$tag.log" 2>&1 &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a secured broker did not start: $(cat "$T"/start-*.log)"; done
cat "$T"/start-*.log

for_each_version check_version

# Helpers for the MSK IAM test on real brokers, sourced after lib.sh (it
# sources securelib.sh for the certificates). A private KRaft broker stands in
# for an MSK cluster: its SASL_SSL listener's only mechanism is OAUTHBEARER,
# validated by the test's own Java callback handler (tests/real/iam-validator,
# built with Maven per Kafka version), which accepts MSK-IAM-shaped tokens
# whose SigV4 signature it recomputes from a credentials file. The credentials
# come from `kmig-testkit fake-aws` (local IMDS, container and STS endpoints).
#
#   iam_validator_build VERSION   build (or reuse) the validator jar for that
#                                 Kafka version; its path in IAM_VALIDATOR_JAR
#   iam_validator_check JAR CREDS [--now T] [--region R] TOKEN
#                                 the jar's command-line checker: exit 0 valid,
#                                 1 refused (reason on stderr)
#   iam_broker_reserve NAME, iam_broker_launch NAME VERSION CERTDIR PORT CREDS [k=v...]
#                                 a private KRaft cluster (as kafka_start) with
#                                 PLAINTEXT (inter-broker, and for the test's
#                                 own checks) on PORT, the controller on PORT+1
#                                 and SASL_SSL/OAUTHBEARER on PORT+2, its
#                                 validator reading CREDS
#   iam_bootstraps PORT           sets IAM_PLAIN and IAM_SASL_SSL
#   fakeaws_start DIR [fake-aws args...]
#                                 start `kmig-testkit fake-aws` with its port,
#                                 credentials and log files in DIR (port, creds,
#                                 log); its URL in FAKEAWS_URL, its PID in
#                                 FAKEAWS_PID (stopped when the test exits)
#
# The validator jar is cached in build/iam-validator/VERSION and rebuilt when
# a file of tests/real/iam-validator is newer. Maven runs in batch mode with
# ~/.m2 (online, as tests/real/kafka.sh fetches the broker jars).
# shellcheck shell=bash

declare -F secure_certs >/dev/null || . "$(dirname "${BASH_SOURCE[0]}")/securelib.sh"

IAM_VALIDATOR_SRC=$ROOT/tests/real/iam-validator
IAM_VALIDATOR_CLASS=kmig.test.MskIamValidatorCallbackHandler

iam_validator_build() {
    local v=$1 dir jar newer
    dir=$ROOT/build/iam-validator/$v
    jar=$dir/kmig-iam-validator.jar
    newer=$(find "$IAM_VALIDATOR_SRC" -type f -newer "$jar" 2>/dev/null | head -n 1) || true
    if [ ! -f "$jar" ] || [ -n "$newer" ]; then
        command -v mvn >/dev/null || fail "mvn not found (install maven: scripts/setup.sh)"
        mkdir -p "$dir"
        # (Debian's mvn prints colour codes even in batch mode; drop them.)
        mvn -q -B -f "$IAM_VALIDATOR_SRC/pom.xml" -Dkafka.version="$v" -Diam.build.dir="$dir" \
            package 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2 ||
            fail "mvn could not build the IAM validator for Kafka $v"
        [ -f "$jar" ] || fail "mvn built no $jar"
        touch "$jar"
    fi
    IAM_VALIDATOR_JAR=$jar
}

iam_validator_check() {
    local jar=$1 creds=$2
    shift 2
    "${KMIG_JAVA:-java}" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m -cp "$jar" \
        kmig.test.MskIamTokenCheck --credentials "$creds" "$@"
}

# iam_broker_reserve NAME: picks the ports (PORT plaintext, PORT+1 controller,
# PORT+2 SASL_SSL) into IAM_PORT and has NAME stopped when the test exits. Run
# it in the test's own shell, then iam_broker_launch (may run in the background).
iam_broker_reserve() {
    IAM_PORT=$(free_port 3)
    _LIB_CLUSTERS+=("$1")
}

iam_bootstraps() {
    IAM_PLAIN=127.0.0.1:$1
    IAM_SASL_SSL=127.0.0.1:$(($1 + 2))
}

# iam_broker_launch NAME VERSION CERTDIR PORT CREDS [prop=value...]: builds the
# validator for VERSION, then starts the cluster (small heap) with it on the
# broker's classpath. CERTDIR is secure_certs' directory.
iam_broker_launch() {
    local name=$1 version=$2 d=$3 port=$4 creds=$5
    shift 5
    iam_validator_build "$version"
    # Properties given to kafka.sh come after its own in server.properties, so
    # these override its listeners. Inter-broker and controller traffic stays
    # on PLAINTEXT; the SASL_SSL listener speaks OAUTHBEARER only, validated by
    # the test's handler (no JWKS or token endpoint is involved, so Kafka 4's
    # org.apache.kafka.sasl.oauthbearer.allowed.urls does not apply). The
    # broker still logs in on that listener at start-up with Kafka's default
    # (unsecured) login handler, which needs a subject.
    KMIG_KAFKA_EXTRA_CLASSPATH=$IAM_VALIDATOR_JAR \
    KMIG_KAFKA_JVM_OPTS=${KMIG_SECURE_JVM_OPTS:--Xmx384m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC} \
    "$KAFKA_SH" start "$name" "$version" "$port" \
        "listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$((port + 1)),SASL_SSL://127.0.0.1:$((port + 2))" \
        "advertised.listeners=PLAINTEXT://127.0.0.1:$port,SASL_SSL://127.0.0.1:$((port + 2))" \
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL" \
        "sasl.enabled.mechanisms=OAUTHBEARER" \
        "listener.name.sasl_ssl.oauthbearer.sasl.server.callback.handler.class=$IAM_VALIDATOR_CLASS" \
        "listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required credentialsFile=\"$creds\" unsecuredLoginStringClaim_sub=\"kmig-broker\";" \
        "ssl.keystore.type=PKCS12" "ssl.keystore.location=$d/broker.p12" \
        "ssl.keystore.password=$SECURE_BROKER_PASSWORD" "ssl.key.password=$SECURE_BROKER_PASSWORD" \
        "authorizer.class.name=" "$@"
}

fakeaws_start() {
    local dir=$1
    shift
    [ -x "$TESTKIT" ] || fail "$TESTKIT not found (make build-san builds kmig-testkit)"
    mkdir -p "$dir"
    run_bg "$dir/out" "$TESTKIT" fake-aws --port-file "$dir/port" --creds-out "$dir/creds" \
        --log "$dir/log" "$@"
    FAKEAWS_PID=$BG_PID
    wait_for "[ -s '$dir/port' ]" 20 0.05 || fail "fake-aws did not start: $(cat "$dir/out")"
    FAKEAWS_URL=http://127.0.0.1:$(cat "$dir/port")
}

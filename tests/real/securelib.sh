# Helpers for tests of secured listeners (TLS, SASL_SSL/SCRAM, mTLS) on real
# brokers, sourced after lib.sh. Everything is made with `openssl` (and Java's
# keytool for a Java-style truststore) in the test's temp dir; nothing is
# committed and nothing is fetched.
#
#   secure_certs DIR           a CA, a broker certificate (SAN IP:127.0.0.1 and
#                              DNS:localhost), a client certificate (CN=kmig-client)
#                              for mTLS, and a second, unrelated CA; in the forms
#                              brokers and MM2 files use (files listed below); also
#                              broker certificates for the negative listeners: one
#                              expired (valid 2020-01-01 to 2020-01-02, made with
#                              `openssl ca` and explicit dates) and one naming
#                              another host only (DNS:wrong-host.invalid)
#   secure_broker_reserve NAME, secure_broker_launch NAME VERSION DIR PORT [k=v...]
#                              a private KRaft cluster (as kafka_start) with eight
#                              listeners: PLAINTEXT (inter-broker, and for the
#                              test's own checks), the controller, SASL_SSL
#                              (SCRAM-SHA-512 and SCRAM-SHA-256), SSL with
#                              ssl.client.auth=required (mTLS), SASL_PLAINTEXT
#                              (PLAIN, users in the listener's JAAS config), and
#                              two SSL listeners for negative tests: EXPIRED (an
#                              expired certificate) and WRONGHOST (a certificate
#                              for another host name); the SCRAM user (both
#                              mechanisms) and the PLAIN user are $SECURE_USER with
#                              password $SECURE_PASSWORD
#   secure_bootstraps PORT     sets SECURE_PLAIN, SECURE_SASL_SSL, SECURE_MTLS,
#                              SECURE_SASL_PLAIN, SECURE_EXPIRED, SECURE_WRONGHOST
#   pem_oneline FILE           a PEM file as one line with '\n' escapes, for an
#                              inline value in a properties file
#
# Files in DIR: ca.pem, ca.key, other-ca.pem, broker.p12 (PKCS12 key and chain),
# client.pem, client.key (PKCS#8, unencrypted), client-enc.key (PKCS#8 encrypted
# with $SECURE_KEY_PASSWORD), client.p12 (PKCS12 with $SECURE_STORE_PASSWORD),
# client-bundle.pem (key and certificate in one file), truststore.p12 (CA only,
# made by keytool as a Java user would), broker-expired.p12 and broker-wronghost.p12
# (PKCS12 with $SECURE_BROKER_PASSWORD).
# shellcheck shell=bash

SECURE_USER=kmig-mirror
# Test-only secrets; each is distinctive, so a test can grep kmig's output for it.
SECURE_PASSWORD=scram-Pw-7f3e91c2a8
SECURE_STORE_PASSWORD=store-Pw-5d20b6e4c1
SECURE_KEY_PASSWORD=key-Pw-9a8c7e61b3
SECURE_BROKER_PASSWORD=broker-Pw-e2c4a6b8d0

# _secure_sign DIR NAME SUBJECT EXTFILE: NAME.key (EC P-256) and NAME.pem signed by ca.
_secure_sign() {
    local d=$1 name=$2 subj=$3 ext=$4
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$d/$name.key" -subj "$subj" -out "$d/$name.csr" 2>/dev/null
    openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
        -CAcreateserial -days 2 -sha256 -extfile "$ext" -out "$d/$name.pem" 2>/dev/null
}

secure_certs() {
    local d=$1
    mkdir -p "$d"
    local ca_subj=/CN=kmig-test-ca
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 -subj "$ca_subj" 2>/dev/null
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$d/other-ca.key" -out "$d/other-ca.pem" -days 2 -subj /CN=kmig-other-ca 2>/dev/null
    printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        "extendedKeyUsage=serverAuth,clientAuth" >"$d/broker.ext"
    printf '%s\n' "extendedKeyUsage=clientAuth" >"$d/client.ext"
    _secure_sign "$d" broker /CN=localhost "$d/broker.ext"
    _secure_sign "$d" client /CN=kmig-client "$d/client.ext"
    openssl pkcs12 -export -in "$d/broker.pem" -inkey "$d/broker.key" -certfile "$d/ca.pem" \
        -name broker -out "$d/broker.p12" -passout "pass:$SECURE_BROKER_PASSWORD"
    openssl pkcs12 -export -in "$d/client.pem" -inkey "$d/client.key" -certfile "$d/ca.pem" \
        -name client -out "$d/client.p12" -passout "pass:$SECURE_STORE_PASSWORD"
    openssl pkcs8 -topk8 -in "$d/client.key" -v2 aes-256-cbc \
        -passout "pass:$SECURE_KEY_PASSWORD" -out "$d/client-enc.key"
    cat "$d/client.key" "$d/client.pem" >"$d/client-bundle.pem"
    # Negative listeners' certificates: one for another host only, and one
    # that expired long ago (`openssl x509 -req` in OpenSSL 3.0 cannot set a
    # start date; `openssl ca` can, with a minimal CA configuration).
    printf '%s\n' "subjectAltName=DNS:wrong-host.invalid" \
        "extendedKeyUsage=serverAuth,clientAuth" >"$d/wronghost.ext"
    _secure_sign "$d" broker-wronghost /CN=wrong-host.invalid "$d/wronghost.ext"
    mkdir -p "$d/ca-db"
    : >"$d/ca-db/index.txt"
    echo 1000 >"$d/ca-db/serial"
    printf '%s\n' "[ca]" "default_ca = kmig" "[kmig]" "database = $d/ca-db/index.txt" \
        "new_certs_dir = $d/ca-db" "serial = $d/ca-db/serial" "default_md = sha256" \
        "policy = any" "unique_subject = no" "[any]" "commonName = supplied" >"$d/ca.cnf"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$d/broker-expired.key" -subj /CN=localhost -out "$d/broker-expired.csr" 2>/dev/null
    openssl ca -batch -notext -config "$d/ca.cnf" -cert "$d/ca.pem" -keyfile "$d/ca.key" \
        -startdate 20200101000000Z -enddate 20200102000000Z -extfile "$d/broker.ext" \
        -in "$d/broker-expired.csr" -out "$d/broker-expired.pem" 2>/dev/null
    local n
    for n in broker-wronghost broker-expired; do
        openssl pkcs12 -export -in "$d/$n.pem" -inkey "$d/$n.key" -certfile "$d/ca.pem" \
            -name broker -out "$d/$n.p12" -passout "pass:$SECURE_BROKER_PASSWORD"
    done
    local keytool
    keytool=$(dirname "$(readlink -f "$(command -v "${KMIG_JAVA:-java}")")")/keytool
    "$keytool" -importcert -noprompt -storetype PKCS12 -keystore "$d/truststore.p12" \
        -storepass "$SECURE_STORE_PASSWORD" -alias ca -file "$d/ca.pem" >/dev/null 2>&1
}

pem_oneline() { awk 'BEGIN { ORS = "" } { print $0 "\\n" }' "$1"; }

# secure_broker_reserve NAME: picks the ports of a secured cluster (PORT
# plaintext, PORT+1 controller, PORT+2 SASL_SSL, PORT+3 mTLS, PORT+4
# SASL_PLAINTEXT, PORT+5 expired certificate, PORT+6 wrong host) into SECURE_PORT
# and has NAME stopped when the test exits. Run it in the test's own shell (not
# in a subshell), then secure_broker_launch, which may run in the background.
secure_broker_reserve() {
    SECURE_PORT=$(free_port 7)
    _LIB_CLUSTERS+=("$1")
}

# secure_bootstraps PORT: SECURE_PLAIN, SECURE_SASL_SSL, SECURE_MTLS,
# SECURE_SASL_PLAIN, SECURE_EXPIRED, SECURE_WRONGHOST.
secure_bootstraps() {
    SECURE_PLAIN=127.0.0.1:$1
    SECURE_SASL_SSL=127.0.0.1:$(($1 + 2))
    SECURE_MTLS=127.0.0.1:$(($1 + 3))
    SECURE_SASL_PLAIN=127.0.0.1:$(($1 + 4))
    SECURE_EXPIRED=127.0.0.1:$(($1 + 5))
    SECURE_WRONGHOST=127.0.0.1:$(($1 + 6))
}

# secure_broker_launch NAME VERSION DIR PORT [prop=value...]: starts the cluster
# (small heap) and creates the SCRAM user (SCRAM-SHA-512 and SCRAM-SHA-256).
secure_broker_launch() {
    local name=$1 version=$2 d=$3 port=$4 l
    shift 4
    local p=127.0.0.1:$port c=127.0.0.1:$((port + 1)) ss=127.0.0.1:$((port + 2))
    local ssl=127.0.0.1:$((port + 3)) sp=127.0.0.1:$((port + 4))
    local ex=127.0.0.1:$((port + 5)) wh=127.0.0.1:$((port + 6))
    # Per-listener keystores of the negative listeners.
    local neg=()
    for l in expired wronghost; do
        neg+=("listener.name.$l.ssl.keystore.type=PKCS12"
            "listener.name.$l.ssl.keystore.location=$d/broker-$l.p12"
            "listener.name.$l.ssl.keystore.password=$SECURE_BROKER_PASSWORD"
            "listener.name.$l.ssl.key.password=$SECURE_BROKER_PASSWORD")
    done
    # Properties given to kafka.sh come after its own in server.properties, so
    # these override its listeners.
    KMIG_KAFKA_JVM_OPTS=${KMIG_SECURE_JVM_OPTS:--Xmx384m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC} \
    "$KAFKA_SH" start "$name" "$version" "$port" \
        "listeners=PLAINTEXT://$p,CONTROLLER://$c,SASL_SSL://$ss,SSL://$ssl,SASL_PLAINTEXT://$sp,EXPIRED://$ex,WRONGHOST://$wh" \
        "advertised.listeners=PLAINTEXT://$p,SASL_SSL://$ss,SSL://$ssl,SASL_PLAINTEXT://$sp,EXPIRED://$ex,WRONGHOST://$wh" \
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,EXPIRED:SSL,WRONGHOST:SSL" \
        "sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN" \
        "listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256" \
        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;" \
        "listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;" \
        "listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN" \
        "listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SECURE_USER=\"$SECURE_PASSWORD\";" \
        "${neg[@]}" \
        "ssl.keystore.type=PKCS12" "ssl.keystore.location=$d/broker.p12" \
        "ssl.keystore.password=$SECURE_BROKER_PASSWORD" "ssl.key.password=$SECURE_BROKER_PASSWORD" \
        "ssl.truststore.type=PEM" "ssl.truststore.location=$d/ca.pem" \
        "listener.name.ssl.ssl.client.auth=required" \
        "authorizer.class.name=" "$@"
    # The SCRAM user, through the plaintext listener (KRaft keeps it in the
    # metadata log, as the storage tool's --add-scram does at format time).
    # (one mechanism per request: Kafka refuses two changes of one user in one)
    local mech
    for mech in SCRAM-SHA-512 SCRAM-SHA-256; do
        "$KAFKA_SH" configs "$name" --alter --entity-type users --entity-name "$SECURE_USER" \
            --add-config "$mech=[iterations=4096,password=$SECURE_PASSWORD]" >/dev/null
    done
}

# --- helpers the secured-cluster tests share ---

# version_ge A B: version A >= B (as sort -V orders them)
version_ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$2" ]; }

# secure_mm2 CFG SRC_ALIAS SRC_BOOT TGT_ALIAS TGT_BOOT TOPICS [key=value (target) | src:key=value...]:
# an MM2 file with one flow, replication factors 1; the lines of the array
# MM2_HEAD (if set) come first.
secure_mm2() {
    local cfg=$1 sa=$2 sb=$3 ta=$4 tb=$5 topics=$6 l
    shift 6
    {
        [ -z "${MM2_HEAD+x}" ] || printf '%s\n' "${MM2_HEAD[@]}"
        echo "clusters = $sa, $ta"
        echo "$sa.bootstrap.servers = $sb"
        echo "$ta.bootstrap.servers = $tb"
        echo "$sa->$ta.enabled = true"
        echo "$sa->$ta.topics = $topics"
        echo "replication.factor = 1"
        echo "offset-syncs.topic.replication.factor = 1"
        echo "checkpoints.topic.replication.factor = 1"
        for l in "$@"; do
            case $l in
            src:*) echo "$sa.${l#src:}" ;;
            *) echo "$ta.$l" ;;
            esac
        done
    } >"$cfg"
}

# run_kmig NAME [VAR=value...] -- kmig args: RC and SECS (with tenths) of the
# run, stdout in $T/TAG-NAME.log, stderr in $T/TAG-NAME.err. A guard far above
# the 15 s a refused cluster may take turns a hang into a failure naming the case.
run_kmig() {
    local name=$1 envs=() t0 ds
    shift
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    t0=${EPOCHREALTIME/./}
    RC=0
    env "${envs[@]+"${envs[@]}"}" timeout 90 "$KMIG" "$@" >"$T/$TAG-$name.log" 2>"$T/$TAG-$name.err" || RC=$?
    ds=$(((${EPOCHREALTIME/./} - t0) / 100000))
    SECS=$((ds / 10)).$((ds % 10))
    [ "$RC" != 124 ] || fail "$TAG $name: kmig $1 still running after 90 s: $(tail -5 "$T/$TAG-$name.err")"
}

# no_secrets NAME [stderr-only]: no string of the array SECRETS, and nothing
# matching the extended regex SECRET_REGEX (if set), in the run's stdout and
# stderr (stderr only for a command whose stdout is a secret by design).
no_secrets() {
    local files=("$T/$TAG-$1.err") s
    [ "${2:-}" = stderr-only ] || files+=("$T/$TAG-$1.log")
    for s in "${SECRETS[@]}"; do
        ! grep -qF -- "$s" "${files[@]}" || fail "$TAG $1: kmig's output shows a secret (${s:0:6}...)"
    done
    [ -z "${SECRET_REGEX:-}" ] || ! grep -qE -- "$SECRET_REGEX" "${files[@]}" ||
        fail "$TAG $1: kmig's output matches $SECRET_REGEX"
}

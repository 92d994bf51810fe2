# Helpers for tests of secured listeners (TLS, SASL_SSL/SCRAM, mTLS) on real
# brokers, sourced after lib.sh. Everything is made with `openssl` (and Java's
# keytool for a Java-style truststore) in the test's temp dir; nothing is
# committed and nothing is fetched.
#
#   secure_certs DIR           a CA, a broker certificate (SAN IP:127.0.0.1 and
#                              DNS:localhost), a client certificate (CN=kmig-client)
#                              for mTLS, and a second, unrelated CA; in the forms
#                              brokers and MM2 files use (files listed below)
#   secure_broker_reserve NAME, secure_broker_launch NAME VERSION DIR PORT [k=v...]
#                              a private KRaft cluster (as kafka_start) with four
#                              listeners: PLAINTEXT (inter-broker, and for the
#                              test's own checks), SASL_SSL (SCRAM-SHA-512),
#                              SSL with ssl.client.auth=required (mTLS), and the
#                              controller; the SCRAM user $SECURE_USER with
#                              password $SECURE_PASSWORD
#   secure_bootstraps PORT     sets SECURE_PLAIN, SECURE_SASL_SSL, SECURE_MTLS
#   pem_oneline FILE           a PEM file as one line with '\n' escapes, for an
#                              inline value in a properties file
#
# Files in DIR: ca.pem, ca.key, other-ca.pem, broker.p12 (PKCS12 key and chain),
# client.pem, client.key (PKCS#8, unencrypted), client-enc.key (PKCS#8 encrypted
# with $SECURE_KEY_PASSWORD), client.p12 (PKCS12 with $SECURE_STORE_PASSWORD),
# client-bundle.pem (key and certificate in one file), truststore.p12 (CA only,
# made by keytool as a Java user would).
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
    local keytool
    keytool=$(dirname "$(readlink -f "$(command -v "${KMIG_JAVA:-java}")")")/keytool
    "$keytool" -importcert -noprompt -storetype PKCS12 -keystore "$d/truststore.p12" \
        -storepass "$SECURE_STORE_PASSWORD" -alias ca -file "$d/ca.pem" >/dev/null 2>&1
}

pem_oneline() { awk 'BEGIN { ORS = "" } { print $0 "\\n" }' "$1"; }

# secure_broker_reserve NAME: picks the ports of a secured cluster (PORT
# plaintext, PORT+1 controller, PORT+2 SASL_SSL, PORT+3 mTLS) into SECURE_PORT
# and has NAME stopped when the test exits. Run it in the test's own shell (not
# in a subshell), then secure_broker_launch, which may run in the background.
secure_broker_reserve() {
    SECURE_PORT=$(free_port 4)
    _LIB_CLUSTERS+=("$1")
}

# secure_bootstraps PORT: SECURE_PLAIN, SECURE_SASL_SSL, SECURE_MTLS.
secure_bootstraps() {
    SECURE_PLAIN=127.0.0.1:$1
    SECURE_SASL_SSL=127.0.0.1:$(($1 + 2))
    SECURE_MTLS=127.0.0.1:$(($1 + 3))
}

# secure_broker_launch NAME VERSION DIR PORT [prop=value...]: starts the cluster
# (small heap) and creates the SCRAM user.
secure_broker_launch() {
    local name=$1 version=$2 d=$3 port=$4
    shift 4
    # Properties given to kafka.sh come after its own in server.properties, so
    # these override its listeners.
    KMIG_KAFKA_JVM_OPTS=${KMIG_SECURE_JVM_OPTS:--Xmx384m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC} \
    "$KAFKA_SH" start "$name" "$version" "$port" \
        "listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$((port + 1)),SASL_SSL://127.0.0.1:$((port + 2)),SSL://127.0.0.1:$((port + 3))" \
        "advertised.listeners=PLAINTEXT://127.0.0.1:$port,SASL_SSL://127.0.0.1:$((port + 2)),SSL://127.0.0.1:$((port + 3))" \
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL" \
        "sasl.enabled.mechanisms=SCRAM-SHA-512" \
        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;" \
        "ssl.keystore.type=PKCS12" "ssl.keystore.location=$d/broker.p12" \
        "ssl.keystore.password=$SECURE_BROKER_PASSWORD" "ssl.key.password=$SECURE_BROKER_PASSWORD" \
        "ssl.truststore.type=PEM" "ssl.truststore.location=$d/ca.pem" \
        "listener.name.ssl.ssl.client.auth=required" \
        "authorizer.class.name=" "$@"
    # The SCRAM user, through the plaintext listener (KRaft keeps it in the
    # metadata log, as the storage tool's --add-scram does at format time).
    "$KAFKA_SH" configs "$name" --alter --entity-type users --entity-name "$SECURE_USER" \
        --add-config "SCRAM-SHA-512=[iterations=4096,password=$SECURE_PASSWORD]" >/dev/null
}

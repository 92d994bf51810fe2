#!/usr/bin/env bash
# kmig-test: long private (its targets are clusters of its own)
# AWS MSK IAM end to end on real brokers: per Kafka version, a private broker
# stands in for an MSK cluster (SASL_SSL with OAUTHBEARER only, its tokens
# checked by the test's Java validator, which recomputes their SigV4 signature
# from the credentials `kmig-testkit fake-aws` issues), as the TARGET of the
# runner's plaintext source. MM2 files in the Java IAM forms reach it with
# credentials through kmig's default chain from the local fake:
#   form 1 (sasl.mechanism=AWS_MSK_IAM, IAMLoginModule awsProfileName="mirror"):
#     a profile with role_arn + source_profile whose static keys sign an STS
#     AssumeRole at the fake; assess --json, plan + apply --execute, mirror
#     --stop-at-end (exact copy checked record by record), offsets --execute;
#   form 2 (OAUTHBEARER + IAMOAuthBearerLoginCallbackHandler): EC2 IMDSv2 at
#     the fake (AWS_EC2_METADATA_SERVICE_ENDPOINT); a mirror of a second topic.
# `kmig auth msk-iam-token --time` gives a token the validator accepts at that
# time; one changed signature character, or checking it an hour later, is
# refused; tokens from the container and web identity sources are accepted,
# and so is one signed by botocore (AWS's reference signer) when python3 has
# it. Negative runs: static keys with a wrong secret (the broker refuses
# the token; STS refuses the AssumeRole) and expired credentials (a
# credential_process with a past Expiration; IMDS credentials that expired)
# each fail within 15 s, non-zero, naming the target's alias and the cause.
# No secret of the fake, no session token and no token appears in kmig's
# output at --log-level debug.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/securelib.sh"
. "$(dirname "$0")/iamlib.sh"

[ -n "${KMIG_REAL_VERSIONS:-}" ] || fail "KMIG_REAL_* not set: run it as tests/run.sh real $TEST_NAME"
command -v jq >/dev/null || fail "jq not found (scripts/setup.sh installs it)"
command -v openssl >/dev/null || fail "openssl not found"

# Nothing from the caller's AWS environment takes part.
for v in $(compgen -e); do case $v in AWS_*) unset "$v" ;; esac; done

N=300
C=$T/certs
secure_certs "$C"
STATIC_ID=AKIAKMIGSTATIC000001
STATIC_SECRET='kmigStaticSecret/x9Qe+Zr4T1vW8=abc'
WRONG_SECRET='kmigWrongSecret/Ab3+Cd5Ef7Gh9=xyz'
ECS_TOKEN=ecs-Auth-7b31f0c2
WI_TOKEN=web-Identity-Jwt-0c4a5e19
ROLE=arn:aws:iam::123456789012:role/kmig-mirror

# One fake for every version; the brokers' validators read its credentials file.
fakeaws_start "$T/aws" --static "$STATIC_ID:$STATIC_SECRET" --ecs-token "$ECS_TOKEN" \
    --web-identity-token "$WI_TOKEN"
CREDS=$T/aws/creds
FAKE_URL=$FAKEAWS_URL
echo "fake-aws: $FAKE_URL"
# An already-expired IMDS for the expired-credentials case.
EXPIRED_DIR=$T/aws-expired
fakeaws_start "$EXPIRED_DIR" --expiry-s -120
EXPIRED_URL=$FAKEAWS_URL

# What must never be printed: every secret and session token the fake knows,
# the static and wrong secrets, the container and web identity tokens.
SECRETS=("$STATIC_SECRET" "$WRONG_SECRET" "$ECS_TOKEN" "$WI_TOKEN")
while read -r _ s tok; do
    SECRETS+=("$s")
    [ -z "$tok" ] || SECRETS+=("$tok")
done <"$CREDS"
# Every MSK IAM token starts with base64url("https://kafka.").
TOKEN_PREFIX=aHR0cHM6Ly9rYWZrYS4
SECRETS+=("$TOKEN_PREFIX")
SECRET_REGEX='X-Amz-Signature=[0-9a-f]'

# The shared AWS files: [base] static keys, [profile mirror] assumes a role with
# them, [profile wrongkey] the same key with a wrong secret, [profile badrole]
# assumes the role with that one, [profile expired] a credential_process whose
# credentials expired.
A=$T/awsfiles
mkdir -p "$A"
cat >"$A/credentials" <<EOF
[base]
aws_access_key_id = $STATIC_ID
aws_secret_access_key = $STATIC_SECRET

[wrongkey]
aws_access_key_id = $STATIC_ID
aws_secret_access_key = $WRONG_SECRET
EOF
cat >"$A/config" <<EOF
[profile mirror]
role_arn = $ROLE
source_profile = base
role_session_name = kmig-iam-test

[profile badrole]
role_arn = $ROLE
source_profile = wrongkey

[profile expired]
credential_process = cat $A/expired.json
EOF
printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s", "Expiration": "2020-01-01T00:00:00Z"}\n' \
    "$STATIC_ID" "$STATIC_SECRET" >"$A/expired.json"
: >"$A/empty"
# The chain through the shared files and the fake STS, IMDS off.
PROFILE_ENV=("AWS_SHARED_CREDENTIALS_FILE=$A/credentials" "AWS_CONFIG_FILE=$A/config"
    "AWS_ENDPOINT_URL_STS=$FAKE_URL" "AWS_EC2_METADATA_DISABLED=true")
# The chain with no files and no environment keys: EC2 IMDSv2 at the fake.
imds_env() {
    echo "AWS_SHARED_CREDENTIALS_FILE=$A/empty"
    echo "AWS_CONFIG_FILE=$A/empty"
    echo "AWS_EC2_METADATA_SERVICE_ENDPOINT=$1"
}
readarray -t IMDS_ENV < <(imds_env "$FAKE_URL")
# The container and web identity sources (for `kmig auth` only), no files, IMDS off.
printf '%s' "$WI_TOKEN" >"$A/web-identity-token"
SOURCE_ENV=("AWS_SHARED_CREDENTIALS_FILE=$A/empty" "AWS_CONFIG_FILE=$A/empty" "AWS_EC2_METADATA_DISABLED=true")
CONTAINER_ENV=("AWS_CONTAINER_CREDENTIALS_FULL_URI=$FAKE_URL/ecs/credentials"
    "AWS_CONTAINER_AUTHORIZATION_TOKEN=$ECS_TOKEN")
WI_ENV=("AWS_ROLE_ARN=$ROLE" "AWS_WEB_IDENTITY_TOKEN_FILE=$A/web-identity-token"
    "AWS_ENDPOINT_URL_STS=$FAKE_URL")
readarray -t IMDS_EXPIRED_ENV < <(imds_env "$EXPIRED_URL")

ok_or_fail() {
    [ "$RC" = 0 ] || fail "$TAG $1: kmig exit $RC: $(grep -v '^    #' "$T/$TAG-$1.err" | tail -5)"
    no_secrets "$1"
}

# mm2 CFG SRC_ALIAS TGT_ALIAS TOPIC [target key=value lines...]
mm2() {
    local cfg=$1 sa=$2 ta=$3 topic=$4
    shift 4
    secure_mm2 "$cfg" "$sa" "$SRC" "$ta" "$IAM_SASL_SSL" "$topic" "$@"
}

# The two Java forms of MSK IAM, TLS with the test's CA, region given (the
# broker is 127.0.0.1, not an MSK host name).
TLS_LINES=("security.protocol = SASL_SSL" "ssl.truststore.type = PEM" "ssl.truststore.location = $C/ca.pem"
    "kmig.aws.region = us-east-1")
form1() {
    echo "sasl.mechanism = AWS_MSK_IAM"
    echo "sasl.jaas.config = software.amazon.msk.auth.iam.IAMLoginModule required awsProfileName=\"$1\";"
    echo "sasl.client.callback.handler.class = software.amazon.msk.auth.iam.IAMClientCallbackHandler"
}
FORM2=("sasl.mechanism = OAUTHBEARER"
    "sasl.jaas.config = org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;"
    "sasl.login.callback.handler.class = software.amazon.msk.auth.iam.IAMOAuthBearerLoginCallbackHandler")

# fake_calls DIR JQ-FILTER: how many logged requests of the fake match.
fake_calls() { jq -c "select($2)" "$1/log" | grep -c . || true; }

# copy_check NAME CFG TOPIC [VAR=value...]: mirror --stop-at-end copies TOPIC exactly.
copy_check() {
    local name=$1 cfg=$2 topic=$3 sa summary
    shift 3
    sa=$(sed -n 's/^clusters = \([^,]*\),.*/\1/p' "$cfg")
    summary=$T/$TAG-$name.json
    run_kmig "$name" "$@" -- mirror --config "$cfg" --stop-at-end --summary-json "$summary" \
        --log-level debug
    ok_or_fail "$name"
    expect_eq 0 "$(jq .exit_code "$summary")" "$TAG $name: summary exit_code"
    expect_eq "$N" "$(jq '[.partitions[].records] | add' "$summary")" "$TAG $name: records copied (summary)"
    "$TESTKIT" check --bootstrap "$IAM_PLAIN" --topic "$sa.$topic" --source-topic "$topic" \
        --source-bootstrap "$SRC" --partitions 3 --count "$N" >"$T/$TAG-$name.check" 2>&1 ||
        fail "$TAG $name: check: $(cat "$T/$TAG-$name.check")"
    grep -q ' DEBUG ' "$T/$TAG-$name.err" || fail "$TAG $name: no debug lines (--log-level debug)"
    echo "$TAG $name: copied $N records exactly in ${SECS}s ($(cat "$T/$TAG-$name.check"))"
}

# negative NAME CFG CAUSE [VAR=value...]: fails within 15 s, non-zero, with a
# line naming the target alias and the cause (an extended regex).
negative() {
    local name=$1 cfg=$2 cause=$3 ta said
    shift 3
    ta=$(sed -n 's/^clusters = [^,]*, *//p' "$cfg")
    run_kmig "$name" "$@" -- mirror --config "$cfg" --stop-at-end --log-level debug
    [ "$RC" != 0 ] || fail "$TAG $name: kmig mirror succeeded"
    [ "$DS" -lt 150 ] || fail "$TAG $name: kmig took ${SECS}s to fail (more than 15 s)"
    said=$(cat "$T/$TAG-$name.log" "$T/$TAG-$name.err")
    expect_contains "$said" "$ta" "$TAG $name: kmig's output (the target alias)"
    # One line names both (the start-up check's error).
    grep -v ' DEBUG ' "$T/$TAG-$name.err" | grep -F -- "$ta" | grep -qE -- "$cause" ||
        fail "$TAG $name: no line of kmig's output names $ta and the cause ($cause): $(grep -v ' DEBUG ' "$T/$TAG-$name.err" | tail -n 5)"
    no_secrets "$name"
    echo "$TAG $name: exit $RC in ${SECS}s: $(grep -v ' DEBUG ' "$T/$TAG-$name.err" | grep -F -- "$ta" | grep -E -- "$cause" | tail -n 1 | cut -c1-240)"
}

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
unb64url() {
    local s
    s=$(tr -- '-_' '+/')
    while [ $((${#s} % 4)) != 0 ]; do s+='='; done
    printf '%s' "$s" | base64 -d
}

check_version() {
    TAG=$1
    local version port sa ta cfg group rows topic2 t1 tok url bad
    version=KMIG_REAL_KAFKA_$TAG; version=${!version}
    SRC=KMIG_REAL_SRC_$TAG; SRC=${!SRC}
    port=IAM_PORT_$TAG
    iam_bootstraps "${!port}"
    TOPIC=$(unique_name iamorders)
    "$KAFKA_SH" topics "src$TAG" --create --topic "$TOPIC" --partitions 3 >/dev/null
    "$TESTKIT" produce --bootstrap "$SRC" --topic "$TOPIC" --partitions 3 --count "$N" >/dev/null

    # --- kmig auth msk-iam-token: accepted at its time; tampered or expired refused.
    t1=$(date -u +%Y%m%dT%H%M%SZ)
    run_kmig auth "${PROFILE_ENV[@]}" -- auth msk-iam-token --region us-east-1 --profile mirror --time "$t1" --json
    [ "$RC" = 0 ] || fail "$TAG kmig auth: exit $RC: $(cat "$T/$TAG-auth.err")"
    no_secrets auth stderr-only
    expect_eq "ASIAFAKEASSUMEROLE01 profile" "$(jq -r '"\(.access_key_id) \(.source)"' "$T/$TAG-auth.log")" \
        "$TAG kmig auth --json: key and source"
    tok=$(jq -r .token "$T/$TAG-auth.log")
    url=$(printf '%s' "$tok" | unb64url)
    expect_eq "$url" "$(jq -r .url "$T/$TAG-auth.log")" "$TAG kmig auth --json: url is the decoded token"
    iam_validator_check "$IAM_JAR" "$CREDS" --region us-east-1 --now "$t1" "$tok" >"$T/$TAG-v1.out" 2>&1 ||
        fail "$TAG: the validator refuses kmig's token: $(cat "$T/$TAG-v1.out")"
    expect_eq ASIAFAKEASSUMEROLE01 "$(cat "$T/$TAG-v1.out")" "$TAG validator principal"
    # One character of the signature changed.
    bad=$(printf '%s' "$url" | sed -E 's/(X-Amz-Signature=[0-9a-f]{10})([0-9a-f])/\1\n\2/' |
        awk 'NR == 1 { printf "%s", $0 } NR == 2 { c = substr($0, 1, 1); printf "%s%s", (c == "0" ? "1" : "0"), substr($0, 2) }')
    [ "$bad" != "$url" ] && [ ${#bad} = ${#url} ] || fail "$TAG: could not tamper with the signature"
    if iam_validator_check "$IAM_JAR" "$CREDS" --now "$t1" "$(printf '%s' "$bad" | b64url)" >"$T/$TAG-v2.out" 2>&1; then
        fail "$TAG: the validator accepts a token with a changed signature"
    fi
    expect_contains "$(cat "$T/$TAG-v2.out")" "signature does not match" "$TAG tampered token"
    # Signed an hour ago: expired now.
    run_kmig auth-old "${PROFILE_ENV[@]}" -- auth msk-iam-token --region us-east-1 --profile mirror \
        --time "$(date -u -d '-1 hour' +%Y%m%dT%H%M%SZ)"
    [ "$RC" = 0 ] || fail "$TAG kmig auth --time -1h: exit $RC: $(cat "$T/$TAG-auth-old.err")"
    no_secrets auth-old stderr-only
    if iam_validator_check "$IAM_JAR" "$CREDS" "$(head -n 1 "$T/$TAG-auth-old.log")" >"$T/$TAG-v3.out" 2>&1; then
        fail "$TAG: the validator accepts a token signed an hour ago"
    fi
    expect_contains "$(cat "$T/$TAG-v3.out")" "expired" "$TAG token signed an hour ago"
    # The session token left out of temporary credentials' token.
    bad=$(printf '%s' "$url" | sed -E 's/&X-Amz-Security-Token=[^&]*//')
    [ "$bad" != "$url" ] || fail "$TAG: kmig's token of temporary credentials has no X-Amz-Security-Token"
    if iam_validator_check "$IAM_JAR" "$CREDS" --now "$t1" "$(printf '%s' "$bad" | b64url)" >"$T/$TAG-v4.out" 2>&1; then
        fail "$TAG: the validator accepts a token without its session token"
    fi
    # The container and web identity sources give tokens the validator accepts too.
    local src key envs
    for src in container:ASIAFAKEECS000000001 web-identity:ASIAFAKEWEBIDENTITY1; do
        key=${src#*:} src=${src%%:*}
        if [ "$src" = container ]; then envs=("${CONTAINER_ENV[@]}"); else envs=("${WI_ENV[@]}"); fi
        run_kmig "auth-$src" "${SOURCE_ENV[@]}" "${envs[@]}" -- auth msk-iam-token --region us-east-1 --json
        [ "$RC" = 0 ] || fail "$TAG kmig auth ($src): exit $RC: $(cat "$T/$TAG-auth-$src.err")"
        no_secrets "auth-$src" stderr-only
        expect_eq "$key $src" "$(jq -r '"\(.access_key_id) \(.source)"' "$T/$TAG-auth-$src.log")" "$TAG kmig auth ($src)"
        iam_validator_check "$IAM_JAR" "$CREDS" "$(jq -r .token "$T/$TAG-auth-$src.log")" >"$T/$TAG-v-$src.out" 2>&1 ||
            fail "$TAG: the validator refuses kmig's token from $src: $(cat "$T/$TAG-v-$src.out")"
    done
    # The validator against AWS's reference signer, when Python has botocore (an
    # extra cross-check, so that kmig and the validator cannot share one
    # misreading of SigV4; aws-msk-iam-sasl-signer-python signs the same way).
    if python3 -c 'import botocore' 2>/dev/null; then
        tok=$(python3 - "$STATIC_ID" "$STATIC_SECRET" <<'PY'
import base64, sys
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
req = AWSRequest(method="GET", url="https://kafka.us-east-1.amazonaws.com/",
                 params={"Action": "kafka-cluster:Connect"})
SigV4QueryAuth(Credentials(sys.argv[1], sys.argv[2]), "kafka-cluster", "us-east-1", expires=900).add_auth(req)
url = req.prepare().url + "&User-Agent=botocore"
print(base64.urlsafe_b64encode(url.encode()).decode().rstrip("="))
PY
        ) || fail "$TAG: botocore could not sign a token"
        iam_validator_check "$IAM_JAR" "$CREDS" --region us-east-1 "$tok" >"$T/$TAG-v-botocore.out" 2>&1 ||
            fail "$TAG: the validator refuses botocore's token: $(cat "$T/$TAG-v-botocore.out")"
        echo "$TAG auth: the validator accepts a token signed by botocore (AWS's reference signer)"
    else
        echo "$TAG NOTE: no botocore in python3: the validator was not cross-checked against AWS's signer"
    fi
    echo "$TAG auth: kmig's tokens (role profile, container, web identity) accepted; a changed signature, an expired token and one without its session token refused"

    # --- form 1, profile with role_arn + source_profile -> STS AssumeRole at the fake.
    sa=i1$TAG ta=msk$TAG cfg=$T/$TAG-form1.properties
    readarray -t f1 < <(form1 mirror)
    mm2 "$cfg" "$sa" "$ta" "$TOPIC" "${f1[@]}" "${TLS_LINES[@]}"

    run_kmig assess "${PROFILE_ENV[@]}" -- assess --config "$cfg" --cluster "$ta" --sample 0 --json --log-level debug
    ok_or_fail assess
    jq -e '.source.brokers | length > 0' "$T/$TAG-assess.log" >/dev/null ||
        fail "$TAG kmig assess --json lists no broker of the IAM cluster"
    expect_eq "${version%.*}" "$(jq -r '.source.brokers[0].version' "$T/$TAG-assess.log")" \
        "$TAG kmig assess: the IAM broker's version"
    echo "$TAG assess: the IAM cluster's inventory (Kafka ${version%.*}) in ${SECS}s"

    run_kmig plan "${PROFILE_ENV[@]}" -- plan --config "$cfg" --no-acls --json --log-level debug
    ok_or_fail plan
    jq -e --arg t "$sa.$TOPIC" '[.changes[] | select(.action == "create_topic" and .topic == $t)] | length == 1' \
        "$T/$TAG-plan.log" >/dev/null || fail "$TAG kmig plan does not create $sa.$TOPIC: $(head -c 600 "$T/$TAG-plan.log")"
    run_kmig apply "${PROFILE_ENV[@]}" -- apply --config "$cfg" --no-acls --execute --log-level debug
    ok_or_fail apply
    expect_contains "$(cat "$T/$TAG-apply.log" "$T/$TAG-apply.err")" "0 failed" "$TAG kmig apply --execute"
    run_kmig plan2 "${PROFILE_ENV[@]}" -- plan --config "$cfg" --no-acls --json
    ok_or_fail plan2
    jq -e --arg t "$sa.$TOPIC" '[.changes[] | select(.topic == $t)] | length == 0' "$T/$TAG-plan2.log" >/dev/null ||
        fail "$TAG kmig plan after apply still changes $sa.$TOPIC"
    echo "$TAG plan/apply: $sa.$TOPIC created on the IAM cluster; the next plan is empty for it"

    copy_check mirror-role "$cfg" "$TOPIC" "${PROFILE_ENV[@]}"

    group=$(unique_name iamgrp)
    "$TESTKIT" commit --bootstrap "$SRC" --group "$group" --topic "$TOPIC" \
        --offset 0:40 --offset 1:100 >/dev/null
    run_kmig offsets-exec "${PROFILE_ENV[@]}" -- offsets --config "$cfg" --group "$group" --execute --log-level debug
    ok_or_fail offsets-exec
    run_kmig offsets-json "${PROFILE_ENV[@]}" -- offsets --config "$cfg" --group "$group" --json
    ok_or_fail offsets-json
    rows=$(jq -c '[.[] | [.partition, .status, .target_offset, .target_committed]] | sort' \
        "$T/$TAG-offsets-json.log")
    expect_eq '[[0,"up-to-date",40,40],[1,"up-to-date",100,100]]' "$rows" \
        "$TAG kmig offsets --json rows after --execute"
    echo "$TAG offsets: group translated and committed on the IAM target: $rows"
    # The credentials came from the fake STS, signed with the static keys.
    [ "$(fake_calls "$T/aws" '.action == "AssumeRole" and .key_id == "'$STATIC_ID'" and .status == 200')" -ge 1 ] ||
        fail "$TAG: no successful AssumeRole signed by $STATIC_ID at the fake STS"

    # --- form 2 with EC2 IMDSv2: a second topic.
    topic2=$(unique_name iamimds)
    "$KAFKA_SH" topics "src$TAG" --create --topic "$topic2" --partitions 3 >/dev/null
    "$TESTKIT" produce --bootstrap "$SRC" --topic "$topic2" --partitions 3 --count "$N" >/dev/null
    local before
    before=$(fake_calls "$T/aws" '.key_id == "ASIAFAKEIMDS00000001" and .status == 200')
    sa=i2$TAG ta=mskimds$TAG cfg=$T/$TAG-form2.properties
    mm2 "$cfg" "$sa" "$ta" "$topic2" "${FORM2[@]}" "${TLS_LINES[@]}"
    copy_check mirror-imds "$cfg" "$topic2" "${IMDS_ENV[@]}"
    [ "$(fake_calls "$T/aws" '.key_id == "ASIAFAKEIMDS00000001" and .status == 200')" -gt "$before" ] ||
        fail "$TAG mirror-imds: no IMDS credentials were fetched from the fake"

    # --- negative runs, side by side.
    local pids=() p rc=0
    cfg=$T/$TAG-neg-wrongkey.properties
    readarray -t f1 < <(form1 wrongkey)
    mm2 "$cfg" n1$TAG badsecret$TAG "$TOPIC" "${f1[@]}" "${TLS_LINES[@]}"
    (negative wrong-secret "$cfg" 'invalid_token|[Aa]uthentication fail' "${PROFILE_ENV[@]}") &
    pids+=($!)
    cfg=$T/$TAG-neg-badrole.properties
    readarray -t f1 < <(form1 badrole)
    mm2 "$cfg" n2$TAG badrole$TAG "$TOPIC" "${f1[@]}" "${TLS_LINES[@]}"
    (negative sts-refused "$cfg" 'AssumeRole.*SignatureDoesNotMatch' "${PROFILE_ENV[@]}") &
    pids+=($!)
    cfg=$T/$TAG-neg-expired.properties
    readarray -t f1 < <(form1 expired)
    mm2 "$cfg" n3$TAG stale$TAG "$TOPIC" "${f1[@]}" "${TLS_LINES[@]}"
    (negative expired-process "$cfg" 'credentials.*expired' "${PROFILE_ENV[@]}") &
    pids+=($!)
    cfg=$T/$TAG-neg-expired-imds.properties
    mm2 "$cfg" n4$TAG staleimds$TAG "$TOPIC" "${FORM2[@]}" "${TLS_LINES[@]}"
    (negative expired-imds "$cfg" 'imds.*expired' "${IMDS_EXPIRED_ENV[@]}") &
    pids+=($!)
    for p in "${pids[@]}"; do wait "$p" || rc=1; done
    [ $rc = 0 ] || fail "$TAG: a negative case failed (above)"
}

# The validator jars first (Maven, one version after the other), then the
# private brokers side by side, from this shell (so that they are stopped when
# the test exits).
for tag in $KMIG_REAL_VERSIONS; do
    v=KMIG_REAL_KAFKA_$tag
    iam_validator_build "${!v}"
done
IAM_JAR=$IAM_VALIDATOR_JAR # (the checker is plain Java: any version's jar)
pids=()
for tag in $KMIG_REAL_VERSIONS; do
    v=KMIG_REAL_KAFKA_$tag
    iam_broker_reserve "iam$tag"
    printf -v "IAM_PORT_$tag" %s "$IAM_PORT"
    iam_broker_launch "iam$tag" "${!v}" "$C" "$IAM_PORT" "$CREDS" >"$T/start-$tag.log" 2>&1 &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "an IAM broker did not start: $(cat "$T"/start-*.log)"; done
cat "$T"/start-*.log

for_each_version check_version

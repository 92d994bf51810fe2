#!/usr/bin/env bash
# `kmig auth msk-iam-token` against `kmig-testkit fake-aws` (local IMDSv2,
# container and STS endpoints): the AWS default credential chain as the
# mirror's MSK IAM clients run it (src/awsio). For fixed credentials and time
# the token is the known vector of tests/unit/test_sigv4.c; environment keys
# win; a profile's static keys, role_arn + source_profile (AssumeRole whose
# SigV4 signature the fake STS verifies), credential_process; web identity
# from the environment; the container endpoint with its authorization token
# (value and file); IMDSv2; awsRoleArn (--role-arn) on top of the chain. A
# source that is configured but fails is an error naming it (exit 2, the next
# source not tried); no credentials anywhere is one clear error (exit 2). No
# secret key appears in any output, and no session token on stderr, even at
# --log-level debug. Through an MM2 file in either Java form, `kmig assess`'s
# start-up check fails at once with one line naming the alias and the IAM
# cause (expired credentials), the IAM keys not reported as unused. No Kafka
# cluster is involved (the broker-level proof is tests/real/test_msk_iam.sh).
. "$(dirname "$0")/../lib.sh"

[ -x "$TESTKIT" ] || fail "$TESTKIT not found (make build-san)"

STATIC_ID=AKIAFAKESTATIC000001
STATIC_SECRET='fakeStaticSecret/K7MDENG+bPxRfiCYSTATIC01'
UNKNOWN_ID=AKIAFAKEUNKNOWN00001
UNKNOWN_SECRET='fakeUnknownSecret/K7MDENG+bPxRfiCYUNKN01'
ECS_TOKEN='ecs-auth-token-SECRET-4f1d'
WI_TOKEN='eyJhbGciOi.web-identity-SECRET.sig'
ROLE=arn:aws:iam::123456789012:role/kmig-test-role
# Every secret that must never show (the fake's issued secrets are in its --creds-out).
SECRETS=("$STATIC_SECRET" "$UNKNOWN_SECRET" "$ECS_TOKEN" "$WI_TOKEN"
         'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' 'procSecret/K7MDENG+PROCESS01')

fake_start() { # fake_start NAME [fake-aws args]: URL in FAKE_URL, log in $T/NAME/log
    local d=$T/$1
    shift
    mkdir -p "$d"
    run_bg "$d/out" "$TESTKIT" fake-aws --port-file "$d/port" --creds-out "$d/creds" \
        --log "$d/log" --static "$STATIC_ID:$STATIC_SECRET" "$@"
    wait_for "[ -s '$d/port' ]" 20 0.05 || fail "fake-aws did not start: $(cat "$d/out")"
    FAKE_URL=http://127.0.0.1:$(cat "$d/port")
}

fake_start main --ecs-token "$ECS_TOKEN" --web-identity-token "$WI_TOKEN"
MAIN=$FAKE_URL
fake_start failing --fail ecs --fail sts --ecs-token "$ECS_TOKEN"
FAILING=$FAKE_URL
while read -r _ secret token; do SECRETS+=("$secret" ${token:+"$token"}); done <"$T/main/creds"

mkdir -p "$T/home" "$T/aws"
CLOSED=$(free_port) # nothing listens there: an unreachable IMDS
N=0
# run NAME [VAR=VALUE...] -- kmig-auth-args...: runs kmig auth msk-iam-token in
# a clean environment (only the variables given, HOME empty, IMDS unreachable
# unless set); stdout in $T/NAME.out, stderr in $T/NAME.err, exit code in RC.
run() {
    local name=$1 vars=()
    shift
    while [ "$1" != -- ]; do vars+=("$1"); shift; done
    shift
    RC=0
    env -i PATH=/usr/bin:/bin HOME="$T/home" ASAN_OPTIONS="$ASAN_OPTIONS" \
        UBSAN_OPTIONS="$UBSAN_OPTIONS" AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$CLOSED" \
        "${vars[@]}" "$KMIG" auth msk-iam-token --region us-east-1 "$@" \
        >"$T/$name.out" 2>"$T/$name.err" || RC=$?
    N=$((N + 1))
}
json() { jq -r "$2" "$T/$1.out"; }
# ok NAME SOURCE KEYID: the run succeeded with credentials from SOURCE.
ok() {
    [ "$RC" = 0 ] || fail "$1: exit $RC: $(cat "$T/$1.err")"
    expect_eq "$2" "$(json "$1" .source)" "$1: source"
    expect_eq "$3" "$(json "$1" .access_key_id)" "$1: access key id"
    expect_contains "$(json "$1" .url)" "X-Amz-Credential=$3%2F" "$1: url"
    [ "$(json "$1" .token | base64 -d 2>/dev/null || true)" != "" ] || true
}
# err NAME PATTERN: the run failed with exit 2 and one line saying PATTERN.
err() {
    [ "$RC" = 2 ] || fail "$1: expected exit 2, got $RC: $(cat "$T/$1.err")"
    expect_contains "$(cat "$T/$1.err")" "$2" "$1: stderr"
    [ ! -s "$T/$1.out" ] || fail "$1: printed on stdout: $(cat "$T/$1.out")"
    expect_eq 1 "$(grep -c . "$T/$1.err")" "$1: error lines"
}

# --- the known vector (tests/unit/test_sigv4.c), environment keys ---
VEC_ENV=(AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY)
VEC_TOKEN=aHR0cHM6Ly9rYWZrYS51cy1lYXN0LTEuYW1hem9uYXdzLmNvbS8_QWN0aW9uPWthZmthLWNsdXN0ZXIlM0FDb25uZWN0JlgtQW16LUFsZ29yaXRobT1BV1M0LUhNQUMtU0hBMjU2JlgtQW16LUNyZWRlbnRpYWw9QUtJQUlPU0ZPRE5ON0VYQU1QTEUlMkYyMDI0MDEwMiUyRnVzLWVhc3QtMSUyRmthZmthLWNsdXN0ZXIlMkZhd3M0X3JlcXVlc3QmWC1BbXotRGF0ZT0yMDI0MDEwMlQwMzA0MDVaJlgtQW16LUV4cGlyZXM9OTAwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCZYLUFtei1TaWduYXR1cmU9ZTBkZWY1NDQ4ZDM0NjBiNzllOTIwMTNmNDI3ZjQ0NjMyOWY1YjA5YzEyODgzZTJhYzlmZDJhNDAzNGUwMzZlZiZVc2VyLUFnZW50PWttaWclMkYwLjEuMA
VEC_TOKEN_TOK=aHR0cHM6Ly9rYWZrYS51cy1lYXN0LTEuYW1hem9uYXdzLmNvbS8_QWN0aW9uPWthZmthLWNsdXN0ZXIlM0FDb25uZWN0JlgtQW16LUFsZ29yaXRobT1BV1M0LUhNQUMtU0hBMjU2JlgtQW16LUNyZWRlbnRpYWw9QUtJQUlPU0ZPRE5ON0VYQU1QTEUlMkYyMDI0MDEwMiUyRnVzLWVhc3QtMSUyRmthZmthLWNsdXN0ZXIlMkZhd3M0X3JlcXVlc3QmWC1BbXotRGF0ZT0yMDI0MDEwMlQwMzA0MDVaJlgtQW16LUV4cGlyZXM9OTAwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCZYLUFtei1TZWN1cml0eS1Ub2tlbj1JUW9KYjNKcFoybHVYMlZqRVhBTVBMRSUyQiUyRnRva2VuJTNEJTNEJlgtQW16LVNpZ25hdHVyZT1lZDczYjRlMDBiMjdiM2Y5MDE4ZTdjYjdmNjIxZDIyNjg1ZWJkNDY2YjU2YjZkNzFjYjE1YjIzOGU0ZTQ4OWNjJlVzZXItQWdlbnQ9a21pZyUyRjAuMS4w
run vector "${VEC_ENV[@]}" -- --time 20240102T030405Z
[ "$RC" = 0 ] || fail "vector: exit $RC: $(cat "$T/vector.err")"
expect_eq "$VEC_TOKEN" "$(cat "$T/vector.out")" "token for the known vector"
run vector_tok "${VEC_ENV[@]}" AWS_SESSION_TOKEN='IQoJb3JpZ2luX2VjEXAMPLE+/token==' -- --time 20240102T030405Z
expect_eq "$VEC_TOKEN_TOK" "$(cat "$T/vector_tok.out")" "token for the known vector with a session token"
run vector_url "${VEC_ENV[@]}" -- --time 20240102T030405Z --decode
expect_eq "$(printf %s "$VEC_TOKEN" | tr _- /+ | base64 -d 2>/dev/null)" "$(cat "$T/vector_url.out")" "--decode"
run vector_json "${VEC_ENV[@]}" -- --time 20240102T030405Z --json
ok vector_json env AKIAIOSFODNN7EXAMPLE
expect_eq "$VEC_TOKEN" "$(json vector_json .token)" "--json token"
expect_eq 1704165545000 "$(json vector_json .expires_ms)" "--json expires_ms (signing time + 900 s)"
# the region from an MSK bootstrap host name instead of --region
env -i PATH=/usr/bin:/bin HOME="$T/home" ASAN_OPTIONS="$ASAN_OPTIONS" "${VEC_ENV[@]}" \
    AWS_EC2_METADATA_DISABLED=true "$KMIG" auth msk-iam-token --json \
    --bootstrap b-1.c.abc123.c2.kafka.eu-west-1.amazonaws.com:9098 >"$T/boot.out"
expect_eq eu-west-1 "$(json boot .region)" "region from --bootstrap"
expect_contains "$(json boot .url)" "https://kafka.eu-west-1.amazonaws.com/" "url from --bootstrap"

# --- shared files ---
cat >"$T/aws/credentials" <<EOC
# comments and a profile per case
[default]
aws_access_key_id = $STATIC_ID
aws_secret_access_key = $STATIC_SECRET

[base]
aws_access_key_id = $STATIC_ID
aws_secret_access_key = $STATIC_SECRET

[stranger]
aws_access_key_id = $UNKNOWN_ID
aws_secret_access_key = $UNKNOWN_SECRET
EOC
cat >"$T/proc.sh" <<'EOC'
#!/bin/sh
printf '{"Version": 1, "AccessKeyId": "AKIAFAKEPROCESS00001", "SecretAccessKey": "procSecret/K7MDENG+PROCESS01", "SessionToken": "procSessionToken/SECRET==", "Expiration": "2099-01-01T00:00:00Z"}\n'
EOC
cat >"$T/badproc.sh" <<'EOC'
#!/bin/sh
echo '{"Version": 1, "AccessKeyId": "AKIAFAKEPROCESS00001", "SecretAccessKey": "procSecret/K7MDENG+PROCESS01"}'
echo "credential helper failed on purpose" >&2
exit 3
EOC
chmod +x "$T/proc.sh" "$T/badproc.sh"
cat >"$T/aws/config" <<EOC
[default]
region = us-east-1
[profile role]
role_arn = $ROLE
source_profile = base
role_session_name = kmig-chain-test
[profile strangerrole]
role_arn = $ROLE
source_profile = stranger
[profile proc]
credential_process = $T/proc.sh --flag "quoted arg"
[profile badproc]
credential_process = $T/badproc.sh
[profile sso]
sso_session = corp
sso_start_url = https://example.awsapps.com/start
EOC
FILES=(AWS_SHARED_CREDENTIALS_FILE="$T/aws/credentials" AWS_CONFIG_FILE="$T/aws/config")
IMDS=(AWS_EC2_METADATA_SERVICE_ENDPOINT="$MAIN")
STS=(AWS_ENDPOINT_URL_STS="$MAIN")

# environment keys win over the profile and IMDS
run env_wins "${FILES[@]}" "${IMDS[@]}" "${VEC_ENV[@]}" -- --json
ok env_wins env AKIAIOSFODNN7EXAMPLE
# the default profile's static keys win over IMDS
run profile_static "${FILES[@]}" "${IMDS[@]}" -- --json
ok profile_static profile "$STATIC_ID"
# role_arn + source_profile: AssumeRole signed with the base profile's keys
: >"$T/main/log"
run profile_role "${FILES[@]}" "${STS[@]}" AWS_PROFILE=role -- --json
ok profile_role profile ASIAFAKEASSUMEROLE01
expect_contains "$(cat "$T/main/log")" '"action":"AssumeRole"' "fake log"
expect_contains "$(grep AssumeRole "$T/main/log")" "\"key_id\":\"$STATIC_ID\"" "AssumeRole signer"
# ... the same through --profile (awsProfileName), and AWS_ENDPOINT_URL as the fallback
run profile_opt "${FILES[@]}" AWS_ENDPOINT_URL="$MAIN" -- --profile role --json
ok profile_opt profile ASIAFAKEASSUMEROLE01
# ... signed with keys STS does not know: its error, named
run profile_role_bad "${FILES[@]}" "${STS[@]}" AWS_PROFILE=strangerrole -- --json
err profile_role_bad "STS AssumeRole of $ROLE"
expect_contains "$(cat "$T/profile_role_bad.err")" "HTTP 403" "profile_role_bad"
# credential_process
run process "${FILES[@]}" AWS_PROFILE=proc -- --json
ok process profile AKIAFAKEPROCESS00001
run badprocess "${FILES[@]}" AWS_PROFILE=badproc -- --json
# the process's own stderr passes through (as with the AWS CLI): drop it to count kmig's lines
grep -v "failed on purpose" "$T/badprocess.err" >"$T/badprocess.kmig" || true
mv "$T/badprocess.kmig" "$T/badprocess.err"
err badprocess "credential_process exited with status 3"
# a profile that does not exist, an SSO profile
run noprofile "${FILES[@]}" "${IMDS[@]}" -- --profile nosuch
err noprofile "AWS profile nosuch not found"
run sso "${FILES[@]}" "${IMDS[@]}" AWS_PROFILE=sso --
err sso "IAM Identity Center (SSO) profiles are not supported"

# --- web identity from the environment ---
printf '%s\n' "$WI_TOKEN" >"$T/wi-token"
printf 'not-the-token\n' >"$T/wi-bad"
: >"$T/main/log"
run webid "${STS[@]}" "${IMDS[@]}" AWS_ROLE_ARN="$ROLE" AWS_WEB_IDENTITY_TOKEN_FILE="$T/wi-token" -- --json
ok webid web-identity ASIAFAKEWEBIDENTITY1
expect_contains "$(cat "$T/main/log")" '"action":"AssumeRoleWithWebIdentity"' "fake log"
case $(cat "$T/main/log") in *latest/api/token*) fail "IMDS asked although web identity answered" ;; esac
run webid_bad "${STS[@]}" "${IMDS[@]}" AWS_ROLE_ARN="$ROLE" AWS_WEB_IDENTITY_TOKEN_FILE="$T/wi-bad" -- --json
err webid_bad "AWS credentials from web-identity: STS AssumeRoleWithWebIdentity"
run webid_half AWS_ROLE_ARN="$ROLE" --
err webid_half "AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE must be set together"

# --- the container endpoint ---
printf '%s\n' "$ECS_TOKEN" >"$T/ecs-token"
run ecs "${IMDS[@]}" AWS_CONTAINER_CREDENTIALS_FULL_URI="$MAIN/ecs/credentials" \
    AWS_CONTAINER_AUTHORIZATION_TOKEN="$ECS_TOKEN" -- --json
ok ecs container ASIAFAKEECS000000001
run ecs_file AWS_CONTAINER_CREDENTIALS_FULL_URI="$MAIN/ecs/credentials" \
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$T/ecs-token" -- --json
ok ecs_file container ASIAFAKEECS000000001
run ecs_noauth "${IMDS[@]}" AWS_CONTAINER_CREDENTIALS_FULL_URI="$MAIN/ecs/credentials" -- --json
err ecs_noauth "AWS credentials from container: GET $MAIN/ecs/credentials: HTTP 401"
run ecs_remote AWS_CONTAINER_CREDENTIALS_FULL_URI="http://203.0.113.9/creds" \
    AWS_CONTAINER_AUTHORIZATION_TOKEN="$ECS_TOKEN" --
err ecs_remote "AWS credentials from container"

# --- EC2 IMDSv2 ---
: >"$T/main/log"
run imds "${IMDS[@]}" -- --json
ok imds imds ASIAFAKEIMDS00000001
expect_contains "$(head -1 "$T/main/log")" '"method":"PUT","path":"/latest/api/token"' "IMDSv2 token first"

# --- awsRoleArn (--role-arn) on top of the chain's credentials ---
: >"$T/main/log"
run role_opt "${STS[@]}" AWS_ACCESS_KEY_ID="$STATIC_ID" AWS_SECRET_ACCESS_KEY="$STATIC_SECRET" -- \
    --role-arn "$ROLE" --role-session-name kmig-opt --json
ok role_opt assume-role ASIAFAKEASSUMEROLE01
# on top of IMDS's temporary credentials (the session token goes along, signed)
run role_imds "${STS[@]}" "${IMDS[@]}" -- --role-arn "$ROLE" --json
ok role_imds assume-role ASIAFAKEASSUMEROLE01
expect_contains "$(grep AssumeRole "$T/main/log" | tail -1)" '"key_id":"ASIAFAKEIMDS00000001"' "signer of the second AssumeRole"

# --- configured but failing: an error naming the source, the next one not tried ---
: >"$T/failing/log"
run ecs_fails AWS_CONTAINER_CREDENTIALS_FULL_URI="$FAILING/ecs/credentials" \
    AWS_CONTAINER_AUTHORIZATION_TOKEN="$ECS_TOKEN" AWS_EC2_METADATA_SERVICE_ENDPOINT="$FAILING" -- --json
err ecs_fails "AWS credentials from container: GET $FAILING/ecs/credentials: HTTP 500"
case $(cat "$T/failing/log") in *latest*) fail "IMDS was tried after the container failed" ;; esac
run sts_fails "${FILES[@]}" AWS_ENDPOINT_URL_STS="$FAILING" AWS_PROFILE=role -- --json
err sts_fails "AWS credentials from profile: profile role (assume-role): STS AssumeRole of $ROLE"
run imds_fails AWS_EC2_METADATA_SERVICE_ENDPOINT="$FAILING" -- --json
ok imds_fails imds ASIAFAKEIMDS00000001 # only ecs and sts fail there
run sts_down "${FILES[@]}" AWS_ENDPOINT_URL_STS="http://127.0.0.1:$CLOSED" AWS_PROFILE=role --
err sts_down "STS AssumeRole of $ROLE"

# --- no credentials anywhere ---
run none --
err none "no AWS credentials found"
run none_disabled AWS_EC2_METADATA_DISABLED=true --
err none_disabled "no AWS credentials found"
run half_env AWS_ACCESS_KEY_ID="$STATIC_ID" --
err half_env "AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY"
run noregion AWS_EC2_METADATA_DISABLED=true "${VEC_ENV[@]}" -- --region ""
err noregion "no AWS region"

# --- through an MM2 file: a command's start-up check names the alias and the IAM cause ---
cat >>"$T/aws/config" <<EOC
[profile expired]
credential_process = printf '{"Version": 1, "AccessKeyId": "AKIAFAKEEXPIRED00001", "SecretAccessKey": "procSecret/K7MDENG+PROCESS01", "Expiration": "2020-01-01T00:00:00Z"}'
EOC
for form in 1 2; do
    {
        echo "clusters = src, msk$form"
        echo "src.bootstrap.servers = 127.0.0.1:$CLOSED"
        echo "msk$form.bootstrap.servers = 127.0.0.1:$CLOSED"
        echo "msk$form.security.protocol = SASL_SSL"
        echo "msk$form.kmig.aws.region = eu-west-1"
        if [ $form = 1 ]; then
            echo "msk1.sasl.mechanism = AWS_MSK_IAM"
            echo "msk1.sasl.jaas.config = software.amazon.msk.auth.iam.IAMLoginModule required awsProfileName=\"expired\";"
            echo "msk1.sasl.client.callback.handler.class = software.amazon.msk.auth.iam.IAMClientCallbackHandler"
        else
            echo "msk2.sasl.mechanism = OAUTHBEARER"
            echo "msk2.sasl.jaas.config = org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required awsProfileName=\"expired\";"
            echo "msk2.sasl.login.callback.handler.class = software.amazon.msk.auth.iam.IAMOAuthBearerLoginCallbackHandler"
        fi
    } >"$T/mm2-$form.properties"
    RC=0
    env -i PATH=/usr/bin:/bin HOME="$T/home" ASAN_OPTIONS="$ASAN_OPTIONS" "${FILES[@]}" \
        AWS_EC2_METADATA_DISABLED=true "$KMIG" assess --config "$T/mm2-$form.properties" \
        --cluster "msk$form" >"$T/assess$form.out" 2>"$T/assess$form.err" || RC=$?
    err "assess$form" "cluster 'msk$form' (127.0.0.1:$CLOSED): cannot connect: MSK IAM (region eu-west-1, profile expired): AWS credentials from profile (access key id AKIAFAKEEXPIRED00001) are already expired"
    case $(cat "$T/assess$form.err") in *"ignored"*|*"unknown"*) fail "assess$form: IAM keys reported as unused: $(cat "$T/assess$form.err")" ;; esac
done

# --- debug logging says where credentials came from, never a secret ---
run debug "${FILES[@]}" "${STS[@]}" AWS_PROFILE=role -- --json --log-level debug
ok debug profile ASIAFAKEASSUMEROLE01

# --- no secret in any output ---
for f in "$T"/*.out "$T"/*.err; do
    for s in "${SECRETS[@]}"; do
        case $s in *SessionToken*|*procSession*) continue ;; esac # in the token by design
        if grep -qF -- "$s" "$f"; then fail "a secret appears in $(basename "$f")"; fi
    done
done
for f in "$T"/*.err; do
    for s in "${SECRETS[@]}" procSessionToken; do
        if grep -qF -- "$s" "$f"; then fail "a secret appears in $(basename "$f")"; fi
    done
done
echo "aws chain: $N runs ok"

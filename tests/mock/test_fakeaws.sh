#!/usr/bin/env bash
# `kmig-testkit fake-aws`, without kmig: the fake AWS credential endpoints that
# the MSK IAM tests (mock test_aws_chain, real test_msk_iam) point kmig at.
# Checked with curl, whose own SigV4 signer (--aws-sigv4) is independent of
# kmig's: the IMDSv2 token flow, the container endpoint's authorization check,
# STS AssumeRole accepting only requests signed with a known credential (static
# or issued, session token included) and refusing unsigned, wrongly signed,
# unknown-key and expired-credential ones, AssumeRoleWithWebIdentity, --fail,
# --creds-out, --log, and a clean exit on SIGTERM. The IAM tests trust this
# fake, so a check that passes too easily is a bug here.
. "$(dirname "$0")/../lib.sh"

command -v curl >/dev/null || fail "curl not found (scripts/setup.sh installs it)"
command -v jq >/dev/null || fail "jq not found (scripts/setup.sh installs it)"
[ -x "$TESTKIT" ] || fail "$TESTKIT not found (make build-san builds kmig-testkit)"

STATIC_ID=AKIAFAKESTATIC000001
STATIC_SECRET='fakeStaticSecret/abc+DEF=1'
ROLE=arn:aws:iam::123456789012:role/kmig-target

# fake_start NAME ARGS...: start a fake in $T/NAME; its URL in FAKE_URL, PID in FAKE_PID.
fake_start() {
    local name=$1
    shift
    mkdir -p "$T/$name"
    run_bg "$T/$name/out" "$TESTKIT" fake-aws --port-file "$T/$name/port" \
        --creds-out "$T/$name/creds" --log "$T/$name/log" "$@"
    FAKE_PID=$BG_PID
    wait_for "[ -s '$T/$name/port' ]" 20 0.05 || fail "fake-aws $name did not start: $(cat "$T/$name/out")"
    FAKE_URL=http://127.0.0.1:$(cat "$T/$name/port")
    echo "fake-aws $name: $FAKE_URL"
}

# http METHOD URL [CURL-ARGS...]: print "STATUS BODY" (body on one line).
http() {
    local method=$1 url=$2 out
    shift 2
    out=$(curl -s -X "$method" -w '\n%{http_code}' "$@" "$url") || fail "curl $method $url failed"
    echo "${out##*$'\n'} $(printf '%s' "${out%$'\n'*}" | tr -d '\n')"
}

# expect_status EXPECTED "STATUS BODY" WHAT
expect_status() {
    [ "${2%% *}" = "$1" ] || fail "$3: expected HTTP $1, got: $2"
}

assume_role_form="Action=AssumeRole&Version=2011-06-15&RoleArn=$ROLE&RoleSessionName=kmig-test"

# sts_signed KEY SECRET [TOKEN]: AssumeRole signed by curl's SigV4.
sts_signed() {
    local args=(--aws-sigv4 "aws:amz:us-east-1:sts" --user "$1:$2" -d "$assume_role_form")
    [ -z "${3:-}" ] || args+=(-H "X-Amz-Security-Token: $3")
    http POST "$FAKE_URL/" "${args[@]}"
}

fake_start main --static "$STATIC_ID:$STATIC_SECRET" --ecs-token ecs-auth-token-1 \
    --web-identity-token web-identity-jwt-1
U=$FAKE_URL

# --creds-out: every issuable credential with its session token, then the static pair.
creds=$T/main/creds
expect_eq 5 "$(wc -l <"$creds")" "credential lines"
for id in ASIAFAKEIMDS00000001 ASIAFAKEECS000000001 ASIAFAKEASSUMEROLE01 ASIAFAKEWEBIDENTITY1; do
    expect_eq 3 "$(awk -v k="$id" '$1 == k { print NF }' "$creds")" "fields of $id in --creds-out"
done
expect_eq "$STATIC_ID $STATIC_SECRET" "$(tail -n 1 "$creds")" "static pair in --creds-out"
secret_of() { awk -v k="$1" '$1 == k { print $2 }' "$creds"; }
token_of() { awk -v k="$1" '$1 == k { print $3 }' "$creds"; }

# IMDSv2: the token PUT needs a TTL header; the credential GETs need the token.
expect_status 400 "$(http PUT "$U/latest/api/token")" "IMDS token without TTL"
expect_status 405 "$(http GET "$U/latest/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')" "IMDS token by GET"
r=$(http PUT "$U/latest/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 21600')
expect_status 200 "$r" "IMDS token"
imds_token=${r#* }
expect_status 401 "$(http GET "$U/latest/meta-data/iam/security-credentials/")" "IMDS listing without token"
expect_status 401 "$(http GET "$U/latest/meta-data/iam/security-credentials/kmig-test-role" \
    -H 'X-aws-ec2-metadata-token: not-the-token')" "IMDS credentials with a wrong token"
expect_eq "200 kmig-test-role" "$(http GET "$U/latest/meta-data/iam/security-credentials/" \
    -H "X-aws-ec2-metadata-token: $imds_token")" "IMDS role listing"
r=$(http GET "$U/latest/meta-data/iam/security-credentials/kmig-test-role" -H "X-aws-ec2-metadata-token: $imds_token")
expect_status 200 "$r" "IMDS credentials"
j=${r#* }
expect_eq "Success ASIAFAKEIMDS00000001 AWS-HMAC" "$(jq -r '"\(.Code) \(.AccessKeyId) \(.Type)"' <<<"$j")" "IMDS JSON"
expect_eq "$(secret_of ASIAFAKEIMDS00000001) $(token_of ASIAFAKEIMDS00000001)" \
    "$(jq -r '"\(.SecretAccessKey) \(.Token)"' <<<"$j")" "IMDS secret and token match --creds-out"
exp=$(date -d "$(jq -r .Expiration <<<"$j")" +%s)
[ "$exp" -gt $(($(date +%s) + 3000)) ] || fail "IMDS Expiration not about an hour ahead: $j"
echo "IMDSv2 flow ok"

# Container credentials: the Authorization header must be the --ecs-token.
expect_status 401 "$(http GET "$U/ecs/credentials")" "ECS without authorization"
expect_status 401 "$(http GET "$U/ecs/credentials" -H 'Authorization: wrong')" "ECS with a wrong token"
r=$(http GET "$U/ecs/credentials" -H 'Authorization: ecs-auth-token-1')
expect_status 200 "$r" "ECS credentials"
expect_eq "ASIAFAKEECS000000001 $(token_of ASIAFAKEECS000000001)" "$(jq -r '"\(.AccessKeyId) \(.Token)"' <<<"${r#* }")" "ECS JSON"
echo "container credentials ok"

# STS AssumeRole: unsigned, wrongly signed, unknown key -> 403; signed -> credentials.
r=$(http POST "$U/" -d "$assume_role_form")
expect_status 403 "$r" "unsigned AssumeRole"
expect_contains "$r" "<Code>SignatureDoesNotMatch</Code>" "unsigned AssumeRole"
r=$(sts_signed "$STATIC_ID" "wrong-secret")
expect_status 403 "$r" "AssumeRole signed with a wrong secret"
expect_contains "$r" "<Code>SignatureDoesNotMatch</Code>" "wrong secret"
r=$(sts_signed AKIAUNKNOWN000000001 "$STATIC_SECRET")
expect_status 403 "$r" "AssumeRole signed by an unknown key"
expect_contains "$r" "<Code>InvalidClientTokenId</Code>" "unknown key"
r=$(sts_signed "$STATIC_ID" "$STATIC_SECRET")
expect_status 200 "$r" "AssumeRole signed with the static pair"
expect_contains "$r" "<AccessKeyId>ASIAFAKEASSUMEROLE01</AccessKeyId>" "AssumeRole response"
expect_contains "$r" "<SessionToken>$(token_of ASIAFAKEASSUMEROLE01)</SessionToken>" "AssumeRole response"
expect_contains "$r" "<Arn>arn:aws:sts::123456789012:assumed-role/kmig-target/kmig-test</Arn>" "AssumeRole response"
# Role chaining from issued credentials: the session token must come along.
r=$(sts_signed ASIAFAKEIMDS00000001 "$(secret_of ASIAFAKEIMDS00000001)" "$(token_of ASIAFAKEIMDS00000001)")
expect_status 200 "$r" "AssumeRole signed with the IMDS credentials"
r=$(sts_signed ASIAFAKEIMDS00000001 "$(secret_of ASIAFAKEIMDS00000001)")
expect_status 403 "$r" "AssumeRole with the IMDS credentials but no session token"
r=$(sts_signed ASIAFAKEWEBIDENTITY1 "$(secret_of ASIAFAKEWEBIDENTITY1)" "$(token_of ASIAFAKEWEBIDENTITY1)")
expect_status 403 "$r" "AssumeRole with credentials the fake has not issued yet"
echo "STS AssumeRole ok"

# AssumeRoleWithWebIdentity: only with the --web-identity-token.
wi_form="Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=$ROLE&RoleSessionName=wi"
r=$(http POST "$U/" -d "$wi_form&WebIdentityToken=not-it")
expect_status 400 "$r" "web identity with a wrong token"
expect_contains "$r" "<Code>InvalidIdentityToken</Code>" "wrong web identity token"
r=$(http POST "$U/" -d "$wi_form&WebIdentityToken=web-identity-jwt-1")
expect_status 200 "$r" "web identity"
expect_contains "$r" "<AccessKeyId>ASIAFAKEWEBIDENTITY1</AccessKeyId>" "web identity response"
echo "STS AssumeRoleWithWebIdentity ok"

# The log: one JSON line per request, key ids only.
log=$T/main/log
expect_eq "$(grep -c . "$log")" "$(jq -c . "$log" | grep -c .)" "log lines are JSON"
expect_eq 1 "$(jq -c 'select(.action == "AssumeRole" and .key_id == "'$STATIC_ID'" and .status == 200)' "$log" | grep -c .)" \
    "logged successful AssumeRole by the static key"
expect_eq 1 "$(jq -c 'select(.action == null and .key_id == "ASIAFAKEIMDS00000001" and .status == 200)' "$log" | grep -c .)" \
    "logged IMDS credential hand-out"
for s in "$STATIC_SECRET" "$(secret_of ASIAFAKEIMDS00000001)" "$(token_of ASIAFAKEIMDS00000001)"; do
    if grep -qF -- "$s" "$log" "$T/main/out"; then fail "a secret appears in the fake's log or output"; fi
done
kill_bg "$FAKE_PID"
expect_eq 0 "$BG_RC" "fake-aws exit status on SIGTERM"

# --fail and expired credentials (--expiry-s negative).
fake_start broken --fail imds --fail ecs --fail sts --expiry-s -60
expect_status 500 "$(http PUT "$FAKE_URL/latest/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')" "--fail imds"
expect_status 500 "$(http GET "$FAKE_URL/ecs/credentials")" "--fail ecs"
expect_status 500 "$(http POST "$FAKE_URL/" -d "$assume_role_form")" "--fail sts"
kill_bg "$FAKE_PID"
fake_start expired --expiry-s -60
r=$(http GET "$FAKE_URL/ecs/credentials")
expect_status 200 "$r" "expired ECS credentials"
exp=$(date -d "$(jq -r .Expiration <<<"${r#* }")" +%s)
[ "$exp" -lt "$(date +%s)" ] || fail "--expiry-s -60 issued credentials that have not expired: ${r#* }"
r=$(sts_signed ASIAFAKEECS000000001 "$(secret_of ASIAFAKEECS000000001)" "$(token_of ASIAFAKEECS000000001)")
expect_contains "$r" "<Code>ExpiredToken</Code>" "AssumeRole signed with expired credentials"
kill_bg "$FAKE_PID"
echo "--fail and expired credentials ok"

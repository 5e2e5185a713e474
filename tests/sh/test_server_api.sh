#!/bin/bash
# test_server_api.sh - stkauth-server end to end over real HTTP and HTTPS:
# bootstrap (API key, bridge tokens, accounts), the REST flow with curl, a
# scripted bridge (claim, lease expiry and re-claim by a second bridge,
# ack, delivery status, result) whose card side is
# tests/helpers/server_auth_respond (signs with the test key of
# tests/vectors/authmsg/), certificate validation through certcheck.h
# against the test CA (tests/helpers/testlib.sh), the result codes, lockout,
# rate limits, bad input (JSON errors with trace ids), /metrics, two
# server processes on one store, SIGTERM draining (no new connections,
# accepted results verified), a restart that re-verifies a session left
# VERIFYING.  TAP output.  Run from the
# repository root; every wait is bounded; only processes started here are
# stopped, by pid.
set -u

. tests/helpers/testlib.sh

RESPOND=build/tests/helpers/server_auth_respond
tl_need curl jq openssl sqlite3 ss shuf
tl_built "$SERVER" "$RESPOND"
tl_begin server-api

# ---- PKI: a CA, the user certificates (certcheck.h identity rules) ----
tl_ca
tl_user_cert alice +37255500001
tl_user_cert erin +37255500005 $V/p256_test_key.pem
tl_user_cert gina +37255500007
mv "$tmp/certs/gina.pem" "$tmp/gina.pem"	# put in place by the drain test
# the TLS server certificate (127.0.0.1), issued by the test CA
tl_tls_cert
TLS_CA=$TL_CA_DIR/ca.pem

free_port && P1=$FREE
free_port && P2=$FREE
tl_server_ini "$tmp/plain.ini" "$P1" "tls = no
max_body = 4096
max_body_hard = 65536
max_headers = 8192
workers = 2" "[session]
ticket_length = 6
lifetime = 10
longpoll_max_ms = 20000
[lockout]
max_failures = 3
duration = 600
[ratelimit]
window = 3600
per_address = 1000
per_account = 40
[bridge]
lease_ms = 30000"
sed -e "s/^port = .*/port = $P2/" \
    -e "s|^tls = no|tls = yes\ntls_cert = $TL_CA_DIR/server.pem\ntls_key = $TL_CA_DIR/server.key|" \
    "$tmp/plain.ini" >"$tmp/tls.ini"
free_port && P3=$FREE
sed -e "s/^port = .*/port = $P3/" -e "s/^per_address = .*/per_address = 3/" \
    -e "s/server.db/rl.db/" "$tmp/plain.ini" >"$tmp/rl.ini"

# ---- configuration checks ----
$SERVER -n -c "$tmp/plain.ini" >/dev/null 2>&1
ok $? "-n accepts the plain-HTTP loopback configuration"
$SERVER -n -c "$tmp/tls.ini" >/dev/null 2>&1
ok $? "-n accepts the HTTPS configuration"
sed 's/^listen = .*/listen = 0.0.0.0/' "$tmp/plain.ini" >"$tmp/bad1.ini"
out=$($SERVER -n -c "$tmp/bad1.ini" 2>&1)
[ $? -ne 0 ] && grep -q loopback <<<"$out"
ok $? "-n refuses plain HTTP off loopback"
sed 's/^lifetime = .*/lifetime = 5/' "$tmp/plain.ini" >"$tmp/bad2.ini"
out=$($SERVER -n -c "$tmp/bad2.ini" 2>&1)
st=$?
line=$(grep -n '^lifetime' "$tmp/bad2.ini" | cut -d: -f1)
[ $st -ne 0 ] && grep -q "bad2.ini:$line: lifetime" <<<"$out"
ok $? "-n names FILE:LINE of an out-of-range value ($out)"
printf '[server]\nfrobnicate = 1\n' >"$tmp/bad3.ini"
out=$($SERVER -n -c "$tmp/bad3.ini" 2>&1)
[ $? -ne 0 ] && grep -q "bad3.ini:2: unknown key" <<<"$out"
ok $? "-n refuses an unknown key"

# ---- bootstrap ----
KEY=$(tl_api_key rp1)
BR1=$(tl_bridge_token bridge1)
BR2=$(tl_bridge_token bridge2)
[[ "$KEY" =~ ^rp_[A-Za-z0-9_-]{43}$ && "$BR1" =~ ^br_ && "$BR2" =~ ^br_ ]]
ok $? "bootstrap prints an API key and two bridge tokens once"
cnt=$(sqlite3 "$tmp/server.db" "SELECT count(*) FROM relying_parties WHERE key_hash = x'$(printf '%s' "$KEY" | openssl dgst -sha256 -hex | sed 's/.* //')'")
[ "$cnt" = 1 ] && ! sqlite3 "$tmp/server.db" .dump | grep -q "$KEY"
ok $? "the store holds the SHA-256 of the key, never the key"
$SERVER --db "$tmp/server.db" --add-api-key rp1 >/dev/null 2>&1
[ $? -ne 0 ]
ok $? "a second party of the same name is refused"
K=$TL_KAUTH
tl_kauth "$K"
tl_account alice +37255500001 8944100000000123456 &&
tl_account bob +37255500002 8944100000000123464 &&
tl_account gina +37255500007 8944100000000123506 &&
tl_account dave +37255500004 8944100000000123480 &&
tl_account erin +37255500005 8944100000000123498 &&
tl_account carol
ok $? "accounts, MSISDN bindings and cards enrolled"
mode=$(stat -c %a "$tmp/server.db")
[ "$mode" = 600 ]
ok $? "the database file is mode 0600 ($mode)"

# ---- start ----
U=http://127.0.0.1:$P1
tl_server_start "$tmp/plain.ini" "$tmp/plain.log" "$U"
SPID=$SPAWNED
code=$(curl -s -o "$tmp/h.json" -w '%{http_code}' "$U/healthz")
[ "$code" = 200 ] && [ "$(jq -r .status "$tmp/h.json")" = ok ]
ok $? "/healthz answers 200 over plain HTTP on loopback"

# req METHOD PATH TOKEN [BODY] -> $code, $body (curl: bounded in time)
req() {
	local a=(-s -m 30 -o "$tmp/body" -w '%{http_code}' -X "$1")
	[ -n "$3" ] && a+=(-H "Authorization: Bearer $3")
	[ $# -ge 4 ] && a+=(-H 'Content-Type: application/json' --data-binary "$4")
	code=$(curl "${a[@]}" "$U$2")
	body=$(cat "$tmp/body")
}
jerr() {	# jerr STATUS CODE: the last answer is that JSON error with a trace id
	[ "$code" = "$1" ] &&
	    [ "$(jq -r .error.code <<<"$body")" = "$2" ] &&
	    [[ "$(jq -r .error.traceId <<<"$body")" =~ ^[0-9A-F]{32}$ ]]
}

# wait_window: the rate limits count in fixed windows of $RL_WINDOW s
# aligned on the epoch; a loop that must stay inside one window starts
# in a fresh one when less than 30 s of the current one are left
RL_WINDOW=3600
wait_window() {
	local left=$((RL_WINDOW - $(date +%s) % RL_WINDOW))
	[ $left -lt 30 ] && sleep $((left + 1))
}
# claim_job SID [BRIDGE]: claim (batches of 10, long-poll 3 s) until the
# job of SID is among the answer, at most 5 claims -> $job (its JSON,
# "" when never seen); other jobs claimed on the way stay leased
claim_job() {
	local k
	job=
	for k in 1 2 3 4 5; do
		req POST /bridge/v1/jobs/claim "${2:-$BR1}" '{"waitMs":3000,"maxJobs":10}'
		job=$(jq -c ".jobs[]? | select(.jobId == \"$1\")" <<<"$body")
		[ -n "$job" ] && return 0
	done
	return 1
}

# ---- bad input ----
req POST /api/v1/authentication "" '{"account":"alice","serviceName":"x"}'
jerr 401 UNAUTHORIZED
ok $? "no API key: 401 UNAUTHORIZED with a trace id"
req POST /api/v1/authentication rp_wrong '{"account":"alice","serviceName":"x"}'
jerr 401 UNAUTHORIZED
ok $? "wrong API key: 401"
req POST /api/v1/authentication "$KEY" '{"account":"alice",'
jerr 400 BAD_REQUEST
ok $? "malformed JSON: 400 BAD_REQUEST"
req POST /api/v1/authentication "$KEY" '{"account":"alice","serviceName":"x","admin":true}'
jerr 400 BAD_REQUEST && [ "$(jq -r .error.field <<<"$body")" = admin ]
ok $? "unknown member: 400 naming the member"
req POST /api/v1/authentication "$KEY" '{"account":"alice","account":"bob","serviceName":"x"}'
jerr 400 BAD_REQUEST
ok $? "duplicate member: 400"
req POST /api/v1/authentication "$KEY" "{\"account\":\"alice\",\"serviceName\":\"$(printf 'A%.0s' $(seq 1 53))\"}"
jerr 400 BAD_REQUEST && [ "$(jq -r .error.field <<<"$body")" = serviceName ]
ok $? "a service name of 53 septets is refused (STK limit 52)"
req POST /api/v1/authentication "$KEY" '{"account":"alice","msisdn":"+37255500001","serviceName":"x"}'
jerr 400 BAD_REQUEST
ok $? "account and msisdn together: 400"
req POST /api/v1/authentication "$KEY" "{\"account\":\"alice\",\"serviceName\":\"x\",\"pad\":\"$(head -c 5000 /dev/zero | tr '\0' a)\"}"
jerr 413 PAYLOAD_TOO_LARGE
ok $? "body above max_body: 413 PAYLOAD_TOO_LARGE (JSON)"
code=$(curl -s -m 10 -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $KEY" \
    -H "X-Big: $(head -c 5000 /dev/zero | tr '\0' a)" "$U/api/v1/authentication/session/0000000000000000")
body=$(cat "$tmp/body")
jerr 431 HEADERS_TOO_LARGE
ok $? "headers above max_headers/2: 431 HEADERS_TOO_LARGE (JSON)"
# past the hard limits libevent refuses the request itself; its answer
# is still the API's JSON error (http.c replaces libevent's HTML page)
code=$(curl -s -m 10 -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' --data-binary @<(head -c 70000 /dev/zero | tr '\0' a) \
    "$U/api/v1/authentication")
body=$(cat "$tmp/body")
jerr 413 PAYLOAD_TOO_LARGE
ok $? "body above max_body_hard: cut by libevent, 413 PAYLOAD_TOO_LARGE (JSON)"
code=$(curl -s -m 10 -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $KEY" \
    -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)" "$U/api/v1/authentication/session/0000000000000000")
body=$(cat "$tmp/body")
jerr 400 BAD_REQUEST
ok $? "headers above max_headers: cut by libevent, 400 BAD_REQUEST (JSON)"
req PUT /api/v1/authentication "$KEY" '{}'
jerr 501 NOT_IMPLEMENTED
ok $? "a method libevent does not allow (PUT): 501 NOT_IMPLEMENTED (JSON)"
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nbroken header line\r\n\r\n' |
    timeout 10 curl -s -m 10 "telnet://127.0.0.1:$P1" >"$tmp/raw" 2>/dev/null
body=$(sed -n '/^\r\{0,1\}$/,$p' "$tmp/raw" | tail -n +2)
code=$(head -1 "$tmp/raw" | cut -d' ' -f2)
jerr 400 BAD_REQUEST && grep -qi '^Content-Type: application/json' "$tmp/raw"
ok $? "a malformed header line: 400 BAD_REQUEST (JSON), not libevent's HTML"
code=$(curl -s -m 10 -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: text/plain' --data-binary '{}' "$U/api/v1/authentication")
body=$(cat "$tmp/body")
jerr 415 UNSUPPORTED_MEDIA_TYPE
ok $? "a body that is not application/json: 415"
req GET /api/v1/authentication/session/ZZ "$KEY"
jerr 404 NOT_FOUND
ok $? "malformed session id: 404"
req GET "/api/v1/authentication/session/0123456789ABCDEF?timeoutMs=999999" "$KEY"
jerr 400 BAD_REQUEST
ok $? "timeoutMs above longpoll_max_ms: 400"
req POST /bridge/v1/jobs/claim rp_nobody '{}'
jerr 401 UNAUTHORIZED
ok $? "bridge API with a wrong token: 401"
req POST /bridge/v1/jobs/claim "$KEY" '{}'
jerr 401 UNAUTHORIZED
ok $? "an API key is not a bridge token"
req POST /bridge/v1/jobs/claim "$BR1" '{"leaseMs":10}'
jerr 400 BAD_REQUEST && [ "$(jq -r .error.field <<<"$body")" = leaseMs ]
ok $? "claim with a lease below 1 s: 400"

# ---- the REST flow, a lease that runs out, two bridges ----
start() {	# start ACCOUNT -> $sid $ticket
	req POST /api/v1/authentication "$KEY" "{\"account\":\"$1\",\"serviceName\":\"Example Bank login\"}"
	sid=$(jq -r .sessionId <<<"$body")
	ticket=$(jq -r .ticket <<<"$body")
}
start alice
[ "$code" = 200 ] && [[ "$sid" =~ ^[0-9A-F]{16}$ ]] &&
    [[ "$ticket" =~ ^[2-9A-HJKMNP-Z]{6}$ ]]
ok $? "POST /api/v1/authentication: session $sid, ticket $ticket"
req GET "/api/v1/authentication/session/$sid?timeoutMs=0" "$KEY"
[ "$code" = 200 ] && [ "$(jq -r .state <<<"$body")" = RUNNING ]
ok $? "the session is RUNNING"
# a 4 s lease: bridge2's claim right after bridge1's must find it taken
# (4 s of margin for two curls on a loaded machine), and its long-poll
# claim returns as soon as the lease has run out (no fixed sleep)
req POST /bridge/v1/jobs/claim "$BR1" '{"leaseMs":4000,"waitMs":2000}'
job=$(jq -c '.jobs[0]' <<<"$body")
lease1=$(jq -r .leaseId <<<"$job")
[ "$code" = 200 ] && [ "$(jq -r .jobId <<<"$job")" = "$sid" ] &&
    [ "$(jq -r .msisdn <<<"$job")" = +37255500001 ] &&
    [ "$(jq -r .iccid <<<"$job")" = 8944100000000123456 ]
ok $? "bridge1 claims the job (MSISDN, ICCID, lease)"
req POST /bridge/v1/jobs/claim "$BR2" '{"leaseMs":5000}'
[ "$code" = 200 ] && [ "$(jq '.jobs | length' <<<"$body")" = 0 ]
ok $? "while leased, bridge2 gets nothing"
reqhex=$(jq -r .request <<<"$job")
build/bin/stkauth-pdu decode --as auth-request "$reqhex" >"$tmp/dec.txt" 2>&1 &&
    grep -q "$ticket" "$tmp/dec.txt" && grep -q "Example Bank login" "$tmp/dec.txt"
ok $? "the job's request decodes (stkauth-pdu) with the ticket and service"
req POST /bridge/v1/jobs/claim "$BR2" '{"leaseMs":20000,"claimId":"b2-c1","waitMs":15000}'
lease2=$(jq -r '.jobs[0].leaseId' <<<"$body")
[ "$(jq -r '.jobs[0].jobId' <<<"$body")" = "$sid" ] &&
    [ "$(jq -r '.jobs[0].attempt' <<<"$body")" = 2 ] && [ "$lease2" != "$lease1" ]
ok $? "after the lease ran out bridge2 re-claims it (attempt 2)"
req POST /bridge/v1/jobs/claim "$BR2" '{"leaseMs":20000,"claimId":"b2-c1"}'
[ "$(jq -r '.jobs[0].leaseId' <<<"$body")" = "$lease2" ]
ok $? "a repeated claim (same claimId) returns the same lease"
req POST "/bridge/v1/jobs/$sid/ack" "$BR1" "{\"leaseId\":\"$lease1\"}"
jerr 409 LEASE_LOST
ok $? "bridge1's ack under the lost lease: 409 LEASE_LOST"
req POST "/bridge/v1/jobs/$sid/ack" "$BR2" "{\"leaseId\":\"$lease2\"}"
[ "$code" = 200 ] && [ "$(jq -r .state <<<"$body")" = SENT ]
ok $? "bridge2 acks: SENT"
req POST "/bridge/v1/jobs/$sid/ack" "$BR2" "{\"leaseId\":\"$lease2\"}"
[ "$code" = 200 ]
ok $? "the ack repeated: 200 (idempotent)"
req POST "/bridge/v1/jobs/$sid/delivery" "$BR2" "{\"leaseId\":\"$lease2\",\"status\":\"DELIVERED\"}"
[ "$code" = 200 ] && [ "$(jq -r .state <<<"$body")" = DELIVERED ]
ok $? "delivery report DELIVERED"

# long-poll in the background while the card answers
curl -s -m 30 -H "Authorization: Bearer $KEY" \
    "$U/api/v1/authentication/session/$sid?timeoutMs=15000" >"$tmp/poll.json" &
pollpid=$!
tl_track $pollpid
sleep 0.3
resp=$($RESPOND "$reqhex" 8944100000000123456 "$tmp/kauth.hex" $V/rsa2048_test_key.pem)
req POST /bridge/v1/results "$BR2" "{\"resultId\":\"r-1\",\"msisdn\":\"+37255500001\",\"iccid\":\"8944100000000123456\",\"response\":\"$resp\"}"
[ "$code" = 202 ] && [ "$(jq -r .sessionId <<<"$body")" = "$sid" ]
ok $? "the bridge posts the signed auth response: 202"
first=$body
wait $pollpid
poll=$(cat "$tmp/poll.json")
[ "$(jq -r .state <<<"$poll")" = COMPLETE ] && [ "$(jq -r .result <<<"$poll")" = OK ]
ok $? "the long-poll returns COMPLETE / OK"
jq -r .cert <<<"$poll" | base64 -d >"$tmp/got.der"
openssl x509 -inform DER -in "$tmp/got.der" -noout -subject 2>/dev/null | grep -q "CN = alice"
ok $? "the answer carries alice's certificate"
jq -r .signedData <<<"$poll" | base64 -d >"$tmp/dtbs.bin"
jq -r .signature.value <<<"$poll" | base64 -d >"$tmp/sig.bin"
openssl x509 -inform DER -in "$tmp/got.der" -pubkey -noout >"$tmp/pub.pem"
[ "$(jq -r .signature.algorithm <<<"$poll")" = rsa-pkcs1-v1_5-sha256 ] &&
    openssl dgst -sha256 -verify "$tmp/pub.pem" -signature "$tmp/sig.bin" \
    "$tmp/dtbs.bin" >/dev/null 2>&1
ok $? "openssl verifies the returned signature over the returned signedData"
req POST /bridge/v1/results "$BR2" "{\"resultId\":\"r-1\",\"msisdn\":\"+37255500001\",\"response\":\"$resp\"}"
[ "$code" = 202 ] && [ "$body" = "$first" ]
ok $? "the same resultId again: the same answer (idempotent)"
req POST /bridge/v1/results "$BR1" "{\"resultId\":\"r-2\",\"msisdn\":\"+37255500001\",\"response\":\"$resp\"}"
jerr 409 SESSION_NOT_RUNNING
ok $? "the response replayed under another resultId: 409, no second login"

# ---- a hash to be signed, bound through the nonce (REST-API.md §6) ----
H=$(printf 'the document' | openssl dgst -sha256 -binary | base64)
req POST /api/v1/authentication "$KEY" "{\"account\":\"erin\",\"serviceName\":\"Sign contract\",\"hashType\":\"SHA256\",\"hash\":\"$H\"}"
sid=$(jq -r .sessionId <<<"$body")
salt=$(jq -r .hashSalt <<<"$body")
claim_job "$sid"
rq=$(jq -r .request <<<"$job")
resp=$($RESPOND "$rq" 8944100000000123498 "$tmp/kauth.hex" $V/p256_test_key.pem)
req POST /bridge/v1/results "$BR1" "{\"resultId\":\"h-1\",\"msisdn\":\"+37255500005\",\"response\":\"$resp\"}"
req GET "/api/v1/authentication/session/$sid?timeoutMs=10000" "$KEY"
want=$( { printf 'stkauth-v1-hash-nonce'; base64 -d <<<"$salt"; printf '\001'; base64 -d <<<"$H"; } |
    openssl dgst -sha256 -binary | head -c 16 | od -An -tx1 | tr -d ' \n')
got=$(jq -r .signedData <<<"$body" | base64 -d | tail -c +35 | head -c 16 | od -An -tx1 | tr -d ' \n')
[ "$(jq -r .result <<<"$body")" = OK ] && [ -n "$want" ] && [ "$want" = "$got" ] &&
    [ "$(jq -r .hash.value <<<"$body")" = "$H" ]
ok $? "a relying party's hash: the signed nonce is SHA-256(label, salt, type, hash)"

# a client that goes away in the middle of a long poll harms nothing
start alice
curl -s -m 1 -o /dev/null -H "Authorization: Bearer $KEY" \
    "$U/api/v1/authentication/session/$sid?timeoutMs=2500"
sleep 2
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$U/healthz")
[ "$code" = 200 ] && kill -0 "$SPID"
ok $? "a long-poll client that disconnects early: the server carries on"

# ---- each result code ----
# flow ACCOUNT MSISDN ICCID KEY [respond args...] -> $result of the session
flow() {
	local acct=$1 msisdn=$2 iccid=$3 key=$4
	shift 4
	start "$acct"
	claim_job "$sid"
	local lease rq
	lease=$(jq -r .leaseId <<<"$job")
	rq=$(jq -r .request <<<"$job")
	req POST "/bridge/v1/jobs/$sid/ack" "$BR1" "{\"leaseId\":\"$lease\"}"
	resp=$($RESPOND "$rq" "$iccid" "$tmp/kauth.hex" "$key" "$@")
	req POST /bridge/v1/results "$BR1" "{\"resultId\":\"$sid\",\"msisdn\":\"$msisdn\",\"response\":\"$resp\"}"
	req GET "/api/v1/authentication/session/$sid?timeoutMs=10000" "$KEY"
	result=$(jq -r .result <<<"$body")
}
flow erin +37255500005 8944100000000123498 $V/p256_test_key.pem
[ "$result" = OK ] && [ "$(jq -r .signature.algorithm <<<"$body")" = ecdsa-p256-sha256 ]
ok $? "ECDSA P-256 card: OK ($result)"
flow alice +37255500001 8944100000000123456 $V/rsa2048_test_key.pem rejected
[ "$result" = USER_REFUSED ] && [ "$(jq -r .cert <<<"$body")" = null ]
ok $? "a signed rejection: USER_REFUSED, no certificate returned ($result)"
flow alice +37255500001 8944100000000123456 $V/rsa2048_test_key.pem pin-blocked --unsigned
[ "$result" = PIN_BLOCKED ]
ok $? "an unsigned pin-blocked answer: PIN_BLOCKED ($result)"
flow alice +37255500001 8944100000000123456 $V/rsa2048_test_key.pem error --unsigned
[ "$result" = SIM_ERROR ]
ok $? "an applet error: SIM_ERROR ($result)"
# the lockout is tested on dave below: alice's failure counter starts afresh
sqlite3 "$tmp/server.db" "UPDATE accounts SET failures = 0 WHERE name = 'alice'"
flow alice +37255500001 8944100000000123456 $V/rsa2048_test_key.pem --bad-password
[ "$result" = SIGNATURE_INVALID ]
ok $? "a wrong authentication password: SIGNATURE_INVALID ($result)"
flow alice +37255500001 8944100000000123464 $V/rsa2048_test_key.pem
[ "$result" = SIGNATURE_INVALID ]
ok $? "a response from another card (ICCID): SIGNATURE_INVALID ($result)"
sqlite3 "$tmp/server.db" "UPDATE accounts SET failures = 0 WHERE name = 'alice'"
flow alice +37255500001 8944100000000123456 $V/p256_test_key.pem
[ "$result" = SIGNATURE_INVALID ]
ok $? "signed with a key that is not the certificate's: SIGNATURE_INVALID ($result)"
flow bob +37255500002 8944100000000123464 $V/rsa2048_test_key.pem
[ "$result" = CERT_INVALID ]
ok $? "no certificate for the user: CERT_INVALID ($result)"
cp "$tmp/certs/alice.pem" "$tmp/certs/bob.pem"
flow bob +37255500002 8944100000000123464 $V/rsa2048_test_key.pem
[ "$result" = CERT_INVALID ]
ok $? "another user's certificate (wrong identity): CERT_INVALID ($result)"
start carol
req GET "/api/v1/authentication/session/$sid?timeoutMs=0" "$KEY"
[ "$(jq -r .result <<<"$body")" = NOT_BOUND ]
ok $? "an account without binding: NOT_BOUND at once"
start nobody
req GET "/api/v1/authentication/session/$sid?timeoutMs=0" "$KEY"
[ "$code" = 200 ] && [ "$(jq -r .result <<<"$body")" = NOT_BOUND ]
ok $? "an unknown account looks the same: NOT_BOUND"

# delivery failures
sqlite3 "$tmp/server.db" "UPDATE accounts SET failures = 0 WHERE name = 'alice'"
start alice
claim_job "$sid"
lease=$(jq -r .leaseId <<<"$job")
req POST "/bridge/v1/jobs/$sid/delivery" "$BR1" "{\"leaseId\":\"$lease\",\"status\":\"FAILED\",\"detail\":\"+CMS ERROR: 38\"}"
req GET "/api/v1/authentication/session/$sid?timeoutMs=0" "$KEY"
[ "$(jq -r .result <<<"$body")" = DELIVERY_ERROR ]
ok $? "delivery FAILED: DELIVERY_ERROR"
start alice
claim_job "$sid"
lease=$(jq -r .leaseId <<<"$job")
req POST "/bridge/v1/jobs/$sid/delivery" "$BR1" "{\"leaseId\":\"$lease\",\"status\":\"POR_ERROR\",\"porStatus\":1}"
req GET "/api/v1/authentication/session/$sid?timeoutMs=0" "$KEY"
[ "$(jq -r .result <<<"$body")" = SIM_ERROR ] &&
    [ "$(sqlite3 "$tmp/server.db" "SELECT reason FROM sessions WHERE id = '$sid'")" = "PoR status 01 RC/CC/DS failed" ]
ok $? "PoR status 01: SIM_ERROR, audited with the PoR status name"

# ---- lockout: 3 failures lock dave ----
for i in 1 2 3; do
	flow dave +37255500004 8944100000000123480 $V/rsa2048_test_key.pem rejected --unsigned
done
start dave
req GET "/api/v1/authentication/session/$sid?timeoutMs=0" "$KEY"
[ "$(jq -r .result <<<"$body")" = ACCOUNT_LOCKED ]
ok $? "three failures lock the account: ACCOUNT_LOCKED"
sqlite3 "$tmp/server.db" "UPDATE accounts SET locked_until = 1 WHERE name = 'dave'"
start dave
req GET "/api/v1/authentication/session/$sid?timeoutMs=0" "$KEY"
[ "$(jq -r .state <<<"$body")" = RUNNING ]
ok $? "the lock releases itself when its time is over"

# ---- per-account rate limit (40 per window) ----
wait_window
for i in $(seq 1 40); do
	req POST /api/v1/authentication "$KEY" '{"account":"frank","serviceName":"x"}'
done
c40=$code
req POST /api/v1/authentication "$KEY" '{"account":"frank","serviceName":"x"}'
[ "$c40" = 200 ] && jerr 429 RATE_LIMITED
ok $? "the 41st start for one account in a window: 429 RATE_LIMITED"

# ---- expiry: the sweeper turns an unanswered session into TIMEOUT ----
start alice
t0=$(date +%s)
req GET "/api/v1/authentication/session/$sid?timeoutMs=15000" "$KEY"
t1=$(date +%s)
[ "$(jq -r .result <<<"$body")" = TIMEOUT ] && [ $((t1 - t0)) -le 14 ]
ok $? "an unanswered session ends TIMEOUT after its lifetime ($((t1 - t0)) s)"
req POST /bridge/v1/jobs/claim "$BR2" '{}'
[ "$(jq "[.jobs[] | select(.jobId == \"$sid\")] | length" <<<"$body")" = 0 ]
ok $? "the expired session's job is no longer claimable"

# ---- metrics, audit ----
m=$(curl -s -m 5 "$U/metrics")
nok=$(sqlite3 "$tmp/server.db" "SELECT count(*) FROM audit WHERE event = 'session-complete' AND result = 'OK'")
[ "$nok" -ge 3 ] &&
    grep -q "^stkauth_sessions_completed_total{result=\"OK\"} $nok\$" <<<"$m" &&
    grep -q '^# TYPE stkauth_jobs_claimed_total counter$' <<<"$m" &&
    grep -q '^stkauth_store_checkpoints_total{part="finish"} [0-9][0-9]*$' <<<"$m" &&
    grep -q '^stkauth_store_checkpoint_failures_total 0$' <<<"$m"
ok $? "/metrics in Prometheus text format counts the OK sessions"
a=$(sqlite3 "$tmp/server.db" "SELECT count(*) FROM audit WHERE event = 'session-complete' AND result = 'SIGNATURE_INVALID' AND reason LIKE '%password mismatch%'")
[ "$a" -ge 1 ]
ok $? "the audit log names the reason of a failure"
! grep -q "$K" "$tmp/plain.log" && ! grep -q "$KEY" "$tmp/plain.log"
ok $? "neither K_auth nor the API key appear in the log"
# each failed check of the flows above, counted once by its reason
vf() { sed -n "s/^stkauth_verify_failures_total{reason=\"$1\"} //p" <<<"$m"; }
[ "$(vf password)" = 1 ] && [ "$(vf other-card)" = 1 ] &&
    [ "$(vf signature)" = 1 ] && [ "$(vf cert-no-certificate)" = 1 ] &&
    [ "$(vf cert-wrong-identity)" = 1 ] && [ "$(vf cert-revoked)" = 0 ] &&
    [ "$(vf late)" = 0 ]
ok $? "/metrics: verification failures by reason ($(grep -c '^stkauth_verify_failures_total' <<<"$m") reasons)"
hits=$(sed -n 's/^stkauth_cert_cache_total{outcome="hit"} //p' <<<"$m")
[ -n "$hits" ] && [ "$hits" -ge 1 ]
ok $? "/metrics: alice's certificate validated once, then from the cache ($hits hits)"
# the open sessions and jobs are the store's (two fresh sessions, one
# claimed), read before and after the scrape
start alice
start alice
claim_job "$sid"
db_open() {
	sqlite3 "$tmp/server.db" "SELECT (SELECT count(*) FROM sessions WHERE state = 0) || ' ' ||
	    (SELECT count(*) FROM jobs WHERE state = 0) || ' ' || (SELECT count(*) FROM jobs WHERE state = 1)"
}
before=$(db_open)
m=$(curl -s -m 5 "$U/metrics")
after=$(db_open)
got="$(sed -n 's/^stkauth_sessions_open{state="RUNNING"} //p' <<<"$m") $(sed -n 's/^stkauth_jobs_open{state="QUEUED"} //p' <<<"$m") $(sed -n 's/^stkauth_jobs_open{state="LEASED"} //p' <<<"$m")"
[ "$before" = "$after" ] && [ "$got" = "$before" ] && [ "${before%% *}" -ge 2 ] &&
    grep -q '^# TYPE stkauth_jobs_open gauge$' <<<"$m"
ok $? "/metrics: open sessions and jobs by state as the store has them ($got)"

# ---- HTTPS, a second server process on the same store ----
T=https://127.0.0.1:$P2
tl_server_start "$tmp/tls.ini" "$tmp/tls.log" "$T" --cacert "$TLS_CA"
TPID=$SPAWNED
code=$(curl -s -m 5 --cacert "$TLS_CA" -o /dev/null -w '%{http_code}' "$T/healthz")
[ "$code" = 200 ]
ok $? "HTTPS: /healthz with the server certificate verified"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P2/healthz")
[ "$code" != 200 ]
ok $? "HTTPS port: plain HTTP gets no answer"
code=$(curl -s -m 10 --cacert "$TLS_CA" -o "$tmp/body" -w '%{http_code}' \
    -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    --data-binary '{"account":"alice","serviceName":"Банк вход"}' "$T/api/v1/authentication")
tsid=$(jq -r .sessionId "$tmp/body")
[ "$code" = 200 ]
ok $? "HTTPS: a session started on the second process (UCS-2 service name)"
claim_job "$tsid"
[ "$(jq -r .msisdn <<<"$job")" = +37255500001 ]
ok $? "the first process hands out the job created by the second"
# ---- per-address rate limit: a third process with a store of its own ----
RLKEY=$($SERVER --db "$tmp/rl.db" --add-api-key rp1 2>/dev/null)
tl_server_start "$tmp/rl.ini" "$tmp/rl.log" "http://127.0.0.1:$P3"
RPID=$SPAWNED
codes=""
wait_window
for i in 1 2 3 4; do
	codes="$codes $(curl -s -m 5 -o "$tmp/body" -w '%{http_code}' \
	    -H "Authorization: Bearer $RLKEY" -H 'Content-Type: application/json' \
	    --data-binary "{\"account\":\"u$i\",\"serviceName\":\"x\"}" \
	    "http://127.0.0.1:$P3/api/v1/authentication")"
done
body=$(cat "$tmp/body")
code=${codes##* }
[ "$codes" = " 200 200 200 429" ] && jerr 429 RATE_LIMITED
ok $? "per-address rate limit (3 per window): the 4th start gets 429 ($codes)"
tl_stop "$RPID"

# ---- SIGTERM drains ----
# gina's certificate file is a FIFO: the worker verifying her result
# blocks in open() until the test writes the certificate into it, so a
# verification is in progress when the signal comes
# gina_result: start a session for gina, claim, post her signed answer
gina_result() {
	start gina
	gsid=$sid
	claim_job "$gsid"
	resp=$($RESPOND "$(jq -r .request <<<"$job")" 8944100000000123506 \
	    "$tmp/kauth.hex" $V/rsa2048_test_key.pem)
	req POST /bridge/v1/results "$BR1" "{\"resultId\":\"$gsid\",\"msisdn\":\"+37255500007\",\"response\":\"$resp\"}"
}
sess_row() { sqlite3 "$tmp/server.db" "SELECT state || ' ' || result FROM sessions WHERE id = '$1'"; }
mkfifo "$tmp/certs/gina.pem"
gina_result
[ "$code" = 202 ] && [ "$(sess_row "$gsid")" = "1 0" ]
ok $? "gina's result accepted (202), VERIFYING while her certificate is awaited"
curl -s -m 20 -o "$tmp/late.json" -H "Authorization: Bearer $KEY" \
    "$U/api/v1/authentication/session/$tsid?timeoutMs=15000" &
latepid=$!
tl_track $latepid
sleep 0.3
kill -TERM "$SPID"
sleep 0.5
curl -s -m 5 -o /dev/null "$U/healthz"
crc=$?
kill -0 "$SPID" 2>/dev/null && [ $crc = 7 ]
ok $? "SIGTERM: draining, the server refuses new connections (curl exit $crc)"
wait $latepid
[ "$(jq -r .error.code "$tmp/late.json")" = SHUTTING_DOWN ]
ok $? "a long-poll in progress is answered 503 SHUTTING_DOWN"
timeout 5 sh -c "cat '$tmp/gina.pem' >'$tmp/certs/gina.pem'"
wait_gone "$SPID" 5 && wait "$SPID"
ok $? "SIGTERM: the server exits 0 once the accepted result is verified"
[ "$(sess_row "$gsid")" = "2 1" ]
ok $? "the result accepted before SIGTERM was verified and stored: OK"

# ---- a start re-verifies what a killed server left VERIFYING ----
restart() {
	tl_server_start "$tmp/plain.ini" "$tmp/plain2.log" "$U"
	SPID=$SPAWNED
}
rm -f "$tmp/certs/gina.pem"
mkfifo "$tmp/certs/gina.pem"
restart
gina_result
sleep 0.3
tl_stop "$SPID" 0 KILL
[ "$code" = 202 ] && [ "$(sess_row "$gsid")" = "1 0" ]
ok $? "SIGKILL in the middle of a verification leaves the session VERIFYING"
rm -f "$tmp/certs/gina.pem"
cp "$tmp/gina.pem" "$tmp/certs/gina.pem"
restart
req GET "/api/v1/authentication/session/$gsid?timeoutMs=10000" "$KEY"
[ "$(jq -r .state <<<"$body")" = COMPLETE ] && [ "$(jq -r .result <<<"$body")" = OK ] &&
    [ "$(sqlite3 "$tmp/server.db" "SELECT count(*) FROM audit WHERE event = 'result-reverify' AND session_id = '$gsid'")" = 1 ] &&
    curl -s -m 5 "$U/metrics" | grep -q '^stkauth_sessions_reverified_total 1$'
ok $? "the next start verifies it again (as of its arrival): COMPLETE / OK"
tl_stop "$SPID"
ok $? "the restarted server stops cleanly"
tl_stop "$TPID"
ok $? "the HTTPS process stops cleanly too"

tap_end

#!/bin/bash
# test_server_ldap_flow.sh - stkauth-server with certificate source "ldap":
# a private slapd from ldap-fixtures/ (own folder, own loopback port, own
# CA), users published with ldap-fixtures/publish.sh, the REST flow with
# curl, a scripted bridge, and the card side from
# tests/helpers/server_auth_respond signing with the key ldap-fixtures/ca.sh
# issued.  Checks OK through LDAP, a certificate revoked by a CRL
# published in LDAP (CERT_INVALID), a user missing from the directory
# (CERT_INVALID) and the directory down (the verification waits and is
# tried again, the server keeps answering; slapd back: OK).  TAP output; run from the repository root after
# "make all tests".  Stops only what it started, by pid / pid file.
set -u

. tests/helpers/testlib.sh

RESPOND=build/tests/helpers/server_auth_respond
FX=ldap-fixtures

export PATH=$PATH:/usr/sbin
tl_need slapd slapadd ldapsearch ldapmodify openssl curl jq sqlite3 ss shuf
tl_built "$SERVER" "$RESPOND"
tl_begin srvldap
T=$tmp
D=$T/slapd
tl_at_exit '"$FX/slapd.sh" stop "$D" >/dev/null 2>&1'

# slapd listens on PORT (LDAP) and PORT+1 (LDAPS), the server on HP
free_port_pair && PORT=$FREE
free_port && HP=$FREE
SUFFIX=dc=stkauth,dc=test

"$FX/slapd.sh" start "$D" "$PORT" >/dev/null 2>"$T/start.err"
ok $? "private slapd on 127.0.0.1:$PORT"
CA=$D/ca
"$FX/ca.sh" user "$CA" alice alice +37255500001 >/dev/null 2>>"$T/ca.err" &&
    "$FX/ca.sh" user "$CA" bob bob +37255500002 >/dev/null 2>>"$T/ca.err" &&
    "$FX/publish.sh" cert "$D" alice +37255500001 "$CA/certs/alice.pem" 2>>"$T/pub.err" &&
    "$FX/publish.sh" cert "$D" bob +37255500002 "$CA/certs/bob.pem" 2>>"$T/pub.err"
ok $? "users alice and bob published with their certificates"

cat >"$T/server.ini" <<EOF
[server]
listen = 127.0.0.1
port = $HP
tls = no
database = $T/server.db
workers = 2
[session]
lifetime = 60
[ratelimit]
per_address = 0
per_account = 0
[certs]
source = ldap
ca = $CA/ca.pem
[ldap]
uri = ldap://127.0.0.1:$PORT/
bind_dn = cn=stkauth-server,ou=services,$SUFFIX
bind_password_file = $D/service.pw
base_dn = ou=people,$SUFFIX
crl_dn = cn=stkauth Test CA,ou=ca,$SUFFIX
timeout_ms = 2000
cache_ttl_ms = 0
EOF
"$SERVER" -n -c "$T/server.ini" >/dev/null
ok $? "-n accepts the LDAP configuration"

tl_kauth
KEY=$(tl_api_key rp1)
BR=$(tl_bridge_token b1)
for a in "alice +37255500001 8944100000000123456" \
    "bob +37255500002 8944100000000123464" \
    "zoe +37255500009 8944100000000123498"; do
	set -- $a
	tl_account "$1" "$2" "$3" || break
done
ok $? "bootstrap: API key, bridge token, accounts"

U=http://127.0.0.1:$HP
tl_server_start "$T/server.ini" "$T/server.log" "$U"
spid=$SPAWNED

req() {
	local a=(-s -m 30 -o "$T/body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $3")
	[ $# -ge 4 ] && a+=(-H 'Content-Type: application/json' --data-binary "$4")
	code=$(curl "${a[@]}" "$U$2")
	body=$(cat "$T/body")
}
# flow ACCOUNT MSISDN ICCID KEY -> $result
flow() {
	req POST /api/v1/authentication "$KEY" "{\"account\":\"$1\",\"serviceName\":\"LDAP login\"}"
	sid=$(jq -r .sessionId <<<"$body")
	req POST /bridge/v1/jobs/claim "$BR" '{"waitMs":3000,"maxJobs":10}'
	local rq
	rq=$(jq -r ".jobs[] | select(.jobId == \"$sid\") | .request" <<<"$body")
	local resp
	resp=$($RESPOND "$rq" "$3" "$T/kauth.hex" "$4")
	req POST /bridge/v1/results "$BR" "{\"resultId\":\"$sid\",\"msisdn\":\"$2\",\"response\":\"$resp\"}"
	req GET "/api/v1/authentication/session/$sid?timeoutMs=${POLL_MS:-15000}" "$KEY"
	result=$(jq -r .result <<<"$body")
}
metric() { curl -s -m 5 "$U/metrics" | sed -n "s/^$1 //p"; }

flow alice +37255500001 8944100000000123456 "$CA/certs/alice.key"
[ "$result" = OK ]
ok $? "alice: certificate from LDAP, CRL from the CA entry: OK ($result)"
jq -r .cert <<<"$body" | base64 -d | cmp -s - "$CA/certs/alice.der"
ok $? "the answer's certificate is the one published in LDAP"
m=$(curl -s -m 5 "$U/metrics")
lc=$(sed -n 's/^stkauth_ldap_lookup_seconds_count //p' <<<"$m")
linf=$(sed -n 's/^stkauth_ldap_lookup_seconds_bucket{le="+Inf"} //p' <<<"$m")
grep -q '^# TYPE stkauth_ldap_lookup_seconds histogram$' <<<"$m" &&
    [ -n "$lc" ] && [ "$lc" -ge 1 ] && [ "$linf" = "$lc" ]
ok $? "/metrics: the LDAP lookup latency histogram counts the search ($lc)"
flow zoe +37255500009 8944100000000123498 "$CA/certs/alice.key"
reason() { sqlite3 "$T/server.db" "SELECT reason FROM sessions WHERE id = '$sid'"; }
[ "$result" = CERT_INVALID ] && grep -q "no-certificate" <<<"$(reason)"
ok $? "a user missing from the directory: CERT_INVALID ($result)"
"$FX/ca.sh" revoke "$CA" bob >/dev/null 2>>"$T/ca.err" &&
    "$FX/publish.sh" crl "$D" "$CA/crl.pem" >/dev/null 2>>"$T/pub.err"
flow bob +37255500002 8944100000000123464 "$CA/certs/bob.key"
[ "$result" = CERT_INVALID ] && grep -q "revoked" <<<"$(reason)"
ok $? "bob revoked by the CRL published in LDAP: CERT_INVALID ($result)"
"$FX/slapd.sh" stop "$D" >/dev/null 2>&1
r0=$(metric stkauth_verify_retries_total)
POLL_MS=2500 flow alice +37255500001 8944100000000123456 "$CA/certs/alice.key"
state=$(jq -r .state <<<"$body")
r1=$(metric stkauth_verify_retries_total)
[ "$state" = RUNNING ] && [ "$(sqlite3 "$T/server.db" \
    "SELECT state FROM sessions WHERE id = '$sid'")" = 1 ] &&
    [ "$r1" -ge $((r0 + 2)) ]
ok $? "directory down: no verdict on the user, the verification is tried again ($state, retries $r0 -> $r1)"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$U/healthz")
[ "$code" = 200 ]
ok $? "the server keeps answering while the directory is down"
"$FX/slapd.sh" start "$D" "$PORT" >/dev/null 2>>"$T/start.err"
req GET "/api/v1/authentication/session/$sid?timeoutMs=15000" "$KEY"
result=$(jq -r .result <<<"$body")
[ "$result" = OK ]
ok $? "the directory back: the waiting verification ends OK ($result)"
tl_stop "$spid"
ok $? "SIGTERM: clean exit"

tap_end

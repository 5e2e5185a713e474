#!/bin/bash
# test_server_ldap_flow.sh - stkauth-server with certificate source "ldap":
# a private slapd from ldap-fixtures/ (own folder, own loopback port, own
# CA), users published with ldap-fixtures/publish.sh, the REST flow with
# curl, a scripted bridge, and the card side from
# tests/helpers/server_auth_respond signing with the key ldap-fixtures/ca.sh
# issued.  Checks OK through LDAP, a certificate revoked by a CRL
# published in LDAP (CERT_INVALID), a user missing from the directory
# (CERT_INVALID) and the directory down (INTERNAL_ERROR, the server keeps
# answering).  TAP output; run from the repository root after
# "make all tests".  Stops only what it started, by pid / pid file.
set -u

SERVER=${STKAUTH_SERVER:-build/bin/stkauth-server}
RESPOND=build/tests/helpers/server_auth_respond
FX=ldap-fixtures
n=0
fails=0
spid=
T=$(mktemp -d /tmp/stkauth-srvldap.XXXXXX)
D=$T/slapd

cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	"$FX/slapd.sh" stop "$D" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fails=$((fails + 1))
	fi
}

export PATH=$PATH:/usr/sbin
for need in slapd slapadd ldapsearch ldapmodify openssl curl jq sqlite3 ss shuf; do
	if ! command -v "$need" >/dev/null; then
		echo "1..0 # SKIP $need missing (make deps)"
		exit 0
	fi
done
if [ ! -x "$SERVER" ] || [ ! -x "$RESPOND" ]; then
	echo "1..1"
	echo "not ok 1 - $SERVER and $RESPOND must be built (make all tests)"
	exit 1
fi

PORT=
for p in $(shuf -i 20000-59998 -n 40); do
	if [ -z "$(ss -Htan "( sport = :$p or sport = :$((p + 1)) )")" ]; then
		PORT=$p
		break
	fi
done
HP=
for p in $(shuf -i 20000-59999 -n 50); do
	if [ "$p" != "$PORT" ] && [ "$p" != "$((PORT + 1))" ] &&
	    [ -z "$(ss -Htan "( sport = :$p )")" ]; then
		HP=$p
		break
	fi
done
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
$SERVER -n -c "$T/server.ini" >/dev/null
ok $? "-n accepts the LDAP configuration"

K=000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F
echo $K >"$T/kauth.hex"
KEY=$($SERVER --db "$T/server.db" --add-api-key rp1 2>/dev/null)
BR=$($SERVER --db "$T/server.db" --add-bridge-token b1 2>/dev/null)
for a in "alice +37255500001 8944100000000123456" \
    "bob +37255500002 8944100000000123464" \
    "zoe +37255500009 8944100000000123498"; do
	set -- $a
	$SERVER --db "$T/server.db" --add-account "$1" --msisdn "$2" \
	    --iccid "$3" --kauth-file "$T/kauth.hex" >/dev/null || break
done
ok $? "bootstrap: API key, bridge token, accounts"

$SERVER -c "$T/server.ini" 2>"$T/server.log" &
spid=$!
U=http://127.0.0.1:$HP
for i in $(seq 1 50); do
	curl -s -o /dev/null "$U/healthz" && break
	sleep 0.1
done

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
	req GET "/api/v1/authentication/session/$sid?timeoutMs=15000" "$KEY"
	result=$(jq -r .result <<<"$body")
}

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
flow alice +37255500001 8944100000000123456 "$CA/certs/alice.key"
[ "$result" = INTERNAL_ERROR ] && grep -q "directory" <<<"$(reason)"
ok $? "directory down: INTERNAL_ERROR, not a verdict on the user ($result)"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$U/healthz")
[ "$code" = 200 ]
ok $? "the server keeps answering while the directory is down"
kill -TERM "$spid"
wait "$spid"
ok $? "SIGTERM: clean exit"
spid=

echo "1..$n"
[ $fails -eq 0 ]

#!/bin/bash
# test_bridge_tls.sh - the bridge's link to the server over HTTPS for real
# (BRIDGE-API.md, docs/BRIDGE.md §2): stkauth-server with TLS on loopback
# with a certificate from a test CA (ldap-fixtures/ca.sh: CN localhost,
# SAN DNS:localhost + IP:127.0.0.1), stkauth-bridge with `ca_file` = that
# CA and the `loop` test transport, the card played by
# tests/helpers/bridge_card and server_auth_respond.
#
#   1. a login flows: claim, secured SMS, ack, status report, the card's
#      answer posted back over TLS -> session COMPLETE / OK; after the
#      first connection's full handshake the others resume its session
#   2. a bridge trusting another CA refuses the server: a clear log line
#      naming the X.509 error and the CA file, no job claimed
#   3. a server certificate of the right CA whose names do not match the
#      URL host (SAN DNS:wrong.example only) is refused the same way, for
#      an IP literal and for a host name
#   4. -n: plain http to a non-loopback host, https without ca_file, and a
#      ca_file without a certificate are refused at config check
#
# TAP output; bounded waits; every process stopped by pid.
set -u
. tests/helpers/bridge_lib.sh
bl_begin
CA=ldap-fixtures/ca.sh

# ---- PKI: the server's CA, another CA, a certificate with other names ----
$CA init "$tmp/pki" "bridge TLS test CA" && $CA server "$tmp/pki" &&
    $CA init "$tmp/other" "some other CA" &&
    openssl req -new -newkey rsa:2048 -nodes -keyout "$tmp/wrong.key" \
        -subj "/CN=wrong.example" -out "$tmp/wrong.csr" 2>/dev/null &&
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:wrong.example\n' \
        >"$tmp/wrong.ext" &&
    openssl x509 -req -in "$tmp/wrong.csr" -CA "$tmp/pki/ca.pem" \
        -CAkey "$tmp/pki/ca.key" -CAcreateserial -days 10 \
        -extfile "$tmp/wrong.ext" -out "$tmp/wrong.pem" 2>/dev/null
ok $? "test CA with the server certificate (localhost, 127.0.0.1), a second CA, a certificate for wrong.example"
chmod 600 "$tmp/wrong.key"

# ---- the server over TLS ----
bl_store
ok $? "server store: API key, bridge tokens, alice and bob with K_auth"
free_port && SP=$FREE
free_port && SP2=$FREE
bl_server_ini "$SP" "tls = yes
tls_cert = $tmp/pki/server.pem
tls_key = $tmp/pki/server.key"
out=$($SERVER -n -c "$tmp/server.ini" 2>&1)
ok $? "stkauth-server -n accepts the TLS configuration ${out:+($out)}"
bl_spawn "$tmp/server.log" $SERVER -c "$tmp/server.ini"
U=https://127.0.0.1:$SP
CURL_TLS=(--cacert "$tmp/pki/ca.pem")
wait_for 10 curl -sf -o /dev/null "${CURL_TLS[@]}" "$U/healthz"
ok $? "the server answers HTTPS on $U (verified with the test CA by curl)"
# A second server on the same store with the wrong-name certificate
# (several servers may share one store, DESIGN.md §6).
sed -e "s/^port = .*/port = $SP2/" -e "s|$tmp/pki/server.pem|$tmp/wrong.pem|" \
    -e "s|$tmp/pki/server.key|$tmp/wrong.key|" "$tmp/server.ini" >"$tmp/server2.ini"
bl_spawn "$tmp/server2.log" $SERVER -c "$tmp/server2.ini"
wait_for 10 curl -s -o /dev/null -k "https://127.0.0.1:$SP2/healthz"
ok $? "a second server with the wrong.example certificate on port $SP2"

# ---- bridges ----
mkdir -p "$tmp/st" "$tmp/out" "$tmp/in" "$tmp/done"
bl_enrol "$tmp/st/keystore.db" $ICC_A $MS_A && bl_enrol "$tmp/st/keystore.db" $ICC_B $MS_B
ok $? "alice's and bob's cards in the bridge's key store"
conf() {	# conf FILE URL CA-FILE NAME [METRICS-PORT]
	cat >"$1" <<-EOF
	[bridge]
	name = $4
	server_url = $2
	ca_file = $3
	token_file = $tmp/b1.token
	state_dir = $tmp/st
	lease_ms = 20000
	claim_wait_ms = 2000
	retry_base_ms = 200
	retry_max_ms = 1000
	http_timeout_s = 5
	${5:+metrics_listen = 127.0.0.1:$5}

	[transport loop1]
	type = loop
	outdir = $tmp/out
	indir = $tmp/in
	report = yes
	poll_ms = 20
	EOF
}
free_port && MP1=$FREE
conf "$tmp/good.ini" "$U" "$tmp/pki/ca.pem" tls1 "$MP1"
out=$($BRIDGE -n -c "$tmp/good.ini" 2>&1)
ok $? "bridge -n accepts https with ca_file ${out:+($out)}"

# 1. a login over HTTPS end to end (server side to session result)
bl_spawn "$tmp/good.log" $BRIDGE -c "$tmp/good.ini"
BG=$SPAWNED
bl_login alice
subs() { ls "$tmp/out"/*.sub 2>/dev/null | wc -l; }
have_sub() { [ "$(subs)" -ge 1 ]; }
wait_for 15 have_sub
sub=$(ls "$tmp/out"/*.sub 2>/dev/null | head -n 1)
read -r _ dest hex <"${sub:-/dev/null}"
opened=$($CARD open "${hex:-00}" $TAR $KK $KD 2>&1)
ok $? "claimed over HTTPS: secured SMS to ${dest:-nobody} that the card opens"
cntr=${opened%% *} reqhex=${opened#* }
mv "$sub" "$tmp/done/" 2>/dev/null
chk_job() { [ "$(bl_job "$sid")" = "$1" ]; }
wait_for 10 chk_job 3
ok $? "ack and delivery report posted over HTTPS: server job state $(bl_job "$sid") (3 = DELIVERED)"
resp=$($RESPOND "$reqhex" $ICC_A "$tmp/kauth.hex" $V/rsa2048_test_key.pem) &&
    $CARD answer "$resp" $MS_A $TAR $KIC $KID $KK $KD "$cntr" "$tmp/in" a1
bl_req GET "/api/v1/authentication/session/$sid?timeoutMs=15000"
[ "$(jq -r .state <<<"$body")" = COMPLETE ] && [ "$(jq -r .result <<<"$body")" = OK ]
ok $? "the card's answer posted over HTTPS: session $(jq -c '{state,result}' <<<"$body" 2>/dev/null)"
! grep -q "refused\|no answer" "$tmp/good.log"
ok $? "no TLS complaint in the log of the bridge with the right CA"
# one full handshake, then the connections resume its session (ticket)
tls=$(curl -s -m 5 "http://127.0.0.1:$MP1/metrics" | sed -n 's/^stkauth_bridge_server_tls_total{handshake="\(full\|resumed\)"} //p' | tr '\n' ' ')
read -r full resumed <<<"$tls"
[ "${full:-0}" -ge 1 ] && [ "${resumed:-0}" -ge 3 ] && [ "$resumed" -gt "$full" ]
ok $? "later HTTPS connections resume the TLS session (full $full, resumed $resumed)"
bl_stop $BG
ok $? "SIGTERM: the bridge exits 0"
# The server may still hold the stopped bridge's long poll (claim_wait_ms)
# and would lease the next job to it: let that poll end first.
sleep 2.5

# refused: no job may be claimed, and the log names the reason.
# refused_case NAME CONF LOG REGEX
refused_case() {
	local name=$1 ini=$2 log=$3 re=$4 p jid st claim
	bl_login bob
	jid=$sid
	bl_spawn "$log" $BRIDGE -c "$ini"
	p=$SPAWNED
	wait_for 10 grep -qE "$re" "$log"
	st=$?
	ok $st "$name: the bridge logs why ($(grep -m1 -oE "$re.*" "$log" | cut -c1-150))"
	[ $st -eq 0 ] || tail -n 5 "$log" "$tmp/server.log" "$tmp/server2.log" | sed 's/^/# /'
	sleep 1.5	# a few claim rounds (backoff 200..1000 ms)
	st=$(bl_job "$jid") claim=$(bl_job "$jid" claim_id)
	[ "$st" = 0 ] && [ -z "$claim" ] && [ "$(subs)" = 0 ] && kill -0 "$p" 2>/dev/null
	ok $? "$name: no job claimed (server job state $st, claim '${claim}'), nothing sent, the bridge keeps running"
	curl -s "http://127.0.0.1:$MP/metrics" | grep -q '^stkauth_bridge_errors_total{error="server_unreachable"} [1-9]'
	ok $? "$name: counted as server_unreachable in /metrics"
	bl_stop "$p"
	# the session stays for the next bridge; clean it up for the next case
	sqlite3 "$tmp/server.db" "DELETE FROM sessions WHERE id='$jid'" 2>/dev/null
}
free_port && MP=$FREE

# 2. another CA
conf "$tmp/other.ini" "$U" "$tmp/other/ca.pem" tls2 $MP
refused_case "another CA" "$tmp/other.ini" "$tmp/other.log" \
    "TLS to 127.0.0.1:$SP refused: the server's certificate .* does not verify: (unable to get local issuer certificate|self-signed certificate in certificate chain)"
grep -q "ca_file $tmp/other/ca.pem" "$tmp/other.log"
ok $? "another CA: the log names the CA file it tried"

# 3. the right CA, the wrong names (IP literal, then a host name)
conf "$tmp/name.ini" "https://127.0.0.1:$SP2" "$tmp/pki/ca.pem" tls3 $MP
refused_case "certificate for wrong.example at 127.0.0.1" "$tmp/name.ini" \
    "$tmp/name.log" "TLS to 127.0.0.1:$SP2 refused: .*wrong.example.* does not verify: IP address mismatch"
conf "$tmp/name2.ini" "https://localhost:$SP2" "$tmp/pki/ca.pem" tls4 $MP
refused_case "certificate for wrong.example at localhost" "$tmp/name2.ini" \
    "$tmp/name2.log" "TLS to localhost:$SP2 refused: .*wrong.example.* does not verify: [Hh]ostname mismatch"

# 4. configuration checks
bad() {	# bad NAME SED-EXPR REGEX
	local out st
	sed -e "$2" "$tmp/good.ini" >"$tmp/bad.ini"
	out=$($BRIDGE -n -c "$tmp/bad.ini" 2>&1)
	st=$?
	[ $st -eq 2 ] && grep -qE "$3" <<<"$out"
	ok $? "-n refuses $1 (exit $st: $out)"
}
bad "plain http to a non-loopback host" "s|^server_url = .*|server_url = http://192.0.2.10:8080|" \
    "server_url: plain http only to a loopback address"
bad "plain http to a host name" "s|^server_url = .*|server_url = http://auth.example.org|" \
    "plain http only to a loopback"
bad "https without ca_file" "/^ca_file/d" "ca_file is required with https"
printf 'not a certificate\n' >"$tmp/empty.pem"
bad "a ca_file without a certificate" "s|^ca_file = .*|ca_file = $tmp/empty.pem|" \
    "ca_file $tmp/empty.pem: no readable PEM certificate"
sed -e "s|^server_url = .*|server_url = http://127.0.0.1:$SP|" -e "/^ca_file/d" \
    "$tmp/good.ini" >"$tmp/plain.ini"
out=$($BRIDGE -n -c "$tmp/plain.ini" 2>&1)
ok $? "-n accepts plain http to 127.0.0.1 ${out:+($out)}"

! grep -qi "$(cat "$tmp/b1.token")" "$tmp"/*.log
ok $? "the bridge token is in no log"

bl_end

#!/bin/bash
# test_bridge_core.sh - stkauth-bridge's core against the real
# stkauth-server, with the `loop` test transport (smsc-bridge/
# transport_loop.c: submitted SMS land in a folder, answers are dropped
# into another) and the card played by tests/helpers/bridge_card (OTA)
# and server_auth_respond (the applet's answer).  Covers: -n and config
# errors, claim -> secured SMS-SUBMIT (PID 7F, DCS F6, IEI 70, cipher +
# CC + counter), ack, status report -> DELIVERED, the card's concatenated
# answer out of order and duplicated -> result -> session COMPLETE/OK,
# counters, PoR error -> SIM_ERROR, unknown senders and replays dropped,
# two bridges on one server, /metrics, SIGTERM.  TAP output; bounded
# waits; processes stopped by pid.
set -u

. tests/helpers/bridge_lib.sh
bl_begin
# (bridge_lib.sh: the card's OTA keys $TAR $KIC $KID $KK $KD, the cards
# $ICC_A $ICC_B of alice and bob)

# ---- server: PKI, store, accounts ----
bl_store
ok $? "server store: API key, two bridge tokens, alice and bob"
free_port && SP=$FREE
bl_server_ini "$SP" "tls = no" "[bridge]
lease_ms = 30000"
U=http://127.0.0.1:$SP
tl_server_start "$tmp/server.ini" "$tmp/server.log" "$U"

# ---- key store and bridge configuration ----
mkdir -p "$tmp/st1" "$tmp/st2" "$tmp/out" "$tmp/in1" "$tmp/in2"
bl_enrol "$tmp/st1/keystore.db" $ICC_A +37255500001 &&
bl_enrol "$tmp/st1/keystore.db" $ICC_B +37255500002
ok $? "two cards enrolled in bridge 1's key store"
[ "$(stat -c %a "$tmp/st1/keystore.db")" = 600 ]
ok $? "the key store file is mode 0600"
cp "$tmp/st1/keystore.db" "$tmp/st2/keystore.db"
free_port && MP1=$FREE
free_port && MP2=$FREE
conf() {	# conf NAME STATEDIR INDIR METRICSPORT TOKEN
	cat <<EOF
[bridge]
name = $1
server_url = $U
token_file = $5
state_dir = $2
metrics_listen = 127.0.0.1:$4
lease_ms = 20000
claim_wait_ms = 2000
retry_base_ms = 100
retry_max_ms = 1000
reassembly_timeout_s = 3

[transport loop1]
type = loop
route = +372
outdir = $tmp/out
indir = $3
report = yes
poll_ms = 20
EOF
}
conf b1 "$tmp/st1" "$tmp/in1" $MP1 "$tmp/b1.token" >"$tmp/b1.ini"
conf b2 "$tmp/st2" "$tmp/in2" $MP2 "$tmp/b2.token" >"$tmp/b2.ini"

out=$($BRIDGE -n -c "$tmp/b1.ini" 2>&1)
ok $? "-n accepts the configuration ($out)"
sed 's/^claim_wait_ms = .*/claim_wait_ms = 99999/' "$tmp/b1.ini" >"$tmp/bad.ini"
out=$($BRIDGE -n -c "$tmp/bad.ini" 2>&1)
st=$?
line=$(grep -n '^claim_wait_ms' "$tmp/bad.ini" | cut -d: -f1)
[ $st -eq 2 ] && grep -q "bad.ini:$line: claim_wait_ms" <<<"$out"
ok $? "-n names FILE:LINE of an out-of-range value ($out)"
sed "s|^server_url = .*|server_url = http://192.0.2.1:80|" "$tmp/b1.ini" >"$tmp/bad.ini"
out=$($BRIDGE -n -c "$tmp/bad.ini" 2>&1)
[ $? -ne 0 ] && grep -q loopback <<<"$out"
ok $? "plain http to a non-loopback server is refused"
chmod 644 "$tmp/b1.token"
out=$($BRIDGE -n -c "$tmp/b1.ini" 2>&1)
[ $? -ne 0 ] && grep -q "chmod 600" <<<"$out"
ok $? "a token file readable by others is refused"
chmod 600 "$tmp/b1.token"
sed 's/^type = loop/type = carrier-pigeon/' "$tmp/b1.ini" >"$tmp/bad.ini"
out=$($BRIDGE -n -c "$tmp/bad.ini" 2>&1)
[ $? -ne 0 ] && grep -q "not built into" <<<"$out"
ok $? "an unknown transport type is refused"
printf '[bridge]\nfrobnicate = 1\n' >"$tmp/bad.ini"
out=$($BRIDGE -n -c "$tmp/bad.ini" 2>&1)
[ $? -ne 0 ] && grep -q "bad.ini:2: unknown key" <<<"$out"
ok $? "an unknown key is refused with its line"

# ---- one login through the bridge ----
tl_spawn "$tmp/b1.log" $BRIDGE -c "$tmp/b1.ini"
B1=$SPAWNED
wait_for 5 curl -s -o /dev/null "http://127.0.0.1:$MP1/metrics"
subs() { ls "$tmp/out"/*.sub 2>/dev/null | wc -l; }
# (functions, so that wait_for counts again at every try)
subs_at_least() { [ "$(subs)" -ge "$1" ]; }
in1_empty() { [ -z "$(ls "$tmp/in1")" ]; }
bl_login alice
wait_for 10 subs_at_least 1
sub=$(ls "$tmp/out"/*.sub | head -1)
read -r mid dest hex <"$sub"
[ "$dest" = +37255500001 ]
ok $? "the job became an SMS to alice's number ($dest)"
opened=$($CARD open "$hex" $TAR $KK $KD)
ok $? "the card opens it: SMS-SUBMIT PID 7F, DCS F6, IEI 70, AES CBC + CMAC"
cntr=${opened%% *}
reqhex=${opened#* }
build/bin/stkauth-pdu decode --as auth-request "$reqhex" 2>&1 | grep -q "Example Bank login"
ok $? "the secured data is the job's auth request (counter $cntr)"
[ "$cntr" = 1 ]
ok $? "the first command counter is 1"
mkdir -p "$tmp/done"; mv "$sub" "$tmp/done/"
# server/store.h: JOB_QUEUED 0, LEASED 1, SENT 2, DELIVERED 3
chk_job() { [ "$(bl_job "$sid")" = "$1" ]; }
wait_for 10 chk_job 3
ok $? "acked and the status report reached the server: job $(bl_job "$sid")"
resp=$($RESPOND "$reqhex" $ICC_A "$tmp/kauth.hex" $V/rsa2048_test_key.pem)
$CARD answer "$resp" +37255500001 $TAR $KIC $KID $KK $KD 1 "$tmp/in1" a1 reverse dup
ok $? "the card's answer: $(ls "$tmp/in1" | wc -l) SMS-DELIVERs (3 segments, reversed, each twice)"
bl_req GET "/api/v1/authentication/session/$sid?timeoutMs=15000"
[ "$(jq -r .state <<<"$body")" = COMPLETE ] && [ "$(jq -r .result <<<"$body")" = OK ]
ok $? "reassembled, unwrapped, posted: the session ends COMPLETE / OK ($(jq -c '{state,result}' <<<"$body"))"
cntrs() {
	rx=$(sqlite3 "$tmp/st1/keystore.db" "SELECT rx_cntr FROM keysets WHERE iccid='$ICC_A'")
	tx=$(sqlite3 "$tmp/st1/keystore.db" "SELECT tx_cntr FROM keysets WHERE iccid='$ICC_A'")
	[ "$rx" = 1 ] && [ "$tx" = 1 ]
}
wait_for 10 cntrs
ok $? "counters stored: command $tx, card $rx"
posted=$(sqlite3 "$tmp/st1/queue.db" "SELECT count(*) FROM posts WHERE kind=2")
[ "$posted" = 1 ]
ok $? "the duplicated segments were forwarded once ($posted result)"

# the same answer replayed: dropped by the counter
$CARD answer "$resp" +37255500001 $TAR $KIC $KID $KK $KD 1 "$tmp/in1" a2
wait_for 5 in1_empty
wait_log "$tmp/b1.log" "not higher than the last one"
ok $? "a replayed answer (same counter) is dropped"
# an unknown sender
$CARD answer "$resp" +37255599999 $TAR $KIC $KID $KK $KD 7 "$tmp/in1" u1
wait_for 5 in1_empty
wait_log "$tmp/b1.log" "\\+37255599999 via loop1: no enrolled card"
ok $? "an SMS from a number of no enrolled card is logged and dropped"
# wrong keys: CC fails
$CARD answer "$resp" +37255500001 $TAR $KIC $KID $KD $KK 9 "$tmp/in1" w1
wait_for 5 in1_empty
wait_log "$tmp/b1.log" "refused: RC/CC/DS failed|refused: ciphering error"
ok $? "a packet under the wrong keys is refused"

# ---- PoR with an error status -> SIM_ERROR ----
bl_login bob
wait_for 10 subs_at_least 1
sub=$(ls "$tmp/out"/*.sub | head -1)
read -r mid dest hex <"$sub"
mv "$sub" "$tmp/done/"
opened=$($CARD open "$hex" $TAR $KK $KD)
cntr=${opened%% *}
$CARD por +37255500002 $TAR $KIC $KID $KK $KD 163A "$cntr" 02 "$tmp/in1"
bl_req GET "/api/v1/authentication/session/$sid?timeoutMs=10000"
[ "$(jq -r .result <<<"$body")" = SIM_ERROR ]
ok $? "a PoR 'CNTR low' from the card: session $(jq -r .result <<<"$body")"

# ---- two bridges share the server's jobs ----
tl_spawn "$tmp/b2.log" $BRIDGE -c "$tmp/b2.ini"
B2=$SPAWNED
wait_for 5 curl -s -o /dev/null "http://127.0.0.1:$MP2/metrics"
for i in 1 2 3 4 5 6; do bl_login alice; done
wait_for 15 subs_at_least 6
ok $? "six logins with two bridges: $(subs) SMS"
c1=$(grep -c "claimed for" "$tmp/b1.log"); c2=$(grep -c "claimed for" "$tmp/b2.log")
dup=$(cat "$tmp/out"/*.sub | awk '{print $3}' | sort | uniq -d | wc -l)
[ "$dup" = 0 ]
ok $? "no job sent twice (claims: bridge1 $c1, bridge2 $c2)"

# ---- metrics ----
m=$(curl -s "http://127.0.0.1:$MP1/metrics")
grep -q '^stkauth_bridge_jobs{state="done"}' <<<"$m" &&
    grep -q '^stkauth_bridge_errors_total{error="unknown_sender"} [1-9]' <<<"$m" &&
    grep -q '^stkauth_bridge_transport_up{transport="loop1",type="loop"} 1' <<<"$m" &&
    grep -q '^stkauth_bridge_loop_submitted_total' <<<"$m"
ok $? "/metrics: jobs by state, errors by name, transport lines"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MP1/other")
[ "$code" = 404 ]
ok $? "/metrics server: other paths 404"
! grep -qi "$KK\|$KD\|$(cat "$tmp/b1.token")" "$tmp/b1.log"
ok $? "no key and no token in the log"

# ---- SIGTERM ----
kill -TERM $B1 $B2
st=0
for p in $B1 $B2; do
	wait_gone $p 10
	tl_stop $p 0 KILL || st=1
done
[ $st = 0 ] && grep -q "stopped" "$tmp/b1.log"
ok $? "SIGTERM: both bridges drain and exit 0"

tap_end

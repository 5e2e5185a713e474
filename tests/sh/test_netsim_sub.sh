#!/bin/bash
# test_netsim_sub.sh - stkauth-netsim's subscriber protocol
# (docs/NETSIM-SUBSCRIBER.md), store-and-forward with validity, status
# reports, concatenated messages, and every fault type (per path: delay,
# loss, duplication, reordering; modems: +CMS ERROR rates, hang, drop,
# SIM busy after PIN), set in the INI and at run time with POST /faults.
# TAP output; run from the repository root after "make all tests".
set -u
. tests/helpers/netsim_lib.sh

tap_plan 34
tl_begin netsim-sub
T=$tmp

free_ports 4
read -r SUBP HTTPP M1P M2P <<<"${PORTS[*]}"
SUB=127.0.0.1:$SUBP
M1=127.0.0.1:$M1P
M2=127.0.0.1:$M2P
cat >"$T/ns.ini" <<EOF
[network]
subscriber_listen = $SUB
subscriber_socket = $T/sub.sock
http_listen = 127.0.0.1:$HTTPP
retry = 1
max_validity = 3
mt_ack_timeout = 1

[subscribers]
msisdn = +491700000001
msisdn = +491700000002
msisdn = +491700000003

[modem m1]
msisdn = +491710000001
listen = $M1

[modem m2]
msisdn = +491710000002
listen = $M2
pin = 1234

[faults]
modem.m2.sim_busy_ms = 800
EOF

if ! start_netsim "$T/ns.ini" "$T/log"; then
	ok 1 "daemon starts"
	sed 's/^/# /' "$T/log"
	exit 1
fi

# netsim_lib.sh's attach helpers on this test's log
n_attached() { ns_attached "$T/log" "$1"; }
wait_attach() { ns_wait_attach "$T/log" "$1" "$2"; }	# MSISDN BEFORE
after_attach() {	# MSISDN BEFORE CMD...: CMD once MSISDN attached
	wait_attach "$1" "$2"
	shift 2
	"$@"
}
ok 0 "daemon starts"

submit() {	# submit TO TEXT [more stkauth-pdu options]
	local to=$1 text=$2
	shift 2
	"$PDU" sms-submit --to "$to" --text "$text" "$@"
}

# --- protocol ---
chat_ok "PING, unknown command, ATTACH of an unknown MSISDN" "$SUB" <<'EOF'
send PING\n
expect PONG\n
send HELLO there\n
expect ERR 400 unknown command\n
send ATTACH +499999\n
expect ERR 404
send MO 1 00\n
expect ERR 403 not attached\n
send ATTACH +491700000001\n
expect OK ATTACH +491700000001\n
send MO x 0011\n
expect ERR 400 reference must be 1-10 digits\n
send MO 1 0G\n
expect ERR 400 bad TPDU hex\n
send MO 2 0100\n
expect MO-RESULT 2 ERR 96\n
send MT-ACK 999\n
expect ERR 404 no MT 999 pending\n
send MT-NACK 1 0\n
expect ERR 400 RP cause must be 1..255\n
send DETACH\n
expect OK DETACH\n
EOF

seen=$(n_attached +491700000001)
(printf 'send ATTACH +491700000001\\n\nexpect OK ATTACH\nsleep 800\n' |
    "$CHAT" "$SUB" >/dev/null 2>&1) &
HOLD=$!
tl_track "$HOLD"
wait_attach +491700000001 "$seen"
chat_ok "a second ATTACH of the same MSISDN is ERR 409" "$SUB" <<'EOF'
send ATTACH +491700000001\n
expect ERR 409
EOF
wait "$HOLD"

LONG=$(head -c 1100 /dev/zero | tr '\0' 'A')
chat_ok "a line over 1024 octets: ERR 400 line too long, then closed" \
    "$SUB" <<EOF
send PING\n
expect PONG\n
send $LONG\n
expect ERR 400 line too long\n
eof
EOF
chat_ok "the daemon keeps serving after bad input (and on the Unix socket)" \
    "$SUB" <<'EOF'
send PING\n
expect PONG\n
EOF
if command -v socat >/dev/null; then
	check "Unix socket subscriber access" \
	    '[ "$(printf "PING\n" | timeout 3 socat -t1 - UNIX-CONNECT:$T/sub.sock)" = PONG ]'
else
	ok 0 "Unix socket subscriber access # SKIP socat missing"
fi

# --- phone to phone with a status report, CR LF tolerated ---
S=$(submit +491700000002 "hi two" --srr)
cat >"$T/recv2.chat" <<'EOF'
send ATTACH +491700000002\r\n
expect OK ATTACH +491700000002\n
match MT ([0-9]+) ([0-9A-F]+)\n
send MT-ACK $1 0000\n
print $2
sleep 200
EOF
seen=$(n_attached +491700000002)
"$CHAT" "$SUB" <"$T/recv2.chat" >"$T/recv2.out" 2>&1 &
R=$!
tl_track "$R"
wait_attach +491700000002 "$seen"
cat >"$T/send1.chat" <<EOF
send ATTACH +491700000001\n
expect OK ATTACH
send MO 42 $S\n
match MO-RESULT 42 OK ([0-9]+)\n
match MT ([0-9]+) ([0-9A-F]+)\n
send MT-ACK \$1\n
print \$2
EOF
SR=$("$CHAT" "$SUB" <"$T/send1.chat" 2>"$T/send1.err" | tail -1)
wait "$R"
dec=$("$PDU" decode "$(tail -1 "$T/recv2.out")" 2>&1)
check "phone to phone: SMS-DELIVER with TP-OA, SCTS and the text" \
    'grep -q "TP-OA: +491700000001" <<<"$dec" && grep -q "TP-SCTS: 20" <<<"$dec" && grep -q "text: \"hi two\"" <<<"$dec"'
srdec=$("$PDU" decode "$SR" 2>&1)
check "the originator gets an SMS-STATUS-REPORT (TP-ST 0, TP-RA)" \
    'grep -q "SMS-STATUS-REPORT" <<<"$srdec" && grep -q "TP-ST: 0x00" <<<"$srdec" && grep -q "TP-RA: +491700000002" <<<"$srdec"'

# The same two TPDUs through an independent decoder: Wireshark's gsm_sms.
if command -v tshark >/dev/null && command -v text2pcap >/dev/null; then
	for h in "$(tail -1 "$T/recv2.out")" "$SR"; do
		printf 'O 000000'
		sed 's/../ &/g' <<<"$h"
	done >"$T/dl.txt"
	text2pcap -q -D -l 147 "$T/dl.txt" "$T/dl.pcap" 2>/dev/null
	ts=$(tshark -o 'uat:user_dlts:"User 0 (DLT=147)","gsm_sms","0","","0",""' \
	    -r "$T/dl.pcap" -T fields -E separator='|' -e gsm_sms.tp-mti \
	    -e gsm_sms.tp-oa -e gsm_sms.tp-ra -e gsm_sms.sms_text \
	    -e gsm_sms.tp-mr 2>/dev/null)
	check "tshark decodes the SMS-DELIVER: TP-OA and text" \
	    'grep -q "^0|491700000001||hi two|$" <<<"$ts"'
	check "tshark decodes the SMS-STATUS-REPORT: TP-MTI, TP-RA, TP-MR" \
	    'grep -qE "^2\|\|491700000002\|\|[0-9]+$" <<<"$ts"'
else
	ok 0 "tshark SMS-DELIVER check # SKIP tshark not installed"
	ok 0 "tshark SMS-STATUS-REPORT check # SKIP tshark not installed"
fi

# TP-PID, TP-DCS and the UDH survive (an 8-bit class 2 SIM data download).
S=$("$PDU" sms-submit --to +491700000002 --pid 7F --dcs F6 --udh 027000 --ud 0102030405)
cat >"$T/pid.chat" <<EOF
send ATTACH +491700000002\n
expect OK ATTACH
match MT ([0-9]+) ([0-9A-F]+)\n
send MT-ACK \$1\n
print \$2
EOF
seen=$(n_attached +491700000002)
"$CHAT" "$SUB" <"$T/pid.chat" >"$T/pid.out" 2>&1 &
R=$!
tl_track "$R"
wait_attach +491700000002 "$seen"
printf 'send ATTACH +491700000001\\n\nexpect OK\nsend MO 1 %s\\n\nexpect MO-RESULT 1 OK\n' "$S" |
    "$CHAT" "$SUB" >/dev/null 2>&1
wait "$R"
dec=$("$PDU" decode "$(tail -1 "$T/pid.out")" 2>&1)
check "TP-PID 0x7F, TP-DCS 0xF6 and the UDH (IEI 0x70) are preserved" \
    'grep -qi "TP-PID: 0x7F" <<<"$dec" && grep -qi "TP-DCS: 0xF6" <<<"$dec" && grep -q "TP-UDHI: 1" <<<"$dec" && grep -qi "0102030405" <<<"$dec"'

# --- store-and-forward ---
S=$(submit +491700000003 "stored for three")
printf 'send ATTACH +491700000001\\n\nexpect OK\nsend MO 9 %s\\n\nexpect MO-RESULT 9 OK\n' "$S" |
    "$CHAT" "$SUB" >/dev/null 2>&1
ok $? "MO to a detached subscriber is accepted"
sleep 0.5
chat_ok "stored MT is delivered right after ATTACH's OK" "$SUB" <<'EOF'
send ATTACH +491700000003\n
expect OK ATTACH +491700000003\nMT 
match ([0-9]+) ([0-9A-F]+)\n
send MT-ACK $1\n
sleep 100
EOF

# Validity: max_validity = 3 s caps every message; an expired one is
# never delivered and its status report says so (TP-ST 0x46).
S=$(submit +491700000003 "too late" --srr)
printf 'send ATTACH +491700000001\\n\nexpect OK\nsend MO 9 %s\\n\nexpect MO-RESULT 9 OK\n' "$S" |
    "$CHAT" "$SUB" >/dev/null 2>&1
sleep 3.6
chat_ok "an expired message is not delivered on ATTACH" "$SUB" <<'EOF'
send ATTACH +491700000003\n
expect OK ATTACH
absent 600 MT 
EOF
cat >"$T/exp.chat" <<'EOF'
send ATTACH +491700000001\n
expect OK ATTACH
match MT ([0-9]+) ([0-9A-F]+)\n
send MT-ACK $1\n
print $2
EOF
SR=$("$CHAT" "$SUB" <"$T/exp.chat" 2>/dev/null | tail -1)
check "its status report is TP-ST 0x46 (validity period expired)" \
    '"$PDU" decode "$SR" 2>&1 | grep -q "TP-ST: 0x46"'

# No MT-ACK within mt_ack_timeout (1 s): kept and delivered again.
S=$(submit +491700000003 "ack me later")
(printf 'send ATTACH +491700000001\\n\nexpect OK\nsend MO 3 %s\\n\nexpect MO-RESULT\n' "$S" |
    "$CHAT" "$SUB" >/dev/null 2>&1)
chat_ok "an unanswered MT is redelivered after the ack timeout" "$SUB" <<'EOF'
timeout 8
send ATTACH +491700000003\n
match MT ([0-9]+) [0-9A-F]+\n
match MT ([0-9]+) [0-9A-F]+\n
send MT-ACK $1\n
sleep 100
EOF

# MT-NACK: temporary cause 22 retries; permanent cause 21 ends it.
S=$(submit +491700000003 "nack me" --srr)
(printf 'send ATTACH +491700000001\\n\nexpect OK\nsend MO 3 %s\\n\nexpect MO-RESULT\n' "$S" |
    "$CHAT" "$SUB" >/dev/null 2>&1)
chat_ok "MT-NACK 22 (memory exceeded) is retried, MT-NACK 21 is final" \
    "$SUB" <<'EOF'
send ATTACH +491700000003\n
match MT ([0-9]+) [0-9A-F]+\n
send MT-NACK $1 22 00D3\n
match MT ([0-9]+) [0-9A-F]+\n
send MT-NACK $1 21\n
absent 1500 MT 
EOF
chat_ok "the permanent failure reports TP-ST 0x41 to the originator" \
    "$SUB" <<'EOF'
send ATTACH +491700000001\n
match MT ([0-9]+) ([0-9A-F]{4}0C91947100000030[0-9A-F]{28}41)\n
send MT-ACK $1\n
EOF

# --- concatenated messages and reordering ---
SEG1=$("$PDU" sms-submit --to +491700000002 --udh 050003AA0201 --text "part one ")
SEG2=$("$PDU" sms-submit --to +491700000002 --udh 050003AA0202 --text "part two")
send_segments() {
	printf 'send ATTACH +491700000001\\n\nexpect OK\nsend MO 1 %s\\n\nexpect MO-RESULT 1 OK\nsend MO 2 %s\\n\nexpect MO-RESULT 2 OK\n' "$SEG1" "$SEG2" |
	    "$CHAT" "$SUB" >/dev/null 2>&1
}
recv_two() {
	cat <<'EOF' | "$CHAT" "$SUB" 2>&1
send ATTACH +491700000002\n
expect OK ATTACH
match MT ([0-9]+) [0-9A-F]{48}(0[12])[0-9A-F]*\n
send MT-ACK $1\n
print $2
match MT ([0-9]+) [0-9A-F]{48}(0[12])[0-9A-F]*\n
send MT-ACK $1\n
print $2
EOF
}
seen=$(n_attached +491700000002)
( after_attach +491700000002 "$seen" send_segments ) &
bg=$!
tl_track "$bg"
order=$(recv_two | tr '\n' ' ')
echo "# segments arrived in order: $order"
wait "$bg"
check "concatenated segments arrive in order without faults" \
    '[ "$order" = "01 02 " ]'
check "reorder fault set at run time: POST /faults answers ok" \
    '[ "$(post_faults "$HTTPP" "path.subscriber->subscriber.reorder_ms = 700")" = "ok 1" ]'
seen=$(n_attached +491700000002)
( after_attach +491700000002 "$seen" send_segments ) &
bg=$!
tl_track "$bg"
order=$(recv_two | tr '\n' ' ')
echo "# segments arrived in order: $order"
wait "$bg"
check "with reorder_ms the later segment overtakes the earlier one" \
    '[ "$order" = "02 01 " ]'
post_faults "$HTTPP" "path.subscriber->subscriber.reorder_ms=0" >/dev/null

# --- delay, loss, duplication ---
S=$(submit +491700000002 "faulty path")
mo_once() {
	printf 'send ATTACH +491700000001\\n\nexpect OK\nsend MO 1 %s\\n\nexpect MO-RESULT 1 OK\n' "$S" |
	    "$CHAT" "$SUB" >/dev/null 2>&1
}
post_faults "$HTTPP" "path.*->subscriber.delay_ms=1500" >/dev/null
seen=$(n_attached +491700000002)
( after_attach +491700000002 "$seen" mo_once ) &
bg=$!
tl_track "$bg"
chat_ok "delay_ms: no MT for a second, then it arrives" "$SUB" <<'EOF'
send ATTACH +491700000002\n
expect OK ATTACH
absent 1000 MT 
match MT ([0-9]+) 
send MT-ACK $1\n
EOF
wait "$bg"
post_faults "$HTTPP" $'path.*->subscriber.delay_ms=0\npath.subscriber->*.loss_pct=100' >/dev/null
seen=$(n_attached +491700000002)
( after_attach +491700000002 "$seen" mo_once ) &
bg=$!
tl_track "$bg"
chat_ok "loss_pct=100: the MO is accepted but never delivered" "$SUB" <<'EOF'
send ATTACH +491700000002\n
expect OK ATTACH
absent 1500 MT 
EOF
wait "$bg"
post_faults "$HTTPP" $'path.subscriber->*.loss_pct=0\npath.subscriber->subscriber.dup_pct=100' >/dev/null
seen=$(n_attached +491700000002)
( after_attach +491700000002 "$seen" mo_once ) &
bg=$!
tl_track "$bg"
chat_ok "dup_pct=100: the MT arrives twice" "$SUB" <<'EOF'
send ATTACH +491700000002\n
expect OK ATTACH
match MT ([0-9]+) ([0-9A-F]+)\n
send MT-ACK $1\n
match MT ([0-9]+) ([0-9A-F]+)\n
send MT-ACK $1\n
EOF
wait "$bg"
post_faults "$HTTPP" "path.subscriber->subscriber.dup_pct=0" >/dev/null
check "a bad fault key is refused with 400 and a message" \
    'post_faults "$HTTPP" "path.phone->modem.delay_ms=1" | grep -q "unknown path"'

# --- modem faults ---
MS=$(submit +491700000001 "from modem")
ML=$(( ${#MS} / 2 ))
post_faults "$HTTPP" $'modem.m1.cms_error_pct=100\nmodem.m1.cms_error_codes=500,512,330' >/dev/null
chat_ok "cms_error_pct=100 with codes 500,512,330: +CMS ERROR in turn" \
    "$M1" <<EOF
send ATE0\r
expect OK\r\n
send AT+CMGS=$ML\r
expect > 
send 00$MS\z
expect +CMS ERROR: 500\r\n
send AT+CMGS=$ML\r
expect > 
send 00$MS\z
expect +CMS ERROR: 512\r\n
send AT+CMGS=$ML\r
expect > 
send 00$MS\z
expect +CMS ERROR: 330\r\n
EOF
post_faults "$HTTPP" "modem.m1.cms_error_pct=0" >/dev/null

chat_ok "hang: the modem reads but stops answering; recovers when cleared" \
    "$M1" <<EOF
send ATE0\r
expect OK\r\n
print hanging
EOF
cat >"$T/hang.chat" <<'EOF'
send ATE0\r
expect OK\r\n
print connected
sleep 500
send AT\r
absent 1000 OK
sleep 800
send AT\r
expect \r\nOK\r\n
EOF
"$CHAT" "$M1" <"$T/hang.chat" >"$T/hang.out" 2>&1 &
H=$!
tl_track "$H"
wait_log "$T/hang.out" '^connected$' 1 5
post_faults "$HTTPP" "modem.m1.hang=1" >/dev/null
sleep 1.2
post_faults "$HTTPP" "modem.m1.hang=0" >/dev/null
if wait "$H"; then ok 0 "hang fault observed and cleared"; else ok 1 "hang fault"; sed 's/^/# /' "$T/hang.out"; fi

cat >"$T/drop.chat" <<'EOF'
send ATE0\r
expect OK\r\n
print connected
sleep 600
eof
EOF
"$CHAT" "$M1" <"$T/drop.chat" >"$T/drop.out" 2>&1 &
D=$!
tl_track "$D"
wait_log "$T/drop.out" '^connected$' 1 5
post_faults "$HTTPP" "modem.m1.drop=1" >/dev/null
if wait "$D"; then ok 0 "drop: the modem closes its TCP connection"; else ok 1 "drop fault"; sed 's/^/# /' "$T/drop.out"; fi
chat_ok "after a drop the modem accepts a new client" "$M1" <<'EOF'
send AT\r
expect OK\r\n
EOF

chat_ok "PIN: SIM PIN, wrong PIN is +CME ERROR: 16, SIM busy after PIN" \
    "$M2" <<'EOF'
send ATE0\r
expect OK\r\n
send AT+CMEE=1\r
expect OK\r\n
send AT+CPIN?\r
expect +CPIN: SIM PIN\r\n
send AT+CPMS?\r
expect +CMS ERROR: 311\r\n
send AT+CPIN="0000"\r
expect +CME ERROR: 16\r\n
send AT+CPIN="1234"\r
expect \r\nOK\r\n
send AT+CPMS?\r
expect +CMS ERROR: 314\r\n
sleep 900
send AT+CPMS?\r
expect +CPMS: "SM",0,20
EOF

metrics=$(curl -s --max-time 5 "http://127.0.0.1:$HTTPP/metrics")
check "/metrics counts injected faults per kind" \
    'grep -q "netsim_faults_injected_total{fault=\"loss\",path=\"subscriber->subscriber\"} 1" <<<"$metrics" && grep -q "fault=\"cms_error\",modem=\"m1\"} 3" <<<"$metrics" && grep -q "fault=\"duplicate\"" <<<"$metrics" && grep -q "fault=\"reorder\"" <<<"$metrics"'
echo "$metrics" | grep "state=" | sed "s/^/# /"
check "/metrics shows lost, delivered and expired messages" \
    'grep -q "state=\"lost\"} 1" <<<"$metrics" && grep -q "state=\"expired\"} 1" <<<"$metrics"'

stop_netsim
check "SIGTERM stops the daemon cleanly (exit 0)" '[ "$NETSIM_RC" = 0 ]'
tap_end

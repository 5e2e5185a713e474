#!/bin/bash
# test_netsim_at.sh - stkauth-netsim's AT modem (TS 27.005 PDU mode,
# TS 27.007) in a scripted conversation over its TCP port, with a
# subscriber (docs/NETSIM-SUBSCRIBER.md) at the other end: basic and
# extended commands, result codes, +CMGS with the prompt / Ctrl-Z / ESC,
# +CMT, +CMTI, +CMGR, +CMGL, +CMGD, +CDS, +CNMA, errors and bad input.
# TAP output; run from the repository root after "make all tests".
set -u
. tests/helpers/netsim_lib.sh

tap_plan 37
tl_begin netsim-at
T=$tmp

free_ports 3
read -r SUBP HTTPP M1P <<<"${PORTS[*]}"
SUB=127.0.0.1:$SUBP
M1=127.0.0.1:$M1P
cat >"$T/ns.ini" <<EOF
[network]
subscriber_listen = $SUB
http_listen = 127.0.0.1:$HTTPP
sca = +491700000000
retry = 1

[subscribers]
msisdn = +491700000001

[modem m1]
msisdn = +491710000001
listen = $M1
store_size = 5
EOF

# --- configuration checking ---
check "check-config accepts a valid file" \
    '"$NETSIM" -c "$T/ns.ini" -n >/dev/null'
printf '[network]\nretry = 1\nbogus = 2\n' >"$T/bad.ini"
out=$("$NETSIM" -c "$T/bad.ini" -n 2>&1)
check "check-config names file:line of an unknown key" \
    '[ $? -ne 0 ] && grep -q "bad.ini:3: unknown key \"bogus\"" <<<"$out"'
printf '[modem x]\nmsisdn = 12345\n' >"$T/bad2.ini"
out=$("$NETSIM" -c "$T/bad2.ini" -n 2>&1)
check "check-config rejects a non-E.164 modem MSISDN with its line" \
    'grep -q "bad2.ini:2: msisdn" <<<"$out"'

if ! start_netsim "$T/ns.ini" "$T/log"; then
	ok 1 "daemon starts"
	sed 's/^/# /' "$T/log"
	exit 1
fi
ok 0 "daemon starts"

# --- basic and extended commands, result codes ---
chat_ok "AT, ATE0, ATI, +CGMI/+CGMM/+CGSN on one line, echo honoured" \
    "$M1" <<'EOF'
send AT\r
expect AT\r\r\nOK\r\n
send ATE0\r
expect ATE0\r\r\nOK\r\n
send ATI;+CGMI;+CGMM;+CGSN\r
expect \r\nstkauth netsim modem m1\r\n\r\nstkauth\r\n\r\nnetsim-modem\r\n\r\n350000000000000\r\n\r\nOK\r\n
absent 300 ATI
EOF

chat_ok "+CPIN? READY, +CSQ, +CREG?, +CSCA?, +CSMS, +CPMS?" "$M1" <<'EOF'
send ATE0\r
expect OK\r\n
send AT+CPIN?\r
expect \r\n+CPIN: READY\r\n\r\nOK\r\n
send AT+CSQ\r
expect \r\n+CSQ: 20,99\r\n\r\nOK\r\n
send AT+CREG?\r
expect \r\n+CREG: 0,1\r\n\r\nOK\r\n
send AT+CSCA?\r
expect \r\n+CSCA: "+491700000000",145\r\n\r\nOK\r\n
send AT+CSMS=0\r
expect \r\n+CSMS: 1,1,1\r\n\r\nOK\r\n
send AT+CPMS?\r
expect \r\n+CPMS: "SM",0,5,"SM",0,5,"SM",0,5\r\n\r\nOK\r\n
EOF

chat_ok "text mode refused (+CMS ERROR: 303), PDU mode accepted" "$M1" <<'EOF'
send ATE0\r
expect OK\r\n
send AT+CMGF=1\r
expect \r\n+CMS ERROR: 303\r\n
send AT+CMGF=0\r
expect \r\nOK\r\n
send AT+CMGF?\r
expect \r\n+CMGF: 0\r\n\r\nOK\r\n
EOF

chat_ok "ATV0 numeric result codes, ATV1 back to verbose" "$M1" <<'EOF'
send ATE0V0\r
expect 0\r
send AT+FOO\r
expect 4\r
send ATV1\r
expect \r\nOK\r\n
EOF

chat_ok "unknown command, garbage and an over-long line give ERROR" \
    "$M1" <<'EOF'
send ATE0\r
expect OK\r\n
send AT+NOSUCH\r
expect \r\nERROR\r\n
send \x01\x02garbage\r
expect \r\nERROR\r\n
send AT+CSQ=?????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????????\r
expect \r\nERROR\r\n
send AT\r
expect \r\nOK\r\n
EOF

chat_ok "+CMEE=1 numeric and +CMEE=2 verbose +CME ERROR" "$M1" <<'EOF'
send ATE0\r
expect OK\r\n
send AT+CMEE=1\r
expect OK\r\n
send AT+CFUN=7\r
expect \r\n+CME ERROR: 3\r\n
send AT+CMEE=2\r
expect OK\r\n
send AT+CFUN=7\r
expect \r\n+CME ERROR: operation not allowed\r\n
EOF

# --- modem -> subscriber: +CMGS ---
SUBMIT=$("$PDU" sms-submit --to +491700000001 --text "modem to phone" --srr)
LEN=$(( ${#SUBMIT} / 2 ))
cat >"$T/sub1.chat" <<'EOF'
send ATTACH +491700000001\n
expect OK ATTACH +491700000001\n
match MT ([0-9]+) ([0-9A-F]+)\n
send MT-ACK $1\n
print $2
sleep 300
EOF
attached=$(ns_attached "$T/log" +491700000001)
"$CHAT" "$SUB" <"$T/sub1.chat" >"$T/sub1.out" 2>&1 &
SUBCHAT=$!
tl_track "$SUBCHAT"
ns_wait_attach "$T/log" +491700000001 "$attached"
chat_ok "+CMGS=<len>: prompt, PDU with empty SCA, Ctrl-Z, +CMGS: <mr>" \
    "$M1" <<EOF
send ATE0\r
expect OK\r\n
send AT+CNMI=2,1,0,1,0\r
expect OK\r\n
send AT+CMGS=$LEN\r
expect \r\n> 
send 00$SUBMIT\z
match \r\n\+CMGS: ([0-9]+)\r\n\r\nOK\r\n
match \r\n\+CDS: ([0-9]+)\r\n([0-9A-F]+)\r\n
print CDS \$2
EOF
wait "$SUBCHAT"
DELIVER=$(tail -1 "$T/sub1.out")
dec=$("$PDU" decode "$DELIVER" 2>&1)
check "subscriber got an SMS-DELIVER from the modem's MSISDN" \
    'grep -q "TP-OA: +491710000001" <<<"$dec" && grep -q "text: \"modem to phone\"" <<<"$dec"'
check "SMS-DELIVER carries TP-SRI when TP-SRR was set" \
    'grep -q "TP-SRI: 1" <<<"$dec"'

# The status report of an SMS with TP-SRR, routed by +CNMI <ds>: the
# subscriber attaches and acknowledges the MT, the modem sends $SUBMIT with
# +CNMI=2,2,0,DS,0; the modem's chat goes on with the lines on stdin (after
# its +CMGS OK; $1 and $2 are their match groups).  The last line the chat
# prints is left in SR_OUT, its errors in $T/NAME.err.
status_report() {	# NAME DS < CHAT-LINES
	local sub attached

	attached=$(ns_attached "$T/log" +491700000001)
	{
		cat <<EOF
send ATE0\r
expect OK\r\n
send AT+CNMI=2,2,0,$2,0\r
expect OK\r\n
send AT+CMGS=$LEN\r
expect > 
send 00$SUBMIT\z
match \+CMGS: ([0-9]+)\r\n
expect OK\r\n
EOF
		cat
	} >"$T/$1.chat"
	(printf 'send ATTACH +491700000001\\n\nmatch MT ([0-9]+) \nsend MT-ACK $1\\n\nsleep 500\n' |
	    "$CHAT" "$SUB" >/dev/null 2>&1) &
	sub=$!
	tl_track "$sub"
	ns_wait_attach "$T/log" +491700000001 "$attached"
	SR_OUT=$("$CHAT" "$M1" <"$T/$1.chat" 2>"$T/$1.err" | tail -1)
	wait "$sub"
}

# +CNMI ds=1: the status report goes to the TE as +CDS.
status_report cds 1 <<'EOF'
match \+CDS: ([0-9]+)\r\n([0-9A-F]+)\r\n
print $2
EOF
srdec=$("$PDU" decode --sca "$SR_OUT" 2>&1)
check "+CDS carries an SMS-STATUS-REPORT, TP-ST 0 received by the SME" \
    'grep -q "SMS-STATUS-REPORT" <<<"$srdec" && grep -q "TP-ST: 0x00" <<<"$srdec" && grep -q "TP-RA: +491700000001" <<<"$srdec"'

# +CNMI ds=2: the status report is stored and announced with +CDSI.
status_report cdsi 2 <<'EOF'
match \+CDSI: "([A-Z]+)",([0-9]+)\r\n
print CDSI $1 $2
send AT+CMGD=$2\r
expect OK\r\n
EOF
check "+CNMI ds=2: the status report is stored and announced with +CDSI" \
    '[[ "$SR_OUT" =~ ^CDSI\ [A-Z]+\ [0-9]+$ ]]'

chat_ok "PDU longer than AT+CMGS=<len> says: +CMS ERROR: 304" "$M1" <<EOF
send ATE0\r
expect OK\r\n
send AT+CMGS=$((LEN - 1))\r
expect > 
send 00$SUBMIT\z
expect \r\n+CMS ERROR: 304\r\n
send AT\r
expect \r\nOK\r\n
EOF

chat_ok "non-hex PDU and a non-SUBMIT TPDU: +CMS ERROR: 304" "$M1" <<'EOF'
send ATE0\r
expect OK\r\n
send AT+CMGS=10\r
expect > 
send 00ZZ0C91947100000010000000\z
expect \r\n+CMS ERROR: 304\r\n
send AT+CMGS=10\r
expect > 
send 000000000000000000000000\z
expect \r\n+CMS ERROR: 304\r\n
EOF

chat_ok "ESC cancels the PDU entry with OK and sends nothing" "$M1" <<EOF
send ATE0\r
expect OK\r\n
send AT+CMGS=$LEN\r
expect > 
send 00$SUBMIT\e
expect \r\nOK\r\n
send AT\r
expect \r\nOK\r\n
absent 300 +CMGS:
EOF

chat_ok "+CMGS with <length> out of range: +CMS ERROR: 304" "$M1" <<'EOF'
send ATE0\r
expect OK\r\n
send AT+CMGS=999\r
expect \r\n+CMS ERROR: 304\r\n
EOF

NOBODY=$("$PDU" sms-submit --to +499999999999 --text "nobody")
chat_ok "SMS to a number nobody owns: +CMS ERROR: 1 (unassigned)" "$M1" <<EOF
send ATE0\r
expect OK\r\n
send AT+CMGS=$(( ${#NOBODY} / 2 ))\r
expect > 
send 00$NOBODY\z
expect \r\n+CMS ERROR: 1\r\n
EOF

# --- subscriber -> modem: +CMT, +CMTI, read/list/delete ---
phone_mo() {	# phone_mo TEXT: the subscriber sends TEXT to the modem
	local s
	s=$("$PDU" sms-submit --to +491710000001 --text "$1")
	printf 'send ATTACH +491700000001\\n\nexpect OK ATTACH\nsend MO 5 %s\\n\nexpect MO-RESULT 5 OK\n' "$s" |
	    "$CHAT" "$SUB" >/dev/null 2>&1
}
cat >"$T/cmt.chat" <<'EOF'
send ATE0\r
expect OK\r\n
send AT+CNMI=2,2,0,0,0\r
expect OK\r\n
print ready
match \r\n\+CMT: ,([0-9]+)\r\n([0-9A-F]+)\r\n
print $1 $2
EOF
"$CHAT" "$M1" <"$T/cmt.chat" >"$T/cmt.out" 2>&1 &
CMTCHAT=$!
tl_track "$CMTCHAT"
wait_log "$T/cmt.out" '^ready$' 1 5	# its +CNMI is set
phone_mo "phone to modem"
wait "$CMTCHAT"
read -r cmtlen cmtpdu <<<"$(tail -1 "$T/cmt.out")"
cmtdec=$("$PDU" decode --sca "$cmtpdu" 2>&1)
check "+CMT: ,<length> with the PDU (SCA + SMS-DELIVER) routed to the TE" \
    'grep -q "TP-OA: +491700000001" <<<"$cmtdec" && grep -q "text: \"phone to modem\"" <<<"$cmtdec"'
check "+CMT <length> counts the TPDU without the SC address" \
    '[ "$cmtlen" -eq $(( ${#cmtpdu} / 2 - 8 )) ]'

cat >"$T/cmti.chat" <<'EOF'
send ATE0\r
expect OK\r\n
send AT+CNMI=2,1,0,0,0\r
expect OK\r\n
print ready
match \r\n\+CMTI: "SM",([0-9]+)\r\n
print $1
EOF
"$CHAT" "$M1" <"$T/cmti.chat" >"$T/cmti.out" 2>&1 &
CMTICHAT=$!
tl_track "$CMTICHAT"
wait_log "$T/cmti.out" '^ready$' 1 5	# its +CNMI is set
phone_mo "stored one"
wait "$CMTICHAT"
check "+CMTI: \"SM\",1 announces the stored message" \
    '[ "$(tail -1 "$T/cmti.out")" = 1 ]'

chat_ok "+CMGR reads REC UNREAD then REC READ; +CMGL=4 lists it" \
    "$M1" <<'EOF'
send ATE0\r
expect OK\r\n
send AT+CMGR=1\r
match \r\n\+CMGR: 0,,([0-9]+)\r\n07919471000000000[0-9A-F]+\r\n\r\nOK\r\n
send AT+CMGR=1\r
expect \r\n+CMGR: 1,,
expect OK\r\n
send AT+CMGL=4\r
match \r\n\+CMGL: 1,1,,[0-9]+\r\n[0-9A-F]+\r\n\r\nOK\r\n
send AT+CMGL=0\r
expect \r\nOK\r\n
EOF

chat_ok "+CMGD deletes; reading it again is +CMS ERROR: 321" "$M1" <<'EOF'
send ATE0\r
expect OK\r\n
send AT+CMGD=1\r
expect \r\nOK\r\n
send AT+CMGR=1\r
expect \r\n+CMS ERROR: 321\r\n
send AT+CMGD=1\r
expect \r\n+CMS ERROR: 321\r\n
send AT+CMGR=6\r
expect \r\n+CMS ERROR: 321\r\n
EOF

# Fill the 5-slot store: the sixth MT is refused with RP cause 22 and kept.
for i in 1 2 3 4 5 6; do phone_mo "fill $i"; done
wait_log "$T/log" "RP-ERROR 22 \(Memory capacity exceeded\), kept" 1 5
chat_ok "a full store: +CPMS shows 5,5; bulk +CMGD=0,4 empties it" \
    "$M1" <<'EOF'
send ATE0\r
expect OK\r\n
send AT+CPMS?\r
expect +CPMS: "SM",5,5,"SM",5,5,"SM",5,5\r\n
send AT+CMGD=1,4\r
expect \r\nOK\r\n
send AT+CPMS?\r
expect +CPMS: "SM",0,5,
EOF
check "the refused sixth MT was kept and counted for a retry" \
    'grep -q "RP-ERROR 22 (Memory capacity exceeded), kept" "$T/log"'

# +CSMS=1: +CMT must be acknowledged with +CNMA.
cat >"$T/cnma.chat" <<'EOF'
send ATE0\r
expect OK\r\n
send AT+CSMS=1\r
expect OK\r\n
send AT+CNMA\r
expect +CMS ERROR: 340\r\n
send AT+CNMI=2,2,0,0,0\r
expect OK\r\n
print ready
match \+CMT: ,[0-9]+\r\n[0-9A-F]+\r\n
send AT+CNMA\r
expect \r\nOK\r\n
EOF
"$CHAT" "$M1" <"$T/cnma.chat" >"$T/cnma.out" 2>&1 &
CNMACHAT=$!
tl_track "$CNMACHAT"
wait_log "$T/cnma.out" '^ready$' 1 5	# its +CNMI is set
phone_mo "ack me"
if wait "$CNMACHAT"; then ok 0 "+CSMS=1: +CMT then +CNMA acknowledges (340 when nothing is pending)"; else ok 1 "+CSMS=1: +CMT then +CNMA"; sed 's/^/# /' "$T/cnma.out"; fi
check "the acknowledged +CMT counted as delivered" \
    'grep -q "delivered to modem:m1" "$T/log"'

chat_ok "ATZ restores echo and verbose results" "$M1" <<'EOF'
send ATE0V0\r
expect 0\r
send ATZ\r
expect \r\nOK\r\n
send AT\r
expect AT\r\r\nOK\r\n
EOF

chat_ok "S3/S5: a changed line terminator and backspace editing" "$M1" <<'EOF'
send ATE0\r
expect OK\r\n
send ATS3=10\r
expect OK
send AT+CSX\bQ\n
expect +CSQ: 20,99
send ATS3=13\n
expect OK
send AT\r
expect \r\nOK\r\n
EOF

chat_ok "a second TCP client is refused with BUSY while one is connected" \
    "$M1" <<EOF
send ATE0\r
expect OK\r\n
EOF
(printf 'send ATE0\\r\nexpect OK\\r\\n\nprint connected\nsleep 800\n' |
    "$CHAT" "$M1" >"$T/hold.out" 2>&1) &
HOLD=$!
tl_track "$HOLD"
wait_log "$T/hold.out" '^connected$' 1 5
chat_ok "second client gets BUSY" "$M1" <<'EOF'
expect BUSY
EOF
wait "$HOLD"

metrics=$(curl -s --max-time 5 "http://127.0.0.1:$HTTPP/metrics")
check "/metrics counts messages per path and state" \
    'grep -q "^netsim_messages_total{path=\"modem->subscriber\",state=\"delivered\"} [1-9]" <<<"$metrics" && grep -q "^# TYPE netsim_messages_total counter" <<<"$metrics"'
check "/metrics counts submissions refused as unassigned" \
    'grep -q "^netsim_submits_total{from=\"modem\",result=\"unassigned\"} 1" <<<"$metrics"'
check "debug log shows decoded PDUs" \
    'grep -q "debug: netsim: MT .* SMS-DELIVER addr +491710000001 PID 0x00 DCS 0x00" "$T/log"'

stop_netsim
check "SIGTERM stops the daemon cleanly (exit 0)" '[ "$NETSIM_RC" = 0 ]'
tap_end

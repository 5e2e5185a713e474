#!/bin/bash
# test_bridge_smpp.sh - the SMPP transport of stkauth-bridge against the
# stkauth-netsim SMSC, driven by build/tests/helpers/bridge_smpp_drive (the
# transport on a libevent loop without the core) with a netsim subscriber
# as the phone.
#
# Covers: the section check (-n), send to a phone (TP-PID/DCS/UDH kept),
# delivery receipts -> SMS-STATUS-REPORT (TP-MR = message_id mod 256), MO
# deliver_sm -> SMS-DELIVER, deliver_sm_resp ESME_RX_T_APPN when the core
# does not store (and the redelivery), the window, bind = tx+rx, and every
# SMPP fault netsim injects with the transport recovering by itself:
# throttling, dropped connections, bind refusal, wrong password, slow
# responses (submit_sm_resp and enquire_link_resp timeouts), drop_all,
# duplicated and reordered MO; drain() unbinds; metrics; no password in
# any log.
#
# One stkauth-netsim on free loopback ports, stopped by pid.  Prints TAP.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/helpers/netsim_lib.sh

DRIVE=${BRIDGE_SMPP_DRIVE:-build/tests/helpers/bridge_smpp_drive}
NETSIM=${STKAUTH_NETSIM:-build/bin/stkauth-netsim}
for b in "$DRIVE" "$NETSIM" "$PDU"; do
	if [ ! -x "$b" ]; then
		echo "1..0 # SKIP $b not built"
		exit 0
	fi
done
tl_begin bridge-smpp
TMP=$tmp
PHONE_PID=

free_ports 3
read -r SUB SMPP CTL <<<"${PORTS[*]}"
PHONE=+491700000001
cat >"$TMP/netsim.ini" <<EOF
[network]
subscriber_listen = 127.0.0.1:$SUB
http_listen = 127.0.0.1:$CTL
retry = 1
seed = 11

[subscribers]
msisdn = $PHONE

[smsc]
listen = 127.0.0.1:$SMPP
window = 100
response_timeout_s = 5

[esme bank]
password = secret
addresses = +4912345

[esme tight]
password = t1ghtpw
addresses = +4912346
window = 3
EOF
if ! start_netsim "$TMP/netsim.ini" "$TMP/netsim.log"; then
	ok 1 "stkauth-netsim starts"
	sed 's/^/# /' "$TMP/netsim.log"
	tap_end
	exit 1
fi

BASE="host=127.0.0.1 port=$SMPP system_id=bank password=secret
      source_addr=+4912345 reconnect_min=100ms reconnect_max=400ms"
# drive NAME ARGS...: run the driver, output in $TMP/NAME.out/.err.
drive() {
	local name=$1
	shift
	# shellcheck disable=SC2086
	timeout 60 "$DRIVE" $BASE "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
}
cnt() { grep -c -- "$1" "$2" 2>/dev/null || true; }
faults() { post_faults "$CTL" "$1" >/dev/null; }
show() { sed 's/^/# /' "$1" | tail -"${2:-15}"; }

# phone SECONDS OUT [MO_HEX...]: attach, ack every MT, send the MOs.
phone() {
	local secs=$1 out=$2 ref=1 line end
	shift 2
	exec 7<>"/dev/tcp/127.0.0.1/$SUB" || return 1
	printf 'ATTACH %s\n' "$PHONE" >&7
	for mo in "$@"; do
		printf 'MO %d %s\n' "$ref" "$mo" >&7
		ref=$((ref + 1))
	done
	end=$((SECONDS + secs))
	while [ "$SECONDS" -lt "$end" ]; do
		if IFS= read -r -t 0.2 line <&7; then
			echo "$line" >>"$out"
			case $line in
			"MT "*) set -- $line; printf 'MT-ACK %s\n' "$2" >&7 ;;
			esac
		fi
	done
	exec 7>&-
}
start_phone() { phone "$@" & PHONE_PID=$!; tl_track "$PHONE_PID"; }
wait_phone() { tl_stop "$PHONE_PID" 2; PHONE_PID=; }

# ---- the section check ----
if "$DRIVE" -n $BASE >"$TMP/n.out" 2>&1 && grep -q '^ok' "$TMP/n.out"; then
	ok 0 "-n accepts a complete section"
else
	ok 1 "-n accepts a complete section"; show "$TMP/n.out"
fi
check "-n: host is required" \
    '"$DRIVE" -n port=1 system_id=x | grep -q "error: host: missing"'
check "-n: plain TCP to a remote host needs plain_remote = yes" \
    '"$DRIVE" -n host=192.0.2.1 system_id=x | grep -q "not loopback"'
check "-n: window 0 is refused" \
    '"$DRIVE" -n $BASE window=0 | grep -q "error: window"'
check "-n: bind must be trx or tx+rx" \
    '"$DRIVE" -n $BASE bind=rx | grep -q "error: bind"'
printf 'secret\n' >"$TMP/pw"
chmod 644 "$TMP/pw"
check "-n: a password_file readable by others is refused" \
    '"$DRIVE" -n host=127.0.0.1 system_id=bank password_file=$TMP/pw | grep -q "chmod 600"'
chmod 600 "$TMP/pw"
check "-n: a 0600 password_file is accepted" \
    '"$DRIVE" -n host=127.0.0.1 system_id=bank password_file=$TMP/pw | grep -q "^ok"'

# ---- send with receipts, phone attached ----
start_phone 8 "$TMP/phone1.out"
drive send --to "$PHONE" --count 20 --report --expect-rx 20 --metrics \
    window=5
rc=$?
wait_phone
if [ "$rc" -eq 0 ] && [ "$(cnt '^sent ' "$TMP/send.out")" -eq 20 ]; then
	ok 0 "20 messages sent through window 5"
else
	ok 1 "20 messages sent through window 5 (exit $rc)"; show "$TMP/send.out"
fi
check "the phone got 20 SMS-DELIVER" \
    '[ "$(cnt "^MT " "$TMP/phone1.out")" -eq 20 ]'
mt=$(grep -m1 '^MT ' "$TMP/phone1.out" | cut -d' ' -f3)
"$PDU" decode --sc-to-ms "$mt" >"$TMP/mt.txt" 2>&1 || "$PDU" decode "$mt" >"$TMP/mt.txt" 2>&1
check "TP-PID 7F, TP-DCS F6 and the UDH 027000 reach the phone" \
    'grep -q "TP-PID: 0x7f" "$TMP/mt.txt" && grep -q "TP-DCS: 0xf6" "$TMP/mt.txt" && grep -q "raw: .*027000" "$TMP/mt.txt"'
check "20 receipts became SMS-STATUS-REPORT with TP-ST 00" \
    '[ "$(cnt "SMS-STATUS-REPORT ra=$PHONE mr=.* st=00" "$TMP/send.out")" -eq 20 ]'
# Every report's TP-MR is a message_id (network_ref) modulo 256.
refs=$(awk '/^sent /{print $3 % 256}' "$TMP/send.out" | sort -n | tr '\n' ' ')
mrs=$(sed -n 's/.*STATUS-REPORT.* mr=\([0-9]*\) .*/\1/p' "$TMP/send.out" | sort -n | tr '\n' ' ')
check "TP-MR of each report = its message_id mod 256" '[ -n "$refs" ] && [ "$refs" = "$mrs" ]'
check "drain() unbinds (netsim saw unbind) and completes" \
    'grep -q "^drained" "$TMP/send.out" && grep -q "< unbind" "$TMP/netsim.log"'
check "metrics: 20 accepted, window_size 5" \
    'grep -q "stkauth_bridge_smpp_submits_total{transport=\"smsc1\",result=\"accepted\"} 20" "$TMP/send.out" && grep -q "window_size{transport=\"smsc1\",bind=\"trx\"} 5" "$TMP/send.out"'

# ---- mobile originated: deliver_sm -> SMS-DELIVER ----
MO=$("$PDU" sms-submit --to +4912345 --pid 7F --dcs F6 --udh 027100 --ud 00112233445566778899 | tail -1)
TXT=$("$PDU" sms-submit --to +4912345 --text hello | tail -1)
start_phone 4 "$TMP/phone2.out" "$MO" "$TXT"
drive mo --expect-rx 2
rc=$?
wait_phone
check "a binary MO arrives as SMS-DELIVER with PID, DCS, UDH and body" \
    'grep -q "received SMS-DELIVER oa=$PHONE pid=7F dcs=F6 udh=027100 body=00112233445566778899" "$TMP/mo.out"'
check "a text MO arrives as GSM 7-bit SMS-DELIVER" \
    'grep -q "received SMS-DELIVER oa=$PHONE pid=00 dcs=00 udh= body=68656C6C6F" "$TMP/mo.out"'

# ---- the core does not store: ESME_RX_T_APPN, the SMSC redelivers ----
start_phone 6 "$TMP/phone3.out" "$MO"
drive redeliver --expect-rx 1 --reject-rx 1
rc=$?
wait_phone
if [ "$rc" -eq 0 ] && grep -q '^rejected-rx' "$TMP/redeliver.out" &&
    grep -q 'received SMS-DELIVER' "$TMP/redeliver.out" &&
    grep -q 'deliver_sm seq [0-9]* refused: ESME_RX_T_APPN' "$TMP/netsim.log"; then
	ok 0 "not stored -> deliver_sm_resp ESME_RX_T_APPN, redelivered, stored"
else
	ok 1 "not stored -> ESME_RX_T_APPN and redelivery"; show "$TMP/redeliver.out"
fi

# ---- the window: never more outstanding than configured ----
faults 'smsc.delay_ms=200'
TIGHT="system_id=tight password=t1ghtpw source_addr=+4912346"
drive window --to "$PHONE" --count 9 --retry window=3 $TIGHT
check "window 3 against an SMSC window of 3: 9 sent, none throttled" \
    '[ "$(cnt "^sent " "$TMP/window.out")" -eq 9 ] && [ "$(cnt throttled "$TMP/window.out")" -eq 0 ]'
drive window6 --to "$PHONE" --count 9 --retry window=6 throttle_pause=100ms $TIGHT
check "control: window 6 overruns it (ESME_RTHROTTLED), retries end sent" \
    '[ "$(cnt "throttled ESME_RTHROTTLED" "$TMP/window6.out")" -gt 0 ] && [ "$(cnt "^sent " "$TMP/window6.out")" -eq 9 ]'
faults 'smsc.delay_ms=0'

# ---- throttling: failed(THROTTLED), pause, resume ----
faults 'smsc.throttle_pct=30'
drive throttle --to "$PHONE" --count 30 --retry throttle_pause=200ms
faults 'smsc.throttle_pct=0'
check "throttling: every message sent in the end" \
    '[ "$(cnt "^sent " "$TMP/throttle.out")" -eq 30 ]'
check "throttling: failed ... throttled ESME_RTHROTTLED reported" \
    '[ "$(cnt "throttled ESME_RTHROTTLED" "$TMP/throttle.out")" -gt 0 ]'
check "throttling: link down (throttled), then up after the pause" \
    'grep -q "^link down throttled" "$TMP/throttle.out" && grep -q "^link up throttling pause over" "$TMP/throttle.out"'

# ---- dropped connections: in flight fails TEMPORARY, reconnect ----
faults 'smsc.drop_pct=10'
drive drop --to "$PHONE" --count 40 --retry
faults 'smsc.drop_pct=0'
check "dropped connections: all 40 sent after reconnects" \
    '[ "$(cnt "^sent " "$TMP/drop.out")" -eq 40 ] && [ "$(cnt "^link up" "$TMP/drop.out")" -ge 2 ]'
check "dropped connections: in-flight messages failed temporary" \
    '[ "$(cnt "temporary connection closed by the SMSC" "$TMP/drop.out")" -gt 0 ]'

# ---- bind refusal and a wrong password ----
faults 'smsc.bind_refuse_pct=100'
(sleep 1; faults 'smsc.bind_refuse_pct=0') &
FIXER=$!
tl_track "$FIXER"
drive refuse --to "$PHONE" --count 5
wait "$FIXER"
check "bind refusals: retried until bound, 5 sent" \
    '[ "$(cnt "^sent " "$TMP/refuse.out")" -eq 5 ] && grep -q "bind refused: ESME_RBINDFAIL" "$TMP/refuse.err"'
timeout 10 "$DRIVE" $BASE --to "$PHONE" --count 1 --timeout 2 password=wrong \
    >"$TMP/pw.out" 2>"$TMP/pw.err"
check "a wrong password: ESME_RINVPASWD, retried with backoff, never up" \
    '[ "$(cnt "bind refused: ESME_RINVPASWD" "$TMP/pw.err")" -ge 2 ] && ! grep -q "^link up" "$TMP/pw.out"'

# ---- slow responses: submit_sm_resp timeout, then a late answer ----
faults 'smsc.delay_ms=1200'
drive slow --to "$PHONE" --count 3 --linger 1500 response_timeout=400ms enquire_link=0
check "slow SMSC: 3 x failed temporary timeout" \
    '[ "$(cnt "temporary timeout: no submit_sm_resp" "$TMP/slow.out")" -eq 3 ]'
check "slow SMSC: the late submit_sm_resp is recognised as such" \
    'grep -q "for no submit_sm in flight" "$TMP/slow.err"'
# ---- no answers: enquire_link_resp timeout closes and reconnects ----
faults 'smsc.delay_ms=0'
(sleep 1; faults 'smsc.delay_ms=2500'; sleep 2.5; faults 'smsc.delay_ms=0') &
FIXER=$!
tl_track "$FIXER"
timeout 10 "$DRIVE" $BASE --expect-rx 1 --timeout 5 enquire_link=300ms \
    response_timeout=500ms >"$TMP/hang.out" 2>"$TMP/hang.err"
wait "$FIXER"
check "unanswered enquire_link: closed and reconnected" \
    'grep -q "no enquire_link_resp in time" "$TMP/hang.err" && [ "$(cnt "connected to" "$TMP/hang.err")" -ge 2 ]'

# ---- drop_all at run time, bind = tx+rx ----
start_phone 6 "$TMP/phone4.out"
(sleep 1.5; faults 'smsc.drop_all=1') &
DROPPER=$!
tl_track "$DROPPER"
drive txrx --to "$PHONE" --count 3 --linger 2500 bind=tx+rx
wait "$DROPPER"
wait_phone
check "bind = tx+rx: a transmitter and a receiver bind, 3 sent" \
    'grep -q "smsc1/tx] bound" "$TMP/txrx.err" && grep -q "smsc1/rx] bound" "$TMP/txrx.err" && [ "$(cnt "^sent " "$TMP/txrx.out")" -eq 3 ]'
check "drop_all: both binds come back by themselves" \
    '[ "$(cnt "smsc1/tx] bound" "$TMP/txrx.err")" -ge 2 ] && [ "$(cnt "smsc1/rx] bound" "$TMP/txrx.err")" -ge 2 ]'

# ---- a host name: resolved by evdns (/etc/hosts), the loop never waits ----
if [ "$(awk '$0 !~ /^#/ && / localhost( |$)/ {print $1; exit}' /etc/hosts)" = 127.0.0.1 ]; then
	start_phone 4 "$TMP/phone5.out"
	drive byname --to "$PHONE" --count 2 host=localhost
	wait_phone
	check "host = localhost: resolved, bound, 2 sent" \
	    'grep -q "bound to SMSC" "$TMP/byname.err" && [ "$(cnt "^sent " "$TMP/byname.out")" -eq 2 ]'
else
	ok 0 "host = localhost # SKIP /etc/hosts does not name 127.0.0.1 first"
fi

# ---- duplicates and reordering on the MO path ----
faults 'path.subscriber->smpp.dup_pct=100'
start_phone 4 "$TMP/phone5.out" "$MO"
drive dup --expect-rx 2
wait_phone
faults 'path.subscriber->smpp.dup_pct=0'
check "a duplicated MO reaches the core twice (the core recognises it)" \
    '[ "$(cnt "received SMS-DELIVER" "$TMP/dup.out")" -eq 2 ]'
faults 'path.subscriber->smpp.reorder_ms=300'
S1=$("$PDU" sms-submit --to +4912345 --pid 7F --dcs F6 --udh 050003AA0301 --ud 0101 | tail -1)
S2=$("$PDU" sms-submit --to +4912345 --pid 7F --dcs F6 --udh 050003AA0302 --ud 0202 | tail -1)
S3=$("$PDU" sms-submit --to +4912345 --pid 7F --dcs F6 --udh 050003AA0303 --ud 0303 | tail -1)
start_phone 4 "$TMP/phone6.out" "$S1" "$S2" "$S3"
drive reorder --expect-rx 3
wait_phone
faults 'path.subscriber->smpp.reorder_ms=0'
order=$(sed -n 's/.*udh=050003AA03\(0[123]\).*/\1/p' "$TMP/reorder.out" | tr '\n' ' ')
check "reordered segments are passed on as they come ($order)" \
    '[ "$order" = "03 02 01 " ]'

# ---- logs ----
check "no SMPP password in any log" \
    '! grep -qE "secret|t1ghtpw" "$TMP"/*.err "$TMP/netsim.log"'
check "stkauth-netsim is still running" 'kill -0 "$NETSIM_PID"'
# With BRIDGE_SMPP_DRIVE=build/san/tests/helpers/bridge_smpp_drive the
# driver's stderr also carries ASan / LSan / UBSan reports.
check "no sanitizer report from the driver" \
    '! grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$TMP"/*.err'
tap_end

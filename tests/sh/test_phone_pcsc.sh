#!/bin/bash
# test_phone_pcsc.sh - stkauth-phone against stkauth-sim through a PRIVATE
# pcscd (own mount namespace, own reader.conf.d with a vpcd reader on a
# free loopback port pair, as tests/sh/test_card_pcsc.sh does), and a tiny
# fake network written here with socat that speaks
# docs/NETSIM-SUBSCRIBER.md: it takes the ATTACH, delivers an SMS-PP data
# download SMS (TP-PID 7F, TP-DCS F6) and a plain text SMS, and checks the
# phone's MT-ACK / MT-NACK.  The phone runs once with T=0 and once with
# T=1.  TAP output.  Run from the repository root after "make all".
# Needs root (unshare -m, mount --bind); skips otherwise.  Stops only the
# processes it started, by pid.
set -u

. tests/helpers/testlib.sh

SIM=build/bin/stkauth-sim
PHONE=${STKAUTH_PHONE:-build/bin/stkauth-phone}
tl_need_root "a private pcscd needs unshare -m and mount --bind"
tl_need pcscd socat unshare ss
tap_plan 32

tl_begin phone
free_port_pair && PORT=$FREE
free_port && NPORT=$FREE

check "free ports found (vpcd pair $PORT, network $NPORT)" \
    '[ -n "$PORT" ] && [ -n "$NPORT" ]'
tl_pcscd "stkauth phone vpcd" "$PORT"
tl_spawn "$tmp/sim.log" "$SIM" --state "$tmp/card.state" \
    --iccid 8949440000001155314 --imsi 001010123456789 \
    --msisdn +491701234567 --smsc +491710760000 \
    --vpcd 127.0.0.1:$PORT --log-level debug
check "private pcscd and stkauth-sim are up" \
    "wait_log '$tmp/sim.log' 'connected to vpcd' && wait_log '$TL_PCSCD_LOG' 'Card ATR'"

# ctl LINE...: send lines to the control socket, print the answers.
ctl() {
	printf '%s\n' "$@" | timeout 5 socat -t 1 - "UNIX-CONNECT:$tmp/ctl" 2>/dev/null
}

# The MT messages: an SMS-PP data download (OA +491700000001, TP-PID 7F,
# TP-DCS F6 8-bit class 2, UD 01020304) and "hello" in GSM 7-bit.
DL_TPDU=040C919471000000107FF6621132918200000401020304
TXT_TPDU=040C9194710000001000006211329182000005E8329BFD06
# Built with: stkauth-pdu ota-wrap --spi 1601 --kic 12 --kid 12
#   --kic-key 00112233445566778899AABBCCDDEEFF
#   --kid-key 0123456789ABCDEF0123456789ABCDEF --tar 53544B
#   --cntr 0000000001 --udh 0102030405060708
# and stkauth-pdu sms-deliver --from +491700000001 --pid 7F --dcs F6
#   --udh 027000 --scts 2026-11-23T19:28:00+00:00 --ud <the packet>
OTA_TPDU=440C919471000000107FF6621132918200002D0270000028151601121253544B8979
OTA_TPDU+=6192FC98120FAC76A6AF3B4F79AB4B14824DFB4888BDBE38D393DEFCBDA2

# run_phone PROTO: one phone session over the fake network.
run_phone() {
	local proto=$1 log="$tmp/phone-$1.log" out="$tmp/phone-$1.out"
	local line sw want

	tl_net "$NPORT" 30
	"$PHONE" --protocol "$proto" --sim-pin 0000 --log-level debug \
	    --network "127.0.0.1:$NPORT" --control "$tmp/ctl" --auto confirm \
	    --delay 50 --ui-timeout 5 </dev/null >"$out" 2>"$log" &
	PHONE_PID=$!
	tl_track "$PHONE_PID"

	net_read line
	check "$proto: the phone attaches with the card's MSISDN ($line)" \
	    '[ "$line" = "ATTACH +491701234567" ]'
	check "$proto: PC/SC protocol $proto in use" \
	    "grep -q 'PC/SC: connected to \"stkauth phone vpcd 00 00\" ($proto)' '$log'"
	check "$proto: EF ICCID read and decoded" \
	    "grep -q 'APDU > 00B000000A (READ BINARY)' '$log' && grep -q 'info: ICCID 8949440000001155314' '$log'"
	check "$proto: EF MSISDN read after VERIFY PIN1" \
	    "grep -q 'VERIFY PIN' '$log' && grep -q 'info: MSISDN +491701234567' '$log'"
	check "$proto: TERMINAL PROFILE 13 61 0D 03 sent and accepted" \
	    "grep -q 'APDU > 801000000413610D03 (TERMINAL PROFILE)' '$log' && grep -q 'TERMINAL PROFILE accepted' '$log'"
	net_send "OK ATTACH +491701234567"
	wait_log "$log" 'attached as' >/dev/null
	line=$(ctl INFO)
	check "$proto: control socket INFO ($line)" \
	    '[ "$line" = "INFO card=ok iccid=8949440000001155314 msisdn=+491701234567 network=attached" ]'

	# SMS-PP data download: ENVELOPE D1 with device identities network
	# -> UICC (82 02 83 81) and the SMS TPDU (8B 17 + TPDU), TS 31.111
	# §7.1.1.2; the answer follows the card's status word (§7.1.1.1).
	net_send "MT 17 $DL_TPDU"
	net_read line
	check "$proto: the MT SMS with TP-PID 7F went to the card as ENVELOPE (SMS-PP DOWNLOAD)" \
	    "grep -q 'APDU > 80C200001FD11D820283818B17$DL_TPDU' '$log'"
	sw=$(sed -n 's/.*MT 17: SMS-PP data download, card \([0-9A-F]\{4\}\).*/\1/p' "$log" | head -n 1)
	case "$sw" in
	9000|91??|61??|9F??) want="MT-ACK 17" ;;
	9300) want="MT-NACK 17 111 00D400" ;;
	*) want="MT-NACK 17 111 00D5" ;;
	esac
	check "$proto: card answered $sw, the network got \"$line\"" \
	    '[ -n "$sw" ] && [[ "$line" == "$want"* ]]'

	# A secured command packet (TS 31.115 §4, UDH 02 70 00) for the auth
	# applet's TAR 53544B, asking for a PoR by SMS-DELIVER-REPORT.  The
	# card has no OTA key set loaded, so it answers with a PoR whose
	# status says so; whatever it answers, the response data must come
	# back verbatim in the SMS-DELIVER-REPORT's TP-UD (TP-PID 7F and
	# TP-DCS F6 of the original, TS 31.111 §7.1.1.1).
	net_send "MT 19 $OTA_TPDU"
	net_read line
	sw=$(sed -n 's/.*MT 19: SMS-PP data download, card \([0-9A-F]\{4\}\).*/\1/p' "$log" | head -n 1)
	local data
	data=$(sed -n 's/.*APDU < \(027100[0-9A-F]*\)[0-9A-F]\{4\} (.*/\1/p' "$log" | head -n 1)
	case "$sw" in
	9000|91??|61??|9F??) want="MT-ACK 19 [04]0077FF6[0-9A-F]{2}$data" ;;
	*) want="MT-NACK 19 111 [04]0D5077FF6[0-9A-F]{2}$data" ;;
	esac
	check "$proto: secured packet: the card answered $sw with a PoR (${data:-none})" \
	    '[ -n "$sw" ] && [ -n "$data" ]'
	check "$proto: the PoR went back in the SMS-DELIVER-REPORT ($line)" \
	    '[[ "$line" =~ ^$want$ ]]'

	# A plain SMS is shown, not given to the card.
	net_send "MT 18 $TXT_TPDU"
	net_read line
	check "$proto: plain SMS acknowledged ($line)" '[ "$line" = "MT-ACK 18" ]'
	check "$proto: plain SMS shown to the user" \
	    "wait_log '$out' '^SMS from \\+491700000001: hello$'"
	check "$proto: no ENVELOPE for the plain SMS" \
	    "[ \$(grep -c '(ENVELOPE)' '$log') -eq 2 ]"

	kill -TERM "$PHONE_PID"
	net_read line
	local rc
	wait_gone "$PHONE_PID" 5
	tl_stop "$PHONE_PID" 0 KILL
	rc=$?
	check "$proto: SIGTERM: DETACH sent, clean exit (status $rc)" \
	    '[ "$line" = "DETACH" ] && [ "$rc" = 0 ] && [ ! -e "$tmp/ctl" ]'
	tl_stop "$NET_PROC" 5
}

run_phone T=0
check "T=0: GET RESPONSE after 61xx for SELECT" \
    "grep -A1 'APDU > 00A40804022FE2 (SELECT)' '$tmp/phone-T=0.log' | grep -q 'APDU < 61'"
run_phone T=1
check "T=1: SELECT carries Le and needs no GET RESPONSE" \
    "grep -q 'APDU > 00A40804022FE200 (SELECT)' '$tmp/phone-T=1.log' && ! grep -q '(GET RESPONSE)' '$tmp/phone-T=1.log'"

if [ "$fails" -ne 0 ]; then
	for f in "$tmp"/phone-*.log; do
		tl_tail "$f" 40
	done
	tl_tail "$tmp/sim.log" 20 "stkauth-sim log"
fi
tap_end

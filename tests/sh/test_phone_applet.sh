#!/bin/bash
# test_phone_applet.sh - the whole card path through the real phone:
# a private pcscd + vpcd + stkauth-sim (as tests/sh/test_card_pcsc.sh),
# the card personalised through PC/SC by an independent client
# (tests/helpers/card_perso.pl: Perl's Chipcard::PCSC, the library under
# pcsc-tools' scriptor; the admin cryptogram by "openssl mac CMAC"), then
# stkauth-phone attached to a fake network (tl_net of
# tests/helpers/testlib.sh: socat, docs/NETSIM-SUBSCRIBER.md):
#
#   network: MT, an SMS-PP download carrying a secured auth request built
#            as the bridge builds it (stkauth-pdu ota-wrap, sms-deliver)
#   phone:   ENVELOPE (SMS-PP DOWNLOAD) -> PoR in the SMS-DELIVER-REPORT
#            (MT-ACK); FETCH -> SELECT ITEM pop-up -> auto confirm ->
#            GET INPUT (applet PIN) -> auto PIN -> SEND SHORT MESSAGE x N
#            -> MO lines, each answered MO-RESULT OK -> TERMINAL RESPONSE
#   test:    reassembles the MO SMS, unwraps the secured packet with the
#            OTA keys and decodes the auth response: confirmed, signed.
#
# Then the same card and phone through stkauth-netsim (modem m1 is the
# service number): an auth request, and the PoR "via SMS-SUBMIT" (TS 102
# 225 §5.1.1 SPI octet 2 b6; docs/SIM.md): packets with a wrong CC, an old
# counter and "PoR always" make the card send its PoR with SEND SHORT
# MESSAGE; m1 receives them (TP-PID 7F, DCS F6, IEI 71) and stkauth-pdu
# opens them with the OTA keys: 01 RC/CC/DS failed, 02 CNTR low, 00 PoR OK
# followed by the confirmed auth response.
#
# TAP output.  Run from the repository root after "make all".  Needs root
# (unshare -m, mount --bind); skips otherwise.  Stops only the processes
# it started, by pid.
set -u

. tests/helpers/testlib.sh

SIM=build/bin/stkauth-sim
PHONE=${STKAUTH_PHONE:-build/bin/stkauth-phone}
PDU=build/bin/stkauth-pdu
PERSO=tests/helpers/card_perso.pl

tl_need_root "a private pcscd needs unshare -m and mount --bind"
tl_need pcscd socat unshare ss openssl perl
if ! perl -MChipcard::PCSC -e 1 2>/dev/null; then
	echo "1..0 # SKIP Chipcard::PCSC missing (Debian libpcsc-perl, with pcsc-tools)"
	exit 0
fi
tap_plan 22

tl_begin phapp
T=$tmp
free_port_pair && PORT=$FREE
free_port && NPORT=$FREE
READER="stkauth applet vpcd 00 00"

ADMIN=000102030405060708090A0B0C0D0E0F
KIC=200102030405060708090A0B0C0D0E0F
KID=201102030405060708090A0B0C0D0E0F
KAUTH=000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F
SERVICE=+491710000001

tl_pcscd "stkauth applet vpcd" "$PORT"
tl_spawn "$T/sim.log" "$SIM" --state "$T/card.state" \
    --iccid 8944100000000123456 --imsi 001010123456789 \
    --msisdn +491701234567 --admin-key "$ADMIN" \
    --vpcd 127.0.0.1:$PORT --log-level debug
check "private pcscd and stkauth-sim are up (vpcd $PORT, network $NPORT)" \
    "[ -n '$PORT' ] && [ -n '$NPORT' ] && wait_log '$T/sim.log' 'connected to vpcd' && wait_log '$TL_PCSCD_LOG' 'Card ATR'"

# Personalisation (docs/SIM.md) by an independent PC/SC client
# (tests/helpers/card_perso.pl): admin session by challenge-response, OTA
# key set 1 (AES-128 KIc/KID), K_auth, service number, applet PIN 1234,
# an RSA-2048 key pair generated on the card.
perl "$PERSO" "$READER" "$ADMIN" 1 "$KIC" "$KID" "$KAUTH" "$SERVICE" 1234 \
    "$T/card-pub.der" >"$T/perso.out" 2>&1
check "card personalised through PC/SC ($(tail -n 1 "$T/perso.out"))" \
    "grep -q 'GENERATE KEY PAIR: ok' '$T/perso.out'"

# The auth request of tests/vectors/authmsg/messages.txt (request-gsm7:
# "Example Bank login", ticket 7Q2K9X, PIN required), secured as the
# bridge does: SPI 16 01 (CC, ciphered, counter higher; PoR always, by
# SMS-DELIVER-REPORT), AES key set 1, the applet's TAR 53544B.
REQ=0101015A1C3E779012ABCD00112233445566778899AABBCCDDEEFF00786B048880063751324B395804124578616D706C652042616E6B206C6F67696E
PKT=$("$PDU" ota-wrap --spi 1601 --kic 12 --kid 12 --kic-key "$KIC" \
    --kid-key "$KID" --tar 53544B --cntr 0000000001 --udh "$REQ" 2>"$T/pdu.err")
DELIVER=$("$PDU" sms-deliver --from "$SERVICE" --pid 7F --dcs F6 \
    --udh 027000 --scts 2026-11-23T18:38:00+00:00 --ud "${PKT:6}" 2>>"$T/pdu.err")
check "secured request built (${#DELIVER} hex digits)" '[ -n "$DELIVER" ] && [ ${#DELIVER} -le 352 ]'

# hexfield NAME: the hex after "NAME: N octets: " in stkauth-pdu's tree,
# with its continuation lines.
hexfield() {
	awk -v k="$1" '
		$1 == k":" && / octets: / { sub(/.* octets: /, ""); acc = $0; on = 1; next }
		on && /^ +[0-9A-F]+$/ { gsub(/ /, ""); acc = acc $0; next }
		{ on = 0 }
		END { print acc }'
}

# auth_from_sms OUT HEX...: the bodies of the SMS-DELIVERs (with their SC
# address) in order after 02 70 00, unwrapped with the OTA keys, the auth
# response decoded into $T/OUT.
auth_from_sms() {
	local out=$1 m packet=027000 data
	shift
	for m in "$@"; do
		packet+=$("$PDU" decode --sca "$m" | hexfield body)
	done
	"$PDU" ota-unwrap --kic-key "$KIC" --kid-key "$KID" "$packet" \
	    >"$T/unwrap-$out" 2>&1
	data=$(sed -n 's/.* data=\([0-9A-F]*\).*/\1/p' "$T/unwrap-$out" | head -n 1)
	"$PDU" decode --as auth-response "$data" >"$T/$out" 2>&1
}

tl_net "$NPORT" 60
"$PHONE" --sim-pin 0000 --log-level debug --network "127.0.0.1:$NPORT" \
    --control "$T/ctl" --auto confirm --pin 1234 --delay 50 \
    --ui-timeout 20 </dev/null >"$T/phone.out" 2>"$T/phone.log" &
PHONE_PID=$!
tl_track "$PHONE_PID"
net_read line 15
check "phone attaches ($line)" '[ "$line" = "ATTACH +491701234567" ]'
net_send "OK ATTACH +491701234567"

net_send "MT 21 $DELIVER"
net_read line 15
# PoR (TS 31.115 §4): UDH 02 71 00, RPL, RHL 0A, TAR 53544B, CNTR 1,
# PCNTR, status 00 (PoR OK), unsecured (the SPI asked for no PoR CC).
check "SMS-PP download accepted: MT-ACK with the PoR in the report ($line)" \
    '[[ "$line" =~ ^MT-ACK\ 21\ 40077FF6..027100000B0A53544B000000000100 ]]'

check "SELECT ITEM pop-up with the service and ticket, confirmed automatically" \
    "wait_log '$T/phone.out' '^\\| Ticket: 7Q2K9X' && grep -q '^| Example Bank login' '$T/phone.out' && grep -q '^|    1) Confirm' '$T/phone.out' && wait_log '$T/phone.log' 'TERMINAL RESPONSE to SELECT ITEM.*: 00'"
check "GET INPUT for the applet PIN (hidden, digits) answered with --pin" \
    "wait_log '$T/phone.out' '^\\| digits, 4-8 characters, hidden' && wait_log '$T/phone.log' 'TERMINAL RESPONSE to GET INPUT.*: 00'"

# The auth response leaves as MO SMS, one SEND SHORT MESSAGE each.
mos=()
for i in $(seq 8); do
	net_read line 20
	[[ "$line" =~ ^MO\ ([0-9]+)\ ([0-9A-F]+)$ ]] || break
	mos+=("${BASH_REMATCH[2]}")
	net_send "MO-RESULT ${BASH_REMATCH[1]} OK $((40 + i))"
	wait_log "$T/phone.log" "MO ${BASH_REMATCH[1]}: delivered" 1 5 || break
	segs=$("$PDU" decode --as sms-submit "${BASH_REMATCH[2]}" 2>/dev/null |
	    sed -n 's/^ *total: \([0-9]*\)$/\1/p' | head -n 1)
	[ "${#mos[@]}" -ge "${segs:-1}" ] && break
done
check "the card's SEND SHORT MESSAGEs became ${#mos[@]} MO SMS to $SERVICE" \
    '[ ${#mos[@]} -ge 1 ] && "$PDU" decode --as sms-submit "${mos[0]}" | grep -q "TP-DA: $SERVICE"'
check "every SEND SHORT MESSAGE answered 00 after its MO-RESULT" \
    "[ \$(grep -c 'TERMINAL RESPONSE to SEND SHORT MESSAGE.*: 00' '$T/phone.log') -eq ${#mos[@]} ]"

# Reassemble (bodies in order; segment 1 carries the 70 00 header) and
# unwrap with the key set, then decode the auth response.
packet=027000
for m in "${mos[@]}"; do
	body=$("$PDU" decode --as sms-submit "$m" | hexfield body)
	packet+=$body
done
"$PDU" ota-unwrap --kic-key "$KIC" --kid-key "$KID" "$packet" >"$T/unwrap.out" 2>&1
data=$(sed -n 's/.* data=\([0-9A-F]*\).*/\1/p' "$T/unwrap.out" | head -n 1)
"$PDU" decode --as auth-response "$data" >"$T/resp.out" 2>&1
check "the secured response unwraps with the OTA keys" '[ -n "$data" ]'
check "auth response: confirmed, session 5A1C3E779012ABCD, this card, RSA-signed" \
    "grep -q 'DECISION: 0x01 (confirmed' '$T/resp.out' && grep -q 'SESSION-ID: 8 octets: 5A1C3E779012ABCD' '$T/resp.out' && grep -q 'ICCID: 8944100000000123456' '$T/resp.out' && grep -q 'SIG-ALG: 0x01 (rsa-pkcs1-v1_5-sha256)' '$T/resp.out' && grep -q 'SIG-LEN: 256 octets' '$T/resp.out'"
# log.h: no PIN, ticket or password in the log, even at debug level
# (PIN1 0000 = 30303030, applet PIN 1234 = 31323334, ticket 7Q2K9X as
# text and in the GSM default alphabet 3751324B3958, password 14255179
# is never in clear on the phone anyway).
check "the debug log holds no PIN and no ticket (APDU data blanked)" \
    "! grep -qE '30303030|31323334|7Q2K9X|3751324B3958' '$T/phone.log' && grep -q 'APDU > 0020000108\\*\\*' '$T/phone.log'"
check "no pop-up left open (STATUS NONE)" \
    "[ \"\$(printf 'STATUS\n' | timeout 5 socat -t 1 - UNIX-CONNECT:$T/ctl)\" = NONE ]"

# ---- the same through the real network simulator -------------------------
# stkauth-netsim with the phone as subscriber and modem m1 as the service
# number: the modem submits the secured request (AT+CMGS, TS 27.005 PDU
# mode), the network delivers it to the phone, the card's response comes
# back to the modem as +CMT.  A new session id (the applet drops repeats)
# and the next counter.
NETSIM=build/bin/stkauth-netsim
CHAT=build/tests/helpers/netsim_chat
if [ -x "$NETSIM" ] && [ -x "$CHAT" ]; then
	tl_stop "$PHONE_PID" 5
	tl_stop "$NET_PROC" 5
	free_port_pair && SUBP=$FREE
	M1P=$((SUBP + 1))
	printf '[network]\nsubscriber_listen = 127.0.0.1:%s\n\n[subscribers]\nmsisdn = +491701234567\n\n[modem m1]\nmsisdn = %s\nlisten = 127.0.0.1:%s\n' \
	    "$SUBP" "$SERVICE" "$M1P" >"$T/ns.ini"
	tl_spawn "$T/netsim.log" "$NETSIM" -c "$T/ns.ini" -d
	wait_log "$T/netsim.log" "netsim: ready"
	"$PHONE" --sim-pin 0000 --log-level debug \
	    --network "127.0.0.1:$SUBP" --auto confirm --pin 1234 --delay 50 \
	    --ui-timeout 20 </dev/null >"$T/phone2.out" 2>"$T/phone2.log" &
	PHONE_PID=$!
	tl_track "$PHONE_PID"
	check "netsim: the phone attaches as the card's subscriber" \
	    "wait_log '$T/phone2.log' 'attached as [+]491701234567'"
	# Chat lines for m1: chat_init (PDU mode, +CMT routing), chat_submit
	# PACKET (the command packet, from CPL on after its 027000, in an
	# SMS-SUBMIT to the phone: TP-PID 7F, TP-DCS F6), chat_cmt N (print
	# the next N SMS-DELIVERs received, SC address first).
	chat_init() {
		printf '%s\n' 'timeout 20' 'send ATE0\r' 'expect OK\r\n' \
		    'send AT+CMGF=0\r' 'expect OK\r\n' \
		    'send AT+CNMI=2,2,0,0,0\r' 'expect OK\r\n'
	}
	chat_submit() {
		local sub
		sub=$("$PDU" sms-submit --to +491701234567 --pid 7F --dcs F6 \
		    --udh 027000 --ud "${1:6}")
		printf '%s\n' "send AT+CMGS=$(( ${#sub} / 2 ))\\r" 'expect > ' \
		    "send 00$sub\\z" 'expect +CMGS: '
	}
	chat_cmt() {
		for _ in $(seq "$1"); do
			printf '%s\n' 'match \+CMT: ,([0-9]+)\r\n([0-9A-F]+)\r\n' \
			    'print $2'
		done
	}
	REQ2=${REQ/5A1C3E779012ABCD/5A1C3E779012ABCE}
	PKT2=$("$PDU" ota-wrap --spi 1601 --kic 12 --kid 12 --kic-key "$KIC" \
	    --kid-key "$KID" --tar 53544B --cntr 0000000002 --udh "$REQ2")
	{ chat_init; chat_submit "$PKT2"; chat_cmt 3; } >"$T/m1.chat"
	timeout 60 "$CHAT" "127.0.0.1:$M1P" <"$T/m1.chat" >"$T/m1.out" 2>&1
	mapfile -t CMT < <(grep -E '^[0-9A-F]+$' "$T/m1.out")
	check "netsim: the modem got ${#CMT[@]} SMS back (the response, concatenated)" \
	    '[ ${#CMT[@]} -eq 3 ]'
	auth_from_sms resp2.out "${CMT[@]}"
	check "netsim: auth response through the network: confirmed, session 5A1C3E779012ABCE" \
	    "grep -q 'DECISION: 0x01 (confirmed' '$T/resp2.out' && grep -q 'SESSION-ID: 8 octets: 5A1C3E779012ABCE' '$T/resp2.out'"

	# ---- PoR by SMS-SUBMIT (TS 102 225 §5.1.1 SPI octet 2 b6) ----------
	# SPI 16 3A, the bridge key store's default: PoR on error, with CC,
	# ciphered, via SMS-SUBMIT.  The card answers the ENVELOPE 91xx and
	# sends the response packet with SEND SHORT MESSAGE to the TP-OA of
	# the command (the modem): SMS-SUBMIT TP-PID 7F, TP-DCS F6, UDH 02 71
	# 00 (TS 31.115 §4.4), which reaches m1 as an SMS-DELIVER.
	#   1. a wrong CC (KID key changed): PoR 01 "RC/CC/DS failed";
	#   2. counter 2 again, right keys: PoR 02 "CNTR low";
	#   3. SPI 16 39 (PoR always, via SMS-SUBMIT), a new session: the PoR
	#      OK first, then the pop-up (auto confirm) and the auth response.
	BADKID=${KID:0:30}FF
	REQ3=${REQ/5A1C3E779012ABCD/5A1C3E779012ABCF}
	PKT_CC=$("$PDU" ota-wrap --spi 163A --kic 12 --kid 12 --kic-key "$KIC" \
	    --kid-key "$BADKID" --tar 53544B --cntr 0000000003 --udh "$REQ3")
	PKT_LOW=$("$PDU" ota-wrap --spi 163A --kic 12 --kid 12 --kic-key "$KIC" \
	    --kid-key "$KID" --tar 53544B --cntr 0000000002 --udh "$REQ3")
	PKT_OK=$("$PDU" ota-wrap --spi 1639 --kic 12 --kid 12 --kic-key "$KIC" \
	    --kid-key "$KID" --tar 53544B --cntr 0000000003 --udh "$REQ3")
	{
		chat_init
		chat_submit "$PKT_CC"; chat_cmt 1
		chat_submit "$PKT_LOW"; chat_cmt 1
		chat_submit "$PKT_OK"; chat_cmt 4
	} >"$T/m1por.chat"
	timeout 90 "$CHAT" "127.0.0.1:$M1P" <"$T/m1por.chat" >"$T/m1por.out" 2>&1
	mapfile -t POR < <(grep -E '^[0-9A-F]+$' "$T/m1por.out")
	# por_open N SPI: decode the Nth SMS-DELIVER m1 got; print the UDH
	# line, TP-PID / TP-DCS and what ota-unwrap-response says.
	por_open() {
		local d body
		d=$("$PDU" decode --sca "${POR[$1]:-00}" 2>&1)
		body=$(hexfield body <<<"$d")
		grep -E 'TP-OA|TP-PID|TP-DCS|IE: ' <<<"$d"
		"$PDU" ota-unwrap-response --spi "$2" --kic 12 --kid 12 \
		    --kic-key "$KIC" --kid-key "$KID" "027100$body" 2>&1
	}
	por_open 0 163A >"$T/por1.out"
	por_open 1 163A >"$T/por2.out"
	por_open 2 1639 >"$T/por3.out"
	check "netsim: wrong CC -> the PoR came back by SMS (TP-PID 7F, DCS F6, IEI 71 from the phone's number)" \
	    "[ \${#POR[@]} -ge 1 ] && grep -q 'TP-OA: +491701234567' '$T/por1.out' && grep -qi 'TP-PID: 0x7F' '$T/por1.out' && grep -qi 'TP-DCS: 0xF6' '$T/por1.out' && grep -q 'IE: 0x71 ((U)SIM Toolkit Security Header: response packet), 0 octets' '$T/por1.out'"
	check "netsim: that PoR opens with the card's keys: status 01 RC/CC/DS failed" \
	    "grep -q '^status=01 (RC/CC/DS failed)' '$T/por1.out'"
	check "netsim: an old counter -> PoR 02 CNTR low, by SMS" \
	    "grep -q '^status=02 (CNTR low)' '$T/por2.out'"
	check "netsim: the three PoRs were queued for SMS; each ENVELOPE got 91xx without data: a plain RP-ACK" \
	    "[ \$(grep -c 'queued for SMS-SUBMIT' '$T/sim.log') -eq 3 ] && [ \$(grep -cE 'network > MT-ACK [0-9]+\$' '$T/phone2.log') -eq 3 ] && ! grep -q 'SMS-PP data download, card 62' '$T/phone2.log'"
	check "netsim: PoR always by SMS: PoR OK first, then the confirmed auth response (${#POR[@]} SMS in all)" \
	    "grep -q '^status=00 (PoR OK)' '$T/por3.out' && [ \${#POR[@]} -eq 6 ]"
	auth_from_sms resp3.out "${POR[@]:3}"
	check "netsim: ... and that response is session 5A1C3E779012ABCF, confirmed" \
	    "grep -q 'DECISION: 0x01 (confirmed' '$T/resp3.out' && grep -q 'SESSION-ID: 8 octets: 5A1C3E779012ABCF' '$T/resp3.out'"
else
	for w in "netsim: the phone attaches" "netsim: the modem got the response" \
	    "netsim: auth response through the network" \
	    "netsim: wrong CC -> the PoR came back by SMS" \
	    "netsim: that PoR opens with the card's keys" \
	    "netsim: an old counter -> PoR 02 CNTR low" \
	    "netsim: the three PoRs were queued for SMS" \
	    "netsim: PoR always by SMS" "netsim: ... and that response"; do
		ok 0 "$w # SKIP stkauth-netsim or netsim_chat not built"
	done
fi

if [ "$fails" -ne 0 ]; then
	for f in m1.out m1por.out por1.out por2.out por3.out netsim.log phone2.log \
	    resp2.out unwrap-resp2.out resp3.out unwrap-resp3.out; do
		[ -f "$T/$f" ] || continue
		echo "# $f:"; grep -v 'APDU\|     ' "$T/$f" | sed 's/^/#   /' | tail -n 25
	done
	echo "# perso:"; sed 's/^/#   /' "$T/perso.out" | tail -n 10
	echo "# pdu:"; sed 's/^/#   /' "$T/pdu.err" | tail -n 5
	echo "# unwrap:"; sed 's/^/#   /' "$T/unwrap.out" | tail -n 10
	echo "# response:"; sed 's/^/#   /' "$T/resp.out" | tail -n 20
	echo "# phone log:"; grep -v 'APDU\|     ' "$T/phone.log" | sed 's/^/#   /' | tail -n 40
	echo "# stkauth-sim log:"; grep -v 'APDU' "$T/sim.log" | sed 's/^/#   /' | tail -n 30
fi
tap_end

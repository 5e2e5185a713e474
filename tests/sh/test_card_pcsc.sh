#!/bin/bash
# test_card_pcsc.sh - stkauth-sim as a real PC/SC card: a PRIVATE pcscd
# (own mount namespace with its own /run/pcscd, own reader.conf.d with a
# vpcd reader on a free loopback port pair), stkauth-sim connected to it,
# and pcsc-tools' scriptor as the independent PC/SC client.  TAP output.
# Run from the repository root after "make all".  Needs root (unshare -m,
# mount --bind); skips otherwise.  Stops only the processes it started.
set -u

. tests/helpers/testlib.sh

SIM=build/bin/stkauth-sim
tl_need_root "a private pcscd needs unshare -m and mount --bind"
tap_plan 18

for need in pcscd scriptor ATR_analysis unshare; do
	if ! command -v "$need" >/dev/null; then
		echo "# missing $need (make deps installs pcscd pcsc-tools)"
	fi
done

tl_begin pcsc
# A free port pair: vpcd listens on CHANNELID and CHANNELID + 1.
free_port_pair
PORT=$FREE

# apdus "HEX..." ...: run them through scriptor, print the response lines
# as upper-case hex without spaces, one per APDU.
apdus() {
	# scriptor prints "< RESPONSE : meaning", breaking long responses
	# over several lines.
	printf '%s\n' "$@" | timeout 20 scriptor -r "$READER" 2>>"$tmp/scriptor.err" |
	    tee -a "$tmp/scriptor.out" | awk '
		/^< / { acc = substr($0, 3); inresp = 1 }
		!/^< / && inresp { acc = acc " " $0 }
		inresp && acc ~ / : / {
			sub(/ : .*/, "", acc); gsub(/ /, "", acc)
			print toupper(acc); inresp = 0
		}'
}

ICCID=8949440000001155314
IMSI=001010123456789
STATE="$tmp/card.state"

check "new card options pass the check-only mode" \
    "$SIM --state '$STATE' --iccid $ICCID --imsi $IMSI --msisdn +491701234567 -n >/dev/null"
check "free vpcd port pair found ($PORT)" '[ -n "$PORT" ]'
check "private pcscd is up" 'tl_pcscd "stkauth test vpcd" "$PORT"'
READER=$(grep -oE 'stkauth test vpcd [0-9]{2} [0-9]{2}' "$TL_PCSCD_LOG" | head -n 1)
READER=${READER:-stkauth test vpcd 00 00}
tl_spawn "$tmp/sim.log" "$SIM" --state "$STATE" --iccid $ICCID --imsi $IMSI \
    --msisdn +491701234567 --vpcd 127.0.0.1:$PORT --log-level debug
SIM_PID=$SPAWNED
check "stkauth-sim connects to vpcd" \
    "wait_log '$tmp/sim.log' 'connected to vpcd' && wait_log '$TL_PCSCD_LOG' 'Card ATR'"
check "a second stkauth-sim on the same card is refused" \
    "! timeout 5 '$SIM' --state '$STATE' --vpcd 127.0.0.1:$PORT 2>'$tmp/second.err' && grep -q 'another stkauth-sim' '$tmp/second.err'"
check "state file created with mode 0600" \
    "[ \"\$(stat -c %a '$STATE')\" = 600 ]"

# The ATR pcscd read from the card, checked by pcsc-tools' ATR parser.
ATR=$(sed -n 's/.*Card ATR: \([0-9A-F ]*\).*/\1/p' "$TL_PCSCD_LOG" | head -n 1 | sed 's/ *$//')
check "pcscd read the card's ATR ($ATR)" \
    "[ \"\$(echo '$ATR' | tr -d ' ')\" = 3B9A9680B1FE451FC78031E073F22100829000BD ]"
check "ATR_analysis accepts the ATR and its TCK" \
    "timeout 20 ATR_analysis '$ATR' 2>&1 | grep -q 'TCK.*(correct checksum)'"

mapfile -t R < <(apdus "00 A4 00 04 02 3F 00" "00 C0 00 00 FF" \
    "00 C0 00 00 00")
R0=${R[0]:-}
FCPLEN=${R0:2:2}
check "SELECT MF (T=0 form) answers 61xx ($R0)" \
    '[[ "$R0" == 61?? ]]'
check "GET RESPONSE with a too long Le answers 6C with the FCP length (${R[1]:-none})" \
    '[ "${R[1]:-}" = "6C$FCPLEN" ]'
check "GET RESPONSE with Le 00 returns all of it (${R[2]:-none})" \
    '[[ "${R[2]:-}" == 62*9000 ]] && [ $(( ${#R[2]} / 2 - 2 )) = $((16#$FCPLEN)) ]'
mapfile -t R < <(apdus "00 A4 00 04 02 3F 00" "00 C0 00 00 $FCPLEN" \
    "00 A4 00 0C 02 2F E2" "00 B0 00 00 0A")
check "GET RESPONSE returns the MF FCP (${R[1]:-none})" \
    '[[ "${R[1]:-}" == 62*83023F00*9000 ]]'
check "SELECT EF ICCID without FCP answers 9000" '[ "${R[2]:-}" = 9000 ]'
check "READ BINARY EF ICCID gives the ICCID (${R[3]:-none})" \
    '[ "${R[3]:-}" = 989444000000115513F49000 ]'

mapfile -t R < <(apdus "00 A4 04 04 07 A0 00 00 00 87 10 02 00" \
    "00 A4 00 0C 02 6F 07" "00 B0 00 00 09" \
    "00 20 00 01 08 30 30 30 30 FF FF FF FF" "00 B0 00 00 09")
check "SELECT ADF USIM by partial AID, case 4, returns its FCP" \
    '[[ "${R[0]:-}" == 62*8410A0000000871002FFFFFFFF8907090000*9000 ]]'
check "EF IMSI needs PIN1 (6982), VERIFY PIN 9000, then the IMSI" \
    '[ "${R[2]:-}" = 6982 ] && [ "${R[3]:-}" = 9000 ] && [ "${R[4]:-}" = 0809101010325476989000 ]'

# vpcd goes away (pcscd restarts): the card reconnects by itself.
tl_stop "$PCSCD_PID" 5
tl_pcscd "stkauth test vpcd" "$PORT"
mapfile -t R < <(wait_log "$tmp/sim.log" 'connected to vpcd' 2 &&
    wait_log "$TL_PCSCD_LOG" 'Card ATR' 2 &&
    apdus "00 A4 00 0C 02 2F E2" "00 B0 00 00 0A")
check "after a pcscd restart the card reconnects and answers" \
    '[ "${R[1]:-}" = 989444000000115513F49000 ]'

tl_stop "$SIM_PID" 5
rc=$?
check "SIGTERM stops stkauth-sim cleanly (exit status $rc)" '[ "$rc" = 0 ]'

if [ "$fails" -ne 0 ]; then
	tl_tail "$tmp/sim.log" 30 "stkauth-sim log"
	tl_tail "$TL_PCSCD_LOG" 30 "pcscd log"
fi
tap_end

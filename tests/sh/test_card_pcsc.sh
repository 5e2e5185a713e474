#!/bin/bash
# test_card_pcsc.sh - stkauth-sim as a real PC/SC card: a PRIVATE pcscd
# (own mount namespace with its own /run/pcscd, own reader.conf.d with a
# vpcd reader on a free loopback port pair), stkauth-sim connected to it,
# and pcsc-tools' scriptor as the independent PC/SC client.  TAP output.
# Run from the repository root after "make all".  Needs root (unshare -m,
# mount --bind); skips otherwise.  Stops only the processes it started.
set -u

SIM=build/bin/stkauth-sim
PLAN=18
n=0
failed=0

ok()    { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; failed=1; }
check() { if eval "$2"; then ok "$1"; else notok "$1"; fi; }

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP not root: a private pcscd needs unshare -m and mount --bind"
	exit 0
fi
echo "1..$PLAN"

for need in pcscd scriptor ATR_analysis unshare; do
	if ! command -v "$need" >/dev/null; then
		echo "# missing $need (make deps installs pcscd pcsc-tools)"
	fi
done

T=$(mktemp -d /tmp/stkauth-pcsc.XXXXXX)
PCSCD_PID=
SIM_PID=
cleanup() {
	for p in $SIM_PID $PCSCD_PID; do
		kill "$p" 2>/dev/null
	done
	for p in $SIM_PID $PCSCD_PID; do
		for _ in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

# A free port pair: vpcd listens on CHANNELID and CHANNELID + 1.
PORT=
for p in $(seq 36101 2 36499); do
	if [ -z "$(ss -Htan "( sport = :$p or sport = :$((p + 1)) )")" ]; then
		PORT=$p
		break
	fi
done

mkdir -p "$T/run" "$T/conf" /run/pcscd
cat >"$T/conf/vpcd" <<EOF
FRIENDLYNAME "stkauth test vpcd"
DEVICENAME   /dev/null:$PORT
LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so
CHANNELID    $PORT
EOF
export PCSCLITE_CSOCK_NAME="$T/run/pcscd.comm"

start_pcscd() {
	rm -f "$T/run/pcscd.comm"
	# unshare and sh exec into pcscd: $! is pcscd's pid.
	unshare -m sh -c "mount --bind '$T/run' /run/pcscd && exec pcscd -f -i -a -c '$T/conf'" \
	    >>"$T/pcscd.log" 2>&1 &
	PCSCD_PID=$!
	for _ in $(seq 100); do
		[ -S "$T/run/pcscd.comm" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_for FILE PATTERN COUNT: until PATTERN occurs COUNT times (10 s).
wait_for() {
	for _ in $(seq 100); do
		[ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# apdus "HEX..." ...: run them through scriptor, print the response lines
# as upper-case hex without spaces, one per APDU.
apdus() {
	# scriptor prints "< RESPONSE : meaning", breaking long responses
	# over several lines.
	printf '%s\n' "$@" | timeout 20 scriptor -r "$READER" 2>>"$T/scriptor.err" |
	    tee -a "$T/scriptor.out" | awk '
		/^< / { acc = substr($0, 3); inresp = 1 }
		!/^< / && inresp { acc = acc " " $0 }
		inresp && acc ~ / : / {
			sub(/ : .*/, "", acc); gsub(/ /, "", acc)
			print toupper(acc); inresp = 0
		}'
}

ICCID=8949440000001155314
IMSI=001010123456789
STATE="$T/card.state"

check "new card options pass the check-only mode" \
    "$SIM --state '$STATE' --iccid $ICCID --imsi $IMSI --msisdn +491701234567 -n >/dev/null"
check "free vpcd port pair found ($PORT)" '[ -n "$PORT" ]'
check "private pcscd is up" start_pcscd
READER=$(grep -oE 'stkauth test vpcd [0-9]{2} [0-9]{2}' "$T/pcscd.log" | head -n 1)
READER=${READER:-stkauth test vpcd 00 00}
"$SIM" --state "$STATE" --iccid $ICCID --imsi $IMSI --msisdn +491701234567 \
    --vpcd 127.0.0.1:$PORT --log-level debug >"$T/sim.log" 2>&1 &
SIM_PID=$!
check "stkauth-sim connects to vpcd" \
    "wait_for '$T/sim.log' 'connected to vpcd' 1 && wait_for '$T/pcscd.log' 'Card ATR' 1"
check "a second stkauth-sim on the same card is refused" \
    "! timeout 5 '$SIM' --state '$STATE' --vpcd 127.0.0.1:$PORT 2>'$T/second.err' && grep -q 'another stkauth-sim' '$T/second.err'"
check "state file created with mode 0600" \
    "[ \"\$(stat -c %a '$STATE')\" = 600 ]"

# The ATR pcscd read from the card, checked by pcsc-tools' ATR parser.
ATR=$(sed -n 's/.*Card ATR: \([0-9A-F ]*\).*/\1/p' "$T/pcscd.log" | head -n 1 | sed 's/ *$//')
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
kill "$PCSCD_PID"
for _ in $(seq 50); do kill -0 "$PCSCD_PID" 2>/dev/null || break; sleep 0.1; done
start_pcscd
mapfile -t R < <(wait_for "$T/sim.log" 'connected to vpcd' 2 &&
    wait_for "$T/pcscd.log" 'Card ATR' 2 &&
    apdus "00 A4 00 0C 02 2F E2" "00 B0 00 00 0A")
check "after a pcscd restart the card reconnects and answers" \
    '[ "${R[1]:-}" = 989444000000115513F49000 ]'

kill -TERM "$SIM_PID"
rc=
for _ in $(seq 50); do
	if ! kill -0 "$SIM_PID" 2>/dev/null; then
		wait "$SIM_PID"
		rc=$?
		break
	fi
	sleep 0.1
done
[ -n "$rc" ] && SIM_PID=
check "SIGTERM stops stkauth-sim cleanly (exit status ${rc:-none})" '[ "$rc" = 0 ]'

if [ "$failed" -ne 0 ]; then
	echo "# stkauth-sim log:"; sed 's/^/#   /' "$T/sim.log" | tail -n 30
	echo "# pcscd log:"; sed 's/^/#   /' "$T/pcscd.log" | tail -n 30
fi
exit $failed

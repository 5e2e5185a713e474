#!/bin/bash
# test_netsim_smpp.sh - the netsim SMSC against an independent SMPP 3.4
# implementation: node-smpp (npm "smpp", tests/npm) as the ESME, a netsim
# subscriber connection as the phone (tests/npm/smpp_esme.js does both).
#
# Covers: bind refusals, bind_transceiver, submit_sm (short_message,
# message_payload, binary UDHI/PID/DCS), store-and-forward to the phone,
# the delivery receipt (Appendix B) and an MO as deliver_sm, enquire_link,
# malformed framing and unknown commands on other connections, the
# throughput limit, the run-time faults (bind refusal, delay, throttling,
# dropped connection, drop_all), the SMSC's enquire_link and its response
# timeout, /metrics, unbind; then the daemon must still be alive, and on
# SIGTERM it must unbind a bound ESME (tests/npm/smpp_wait_unbind.js).
# --check-config must accept the sections and reject a bad [esme].
#
# Starts one stkauth-netsim on free loopback ports, stops it by its pid.
# Prints TAP.
set -u
cd "$(dirname "$0")/../.." || exit 1

BIN=${STKAUTH_NETSIM:-build/bin/stkauth-netsim}
TMP=$(mktemp -d)
PID=
cleanup() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }

if [ ! -x "$BIN" ]; then
	echo "1..0 # SKIP $BIN not built"
	exit 0
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	# A fresh machine: tools/deps.sh installs nodejs and npm (as root).
	tools/deps.sh >/dev/null 2>&1 || true
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "1..0 # SKIP node/npm not installed (tools/deps.sh as root)"
	exit 0
fi
if [ ! -d tests/npm/node_modules/smpp ]; then
	if ! npm ci --prefix tests/npm --no-audit --no-fund >"$TMP/npm.log" 2>&1; then
		echo "not ok 1 - npm ci --prefix tests/npm failed"
		sed 's/^/# /' "$TMP/npm.log"
		echo "1..1"
		exit 1
	fi
fi

# A free loopback port: one nobody listens on (probed with bash's /dev/tcp).
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}
SUB=$(free_port) && SMPP=$(free_port) && CTL=$(free_port) || {
	echo "1..0 # SKIP no free loopback port"
	exit 0
}

cat >"$TMP/netsim.ini" <<EOF
[network]
subscriber_listen = 127.0.0.1:$SUB
http_listen = 127.0.0.1:$CTL
tz_minutes = 60
seed = 7

[subscribers]
msisdn = +491700000001

[smsc]
listen = 127.0.0.1:$SMPP
system_id = netsim
window = 10
enquire_link_s = 1
response_timeout_s = 2

[esme bank]
system_id = bank
password = secret
addresses = +4912345

[esme slow]
password = pw
addresses = +4955501
bind = transmitter
throughput_per_second = 2
EOF

if "$BIN" -c "$TMP/netsim.ini" -n >"$TMP/check.log" 2>&1; then
	ok "--check-config accepts the [smsc] and [esme] sections"
else
	notok "--check-config accepts the [smsc] and [esme] sections"
	sed 's/^/# /' "$TMP/check.log"
fi
sed 's/^password = pw$/password = 123456789/' "$TMP/netsim.ini" >"$TMP/bad.ini"
if "$BIN" -c "$TMP/bad.ini" -n >"$TMP/bad.log" 2>&1; then
	notok "--check-config rejects a 9-character SMPP password"
elif grep -q 'bad.ini:[0-9]*:.*password' "$TMP/bad.log"; then
	ok "--check-config rejects a 9-character SMPP password with file:line"
else
	notok "--check-config names file:line for the bad password"
	sed 's/^/# /' "$TMP/bad.log"
fi

"$BIN" -c "$TMP/netsim.ini" -d >"$TMP/netsim.log" 2>&1 &
PID=$!
for _ in $(seq 1 50); do
	grep -q 'listening on' "$TMP/netsim.log" 2>/dev/null &&
	    grep -q 'ready' "$TMP/netsim.log" && break
	sleep 0.1
done
if grep -q "SMSC \"netsim\" listening on 127.0.0.1:$SMPP" "$TMP/netsim.log"; then
	ok "the SMSC listens on 127.0.0.1:$SMPP"
else
	notok "the SMSC listens on 127.0.0.1:$SMPP"
	sed 's/^/# /' "$TMP/netsim.log"
	echo "1..$n"
	exit 1
fi

# The ESME script prints "ok - ..." / "not ok - ..." lines.
timeout 90 node tests/npm/smpp_esme.js "$SMPP" "$SUB" "$CTL" \
    >"$TMP/esme.out" 2>"$TMP/esme.err"
rc=$?
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) notok "${line#not ok - }" ;;
	esac
done <"$TMP/esme.out"
if [ "$rc" -eq 0 ] && [ "$(grep -c '^ok - ' "$TMP/esme.out")" -ge 30 ]; then
	ok "the node-smpp session ran to its end"
else
	notok "the node-smpp session ran to its end (exit $rc)"
	sed 's/^/# /' "$TMP/esme.err" | tail -20
fi

if kill -0 "$PID" 2>/dev/null; then
	ok "the daemon is still running after the malformed input"
else
	notok "the daemon is still running after the malformed input"
fi
if grep -q 'bad framing: command_length' "$TMP/netsim.log"; then
	ok "the log names the bad field (command_length)"
else
	notok "the log names the bad field (command_length)"
fi
if grep -qi 'secret' "$TMP/netsim.log"; then
	notok "the log never shows an SMPP password"
else
	ok "the log never shows an SMPP password"
fi

# Shutdown: a bound ESME is told with unbind (SMPP 3.4 §4.2).
timeout 30 node tests/npm/smpp_wait_unbind.js "$SMPP" >"$TMP/unbind.out" 2>&1 &
WPID=$!
for _ in $(seq 1 50); do
	grep -q bound "$TMP/unbind.out" && break
	sleep 0.1
done
kill "$PID" 2>/dev/null
wait "$WPID" 2>/dev/null
if grep -q '^bound' "$TMP/unbind.out" && grep -q '^unbind seq' "$TMP/unbind.out"; then
	ok "on SIGTERM the SMSC sends unbind to a bound ESME"
else
	notok "on SIGTERM the SMSC sends unbind to a bound ESME: $(tr '\n' ' ' <"$TMP/unbind.out")"
fi
for _ in $(seq 1 50); do
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$PID" 2>/dev/null; then
	notok "SIGTERM stops the daemon"
else
	wait "$PID" 2>/dev/null
	ok "SIGTERM stops the daemon"
fi
PID=
# With a sanitizer build (STKAUTH_NETSIM=build/san/bin/stkauth-netsim) the
# log also carries ASan / LSan / UBSan reports, leaks at exit included.
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$TMP/netsim.log"; then
	notok "no sanitizer report in the daemon's log"
else
	ok "no sanitizer report in the daemon's log"
fi

if [ "$failed" -ne 0 ]; then
	sed 's/^/# /' "$TMP/netsim.log" | tail -60
fi
echo "1..$n"
exit "$failed"

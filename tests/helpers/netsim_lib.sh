# netsim_lib.sh - shared by tests/sh/test_netsim_*.sh (sourced, not run).
# TAP helpers, free loopback ports, starting and stopping one private
# stkauth-netsim, and the scripted client build/tests/helpers/netsim_chat.

NETSIM=${NETSIM:-build/bin/stkauth-netsim}
CHAT=build/tests/helpers/netsim_chat
PDU=build/bin/stkauth-pdu
n=0
failed=0
NETSIM_PID=

ok()    { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; failed=1; }
check() { if eval "$2"; then ok "$1"; else notok "$1"; fi; }

# Run a chat script (stdin) against TARGET; TAP line named $1.
chat_ok() {
	local name=$1 target=$2 out
	if out=$("$CHAT" "$target" 2>&1); then
		ok "$name"
	else
		notok "$name"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
}

# free_ports N: N distinct free TCP ports on loopback.
free_ports() {
	local want=$1 got=0 p
	for p in $(shuf -i 20000-59999 -n 400); do
		if [ -z "$(ss -Htan "( sport = :$p )")" ]; then
			echo "$p"
			got=$((got + 1))
			[ "$got" -eq "$want" ] && return 0
		fi
	done
	return 1
}

# start_netsim CONFIG LOG: start the daemon and wait for "ready".
start_netsim() {
	"$NETSIM" -c "$1" -d >"$2" 2>&1 &
	NETSIM_PID=$!
	for _ in $(seq 100); do
		grep -q "netsim: ready" "$2" 2>/dev/null && return 0
		kill -0 "$NETSIM_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# stop_netsim: SIGTERM, wait up to 5 s; the exit status in NETSIM_RC.
NETSIM_RC=
stop_netsim() {
	[ -n "$NETSIM_PID" ] || return 0
	kill -TERM "$NETSIM_PID" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$NETSIM_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$NETSIM_PID" 2>/dev/null
	wait "$NETSIM_PID" 2>/dev/null
	NETSIM_RC=$?
	NETSIM_PID=
}

# post_faults PORT BODY: POST /faults; prints the answer.
post_faults() {
	curl -s --max-time 5 -X POST --data-binary "$2" \
	    "http://127.0.0.1:$1/faults"
}

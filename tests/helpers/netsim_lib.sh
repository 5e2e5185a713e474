# netsim_lib.sh - shared by the tests that run a private stkauth-netsim
# (tests/sh/test_netsim_at*.sh, test_netsim_sub.sh, test_bridge_modem.sh,
# test_bridge_smpp*.sh); sourced, not run, from the repository root.
# Built on tests/helpers/testlib.sh (TAP, the scratch folder, free ports,
# bounded waits, processes by pid); this file adds:
#
#   free_ports N            PORTS = N distinct free loopback TCP ports
#   start_netsim CONFIG LOG start the daemon (pid NETSIM_PID, output in
#                           LOG), wait (5 s) for "netsim: ready"; fails
#                           when it exits or does not get ready
#   stop_netsim             SIGTERM, 5 s, then KILL; the exit status in
#                           NETSIM_RC
#   chat_ok NAME TARGET     run the chat script on stdin with
#                           build/tests/helpers/netsim_chat against TARGET;
#                           one TAP line NAME, the chat's output as
#                           comments when it failed
#   post_faults PORT BODY   POST /faults on the control port; the answer
#   ns_attached LOG MSISDN  how often LOG shows MSISDN attached
#   ns_wait_attach LOG MSISDN BEFORE
#                           wait (5 s) until LOG shows one attach of
#                           MSISDN more than BEFORE: instead of sleeping
#                           until a subscriber's chat is in place

. tests/helpers/testlib.sh

NETSIM=${NETSIM:-build/bin/stkauth-netsim}
CHAT=build/tests/helpers/netsim_chat
PDU=build/bin/stkauth-pdu
NETSIM_PID=
NETSIM_RC=
PORTS=()

chat_ok() {	# NAME TARGET
	local out st
	out=$("$CHAT" "$2" 2>&1)
	st=$?
	ok $st "$1"
	[ $st -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
}

# (No $(...) around it: the ports handed out must survive the call.)
free_ports() {	# N
	local i
	PORTS=()
	for ((i = 0; i < $1; i++)); do
		free_port || return 1
		PORTS+=("$FREE")
	done
}

_ns_settled() {	# LOG: ready, or no longer running
	grep -q 'netsim: ready' "$1" 2>/dev/null || ! tl_alive "$NETSIM_PID"
}

start_netsim() {	# CONFIG LOG
	: >"$2"
	tl_spawn "$2" "$NETSIM" -c "$1" -d
	NETSIM_PID=$SPAWNED
	wait_for 5 _ns_settled "$2" && grep -q 'netsim: ready' "$2"
}

stop_netsim() {
	[ -n "$NETSIM_PID" ] || return 0
	tl_stop "$NETSIM_PID" 5
	NETSIM_RC=$?
	NETSIM_PID=
}

post_faults() {	# PORT BODY
	curl -s --max-time 5 -X POST --data-binary "$2" \
	    "http://127.0.0.1:$1/faults"
}

ns_attached() {	# LOG MSISDN
	grep -c "subscriber $2 attached" "$1"
}

ns_wait_attach() {	# LOG MSISDN BEFORE
	wait_log "$1" "subscriber \\$2 attached" $(($3 + 1)) 5
}

#!/bin/bash
# demo.sh - run the whole stkauth system on this machine (make demo).
#
#   tools/demo.sh [start]   build/demo/ from scratch: CA, slapd, pcscds with
#                           vpcd, netsim (2 modems + SMSC), 3 virtual SIMs
#                           with their phones, server (HTTPS), bridge (modem
#                           + SMPP), accounts enrolled with stkauth-admin;
#                           prints how to log in, stays in the foreground
#                           until Ctrl-C (or demo.sh stop), then stops every
#                           process it started, by pid
#   tools/demo.sh stop      stop a running demo (make demo-stop)
#   tools/demo.sh status    what runs
#
# DEMO_DIR (default build/demo) is wiped at each start: a restart leaves
# nothing of the previous run behind.  docs/DEMO.md is the guided tour.
set -u
cd "$(dirname "$0")/.." || exit 1
DEMO_DIR=${DEMO_DIR:-build/demo}
# The demo asks for the applet PIN after the confirmation, as a bank would.
DEMO_SERVER_INI_EXTRA="
[session]
pin_required = yes"
. tools/demo/lib.sh

say() { printf '%s\n' "$*"; }

# The pid of a running demo.sh (the foreground one), if any.
running_demo() {
	local pid st
	[ -s "$DEMO_DIR/run/demo.pid" ] || return 1
	read -r pid st <"$DEMO_DIR/run/demo.pid"
	[ -n "$pid" ] && [ "$(_demo_starttime "$pid")" = "$st" ] || return 1
	echo "$pid"
}

cmd_stop() {
	local pid i
	if pid=$(running_demo); then
		say "stopping the demo (pid $pid)"
		kill -TERM "$pid"
		for ((i = 0; i < 300; i++)); do
			[ -z "$(_demo_starttime "$pid")" ] && return 0
			sleep 0.1
		done
		say "demo.sh (pid $pid) did not stop in 30 s; stopping its processes"
	fi
	if [ -d "$DEMO_DIR/pids" ]; then
		demo_env "$DEMO_DIR" >/dev/null 2>&1 && demo_down
	fi
	return 0
}

cmd_status() {
	if [ ! -s "$DEMO_DIR/ports.env" ]; then
		say "no demo in $DEMO_DIR"
		return 1
	fi
	demo_env "$DEMO_DIR"
	say "demo in $DEMO_DIR; running: $(demo_running | tr '\n' ' ')"
}

need() {
	local missing=()
	[ "$(id -u)" -eq 0 ] || {
		say "demo: must run as root (the private pcscd needs unshare -m and mount --bind)."
		exit 1
	}
	for b in stkauth-server stkauth-bridge stkauth-admin stkauth-sim \
	    stkauth-phone stkauth-netsim; do
		[ -x "$DEMO_BIN/$b" ] || missing+=("$DEMO_BIN/$b")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		say "demo: not built: ${missing[*]} (run: make)"
		exit 1
	fi
	for c in pcscd unshare slapd socat curl openssl perl ss; do
		command -v "$c" >/dev/null || PATH=$PATH:/usr/sbin
		command -v "$c" >/dev/null || missing+=("$c")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		say "demo: missing ${missing[*]} (run: make deps)"
		exit 1
	fi
}

# Phones: in a tmux session (one pane each, the phone's keypad dialog)
# when tmux exists, else in the background with --auto ignore, answered
# with tools/demo/phone.  Both ways every phone has its control socket.
start_phones() {
	local n sock=$DEMO_DIR/run/tmux.sock cmd pid
	if command -v tmux >/dev/null && [ -z "${DEMO_NO_TMUX:-}" ]; then
		DEMO_TMUX=$sock
		for ((n = 1; n <= DEMO_CARDS; n++)); do
			rm -f "$DEMO_DIR/run/phone$n.ctl"
			cmd="printf '\\033]2;phone %d: %s (%s)\\033\\\\' $n $(demo_account "$n") $(demo_msisdn "$n");"
			cmd+=" echo 'phone $n: $(demo_account "$n"), $(demo_msisdn "$n") - pop-ups appear here';"
			cmd+=" exec env PCSCLITE_CSOCK_NAME=$(demo_pcsc_sock "$n")"
			cmd+=" $DEMO_BIN/stkauth-phone --reader '$(demo_reader "$n")'"
			cmd+=" --sim-pin 0000 --network 127.0.0.1:$P_SUB --smsc $DEMO_SCA"
			cmd+=" --control $DEMO_DIR/run/phone$n.ctl --ui-timeout 110"
			cmd+=" 2>>$DEMO_DIR/logs/phone$n.log"
			if [ "$n" -eq 1 ]; then
				pid=$(tmux -S "$sock" new-session -d -s stkauth-demo \
				    -n phones -x 200 -y 50 -P -F '#{pane_pid}' "$cmd")
			else
				pid=$(tmux -S "$sock" split-window -t stkauth-demo:phones \
				    -P -F '#{pane_pid}' "$cmd")
				tmux -S "$sock" select-layout -t stkauth-demo:phones even-vertical >/dev/null
			fi
			[ -n "$pid" ] && demo_register "phone$n" "$pid" || return 1
			demo_wait_log "phone$n" 'attached as' || return 1
		done
		chmod 0600 "$sock"
	else
		DEMO_TMUX=
		for ((n = 1; n <= DEMO_CARDS; n++)); do
			demo_phone "$n" --auto ignore --ui-timeout 110 || return 1
		done
	fi
}

banner() {
	local n key
	key=$(cat "$DEMO_DIR/etc/rp.key")
	cat <<-EOF

	================================================================
	 stkauth demo is running (folder $DEMO_DIR)
	================================================================

	 Log in:    $DEMO_URL/
	            (HTTPS with the demo CA: trust $DEMO_DIR/ldap/ca/ca.pem,
	            or accept the certificate warning once)

	 Accounts (each bound to a simulated phone):
	EOF
	for ((n = 1; n <= DEMO_CARDS; n++)); do
		printf '   %-7s phone %d  %s  via %-5s  applet PIN 1234\n' \
		    "$(demo_account "$n")" "$n" "$(demo_msisdn "$n")" "$(demo_route "$n")"
	done
	cat <<-EOF

	 The phones' pop-ups (the ticket to compare with the page):
	EOF
	if [ -n "$DEMO_TMUX" ]; then
		cat <<-EOF
	   in another terminal:  tmux -S $DEMO_TMUX attach
	   (one pane per phone: type 1 + Enter to confirm, 2 + Enter to
	   reject, then the PIN; Ctrl-b o moves between panes, Ctrl-b d leaves)
		EOF
	fi
	cat <<-EOF
	   or from any terminal: tools/demo/phone alice status
	                         tools/demo/phone alice confirm
	                         tools/demo/phone alice pin 1234
	                         tools/demo/phone alice reject

	 REST API (relying party key in $DEMO_DIR/etc/rp.key):
	   curl --cacert $DEMO_DIR/ldap/ca/ca.pem \\
	     -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \\
	     -d '{"account":"alice","serviceName":"$DEMO_SERVICE_NAME"}' \\
	     $DEMO_URL/api/v1/authentication

	 Logs:  $DEMO_DIR/logs/   (tail -f $DEMO_DIR/logs/bridge.log)
	 Stop:  Ctrl-C here, or: make demo-stop
	================================================================
	EOF
}

cmd_start() {
	local n stop_req=0 dead
	need
	cmd_stop >/dev/null
	rm -rf "$DEMO_DIR"
	demo_env "$DEMO_DIR" || exit 1
	echo "$$ $(_demo_starttime $$)" >"$DEMO_DIR/run/demo.pid"
	trap 'stop_req=1' INT TERM
	trap 'demo_down; rm -f "$DEMO_DIR/run/demo.pid"' EXIT
	say "demo: starting in $DEMO_DIR (logs in $DEMO_DIR/logs)"
	say "demo: CA, slapd, pcscd + vpcd, netsim, $DEMO_CARDS SIMs, server"
	demo_infra || exit 1
	say "demo: bridge"
	demo_rp_key >/dev/null && demo_bridge || exit 1
	for ((n = 1; n <= DEMO_CARDS; n++)); do
		say "demo: enrolling $(demo_account "$n") (card $n: key pair on the card, certificate, OTA keys)"
		demo_enroll "$n" || exit 1
	done
	say "demo: phones"
	start_phones || exit 1
	banner
	while [ $stop_req -eq 0 ]; do
		dead=
		for name in $(cat "$DEMO_DIR/pids/.order"); do
			demo_pid "$name" >/dev/null || dead+=" $name"
		done
		if [ -n "$dead" ]; then
			say "demo: stopped unexpectedly:$dead (see $DEMO_DIR/logs/); stopping the demo"
			break
		fi
		sleep 1
	done
	say "demo: stopping every process by pid"
	exit 0
}

case ${1:-start} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
*) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

# tools/demo/lib.sh - start the whole stkauth system in one folder.
#
# Sourced (not run) by tools/demo.sh (make demo) and by the end-to-end tests
# (tests/sh/test_e2e_*.sh, tests/bench/e2e_*).  Every process it starts is
# real (docs/DEMO.md lists them), lives under one folder, DEMO_DIR, logs to
# DEMO_DIR/logs/NAME.log, is recorded in DEMO_DIR/pids/NAME (pid and the
# kernel's start time of that pid, so a recycled pid is never signalled),
# is waited for with a bounded timeout, and is stopped by that pid only.
#
#   demo_env DIR            use DIR (created); loads DIR/ports.env, or picks
#                           free loopback ports and writes it
#   demo_up [CARDS]         everything: CA, slapd, pcscd + vpcd, netsim,
#                           CARDS virtual SIMs (default 3) with their phones,
#                           server, bridge, enrolment of the demo accounts
#   demo_down               stop everything started from DIR, newest first
#
# and one function per component (demo_ca, demo_slapd, demo_pcscd,
# demo_netsim, demo_card N, demo_phone N, demo_server, demo_bridge,
# demo_enroll N), so a test can stop and restart one (demo_stop NAME, then
# its function again).  Functions return non-zero and print the reason on
# stderr (with the tail of the component's log) when something does not
# come up in time.  Nothing here calls exit: the caller decides.
#
# Requires bash 4, run from the repository root (build/bin/ holds the
# binaries; STKAUTH_BIN overrides, e.g. build/san/bin).  The private pcscd
# needs root (unshare -m + mount --bind, docs/SIM.md).

DEMO_BIN=${STKAUTH_BIN:-build/bin}
DEMO_FX=ldap-fixtures
DEMO_SUFFIX=dc=stkauth,dc=test
DEMO_WAIT=${DEMO_WAIT:-20}	# default readiness timeout, seconds

# The demo's numbers (docs/DEMO.md "The demo network").  Card N has
# MSISDN +4917010000N; cards on the modem route answer to the modem's
# number, cards on the SMPP route to the ESME's number.
DEMO_SCA=+491700000000
DEMO_MODEM0=+491710000001
DEMO_MODEM1=+491710000002
DEMO_ESME_NUMBER=+491719000000
DEMO_SERVICE_NAME=${DEMO_SERVICE_NAME:-stkauth demo}
# account:route per card; route "modem" or "smpp"
DEMO_ACCOUNTS=(alice:modem bob:smpp carol:modem)

demo_log() { echo "demo: $*" >&2; }

# ---- folder, ports -------------------------------------------------------

# demo_env DIR: the folder layout and the port plan.  Ports are chosen
# once per folder (random free loopback ports, checked with ss) and kept
# in DIR/ports.env, so a component restarted later gets its old port.
demo_env() {
	DEMO_DIR=$1
	DEMO_CARDS=${DEMO_CARDS:-3}
	mkdir -p "$DEMO_DIR"/{logs,pids,run,etc,cards} || return 1
	DEMO_DIR=$(cd "$DEMO_DIR" && pwd)
	chmod 0700 "$DEMO_DIR"
	if [ ! -s "$DEMO_DIR/ports.env" ]; then
		_demo_pick_ports >"$DEMO_DIR/ports.env.tmp" || {
			demo_log "no free loopback ports"
			return 1
		}
		mv "$DEMO_DIR/ports.env.tmp" "$DEMO_DIR/ports.env"
	fi
	# shellcheck disable=SC1091
	. "$DEMO_DIR/ports.env"
	DEMO_URL="https://127.0.0.1:$P_HTTPS"
}

# Every port is free now (ss) and distinct; slapd needs P and P+1, each
# private pcscd's vpcd reader P and P+1 (two card slots).
_demo_pick_ports() {
	local names=(P_LDAP:2 P_SUB:1 P_NSHTTP:1 P_MODEM0:1 P_MODEM1:1 P_SMPP:1
	    P_HTTPS:1 P_BRHTTP:1) k
	for ((k = 1; k <= (DEMO_CARDS + 1) / 2; k++)); do
		names+=("P_VPCD$k:2")
	done
	local used=" " e name span p ok
	for e in "${names[@]}"; do
		name=${e%%:*} span=${e##*:}
		for p in $(shuf -i 20000-59000 -n 200); do
			ok=1
			for ((k = 0; k < span; k++)); do
				case $used in *" $((p + k)) "*) ok=0 ;; esac
				[ -z "$(ss -Htan "( sport = :$((p + k)) )")" ] || ok=0
			done
			[ $ok -eq 1 ] || continue
			for ((k = 0; k < span; k++)); do used+="$((p + k)) "; done
			echo "$name=$p"
			continue 2
		done
		return 1
	done
	echo "DEMO_CARDS=$DEMO_CARDS"
}

# ---- processes -----------------------------------------------------------

# Start time of PID in clock ticks since boot (/proc/PID/stat field 22);
# empty when there is no such process.
_demo_starttime() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	s=${s##*) }		# after "(comm) ", fields start at 3 (state)
	set -- $s
	[ "$1" = Z ] && return 0	# a zombie has ended
	echo "${20}"
}

# demo_register NAME PID: record a process started elsewhere (slapd.sh,
# tmux) under NAME.
demo_register() {
	local st
	st=$(_demo_starttime "$2")
	[ -n "$st" ] || { demo_log "$1: pid $2 is not running"; return 1; }
	echo "$2 $st" >"$DEMO_DIR/pids/$1"
	grep -qx "$1" "$DEMO_DIR/pids/.order" 2>/dev/null ||
	    echo "$1" >>"$DEMO_DIR/pids/.order"
}

# demo_pid NAME: the pid of NAME if that very process still runs.
demo_pid() {
	local f=$DEMO_DIR/pids/$1 pid st
	[ -s "$f" ] || return 1
	read -r pid st <"$f"
	[ -n "$pid" ] && [ "$(_demo_starttime "$pid")" = "$st" ] || return 1
	echo "$pid"
}

# demo_start NAME CMD...: run CMD detached (own session, stdin /dev/null),
# output to logs/NAME.log (appended: a restart keeps the history).
demo_start() {
	local name=$1
	shift
	if demo_pid "$name" >/dev/null; then
		demo_log "$name already runs (pid $(demo_pid "$name"))"
		return 1
	fi
	echo "=== $(date '+%F %T') start: $*" >>"$DEMO_DIR/logs/$name.log"
	stat -c %s "$DEMO_DIR/logs/$name.log" >"$DEMO_DIR/pids/$name.logpos"
	setsid "$@" </dev/null >>"$DEMO_DIR/logs/$name.log" 2>&1 &
	demo_register "$name" $! || return 1
}

# demo_stop NAME [SIGNAL]: signal (TERM by default) the recorded pid,
# wait up to 10 s, then KILL.  KILL as SIGNAL is the crash of a fault
# test.  Returns 0 when nothing runs any more.
demo_stop() {
	local name=$1 sig=${2:-TERM} pid i
	pid=$(demo_pid "$name") || { rm -f "$DEMO_DIR/pids/$name"; return 0; }
	kill "-$sig" "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		[ "$(_demo_starttime "$pid")" = "" ] && break
		sleep 0.1
	done
	if demo_pid "$name" >/dev/null; then
		demo_log "$name (pid $pid) ignored SIG$sig for 10 s: KILL"
		kill -KILL "$pid" 2>/dev/null
		sleep 0.2
	fi
	wait "$pid" 2>/dev/null
	rm -f "$DEMO_DIR/pids/$name" "$DEMO_DIR/pids/$name.logpos"
}

# demo_down: stop every recorded process, the last started first.
demo_down() {
	local name
	[ -n "${DEMO_DIR:-}" ] && [ -f "$DEMO_DIR/pids/.order" ] || return 0
	for name in $(tac "$DEMO_DIR/pids/.order"); do
		demo_stop "$name"
	done
	: >"$DEMO_DIR/pids/.order"
	# tmux session of the demo's phone panes (tools/demo.sh)
	if [ -s "$DEMO_DIR/run/tmux.sock" ] || [ -S "$DEMO_DIR/run/tmux.sock" ]; then
		tmux -S "$DEMO_DIR/run/tmux.sock" kill-server 2>/dev/null
	fi
	return 0
}

# demo_running: names of the recorded processes that still run.
demo_running() {
	local name
	[ -f "$DEMO_DIR/pids/.order" ] || return 0
	for name in $(cat "$DEMO_DIR/pids/.order"); do
		demo_pid "$name" >/dev/null && echo "$name"
	done
}

# ---- waiting (bounded) ---------------------------------------------------

# _demo_fail NAME WHY: say why, with the end of NAME's log.
_demo_fail() {
	demo_log "$1: $2"
	if [ -f "$DEMO_DIR/logs/$1.log" ]; then
		tail -n 15 "$DEMO_DIR/logs/$1.log" | sed 's/^/demo:   | /' >&2
	fi
	return 1
}

# demo_log_since NAME: what NAME logged since its last demo_start.
demo_log_since() {
	local pos=0
	[ -s "$DEMO_DIR/pids/$1.logpos" ] && pos=$(cat "$DEMO_DIR/pids/$1.logpos")
	tail -c +"$((pos + 1))" "$DEMO_DIR/logs/$1.log" 2>/dev/null
}

# demo_wait_log NAME REGEX [SECS]: until NAME's log since its start
# matches, while the process lives.
demo_wait_log() {
	local name=$1 re=$2 secs=${3:-$DEMO_WAIT} i
	for ((i = 0; i < secs * 10; i++)); do
		demo_log_since "$name" | grep -qE -- "$re" && return 0
		if ! demo_pid "$name" >/dev/null; then
			_demo_fail "$name" "exited before /$re/ appeared"
			return 1
		fi
		sleep 0.1
	done
	_demo_fail "$name" "no /$re/ within ${secs}s"
}

# demo_wait_cmd NAME SECS CMD...: until CMD succeeds, while NAME lives.
demo_wait_cmd() {
	local name=$1 secs=$2 i
	shift 2
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		if ! demo_pid "$name" >/dev/null; then
			_demo_fail "$name" "exited while waiting for: $*"
			return 1
		fi
		sleep 0.1
	done
	_demo_fail "$name" "not ready within ${secs}s ($*)"
}

_demo_listening() { [ -n "$(ss -Htln "( sport = :$1 )")" ]; }

# ---- CA and directory ----------------------------------------------------

# demo_slapd: the private slapd (ldap-fixtures/slapd.sh) with its CA in
# DIR/ldap/ca: the CA that issues the users' certificates (stkauth-admin
# enroll) and the server's HTTPS certificate (CN localhost, SAN
# 127.0.0.1: ca.sh server).
demo_slapd() {
	local pid
	"$DEMO_FX/slapd.sh" start "$DEMO_DIR/ldap" "$P_LDAP" \
	    >>"$DEMO_DIR/logs/slapd-start.log" 2>&1 ||
	    { _demo_fail slapd-start "slapd.sh start failed"; return 1; }
	pid=$(cat "$DEMO_DIR/ldap/slapd.pid" 2>/dev/null)
	demo_register slapd "$pid" || return 1
	DEMO_CA=$DEMO_DIR/ldap/ca
}

# demo_slapd_stop / restart go through slapd.sh (it checks the command
# line of the pid it signals).
demo_slapd_stop() {
	"$DEMO_FX/slapd.sh" stop "$DEMO_DIR/ldap" >/dev/null 2>&1
	rm -f "$DEMO_DIR/pids/slapd"
}

# ---- PC/SC ---------------------------------------------------------------

# vpcd's driver keeps one connection per slot number of a reader, shared by
# every reader entry of one pcscd (ctx[Lun & 0xffff]): a second reader
# entry would overwrite the first one's cards.  So each private pcscd has
# one vpcd entry with its two slots (vpcd listens on CHANNELID and
# CHANNELID+1), and card N sits in slot (N-1)%2 of pcscd (N+1)/2.
demo_pcscd_of() { echo $(( ($1 + 1) / 2 )); }
demo_reader() {
	printf 'stkauth demo vpcd %d 00 %02X\n' "$(demo_pcscd_of "$1")" $(( ($1 - 1) % 2 ))
}
demo_vpcd_port() {
	local var=P_VPCD$(demo_pcscd_of "$1")
	echo $(( ${!var} + ($1 - 1) % 2 ))
}
# PCSCLITE_CSOCK_NAME for card N's pcscd
demo_pcsc_sock() { echo "$DEMO_DIR/run/pcscd$(demo_pcscd_of "$1")/pcscd.comm"; }

# demo_pcscd K: private pcscd K in its own mount namespace with
# DIR/run/pcscdK on /run/pcscd (docs/SIM.md, "A private pcscd").
demo_pcscd() {
	local k=$1 var=P_VPCD$1 run=$DEMO_DIR/run/pcscd$1 conf=$DEMO_DIR/etc/pcscd$1
	mkdir -p "$run" "$conf" /run/pcscd
	cat >"$conf/vpcd" <<-EOF
	FRIENDLYNAME "stkauth demo vpcd $k"
	DEVICENAME   /dev/null:${!var}
	LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so
	CHANNELID    ${!var}
	EOF
	rm -f "$run/pcscd.comm"
	demo_start "pcscd$k" unshare -m sh -c \
	    "mount --bind '$run' /run/pcscd && exec pcscd -f -a -c '$conf'" ||
	    return 1
	demo_wait_cmd "pcscd$k" "$DEMO_WAIT" test -S "$run/pcscd.comm" &&
	    demo_wait_cmd "pcscd$k" "$DEMO_WAIT" _demo_listening "$((${!var} + 1))"
}

# ---- network simulator ---------------------------------------------------

# Card N's number: +4915100NNNNN on the modem route, +4915200NNNNN on
# the SMPP route (the bridge routes by these prefixes).
demo_msisdn() {
	if [ "$(demo_route "$1")" = smpp ]; then printf '+4915200%05d\n' "$1"
	else printf '+4915100%05d\n' "$1"; fi
}
# ICCID of card N: 18 digits + the Luhn check digit (ITU-T E.118).
demo_iccid() {
	local body d sum=0 i dbl=1
	body=$(printf '894944000000%06d' "$1")
	for ((i = ${#body} - 1; i >= 0; i--)); do
		d=${body:i:1}
		if [ $dbl -eq 1 ]; then d=$((d * 2)); [ $d -gt 9 ] && d=$((d - 9)); fi
		sum=$((sum + d))
		dbl=$((1 - dbl))
	done
	echo "$body$(( (10 - sum % 10) % 10 ))"
}
demo_imsi() { printf '00101000000%04d\n' "$1"; }
# route of card N, and the number its answers go to (service number)
# (cards beyond DEMO_ACCOUNTS, as in the benchmarks: userN on
# DEMO_ROUTE_DEFAULT)
demo_route() {
	local a=${DEMO_ACCOUNTS[$(($1 - 1))]:-user$1:${DEMO_ROUTE_DEFAULT:-smpp}}
	echo "${a#*:}"
}
demo_account() {
	local a=${DEMO_ACCOUNTS[$(($1 - 1))]:-user$1:x}
	echo "${a%%:*}"
}
demo_service_number() {
	if [ "$(demo_route "$1")" = smpp ]; then echo "$DEMO_ESME_NUMBER"
	else echo "$DEMO_MODEM0"; fi
}

# demo_netsim [CARDS]: two modems, an SMSC with the bridge's ESME, one
# subscriber per card (docs/NETSIM.md).  Extra [faults] lines may be put
# in DEMO_NETSIM_FAULTS (tests); retry is short so that a refused MT is
# tried again within a login's lifetime.
demo_netsim() {
	local cards=${1:-3} i
	[ -s "$DEMO_DIR/etc/esme.pw" ] ||
	    (umask 077; openssl rand -hex 4 >"$DEMO_DIR/etc/esme.pw")
	{
		cat <<-EOF
		# generated by tools/demo/lib.sh
		[network]
		subscriber_listen = 127.0.0.1:$P_SUB
		http_listen = 127.0.0.1:$P_NSHTTP
		sca = $DEMO_SCA
		mt_ack_timeout = 20
		retry = 2
		seed = 1
		log_level = ${DEMO_NETSIM_LOG:-info}

		[subscribers]
		EOF
		for ((i = 1; i <= cards; i++)); do
			echo "msisdn = $(demo_msisdn "$i")"
		done
		cat <<-EOF

		[modem gsm0]
		msisdn = $DEMO_MODEM0
		listen = 127.0.0.1:$P_MODEM0
		sca = $DEMO_SCA

		[modem gsm1]
		msisdn = $DEMO_MODEM1
		listen = 127.0.0.1:$P_MODEM1
		sca = $DEMO_SCA

		[smsc]
		listen = 127.0.0.1:$P_SMPP
		system_id = netsim
		window = 100

		[esme stkauth]
		system_id = stkauth
		password = $(cat "$DEMO_DIR/etc/esme.pw")
		addresses = $DEMO_ESME_NUMBER
		bind = transceiver transmitter receiver

		[faults]
		${DEMO_NETSIM_FAULTS:-}
		EOF
	} >"$DEMO_DIR/etc/netsim.ini"
	chmod 0600 "$DEMO_DIR/etc/netsim.ini"
	"$DEMO_BIN/stkauth-netsim" -n -c "$DEMO_DIR/etc/netsim.ini" \
	    >"$DEMO_DIR/logs/netsim-check.log" 2>&1 ||
	    { _demo_fail netsim-check "configuration refused"; return 1; }
	demo_start netsim "$DEMO_BIN/stkauth-netsim" -c "$DEMO_DIR/etc/netsim.ini" &&
	    demo_wait_log netsim 'netsim: ready'
}

# demo_faults BODY: POST /faults to the simulator (key=value lines).
demo_faults() {
	curl -s --max-time 5 -X POST --data-binary "$1" \
	    "http://127.0.0.1:$P_NSHTTP/faults"
}

# ---- cards and phones ----------------------------------------------------

# demo_card N: virtual SIM N (new state on first use, with a per-card
# random admin key kept in DIR/cards/N.admin, 0600: stkauth-admin enroll
# needs it to personalise the card).
demo_card() {
	local n=$1 st=$DEMO_DIR/cards/$1.state args=()
	if [ ! -s "$st" ]; then
		[ -s "$DEMO_DIR/cards/$n.admin" ] ||
		    (umask 077; openssl rand -hex 16 >"$DEMO_DIR/cards/$n.admin")
		args=(--iccid "$(demo_iccid "$n")" --imsi "$(demo_imsi "$n")"
		    --msisdn "$(demo_msisdn "$n")" --smsc "$DEMO_SCA"
		    --admin-key "$(cat "$DEMO_DIR/cards/$n.admin")")
	fi
	demo_start "card$n" "$DEMO_BIN/stkauth-sim" --state "$st" "${args[@]}" \
	    --vpcd "127.0.0.1:$(demo_vpcd_port "$n")" &&
	    demo_wait_log "card$n" 'connected to vpcd' &&
	    demo_wait_cmd "card$n" "$DEMO_WAIT" env \
	        PCSCLITE_CSOCK_NAME="$(demo_pcsc_sock "$n")" \
	        tools/demo/pcsc-card-present "$(demo_reader "$n")" 2
}

# demo_phone N [ARGS...]: phone N in the background (ARGS e.g. --auto
# confirm --pin 1234 --delay 0); ready when attached to the network.
demo_phone() {
	local n=$1 reader
	shift
	reader=$(demo_reader "$n")
	rm -f "$DEMO_DIR/run/phone$n.ctl"
	demo_start "phone$n" env PCSCLITE_CSOCK_NAME="$(demo_pcsc_sock "$n")" \
	    "$DEMO_BIN/stkauth-phone" --reader "$reader" \
	    --sim-pin 0000 --network "127.0.0.1:$P_SUB" \
	    --control "$DEMO_DIR/run/phone$n.ctl" --smsc "$DEMO_SCA" "$@" &&
	    demo_wait_log "phone$n" "attached as [+]${DEMO_MSISDN_RE:-}"
}

# demo_phone_ctl N LINE: one request on phone N's control socket; prints
# the answer (docs/PHONE.md, "The control socket").
demo_phone_ctl() {
	printf '%s\n' "$2" | timeout 5 socat -t 1 - \
	    "UNIX-CONNECT:$DEMO_DIR/run/phone$1.ctl" 2>/dev/null
}

# demo_popup_wait N [SECS]: until phone N shows a pop-up; prints STATUS.
demo_popup_wait() {
	local n=$1 secs=${2:-$DEMO_WAIT} i s
	for ((i = 0; i < secs * 10; i++)); do
		s=$(demo_phone_ctl "$n" STATUS)
		case $s in POPUP*) echo "$s"; return 0 ;; esac
		sleep 0.1
	done
	return 1
}

# ---- server --------------------------------------------------------------

# demo_server: stkauth-server with TLS on 127.0.0.1:P_HTTPS, the
# certificate of DIR/ldap/ca (ca.sh server: CN localhost, SAN 127.0.0.1),
# certificates from the private slapd with CRLs.  DEMO_SERVER_INI_EXTRA
# may add sections (tests: short lifetimes, no rate limits).
demo_server() {
	local ini=$DEMO_DIR/etc/server.ini
	cat >"$ini" <<-EOF
	# generated by tools/demo/lib.sh
	[server]
	listen = 127.0.0.1
	port = $P_HTTPS
	tls = yes
	tls_cert = $DEMO_DIR/ldap/ca/server.pem
	tls_key = $DEMO_DIR/ldap/ca/server.key
	database = $DEMO_DIR/server.db
	log_level = ${DEMO_SERVER_LOG:-info}
	workers = 2

	[certs]
	source = ldap
	ca = $DEMO_DIR/ldap/ca/ca.pem
	require_crl = yes

	[ldap]
	uri = ldap://127.0.0.1:$P_LDAP/
	bind_dn = cn=stkauth-server,ou=services,$DEMO_SUFFIX
	bind_password_file = $DEMO_DIR/ldap/service.pw
	base_dn = ou=people,$DEMO_SUFFIX
	crl_dn = cn=stkauth Test CA,ou=ca,$DEMO_SUFFIX
	timeout_ms = 2000
	cache_ttl_ms = ${DEMO_LDAP_CACHE_MS:-5000}

	[web]
	enabled = yes
	service_name = $DEMO_SERVICE_NAME
	captcha = ${DEMO_CAPTCHA:-after}
	${DEMO_SERVER_INI_EXTRA:-}
	EOF
	chmod 0600 "$ini"
	"$DEMO_BIN/stkauth-server" -n -c "$ini" >"$DEMO_DIR/logs/server-check.log" 2>&1 ||
	    { _demo_fail server-check "configuration refused"; return 1; }
	demo_start server "$DEMO_BIN/stkauth-server" -c "$ini" &&
	    demo_wait_cmd server "$DEMO_WAIT" curl -sf --max-time 2 \
	        --cacert "$DEMO_DIR/ldap/ca/ca.pem" "$DEMO_URL/healthz"
}

# demo_curl ARGS...: curl against the demo server, verifying its
# certificate with the demo CA.
demo_curl() {
	curl -s --max-time 40 --cacert "$DEMO_DIR/ldap/ca/ca.pem" "$@"
}

# demo_secret NAME [CMD...]: a credential made once (API key, bridge
# token) and kept in DIR/etc/NAME (0600).
demo_secret() {
	local f=$DEMO_DIR/etc/$1
	shift
	if [ ! -s "$f" ]; then
		(umask 077; "$@" >"$f.tmp") && [ -s "$f.tmp" ] && mv "$f.tmp" "$f" ||
		    { rm -f "$f.tmp"; demo_log "could not make $f: $*"; return 1; }
	fi
	cat "$f"
}

# ---- everything ----------------------------------------------------------

# demo_infra: CA + slapd, the pcscds, netsim, the cards (DEMO_CARDS), the
# server.  Phones, bridge and enrolment are separate steps (the demo runs
# the phones in tmux panes, the tests with --auto).
demo_infra() {
	local k n
	demo_slapd || return 1
	for ((k = 1; k <= (DEMO_CARDS + 1) / 2; k++)); do
		demo_pcscd "$k" || return 1
	done
	demo_netsim "$DEMO_CARDS" || return 1
	for ((n = 1; n <= DEMO_CARDS; n++)); do
		demo_card "$n" || return 1
	done
	demo_server || return 1
}

# ---- admin CLI, bridge, enrolment -----------------------------------------

# demo_admin ARGS...: stkauth-admin with the demo's configuration
# (docs/ADMIN.md): the server's database, the bridge's key store, the CA
# of the private slapd, LDAP as its rootdn.  demo_admin_card N ARGS...:
# the same with the [card] section of card N (its admin key, the service
# number of its route) and card N's pcscd, for enroll.
_demo_admin_ini() {
	local ini=$1 n=${2:-}
	cat >"$ini" <<-EOF
	# generated by tools/demo/lib.sh
	[server]
	db = $DEMO_DIR/server.db
	[bridge]
	keystore = $DEMO_DIR/bridge/keystore.db
	[ca]
	dir = $DEMO_DIR/ldap/ca
	[ldap]
	uri = ldap://127.0.0.1:$P_LDAP/
	bind_dn = cn=admin,$DEMO_SUFFIX
	password_file = $DEMO_DIR/ldap/admin.pw
	people_dn = ou=people,$DEMO_SUFFIX
	ca_dn = cn=stkauth Test CA,ou=ca,$DEMO_SUFFIX
	EOF
	if [ -n "$n" ]; then
		cat >>"$ini" <<-EOF
		[card]
		admin_key_file = $DEMO_DIR/cards/$n.admin
		service_number = $(demo_service_number "$n")
		EOF
	fi
	chmod 0600 "$ini"
	mkdir -p "$DEMO_DIR/bridge"
	chmod 0700 "$DEMO_DIR/bridge"
}
demo_admin() {
	[ -s "$DEMO_DIR/etc/admin.ini" ] || _demo_admin_ini "$DEMO_DIR/etc/admin.ini"
	"$DEMO_BIN/stkauth-admin" -c "$DEMO_DIR/etc/admin.ini" "$@"
}
demo_admin_card() {
	local n=$1
	shift
	_demo_admin_ini "$DEMO_DIR/etc/admin-card$n.ini" "$n"
	env PCSCLITE_CSOCK_NAME="$(demo_pcsc_sock "$n")" \
	    "$DEMO_BIN/stkauth-admin" -c "$DEMO_DIR/etc/admin-card$n.ini" "$@"
}

# demo_rp_key: the demo relying party's API key (the REST API tests use
# it); demo_bridge_token: the bridge's token file.  Both made once with
# stkauth-admin (shown once by it, kept 0600 here).
demo_rp_key() { demo_secret rp.key _demo_new_secret rp demo-rp; }
demo_bridge_token() { demo_secret bridge.token _demo_new_secret bridge demo-bridge >/dev/null; }
# the secret is the one word starting with rp_ / br_ in the output
_demo_new_secret() {
	demo_admin "$1" add "$2" | grep -oE '(rp|br)_[A-Za-z0-9_-]{43}' | head -n 1
}

# demo_bridge: stkauth-bridge with one modem transport (the pool gsm0 +
# gsm1, cards +4915100...) and one SMPP transport (bind to the netsim
# SMSC as ESME "stkauth", cards +4915200...), talking HTTPS to the server
# (docs/BRIDGE.md).  DEMO_BRIDGE_INI_EXTRA adds [bridge] keys (tests).
demo_bridge() {
	local ini=$DEMO_DIR/etc/bridge.ini
	mkdir -p "$DEMO_DIR/bridge"
	demo_bridge_token || return 1
	cat >"$ini" <<-EOF
	# generated by tools/demo/lib.sh
	[bridge]
	name = demo
	server_url = $DEMO_URL
	ca_file = $DEMO_DIR/ldap/ca/ca.pem
	token_file = $DEMO_DIR/etc/bridge.token
	state_dir = $DEMO_DIR/bridge
	queue_db = $DEMO_DIR/bridge/queue.db
	keystore = $DEMO_DIR/bridge/keystore.db
	metrics_listen = 127.0.0.1:$P_BRHTTP
	log_level = ${DEMO_BRIDGE_LOG:-info}
	claim_wait_ms = 25000
	${DEMO_BRIDGE_INI_EXTRA:-}

	[transport modems]
	type = modem
	route = +4915100
	modems = gsm0 gsm1
	gsm0.link = tcp:127.0.0.1:$P_MODEM0
	gsm1.link = tcp:127.0.0.1:$P_MODEM1
	smsc = $DEMO_SCA
	keepalive = 5s
	command_timeout = 5s
	send_timeout = 10s
	retry = 500ms

	[transport smsc]
	type = smpp
	route = +4915200
	host = 127.0.0.1
	port = $P_SMPP
	system_id = stkauth
	password = $(cat "$DEMO_DIR/etc/esme.pw")
	source_addr = $DEMO_ESME_NUMBER
	window = 100
	reconnect_min = 200ms
	reconnect_max = 2s
	EOF
	chmod 0600 "$ini"
	"$DEMO_BIN/stkauth-bridge" -n -c "$ini" >"$DEMO_DIR/logs/bridge-check.log" 2>&1 ||
	    { _demo_fail bridge-check "configuration refused"; return 1; }
	demo_start bridge "$DEMO_BIN/stkauth-bridge" -c "$ini" &&
	    demo_wait_log bridge 'modem gsm0: .*-> ready' &&
	    demo_wait_log bridge 'modem gsm1: .*-> ready' &&
	    demo_wait_log bridge 'transport smsc up'
}

# demo_enroll N: account of card N created and bound to the card's
# MSISDN, then `stkauth-admin enroll` through card N's pcscd: the card
# makes its key pair, the CA issues the certificate (published to LDAP),
# OTA keys, K_auth, service number and PIN go into the card, the card into
# the server and the bridge's key store (docs/ADMIN.md).  The phone of
# card N must not run meanwhile (the card is personalised exclusively).
DEMO_APPLET_PIN=${DEMO_APPLET_PIN:-1234}
demo_enroll() {
	local n=$1 acct msisdn
	acct=$(demo_account "$n")
	msisdn=$(demo_msisdn "$n")
	[ -s "$DEMO_DIR/cards/$n.admin" ] || { demo_log "card $n has no admin key"; return 1; }
	{
		echo "=== $(date '+%F %T') enroll $acct (card $n, $msisdn)"
		demo_admin user add "$acct" &&
		demo_admin bind "$acct" "$msisdn" &&
		printf '%s\n' "$DEMO_APPLET_PIN" | demo_admin_card "$n" enroll "$acct" \
		    --reader "$(demo_reader "$n")" --pin-file -
	} >>"$DEMO_DIR/logs/enroll.log" 2>&1 ||
	    { _demo_fail enroll "enrolment of $acct (card $n) failed"; return 1; }
}

# testlib.sh - the fixture library of the shell tests (tests/sh/*.sh) and
# of the fixture files built on it (web_lib.sh, bridge_lib.sh).  Sourced,
# not run, from the repository root; bash 4.4 or later.
#
# What every integration test needs, written once: TAP lines, skip and
# precondition checks, a private scratch folder, free loopback ports,
# bounded waits, processes started and stopped by pid, the test PKI, a
# stkauth-server with its store, and a private pcscd with the vpcd reader.
# Nothing here calls exit but the precondition helpers (and tl_begin when
# no folder can be made, or on SIGTERM/SIGINT, to clean up); every
# wait is bounded; only processes started through this file (or handed to
# tl_track) are ever signalled, by pid, and a pid is checked against the
# start time recorded with it so that a recycled pid is never signalled.
#
# TAP
#   ok STATUS TEXT          "ok N - TEXT" when STATUS is 0, else "not ok"
#   check TEXT EXPR         eval EXPR, then ok on its status
#   tap_plan N              print the plan now; tap_end checks the count
#   tap_end                 print the plan (unless given first); status 0
#                           when every line passed and the plan was kept
#   tl_tail FILE [LINES] [TITLE]   the end of FILE as TAP comments
# Test vectors
#   tl_vector FILE CASE KEY  the value of KEY in the case named CASE of a
#                           vector file in the format of
#                           tests/unit/support_vectors.h, continuation
#                           lines joined (their first word each)
# Preconditions (print the TAP verdict and exit)
#   tl_need TOOL...         skip the whole test unless every TOOL is there
#   tl_need_root WHY        skip the whole test unless run as root
#   tl_built FILE...        fail the test unless every FILE is executable
# Scratch folder and cleanup
#   tl_begin [NAME]         $tmp = a fresh folder /tmp/stkauth-NAME.XXXXXX;
#                           at exit: processes stopped (TL_EXIT_SIGNAL,
#                           TL_EXIT_WAIT s, then KILL), tl_at_exit commands
#                           run, $tmp removed (kept when KEEP is set)
#   tl_at_exit CMD          eval CMD at exit, after the processes stopped
# Ports and waits (every wait polls every 0.1 s and gives up)
#   free_port               FREE = a free loopback TCP port, not handed out
#                           before in this run
#   free_port_pair          FREE = a port P with P and P+1 free (vpcd)
#   wait_for SECS CMD...    until CMD succeeds (CMD runs as given: a $(...)
#                           in it is expanded once, before the first try;
#                           put what must be read again in a function)
#   wait_log FILE ERE [COUNT] [SECS]   until ERE matches COUNT (1) lines
#                           of FILE (10 s)
#   wait_port PORT [SECS]   until something listens on TCP PORT (10 s)
#   wait_gone PID [SECS]    until process PID has ended (10 s)
# Processes
#   tl_spawn LOG CMD...     CMD in the background, stdout and stderr
#                           appended to LOG; pid in SPAWNED; stopped at exit
#   tl_track PID            stop PID at exit too (a coproc, a `&` job)
#   tl_alive PID            the process still runs (and is the one tracked)
#   tl_stop PID [SECS] [SIG]   SIG (TERM), wait up to SECS (10), then KILL;
#                           returns the process's exit status
# The test PKI (ldap-fixtures/ca.sh, identity rules of server/certcheck.h)
#   tl_ca [NAME]            the CA in $TL_CA_DIR ($tmp/ca: ca.pem, ca.key)
#   tl_user_cert ACCOUNT MSISDN [KEY]   $tmp/certs/ACCOUNT.pem for KEY
#                           (default the RSA test key of $V): CN=ACCOUNT,
#                           SAN URI:tel:MSISDN, extensions v3_user
#   tl_tls_cert             $TL_CA_DIR/server.{key,pem}: localhost and
#                           IP 127.0.0.1, issued by the CA
# stkauth-server ($SERVER) and its store ($TL_DB, default $tmp/server.db)
#   tl_kauth [HEX]          $tmp/kauth.hex (default $TL_KAUTH)
#   tl_account NAME [MSISDN ICCID]   an account; with MSISDN and ICCID
#                           bound, with a card whose K_auth is kauth.hex
#   tl_api_key NAME         prints a new relying party's API key
#   tl_bridge_token NAME [FILE]   prints a bridge token, or writes FILE 0600
#   tl_server_ini FILE PORT [SERVER-LINES] [SECTIONS]   a configuration:
#                           [server] on 127.0.0.1:PORT with the store and
#                           SERVER-LINES (default "tls = no"), [certs] from
#                           $tmp/certs and the test CA, then SECTIONS
#   tl_server_start INI LOG URL [CURL-OPTION...]   start it, wait (5 s)
#                           until URL/healthz answers; pid in SPAWNED
# A private pcscd with the vsmartcard vpcd driver (docs/SIM.md; root)
#   tl_pcscd NAME PORT      reader NAME (slots "NAME 00 00", "NAME 00 01")
#                           listening on PORT and PORT+1, pcscd in its own
#                           mount namespace with $tmp/pcsc/run on
#                           /run/pcscd; log $TL_PCSCD_LOG; pid PCSCD_PID;
#                           exports PCSCLITE_CSOCK_NAME; runs again after
#                           tl_stop "$PCSCD_PID" (a pcscd restart)
# A scripted network end for stkauth-phone (docs/NETSIM-SUBSCRIBER.md:
# one line per message over TCP)
#   tl_net PORT [IDLE-SECS]  socat on 127.0.0.1:PORT as coprocess NET (the
#                           phone connects to it; exits after IDLE-SECS,
#                           default 30, of silence); pid in NET_PROC
#   net_read VAR [SECS]     the next line from the phone, CR removed; ""
#                           when none came in SECS (10)
#   net_send LINE           one line to the phone

SERVER=${STKAUTH_SERVER:-build/bin/stkauth-server}
V=tests/vectors/authmsg
TL_FX=ldap-fixtures
TL_KAUTH=000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F
# The signal the cleanup sends first (bridge tests: KILL, a drain is not
# what they wait for at exit).
TL_EXIT_SIGNAL=${TL_EXIT_SIGNAL:-TERM}
# and how long (seconds) it waits for them before SIGKILL
TL_EXIT_WAIT=${TL_EXIT_WAIT:-5}

n=0
fails=0
TL_PLAN=
tmp=
declare -A TL_PIDS=()
TL_AT_EXIT=()
TL_USED_PORTS=" "

# ---- TAP ------------------------------------------------------------------

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fails=$((fails + 1))
	fi
}

check() {
	eval "$2"
	ok $? "$1"
}

tap_plan() {
	TL_PLAN=$1
	echo "1..$1"
}

tap_end() {
	if [ -z "$TL_PLAN" ]; then
		echo "1..$n"
	elif [ "$n" -ne "$TL_PLAN" ]; then
		echo "# ran $n checks, planned $TL_PLAN"
		return 1
	fi
	[ "$fails" -eq 0 ]
}

tl_tail() {	# FILE [LINES] [TITLE]
	echo "# ${3:-$1}:"
	tail -n "${2:-15}" "$1" 2>/dev/null | sed 's/^/#   /'
}

# ---- test vectors -----------------------------------------------------------

# "name: CASE" opens a case, "KEY: VALUE" lines follow, an indented line
# continues the last key, a blank line ends the case, "#" is a comment.
tl_vector() {	# FILE CASE KEY
	awk -v want="$2" -v key="$3" '
		/^#/ { next }
		/^[ \t]*$/ { name = ""; cur = ""; next }
		/^[ \t]/ { if (cur != "") val[cur] = val[cur] $1; next }
		{
			k = $0; sub(/:.*/, "", k)
			v = $0; sub(/^[^:]*:[ \t]*/, "", v)
			if (k == "name") name = v
			cur = (name == want) ? k : ""
			if (cur != "") val[cur] = v
		}
		END { print val[key] }
	' "$1"
}

# ---- preconditions ---------------------------------------------------------

tl_need() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "1..0 # SKIP $t not installed (make deps installs it)"
			exit 0
		fi
	done
}

tl_need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "1..0 # SKIP not root: $1"
		exit 0
	fi
}

tl_built() {
	local f
	for f in "$@"; do
		if [ ! -x "$f" ]; then
			echo "1..1"
			echo "not ok 1 - $f must be built (make all tests)"
			exit 1
		fi
	done
}

# ---- scratch folder, processes, cleanup -----------------------------------

# The kernel's start time of PID (/proc/PID/stat field 22); empty when no
# such process runs (a zombie has ended too).
_tl_starttime() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	s=${s##*) }
	set -- $s
	[ "$1" = Z ] || echo "${20}"
}

tl_track() {
	TL_PIDS[$1]=$(_tl_starttime "$1")
}

tl_alive() {
	local st
	st=$(_tl_starttime "$1")
	[ -n "$st" ] && [ "${TL_PIDS[$1]:-$st}" = "$st" ]
}

tl_spawn() {	# LOG CMD...
	local log=$1
	shift
	"$@" >>"$log" 2>&1 &
	SPAWNED=$!
	tl_track "$SPAWNED"
}

tl_stop() {	# PID [SECS] [SIGNAL]
	local p=$1 t=$((${2:-10} * 10))
	[ -n "$p" ] || return 0
	tl_alive "$p" && kill "-${3:-TERM}" "$p" 2>/dev/null
	for ((; t > 0; t--)); do
		tl_alive "$p" || break
		sleep 0.1
	done
	tl_alive "$p" && kill -KILL "$p" 2>/dev/null
	unset 'TL_PIDS[$p]'
	wait "$p"
} 2>/dev/null	# bash's "Killed" notices too

_tl_cleanup() {
	local p t live
	for p in "${!TL_PIDS[@]}"; do
		tl_alive "$p" && kill "-$TL_EXIT_SIGNAL" "$p" 2>/dev/null
	done
	for ((t = TL_EXIT_WAIT * 10; t > 0; t--)); do
		live=
		for p in "${!TL_PIDS[@]}"; do
			tl_alive "$p" && live=1
		done
		[ -n "$live" ] || break
		sleep 0.1
	done
	for p in "${!TL_PIDS[@]}"; do
		tl_alive "$p" && kill -KILL "$p"
		wait "$p"
	done
	TL_PIDS=()
	for p in "${TL_AT_EXIT[@]}"; do
		eval "$p"
	done
	if [ -n "${KEEP:-}" ]; then
		echo "# kept $tmp"
	elif [ -n "$tmp" ]; then
		rm -rf "$tmp"
	fi
} 2>/dev/null

tl_at_exit() {
	TL_AT_EXIT+=("$1")
}

tl_begin() {	# [NAME]
	tmp=$(mktemp -d "/tmp/stkauth-${1:-test}.XXXXXX") || exit 1
	trap _tl_cleanup EXIT
	# a test stopped by a signal (run-tests.sh's timeout) cleans up too
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# ---- ports and bounded waits ----------------------------------------------

# (No $(...) around these: the ports handed out must survive the call.)
free_port() {
	local p
	FREE=
	for p in $(shuf -i 20000-59999 -n 50); do
		if [ -z "$(ss -Htan "( sport = :$p )")" ] &&
		    [[ $TL_USED_PORTS != *" $p "* ]]; then
			TL_USED_PORTS+="$p "
			FREE=$p
			return 0
		fi
	done
	return 1
}

free_port_pair() {
	local p
	FREE=
	for p in $(shuf -i 20000-59998 -n 50); do
		if [ -z "$(ss -Htan "( sport = :$p or sport = :$((p + 1)) )")" ] &&
		    [[ $TL_USED_PORTS != *" $p "* ]] &&
		    [[ $TL_USED_PORTS != *" $((p + 1)) "* ]]; then
			TL_USED_PORTS+="$p $((p + 1)) "
			FREE=$p
			return 0
		fi
	done
	return 1
}

wait_for() {	# SECS CMD...
	local t=$(($1 * 10))
	shift
	for ((; t > 0; t--)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

_tl_has_lines() {	# FILE ERE COUNT
	local c
	c=$(grep -cE -- "$2" "$1" 2>/dev/null)
	[ "${c:-0}" -ge "$3" ]
}

wait_log() {	# FILE ERE [COUNT] [SECS]
	wait_for "${4:-10}" _tl_has_lines "$1" "$2" "${3:-1}"
}

_tl_listening() {
	[ -n "$(ss -Htln "( sport = :$1 )")" ]
}

wait_port() {	# PORT [SECS]
	wait_for "${2:-10}" _tl_listening "$1"
}

_tl_gone() { ! tl_alive "$1"; }

wait_gone() {	# PID [SECS]
	wait_for "${2:-10}" _tl_gone "$1"
}

# ---- the test PKI -----------------------------------------------------------

TL_CA_DIR=
tl_ca() {	# [NAME]
	TL_CA_DIR=$tmp/ca
	mkdir -p "$tmp/certs"
	"$TL_FX/ca.sh" init "$TL_CA_DIR" "${1:-stkauth test CA}"
}

# A user certificate for a key of the test vectors, so that the card side
# (tests/helpers/server_auth_respond) can sign for it; the extensions are
# the fixture CA's v3_user (ldap-fixtures/openssl-ca.cnf), the subject
# only the CN.
tl_user_cert() {	# ACCOUNT MSISDN [KEY]
	[ -n "$TL_CA_DIR" ] || tl_ca || return 1
	openssl req -new -key "${3:-$V/rsa2048_test_key.pem}" -subj "/CN=$1" \
	    -out "$tmp/$1.csr" 2>/dev/null &&
	    STKAUTH_CA_DIR=$TL_CA_DIR STKAUTH_SAN="URI:tel:$2" \
	    openssl x509 -req -in "$tmp/$1.csr" -CA "$TL_CA_DIR/ca.pem" \
	    -CAkey "$TL_CA_DIR/ca.key" -CAcreateserial -days 10 \
	    -extfile "$TL_FX/openssl-ca.cnf" -extensions v3_user \
	    -out "$tmp/certs/$1.pem" 2>/dev/null
}

tl_tls_cert() {
	[ -n "$TL_CA_DIR" ] || tl_ca || return 1
	"$TL_FX/ca.sh" server "$TL_CA_DIR"
}

# ---- stkauth-server and its store -----------------------------------------

TL_DB=
_tl_db() { echo "${TL_DB:-$tmp/server.db}"; }

tl_kauth() {	# [HEX]
	echo "${1:-$TL_KAUTH}" >"$tmp/kauth.hex"
}

tl_account() {	# NAME [MSISDN ICCID]
	if [ $# -ge 3 ]; then
		[ -s "$tmp/kauth.hex" ] || tl_kauth
		"$SERVER" --db "$(_tl_db)" --add-account "$1" --msisdn "$2" \
		    --iccid "$3" --kauth-file "$tmp/kauth.hex" >/dev/null
	else
		"$SERVER" --db "$(_tl_db)" --add-account "$1" >/dev/null
	fi
}

tl_api_key() {	# NAME
	"$SERVER" --db "$(_tl_db)" --add-api-key "$1" 2>/dev/null
}

tl_bridge_token() {	# NAME [FILE]
	if [ $# -ge 2 ]; then
		(umask 077
		"$SERVER" --db "$(_tl_db)" --add-bridge-token "$1" >"$2") 2>/dev/null
	else
		"$SERVER" --db "$(_tl_db)" --add-bridge-token "$1" 2>/dev/null
	fi
}

tl_server_ini() {	# FILE PORT [SERVER-LINES] [SECTIONS]
	cat >"$1" <<-EOF
	[server]
	listen = 127.0.0.1
	port = $2
	${3:-tls = no}
	database = $(_tl_db)
	log_level = ${TL_LOG_LEVEL:-info}
	[certs]
	source = file
	dir = $tmp/certs
	ca = ${TL_CA_DIR:-$tmp/ca}/ca.pem
	${4:-}
	EOF
}

tl_server_start() {	# INI LOG URL [CURL-OPTION...]
	local ini=$1 log=$2 url=$3
	shift 3
	tl_spawn "$log" "$SERVER" -c "$ini"
	wait_for 5 curl -s -o /dev/null "$@" "$url/healthz"
}

# ---- a private pcscd with vpcd ------------------------------------------------

TL_PCSCD_LOG=
PCSCD_PID=
tl_pcscd() {	# NAME PORT
	local run=$tmp/pcsc/run conf=$tmp/pcsc/conf
	TL_PCSCD_LOG=$tmp/pcscd.log
	mkdir -p "$run" "$conf" /run/pcscd
	cat >"$conf/vpcd" <<-EOF
	FRIENDLYNAME "$1"
	DEVICENAME   /dev/null:$2
	LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so
	CHANNELID    $2
	EOF
	export PCSCLITE_CSOCK_NAME=$run/pcscd.comm
	rm -f "$run/pcscd.comm"
	# unshare and sh exec into pcscd: the pid is pcscd's
	tl_spawn "$TL_PCSCD_LOG" unshare -m sh -c \
	    "mount --bind '$run' /run/pcscd && exec pcscd -f -i -a -c '$conf'"
	PCSCD_PID=$SPAWNED
	wait_for 10 test -S "$run/pcscd.comm" && wait_port "$2" 10
}

# ---- a scripted network end for the phone ---------------------------------

NET_PROC=
tl_net() {	# PORT [IDLE-SECS]
	coproc NET { exec socat -T "${2:-30}" \
	    "TCP-LISTEN:$1,bind=127.0.0.1,reuseaddr" STDIO 2>/dev/null; }
	# (bash unsets NET_PID when socat ends: the pid is kept here)
	NET_PROC=$NET_PID
	tl_track "$NET_PROC"
	wait_port "$1" 5
}

net_read() {	# VAR [SECS]
	local l=
	IFS= read -r -t "${2:-10}" l <&"${NET[0]}" || true
	printf -v "$1" '%s' "${l%$'\r'}"
}

net_send() { printf '%s\n' "$1" >&"${NET[1]}"; }

# bridge_lib.sh - shared by the bridge core's shell tests
# (tests/sh/test_bridge_core.sh, test_bridge_crash.sh, test_bridge_tls.sh)
# and its benchmark script (tests/bench/bridge_core_bench.sh); sourced, not
# run, from the repository root.  TAP counting, free loopback ports,
# bounded waits, processes stopped by pid, and the server side every one
# of them needs: a store with an API key, bridge tokens and accounts, user
# certificates from a throw-away CA (`[certs] source = file`), and the
# key store rows the `loop` transport tests use.
#
#   bl_begin TOOL...        skip unless the tools exist, fail unless the
#                           binaries are built; $tmp, cleanup on exit
#   ok STATUS TEXT          one TAP line; bl_end prints the plan
#   free_port               a free loopback port in $FREE
#   wait_for SECS CMD...    poll CMD every 0.1 s
#   bl_spawn LOG CMD...     start CMD in the background (pid in $SPAWNED)
#   bl_stop PID [SECS]      SIGTERM, wait (bounded), then KILL; exit status
#   bl_store                server.db: API key $KEY, bridge tokens
#                           $tmp/b1.token $tmp/b2.token, accounts alice
#                           ($ICC_A) and bob ($ICC_B) with K_auth
#   bl_server_ini PORT TLS-LINES [EXTRA]   $tmp/server.ini
#   bl_enrol DB ICCID MSISDN [KIC-KEY KID-KEY]   a key store row (TAR
#                           53544B, AES key set 1, SPI 163A)
#   bl_login ACCOUNT        POST /api/v1/authentication at $U: $sid
#   bl_req METHOD PATH [BODY]   a relying party's call: $code, $body

BRIDGE=${STKAUTH_BRIDGE:-build/bin/stkauth-bridge}
SERVER=${STKAUTH_SERVER:-build/bin/stkauth-server}
CARD=build/tests/helpers/bridge_card
RESPOND=build/tests/helpers/server_auth_respond
V=tests/vectors/authmsg
# The test card's OTA keys (AES-128 key set 1) and its K_auth.
TAR=53544B KIC=12 KID=12
KK=000102030405060708090A0B0C0D0E0F KD=101112131415161718191A1B1C1D1E1F
ICC_A=8944100000000123456 ICC_B=8944100000000123464
MS_A=+37255500001 MS_B=+37255500002
n=0
fails=0
pids=()
used_ports=" "
CURL_TLS=()

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else
		echo "not ok $n - $2"; fails=$((fails + 1)); fi
}

bl_cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -9 "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	if [ -n "${KEEP:-}" ]; then echo "# kept $tmp"; else rm -rf "$tmp"; fi
}

bl_begin() {
	local t f
	for t in curl jq openssl sqlite3 ss shuf "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "1..0 # SKIP $t not installed (make deps)"
			exit 0
		fi
	done
	for f in "$BRIDGE" "$SERVER" "$CARD" "$RESPOND"; do
		if [ ! -x "$f" ]; then
			echo "1..1"
			echo "not ok 1 - $f must be built (make all tests)"
			exit 1
		fi
	done
	tmp=$(mktemp -d /tmp/stkauth-bridge-test.XXXXXX)
	trap bl_cleanup EXIT
}

bl_end() {
	echo "1..$n"
	[ "$fails" -eq 0 ]
}

free_port() {
	local p
	FREE=
	for p in $(shuf -i 20000-59999 -n 50); do
		if [ -z "$(ss -Htan "( sport = :$p )")" ] &&
		    [[ $used_ports != *" $p "* ]]; then
			used_ports="$used_ports$p "
			FREE=$p
			return 0
		fi
	done
	return 1
}

wait_for() {
	local t=$(($1 * 10))
	shift
	for ((; t > 0; t--)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

bl_spawn() {
	local log=$1
	shift
	"$@" 2>>"$log" >/dev/null &
	SPAWNED=$!
	pids+=("$SPAWNED")
}

bl_stop() {
	local p=$1 t=$((${2:-10} * 10))
	kill -TERM "$p" 2>/dev/null || return 0
	for ((; t > 0; t--)); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$p" 2>/dev/null
	wait "$p"
}

# A throw-away CA issues the users' certificates, all for the test key
# of tests/vectors/authmsg (server_auth_respond signs with it).
bl_user_cert() {	# ACCOUNT MSISDN
	[ -s "$tmp/ca.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes \
	    -keyout "$tmp/ca.key" -out "$tmp/ca.pem" -days 30 \
	    -subj "/CN=bridge test CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	mkdir -p "$tmp/certs"
	openssl req -new -key $V/rsa2048_test_key.pem -subj "/CN=$1" \
	    -out "$tmp/$1.csr" 2>/dev/null
	printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nsubjectAltName=URI:tel:%s\n' \
	    "$2" >"$tmp/$1.ext"
	openssl x509 -req -in "$tmp/$1.csr" -CA "$tmp/ca.pem" \
	    -CAkey "$tmp/ca.key" -CAcreateserial -days 10 \
	    -extfile "$tmp/$1.ext" -out "$tmp/certs/$1.pem" 2>/dev/null
}

bl_store() {
	local db=$tmp/server.db
	bl_user_cert alice $MS_A && bl_user_cert bob $MS_B || return 1
	KEY=$($SERVER --db "$db" --add-api-key rp1 2>/dev/null) &&
	    (umask 077
	    $SERVER --db "$db" --add-bridge-token b1 >"$tmp/b1.token" &&
	    $SERVER --db "$db" --add-bridge-token b2 >"$tmp/b2.token") \
	    2>/dev/null || return 1
	echo 000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F \
	    >"$tmp/kauth.hex"
	$SERVER --db "$db" --add-account alice --msisdn $MS_A --iccid $ICC_A \
	    --kauth-file "$tmp/kauth.hex" >/dev/null &&
	    $SERVER --db "$db" --add-account bob --msisdn $MS_B \
	    --iccid $ICC_B --kauth-file "$tmp/kauth.hex" >/dev/null
}

bl_server_ini() {	# PORT TLS-LINES [EXTRA]
	cat >"$tmp/server.ini" <<-EOF
	[server]
	listen = 127.0.0.1
	port = $1
	$2
	database = $tmp/server.db
	log_level = info
	[session]
	lifetime = 60
	[ratelimit]
	per_address = 0
	per_account = 0
	[certs]
	source = file
	dir = $tmp/certs
	ca = $tmp/ca.pem
	${3:-}
	EOF
}

bl_enrol() {	# DB ICCID MSISDN [KIC-KEY KID-KEY]
	$CARD enrol "$1" "$2" "$3" $TAR $KIC $KID "${4:-$KK}" "${5:-$KD}"
}

bl_req() {
	local a=(-s -m 30 -o "$tmp/body" -w '%{http_code}' "${CURL_TLS[@]}"
	    -X "$1" -H "Authorization: Bearer $KEY")
	[ $# -ge 3 ] && a+=(-H 'Content-Type: application/json' --data-binary "$3")
	code=$(curl "${a[@]}" "$U$2")
	body=$(cat "$tmp/body" 2>/dev/null)
}

bl_login() {	# ACCOUNT [SERVICE]
	bl_req POST /api/v1/authentication \
	    "{\"account\":\"$1\",\"serviceName\":\"${2:-Example Bank login}\"}"
	sid=$(jq -r '.sessionId // empty' <<<"$body" 2>/dev/null)
}

# Server job state (server/store.h: 0 QUEUED, 1 LEASED, 2 SENT,
# 3 DELIVERED, ...) and the claim that holds it.
bl_job() { sqlite3 "$tmp/server.db" "SELECT ${2:-state} FROM jobs WHERE id='$1'" 2>/dev/null; }

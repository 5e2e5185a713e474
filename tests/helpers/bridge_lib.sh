# bridge_lib.sh - the fixture of the bridge core's shell tests
# (tests/sh/test_bridge_lease.sh, test_bridge_tls.sh); sourced, not run,
# from the repository root.  Built on tests/helpers/testlib.sh (TAP, free
# ports, bounded waits, processes by pid, the test PKI, the server's
# store); this file adds the server side every bridge test needs: a store
# with an API key, bridge tokens and accounts whose user certificates come
# from the test CA (`[certs] source = file`), and the key store rows the
# `loop` transport tests use.
#
#   bl_begin TOOL...        skip unless the tools exist, fail unless the
#                           binaries are built; $tmp, cleanup on exit
#   bl_end                  the plan and the verdict (tap_end)
#   bl_spawn LOG CMD...     tl_spawn (pid in $SPAWNED)
#   bl_stop PID [SECS]      tl_stop: SIGTERM, bounded wait, then KILL
#   bl_store                server.db: API key $KEY, bridge tokens
#                           $tmp/b1.token $tmp/b2.token, accounts alice
#                           ($ICC_A) and bob ($ICC_B) with K_auth
#   bl_server_ini PORT TLS-LINES [EXTRA]   $tmp/server.ini
#   bl_enrol DB ICCID MSISDN [KIC-KEY KID-KEY]   a key store row (TAR
#                           53544B, AES key set 1, SPI 163A)
#   bl_login ACCOUNT        POST /api/v1/authentication at $U: $sid
#   bl_req METHOD PATH [BODY]   a relying party's call: $code, $body
#   bl_job ID [COLUMN]      the server's row of job ID (state by default)

. tests/helpers/testlib.sh

BRIDGE=${STKAUTH_BRIDGE:-build/bin/stkauth-bridge}
CARD=build/tests/helpers/bridge_card
RESPOND=build/tests/helpers/server_auth_respond
# The test card's OTA keys (AES-128 key set 1) and its K_auth.
TAR=53544B KIC=12 KID=12
KK=000102030405060708090A0B0C0D0E0F KD=101112131415161718191A1B1C1D1E1F
ICC_A=8944100000000123456 ICC_B=8944100000000123464
MS_A=+37255500001 MS_B=+37255500002
CURL_TLS=()
# At exit the bridges are killed, not drained.
TL_EXIT_SIGNAL=KILL

bl_begin() {
	tl_need curl jq openssl sqlite3 ss shuf "$@"
	tl_built "$BRIDGE" "$SERVER" "$CARD" "$RESPOND"
	tl_begin bridge-test
}

bl_end() { tap_end; }
bl_spawn() { tl_spawn "$@"; }
bl_stop() { tl_stop "$@"; }

bl_store() {
	tl_user_cert alice $MS_A && tl_user_cert bob $MS_B || return 1
	KEY=$(tl_api_key rp1) && tl_bridge_token b1 "$tmp/b1.token" &&
	    tl_bridge_token b2 "$tmp/b2.token" || return 1
	tl_kauth
	tl_account alice $MS_A $ICC_A && tl_account bob $MS_B $ICC_B
}

bl_server_ini() {	# PORT TLS-LINES [EXTRA]
	tl_server_ini "$tmp/server.ini" "$1" "$2" "[session]
lifetime = 60
[ratelimit]
per_address = 0
per_account = 0
${3:-}"
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

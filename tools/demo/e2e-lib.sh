# tools/demo/e2e-lib.sh - what the end-to-end tests (tests/sh/test_e2e_*.sh)
# and benchmarks (tests/bench/e2e_*) add to tools/demo/lib.sh: TAP output,
# one private environment per test (own folder, own free ports, so the
# tests may run in parallel), the REST calls of a relying party, and the
# checks of a finished session.  Sourced after tools/demo/lib.sh.
#
#   e2e_begin NAME PLAN    skip (TAP "1..0 # SKIP") unless root and built;
#                          a fresh DEMO_DIR; cleanup on exit: every process
#                          stopped by pid, logs kept in
#                          build/test-logs/e2e-NAME/ when a check failed
#   e2e_up [PHONE-ARGS]    the whole system with the cards enrolled and the
#                          phones started with PHONE-ARGS (default: answer
#                          automatically: --auto confirm --pin 1234)
#   e2e_login ACCOUNT      POST /api/v1/authentication: SID, TICKET, CODE
#   e2e_wait SID [MS]      long-poll until COMPLETE: STATE, RESULT, BODY

E2E_ARTIFACTS=build/test-artifacts/e2e
n=0
failed=0
ok()    { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; failed=1; }
check() { if eval "$2"; then ok "$1"; else notok "$1"; fi; }
skip()  { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
diag()  { sed 's/^/# /'; }

# Tests use short lifetimes and no rate limits (REST-API.md §7): a
# timeout test must not wait two minutes, and many logins from one
# address must not be refused.
DEMO_SERVER_INI_EXTRA=${DEMO_SERVER_INI_EXTRA:-"
[session]
lifetime = ${E2E_LIFETIME:-30}
[ratelimit]
per_address = 0
per_account = 0
[lockout]
max_failures = ${E2E_LOCKOUT:-0}"}

e2e_begin() {
	E2E_NAME=$1
	local plan=$2 b
	export PATH=$PATH:/usr/sbin
	if [ "$(id -u)" -ne 0 ]; then
		echo "1..0 # SKIP not root: the private pcscd needs unshare -m and mount --bind"
		exit 0
	fi
	for b in pcscd slapd socat curl jq openssl perl ss; do
		if ! command -v "$b" >/dev/null; then
			echo "1..0 # SKIP $b missing (make deps)"
			exit 0
		fi
	done
	for b in stkauth-server stkauth-bridge stkauth-admin stkauth-sim \
	    stkauth-phone stkauth-netsim; do
		if [ ! -x "$DEMO_BIN/$b" ]; then
			echo "1..1"
			echo "not ok 1 - $DEMO_BIN/$b is not built (make all)"
			exit 1
		fi
	done
	echo "1..$plan"
	E2E_PLAN=$plan
	mkdir -p "$E2E_ARTIFACTS"
	demo_env "$(mktemp -d "/tmp/stkauth-e2e-$E2E_NAME.XXXXXX")" || exit 1
	trap e2e_end EXIT
	trap 'exit 1' INT TERM
}

e2e_end() {
	local keep=build/test-logs/e2e-$E2E_NAME
	demo_down
	if [ "$failed" -ne 0 ] || [ "$n" -ne "$E2E_PLAN" ]; then
		rm -rf "$keep"
		mkdir -p "$keep"
		cp -r "$DEMO_DIR/logs" "$DEMO_DIR/etc" "$keep/" 2>/dev/null
		rm -f "$keep"/etc/*.key "$keep"/etc/*.token "$keep"/etc/*.pw
		echo "# logs of the processes kept in $keep/logs"
		for f in server bridge netsim; do
			[ -f "$DEMO_DIR/logs/$f.log" ] || continue
			echo "# --- $f.log (end)"
			tail -n 12 "$DEMO_DIR/logs/$f.log" | diag
		done
	fi
	rm -rf "$DEMO_DIR"
}

# e2e_up [PHONE-ARGS...]: infrastructure, bridge, enrolment, phones.
e2e_up() {
	local k
	demo_infra || return 1
	demo_rp_key >/dev/null || return 1
	E2E_KEY=$(cat "$DEMO_DIR/etc/rp.key")
	demo_bridge || return 1
	for ((k = 1; k <= DEMO_CARDS; k++)); do
		demo_enroll "$k" || return 1
	done
	[ $# -gt 0 ] || set -- --auto confirm --pin 1234 --delay 0
	for ((k = 1; k <= DEMO_CARDS; k++)); do
		demo_phone "$k" "$@" || return 1
	done
}

# e2e_up_check DESCRIPTION [PHONE-ARGS...]: e2e_up as the first TAP line;
# the test ends there when the system does not come up.
e2e_up_check() {
	local what=$1 rc
	shift
	e2e_up "$@"
	rc=$?
	check "$what: $(demo_running | tr '\n' ' ')" "[ $rc -eq 0 ]"
	[ $rc -eq 0 ] || exit 1
}

# e2e_oks SID: how many times the audit log says SID ended OK (1 is the
# only right answer for a login that succeeded: never two successes).
e2e_oks() {
	sqlite3 "$DEMO_DIR/server.db" \
	    "SELECT count(*) FROM audit WHERE session_id = '$1' AND result = 'OK';" 2>/dev/null
}

# e2e_api METHOD PATH [BODY]: a relying party's call; CODE and BODY.
e2e_api() {
	local args=(-o "$DEMO_DIR/run/body" -w '%{http_code}' -X "$1"
	    -H "Authorization: Bearer $E2E_KEY")
	[ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	CODE=$(demo_curl "${args[@]}" "$DEMO_URL$2")
	BODY=$(cat "$DEMO_DIR/run/body" 2>/dev/null)
}

# e2e_login ACCOUNT [SERVICE]: start a session; SID and TICKET.
e2e_login() {
	local svc=${2:-$DEMO_SERVICE_NAME}
	e2e_api POST /api/v1/authentication \
	    "$(jq -cn --arg a "$1" --arg s "$svc" '{account: $a, serviceName: $s}')"
	SID=$(jq -r '.sessionId // empty' <<<"$BODY" 2>/dev/null)
	TICKET=$(jq -r '.ticket // empty' <<<"$BODY" 2>/dev/null)
}

# e2e_wait SID [MS]: long-poll (at most MS, default 30000, in steps the
# server allows) until COMPLETE; STATE, RESULT, BODY.
e2e_wait() {
	local sid=$1 ms=${2:-30000} step left
	left=$ms
	STATE= RESULT=
	while [ "$left" -gt 0 ]; do
		step=$((left > 25000 ? 25000 : left))
		e2e_api GET "/api/v1/authentication/session/$sid?timeoutMs=$step"
		STATE=$(jq -r '.state // empty' <<<"$BODY" 2>/dev/null)
		RESULT=$(jq -r '.result // empty' <<<"$BODY" 2>/dev/null)
		[ "$STATE" = COMPLETE ] && return 0
		[ "$CODE" = 200 ] || sleep 0.2
		left=$((left - step))
	done
	return 1
}

# e2e_verify_ok BODY-FILE: the relying party's own check of an OK answer
# with openssl alone: the certificate chains to the demo CA and is not
# revoked (CRL), the signature over signedData verifies with its key, and
# signedData binds this session and ticket (PROTOCOL.md §7).  Prints what
# failed.
e2e_verify_ok() {
	local body=$1 sid=$2 ticket=$3 d=$DEMO_DIR/run/verify alg
	rm -rf "$d"
	mkdir -p "$d"
	jq -r .cert "$body" | base64 -d >"$d/cert.der" &&
	    jq -r .signature.value "$body" | base64 -d >"$d/sig.bin" &&
	    jq -r .signedData "$body" | base64 -d >"$d/dtbs.bin" ||
	    { echo "answer lacks cert/signature/signedData"; return 1; }
	alg=$(jq -r .signature.algorithm "$body")
	[ "$alg" = rsa-pkcs1-v1_5-sha256 ] || { echo "algorithm $alg"; return 1; }
	openssl x509 -inform DER -in "$d/cert.der" -out "$d/cert.pem" &&
	    openssl x509 -in "$d/cert.pem" -pubkey -noout >"$d/pub.pem" || return 1
	openssl verify -CAfile "$DEMO_DIR/ldap/ca/ca.pem" -crl_check \
	    -CRLfile "$DEMO_DIR/ldap/ca/crl.pem" "$d/cert.pem" >/dev/null ||
	    { echo "certificate does not verify against the demo CA + CRL"; return 1; }
	openssl dgst -sha256 -verify "$d/pub.pem" -signature "$d/sig.bin" \
	    "$d/dtbs.bin" >/dev/null ||
	    { echo "signature does not verify"; return 1; }
	# label (24) VERSION SIG-ALG SESSION-ID(8) NONCE(16) TICKET-LEN TICKET
	local hex
	hex=$(od -An -v -tx1 "$d/dtbs.bin" | tr -d ' \n' | tr a-f A-F)
	[ "${hex:0:48}" = 73746B617574682D76312D617574682D726573706F6E7365 ] ||
	    { echo "label"; return 1; }
	[ "${hex:52:16}" = "$sid" ] || { echo "session id ${hex:52:16} != $sid"; return 1; }
	local tl=$((16#${hex:100:2})) th
	th=$(printf '%s' "$ticket" | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F)
	[ "${hex:102:$((tl * 2))}" = "$th" ] || { echo "ticket not in signedData"; return 1; }
	return 0
}

# e2e_popup_ticket N: the ticket shown by phone N's open pop-up (its
# title is "SERVICE\nTicket: XXXXXX", docs/SIM.md).
e2e_popup_ticket() {
	local s
	s=$(demo_popup_wait "$1" "${2:-20}") || return 1
	sed -n 's/.*Ticket: \([0-9A-Z]*\).*/\1/p' <<<"$s"
}

# e2e_audit SID: the audit log lines of a session (stkauth-admin audit).
e2e_audit() {
	demo_admin --json audit 2>/dev/null | jq -c --arg s "$1" \
	    '(if type == "array" then .[] else . end) | select((.sessionId // .session // "") == $s)'
}

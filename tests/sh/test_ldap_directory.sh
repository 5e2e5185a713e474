#!/bin/bash
# test_ldap_directory.sh - the certificate directory against a real slapd:
# a PRIVATE instance from ldap-fixtures/ (own folder, own loopback ports,
# own CA made with the OpenSSL command line), users published with
# ldap-fixtures/publish.sh, and build/tests/helpers/ldapdir_probe looking
# them up through server/ldapdir.c and validating them with
# server/certcheck.c.  Checks: found / not found / each certificate
# failure, StartTLS and LDAPS against the fixture's server certificate, a
# CRL published in LDAP revoking a certificate, the cache TTL, and slapd
# stopped (clean error, backoff) and started again (lookups recover).
# TAP output; run from the repository root after "make all tests".  Stops
# only the slapd it started (ldap-fixtures/slapd.sh stop checks the pid
# file and the command line).
set -u

PROBE=${LDAPDIR_PROBE:-build/tests/helpers/ldapdir_probe}
FX=ldap-fixtures
PLAN=37
n=0

ok()    { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; }
# expect NAME PATTERN TEXT: TEXT matches the extended regex PATTERN
expect() {
	if [[ $3 =~ $2 ]]; then ok "$1"; else notok "$1"; echo "#   got: $3"; fi
}

for need in slapd slapadd slappasswd ldapsearch ldapmodify openssl; do
	if ! command -v "$need" >/dev/null &&
	    ! [ -x "/usr/sbin/$need" ]; then
		echo "1..0 # SKIP $need missing (make deps installs slapd ldap-utils)"
		exit 0
	fi
done
export PATH=$PATH:/usr/sbin
if ! [ -x "$PROBE" ]; then
	echo "1..0 # SKIP $PROBE not built (make tests)"
	exit 0
fi
echo "1..$PLAN"

T=$(mktemp -d /tmp/stkauth-ldap.XXXXXX)
D=$T/slapd
cleanup() {
	if [ -n "${PROBE_PID:-}" ]; then
		kill "$PROBE_PID" 2>/dev/null
	fi
	"$FX/slapd.sh" stop "$D" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

# A free port pair on the loopback: PORT (ldap, StartTLS), PORT+1 (ldaps).
PORT=
for p in $(shuf -i 20000-59998 -n 40); do
	if [ -z "$(ss -Htan "( sport = :$p or sport = :$((p + 1)) )")" ]; then
		PORT=$p
		break
	fi
done
SUFFIX=dc=stkauth,dc=test
BASE=ou=people,$SUFFIX
CADN="cn=stkauth Test CA,ou=ca,$SUFFIX"

# 1-2: the private directory
if "$FX/slapd.sh" start "$D" "$PORT" 2>"$T/start.err"; then
	ok "private slapd started on 127.0.0.1:$PORT"
else
	notok "private slapd started on 127.0.0.1:$PORT"
	sed 's/^/# /' "$T/start.err"
	exit 1
fi
if "$FX/slapd.sh" status "$D" "$PORT" && [ -s "$D/slapd.pid" ] &&
    tr '\0' ' ' <"/proc/$(cat "$D/slapd.pid")/cmdline" | grep -qF "$D/slapd.conf"; then
	ok "status: our slapd, our configuration, our pid file"
else
	notok "status: our slapd, our configuration, our pid file"
fi

# The users: one certificate per case, made by the fixture CA (and a
# second, unrelated CA for the wrong-CA case).
CA=$D/ca
CA2=$T/ca2
mk() { "$FX/ca.sh" user "$CA" "$@" 2>>"$T/ca.err"; }
if mk alice alice +37255500001 &&
    mk bob bob +37255500002 expired &&
    mk carol carol +37255500003 not-yet-valid &&
    mk dave dave +37255500004 bad-key-usage &&
    mk erin erin +37255500005 &&
    mk grace grace +37255500007 &&
    "$FX/ca.sh" init "$CA2" "stkauth Other CA" 2>>"$T/ca.err" &&
    "$FX/ca.sh" user "$CA2" frank frank +37255500006 2>>"$T/ca.err"; then
	ok "ca.sh issued the test certificates"
else
	notok "ca.sh issued the test certificates"
	sed 's/^/# /' "$T/ca.err"
fi
pub() { "$FX/publish.sh" cert "$D" "$@" 2>>"$T/pub.err"; }
if pub alice +37255500001 "$CA/certs/alice.pem" &&
    pub bob +37255500002 "$CA/certs/bob.der" &&
    pub carol +37255500003 "$CA/certs/carol.pem" &&
    pub dave +37255500004 "$CA/certs/dave.pem" &&
    pub erin +37255500005 "$CA/certs/erin.pem" &&
    pub frank +37255500006 "$CA2/certs/frank.pem" &&
    pub heidi +37255500008 "$CA/certs/grace.pem"; then
	ok "publish.sh added the users"
else
	notok "publish.sh added the users"
	sed 's/^/# /' "$T/pub.err"
fi

COMMON=(--base "$BASE" --bind-dn "cn=stkauth-server,ou=services,$SUFFIX"
    --bind-pw-file "$D/service.pw" --crl-dn "$CADN" --ca-file "$CA/ca.pem"
    --timeout-ms 3000)
LDAP_URI=ldap://127.0.0.1:$PORT/
LDAPS_URI=ldaps://127.0.0.1:$((PORT + 1))/

# one URI COMMAND...: one probe run, the answer lines in $OUT (array)
one() {
	local uri=$1
	shift
	mapfile -t OUT < <(printf '%s\n' "$@" |
	    timeout 60 "$PROBE" --uri "$uri" "${COMMON[@]}" "${EXTRA[@]}" \
	    2>>"$T/probe.err")
}

# 5-13: every verdict over plain LDAP with a simple bind
EXTRA=()
one "$LDAP_URI" "lookup alice +37255500001" "lookup nobody +37255500099" \
    "lookup bob +37255500002" "lookup carol +37255500003" \
    "lookup dave 37255500004" "lookup frank +37255500006" \
    "lookup heidi +37255500008" "lookup - +37255500001" \
    "lookup alice +37255500002"
expect "alice found, certificate valid" '^STK_OK cache=0 certs=1 crls=1 verdict=ok ' "${OUT[0]:-}"
expect "unknown user: not found" '^STK_E_NOT_FOUND ' "${OUT[1]:-}"
expect "expired certificate" 'verdict=expired ' "${OUT[2]:-}"
expect "not yet valid certificate" 'verdict=not-yet-valid ' "${OUT[3]:-}"
expect "bad key usage" 'verdict=bad-key-usage ' "${OUT[4]:-}"
expect "certificate of another CA: untrusted" 'verdict=untrusted ' "${OUT[5]:-}"
expect "another user's certificate: wrong identity" 'verdict=wrong-identity ' "${OUT[6]:-}"
expect "lookup by MSISDN alone" '^STK_OK .*verdict=ok ' "${OUT[7]:-}"
expect "uid and MSISDN must both match" '^STK_E_NOT_FOUND ' "${OUT[8]:-}"

# 14-16: certdir_fetch, the call a certificate source of the server makes
one "$LDAP_URI" "fetch alice +37255500001" "fetch nobody -" "fetch bob -"
expect "fetch: alice's certificate, valid" '^STK_OK reason=ok cert=yes ' "${OUT[0]:-}"
expect "fetch: unknown user is no-certificate" '^STK_E_NOT_FOUND reason=no-certificate cert=no \| no-certificate: ' "${OUT[1]:-}"
expect "fetch: expired certificate refused with its reason" '^STK_E_VERIFY reason=expired cert=no \| expired: serial ' "${OUT[2]:-}"

# 17-18: filter injection is escaped, not obeyed
one "$LDAP_URI" "lookup * -" "lookup alice)(uid=* -"
expect "a uid of '*' matches nobody" '^STK_E_NOT_FOUND ' "${OUT[0]:-}"
expect "a uid that tries to widen the filter matches nobody" '^STK_E_NOT_FOUND ' "${OUT[1]:-}"

# 19-22: TLS
EXTRA=(--starttls --tls-ca "$CA/ca.pem")
one "$LDAP_URI" "lookup alice +37255500001"
expect "StartTLS with the fixture CA" '^STK_OK .*verdict=ok ' "${OUT[0]:-}"
EXTRA=(--starttls --tls-ca "$CA2/ca.pem")
one "$LDAP_URI" "lookup alice +37255500001"
expect "StartTLS refuses a server certificate of another CA" '^STK_E_IO .*StartTLS' "${OUT[0]:-}"
EXTRA=(--tls-ca "$CA/ca.pem")
one "$LDAPS_URI" "lookup alice +37255500001"
expect "LDAPS with the fixture CA" '^STK_OK .*verdict=ok ' "${OUT[0]:-}"
EXTRA=(--tls-ca "$CA2/ca.pem")
one "$LDAPS_URI" "lookup alice +37255500001"
expect "LDAPS refuses a server certificate of another CA" '^STK_E_IO ' "${OUT[0]:-}"

# 23-26: revocation by the CRL published in LDAP
EXTRA=()
one "$LDAP_URI" "lookup erin +37255500005"
expect "erin valid before revocation" 'verdict=ok ' "${OUT[0]:-}"
if "$FX/ca.sh" revoke "$CA" erin 2>>"$T/ca.err" &&
    "$FX/publish.sh" crl "$D" "$CA/crl.pem" 2>>"$T/pub.err"; then
	ok "ca.sh revoked erin, publish.sh published the CRL"
else
	notok "ca.sh revoked erin, publish.sh published the CRL"
fi
one "$LDAP_URI" "lookup erin +37255500005" "lookup alice +37255500001"
expect "the CRL from LDAP revokes erin" 'verdict=revoked ' "${OUT[0]:-}"
expect "and leaves alice valid" 'verdict=ok ' "${OUT[1]:-}"

# 27: two entries with one MSISDN: an ambiguity, never a choice
pub ivan +37255500001 "$CA/certs/alice.pem"
EXTRA=()
one "$LDAP_URI" "lookup - +37255500001"
expect "two entries match: STK_E_DUPLICATE" '^STK_E_DUPLICATE .*more than one entry' "${OUT[0]:-}"
"$FX/publish.sh" delete "$D" ivan 2>>"$T/pub.err"

# 28: the same CRL as a file, with no CA entry to read from LDAP
EXTRA=(--crl-file "$CA/crl.pem")
COMMON_SAVED=("${COMMON[@]}")
COMMON=(--base "$BASE" --bind-dn "cn=stkauth-server,ou=services,$SUFFIX"
    --bind-pw-file "$D/service.pw" --ca-file "$CA/ca.pem")
one "$LDAP_URI" "lookup erin +37255500005"
expect "the CRL file revokes erin" 'crls=0 verdict=revoked ' "${OUT[0]:-}"
COMMON=("${COMMON_SAVED[@]}")

# A probe driven line by line (bash coprocess).
probe_start() {
	coproc PROBE_CO { exec timeout 120 "$PROBE" --uri "$LDAP_URI" \
	    "${COMMON[@]}" "$@" 2>>"$T/probe.err"; }
	PROBE_PID=$PROBE_CO_PID
}
ask() {
	REPLY=TIMEOUT
	echo "$1" >&"${PROBE_CO[1]}"
	IFS= read -r -t 30 REPLY <&"${PROBE_CO[0]}"
}
probe_stop() {
	echo quit >&"${PROBE_CO[1]}"
	wait "$PROBE_PID" 2>/dev/null
	PROBE_PID=
}

# 29-32: cache TTL
probe_start --cache-ttl-ms 1500 --negative-ttl-ms 0
ask "lookup alice +37255500001"; a1=$REPLY
ask "lookup alice +37255500001"; a2=$REPLY
"$FX/publish.sh" delete "$D" alice 2>>"$T/pub.err"
ask "lookup alice +37255500001"; a3=$REPLY
ask "sleep 1700"
ask "lookup alice +37255500001"; a4=$REPLY
probe_stop
expect "first lookup goes to the directory" '^STK_OK cache=0 ' "$a1"
expect "second lookup is served from the cache" '^STK_OK cache=1 .*verdict=ok ' "$a2"
expect "within the TTL a deleted entry is still cached" '^STK_OK cache=1 ' "$a3"
expect "after the TTL the directory is asked again" '^STK_E_NOT_FOUND cache=0 ' "$a4"
pub alice +37255500001 "$CA/certs/alice.pem"

# 33-37: slapd stopped and started again; no caching here
probe_start --cache-ttl-ms 0 --negative-ttl-ms 0 --crl-ttl-ms 0 \
    --backoff-min-ms 300 --backoff-max-ms 1000
ask "lookup alice +37255500001"; b1=$REPLY
"$FX/slapd.sh" stop "$D"
ask "lookup alice +37255500001"; b2=$REPLY
ask "lookup alice +37255500001"; b3=$REPLY
"$FX/slapd.sh" start "$D" "$PORT" 2>>"$T/start.err"
b4=none
for _ in $(seq 20); do
	ask "lookup alice +37255500001"; b4=$REPLY
	[[ $b4 =~ ^STK_OK ]] && break
	sleep 0.25
done
# A restart between two lookups: the broken connection is replaced at once.
"$FX/slapd.sh" stop "$D"
"$FX/slapd.sh" start "$D" "$PORT" 2>>"$T/start.err"
ask "lookup alice +37255500001"; b5=$REPLY
ask stats; b6=$REPLY
probe_stop
expect "lookup before the stop" '^STK_OK .*verdict=ok ' "$b1"
expect "slapd stopped: a clean STK_E_IO" '^STK_E_IO ' "$b2"
expect "at once again: refused by the backoff without waiting" '^STK_E_IO .*next connection attempt in' "$b3"
expect "slapd started again: lookups work again" '^STK_OK .*verdict=ok ' "$b4"
expect "restart between lookups: the first lookup after it works" '^STK_OK .*verdict=ok ' "$b5"
echo "# $b6"

if [ "$n" -ne "$PLAN" ]; then
	echo "# plan $PLAN but ran $n"
	exit 1
fi

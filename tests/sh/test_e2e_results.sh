#!/bin/bash
# test_e2e_results.sh - every way a login ends other than OK, through all
# the real processes (tools/demo/lib.sh), the phones answered through
# their control sockets as a person would: refusal on the phone
# (USER_REFUSED), no answer (TIMEOUT), a wrong applet PIN three times
# (PIN_BLOCKED), an unknown account and an account without binding
# (NOT_BOUND, same answer shape as a real one), a certificate revoked in
# the CA and its CRL published to LDAP (CERT_INVALID), an account locked
# by the administrator (ACCOUNT_LOCKED); after each, a confirmed login
# still works where it should.  TAP; run from the repository root.
set -u
. tools/demo/lib.sh
E2E_LIFETIME=12
DEMO_LDAP_CACHE_MS=0
DEMO_SERVER_INI_EXTRA="
[session]
lifetime = 12
pin_required = yes
[ratelimit]
per_address = 0
per_account = 0
[lockout]
max_failures = 0"
. tools/demo/e2e-lib.sh
e2e_begin results 14

e2e_up_check "the whole system is up (phones answered by hand)" --auto ignore --ui-timeout 60

# answer N WORDS...: wait for phone N's pop-up, send ANSWER WORDS
answer() {
	local k=$1
	shift
	demo_popup_wait "$k" 20 >/dev/null && [ "$(demo_phone_ctl "$k" "ANSWER $*")" = OK ]
}
# login_with ACCOUNT CARD STEPS...: start, run the steps ("confirm",
# "pin 1234", "reject", "none"), wait for the end; RESULT.
login_with() {
	local acct=$1 k=$2 s
	shift 2
	e2e_login "$acct"
	for s in "$@"; do
		case $s in
		confirm) answer "$k" confirm ;;
		reject) answer "$k" reject ;;
		pin*) answer "$k" input "${s#pin }" ;;
		none) ;;
		esac
	done
	e2e_wait "$SID" 40000
}

e2e_login alice
real_start=$BODY
answer 1 confirm && answer 1 input 1234
e2e_wait "$SID" 40000
check "alice confirms with her PIN: OK ($RESULT)" '[ "$RESULT" = OK ]'

login_with alice 1 reject
check "alice rejects on the phone: USER_REFUSED ($RESULT)" '[ "$RESULT" = USER_REFUSED ]'

t0=$(date +%s)
login_with bob 2 none
dt=$(( $(date +%s) - t0 ))
check "bob does not answer: TIMEOUT after the 12 s lifetime ($RESULT after ${dt}s)" \
    '[ "$RESULT" = TIMEOUT ] && [ $dt -ge 10 ] && [ $dt -le 30 ]'
# the pop-up still open on bob's phone ends as "no response from user"
demo_phone_ctl 2 "ANSWER timeout" >/dev/null
sleep 1
login_with bob 2 confirm "pin 1234"
check "bob's next login works: OK ($RESULT)" '[ "$RESULT" = OK ]'

e2e_login carol
answer 3 confirm
answer 3 input 9999 && answer 3 input 9998 && answer 3 input 9997
e2e_wait "$SID" 40000
check "carol types a wrong PIN three times: PIN_BLOCKED ($RESULT)" '[ "$RESULT" = PIN_BLOCKED ]'
login_with carol 3 confirm
check "carol's next login: PIN_BLOCKED at once after the confirmation ($RESULT)" \
    '[ "$RESULT" = PIN_BLOCKED ]'

e2e_login nobody
unknown_start=$BODY
e2e_wait "$SID" 5000
check "an unknown account: a session like any other, then NOT_BOUND ($RESULT)" \
    '[ "$CODE" = 200 ] && [ -n "$SID" ] && [ -n "$TICKET" ] && [ "$RESULT" = NOT_BOUND ]'
check "the start answer has the same members for an unknown account" \
    '[ -n "$real_start" ] && [ "$(jq -c keys <<<"$unknown_start")" = "$(jq -c keys <<<"$real_start")" ]'

demo_admin user add dave >/dev/null 2>&1
e2e_login dave
e2e_wait "$SID" 5000
check "an account without binding: NOT_BOUND ($RESULT)" '[ "$RESULT" = NOT_BOUND ]'

# Revoke alice's certificate in the CA as an independent step (the CA's
# openssl database via ldap-fixtures/ca.sh, the CRL into LDAP with
# publish.sh): the server must see the CRL from the directory.
SUFFIX=dc=stkauth,dc=test
ldapsearch -x -LLL -H "ldap://127.0.0.1:$P_LDAP/" -D "cn=admin,$SUFFIX" \
    -y "$DEMO_DIR/ldap/admin.pw" -b "uid=alice,ou=people,$SUFFIX" -s base \
    -t 'userCertificate;binary' 2>/dev/null |
    sed -n 's/^userCertificate;binary:< file:\/\///p' | head -n 1 >"$DEMO_DIR/run/certfile"
cf=$(cat "$DEMO_DIR/run/certfile")
revoked=1
if [ -s "$cf" ]; then
	openssl x509 -inform DER -in "$cf" -out "$DEMO_DIR/ldap/ca/certs/alice-e2e.pem" &&
	    ldap-fixtures/ca.sh revoke "$DEMO_DIR/ldap/ca" alice-e2e &&
	    ldap-fixtures/publish.sh crl "$DEMO_DIR/ldap" "$DEMO_DIR/ldap/ca/crl.pem" && revoked=0
	rm -f "$cf"
fi
login_with alice 1 confirm "pin 1234"
check "alice's certificate revoked (CRL in LDAP): CERT_INVALID ($RESULT)" \
    '[ $revoked -eq 0 ] && [ "$RESULT" = CERT_INVALID ]'
check "the audit log names the reason: revoked" \
    "demo_admin audit --account alice --result CERT_INVALID 2>/dev/null | grep -qi revoked"

demo_admin user lock bob >/dev/null 2>&1
e2e_login bob
e2e_wait "$SID" 5000
check "bob locked by the administrator: ACCOUNT_LOCKED ($RESULT)" '[ "$RESULT" = ACCOUNT_LOCKED ]'
demo_admin user unlock bob >/dev/null 2>&1
login_with bob 2 confirm "pin 1234"
check "bob unlocked: OK again ($RESULT)" '[ "$RESULT" = OK ]'
exit $failed

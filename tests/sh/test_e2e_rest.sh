#!/bin/bash
# test_e2e_rest.sh - the relying party's REST path through every real
# process (tools/demo/lib.sh: slapd, pcscd + vpcd, stkauth-sim, stkauth-phone,
# stkauth-netsim, stkauth-bridge, stkauth-server; cards enrolled with
# stkauth-admin enroll): a login over the modem transport (alice) and one
# over the SMPP transport (bob), each confirmed by the phone, whose pop-up
# showed the ticket the API returned; the returned certificate and
# signature verified independently with the openssl command line
# (chain to the demo CA, CRL, signature over signedData, session id and
# ticket inside signedData); the audit log records both.
# TAP output; run from the repository root after "make all".
set -u
. tools/demo/lib.sh
. tools/demo/e2e-lib.sh
e2e_begin rest 12

e2e_up_check "the whole system is up" --auto confirm --pin 1234 --delay 300

# one_login ACCOUNT CARD ROUTE
one_login() {
	local acct=$1 card=$2 route=$3
	e2e_login "$acct"
	check "$acct ($route): session started ($CODE, ticket ${TICKET:-none})" \
	    '[ "$CODE" = 200 ] && [[ $SID =~ ^[0-9A-F]{16}$ ]] && [[ $TICKET =~ ^[2-9A-HJKMNP-Z]{6}$ ]]'
	e2e_wait "$SID" 30000
	cp "$DEMO_DIR/run/body" "$DEMO_DIR/run/ok-$acct.json"
	check "$acct ($route): COMPLETE with OK ($STATE ${RESULT:-no result}), card $(jq -r .iccid <<<"$BODY")" \
	    '[ "$RESULT" = OK ] && [ "$(jq -r .iccid <<<"$BODY")" = "$(demo_iccid $card)" ]'
	check "$acct ($route): phone $card showed the same ticket in its pop-up" \
	    "demo_log_since phone$card | grep -q 'Ticket: $TICKET'"
	local why
	why=$(e2e_verify_ok "$DEMO_DIR/run/ok-$acct.json" "$SID" "$TICKET" 2>&1)
	check "$acct ($route): certificate (demo CA, CRL), signature and signedData verified with openssl ${why:+($why)}" \
	    '[ -z "$why" ]'
	eval "SID_$acct=\$SID"
}
one_login alice 1 modem
one_login bob 2 smpp

check "the bridge sent alice's request by modem and bob's by SMPP" \
    "demo_log_since bridge | grep -q 'via modems' && demo_log_since bridge | grep -q 'via smsc'"

# The same session asked again: the same final answer, not a new login.
e2e_api GET "/api/v1/authentication/session/$SID_alice?timeoutMs=0"
check "a finished session keeps its result (OK)" \
    '[ "$CODE" = 200 ] && [ "$(jq -r .result <<<"$BODY")" = OK ]'
audit=$(demo_admin --json audit 2>&1)
check "the audit log records both logins with OK" \
    "grep -q '$SID_alice' <<<\"\$audit\" && grep -q '$SID_bob' <<<\"\$audit\" && grep -q OK <<<\"\$audit\""
exit $failed

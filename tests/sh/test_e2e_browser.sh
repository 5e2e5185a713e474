#!/bin/bash
# test_e2e_browser.sh - the login page in a real browser (headless Chromium
# driven by playwright-core, tests/npm/e2e_login.js) against every real
# process (tools/demo/lib.sh), the phone's pop-up answered through its
# control socket: the happy path over the modem transport (alice) and
# over the SMPP transport (bob) - the ticket on the page is the ticket in
# the pop-up, the page lands signed in, the audit log records it -; a
# refusal on the phone ends on its failure page; an unknown account gets a
# decoy waiting page with a ticket and ends, at the expiry (a 20 s
# lifetime here), on the TIMEOUT page like an unanswered sign-in
# (docs/WEB.md §4);
# a forged cross-site POST is refused; no external resource is loaded,
# a Content-Security-Policy is sent, cookies are HttpOnly, Secure and
# SameSite; a phone-sized viewport.  Screenshots of every page state in
# build/test-artifacts/e2e/.  TAP; run from the repository root.
set -u
. tools/demo/lib.sh
DEMO_CAPTCHA=never
E2E_LIFETIME=20		# the unknown account's decoy times out at the expiry
. tools/demo/e2e-lib.sh
e2e_begin browser 16

if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null; then
	for ((i = 1; i <= E2E_PLAN; i++)); do skip "browser test $i" "chromium or node missing (make deps)"; done
	exit 0
fi
if [ ! -d tests/npm/node_modules/playwright-core ]; then
	npm ci --prefix tests/npm --no-audit --no-fund >"$DEMO_DIR/logs/npm.log" 2>&1
fi

e2e_up_check "the whole system is up" --auto ignore --ui-timeout 60

SPKI=$(openssl x509 -in "$DEMO_DIR/ldap/ca/server.pem" -pubkey -noout |
    openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64)
SHOTS=$E2E_ARTIFACTS
# browse NAME ACCOUNT CARD ANSWER [ARGS]: one login; the JSON in OUT
browse() {
	local name=$1 acct=$2 card=$3 ans=$4
	shift 4
	OUT=$(NODE_EXTRA_CA_CERTS="$DEMO_DIR/ldap/ca/ca.pem" timeout 120 node tests/npm/e2e_login.js --url "$DEMO_URL" \
	    --account "$acct" --spki "$SPKI" --phone-ctl "$DEMO_DIR/run/phone$card.ctl" \
	    --answer "$ans" --shots "$SHOTS" --name "$name" --timeout-ms 40000 "$@" \
	    2>>"$DEMO_DIR/logs/browser.log")
	echo "$OUT" >>"$DEMO_DIR/logs/browser.log"
}
j() { jq -r "($1) // empty" <<<"$OUT" 2>/dev/null; }

browse modem-alice alice 1 confirm --csrf-probe
check "alice (modem): the page shows a ticket ($(j .ticketPage)) and the phone's pop-up the same ($(j .ticketPhone))" \
    '[ -n "$(j .ticketPage)" ] && [ "$(j .ticketPage)" = "$(j .ticketPhone)" ]'
check "alice (modem): the pop-up names the service of the page ($(j .serviceOnPage))" \
    '[[ "$(j .popup)" == *"$(j .serviceOnPage)"* ]]'
check "alice (modem): confirmed on the phone, the page lands signed in as alice ($(j .final))" \
    '[ "$(j .final)" = signed-in ] && [ "$(j .signedInAccount)" = alice ]'
check "a forged cross-site POST /login is refused ($(j .csrf.status))" \
    '[[ "$(j .csrf.status)" =~ ^(400|403)$ ]]'
check "no request left the server's origin ($(j '.externalRequests | length'))" \
    '[ "$(j ".externalRequests | length")" = 0 ]'
check "a Content-Security-Policy without external sources" \
    "[[ \"\$(j .csp)\" == *\"default-src\"* ]] && ! grep -qE 'https?://' <<<\"\$(j .csp)\""
check "every cookie is HttpOnly, Secure and SameSite" \
    '[ "$(j "[.cookies[] | select(.httpOnly and .secure and (.sameSite == \"Strict\" or .sameSite == \"Lax\"))] | length")" = "$(j ".cookies | length")" ] && [ "$(j ".cookies | length")" -ge 1 ]'

browse smpp-bob bob 2 confirm
check "bob (SMPP): same ticket on page and phone, signed in ($(j .ticketPage) $(j .ticketPhone) $(j .final))" \
    '[ -n "$(j .ticketPage)" ] && [ "$(j .ticketPage)" = "$(j .ticketPhone)" ] && [ "$(j .final)" = signed-in ]'

browse refused-alice alice 1 reject
check "alice rejects on the phone: the page says so (USER_REFUSED: $(j .final))" \
    '[ "$(j .final)" = USER_REFUSED ] && [ -n "$(j .message)" ]'

OUT=$(NODE_EXTRA_CA_CERTS="$DEMO_DIR/ldap/ca/ca.pem" timeout 120 node tests/npm/e2e_login.js --url "$DEMO_URL" --account nobody \
    --spki "$SPKI" --shots "$SHOTS" --name unknown --timeout-ms 40000 2>>"$DEMO_DIR/logs/browser.log")
check "an unknown account gets a waiting page with a ticket, like any other ($(j .ticketPage))" \
    '[ -n "$(j .ticketPage)" ]'
check "then, at the expiry, the TIMEOUT page of an unanswered sign-in, which does not say the account is unknown ($(j .final))" \
    '[ "$(j .final)" = TIMEOUT ] && ! grep -qiE "unknown|not exist|no such" <<<"$(j .message)"'

browse phone-carol carol 3 confirm --viewport 390x844
check "carol on a phone-sized viewport: signed in ($(j .final))" '[ "$(j .final)" = signed-in ]'

audit=$(demo_admin audit 2>&1)
check "the audit log records the web logins (alice, bob, carol OK; alice USER_REFUSED)" \
    "grep -q USER_REFUSED <<<\"\$audit\" && [ \$(grep -c OK <<<\"\$audit\") -ge 3 ]"
shots=$(ls "$SHOTS"/modem-alice-*.png "$SHOTS"/refused-alice-*.png 2>/dev/null | wc -l)
check "screenshots of every page state saved ($shots in $SHOTS)" '[ "$shots" -ge 8 ]'
check "no pop-up left open on any phone" \
    '[ "$(demo_phone_ctl 1 STATUS)" = NONE ] && [ "$(demo_phone_ctl 2 STATUS)" = NONE ]'
exit $failed

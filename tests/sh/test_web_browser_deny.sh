#!/bin/bash
# test_web_browser_deny.sh - the failure pages of the login page for what
# the server refuses itself, in headless Chromium (tests/npm/web_fail.js
# refusals, two lanes side by side): a certificate that is not valid, a
# locked account; an unknown account, an unbound account and a wrong
# password get a decoy waiting page (ticket, hint line) that ends at the
# expiry (a 12 s lifetime here) on the TIMEOUT page of a real unanswered
# sign-in, byte for byte; then the page's /metrics count each once by its
# real reason.  The phone's and network's answers are
# test_web_browser_fail.sh.  Fixture: tests/helpers/web_browser_lib.sh.
# Screenshots go to build/test-artifacts/web/.  TAP output; run from the
# repository root; every wait is bounded.
set -u
WEB_LIFETIME=12
source tests/helpers/web_browser_lib.sh

browser_run web_fail.js 100 refusals
shots step3-cert-invalid step3-locked step2-unknown-account \
    step3-unknown-account step3-not-bound step3-wrong-password step3-unanswered
bad=
for r in CERT_INVALID:1 ACCOUNT_LOCKED:1 NOT_BOUND:2 TIMEOUT:1 OK:0; do
	v=$(metric "$U" "stkauth_web_logins_total{result=\"${r%:*}\"}")
	[ "$v" = "${r#*:}" ] || bad="$bad ${r%:*}=$v"
done
for r in unknown_account:1 not_bound:1 wrong_password:1; do
	v=$(metric "$U" "stkauth_web_decoys_total{reason=\"${r%:*}\"}")
	[ "$v" = "${r#*:}" ] || bad="$bad ${r%:*}=$v"
done
[ -z "$bad" ] && [ "$(metric "$U" stkauth_web_password_rejected_total)" = 1 ]
ok $? "/metrics: each refusal counted once by its real result (NOT_BOUND 2, TIMEOUT 1 = alice), decoys by reason${bad:+ (got$bad)}"

echo "1..$n"
[ $fails -eq 0 ]

#!/bin/bash
# test_web_browser_deny.sh - the failure pages of the login page for what
# the server refuses itself, in headless Chromium (tests/npm/web_fail.js
# refusals, two lanes side by side): a certificate that is not valid, a
# locked account, and one page, byte for byte, for an unknown account,
# an unbound account and a wrong password; then the page's /metrics
# count each once.  The phone's and network's answers are
# test_web_browser_fail.sh.  Fixture: tests/helpers/web_browser_lib.sh.
# Screenshots go to build/test-artifacts/web/.  TAP output; run from the
# repository root; every wait is bounded.
set -u
source tests/helpers/web_browser_lib.sh

browser_run web_fail.js 100 refusals
shots step3-cert-invalid step3-locked step3-unknown-account \
    step3-not-bound step3-wrong-password
bad=
for r in CERT_INVALID:1 ACCOUNT_LOCKED:1 NOT_BOUND:3 OK:0; do
	v=$(metric "$U" "stkauth_web_logins_total{result=\"${r%:*}\"}")
	[ "$v" = "${r#*:}" ] || bad="$bad ${r%:*}=$v"
done
[ -z "$bad" ] && [ "$(metric "$U" stkauth_web_password_rejected_total)" = 1 ]
ok $? "/metrics: each refusal counted once, NOT_BOUND 3 (one a wrong password)${bad:+ (got$bad)}"

echo "1..$n"
[ $fails -eq 0 ]

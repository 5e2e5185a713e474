#!/bin/bash
# test_web_browser_fail.sh - the failure pages of the login page that the
# phone, the network and the checks of the answer lead to, in headless
# Chromium (tests/npm/web_fail.js answers, two lanes side by side):
# refused on the phone, no answer in time, phone unreachable, SIM error,
# PIN blocked, signature invalid - each with its own page and a way to try
# again; then the page's /metrics count each result once.  The server's
# own refusals are test_web_browser_deny.sh.  Fixture:
# tests/helpers/web_browser_lib.sh.  Screenshots go to
# build/test-artifacts/web/.  TAP output; run from the repository root;
# every wait is bounded.
set -u
source tests/helpers/web_browser_lib.sh

browser_run web_fail.js 100 answers
shots step3-refused step3-timeout step3-delivery-error step3-sim-error \
    step3-pin-blocked step3-signature-invalid
bad=
for r in USER_REFUSED:1 TIMEOUT:1 DELIVERY_ERROR:1 SIM_ERROR:1 PIN_BLOCKED:1 \
    SIGNATURE_INVALID:1 OK:0; do
	v=$(metric "$U" "stkauth_web_logins_total{result=\"${r%:*}\"}")
	[ "$v" = "${r#*:}" ] || bad="$bad ${r%:*}=$v"
done
[ -z "$bad" ]
ok $? "/metrics: each failure counted once by its result${bad:+ (got$bad)}"

echo "1..$n"
[ $fails -eq 0 ]

#!/bin/bash
# test_web_browser_flow.sh - the login page's way through in headless
# Chromium (tests/npm/web_flow.js): step 1 by keyboard, the ticket and
# live progress as a scripted bridge answers, signed in with a new session
# id, sign-out; an account with a password; Cancel; then the page's
# /metrics agree with what the browser went through.  Fixture:
# tests/helpers/web_browser_lib.sh.  Screenshots go to
# build/test-artifacts/web/.  TAP output; run from the repository root;
# every wait is bounded.
set -u
source tests/helpers/web_browser_lib.sh

browser_run web_flow.js 100
shots step1-desktop step2-wait-desktop step3-signed-in-desktop
[ "$(metric "$U" 'stkauth_web_logins_total{result="OK"}')" = 2 ] &&
    [ "$(metric "$U" 'stkauth_web_logins_total{result="USER_REFUSED"}')" = 1 ] &&
    [ "$(metric "$U" 'stkauth_web_page_views_total{step="signed_in"}')" -ge 2 ] &&
    [ "$(metric "$U" 'stkauth_web_csrf_rejected_total{reason="token"}')" = 0 ]
ok $? "/metrics: 2 sign-ins OK, 1 cancelled, the signed-in page shown, no CSRF refusal"

echo "1..$n"
[ $fails -eq 0 ]

#!/bin/bash
# test_web_browser_guard.sh - the login page's defences and reach in
# headless Chromium (tests/npm/web_guard.js): a forged CSRF token,
# JavaScript off, a 360 px phone, the CAPTCHA policy "after 2" with
# "Show another picture", a wrong answer and the text alternative; then
# the page's /metrics count the CSRF refusal and the CAPTCHA failure.
# Fixture: tests/helpers/web_browser_lib.sh.  Screenshots go to
# build/test-artifacts/web/.  TAP output; run from the repository root;
# every wait is bounded.
set -u
source tests/helpers/web_browser_lib.sh

browser_run web_guard.js 100
shots csrf-refused step2-wait-nojs step3-signed-in-nojs step1-phone \
    step2-wait-phone step3-refused-phone captcha captcha-wrong
UA=http://127.0.0.1:$P2
[ "$(metric "$U" 'stkauth_web_csrf_rejected_total{reason="token"}')" = 1 ] &&
    [ "$(metric "$U" 'stkauth_web_logins_total{result="OK"}')" = 1 ] &&
    [ "$(metric "$UA" stkauth_web_captcha_failures_total)" = 1 ] &&
    [ "$(metric "$UA" 'stkauth_web_logins_total{result="NOT_BOUND"}')" = 3 ]
ok $? "/metrics: the forged token and the wrong CAPTCHA answer are counted"

echo "1..$n"
[ $fails -eq 0 ]

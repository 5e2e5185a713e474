#!/bin/bash
# test_web_browser.sh - the login page of stkauth-server in headless
# Chromium driven by playwright-core (tests/npm/web_login.js): the happy
# path with a scripted bridge, every failure page, cancel, CSRF, no
# JavaScript, a 360 px phone, the CAPTCHA policy "after 2" and its text
# alternative.  The fixture (servers, store, PKI) is
# tests/helpers/web_lib.sh.  Screenshots go to build/test-artifacts/web/.
# TAP output; run from the repository root; every wait is bounded.
set -u
NEED_NODE=1

source tests/helpers/web_lib.sh

# ---- the browser ----
mkdir -p "$ART"
if [ ! -x /usr/bin/chromium ] || [ ! -d tests/npm/node_modules/playwright-core ]; then
	echo "1..0 # SKIP chromium or playwright-core missing (make deps; npm ci --prefix tests/npm)"
	exit 0
else
	jq -n --arg base "$U" --arg after "http://127.0.0.1:$P2" \
	    --arg br "$BR" --arg respond "$RESPOND" --arg kauth "$tmp/kauth.hex" \
	    --arg key "$V/rsa2048_test_key.pem" --arg art "$ART" \
	    --arg svc "$SERVICE" --arg pw "$PATPW" '{
		base: $base, baseAfter: $after, bridgeToken: $br,
		respond: $respond, kauth: $kauth, artifacts: $art,
		service: $svc, cookie: "__Host-stkauth", lifetime: 60,
		accounts: {
		  alice: {msisdn: "+37255500001", iccid: "8944100000000123456", key: $key},
		  frank: {msisdn: "+37255500006", iccid: "8944100000000123506", key: $key},
		  pat: {msisdn: "+37255500007", iccid: "8944100000000123514", key: $key, password: $pw}
		}}' >"$tmp/web.json"
	timeout 240 node tests/npm/web_login.js "$tmp/web.json" >"$tmp/node.out" 2>"$tmp/node.err"
	st=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok 0 "${line#ok - }" ;;
		"not ok - "*) ok 1 "${line#not ok - }" ;;
		"#"*) echo "$line" ;;
		esac
	done <"$tmp/node.out"
	[ $st -eq 0 ] || { echo "# node exit $st"; sed 's/^/# /' "$tmp/node.err" | tail -20; }
	ok $st "the browser run ends cleanly"
fi
ls "$ART"/*.png >/dev/null 2>&1
ok $? "screenshots saved in $ART"


echo "1..$n"
[ $fails -eq 0 ]

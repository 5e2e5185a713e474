# web_browser_lib.sh - what the browser tests of the login page
# (tests/sh/test_web_browser_*.sh) share on top of the fixture
# tests/helpers/web_lib.sh (PKI, store, the three servers on free ports,
# a private temporary folder each, so the tests may run side by side):
# the skip when Chromium or playwright-core is missing, the scenario's
# configuration (JSON for tests/npm/web_lib.js), the run of one scenario
# file with its lines turned into TAP, a /metrics reader.  Sourced.
NEED_NODE=1
source tests/helpers/web_lib.sh

mkdir -p "$ART"
touch "$tmp/started"		# screenshots must be newer than this
if [ ! -x /usr/bin/chromium ] || [ ! -d tests/npm/node_modules/playwright-core ]; then
	echo "1..0 # SKIP chromium or playwright-core missing (make deps; npm ci --prefix tests/npm)"
	exit 0
fi
jq -n --arg base "$U" --arg after "http://127.0.0.1:$P2" \
    --arg br "$BR" --arg respond "$RESPOND" --arg kauth "$tmp/kauth.hex" \
    --arg key "$V/rsa2048_test_key.pem" --arg art "$ART" \
    --arg svc "$SERVICE" --arg pw "$PATPW" --argjson life "$WEB_LIFETIME" '{
	base: $base, baseAfter: $after, bridgeToken: $br,
	respond: $respond, kauth: $kauth, artifacts: $art,
	service: $svc, cookie: "__Host-stkauth", lifetime: $life,
	accounts: {
	  alice: {msisdn: "+37255500001", iccid: "8944100000000123456", key: $key},
	  frank: {msisdn: "+37255500006", iccid: "8944100000000123506", key: $key},
	  pat: {msisdn: "+37255500007", iccid: "8944100000000123514", key: $key, password: $pw}
	}}' >"$tmp/web.json"

# browser_run SCRIPT SECONDS [ARG]: run tests/npm/SCRIPT, one TAP line per
# check, then whether it ended cleanly within SECONDS
browser_run() {
	local st line
	timeout "$2" node "tests/npm/$1" "$tmp/web.json" ${3:+"$3"} >"$tmp/node.out" 2>"$tmp/node.err"
	st=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok 0 "${line#ok - }" ;;
		"not ok - "*) ok 1 "${line#not ok - }" ;;
		"#"*) echo "$line" ;;
		esac
	done <"$tmp/node.out"
	[ $st -eq 0 ] || { echo "# node exit $st"; sed 's/^/# /' "$tmp/node.err" | tail -20; }
	ok $st "the browser run ($1${3:+ $3}) ends cleanly"
}

# shots NAME...: this run wrote these screenshots to $ART
shots() {
	local f miss=
	for f in "$@"; do
		[ -s "$ART/$f.png" ] && [ "$ART/$f.png" -nt "$tmp/started" ] ||
		    miss="$miss $f"
	done
	[ -z "$miss" ] || echo "# missing:$miss"
	ok $([ -z "$miss" ]; echo $?) "screenshots saved in $ART ($*)"
}

# metric URL 'name{labels}' -> the value in that server's /metrics (0 when
# absent); the scrape is cached per URL in $tmp
metric() {
	local f=$tmp/metrics.${1##*:}
	[ -s "$f" ] || curl -s -m 10 "$1/metrics" >"$f"
	awk -v k="$2" '$1 == k { v = $2 } END { print v + 0 }' "$f"
}

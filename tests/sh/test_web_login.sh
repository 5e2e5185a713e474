#!/bin/bash
# test_web_login.sh - the login page of stkauth-server (docs/WEB.md) with
# curl against the real server over plain HTTP on loopback (fixture:
# tests/helpers/web_lib.sh): configuration checks, security headers and
# the cookie, CSRF, form decoding of bad input, escaping, 404/405, the
# same answers (headers, waiting page, progress JSON, cancel) for unknown,
# unbound, wrong-password (decoys) and real sign-ins, the CAPTCHA policies
# "always" and "never", the PNG and its text alternative, single-use
# challenges, Accept-Language, one commit per sign-in (counted in the
# WAL) and its atomicity, the page's /metrics, secrets kept out of the
# log, SIGTERM.  The browser tests are test_web_browser_*.sh.  TAP
# output; run from the repository root.
set -u

source tests/helpers/web_lib.sh

# ---- configuration checks ----
$SERVER -n -c "$tmp/never.ini" >/dev/null 2>&1
ok $? "-n accepts the [web] section"
sed 's/^captcha = .*/captcha = maybe/' "$tmp/never.ini" >"$tmp/bad1.ini"
out=$($SERVER -n -c "$tmp/bad1.ini" 2>&1)
[ $? -ne 0 ] && grep -q "captcha: expected always, after or never" <<<"$out"
ok $? "-n refuses an unknown CAPTCHA policy"
sed "s/^service_name = .*/service_name = $(printf 'A%.0s' $(seq 1 53))/" \
    "$tmp/never.ini" >"$tmp/bad2.ini"
out=$($SERVER -n -c "$tmp/bad2.ini" 2>&1)
[ $? -ne 0 ] && grep -q "service_name: longer than 52" <<<"$out"
ok $? "-n refuses a service name beyond the STK limit (53 septets)"
sed 's/^captcha_after = 2/cookie_name = bad;name/' "$tmp/never.ini" >"$tmp/bad3.ini"
out=$($SERVER -n -c "$tmp/bad3.ini" 2>&1)
[ $? -ne 0 ] && grep -q "cookie_name: not an RFC 6265 cookie name" <<<"$out"
ok $? "-n refuses a cookie name that is not a token"

# ---- curl: headers, cookie, CSRF, bad forms ----
curl -s -m 10 -D "$tmp/h1" -o "$tmp/p1" "$U/"
grep -qi "^Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'" "$tmp/h1" &&
    grep -qi '^X-Content-Type-Options: nosniff' "$tmp/h1" &&
    grep -qi '^Referrer-Policy: no-referrer' "$tmp/h1" &&
    grep -qi '^X-Frame-Options: DENY' "$tmp/h1" &&
    grep -qi '^Cache-Control: no-store' "$tmp/h1"
ok $? "GET /: strict CSP, nosniff, no referrer, no framing, no-store"
grep -qiE '^Set-Cookie: __Host-stkauth=ws_[A-Za-z0-9_-]{43}; Path=/; Secure; HttpOnly; SameSite=Strict' "$tmp/h1"
ok $? "the cookie: __Host- name, Secure, HttpOnly, SameSite=Strict, Path=/"
! grep -qiE '<script>|style=|<style|https?://' "$tmp/p1"
ok $? "the page has no inline script or style and no external resource"
COOKIE=$(grep -io 'ws_[A-Za-z0-9_-]*' "$tmp/h1" | head -1)
TOKEN=$(grep -o 'ct_[A-Za-z0-9_-]*' "$tmp/p1" | head -1)
post() {	# post PATH BODY [CONTENT-TYPE] -> $code, $page
	code=$(curl -s -m 10 -o "$tmp/post" -w '%{http_code}' \
	    -H "Cookie: __Host-stkauth=$COOKIE" \
	    -H "Content-Type: ${3:-application/x-www-form-urlencoded}" \
	    --data-binary "$2" "$U$1")
	page=$(cat "$tmp/post")
}
post /login "account=alice"
[ "$code" = 403 ] && grep -q 'This form has expired' <<<"$page"
ok $? "POST /login without the CSRF token: 403"
last=${TOKEN: -1}
post /login "csrf=${TOKEN%?}$([ "$last" = A ] && echo B || echo A)&account=alice"
[ "$code" = 403 ]
ok $? "POST /login with a wrong CSRF token: 403"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' --data "csrf=$TOKEN&account=alice" "$U/login")
[ "$code" = 403 ]
ok $? "POST /login without the cookie (another site's form): 403"
post /login "csrf=$TOKEN&account=al%ZZice"
[ "$code" = 400 ] && grep -q 'could not be read' <<<"$page"
ok $? "a malformed %-escape: 400"
post /login "csrf=$TOKEN&account=alice&account=bob"
[ "$code" = 400 ]
ok $? "a field given twice: 400"
post /login "csrf=$TOKEN&account=alice&admin=1"
[ "$code" = 400 ]
ok $? "an unknown field: 400"
post /login "csrf=$TOKEN&account=al%00ice"
[ "$code" = 400 ]
ok $? "a NUL in a field: 400"
post /login "csrf=$TOKEN&password=%C3%28"
[ "$code" = 400 ]
ok $? "a value that is not UTF-8: 400"
post /login "csrf=$TOKEN&account=alice&password=$(head -c 5000 /dev/zero | tr '\0' a)"
[ "$code" = 400 ]
ok $? "a body above 4 KiB: 400"
post /login "csrf=$TOKEN&account=alice" text/plain
[ "$code" = 415 ]
ok $? "a body that is not a form: 415"
post /login "csrf=$TOKEN&account="
[ "$code" = 422 ] && grep -q 'Enter your account name' <<<"$page" &&
    grep -q 'aria-invalid="true"' <<<"$page"
ok $? "an empty account: the form again with the error (422)"
post /login "csrf=$TOKEN&account=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
[ "$code" = 422 ] && grep -q 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' <<<"$page" &&
    ! grep -q '<script>alert' <<<"$page"
ok $? "an account name with markup is escaped when shown again"
code=$(curl -s -m 10 -o "$tmp/p404" -w '%{http_code}' "$U/nothing-here")
[ "$code" = 404 ] && grep -q 'Page not found' "$tmp/p404"
ok $? "an unknown path: the 404 page"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$U/login")
[ "$code" = 405 ]
ok $? "GET /login: 405"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer x" "$U/api/v1/authentication/session/0000000000000000")
[ "$code" = 401 ]
ok $? "the REST API is untouched by the page (401 without a key)"
ct=$(curl -s -m 10 -o "$tmp/css" -w '%{content_type}' "$U/static/web.css")
[ "$ct" = "text/css; charset=utf-8" ] && grep -q 'focus-visible' "$tmp/css"
ok $? "the stylesheet is served from /static/ (text/css)"
ct=$(curl -s -m 10 -o /dev/null -w '%{content_type}' "$U/static/web.js")
[ "$ct" = "text/javascript; charset=utf-8" ]
ok $? "the script is served from /static/ (text/javascript)"

# ---- the same response whatever the account (docs/WEB.md §4) ----
# alice (bound: a real session; no bridge runs here, so it stays
# "sending") against three decoys: nobody (unknown), carol (no binding),
# pat with a wrong password; pat with the right one is real too.  Headers
# and pages are compared with what must differ masked: the cookie, CSRF
# token, trace id, date, ticket, clock values and the progress step (a
# decoy moves on by its clock, this real one never: both are checked
# below on their own).
diag() { sed 's/^/# /'; }
# the server's ticket alphabet (server.h TICKET_ALPHABET)
ALPHA=$(sed -n 's/^#define TICKET_ALPHABET[[:space:]]*"\([0-9A-Z]*\)"/\1/p' server/server.h)
mask_headers() {	# the status line and headers, values that vary masked
	tr -d '\r' <"$1" | sed -E -e 's/^(Date|X-Trace-Id|Content-Length): .*/\1: */I' \
	    -e 's/ws_[A-Za-z0-9_-]+/ws_*/g' | sort
}
mask_page() {	# the page with the variable parts masked
	sed -E -e 's/ct_[A-Za-z0-9_-]+/ct_*/g' -e 's/data-(now|expires)="[0-9]+"/data-\1="*"/g' \
	    -e 's/data-progress="[a-z]+"/data-progress="*"/' \
	    -e 's/<span id="left">[0-9]+</<span id="left">*</' \
	    -e 's/<span id="status-text">[^<]*</<span id="status-text">*</' \
	    -e 's/<li( class="(now|done)")?>/<li>/g' \
	    -e 's/(<span class="sr">[^<]*:)( [A-Z0-9])+</\1 *</' \
	    -e 's/<span class="grp">[A-Z0-9]+</<span class="grp">*</g' \
	    -e 's/(<div class="screen"><p>[^<]*<\/p><p>)[A-Z0-9]+</\1*</' "$1"
}
login_as() {	# login_as NAME ACCOUNT PASSWORD (fresh session) -> $code,
		# files $tmp/{lh,wh,wait,sh,status}-NAME, cookie $LC, token $LT
	local c t
	curl -s -m 10 -D "$tmp/hh" -o "$tmp/pp" "$U/"
	c=$(grep -io 'ws_[A-Za-z0-9_-]*' "$tmp/hh" | head -1)
	t=$(grep -o 'ct_[A-Za-z0-9_-]*' "$tmp/pp" | head -1)
	code=$(curl -s -m 10 -D "$tmp/lh-$1" -o "$tmp/lb-$1" -w '%{http_code}' \
	    -H "Cookie: __Host-stkauth=$c" --data "csrf=$t&account=$2&password=$3" "$U/login")
	curl -s -m 10 -D "$tmp/wh-$1" -o "$tmp/wait-$1" -H "Cookie: __Host-stkauth=$c" "$U/wait"
	curl -s -m 10 -D "$tmp/sh-$1" -o "$tmp/status-$1" -H "Cookie: __Host-stkauth=$c" "$U/wait/status"
	LC=$c LT=$t
}
login_as real alice x; cr=$code
login_as unknown nobody x; cu=$code; UC=$LC UT=$LT
login_as unbound carol x; cb=$code
login_as wrongpw pat wrong; cw=$code; WC=$LC
login_as realpw pat "$(sed 's/ /+/g' <<<"$PATPW")"; cp=$code; RC=$LC RT=$LT
[ "$cr$cu$cb$cw$cp" = 303303303303303 ] && grep -q 'Check your phone' "$tmp/wait-real" &&
    grep -q 'Check your phone' "$tmp/wait-realpw"
ok $? "a bound account (alice; pat with his password) gets its waiting page"
same=0
for k in unknown unbound wrongpw realpw; do
	for f in lh wh sh; do
		cmp -s <(mask_headers "$tmp/$f-real") <(mask_headers "$tmp/$f-$k") ||
		    { same=1; echo "# $f-$k differs:"; diff <(mask_headers "$tmp/$f-real") <(mask_headers "$tmp/$f-$k") | diag; }
	done
done
[ $same = 0 ] && [ "$(wc -l <"$tmp/lh-real")" -ge 8 ] && grep -q '^Location: /wait' "$tmp/lh-unknown"
ok $? "POST /login, GET /wait, GET /wait/status: the same status and headers for unknown, unbound, wrong password and real (cookie, trace, date, length masked)"
same=0
for k in unknown unbound wrongpw realpw; do
	cmp -s <(mask_page "$tmp/wait-real") <(mask_page "$tmp/wait-$k") ||
	    { same=1; diff <(mask_page "$tmp/wait-real") <(mask_page "$tmp/wait-$k") | diag; }
	cmp -s "$tmp/lb-real" "$tmp/lb-$k" || same=1
done
[ $same = 0 ] && grep -q 'No pop-up on your phone? Check the account name and try again.' "$tmp/wait-unknown"
ok $? "the waiting page of every decoy is the real one's, octet for octet with ticket, tokens, clock and step masked; the hint line is on it"
tu=$(grep -o '<span class="grp">[A-Z0-9]*' "$tmp/wait-unknown" | sed 's/.*>//' | tr -d '\n')
tw=$(grep -o '<span class="grp">[A-Z0-9]*' "$tmp/wait-wrongpw" | sed 's/.*>//' | tr -d '\n')
tr_=$(grep -o '<span class="grp">[A-Z0-9]*' "$tmp/wait-real" | sed 's/.*>//' | tr -d '\n')
ng() { grep -o '<span class="grp">' "$tmp/wait-$1" | wc -l; }
[[ "$tu" =~ ^[0-9A-Z]+$ ]] && [ ${#tu} = ${#tr_} ] && [ ${#tw} = ${#tr_} ] &&
    [ "$(ng unknown)" = "$(ng real)" ] && [ "$(ng wrongpw)" = "$(ng real)" ] &&
    ! grep -q "[^$ALPHA]" <<<"$tu$tw" &&
    [ "$tu" = "$(sqlite3 "$tmp/server.db" "SELECT ticket FROM sessions WHERE account = 'nobody' ORDER BY created DESC LIMIT 1")" ]
ok $? "decoy tickets ($tu, $tw) have the real one's length, grouping and alphabet ($tr_); the unknown account's is its NOT_BOUND session's"
ju() { jq -c '[keys, (.progress|type), (.label|type), (.secondsLeft|type)]' "$tmp/status-$1"; }
lu=$(jq -r .secondsLeft "$tmp/status-unknown"); lr=$(jq -r .secondsLeft "$tmp/status-real")
[ "$(ju unknown)" = "$(ju real)" ] && [ "$(ju wrongpw)" = "$(ju real)" ] && [ "$(ju unbound)" = "$(ju real)" ] &&
    [ "$lu" -ge 55 ] && [ "$lu" -le 61 ] && [ "$lr" -ge 55 ] && [ "$lr" -le 61 ] &&
    [[ "$(jq -r .progress "$tmp/status-unknown")" =~ ^(sending|sent|delivered)$ ]]
ok $? "GET /wait/status: the same JSON members and types, the same session lifetime ($lu s, real $lr s)"
[ "$(sqlite3 "$tmp/server.db" "SELECT count(*) FROM sessions WHERE account = 'nobody' AND result = 4")" -ge 1 ] &&
    [ "$(sqlite3 "$tmp/server.db" "SELECT count(*) FROM sessions WHERE account = 'carol' AND result = 4")" -ge 1 ] &&
    [ "$(sqlite3 "$tmp/server.db" "SELECT count(*) FROM audit WHERE account = 'nobody' AND result = 'NOT_BOUND' AND reason LIKE 'no such account%'")" -ge 1 ] &&
    [ "$(sqlite3 "$tmp/server.db" "SELECT count(*) FROM audit WHERE account = 'carol' AND result = 'NOT_BOUND' AND reason LIKE 'no MSISDN binding%'")" -ge 1 ] &&
    [ "$(sqlite3 "$tmp/server.db" "SELECT count(*) FROM audit WHERE account = 'pat' AND event = 'web-password-failed'")" -ge 1 ]
ok $? "the audit log keeps the truth: unknown account, no binding (NOT_BOUND rows), wrong password"
# the decoy's progress moves like a real session whose phone never answers
poll() {	# poll COOKIE SINCE TIMEOUT -> $pp (progress), $pt (ms taken)
	local t0=$(date +%s%3N)
	pp=$(curl -s -m 30 -H "Cookie: __Host-stkauth=$1" "$U/wait/status?since=$2&timeoutMs=$3" | jq -r .progress)
	pt=$(( $(date +%s%3N) - t0 ))
}
login_as unknown2 nobody x
cur=$(jq -r .progress "$tmp/status-unknown2"); seq_=$cur
for i in 1 2 3; do
	[ "$cur" = delivered ] && break
	poll "$LC" "$cur" 10000; cur=$pp; seq_="$seq_ $pp"
done
poll "$LC" delivered 1500; seq_="$seq_ $pp/${pt}ms"
# it waits out the 1.5 s like a real session's long-poll (the upper
# bound only catches a hang: curl and jq start slowly on a loaded machine)
[[ "$seq_" =~ ^(sending\ )?sent\ delivered\ delivered/[0-9]+ms$ ]] &&
    [ "$pt" -ge 1400 ] && [ "$pt" -lt 10000 ]
ok $? "a decoy's long-poll goes sending -> sent -> delivered and then waits like a real one ($seq_)"
curl -s -m 10 -o /dev/null -H "Cookie: __Host-stkauth=$RC" --data "csrf=$RT" "$U/cancel"
curl -s -m 10 -o "$tmp/cr" -H "Cookie: __Host-stkauth=$RC" "$U/wait"
curl -s -m 10 -D "$tmp/cdh" -o /dev/null -H "Cookie: __Host-stkauth=$UC" --data "csrf=$UT" "$U/cancel"
curl -s -m 10 -o "$tmp/cd" -H "Cookie: __Host-stkauth=$UC" "$U/wait"
grep -q 'data-result="USER_REFUSED"' "$tmp/cr" && cmp -s <(mask_page "$tmp/cr") <(mask_page "$tmp/cd") &&
    grep -q '^Location: /wait' <(tr -d '\r' <"$tmp/cdh") &&
    [ "$(sqlite3 "$tmp/server.db" "SELECT count(*) FROM audit WHERE account = 'nobody' AND event = 'web-decoy-cancelled' AND reason = 'unknown_account'")" = 1 ]
ok $? "Cancel on a decoy: 303 /wait, then the refusal page of a real cancel; the audit says what it was"

# CAPTCHA "always" and "never"
UA=http://127.0.0.1:$P3
curl -s -m 10 -D "$tmp/ah" -o "$tmp/ap" "$UA/"
AC=$(grep -io 'ws_[A-Za-z0-9_-]*' "$tmp/ah" | head -1)
AT=$(grep -o 'ct_[A-Za-z0-9_-]*' "$tmp/ap" | head -1)
grep -q 'id="captcha-img"' "$tmp/ap" && grep -q 'alt="A picture of 5' "$tmp/ap"
ok $? "policy always: the first visit shows a CAPTCHA with a text alternative"
ct=$(curl -s -m 10 -o "$tmp/cap.png" -w '%{content_type}' -H "Cookie: __Host-stkauth=$AC" "$UA/captcha.png")
[ "$ct" = image/png ] && [ "$(head -c 8 "$tmp/cap.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
ok $? "the CAPTCHA is a PNG"
curl -s -m 10 -o "$tmp/cap2.png" -H "Cookie: __Host-stkauth=$AC" "$UA/captcha.png"
cmp -s "$tmp/cap.png" "$tmp/cap2.png"
ok $? "the same challenge draws the same picture (no averaging)"
code=$(curl -s -m 10 -o "$tmp/ar" -w '%{http_code}' -H "Cookie: __Host-stkauth=$AC" \
    --data "csrf=$AT&account=nobody" "$UA/login")
[ "$code" = 422 ] && grep -q 'did not match' "$tmp/ar"
ok $? "policy always: no CAPTCHA answer, the form again (422)"
words=$(curl -s -m 10 -H "Cookie: __Host-stkauth=$AC" "$UA/captcha/text" | grep -c '^<li>')
[ "$words" = 5 ]
ok $? "the text alternative spells 5 characters as words"
ans=$(curl -s -m 10 -H "Cookie: __Host-stkauth=$AC" "$UA/captcha/text" | sed -n 's/^<li>\(.*\)<\/li>$/\1/p' |
    sed -e 's/^two$/2/;s/^three$/3/;s/^four$/4/;s/^five$/5/;s/^six$/6/;s/^seven$/7/;s/^eight$/8/;s/^nine$/9/' -e 's/ as in .*//' | tr -d '\n')
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H "Cookie: __Host-stkauth=$AC" \
    --data "csrf=$AT&account=nobody&captcha=$(tr 'A-Z' 'a-z' <<<"$ans")" "$UA/login")
[ "$code" = 303 ]
ok $? "the right answer (any case) passes: 303 /wait"
# (nobody now waits on a decoy: cancel it, back to the form, try again)
curl -s -m 10 -o /dev/null -H "Cookie: __Host-stkauth=$AC" --data "csrf=$AT" "$UA/cancel"
curl -s -m 10 -o /dev/null -H "Cookie: __Host-stkauth=$AC" "$UA/wait"
curl -s -m 10 -o /dev/null -H "Cookie: __Host-stkauth=$AC" "$UA/"
code=$(curl -s -m 10 -o "$tmp/ar" -w '%{http_code}' -H "Cookie: __Host-stkauth=$AC" \
    --data "csrf=$AT&account=nobody&captcha=$ans" "$UA/login")
[ "$code" = 422 ]
ok $? "a challenge is single use: the same answer again fails"
for i in 1 2 3 4; do login_as cap nobody x; done
curl -s -m 10 -o "$tmp/np" "$U/"
! grep -q 'captcha' "$tmp/np"
ok $? "policy never: no CAPTCHA after many failures"

# ---- Accept-Language: negotiated, English the fallback (one table) ----
curl -s -m 10 -D "$tmp/lh1" -o "$tmp/lp1" -H 'Accept-Language: de-CH, de;q=0.9, *;q=0.1' "$U/"
grep -q '<html lang="en">' "$tmp/lp1" && grep -q '>Sign in<' "$tmp/lp1"
ok $? "Accept-Language de: the English page (no German table), <html lang=\"en\">"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H "Accept-Language: $(head -c 3000 /dev/zero | tr '\0' a);q=2,,;" "$U/")
[ "$code" = 200 ]
ok $? "a malformed, over-long Accept-Language: still the page (200)"

# ---- one transaction per sign-in, counted in the store's WAL ----
metrics() { curl -s -m 10 "$1/metrics"; }
m() {	# m FILE 'name{labels}' -> the value (0 when absent)
	awk -v k="$2" '$1 == k { v = $2 } END { print v + 0 }' "$1"
}
commits() { perl tests/helpers/wal_commits.pl "$tmp/server.db-wal"; }
fresh() {	# fresh -> $FC $FT: a new web session and its token
	curl -s -m 10 -D "$tmp/fh" -o "$tmp/fp" "$U/"
	FC=$(grep -io 'ws_[A-Za-z0-9_-]*' "$tmp/fh" | head -1)
	FT=$(grep -o 'ct_[A-Za-z0-9_-]*' "$tmp/fp" | head -1)
}
as() {	# as PATH [BODY] -> $code (with the fresh session's cookie)
	code=$(curl -s -m 10 -o "$tmp/as" -w '%{http_code}' -H "Cookie: __Host-stkauth=$FC" \
	    ${2:+--data "$2"} "$U$1")
}
metrics "$U" >"$tmp/m0"
fresh
c0=$(commits)
as /login "csrf=$FT&account=alice"; lcode=$code
c1=$(commits)
as /wait; wcode=$code
c2=$(commits)
grep -q 'Check your phone' "$tmp/as"
[ $? -eq 0 ] && [ "$lcode" = 303 ] && [ "$wcode" = 200 ] && [ $((c1 - c0)) -eq 1 ] && [ "$c2" -eq "$c1" ]
ok $? "a sign-in (rate counters, session, job, audit) commits once ($((c1 - c0))); the waiting page commits nothing"
as /cancel "csrf=$FT"; ccode=$code
c3=$(commits)
as /wait
[ "$ccode" = 303 ] && [ $((c3 - c2)) -eq 1 ] && grep -q 'data-result="USER_REFUSED"' "$tmp/as"
ok $? "Cancel commits once ($((c3 - c2))) and the page shows the refusal"
fresh
c0=$(commits)
as /login "csrf=$FT&account=pat&password=wrong"; lcode=$code
c1=$(commits)
pfail=$(sqlite3 "$tmp/server.db" "SELECT failures FROM accounts WHERE name = 'pat'")
[ "$lcode" = 303 ] && [ $((c1 - c0)) -eq 1 ] && [ "$pfail" -ge 1 ] &&
    [ "$(sqlite3 "$tmp/server.db" "SELECT count(*) FROM audit WHERE account = 'pat' AND event = 'web-password-failed'")" -ge 1 ]
ok $? "a wrong password (counters, failure count, audit) commits once ($((c1 - c0)))"
as /wait
# atomic: when the last write of a sign-in fails, its earlier ones go too
sqlite3 -cmd '.timeout 5000' "$tmp/server.db" "CREATE TRIGGER web_test_fail BEFORE INSERT ON audit
    WHEN NEW.account = 'zed' BEGIN SELECT RAISE(ABORT, 'test'); END;"
fresh
as /login "csrf=$FT&account=zed"
zc=$(sqlite3 -cmd '.timeout 5000' "$tmp/server.db" "SELECT (SELECT count(*) FROM rate_counters WHERE key = 'acct:zed') +
    (SELECT count(*) FROM sessions WHERE account = 'zed')")
sqlite3 -cmd '.timeout 5000' "$tmp/server.db" "DROP TRIGGER web_test_fail"
[ "$code" = 500 ] && grep -q 'Something went wrong' "$tmp/as" && [ "$zc" = 0 ]
ok $? "a sign-in whose audit row fails: 500, and neither its session nor its rate-counter hit is kept"
as /
grep -q 'name="account"' "$tmp/as"
ok $? "after that failure the browser is back at step 1"

# ---- the page's metrics ----
fresh
as /login "csrf=${FT%?}$([ "${FT: -1}" = A ] && echo B || echo A)&account=alice"
t1=$code
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' --data "csrf=$FT&account=alice" "$U/login")
t2=$code
metrics "$U" >"$tmp/m1"
d() { echo $(( $(m "$tmp/m1" "$1") - $(m "$tmp/m0" "$1") )); }
[ "$t1" = 403 ] && [ "$t2" = 403 ] &&
    [ "$(d 'stkauth_web_csrf_rejected_total{reason="token"}')" = 1 ] &&
    [ "$(d 'stkauth_web_csrf_rejected_total{reason="no_session"}')" = 1 ]
ok $? "/metrics: CSRF refusals by reason (wrong token, no session)"
[ "$(d 'stkauth_web_logins_total{result="USER_REFUSED"}')" = 1 ] &&
    [ "$(d 'stkauth_web_logins_total{result="NOT_BOUND"}')" = 0 ] &&
    [ "$(d 'stkauth_web_password_rejected_total')" = 1 ] &&
    [ "$(d 'stkauth_web_decoys_total{reason="wrong_password"}')" = 1 ] &&
    [ "$(d 'stkauth_web_decoys_total{reason="unknown_account"}')" = 0 ] &&
    [ "$(d 'stkauth_web_logins_total{result="OK"}')" = 0 ]
ok $? "/metrics: sign-ins by their real result (refused 1), the wrong password as a decoy by its reason"
[ "$(d 'stkauth_web_page_views_total{step="form"}')" -ge 4 ] &&
    [ "$(d 'stkauth_web_page_views_total{step="wait"}')" = 2 ] &&
    [ "$(d 'stkauth_web_page_views_total{step="result"}')" = 1 ] &&
    [ "$(d 'stkauth_web_page_views_total{step="signed_in"}')" = 0 ] &&
    grep -q '^# TYPE stkauth_web_page_views_total counter' "$tmp/m1" &&
    grep -q '^stkauth_web_sessions [1-9]' "$tmp/m1"
ok $? "/metrics: page views by step (form, wait 2, result 1), web sessions gauge"
metrics "$UA" >"$tmp/ma0"
curl -s -m 10 -D "$tmp/ah2" -o "$tmp/ap2" "$UA/"
AC2=$(grep -io 'ws_[A-Za-z0-9_-]*' "$tmp/ah2" | head -1)
AT2=$(grep -o 'ct_[A-Za-z0-9_-]*' "$tmp/ap2" | head -1)
curl -s -m 10 -o /dev/null -H "Cookie: __Host-stkauth=$AC2" --data "csrf=$AT2&account=nobody&captcha=22222" "$UA/login"
metrics "$UA" >"$tmp/ma1"
da() { echo $(( $(m "$tmp/ma1" "$1") - $(m "$tmp/ma0" "$1") )); }
[ "$(da stkauth_web_captcha_failures_total)" = 1 ] && [ "$(da stkauth_web_captcha_challenges_total)" = 2 ]
ok $? "/metrics: a wrong CAPTCHA answer is counted; challenges drawn (first form, the form again)"

# ---- the server keeps its secrets out of the log; stops cleanly ----
! grep -q "$PATPW" "$tmp/server.log" && ! grep -q 'ws_[A-Za-z0-9_-]\{43\}' "$tmp/server.log" &&
    ! grep -q 'ct_[A-Za-z0-9_-]\{43\}' "$tmp/server.log"
ok $? "no password, cookie value or CSRF token in the log"
kill -TERM "$SPID"
for i in $(seq 1 50); do
	kill -0 "$SPID" 2>/dev/null || break
	sleep 0.1
done
! kill -0 "$SPID" 2>/dev/null && wait "$SPID"
ok $? "SIGTERM: the server with the page exits 0"

echo "1..$n"
[ $fails -eq 0 ]

# web_lib.sh - the fixture of the login-page tests (tests/sh/test_web_*.sh):
# a CA and user certificates, three server configurations on one store
# (CAPTCHA never / after 2 / always), accounts with cards, a password, a
# lock, the servers started on free loopback ports.  Sourced; built on
# tests/helpers/testlib.sh (ok, free_port, tl_*); defines
# $U (CAPTCHA never), $P2 and $P3 ports, $BR (bridge token),
# $PATPW, $SPID; cleanup stops only the processes started here, by pid.
# The caller sets NEED_NODE=1 to skip without node.
set -u

. tests/helpers/testlib.sh

RESPOND=build/tests/helpers/server_auth_respond
ART=build/test-artifacts/web
SERVICE="Example Bank login"

tl_need curl jq openssl sqlite3 ss shuf ${NEED_NODE:+node}
tl_built "$SERVER" "$RESPOND"
tl_begin web-test

# ---- PKI: a CA and the user certificates (certcheck.h identity rules) ----
tl_ca "stkauth web test CA"
tl_user_cert alice +37255500001
tl_user_cert pat +37255500007
tl_user_cert dave +37255500004
# frank has a card but no certificate: CERT_INVALID

free_port && P1=$FREE
free_port && P2=$FREE
free_port && P3=$FREE
WEB_LIFETIME=${WEB_LIFETIME:-60}	# a test may shorten it (decoys' TIMEOUT)
conf() {	# conf FILE PORT CAPTCHA
	tl_server_ini "$1" "$2" "" "[session]
lifetime = $WEB_LIFETIME
[lockout]
max_failures = 0
[ratelimit]
per_address = 10000
per_account = 10000
[web]
service_name = $SERVICE
captcha = $3
captcha_after = 2"
}
conf "$tmp/never.ini" "$P1" never
conf "$tmp/after.ini" "$P2" after
conf "$tmp/always.ini" "$P3" always

# ---- store: accounts, cards, a password, a lock ----
BR=$(tl_bridge_token bridge1)
tl_kauth
tl_account alice +37255500001 8944100000000123456 &&
tl_account dave +37255500004 8944100000000123480 &&
tl_account frank +37255500006 8944100000000123506 &&
tl_account pat +37255500007 8944100000000123514 &&
tl_account carol
ok $? "accounts, bindings and cards for the page"
# pat's password, hashed here by the openssl CLI (RFC 7914 scrypt, an
# independent implementation) in password.h's format
PATPW="correct horse battery"
salt=$(openssl rand -hex 16)
hash=$(openssl kdf -keylen 32 -kdfopt "pass:$PATPW" -kdfopt "hexsalt:$salt" \
    -kdfopt n:32768 -kdfopt r:8 -kdfopt p:1 -kdfopt maxmem_bytes:67108864 \
    SCRYPT | tr -d ':\n')
b64() { printf "$(sed 's/../\\x&/g')" | base64 -w0 | tr -d '='; }
enc="\$scrypt\$ln=15,r=8,p=1\$$(b64 <<<"$salt")\$$(b64 <<<"$hash")"
sqlite3 "$tmp/server.db" "UPDATE accounts SET password_hash = '$enc' WHERE name = 'pat';
    UPDATE accounts SET locked_until = $(( ($(date +%s) + 3600) * 1000 )) WHERE name = 'dave';"
ok $? "pat has a password, dave is locked"

# ---- start three servers (CAPTCHA never, after 2, always) on one store ----
tl_spawn "$tmp/server.log" "$SERVER" -c "$tmp/never.ini"
SPID=$SPAWNED
tl_spawn "$tmp/server.log" "$SERVER" -c "$tmp/after.ini"
tl_spawn "$tmp/server.log" "$SERVER" -c "$tmp/always.ini"
U=http://127.0.0.1:$P1
for port in $P1 $P2 $P3; do
	wait_for 5 curl -s -o /dev/null "http://127.0.0.1:$port/healthz"
done
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/healthz")
[ "$code" = 200 ]
ok $? "three servers with the login page are up"
cnt=$(sqlite3 "$tmp/server.db" "SELECT count(*) FROM relying_parties WHERE name = 'web-login'")
[ "$cnt" = 1 ]
ok $? "the page's relying party web-login exists once (three processes)"


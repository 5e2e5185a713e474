# web_lib.sh - the fixture of the login-page tests (tests/sh/test_web_*.sh):
# a CA and user certificates, three server configurations on one store
# (CAPTCHA never / after 2 / always), accounts with cards, a password, a
# lock, the servers started on free loopback ports.  Sourced; defines ok,
# free_port, $U (CAPTCHA never), $P2 and $P3 ports, $BR (bridge token),
# $PATPW, $SPID; cleanup stops only the processes started here, by pid.
# The caller sets NEED_NODE=1 to skip without node.
set -u

SERVER=${STKAUTH_SERVER:-build/bin/stkauth-server}
RESPOND=build/tests/helpers/server_auth_respond
V=tests/vectors/authmsg
ART=build/test-artifacts/web
SERVICE="Example Bank login"
n=0
fails=0
pids=()
tmp=$(mktemp -d)

cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() {	# ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fails=$((fails + 1))
	fi
}

for t in curl jq openssl sqlite3 ss shuf ${NEED_NODE:+node}; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "1..0 # SKIP $t not installed"
		exit 0
	fi
done
if [ ! -x "$SERVER" ] || [ ! -x "$RESPOND" ]; then
	echo "1..1"
	echo "not ok 1 - $SERVER and $RESPOND must be built (make all tests)"
	exit 1
fi

used_ports=" "
free_port() {	# FREE = a loopback port nobody listens on
	local p
	FREE=
	for p in $(shuf -i 20000-59999 -n 50); do
		if [ -z "$(ss -Htan "( sport = :$p )")" ] &&
		    [[ $used_ports != *" $p "* ]]; then
			used_ports="$used_ports$p "
			FREE=$p
			return 0
		fi
	done
	return 1
}

# ---- PKI: a CA and the user certificates (certcheck.h identity rules) ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ca.key" \
    -out "$tmp/ca.pem" -days 30 -subj "/CN=stkauth web test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
mkdir -p "$tmp/certs"
user_cert() {	# user_cert ACCOUNT MSISDN KEY
	openssl req -new -key "$3" -subj "/CN=$1" -out "$tmp/$1.csr" 2>/dev/null
	printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nsubjectAltName=URI:tel:%s\n' "$2" >"$tmp/$1.ext"
	openssl x509 -req -in "$tmp/$1.csr" -CA "$tmp/ca.pem" \
	    -CAkey "$tmp/ca.key" -CAcreateserial -days 10 \
	    -extfile "$tmp/$1.ext" -out "$tmp/certs/$1.pem" 2>/dev/null
}
user_cert alice +37255500001 $V/rsa2048_test_key.pem
user_cert pat +37255500007 $V/rsa2048_test_key.pem
user_cert dave +37255500004 $V/rsa2048_test_key.pem
# frank has a card but no certificate: CERT_INVALID

free_port && P1=$FREE
free_port && P2=$FREE
free_port && P3=$FREE
free_port && P4=$FREE
conf() {	# conf PORT CAPTCHA [extra [web] lines]
	cat <<EOF
[server]
listen = 127.0.0.1
port = $1
tls = no
database = $tmp/server.db
log_level = info
[session]
lifetime = 60
[lockout]
max_failures = 0
[ratelimit]
per_address = 10000
per_account = 10000
[certs]
source = file
dir = $tmp/certs
ca = $tmp/ca.pem
[web]
service_name = $SERVICE
captcha = $2
captcha_after = 2
EOF
}
conf "$P1" never >"$tmp/never.ini"
conf "$P2" after >"$tmp/after.ini"
conf "$P3" always >"$tmp/always.ini"

# ---- store: accounts, cards, a password, a lock ----
BR=$($SERVER --db "$tmp/server.db" --add-bridge-token bridge1 2>/dev/null)
K=000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F
echo $K >"$tmp/kauth.hex"
add() {	# add NAME MSISDN ICCID
	$SERVER --db "$tmp/server.db" --add-account "$1" --msisdn "$2" \
	    --iccid "$3" --kauth-file "$tmp/kauth.hex" >/dev/null
}
add alice +37255500001 8944100000000123456 &&
add dave +37255500004 8944100000000123480 &&
add frank +37255500006 8944100000000123506 &&
add pat +37255500007 8944100000000123514 &&
$SERVER --db "$tmp/server.db" --add-account carol >/dev/null
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
start() {	# start INI -> PID
	$SERVER -c "$1" 2>>"$tmp/server.log" &
	pids+=($!)
	PID=$!
}
start "$tmp/never.ini"; SPID=$PID
start "$tmp/after.ini"
start "$tmp/always.ini"
U=http://127.0.0.1:$P1
for port in $P1 $P2 $P3; do
	for i in $(seq 1 50); do
		curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
		sleep 0.1
	done
done
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/healthz")
[ "$code" = 200 ]
ok $? "three servers with the login page are up"
cnt=$(sqlite3 "$tmp/server.db" "SELECT count(*) FROM relying_parties WHERE name = 'web-login'")
[ "$cnt" = 1 ]
ok $? "the page's relying party web-login exists once (three processes)"


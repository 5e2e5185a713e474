#!/bin/bash
# test_bridge_crash.sh - kill -9 stkauth-bridge at random moments while it
# carries 50 logins from the real stkauth-server through the `loop` test
# transport, restart it each time, and check at the receiving side that
# every job reached the network, that every job ended acknowledged at the
# server, and that a job sent more than once was always the same packet
# (same counter: the card drops the copy) - a packet is never rebuilt
# after its send was recorded.  TAP; bounded (< 60 s); pids only.
set -u

BRIDGE=${STKAUTH_BRIDGE:-build/bin/stkauth-bridge}
SERVER=${STKAUTH_SERVER:-build/bin/stkauth-server}
CARD=build/tests/helpers/bridge_card
JOBS=${JOBS:-50}
n=0
fails=0
pids=()
tmp=$(mktemp -d)
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else
		echo "not ok $n - $2"; fails=$((fails + 1)); fi
}
for t in curl jq openssl sqlite3 ss shuf; do
	command -v $t >/dev/null 2>&1 || { echo "1..0 # SKIP $t not installed"; exit 0; }
done
for f in "$BRIDGE" "$SERVER" "$CARD"; do
	[ -x "$f" ] || { echo "1..1"; echo "not ok 1 - $f must be built"; exit 1; }
done
free_port() {
	local p
	for p in $(shuf -i 20000-59999 -n 50); do
		[ -z "$(ss -Htan "( sport = :$p )")" ] && { FREE=$p; return 0; }
	done
	return 1
}

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ca.key" -out "$tmp/ca.pem" \
    -days 30 -subj "/CN=crash test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
mkdir -p "$tmp/certs"
free_port && SP=$FREE
cat >"$tmp/server.ini" <<EOF
[server]
listen = 127.0.0.1
port = $SP
tls = no
database = $tmp/server.db
log_level = warn
[session]
lifetime = 120
[ratelimit]
per_address = 100000
per_account = 100000
[certs]
source = file
dir = $tmp/certs
ca = $tmp/ca.pem
EOF
KEY=$($SERVER --db "$tmp/server.db" --add-api-key rp1 2>/dev/null)
$SERVER --db "$tmp/server.db" --add-bridge-token b1 >"$tmp/b1.token" 2>/dev/null
chmod 600 "$tmp/b1.token"
echo 000102030405060708090A0B0C0D0E0F >"$tmp/kauth.hex"
ICC=8944100000000123456
$SERVER --db "$tmp/server.db" --add-account alice --msisdn +37255500001 \
    --iccid $ICC --kauth-file "$tmp/kauth.hex" >/dev/null
$SERVER -c "$tmp/server.ini" 2>"$tmp/server.log" &
pids+=($!)
U=http://127.0.0.1:$SP
for _ in $(seq 1 50); do curl -s -o /dev/null "$U/healthz" && break; sleep 0.1; done

TAR=53544B KK=000102030405060708090A0B0C0D0E0F KD=101112131415161718191A1B1C1D1E1F
mkdir -p "$tmp/st" "$tmp/out" "$tmp/in"
$CARD enrol "$tmp/st/keystore.db" $ICC +37255500001 $TAR 12 12 $KK $KD
cat >"$tmp/b.ini" <<EOF
[bridge]
name = crash
server_url = $U
token_file = $tmp/b1.token
state_dir = $tmp/st
lease_ms = 4000
lease_margin_ms = 500
claim_wait_ms = 500
claim_max_jobs = 10
retry_base_ms = 100
retry_max_ms = 500
[transport loop]
type = loop
outdir = $tmp/out
indir = $tmp/in
capacity = 4
poll_ms = 20
EOF

for i in $(seq 1 $JOBS); do
	curl -s -m 10 -o /dev/null -H "Authorization: Bearer $KEY" \
	    -H 'Content-Type: application/json' \
	    --data-binary '{"account":"alice","serviceName":"Crash test"}' \
	    "$U/api/v1/authentication"
done
queued=$(sqlite3 "$tmp/server.db" "SELECT count(*) FROM jobs")
[ "$queued" = "$JOBS" ]
ok $? "$JOBS logins queued at the server"

kills=0
for round in $(seq 1 8); do
	$BRIDGE -c "$tmp/b.ini" 2>>"$tmp/bridge.log" &
	bp=$!
	pids+=($bp)
	sleep "0.$(shuf -i 05-60 -n 1)"
	kill -9 $bp 2>/dev/null && kills=$((kills + 1))
	wait $bp 2>/dev/null
done
sent_at_kill=$(ls "$tmp/out" | wc -l)
ok 0 "$kills kill -9 while sending ($sent_at_kill SMS out by then)"

# Let a last instance finish (bounded): every job acked at the server.
$BRIDGE -c "$tmp/b.ini" 2>>"$tmp/bridge.log" &
bp=$!
pids+=($bp)
acked() { [ "$(sqlite3 "$tmp/server.db" "SELECT count(*) FROM jobs WHERE state >= 2")" = "$JOBS" ]; }
for _ in $(seq 1 300); do acked && break; sleep 0.1; done
acked
ok $? "every job ended SENT at the server (acked): $(sqlite3 "$tmp/server.db" "SELECT group_concat(state) FROM (SELECT state, count(*) state FROM jobs GROUP BY state)")"
# SIGTERM before the handler is installed would kill it by the signal:
# wait (bounded) until it says it started.
for _ in $(seq 1 100); do
	grep -q "started (pid $bp)" "$tmp/bridge.log" && break
	sleep 0.05
done
kill -TERM $bp; wait $bp
ok $? "the last instance stops cleanly"

# The receiving side: which session each SMS carries, and its counter.
: >"$tmp/recv"
for f in "$tmp/out"/*.sub; do
	read -r _ _ hex <"$f"
	o=$($CARD open "$hex" $TAR $KK $KD) || { echo "bad $f"; continue; }
	echo "${o#* }" | cut -c7-22 | tr -d '\n' >>"$tmp/recv"
	echo " ${o%% *}" >>"$tmp/recv"
done
sessions=$(cut -d' ' -f1 "$tmp/recv" | sort -u | wc -l)
[ "$sessions" = "$JOBS" ]
ok $? "every one of the $JOBS sessions reached the network ($sessions)"
total=$(wc -l <"$tmp/recv")
rebuilt=$(sort -u "$tmp/recv" | cut -d' ' -f1 | uniq -d | wc -l)
[ "$rebuilt" = 0 ]
ok $? "no job was rebuilt with a new counter; copies sent twice: $((total - sessions)) (each after a crash before its send was recorded)"
dupc=$(cut -d' ' -f2 "$tmp/recv" | sort | uniq -c | awk '$1 > 1' | wc -l)
spread=$(sort -u "$tmp/recv" | cut -d' ' -f2 | sort | uniq -d | wc -l)
[ "$spread" = 0 ]
ok $? "no counter was used for two different sessions"
grep -q "queued again\|lease ran out\|claimed for" "$tmp/bridge.log"
ok $? "recovery is visible in the log ($(grep -c 'queued again' "$tmp/bridge.log") restarts with SMS in flight)"

echo "1..$n"
[ $fails -eq 0 ]

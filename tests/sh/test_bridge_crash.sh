#!/bin/bash
# test_bridge_crash.sh - kill -9 stkauth-bridge at random moments while it
# carries 50 logins from the real stkauth-server through the `loop` test
# transport, restart it each time, and check at the receiving side that
# every job reached the network, that every job ended acknowledged at the
# server, and that a job sent more than once was always the same packet
# (same counter: the card drops the copy) - a packet is never rebuilt
# after its send was recorded.  TAP; bounded (< 60 s); pids only.
set -u

. tests/helpers/bridge_lib.sh
bl_begin
JOBS=${JOBS:-50}

tl_ca
free_port && SP=$FREE
TL_LOG_LEVEL=warn tl_server_ini "$tmp/server.ini" "$SP" "" "[session]
lifetime = 120
[ratelimit]
per_address = 100000
per_account = 100000"
KEY=$(tl_api_key rp1)
tl_bridge_token b1 "$tmp/b1.token"
ICC=8944100000000123456
tl_kauth 000102030405060708090A0B0C0D0E0F
tl_account alice +37255500001 $ICC
U=http://127.0.0.1:$SP
tl_server_start "$tmp/server.ini" "$tmp/server.log" "$U"

mkdir -p "$tmp/st" "$tmp/out" "$tmp/in"
bl_enrol "$tmp/st/keystore.db" $ICC +37255500001
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
	tl_spawn "$tmp/bridge.log" $BRIDGE -c "$tmp/b.ini"
	bp=$SPAWNED
	sleep "0.$(shuf -i 05-60 -n 1)"
	tl_alive $bp && kills=$((kills + 1))
	tl_stop $bp 0 KILL
done
sent_at_kill=$(ls "$tmp/out" | wc -l)
ok 0 "$kills kill -9 while sending ($sent_at_kill SMS out by then)"

# Let a last instance finish (bounded): every job acked at the server.
tl_spawn "$tmp/bridge.log" $BRIDGE -c "$tmp/b.ini"
bp=$SPAWNED
acked() { [ "$(sqlite3 "$tmp/server.db" "SELECT count(*) FROM jobs WHERE state >= 2")" = "$JOBS" ]; }
wait_for 30 acked
ok $? "every job ended SENT at the server (acked): $(sqlite3 "$tmp/server.db" "SELECT group_concat(state) FROM (SELECT state, count(*) state FROM jobs GROUP BY state)")"
# SIGTERM before the handler is installed would kill it by the signal:
# wait (bounded) until it says it started.
wait_log "$tmp/bridge.log" "started \(pid $bp\)" 1 5
tl_stop $bp
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

tap_end

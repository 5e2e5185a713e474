#!/bin/bash
# test_bridge_lease.sh - the ABANDONED path of the bridge core
# (docs/BRIDGE.md §3 step 3, BRIDGE-API §7): a job whose lease runs out
# before its SMS could be handed to the network is not sent (another
# bridge may hold it by then), is left to the server, which offers it
# again; the bridge that re-claims it sends the packet it had built (same
# counter: never rebuilt, never a second counter spent).  The real
# stkauth-server, the `loop` transport failing every submit (fail_every =
# 1) with a retry backoff longer than the lease, then a bridge whose
# transport works.  TAP; bounded waits; processes stopped by pid.
set -u
. tests/helpers/bridge_lib.sh
bl_begin

bl_store
ok $? "server store: alice with K_auth, bridge token"
free_port && SP=$FREE
free_port && MP=$FREE
bl_server_ini "$SP" "tls = no"
bl_spawn "$tmp/server.log" $SERVER -c "$tmp/server.ini"
U=http://127.0.0.1:$SP
wait_for 10 curl -s -o /dev/null "$U/healthz"
ok $? "server up on $U"
mkdir -p "$tmp/st" "$tmp/out" "$tmp/in"
bl_enrol "$tmp/st/keystore.db" $ICC_A $MS_A
conf() {	# conf FAIL-EVERY
	cat <<-EOF
	[bridge]
	name = lease
	server_url = $U
	token_file = $tmp/b1.token
	state_dir = $tmp/st
	metrics_listen = 127.0.0.1:$MP
	lease_ms = 3000
	lease_margin_ms = 500
	claim_wait_ms = 1000
	retry_base_ms = 4000
	retry_max_ms = 4000

	[transport loop1]
	type = loop
	outdir = $tmp/out
	indir = $tmp/in
	fail_every = $1
	poll_ms = 20
	EOF
}
conf 1 >"$tmp/fail.ini"
conf 0 >"$tmp/work.ini"
bl_spawn "$tmp/bridge.log" $BRIDGE -c "$tmp/fail.ini"
BP=$SPAWNED
bl_login alice
jid=$sid
wait_for 15 grep -q "job $jid: lease ran out before sending" "$tmp/bridge.log"
ok $? "the first submit failed, the retry came after the lease: job $jid not sent, logged"
m=$(curl -s "http://127.0.0.1:$MP/metrics")
grep -q '^stkauth_bridge_errors_total{error="lease_expired_unsent"} [1-9]' <<<"$m"
ok $? "counted as lease_expired_unsent in /metrics"
[ -z "$(ls "$tmp/out")" ]
ok $? "nothing reached the network"
bl_stop $BP
ok $? "the bridge stops cleanly (exit 0)"
tx1=$(sqlite3 "$tmp/st/keystore.db" "SELECT tx_cntr FROM keysets WHERE iccid='$ICC_A'")
[ "$tx1" = 1 ]
ok $? "one counter spent for the job, however often it was offered ($tx1)"

# The server's lease (3 s) ends; a working bridge on the same state
# re-claims the job and sends the packet it had built.
bl_spawn "$tmp/bridge2.log" $BRIDGE -c "$tmp/work.ini"
BP=$SPAWNED
out_nonempty() { [ -n "$(ls "$tmp/out")" ]; }
wait_for 15 out_nonempty
sub=$(ls "$tmp/out"/*.sub 2>/dev/null | head -n 1)
cat "$tmp/bridge.log" "$tmp/bridge2.log" | grep -qE "job $jid \(session $jid\) claimed for [+][0-9]+, attempt [2-9], already known: abandoned"
ok $? "the server offered the job again and the bridge knew it as abandoned"
read -r _ _ hex <"${sub:-/dev/null}"
opened=$($CARD open "${hex:-00}" $TAR $KK $KD 2>/dev/null)
tx2=$(sqlite3 "$tmp/st/keystore.db" "SELECT tx_cntr FROM keysets WHERE iccid='$ICC_A'")
[ -n "$opened" ] && [ "${opened%% *}" = "$tx1" ] && [ "$tx2" = "$tx1" ]
ok $? "sent with the packet built the first time: counter ${opened%% *} (spent: $tx1 -> $tx2)"
chk() { [ "$(bl_job "$jid")" -ge 2 ]; }
wait_for 10 chk
ok $? "acknowledged: server job state $(bl_job "$jid") (2 = SENT)"
bl_stop $BP
ok $? "the second bridge stops cleanly"
bl_end

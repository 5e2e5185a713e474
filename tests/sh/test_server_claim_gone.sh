#!/bin/bash
# test_server_claim_gone.sh - a bridge that dies while its claim long-poll
# waits must not be leased the next job: the server notices the closed
# connection (server/http.c waiter_gone), drops the claim, and the job
# goes to the bridge that claims next (here: the same bridge restarted)
# at once instead of after the lease.
. tests/helpers/testlib.sh
SERVER=build/bin/stkauth-server

tl_begin server-claim-gone
tl_built "$SERVER"
tl_need curl jq
tl_ca
free_port; P=$FREE
U=http://127.0.0.1:$P
tl_server_ini "$tmp/s.ini" "$P"
KEY=$(tl_api_key rp1)
BR=$(tl_bridge_token b1)
tl_account alice +37255500001 8944100000000123456
tl_server_start "$tmp/s.ini" "$tmp/s.log" "$U"
SPID=$SPAWNED
check "the server runs" '[ -n "$KEY" ] && [ -n "$BR" ] && tl_alive $SPID'

metric() { curl -s -m 5 "$U/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
claim() {	# WAIT-MS OUT-FILE
	curl -s -m 30 -o "$2" -w '%{http_code}' -X POST \
	    -H "Authorization: Bearer $BR" -H 'Content-Type: application/json' \
	    --data-binary "{\"waitMs\":$1,\"leaseMs\":60000,\"maxJobs\":10}" \
	    "$U/bridge/v1/jobs/claim"
}

# the first bridge waits for jobs, then is killed
curl -s -m 30 -o "$tmp/dead.json" -X POST -H "Authorization: Bearer $BR" \
    -H 'Content-Type: application/json' \
    --data-binary '{"waitMs":25000,"leaseMs":60000,"maxJobs":10}' \
    "$U/bridge/v1/jobs/claim" &
dead=$!		# curl itself, not a subshell
tl_track $dead
waiting() { [ "$(metric stkauth_longpoll_waiters)" = 1 ]; }
wait_for 10 waiting
ok $? "the bridge's claim waits on the server"
tl_stop $dead 5 KILL
# a login at once: the dead claim, were it still registered, would take
# its job on the server's next 250 ms tick of the claim waiters
sid=$(curl -s -m 10 -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' \
    --data-binary '{"account":"alice","serviceName":"Gone"}' \
    "$U/api/v1/authentication" | jq -r .sessionId)
gone() { [ "$(metric stkauth_longpoll_gone_total)" = 1 ] &&
    [ "$(metric stkauth_longpoll_waiters)" = 0 ]; }
wait_for 10 gone
ok $? "the server drops the claim of the bridge that hung up"
wait_log "$tmp/s.log" "long-poll jobs: the client closed its connection"
ok $? "and says so in its log"
sleep 0.6	# two ticks: time for the fault this test is about
# the restarted bridge claims: the job is there, leased to nobody before
code=$(claim 3000 "$tmp/new.json")
[ "$code" = 200 ] &&
    [ "$(jq -r '.jobs | length' "$tmp/new.json")" = 1 ] &&
    [ "$(jq -r '.jobs[0].jobId' "$tmp/new.json")" = "$sid" ] &&
    [ "$(jq -r '.jobs[0].attempt' "$tmp/new.json")" = 1 ]
ok $? "the restarted bridge gets the new job at once, first attempt ($code)"
tl_stop "$SPID"
ok $? "SIGTERM: the server exits 0"
tap_end

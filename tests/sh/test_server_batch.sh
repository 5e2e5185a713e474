#!/bin/bash
# test_server_batch.sh - the server's group commit (server/batch.c): the
# requests one turn of the event loop handles share one commit, and each
# answer leaves only after the commit that stores what it says.
#
# To put many requests into one turn without relying on timing, the
# server is stopped (SIGSTOP) while N clients connect and send their
# session starts (the kernel completes the handshakes and queues the
# requests), then continued: its next rounds of events find every
# request readable at once.
. tests/helpers/testlib.sh
SERVER=build/bin/stkauth-server
N=24

tl_begin server-batch
tl_built "$SERVER"
tl_need curl jq sqlite3
tl_ca
free_port; P=$FREE
U=http://127.0.0.1:$P
tl_server_ini "$tmp/s.ini" "$P" "tls = no" "[ratelimit]
per_address = 1000
per_account = 1000"
KEY=$(tl_api_key batch-rp)
for i in $(seq 1 $N); do tl_account "u$i"; done
tl_server_start "$tmp/s.ini" "$tmp/s.log" "$U"
SPID=$SPAWNED
check "the server runs" '[ -n "$KEY" ] && tl_alive $SPID'

metric() {	# NAME: its value on /metrics
	curl -s "$U/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}
commits0=$(metric stkauth_store_group_commits_total)
held0=$(metric stkauth_store_held_answers_total)

kill -STOP "$SPID"
pids=()
for i in $(seq 1 $N); do
	curl -s -m 20 -o "$tmp/a$i.json" -w '%{http_code}' \
	    -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
	    --data-binary "{\"account\":\"u$i\",\"serviceName\":\"Batch\"}" \
	    "$U/api/v1/authentication" >"$tmp/c$i" &
	pids+=($!)
	tl_track $!
done
# every request is in the server's receive queues (bounded wait)
queued() {
	[ "$(ss -Htn state established "( sport = :$P )" |
	    awk '$1 > 0' | wc -l)" -ge "$N" ]
}
wait_for 10 queued
ok $? "$N session starts queued while the server is stopped"
kill -CONT "$SPID"
for p in "${pids[@]}"; do wait "$p"; done

good=0
for i in $(seq 1 $N); do
	[ "$(cat "$tmp/c$i")" = 200 ] &&
	    [[ "$(jq -r .sessionId "$tmp/a$i.json")" =~ ^[0-9A-F]{16,64}$ ]] &&
	    good=$((good + 1))
done
ok $([ $good = $N ]; echo $?) "every start answered 200 with its session ($good of $N)"
stored=$(sqlite3 "$tmp/server.db" "SELECT count(*) FROM sessions")
ok $([ "$stored" = $N ]; echo $?) "every answered session is in the store ($stored)"
commits=$(( $(metric stkauth_store_group_commits_total) - commits0 ))
held=$(( $(metric stkauth_store_held_answers_total) - held0 ))
ok $([ "$held" -ge $N ] && [ "$commits" -ge 1 ] && [ "$commits" -lt $N ]
    echo $?) "the $N starts shared commits: $commits commits for $held held answers"
audits=$(sqlite3 "$tmp/server.db" \
    "SELECT count(*) FROM audit WHERE event = 'session-created'")
ok $([ "$audits" = $N ]; echo $?) "each start's audit row committed with it ($audits)"
tl_stop "$SPID"
ok $? "SIGTERM: the server exits 0"
tap_end

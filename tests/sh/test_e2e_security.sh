#!/bin/bash
# test_e2e_security.sh - attacks on a running system, everything real
# (tools/demo/lib.sh):
#  * a replayed response SMS: the SMS alice's card sent for a finished
#    login, captured from her phone's events and sent again into the
#    network from her number while a new login waits - the bridge refuses
#    the old counter, the new session only ends OK when her card answers;
#  * a response from another card: carol's card attached under alice's
#    number answers alice's login - never OK;
#  * a tampered signature: a correct password signed with a key that is
#    not the card's, posted through the bridge API by a second bridge -
#    SIGNATURE_INVALID;
#  * a second use of a ticket: another answer for a finished session -
#    409 SESSION_NOT_RUNNING, the session keeps its one result.
# (The CSRF attempt is in test_e2e_browser.sh.)  TAP; run from the root.
set -u
. tools/demo/lib.sh
E2E_LIFETIME=20
# A bridge stopped while its claim long-polls may still be handed the next
# job (the lease runs out, BRIDGE-API.md §1): short leases.
DEMO_BRIDGE_INI_EXTRA="lease_ms = 3000
lease_margin_ms = 500"
. tools/demo/e2e-lib.sh
e2e_begin security 10
RESPOND=build/tests/helpers/server_auth_respond

e2e_up_check "the whole system is up" --auto confirm --pin 1234 --delay 0
ALICE=$(demo_msisdn 1)

# --- replayed response SMS ------------------------------------------------
demo_start events1 sh -c "(echo EVENTS; sleep 300) | socat - UNIX-CONNECT:$DEMO_DIR/run/phone1.ctl"
sleep 0.5
e2e_login alice
sid1=$SID
e2e_wait "$SID" 30000
mapfile -t MO < <(grep -oE 'EVENT MO ref=[0-9]+ tpdu=[0-9A-F]+' "$DEMO_DIR/logs/events1.log" | sed 's/.*tpdu=//')
check "alice's login OK; her card's answer captured (${#MO[@]} SMS)" \
    '[ "$RESULT" = OK ] && [ ${#MO[@]} -ge 2 ]'
demo_stop events1
demo_stop phone1
e2e_login alice
sid2=$SID
{
	echo "ATTACH $ALICE"
	sleep 0.5
	i=0
	for m in "${MO[@]}"; do i=$((i + 1)); echo "MO $i $m"; done
	sleep 2
	echo DETACH
	sleep 0.3
} | timeout 20 socat - "TCP:127.0.0.1:$P_SUB" >"$DEMO_DIR/logs/replay.log" 2>&1
sleep 2
e2e_api GET "/api/v1/authentication/session/$sid2?timeoutMs=0"
check "the replayed SMS was accepted by the network ($(grep -c 'MO-RESULT .* OK' "$DEMO_DIR/logs/replay.log") of ${#MO[@]}) but did not complete the new login ($(jq -r '.result // .state' <<<"$BODY"))" \
    "[ \"\$(grep -c 'MO-RESULT .* OK' '$DEMO_DIR/logs/replay.log')\" = ${#MO[@]} ] && [ \"\$(jq -r .state <<<\"\$BODY\")\" = RUNNING ]"
check "the bridge refused the old counter (replay)" \
    "demo_log_since bridge | grep -qiE 'not higher|replay'"
demo_phone 1 --auto confirm --pin 1234 --delay 0
e2e_wait "$sid2" 30000
check "alice's card then answers the waiting login itself: OK once ($RESULT)" \
    '[ "$RESULT" = OK ] && [ "$(e2e_oks "$sid2")" = 1 ] && [ "$(e2e_oks "$sid1")" = 1 ]'

# --- a response from another card -----------------------------------------
demo_stop phone1
demo_stop phone3
demo_phone 3 --auto confirm --pin 1234 --delay 0 --msisdn "$ALICE"
e2e_login alice
e2e_wait "$SID" 30000
check "carol's card answering under alice's number: not OK ($RESULT)" \
    '[ -n "$RESULT" ] && [ "$RESULT" != OK ] && [ "$(e2e_oks "$SID")" = 0 ]'
demo_stop phone3
demo_phone 3 --auto confirm --pin 1234 --delay 0
demo_phone 1 --auto confirm --pin 1234 --delay 0

# --- a tampered signature, through the bridge API --------------------------
if [ ! -x "$RESPOND" ]; then
	make -s "$RESPOND" >/dev/null 2>&1
fi
demo_stop bridge
BR2=$(demo_admin bridge add intruder | grep -oE 'br_[A-Za-z0-9_-]{43}')
ldap-fixtures/ca.sh user "$DEMO_DIR/ldap/ca" mallory alice "$ALICE" >/dev/null 2>&1
sqlite3 "$DEMO_DIR/server.db" "SELECT hex(k_auth) FROM cards WHERE iccid = '$(demo_iccid 1)';" >"$DEMO_DIR/run/kauth.hex"
e2e_login alice
rq=
for _ in 1 2 3 4 5; do
	claim=$(demo_curl -X POST -H "Authorization: Bearer $BR2" -H 'Content-Type: application/json' \
	    --data-binary '{"maxJobs":10,"waitMs":2000}' "$DEMO_URL/bridge/v1/jobs/claim")
	rq=$(jq -r --arg s "$SID" '.jobs[] | select(.sessionId == $s) | .request' <<<"$claim" 2>/dev/null)
	[ -n "$rq" ] && break
done
resp=$("$RESPOND" "$rq" "$(demo_iccid 1)" "$DEMO_DIR/run/kauth.hex" "$DEMO_DIR/ldap/ca/certs/mallory.key" 2>/dev/null)
code=$(demo_curl -o "$DEMO_DIR/run/post" -w '%{http_code}' -X POST -H "Authorization: Bearer $BR2" \
    -H 'Content-Type: application/json' --data-binary \
    "{\"resultId\":\"t-$SID\",\"msisdn\":\"$ALICE\",\"iccid\":\"$(demo_iccid 1)\",\"response\":\"$resp\"}" \
    "$DEMO_URL/bridge/v1/results")
e2e_wait "$SID" 20000
check "a right password signed with another key: SIGNATURE_INVALID (post $code $(head -c 120 "$DEMO_DIR/run/post"), $RESULT)" \
    '[ -n "$resp" ] && [ "$code" = 202 ] && [ "$RESULT" = SIGNATURE_INVALID ]'

# --- a second use of the ticket: another answer for a finished session ----
code=$(demo_curl -o "$DEMO_DIR/run/post" -w '%{http_code}' -X POST -H "Authorization: Bearer $BR2" \
    -H 'Content-Type: application/json' --data-binary \
    "{\"resultId\":\"t2-$SID\",\"msisdn\":\"$ALICE\",\"iccid\":\"$(demo_iccid 1)\",\"response\":\"$resp\"}" \
    "$DEMO_URL/bridge/v1/results")
check "another answer for the finished session: 409 SESSION_NOT_RUNNING ($code)" \
    '[ "$code" = 409 ] && grep -q SESSION_NOT_RUNNING "$DEMO_DIR/run/post"'
e2e_api GET "/api/v1/authentication/session/$sid1?timeoutMs=0"
check "alice's first session still has its one result (OK)" \
    '[ "$(jq -r .result <<<"$BODY")" = OK ] && [ "$(e2e_oks "$sid1")" = 1 ]'
demo_bridge >/dev/null 2>&1
e2e_login alice
e2e_wait "$SID" 30000
check "with the real bridge back, alice logs in OK ($RESULT)" '[ "$RESULT" = OK ]'
exit $failed

#!/bin/bash
# test_e2e_faults_proc.sh - processes that die or restart in the middle of
# a login, everything else real (tools/demo/lib.sh): slapd restarted while
# the phone is answering (the server reconnects: OK); the bridge killed
# with SIGKILL right after it claimed a job and again after it sent one,
# then restarted (its durable queue / the server's lease bring the job
# back: OK, once); the server restarted with sessions open (the bridge
# retries its posts: OK).
# No lost job, no double success.  TAP; run from the repository root.
set -u
. tools/demo/lib.sh
E2E_LIFETIME=40
DEMO_BRIDGE_INI_EXTRA="lease_ms = 5000
lease_margin_ms = 1000
retry_base_ms = 200
retry_max_ms = 2000"
. tools/demo/e2e-lib.sh
e2e_begin faults_proc 9

e2e_up_check "the whole system is up (phones answer after 2.5 s)" --auto confirm --pin 1234 --delay 2500
popups() { demo_log_since "phone$1" | grep -c "Ticket: $2"; }

# LDAP restarted between the request and the answer.
e2e_login alice
demo_slapd_stop
demo_slapd >/dev/null 2>&1
e2e_wait "$SID" 45000
check "slapd restarted during alice's login: OK once ($RESULT)" \
    '[ "$RESULT" = OK ] && [ "$(e2e_oks "$SID")" = 1 ]'

# The bridge killed right after its claim, restarted.
e2e_login bob
demo_wait_log bridge "claimed .*$SID|$SID.*claimed" 20 >/dev/null
demo_stop bridge KILL
demo_bridge >/dev/null 2>&1
e2e_wait "$SID" 45000
check "bridge SIGKILLed after claiming bob's job, restarted: OK once ($RESULT)" \
    '[ "$RESULT" = OK ] && [ "$(e2e_oks "$SID")" = 1 ]'
check "bob's phone showed that login once (ticket $TICKET)" '[ "$(popups 2 "$TICKET")" = 1 ]'

# The bridge killed after the request left (the answer arrives while it
# is down: the network stores it), restarted.
e2e_login alice
demo_wait_log bridge "sent via" 20 >/dev/null
sleep 0.3
demo_stop bridge KILL
sleep 3
demo_bridge >/dev/null 2>&1
e2e_wait "$SID" 45000
check "bridge SIGKILLed after sending alice's request, restarted: OK once ($RESULT)" \
    '[ "$RESULT" = OK ] && [ "$(e2e_oks "$SID")" = 1 ]'

# The server restarted with two sessions open: one answered, one not.
e2e_login carol
sid_c=$SID
demo_stop server
demo_server >/dev/null 2>&1
e2e_wait "$sid_c" 45000
check "server restarted while carol's phone answered: OK once ($RESULT)" \
    '[ "$RESULT" = OK ] && [ "$(e2e_oks "$sid_c")" = 1 ]'
check "the server's restart was clean (exit on SIGTERM, store reopened)" \
    "grep -qi 'stopping\|shut' '$DEMO_DIR/logs/server.log'"

# store.h: JOB_QUEUED 0, JOB_LEASED 1: nothing may still wait for a
# bridge once its session has ended.
check "no job of an ended session still waits for a bridge" \
    "[ \"\$(sqlite3 '$DEMO_DIR/server.db' 'SELECT count(*) FROM jobs j JOIN sessions s ON s.id = j.id WHERE s.completed <> 0 AND j.state IN (0, 1);')\" = 0 ]"
check "every session of this test has ended" \
    "[ \"\$(sqlite3 '$DEMO_DIR/server.db' 'SELECT count(*) FROM sessions WHERE completed = 0 AND expiry < strftime(\"%s\",\"now\")*1000;')\" = 0 ]"
exit $failed

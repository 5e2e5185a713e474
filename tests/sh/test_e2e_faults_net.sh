#!/bin/bash
# test_e2e_faults_net.sh - logins through every real process while the
# network simulator misbehaves (its /faults interface, docs/NETSIM.md):
# a modem answering +CMS ERROR to every send and a hung modem (the pool
# sends through the other one), SMPP throttling and the loss of the bind (the ESME
# rebinds), delayed, duplicated and reordered SMS segments of the card's
# answer.  Each login must end OK exactly once: no lost job, no second
# success (the server's sessions and the audit log are read with
# sqlite3).  TAP; run from the repository root after "make all".
set -u
. tools/demo/lib.sh
E2E_LIFETIME=40
. tools/demo/e2e-lib.sh
e2e_begin faults_net 12

e2e_up_check "the whole system is up" --auto confirm --pin 1234 --delay 0

# fault_login NAME ACCOUNT FAULTS RESET: set FAULTS, log in, reset.
fault_login() {
	local name=$1 acct=$2 on=$3 off=$4 r t0
	r=$(demo_faults "$on")
	t0=$(date +%s)
	e2e_login "$acct"
	e2e_wait "$SID" 45000
	demo_faults "$off" >/dev/null
	check "$name: $acct logs in OK once ($RESULT in $(( $(date +%s) - t0 )) s, faults: ${r%%$'\n'*})" \
	    '[ "$RESULT" = OK ] && [ "$(e2e_oks "$SID")" = 1 ]'
}

fault_login "+CMS ERROR on every send of gsm0" alice \
    $'modem.gsm0.cms_error_pct=100\nmodem.gsm0.cms_error_codes=38' 'modem.gsm0.cms_error_pct=0'
# gsm1 hangs, not gsm0: the cards of the modem route answer to gsm0's
# number, and a hung receiving modem holds the answers in the network
# until it recovers (docs/DEMO.md).  Two logins, so that the pool's
# round robin hands one send to the hung modem.
demo_faults 'modem.gsm1.hang=1' >/dev/null
fault_login "gsm1 hung (reads, never answers), 1st login" alice 'modem.gsm1.hang=1' 'modem.gsm1.hang=1'
fault_login "gsm1 hung, 2nd login" alice 'modem.gsm1.hang=1' 'modem.gsm1.hang=0'
check "the bridge noticed the hung modem and recovered it" \
    "demo_log_since bridge | grep -qiE 'gsm1.*(timeout|recover|no answer)'"
fault_login "gsm1 +CMS ERROR 500 half of the time" alice \
    $'modem.gsm1.cms_error_pct=50\nmodem.gsm1.cms_error_codes=500' 'modem.gsm1.cms_error_pct=0'
fault_login "SMPP: half of the submit_sm throttled" bob 'smsc.throttle_pct=50' 'smsc.throttle_pct=0'
demo_faults 'smsc.drop_all=1' >/dev/null
sleep 0.5
fault_login "SMPP bind lost just before the login" bob 'smsc.delay_ms=0' 'smsc.delay_ms=0'
check "the bridge bound again after the loss" \
    "[ \$(demo_log_since bridge | grep -c 'bound to SMSC') -ge 2 ]"
fault_login "every segment to the ESME delivered twice" bob \
    'path.subscriber->smpp.dup_pct=100' 'path.subscriber->smpp.dup_pct=0'
fault_login "segments to the modems reordered and delayed" alice \
    $'path.subscriber->modem.reorder_ms=400\npath.modem->subscriber.delay_ms=300' \
    $'path.subscriber->modem.reorder_ms=0\npath.modem->subscriber.delay_ms=0'
check "no session is left without a final state" \
    "[ \"\$(sqlite3 '$DEMO_DIR/server.db' 'SELECT count(*) FROM sessions WHERE completed = 0;')\" = 0 ]"
exit $failed

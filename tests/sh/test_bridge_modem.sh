#!/bin/bash
# test_bridge_modem.sh - the bridge's modem pool transport (smsc-bridge/
# modem_*.c) against stkauth-netsim's AT modems over TCP, driven by
# build/tests/helpers/bridge_modem_drive: configuration checks, sending
# over a pool, +CMT with +CNMA, +CMTI with +CMGR/+CMGD, status reports
# (+CDS, +CDSI), messages left on the SIM read with +CMGL at start-up,
# PIN entry with a busy SIM, a refused PIN, and every AT fault netsim
# injects (+CMS ERROR, hang, drop) with the transport recovering by itself.
# TAP output; run from the repository root after "make all tests".
set -u -o pipefail
. tests/helpers/netsim_lib.sh
DRIVE=build/tests/helpers/bridge_modem_drive

tap_plan 26
tl_begin bridge-modem
T=$tmp

free_ports 6
read -r SUBP HTTPP P0 P1 P2 P3 <<<"${PORTS[*]}"
cat >"$T/ns.ini" <<EOF
[network]
subscriber_listen = 127.0.0.1:$SUBP
http_listen = 127.0.0.1:$HTTPP
sca = +491700000000
retry = 1
mt_ack_timeout = 2

[subscribers]
msisdn = +491700000001

[modem gsm0]
msisdn = +491710000001
listen = 127.0.0.1:$P0
pin = 1234

[modem gsm1]
msisdn = +491710000002
listen = 127.0.0.1:$P1

[modem gsm2]
msisdn = +491710000003
listen = 127.0.0.1:$P2
pin = 4321

[modem gsm3]
msisdn = +491710000004
listen = 127.0.0.1:$P3
pin = 1111

[faults]
modem.gsm2.sim_busy_ms = 700
EOF
cat >"$T/br.ini" <<EOF
[transport pool]
type = modem
modems = gsm0 gsm1
gsm0.link = tcp:127.0.0.1:$P0
gsm0.pin = 1234
gsm1.link = tcp:127.0.0.1:$P1
smsc = +491700000000
command_timeout = 1s
send_timeout = 2s
keepalive = 1s
backoff_min = 200ms
backoff_max = 1s
retry = 200ms

[transport one]
type = modem
modems = gsm0
gsm0.link = tcp:127.0.0.1:$P0
keepalive = 1s
command_timeout = 1s
send_timeout = 2s
backoff_min = 200ms
backoff_max = 800ms

[transport stored]
type = modem
modems = gsm1
gsm1.link = tcp:127.0.0.1:$P1
cnmi = cmti
status_reports = cdsi

[transport busy]
type = modem
modems = gsm2
gsm2.link = tcp:127.0.0.1:$P2
pin = 4321
retry = 200ms

[transport wrongpin]
type = modem
modems = gsm3
gsm3.link = tcp:127.0.0.1:$P3
pin = 9999
backoff_min = 100ms

[transport routed]
type = modem
modems = gsm0 gsm1
gsm0.link = tcp:127.0.0.1:$P0
gsm0.route = +4917
gsm1.link = tcp:127.0.0.1:$P1
gsm1.route = +4930

[transport badlink]
modems = m
m.link = tcp:localhost

[transport badpin]
modems = m
m.link = serial:usb:1e0e:9001:ABC
m.pin = 12a4
EOF

drive() { echo "== drive $*" >>"$T/drive.log"; "$DRIVE" -c "$T/br.ini" "$@" 2>>"$T/drive.log" | tee -a "$T/drive.out"; }

# --- configuration ---
out=$(drive -t pool --check)
check "check() accepts a valid pool" '[ "$out" = valid ]'
out=$(drive -t badlink --check)
check "check() names the key of a bad link" \
    'grep -q "invalid: m.link: \"tcp:localhost\" is not tcp:HOST:PORT" <<<"$out"'
out=$(drive -t badpin --check)
check "check() rejects a bad PIN without showing it" \
    'grep -q "m.pin = <hidden>: a PIN is 4 to 8 digits" <<<"$out" && ! grep -q 12a4 <<<"$out"'

if ! start_netsim "$T/ns.ini" "$T/ns.log"; then
	ok 1 "netsim starts"
	sed 's/^/# /' "$T/ns.log"
	exit 1
fi
ok 0 "netsim starts"

# --- sending over the pool ---
out=$(drive -t pool -n 10 --wait-up 2 --timeout 15 --metrics -d)
rc=$?
check "10 messages sent over two modems" \
    '[ $rc -eq 0 ] && grep -q "^done sent=10 failed=0" <<<"$out"'
check "both modems carried messages (load balancing)" \
    'grep -q "^sent [0-9]* gsm0:" <<<"$out" && grep -q "^sent [0-9]* gsm1:" <<<"$out"'
check "the PIN was entered and never logged" \
    'grep -q "link pool/gsm0 up" <<<"$out" && grep -q "AT+CPIN=<pin>" "$T/drive.log" &&
     ! grep -q "CPIN=\"1234" "$T/drive.log"'
check "metrics per modem" \
    'grep -q "stkauth_bridge_modem_sent_total{transport=\"pool\",modem=\"gsm0\"} [1-9]" <<<"$out" &&
     grep -q "stkauth_bridge_modem_up{transport=\"pool\",modem=\"gsm1\"} 1" <<<"$out"'

out=$(drive -t routed -n 1 --to +33123456789 --timeout 10)
check "routing: a number no modem routes fails permanently" \
    'grep -q "^failed 1 permanent no modem routes +33123456789" <<<"$out"'

# A subscriber that sends MO on request and acknowledges every MT.
subscriber() {	# subscriber SECONDS [MO-HEX...]
	local secs=$1 i=1
	shift
	{
		echo "send ATTACH +491700000001\\n"
		echo "expect OK ATTACH"
		for h in "$@"; do
			echo "send MO $i $h\\n"
			i=$((i + 1))
		done
		for _ in $(seq 60); do
			echo "match MT ([0-9]+) "
			echo "send MT-ACK \$1\\n"
		done
	} >"$T/sub.script"
	timeout "$secs" "$CHAT" "127.0.0.1:$SUBP" <"$T/sub.script" >/dev/null 2>&1 &
	SUB_PID=$!
	tl_track "$SUB_PID"
}
subscriber_wait() { wait "$SUB_PID" 2>/dev/null; }
MO0=$("$PDU" sms-submit --to +491710000001 --text "to gsm0")
MO1=$("$PDU" sms-submit --to +491710000002 --text "to gsm1")

# --- receiving: +CMT acknowledged with +CNMA; status reports (+CDS) ---
subscriber 8 "$MO0"
out=$(drive -t one -n 2 --srr --wait-rx 3 --timeout 8 --linger 500 --metrics)
check "+CMT: SMS-DELIVER received from the subscriber" \
    'grep -q "^received one/gsm0 SMS-DELIVER +491700000001 " <<<"$out"'
check "+CDS: status reports for both messages" \
    '[ "$(grep -c "^received one/gsm0 SMS-STATUS-REPORT mr=[0-9]* st=0 " <<<"$out")" -eq 2 ]'
check "+CMT and +CDS acknowledged with +CNMA" \
    'grep -q "stkauth_bridge_modem_acknowledged_total{transport=\"one\",modem=\"gsm0\"} 3" <<<"$out"'
subscriber_wait

# --- +CMT not stored by the core: no +CNMA, the network redelivers ---
subscriber 8 "$MO0"
out=$(drive -t one --refuse-rx 1 --wait-rx 1 --timeout 8 -d)
check "+CMT refused by the core is not acknowledged and comes again" \
    'grep -q "^refused one/gsm0 " <<<"$out" && grep -q "^received one/gsm0 SMS-DELIVER" <<<"$out"'
subscriber_wait

# --- +CMTI -> +CMGR -> +CMGD; +CDSI; stored messages at start-up ---
subscriber 8 "$MO1"
out=$(drive -t stored -n 1 --srr --wait-rx 2 --timeout 8 --linger 500 --metrics -d)
check "+CMTI: read with +CMGR" \
    'grep -q "^received stored/gsm1 SMS-DELIVER +491700000001 " <<<"$out"'
check "status report received (status_reports = cdsi)" \
    'grep -q "^received stored/gsm1 SMS-STATUS-REPORT mr=[0-9]* st=0 " <<<"$out"'
check "the stored message was deleted after the core took it" \
    'grep -q "stkauth_bridge_modem_acknowledged_total{transport=\"stored\",modem=\"gsm1\"} [12]" <<<"$out" &&
     grep -q "AT+CMGD=" "$T/drive.log"'
subscriber_wait
subscriber 6 "$MO1"
out=$(drive -t stored --refuse-rx 1 --wait-rx 0 --timeout 3)
subscriber_wait
out=$(drive -t stored --wait-rx 1 --timeout 8)
check "a message left on the SIM is read with +CMGL at start-up" \
    'grep -q "^received stored/gsm1 SMS-DELIVER +491700000001 " <<<"$out"'

# --- PIN handling ---
out=$(drive -t busy -n 1 --timeout 10)
check "PIN entered, SIM busy (+CME ERROR: 14) waited out, then ready" \
    'grep -q "^sent 1 gsm2:" <<<"$out"'
out=$(drive -t wrongpin -n 1 --timeout 3 --metrics)
check "a refused PIN is not tried again (fatal, no reconnect)" \
    'grep -q "^link wrongpin/gsm3 down SIM PIN refused" <<<"$out" &&
     grep -q "stkauth_bridge_modem_state{transport=\"wrongpin\",modem=\"gsm3\",state=\"fatal\"} 1" <<<"$out" &&
     grep -q "stkauth_bridge_modem_inits_total{transport=\"wrongpin\",modem=\"gsm3\"} 1" <<<"$out"'

# --- faults ---
post_faults "$HTTPP" $'modem.gsm0.cms_error_pct=100\nmodem.gsm0.cms_error_codes=38,1,42' >/dev/null
out=$(drive -t one -n 3 --timeout 8)
check "+CMS ERROR 38 -> failed temporary, with its name" \
    'grep -q "^failed 1 temporary +CMS ERROR 38 Network out of order" <<<"$out"'
check "+CMS ERROR 1 -> permanent, 42 -> throttled" \
    'grep -q "^failed 2 permanent +CMS ERROR 1 Unassigned (unallocated) number" <<<"$out" &&
     grep -q "^failed 3 throttled +CMS ERROR 42 Congestion" <<<"$out"'
post_faults "$HTTPP" 'modem.gsm0.cms_error_pct=0' >/dev/null

post_faults "$HTTPP" 'modem.gsm0.hang=1' >/dev/null
out=$(drive -t one -n 3 --retries 10 --timeout 25 \
    --after-ms 3500 "curl -s -X POST --data-binary modem.gsm0.hang=0 http://127.0.0.1:$HTTPP/faults >/dev/null" --metrics)
rc=$?
check "hung modem: timeout, ESC/Ctrl-Z/ATZ, reopen, then all sent" \
    '[ $rc -eq 0 ] && grep -q "^done sent=3" <<<"$out" &&
     grep -q "timeout" <<<"$out" && grep -q "modem_timeouts_total{transport=\"one\",modem=\"gsm0\"} [1-9]" <<<"$out"'
post_faults "$HTTPP" 'modem.gsm0.hang=0' >/dev/null

out=$(drive -t one -n 4 --retries 5 --timeout 15 \
    --after-ended 1 "curl -s -X POST --data-binary modem.gsm0.drop=1 http://127.0.0.1:$HTTPP/faults >/dev/null" --metrics)
rc=$?
check "dropped connection: reconnect with backoff, then all sent" \
    '[ $rc -eq 0 ] && grep -q "^done sent=4" <<<"$out" && grep -q "^link one/gsm0 down" <<<"$out"'

out=$(drive -t one -n 3 --delay 300 --timeout 15)
check "slow modem (300 ms per answer): all sent within the timeouts" \
    'grep -q "^done sent=3 failed=0" <<<"$out"'

out=$(drive -t pool -n 2 --timeout 10 --drain)
check "drain reports done once nothing is in flight" \
    'grep -q "^drained" <<<"$out"'

stop_netsim
check "netsim stopped cleanly" '[ "$NETSIM_RC" -eq 0 ]'
tap_end

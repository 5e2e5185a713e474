#!/bin/bash
# test_netsim_at_interop.sh - independent AT-modem software against the
# netsim modem: Gammu (Debian "gammu", connection = at) on the modem's
# pseudo-terminal identifies the modem, sends an SMS (AT+CMGS in PDU mode)
# that a subscriber receives, reads one a subscriber sent (AT+CMGL /
# AT+CMGR) and deletes it (AT+CMGD).  TAP output; run from the repository
# root after "make all tests".  Skips when gammu is not installed.
set -u
. tests/helpers/netsim_lib.sh

tl_need gammu
tap_plan 9
tl_begin netsim-gammu
T=$tmp

free_ports 2
read -r SUBP M1P <<<"${PORTS[*]}"
SUB=127.0.0.1:$SUBP
cat >"$T/ns.ini" <<EOF
[network]
subscriber_listen = $SUB
sca = +491700000000

[subscribers]
msisdn = +491700000001

[modem gsm0]
msisdn = +491710000007
listen = 127.0.0.1:$M1P
pty = $T/modem.pty
EOF
cat >"$T/gammurc" <<EOF
[gammu]
device = $T/modem.pty
connection = at
logfile = $T/gammu.log
logformat = textall
EOF
GAMMU="timeout 60 gammu -c $T/gammurc"

if ! start_netsim "$T/ns.ini" "$T/log"; then
	ok 1 "daemon starts"
	sed 's/^/# /' "$T/log"
	exit 1
fi
ok 0 "daemon starts with a pty modem"

out=$($GAMMU identify 2>&1)
check "gammu identify reads manufacturer, model, IMEI and IMSI" \
    'grep -q "Manufacturer *: stkauth" <<<"$out" && grep -q "IMEI *: 350000000000000" <<<"$out" && grep -q "SIM IMSI *: 262010000000000" <<<"$out"'

# gammu sends; a subscriber receives and acknowledges.
cat >"$T/recv.chat" <<'EOF'
timeout 60
send ATTACH +491700000001\n
expect OK ATTACH
print attached
match MT ([0-9]+) ([0-9A-F]+)\n
send MT-ACK $1\n
print $2
sleep 200
EOF
"$CHAT" "$SUB" <"$T/recv.chat" >"$T/recv.out" 2>&1 &
R=$!
tl_track "$R"
wait_log "$T/recv.out" '^attached$' 1 5
out=$($GAMMU sendsms TEXT +491700000001 -text "Hello from Gammu" 2>&1)
check "gammu sendsms succeeds and reports the message reference" \
    'grep -q "OK, message reference=" <<<"$out"'
wait "$R"
dec=$("$PDU" decode "$(tail -1 "$T/recv.out")" 2>&1)
check "the subscriber receives it from the modem's MSISDN" \
    'grep -q "TP-OA: +491710000007" <<<"$dec" && grep -q "text: \"Hello from Gammu\"" <<<"$dec"'

# A concatenated (two-part) SMS from gammu: two MTs with IEI 00.
cat >"$T/recv2.chat" <<'EOF'
timeout 60
send ATTACH +491700000001\n
expect OK ATTACH
print attached
match MT ([0-9]+) ([0-9A-F]+)\n
send MT-ACK $1\n
print $2
match MT ([0-9]+) ([0-9A-F]+)\n
send MT-ACK $1\n
print $2
sleep 200
EOF
"$CHAT" "$SUB" <"$T/recv2.chat" >"$T/recv2.out" 2>&1 &
R=$!
tl_track "$R"
wait_log "$T/recv2.out" '^attached$' 1 5
LONGTEXT=$(printf 'netsim%.0s' $(seq 40))
out=$($GAMMU sendsms TEXT +491700000001 -len 240 -text "$LONGTEXT" 2>&1)
wait "$R"
segs=0
for h in $(tail -2 "$T/recv2.out"); do
	"$PDU" decode "$h" 2>&1 | grep -qi "Concatenated" && segs=$((segs + 1))
done
check "a 240-character text from gammu arrives as two concatenated segments" \
    '[ "$segs" -eq 2 ]'

# A subscriber sends to the modem; gammu reads it from the SIM store.
S=$("$PDU" sms-submit --to +491710000007 --text "Hello Gammu")
delivered=$(grep -c "delivered to" "$T/log")
printf 'send ATTACH +491700000001\\n\nexpect OK\nsend MO 1 %s\\n\nexpect MO-RESULT 1 OK\n' "$S" |
    "$CHAT" "$SUB" >/dev/null 2>&1
wait_log "$T/log" "delivered to" $((delivered + 1)) 5	# in the SIM store
out=$($GAMMU getallsms 2>&1)
check "gammu getallsms lists the stored message with its sender" \
    'grep -q "Remote number *: \"+491700000001\"" <<<"$out" && grep -q "^Hello Gammu" <<<"$out"'
check "gammu saw it as unread in the SIM inbox" \
    'grep -q "Status *: UnRead" <<<"$out"'
out=$($GAMMU deleteallsms 1 2>&1)
out=$($GAMMU getallsms 2>&1)
check "gammu deleteallsms empties the store" \
    'grep -q "0 SMS parts in 0 SMS sequences" <<<"$out"'

stop_netsim
check "the daemon stops cleanly" '[ "$NETSIM_RC" = 0 ]'
tap_end

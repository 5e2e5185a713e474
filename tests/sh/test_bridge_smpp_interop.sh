#!/bin/bash
# test_bridge_smpp_interop.sh - the bridge's SMPP transport against SMPP
# peers that are not ours, and over TLS:
#   - node-smpp (npm "smpp", tests/npm) as the SMSC in server mode,
#     scripted in tests/npm/bridge_smpp_smsc.js: bind fields, submit_sm
#     fields, ESME_RTHROTTLED, receipts, MO (short_message and
#     message_payload), an unmappable deliver_sm, enquire_link, unbind;
#     and a peer that sends a bad command_length;
#   - TLS: socat (OpenSSL) terminating TLS in front of the stkauth-netsim
#     SMSC, with a test CA made here by openssl: verified and bound with
#     the right CA, refused with another CA.
# Driven by build/tests/helpers/bridge_smpp_drive.  Prints TAP.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/helpers/netsim_lib.sh

DRIVE=${BRIDGE_SMPP_DRIVE:-build/tests/helpers/bridge_smpp_drive}
NETSIM=${STKAUTH_NETSIM:-build/bin/stkauth-netsim}
if [ ! -x "$DRIVE" ] || [ ! -x "$NETSIM" ]; then
	echo "1..0 # SKIP $DRIVE or $NETSIM not built"
	exit 0
fi
if ! command -v node >/dev/null || ! command -v socat >/dev/null ||
    ! command -v openssl >/dev/null; then
	tools/deps.sh >/dev/null 2>&1 || true
fi
for c in node socat openssl; do
	if ! command -v "$c" >/dev/null; then
		echo "1..0 # SKIP $c not installed (tools/deps.sh as root)"
		exit 0
	fi
done
if [ ! -d tests/npm/node_modules/smpp ] &&
    ! npm ci --prefix tests/npm --no-audit --no-fund >/dev/null 2>&1; then
	echo "1..0 # SKIP npm ci --prefix tests/npm failed"
	exit 0
fi
tl_begin bridge-smpp-interop
TMP=$tmp
show() { sed 's/^/# /' "$1" | tail -"${2:-15}"; }

# ---- node-smpp as the SMSC ----
free_ports 5
read -r P1 P2 SUB SMPP TLSP <<<"${PORTS[*]}"
node tests/npm/bridge_smpp_smsc.js "$P1" normal >"$TMP/node.out" 2>&1 &
NODE=$!
tl_track "$NODE"
wait_log "$TMP/node.out" listening 1 5
timeout 30 "$DRIVE" host=127.0.0.1 port="$P1" system_id=bank password=secret \
    system_type=stkauth source_addr=+4912345 reconnect_min=100ms \
    throttle_pause=100ms --to +37255500001 --count 3 --report --retry \
    --expect-rx 5 --linger 300 >"$TMP/drive.out" 2>"$TMP/drive.err"
rc=$?
wait "$NODE"
nrc=$?
while IFS= read -r line; do
	case $line in
	"ok - "*) ok 0 "node-smpp: ${line#ok - }" ;;
	"not ok - "*) ok 1 "node-smpp: ${line#not ok - }" ;;
	esac
done <"$TMP/node.out"
check "node-smpp: the SMSC script ran to its end" '[ "$nrc" -eq 0 ] && grep -q "^end" "$TMP/node.out"'
if [ "$rc" -eq 0 ] && [ "$(grep -c '^sent ' "$TMP/drive.out")" -eq 3 ]; then
	ok 0 "transport: 3 sent, after a throttled first attempt"
else
	ok 1 "transport: 3 sent (exit $rc)"; show "$TMP/drive.out"; show "$TMP/drive.err"
fi
check "transport: failed 1 throttled ESME_RTHROTTLED" \
    'grep -q "^failed 1 throttled ESME_RTHROTTLED" "$TMP/drive.out"'
check "transport: message_ids 1000..1002 as network refs" \
    '[ "$(sed -n "s/^sent [0-9]* //p" "$TMP/drive.out" | sort | tr "\n" " ")" = "1000 1001 1002 " ]'
check "transport: 3 receipts -> SMS-STATUS-REPORT st=00, TP-MR = id mod 256" \
    '[ "$(grep -c "SMS-STATUS-REPORT ra=+37255500001 mr=\(232\|233\|234\) st=00" "$TMP/drive.out")" -eq 3 ]'
check "transport: MO short_message -> SMS-DELIVER" \
    'grep -q "received SMS-DELIVER oa=+491700000001 pid=7F dcs=F6 udh=027100 body=AABBCC" "$TMP/drive.out"'
check "transport: MO message_payload -> SMS-DELIVER" \
    'grep -q "received SMS-DELIVER oa=+491700000001 pid=7F dcs=F6 udh=027100 body=DDEEFF" "$TMP/drive.out"'
check "transport: the unmappable deliver_sm is logged" \
    'grep -q "not mapped: ESME_RX_P_APPN" "$TMP/drive.err"'

node tests/npm/bridge_smpp_smsc.js "$P2" garbage >"$TMP/garbage.out" 2>&1 &
NODE=$!
tl_track "$NODE"
wait_log "$TMP/garbage.out" listening 1 5
timeout 10 "$DRIVE" host=127.0.0.1 port="$P2" system_id=bank password=secret \
    system_type=stkauth --expect-rx 1 --timeout 2 >"$TMP/g.out" 2>"$TMP/g.err"
wait "$NODE"
check "bad command_length: the ESME closes the connection" \
    'grep -q "^ok - the ESME closes" "$TMP/garbage.out"'
check "bad command_length: logged with the field name" \
    'grep -q "bad framing from the SMSC: command_length" "$TMP/g.err"'

# ---- TLS in front of the netsim SMSC ----
cat >"$TMP/netsim.ini" <<EOF
[network]
subscriber_listen = 127.0.0.1:$SUB
[subscribers]
msisdn = +491700000001
[smsc]
listen = 127.0.0.1:$SMPP
[esme bank]
password = secret
addresses = +4912345
EOF
mkca() {	# mkca NAME: a CA key and certificate
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
	    -keyout "$TMP/$1.key" -out "$TMP/$1.pem" >/dev/null 2>&1
}
mkca testca && mkca otherca &&
openssl req -newkey rsa:2048 -nodes -subj "/CN=smsc" -keyout "$TMP/srv.key" \
    -out "$TMP/srv.csr" >/dev/null 2>&1 &&
printf 'subjectAltName=IP:127.0.0.1\n' >"$TMP/ext" &&
openssl x509 -req -in "$TMP/srv.csr" -CA "$TMP/testca.pem" \
    -CAkey "$TMP/testca.key" -CAcreateserial -days 2 -extfile "$TMP/ext" \
    -out "$TMP/srv.pem" >/dev/null 2>&1
check "a test CA and a server certificate for 127.0.0.1" '[ -s "$TMP/srv.pem" ]'
start_netsim "$TMP/netsim.ini" "$TMP/netsim.log"
socat "OPENSSL-LISTEN:$TLSP,bind=127.0.0.1,reuseaddr,fork,cert=$TMP/srv.pem,key=$TMP/srv.key,verify=0" \
    "TCP:127.0.0.1:$SMPP" 2>"$TMP/socat.err" &
tl_track "$!"
wait_port "$TLSP" 5
TLSKV="host=127.0.0.1 port=$TLSP system_id=bank password=secret tls=yes"
timeout 20 "$DRIVE" $TLSKV ca="$TMP/testca.pem" --to +491700000001 --count 2 \
    >"$TMP/tls.out" 2>"$TMP/tls.err"
check "TLS: verified against the CA, bound, 2 sent, drained" \
    'grep -q "TLS verified" "$TMP/tls.err" && [ "$(grep -c "^sent " "$TMP/tls.out")" -eq 2 ] && grep -q "^drained" "$TMP/tls.out"'
timeout 10 "$DRIVE" $TLSKV ca="$TMP/otherca.pem" --to +491700000001 --count 1 \
    --timeout 2 >"$TMP/tls2.out" 2>"$TMP/tls2.err"
check "TLS: another CA -> no bind, certificate error logged" \
    '! grep -q "^link up" "$TMP/tls2.out" && grep -qi "certificate verify failed" "$TMP/tls2.err"'
check "TLS: a plain remote host needs tls or plain_remote" \
    '"$DRIVE" -n host=smsc.example system_id=bank | grep -q "not loopback"'
check "no sanitizer report from the driver" \
    '! grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$TMP"/*.err'
tap_end

#!/bin/bash
# test_bridge_core_e2e.sh - the bridge core on the real path, no mocks:
# stkauth-server (HTTPS, certificates from the private slapd with CRLs),
# stkauth-bridge with a modem transport (the netsim AT modems over TCP)
# and an SMPP transport (the netsim SMSC), stkauth-netsim, three virtual
# SIMs (stkauth-sim through private pcscds + vpcd) and their phones
# (stkauth-phone --auto confirm).  The processes are started by
# tools/demo/lib.sh; the enrolment is done here, step by step, the way
# docs/SIM.md and docs/KEYSTORE.md describe it:
#
#   card:    personalised through PC/SC by tests/helpers/card_perso.pl
#            (admin session, OTA key set 1 AES-128, K_auth, service
#            number, applet PIN, key pair made on the card, public key
#            read back)
#   CA:      the card's public key certified by the slapd fixture's CA
#            (account as UID/CN, tel:MSISDN as SAN), published to LDAP
#   server:  stkauth-server --add-account ACCOUNT --msisdn --iccid
#            --kauth-file (same K_auth)
#   bridge:  the same OTA keys in the key store (bridge_card enrol)
#
# Then: alice's login over the modem route and bob's over the SMPP route
# end COMPLETE / OK (the bridge's log shows the transport, the card's
# answer and the counters); carol's card is in the key store under other
# keys than the card holds: the card refuses the packet and sends a PoR
# by SMS-SUBMIT secured with its own keys, which the bridge cannot verify:
# it fails the job at once and her session ends DELIVERY_ERROR, with no
# auth response forwarded.
#
# TAP output; needs root (private pcscd); bounded waits; processes
# stopped by pid (tools/demo/lib.sh).  Run after "make all tests".
set -u
. tools/demo/lib.sh
. tools/demo/e2e-lib.sh

DEMO_CARDS=3
DEMO_ACCOUNTS=(alice:modem bob:smpp carol:modem)
E2E_LIFETIME=${E2E_LIFETIME:-20}
DEMO_BRIDGE_INI_EXTRA="claim_wait_ms = 5000
retry_base_ms = 200
retry_max_ms = 2000"
CARD=build/tests/helpers/bridge_card
PERSO=tests/helpers/card_perso.pl
PIN=1234
if ! perl -MChipcard::PCSC -e 1 2>/dev/null; then
	echo "1..0 # SKIP Perl Chipcard::PCSC missing (Debian libpcsc-perl, make deps)"
	exit 0
fi
if [ ! -x "$CARD" ]; then
	echo "1..1"
	echo "not ok 1 - $CARD is not built (make tests)"
	exit 1
fi
e2e_begin bridge-core 22

demo_infra
up=$?
check "slapd, two pcscds, netsim, three cards and the server are up" '[ $up -eq 0 ]'
[ $up -eq 0 ] || exit 1
demo_rp_key >/dev/null && E2E_KEY=$(cat "$DEMO_DIR/etc/rp.key")
check "relying party API key made" '[ -n "${E2E_KEY:-}" ]'

# enrol N [wrong]: the four steps of the header for card N; "wrong" puts
# other keys into the bridge's key store than into the card.
enrol() {
	local n=$1 acct msisdn iccid d=$DEMO_DIR/cards kic kid kauth
	acct=$(demo_account "$n") msisdn=$(demo_msisdn "$n") iccid=$(demo_iccid "$n")
	kic=$(openssl rand -hex 16) kid=$(openssl rand -hex 16)
	kauth=$(openssl rand -hex 32)
	(umask 077; echo "$kauth" >"$d/$n.kauth")
	env PCSCLITE_CSOCK_NAME="$(demo_pcsc_sock "$n")" perl "$PERSO" \
	    "$(demo_reader "$n")" "$(cat "$d/$n.admin")" 1 "$kic" "$kid" \
	    "$kauth" "$(demo_service_number "$n")" $PIN "$d/$n.spki.der" \
	    >"$d/$n.perso.log" 2>&1 || { echo "perso"; return 1; }
	# X.509 for the card's own key: a request signed by a throw-away
	# key, its public key replaced by the card's (-force_pubkey).
	openssl pkey -pubin -inform DER -in "$d/$n.spki.der" -out "$d/$n.pub.pem" &&
	    openssl req -new -newkey rsa:2048 -nodes -keyout "$d/$n.tmp.key" \
	        -subj "/UID=$acct/CN=$acct" -out "$d/$n.csr" 2>/dev/null &&
	    printf '%s\n' 'basicConstraints=critical,CA:FALSE' \
	        'keyUsage=critical,digitalSignature,nonRepudiation' \
	        'subjectKeyIdentifier=hash' 'authorityKeyIdentifier=keyid' \
	        "subjectAltName=URI:tel:$msisdn" >"$d/$n.ext" &&
	    openssl x509 -req -in "$d/$n.csr" -force_pubkey "$d/$n.pub.pem" \
	        -CA "$DEMO_CA/ca.pem" -CAkey "$DEMO_CA/ca.key" \
	        -set_serial "0x$(openssl rand -hex 8)" -days 30 \
	        -extfile "$d/$n.ext" -out "$d/$n.cert.pem" 2>/dev/null ||
	    { echo "certificate"; return 1; }
	rm -f "$d/$n.tmp.key"
	$DEMO_FX/publish.sh cert "$DEMO_DIR/ldap" "$acct" "$msisdn" \
	    "$d/$n.cert.pem" || { echo "LDAP"; return 1; }
	"$DEMO_BIN/stkauth-server" --db "$DEMO_DIR/server.db" --add-account \
	    "$acct" --msisdn "$msisdn" --iccid "$iccid" --kauth-file \
	    "$d/$n.kauth" >/dev/null 2>&1 || { echo "server account"; return 1; }
	if [ "${2:-}" = wrong ]; then
		kic=$(openssl rand -hex 16) kid=$(openssl rand -hex 16)
	fi
	$CARD enrol "$DEMO_DIR/bridge/keystore.db" "$iccid" "$msisdn" 53544B \
	    12 12 "$kic" "$kid" >/dev/null || { echo "key store"; return 1; }
}
mkdir -p "$DEMO_DIR/bridge" && chmod 0700 "$DEMO_DIR/bridge"
for k in 1 2 3; do
	w=
	[ $k -eq 3 ] && w=wrong
	why=$(enrol $k $w 2>&1)
	check "card $k ($(demo_account $k), $(demo_msisdn $k)) personalised through PC/SC, certified in LDAP, in the server and the key store${w:+ (key store: other keys)} ${why:+- failed at: $why}" \
	    '[ -z "$why" ] && grep -q "READ PUBLIC KEY: ok" "$DEMO_DIR/cards/$k.perso.log"'
done
check "the key store file is mode 0600" \
    '[ "$(stat -c %a "$DEMO_DIR/bridge/keystore.db")" = 600 ]'

demo_bridge >/dev/null 2>&1
check "bridge: modem transport ready (gsm0, gsm1)" \
    "demo_wait_log bridge 'modem gsm1: .*-> ready' 2>/dev/null && demo_log_since bridge | grep -q 'modem gsm0: .*-> ready'"
check "bridge: SMPP transport bound to the netsim SMSC" \
    "demo_wait_log bridge 'transport smsc up' 5 2>/dev/null"
for k in 1 2 3; do
	demo_phone $k --auto confirm --pin $PIN --delay 0 || break
done
check "three phones attached to the network" \
    '[ "$(demo_running | grep -c "^phone")" = 3 ]'

# login ACCOUNT CARD TRANSPORT: a session answered by the card over the
# transport's route.
login() {
	local acct=$1 k=$2 tr=$3
	e2e_login "$acct"
	e2e_wait "$SID" 30000
	check "$acct over $tr: session COMPLETE with OK (${STATE:-no state} ${RESULT:-no result}, ticket ${TICKET:-none})" \
	    '[ "$STATE" = COMPLETE ] && [ "$RESULT" = OK ] && [ "$(jq -r .iccid <<<"$BODY")" = "$(demo_iccid $k)" ]'
	check "$acct over $tr: the bridge sent the request via $tr and forwarded the card's answer" \
	    "demo_log_since bridge | grep -q '(job $SID) sent via $tr' && demo_log_since bridge | grep -q 'auth response from $(demo_msisdn $k) .*$SID'"
	check "$acct over $tr: phone $k showed ticket $TICKET" \
	    "demo_log_since phone$k | grep -q 'Ticket: $TICKET'"
}
login alice 1 modems
login bob 2 smsc
why=$(e2e_verify_ok "$DEMO_DIR/run/body" "$SID" "$TICKET" 2>&1)
check "bob's answer verified with openssl alone (certificate of the card's key, CRL, signature) ${why:+($why)}" \
    '[ -z "$why" ]'
check "counters in the key store: one command to and one answer from alice's and bob's cards" \
    "[ \"\$(sqlite3 '$DEMO_DIR/bridge/keystore.db' \"SELECT group_concat(tx_cntr || '/' || rx_cntr) FROM keysets WHERE iccid IN ('$(demo_iccid 1)', '$(demo_iccid 2)')\")\" = '1/1,1/1' ]"

# Wrong keys: the card cannot verify the packet's CC (TS 102 225 §5.1.1)
# and refuses it with a PoR error; no answer, no OK.
e2e_login carol
carol=$SID
e2e_wait "$carol" $(((E2E_LIFETIME + 15) * 1000))
check "carol (key store keys differ from the card's): session ends ${RESULT:-without a result} (${STATE:-no state}), not OK" \
    '[ "$STATE" = COMPLETE ] && [ "$RESULT" = DELIVERY_ERROR ]'
check "carol: her card's PoR (by SMS-SUBMIT) reached the bridge, which cannot verify it and fails the job at once" \
    "demo_log_since bridge | grep -q 'unverifiable PoR for job $carol'"
check "carol: the bridge sent the request, and no auth response from her card reached the server" \
    "demo_log_since bridge | grep -q '(job $carol) sent via modems' && ! demo_log_since bridge | grep -q 'auth response from $(demo_msisdn 3)'"
check "carol: the phone handed the packet to the card (SMS-PP download), which showed no pop-up" \
    "demo_log_since phone3 | grep -q 'SMS-PP data download' && ! demo_log_since phone3 | grep -q 'Ticket:'"
m=$(curl -s "http://127.0.0.1:$P_BRHTTP/metrics")
check "bridge /metrics: results forwarded 2, both transports up" \
    "grep -q '^stkauth_bridge_events_total{event=\"results_forwarded\"} 2' <<<\"\$m\" && grep -q '^stkauth_bridge_transport_up{transport=\"modems\",type=\"modem\"} 1' <<<\"\$m\" && grep -q '^stkauth_bridge_transport_up{transport=\"smsc\",type=\"smpp\"} 1' <<<\"\$m\""
check "no K_auth and no token in the bridge's log" \
    "! demo_log_since bridge | grep -qiF -e \"\$(cat $DEMO_DIR/cards/1.kauth)\" -e \"\$(cat $DEMO_DIR/etc/bridge.token)\""
exit $failed

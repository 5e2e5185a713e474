#!/bin/bash
# test_admin_enroll.sh - `stkauth-admin enroll` and `revoke` (docs/ADMIN.md)
# against the real pieces: a private slapd with the fixture CA
# (ldap-fixtures/slapd.sh, ca.sh), a private pcscd + vpcd with
# build/bin/stkauth-sim (as tests/sh/test_phone_applet.sh), the server's
# database and the bridge's key store.  Everything the CLI wrote is read
# back with independent tools: ldapsearch, the openssl command line
# (verify, x509, crl, dgst, mac), the sqlite3 CLI.
#
#   enroll:  certificate in LDAP (chain, subject, SAN, key usage, serial),
#            the CA database row, the key store row and key set, the
#            server's card row; then the card answers a login request
#            (secured with the OTA keys read from the key store, through
#            the real stkauth-phone): decision confirmed after the PIN
#            set by enroll, the RSA signature verifies with the
#            certificate's key (openssl dgst over the DTBS of
#            PROTOCOL.md §7) and the password with K_auth from the
#            server's database (openssl mac, §6);
#   bad:     unknown account, unknown reader, wrong admin key,
#            world-readable key file, PIN on the command line, enroll
#            twice, the card in use by the phone;
#   failure: a database failure after the card was changed: everything
#            else undone (key store row, LDAP entry, certificate revoked),
#            the same command then succeeds;
#   revoke:  the CRL in LDAP lists the serial (openssl verify -crl_check
#            says revoked), the key store has no card, the account is
#            unbound; revoke again is exit 5; enroll again works, and
#            re-keys a stale key store row of the card (counters 0).
#
# TAP output; run from the repository root after "make all".  Needs root
# (unshare -m, mount --bind for the private pcscd); skips otherwise.
# Stops only the processes it started, by pid.
set -u

. tests/helpers/testlib.sh

ADMIN=${STKAUTH_ADMIN:-build/bin/stkauth-admin}
SIM=build/bin/stkauth-sim
PHONE=build/bin/stkauth-phone
PDU=build/bin/stkauth-pdu
FX=ldap-fixtures

tl_need_root "a private pcscd needs unshare -m and mount --bind"
export PATH=$PATH:/usr/sbin
tl_need pcscd slapd ldapsearch socat unshare ss openssl sqlite3 jq base64
tl_built "$ADMIN" "$SIM" "$PHONE" "$PDU"
tap_plan 43

tl_begin enroll
tl_at_exit '"$FX/slapd.sh" stop "$tmp/ldap" >/dev/null 2>&1'

# slapd and vpcd each listen on a port and the next one
free_port_pair && LPORT=$FREE
free_port_pair && VPORT=$FREE
free_port && NPORT=$FREE
SUFFIX=dc=stkauth,dc=test
READER="stkauth enroll vpcd 00 00"
ICCID=8944100000000123456
MSISDN=+491701234567
SERVICE=+491710000001
ADMINKEY=000102030405060708090A0B0C0D0E0F
CA=$tmp/ldap/ca

# ---- the private slapd (with its CA), pcscd, the card --------------------
"$FX/slapd.sh" start "$tmp/ldap" "$LPORT" >"$tmp/slapd.out" 2>&1
mkdir -p "$tmp/bridge"
chmod 700 "$tmp/bridge"
# (tl_pcscd waits until vpcd listens: the card connects to it)
tl_pcscd "stkauth enroll vpcd" "$VPORT"
tl_spawn "$tmp/sim.log" "$SIM" --state "$tmp/card.state" --iccid "$ICCID" \
    --imsi 001010123456789 --msisdn "$MSISDN" --admin-key "$ADMINKEY" \
    --vpcd "127.0.0.1:$VPORT"
check "private slapd (port $LPORT), pcscd and stkauth-sim are up (vpcd $VPORT)" \
    "[ -n '$LPORT' ] && [ -n '$VPORT' ] && [ -n '$NPORT' ] && $FX/slapd.sh status '$tmp/ldap' '$LPORT' && wait_log '$tmp/sim.log' 'connected to vpcd' && wait_log '$TL_PCSCD_LOG' 'Card ATR'"
if [ "$fails" -ne 0 ]; then
	tl_tail "$TL_PCSCD_LOG" 15 "pcscd log"
	tl_tail "$tmp/sim.log" 5 "stkauth-sim log"
	tl_tail "$tmp/slapd.out" 5 slapd
	echo "Bail out! the private slapd, pcscd or card did not come up"
	exit 1
fi

(umask 077; echo "$ADMINKEY" >"$tmp/admin.key"; echo 1234 >"$tmp/pin")
cat >"$tmp/admin.ini" <<EOF
[server]
db = $tmp/server.db
[bridge]
keystore = $tmp/bridge/keystore.db
[ca]
dir = $CA
cert_days = 400
crl_days = 7
[ldap]
uri = ldap://127.0.0.1:$LPORT/
bind_dn = cn=admin,$SUFFIX
password_file = $tmp/ldap/admin.pw
people_dn = ou=people,$SUFFIX
ca_dn = cn=stkauth Test CA,ou=ca,$SUFFIX
[card]
admin_key_file = $tmp/admin.key
service_number = $SERVICE
EOF
A() { "$ADMIN" -c "$tmp/admin.ini" "$@"; }
# rc EXPECTED CMD...: run, keep stdout/stderr in $tmp/out, $tmp/err
rc() {
	local want=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	[ "$got" = "$want" ] || { echo "# exit $got, expected $want: $*"; \
	    sed 's/^/#   /' "$tmp/err"; return 1; }
}
qs() { sqlite3 "$tmp/server.db" "$1"; }
qk() { sqlite3 "$tmp/bridge/keystore.db" "$1"; }
ldap() { ldapsearch -x -LLL -o ldif-wrap=no -o nettimeout=5 \
    -H "ldap://127.0.0.1:$LPORT/" -D "cn=admin,$SUFFIX" -y "$tmp/ldap/admin.pw" "$@"; }
# cert_der ACCOUNT OUT: the userCertificate;binary of the entry, as DER
cert_der() {
	ldap -b "uid=$1,ou=people,$SUFFIX" -s base 'userCertificate;binary' \
	    2>/dev/null | sed -n 's/^userCertificate;binary:: //p' | head -n 1 |
	    base64 -d >"$2" 2>/dev/null
	[ -s "$2" ]
}

A user add alice >/dev/null
A user add bob >/dev/null
A bind bob +491700000002 >/dev/null

# ---- help, usage --------------------------------------------------------------
check "enroll --help and revoke --help" \
    "rc 0 '$ADMIN' enroll --help && grep -q '^usage: stkauth-admin enroll ACCOUNT --reader NAME' '$tmp/out' && rc 0 '$ADMIN' revoke --help && grep -q '^usage: stkauth-admin revoke ACCOUNT' '$tmp/out'"
check "the command list names enroll and revoke" \
    "rc 0 '$ADMIN' --help && grep -q '^  enroll ' '$tmp/out' && grep -q '^  revoke ' '$tmp/out'"
check "a PIN on the command line is refused (exit 2, before anything)" \
    "rc 2 A enroll alice 1234 --reader '$READER' && grep -q 'never taken from the command line' '$tmp/err'"
check "enroll without --reader: exit 2" "rc 2 A enroll alice"
check "bad TAR, service number, key version, PIN file: exit 3 / 2 / 3" \
    "rc 3 A enroll alice --reader '$READER' --tar 53544 && rc 3 A enroll alice --reader '$READER' --service-number +49abc && rc 2 A enroll alice --reader '$READER' --kvn 16 && echo 12a4 >'$tmp/badpin' && chmod 600 '$tmp/badpin' && rc 3 A enroll alice --reader '$READER' --pin-file '$tmp/badpin' && grep -q '4 to 8 digits' '$tmp/err'"

# ---- bad input: nothing touched -----------------------------------------------
check "unknown account: exit 4" \
    "rc 4 A enroll nobody --reader '$READER' --msisdn $MSISDN && grep -q 'no such account' '$tmp/err'"
check "account not bound and no --msisdn: exit 5" \
    "rc 5 A enroll alice --reader '$READER' && grep -q 'not bound' '$tmp/err'"
check "MSISDN bound to another account: exit 5" \
    "rc 5 A enroll alice --reader '$READER' --msisdn +491700000002 && grep -q 'bound to account bob' '$tmp/err'"
check "unknown reader: exit 4, the readers listed" \
    "rc 4 A enroll alice --reader 'no such reader' --msisdn $MSISDN && grep -q 'unknown reader \"no such reader\"; readers: \"$READER\"' '$tmp/err'"
(umask 077; echo 0F0E0D0C0B0A09080706050403020100 >"$tmp/wrong.key")
check "wrong admin key: exit 1, refused by the card" \
    "rc 1 A enroll alice --reader '$READER' --msisdn $MSISDN --admin-key-file '$tmp/wrong.key' && grep -q 'refused the admin key' '$tmp/err'"
cp "$tmp/admin.key" "$tmp/open.key"
chmod 644 "$tmp/open.key"
check "world-readable admin key file: exit 3" \
    "rc 3 A enroll alice --reader '$READER' --msisdn $MSISDN --admin-key-file '$tmp/open.key' && grep -q 'chmod 600' '$tmp/err'"
check "after the refusals: no binding, no card, no LDAP entry, no key store row" \
    "[ -z \"\$(qs \"SELECT 1 FROM msisdn_bindings b JOIN accounts a ON a.id = b.account_id WHERE a.name = 'alice'\")\" ] && [ \"\$(qs 'SELECT count(*) FROM cards')\" = 0 ] && ! cert_der alice '$tmp/none.der' && [ \"\$(qk 'SELECT count(*) FROM cards')\" = 0 ]"

# ---- a failure after the card changed: everything else undone --------------
qs "CREATE TRIGGER inject BEFORE INSERT ON cards BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
check "database failure after personalisation: exit 1, the card's state and the retry are explained" \
    "rc 1 A enroll alice --reader '$READER' --msisdn $MSISDN --pin-file '$tmp/pin' && grep -q 'NOT enrolled' '$tmp/err' && grep -q 'run the same enroll command again' '$tmp/err'"
failed_serial=$(sed -n 's/.*the unused certificate \([0-9A-F]*\) is revoked.*/\1/p' "$tmp/err")
check "undone: no key store row, no LDAP entry, no binding, the unused certificate revoked ($failed_serial)" \
    "[ \"\$(qk 'SELECT count(*) FROM cards')\" = 0 ] && ! cert_der alice '$tmp/none.der' && [ \"\$(qs 'SELECT count(*) FROM msisdn_bindings')\" = 1 ] && [ -n '$failed_serial' ] && grep -qP '^R\t.*\t.*,cessationOfOperation\t$failed_serial\t' '$CA/index.txt'"
qs "DROP TRIGGER inject;"

# ---- enroll ----------------------------------------------------------------------
check "enroll alice (the same command again): exit 0" \
    "rc 0 A --json enroll alice --reader '$READER' --msisdn $MSISDN --pin-file '$tmp/pin'"
cp "$tmp/out" "$tmp/enroll.json"
SERIAL=$(jq -r .serial "$tmp/enroll.json")
check "JSON: account, MSISDN, ICCID, serial, LDAP DN, key set, TAR, PIN" \
    "jq -e '.ok and .account == \"alice\" and .msisdn == \"$MSISDN\" and .iccid == \"$ICCID\" and (.serial | test(\"^[0-9A-F]{32}\$\")) and .ldapDn == \"uid=alice,ou=people,$SUFFIX\" and .kvn == 1 and .tar == \"53544B\" and .serviceNumber == \"$SERVICE\" and .pinSet' '$tmp/enroll.json' >/dev/null"
check "the serial is fresh (not the revoked one)" "[ '$SERIAL' != '$failed_serial' ]"

cert_der alice "$tmp/alice.der"
openssl x509 -inform DER -in "$tmp/alice.der" -out "$tmp/alice.pem" 2>/dev/null
openssl x509 -in "$tmp/alice.pem" -noout -text >"$tmp/alice.txt" 2>&1
check "LDAP: uid=alice has userCertificate;binary and mobile $MSISDN" \
    "[ -s '$tmp/alice.pem' ] && ldap -b 'uid=alice,ou=people,$SUFFIX' -s base mobile objectClass | grep -q '^mobile: $MSISDN' && ldap -b 'uid=alice,ou=people,$SUFFIX' -s base objectClass | grep -q '^objectClass: pkiUser'"
check "openssl verify: the certificate chains to the CA" \
    "openssl verify -CAfile '$CA/ca.pem' '$tmp/alice.pem' | grep -q ': OK'"
check "subject UID=alice, CN=alice; SAN URI:tel:$MSISDN; serial $SERIAL" \
    "openssl x509 -in '$tmp/alice.pem' -noout -subject -nameopt RFC2253 | grep -q 'subject=CN=alice,UID=alice' && grep -q 'URI:tel:$MSISDN' '$tmp/alice.txt' && [ \"\$(openssl x509 -in '$tmp/alice.pem' -noout -serial)\" = 'serial=$SERIAL' ]"
check "keyUsage critical digitalSignature + nonRepudiation, CA:FALSE, RSA 2048" \
    "grep -A1 'Key Usage: critical' '$tmp/alice.txt' | grep -q 'Digital Signature, Non Repudiation' && grep -A1 'Basic Constraints: critical' '$tmp/alice.txt' | grep -q 'CA:FALSE' && grep -q 'Public-Key: (2048 bit)' '$tmp/alice.txt'"
check "CA database: a valid row for the serial, newcerts/SERIAL.pem" \
    "grep -qP '^V\t\d{12}Z\t\t$SERIAL\tunknown\t/UID=alice/CN=alice\$' '$CA/index.txt' && cmp -s <(openssl x509 -in '$CA/newcerts/$SERIAL.pem' -outform DER) '$tmp/alice.der'"
check "server database: alice bound to $MSISDN, card $ICCID with a 32-octet K_auth" \
    "[ \"\$(qs \"SELECT b.msisdn, c.iccid, length(c.k_auth) FROM accounts a JOIN msisdn_bindings b ON b.account_id = a.id JOIN cards c ON c.account_id = a.id WHERE a.name = 'alice'\")\" = '$MSISDN|$ICCID|32' ]"
check "key store: card $ICCID for $MSISDN, TAR 53544B, SPI 163A, command key set 1" \
    "[ \"\$(qk \"SELECT iccid, msisdn, hex(tar), printf('%04X', spi), cmd_kvn FROM cards\")\" = '$ICCID|$MSISDN|53544B|163A|1' ]"
check "key store: key set 1, KIc/KID 12 (AES), 16-octet random keys, counters 0" \
    "[ \"\$(qk \"SELECT kvn, printf('%02X', kic), printf('%02X', kid), length(kic_key), length(kid_key), tx_cntr, rx_cntr, kic_key != kid_key FROM keysets\")\" = '1|12|12|16|16|0|0|1' ]"
check "key store file mode 0600" "[ \"\$(stat -c %a '$tmp/bridge/keystore.db')\" = 600 ]"

# ---- the card answers a login: signature and password ---------------------
KIC=$(qk "SELECT hex(kic_key) FROM keysets WHERE kvn = 1")
KID=$(qk "SELECT hex(kid_key) FROM keysets WHERE kvn = 1")
KAUTH=$(qs "SELECT hex(k_auth) FROM cards WHERE iccid = '$ICCID'")
# the request of tests/vectors/authmsg/messages.txt (PIN required)
SID=5A1C3E779012ABCD
NONCE=00112233445566778899AABBCCDDEEFF
TICKET=3751324B3958
SVC=4578616D706C652042616E6B206C6F67696E
REQ=010101${SID}${NONCE}00786B048880063751324B395804124578616D706C652042616E6B206C6F67696E
PKT=$("$PDU" ota-wrap --spi 1601 --kic 12 --kid 12 --kic-key "$KIC" \
    --kid-key "$KID" --tar 53544B --cntr 0000000001 --udh "$REQ" 2>"$tmp/pdu.err")
DELIVER=$("$PDU" sms-deliver --from "$SERVICE" --pid 7F --dcs F6 \
    --udh 027000 --scts 2026-11-23T18:38:00+00:00 --ud "${PKT:6}" 2>>"$tmp/pdu.err")
hexfield() {
	awk -v k="$1" '
		$1 == k":" && / octets: / { sub(/.* octets: /, ""); acc = $0; on = 1; next }
		on && /^ +[0-9A-F]+$/ { gsub(/ /, ""); acc = acc $0; next }
		{ on = 0 }
		END { print acc }'
}
tl_net "$NPORT" 60
"$PHONE" --reader "$READER" --sim-pin 0000 --network "127.0.0.1:$NPORT" \
    --auto confirm --pin 1234 --delay 20 --ui-timeout 20 </dev/null \
    >"$tmp/phone.out" 2>"$tmp/phone.log" &
PHONE_PID=$!
tl_track "$PHONE_PID"
net_read line 15
net_send "OK ATTACH $MSISDN"
net_send "MT 21 $DELIVER"
net_read line 15
check "the card accepts the request secured with the key store's OTA keys (PoR OK)" \
    '[[ "$line" =~ ^MT-ACK\ 21\ .*027100000B0A53544B000000000100 ]]'
check "the card is in use by the phone: enroll bob fails (exit 1) and changes nothing" \
    "rc 1 A enroll bob --reader '$READER' && grep -q 'in use' '$tmp/err'"
mos=()
for i in $(seq 8); do
	net_read line 20
	[[ "$line" =~ ^MO\ ([0-9]+)\ ([0-9A-F]+)$ ]] || break
	mos+=("${BASH_REMATCH[2]}")
	net_send "MO-RESULT ${BASH_REMATCH[1]} OK $((40 + i))"
	segs=$("$PDU" decode --as sms-submit "${BASH_REMATCH[2]}" 2>/dev/null |
	    sed -n 's/^ *total: \([0-9]*\)$/\1/p' | head -n 1)
	[ "${#mos[@]}" -ge "${segs:-1}" ] && break
done
packet=027000
for m in "${mos[@]}"; do
	packet+=$("$PDU" decode --as sms-submit "$m" | hexfield body)
done
"$PDU" ota-unwrap --kic-key "$KIC" --kid-key "$KID" "$packet" >"$tmp/unwrap.out" 2>&1
data=$(sed -n 's/.* data=\([0-9A-F]*\).*/\1/p' "$tmp/unwrap.out" | head -n 1)
"$PDU" decode --as auth-response "$data" >"$tmp/resp.out" 2>&1
check "auth response: confirmed after the PIN enroll set, this card, RSA-signed (${#mos[@]} SMS)" \
    "grep -q 'DECISION: 0x01 (confirmed' '$tmp/resp.out' && grep -q 'ICCID: $ICCID' '$tmp/resp.out' && grep -q 'SIG-ALG: 0x01' '$tmp/resp.out'"
tl_stop "$PHONE_PID" 5
tl_stop "$NET_PROC" 5
PASSWORD=$(sed -n 's/^ *PASSWORD: "\([0-9]*\)"$/\1/p' "$tmp/resp.out")
EFICCID=$(sed -n 's/^ *EF-ICCID: 10 octets: //p' "$tmp/resp.out")
SIG=$(hexfield SIGNATURE <"$tmp/resp.out")
# DTBS (PROTOCOL.md §7) rebuilt here, verified with the LDAP certificate
DTBS=73746B617574682D76312D617574682D726573706F6E7365
DTBS+=0101${SID}${NONCE}06${TICKET}0412${SVC}${EFICCID}01
DTBS+=$(printf '%02X' "${#PASSWORD}")$(printf '%s' "$PASSWORD" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
hex2bin() { printf '%b' "$(printf '%s' "$1" | sed 's/../\\x&/g')"; }
hex2bin "$DTBS" >"$tmp/dtbs.bin"
hex2bin "$SIG" >"$tmp/sig.bin"
openssl x509 -in "$tmp/alice.pem" -noout -pubkey >"$tmp/alice.pub"
check "the signature verifies with the key of alice's certificate in LDAP (openssl dgst)" \
    "[ \${#SIG} -eq 512 ] && openssl dgst -sha256 -verify '$tmp/alice.pub' -signature '$tmp/sig.bin' '$tmp/dtbs.bin' | grep -q 'Verified OK'"
printf 'stkauth-v1-password' >"$tmp/pw.bin"
hex2bin "${SID}${NONCE}06${TICKET}" >>"$tmp/pw.bin"
MAC=$(openssl mac -digest SHA256 -macopt "hexkey:$KAUTH" -in "$tmp/pw.bin" HMAC)
# first 8 octets, big-endian, mod 10^8 (PROTOCOL.md §6), in two 32-bit
# halves for bash's signed 64-bit arithmetic: 2^32 mod 10^8 = 94967296
WANT=$(printf '%08d' $(( ((0x${MAC:0:8} % 100000000) * 94967296 + 0x${MAC:8:8}) % 100000000 )))
check "the password ($PASSWORD) is HMAC-SHA256 with the K_auth of the server's database" \
    "[ -n '$PASSWORD' ] && [ '$PASSWORD' = '$WANT' ]"

# ---- enroll twice ------------------------------------------------------------
check "enroll alice again: exit 5 (enrolled already), nothing changed" \
    "rc 5 A enroll alice --reader '$READER' && grep -q 'enrolled already' '$tmp/err' && [ \"\$(qs 'SELECT count(*) FROM cards')\" = 1 ]"

# ---- revoke ------------------------------------------------------------------
check "revoke alice: exit 0, serial and unbinding in the JSON" \
    "rc 0 A --json revoke alice --reason keyCompromise && jq -e '.revoked == [\"$SERIAL\"] and .iccid == \"$ICCID\" and .msisdn == \"$MSISDN\" and .crlPublished' '$tmp/out' >/dev/null"
ldap -b "cn=stkauth Test CA,ou=ca,$SUFFIX" -s base 'certificateRevocationList;binary' |
    sed -n 's/^certificateRevocationList;binary:: //p' | base64 -d >"$tmp/crl.der" 2>/dev/null
openssl crl -inform DER -in "$tmp/crl.der" -out "$tmp/crl.pem" 2>/dev/null
check "the CRL in LDAP lists $SERIAL with reason Key Compromise, signed by the CA" \
    "openssl crl -in '$tmp/crl.pem' -noout -text | grep -A4 'Serial Number: $SERIAL' | grep -q 'Key Compromise' && openssl crl -in '$tmp/crl.pem' -noout -CAfile '$CA/ca.pem' 2>&1 | grep -q 'verify OK'"
check "openssl verify -crl_check with that CRL: certificate revoked" \
    "cat '$CA/ca.pem' '$tmp/crl.pem' >'$tmp/chain.pem'; openssl verify -crl_check -CAfile '$tmp/chain.pem' '$tmp/alice.pem' 2>&1 | grep -q 'certificate revoked'"
check "the CRL files of the CA folder are the published one; index row R" \
    "cmp -s '$CA/crl.der' '$tmp/crl.der' && grep -qP '^R\t.*\t.*,keyCompromise\t$SERIAL\t' '$CA/index.txt'"
check "key store: no card; server: alice unbound, no card" \
    "[ \"\$(qk 'SELECT count(*) FROM cards')\" = 0 ] && [ \"\$(qk 'SELECT count(*) FROM keysets')\" = 0 ] && [ -z \"\$(qs \"SELECT 1 FROM msisdn_bindings b JOIN accounts a ON a.id = b.account_id WHERE a.name = 'alice'\")\" ] && [ \"\$(qs 'SELECT count(*) FROM cards')\" = 0 ]"
check "revoke alice again: exit 5 (nothing to revoke); unknown account: exit 4; bad reason: exit 2" \
    "rc 5 A revoke alice && rc 4 A revoke nobody && rc 2 A revoke alice --reason bogus"
check "openssl ca still reads the CA database (gencrl)" \
    "STKAUTH_CA_DIR='$CA' STKAUTH_SAN=DNS:x OPENSSL_CONF='$FX/openssl-ca.cnf' openssl ca -config '$FX/openssl-ca.cnf' -gencrl -out '$tmp/crl2.pem' 2>'$tmp/ca.err' && openssl crl -in '$tmp/crl2.pem' -noout -text | grep -q 'Serial Number: $SERIAL'"

# ---- enroll again after revoke -----------------------------------------------------
# A stale key store row of this card (as a crash between the key store and
# the server's database leaves it) with used counters and a second key set:
# enroll re-keys it (keystore_card_rekey), counters back to 0.
qk "INSERT INTO cards (iccid, msisdn, tar, spi, cmd_kvn, updated) VALUES ('$ICCID', '$MSISDN', X'53544B', 5690, 2, 0); INSERT INTO keysets (iccid, kvn, kic, kic_key, kid, kid_key, tx_cntr, rx_cntr) VALUES ('$ICCID', 1, 18, zeroblob(16), 18, zeroblob(16), 5, 9), ('$ICCID', 2, 34, zeroblob(16), 34, zeroblob(16), 3, 4);"
check "re-enroll alice after revoke: exit 0, a new certificate in LDAP" \
    "rc 0 A --json enroll alice --reader '$READER' --msisdn $MSISDN && [ \"\$(jq -r .serial '$tmp/out')\" != '$SERIAL' ] && cert_der alice '$tmp/alice2.der' && ! cmp -s '$tmp/alice.der' '$tmp/alice2.der'"
check "key store: the stale row re-keyed: key set 1 only, new keys, counters 0" \
    "[ \"\$(qk \"SELECT c.cmd_kvn, count(*), k.kvn, k.tx_cntr, k.rx_cntr, k.kic_key != zeroblob(16) FROM cards c JOIN keysets k ON k.iccid = c.iccid WHERE c.iccid = '$ICCID'\")\" = '1|1|1|0|0|1' ]"
check "the new certificate is valid against the CA and the current CRL" \
    "openssl x509 -inform DER -in '$tmp/alice2.der' -out '$tmp/alice2.pem' && openssl verify -crl_check -CAfile '$tmp/chain.pem' '$tmp/alice2.pem' | grep -q ': OK'"

if [ "$fails" -ne 0 ]; then
	tl_tail "$tmp/err" 10 "stderr of the last command"
	tl_tail "$tmp/resp.out" 15 response
	tl_tail "$tmp/unwrap.out" 5 unwrap
	tl_tail <(grep -v 'APDU\|     ' "$tmp/phone.log" 2>/dev/null) 20 "phone log"
	tl_tail <(grep -v APDU "$tmp/sim.log") 20 "stkauth-sim log"
	tl_tail "$TL_PCSCD_LOG" 15 "pcscd log"
	tl_tail "$tmp/slapd.out" 5 slapd
fi
tap_end

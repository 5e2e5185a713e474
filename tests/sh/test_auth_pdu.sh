#!/bin/bash
# test_auth_pdu.sh - "stkauth-pdu decode --as auth-request|auth-response":
# the named trees of the vectors of tests/vectors/authmsg/messages.txt
# (expected output in tests/vectors/authmsg/*.decode.txt, checked by hand
# against the vector fields), and one line on stderr, nothing on stdout,
# exit 1 for malformed input.  TAP output; run from the repository root.
set -u

. tests/helpers/testlib.sh

PDU=${STKAUTH_PDU:-build/bin/stkauth-pdu}

# hexof CASE: the joined hex of the vector case named CASE
hexof() { tl_vector "$V/messages.txt" "$1" hex; }

tl_built "$PDU"
tl_begin auth-pdu
tap_plan 6

out=$("$PDU" decode --as auth-request "$(hexof request-gsm7)" 2>&1)
[ "$out" = "$(cat $V/request-gsm7.decode.txt)" ]
ok $? "auth-request vector decodes to the expected tree"

out=$("$PDU" decode --as auth-response "$(hexof response-ecdsa-p256)" 2>&1)
[ "$out" = "$(cat $V/response-ecdsa-p256.decode.txt)" ]
ok $? "auth-response vector decodes to the expected tree"

req=$(hexof request-gsm7)
out=$("$PDU" decode --as auth-request "${req}00" 2>"$tmp/err")
st=$?
err=$(cat "$tmp/err")
[ $st -eq 1 ] && [ -z "$out" ] &&
    [ "$err" = "stkauth-pdu: malformed auth-request: REQUEST at offset 60: trailing bytes after the end" ]
ok $? "trailing byte: exit 1, REQUEST at offset 60 named, nothing on stdout"

out=$("$PDU" decode --as auth-request "02${req:2}" 2>"$tmp/err")
st=$?
grep -q "VERSION at offset 0" "$tmp/err" && [ $st -eq 1 ] &&
    [ -z "$out" ]
ok $? "unknown version named at offset 0"

resp=$(hexof response-rsa-pkcs1)
out=$("$PDU" decode --as auth-response "${resp:0:4}06${resp:6}" 2>"$tmp/err")
st=$?
grep -q "DECISION at offset 2: invalid value" "$tmp/err" &&
    [ $st -eq 1 ] && [ -z "$out" ]
ok $? "decision outside the table named at offset 2"

out=$("$PDU" decode --as auth-response "${resp:0:200}" 2>"$tmp/err")
st=$?
grep -q "SIGNATURE at offset 33: input truncated" "$tmp/err" &&
    [ $st -eq 1 ] && [ -z "$out" ]
ok $? "truncated signature named at offset 33"

tap_end

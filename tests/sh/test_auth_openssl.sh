#!/bin/bash
# test_auth_openssl.sh - cross-check the auth-response signatures and the
# authentication password of tests/vectors/authmsg/messages.txt with an
# independent implementation: the openssl command line.  TAP output.
#
#   RSA PKCS#1 v1.5: openssl dgst -sha256 -verify PUB -signature SIG DTBS
#   RSA-PSS:         openssl pkeyutl -verify -digest sha256 with
#                    rsa_padding_mode:pss, rsa_pss_saltlen:32,
#                    rsa_mgf1_md:sha256 (over the raw DTBS)
#   ECDSA P-256:     the raw r||s of the vector, re-encoded as a DER
#                    ECDSA-Sig-Value here (from hex, by hand), then
#                    openssl dgst -sha256 -verify
#   password:        openssl mac HMAC-SHA256 over the documented input,
#                    first 8 octets mod 10^8
# and the negative: one flipped DTBS bit must fail each verification.
#
# Run from the repository root.
set -u

. tests/helpers/testlib.sh

VEC=$V/messages.txt
tl_need openssl xxd
tl_begin auth-openssl

# field CASE KEY: the value of KEY in the vector case named CASE.
field() { tl_vector "$VEC" "$1" "$2"; }

hex2bin() { tr -d ' \n' | xxd -r -p; }

# DER INTEGER of a 32-octet big-endian hex value (strip leading zero
# octets, keep a zero when the top bit is set).
der_int() {
	local h=$1
	while [ ${#h} -gt 2 ] && [ "${h:0:2}" = "00" ]; do h=${h:2}; done
	case ${h:0:1} in [89a-fA-F]) h=00$h ;; esac
	printf '02%02x%s' $((${#h} / 2)) "$h"
}

tap_plan 9

# ---- RSA PKCS#1 v1.5 --------------------------------------------------
c=response-rsa-pkcs1
field $c dtbs | hex2bin >"$tmp/p1.dtbs"
field $c signature | hex2bin >"$tmp/p1.sig"
pub=$(field $c public-key)
openssl dgst -sha256 -verify "$pub" -signature "$tmp/p1.sig" \
    "$tmp/p1.dtbs" >/dev/null 2>&1
ok $? "openssl verifies the RSA PKCS#1 v1.5 vector signature"
cp "$tmp/p1.dtbs" "$tmp/p1.bad"
printf '\x02' | dd of="$tmp/p1.bad" bs=1 seek=25 conv=notrunc 2>/dev/null
! openssl dgst -sha256 -verify "$pub" -signature "$tmp/p1.sig" \
    "$tmp/p1.bad" >/dev/null 2>&1
ok $? "openssl rejects it over a DTBS with another algorithm octet"
# deterministic: openssl's own signature is the vector's
openssl dgst -sha256 -sign "$(field $c private-key)" -out "$tmp/p1.mine" \
    "$tmp/p1.dtbs" 2>/dev/null && cmp -s "$tmp/p1.mine" "$tmp/p1.sig"
ok $? "openssl's PKCS#1 v1.5 signature equals the vector's octet for octet"

# ---- RSA-PSS ----------------------------------------------------------
c=response-rsa-pss
field $c dtbs | hex2bin >"$tmp/pss.dtbs"
field $c signature | hex2bin >"$tmp/pss.sig"
pub=$(field $c public-key)
openssl pkeyutl -verify -pubin -inkey "$pub" -rawin -digest sha256 \
    -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32 \
    -pkeyopt rsa_mgf1_md:sha256 -in "$tmp/pss.dtbs" \
    -sigfile "$tmp/pss.sig" >/dev/null 2>&1
ok $? "openssl pkeyutl verifies the RSA-PSS (SHA-256, MGF1-SHA256, salt 32) vector"
# the salt length is part of the contract: 20 must not verify
! openssl pkeyutl -verify -pubin -inkey "$pub" -rawin -digest sha256 \
    -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:20 \
    -pkeyopt rsa_mgf1_md:sha256 -in "$tmp/pss.dtbs" \
    -sigfile "$tmp/pss.sig" >/dev/null 2>&1
ok $? "openssl rejects the PSS vector with salt length 20"
head -c 60 "$tmp/pss.dtbs" >"$tmp/pss.bad"
printf '\x5a' >>"$tmp/pss.bad"
tail -c +62 "$tmp/pss.dtbs" >>"$tmp/pss.bad"
cmp -s "$tmp/pss.dtbs" "$tmp/pss.bad"
[ $? -ne 0 ] && ! openssl pkeyutl -verify -pubin -inkey "$pub" -rawin \
    -digest sha256 -pkeyopt rsa_padding_mode:pss \
    -pkeyopt rsa_pss_saltlen:32 -pkeyopt rsa_mgf1_md:sha256 \
    -in "$tmp/pss.bad" -sigfile "$tmp/pss.sig" >/dev/null 2>&1
ok $? "openssl rejects the PSS signature over a changed service name"

# ---- ECDSA P-256 (raw r||s -> DER) ---------------------------------------
c=response-ecdsa-p256
field $c dtbs | hex2bin >"$tmp/ec.dtbs"
sig=$(field $c signature | tr -d ' ')
r=$(der_int "${sig:0:64}")
s=$(der_int "${sig:64:64}")
body=$r$s
printf '30%02x%s' $((${#body} / 2)) "$body" | xxd -r -p >"$tmp/ec.der"
openssl dgst -sha256 -verify "$(field $c public-key)" \
    -signature "$tmp/ec.der" "$tmp/ec.dtbs" >/dev/null 2>&1
ok $? "openssl verifies the ECDSA P-256 vector (raw r||s as DER)"

# ---- password ------------------------------------------------------------
c=response-rsa-pkcs1
key=$(field $c k-auth-card)
req=$(field $c request | tr -d ' ')
# SESSION-ID (octets 3..10), NONCE (11..26), TICKET-LEN || TICKET
tlen=$((16#${req:66:2}))
input=$(printf 'stkauth-v1-password' | xxd -p | tr -d '\n')${req:6:16}${req:22:32}${req:66:$((2 + 2 * tlen))}
mac=$(echo -n "$input" | xxd -r -p |
    openssl mac -digest SHA256 -macopt hexkey:"$key" HMAC 2>/dev/null)
# bash arithmetic is signed 64-bit: take the unsigned 64-bit value
# hi * 2^32 + lo mod 10^8 from its two halves
hi=$((16#${mac:0:8}))
lo=$((16#${mac:8:8}))
pw=$(printf '%08d' $(( ((hi % 100000000) * (4294967296 % 100000000) + lo) % 100000000 )))
[ -n "$mac" ] && [ "$pw" = "$(field $c password)" ]
ok $? "openssl mac HMAC-SHA256 gives the vector password ($pw)"

# ---- the negative of the positive ----------------------------------------
! openssl dgst -sha256 -verify "$(field response-rsa-pkcs1 public-key)" \
    -signature "$tmp/p1.sig" "$tmp/pss.dtbs" >/dev/null 2>&1
ok $? "the PKCS#1 signature does not verify over another response's DTBS"

tap_end

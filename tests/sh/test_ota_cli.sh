#!/bin/bash
# test_ota_cli.sh - stkauth-pdu ota-wrap / ota-unwrap / ota-unwrap-response
# and "decode --as command-packet|response-packet" against pySim's
# published packets (tests/vectors/ota/pysim.txt).  TAP output; run from
# the repository root after "make all".
set -u

. tests/helpers/testlib.sh

P=build/bin/stkauth-pdu
tl_built "$P"

K1=300102030405060708090a0b0c0d0e0f	# pySim OTA_KEYSET_SJA5_SAMPLES
K2=301102030405060708090a0b0c0d0e0f
A1=200102030405060708090a0b0c0d0e0f	# pySim OTA_KEYSET_SJA5_AES128
A2=201102030405060708090a0b0c0d0e0f
AES_PKT=00281506192222B00011E87CCEEBB2D93083011CE294F93FC4D8DE80DA1ABAE8C37CA3E72EC4432E5058
DES_RESP=027100001c12b000118bb989492c632529326a2f4681feb37c825bc9021c9f6d0b

out=$($P ota-wrap --spi 0619 --kic 22 --kid 22 --kic-key $A1 --kid-key $A2 \
    --tar B00011 00a40004023f00)
[ "$out" = "$AES_PKT" ]
ok $? "ota-wrap AES-128 reproduces pySim's packet"

out=$($P ota-wrap --udh --spi 0619 --kic 22 --kid 22 --kic-key $A1 \
    --kid-key $A2 --tar B00011 --cntr 0000000000 00a40004023f00)
[ "$out" = "027000$AES_PKT" ]
ok $? "ota-wrap --udh prefixes 027000"

out=$($P ota-unwrap --kic-key $A1 --kid-key $A2 "027000$AES_PKT")
[ "$out" = "tar=B00011 cntr=0000000000 data=00A40004023F00" ]
ok $? "ota-unwrap opens it (with the UDH)"

err=$($P ota-unwrap --kic-key $A1 --kid-key $K2 "$AES_PKT" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 1 ] && [[ "$err" == *"PoR status 01 (RC/CC/DS failed)"* ]]
ok $? "ota-unwrap with a wrong KID fails with PoR status 01 (exit $rc)"

# Counter one higher (SPI 1E19): stored 5 accepts 6, rejects 7 (CNTR high)
# and 5 (CNTR low).
pkt=$($P ota-wrap --spi 1E19 --kic 35 --kid 35 --kic-key $K1 --kid-key $K2 \
    --tar B00011 --cntr 0000000006 00a40004023f00)
$P ota-unwrap --kic-key $K1 --kid-key $K2 --stored-cntr 0000000005 "$pkt" \
    >/dev/null
ok $? "ota-unwrap accepts a counter exactly one higher"
err=$($P ota-unwrap --kic-key $K1 --kid-key $K2 --stored-cntr 0000000004 \
    "$pkt" 2>&1 >/dev/null)
[ $? -eq 1 ] && [[ "$err" == *"PoR status 03 (CNTR high)"* ]]
ok $? "ota-unwrap: two higher is CNTR high"
err=$($P ota-unwrap --kic-key $K1 --kid-key $K2 --stored-cntr 0000000006 \
    "$pkt" 2>&1 >/dev/null)
[ $? -eq 1 ] && [[ "$err" == *"PoR status 02 (CNTR low)"* ]]
ok $? "ota-unwrap: a replay is CNTR low"
err=$($P ota-unwrap --kic-key $K1 --kid-key $K2 --stored-cntr FFFFFFFFFF \
    "$pkt" 2>&1 >/dev/null)
[ $? -eq 1 ] && [[ "$err" == *"PoR status 04 (CNTR blocked)"* ]]
ok $? "ota-unwrap: a counter at its maximum is blocked"

err=$($P ota-unwrap --kic-key $A1 --kid-key $A2 "${AES_PKT:0:40}" 2>&1 >/dev/null)
[ $? -eq 1 ] && [[ "$err" == *"PoR status 06"*"CPL at offset 0: input truncated"* ]]
ok $? "ota-unwrap: truncated packet names CPL"

out=$($P ota-unwrap-response --spi 0619 --kic 35 --kid 35 --kic-key $K1 \
    --kid-key $K2 $DES_RESP)
[ "$out" = "status=00 (PoR OK) data=016132" ]
ok $? "ota-unwrap-response opens pySim's ciphered 3DES PoR"

$P ota-unwrap-response --spi 0619 --kic 35 --kid 35 --kic-key $K1 \
    --kid-key $A2 $DES_RESP >/dev/null 2>&1
[ $? -eq 1 ]
ok $? "ota-unwrap-response with a wrong KID fails"

$P ota-wrap --spi 0619 --kic 22 --kid 22 --kid-key $A2 --tar B00011 00 \
    >/dev/null 2>&1
[ $? -eq 1 ]
ok $? "ota-wrap without the KIc key the SPI needs fails"
$P ota-wrap --spi 0619 --kic 22 --tar B00011 00 >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "ota-wrap without --kid is a usage error"

out=$($P decode --as command-packet "027000$AES_PKT")
[[ "$out" == *"UDH: 027000"* && "$out" == *"KIc: 22"* &&
   "$out" == *"algorithm: AES-CMAC"* && "$out" == *"TAR: B00011"* &&
   "$out" == *"ciphering: yes"* && "$out" == *"ciphered (CNTR..padding): 32 octets"* ]]
ok $? "decode --as command-packet spells out SPI, KIc, KID"

out=$($P decode --as response-packet 027100000e0ab0001100000000000000016132)
[[ "$out" == *"RHL: 10"* && "$out" == *"status: 00 (PoR OK)"* &&
   "$out" == *"additional response data: 3 octets: 016132"* ]]
ok $? "decode --as response-packet shows the status"

$P decode --as command-packet 00291506192222b00011e8 >/dev/null 2>&1
[ $? -eq 1 ]
ok $? "decode --as command-packet rejects a bad CPL"

# The SMS decoder hands the body of an IEI 70 message to this decoder.
tpdu=$($P sms-deliver --from +4915112345678 --pid 7F --dcs F6 --udh 027000 \
    --ud "$AES_PKT" --scts 2026-11-23T18:43:35+01:00)
out=$($P decode "$tpdu")
[[ "$out" == *"command-packet: TS 102 225"* && "$out" == *"TAR: B00011"* ]]
ok $? "decode of an SMS-PP download shows the nested command packet"

tap_end

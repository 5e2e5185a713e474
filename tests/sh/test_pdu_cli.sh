#!/bin/bash
# test_pdu_cli.sh - stkauth-pdu on the command line: known PDUs decoded to
# the expected trees in tests/vectors/pdu-cli/, encode/decode round trips,
# error cases (exit 1, one stderr line naming field and offset) and usage
# errors (exit 2).  TAP output; run from the repository root.
# STKAUTH_PDU overrides the binary.
set -u

. tests/helpers/testlib.sh

PDU=${STKAUTH_PDU:-build/bin/stkauth-pdu}
VEC=tests/vectors/pdu-cli

tl_built "$PDU"
tl_begin pdu-cli

# run ARGS...: the tool's stdout in $tmp/out, stderr in $tmp/err, status $rc.
run() {
	"$PDU" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# ---- 1. vector files: "# arg: X" lines are the arguments, the other
# non-comment lines the exact expected stdout (exit status 0).
for f in "$VEC"/*.txt; do
	args=()
	while IFS= read -r line; do
		args+=("${line#\# arg: }")
	done < <(grep '^# arg: ' "$f")
	grep -v '^#' "$f" >"$tmp/expected"
	run "${args[@]}"
	if [ $rc -eq 0 ] && diff -u "$tmp/expected" "$tmp/out" >"$tmp/diff"
	then
		ok 0 "vector $(basename "$f")"
	else
		ok 1 "vector $(basename "$f") (exit $rc)"
		sed 's/^/# /' "$tmp/diff" "$tmp/err" | head -40
	fi
done

# ---- 2. round trips: encode, decode, find the same content in the tree.

# text_of HEX [decode options]: the tree's text field, unquoted.
text_of() {
	"$PDU" decode "$@" | sed -n 's/^ *text: "\(.*\)"$/\1/p'
}

roundtrip() {	# roundtrip DESCRIPTION TEXT ENCODER-ARGS...
	local what=$1 text=$2 hex got
	shift 2
	hex=$("$PDU" "$@" --text "$text") || { ok 1 "$what: encode"; return; }
	got=$(text_of "$hex")
	[ "$got" = "$text" ]
	ok $? "round trip $what"
	[ "$got" = "$text" ] || echo "# hex $hex gave '$got'"
}

roundtrip "submit 7-bit" "Hello, world!" sms-submit --to +4912345678
roundtrip "deliver 7-bit" "Hello, world!" sms-deliver --from +4912345678
roundtrip "submit 7-bit extension" 'x{y}[z]~|^€' sms-submit --to 5551234
roundtrip "submit UCS-2" "Привет, мир ☺" sms-submit --to +79161234567
roundtrip "deliver UCS-2 alnum" "日本語テキスト" sms-deliver --from Service
# Every header length 1..8 octets gives a different number of fill bits
# (TS 23.040 §9.2.3.24): the text must survive each.
for udh in 00 027000 033001AA 0430020000 050003CC0201 06080412340302 \
    0730050000000000 083006000000000000; do
	roundtrip "submit 7-bit after UDH $udh" "fill bits @ work" \
	    sms-submit --to 12345 --udh "$udh"
	roundtrip "deliver UCS-2 after UDH $udh" "ÿ → fill" \
	    sms-deliver --from 12345 --udh "$udh"
done
# 160 septets is the maximum of one message (TS 23.040 §9.2.3.16).
T160=$(printf 'abcdefghij%.0s' $(seq 16))
roundtrip "submit 160 septets" "$T160" sms-submit --to 1
roundtrip "submit 153 septets after concat UDH" "${T160:0:153}" \
    sms-submit --to 1 --udh 050003010201

# SCTS: the time given is the time decoded.
hex=$("$PDU" sms-deliver --from 1 --text x --scts 2031-12-31T23:59:59-11:45)
"$PDU" decode "$hex" | grep -qx '  TP-SCTS: 2031-12-31T23:59:59-11:45'
ok $? "deliver --scts with a negative zone round trip"
hex=$("$PDU" sms-deliver --from 1 --text x --scts 2026-06-01T12:00:00Z)
"$PDU" decode "$hex" | grep -qx '  TP-SCTS: 2026-06-01T12:00:00+00:00'
ok $? "deliver --scts Z shown as +00:00"
# Default SCTS: now, in UTC (TS 23.040 §9.2.3.11 with zone +00:00).
before=$(date -u +%s)
hex=$("$PDU" sms-deliver --from 1 --text x)
after=$(date -u +%s)
scts=$("$PDU" decode "$hex" | sed -n 's/^  TP-SCTS: //p')
t=$(date -u -d "$scts" +%s 2>/dev/null || echo 0)
[ "${scts%+00:00}" != "$scts" ] && [ "$t" -ge "$before" ] &&
    [ "$t" -le "$after" ]
ok $? "deliver default SCTS is now in UTC ($scts)"

# 8-bit user data and header come back byte for byte.
hex=$("$PDU" sms-deliver --from +4915112345678 --pid 7F --dcs F6 \
    --udh 027000 --ud 0011223344 --scts 2026-11-23T18:43:35+01:00)
"$PDU" decode "$hex" >"$tmp/tree"
grep -qx '    body: 5 octets: 0011223344' "$tmp/tree" &&
    grep -qx '  TP-PID: 0x7f ((U)SIM data download)' "$tmp/tree" &&
    grep -q '^      IE: 0x70 ' "$tmp/tree"
ok $? "deliver 8-bit SIM download: body, PID and IEI 0x70 decoded"

# gsm7 encode | decode, the whole default alphabet and extension table.
ALPHA=$'@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€\f'
cnt=$("$PDU" gsm7 encode --count "$ALPHA")
[ "$cnt" = 147 ]
ok $? "gsm7 --count of 127 basic + 10 extension characters ($cnt)"
for fill in 0 1 6; do
	packed=$("$PDU" gsm7 encode --fill $fill "$ALPHA")
	got=$("$PDU" gsm7 decode --fill $fill --septets "$cnt" "$packed"; echo .)
	[ "${got%$'\n.'}" = "$ALPHA" ]
	ok $? "gsm7 encode/decode round trip, $fill fill bits"
done
up=$("$PDU" gsm7 encode --septets "$ALPHA")
got=$("$PDU" gsm7 decode --unpacked "$up"; echo .)
[ "${got%$'\n.'}" = "$ALPHA" ]
ok $? "gsm7 --septets / --unpacked round trip"

# --vp MINUTES: the shortest relative TP-VP not shorter than asked
# (TS 23.040 §9.2.3.12.1), octet 7 of an SMS-SUBMIT to "1".
vp_octet() {
	"$PDU" sms-submit --to 1 --vp "$1" --ud 00 | cut -c 15-16
}
for pair in 0:00 5:00 6:01 720:8F 721:90 750:90 751:91 1440:A7 1441:A8 \
    43200:C4 43201:C5 50400:C5 50401:C6 635040:FF; do
	m=${pair%%:*} want=${pair##*:}
	got=$(vp_octet "$m")
	[ "$got" = "$want" ]
	ok $? "--vp $m gives relative TP-VP 0x$want (got 0x$got)"
done
hex=$("$PDU" sms-submit --to 1 --vp 1440 --ud 00)
[ "${hex:0:2}" = 11 ]
ok $? "--vp sets TP-VPF relative (first octet 0x11)"

# --srr, --mr and the reject-free defaults.
hex=$("$PDU" sms-submit --to 1 --srr --mr 200 --ud 00)
[ "${hex:0:4}" = 21C8 ]
ok $? "--srr sets TP-SRR, --mr 200 sets TP-MR 0xC8"

# --from on sms-submit: checked, not encoded, a note on stderr.
a=$("$PDU" sms-submit --to 1 --text x 2>/dev/null)
run sms-submit --to 1 --from +4912345 --text x
[ $rc -eq 0 ] && [ "$(cat "$tmp/out")" = "$a" ] &&
    grep -q 'not encoded' "$tmp/err"
ok $? "sms-submit --from is accepted, not encoded, noted"
run sms-submit --to 1 --from "" --text x
[ $rc -eq 1 ]
ok $? "sms-submit --from '' is still checked (exit 1)"

# --ud with a GSM 7-bit TP-DCS takes unpacked septets.
hex=$("$PDU" sms-submit --to 1 --dcs 00 --ud 68656C6C6F)
[ "$(text_of "$hex")" = hello ]
ok $? "--ud with --dcs 00 is unpacked septets"
hex=$("$PDU" sms-submit --to 1 --ud 68656C6C6F)
"$PDU" decode "$hex" | grep -qx '  TP-DCS: 0x04 (general data coding, 8-bit data, no message class)'
ok $? "--ud without --dcs is 8-bit data (0x04)"

# ---- 3. malformed input: exit 1, nothing on stdout, exactly one line on
# stderr naming the field and the offset.
bad() {	# bad DESCRIPTION EXPECTED-STDERR ARGS...
	local what=$1 want=$2
	shift 2
	run "$@"
	[ $rc -eq 1 ] && [ ! -s "$tmp/out" ] &&
	    [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
	    [ "$(cat "$tmp/err")" = "$want" ]
	ok $? "$what: exit 1, one line"
	[ "$(cat "$tmp/err")" = "$want" ] || echo "# got: $(cat "$tmp/err") (exit $rc)"
}
H=04049121430000621132813453
bad "truncated user data" \
    "stkauth-pdu: malformed sms-submit: TP-UDL at offset 11: input truncated" \
    decode 0100099194214365F7000005C8329BFD
bad "trailing bytes" \
    "stkauth-pdu: malformed sms-submit: TP-UD at offset 17: trailing bytes after the end" \
    decode 0100099194214365F7000005C8329BFD0600
bad "truncated address" \
    "stkauth-pdu: malformed sms-deliver: TP-OA at offset 1: input truncated" \
    decode 00
bad "truncated SCTS" \
    "stkauth-pdu: malformed sms-deliver: TP-SCTS at offset 7: input truncated" \
    decode $H
bad "TP-UDL above 160 septets" \
    "stkauth-pdu: malformed sms-deliver: TP-UDL at offset 14: length exceeds the allowed maximum" \
    decode ${H}40A1$(printf '00%.0s' $(seq 141))
bad "TP-UDL above 140 octets" \
    "stkauth-pdu: malformed sms-deliver: TP-UDL at offset 14: length exceeds the allowed maximum" \
    decode 04049121430004621132813453408D$(printf '00%.0s' $(seq 141))
bad "TP-UDHL beyond TP-UDL" \
    "stkauth-pdu: malformed sms-deliver: TP-UDHL at offset 15: length or field inconsistent with data" \
    decode 4404912143000462113281345340030500AA
bad "reserved TP-MTI 11" \
    "stkauth-pdu: malformed sms: TP-MTI at offset 0: unsupported value or feature (TP-MTI 11 is reserved; use --as)" \
    decode 0300
bad "--as against the TP-MTI" \
    "stkauth-pdu: malformed sms-submit: TP-MTI at offset 0: invalid value" \
    decode --as sms-submit 04099194214365F700006211328134534005C8329BFD06
bad "SC address truncated" \
    "stkauth-pdu: malformed SC address: SCA at offset 2: input truncated" \
    decode --sca 0791
bad "offsets count from the SC address" \
    "stkauth-pdu: malformed sms-submit: TP-UD at offset 18: trailing bytes after the end" \
    decode --sca 000100099194214365F7000005C8329BFD0600
bad "no TPDU after the SC address" \
    "stkauth-pdu: malformed sms: TP-MTI at offset 1: input truncated" \
    decode --sca 00
bad "odd hex" \
    "stkauth-pdu: decode: invalid hex: odd number of digits (3)" \
    decode 010
bad "bad hex character" \
    "stkauth-pdu: decode: invalid hex: character 'g' at position 3" \
    decode 01g0
bad "empty input" "stkauth-pdu: decode: empty input" decode ""
bad "gsm7 decode count too large" \
    "stkauth-pdu: gsm7 decode: 9 septets after 0 fill bits take 8 octets, the input has 7: input truncated" \
    gsm7 decode --septets 9 31D98C56B3DD00
bad "gsm7 encode outside the alphabet" \
    "stkauth-pdu: gsm7 encode: character 3 (\"ж\") is not in the GSM 7-bit alphabet (TS 23.038 §6.2.1)" \
    gsm7 encode "abжc"
bad "gsm7 decode --unpacked above 0x7F" \
    "stkauth-pdu: gsm7 decode: invalid value" \
    gsm7 decode --unpacked 4180

# Encoders: unencodable input is exit 1 with one line too.
bad "--text too long" \
    "stkauth-pdu: --text: too long for one message: room for 160 septets after the header (TS 23.040 §9.2.3.16)" \
    sms-submit --to 1 --text "${T160}x"
bad "--text too long after a header" \
    "stkauth-pdu: --text: too long for one message: room for 153 septets after the header (TS 23.040 §9.2.3.16)" \
    sms-submit --to 1 --udh 050003010201 --text "${T160:0:154}"
bad "--udh truncated IE" \
    "stkauth-pdu: --udh: UDH-IED at offset 3: input truncated (give the header as it starts TP-UD, its length octet first, e.g. 027000)" \
    sms-submit --to 1 --udh 03000301 --ud 00
bad "--udh without its length octet" \
    "stkauth-pdu: --udh: TP-UDHL at offset 0: input truncated (give the header as it starts TP-UD, its length octet first, e.g. 027000)" \
    sms-submit --to 1 --udh 7000 --ud 00
bad "--pid not one octet" \
    "stkauth-pdu: --pid '7F00': expected one octet in hex, e.g. 7F" \
    sms-submit --to 1 --pid 7F00 --ud 00
bad "--ud septet above 0x7F" \
    "stkauth-pdu: --ud: with the GSM 7-bit TP-DCS 0x00 HEX is unpacked septets (00-7F), octet 2 is 0x80" \
    sms-submit --to 1 --dcs 00 --ud 4180
bad "--text with 8-bit TP-DCS" \
    "stkauth-pdu: --text: TP-DCS 0xF6 is not a text coding (GSM 7-bit or UCS-2, uncompressed); use --ud HEX" \
    sms-submit --to 1 --dcs F6 --text x
bad "--vp beyond 63 weeks" \
    "stkauth-pdu: --vp 635041: longer than the longest relative validity period, 63 weeks (635040 minutes)" \
    sms-submit --to 1 --vp 635041 --ud 00
bad "--scts not ISO 8601" \
    "stkauth-pdu: --scts '2026-11-23 18:43': expected YYYY-MM-DDThh:mm:ss with Z or +hh:mm (a multiple of 15 minutes), years 1990-2089" \
    sms-deliver --from 1 --scts "2026-11-23 18:43" --ud 00
bad "--to is not a number" \
    "stkauth-pdu: --to '+49 123': not a number: give +DIGITS (international) or DIGITS; '*' and '#' are allowed" \
    sms-submit --to "+49 123" --text x
bad "--to too long" \
    "stkauth-pdu: --to '+49123456789012345678901': length exceeds the allowed maximum (a number is +DIGITS or DIGITS, at most 20 digits; an alphanumeric sender at most 11 GSM 7-bit septets)" \
    sms-submit --to +49123456789012345678901 --text x
run sms-deliver --from "ThisNameIsTooLong" --text x
[ $rc -eq 1 ] && grep -q "^stkauth-pdu: --from 'ThisNameIsTooLong': length exceeds" "$tmp/err"
ok $? "--from alphanumeric beyond 11 septets: exit 1"

# ---- 4. usage errors: exit 2 and a usage line.
usage() {	# usage DESCRIPTION ARGS...
	local what=$1
	shift
	run "$@"
	[ $rc -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q '^usage: ' "$tmp/err"
	ok $? "usage error: $what (exit 2)"
}
usage "no arguments"
usage "unknown command" frobnicate
usage "unknown global option" --frob
usage "decode without HEX" decode
usage "decode with two HEX" decode 00 00
usage "decode --as unknown" decode --as sms-frob 00
usage "decode unknown option" decode --frob 00
usage "decode --as without value" decode --as
usage "sms-submit without --to" sms-submit --text x
usage "sms-submit without user data" sms-submit --to 1
usage "sms-submit --ud and --text" sms-submit --to 1 --ud 00 --text x
usage "sms-submit --scts" sms-submit --to 1 --text x --scts 2026-01-01T00:00:00Z
usage "sms-submit --vp not a number" sms-submit --to 1 --text x --vp 1h
usage "sms-submit --mr 256" sms-submit --to 1 --text x --mr 256
usage "sms-submit stray argument" sms-submit --to 1 --text x extra
usage "sms-deliver without --from" sms-deliver --text x
usage "sms-deliver --srr" sms-deliver --from 1 --text x --srr
usage "gsm7 without subcommand" gsm7
usage "gsm7 unknown subcommand" gsm7 pack abc
usage "gsm7 encode --fill 7" gsm7 encode --fill 7 abc
usage "gsm7 decode --septets x" gsm7 decode --septets x 00
usage "gsm7 decode --count" gsm7 decode --count 00
usage "gsm7 encode two texts" gsm7 encode a b

# ---- 5. help and version.
run --help
[ $rc -eq 0 ] && grep -q '^usage: stkauth-pdu COMMAND' "$tmp/out" &&
    grep -q '^  decode ' "$tmp/out" && grep -q '^  sms-submit ' "$tmp/out"
ok $? "--help lists the commands (exit 0)"
for c in decode sms-submit sms-deliver gsm7; do
	run $c --help
	[ $rc -eq 0 ] && grep -q "^usage: stkauth-pdu $c" "$tmp/out"
	ok $? "$c --help (exit 0)"
done
run decode --help
grep -q '^  sms-status-report ' "$tmp/out" && grep -q '^  sms-command ' "$tmp/out"
ok $? "decode --help lists the --as types"
run --version
[ $rc -eq 0 ] && grep -qE '^stkauth-pdu [0-9]+\.[0-9]+' "$tmp/out"
ok $? "--version (exit 0)"

tap_end

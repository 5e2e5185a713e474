#!/bin/bash
# test_tshark_tpdu.sh - cross-check our TPDU vectors and encoder against an
# independent decoder: Wireshark's gsm_sms dissector (tshark).
#
# Part 1: every TPDU of tests/vectors/sms/tpdu.txt (which test_tpdu proves
#   our decoder decodes to the listed fields) is fed to tshark, and the
#   fields tshark shows (TP-MTI, address digits, TP-PID, TP-DCS, TP-MR,
#   TP-FCS, text, UDH IEIs, SCTS year and zone, 8-bit body) must equal the
#   vector's.
# Part 2: TPDUs built by build/bin/stkauth-pdu (our encoder) from options
#   are decoded by tshark and compared with the options.
#
# text2pcap's direction prefix selects the MTI meaning: 'I' = MS->SC,
# 'O' = SC->MS.  DLT 147 (USER0) is mapped to gsm_sms.  Prints TAP.
set -u
cd "$(dirname "$0")/../.." || exit 1

VEC=tests/vectors/sms/tpdu.txt
CLI=build/bin/stkauth-pdu
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }

if ! command -v tshark >/dev/null || ! command -v text2pcap >/dev/null; then
	echo "1..0 # SKIP tshark/text2pcap not installed"
	exit 0
fi

FIELDS=(gsm_sms.tp-mti gsm_sms.tp-oa gsm_sms.tp-da gsm_sms.tp-ra
	gsm_sms.tp-pid gsm_sms.tp-dcs gsm_sms.tp-mr gsm_sms.tp-fcs
	gsm_sms.sms_text gsm_sms.ie_identifier gsm_sms.scts.year
	gsm_sms.scts.timezone gsm_sms.sms_body)

# tshark_fields IN.txt: one '|'-separated line per packet, fields as above.
tshark_fields() {
	local args=()
	for f in "${FIELDS[@]}"; do args+=(-e "$f"); done
	text2pcap -q -D -l 147 "$1" "$TMP/p.pcap" || return 1
	tshark -o 'uat:user_dlts:"User 0 (DLT=147)","gsm_sms","0","","0",""' \
	    -o gsm_sms.reassemble:FALSE -r "$TMP/p.pcap" -T fields \
	    -E separator='|' -E occurrence=a "${args[@]}" 2>/dev/null
}

# hex -> text2pcap packet line with direction prefix
packet_line() {
	local dir=$1 hex=$2
	printf '%s 000000' "$dir"
	sed 's/../ &/g' <<<"$hex"
}

mti_of() {
	case $1 in
	SMS-DELIVER|SMS-DELIVER-REPORT) echo 0 ;;
	SMS-SUBMIT|SMS-SUBMIT-REPORT) echo 1 ;;
	*) echo 2 ;;
	esac
}

# compare NAME WHAT WANT GOT
cmp_field() {
	if [ "$3" == "$4" ]; then
		return 0
	fi
	echo "# $1: $2: vector says '$3', tshark says '$4'"
	return 1
}

# ---- Part 1: the vector file ----
# awk flattens each case to US-separated (\037) name, dir, pdu, type, addr, pid,
# dcs, mr, fcs, text, udh, scts, body ('~' marks an absent key; pdu is
# "sca:HEX" for a sca-pdu).
awk '
function flush() {
	if (name == "") return
	printf "%s\037%s\037%s\037%s\037%s\037%s\037%s\037%s\037%s\037%s\037%s\037%s\037%s\037%s\n", name,
	    v["dir"], ("pdu" in has) ? v["pdu"] : "sca:" v["sca-pdu"], v["type"], g("addr"), g("pid"), g("dcs"), g("mr"),
	    g("fcs"), g("text"), g("udh"), g("scts"), g("body"), g("rp-error")
	name = ""; split("", v); split("", has)
}
function g(k) { return (k in has) ? v[k] : "~" }
/^#/ { next }
/^[ \t]*$/ { flush(); next }
/^[ \t]/ { sub(/^[ \t]+/, ""); v[last] = v[last] " " $0; next }
{
	k = $0; sub(/:.*/, "", k); val = $0; sub(/^[^:]*:[ \t]*/, "", val)
	sub(/[ \t]+$/, "", val)
	v[k] = val; has[k] = 1; last = k
	if (k == "name") name = val
}
END { flush() }' "$VEC" > "$TMP/cases.tsv"

# TPDU hex of each case: sca-pdu loses its SC address (length in octets).
: > "$TMP/in1.txt"
: > "$TMP/cases2.tsv"
US=$'\037'
while IFS=$US read -r name dir hex type addr pid dcs mr fcs text udh scts body rperr; do
	if [ "${hex:0:4}" == "sca:" ]; then
		hex=${hex:4}
		l=$((16#${hex:0:2}))
		hex=${hex:$((2 * (l + 1)))}
	fi
	d=O
	[ "$dir" == "mo" ] && d=I
	packet_line "$d" "$hex" >> "$TMP/in1.txt"
	printf "%s$US%s$US%s$US%s$US%s$US%s$US%s$US%s$US%s$US%s$US%s$US%s\n" "$name" \
	    "$type" "$addr" "$pid" "$dcs" "$mr" "$fcs" "$text" "$udh" "$scts" \
	    "$body" "$hex" >> "$TMP/cases2.tsv"
done < "$TMP/cases.tsv"

tshark_fields "$TMP/in1.txt" > "$TMP/out1.txt"
ncases=$(wc -l < "$TMP/cases2.tsv")
nout=$(wc -l < "$TMP/out1.txt")
if [ "$ncases" -ge 35 ] && [ "$ncases" -eq "$nout" ]; then
	ok "tshark decoded all $ncases vector TPDUs"
else
	notok "tshark decoded $nout of $ncases vector TPDUs"
fi

lower() { tr 'A-F' 'a-f' <<<"$1"; }

paste -d $'\x01' "$TMP/cases2.tsv" "$TMP/out1.txt" > "$TMP/joined.txt"
while IFS=$'\x01' read -r ours theirs; do
	IFS=$US read -r name type addr pid dcs mr fcs text udh scts body hex <<<"$ours"
	IFS='|' read -r t_mti t_oa t_da t_ra t_pid t_dcs t_mr t_fcs t_text t_iei \
	    t_year t_tz t_body <<<"$theirs"
	good=0
	cmp_field "$name" TP-MTI "$(mti_of "$type")" "$t_mti" || good=1
	if [ "$addr" != "~" ]; then
		t_addr=$t_oa$t_da$t_ra
		cmp_field "$name" address "${addr#+}" "$t_addr" || good=1
	fi
	[ "$pid" != "~" ] && { cmp_field "$name" TP-PID "$((16#$pid))" "$t_pid" || good=1; }
	[ "$dcs" != "~" ] && { cmp_field "$name" TP-DCS "$((16#$dcs))" "$t_dcs" || good=1; }
	[ "$mr" != "~" ] && { cmp_field "$name" TP-MR "$((16#$mr))" "$t_mr" || good=1; }
	[ "$fcs" != "~" ] && { cmp_field "$name" TP-FCS "0x$(lower "$fcs")" "$t_fcs" || good=1; }
	if [ "$text" != "~" ] && [ -n "$text" ]; then
		# vector values are trimmed; tshark keeps trailing blanks
		t_text_trim=$(sed 's/[ ]*$//' <<<"$t_text")
		cmp_field "$name" text "$text" "$t_text_trim" || good=1
	fi
	if [ "$udh" != "~" ] && [ -n "$udh" ]; then
		# the IEIs of our raw header, walked here in shell
		ieis=""
		h=${udh:2}
		while [ -n "$h" ]; do
			ieis="$ieis,0x$(lower "${h:0:2}")"
			l=$((16#${h:2:2}))
			h=${h:$((4 + 2 * l))}
		done
		cmp_field "$name" "UDH IEIs" "${ieis#,}" "$t_iei" || good=1
	fi
	if [ "$scts" != "~" ]; then
		y=${scts:2:2}
		cmp_field "$name" "SCTS year" "$((10#$y))" "${t_year%%,*}" || good=1
		tz=${scts:19:6}
		q=$(( (10#${tz:1:2} * 60 + 10#${tz:4:2}) / 15 ))
		# tshark shows the quarter count (negative zones too, signed)
		[ "${tz:0:1}" == "-" ] && q=-$q
		cmp_field "$name" "SCTS zone" "$q" "${t_tz%%,*}" || good=1
	fi
	if [ "$body" != "~" ] && [ -n "$body" ] && [ -n "$t_body" ]; then
		cmp_field "$name" "8-bit body" "$(lower "$body")" "$t_body" || good=1
	fi
	if [ $good -eq 0 ]; then
		ok "vector $name agrees with tshark"
	else
		notok "vector $name agrees with tshark"
	fi
done < "$TMP/joined.txt"

# ---- Part 2: our encoder through the CLI ----
if [ ! -x "$CLI" ]; then
	echo "# $CLI not built: encoder cross-check skipped"
	echo "1..$n"
	exit $failed
fi

# Each case: direction, expected fields (mti|addr|pid|dcs|text|ieis), args.
CLI_CASES=(
	"I|1|4912345678|0|0|hello||sms-submit --to +4912345678 --text hello"
	"I|1|4912345678|0|8|Привет||sms-submit --to +4912345678 --text Привет"
	"I|1|4912345678|127|246||0x70|sms-submit --to +4912345678 --pid 7F --dcs F6 --udh 027000 --ud 0102030405"
	"I|1|15125551234|0|0|hellohello||sms-submit --to +15125551234 --srr --vp 1440 --text hellohello"
	"I|1|12345|0|0|Euro € [x]|0x00|sms-submit --to 12345 --udh 050003AB0201 --text Euro\ €\ [x]"
	"O|0|4912345678|127|246||0x70|sms-deliver --from +4912345678 --pid 7F --dcs F6 --udh 027000 --ud 00151606012525B00010000000000001"
	"O|0|stkauth|0|0|Login code 1234||sms-deliver --from stkauth --scts 2026-11-23T18:43:35+01:00 --text Login\ code\ 1234"
	"O|0|4912345678|0|8|日本||sms-deliver --from +4912345678 --text 日本"
)
: > "$TMP/in2.txt"
i=0
for c in "${CLI_CASES[@]}"; do
	IFS='|' read -r d _ <<<"$c"
	args=${c##*|}
	# the options are shell words (escaped blanks): let bash split them
	eval "set -- $args"
	if hex=$("$CLI" "$@" 2>"$TMP/err"); then
		packet_line "$d" "$hex" >> "$TMP/in2.txt"
	else
		notok "stkauth-pdu $args: $(cat "$TMP/err")"
		packet_line "$d" "00" >> "$TMP/in2.txt"
	fi
	i=$((i + 1))
done
tshark_fields "$TMP/in2.txt" > "$TMP/out2.txt"
i=0
while IFS= read -r theirs; do
	c=${CLI_CASES[$i]}
	IFS='|' read -r _ w_mti w_addr w_pid w_dcs w_text w_iei args <<<"$c"
	IFS='|' read -r t_mti t_oa t_da t_ra t_pid t_dcs t_mr t_fcs t_text t_iei \
	    t_year t_tz t_body <<<"$theirs"
	good=0
	cmp_field "cli $i" TP-MTI "$w_mti" "$t_mti" || good=1
	cmp_field "cli $i" address "$w_addr" "$t_oa$t_da$t_ra" || good=1
	cmp_field "cli $i" TP-PID "$w_pid" "$t_pid" || good=1
	cmp_field "cli $i" TP-DCS "$w_dcs" "$t_dcs" || good=1
	cmp_field "cli $i" text "$w_text" "$t_text" || good=1
	cmp_field "cli $i" "UDH IEIs" "$w_iei" "$t_iei" || good=1
	if [ $good -eq 0 ]; then
		ok "tshark decodes stkauth-pdu $args as built"
	else
		notok "tshark decodes stkauth-pdu $args as built"
	fi
	i=$((i + 1))
done < "$TMP/out2.txt"
[ "$i" -eq "${#CLI_CASES[@]}" ] || notok "tshark decoded $i of ${#CLI_CASES[@]} CLI TPDUs"

echo "1..$n"
exit $failed

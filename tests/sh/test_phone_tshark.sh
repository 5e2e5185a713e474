#!/bin/bash
# test_phone_tshark.sh - the self-computed vectors of stkauth-phone read by
# an independent decoder, Wireshark (tshark):
#   tests/vectors/phone/popup.txt  TERMINAL RESPONSEs -> etsi_cat dissector:
#       command details echo the command, devices terminal -> UICC, the
#       result the answer means, the item identifier, the text entered;
#   tests/vectors/phone/smspp.txt  SMS-DELIVER-REPORTs -> gsm_sms dissector
#       (direction MS -> SC): TP-MTI, TP-FCS in the RP-ERROR form only,
#       TP-PID / TP-DCS of the original, TP-UDHI with IEI 71, TP-UDL.
# The unit tests prove the phone produces exactly these bytes; this proves
# the bytes mean what the vectors claim.  Run from the repository root.
# Prints TAP.
set -u

if ! command -v tshark >/dev/null || ! command -v text2pcap >/dev/null; then
	echo "1..0 # SKIP tshark/text2pcap not installed"
	exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
failed=0
ok()    { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; failed=1; }

# vec FILE: one line per case, "key=value" fields separated by TAB,
# continuation lines joined, '#' comment lines dropped.
vec() {
	awk '
		/^#/ { next }
		/^[ \t]*$/ { if (rec != "") print rec; rec = ""; last = ""; next }
		/^[ \t]/ { sub(/^[ \t]+/, ""); rec = rec " " $0; next }
		{ k = $0; sub(/:.*/, "", k); v = $0; sub(/^[^:]*:[ ]?/, "", v)
		  rec = rec (rec == "" ? "" : "\t") k "=" v }
		END { if (rec != "") print rec }' "$1"
}
field() {	# field RECORD KEY
	printf '%s\n' "$1" | tr '\t' '\n' | sed -n "s/^$2=//p" | head -n 1
}
spaced() { tr -d ' ' <<<"$1" | sed 's/../& /g'; }

# ---- TERMINAL RESPONSEs ---------------------------------------------------
mapfile -t TR < <(vec tests/vectors/phone/popup.txt | grep -P '\ttr=')
for rec in "${TR[@]}"; do
	printf '0000 %s\n' "$(spaced "$(field "$rec" tr)")"
done >"$TMP/tr.txt"
text2pcap -q -l 147 "$TMP/tr.txt" "$TMP/tr.pcap" >/dev/null 2>&1
CAT='uat:user_dlts:"User 0 (DLT=147)","etsi_cat","0","","0",""'
tshark -r "$TMP/tr.pcap" -o "$CAT" -T fields -E separator='|' \
    -E occurrence=f -e etsi_cat.comp_tlv.cmd_type \
    -e etsi_cat.comp_tlv.cmd_qual -e etsi_cat.comp_tlv.src_dev \
    -e etsi_cat.comp_tlv.dst_dev -e etsi_cat.comp_tlv.result \
    -e etsi_cat.comp_tlv.text 2>/dev/null >"$TMP/tr.fields"
tshark -r "$TMP/tr.pcap" -o "$CAT" -O etsi_cat 2>/dev/null |
    awk -v dir="$TMP" '/^Frame [0-9]+:/ { k++ } { print > (dir "/tree." k) }'

SM=$(vec tests/vectors/phone/smspp.txt | grep -P '\treport=[0-9A-F]')
mapfile -t REP <<<"$SM"
echo "1..$(( ${#TR[@]} + ${#REP[@]} ))"

i=0
for rec in "${TR[@]}"; do
	i=$((i + 1))
	name=$(field "$rec" name)
	cmd=$(field "$rec" cmd | tr -d ' ')
	answer=$(field "$rec" answer)
	IFS='|' read -r g_type g_qual g_src g_dst g_res g_text \
	    <<<"$(sed -n "${i}p" "$TMP/tr.fields")"
	g_item=$(sed -n 's/^ *Item identifier: //p' "$TMP/tree.$i" 2>/dev/null)
	# command details of the command: 81 03 NN TT QQ
	[[ "$cmd" =~ 8103(..)(..)(..) ]]
	w_type="0x${BASH_REMATCH[2],,}" w_qual="0x${BASH_REMATCH[3],,}"
	w_item= w_text=
	case "$answer" in
	confirm) w_res=0x00 ;;
	reject) w_res=0x10 ;;
	back) w_res=0x11 ;;
	ignore|timeout) w_res=0x12 ;;
	help) w_res=0x13 ;;
	item\ *) w_res=0x00; w_item=$(printf '%02x' "${answer#item }") ;;
	input*) w_res=0x00; w_text=${answer#input}; w_text=${w_text# } ;;
	esac
	# what confirm selects / enters (the vector says it in its TR)
	if [ "$answer" = confirm ] || [ "$answer" = help ]; then
		w_item=${g_item,,}
		[[ "$(field "$rec" tr)" =~ 8D..04(.*)$ ]] && w_text=$(printf "$(sed 's/../\\x&/g' <<<"${BASH_REMATCH[1]}")")
	fi
	why=
	[ "$g_type" = "$w_type" ] || why+=" type $g_type"
	[ "$g_qual" = "$w_qual" ] || why+=" qualifier $g_qual"
	[ "$g_src" = 0x82 ] && [ "$g_dst" = 0x81 ] || why+=" devices $g_src/$g_dst"
	[ "$g_res" = "$w_res" ] || why+=" result $g_res (want $w_res)"
	[ "${g_item,,}" = "$w_item" ] || why+=" item '$g_item' (want '$w_item')"
	[ "$g_text" = "$w_text" ] || why+=" text '$g_text' (want '$w_text')"
	if [ -z "$why" ]; then
		ok "etsi_cat reads TR $name as $answer"
	else
		notok "etsi_cat reads TR $name:$why"
	fi
done

# ---- SMS-DELIVER-REPORTs ----------------------------------------------------
for rec in "${REP[@]}"; do
	printf 'I 000000 %s\n' "$(spaced "$(field "$rec" report)")"
done >"$TMP/rep.txt"
text2pcap -q -D -l 147 "$TMP/rep.txt" "$TMP/rep.pcap" >/dev/null 2>&1
tshark -o 'uat:user_dlts:"User 0 (DLT=147)","gsm_sms","0","","0",""' \
    -o gsm_sms.reassemble:FALSE -r "$TMP/rep.pcap" -T fields \
    -E separator='|' -E occurrence=f -e gsm_sms.tp-mti -e gsm_sms.tp-udhi \
    -e gsm_sms.tp-fcs -e gsm_sms.tp-pid -e gsm_sms.tp-dcs \
    -e gsm_sms.tp.user_data_length -e gsm_sms.ie_identifier \
    2>/dev/null >"$TMP/rep.fields"
i=0
for rec in "${REP[@]}"; do
	i=$((i + 1))
	name=$(field "$rec" name)
	data=$(field "$rec" data | tr -d ' ')
	IFS='|' read -r g_mti g_udhi g_fcs g_pid g_dcs g_udl g_iei \
	    <<<"$(sed -n "${i}p" "$TMP/rep.fields")"
	why=
	[ "$g_mti" = 0 ] || why+=" TP-MTI $g_mti"
	if [ "$(field "$rec" ack)" = yes ]; then
		[ -z "$g_fcs" ] || why+=" TP-FCS $g_fcs in an RP-ACK report"
	else
		sw=$(field "$rec" sw)
		w_fcs=0xd5; [ "$sw" = 9300 ] && w_fcs=0xd4
		[ "$g_fcs" = "$w_fcs" ] || why+=" TP-FCS '$g_fcs' (want $w_fcs)"
	fi
	report=$(field "$rec" report)
	if [ -n "$data" ] && [ $(( ${#report} )) -gt 8 ]; then
		[ "$g_pid" = 127 ] || why+=" TP-PID $g_pid"
		[ "$g_dcs" = 246 ] || why+=" TP-DCS $g_dcs"
		[ "$g_udl" = $(( ${#data} / 2 )) ] || why+=" TP-UDL $g_udl"
		if [[ "$data" == 027100* ]]; then
			[ "$g_udhi" = 1 ] && [ "$g_iei" = 0x71 ] ||
			    why+=" UDHI $g_udhi IEI $g_iei"
		else
			[ "$g_udhi" = 0 ] || why+=" UDHI $g_udhi"
		fi
	fi
	if [ -z "$why" ]; then
		ok "gsm_sms reads report $name"
	else
		notok "gsm_sms reads report $name:$why"
	fi
done
exit $failed

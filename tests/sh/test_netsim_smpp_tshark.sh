#!/bin/bash
# test_netsim_smpp_tshark.sh - cross-check the netsim SMSC's SMPP vectors
# and encoders against an independent decoder: Wireshark (tshark).
#
# Part 1: every submit_sm of tests/vectors/smpp/submit_sm.txt must decode
#   in Wireshark's SMPP dissector as a submit_sm of its length; for the
#   accepted ones, the SMS-SUBMIT the vector says we build must decode in
#   its gsm_sms dissector with TP-DA = destination_addr, TP-PID =
#   protocol_id and, where the vector has one, the text.
# Part 2: the PDUs the SMSC packs (build/tests/helpers/smpp_pack) must
#   decode with the command, status, sequence and fields we meant.
# Prints TAP.
set -u
cd "$(dirname "$0")/../.." || exit 1

VEC=tests/vectors/smpp/submit_sm.txt
PACK=build/tests/helpers/smpp_pack
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }
check() { # check DESCRIPTION GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else notok "$1: got '$2', want '$3'"; fi
}

if ! command -v tshark >/dev/null || ! command -v text2pcap >/dev/null; then
	echo "1..0 # SKIP tshark/text2pcap not installed"
	exit 0
fi
if [ ! -x "$PACK" ]; then
	echo "1..0 # SKIP $PACK not built (make tests)"
	exit 0
fi

# tshark_fields DISSECTOR IN.txt FIELD...: one '|'-separated line per packet.
tshark_fields() {
	local dis=$1 in=$2 args=()
	shift 2
	for f in "$@"; do args+=(-e "$f"); done
	text2pcap -q -D -l 147 "$in" "$TMP/p.pcap" 2>/dev/null || return 1
	tshark -o "uat:user_dlts:\"User 0 (DLT=147)\",\"$dis\",\"0\",\"\",\"0\",\"\"" \
	    -o gsm_sms.reassemble:FALSE -r "$TMP/p.pcap" -T fields \
	    -E separator='|' -E occurrence=a "${args[@]}" 2>/dev/null |
	    grep -v '^-*$'
}

# hex -> text2pcap line; DIR I = towards the SMSC / MS->SC.
packet_line() {
	printf '%s 000000' "$1"
	sed 's/../ &/g' <<<"$2"
}

# The vector file as "name|pdu|status|tpdu|text" records.
awk '
function flush() {
	if (name != "") print name "|" pdu "|" status "|" tpdu "|" text
	name = pdu = status = tpdu = text = ""; key = ""
}
/^#/ { next }
/^[ \t]*$/ { flush(); next }
/^[ \t]/ { v = $0; gsub(/[ \t]/, "", v); if (key == "pdu") pdu = pdu v
	else if (key == "tpdu") tpdu = tpdu v; next }
{
	key = $0; sub(/:.*/, "", key); v = $0; sub(/^[^:]*: ?/, "", v)
	if (key == "name") name = v; else if (key == "pdu") pdu = v
	else if (key == "status") status = v; else if (key == "tpdu") tpdu = v
	else if (key == "text") text = v
}
END { flush() }' "$VEC" >"$TMP/cases"

# Part 1a: all PDUs through the SMPP dissector.
: >"$TMP/pdus.txt"
while IFS='|' read -r name pdu status tpdu text; do
	packet_line I "$pdu" >>"$TMP/pdus.txt"
done <"$TMP/cases"
tshark_fields smpp "$TMP/pdus.txt" smpp.command_id smpp.command_length \
    smpp.destination_addr smpp.protocol_id >"$TMP/pdus.out"
i=0
while IFS='|' read -r name pdu status tpdu text; do
	i=$((i + 1))
	line=$(sed -n "${i}p" "$TMP/pdus.out")
	IFS='|' read -r cid clen dst pid <<<"$line"
	len=$(( ${#pdu} / 2 ))
	case $name in
	bad_addr_long|bad_tlv_half|bad_tlv_trunc|trailing_after_tlv|bad_sm_len)
		# Malformed on purpose: Wireshark must still see submit_sm.
		check "$name: tshark sees a submit_sm" "$cid" "0x00000004"
		continue ;;
	esac
	check "$name: tshark decodes a submit_sm of $len octets" \
	    "$cid|$clen" "0x00000004|$len"
	if [ "$status" = ESME_ROK ]; then
		echo "$name|${dst#+}|$pid|$tpdu|$text" >>"$TMP/accepted"
	fi
done <"$TMP/cases"

# Part 1b: the SMS-SUBMITs through gsm_sms (direction I = MS->SC).
: >"$TMP/tpdus.txt"
while IFS='|' read -r name dst pid tpdu text; do
	packet_line I "$tpdu" >>"$TMP/tpdus.txt"
done <"$TMP/accepted"
tshark_fields gsm_sms "$TMP/tpdus.txt" gsm_sms.tp-mti gsm_sms.tp-da \
    gsm_sms.tp-pid gsm_sms.sms_text >"$TMP/tpdus.out"
i=0
while IFS='|' read -r name dst pid tpdu text; do
	i=$((i + 1))
	line=$(sed -n "${i}p" "$TMP/tpdus.out")
	IFS='|' read -r mti da tpid ttext <<<"$line"
	check "$name: SMS-SUBMIT with TP-DA $dst, TP-PID $pid" \
	    "$mti|$da|$((tpid))" "1|$dst|$((pid))"
	if [ -n "$text" ]; then
		check "$name: tshark reads the text '$text'" "$ttext" "$text"
	fi
done <"$TMP/accepted"

# Part 2: what the SMSC packs.
"$PACK" >"$TMP/packed" || notok "smpp_pack ran"
: >"$TMP/out.txt"
while read -r name hex; do
	packet_line O "$hex" >>"$TMP/out.txt"
done <"$TMP/packed"
tshark_fields smpp "$TMP/out.txt" smpp.command_id smpp.command_status \
    smpp.sequence_number smpp.system_id smpp.message_id \
    smpp.esm.submit.msg_type smpp.esm.submit.features \
    smpp.receipted_message_id smpp.message_state smpp.source_addr \
    smpp.destination_addr smpp.data_coding smpp.protocol_id smpp.message \
    gsm_sms.ie_identifier >"$TMP/out.out"
want=(
	"0x80000009|0x00000000|1|netsim|||||||||||"
	"0x80000001|0x0000000e|2||||||||||||"
	"0x80000004|0x00000000|3||4711||||||||||"
	"0x80000004|0x00000058|4||||||||||||"
	"0x80000000|0x00000002|5||||||||||||"
	"0x00000015||6||||||||||||"
)
i=0
while read -r name hex; do
	line=$(sed -n "$((i + 1))p" "$TMP/out.out")
	case $name in
	deliver_sm_receipt)
		IFS='|' read -r cid st seq sid mid mtype feat rid mstate src dst \
		    dc pid msg iei <<<"$line"
		check "$name: deliver_sm, receipt type, receipted_message_id, state" \
		    "$cid|$seq|$mtype|$rid|$mstate|$src|$dst" \
		    "0x00000005|7|0x01|4711|2|491700000001|4912345"
		text=$(xxd -r -p <<<"$msg" 2>/dev/null || printf '%b' \
		    "$(sed 's/../\\x&/g' <<<"$msg")")
		check "$name: the Appendix B text" "$text" \
		    "id:4711 sub:001 dlvrd:001 submit date:2611231943 done date:2611231945 stat:DELIVRD err:000 text:Hello phone"
		;;
	deliver_sm_mo)
		IFS='|' read -r cid st seq sid mid mtype feat rid mstate src dst \
		    dc pid msg iei <<<"$line"
		check "$name: deliver_sm with UDHI, PID 7F, DCS F6, concat IEI 00" \
		    "$cid|$seq|$feat|$dc|$pid|$msg|$iei" \
		    "0x00000005|8|0x01|0xf6|0x7f|0500032a0201010203|0x00"
		;;
	*)
		check "$name: command, status, sequence, system_id, message_id" \
		    "$line" "${want[$i]}"
		;;
	esac
	i=$((i + 1))
done <"$TMP/packed"

echo "1..$n"
exit "$failed"

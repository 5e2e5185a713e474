#!/bin/bash
# test_card_tshark.sh - the proactive commands the virtual card sends,
# decoded by an independent decoder: Wireshark's etsi_cat dissector
# (TS 102 223) for the commands and gsm_sms (TS 23.040) for the SMS-SUBMIT
# TPDUs inside SEND SHORT MESSAGE.
#
# The bytes are what the card produced: build/tests/test_card_applet runs
# the whole applet (pop-ups, PIN entry, PROVIDE LOCAL INFORMATION, the
# concatenated auth responses) and, with STKAUTH_CARD_DUMP set, writes
# every FETCHed command (tests/unit/card_harness.h h_dump).  etsi_cat gets
# the BER-TLV's value (D0 and length stripped, as the gsm_sim dissector
# does) through user DLT 147; gsm_sms gets each TPDU with text2pcap's
# direction prefix 'I' (MS -> SC), which selects the SMS-SUBMIT meaning of
# TP-MTI 01.
#
# Checks, per command: the command type and qualifier, the device
# identities (UICC -> display for DISPLAY TEXT, -> network for SEND SHORT
# MESSAGE, -> terminal otherwise), no malformed-packet mark; SELECT ITEM:
# items 1 Confirm / 2 Reject and the ticket in the title; GET INPUT: the
# hidden-input qualifier bit; SEND SHORT MESSAGE: an SMS-SUBMIT to
# +491710000001 with TP-PID 00, TP-DCS 04 and a concatenation IE (the
# first segment also IEI 70), as docs/PROTOCOL.md §1 says.
# Run from the repository root; prints TAP.
set -u

bin=build/tests/test_card_applet
cat_dlt='uat:user_dlts:"User 0 (DLT=147)","etsi_cat","0","","0",""'
sms_dlt='uat:user_dlts:"User 0 (DLT=147)","gsm_sms","0","","0",""'

if ! command -v tshark >/dev/null || ! command -v text2pcap >/dev/null; then
	echo "1..0 # SKIP tshark/text2pcap not installed"
	exit 0
fi
if [ ! -x "$bin" ]; then
	echo "1..1"
	echo "not ok 1 - $bin not built (make tests)"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! STKAUTH_CARD_DUMP="$tmp/dump.tsv" "$bin" >"$tmp/unit.out" 2>&1; then
	echo "1..1"
	echo "not ok 1 - $bin failed; see its output"
	sed 's/^/# /' "$tmp/unit.out"
	exit 0
fi

field() {
	printf '%s\n' "$1" | tr '\t' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# Commands: BER value as one text2pcap packet each.
while IFS= read -r rec; do
	c=$(field "$rec" cmd)
	case $c in
	D081*) c=${c:6} ;;
	*) c=${c:4} ;;
	esac
	printf '0000 %s\n' "$(printf '%s' "$c" | sed 's/../& /g')"
done <"$tmp/dump.tsv" >"$tmp/cmd.txt"
text2pcap -q -l 147 "$tmp/cmd.txt" "$tmp/cmd.pcap" >/dev/null 2>&1 || {
	echo "1..1"; echo "not ok 1 - text2pcap failed"; exit 0; }
tshark -r "$tmp/cmd.pcap" -o "$cat_dlt" -T fields -E separator=';' \
    -E occurrence=a -E aggregator='|' \
    -e etsi_cat.comp_tlv.cmd_type -e etsi_cat.comp_tlv.cmd_qual \
    -e etsi_cat.comp_tlv.src_dev -e etsi_cat.comp_tlv.dst_dev \
    -e etsi_cat.comp_tlv.alpha_id.string -e etsi_cat.comp_tlv.item.id \
    -e etsi_cat.comp_tlv.item.string -e _ws.malformed \
    2>/dev/null >"$tmp/cmd.out"

# TPDUs of SEND SHORT MESSAGE, direction MS -> SC.
while IFS= read -r rec; do
	t=$(field "$rec" tpdu)
	[ -n "$t" ] || continue
	printf 'I 000000%s\n' "$(printf '%s' "$t" | sed 's/../ &/g')"
done <"$tmp/dump.tsv" >"$tmp/sms.txt"
text2pcap -q -D -l 147 "$tmp/sms.txt" "$tmp/sms.pcap" >/dev/null 2>&1 || {
	echo "1..1"; echo "not ok 1 - text2pcap failed (sms)"; exit 0; }
tshark -r "$tmp/sms.pcap" -o "$sms_dlt" -o gsm_sms.reassemble:FALSE \
    -T fields -E separator=';' -E occurrence=a -E aggregator='|' \
    -e gsm_sms.tp-mti -e gsm_sms.tp-da -e gsm_sms.tp-pid -e gsm_sms.tp-dcs \
    -e gsm_sms.ie_identifier -e _ws.malformed \
    2>/dev/null >"$tmp/sms.out"

ncmd=$(wc -l <"$tmp/dump.tsv")
nsms=$(wc -l <"$tmp/sms.txt")
echo "1..$((ncmd + nsms + 2))"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }

if [ "$(wc -l <"$tmp/cmd.out")" -eq "$ncmd" ]; then
	ok "etsi_cat decoded all $ncmd commands"
else
	nok "etsi_cat decoded $(wc -l <"$tmp/cmd.out") of $ncmd commands"
fi
if [ "$(wc -l <"$tmp/sms.out")" -eq "$nsms" ]; then
	ok "gsm_sms decoded all $nsms SMS-SUBMITs"
else
	nok "gsm_sms decoded $(wc -l <"$tmp/sms.out") of $nsms TPDUs"
fi

i=0
while IFS= read -r rec; do
	i=$((i + 1))
	type=$(field "$rec" type)
	IFS=';' read -r ctype cqual src dst alpha ids items malformed \
	    < <(sed -n "${i}p" "$tmp/cmd.out")
	want_dst=0x82
	case $type in
	13) want_dst=0x83 ;;
	21) want_dst=0x02 ;;
	esac
	why=""
	[ "$ctype" = "0x$(echo "$type" | tr 'A-F' 'a-f')" ] || why="type $ctype"
	[ "$src" = 0x81 ] || why="$why source $src"
	[ "$dst" = "$want_dst" ] || why="$why destination $dst"
	[ -z "${malformed:-}" ] || why="$why malformed"
	case $type in
	24)
		[ "$ids" = "1|2" ] && [ "$items" = "Confirm|Reject" ] ||
		    why="$why items $ids $items"
		case $alpha in *"Ticket: "*) ;; *) why="$why title $alpha" ;; esac
		;;
	23)
		[ $(( cqual & 0x04 )) -ne 0 ] || why="$why qualifier $cqual"
		;;
	esac
	if [ -z "$why" ]; then
		ok "command $i: type $type decoded as ours"
	else
		nok "command $i: type $type:$why" "$rec"
	fi
done <"$tmp/dump.tsv"

i=0
while IFS=';' read -r mti da pid dcs ieis malformed; do
	i=$((i + 1))
	why=""
	[ "$mti" = 1 ] || why="TP-MTI $mti"
	[ "$da" = 491710000001 ] || why="$why TP-DA $da"
	[ "$pid" = 0 ] || why="$why TP-PID $pid"
	[ "$dcs" = 4 ] || why="$why TP-DCS $dcs"
	case $ieis in
	0x00|0x00\|0x70|0x70) ;;
	*) why="$why IEIs $ieis" ;;
	esac
	[ -z "${malformed:-}" ] || why="$why malformed"
	if [ -z "$why" ]; then
		ok "SMS-SUBMIT $i: to +491710000001, PID 00, DCS 04, IEIs $ieis"
	else
		nok "SMS-SUBMIT $i:$why" "$(sed -n "${i}p" "$tmp/sms.txt" | cut -c1-120)"
	fi
done <"$tmp/sms.out"

#!/bin/bash
# test_tshark_pdu.sh - cross-check stkauth-pdu's SMS encoders against an
# independent decoder: Wireshark's gsm_sms dissector (TS 23.040), run
# through tshark.  TAP output.
#
# Each TPDU is written with text2pcap as one packet of the user link type
# DLT 147 mapped to gsm_sms, with a pcapng direction flag: 'I' (inbound)
# makes the dissector read the TPDU as sent by the MS (MTI 01 = SMS-SUBMIT),
# 'O' (outbound) as sent by the SC (MTI 00 = SMS-DELIVER).  Checked on
# tshark 4.0: the other way round, the dissector decodes the wrong TPDU.
#
# Run from the repository root.  STKAUTH_PDU overrides the binary.
set -u

. tests/helpers/testlib.sh

PDU=${STKAUTH_PDU:-build/bin/stkauth-pdu}
UAT='uat:user_dlts:"User 0 (DLT=147)","gsm_sms","0","","0",""'

tl_need tshark text2pcap
tl_built "$PDU"
tl_begin tshark-pdu

# Fields read from every packet (tshark -G fields | grep gsm_sms).
FIELDS=(gsm_sms.tp-mti gsm_sms.tp-oa gsm_sms.tp-da gsm_sms.tp-mr
	gsm_sms.dis_field_addr.num_type gsm_sms.dis_field_addr.num_plan
	gsm_sms.tp-pid gsm_sms.tp-dcs gsm_sms.tp-udhi gsm_sms.tp-srr
	gsm_sms.tp-vpf gsm_sms.tp-mms gsm_sms.sms_text gsm_sms.sms_body
	gsm_sms.ie_identifier gsm_sms.dis_field_ud_iei.length
	gsm_sms.dis_field_udh.user_data_header_length
	gsm_sms.udh.mm.msg_id gsm_sms.udh.mm.msg_parts gsm_sms.udh.mm.msg_part
	gsm_sms.destination_port gsm_sms.originator_port
	gsm_sms.tp.user_data_length
	gsm_sms.scts.year gsm_sms.scts.month gsm_sms.scts.day
	gsm_sms.scts.hour gsm_sms.scts.minutes gsm_sms.scts.seconds)

# dissect I|O HEX: decode with tshark into $tmp/fields (header line +
# values, tab separated) and $tmp/verbose (the -V tree).
dissect() {
	local dir=$1 hex=$2 e=()
	local f

	printf '%s 0000 %s\n' "$dir" "$(printf '%s' "$hex" |
	    sed 's/../& /g')" >"$tmp/p.txt"
	rm -f "$tmp/p.pcapng"
	text2pcap -q -n -D -l 147 "$tmp/p.txt" "$tmp/p.pcapng" 2>/dev/null
	for f in "${FIELDS[@]}"; do e+=(-e "$f"); done
	tshark -o "$UAT" -r "$tmp/p.pcapng" -T fields -E header=y \
	    -E separator=/t -E occurrence=a -E aggregator=, "${e[@]}" \
	    >"$tmp/fields" 2>/dev/null
	tshark -o "$UAT" -r "$tmp/p.pcapng" -V >"$tmp/verbose" 2>/dev/null
}

# get FIELD: its value(s) in the last dissected packet.
get() {
	awk -F '\t' -v name="$1" '
	    NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) col = i; next }
	    NR == 2 && col { print $col }' "$tmp/fields"
}

# expect FIELD VALUE DESCRIPTION
expect() {
	local got
	got=$(get "$1")
	[ "$got" = "$2" ]
	ok $? "$3: $1 = '$2'"
	[ "$got" = "$2" ] || echo "# got '$got'"
}

# verbose REGEX DESCRIPTION: a line of the -V tree matches.
verbose() {
	grep -qE "$1" "$tmp/verbose"
	ok $? "$2: tree shows /$1/"
}

# encode DESCRIPTION ARGS...: run stkauth-pdu, leaving the hex in $HEX.
encode() {
	local what=$1
	shift
	HEX=$("$PDU" "$@" 2>"$tmp/err")
	local rc=$?
	[ $rc -eq 0 ] && [[ $HEX =~ ^([0-9A-F]{2})+$ ]]
	ok $? "$what: stkauth-pdu $* -> upper-case hex"
}

# 1. SMS-SUBMIT, GSM 7-bit text, international number.
encode "submit 7-bit" sms-submit --to +4915112345678 --text "Hello, world!"
dissect I "$HEX"
expect gsm_sms.tp-mti 1 "submit 7-bit"
expect gsm_sms.tp-da 4915112345678 "submit 7-bit"
expect gsm_sms.dis_field_addr.num_type 1 "submit 7-bit (international)"
expect gsm_sms.dis_field_addr.num_plan 1 "submit 7-bit (E.164)"
expect gsm_sms.tp-pid 0 "submit 7-bit"
expect gsm_sms.tp-dcs 0 "submit 7-bit"
expect gsm_sms.tp.user_data_length 13 "submit 7-bit (septets)"
expect gsm_sms.sms_text "Hello, world!" "submit 7-bit"

# 2. Extension table characters (TS 23.038 §6.2.1.1): escapes count.
encode "submit 7-bit extension" sms-submit --to 12345 --text 'Cost: 10€ [x] {y} ~|^\'
dissect I "$HEX"
expect gsm_sms.tp-da 12345 "submit 7-bit extension"
expect gsm_sms.dis_field_addr.num_type 0 "submit 7-bit extension (unknown TON)"
expect gsm_sms.tp.user_data_length 31 "submit 7-bit extension (septets)"
expect gsm_sms.sms_text 'Cost: 10€ [x] {y} ~|^\' "submit 7-bit extension"

# 3. UCS-2 chosen for text outside the GSM alphabet.
encode "submit UCS-2" sms-submit --to +79161234567 --text "Привет, мир"
dissect I "$HEX"
expect gsm_sms.tp-dcs 8 "submit UCS-2"
expect gsm_sms.tp.user_data_length 22 "submit UCS-2 (octets)"
expect gsm_sms.sms_text "Привет, мир" "submit UCS-2"

# 4. SMS-PP data download: 8-bit, UDH 027000, PID 7F, DCS F6.
encode "deliver SIM download" sms-deliver --from +4915112345678 --pid 7F \
    --dcs F6 --udh 027000 --ud 0011223344556677 \
    --scts 2026-11-23T18:43:35+01:00
dissect O "$HEX"
expect gsm_sms.tp-mti 0 "deliver SIM download"
expect gsm_sms.tp-oa 4915112345678 "deliver SIM download"
expect gsm_sms.tp-pid 127 "deliver SIM download"
expect gsm_sms.tp-dcs 246 "deliver SIM download"
expect gsm_sms.tp-udhi 1 "deliver SIM download"
expect gsm_sms.dis_field_udh.user_data_header_length 2 "deliver SIM download"
expect gsm_sms.ie_identifier 0x70 "deliver SIM download"
expect gsm_sms.dis_field_ud_iei.length 0 "deliver SIM download"
expect gsm_sms.sms_body 0011223344556677 "deliver SIM download"
expect gsm_sms.tp.user_data_length 11 "deliver SIM download (octets)"
verbose 'Message type: \(U\)SIM Data download' "deliver SIM download"
verbose 'Message Class: Class 2' "deliver SIM download"

# 5. The same as SMS-SUBMIT (a phone's MO secured packet).
encode "submit SIM download" sms-submit --to +4915112345678 --pid 7F \
    --dcs F6 --udh 027000 --ud CAFE
dissect I "$HEX"
expect gsm_sms.tp-pid 127 "submit SIM download"
expect gsm_sms.tp-dcs 246 "submit SIM download"
expect gsm_sms.ie_identifier 0x70 "submit SIM download"
expect gsm_sms.sms_body cafe "submit SIM download"

# 6. SCTS with a time zone (TS 23.040 §9.2.3.11).
encode "deliver SCTS" sms-deliver --from 5551234 --text hi \
    --scts 2026-02-28T23:59:58-02:30
dissect O "$HEX"
expect gsm_sms.scts.year 26 "deliver SCTS"
expect gsm_sms.scts.month 2 "deliver SCTS"
expect gsm_sms.scts.day 28 "deliver SCTS"
expect gsm_sms.scts.hour 23 "deliver SCTS"
expect gsm_sms.scts.minutes 59 "deliver SCTS"
expect gsm_sms.scts.seconds 58 "deliver SCTS"
verbose 'Timezone: GMT - 2 hours 30 minutes' "deliver SCTS"
expect gsm_sms.tp-mms 1 "deliver SCTS (no more messages)"

# 7. Concatenation, 8-bit reference, 7-bit text after 1 fill bit.
encode "submit concat8" sms-submit --to +4912345 --udh 050003CC0201 \
    --text "part one of two @ the end"
dissect I "$HEX"
expect gsm_sms.ie_identifier 0x00 "submit concat8"
expect gsm_sms.udh.mm.msg_id 204 "submit concat8"
expect gsm_sms.udh.mm.msg_parts 2 "submit concat8"
expect gsm_sms.udh.mm.msg_part 1 "submit concat8"
expect gsm_sms.tp.user_data_length 32 "submit concat8 (7 header septets + 25)"
expect gsm_sms.sms_text "part one of two @ the end" "submit concat8 (fill bits)"

# 8. Concatenation, 16-bit reference, UCS-2 text.
encode "deliver concat16" sms-deliver --from +4912345 \
    --udh 06080412340302 --text "второй"
dissect O "$HEX"
expect gsm_sms.ie_identifier 0x08 "deliver concat16"
expect gsm_sms.udh.mm.msg_id 4660 "deliver concat16"
expect gsm_sms.udh.mm.msg_parts 3 "deliver concat16"
expect gsm_sms.udh.mm.msg_part 2 "deliver concat16"
expect gsm_sms.tp-dcs 8 "deliver concat16"
expect gsm_sms.sms_text "второй" "deliver concat16"

# 9. Application ports (16-bit) and 7-bit text: 7 header octets, no fill.
encode "submit ports" sms-submit --to 1234 --udh 0605040B8423F0 \
    --text "port test"
dissect I "$HEX"
expect gsm_sms.ie_identifier 0x05 "submit ports"
expect gsm_sms.destination_port 2948 "submit ports"
expect gsm_sms.originator_port 9200 "submit ports"
expect gsm_sms.sms_text "port test" "submit ports"

# 10. Alphanumeric originator (TON 101, TS 23.040 §9.1.2.5).
encode "deliver alphanumeric" sms-deliver --from "MyBank" --text "code 1234"
dissect O "$HEX"
expect gsm_sms.dis_field_addr.num_type 5 "deliver alphanumeric"
expect gsm_sms.tp-oa MyBank "deliver alphanumeric"
expect gsm_sms.sms_text "code 1234" "deliver alphanumeric"

# 11. Status report request.
encode "submit SRR" sms-submit --to +4912345 --srr --mr 42 --text x
dissect I "$HEX"
expect gsm_sms.tp-srr 1 "submit SRR"
expect gsm_sms.tp-mr 42 "submit SRR"

# 12. Relative validity period (TS 23.040 §9.2.3.12.1), rounded up.
encode "submit VP 1 day" sms-submit --to +4912345 --vp 1440 --text x
dissect I "$HEX"
expect gsm_sms.tp-vpf 2 "submit VP 1 day"
verbose 'TP-Validity-Period: 24 hours 0 minutes' "submit VP 1 day"
encode "submit VP 61 min" sms-submit --to +4912345 --vp 61 --text x
dissect I "$HEX"
verbose 'TP-Validity-Period: 1 hours 5 minutes' "submit VP 61 min -> 65 min"
encode "submit VP 13 h" sms-submit --to +4912345 --vp 780 --text x
dissect I "$HEX"
verbose 'TP-Validity-Period: 13 hours 0 minutes' "submit VP 13 h"
encode "submit VP 3 days" sms-submit --to +4912345 --vp 4000 --text x
dissect I "$HEX"
verbose 'TP-Validity-Period: 3 day' "submit VP 4000 min -> 3 days"
encode "submit VP 5 weeks" sms-submit --to +4912345 --vp 50401 --text x
dissect I "$HEX"
verbose 'TP-Validity-Period: 6 week' "submit VP 5 weeks + 1 min -> 6 weeks"

# 13. A full 160-septet message.
T160=$(printf 'abcdefghij%.0s' $(seq 16))
encode "submit 160 septets" sms-submit --to 1 --text "$T160"
dissect I "$HEX"
expect gsm_sms.tp.user_data_length 160 "submit 160 septets"
expect gsm_sms.sms_text "$T160" "submit 160 septets"

tap_end

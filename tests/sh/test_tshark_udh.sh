#!/bin/bash
# test_tshark_udh.sh - cross-check lib/concat.h + lib/udh.h against an
# independent decoder: Wireshark's gsm_sms dissector (TS 23.040), fed
# through a user DLT (147).  tests/helpers/tshark_udh_gen.c (built by
# make as build/tests/helpers/tshark_udh_gen) segments payloads and prints the
# SMS-DELIVER TPDUs; tshark must see the same concatenation IEs, ports and
# reassembled message.  TAP output; run from the repository root.
set -u

GEN=build/tests/helpers/tshark_udh_gen
n=0
fail=0

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=1
	fi
}

if ! command -v tshark >/dev/null || ! command -v text2pcap >/dev/null; then
	echo "1..0 # SKIP tshark/text2pcap not installed"
	exit 0
fi
if [ ! -x "$GEN" ]; then
	echo "Bail out! $GEN not built (make tests)"
	exit 1
fi

echo "1..12"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$GEN" >"$tmp/segs.txt" 2>"$tmp/gen.err"
ok $? "generator segments and encodes"

# One pcap per case, one TPDU per frame.
pcap() {
	: >"$tmp/$1.hex"
	grep "^$1 " "$tmp/segs.txt" | while read -r _ _ hex; do
		echo "$hex" | sed 's/../& /g; s/^/000000 /' >>"$tmp/$1.hex"
	done
	text2pcap -q -l 147 "$tmp/$1.hex" "$tmp/$1.pcap" >/dev/null 2>&1
}
# dissect CASE FIELD... : one line per frame, "FRAME<TAB>FIELDS...";
# a tshark failure (unknown field, bad file) prints TSHARK-FAILED.
dissect() {
	local c=$1 f args=()
	shift
	for f in frame.number "$@"; do
		args+=(-e "$f")
	done
	if ! tshark -r "$tmp/$c.pcap" \
	    -o 'uat:user_dlts:"User 0 (DLT=147)","gsm_sms","0","","0",""' \
	    -T fields -E occurrence=a -E aggregator='|' "${args[@]}" \
	    >"$tmp/out" 2>"$tmp/err"; then
		echo TSHARK-FAILED
		return
	fi
	grep -E '^[0-9]+' "$tmp/out"
}

pcap gsm7
pcap bin

# Case gsm7: 200 septets, 8-bit reference 204: 153 + 47 septets.
got=$(dissect gsm7 gsm_sms.udh.mm.msg_id gsm_sms.udh.mm.msg_parts \
    gsm_sms.udh.mm.msg_part gsm_sms.tp.user_data_length | tr '\t\n' ' ;')
[ "$got" = "1 204 2 1 160;2 204 2 2 54;" ]
ok $? "gsm7: concat IEs and TP-UDL as Wireshark reads them ($got)"

text=$(dissect gsm7 gsm_sms.sms_text | sed -n 2p | cut -f2 | tr -d '|')
want=""
while [ ${#want} -lt 200 ]; do
	want="${want}The quick brown fox jumps over the lazy dog "
done
want=${want:0:200}
[ "$text" = "$want" ]
ok $? "gsm7: Wireshark reassembles the 200-character text"

frag=$(dissect gsm7 gsm_sms.fragment.count gsm_sms.reassembled.length |
    tr '\t\n' ' ;')
# Wireshark counts packed octets after each UDH: 134 + 42.
[ "$frag" = "1  ;2 2 176;" ]
ok $? "gsm7: fragment count and reassembled octets ($frag)"

err=$(dissect gsm7 gsm_sms.fragment.error _ws.expert.message |
    tr '\t\n' ' ;')
[ "$err" = "1  ;2  ;" ]
ok $? "gsm7: no reassembly error or expert info ($err)"

# Case bin: 300 octets, 16-bit reference 0x1234, ports in every segment:
# 140 - 13 = 127 octets per segment -> 127 + 127 + 46.
got=$(dissect bin gsm_sms.udh.mm.msg_id gsm_sms.udh.mm.msg_parts \
    gsm_sms.udh.mm.msg_part gsm_sms.destination_port \
    gsm_sms.originator_port gsm_sms.tp.user_data_length | tr '\t\n' ' ;')
exp="1 4660 3 1 2948 9200 140;2 4660 3 2 2948 9200 140;"
exp="${exp}3 4660 3 3 2948 9200 59;"
[ "$got" = "$exp" ]
ok $? "bin: 16-bit reference, ports in every segment, TP-UDL ($got)"

len=$(dissect bin gsm_sms.reassembled.length | tr '\t\n' ' ;')
[ "$len" = "1 ;2 ;3 300;" ]
ok $? "bin: reassembled length 300 ($len)"

iei=$(dissect bin gsm_sms.ie_identifier | sed -n 1p | cut -f2)
[ "$iei" = "8|5" ] || [ "$iei" = "0x08|0x05" ]
ok $? "bin: IE order concat16 then ports ($iei)"

c7=$(grep -c '^gsm7 ' "$tmp/segs.txt")
cb=$(grep -c '^bin ' "$tmp/segs.txt")
[ "$c7" = 2 ]
ok $? "gsm7: 2 segments"
[ "$cb" = 3 ]
ok $? "bin: 3 segments"

frames=$(dissect gsm7 gsm_sms.tp-mti | grep -c $'\t0$')
[ "$frames" = 2 ]
ok $? "gsm7: both frames dissected as SMS-DELIVER"
frames=$(dissect bin gsm_sms.tp-mti | grep -c $'\t0$')
[ "$frames" = 3 ]
ok $? "bin: all frames dissected as SMS-DELIVER"

exit $fail

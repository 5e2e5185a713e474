#!/bin/bash
# test_ota_openssl.sh - cross-check every secured packet of
# tests/vectors/ota/{pysim,asterix,computed}.txt that uses a cryptographic checksum
# with an independent implementation of the primitives: the openssl
# command line (enc -nopad with a zero IV for DES/3DES/AES-CBC, CBC-MAC as
# the last block of a zero-IV CBC encryption, "openssl mac CMAC" for
# AES-CMAC).  For each packet: decipher CNTR..padding when the SPI says
# so, recompute the CC over the ranges of lib/ota.h (command: CPL..TAR ||
# CNTR PCNTR || data padding; response: 027100 RPL RHL TAR || CNTR PCNTR
# status || data padding), compare with the CC carried, and compare the
# data with the vector's.  RC (CRC) cases are skipped here: openssl has
# no CRC; tests/vectors/ota/crosscheck.py and test_ota cover them.
# TAP output; run from the repository root.
set -u

. tests/helpers/testlib.sh

tl_need openssl xxd
tl_begin ota-openssl

# One line per case: type|name|spi|kic|kid|kic-key|kid-key|data|packet
cases() {
	awk '
		function flush() {
			if (v["type"] != "")
				print v["type"] "|" v["name"] "|" v["spi"] "|" \
				    v["kic"] "|" v["kid"] "|" v["kic-key"] "|" \
				    v["kid-key"] "|" v["data"] "|" \
				    v["packet"] v["response"] "|" v["error"]
			delete v; cur = ""
		}
		/^#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { if (cur != "") { x = $0; gsub(/[ \t]/, "", x); v[cur] = v[cur] x }; next }
		{
			k = $0; sub(/:.*/, "", k)
			x = $0; sub(/^[^:]*:[ \t]*/, "", x)
			if (k == "packet" || k == "response" || k == "data")
				gsub(/[ \t]/, "", x)
			v[k] = x; cur = k
		}
		END { flush() }
	' tests/vectors/ota/pysim.txt tests/vectors/ota/asterix.txt \
	    tests/vectors/ota/computed.txt
}

lower() { tr 'A-F' 'a-f'; }

# cipher_name KIC_OR_KID_LOW_NIBBLE KEYHEX -> openssl CBC cipher name
cipher_name() {
	case $1 in
	1) echo des-cbc ;;
	5) echo des-ede-cbc ;;
	9) echo des-ede3-cbc ;;
	2) echo aes-$((${#2} * 4))-cbc ;;
	*) echo unknown ;;
	esac
}

# cbc ENC|DEC CIPHER KEYHEX HEXIN -> hex out (zero IV, no padding)
cbc() {
	local iv=0000000000000000 prov=""
	case $2 in aes*) iv=00000000000000000000000000000000 ;; esac
	[ "$2" = des-cbc ] && prov="-provider legacy -provider default"
	local d=""
	[ "$1" = DEC ] && d=-d
	# shellcheck disable=SC2086
	printf '%s' "$4" | xxd -r -p | openssl enc $d -"$2" $prov -K "$3" \
	    -iv $iv -nopad 2>/dev/null | xxd -p | tr -d '\n'
}

# cc KID_NIBBLE KEYHEX HEXIN -> the 8-octet CC in hex
cc() {
	local name
	name=$(cipher_name "$1" "$2")
	if [ "$1" = 2 ]; then
		printf '%s' "$3" | xxd -r -p >"$tmp/macin"
		openssl mac -cipher "$(echo "$name" | tr a-z A-Z)" \
		    -macopt hexkey:"$2" -in "$tmp/macin" CMAC 2>/dev/null |
		    lower | cut -c1-16
		return
	fi
	local in=$3
	while [ $(( ${#in} % 16 )) -ne 0 ]; do in=${in}00; done
	cbc ENC "$name" "$2" "$in" | tail -c 16
}

checked=0
while IFS='|' read -r type name spi kic kid kickey kidkey data pkt err; do
	[ -n "$err" ] && continue
	spi=$(echo "$spi" | lower); pkt=$(echo "$pkt" | lower)
	data=$(echo "$data" | lower)
	kickey=$(echo "$kickey" | lower); kidkey=$(echo "$kidkey" | lower)
	o1=$((16#${spi:0:2})); o2=$((16#${spi:2:2}))
	if [ "$type" = command ]; then
		integ=$((o1 & 3)); ciph=$((o1 & 4)); hdrlen=20; fixed=12
		udh=""
		siglen=$(( 16#${pkt:4:2} - 13 ))
	else
		integ=$(((o2 >> 2) & 3)); ciph=$((o2 & 16)); hdrlen=12
		fixed=14; udh=${pkt:0:6}; pkt=${pkt:6}
		siglen=$(( 16#${pkt:4:2} - 10 ))
	fi
	[ "$integ" -eq 2 ] || continue
	hdr=${pkt:0:$hdrlen}
	rest=${pkt:$hdrlen}
	if [ "$ciph" -ne 0 ]; then
		kn=$((16#${kic: -1}))
		rest=$(cbc DEC "$(cipher_name "$kn" "$kickey")" "$kickey" "$rest")
	fi
	cc_rx=${rest:$fixed:$((2 * siglen))}
	tail=${rest:$((fixed + 2 * siglen))}
	pcntr=$((16#${rest:10:2}))
	mine=$(cc $((16#${kid: -1})) "$kidkey" "$udh$hdr${rest:0:$fixed}$tail")
	got=${tail:0:$((${#tail} - 2 * pcntr))}
	[ "$mine" = "$cc_rx" ] && [ "$got" = "$data" ]
	ok $? "$name: openssl CC $mine, data $got"
	checked=$((checked + 1))
done < <(cases)

# At least the pySim CC cases and the computed DES/3DES-3KEY/AES ones.
[ "$checked" -ge 12 ]
ok $? "checked $checked CC packets"
tap_end

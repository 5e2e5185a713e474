#!/bin/bash
# deps.sh - install the Debian packages stkauth needs (make deps).
#
# As root: installs what is missing with apt-get (one "apt-get update" first,
# only when something is missing).  Otherwise: prints the exact command.
# Idempotent; when everything is present it costs one dpkg-query call.
set -eu

# One package per line, with the reason, so the list stays reviewable.
PACKAGES=(
	build-essential     # gcc, make, libc headers
	pkg-config          # finds every library below
	clang               # libFuzzer targets (make fuzz, fuzz smoke in check)
	libclang-rt-14-dev  # libFuzzer, ASan and UBSan runtimes for clang
	libssl-dev          # OpenSSL 3: ciphers, MACs, signatures, TLS
	libcmocka-dev       # unit tests
	tshark              # independent decoder for our encoders (tests)
	pcscd               # PC/SC daemon the virtual card plugs into (stkauth-sim)
	vsmartcard-vpcd     # vpcd IFD handler: stkauth-sim connects to it over TCP
	pcsc-tools          # scriptor, ATR_analysis: independent PC/SC client (tests)
	libpcsclite-dev     # PC/SC client library (phone simulator, pcsc-lite headers)
)

missing=()
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' \
    "${PACKAGES[@]}" 2>/dev/null || true)
for p in "${PACKAGES[@]}"; do
	if ! grep -qE "^$p ii" <<<"$installed"; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "stkauth: missing Debian packages; run as root:" >&2
	echo "  apt-get update && $cmd" >&2
	exit 1
fi
echo "stkauth: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

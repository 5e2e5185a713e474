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
	libevent-dev        # stkauth-server: event loop, HTTP server, bufferevents over OpenSSL
	libjansson-dev      # stkauth-server: JSON of the REST and bridge APIs
	libinih-dev         # stkauth-server: INI configuration
	libsqlite3-dev      # stkauth-server: the SQLite store
	libjemalloc-dev     # stkauth-server: its malloc (docs/DECISIONS.md)
	sqlite3             # sqlite3 CLI: server tests inspect the store
	jq                  # server API shell tests read JSON answers
	curl                # server API shell tests (HTTP and HTTPS client)
	socat               # tests/sh/test_phone_pcsc.sh: a fake netsim subscriber port
	slapd               # OpenLDAP server for the private directory instance (ldap-fixtures/; a system slapd is never used)
	ldap-utils          # ldapsearch/ldapadd/ldapmodify: fixture scripts and readiness checks
	libldap-dev         # libldap/liblber: the server's certificate directory (server/ldapdir.c)
	libsmpp34-dev       # stkauth-netsim SMSC: SMPP 3.4 PDU packing/unpacking
	gammu               # tests/sh/test_netsim_at_interop.sh: Gammu, an independent AT-modem client on the netsim pty
	nodejs              # tests/sh/test_netsim_smpp.sh: node-smpp (tests/npm) is the independent ESME
	npm                 # installs tests/npm (npm ci) for the SMPP interoperability test
	libserialport-dev   # stkauth-bridge modem pool: serial ports, USB VID:PID/serial enumeration (smsc-bridge/modem_link.c)
	chromium            # tests/sh/test_e2e_browser.sh: the real browser playwright-core drives (headless)
	libgd-dev           # stkauth-server login page: the CAPTCHA image (server/captcha.c), PNG through libgd
	fonts-dejavu-core   # stkauth-server login page: the CAPTCHA's default TrueType font ([web] captcha_font); also the browser tests tests/sh/test_web_browser_*.sh
	nginx               # tests/bench/web_login_vs_nginx.sh only: the static-file baseline (private config and port; the system nginx is never started)
	wrk                 # tests/bench/web_login_vs_nginx.sh only: the HTTP load generator
	libpcsc-perl        # tools/demo/pcsc-card-present: waits until pcscd reports a virtual card
	tmux                # make demo: the phones' pop-ups, one pane per phone
	openssl             # tests/sh/test_bridge_smpp_interop.sh: the TLS test CA (openssl req/x509); socat terminates TLS there
)

missing=()
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' \
    "${PACKAGES[@]}" 2>/dev/null || true)
# Node.js may come from another repository (the base image ships
# NodeSource's nodejs, which bundles npm and conflicts with Debian's npm):
# a working node + npm on PATH satisfies both.
provided_by_path() {
	case $1 in
	nodejs|npm) command -v node >/dev/null && command -v npm >/dev/null ;;
	*) return 1 ;;
	esac
}
for p in "${PACKAGES[@]}"; do
	if ! grep -qE "^$p ii" <<<"$installed" && ! provided_by_path "$p"; then
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

#!/bin/bash
# ca.sh - the test certificate authority of the LDAP fixtures, with the
# OpenSSL command line ("openssl req", "openssl ca").  TEST KEYS ONLY: the
# CA folder (keys included) is created under build/ and never committed.
#
#   ca.sh init   CADIR [NAME]              create the CA (idempotent)
#   ca.sh user   CADIR OUT UID MSISDN [KIND]
#                issue CADIR/certs/OUT.{key,pem,der}; KIND is one of
#                valid (default), expired, not-yet-valid, bad-key-usage
#   ca.sh server CADIR                     slapd's TLS certificate
#                                          (CADIR/server.{key,pem})
#   ca.sh revoke CADIR OUT                 revoke certs/OUT.pem, new CRL
#   ca.sh crl    CADIR                     (re)issue CADIR/crl.{pem,der}
#
# A user certificate names the account as subject UID and CN and the MSISDN
# as subjectAltName URI tel:+DIGITS (see docs/LDAP.md, "Identity").
# A "wrong CA" certificate is simply one issued by a second CA folder.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
export OPENSSL_CONF="$here/openssl-ca.cnf"

die() { echo "ca.sh: $*" >&2; exit 1; }
usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[ $# -ge 2 ] || usage
cmd=$1
cadir=$2
shift 2
mkdir -p "$cadir"
cadir=$(cd "$cadir" && pwd)
export STKAUTH_CA_DIR="$cadir"
export STKAUTH_SAN="DNS:unused.invalid"	# only v3_user reads it
cnf="$here/openssl-ca.cnf"

# "openssl ca" prints its progress on stderr; keep it for failures only.
run_quiet() {
	local log
	log=$(mktemp)
	if ! "$@" >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		die "failed: $*"
	fi
	rm -f "$log"
}

need_ca() {
	[ -s "$cadir/ca.pem" ] && [ -s "$cadir/ca.key" ] ||
	    die "$cadir is not a CA folder (run: ca.sh init $cadir)"
}

gen_crl() {
	run_quiet openssl ca -config "$cnf" -gencrl -out "$cadir/crl.pem"
	openssl crl -in "$cadir/crl.pem" -outform DER -out "$cadir/crl.der"
}

case $cmd in
init)
	name=${1:-stkauth Test CA}
	if [ -s "$cadir/ca.pem" ]; then
		exit 0
	fi
	umask 077
	mkdir -p "$cadir/newcerts" "$cadir/certs"
	: >"$cadir/index.txt"
	echo "unique_subject = no" >"$cadir/index.txt.attr"
	openssl rand -hex 8 >"$cadir/serial"
	echo 1000 >"$cadir/crlnumber"
	run_quiet openssl req -config "$cnf" -new -x509 -days 3650 \
	    -newkey rsa:2048 -nodes -keyout "$cadir/ca.key" \
	    -subj "/O=stkauth test/CN=$name" -extensions v3_ca \
	    -out "$cadir/ca.pem"
	openssl x509 -in "$cadir/ca.pem" -outform DER -out "$cadir/ca.der"
	gen_crl
	;;
user)
	[ $# -ge 3 ] || usage
	need_ca
	out=$1 uid=$2 msisdn=$3 kind=${4:-valid}
	[[ $out =~ ^[A-Za-z0-9._-]+$ ]] || die "bad output name: $out"
	[[ $uid =~ ^[A-Za-z0-9._@-]+$ ]] || die "bad uid: $uid"
	[[ $msisdn =~ ^\+?[0-9]{1,15}$ ]] || die "bad MSISDN: $msisdn"
	msisdn=+${msisdn#+}
	ext=v3_user
	dates=(-days 825)
	case $kind in
	valid) ;;
	expired) dates=(-startdate 20200101000000Z -enddate 20210101000000Z) ;;
	not-yet-valid) dates=(-startdate 20990101000000Z -enddate 21000101000000Z) ;;
	bad-key-usage) ext=v3_user_bad_key_usage ;;
	*) die "unknown kind: $kind" ;;
	esac
	umask 077
	mkdir -p "$cadir/certs"
	base="$cadir/certs/$out"
	run_quiet openssl req -config "$cnf" -new -newkey rsa:2048 -nodes \
	    -keyout "$base.key" -subj "/UID=$uid/CN=$uid" -out "$base.csr"
	STKAUTH_SAN="URI:tel:$msisdn" run_quiet openssl ca -config "$cnf" \
	    -batch -notext -extensions "$ext" "${dates[@]}" \
	    -in "$base.csr" -out "$base.pem"
	openssl x509 -in "$base.pem" -outform DER -out "$base.der"
	rm -f "$base.csr"
	;;
server)
	need_ca
	umask 077
	run_quiet openssl req -config "$cnf" -new -newkey rsa:2048 -nodes \
	    -keyout "$cadir/server.key" -subj "/O=stkauth test/CN=localhost" \
	    -out "$cadir/server.csr"
	run_quiet openssl ca -config "$cnf" -batch -notext \
	    -extensions v3_server -days 825 \
	    -in "$cadir/server.csr" -out "$cadir/server.pem"
	rm -f "$cadir/server.csr"
	;;
revoke)
	[ $# -ge 1 ] || usage
	need_ca
	[ -s "$cadir/certs/$1.pem" ] || die "no certificate $cadir/certs/$1.pem"
	run_quiet openssl ca -config "$cnf" -revoke "$cadir/certs/$1.pem" \
	    -crl_reason keyCompromise
	gen_crl
	;;
crl)
	need_ca
	gen_crl
	;;
*)
	usage
	;;
esac

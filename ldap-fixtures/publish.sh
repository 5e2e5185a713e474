#!/bin/bash
# publish.sh - put certificates and CRLs into the private directory.
#
#   publish.sh cert   DIR UID MSISDN CERT   add user uid=UID,ou=people
#                     (inetOrgPerson + pkiUser, mobile MSISDN) with CERT
#                     (PEM or DER) as userCertificate;binary, or replace
#                     the certificate and mobile of an existing user
#   publish.sh crl    DIR CRL [CA-CN]       replace certificateRevocationList
#                     ;binary of cn=CA-CN,ou=ca (default "stkauth Test CA")
#   publish.sh delete DIR UID               remove the user
#
# DIR is the folder of a running slapd.sh instance (its port is read from
# DIR/port); the changes are made as its rootdn (password DIR/admin.pw).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
SUFFIX=${STKAUTH_LDAP_SUFFIX:-dc=stkauth,dc=test}

die() { echo "publish.sh: $*" >&2; exit 1; }
usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[ $# -ge 2 ] || usage
cmd=$1
dir=$(cd "$2" && pwd) || die "no folder $2"
shift 2
[ -s "$dir/port" ] && [ -s "$dir/admin.pw" ] || die "$dir is not a started slapd.sh folder"
port=$(cat "$dir/port")
uri="ldap://127.0.0.1:$port/"
admin=(-x -H "$uri" -D "cn=admin,$SUFFIX" -y "$dir/admin.pw" -o nettimeout=5)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# to_der IN OUT TYPE: PEM or DER certificate (TYPE x509) or CRL (crl) -> DER
to_der() {
	openssl "$3" -in "$1" -outform DER -out "$2" 2>/dev/null ||
	    openssl "$3" -inform DER -in "$1" -outform DER -out "$2" 2>/dev/null ||
	    die "$1 is not a PEM or DER $3"
}

user_exists() {
	ldapsearch "${admin[@]}" -LLL -b "uid=$1,ou=people,$SUFFIX" -s base dn \
	    >/dev/null 2>&1
}

case $cmd in
cert)
	[ $# -eq 3 ] || usage
	uid=$1 msisdn=$2 cert=$3
	[[ $uid =~ ^[A-Za-z0-9._@-]+$ ]] || die "bad uid: $uid"
	[[ $msisdn =~ ^\+?[0-9]{1,15}$ ]] || die "bad MSISDN: $msisdn"
	msisdn=+${msisdn#+}
	to_der "$cert" "$tmp/cert.der" x509
	if user_exists "$uid"; then
		cat >"$tmp/mod.ldif" <<-LDIF
		dn: uid=$uid,ou=people,$SUFFIX
		changetype: modify
		replace: userCertificate;binary
		userCertificate;binary:< file://$tmp/cert.der
		-
		replace: mobile
		mobile: $msisdn
		-
		LDIF
	else
		sed -e "s|@UID@|$uid|g" -e "s|@SUFFIX@|$SUFFIX|g" \
		    -e "s|@MSISDN@|$msisdn|g" -e "s|@CERT@|$tmp/cert.der|g" \
		    "$here/user.ldif.in" | grep -v '^#' | sed '/./,$!d' \
		    >"$tmp/mod.ldif"
		ldapadd "${admin[@]}" -f "$tmp/mod.ldif" >/dev/null
		exit 0
	fi
	ldapmodify "${admin[@]}" -f "$tmp/mod.ldif" >/dev/null
	;;
crl)
	[ $# -ge 1 ] || usage
	crl=$1 cacn=${2:-stkauth Test CA}
	to_der "$crl" "$tmp/crl.der" crl
	cat >"$tmp/mod.ldif" <<-LDIF
	dn: cn=$cacn,ou=ca,$SUFFIX
	changetype: modify
	replace: certificateRevocationList;binary
	certificateRevocationList;binary:< file://$tmp/crl.der
	-
	LDIF
	ldapmodify "${admin[@]}" -f "$tmp/mod.ldif" >/dev/null
	;;
delete)
	[ $# -eq 1 ] || usage
	ldapdelete "${admin[@]}" "uid=$1,ou=people,$SUFFIX"
	;;
*) usage ;;
esac

#!/bin/bash
# slapd.sh - the project's private OpenLDAP slapd for tests and the demo.
#
#   slapd.sh start  DIR PORT    create DIR on first use, start slapd
#   slapd.sh stop   DIR         stop the slapd started from DIR
#   slapd.sh reset  DIR PORT    stop, wipe the database back to the base
#                               entries (the CA is kept), start again
#   slapd.sh status DIR PORT    exit 0 when it answers, 1 when not
#
# The instance is entirely under DIR: slapd.conf (from slapd.conf.in), the
# mdb database DIR/db, the test CA DIR/ca (ca.sh), slapd.pid, slapd.log and
# the passwords DIR/admin.pw (rootdn cn=admin,SUFFIX) and DIR/service.pw
# (cn=stkauth-server,ou=services,SUFFIX, the server's read-only account).
# It listens on ldap://127.0.0.1:PORT/ (plain and StartTLS) and
# ldaps://127.0.0.1:PORT+1/ only; the system slapd and /etc/ldap are never
# used.  stop only signals the process whose pid file is in DIR and whose
# command line names DIR/slapd.conf.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
SUFFIX=${STKAUTH_LDAP_SUFFIX:-dc=stkauth,dc=test}
SLAPD=${SLAPD:-/usr/sbin/slapd}
SCHEMADIR=${SLAPD_SCHEMADIR:-/etc/ldap/schema}
MODULEDIR=${SLAPD_MODULEDIR:-/usr/lib/ldap}
WAIT_STEPS=100		# readiness / exit waits: 100 x 0.1 s

die() { echo "slapd.sh: $*" >&2; exit 1; }
usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[ $# -ge 2 ] || usage
cmd=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
port=${3:-}
if [ "$cmd" != stop ]; then
	[[ $port =~ ^[0-9]+$ ]] && [ "$port" -gt 0 ] && [ "$port" -lt 65535 ] ||
	    die "PORT must be 1..65534 (LDAPS uses PORT+1)"
fi

# Our slapd's pid, or nothing: the pid file must name a live process whose
# command line is slapd with our configuration file.
our_pid() {
	local pid
	[ -s "$dir/slapd.pid" ] || return 0
	pid=$(cat "$dir/slapd.pid")
	[[ $pid =~ ^[0-9]+$ ]] || return 0
	[ -r "/proc/$pid/cmdline" ] || return 0
	if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir/slapd.conf"; then
		echo "$pid"
	fi
}

answers() {
	ldapsearch -x -LLL -o nettimeout=2 -l 2 -H "ldap://127.0.0.1:$port/" \
	    -b "" -s base namingContexts >/dev/null 2>&1
}

secret() { openssl rand -hex 16; }

fill() {	# fill TEMPLATE: replace the @...@ fields
	sed -e "s|@DIR@|$dir|g" -e "s|@SUFFIX@|$SUFFIX|g" \
	    -e "s|@SCHEMADIR@|$SCHEMADIR|g" -e "s|@MODULEDIR@|$MODULEDIR|g" \
	    -e "s|@ROOTPW@|$rootpw_hash|g" -e "s|@SERVICEPW@|$servicepw_hash|g" \
	    "$1"
}

setup() {
	local rootpw_hash servicepw_hash
	umask 077
	"$here/ca.sh" init "$dir/ca"
	[ -s "$dir/ca/server.pem" ] || "$here/ca.sh" server "$dir/ca"
	[ -s "$dir/admin.pw" ] || { printf '%s' "$(secret)" >"$dir/admin.pw"; }
	[ -s "$dir/service.pw" ] || { printf '%s' "$(secret)" >"$dir/service.pw"; }
	rootpw_hash=$(slappasswd -h '{SSHA}' -T "$dir/admin.pw")
	servicepw_hash=$(slappasswd -h '{SSHA}' -T "$dir/service.pw")
	fill "$here/slapd.conf.in" >"$dir/slapd.conf"
	if [ ! -s "$dir/db/data.mdb" ]; then
		rm -rf "$dir/db"
		mkdir -p "$dir/db"
		fill "$here/base.ldif.in" >"$dir/base.ldif"
		slapadd -q -f "$dir/slapd.conf" -l "$dir/base.ldif" \
		    >"$dir/slapadd.log" 2>&1 ||
		    { cat "$dir/slapadd.log" >&2; die "slapadd failed"; }
	fi
}

start() {
	local i
	if [ -n "$(our_pid)" ]; then
		answers && return 0
		die "slapd from $dir is running but does not answer on port $port"
	fi
	setup
	rm -f "$dir/slapd.pid"
	# -d 0 keeps it in the foreground (logs to slapd.log, no syslog);
	# setsid detaches it from the caller's terminal and process group.
	setsid "$SLAPD" -d 0 -f "$dir/slapd.conf" \
	    -h "ldap://127.0.0.1:$port/ ldaps://127.0.0.1:$((port + 1))/" \
	    >>"$dir/slapd.log" 2>&1 </dev/null &
	for ((i = 0; i < WAIT_STEPS; i++)); do
		if answers; then
			echo "$port" >"$dir/port"
			return 0
		fi
		if ! kill -0 $! 2>/dev/null; then
			tail -n 20 "$dir/slapd.log" >&2
			die "slapd exited during start-up (port $port in use?)"
		fi
		sleep 0.1
	done
	tail -n 20 "$dir/slapd.log" >&2
	die "slapd did not answer on port $port within 10 s"
}

stop() {
	local pid i
	pid=$(our_pid)
	[ -n "$pid" ] || return 0
	kill -TERM "$pid"
	for ((i = 0; i < WAIT_STEPS; i++)); do
		kill -0 "$pid" 2>/dev/null || { rm -f "$dir/slapd.pid"; return 0; }
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$dir/slapd.pid"
}

case $cmd in
start) start ;;
stop) stop ;;
reset)
	stop
	rm -rf "$dir/db"
	start
	;;
status)
	[ -n "$(our_pid)" ] && answers
	;;
*) usage ;;
esac

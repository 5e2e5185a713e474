#!/bin/bash
# e2e_bench.sh - end-to-end figures through every real process
# (tools/demo/lib.sh; docs/PERFORMANCE.md, "End to end"):
#
#   tests/bench/e2e_bench.sh latency [LOGINS]        (default 200)
#       one login at a time, phones confirming at once (--delay 0), no
#       injected network delay: p50 / p99 from the REST start to the long
#       poll's COMPLETE, over the modem route (alice) and the SMPP route
#       (bob), LOGINS each
#   tests/bench/e2e_bench.sh load [PHONES] [LOGINS]  (default 100, 1000)
#       PHONES cards and phones (SMPP route), PHONES logins in parallel,
#       LOGINS in all: throughput and the latency distribution
#
# Both print where the time goes (e2e_breakdown.js, from the bridge's
# log).  Run as root from the repository root after "make all".
set -u
cd "$(dirname "$0")/../.." || exit 1
mode=${1:-latency}
. tools/demo/lib.sh
export PATH=$PATH:/usr/sbin
[ "$(id -u)" -eq 0 ] || { echo "e2e_bench: needs root (private pcscd)" >&2; exit 1; }
case $mode in
latency) LOGINS=${2:-200}; DEMO_CARDS=2 ;;
load) DEMO_CARDS=${2:-100}; LOGINS=${3:-1000}; DEMO_ACCOUNTS=() ;;
*) sed -n '2,16p' "$0" >&2; exit 2 ;;
esac
DEMO_WAIT=60
DEMO_SERVER_INI_EXTRA="
[session]
lifetime = 120
[ratelimit]
per_address = 0
per_account = 0
[lockout]
max_failures = 0"
DEMO_SERVER_LOG=warn
demo_env "$(mktemp -d /tmp/stkauth-e2e-bench.XXXXXX)" || exit 1
trap 'demo_down; rm -rf "$DEMO_DIR"' EXIT
trap 'exit 1' INT TERM
t0=$(date +%s)
demo_infra && demo_rp_key >/dev/null && demo_bridge || exit 1
for ((k = 1; k <= DEMO_CARDS; k++)); do demo_enroll "$k" || exit 1; done
for ((k = 1; k <= DEMO_CARDS; k++)); do
	demo_phone "$k" --auto confirm --delay 0 --pin 1234 || exit 1
done
echo "# set-up: $DEMO_CARDS cards enrolled, phones attached in $(( $(date +%s) - t0 )) s"
KEY=$(cat "$DEMO_DIR/etc/rp.key")
export NODE_EXTRA_CA_CERTS=$DEMO_DIR/ldap/ca/ca.pem
run() {	# run NAME LOGINS CONC ACCOUNTS...
	local name=$1
	shift
	node tests/bench/e2e_client.js "$DEMO_URL" "$KEY" "$@" >"$DEMO_DIR/$name.out" || return 1
	echo "== $name: $(tail -n 1 "$DEMO_DIR/$name.out")"
	echo "   where the time goes (ms): $(node tests/bench/e2e_breakdown.js "$DEMO_DIR/$name.out" "$DEMO_DIR/logs/bridge.log")"
}
# warm-up (LDAP cache, TLS sessions, first modem sends)
node tests/bench/e2e_client.js "$DEMO_URL" "$KEY" 4 1 "$(demo_account 1)" >/dev/null
case $mode in
latency)
	run modem-alice "$LOGINS" 1 "$(demo_account 1)"
	run smpp-bob "$LOGINS" 1 "$(demo_account 2)"
	;;
load)
	accts=()
	for ((k = 1; k <= DEMO_CARDS; k++)); do accts+=("$(demo_account "$k")"); done
	run "load-$DEMO_CARDS-phones" "$LOGINS" "$DEMO_CARDS" "${accts[@]}"
	;;
esac
echo "# CPU seconds (user+sys) per process:"
for name in $(cat "$DEMO_DIR/pids/.order"); do
	pid=$(demo_pid "$name") || continue
	set -- $(cut -d' ' -f14,15 "/proc/$pid/stat")
	printf '#   %-10s %8.2f\n' "$name" "$(awk -v t=$(( $1 + $2 )) -v h="$(getconf CLK_TCK)" 'BEGIN { print t / h }')"
done | sort -k3 -n -r | head -n 12

#!/bin/bash
# test_card_cli.sh - stkauth-sim's card creation options of the applet
# layer: the admin key (given, or random and printed exactly once), the
# TAR, the check summary, the upgrade of a version-1 state file, and the
# refusal of options that disagree with an existing card.
# No pcscd needed: the card is started against a closed port (it keeps
# retrying) and stopped with SIGTERM.  Run from the repository root;
# prints TAP.
set -u

sim=build/bin/stkauth-sim
if [ ! -x "$sim" ]; then
	echo "1..1"
	echo "not ok 1 - $sim not built (make all)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# a port nobody listens on: bind, note it, close
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }

# run the card for a moment; stdout to $2
run() {
	local state=$1 out=$2
	shift 2
	"$sim" --state "$state" --vpcd "127.0.0.1:$port" --log-level error \
	    "$@" >"$out" 2>"$out.err" &
	local pid=$!
	sleep 0.5
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
}

echo "1..12"
ids=(--iccid 8949440000001155314 --imsi 001010123456789)

# 1-3: random admin key, printed once, stored
run "$tmp/a.state" "$tmp/a1" "${ids[@]}"
key=$(sed -n 's/^admin-key \([0-9A-F]\{32\}\)$/\1/p' "$tmp/a1")
check "a new card prints a random admin key" '[ -n "$key" ] && [ "$(wc -l <"$tmp/a1")" -eq 1 ]'
check "the state file (0600, version 2) holds that key" \
    '[ "$(stat -c %a "$tmp/a.state")" = 600 ] &&
     head -n 1 "$tmp/a.state" | grep -qx "stkauth-sim-state 2" &&
     grep -qix "admin.key $key" "$tmp/a.state"'
run "$tmp/a.state" "$tmp/a2"
check "a second start prints nothing" '[ ! -s "$tmp/a2" ]'

# 4-6: given admin key and TAR
run "$tmp/b.state" "$tmp/b1" "${ids[@]}" \
    --admin-key 000102030405060708090a0b0c0d0e0f --tar B00010
check "--admin-key is stored and not printed" \
    '[ ! -s "$tmp/b1" ] &&
     grep -qx "admin.key 000102030405060708090a0b0c0d0e0f" "$tmp/b.state"'
check "--tar is stored" 'grep -qx "auth.tar b00010" "$tmp/b.state"'
"$sim" --state "$tmp/b.state" --admin-key 00000000000000000000000000000000 \
    -n >"$tmp/b2" 2>&1
check "a different --admin-key for an existing card: exit 2" \
    '[ $? -eq 2 ] && grep -q -- "--admin-key disagrees" "$tmp/b2"'

# 7-8: bad option values
"$sim" --state "$tmp/c.state" "${ids[@]}" --admin-key 0011 -n >"$tmp/c" 2>&1
check "a short --admin-key is refused (exit 2)" '[ $? -eq 2 ]'
"$sim" --state "$tmp/c.state" "${ids[@]}" --tar 12345G -n >"$tmp/c" 2>&1
check "a bad --tar is refused (exit 2)" '[ $? -eq 2 ]'

# 9: the check summary
"$sim" --state "$tmp/b.state" -n >"$tmp/b3" 2>&1
check "-n summarises the applet" \
    'grep -q "applet TAR B00010, 0 OTA key set(s), K_auth missing, key pair missing, service number missing" "$tmp/b3"'

# 10-12: a version-1 file is read, upgraded, and gets an admin key
sed -e '1s/.*/stkauth-sim-state 1/' -e '/^admin\.key /,$d' "$tmp/b.state" \
    >"$tmp/v1.state"
chmod 600 "$tmp/v1.state"
"$sim" --state "$tmp/v1.state" -n >"$tmp/v1a" 2>&1
check "a version-1 file passes the check" '[ $? -eq 0 ] && grep -q "applet TAR 53544B" "$tmp/v1a"'
run "$tmp/v1.state" "$tmp/v1b"
key=$(sed -n 's/^admin-key \([0-9A-F]\{32\}\)$/\1/p' "$tmp/v1b")
check "loading it prints a new admin key" '[ -n "$key" ]'
check "and writes it back as version 2" \
    'head -n 1 "$tmp/v1.state" | grep -qx "stkauth-sim-state 2" &&
     grep -qix "admin.key $key" "$tmp/v1.state" &&
     grep -qx "auth.pin.tries 3" "$tmp/v1.state"'

#!/bin/bash
# test_testlib.sh - the shell tests' fixture library tests/helpers/testlib.sh
# checked on its own: TAP counting and verdicts (plan first or last, a
# broken plan), skips and preconditions, distinct free ports, bounded
# waits, processes stopped by pid with their exit status, a recycled pid
# never signalled, the clean-up at exit and on SIGTERM (processes gone,
# scratch folder removed, KEEP), the test PKI (openssl verify, identity
# extensions) and a server configuration stkauth-server -n accepts.
# Each library call that may exit runs in a child bash.  TAP output; run
# from the repository root; about 10 s.
set -u

. tests/helpers/testlib.sh
tl_need openssl ss shuf
tl_built "$SERVER"
tl_begin testlib

# lib SCRIPT: run SCRIPT in a child bash with the library sourced; its
# output in $out, its exit status in $st
lib() {
	out=$(bash -c ". tests/helpers/testlib.sh
$1" 2>&1)
	st=$?
}

# ---- TAP ----
lib 'ok 0 "a"; ok 1 "b"; check "c" "[ 1 = 1 ]"; check "d" false; tap_end'
[ $st -ne 0 ] && [ "$out" = "ok 1 - a
not ok 2 - b
ok 3 - c
not ok 4 - d
1..4" ]
ok $? "ok/check number the lines, the plan comes last, failures fail the test"
lib 'tap_plan 2; ok 0 "a"; check "b" true; tap_end'
[ $st -eq 0 ] && [ "$out" = "1..2
ok 1 - a
ok 2 - b" ]
ok $? "a plan given first is kept: exit 0 when every line passed"
lib 'tap_plan 3; ok 0 "a"; tap_end'
[ $st -ne 0 ] && grep -q '^# ran 1 checks, planned 3$' <<<"$out"
ok $? "a plan not kept fails the test"
lib 'tl_need sh no-such-tool-here; echo after'
[ $st -eq 0 ] && [ "$out" = "1..0 # SKIP no-such-tool-here not installed (make deps installs it)" ]
ok $? "tl_need: a missing tool skips the whole test"
lib 'tl_built /bin/sh /no/such/binary; echo after'
[ $st -ne 0 ] && [ "$out" = "1..1
not ok 1 - /no/such/binary must be built (make all tests)" ]
ok $? "tl_built: a binary not built fails the test"

# ---- ports, waits ----
ports=()
for i in $(seq 1 20); do
	free_port || break
	ports+=("$FREE")
done
free_port_pair
pair=$FREE
[ ${#ports[@]} -eq 20 ] &&
    [ "$(printf '%s\n' "${ports[@]}" "$pair" "$((pair + 1))" | sort -u | wc -l)" = 22 ] &&
    [ -z "$(ss -Htan "( sport = :$pair or sport = :$((pair + 1)) )")" ]
ok $? "free_port: 20 distinct ports; free_port_pair: P and P+1 free, not handed out before"
t0=$(date +%s%N)
wait_for 1 false
st=$?
t1=$(date +%s%N)
[ $st -ne 0 ] && wait_for 5 true
ok $? "wait_for gives up after its limit ($(( (t1 - t0) / 1000000 )) ms for 1 s), returns at once on success"
printf 'x 1\ny\nx 2\n' >"$tmp/log"
wait_log "$tmp/log" '^x [0-9]$' 2 1 && ! wait_log "$tmp/log" '^x [0-9]$' 3 1 &&
    ! wait_log "$tmp/none" x 1 1
ok $? "wait_log counts matching lines; a missing file never matches"

# ---- processes ----
tl_spawn "$tmp/p.log" sh -c 'echo out; echo err >&2; exit 3'
p=$SPAWNED
wait_gone "$p" 5
tl_stop "$p"
st=$?
[ $st -eq 3 ] && [ "$(sort "$tmp/p.log" | tr '\n' ' ')" = "err out " ]
ok $? "tl_spawn: stdout and stderr in the log; tl_stop returns the exit status ($st)"
tl_spawn /dev/null sleep 30
p=$SPAWNED
tl_alive "$p"
a=$?
tl_stop "$p" 5
st=$?
[ $a -eq 0 ] && [ $st -eq 143 ] && ! tl_alive "$p" && ! kill -0 "$p" 2>/dev/null
ok $? "tl_stop: SIGTERM ends a sleeper ($st)"
tl_spawn /dev/null sh -c 'trap "" TERM; while :; do sleep 0.1; done'
p=$SPAWNED
sleep 0.2
tl_stop "$p" 1
st=$?
[ $st -eq 137 ] && ! kill -0 "$p" 2>/dev/null
ok $? "tl_stop: a process that ignores SIGTERM is killed after the limit ($st)"
# a pid whose start time differs from the recorded one is another process
other=$(sh -c 'sleep 30 >/dev/null 2>&1 & echo $!')
TL_PIDS[$other]=1
tl_alive "$other"
a=$?
tl_stop "$other" 0
kill -0 "$other" 2>/dev/null
b=$?
kill "$other" 2>/dev/null
[ $a -ne 0 ] && [ $b -eq 0 ]
ok $? "a recycled pid (other start time) is neither alive to the library nor signalled"

# ---- clean-up at exit, on SIGTERM, KEEP ----
lib 'TL_EXIT_WAIT=1; tl_begin t1; echo "$tmp"; tl_spawn /dev/null sleep 30; echo $SPAWNED
tl_spawn /dev/null sh -c "trap \"\" TERM; while :; do sleep 0.1; done"
echo $SPAWNED; tl_at_exit "echo hook ran"; exit 0'
d=$(sed -n 1p <<<"$out") p1=$(sed -n 2p <<<"$out") p2=$(sed -n 3p <<<"$out")
[ $st -eq 0 ] && [ -n "$p2" ] && [ ! -e "$d" ] && ! kill -0 "$p1" 2>/dev/null &&
    ! kill -0 "$p2" 2>/dev/null && grep -q '^hook ran$' <<<"$out"
ok $? "at exit: every process stopped (one after TL_EXIT_WAIT, by SIGKILL), hooks run, the folder removed"
bash -c '. tests/helpers/testlib.sh; tl_begin t2; echo "$tmp" >'"$tmp/t2"'
tl_spawn /dev/null sleep 30; echo $SPAWNED >>'"$tmp/t2"'; wait_for 20 false' &
bp=$!
wait_for 5 test -s "$tmp/t2" && sleep 0.3
kill -TERM $bp
wait $bp
st=$?
d=$(sed -n 1p "$tmp/t2") p1=$(sed -n 2p "$tmp/t2")
[ $st -eq 143 ] && [ -n "$p1" ] && [ ! -e "$d" ] && ! kill -0 "$p1" 2>/dev/null
ok $? "SIGTERM to the test: it cleans up too (exit $st)"
lib 'KEEP=1; tl_begin t3; echo "$tmp"'
d=$(sed -n 1p <<<"$out")
[ -d "$d" ] && grep -q "^# kept $d\$" <<<"$out"
ok $? "KEEP=1 keeps the scratch folder"
rm -rf "$d"

# ---- the test PKI, a server configuration ----
tl_ca && tl_user_cert alice +37255500001 && tl_tls_cert
ok $? "tl_ca, tl_user_cert, tl_tls_cert"
openssl verify -CAfile "$TL_CA_DIR/ca.pem" "$tmp/certs/alice.pem" >/dev/null 2>&1 &&
    openssl x509 -in "$tmp/certs/alice.pem" -noout -text >"$tmp/alice.txt" &&
    grep -q 'URI:tel:+37255500001' "$tmp/alice.txt" &&
    grep -A1 'Key Usage: critical' "$tmp/alice.txt" | grep -q 'Digital Signature' &&
    [ "$(openssl x509 -in "$tmp/certs/alice.pem" -noout -pubkey)" = "$(openssl pkey -in "$V/rsa2048_test_key.pem" -pubout)" ]
ok $? "the user certificate chains to the CA, names the MSISDN, holds the test key"
openssl verify -CAfile "$TL_CA_DIR/ca.pem" "$TL_CA_DIR/server.pem" >/dev/null 2>&1 &&
    openssl x509 -in "$TL_CA_DIR/server.pem" -noout -ext subjectAltName | grep -q 'IP Address:127.0.0.1'
ok $? "the TLS certificate chains to the CA and names 127.0.0.1"
free_port
tl_server_ini "$tmp/s.ini" "$FREE" "" "[session]
lifetime = 60"
out=$("$SERVER" -n -c "$tmp/s.ini" 2>&1)
ok $? "stkauth-server -n accepts tl_server_ini's configuration ($out)"
key=$(tl_api_key rp1) && tl_kauth &&
    tl_account alice +37255500001 8944100000000123456 && tl_account carol &&
    tl_bridge_token b1 "$tmp/b1.token" &&
    [[ $key =~ ^rp_ ]] && [ "$(stat -c %a "$tmp/b1.token")" = 600 ] &&
    [[ $(cat "$tmp/b1.token") =~ ^br_ ]]
ok $? "the store: accounts, an API key, a bridge token file of mode 0600"

tap_end

#!/bin/bash
# test_admin_cli.sh - stkauth-admin's database commands (docs/ADMIN.md):
# user add|del|list|show|lock|unlock|passwd, bind, unbind, import,
# export, rp and bridge add|list|revoke, sessions list, audit; --help of
# every subcommand, --json, exit codes, bad input (malformed MSISDNs,
# duplicate bindings, broken CSV lines with their line numbers, unknown
# accounts, wrong options), and the database shared with another writer
# (the busy timeout).  The database is read back with the sqlite3 CLI,
# independently of the code under test.  TAP output; run from the
# repository root after "make all".
set -u

. tests/helpers/testlib.sh

ADMIN=build/bin/stkauth-admin
tl_need sqlite3 jq
tl_built "$ADMIN"
tl_begin admin
T=$tmp
DB=$T/server.db
A() { "$ADMIN" --db "$DB" "$@"; }
# rc EXPECTED CMD...: run, keep stdout/stderr in $T/out, $T/err
rc() {
	local want=$1
	shift
	"$@" >"$T/out" 2>"$T/err"
	local got=$?
	[ "$got" = "$want" ] || { echo "# exit $got, expected $want: $*"; \
	    sed 's/^/#   /' "$T/err"; return 1; }
}
q() { sqlite3 "$DB" "$1"; }

# ---- help and usage --------------------------------------------------------
check "--help lists every command" \
    "rc 0 '$ADMIN' --help && (for c in user bind unbind import export rp bridge sessions audit; do grep -q \"^  \$c \" '$T/out' || exit 1; done)"
helps=0
for c in "user add" "user del" "user list" "user show" "user lock" \
    "user unlock" "user passwd" bind unbind import export "rp add" "rp list" \
    "rp revoke" "bridge add" "bridge list" "bridge revoke" "sessions list" \
    audit; do
	# shellcheck disable=SC2086
	if "$ADMIN" $c --help >"$T/h" 2>&1 && grep -q "^usage: stkauth-admin.*${c##* }" "$T/h"; then
		helps=$((helps + 1))
	else
		echo "# no help for $c"
	fi
done
check "every subcommand has --help (19 of 19: $helps)" '[ $helps = 19 ]'
check "unknown command: exit 2" "rc 2 A frobnicate && grep -q 'unknown command frobnicate' '$T/err'"
check "unknown subcommand: exit 2" "rc 2 A user frob && grep -q 'unknown subcommand frob' '$T/err'"
check "unknown option: exit 2 and a hint" "rc 2 A user add x --colour && grep -q 'unknown option --colour' '$T/err' && grep -q 'user add --help' '$T/err'"
check "missing option value: exit 2" "rc 2 A user lock x --until && grep -q 'needs a value' '$T/err'"
check "missing operand: exit 2" "rc 2 A bind alice"
check "bad --busy-timeout: exit 2" "rc 2 '$ADMIN' --busy-timeout soon user list"

# ---- accounts and bindings --------------------------------------------------
check "user add with MSISDN '+372 555 00001' stores +37255500001" \
    "rc 0 A user add alice --msisdn '+372 555 00001' && [ \"\$(q \"SELECT b.msisdn FROM accounts a JOIN msisdn_bindings b ON b.account_id = a.id WHERE a.name = 'alice'\")\" = +37255500001 ]"
check "database created 0600" "[ \"\$(stat -c %a '$DB')\" = 600 ]"
check "the same MSISDN as 0037255500001 for bob: conflict, exit 5, names alice, bob not created" \
    "rc 5 A user add bob --msisdn 0037255500001 && grep -q 'bound to account alice' '$T/err' && [ \"\$(q \"SELECT count(*) FROM accounts WHERE name = 'bob'\")\" = 0 ]"
check "user add bob, then bind '00 372 555-00002'" \
    "rc 0 A user add bob && rc 0 A bind bob '00 372 555-00002' && grep -q 'bound to +37255500002' '$T/out'"
check "user add of an existing account: exit 5" "rc 5 A user add alice && grep -q 'exists already' '$T/err'"
for bad in 37255500003 +0372555003 +1234567890123456 '+372 555 0000x' '' 12; do
	check "malformed MSISDN '$bad' refused: exit 3" "rc 3 A user add carol --msisdn '$bad' && grep -q 'invalid MSISDN' '$T/err'"
done
check "no account was created by the refused adds" "[ \"\$(q \"SELECT count(*) FROM accounts WHERE name = 'carol'\")\" = 0 ]"
for bad in 'a b' '-x' '.hidden' "$(printf 'x%.0s' $(seq 65))" 'semi;colon'; do
	check "invalid account name '${bad:0:12}' refused: exit 3" "rc 3 A user add -- '$bad'"
done
check "second binding for a bound account: exit 5" \
    "rc 5 A bind alice +37255500009 && grep -q 'bound to +37255500001 already' '$T/err'"
check "binding an MSISDN bound elsewhere: exit 5" "A user add carol >/dev/null && rc 5 A bind carol +37255500002 && grep -q 'bound to account bob' '$T/err'"
check "bind of an unknown account: exit 4" "rc 4 A bind nobody +37255500050 && grep -q 'no such account' '$T/err'"
check "unbind bob, then bind carol to bob's old number" \
    "rc 0 A unbind bob && rc 0 A bind carol +37255500002 && [ \"\$(q \"SELECT a.name FROM msisdn_bindings b JOIN accounts a ON a.id = b.account_id WHERE b.msisdn = '+37255500002'\")\" = carol ]"
check "unbind of an unbound account: exit 5" "rc 5 A unbind bob && grep -q 'not bound' '$T/err'"
check "unbind of an unknown account: exit 4" "rc 4 A unbind nobody"
# a card enrolled by the server's bootstrap command goes with the binding
check "unbind removes the card row too" \
    "q \"INSERT INTO cards (iccid, account_id, k_auth, created) SELECT '8944100000000123456', id, zeroblob(32), 1 FROM accounts WHERE name = 'carol'\" && rc 0 A --json unbind carol && [ \"\$(jq -r .iccid '$T/out')\" = 8944100000000123456 ] && [ \"\$(q 'SELECT count(*) FROM cards')\" = 0 ]"

check "user list: a table with every account" \
    "rc 0 A user list && head -n 1 '$T/out' | grep -q '^ACCOUNT  *MSISDN' && grep -q '^alice  *+37255500001' '$T/out' && [ \$(wc -l <'$T/out') = 4 ]"
check "user list --json: an array of 3" "rc 0 A --json user list && [ \"\$(jq length '$T/out')\" = 3 ] && [ \"\$(jq -r '.[0].msisdn' '$T/out')\" = +37255500001 ]"
check "user show alice (--json)" "rc 0 A --json user show alice && [ \"\$(jq -r .account '$T/out')\" = alice ] && [ \"\$(jq -r .locked '$T/out')\" = false ]"
check "user show of an unknown account: exit 4" "rc 4 A user show nobody"

# ---- lock, unlock, passwords --------------------------------------------------
check "user lock: locked until unlocked" \
    "rc 0 A user lock bob && [ \"\$(q \"SELECT locked_until FROM accounts WHERE name = 'bob'\")\" = 9223372036854775807 ] && A --json user show bob | jq -e '.locked == true' >/dev/null"
check "user lock --until 2h: about two hours from now" \
    "rc 0 A user lock carol --until 2h && d=\$(( \$(q \"SELECT locked_until FROM accounts WHERE name = 'carol'\") / 1000 - \$(date +%s) )) && [ \$d -ge 7190 ] && [ \$d -le 7210 ]"
check "user lock --until in the past or malformed: exit 3" "rc 3 A user lock carol --until 2020-01-01 && rc 3 A user lock carol --until soon"
check "user unlock resets lock and failures" \
    "q \"UPDATE accounts SET failures = 3 WHERE name = 'bob'\" && rc 0 A user unlock bob && [ \"\$(q \"SELECT locked_until || '/' || failures FROM accounts WHERE name = 'bob'\")\" = 0/0 ]"
check "user lock of an unknown account: exit 4" "rc 4 A user lock nobody"
check "user passwd --stdin stores an scrypt string" \
    "echo 'correct horse' | rc 0 A user passwd alice --stdin && q \"SELECT password_hash FROM accounts WHERE name = 'alice'\" | grep -qE '^\\\$scrypt\\\$ln=15,r=8,p=1\\\$[A-Za-z0-9+/]{22}\\\$[A-Za-z0-9+/]{43}\$'"
check "the stored hash is scrypt of the password (Python hashlib, independent)" \
    "python3 -c '
import base64, hashlib, sys
h = sys.argv[1].split(\"\$\")
p = dict(kv.split(\"=\") for kv in h[2].split(\",\"))
d = lambda s: base64.b64decode(s + \"=\" * (-len(s) % 4))
k = hashlib.scrypt(b\"correct horse\", salt=d(h[3]), n=2 ** int(p[\"ln\"]), r=int(p[\"r\"]), p=int(p[\"p\"]), dklen=32, maxmem=2 ** 26)
sys.exit(0 if k == d(h[4]) else 1)' \"\$(q \"SELECT password_hash FROM accounts WHERE name = 'alice'\")\""
check "user passwd: the password is never an argument (exit 2)" "rc 2 A user passwd alice hunter2"
check "user passwd: empty password refused (exit 3)" "printf '\\n' | rc 3 A user passwd alice --stdin"
check "user passwd: over 1024 octets refused (exit 3)" "head -c 1100 /dev/zero | tr '\\0' x | rc 3 A user passwd alice --stdin"
check "user passwd without a terminal and without --stdin fails cleanly" "setsid -w '$ADMIN' --db '$DB' user passwd alice </dev/null >/dev/null 2>'$T/err'; [ \$? = 1 ] && grep -q 'use --stdin' '$T/err'"
check "user passwd --clear removes it" "rc 0 A user passwd alice --clear && [ \"\$(q \"SELECT password_hash IS NULL FROM accounts WHERE name = 'alice'\")\" = 1 ]"
check "user add --password --stdin" "echo s3cret | rc 0 A user add dora --password --stdin && [ \"\$(q \"SELECT password_hash IS NOT NULL FROM accounts WHERE name = 'dora'\")\" = 1 ]"
check "user passwd of an unknown account: exit 4" "echo x | rc 4 A user passwd nobody --stdin"

# ---- relying parties and bridges ---------------------------------------------------
check "rp add prints the API key once; only its SHA-256 is stored" \
    "rc 0 A rp add shop && key=\$(cat '$T/out') && [[ \$key =~ ^rp_[A-Za-z0-9_-]{43}\$ ]] && [ \"\$(q \"SELECT hex(key_hash) FROM relying_parties WHERE name = 'shop'\")\" = \"\$(printf %s \"\$key\" | sha256sum | cut -c1-64 | tr a-f A-F)\" ] && ! q .dump | grep -qF \"\$key\""
check "rp add of an existing name: exit 5" "rc 5 A rp add shop"
check "rp add --json gives apiKey" "rc 0 A --json rp add shop2 && [[ \"\$(jq -r .apiKey '$T/out')\" =~ ^rp_ ]]"
check "rp list shows both active" "rc 0 A rp list && grep -q '^shop  *active' '$T/out' && grep -q '^shop2  *active' '$T/out'"
check "rp revoke disables; again: exit 5; unknown: exit 4" \
    "rc 0 A rp revoke shop && [ \"\$(q \"SELECT disabled FROM relying_parties WHERE name = 'shop'\")\" = 1 ] && rc 5 A rp revoke shop && rc 4 A rp revoke nope"
check "bridge add prints a token; list; revoke" \
    "rc 0 A bridge add b1 && [[ \"\$(cat '$T/out')\" =~ ^br_[A-Za-z0-9_-]{43}\$ ]] && rc 0 A --json bridge list && [ \"\$(jq -r '.[0].state' '$T/out')\" = active ] && rc 0 A bridge revoke b1 && A --json bridge list | jq -e '.[0].state == \"revoked\"' >/dev/null"

# ---- sessions and audit -------------------------------------------------------------
now=$(( $(date +%s) * 1000 ))
q "INSERT INTO sessions (id, rp_id, account_id, account, msisdn, iccid, ticket, request, state, result, created, expiry, completed) VALUES
  ('00000000000000A1', 1, NULL, 'alice', '+37255500001', '', 'ABC234', x'00', 2, 1, $((now - 5000)), $((now + 1000)), $((now - 4000))),
  ('00000000000000A2', 1, NULL, 'bob', '', '', 'XYZ234', x'00', 0, 0, $((now - 1000)), $((now + 100000)), 0)"
q "INSERT INTO audit (ts, session_id, account, event, result, reason, client) VALUES
  ($((now - 3 * 86400000)), '00000000000000A0', 'alice', 'session', 'TIMEOUT', 'old', '127.0.0.1'),
  ($((now - 4000)), '00000000000000A1', 'alice', 'session', 'OK', '', '127.0.0.1'),
  ($((now - 500)), '00000000000000A2', 'bob', 'session', 'NOT_BOUND', 'no binding', '127.0.0.2')"
check "sessions list: newest first" "rc 0 A sessions list && sed -n 2p '$T/out' | grep -q '^00000000000000A2  *bob  .*RUNNING' && sed -n 3p '$T/out' | grep -q 'A1  *alice.*COMPLETE  *OK'"
check "sessions list --state COMPLETE (--json)" "rc 0 A --json sessions list --state COMPLETE && [ \"\$(jq -r 'map(.id) | join(\",\")' '$T/out')\" = 00000000000000A1 ]"
check "sessions list --state bogus: exit 3; --limit x: exit 3" "rc 3 A sessions list --state DONE && rc 3 A sessions list --limit x"
check "audit: all three, oldest first" "rc 0 A --json audit && [ \"\$(jq -r 'map(.result) | join(\",\")' '$T/out')\" = TIMEOUT,OK,NOT_BOUND ]"
check "audit --since 1d drops the old entry" "rc 0 A --json audit --since 1d && [ \"\$(jq length '$T/out')\" = 2 ]"
check "audit --account alice --result OK" "rc 0 A --json audit --account alice --result OK && [ \"\$(jq -r '.[0].session' '$T/out')\" = 00000000000000A1 ] && [ \"\$(jq length '$T/out')\" = 1 ]"
check "audit --since with a date; --limit 1 keeps the newest" "rc 0 A --json audit --since 2020-01-01 --limit 1 && [ \"\$(jq -r '.[0].result' '$T/out')\" = NOT_BOUND ]"
check "audit: unknown result, malformed time, bad account: exit 3" "rc 3 A audit --result MAYBE && rc 3 A audit --since yesterday && rc 3 A audit --account 'a b'"
check "audit table has a header" "rc 0 A audit --account bob && head -n 1 '$T/out' | grep -q '^TIME  *EVENT  *ACCOUNT  *RESULT'"

# ---- import / export ----------------------------------------------------------------
printf 'account,msisdn\r\nerin,+37255500010\r\n"fred","0037 255 500 011"\r\ngreg,\r\n"h.q","+49 (170) 555 0001"\r\n' >"$T/good.csv"
check "import of a good file: 4 accounts, MSISDNs normalised" \
    "rc 0 A import '$T/good.csv' && grep -q '4 accounts imported' '$T/out' && [ \"\$(q \"SELECT group_concat(a.name || '=' || coalesce(b.msisdn, ''), ' ') FROM accounts a LEFT JOIN msisdn_bindings b ON b.account_id = a.id WHERE a.name IN ('erin', 'fred', 'greg', 'h.q') ORDER BY a.name\")\" = 'erin=+37255500010 fred=+37255500011 greg= h.q=+491705550001' ]"
cat >"$T/bad.csv" <<'CSV'
account,msisdn
ivan,+37255500020
bad name,+37255500021
jack,12345
ivan,+37255500022
kate,+37255500020
erin,+37255500023
lena,+37255500010
"mia,+3725550
0024"x,
ned,+37255500025,extra
ab"c,+37255500026
"olga,+37255500027
CSV
before=$(q "SELECT count(*) FROM accounts")
check "import of a broken file: exit 3, nothing written" \
    "rc 3 A import '$T/bad.csv' && [ \"\$(q 'SELECT count(*) FROM accounts')\" = $before ] && grep -q 'nothing written' '$T/err'"
for l in "3: invalid account name 'bad name'" \
    "4: invalid MSISDN '12345'" \
    "5: account ivan or MSISDN +37255500022 repeats line 2" \
    "6: account kate or MSISDN +37255500020 repeats line 2" \
    "7: account exists (erin" \
    "8: MSISDN bound to another account (lena +37255500010)" \
    "9: text after a closing quote" \
    "11: expected 2 fields (account,msisdn), found 3" \
    "12: quote inside an unquoted field" \
    "13: quoted field not closed"; do
	check "import error reported: line $l" "grep -qF \"bad.csv:$l\" '$T/err'"
done
check "import without the header: exit 3, line 1" "printf 'x,+37255500030\\n' | rc 3 A import - && grep -q '(stdin):1: expected the header' '$T/err'"
check "import --dry-run writes nothing" "printf 'account,msisdn\\nzoe,+37255500031\\n' | rc 0 A import --dry-run - && [ \"\$(q \"SELECT count(*) FROM accounts WHERE name = 'zoe'\")\" = 0 ]"
check "import of a missing file: exit 1" "rc 1 A import '$T/none.csv'"
check "export: header, CRLF, every account, quoted where needed" \
    "rc 0 A export '$T/out.csv' && [ \"\$(stat -c %a '$T/out.csv')\" = 600 ] && head -n 1 '$T/out.csv' | od -c | grep -q '\\\\r  \\\\n' && [ \$(( \$(wc -l <'$T/out.csv') - 1 )) = \$(q 'SELECT count(*) FROM accounts') ] && grep -q '^erin,+37255500010' '$T/out.csv'"
check "export -> import into a new database gives the same bindings" \
    "'$ADMIN' --db '$T/copy.db' import '$T/out.csv' >/dev/null && [ \"\$(sqlite3 '$T/copy.db' \"SELECT group_concat(a.name || b.msisdn) FROM accounts a JOIN msisdn_bindings b ON b.account_id = a.id ORDER BY a.name\")\" = \"\$(q \"SELECT group_concat(a.name || b.msisdn) FROM accounts a JOIN msisdn_bindings b ON b.account_id = a.id ORDER BY a.name\")\" ]"

# ---- user del ---------------------------------------------------------------------------
check "user del removes account and binding, keeps its sessions" \
    "rc 0 A user del alice && [ \"\$(q \"SELECT count(*) FROM accounts WHERE name = 'alice'\")\" = 0 ] && [ \"\$(q \"SELECT count(*) FROM msisdn_bindings WHERE msisdn = '+37255500001'\")\" = 0 ] && [ \"\$(q \"SELECT count(*) FROM sessions WHERE account = 'alice'\")\" = 1 ]"
check "user del of an unknown account: exit 4" "rc 4 A user del alice"

# ---- beside another writer: the busy timeout -------------------------------------------
# sqlite3 holds the write lock for 1.5 s (as a long server transaction would)
# (with a busy timeout of its own: the probe below may hold the lock a moment)
(echo '.timeout 2000'; echo 'BEGIN IMMEDIATE; INSERT INTO rate_counters VALUES ("k", 0, 0);'; sleep 1.5; echo 'COMMIT;') | sqlite3 "$DB" &
LOCK_PID=$!
tl_track "$LOCK_PID"
# until the write lock is held: another writer's BEGIN IMMEDIATE fails at once
db_locked() { ! sqlite3 "$DB" 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1; }
wait_for 5 db_locked
check "with --busy-timeout 100 a locked database fails (exit 1)" "rc 1 A --busy-timeout 100 user add pat"
check "with the default timeout it waits for the lock and succeeds" "rc 0 A user add pat"
wait "$LOCK_PID"
check "the other writer's transaction committed as well" "[ \"\$(q \"SELECT count(*) FROM rate_counters WHERE key = 'k'\")\" = 1 ]"

tap_end

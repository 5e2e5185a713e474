#!/bin/bash
# web_login_vs_nginx.sh - requests per second of the login page (GET /,
# step 1) next to nginx serving a static file of the same size, on the
# same machine, with the same load generator (wrk).  Figures for
# docs/PERFORMANCE.md "Login page"; target: at least 50 % of nginx.
#
#   tests/bench/web_login_vs_nginx.sh [SECONDS] [CONNECTIONS] [ROUNDS]
#
# Needs build/bin/stkauth-server, nginx and wrk (apt-get install nginx wrk;
# only this benchmark uses them: nginx runs here with a private
# configuration, prefix and port, and is stopped by pid).  Both servers
# get one worker process (stkauth-server has one event loop), wrk one
# thread.  ROUNDS rounds (default 5) of nginx, first visit, returning,
# back to back; reported: the medians of the rates, of the serving
# process's CPU time per request, and of each round's ratio to nginx
# (the rounds' lines, "# round ...", show the spread and the load).
#
# Environment:
#   STKAUTH_SERVER=BIN    the server measured (build/bin/stkauth-server)
#   STKAUTH_SERVER_B=BIN  a second build, for an A/B comparison: it runs
#                         beside the first, each round measures it right
#                         after it, and the summary adds its figures and
#                         the median of the rounds' ratios of CPU time per
#                         request, B/A (the machine's load moves the rates
#                         of both alike)
#   CALLGRIND=1           no rates and no nginx: each server runs under
#                         valgrind's callgrind, and the figure is its
#                         instructions per request in user space (the
#                         server, libevent, libc, OpenSSL), which do not
#                         depend on the load; system calls are not in it
set -u
DUR=${1:-10}
CONN=${2:-32}
ROUNDS=${3:-5}
SERVERS=("${STKAUTH_SERVER:-build/bin/stkauth-server}")
[ -n "${STKAUTH_SERVER_B:-}" ] && SERVERS+=("$STKAUTH_SERVER_B")
CG=${CALLGRIND:-0}
need="wrk openssl curl ss shuf getconf"
[ "$CG" = 1 ] && need="$need valgrind callgrind_control" ||
    need="$need nginx pgrep"
for t in $need; do
	command -v $t >/dev/null 2>&1 || [ -x /usr/sbin/$t ] || {
		echo "web_login_vs_nginx: $t not installed" >&2; exit 1; }
done
for s in "${SERVERS[@]}"; do
	[ -x "$s" ] || { echo "web_login_vs_nginx: no $s" >&2; exit 1; }
done
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

used=" "
port() {
	local p
	for p in $(shuf -i 20000-59999 -n 50); do
		case $used in *" $p "*) continue ;; esac
		[ -z "$(ss -Htan "( sport = :$p )")" ] && { used="$used$p "; echo "$p"; return; }
	done
}

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ca.key" -out "$tmp/ca.pem" \
    -days 2 -subj "/CN=bench" 2>/dev/null
mkdir -p "$tmp/certs"

# server I (0: A, 1: B) on its own port and store -> SPID[I], SPORT[I],
# COOKIE[I] (a session's cookie, for the returning browser)
SPID=() SPORT=() COOKIE=()
start_server() {
	local i=$1 bin=${SERVERS[$1]} p h k
	p=$(port)
	cat >"$tmp/s$i.ini" <<EOF
[server]
listen = 127.0.0.1
port = $p
tls = no
database = $tmp/s$i.db
log_level = warn
[certs]
source = file
dir = $tmp/certs
ca = $tmp/ca.pem
[web]
captcha = never
max_sessions = 100000
EOF
	if [ "$CG" = 1 ]; then
		valgrind --tool=callgrind --callgrind-out-file="$tmp/cg$i.%p" \
		    "$bin" -c "$tmp/s$i.ini" 2>"$tmp/s$i.log" &
	else
		"$bin" -c "$tmp/s$i.ini" 2>"$tmp/s$i.log" &
	fi
	pids+=($!)
	SPID[$i]=$!
	SPORT[$i]=$p
	for k in $(seq 1 300); do
		curl -s -o /dev/null "http://127.0.0.1:$p/healthz" && break
		sleep 0.1
	done
	h=$(curl -s -D - -o "$tmp/page$i.html" "http://127.0.0.1:$p/") || {
		echo "web_login_vs_nginx: $bin does not answer:" >&2
		cat "$tmp/s$i.log" >&2; exit 1; }
	COOKIE[$i]=$(grep -io 'Set-Cookie: [^;]*' <<<"$h" | head -1 | cut -d' ' -f2)
}
for i in "${!SERVERS[@]}"; do start_server "$i"; done
size=$(stat -c %s "$tmp/page0.html")

# CPU time (clock ticks, user + system) of a process and its threads
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# one PID URL [HEADER] -> "REQ/S US/REQ": wrk's rate, and the serving
# process's CPU microseconds per request (less sensitive to what else
# the machine runs than the rate); under CALLGRIND "0 INSTRUCTIONS/REQ"
one() {
	local pid=$1 t0 t1 out f w
	shift
	if [ "$CG" = 1 ]; then
		callgrind_control -z "$pid" >/dev/null 2>&1
		out=$(wrk -t1 -c"$CONN" -d"${DUR}s" ${2:+-H "$2"} "$1")
		rm -f "$tmp"/cg*."$pid"*
		callgrind_control -d "$pid" >/dev/null 2>&1
		for w in $(seq 1 50); do
			f=$(ls "$tmp"/cg*."$pid"* 2>/dev/null | head -1)
			[ -n "$f" ] && grep -q '^totals:' "$f" && break
			sleep 0.1
		done
		awk -v ir="$(awk '/^totals:/ { print $2 }' "$f")" \
		    '/requests in/ { n = $1 }
		    END { printf "0 %d\n", n ? ir / n : 0 }' <<<"$out"
		return
	fi
	t0=$(ticks "$pid")
	out=$(wrk -t1 -c"$CONN" -d"${DUR}s" ${2:+-H "$2"} "$1")
	t1=$(ticks "$pid")
	awk -v t="$((t1 - t0))" -v hz="$HZ" '/requests in/ { n = $1 }
	    /Requests\/sec/ { r = int($2) }
	    END { printf "%d %d\n", r, n ? t * 1e6 / hz / n : 0 }' <<<"$out"
}
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
col() { awk -v c="$1" '{ print $c }' "$tmp/r" | med; }
load() { cut -d' ' -f1 /proc/loadavg; }
label=(A B)

if [ "$CG" = 1 ]; then
	# rounds of first visit and returning for each server (a warm-up
	# run first, so that the caches and the session table are filled)
	for i in "${!SERVERS[@]}"; do
		wrk -t1 -c"$CONN" -d1s "http://127.0.0.1:${SPORT[$i]}/" >/dev/null
	done
	: >"$tmp/r"
	for k in $(seq 1 "$ROUNDS"); do
		line=""
		for i in "${!SERVERS[@]}"; do
			u="http://127.0.0.1:${SPORT[$i]}/"
			read -r _ a < <(one "${SPID[$i]}" "$u")
			read -r _ b < <(one "${SPID[$i]}" "$u" "Cookie: ${COOKIE[$i]}")
			line="$line $a $b"
			echo "# round $k: ${label[$i]} first $a, returning $b instructions/request"
		done
		echo "$line" >>"$tmp/r"
	done
	echo "login page: $size octets; wrk -t1 -c$CONN -d${DUR}s under callgrind, $ROUNDS rounds, medians"
	for i in "${!SERVERS[@]}"; do
		printf '%s %s: first visit %6d, returning %6d instructions/request\n' \
		    "${label[$i]}" "${SERVERS[$i]}" "$(col $((2 * i + 1)))" "$(col $((2 * i + 2)))"
	done
	exit 0
fi

# a static file of the page's size for nginx
mkdir -p "$tmp/www"
head -c "$size" /dev/urandom | base64 -w 100 | head -c "$size" >"$tmp/www/page.html"
# nginx's workers run as nobody: let them read the file
chmod 755 "$tmp" "$tmp/www"
chmod 644 "$tmp/www/page.html"
P2=$(port)
cat >"$tmp/nginx.conf" <<EOF
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err warn;
daemon off;
events { worker_connections 1024; }
http {
	access_log off;
	server {
		listen 127.0.0.1:$P2;
		root $tmp/www;
		location / { default_type text/html; }
	}
}
EOF
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
"$NGINX" -e "$tmp/nginx.err" -p "$tmp" -c "$tmp/nginx.conf" &
pids+=($!)
for i in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$P2/page.html" && break; sleep 0.1; done
nsize=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:$P2/page.html")
[ "${nsize%% *}" = 200 ] || { echo "nginx does not serve the file: $nsize" >&2; exit 1; }
nsize=${nsize#* }
NPID=$(pgrep -P "${pids[-1]}" nginx | head -1)	# the worker, not the master
[ -n "$NPID" ] || NPID=${pids[-1]}

# ROUNDS rounds, each nginx, then each server's first visit and
# returning, back to back, so that they all see the same machine; per
# round the ratios to nginx.  Columns of $tmp/r: nginx rate, CPU; per
# server: first rate, CPU, returning rate, CPU, % first, % returning;
# the load last.
: >"$tmp/r"
for k in $(seq 1 "$ROUNDS"); do
	read -r nr nc < <(one "$NPID" "http://127.0.0.1:$P2/page.html")
	line="$nr $nc" say="nginx $nr/s ${nc} us"
	for i in "${!SERVERS[@]}"; do
		u="http://127.0.0.1:${SPORT[$i]}/"
		read -r ar ac < <(one "${SPID[$i]}" "$u")
		read -r br bc < <(one "${SPID[$i]}" "$u" "Cookie: ${COOKIE[$i]}")
		line="$line $ar $ac $br $bc $((100 * ar / nr)) $((100 * br / nr))"
		say="$say, ${label[$i]}: first $ar/s ${ac} us, returning $br/s ${bc} us"
	done
	echo "$line $(load)" >>"$tmp/r"
	echo "# round $k: $say, load $(load)"
done
echo "login page: $size octets (nginx file: $nsize octets); wrk -t1 -c$CONN -d${DUR}s, $ROUNDS rounds, medians"
echo "load average during the rounds: $(awk '{ print $NF }' "$tmp/r" | sort -n | sed -n '1p;$p' | paste -sd- )"
printf 'nginx static file:                       %6d requests/s  %4d us CPU/request\n' "$(col 1)" "$(col 2)"
for i in "${!SERVERS[@]}"; do
	c=$((3 + 6 * i))
	[ ${#SERVERS[@]} -gt 1 ] && echo "${label[$i]}: ${SERVERS[$i]}"
	printf 'GET / first visit (new web session):     %6d requests/s  %4d us CPU/request  %3d %% of nginx\n' "$(col $c)" "$(col $((c + 1)))" "$(col $((c + 4)))"
	printf 'GET / returning (cookie, session found): %6d requests/s  %4d us CPU/request  %3d %% of nginx\n' "$(col $((c + 2)))" "$(col $((c + 3)))" "$(col $((c + 5)))"
done
if [ ${#SERVERS[@]} -gt 1 ]; then
	# per round, CPU per request of B over A (the same round's load)
	awk '{ printf "%d %d\n", $4 ? 100 * $10 / $4 : 0, $6 ? 100 * $12 / $6 : 0 }' "$tmp/r" >"$tmp/ab"
	printf 'B/A CPU per request, median of the rounds: first visit %d %%, returning %d %%\n' \
	    "$(cut -d' ' -f1 "$tmp/ab" | med)" "$(cut -d' ' -f2 "$tmp/ab" | med)"
fi

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
set -u
DUR=${1:-10}
CONN=${2:-32}
ROUNDS=${3:-5}
SERVER=${STKAUTH_SERVER:-build/bin/stkauth-server}
for t in nginx wrk openssl curl ss shuf pgrep getconf; do
	command -v $t >/dev/null 2>&1 || [ -x /usr/sbin/$t ] || {
		echo "web_login_vs_nginx: $t not installed" >&2; exit 1; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

port() {
	local p
	for p in $(shuf -i 20000-59999 -n 50); do
		[ -z "$(ss -Htan "( sport = :$p )")" ] && { echo "$p"; return; }
	done
}
P1=$(port)
P2=$(port)
while [ "$P2" = "$P1" ]; do P2=$(port); done

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ca.key" -out "$tmp/ca.pem" \
    -days 2 -subj "/CN=bench" 2>/dev/null
mkdir -p "$tmp/certs"
cat >"$tmp/s.ini" <<EOF
[server]
listen = 127.0.0.1
port = $P1
tls = no
database = $tmp/s.db
log_level = warn
[certs]
source = file
dir = $tmp/certs
ca = $tmp/ca.pem
[web]
captcha = never
max_sessions = 100000
EOF
"$SERVER" -c "$tmp/s.ini" 2>"$tmp/s.log" &
pids+=($!)
for i in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$P1/healthz" && break; sleep 0.1; done

# the page as a first visit returns it, and a static file of that size
curl -s -D "$tmp/h" -o "$tmp/page.html" "http://127.0.0.1:$P1/"
size=$(stat -c %s "$tmp/page.html")
cookie=$(grep -io 'Set-Cookie: [^;]*' "$tmp/h" | head -1 | cut -d' ' -f2)
mkdir -p "$tmp/www"
head -c "$size" /dev/urandom | base64 -w 100 | head -c "$size" >"$tmp/www/page.html"
# nginx's workers run as nobody: let them read the file
chmod 755 "$tmp" "$tmp/www"
chmod 644 "$tmp/www/page.html"
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
"$NGINX" -e "$tmp/nginx.err" -p "$tmp" -c "$tmp/nginx.conf" &
pids+=($!)
for i in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$P2/page.html" && break; sleep 0.1; done
nsize=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:$P2/page.html")
[ "${nsize%% *}" = 200 ] || { echo "nginx does not serve the file: $nsize" >&2; exit 1; }
nsize=${nsize#* }

# CPU time (clock ticks, user + system) of a process and its threads
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
SPID=${pids[0]}
NPID=$(pgrep -P "${pids[1]}" nginx | head -1)	# the worker, not the master
[ -n "$NPID" ] || NPID=${pids[1]}

# one URL [HEADER] -> "REQ/S US/REQ": wrk's rate, and the serving process's
# CPU microseconds per request (less sensitive to what else the machine
# runs than the rate)
one() {	# PID URL [HEADER]
	local pid=$1 t0 t1 out
	shift
	t0=$(ticks "$pid")
	out=$(wrk -t1 -c"$CONN" -d"${DUR}s" ${2:+-H "$2"} "$1")
	t1=$(ticks "$pid")
	awk -v t="$((t1 - t0))" -v hz="$HZ" '/requests in/ { n = $1 }
	    /Requests\/sec/ { r = int($2) }
	    END { printf "%d %d\n", r, n ? t * 1e6 / hz / n : 0 }' <<<"$out"
}
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# ROUNDS rounds, each nginx, first visit, returning back to back, so that
# the three see the same machine; per round the ratios to nginx
: >"$tmp/r"
for k in $(seq 1 "$ROUNDS"); do
	read -r nr nc < <(one "$NPID" "http://127.0.0.1:$P2/page.html")
	read -r ar ac < <(one "$SPID" "http://127.0.0.1:$P1/")
	read -r br bc < <(one "$SPID" "http://127.0.0.1:$P1/" "Cookie: $cookie")
	echo "$nr $nc $ar $ac $br $bc $((100 * ar / nr)) $((100 * br / nr)) $(cut -d' ' -f1 /proc/loadavg)" >>"$tmp/r"
	echo "# round $k: nginx $nr/s ${nc} us, first $ar/s ${ac} us, returning $br/s ${bc} us, load $(cut -d' ' -f1 /proc/loadavg)"
done
col() { awk -v c="$1" '{ print $c }' "$tmp/r" | med; }
echo "login page: $size octets (nginx file: $nsize octets); wrk -t1 -c$CONN -d${DUR}s, $ROUNDS rounds, medians"
echo "load average during the rounds: $(awk '{ print $9 }' "$tmp/r" | sort -n | sed -n '1p;$p' | paste -sd- )"
printf 'nginx static file:                       %6d requests/s  %4d us CPU/request\n' "$(col 1)" "$(col 2)"
printf 'GET / first visit (new web session):     %6d requests/s  %4d us CPU/request  %3d %% of nginx\n' "$(col 3)" "$(col 4)" "$(col 7)"
printf 'GET / returning (cookie, session found): %6d requests/s  %4d us CPU/request  %3d %% of nginx\n' "$(col 5)" "$(col 6)" "$(col 8)"

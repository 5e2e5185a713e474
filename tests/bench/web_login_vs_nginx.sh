#!/bin/bash
# web_login_vs_nginx.sh - requests per second of the login page (GET /,
# step 1) next to nginx serving a static file of the same size, on the
# same machine, with the same load generator (wrk).  Figures for
# docs/PERFORMANCE.md "Login page"; target: at least 50 % of nginx.
#
#   tests/bench/web_login_vs_nginx.sh [SECONDS] [CONNECTIONS]
#
# Needs build/bin/stkauth-server, nginx and wrk (apt-get install nginx wrk;
# only this benchmark uses them: nginx runs here with a private
# configuration, prefix and port, and is stopped by pid).  Both servers
# get one worker process (stkauth-server has one event loop), wrk one
# thread.  Three runs each, the median is reported.
set -u
DUR=${1:-10}
CONN=${2:-32}
SERVER=${STKAUTH_SERVER:-build/bin/stkauth-server}
for t in nginx wrk openssl curl ss shuf; do
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

rps() {	# rps URL [HEADER] -> median requests/s of 3 runs
	local r=()
	for k in 1 2 3; do
		if [ $# -ge 2 ]; then
			r+=($(wrk -t1 -c"$CONN" -d"${DUR}s" -H "$2" "$1" | awk '/Requests\/sec/ {print int($2)}'))
		else
			r+=($(wrk -t1 -c"$CONN" -d"${DUR}s" "$1" | awk '/Requests\/sec/ {print int($2)}'))
		fi
	done
	printf '%s\n' "${r[@]}" | sort -n | sed -n 2p
}
n=$(rps "http://127.0.0.1:$P2/page.html")
a=$(rps "http://127.0.0.1:$P1/")
b=$(rps "http://127.0.0.1:$P1/" "Cookie: $cookie")
echo "login page: $size octets (nginx file: $nsize octets); wrk -t1 -c$CONN -d${DUR}s, median of 3"
echo "nginx static file:                          $n requests/s"
printf 'GET / first visit (new web session):        %s requests/s (%d %% of nginx)\n' "$a" $((100 * a / n))
printf 'GET / returning (cookie, session found):    %s requests/s (%d %% of nginx)\n' "$b" $((100 * b / n))

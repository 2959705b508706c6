#!/bin/bash
# lb_bench.sh - twin-lb against HAProxy in one run on the loopback, the
# same nginx servers behind both, measured with wrk, reported as ratios:
#
#   1. l7: 1 KiB responses, keep-alive clients: requests/s and p99;
#   2. https with keep-alive: the same over TLS (both terminate it);
#      these two in rounds, summarised as the median of the ratios;
#   3. new TLS connections/s: every request on a new connection
#      ("Connection: close"); wrk resumes each client's session (TLS 1.3
#      tickets), as browsers do;
#   4. full TLS handshakes/s: a loop of openssl s_time -new (no
#      resumption), four at once;
#   5. the resident memory of each balancer after the runs.
#
# Both balancers run one thread (HAProxy's nbthread 1: twin-lb has one
# event loop), balance two nginx servers round robin, keep idle server
# connections, and check the servers; twin-lb also writes its access log
# (HAProxy logs nothing here), so the comparison is, if anything, unfair
# to twin-lb. The certificate is one RSA 2048 composite file made by
# twin-cert, loaded by both.
#
# Not part of "make check". Needs haproxy, nginx, wrk, curl and openssl. Build
# twin-lb without sanitizers for this (plain ./configure, -O2):
#
#   TWIN_LB=build-rel/twin-lb [ROUNDS=3] tests/bench/lb_bench.sh [seconds]
#
# Everything listens on 127.0.0.1 ports 27000-27600 and stops at exit;
# each wrk run is bounded by its duration (default 10 s): about
# (4 x ROUNDS + 5) runs in all.
set -u
D=${D:-10}
[ $# -ge 1 ] && D=$1
C=${CONNS:-50}
TWIN_LB=${TWIN_LB:-$(dirname "$0")/../../build/twin-lb}
TWIN_LB=$(cd "$(dirname "$TWIN_LB")" && pwd)/$(basename "$TWIN_LB")
TWIN_CERT=${TWIN_CERT:-$(dirname "$TWIN_LB")/twin-cert}
# bench_lib.sh checks that the daemon under test is built.
# shellcheck disable=SC2034  # read by bench_init
TWIN_PROXY=$TWIN_LB
. "$(dirname "$0")/bench_lib.sh"
bench_init lb-bench haproxy nginx wrk curl openssl
[ -x "$TWIN_CERT" ] || { echo "no twin-cert at $TWIN_CERT" >&2; exit 2; }

mkdir -p "$W/www/u" "$W/pki"
head -c 1024 /dev/urandom | base64 -w0 | head -c 1024 >"$W/www/u/1k"
cat >"$W/nginx.conf" <<NG
worker_processes 2; daemon off; pid $W/nginx.pid; error_log $W/logs/nginx.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; sendfile on;
  server { listen 127.0.0.1:27081; listen 127.0.0.1:27082; root $W/www; }
}
NG
bench_start nginx.out nginx -c "$W/nginx.conf"

(
    cd "$W/pki" || exit 1
    "$TWIN_CERT" ca init -d ca -s "/CN=Bench CA" &&
    "$TWIN_CERT" key -o lb.key &&
    "$TWIN_CERT" csr -k lb.key -s /CN=lb.bench -a DNS:lb.bench -o lb.csr &&
    "$TWIN_CERT" ca sign -d ca lb.csr --server -o lb.crt &&
    "$TWIN_CERT" compose lb.key lb.crt -o lb.pem
) >"$W/logs/twin-cert.log" 2>&1 || { echo "twin-cert failed" >&2; exit 1; }
# twin-lb reads it as the user it runs as.
[ "$(id -u)" = 0 ] && chown nobody "$W/pki/lb.pem"
chmod 755 "$W/pki"

cat >"$W/haproxy.cfg" <<HA
global
  maxconn 8000
  nbthread 1
  tune.ssl.default-dh-param 2048
defaults
  mode http
  timeout client 30s
  timeout server 30s
  timeout connect 5s
frontend fe
  bind 127.0.0.1:27000
  bind 127.0.0.1:27443 ssl crt $W/pki/lb.pem
  default_backend be
backend be
  balance roundrobin
  http-reuse always
  server n1 127.0.0.1:27081 check
  server n2 127.0.0.1:27082 check
HA
bench_start haproxy.out haproxy -f "$W/haproxy.cfg"
HA_PID=$BENCH_PID

# As root it switches users: to one every host has.
LB_USER=$(id -un)
[ "$(id -u)" = 0 ] && LB_USER=nobody
cat >"$W/twinproxy.conf" <<LB
peer { name bench; address 127.0.0.1; run-dir $W/run; user $LB_USER; }
cluster web {
	listen 127.0.0.1:27100;
	server n1 127.0.0.1:27081;
	server n2 127.0.0.1:27082;
	icmp-check no;
	access-log $W/logs/lb-access.log;
}
cluster tls {
	mode https;
	listen 127.0.0.1:27543;
	certificate $W/pki/lb.pem;
	server n1 127.0.0.1:27081;
	server n2 127.0.0.1:27082;
	icmp-check no;
	access-log $W/logs/lb-access.log;
}
LB
bench_start twin-lb.log "$TWIN_LB" -d -f "$W/twinproxy.conf"
LB_PID=$BENCH_PID

ready() { curl -sk -o /dev/null -m 2 "$@"; }
for i in $(seq 1 100); do
    ready http://127.0.0.1:27081/u/1k && ready http://127.0.0.1:27000/u/1k &&
        ready http://127.0.0.1:27100/u/1k &&
        ready https://127.0.0.1:27443/u/1k &&
        ready https://127.0.0.1:27543/u/1k && break
    [ "$i" = 100 ] && { echo "servers did not come up" >&2; exit 1; }
    sleep 0.1
done

# cpu PID: user and system CPU time of PID, in clock ticks.
cpu() { awk '{ print $14, $15 }' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# run NAME URL [WRK ARGS]: one wrk run; sets RPS and P99_MS. With PID set,
# also the CPU time that process spent per request (USR_US, SYS_US): on a
# shared machine a steadier comparison than requests/s.
run() {
    local name=$1 url=$2 out u0 s0 u1 s1 n
    shift 2
    [ -n "${PID:-}" ] && read -r u0 s0 < <(cpu "$PID")
    out=$(wrk -t1 -c"$C" -d"${D}s" --latency "$@" "$url" 2>&1)
    RPS=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
    P99_MS=$(echo "$out" | awk '$1 == "99%" { v = $2;
        if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v) }
        else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
        print v }')
    printf "%-34s %10s req/s   p99 %8s ms   %s\n" "$name" "$RPS" \
        "$P99_MS" "$(echo "$out" | grep -E 'Non-2xx|Socket errors' |
        tr '\n' ' ')"
    if [ -n "${PID:-}" ]; then
        read -r u1 s1 < <(cpu "$PID")
        n=$(echo "$out" | awk '/requests in/ { print $1 }')
        USR_US=$(awk -v t=$((u1 - u0)) -v n="$n" -v hz="$HZ" \
            'BEGIN { printf "%.1f", t * 1e6 / hz / n }')
        SYS_US=$(awk -v t=$((s1 - s0)) -v n="$n" -v hz="$HZ" \
            'BEGIN { printf "%.1f", t * 1e6 / hz / n }')
        printf "%-34s %10s us user + %s us system CPU a request\n" "" \
            "$USR_US" "$SYS_US"
    fi
}
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

# The keep-alive runs go in rounds (ROUNDS, default 3), HAProxy and
# twin-lb back to back in each, the order swapped every other round: on a
# shared machine the speed of the whole box drifts by more than the
# difference measured, so each round's ratio compares runs made a few
# seconds apart, and the summary is the median of the rounds' ratios.
ROUNDS=${ROUNDS:-3}
: >"$W/rounds"
# pair KIND URL_HA URL_LB: one round of KIND, both balancers; the ratios
# (requests/s, p99, CPU a request) go to $W/rounds.
pair() {
    local kind=$1 who order="ha lb"
    local -A url=([ha]=$2 [lb]=$3) pid=([ha]=$HA_PID [lb]=$LB_PID)
    local -A name=([ha]=haproxy [lb]=twin-lb) rps p99 cpu
    [ $((r % 2)) = 0 ] && order="lb ha"
    for who in $order; do
        PID=${pid[$who]} run "${name[$who]} $kind" "${url[$who]}"
        rps[$who]=$RPS p99[$who]=$P99_MS
        cpu[$who]=$(awk -v a="$USR_US" -v b="$SYS_US" 'BEGIN { print a + b }')
    done
    {
        echo "$kind rps $(bench_ratio "${rps[lb]}" "${rps[ha]}")"
        echo "$kind p99 $(bench_ratio "${p99[lb]}" "${p99[ha]}")"
        echo "$kind cpu $(bench_ratio "${cpu[lb]}" "${cpu[ha]}")"
    } >>"$W/rounds"
}
# ratio KIND WHAT: median (min-max) of the rounds' ratios.
ratio() { awk -v k="$1" -v w="$2" '$1 == k && $2 == w { print $3 }' \
    "$W/rounds" | bench_stats; }

echo "== 1 KiB, $C keep-alive connections, ${D}s each, $ROUNDS rounds =="
run "nginx direct" http://127.0.0.1:27081/u/1k
for r in $(seq 1 "$ROUNDS"); do
    echo "-- round $r"
    pair l7 http://127.0.0.1:27000/u/1k http://127.0.0.1:27100/u/1k
    pair https https://127.0.0.1:27443/u/1k https://127.0.0.1:27543/u/1k
done

echo "== new TLS connections (Connection: close), $C connections =="
run "haproxy new connections" https://127.0.0.1:27443/u/1k -H "Connection: close"
HA_NC=$RPS
run "twin-lb new connections" https://127.0.0.1:27543/u/1k -H "Connection: close"
LB_NC=$RPS

# handshakes NAME PORT: full handshakes per second, four s_time loops.
handshakes() {
    local i n=0 c pids=()
    for i in 1 2 3 4; do
        timeout $((D + 10)) openssl s_time -connect "127.0.0.1:$2" -new \
            -time "$D" >"$W/stime.$i" 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}"
    for i in 1 2 3 4; do
        c=$(awk '/connections in/ { print $1; exit }' "$W/stime.$i")
        n=$((n + ${c:-0}))
    done
    HS=$(awk -v n="$n" -v d="$D" 'BEGIN { printf "%.1f", n / d }')
    printf "%-34s %10s handshakes/s\n" "$1" "$HS"
}
echo "== full TLS handshakes, openssl s_time -new, 4 loops =="
handshakes "haproxy handshakes" 27443
HA_HS=$HS
handshakes "twin-lb handshakes" 27543
LB_HS=$HS

echo "== resident memory after the runs =="
printf "%-34s %10s KiB\n" haproxy "$(rss "$HA_PID")" twin-lb "$(rss "$LB_PID")"

echo "== ratios, twin-lb / haproxy: median (min-max) of $ROUNDS rounds =="
printf "l7 requests/s       %-18s (target >= 1.0)\n" "$(ratio l7 rps)"
printf "l7 p99 latency      %-18s (target <= 1.0)\n" "$(ratio l7 p99)"
printf "l7 CPU a request    %-18s (lower is better)\n" "$(ratio l7 cpu)"
printf "https keep-alive    %-18s (target >= 0.9)\n" "$(ratio https rps)"
printf "https CPU a request %-18s (lower is better)\n" "$(ratio https cpu)"
echo "== ratios, twin-lb / haproxy: one run each =="
awk -v a="$LB_NC" -v b="$HA_NC" 'BEGIN { printf "new TLS conns/s     %.2f               (target >= 0.9)\n", a / b }'
awk -v a="$LB_HS" -v b="$HA_HS" 'BEGIN { printf "full handshakes/s   %.2f               (target >= 0.9)\n", a / b }'
echo "twin-lb access log lines: $(wc -l <"$W/logs/lb-access.log")"

#!/bin/bash
# proxy_bench.sh - twin-proxy against Squid (and HAProxy as an L7 reference)
# in one run on the loopback, measured with wrk, reported as ratios.
#
#   1. uncacheable 1 KiB responses (nginx origin, Cache-Control: no-store)
#      through each forward proxy with keep-alive clients: requests/s, p99
#      and the proxy's CPU time per request, in rounds (ROUNDS, default
#      3) of one run each, summarised as "median (min-max)";
#   2. CONNECT tunnel throughput: a 256 MiB download through a tunnel
#      opened by each proxy (curl --proxytunnel), best of three.
# HAProxy is a reverse proxy, so it is driven with origin-form requests
# and shown as a reference for the cost of an L7 hop, not a competitor.
#
# Not part of "make check". Needs squid, haproxy, nginx, wrk and curl.
# Build twin-proxy without sanitizers for this (plain ./configure, -O2):
#
#   TWIN_PROXY=/path/to/build/twin-proxy tests/bench/proxy_bench.sh [seconds]
#
# Everything listens on 127.0.0.1 ports 27000-27130 and stops at exit; each
# wrk run is bounded by its duration (default 10 s).
set -u
D=${D:-10}
[ $# -ge 1 ] && D=$1
C=${CONNS:-50}
ROUNDS=${ROUNDS:-3}
TWIN_PROXY=${TWIN_PROXY:-$(dirname "$0")/../../build/twin-proxy}
. "$(dirname "$0")/bench_lib.sh"
bench_init proxy-bench squid haproxy nginx wrk curl
mkdir -p "$W/www/u"
head -c 1024 /dev/urandom | base64 -w0 | head -c 1024 >"$W/www/u/1k"
head -c $((256 * 1024 * 1024)) /dev/zero >"$W/www/u/big"
bench_nginx 'location /u/ { add_header Cache-Control "no-store"; }'
bench_squid
SQUID_PID=$BENCH_PID

cat >"$W/haproxy.cfg" <<HA
global
  maxconn 4000
defaults
  mode http
  timeout client 30s
  timeout server 30s
  timeout connect 5s
frontend fe
  bind 127.0.0.1:27000
  default_backend be
backend be
  server o1 127.0.0.1:27080
  http-reuse always
HA
bench_start haproxy.out haproxy -f "$W/haproxy.cfg"
bench_twin_proxy 27129 "connect-port 27080"
TWIN_PID=$BENCH_PID

ready() { curl -s -o /dev/null -m 2 "$@"; }
for i in $(seq 1 100); do
    ready http://127.0.0.1:27080/u/1k && ready http://127.0.0.1:27000/u/1k &&
        ready -x 127.0.0.1:27128 http://127.0.0.1:27080/u/1k &&
        ready -x 127.0.0.1:27129 http://127.0.0.1:27080/u/1k && break
    [ "$i" = 100 ] && { echo "servers did not come up" >&2; exit 1; }
    sleep 0.1
done

# tunnel NAME PROXY: best CONNECT download speed of three, in MB/s.
tunnel() {
    local best=0 s i
    for i in 1 2 3; do
        s=$(curl -s -p -x "$2" -o /dev/null -w '%{speed_download}' \
            -m 60 http://127.0.0.1:27080/u/big) || s=0
        s=${s%%.*}
        [ "$s" -gt "$best" ] && best=$s
    done
    TUN=$((best / 1000000))
    printf "%-30s %10s MB/s\n" "$1" "$TUN"
}

echo "== uncacheable 1 KiB, $C connections, ${D}s each, $ROUNDS rounds =="
O=http://127.0.0.1:27080
bench_wrk "origin direct (nginx)" "$O/u/1k"
bench_wrk "haproxy L7 reverse (ref.)" "http://127.0.0.1:27000/u/1k"
declare -A R P U
for ((r = 1; r <= ROUNDS; r++)); do
    CPU_PID=$SQUID_PID bench_wrk "squid forward" "http://127.0.0.1:27128" \
        "$O/u/1k"
    R[sq.$r]=$RPS P[sq.$r]=$P99_MS U[sq.$r]=$CPU_US
    CPU_PID=$TWIN_PID bench_wrk "twin-proxy forward" \
        "http://127.0.0.1:27129" "$O/u/1k"
    R[tw.$r]=$RPS P[tw.$r]=$P99_MS U[tw.$r]=$CPU_US
done
# rounds rps|p99|cpu: the rounds' ratios of twin-proxy to squid (cpu: the
# inverse, so that more than 1 means twin-proxy spends less).
rounds() {
    local r
    for ((r = 1; r <= ROUNDS; r++)); do
        case $1 in
        rps) bench_ratio "${R[tw.$r]}" "${R[sq.$r]}" ;;
        p99) bench_ratio "${P[tw.$r]}" "${P[sq.$r]}" ;;
        cpu) bench_ratio "${U[sq.$r]}" "${U[tw.$r]}" ;;
        esac
        echo
    done
}

echo "== CONNECT tunnel, 256 MiB download, best of 3 =="
tunnel "squid CONNECT" 127.0.0.1:27128
SQ_TUN=$TUN
tunnel "twin-proxy CONNECT" 127.0.0.1:27129
TW_TUN=$TUN

echo "== plain HTTP download of 256 MiB, best of 3 (for information) =="
big() {
    local best=0 s i
    for i in 1 2 3; do
        s=$(curl -s -x "$2" -o /dev/null -w '%{speed_download}' -m 60 \
            http://127.0.0.1:27080/u/big) || s=0
        s=${s%%.*}
        [ "$s" -gt "$best" ] && best=$s
    done
    printf "%-30s %10s MB/s\n" "$1" "$((best / 1000000))"
}
big "squid GET" 127.0.0.1:27128
big "twin-proxy GET" 127.0.0.1:27129

echo "== ratios, twin-proxy / squid: median (min-max) of $ROUNDS rounds =="
echo "requests/s   $(rounds rps | bench_stats)   (target >= 3)"
echo "p99 latency  $(rounds p99 | bench_stats)   (target <= 1)"
echo "CPU/request  $(rounds cpu | bench_stats)   (squid's / ours)"
awk -v a="$TW_TUN" -v b="$SQ_TUN" 'BEGIN { if (b > 0) printf "CONNECT      %.2fx   (target >= 1)\n", a / b }'
echo "twin-proxy access log lines: $(wc -l <"$W/logs/twin-access.log")"

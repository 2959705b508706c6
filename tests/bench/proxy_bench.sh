#!/bin/bash
# proxy_bench.sh - twin-proxy against Squid (and HAProxy as an L7 reference)
# in one run on the loopback, measured with wrk, reported as ratios.
#
#   1. uncacheable 1 KiB responses (nginx origin, Cache-Control: no-store)
#      through each forward proxy with keep-alive clients: requests/s, p99;
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
TWIN_PROXY=${TWIN_PROXY:-$(dirname "$0")/../../build/twin-proxy}
. "$(dirname "$0")/bench_lib.sh"
bench_init proxy-bench squid haproxy nginx wrk curl
mkdir -p "$W/www/u"
head -c 1024 /dev/urandom | base64 -w0 | head -c 1024 >"$W/www/u/1k"
head -c $((256 * 1024 * 1024)) /dev/zero >"$W/www/u/big"
bench_nginx 'location /u/ { add_header Cache-Control "no-store"; }'
bench_squid

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

ready() { curl -s -o /dev/null -m 2 "$@"; }
for i in $(seq 1 100); do
    ready http://127.0.0.1:27080/u/1k && ready http://127.0.0.1:27000/u/1k &&
        ready -x 127.0.0.1:27128 http://127.0.0.1:27080/u/1k &&
        ready -x 127.0.0.1:27129 http://127.0.0.1:27080/u/1k && break
    [ "$i" = 100 ] && { echo "servers did not come up" >&2; exit 1; }
    sleep 0.1
done

cat >"$W/fwd.lua" <<'LUA'
wrk.path = os.getenv("TARGET")
wrk.headers["Host"] = "127.0.0.1:27080"
LUA

# run NAME URL [TARGET]: one wrk run; sets RPS and P99_MS.
run() {
    local out
    if [ -n "${3:-}" ]; then
        out=$(TARGET=$3 wrk -t1 -c"$C" -d"${D}s" --latency -s "$W/fwd.lua" "$2" 2>&1)
    else
        out=$(wrk -t1 -c"$C" -d"${D}s" --latency "$2" 2>&1)
    fi
    RPS=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
    P99_MS=$(echo "$out" | awk '$1 == "99%" { v = $2;
        if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v) }
        else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
        print v }')
    printf "%-30s %10s req/s   p99 %8s ms   %s\n" "$1" "$RPS" "$P99_MS" \
        "$(echo "$out" | grep -E 'Non-2xx|Socket errors' | tr '\n' ' ')"
}

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

echo "== uncacheable 1 KiB, $C connections, ${D}s each =="
O=http://127.0.0.1:27080
run "origin direct (nginx)" "$O/u/1k"
run "haproxy L7 reverse (ref.)" "http://127.0.0.1:27000/u/1k"
run "squid forward" "http://127.0.0.1:27128" "$O/u/1k"
SQ_RPS=$RPS SQ_P99=$P99_MS
run "twin-proxy forward" "http://127.0.0.1:27129" "$O/u/1k"
TW_RPS=$RPS TW_P99=$P99_MS

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

echo "== ratios, twin-proxy / squid =="
awk -v a="$TW_RPS" -v b="$SQ_RPS" 'BEGIN { printf "requests/s   %.2fx   (target >= 2)\n", a / b }'
awk -v a="$TW_P99" -v b="$SQ_P99" 'BEGIN { printf "p99 latency  %.2fx   (target <= 1)\n", a / b }'
awk -v a="$TW_TUN" -v b="$SQ_TUN" 'BEGIN { if (b > 0) printf "CONNECT      %.2fx   (target >= 1)\n", a / b }'
echo "twin-proxy access log lines: $(wc -l <"$W/logs/twin-access.log")"

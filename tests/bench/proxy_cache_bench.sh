#!/bin/bash
# proxy_cache_bench.sh - cache hits of twin-proxy against Squid's in one run
# on the loopback, measured with wrk and reported as ratios, with the
# resident memory of both proxies afterwards.
#
# An nginx origin serves cacheable 1 KiB and 64 KiB objects
# (Cache-Control: max-age=3600); both proxies keep them in memory (Squid
# cache_mem, twin-proxy cache-memory) and are warmed before wrk runs with
# 50 keep-alive connections on one thread. Targets: twin-proxy at least
# 1.5x Squid's requests/s for 1 KiB and 3x for 64 KiB.
#
# Not part of "make check". Needs squid, nginx, wrk and curl. Build
# twin-proxy without sanitizers for this (plain ./configure, -O2):
#
#   TWIN_PROXY=/path/to/build/twin-proxy tests/bench/proxy_cache_bench.sh [s]
#
# Everything listens on 127.0.0.1 ports 27080-27228 and stops at exit; each
# wrk run is bounded by its duration (default 10 s).
set -u
D=${D:-10}
[ $# -ge 1 ] && D=$1
C=${CONNS:-50}
TWIN_PROXY=${TWIN_PROXY:-$(dirname "$0")/../../build/twin-proxy}
. "$(dirname "$0")/bench_lib.sh"
bench_init proxy-cache-bench squid nginx wrk curl
mkdir -p "$W/www/c"
head -c 1024 /dev/urandom | base64 -w0 | head -c 1024 >"$W/www/c/1k"
head -c 65536 /dev/urandom >"$W/www/c/64k"
bench_nginx 'location /c/ { add_header Cache-Control "max-age=3600"; }'
bench_squid "maximum_object_size_in_memory 2 MB"
SQUID_PID=$BENCH_PID
bench_twin_proxy 27228 "cache-memory 256M"
TWIN_PID=$BENCH_PID

# up PORT: wait (bounded) until something accepts on 127.0.0.1:PORT.
up() {
    local i
    for ((i = 0; i < 100; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on port $1" >&2
    exit 2
}
up 27080
up 27128
up 27228

cat >"$W/fwd.lua" <<'LUA'
wrk.path = os.getenv("TARGET")
wrk.headers["Host"] = "127.0.0.1:27080"
LUA
# run NAME PROXY TARGET: one wrk run through a proxy; sets RPS.
run() {
    local out p99 err
    out=$(TARGET=$3 timeout $((D + 20)) wrk -t1 -c"$C" -d"${D}s" --latency \
        -s "$W/fwd.lua" "$2" 2>&1)
    RPS=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
    p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
    err=$(echo "$out" | grep -E "Non-2xx|Socket errors" | tr '\n' ' ')
    printf "%-24s %10s req/s  p99 %8s  %s\n" "$1" "${RPS:-?}" "$p99" "$err"
}
# rss PID: resident memory in KiB.
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }

O=http://127.0.0.1:27080
for i in 1 2 3; do
    for o in 1k 64k; do
        curl -s -o /dev/null -x 127.0.0.1:27128 "$O/c/$o"
        curl -s -o /dev/null -x 127.0.0.1:27228 "$O/c/$o"
    done
done
# Both must really be hitting, or the comparison means nothing.
curl -s -D - -o /dev/null -x 127.0.0.1:27228 "$O/c/64k" | grep -qi '^Age:' ||
    { echo "twin-proxy does not answer from its cache" >&2; exit 2; }

run "squid hit 1k" http://127.0.0.1:27128 "$O/c/1k"; S1=$RPS
run "twin-proxy hit 1k" http://127.0.0.1:27228 "$O/c/1k"; T1=$RPS
run "squid hit 64k" http://127.0.0.1:27128 "$O/c/64k"; S64=$RPS
run "twin-proxy hit 64k" http://127.0.0.1:27228 "$O/c/64k"; T64=$RPS

echo "ratio 1k:  $(ratio "$T1" "$S1")x Squid (target 1.5x)"
echo "ratio 64k: $(ratio "$T64" "$S64")x Squid (target 3x)"
echo "RSS after the runs: twin-proxy $(rss "$TWIN_PID") KiB, squid $(rss "$SQUID_PID") KiB"
echo "squid TCP_MEM_HIT lines: $(grep -c TCP_MEM_HIT "$W/logs/squid-access.log")"
sleep 1.2	# twin-proxy flushes its access log every second
echo "twin-proxy TCP_MEM_HIT lines: $(grep -c TCP_MEM_HIT "$W/logs/twin-access.log")"

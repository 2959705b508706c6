#!/bin/bash
# proxy_cache_bench.sh - memory cache hits of twin-proxy against Apache
# Traffic Server's and Squid's, in one run on the loopback, measured with
# wrk and reported as ratios, with the resident memory of the proxies.
#
# An nginx origin serves cacheable objects of 1 KiB, 64 KiB, 256 KiB and
# 1 MiB (Cache-Control: max-age=3600); every proxy keeps them in memory
# (Squid cache_mem, Traffic Server's RAM cache, twin-proxy cache-memory)
# and is warmed before wrk runs with 50 keep-alive connections on one
# thread. Each round measures every size through every proxy back to back;
# the ratios of the rounds (ROUNDS, default 3) are summarised as
# "median (min-max)", with each proxy's CPU time per request (user and
# system, all threads: what it costs, whatever share of the machine it
# got). Targets: twin-proxy at least 1.2x Traffic Server at every size.
#
# Traffic Server (Debian trafficserver, optional: without it, or without
# root, only Squid is compared) runs as a forward proxy with one exec
# thread and a runroot of its own in the temporary folder; the system's
# configuration and service are not touched.
#
# Not part of "make check". Needs squid, nginx, wrk and curl. Build
# twin-proxy without sanitizers for this (plain ./configure, -O2):
#
#   TWIN_PROXY=/path/to/build/twin-proxy tests/bench/proxy_cache_bench.sh [s]
#
# Everything listens on 127.0.0.1 ports 27080-27328 and stops at exit; each
# wrk run is bounded by its duration (default 10 s).
set -u
D=${D:-10}
[ $# -ge 1 ] && D=$1
C=${CONNS:-50}
ROUNDS=${ROUNDS:-3}
SIZES=${SIZES:-"1k 64k 256k 1m"}
TWIN_PROXY=${TWIN_PROXY:-$(dirname "$0")/../../build/twin-proxy}
. "$(dirname "$0")/bench_lib.sh"
bench_init proxy-cache-bench squid nginx wrk curl
mkdir -p "$W/www/c"
head -c 1024 /dev/urandom | base64 -w0 | head -c 1024 >"$W/www/c/1k"
head -c 65536 /dev/urandom >"$W/www/c/64k"
head -c 262144 /dev/urandom >"$W/www/c/256k"
head -c 1048576 /dev/urandom >"$W/www/c/1m"
bench_nginx 'location /c/ { add_header Cache-Control "max-age=3600"; }'
bench_squid "maximum_object_size_in_memory 2 MB"
SQUID_PID=$BENCH_PID
bench_twin_proxy 27228 "cache-memory 256M"
TWIN_PID=$BENCH_PID
ATS_PID=
if command -v traffic_server >/dev/null && [ "$(id -u)" = 0 ]; then
    bench_ats 27328 268435456
    ATS_PID=$BENCH_PID
else
    echo "no Traffic Server (package trafficserver, run as root): skipped"
fi
bench_up 27080
bench_up 27128
bench_up 27228
[ -n "$ATS_PID" ] && bench_up 27328

# rss PID: resident memory in KiB.
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

O=http://127.0.0.1:27080
PROXIES="squid:27128:$SQUID_PID twin-proxy:27228:$TWIN_PID"
[ -n "$ATS_PID" ] &&
    PROXIES="squid:27128:$SQUID_PID ats:27328:$ATS_PID
        twin-proxy:27228:$TWIN_PID"
# port P, pid P, name P: the fields of a PROXIES entry.
port() { local p=${1#*:}; echo "${p%%:*}"; }
pid() { echo "${1##*:}"; }
name() { echo "${1%%:*}"; }
for _ in 1 2 3; do
    for o in $SIZES; do
        for p in $PROXIES; do
            curl -s -o /dev/null -x "127.0.0.1:$(port "$p")" "$O/c/$o"
        done
    done
done
# Every proxy must really be hitting, or the comparison means nothing.
for p in $PROXIES; do
    for o in $SIZES; do
        curl -s -D - -o /dev/null -x "127.0.0.1:$(port "$p")" "$O/c/$o" |
            grep -qi '^Age:' ||
            { echo "$(name "$p") does not answer $o from its cache" >&2
                exit 2; }
    done
done

declare -A R P U
echo "== memory hits, $C connections, ${D}s each, $ROUNDS rounds =="
for ((r = 1; r <= ROUNDS; r++)); do
    echo "-- round $r"
    for o in $SIZES; do
        for p in $PROXIES; do
            CPU_PID=$(pid "$p") bench_wrk "$(name "$p") hit $o" \
                "http://127.0.0.1:$(port "$p")" "$O/c/$o"
            R[$(name "$p").$o.$r]=$RPS
            P[$(name "$p").$o.$r]=$P99_MS
            U[$(name "$p").$o.$r]=$CPU_US
        done
    done
done

# ratios A B SIZE: the rounds' ratios of A's requests/s to B's.
ratios() {
    local r
    for ((r = 1; r <= ROUNDS; r++)); do
        bench_ratio "${R[$1.$3.$r]:-}" "${R[$2.$3.$r]:-}"
        echo
    done
}
# p99s NAME SIZE, cpus NAME SIZE: the rounds' p99 latencies in ms, CPU
# times per request in us.
p99s() {
    local r
    for ((r = 1; r <= ROUNDS; r++)); do echo "${P[$1.$2.$r]:-}"; done
}
cpus() {
    local r
    for ((r = 1; r <= ROUNDS; r++)); do echo "${U[$1.$2.$r]:-}"; done
}
echo "== twin-proxy / peer, requests/s: median (min-max) of $ROUNDS rounds =="
for o in $SIZES; do
    line=$(printf "%-5s squid %s" "$o" \
        "$(ratios twin-proxy squid "$o" | bench_stats)")
    [ -n "$ATS_PID" ] && line="$line   ats $(ratios twin-proxy ats "$o" |
        bench_stats) (target 1.2)"
    echo "$line"
done
echo "== p99 latency in ms: median (min-max) =="
for o in $SIZES; do
    line=$(printf "%-5s" "$o")
    for p in $PROXIES; do
        line="$line   $(name "$p") $(p99s "$(name "$p")" "$o" | bench_stats)"
    done
    echo "$line"
done
echo "== CPU time per request in us: median (min-max) =="
for o in $SIZES; do
    line=$(printf "%-5s" "$o")
    for p in $PROXIES; do
        line="$line   $(name "$p") $(cpus "$(name "$p")" "$o" | bench_stats)"
    done
    echo "$line"
done
line="RSS after the runs: twin-proxy $(rss "$TWIN_PID") KiB, squid"
line="$line $(rss "$SQUID_PID") KiB"
[ -n "$ATS_PID" ] && line="$line, ats $(rss "$ATS_PID") KiB"
echo "$line (each with a 256 MiB memory cache)"
sleep 1.2	# twin-proxy flushes its access log every second
echo "twin-proxy TCP_MEM_HIT lines: $(grep -c TCP_MEM_HIT \
    "$W/logs/twin-access.log")"
echo "squid TCP_MEM_HIT lines: $(grep -c TCP_MEM_HIT \
    "$W/logs/squid-access.log")"

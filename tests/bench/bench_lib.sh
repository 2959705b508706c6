#!/bin/bash
# bench_lib.sh - set-up shared by the proxy benchmarks (sourced). Everything
# runs on 127.0.0.1 and stops when the script exits.
#
# bench_init NAME CMD...    check the commands exist and twin-proxy is built
#                           ($TWIN_PROXY); make the work dir $W, removed at
#                           exit together with every process started here
# bench_start LOG CMD...    start CMD in the background; BENCH_PID is its pid
# bench_nginx LOCATIONS     nginx origin on :27080 serving $W/www, with the
#                           given location blocks (nginx syntax)
# bench_squid [LINE...]     Squid on :27128, memory cache only, plus LINEs
# bench_twin_proxy PORT [SETTING...]
#                           twin-proxy on :PORT, allowing 127.0.0.0/8, with
#                           its access log in $W/logs, plus SETTINGs

bench_init() {
    local name=$1 c
    shift
    for c in "$@"; do
        command -v "$c" >/dev/null || { echo "missing: $c" >&2; exit 2; }
    done
    [ -x "$TWIN_PROXY" ] || { echo "no twin-proxy at $TWIN_PROXY" >&2; exit 2; }
    W=$(mktemp -d "/tmp/$name.XXXXXX")
    trap bench_cleanup EXIT
    mkdir -p "$W/www" "$W/logs" "$W/run"
    chmod 755 "$W"
    # Sticky: the daemons refuse folders others could rename files in.
    chmod 1777 "$W/logs" "$W/run"
}

# Stop everything started (TERM, then KILL after 2 s) and remove $W.
bench_cleanup() {
    local p
    for p in $(cat "$W/pids" 2>/dev/null); do kill "$p" 2>/dev/null; done
    for p in $(cat "$W/pids" 2>/dev/null); do
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.2
        done
        kill -9 "$p" 2>/dev/null
    done
    rm -rf "$W"
}

bench_start() {
    local log=$1
    shift
    "$@" 2>"$W/logs/$log" &
    BENCH_PID=$!
    echo "$BENCH_PID" >>"$W/pids"
}

bench_nginx() {
    cat >"$W/nginx.conf" <<NG
worker_processes 1; daemon off; pid $W/nginx.pid; error_log $W/logs/nginx.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; sendfile on;
  server { listen 127.0.0.1:27080; root $W/www;
    $1 } }
NG
    bench_start nginx.out nginx -c "$W/nginx.conf"
}

bench_squid() {
    local l
    {
        echo "http_port 127.0.0.1:27128"
        echo "http_access allow all"
        echo "cache_mem 256 MB"
        echo "cache_dir null /tmp"
        echo "pid_filename $W/squid.pid"
        echo "access_log stdio:$W/logs/squid-access.log"
        echo "cache_log $W/logs/squid-cache.log"
        echo "coredump_dir $W/logs"
        echo "shutdown_lifetime 0 seconds"
        echo "workers 1"
        for l in "$@"; do echo "$l"; done
    } >"$W/squid.conf"
    bench_start squid.out squid -N -f "$W/squid.conf"
}

bench_twin_proxy() {
    local port=$1 s
    shift
    {
        echo "peer { name bench; address 127.0.0.1; partner 127.0.0.2;"
        # As root it switches users: to one every host has.
        echo "    run-dir $W/run; user $( [ "$(id -u)" = 0 ] && echo nobody ||
            id -un); }"
        echo "proxy {"
        echo "	listen 127.0.0.1:$port;"
        echo "	allow 127.0.0.0/8;"
        echo "	access-log $W/logs/twin-access.log;"
        for s in "$@"; do echo "	$s;"; done
        echo "}"
    } >"$W/twinproxy.conf"
    bench_start twin-proxy.log "$TWIN_PROXY" -d -f "$W/twinproxy.conf"
}

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
# bench_ats PORT RAM        Apache Traffic Server as a forward proxy on
#                           :PORT, one exec thread, RAM cache of RAM bytes,
#                           its own runroot in $W/ats (needs root)
# bench_up PORT             wait (bounded) until 127.0.0.1:PORT accepts
# bench_wrk NAME URL [TARGET]
#                           one wrk run of $D s, $C connections, one thread
#                           (through a forward proxy at URL when TARGET is
#                           given); prints a line, sets RPS, P99_MS and
#                           REQS; with CPU_PID set, also CPU_US, the CPU
#                           time (user + system) that process spent per
#                           request
# bench_stats               "median (min-max)" of the numbers on stdin

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
    "$@" >"$W/logs/$log" 2>&1 &
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

# Traffic Server reads everything from the runroot given on its command
# line: a copy of the package's defaults in $W/ats/etc with our own
# records.config and storage.config, and cache, logs and lock file in
# $W/ats. The system's /etc/trafficserver and service are left alone.
bench_ats() {
    local port=$1 ram=$2 a=$W/ats
    [ -d /etc/trafficserver ] || { echo "no /etc/trafficserver" >&2; exit 2; }
    [ "$(id -u)" = 0 ] || { echo "Traffic Server needs root" >&2; exit 2; }
    mkdir -p "$a/etc" "$a/cache" "$a/log" "$a/run"
    cp -r /etc/trafficserver/. "$a/etc/"
    cat >"$a/runroot.yaml" <<RR
prefix: /usr
exec_prefix: /usr
bindir: /usr/bin
sbindir: /usr/sbin
sysconfdir: $a/etc
datadir: $a/cache
includedir: /usr/include
libdir: /usr/lib/trafficserver
libexecdir: /usr/lib/trafficserver/modules
localstatedir: $a/run
runtimedir: $a/run
logdir: $a/log
cachedir: $a/cache
RR
    # The RAM cache is in front of a disk store; a sparse file will do.
    echo "$a/cache $((ram * 2 / 1048576 + 64))M" >"$a/etc/storage.config"
    # "#-1": keep the user it was started as (no trafficserver user
    # needed to own $W); one ET_NET thread serves everything.
    cat >"$a/etc/records.config" <<RC
CONFIG proxy.config.admin.user_id STRING #-1
CONFIG proxy.config.exec_thread.autoconfig INT 0
CONFIG proxy.config.exec_thread.limit INT 1
CONFIG proxy.config.accept_threads INT 0
CONFIG proxy.config.task_threads INT 1
CONFIG proxy.config.http.server_ports STRING $port:ip-in=127.0.0.1
CONFIG proxy.config.url_remap.remap_required INT 0
CONFIG proxy.config.reverse_proxy.enabled INT 0
CONFIG proxy.config.http.cache.http INT 1
CONFIG proxy.config.http.wait_for_cache INT 1
CONFIG proxy.config.cache.ram_cache.size INT $ram
CONFIG proxy.config.cache.ram_cache_cutoff INT 4194304
CONFIG proxy.config.http.insert_request_via_str INT 1
CONFIG proxy.config.http.insert_response_via_str INT 0
CONFIG proxy.config.diags.output.diag STRING L
CONFIG proxy.config.net.connections_throttle INT 4000
RC
    bench_start ats.out traffic_server --run-root="$a/runroot.yaml"
}

bench_up() {
    local i
    for ((i = 0; i < 150; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on port $1" >&2
    exit 2
}

bench_wrk() {
    local out c0 c1
    CPU_US=
    [ -n "${CPU_PID:-}" ] && c0=$(bench_ticks "$CPU_PID")
    if [ -n "${3:-}" ]; then
        [ -f "$W/fwd.lua" ] || cat >"$W/fwd.lua" <<'LUA'
wrk.path = os.getenv("TARGET")
wrk.headers["Host"] = os.getenv("TARGET"):match("^http://([^/]+)")
LUA
        out=$(TARGET=$3 timeout $((D + 20)) wrk -t1 -c"$C" -d"${D}s" \
            --latency -s "$W/fwd.lua" "$2" 2>&1)
    else
        out=$(timeout $((D + 20)) wrk -t1 -c"$C" -d"${D}s" --latency \
            "$2" 2>&1)
    fi
    [ -n "${CPU_PID:-}" ] && c1=$(bench_ticks "$CPU_PID")
    RPS=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
    REQS=$(echo "$out" | awk '/requests in/ { print $1 }')
    [ -n "${c0:-}" ] && [ -n "${c1:-}" ] &&
        CPU_US=$(awk -v a="$c0" -v b="$c1" \
        -v r="${REQS:-0}" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { if (r > 0) printf "%.1f", (b - a) * 1e6 / hz / r }')
    P99_MS=$(echo "$out" | awk '$1 == "99%" { v = $2;
        if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v) }
        else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
        print v }')
    printf "%-28s %10s req/s   p99 %8s ms%s   %s\n" "$1" "${RPS:-?}" \
        "${P99_MS:-?}" "${CPU_US:+   cpu $CPU_US us/req}" \
        "$(echo "$out" | grep -E 'Non-2xx|Socket errors' | tr '\n' ' ')"
}

# bench_ticks PID: CPU time (user + system, all threads) of a process so
# far, in clock ticks.
bench_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }

# bench_ratio A B: A / B with two decimals, "?" when B is not a number > 0.
bench_ratio() {
    awk -v a="${1:-0}" -v b="${2:-0}" \
        'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "?" }'
}

bench_stats() {
    grep -E '^[0-9.]+$' | sort -g | awk '
        { v[NR] = $1 }
        END { if (NR == 0) { print "?"; exit }
            m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%.2f (%.2f-%.2f)", m, v[1], v[NR] }'
}

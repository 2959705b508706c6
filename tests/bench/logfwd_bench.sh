#!/bin/bash
# logfwd_bench.sh - what access-log forwarding costs twin-proxy, and that a
# log server in trouble costs nothing more: uncacheable 1 KiB requests/s
# (nginx origin, Cache-Control: no-store) through one twin-proxy, measured
# with wrk, in five cases of the same run, the configuration switched by
# SIGHUP between them:
#   file       the access log file only (the reference)
#   live       also forwarded to rsyslog (imtcp, writing a file)
#   refused    also forwarded to a port where nothing listens
#   blackhole  also forwarded to a listener whose accept queue is full, so
#              the kernel drops the SYNs (connects time out, as for a
#              firewall that drops them)
#   stalled    also forwarded to a listener that never reads (the
#              connection is up, its buffers and then our queue fill)
# Each case is run in rounds (ROUNDS, default 3) and reported as the
# median (min-max) of its ratio to the file case of the same round.
#
# Not part of "make check". Needs nginx, wrk, curl, rsyslogd, python3.
# Build twin-proxy without sanitizers for this (plain ./configure, -O2):
#
#   TWIN_PROXY=/path/to/build/twin-proxy tests/bench/logfwd_bench.sh [seconds]
#
# Everything listens on 127.0.0.1 ports 27080, 27129 and 27514-27517 and
# stops at exit; each wrk run is bounded by its duration (default 10 s).
set -u
D=${D:-10}
[ $# -ge 1 ] && D=$1
C=${CONNS:-50}
ROUNDS=${ROUNDS:-3}
TWIN_PROXY=${TWIN_PROXY:-$(dirname "$0")/../../build/twin-proxy}
. "$(dirname "$0")/bench_lib.sh"
bench_init logfwd-bench nginx wrk curl rsyslogd python3
mkdir -p "$W/www/u" "$W/rsyslog"
head -c 1024 /dev/urandom | base64 -w0 | head -c 1024 >"$W/www/u/1k"
bench_nginx 'location /u/ { add_header Cache-Control "no-store"; }'

# The live receiver: rsyslog, every message to one file.
cat >"$W/rsyslog/rsyslog.conf" <<EOF
global(workDirectory="$W/rsyslog")
module(load="imtcp")
template(name="line" type="string" string="%HOSTNAME% %msg%\n")
ruleset(name="fwd") {
	action(type="omfile" file="$W/logs/remote.log" template="line")
}
input(type="imtcp" address="127.0.0.1" port="27514" ruleset="fwd")
EOF
bench_start rsyslog.out rsyslogd -n -f "$W/rsyslog/rsyslog.conf" \
    -i "$W/rsyslog/rsyslogd.pid"

# The black hole (27516: backlog 0, filled by connections of our own, so
# further SYNs are dropped) and the stalled server (27517: accepts into
# its queue, never reads). Bounded: the script exits after 30 minutes.
cat >"$W/holes.py" <<'PY'
import socket, time
bh = socket.socket()
bh.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
bh.bind(("127.0.0.1", 27516))
bh.listen(0)
fill = []
for i in range(4):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", 27516))
    except BlockingIOError:
        pass
    fill.append(c)
st = socket.socket()
st.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
st.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
st.bind(("127.0.0.1", 27517))
st.listen(8)
print("ready", flush=True)
time.sleep(1800)
PY
bench_start holes.out python3 "$W/holes.py"
bench_up 27080
bench_up 27514
bench_up 27517

# conf CASE: the forwarding settings of a case.
conf() {
    case $1 in
        file) ;;
        live) echo "access-log-server 127.0.0.1:27514" ;;
        refused) echo "access-log-server 127.0.0.1:27515" ;;
        blackhole) echo "access-log-server 127.0.0.1:27516" ;;
        stalled) echo "access-log-server 127.0.0.1:27517" ;;
    esac
}
CASES="file live refused blackhole stalled"

bench_twin_proxy 27129
TWIN_PID=$BENCH_PID
bench_up 27129
cp "$W/twinproxy.conf" "$W/base.conf"

# switch CASE: rewrite the config for CASE and reload.
switch() {
    local s n
    s=$(conf "$1")
    n=$(grep -c 'configuration from .* in effect' "$W/logs/twin-proxy.log")
    if [ -n "$s" ]; then
        awk -v s="$s" '/^proxy {/ { p = 1 } p && /^}/ { print "\t" s ";"; p = 0 }
            { print }' "$W/base.conf" >"$W/twinproxy.conf.new"
    else
        cp "$W/base.conf" "$W/twinproxy.conf.new"
    fi
    mv "$W/twinproxy.conf.new" "$W/twinproxy.conf"
    kill -HUP "$TWIN_PID"
    for _ in $(seq 1 100); do
        [ "$(grep -c 'configuration from .* in effect' \
            "$W/logs/twin-proxy.log")" -gt "$n" ] && break
        sleep 0.1
    done
    # Leave the connect a moment to succeed or fail.
    sleep 1
}

echo "== uncacheable 1 KiB through twin-proxy, $C connections, ${D}s each, $ROUNDS rounds =="
O=http://127.0.0.1:27080
declare -A R P U
for ((r = 1; r <= ROUNDS; r++)); do
    for c in $CASES; do
        switch "$c"
        CPU_PID=$TWIN_PID bench_wrk "$c" "http://127.0.0.1:27129" "$O/u/1k"
        R[$c.$r]=$RPS P[$c.$r]=$P99_MS U[$c.$r]=$CPU_US
    done
done
switch file

# rounds CASE rps|p99|cpu: the rounds' ratios of CASE to the file case.
rounds() {
    local r
    for ((r = 1; r <= ROUNDS; r++)); do
        case $2 in
        rps) bench_ratio "${R[$1.$r]}" "${R[file.$r]}" ;;
        p99) bench_ratio "${P[$1.$r]}" "${P[file.$r]}" ;;
        cpu) bench_ratio "${U[$1.$r]}" "${U[file.$r]}" ;;
        esac
        echo
    done
}

echo "== ratios to the file-only case: median (min-max) of $ROUNDS rounds =="
printf "%-10s %-22s %-22s %-22s\n" case "requests/s" "p99 latency" \
    "CPU/request"
for c in live refused blackhole stalled; do
    printf "%-10s %-22s %-22s %-22s\n" "$c" "$(rounds "$c" rps | bench_stats)" \
        "$(rounds "$c" p99 | bench_stats)" "$(rounds "$c" cpu | bench_stats)"
done
echo "access log file lines:     $(wc -l <"$W/logs/twin-access.log")"
echo "lines rsyslog received:    $(wc -l <"$W/logs/remote.log" 2>/dev/null || echo 0)"
echo "forwarder messages:"
grep -E 'log server .* (down|up again|connected|lines dropped)' \
    "$W/logs/twin-proxy.log" | sed 's/^/  /' | head -20

#!/bin/bash
# wpad_bench.sh - PAC scripts served per second by twin-wpad on loopback.
#
# Starts twin-wpad on 127.0.0.1 (a free port above 1024, run as the
# current user) with a typical pair config, checks that it serves a
# script, then runs wrk against /wpad.dat for a bounded time and prints
# requests per second.  Not part of `make check`.
#
# usage: tests/bench/wpad_bench.sh [BUILDDIR] [SECONDS=10] [CONNECTIONS=64]
# Environment: PORT (default 18089), THREADS (wrk threads, default 2).
# Per-fetch logging is on as in production (log_info to stderr, sent to
# /dev/null here), so the figure includes its cost.
set -u

BUILDDIR=${1:-$(cd "$(dirname "$0")/../.." && pwd)/build}
SECS=${2:-10}
CONNS=${3:-64}
PORT=${PORT:-18089}
THREADS=${THREADS:-2}
WPAD=$BUILDDIR/twin-wpad

command -v wrk >/dev/null || { echo "wrk not found"; exit 1; }
command -v curl >/dev/null || { echo "curl not found"; exit 1; }
[ -x "$WPAD" ] || { echo "twin-wpad not built: $WPAD"; exit 1; }
[ "$SECS" -ge 1 ] && [ "$SECS" -le 120 ] || { echo "SECONDS: 1-120"; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/wpad-bench.XXXXXX") || exit 1
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf -- "$T"
}
trap cleanup EXIT INT TERM

# As root the server must switch to another user; otherwise it stays as is.
BUSER=$(id -un)
[ "$(id -u)" = 0 ] && BUSER=nobody
cat >"$T/bench.conf" <<EOF
peer { name a; address 127.0.0.1; run-dir $T/run; user $BUSER; }
wpad {
	listen 127.0.0.1:$PORT;
	proxy 127.0.0.1:3128;
	partner-proxy 127.0.0.2:3128;
	direct 127.0.0.0/255.255.255.0;
	direct 10.0.0.0/8;
	direct-domain example.org;
	check-interval 1s;
	check-timeout 200ms;
}
EOF

"$WPAD" -d -f "$T/bench.conf" 2>/dev/null &
pid=$!
ok=0
for ((i = 0; i < 100; i++)); do
    if curl -sf -o /dev/null "http://127.0.0.1:$PORT/wpad.dat"; then
        ok=1
        break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
done
[ "$ok" = 1 ] || { echo "twin-wpad did not start"; exit 1; }

echo "# twin-wpad $(curl -s "http://127.0.0.1:$PORT/wpad.dat" | wc -c) byte script," \
    "wrk -t$THREADS -c$CONNS -d${SECS}s, keep-alive, loopback"
timeout $((SECS + 30)) wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" \
    "http://127.0.0.1:$PORT/wpad.dat" | tee "$T/wrk.out"
rps=$(awk '/^Requests\/sec:/ { print $2 }' "$T/wrk.out")
echo "wpad scripts/s: ${rps:-none}"
[ -n "$rps" ]

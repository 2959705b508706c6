#!/bin/bash
# harden_flood.sh - no peer can make a daemon's memory grow without bound.
#
# Hosts: a (twin-proxy on A:3128 with a memory cache, twin-wpad on A:80),
# c1 (the hostile clients), origin (proxy_origin.py on O:8000 and an
# origin answering with endless "100 Continue" responses on O:8001).
# For 20 s at once, clients that never read: one whose request gets the
# 1xx stream, one pipelining OPTIONS with Max-Forwards: 0 (answered by the
# proxy itself), one pipelining cache hits, one pipelining TRACE echoes of
# large heads, one pipelining requests behind a slow one, one pipelining
# requests for wpad.dat, and local clients
# pipelining commands on both control sockets. The resident memory of
# each daemon stays under a bound throughout, the 1xx stream is cut at
# the interim cap (502), and both daemons still answer afterwards.

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl python3
. "$(dirname "$0")/proxy_lib.sh"

PEER=$TOP_SRCDIR/tests/integration/harden_peer.py
FLOOD_S=${FLOOD_S:-20}
# Resident memory bound for each daemon (KiB), sanitizers included.
RSS_MAX_KB=$((64 * 1024))

proxy_topo a c1 origin
proxy_dirs
proxy_conf "listen $A:3128" "allow $C1/32" "allow $A/32" \
    "outgoing-address $A" "read-timeout 30s" "cache-memory 16M" \
    "access-log $PX/access.log"
conf_block wpad "listen $A:80" "proxy $A:3128" >>"$CONF"

origin_start origin origin.log "$REC" "$O:8000"
spawn origin origin1xx.log python3 -u "$PEER" origin1xx "$O:8001" \
    "$((FLOOD_S + 10))"
wait_log origin1xx.log "^listening on "
# No ASan quarantine: the checks measure buffering, not freed memory.
PROXY_ENV=(ASAN_OPTIONS=quarantine_size_mb=0)
proxy_start
daemon_start a wpad.log c1 "$A" 80 env ASAN_OPTIONS=quarantine_size_mb=0 \
    "$TWIN_WPAD" -d -f "$CONF"
WPAD_PID=$DAEMON_PID

U=http://$O:8000
HIT="$U/hit?h=Cache-Control:max-age=600&n=60000"
on c1 curl -sS -o /dev/null -x "http://$A:3128" "$HIT" ||
    ERROR "cannot warm the cache"

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

# A TRACE whose head is 32 KiB (90 fields, under max-headers): each echo
# is as large.
pad=$(printf 'x%.0s' $(seq 1 350))
trace="TRACE $U/ HTTP/1.1\\r\\nHost: $O:8000\\r\\nMax-Forwards: 0\\r\\n"
for _ in $(seq 1 90); do trace+="X-Pad: $pad\\r\\n"; done
trace+="\\r\\n"

flood() { spawn "$1" "$2" python3 -u "$PEER" "${@:3}"; }
flood c1 f-1xx.log pipeline "$A" 3128 "$FLOOD_S" \
    "GET http://$O:8001/ HTTP/1.1\\r\\nHost: $O:8001\\r\\n\\r\\n"
flood c1 f-options.log pipeline "$A" 3128 "$FLOOD_S" \
    "OPTIONS $U/ HTTP/1.1\\r\\nHost: $O:8000\\r\\nMax-Forwards: 0\\r\\n\\r\\n"
flood c1 f-hit.log pipeline "$A" 3128 "$FLOOD_S" \
    "GET $HIT HTTP/1.1\\r\\nHost: $O:8000\\r\\n\\r\\n"
flood c1 f-trace.log pipeline "$A" 3128 "$FLOOD_S" "$trace"
# Requests pipelined behind one the origin takes its time with.
flood c1 f-busy.log pipeline "$A" 3128 "$FLOOD_S" \
    "GET $U/slow/25000 HTTP/1.1\\r\\nHost: $O:8000\\r\\n\\r\\n"
flood c1 f-wpad.log pipeline "$A" 80 "$FLOOD_S" \
    "GET /wpad.dat HTTP/1.1\\r\\nHost: wpad\\r\\n\\r\\n"
flood a f-ctl-proxy.log unixflood "$PX/run/proxy.sock" "$FLOOD_S" "stats"
flood a f-ctl-wpad.log unixflood "$PX/run/wpad.sock" "$FLOOD_S" "status"

# Sample both daemons once a second while the floods run.
PMAX=0
WMAX=0
for _ in $(seq 1 "$FLOOD_S"); do
    sleep 1
    r=$(rss_kb "$PROXY_PID") && [ "$r" -gt "$PMAX" ] && PMAX=$r
    r=$(rss_kb "$WPAD_PID") && [ "$r" -gt "$WMAX" ] && WMAX=$r
done
under() { echo "peak $2 KiB, bound $RSS_MAX_KB KiB"; [ "$2" -le "$RSS_MAX_KB" ]; }
echo "# peak resident memory: twin-proxy $PMAX KiB, twin-wpad $WMAX KiB"
CHECK "twin-proxy stays under the memory bound for ${FLOOD_S} s of floods" \
    under twin-proxy "$PMAX"
CHECK "twin-wpad stays under the memory bound for ${FLOOD_S} s of floods" \
    under twin-wpad "$WMAX"

for f in f-1xx f-options f-hit f-trace f-busy f-wpad f-ctl-proxy f-ctl-wpad; do
    wait_log "$f.log" '^sent [0-9]+ requests' 15
done
# The origin counts what it wrote into its socket: the cap (32) plus
# what the kernel buffers held when the proxy closed.
cut_at_cap() {
    cat "$(logf origin1xx.log)"
    grep -Eq '^closed by the proxy after [0-9]{1,3} interim$' \
        "$(logf origin1xx.log)"
}
CHECK "an origin's endless 1xx stream is cut at the interim cap" cut_at_cap
logged_502() { grep -F " http://$O:8001/ " "$PX/access.log" | grep -q '/502 '; }
CHECK "the request it answered gets 502 in the access log" \
    wait_until 5 logged_502
CHECK "twin-proxy still answers" \
    on c1 curl -sS -f -o /dev/null -m 5 -x "http://$A:3128" "$U/hello"
CHECK "twin-wpad still answers" \
    on c1 curl -sS -f -o /dev/null -m 5 "http://$A/wpad.dat"
finish

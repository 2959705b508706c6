#!/bin/bash
# proxy_cache_lib.sh - helpers shared by the cache scenarios (sourced after
# lib.sh).
#
# cache_setup SETTING...  hosts a (the proxy), c1 and origin; the origin
#                       (proxy_cache_origin.py, recording requests in $REC)
#                       running on $O:8000; $PX/twinproxy.conf with the
#                       common proxy settings plus each SETTING; sets PX
#                       (default $T/px; $PX/cache is ready for a cache-dir),
#                       REC, P (proxy URL) and U (origin URL)
# start_proxy           run twin-proxy and wait for it; PROXY_PID is its pid
# pc ARGS...            curl through the proxy from c1
# seen PATH             how many requests for PATH (path and query) reached
#                       the origin
# code URL N            the cache code of the Nth access-log line for URL
# logged URL N          the access log holds at least N lines for URL
# expect_code URL N CODE  wait for the Nth log line of URL, check its code

cache_setup() {
    local s
    topo_init
    topo_host a "$A/$PFX"
    topo_host c1 "$C1/$PFX"
    topo_host origin "$O/$PFX"
    PX=${PX:-$T/px}
    REC=$T/origin.rec
    P=http://$A:3128
    U=http://$O:8000
    mkdir -p "$PX/run" "$PX/cache"
    # The proxy runs as nobody: it writes its log and cache in $PX.
    chmod 755 "$T"
    chmod 777 "$PX" "$PX/cache"
    : >"$REC"
    chmod 666 "$REC"
    {
        echo "peer { name a; address $A; partner $B; run-dir $PX/run; }"
        echo "proxy {"
        echo "	listen $A:3128;"
        echo "	allow $C1/32;"
        echo "	allow $A/32;"
        echo "	outgoing-address $A;"
        echo "	connect-timeout 1s;"
        echo "	access-log $PX/access.log;"
        for s in "$@"; do echo "	$s;"; done
        echo "}"
    } >"$PX/twinproxy.conf"
    spawn origin origin.log python3 -u \
        "$TOP_SRCDIR/tests/integration/proxy_cache_origin.py" "$REC" "$O:8000"
    wait_port origin "$O" 8000
}

start_proxy() {
    spawn a proxy.log "$TWIN_PROXY" -d -v -f "$PX/twinproxy.conf"
    PROXY_PID=$SPAWN_PID
    wait_port c1 "$A" 3128
}

pc() { on c1 curl -sS -m 20 -x "$P" "$@"; }
seen() { grep -cF "\"path\": \"$1\"" "$REC"; }
code() {
    awk -v u="$1" -v n="$2" '$7 == u && ++i == n { c = $4 }
        END { sub("/.*", "", c); print c }' "$PX/access.log"
}
logged() { [ "$(awk -v u="$1" '$7 == u' "$PX/access.log" | wc -l)" -ge "$2" ]; }
expect_code() {
    wait_until 5 logged "$1" "$2" || { echo "no log line $2 for $1"; return 1; }
    echo "access log line $2: $(code "$1" "$2")"
    [ "$(code "$1" "$2")" = "$3" ]
}

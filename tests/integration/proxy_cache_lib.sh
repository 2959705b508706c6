#!/bin/bash
# proxy_cache_lib.sh - helpers shared by the cache scenarios (sourced after
# lib.sh).
#
# cache_setup SETTING...  hosts a (the proxy), c1 and origin; the origin
#                       (proxy_origin.py, recording requests in $REC)
#                       running on $O:8000; $CONF with the common proxy
#                       settings plus each SETTING; sets PX (default
#                       $T/px; $PX/cache is ready for a cache-dir), REC, P
#                       (proxy URL) and U (origin URL)
# start_proxy           run twin-proxy and wait for it; PROXY_PID is its pid
# pc ARGS...            curl through the proxy from c1
# seen PATH             how many requests for PATH (path and query) reached
#                       the origin
# code URL N            the cache code of the Nth access-log line for URL
# logged URL N          the access log holds at least N lines for URL
# expect_code URL N CODE  wait for the Nth log line of URL, check its code

. "$(dirname "${BASH_SOURCE[0]}")/proxy_lib.sh"

cache_setup() {
    proxy_topo a c1 origin
    proxy_dirs
    P=http://$A:3128
    U=http://$O:8000
    proxy_conf "listen $A:3128" "allow $C1/32" "allow $A/32" \
        "outgoing-address $A" "connect-timeout 1s" \
        "access-log $PX/access.log" "$@"
    origin_start origin origin.log "$REC" "$O:8000"
}

start_proxy() { proxy_start; }

pc() { on c1 curl -sS -m 20 -x "$P" "$@"; }
seen() { grep -cF "\"target\": \"$1\"" "$REC"; }
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

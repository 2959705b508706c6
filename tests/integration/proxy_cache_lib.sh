#!/bin/bash
# proxy_cache_lib.sh - helpers shared by the cache scenarios (sourced after
# lib.sh, once P (proxy URL), REC (the origin's request record) and PX
# (the proxy's folder, with access.log) are set).
#
# pc ARGS...            curl through the proxy from c1
# seen PATH             how many requests for PATH (path and query) reached
#                       the origin
# code URL N            the cache code of the Nth access-log line for URL
# logged URL N          the access log holds at least N lines for URL
# expect_code URL N CODE  wait for the Nth log line of URL, check its code

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

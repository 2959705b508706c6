#!/bin/bash
# harden_cache.sh - the cache keeps clients' cookies to themselves and
# serves what the origin said.
#
# Hosts: a (twin-proxy on A:3128 with a memory cache), c1 (client),
# origin (proxy_origin.py on O:8000 and O:80). Checks:
#   - a response with Set-Cookie is not stored (cache-set-cookie
#     no-store, the default): the next request is fetched again;
#   - with cache-set-cookie strip it is stored, and hits carry no cookie;
#   - a stored 416 is the origin's: its Content-Range and body, not the
#     cache's own unsatisfiable-range answer;
#   - a Vary field name longer than 127 characters still tells variants
#     apart;
#   - http://O:080/ is the same object as http://O/.

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl python3
. "$(dirname "$0")/proxy_cache_lib.sh"

cache_setup "cache-memory 16M"
spawn origin origin80.log python3 -u "$ORIGIN_PY" "$REC" "$O:80"
wait_log origin80.log "^listening on "
start_proxy

# head_of OUT: the response head curl -D wrote to $T/h.
heads() { pc -D "$T/h" -o "$T/b" "$@"; }
field() { grep -i "^$1:" "$T/h" | tr -d '\r'; }

cookie_not_shared() {
    local p='/ck?h=Set-Cookie:sid=alice&h=Cache-Control:max-age=60'
    heads "$U$p" && heads "$U$p" || return 1
    echo "origin saw $(seen "$p"); second answer: $(field set-cookie)"
    expect_code "$U$p" 2 TCP_MISS && [ "$(seen "$p")" -eq 2 ]
}
CHECK "a response that sets a cookie is not stored: fetched again" \
    cookie_not_shared

strip_mode() {
    local p='/ck2?h=Set-Cookie:sid=alice&h=Cache-Control:max-age=60'
    heads "$U$p" || return 1
    field set-cookie
    [ "$(field set-cookie)" = "Set-Cookie: sid=alice" ] || return 1
    heads "$U$p" || return 1
    echo "origin saw $(seen "$p"); second answer: $(field set-cookie)"
    expect_code "$U$p" 2 TCP_MEM_HIT && [ "$(seen "$p")" -eq 1 ] &&
        [ -z "$(field set-cookie)" ]
}
sed -i 's/^}$/\tcache-set-cookie strip;\n}/' "$CONF"
kill -HUP "$PROXY_PID"
wait_log proxy.log "reload: (configuration from|.*keeping)"
CHECK "with cache-set-cookie strip, hits share the body but not the cookie" \
    strip_mode

stored_416() {
    local p='/r416?s=416&h=Content-Range:bytes%20*/1234&h=Cache-Control:max-age=60'
    heads "$U$p" && heads "$U$p" || return 1
    head -n 1 "$T/h"
    echo "Content-Range: $(field content-range); body: $(cat "$T/b")"
    expect_code "$U$p" 2 TCP_MEM_HIT &&
        [ "$(field content-range)" = "Content-Range: bytes */1234" ] &&
        [ "$(cat "$T/b")" = "GET /r416 #1" ]
}
CHECK "a stored 416 is served as the origin sent it" stored_416

long_vary() {
    local n p b1 b2
    n=X-$(printf 'v%.0s' $(seq 1 200))
    p="/vy?h=Vary:$n&h=Cache-Control:max-age=60&vary=$n"
    b1=$(pc -H "$n: one" "$U$p") && b2=$(pc -H "$n: two" "$U$p") || return 1
    echo "bodies: ${b1##*=} then ${b2##*=}; origin saw $(seen "$p")"
    [[ $b1 == *"=one" ]] && [[ $b2 == *"=two" ]] && [ "$(seen "$p")" -eq 2 ]
}
CHECK "a Vary field name of 202 characters tells variants apart" long_vary

# curl would rewrite the port: the request goes out as written.
same_port() {
    local p='/port?h=Cache-Control:max-age=60'
    pc -o /dev/null "http://$O$p" || return 1
    on c1 python3 "$TOP_SRCDIR/tests/integration/proxy_rawclient.py" "$A" \
        3128 "GET http://$O:080$p HTTP/1.1\\r\\nHost: $O:080\\r\\nConnection: close\\r\\n\\r\\n" |
        head -n 1
    echo "origin saw $(seen "$p")"
    expect_code "http://$O:080$p" 1 TCP_MEM_HIT && [ "$(seen "$p")" -eq 1 ]
}
CHECK "http://O:080/ is the object stored for http://O/" same_port
finish

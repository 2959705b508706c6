#!/bin/bash
# proxy_cache_basic.sh - the RFC 9111 cache of twin-proxy end to end: real
# curl through the proxy to an origin whose response fields the test sets
# in the URL (proxy_origin.py), checked against what the origin saw
# and what the access log says.
#
# Hosts: a (twin-proxy on A:3128, memory tier only), c1 (client), origin
# (proxy_origin.py on O:8000). Covers fresh hits with Age, max-age,
# s-maxage and Expires, no-store/private/no freshness not stored, Vary
# variants, validation (304 and 200, a 304 that selects no stored response
# sent again unconditionally), client no-cache and only-if-cached,
# client conditionals answered from the cache, HEAD from a stored GET,
# Range, chunked bodies, invalidation by POST/PUT/DELETE, collapsed
# forwarding, stale-if-error, and twinctl cache stats and purge.

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl python3

. "$(dirname "$0")/proxy_cache_lib.sh"

cache_setup "read-timeout 3s" "cache-memory 64M" "cache-max-object 8M"
start_proxy

# raw PATH: a GET through the proxy with a bare socket, printed as is.
raw() {
    on c1 python3 "$TOP_SRCDIR/tests/integration/proxy_rawclient.py" "$A" 3128 \
        "GET $U$1 HTTP/1.1\r\nHost: $O:8000\r\nConnection: close\r\n\r\n"
}
# origin CTL: switch the origin (direct, not through the proxy).
origin_ctl() { on c1 curl -sS -m 5 -o /dev/null "$U/_ctl/$1"; }

# ---- fresh hits --------------------------------------------------------------

fresh_hit() {
    local p="/fresh?h=Cache-Control:max-age=300" b1 b2
    b1=$(pc "$U$p") || return 1
    b2=$(pc "$U$p") || return 1
    echo "first: $b1 / second: $b2 / origin saw $(seen "$p")"
    [ "$b1" = "$b2" ] && [ "$(seen "$p")" = 1 ] &&
        expect_code "$U$p" 1 TCP_MISS && expect_code "$U$p" 2 TCP_MEM_HIT
}
CHECK "a fresh response is served from memory (TCP_MEM_HIT, one origin request)" fresh_hit

age_hit() {
    local p="/age?h=Cache-Control:max-age=300&h=Age:40" out age
    pc -o /dev/null "$U$p" || return 1
    out=$(pc -D - -o /dev/null "$U$p") || return 1
    echo "$out"
    age=$(echo "$out" | tr -d '\r' | awk -F': ' 'tolower($1) == "age" { print $2 }')
    [ -n "$age" ] && [ "$age" -ge 40 ] && [ "$age" -lt 100 ] &&
        [ "$(seen "$p")" = 1 ] && echo "$out" | grep -q "Via: 1.1 a"
}
pipelined() {
    local p="/pipe?h=Cache-Control:max-age=300" req n out
    pc -o /dev/null "$U$p" || return 1
    req="GET $U$p HTTP/1.1\r\nHost: $O:8000\r\n"
    out=$(on c1 timeout 20 python3 "$TOP_SRCDIR/tests/integration/proxy_rawclient.py" \
        "$A" 3128 "$(for ((n = 0; n < 499; n++)); do printf '%s\\r\\n' "$req"; done
            printf '%sConnection: close\\r\\n\\r\\n' "$req")") || return 1
    n=$(grep -c '^HTTP/1.1 200 OK' <<<"$out")
    echo "$n responses to 500 pipelined requests; origin saw $(seen "$p")"
    [ "$n" = 500 ] && [ "$(seen "$p")" = 1 ]
}
CHECK "500 pipelined hits on one connection are all answered" pipelined

# A client pipelines 300 hits of a 1 MB object, then reads nothing for a
# while. Hits go out by reference and the proxy takes no more requests
# once the client's output is full, so its memory does not grow by what
# was asked for (300 MB); reading afterwards gets every response, whole.
stalled_reader() {
    local p="/stall?h=Cache-Control:max-age=300&n=1000000" before during out
    pc -o /dev/null "$U$p" || return 1
    rm -f "$T/stall.sent" "$T/stall.go"
    before=$(awk '/^VmRSS/ { print $2 }' "/proc/$PROXY_PID/status")
    on c1 timeout 40 python3 -c '
import os, socket, sys, time
host, port, url, origin, flag = sys.argv[1:]
req = ("GET %s HTTP/1.1\r\nHost: %s:8000\r\n\r\n" % (url, origin)).encode()
s = socket.create_connection((host, int(port)), timeout=20)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.sendall(req * 299 + req.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
open(flag + ".sent", "w").close()
for _ in range(200):
    if os.path.exists(flag + ".go"):
        break
    time.sleep(0.05)
n = 0
while True:
    b = s.recv(1 << 20)
    if not b:
        break
    n += len(b)
print("read %d bytes" % n)
' "$A" 3128 "$U$p" "$O" "$T/stall" >"$T/stall.out" &
    wait_until 10 test -e "$T/stall.sent" || return 1
    sleep 2
    during=$(awk '/^VmRSS/ { print $2 }' "/proc/$PROXY_PID/status")
    touch "$T/stall.go"
    wait "$!" || return 1
    out=$(cat "$T/stall.out")
    echo "twin-proxy RSS before: $before kB, with the client stalled:" \
        "$during kB; client: $out"
    # 300 bodies of 1000000 bytes, plus a head each.
    [ "${out#read }" != "$out" ] && [ "${out//[!0-9]/}" -gt 300000000 ] &&
        [ $((during - before)) -lt 16384 ]
}
CHECK "hits to a client that stops reading are not buffered" stalled_reader

CHECK "hits carry Age (counting the origin's Age) and Via" age_hit

# stored_twice PATH: two GETs, one origin request.
stored_twice() {
    pc -o /dev/null "$U$1" && pc -o /dev/null "$U$1" || return 1
    echo "$1: origin saw $(seen "$1")"
    [ "$(seen "$1")" = 1 ]
}
# fetched_twice PATH: two GETs, two origin requests.
fetched_twice() {
    pc -o /dev/null "$U$1" && pc -o /dev/null "$U$1" || return 1
    echo "$1: origin saw $(seen "$1")"
    [ "$(seen "$1")" = 2 ]
}
future=$(date -u -d '+1 hour' '+%a, %d %b %Y %H:%M:%S GMT')
future=${future// /%20}
past=$(date -u -d '-1 hour' '+%a, %d %b %Y %H:%M:%S GMT')
past=${past// /%20}
CHECK "s-maxage makes a response fresh" stored_twice "/smax?h=Cache-Control:s-maxage=300"
CHECK "s-maxage=0 wins over max-age for a shared cache" \
    fetched_twice "/smax0?h=Cache-Control:max-age=300,s-maxage=0"
CHECK "Expires in the future makes a response fresh" stored_twice "/exp?h=Expires:$future"
CHECK "Expires in the past: stale at once" fetched_twice "/expp?h=Expires:$past"
CHECK "an invalid Expires counts as already expired" fetched_twice "/expbad?h=Expires:soon"
CHECK "no-store is never stored" fetched_twice "/nostore?h=Cache-Control:max-age=300,no-store"
CHECK "private is never stored by a shared cache" fetched_twice "/private?h=Cache-Control:max-age=300,private"
CHECK "no freshness and no Last-Modified: not stored" fetched_twice "/plain"
old=$(date -u -d '-10 days' '+%a, %d %b %Y %H:%M:%S GMT')
old=${old// /%20}
CHECK "Last-Modified alone: heuristically fresh, stored" stored_twice "/heur?h=Last-Modified:$old"
CHECK "a close-delimited response is stored" stored_twice "/close?h=Cache-Control:max-age=300&close=1&n=70000"
CHECK "a chunked response is stored" stored_twice "/chunked?h=Cache-Control:max-age=300&chunked=1&n=200000"

chunked_body() {
    local p="/chunk2?h=Cache-Control:max-age=300&chunked=1&n=300000" a b
    a=$(pc "$U$p" | sha256sum) || return 1
    b=$(pc "$U$p" | sha256sum) || return 1
    echo "miss $a / hit $b"
    [ "$a" = "$b" ] && [ "$(seen "$p")" = 1 ] &&
        [ "$(pc "$U$p" | wc -c)" = 300000 ]
}
CHECK "a chunked body comes back from the cache byte for byte" chunked_body

auth_twice() {
    pc -o /dev/null -H 'Authorization: Basic eDp5' "$U$1" &&
        pc -o /dev/null -H 'Authorization: Basic eDp5' "$U$1" || return 1
    echo "$1: origin saw $(seen "$1")"
    [ "$(seen "$1")" = "$2" ]
}
CHECK "Authorization: not stored without public" auth_twice "/auth?h=Cache-Control:max-age=300" 2
CHECK "Authorization: stored with public" auth_twice "/authp?h=Cache-Control:max-age=300,public" 1

# ---- Vary ----------------------------------------------------------------------

vary() {
    local p="/vary?h=Cache-Control:max-age=300&h=Vary:Accept-Language&vary=Accept-Language"
    local en fr en2 fr2
    en=$(pc -H 'Accept-Language: en' "$U$p") || return 1
    fr=$(pc -H 'Accept-Language: fr' "$U$p") || return 1
    en2=$(pc -H 'Accept-Language: en' "$U$p") || return 1
    fr2=$(pc -H 'Accept-Language: fr' "$U$p") || return 1
    echo "en=$en fr=$fr en2=$en2 fr2=$fr2 origin saw $(seen "$p")"
    [ "$en" = "$en2" ] && [ "$fr" = "$fr2" ] && [ "$en" != "$fr" ] &&
        [[ $en == *Accept-Language=en ]] && [ "$(seen "$p")" = 2 ]
}
CHECK "Vary: one stored variant per Accept-Language" vary

CHECK "Vary: * never matches" fetched_twice "/varystar?h=Cache-Control:max-age=300&h=Vary:*"

# ---- validation ------------------------------------------------------------------

reval_304() {
    local p='/v304?h=Cache-Control:max-age=60&h=Age:120&h=ETag:%22v1%22' out n
    pc -o /dev/null "$U$p" || return 1
    out=$(pc -D - "$U$p") || return 1
    echo "$out"
    n=$(seen "$p")
    echo "origin saw $n; last: $(grep -F "$p" "$REC" | tail -n 1)"
    [ "$n" = 2 ] && grep -F "$p" "$REC" | tail -n 1 |
        grep -qF '["If-None-Match", "\"v1\""]' &&
        [[ $out == *"GET /v304 #1"* ]] && [[ $out == *"HTTP/1.1 200"* ]] &&
        expect_code "$U$p" 2 TCP_REFRESH_UNMODIFIED
}
CHECK "a stale object is validated: 304 serves it (TCP_REFRESH_UNMODIFIED)" reval_304

reval_200() {
    local p='/v200?h=Cache-Control:max-age=60&h=Age:120&h=ETag:%22v1%22&nc=1' b
    pc -o /dev/null "$U$p" || return 1
    b=$(pc "$U$p") || return 1
    echo "second: $b"
    [ "$b" = "GET /v200 #2" ] && expect_code "$U$p" 2 TCP_REFRESH_MODIFIED
}
CHECK "a stale object replaced by a new 200 (TCP_REFRESH_MODIFIED)" reval_200

# The origin answers any If-None-Match with 304 and ETag "v2": a 304 that
# selects no stored response (RFC 9111 section 4.3.4).
P304X='/v304x?h=Cache-Control:max-age=60&h=Age:120&h=ETag:%22v1%22&inm304=1&h304=ETag:%22v2%22'
unmatched_304() {
    local p=$P304X out third
    pc -o /dev/null "$U$p" || return 1
    out=$(pc -D - "$U$p") || return 1
    echo "$out"
    grep -F "$p" "$REC" | tail -n 2
    third=$(grep -F "$p" "$REC" | sed -n 3p)
    [ "$(seen "$p")" = 3 ] &&
        grep -F "$p" "$REC" | sed -n 2p | grep -qF '["If-None-Match", "\"v1\""]' &&
        [ -n "$third" ] && [[ $third != *If-None-Match* ]] &&
        [[ $out == *"HTTP/1.1 200"* ]] && [[ $out == *"GET /v304x #3"* ]] &&
        expect_code "$U$p" 2 TCP_REFRESH_MODIFIED &&
        awk -v u="$U$p" '$7 == u' "$PX/access.log" | sed -n 2p | grep -q '/200 ' &&
        grep -q "does not match the stored response; sending the request again" \
            "$(logf proxy.log)"
}
CHECK "an unmatched 304 is not forwarded: the request goes again unconditionally" unmatched_304

unmatched_304_cond() {
    local p=$P304X st
    st=$(pc -o /dev/null -w '%{http_code}' -H 'If-None-Match: "v1"' "$U$p") || return 1
    echo "status $st, origin saw $(seen "$p")"
    [ "$st" = 304 ] && [ "$(seen "$p")" = 4 ] &&
        grep -q "does not match the stored response; forwarded to the conditional" \
            "$(logf proxy.log)"
}
CHECK "an unmatched 304 still answers a conditional client" unmatched_304_cond

update_304() {
    local p='/upd?h=Cache-Control:max-age=60&h=Age:120&h=ETag:%22u%22&h=X-Version:1&h304=X-Version:2&h304=Content-Length:3&n=5000'
    local out
    pc -o /dev/null "$U$p" || return 1
    out=$(pc -D - -o "$T/upd" "$U$p") || return 1
    echo "$out"
    echo "$out" | grep -q '^X-Version: 2' && echo "$out" | grep -q '^Content-Length: 5000' &&
        [ "$(wc -c <"$T/upd")" = 5000 ] && [ "$(seen "$p")" = 2 ] &&
        expect_code "$U$p" 2 TCP_REFRESH_UNMODIFIED
}
CHECK "a 304 updates the stored fields, never Content-Length" update_304

ims_reval() {
    local p='/vlm?h=Cache-Control:max-age=60&h=Age:120&h=Last-Modified:Mon,%2001%20Jan%202024%2000:00:00%20GMT'
    pc -o /dev/null "$U$p" || return 1
    raw "$p" | grep -q '^HTTP/1.1 200' || return 1
    grep -F "$p" "$REC" | tail -n 1
    grep -F "$p" "$REC" | tail -n 1 | grep -qF '"If-Modified-Since", "Mon, 01 Jan 2024' &&
        expect_code "$U$p" 2 TCP_REFRESH_UNMODIFIED
}
CHECK "validation with If-Modified-Since from Last-Modified" ims_reval

must_reval() {
    local p='/nocache?h=Cache-Control:no-cache&h=ETag:%22n1%22'
    pc -o /dev/null "$U$p" && pc -o /dev/null "$U$p" || return 1
    [ "$(seen "$p")" = 2 ] && expect_code "$U$p" 2 TCP_REFRESH_UNMODIFIED
}
CHECK "response no-cache: stored, validated on every use" must_reval

client_nocache() {
    local p='/cnc?h=Cache-Control:max-age=300&h=ETag:%22c1%22'
    pc -o /dev/null "$U$p" || return 1
    pc -o /dev/null -H 'Cache-Control: no-cache' "$U$p" || return 1
    echo "origin saw $(seen "$p")"
    [ "$(seen "$p")" = 2 ]
}
CHECK "client no-cache goes to the origin" client_nocache

only_if_cached() {
    local st
    st=$(pc -o /dev/null -w '%{http_code}' -H 'Cache-Control: only-if-cached' \
        "$U/oic?h=Cache-Control:max-age=300") || return 1
    echo "status $st, origin saw $(seen /oic?h=Cache-Control:max-age=300)"
    [ "$st" = 504 ] && [ "$(seen /oic?h=Cache-Control:max-age=300)" = 0 ] &&
        pc -o /dev/null "$U/fresh?h=Cache-Control:max-age=300" &&
        st=$(pc -o /dev/null -w '%{http_code}' -H 'Cache-Control: only-if-cached' \
            "$U/fresh?h=Cache-Control:max-age=300") && [ "$st" = 200 ]
}
CHECK "only-if-cached: 504 when nothing is stored, a hit otherwise" only_if_cached

client_inm() {
    local p='/inm?h=Cache-Control:max-age=300&h=ETag:%22e7%22' st
    pc -o /dev/null "$U$p" || return 1
    st=$(pc -o /dev/null -w '%{http_code}' -H 'If-None-Match: "e7"' "$U$p") || return 1
    echo "status $st, origin saw $(seen "$p")"
    [ "$st" = 304 ] && [ "$(seen "$p")" = 1 ]
}
CHECK "If-None-Match from the client answered 304 from the cache" client_inm

# ---- HEAD, Range ---------------------------------------------------------------------

head_hit() {
    local p="/head?h=Cache-Control:max-age=300&n=5000" out
    pc -o /dev/null "$U$p" || return 1
    out=$(pc -I "$U$p") || return 1
    echo "$out"
    [ "$(seen "$p")" = 1 ] && echo "$out" | grep -q 'Content-Length: 5000'
}
CHECK "HEAD is answered from a stored GET" head_hit

range_hit() {
    local p="/range?h=Cache-Control:max-age=300&n=10000" out want got
    pc -o /dev/null "$U$p" || return 1
    out=$(pc -D - -o "$T/part" -H 'Range: bytes=100-199' "$U$p") || return 1
    echo "$out"
    want=$(on c1 curl -sS "$U/range?n=10000" | head -c 200 | tail -c 100 | sha256sum)
    got=$(sha256sum <"$T/part")
    [[ $out == *"HTTP/1.1 206"* ]] && [[ $out == *"Content-Range: bytes 100-199/10000"* ]] &&
        [ "$want" = "$got" ] && [ "$(seen "$p")" = 1 ]
}
CHECK "Range on a stored object: 206 from the cache" range_hit

# ---- invalidation, pass-through ---------------------------------------------------

invalidate() {
    local m=$1 p="/inv$1?h=Cache-Control:max-age=300"
    pc -o /dev/null "$U$p" && pc -o /dev/null "$U$p" || return 1
    pc -o /dev/null -X "$m" -d x "$U$p" || return 1
    pc -o /dev/null "$U$p" || return 1
    echo "origin saw $(seen "$p") ($m in between)"
    [ "$(seen "$p")" = 3 ]
}
CHECK "POST invalidates the stored response" invalidate POST
CHECK "PUT invalidates the stored response" invalidate PUT
CHECK "DELETE invalidates the stored response" invalidate DELETE

location_inv() {
    local t="/target?h=Cache-Control:max-age=300"
    pc -o /dev/null "$U$t" || return 1
    pc -o /dev/null -X POST -d x "$U/form?h=Location:$t" || return 1
    pc -o /dev/null "$U$t" || return 1
    echo "target fetched $(seen "$t") times"
    [ "$(seen "$t")" = 2 ]
}
CHECK "an unsafe request invalidates the same-origin Location" location_inv

put_pass() {
    local p="/put?h=Cache-Control:max-age=300"
    pc -o /dev/null -X PUT -d a "$U$p" && pc -o /dev/null -X PUT -d b "$U$p" ||
        return 1
    [ "$(seen "$p")" = 2 ]
}
CHECK "PUT always goes to the origin" put_pass

# ---- collapsed forwarding -------------------------------------------------------

collapsed() {
    local p="/cf?h=Cache-Control:max-age=300&delay=700&n=100000" i ok=0
    local pids=()
    for i in 1 2 3 4 5; do
        pc -o "$T/cf$i" "$U$p" &
        pids+=($!)
    done
    wait "${pids[@]}"
    for i in 1 2 3 4 5; do
        [ "$(wc -c <"$T/cf$i")" = 100000 ] && ok=$((ok + 1))
    done
    echo "$ok complete bodies; origin saw $(seen "$p")"
    [ "$ok" = 5 ] && [ "$(seen "$p")" = 1 ]
}
CHECK "five concurrent misses cause one origin request" collapsed

# ---- stale-if-error ---------------------------------------------------------------

sie() {
    local p='/sie?h=Cache-Control:max-age=60,stale-if-error=600&h=Age:120&h=ETag:%22s%22' b st
    b=$(pc "$U$p") || return 1
    origin_ctl fail/on || return 1
    st=$(pc -o "$T/sie" -w '%{http_code}' "$U$p")
    origin_ctl fail/off
    echo "status $st body $(cat "$T/sie")"
    [ "$st" = 200 ] && [ "$(cat "$T/sie")" = "$b" ] &&
        expect_code "$U$p" 2 TCP_REFRESH_FAIL_OLD
}
CHECK "stale-if-error: the stale object stands in for a 503" sie

no_sie() {
    local p='/nosie?h=Cache-Control:max-age=60&h=Age:120&h=ETag:%22s%22' st
    pc -o /dev/null "$U$p" || return 1
    origin_ctl fail/on || return 1
    st=$(pc -o /dev/null -w '%{http_code}' "$U$p")
    origin_ctl fail/off
    echo "status $st"
    [ "$st" = 503 ]
}
CHECK "without stale-if-error the origin's error goes through" no_sie

# ---- stale-while-revalidate ------------------------------------------------------

swr() {
    local p='/swr?h=Cache-Control:max-age=60,stale-while-revalidate=600&h=Age:120&h=ETag:%22w%22&nc=1'
    local b1 b2 b3
    b1=$(pc "$U$p") || return 1
    b2=$(pc "$U$p") || return 1
    # The background validation is logged too, for the client whose
    # request found the object stale.
    wait_until 5 logged "$U$p" 3 || { echo "no background fetch"; return 1; }
    b3=$(pc "$U$p") || return 1
    echo "b1=$b1 b2=$b2 b3=$b3; origin saw $(seen "$p")"
    awk -v u="$U$p" '$7 == u { print $3, $4 }' "$PX/access.log"
    [ "$b1" = "GET /swr #1" ] && [ "$b2" = "$b1" ] && [ "$b3" = "GET /swr #2" ] &&
        expect_code "$U$p" 2 TCP_STALE_HIT &&
        awk -v u="$U$p" -v c="$C1" '$7 == u && $3 == c' "$PX/access.log" |
        sed -n 3p | grep -q TCP_REFRESH_MODIFIED
}
CHECK "stale-while-revalidate: stale served at once, validated behind" swr

# ---- twinctl cache ----------------------------------------------------------------

ctl_stats() {
    local out
    out=$(on a "$TWINCTL" -f "$CONF" cache stats) || return 1
    echo "$out" | tr '\n' ' '
    echo
    echo "$out" | grep -qE '^objects [1-9]' && echo "$out" | grep -qE '^hits [1-9]'
}
CHECK "twinctl cache stats shows objects and hits" ctl_stats

ctl_purge() {
    local p="/fresh?h=Cache-Control:max-age=300" n
    n=$(seen "$p")
    on a "$TWINCTL" -f "$CONF" cache purge "$U$p" || return 1
    pc -o /dev/null "$U$p" || return 1
    echo "origin saw $n then $(seen "$p")"
    [ "$(seen "$p")" = $((n + 1)) ]
}
CHECK "twinctl cache purge URL drops the object" ctl_purge

CHECK "the proxy is still running" _tp_alive "$PROXY_PID"

finish

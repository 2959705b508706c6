#!/bin/bash
# harden_protocol.sh - protocol details of twin-proxy, one check each.
#
# Hosts: a (twin-proxy on A:3128 with a memory cache), c1 (client),
# origin (proxy_origin.py on O:8000). Checks:
#   - status lines served from the cache carry their own reason phrase
#     (203, 206, 30x, 304, 404, 405, 410, 412, 416, 451, 500);
#   - a 204 goes on without Content-Length;
#   - a CONNECT whose Host names another place than its target is a 400;
#   - a TRACE answered here echoes no Cookie, Authorization or
#     Proxy-Authorization;
#   - trailers that may not be trailers (framing, routing, cookies) are
#     dropped, the others pass;
#   - a background revalidation carries the client's address in
#     X-Forwarded-For and the access log;
#   - a reused pooled origin connection is logged HIER_DIRECT/address;
#   - error pages' Via names the protocol version;
#   - the config lexer refuses unknown escapes, and the effective
#     configuration it prints reads back unchanged;
#   - a request head sent a byte per segment costs CPU linear in its size
#     (the parser resumes where it stopped; the figures are printed).

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl python3 cmp
. "$(dirname "$0")/proxy_cache_lib.sh"

PEER=$TOP_SRCDIR/tests/integration/harden_peer.py
RAW=$TOP_SRCDIR/tests/integration/proxy_rawclient.py
cache_setup "cache-memory 16M"
start_proxy

heads() { pc -D "$T/h" -o "$T/b" "$@"; }
status_line() { head -n 1 "$T/h" | tr -d '\r'; }
field() { grep -i "^$1:" "$T/h" | tr -d '\r'; }
raw() { on c1 python3 "$RAW" "$A" 3128 "$@"; }

# ---- reason phrases of hits ------------------------------------------------
declare -A REASON=(
    [203]="Non-Authoritative Information" [206]="Partial Content"
    [301]="Moved Permanently" [302]="Found" [303]="See Other"
    [304]="Not Modified" [307]="Temporary Redirect" [308]="Permanent Redirect"
    [404]="Not Found" [405]="Method Not Allowed" [410]="Gone"
    [412]="Precondition Failed" [416]="Range Not Satisfiable"
    [451]="Unavailable For Legal Reasons" [500]="Internal Server Error")
# hit_reason CODE PATH CURLARGS...: PATH stored, then asked for with
# CURLARGS, is a hit with status line "HTTP/1.1 CODE <its reason>".
hit_reason() {
    local code=$1 p=$2
    shift 2
    pc -o /dev/null "$U$p" && heads "$@" "$U$p" || return 1
    wait_until 3 logged "$U$p" 2
    echo "$(status_line) ($(code "$U$p" 2))"
    [ "$(status_line)" = "HTTP/1.1 $code ${REASON[$code]}" ] &&
        [[ $(code "$U$p" 2) == TCP_*HIT ]]
}
for c in 203 301 302 303 307 308 404 405 410 412 451 500; do
    CHECK "a stored $c is served from the cache as \"$c ${REASON[$c]}\"" \
        hit_reason "$c" "/st$c?s=$c&h=Cache-Control:max-age=60"
done
CHECK "a range of a stored object is \"206 ${REASON[206]}\"" \
    hit_reason 206 "/r206?h=Cache-Control:max-age=60" -H "Range: bytes=0-3"
CHECK "a client's own validator matching is \"304 ${REASON[304]}\"" \
    hit_reason 304 "/r304?h=Cache-Control:max-age=60&h=ETag:%22v%22" \
    -H 'If-None-Match: "v"'
CHECK "an unsatisfiable range is \"416 ${REASON[416]}\"" \
    hit_reason 416 "/r416?h=Cache-Control:max-age=60" \
    -H "Range: bytes=99999-"

# ---- 204 -----------------------------------------------------------------
no_length_204() {
    heads "$U/n204?s=204" || return 1
    tr -d '\r' <"$T/h"
    [ "$(status_line)" = "HTTP/1.1 204 No Content" ] &&
        [ -z "$(field content-length)" ]
}
CHECK "a 204 goes on without Content-Length" no_length_204

# ---- CONNECT and Host ----------------------------------------------------
connect_conflict() {
    local out
    out=$(raw "CONNECT $O:443 HTTP/1.1\\r\\nHost: elsewhere.test:443\\r\\n\\r\\n")
    echo "$out" | head -n 1
    [[ $out == "HTTP/1.1 400 "* ]] && [[ $out == *"conflicting Host"* ]]
}
CHECK "a CONNECT whose Host names another authority is a 400" connect_conflict

# ---- TRACE ---------------------------------------------------------------
trace_secrets() {
    local out
    out=$(pc -X TRACE -H "Max-Forwards: 0" -H "Cookie: c=s3cret" \
        -H "Authorization: Basic czNjcmV0" \
        -H "Proxy-Authorization: Basic czNjcmV0" -H "X-Other: kept" "$U/t")
    echo "$out"
    [[ $out == "TRACE /t HTTP/1.1"* || $out == "TRACE $U/t HTTP/1.1"* ]] &&
        [[ $out == *"X-Other: kept"* ]] && [[ $out != *s3cret* ]] &&
        [[ $out != *czNjcmV0* ]]
}
CHECK "TRACE echoes neither Cookie nor Authorization nor Proxy-Authorization" \
    trace_secrets

# ---- trailers --------------------------------------------------------------
trailers() {
    local out
    out=$(raw "GET $U/tr?chunked=1&t=X-Ok:1&t=Set-Cookie:evil=1&t=Content-Length:5&t=Host:evil.test HTTP/1.1\\r\\nHost: $O:8000\\r\\nConnection: close\\r\\n\\r\\n")
    printf '%s\n' "$out" | tr -d '\r' | tail -n 6
    [[ $out == *"X-Ok:1"* ]] && [[ $out != *evil* ]] &&
        [[ $out != *"Content-Length:5"* ]]
}
CHECK "forbidden trailers are dropped, the others pass" trailers

# ---- background revalidation ------------------------------------------------
bg_client() {
    local p='/swr?h=Cache-Control:max-age=1,stale-while-revalidate=600&h=Age:120&h=ETag:%22w%22&nc=1'
    local last
    pc -o /dev/null "$U$p" && pc -o /dev/null "$U$p" || return 1
    wait_until 5 logged "$U$p" 3 || { echo "no background fetch"; return 1; }
    last=$(grep -F "\"target\": \"$p\"" "$REC" | tail -n 1)
    echo "$last"
    awk -v u="$U$p" '$7 == u { print $3, $4 }' "$PX/access.log"
    [[ $last == *'["Cache-Control", "max-age=0"]'* ]] &&
        [[ $last == *"[\"X-Forwarded-For\", \"$C1\"]"* ]] &&
        [ "$(awk -v u="$U$p" '$7 == u { print $3 }' "$PX/access.log" |
            sed -n 3p)" = "$C1" ]
}
CHECK "a background revalidation carries the client's address (XFF, log)" \
    bg_client

# ---- HIER of a pooled connection -------------------------------------------
reused() {
    local n
    pc -o /dev/null "$U/hello?pool=1" && pc -o /dev/null "$U/hello?pool=2" ||
        return 1
    wait_until 3 grep -q "hello?pool=2" "$PX/access.log"
    grep "hello?pool=" "$PX/access.log"
    n=$("$TWINCTL" -f "$CONF" proxy stats | awk '$1 == "origin-reused" { print $2 }')
    echo "origin-reused $n"
    [ "${n:-0}" -ge 1 ] &&
        grep "hello?pool=2" "$PX/access.log" | grep -q " HIER_DIRECT/$O "
}
CHECK "a reused pooled connection is logged HIER_DIRECT/address" reused

# ---- error pages' Via --------------------------------------------------------
page_via() {
    heads "http://$O:9/"
    field via
    [ "$(field via)" = "Via: 1.1 a (twin-proxy)" ]
}
CHECK "an error page's Via names the protocol version" page_via

# ---- the config lexer ----------------------------------------------------------
escapes() {
    local out
    printf 'peer { name a; address %s; run-dir "%s/r\\d"; }\n' "$A" "$T" \
        >"$T/esc.conf"
    out=$("$TWIN_PROXY" -n -f "$T/esc.conf" 2>&1)
    echo "$out"
    [[ $out == *"unknown escape \\d in a string"* ]] && not "$TWIN_PROXY" \
        -n -f "$T/esc.conf"
}
CHECK "the config lexer refuses an unknown escape" escapes
round_trip() {
    printf 'peer { name a; address %s; run-dir "%s/run \\"x\\"\\\\ \\t"; }\n' \
        "$A" "$T" >"$T/rt.conf"
    conf_block proxy "listen $A:3999" "access-log \"$T/a \\\\b.log\"" \
        >>"$T/rt.conf"
    "$TWIN_PROXY" -n -f "$T/rt.conf" >"$T/dump1" &&
        "$TWIN_PROXY" -n -f "$T/dump1" >"$T/dump2" || return 1
    grep -E "run-dir|access-log" "$T/dump1"
    cmp "$T/dump1" "$T/dump2"
}
CHECK "the effective configuration printed reads back unchanged" round_trip

# ---- head parsing cost -----------------------------------------------------------
# The cost of a head sent a byte per segment (paced, so each byte is a
# read of its own), for 10 KB and for 60 KB: linear work costs six times
# as much for six times the bytes, a parser that starts over on every
# read up to 36 times (each read's system calls alone are linear). The
# bound sits between the two, with room for a loaded machine.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$PROXY_PID/stat"; }
# head_cpu BYTES: HEAD_MS, the proxy's CPU for one such head.
reads() { awk '$1 == "syscr:" { print $2 }' "/proc/$PROXY_PID/io"; }
head_cpu() {
    local before after st r0 r1
    before=$(cpu_ticks)
    r0=$(reads)
    st=$(on c1 python3 -u "$PEER" slowhead "$A" 3128 "$1" 30)
    after=$(cpu_ticks)
    r1=$(reads)
    HEAD_MS=$(( (after - before) * 1000 / $(getconf CLK_TCK) ))
    HEAD_READS=$((r1 - r0))
    echo "$1 bytes: $st; twin-proxy used $HEAD_MS ms of CPU in $HEAD_READS reads"
    [ "$st" = "HTTP/1.1 200 OK" ]
}
# How many reads a head takes depends on how busy the machine is (bytes
# that wait are read together), so the cost is compared per read too: a
# parser that starts over costs about six times as much per read for a
# head six times as long, a linear one the same.
linear_head() {
    head_cpu 10000 || return 1
    CPU10=$HEAD_MS R10=$HEAD_READS
    head_cpu 60000 || return 1
    CPU60=$HEAD_MS R60=$HEAD_READS
    echo "ratio $((CPU60 * 100 / (CPU10 > 0 ? CPU10 : 1)))% (linear: 600%)"
    [ "$R10" -gt 0 ] && [ "$R60" -gt 0 ] || return 1
    echo "per read: 10 KB $((CPU10 * 1000000 / R10)) ns, 60 KB" \
        "$((CPU60 * 1000000 / R60)) ns"
    [ "$CPU60" -le $((CPU10 * 15 + 50)) ] ||
        [ $((CPU60 * R10)) -le $((CPU10 * R60 * 3 + 50 * R60)) ]
}
CHECK "a head sent a byte per segment costs linear CPU (60 KB: < 15 x 10 KB, or < 3 x per read)" \
    linear_head
echo "# a byte per segment, twin-proxy CPU: 10 KB ${CPU10:-?} ms in ${R10:-?} reads, 60 KB ${CPU60:-?} ms in ${R60:-?} reads"
finish

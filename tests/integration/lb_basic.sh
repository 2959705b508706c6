#!/bin/bash
# lb_basic.sh - twin-lb's l7 cluster, end to end, with real nginx servers.
#
# twin-lb on host a listens on the floating IP before a holds it
# (IP_FREEBIND) and serves through it once it arrives; it runs as PROXY_USER
# after binding. Connections to servers leave from the source each
# server names: the floating IP, the address the client reached, the
# peer's own, or the kernel's choice. Requests are balanced one by one, also on one keep-alive
# connection; the servers see X-Forwarded-For, Forwarded and Via, and
# the Host the client sent. Large bodies stream both ways, to a client
# that reads slowly too. The strict parser refuses a malformed request
# (400), 65 header fields (431) and a head over request-max (431). A
# cluster with no server able to serve answers 503 with a page naming
# twin-lb. The access log has one combined-format line per request with
# the cluster, the server and why. `lb servers` prints the machine
# format, `lb show` the human one; -n checks a config; the l4 cluster
# starts the packet engine.

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl python3 nginx
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/lb_lib.sh"

lb_topo a c1 s1 s2
lb_nginx s1 "$S1"
lb_nginx s2 "$S2"

lb_conf() {
    conf_peer
    conf_block "cluster web" "listen $FIP:80" "listen $A:80" \
        "server s1 $S1:80" "server s2 $S2:80" "forwarded yes" \
        "request-max 2K" "icmp-check no" "check-interval 500ms" \
        "check-timeout 300ms" "access-log $PX/access.log"
    conf_block "cluster empty" "listen $A:81" "server s9 $S1:80 disabled" \
        "check none" "icmp-check no" "access-log $PX/access.log"
    conf_block "cluster pkt" "mode l4" "listen $A:82" "server p1 $S1:80"
    conf_block ha "floating-ip $FIP/$PFX"
    conf_block "cluster src" "listen $FIP:8000" \
        "server s1 $S1:80 source floating" "server s2 $S2:80 source cluster" \
        "icmp-check no" "access-log $PX/access.log"
    conf_block "cluster peer" "listen $FIP:8001" "server s1 $S1:80 source peer" \
        "server s2 $S2:80" "icmp-check no" "access-log $PX/access.log"
}
conf_write "$CONF" lb_conf

# ---- -n ---------------------------------------------------------------------

CHECK "twin-lb -n accepts the config" on a "$TWIN_LB" -n -f "$CONF"
nchk() { on a "$TWIN_LB" -n -f "$CONF" 2>/dev/null | grep -q '^cluster pkt {'; }
CHECK "twin-lb -n prints the l4 cluster with the others" nchk

lb_start
CHECK "the l4 cluster is served by the packet engine, on eth0" \
    wait_until 5 grep -q 'l4: packet engine on eth0' "$(logf lb.log)"
uid_of() { awk '/^Uid:/ { print $2 }' "/proc/$1/status"; }
CHECK "after binding, twin-lb runs as $PROXY_USER" \
    test "$(uid_of "$LB_PID")" = "$(id -u "$PROXY_USER")"

# ---- floating IP ------------------------------------------------------------

CHECK "twin-lb listens on the floating IP it does not hold yet" \
    grep -q "listening on $FIP:80" "$(logf lb.log)"
CHECK "nobody holds the floating IP yet" not on c1 curl -sS -m 2 "http://$FIP/"
on a ip addr add "$FIP/$PFX" dev eth0 || ERROR "cannot add $FIP on a"
fip_ok() { [ "$(get c1 "http://$FIP/")" = s1 ] || [ "$(get c1 "http://$FIP/")" = s1 ]; }
CHECK "once a holds it, clients reach the servers through it" wait_until 5 fip_ok

# ---- source addresses ---------------------------------------------------------

# src_is PORT SERVER ADDR: the request SERVER answers on PORT came from ADDR.
src_is() {
    local i line
    for i in 1 2 3; do
        line=$(on c1 curl -sS -m 5 "http://$FIP:$1/src")
        [ "${line%% *}" = "$2" ] || continue
        echo "$line"
        [ "${line#* }" = "$3" ]
        return
    done
    echo "no answer from $2"
    return 1
}
CHECK "source floating: the server sees the floating IP" src_is 8000 s1 "$FIP"
CHECK "source cluster: the address the client reached" src_is 8000 s2 "$FIP"
CHECK "source peer: the peer's real address" src_is 8001 s1 "$A"
CHECK "source default: the kernel's choice toward the servers" src_is 8001 s2 "$A"

# ---- balancing --------------------------------------------------------------

two() {
    local a b
    a=$(get c1 "http://$A/") b=$(get c1 "http://$A/")
    echo "got $a then $b"
    [ "$a" != "$b" ] && { [ "$a" = s1 ] || [ "$a" = s2 ]; } &&
        { [ "$b" = s1 ] || [ "$b" = s2 ]; }
}
CHECK "round robin: two requests, two servers" two
ka() {
    on c1 python3 "$LB_CLIENT" ka "$A" 80 / - - - - >"$T/ka.out"
    cat "$T/ka.out"
    grep -qx 'connections 1' "$T/ka.out" &&
        [ "$(grep -c '^200 s1 ' "$T/ka.out")" = 2 ] &&
        [ "$(grep -c '^200 s2 ' "$T/ka.out")" = 2 ]
}
CHECK "keep-alive: four requests on one connection, balanced one by one" ka

# ---- heads ------------------------------------------------------------------

hdr=$(on c1 curl -sS -m 5 -H 'Cookie: app=1' "http://$A/hdr")
echo "# $hdr"
CHECK "the server sees the client in X-Forwarded-For" \
    grep -q "xff=$C1 " <<<"$hdr"
CHECK "and in Forwarded, with the protocol" \
    grep -q "fwd=for=$C1;proto=http " <<<"$hdr"
CHECK "and twin-lb in Via" grep -q 'via=1.1 a (twin-lb) ' <<<"$hdr"
CHECK "and the Host and cookies the client sent" \
    grep -q "cookie=app=1 host=$A\$" <<<"$hdr"
xff2=$(on c1 curl -sS -m 5 -H 'X-Forwarded-For: 203.0.113.9' "http://$A/hdr")
CHECK "an X-Forwarded-For from the client is extended" \
    grep -q "xff=203.0.113.9, $C1 " <<<"$xff2"
via() {
    on c1 curl -sS -m 5 -D - -o /dev/null "http://$A/" | tr -d '\r' |
        grep -i '^via:' | grep -qx 'Via: 1.1 a (twin-lb)'
}
CHECK "responses get Via too" via

# ---- bodies and backpressure ----------------------------------------------------

slow_dl() {
    on c1 curl -sS -m 20 --limit-rate 500k -o "$T/big.out" "http://$A/big/1m" &&
        cmp "$T/big.out" "$T/www-s1/big/1m"
}
CHECK "a client reading slowly gets a 1 MiB response intact" slow_dl
head -c 2097152 /dev/zero | tr '\0' z >"$T/upload"
CHECK "a 2 MiB request body goes through" \
    test "$(status c1 "http://$A/hdr" --data-binary "@$T/upload")" = 200
chunked_up() {
    test "$(status c1 "http://$A/hdr" -H 'Transfer-Encoding: chunked' \
        --data-binary "@$T/upload")" = 200
}
CHECK "and a chunked one" chunked_up

# ---- the parser and its limits ----------------------------------------------

# raw_is CODE REQUEST: REQUEST (proxy_rawclient.py syntax) gets status CODE.
raw_is() {
    local got
    got=$(on c1 python3 "$TOP_SRCDIR/tests/integration/proxy_rawclient.py" \
        "$A" 80 "$2" 2>&1 | head -n 1)
    echo "got: $got"
    [[ $got == "HTTP/1.1 $1 "* ]]
}
CHECK "a bare LF in the head is refused: 400" \
    raw_is 400 'GET / HTTP/1.1\nHost: x\n\n'
many=$(for i in $(seq 1 65); do printf 'X-H%d: v\\r\\n' "$i"; done)
CHECK "65 header fields are refused: 431" \
    raw_is 431 "GET / HTTP/1.1\\r\\nHost: x\\r\\n$many\\r\\n"
big=$(head -c 2100 /dev/zero | tr '\0' a)
CHECK "a head over request-max (2K) is refused: 431" \
    test "$(status c1 "http://$A/" -H "X-Big: $big")" = 431
CHECK "a request within the limits is served" test "$(status c1 "http://$A/")" = 200

# ---- no server --------------------------------------------------------------

on c1 curl -sS -m 5 -D "$T/503.h" -o "$T/503.b" "http://$A:81/" || true
CHECK "a cluster whose servers are all disabled answers 503" \
    grep -q '^HTTP/1.1 503 ' "$T/503.h"
CHECK "with a page naming twin-lb" grep -q 'twin-lb' "$T/503.b"
CHECK "and the reason" grep -q 'no server is available' "$T/503.b"

# ---- logs and control ---------------------------------------------------------

logline() {
    grep -E "^$C1 - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9:]{8} [-+][0-9]{4}\] \"GET /hdr HTTP/1.1\" 200 [0-9]+ \"-\" \"curl/[^\"]*\" web s[12] [0-9]+ scheduled\$" "$PX/access.log"
}
CHECK "the access log: combined format, cluster, server, time, reason" \
    wait_until 3 logline
CHECK "the 503 is logged with no server and reason none" wait_until 3 \
    grep -qE "\"GET / HTTP/1.1\" 503 [0-9]+ \"-\" \"curl/[^\"]*\" empty - [0-9]+ none\$" "$PX/access.log"
CHECK "the refused requests are logged with their status" wait_until 3 \
    grep -qE '" 431 [0-9]+ ' "$PX/access.log"
servers() {
    lb_ctl servers >"$T/servers.out"
    cat "$T/servers.out"
    grep -Eqx 'web s1 up 0 [0-9]+' "$T/servers.out" &&
        grep -Eqx 'web s2 up 0 [0-9]+' "$T/servers.out" &&
        grep -qx 'empty s9 disabled 0 0' "$T/servers.out" &&
        grep -qx 'pkt p1 up 0 0' "$T/servers.out" &&
        [ "$(wc -l <"$T/servers.out")" = 8 ]
}
CHECK "lb servers: CLUSTER SERVER STATE ACTIVE REQUESTS" servers
show() {
    lb_ctl show web >"$T/show.out"
    cat "$T/show.out"
    grep -q '^cluster web: l7 on ' "$T/show.out" &&
        grep -q "server s1 $S1:80: up (enabled), active 0/-, requests" "$T/show.out" &&
        grep -q 'up for [0-9]*s: tcp: ' "$T/show.out"
}
CHECK "lb show: clusters, servers, state and reason" show
stats() { lb_ctl stats | grep -E '^web.requests [0-9]{2}'; }
CHECK "lb stats counts the requests" stats

stop "$LB_PID"
CHECK "SIGTERM: twin-lb exits 0" test "$STOP_STATUS" -eq 0
finish

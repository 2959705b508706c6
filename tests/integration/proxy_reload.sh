#!/bin/bash
# proxy_reload.sh - twin-proxy listeners, reload and drain.
#
# twin-proxy on host a listens on its real address and on the floating IP
# before a holds it (IP_FREEBIND); once the address arrives, clients reach
# the proxy through it without a restart, and origins still see the real
# address. SIGHUP applies a new config (a new listener, a new allow
# network) while a slow request stays in flight and completes; a broken
# config is refused and the running one kept; a new allow list applies to
# open keep-alive connections too. At max-connections the proxy stops
# accepting and resumes below it. SIGTERM stops accepting and lets the
# request in progress finish before the daemon exits 0.

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl python3
. "$(dirname "$0")/proxy_lib.sh"

proxy_topo a c1 c2 origin
proxy_dirs
U=http://$O:8000

# config ALLOW... : write the config with these allow networks; LISTEN2
# (if set) adds a listener, MAXC (if set) sets max-connections.
config() {
    local -a s=("listen $A:3128" "listen $FIP:3128")
    local n
    [ -n "${LISTEN2:-}" ] && s+=("listen $LISTEN2")
    [ -n "${MAXC:-}" ] && s+=("max-connections $MAXC")
    for n in "$@"; do s+=("allow $n"); done
    proxy_conf "${s[@]}" "outgoing-address $A" "access-log $PX/access.log"
}

origin_start origin origin.log "$REC" "$O:8000"

config "$C1/32"
PROXY_OPTS=(-d)
proxy_start

# fetch HOST PROXY URL: the status code of URL fetched through PROXY.
fetch() {
    on "$1" curl -sS -m 10 -x "$2" -o /dev/null -w '%{http_code}' "$3"
}
fetch_is() {   # WANT HOST PROXY URL
    local got
    got=$(fetch "$2" "$3" "$4")
    echo "got $got"
    [ "$got" = "$1" ]
}

# ---- floating IP ------------------------------------------------------------

CHECK "the proxy started listening on the floating IP it does not hold" \
    grep -q "listening on $FIP:3128" "$(logf proxy.log)"
CHECK "nobody holds the floating IP yet" not on c1 curl -sS -m 2 -x "$FIP:3128" "$U/"
on a ip addr add "$FIP/$PFX" dev eth0 || ERROR "cannot add $FIP on a"
CHECK "once a holds it, clients use the proxy through the floating IP" \
    wait_until 5 fetch_is 200 c1 "$FIP:3128" "$U/hello"
CHECK "the origin sees the real address, not the floating IP" origin_peer_is "$A"

# ---- reload -----------------------------------------------------------------

CHECK "c2 is not allowed yet" fetch_is 403 c2 "$A:3128" "$U/hello"

on c1 curl -sS -m 20 -x "$A:3128" -o /dev/null -w '%{http_code}' \
    "$U/slow/2500" >"$T/slow1.out" 2>&1 &
SLOW1=$!
wait_until 5 grep -q '"/slow/2500"' "$REC" || ERROR "slow request did not reach the origin"

LISTEN2="$A:3129" config "$C1/32" "$C2/32"
kill -HUP "$PROXY_PID"
wait_log proxy.log "reload: configuration from .* in effect" 5
CHECK "after SIGHUP the new listener accepts" fetch_is 200 c2 "$A:3129" "$U/hello"
CHECK "after SIGHUP the new allow network applies on the old listener" \
    fetch_is 200 c2 "$A:3128" "$U/hello"
wait "$SLOW1"
CHECK "the request in flight during the reload completed" \
    grep -qx 200 "$T/slow1.out"

echo "proxy { listen $A:3128; allow ; }" >"$CONF"
kill -HUP "$PROXY_PID"
wait_log proxy.log "has errors; keeping the running configuration" 5
CHECK "a broken config is refused and the proxy keeps running" \
    _tp_alive "$PROXY_PID"
CHECK "the running config stays in effect (listener and allow)" \
    fetch_is 200 c2 "$A:3129" "$U/hello"

LISTEN2="$A:3129" config "$C1/32" "$C2/32"
kill -HUP "$PROXY_PID"
reloads() { [ "$(grep -c 'in effect' "$(logf proxy.log)")" -ge "$1" ]; }
wait_until 5 reloads 2 || ERROR "the second reload did not take effect"
# A keep-alive connection from c2, opened while c2 was allowed, asks again
# after c2 is removed: the new allow list applies to it at once.
before=$(grep -c '"/hello?ka"' "$REC")
RAW_WAIT_FILE=$T/ka.go on c2 python3 "$TOP_SRCDIR/tests/integration/proxy_rawclient.py" \
    "$A" 3128 "GET $U/hello?ka HTTP/1.1\r\nHost: $O:8000\r\n\r\n" \
    "GET $U/hello?ka HTTP/1.1\r\nHost: $O:8000\r\nConnection: close\r\n\r\n" \
    >"$T/ka.out" 2>&1 &
KA=$!
arrived() { [ "$(grep -c '"/hello?ka"' "$REC")" -gt "$before" ]; }
wait_until 5 arrived ||
    ERROR "the keep-alive client's first request did not arrive"
LISTEN2='' config "$C1/32"
kill -HUP "$PROXY_PID"
gone() { not port_open c2 "$A" 3129; }
CHECK "a listener dropped from the config closes" wait_until 5 gone
CHECK "and c2 is refused again" fetch_is 403 c2 "$A:3128" "$U/hello"
touch "$T/ka.go"
wait "$KA"
ka_denied() {
    grep -oE 'HTTP/1.1 [0-9]{3}' "$T/ka.out"
    grep -q 'HTTP/1.1 200 OK' "$T/ka.out" &&
        grep -q 'HTTP/1.1 403 Forbidden' "$T/ka.out"
}
CHECK "a keep-alive connection opened before the reload gets the new allow list" ka_denied

# ---- max-connections ----------------------------------------------------------

MAXC=2 config "$C1/32"
kill -HUP "$PROXY_PID"
wait_until 5 reloads 4 || ERROR "the max-connections reload did not take effect"
for i in 1 2; do
    RAW_WAIT_FILE=$T/mc.go on c1 python3 "$TOP_SRCDIR/tests/integration/proxy_rawclient.py" \
        "$A" 3128 "" "GET $U/hello HTTP/1.1\r\nHost: $O:8000\r\nConnection: close\r\n\r\n" \
        >"$T/mc$i.out" 2>&1 &
    eval "MC$i=\$!"
done
nopen() {
    [ "$(on a "$TWINCTL" -f "$CONF" proxy stats | awk '$1 == "connections-open" { print $2 }')" = "$1" ]
}
wait_until 5 nopen 2 || ERROR "the two held connections did not open"
CHECK "at max-connections the proxy stops accepting (logged)" \
    wait_log proxy.log "not accepting more" 5
third() { on c1 curl -sS -m 2 -x "$A:3128" -o /dev/null "$U/hello"; }
CHECK "a third client gets no answer while two are open" not third
touch "$T/mc.go"
wait "$MC1"
wait "$MC2"
both_served() {
    grep -q 'HTTP/1.1 200 OK' "$T/mc1.out" && grep -q 'HTTP/1.1 200 OK' "$T/mc2.out"
}
CHECK "the two held connections are served" both_served
CHECK "below max-connections again, new clients are accepted" \
    wait_until 5 fetch_is 200 c1 "$A:3128" "$U/hello"

# ---- drain ------------------------------------------------------------------

on c1 curl -sS -m 20 -x "$A:3128" -o /dev/null -w '%{http_code}' \
    "$U/slow/2000" >"$T/slow2.out" 2>&1 &
SLOW2=$!
wait_until 5 grep -q '"/slow/2000"' "$REC" || ERROR "slow request did not reach the origin"
kill -TERM "$PROXY_PID"
closed() { not port_open c1 "$A" 3128; }
CHECK "after SIGTERM no new connection is accepted" wait_until 2 closed
CHECK "the proxy is still running while a request is in progress" \
    _tp_alive "$PROXY_PID"
wait "$SLOW2"
CHECK "the request in progress at SIGTERM completed" grep -qx 200 "$T/slow2.out"
CHECK "then the proxy exits" wait_until 5 not _tp_alive "$PROXY_PID"
wait "$PROXY_PID"
CHECK "with status 0" test "$?" -eq 0
CHECK "the access log was flushed at exit" grep -q '/slow/2000' "$PX/access.log"

finish

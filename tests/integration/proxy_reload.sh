#!/bin/bash
# proxy_reload.sh - twin-proxy listeners, reload and drain.
#
# twin-proxy on host a listens on its real address and on the floating IP
# before a holds it (IP_FREEBIND); once the address arrives, clients reach
# the proxy through it without a restart, and origins still see the real
# address. SIGHUP applies a new config (a new listener, a new allow
# network) while a slow request stays in flight and completes; a broken
# config is refused and the running one kept. SIGTERM stops accepting and
# lets the request in progress finish before the daemon exits 0.

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl python3

topo_init
topo_host a "$A/$PFX"
topo_host c1 "$C1/$PFX"
topo_host c2 "$C2/$PFX"
topo_host origin "$O/$PFX"

PX=$T/px
mkdir -p "$PX/run"
chmod 755 "$T"
chmod 777 "$PX"
REC=$T/origin.rec
: >"$REC"
CONF=$PX/twinproxy.conf
U=http://$O:8000

# config ALLOW... : write the config with these allow networks; LISTEN2
# (if set) adds a listener.
config() {
    {
        echo "peer { name a; address $A; partner $B; run-dir $PX/run; }"
        echo "proxy {"
        echo "	listen $A:3128;"
        echo "	listen $FIP:3128;"
        [ -n "${LISTEN2:-}" ] && echo "	listen $LISTEN2;"
        for n in "$@"; do echo "	allow $n;"; done
        echo "	outgoing-address $A;"
        echo "	access-log $PX/access.log;"
        echo "}"
    } >"$CONF.new"
    mv "$CONF.new" "$CONF"
}

spawn origin origin.log python3 -u "$TOP_SRCDIR/tests/integration/proxy_origin.py" "$REC" "$O:8000"
wait_port origin "$O" 8000

config "$C1/32"
spawn a proxy.log "$TWIN_PROXY" -d -f "$CONF"
PROXY_PID=$SPAWN_PID
wait_port c1 "$A" 3128

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
from_real() {
    local peer
    peer=$(grep '^conn' "$REC" | tail -n 1 | awk '{ print $3 }')
    echo "origin saw $peer"
    [ "$peer" = "$A" ]
}
CHECK "the origin sees the real address, not the floating IP" from_real

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
wait_until 5 test "$(grep -c 'in effect' "$(logf proxy.log)")" -ge 2
LISTEN2= config "$C1/32"
kill -HUP "$PROXY_PID"
gone() { not port_open c2 "$A" 3129; }
CHECK "a listener dropped from the config closes" wait_until 5 gone
CHECK "and c2 is refused again" fetch_is 403 c2 "$A:3128" "$U/hello"

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

#!/bin/bash
# harden_timeout.sh - no peer can hold a connection of twin-proxy for ever.
#
# Hosts: a (twin-proxy on A:3128: body-timeout 2s, read-timeout 8s),
# c1 (client), origin (proxy_origin.py on O:8000, an origin that stalls
# its response body on O:8001, one that drips its response head a byte
# every 0.3 s on O:8002). Each wait ends within its bound, checked both
# ways (not before, not long after):
#   - a request body that stops after 1 of 100 bytes: 408 after
#     body-timeout, the origin connection closed too;
#   - a response body that stops after 1 of 100 bytes: both connections
#     closed after body-timeout (not read-timeout);
#   - a response head dripped a byte at a time: 504 after read-timeout
#     (each byte used to restart the clock);
#   - a request waiting for another client's slow fetch of the same URL
#     (collapsed forwarding) goes to the origin alone after read-timeout.

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl python3 ss
. "$(dirname "$0")/proxy_lib.sh"

PEER=$TOP_SRCDIR/tests/integration/harden_peer.py
BODY_TIMEOUT=2
READ_TIMEOUT=8

proxy_topo a c1 origin
proxy_dirs
settings=("listen $A:3128" "allow $C1/32" "outgoing-address $A"
    "read-timeout ${READ_TIMEOUT}s" "cache-memory 16M"
    "access-log $PX/access.log")
# A twin-proxy from before body-timeout runs without it (and fails).
proxy_conf "${settings[@]}" "body-timeout ${BODY_TIMEOUT}s"
"$TWIN_PROXY" -n -f "$CONF" >/dev/null 2>&1 ||
    { echo "# this twin-proxy has no body-timeout"; proxy_conf "${settings[@]}"; }
origin_start origin origin.log "$REC" "$O:8000"
spawn origin stall.log python3 -u "$PEER" originstall "$O:8001" 60
wait_log stall.log "^listening on "
spawn origin drip.log python3 -u "$PEER" originslowhead "$O:8002" 60
wait_log drip.log "^listening on "
proxy_start
P=http://$A:3128
U=http://$O:8000

# upto S LOW HIGH: the time since S (now_us) is within [LOW, HIGH] s.
upto() { elapsed_within "$@"; }

# ---- a request body that stalls ------------------------------------------
origin_conns() { on origin ss -Htn state established '( sport = :8000 )'; }
stalled_request() {
    local t0 out
    t0=$(now_us)
    out=$(on c1 python3 -u "$PEER" stallbody "$A" 3128 \
        "POST $U/echo HTTP/1.1\\r\\nHost: $O:8000\\r\\nContent-Length: 100\\r\\n\\r\\nx" 12)
    echo "$out"
    [[ $out == "closed after "*": HTTP/1.1 408 "* ]] &&
        upto "$t0" "$BODY_TIMEOUT" "$((BODY_TIMEOUT + 2))"
}
CHECK "a stalled request body gets 408 after body-timeout" stalled_request
CHECK "and the origin connection it held is closed too" \
    eval 'wait_until 2 test -z "$(origin_conns)"; origin_conns; test -z "$(origin_conns)"'

# ---- a response body that stalls -----------------------------------------
stalled_response() {
    local t0 rc
    t0=$(now_us)
    on c1 curl -sS -o /dev/null -m 12 -x "$P" "http://$O:8001/"
    rc=$?
    echo "curl exit $rc"
    [ "$rc" -eq 18 ] && upto "$t0" "$BODY_TIMEOUT" "$((BODY_TIMEOUT + 2))"
}
CHECK "a stalled response body is cut after body-timeout, not read-timeout" \
    stalled_response
CHECK "and the origin's connection is closed by the proxy" \
    eval 'wait_until 3 grep -q "^closed by the proxy" "$(logf stall.log)"'

# ---- a response head dripped a byte at a time ----------------------------
dripped_head() {
    local t0 st
    t0=$(now_us)
    st=$(on c1 curl -sS -o /dev/null -w '%{http_code}' -m 15 -x "$P" \
        "http://$O:8002/")
    echo "status $st"
    [ "$st" = 504 ] && upto "$t0" "$READ_TIMEOUT" "$((READ_TIMEOUT + 2))"
}
CHECK "a response head dripped byte by byte gets 504 after read-timeout" \
    dripped_head

# ---- waiting for another client's fetch ----------------------------------
# 2 MB sent 64 KiB a second: half a minute, and never body-timeout.
CF="/cf?n=2000000&slow=1000&h=Cache-Control:max-age=60"
seen() { grep -cF "\"target\": \"$CF\"" "$REC"; }
seen_ge() { [ "$(seen)" -ge "$1" ]; }
spawn c1 leader.log curl -sS -o /dev/null -m 40 -x "$P" "$U$CF"
LEADER=$SPAWN_PID
wait_until 5 seen_ge 1 || ERROR "the first fetch did not start"
T0=$(now_us)
spawn c1 waiter.log curl -sS -o /dev/null -m 40 -x "$P" "$U$CF"
WAITER=$SPAWN_PID
waited() {
    wait_until "$((READ_TIMEOUT + 4))" seen_ge 2
    echo "the origin saw $(seen) requests for it"
    [ "$(seen)" -eq 2 ] && upto "$T0" "$((READ_TIMEOUT - 1))" "$((READ_TIMEOUT + 3))"
}
CHECK "a request waiting for the same fetch goes alone after read-timeout" \
    waited
logged_wait() { grep -q "took longer than read-timeout; forwarding alone" "$(logf proxy.log)"; }
CHECK "and the proxy says why" logged_wait
stop "$WAITER" 1
stop "$LEADER" 1
CHECK "twin-proxy still answers" \
    on c1 curl -sS -f -o /dev/null -m 5 -x "$P" "$U/hello"
finish

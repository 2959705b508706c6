#!/bin/bash
# proxy_cache_disk.sh - the disk tier of twin-proxy's cache across
# restarts: objects stored before a restart are served from disk after it
# (TCP_HIT, the origin not asked again, the same bytes), and a kill -9
# during a large store never leaves a partial object to be served: the
# next request is a miss and gets the whole body (sha256).
#
# Hosts: a (twin-proxy on A:3128 with cache-dir), c1 (client), origin
# (proxy_origin.py on O:8000).

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl python3 sha256sum

. "$(dirname "$0")/proxy_cache_lib.sh"

PX=$T/px
cache_setup "read-timeout 5s" "cache-memory 16M" \
    "cache-dir $PX/cache 256M" "cache-max-object 64M"
start_proxy

# direct_sum PATH: sha256 of the body straight from the origin.
direct_sum() { on c1 curl -sS -m 20 "$U$1" | sha256sum; }

SMALL="/small?h=Cache-Control:max-age=3600&n=3000"
BIG="/big?h=Cache-Control:max-age=3600&n=3000000"

populate() {
    local a b
    a=$(pc "$U$SMALL" | sha256sum) || return 1
    b=$(pc "$U$BIG" | sha256sum) || return 1
    SMALL_SUM=$a
    BIG_SUM=$b
    echo "small $a big $b"
    [ "$(seen "$SMALL")" = 1 ] && [ "$(seen "$BIG")" = 1 ] &&
        expect_code "$U$BIG" 1 TCP_MISS
}
CHECK "objects are stored (memory and disk)" populate

restart() {
    stop "$PROXY_PID" 5 || return 1
    start_proxy
}
CHECK "twin-proxy restarts with a populated cache directory" restart

disk_hits() {
    local a b
    a=$(pc "$U$SMALL" | sha256sum) || return 1
    b=$(pc "$U$BIG" | sha256sum) || return 1
    echo "after restart: small $a big $b; origin saw $(seen "$SMALL") and $(seen "$BIG")"
    [ "$a" = "$SMALL_SUM" ] && [ "$b" = "$BIG_SUM" ] &&
        [ "$(seen "$SMALL")" = 1 ] && [ "$(seen "$BIG")" = 1 ] &&
        expect_code "$U$SMALL" 2 TCP_HIT && expect_code "$U$BIG" 2 TCP_HIT
}
CHECK "after the restart both are served from disk (TCP_HIT, same bytes)" disk_hits

ctl_stats() {
    local out
    out=$(on a "$TWINCTL" -f "$CONF" cache stats) || return 1
    echo "$out" | tr '\n' ' '
    echo
    echo "$out" | grep -qE '^disk-objects [2-9]'
}
CHECK "twinctl cache stats counts the disk objects" ctl_stats

# ---- kill -9 in the middle of a large store -----------------------------------

HUGE="/huge?h=Cache-Control:max-age=3600&n=8000000&slow=40"
# partial_seen: the client has received more than 1 MB of the huge body.
partial_seen() { [ "$(stat -c %s "$T/huge.part" 2>/dev/null || echo 0)" -gt 1000000 ]; }

kill9() {
    local cpid
    on c1 curl -sS -m 30 -x "$P" -o "$T/huge.part" "$U$HUGE" 2>/dev/null &
    cpid=$!
    wait_until 20 partial_seen || { kill "$cpid"; echo "no progress"; return 1; }
    kill -9 "$PROXY_PID"
    wait "$cpid"
    echo "client got $(stat -c %s "$T/huge.part") bytes before the kill"
    wait_until 5 not _tp_alive "$PROXY_PID" || return 1
    [ "$(stat -c %s "$T/huge.part")" -lt 8000000 ]
}
CHECK "kill -9 during a large store (the client sees a truncated body)" kill9

CHECK "twin-proxy starts again after kill -9" start_proxy

after_kill() {
    local got want
    want=$(direct_sum "/huge?n=8000000") || return 1
    got=$(pc "$U$HUGE" | sha256sum) || return 1
    echo "want $want got $got; origin saw $(seen "$HUGE")"
    [ "$got" = "$want" ] && [ "$(seen "$HUGE")" = 2 ] &&
        expect_code "$U$HUGE" 1 TCP_MISS
}
# The request cut by the kill was never logged: the miss is line 1.
CHECK "the partial object is never served: a miss with the full body" after_kill

stored_after() {
    local got want
    want=$(direct_sum "/huge?n=8000000") || return 1
    got=$(pc "$U$HUGE" | sha256sum) || return 1
    [ "$got" = "$want" ] && [ "$(seen "$HUGE")" = 2 ] &&
        expect_code "$U$HUGE" 2 TCP_HIT
}
CHECK "the complete object is stored and served afterwards" stored_after

small_survives() {
    local a
    a=$(pc "$U$SMALL" | sha256sum) || return 1
    [ "$a" = "$SMALL_SUM" ] && [ "$(seen "$SMALL")" = 1 ]
}
CHECK "objects stored before the kill are still served" small_survives

# disk_bytes: the disk tier's size as twinctl reports it.
disk_bytes() {
    on a "$TWINCTL" -f "$CONF" cache stats | awk '$1 == "disk-bytes" { print $2 }'
}
disk_within() { local b; b=$(disk_bytes); [ -n "$b" ] && [ "$b" -le "$1" ]; }
shrink() {
    echo "disk bytes before: $(disk_bytes)"
    [ "$(disk_bytes)" -gt 8000000 ] || return 1
    sed -i 's|cache-dir .*|cache-dir '"$PX"'/cache 1M;|' "$CONF"
    kill -HUP "$PROXY_PID"
    wait_until 5 disk_within 1048576 || { echo "still $(disk_bytes)"; return 1; }
    echo "disk bytes after: $(disk_bytes)"
    small_survives
}
CHECK "a reload with a smaller cache-dir evicts down to it, small objects stay" shrink

finish

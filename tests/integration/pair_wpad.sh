#!/bin/bash
# pair_wpad.sh - the pair in active-active mode with WPAD, end to end.
#
# Proxies on their real IPs :8080; twin-wpad on the floating IP :80, moved
# by twin-ha. Clients c1 (odd) and c2 (even) load wpad.dat from the
# floating IP, evaluate it with pactester and browse through the proxies
# it names, in order, as a browser does. Checks:
#   - both peers order the proxies canonically: even c2 gets a first, odd
#     c1 gets b first, and each request appears in that peer's access log;
#   - one proxy stops: both clients, with the scripts they already hold,
#     still get through, through the other proxy;
#   - the WPAD holder stops entirely: the floating IP moves, new scripts
#     come from the other peer, match what the stopped peer itself would
#     generate for that state (the same assignment), and work;
#   - the stopped peer returns: scripts and traffic split again.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"
. "$(dirname "$0")/pair_lib.sh"

need_cmd curl python3 pactester

order_is() {
    local got
    got=$(pac_order "$1" | tr '\n' ' ') || return 1
    echo "$1 gets: $got"
    [ "$got" = "$2 " ]
}

pair_topo
pair_conf wpad a "$A" "$B" primary
pair_conf wpad b "$B" "$A" backup
pair_start a
pair_start b
PA=$A:8080
PB=$B:8080

# ---- both up ----------------------------------------------------------------
CHECK "a holds the floating IP (the WPAD address)" wait_until 5 one_holder a
CHECK "wpad waits until it sees both proxies up" \
    wait_log wpad-a.log "proxy $B:8080 is up"
CHECK "even client c2 gets a's proxy first, then b's" order_is c2 "$PA $PB"
CHECK "odd client c1 gets b's proxy first, then a's" order_is c1 "$PB $PA"
CHECK "a's WPAD server served both scripts" \
    sh -c "grep -q '$C1' '$T/logs/wpad-a.log' && grep -q '$C2' '$T/logs/wpad-a.log'"
CHECK "c2 browses through a" test "$(browse c2 w1)" = "$PA"
CHECK "a's access log shows c2's request" wait_until 3 served_by a w1
CHECK "c1 browses through b" test "$(browse c1 w2)" = "$PB"
CHECK "b's access log shows c1's request" wait_until 3 served_by b w2
CHECK "b's access log does not show c2's request" not_served_by b w1

# ---- one proxy stops -------------------------------------------------------
# shellcheck disable=SC2086
set -- ${PAIR_PIDS[a]}
proxy_a=$1
kill -KILL "$proxy_a"
CHECK "a's proxy is gone" wait_until 5 not port_open c2 "$A" 8080
CHECK "c2, with its loaded script, still gets through (via b)" \
    test "$(browse c2 w3)" = "$PB"
CHECK "b's access log shows c2's request" wait_until 3 served_by b w3
CHECK "c1 still gets through via b" test "$(browse c1 w4)" = "$PB"
CHECK "a gives up the WPAD address when its proxy fails" \
    wait_until 5 one_holder b
CHECK "new scripts list the dead proxy last for everyone" \
    wait_until 3 order_is c2 "$PB $PA"

# ---- the WPAD holder stops entirely -----------------------------------------
# Bring a back whole first, so that it holds the floating IP again.
pair_kill a TERM
pair_start a
CHECK "a is whole again and holds the floating IP" wait_until 8 one_holder a
CHECK "scripts split the clients again" wait_until 3 order_is c2 "$PA $PB"
fetches_b=$(grep -c "$C1" "$T/logs/wpad-b.log")
pair_kill a KILL
# kill -9 leaves a's alias in its kernel; what matters is that b holds the
# address and the clients' ARP caches point at b.
CHECK "the floating IP moves to b" wait_until 5 holds b
CHECK "c1's ARP entry for the floating IP is b's MAC" \
    wait_until 3 client_mac_is b
CHECK "c1 (odd) loads a new script: b first, as before" \
    wait_until 3 order_is c1 "$PB $PA"
CHECK "b's WPAD server served it" \
    test "$(grep -c "$C1" "$T/logs/wpad-b.log")" -gt "$fetches_b"
# The same assignment: b serves what a itself generates for this state.
same_as_a() {
    "$TWINCTL" -f "$T/a.conf" pac --client "$C2" --down self |
        grep -v '^//' >"$T/want.pac" || return 1
    pac_fetch c2 || return 1
    grep -v '^//' "$T/c2.pac" | cmp - "$T/want.pac"
}
CHECK "c2's new script from b is what a generates with a down" \
    wait_until 3 same_as_a
CHECK "c2 browses through b with it" test "$(browse c2 w5)" = "$PB"
CHECK "b's access log shows c2's request" wait_until 3 served_by b w5

# ---- a returns -------------------------------------------------------------
pair_start a
CHECK "a takes the WPAD address back (failback)" wait_until 8 one_holder a
CHECK "c2 (even) gets a first again" wait_until 5 order_is c2 "$PA $PB"
CHECK "c2 browses through a" test "$(browse c2 w6)" = "$PA"
CHECK "a's access log shows it" wait_until 3 served_by a w6

finish

#!/bin/bash
# ha_outage.sh - client-side outage of a twin-ha failover, measured with a
# real client: c1 pings the floating IP every 10 ms; the outage is the
# longest gap between two replies. Heartbeat interval 100ms, count 3
# (target: outage under 500 ms). Not part of `make check`.
#
# Two failures are measured, ROUNDS times each (default 5):
#   host     the active's daemon is killed (-9) and its cable pulled at the
#            same moment, as when the whole server dies: nothing answers
#            until the standby has taken over and announced itself;
#   process  only the daemon is killed (-9): the dead daemon's kernel still
#            answers on the floating IP until the standby's gratuitous ARP
#            moves the client, so the client sees (almost) no gap.
#
# Usage: tests/bench/ha_outage.sh   (as root, from a built tree; set
# TOP_BUILDDIR if the build is not in ./build)

set -u
here=$(cd "$(dirname "$0")" && pwd)
export TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$here/../.." && pwd)}
export TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR/build}
export HA_INTERVAL_MS=100 HA_COUNT=3
ROUNDS=${ROUNDS:-5}
# lib.sh re-runs this script inside private namespaces.
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/integration/ha_lib.sh"

need_cmd ping awk
ha_topo
ha_conf a "$A" "$B" primary "failback no"
ha_conf b "$B" "$A" backup "failback no"

# round MODE: one failover of a (active) to b; prints the outage in ms.
round() {
    local mode=$1 t0
    ha_start a
    ha_start b
    wait_until 5 one_holder a || ERROR "a did not become the holder"
    : >"$T/logs/ping.log"
    spawn c1 ping.log ping -n -D -i 0.01 -W 1 "$FIP"
    PING_PID=$SPAWN_PID
    wait_until 5 replies_after 0 20 >/dev/null || ERROR "no ping replies"
    t0=$(now_ms)
    ha_kill a KILL
    [ "$mode" = host ] && link_down a
    wait_until 5 holds b || ERROR "b did not take over"
    wait_until 5 replies_after $(( $(now_ms) / 1000 + 1 )) 20 >/dev/null ||
        ERROR "traffic did not resume"
    stop "$PING_PID" >/dev/null
    printf '%s %s\n' "$mode" "$(ping_outage_ms)" >>"$T/results"
    stop "${HA_PID[b]}" >/dev/null
    wait "${HA_PID[a]}" 2>/dev/null
    [ "$mode" = host ] && link_up a
    ip -n a addr del "$FIP/$PFX" dev eth0 2>/dev/null
    ip -n c1 neigh flush dev eth0
    : "$t0"
}

for mode in host process; do
    for ((r = 0; r < ROUNDS; r++)); do
        round "$mode"
    done
done
awk '{ n[$1]++; s[$1] += $2; if ($2 > m[$1]) m[$1] = $2; v[$1] = v[$1] " " $2 }
     END { for (k in n) printf "# %-7s outage over %d rounds: mean %d ms, max %d ms (ms:%s)\n",
                  k, n[k], s[k] / n[k], m[k], v[k] }' "$T/results"
host_max=$(awk '$1 == "host" && $2 > m { m = $2 } END { print m + 0 }' "$T/results")
CHECK "client-side outage after a host failure under 500 ms (interval 100ms x count 3)" \
    test "$host_max" -lt 500
finish

#!/bin/bash
# ha_splitbrain.sh - twin-ha: the active is frozen (SIGSTOP) until the
# standby takes over, then resumed: both hold the floating IP for a moment;
# the configured primary keeps it, the other releases it, the keeper
# re-announces it, and the client ends on the keeper's MAC.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"

need_cmd ping awk
ha_topo
ha_conf a "$A" "$B" primary "failback no"
ha_conf b "$B" "$A" backup "failback no"
ha_start a
ha_start b
wait_until 5 one_holder a || ERROR "a did not become the holder"
ping_start
wait_until 5 replies_after 0 5 || ERROR "client ping loop gets no replies"

ha_kill a STOP
CHECK "with a frozen, b takes over" wait_until 3 holds b
CHECK "b logged the reference takeover line" \
    grep -q "Standby System($A) is an Active System renew\." "$T/logs/b.log"
CHECK "c1 follows b's gratuitous ARP" wait_until 3 client_mac_is b
CHECK "both hold the floating IP while a is frozen (split brain)" \
    test "$(holders)" = "a b "
t_cont=$(now_ms)
ha_kill a CONT
CHECK "after resuming a, exactly one holder remains: a, the primary" \
    wait_until 5 one_holder a
CHECK "b released for the primary" \
    grep -q "state ACTIVE -> STANDBY: both active: partner $A keeps the floating IP" "$T/logs/b.log"
CHECK "a, the keeper, logged the split brain and re-announced" \
    grep -Eq "both active: this server keeps the floating IP|SPLIT BRAIN" "$T/logs/a.log"
CHECK "a re-sent gratuitous ARP after resuming" \
    grep -Eq "gratuitous ARP sent for $FIP on eth0 \((re-announcing|another MAC)" "$T/logs/a.log"
CHECK "c1 ends on a's MAC" wait_until 3 client_mac_is a
CHECK "c1's traffic flows after the split brain healed" \
    wait_until 5 replies_after $((t_cont / 1000 + 1)) 5
# Let the healed pair run a moment, so a relapse would show.
sleep 1
CHECK "exactly one holder (a)" one_holder a
CHECK "a's status: running as active, partner running as standby" \
    status_has a 'Partner server: running as standby\.'
echo "# longest gap between c1's ping replies: $(ping_outage_ms) ms"
stop "$PING_PID"
finish

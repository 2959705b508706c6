#!/bin/bash
# ha_failback.sh - twin-ha: the former primary comes back.
#   failback yes: it takes the floating IP back after failback-delay and
#                 logs the reference failback line; b releases.
#   failback no:  it stays standby; status shows default and current roles.
#   twinctl takeover / release switch by hand.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"

need_cmd ping awk
ha_topo

# ---- failback yes -----------------------------------------------------------
ha_conf a "$A" "$B" primary "failback yes"
ha_conf b "$B" "$A" backup "failback yes"
ha_start a
ha_start b
wait_until 5 one_holder a || ERROR "a did not become the holder"
CHECK "c1 reaches the floating IP (on a)" on c1 ping -n -q -c 2 -i 0.2 -W 1 "$FIP"
ha_kill a KILL
wait "${HA_PID[a]}" 2>/dev/null
CHECK "b takes over after a is killed" wait_until 3 holds b
CHECK "gratuitous ARP moves c1's ARP entry to b" wait_until 3 client_mac_is b
: >"$T/logs/a.log"
t_start=$(now_ms)
ha_start a
CHECK "the restarted primary first joins as standby" \
    wait_until 3 grep -q "state INIT -> STANDBY: partner $B is active" "$T/logs/a.log"
CHECK "after failback-delay a holds the floating IP again, alone" \
    wait_until 5 one_holder a
t_back=$(now_ms)
echo "# failback $((t_back - t_start)) ms after the restart (failback-delay 1s)"
CHECK "failback waited for failback-delay (>= 1000 ms)" \
    test $((t_back - t_start)) -ge 1000
CHECK "a logged the reference failback line" \
    grep -q "Standby System($B) is a Enable\." "$T/logs/a.log"
CHECK "b logged that it released for the primary" \
    grep -q "state ACTIVE -> STANDBY: both active: partner $A keeps the floating IP" "$T/logs/b.log"
CHECK "b logged the reference failback line too" \
    grep -q "Standby System($B) is a Enable\." "$T/logs/b.log"
CHECK "c1's ARP entry for the floating IP is a's MAC again" \
    wait_until 3 client_mac_is a
CHECK "c1 reaches the floating IP" on c1 ping -n -q -c 2 -i 0.2 -W 1 "$FIP"

# ---- manual switch-over -----------------------------------------------------
CHECK "twinctl takeover on b" ctl b takeover
CHECK "b becomes the only holder" wait_until 3 one_holder b
# Leave a wrong failback time to happen (2 x failback-delay), then look.
sleep 2
CHECK "b is still the only holder" one_holder b
CHECK "a's status shows failback suspended" status_has a 'suspended'
CHECK "c1's ARP entry follows to b" wait_until 3 client_mac_is b
CHECK "twinctl release on b" ctl b release
CHECK "a becomes the only holder" wait_until 3 one_holder a
CHECK "twinctl release on a standby is refused" refused b release
CHECK "twinctl takeover on an active is refused" refused a takeover

stop "${HA_PID[a]}"
stop "${HA_PID[b]}"

# ---- failback no --------------------------------------------------------------
: >"$T/logs/a.log"
: >"$T/logs/b.log"
ha_conf a "$A" "$B" primary "failback no"
ha_conf b "$B" "$A" backup "failback no"
ha_start a
ha_start b
wait_until 5 one_holder a || ERROR "a did not become the holder (failback no)"
ha_kill a KILL
wait "${HA_PID[a]}" 2>/dev/null
CHECK "failback no: b takes over" wait_until 3 holds b
ha_start a
CHECK "failback no: the restarted primary joins as standby" \
    wait_until 3 status_has a 'This server: running as standby\.'
# Leave a wrong failback time to happen (2 x failback-delay), then look.
sleep 2
CHECK "failback no: b is still the only holder" one_holder b
CHECK "a's status: current STANDBY, default primary" \
    status_has a 'self 198\.18\.0\.1 state STANDBY default primary'
CHECK "a's status: partner running as active, default backup" \
    status_has a "partner $B state ACTIVE default backup"
CHECK "b's status: current ACTIVE, default backup" \
    status_has b 'self 198\.18\.0\.2 state ACTIVE default backup'
CHECK "a never logged a failback" \
    no_line a.log "is a Enable"
finish

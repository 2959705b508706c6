#!/bin/bash
# ha_track.sh - twin-ha service tracking. Neither config names a tracked
# service, so each peer tracks its proxy block's listen addresses by
# default (the floating IP is skipped: only the real IP:8081 is checked).
# A stand-in "proxy" (python's http.server) listens on each real IP:8081.
# Killing it on the active moves the floating IP to the standby; starting
# it again brings the former active back to STANDBY.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"

need_cmd python3 ping
ha_topo
ha_conf a "$A" "$B" primary "failback no" "track-interval 200ms" \
    "track-timeout 100ms" "proxy:listen $FIP:8081; listen $A:8081"
ha_conf b "$B" "$A" backup "failback no" "track-interval 200ms" \
    "track-timeout 100ms" "proxy:listen $FIP:8081; listen $B:8081"

mkdir -p "$T/www"
spawn a http-a.log python3 -m http.server --bind "$A" --directory "$T/www" 8081
http_a=$SPAWN_PID
spawn b http-b.log python3 -m http.server --bind "$B" --directory "$T/www" 8081
wait_port a "$A" 8081
wait_port b "$B" 8081

ha_start a
ha_start b
wait_until 5 one_holder a || ERROR "a did not become the holder"
CHECK "a tracks its proxy's real listen address by default" \
    wait_until 3 status_has a "^track $A:8081 up"
CHECK "the floating-IP listener is not tracked" \
    status_lacks a "^track $FIP"
CHECK "c1 reaches the floating IP" on c1 ping -n -q -c 2 -i 0.2 -W 1 "$FIP"

stop "$http_a"
CHECK "a notices its tracked service is down and goes to FAULT" \
    wait_until 3 status_has a 'This server: in fault\.'
CHECK "a logged why" \
    grep -Eq "state ACTIVE -> FAULT: tracked service down and partner $B is healthy" "$T/logs/a.log"
CHECK "b takes the floating IP, alone" wait_until 3 one_holder b
CHECK "b logged the reference takeover line" \
    grep -q "Standby System($A) is an Active System renew\." "$T/logs/b.log"
CHECK "c1's ARP entry moves to b" wait_until 3 client_mac_is b
CHECK "b's status shows the partner in fault" \
    status_has b 'Partner server: in fault\.'
# The notify script runs in the background: give it time to write.
CHECK "a's notify script got FAULT" \
    wait_until 3 grep -q "^FAULT|$FIP|" "$T/notify-a.log"

spawn a http-a.log python3 -m http.server --bind "$A" --directory "$T/www" 8081
wait_port a "$A" 8081
CHECK "a recovers to STANDBY once the service is back" \
    wait_until 3 status_has a 'This server: running as standby\.'
CHECK "a logged the recovery" \
    grep -q "state FAULT -> STANDBY: tracked services recovered" "$T/logs/a.log"
CHECK "b keeps the floating IP (failback no)" one_holder b

# ---- the standby's link goes down and comes back -------------------------------
link_down a
CHECK "a notices its link is down and goes to FAULT" \
    wait_until 3 status_has a 'This server: in fault\.'
CHECK "a logged the interface going down" \
    grep -q "state STANDBY -> FAULT: interface down" "$T/logs/a.log"
CHECK "b keeps the floating IP" one_holder b
link_up a
CHECK "a returns to STANDBY when the link is back" \
    wait_until 3 status_has a 'This server: running as standby\.'
CHECK "b is still the only holder" one_holder b
finish

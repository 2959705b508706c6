#!/bin/bash
# lb_l4_dr.sh - twin-lb's l4 clusters in direct-routing mode (forwarding
# direct-routing) between real kernels.
# Client c, balancer lb and servers s1, s2 share one LAN; the servers hold
# the cluster address 198.18.0.100 / 2001:2::100 on lo (never announced)
# and answer the client directly, so lb only rewrites the destination MAC
# of what the client sends. Checks:
#   - a 100 MB download arrives whole (sha256), IPv4 and IPv6;
#   - round robin: 10 requests are split 5/5, the servers see the client;
#   - the replies do not pass through lb (the engine counts no packet
#     from the servers) and lb's kernel answers nothing for the cluster
#     address (capture on c: no RST, no ICMP error);
#   - the engine answered the client's ARP and neighbour solicitation.
# twin-lb itself forwards (its packet engine); the counters come from
# `twinctl lb stats` and `lb show`.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/lb_l4_lib.sh"

need_cmd nginx curl nft tcpdump sha256sum

l4_topo_dr
proxy_dirs
l4_www
l4_nginx s1
l4_nginx s2
wait_port s1 "$L4_D1" 80
wait_port s2 "$L4_D2" 80

lb_conf() {
    echo "peer { name a; address $L4_LB; partner 198.18.0.2;" \
        "run-dir $PX/run; }"
    conf_block "cluster dr" "mode l4" "forwarding direct-routing" \
        "listen $L4_VIP:80" "server s1 $L4_D1:80" "server s2 $L4_D2:80" \
        "icmp-check no" "check-interval 500ms" "check-timeout 300ms"
    conf_block "cluster dr6" "mode l4" "forwarding direct-routing" \
        "listen [$L4_VIP6]:80" "server s1 [$L4_D16]:80" \
        "server s2 [$L4_D26]:80" "icmp-check no" "check-interval 500ms" \
        "check-timeout 300ms"
}
conf_write "$CONF" lb_conf
ctl() { on lb "$TWINCTL" -f "$CONF" lb "$@" 2>/dev/null; }
lstat() { ctl stats | awk -v k="$1" '$1 == k { print $2 }'; }
all_up() { [ "$(ctl servers | grep -c ' up ')" -eq 4 ]; }
spawn lb lb.log "$TOP_BUILDDIR/twin-lb" -d -v -f "$CONF"
LB_PID=$SPAWN_PID
wait_until 10 all_up || ERROR "the servers never came up"

spawn c tcpdump.log tcpdump --immediate-mode -i eth0 -n -U -w "$T/c.pcap" \
    "tcp[tcpflags] & tcp-rst != 0 or (icmp and icmp[icmptype] != icmp-echo) or (icmp6 and ip6[40] < 128)"
TCPDUMP_PID=$SPAWN_PID
wait_log tcpdump.log 'listening on' 5

CHECK "IPv4: 100 MB through the cluster, sha256 matches" \
    big_ok c "http://$L4_VIP/big"
CHECK "IPv6: 100 MB through the cluster, sha256 matches" \
    big_ok c "http://[$L4_VIP6]/big"
for i in 1 2 3 4 5 6 7 8 9 10; do
    on c curl -sS --max-time 5 -o /dev/null "http://$L4_VIP/small?$i"
done
CHECK "round robin: 10 requests split 5/5 over s1 and s2" l4_rr_split
CHECK "the servers see the client's own address" \
    grep -q "^$L4_C - .*GET /small" "$T/logs/s2-access.log"
CHECK "the client's ARP cache has lb's MAC for the cluster address" \
    eval "[ \"\$(neigh_mac c $L4_VIP)\" = \"\$(mac_of lb)\" ]"
CHECK "and its neighbour cache for the IPv6 cluster address" \
    eval "[ \"\$(neigh_mac c $L4_VIP6)\" = \"\$(mac_of lb)\" ]"
CHECK "no ping reply from the cluster address" \
    not on c ping -c 2 -i 0.2 -W 1 "$L4_VIP"
CHECK "no answer on a port the cluster does not have" \
    not on c curl -sS --max-time 2 -o /dev/null "http://$L4_VIP:81/"
on c curl -sS --max-time 2 -o /dev/null "http://$L4_LB:81/"
sleep 0.5
stop "$TCPDUMP_PID"
on c tcpdump -n -r "$T/c.pcap" >"$T/c.txt" 2>/dev/null
only_control() {
    cat "$T/c.txt"
    grep -q "IP $L4_LB.81 > $L4_C.* Flags \[R" "$T/c.txt" || return 1
    [ "$(grep -vc "IP $L4_LB.81 > $L4_C" "$T/c.txt")" -eq 0 ]
}
CHECK "the capture holds the control RST and no other RST or ICMP" \
    only_control
CHECK "12 flows (2 + 10 requests), none for the probes" \
    eval "[ \"\$(lstat l4.flows-created)\" = 12 ]"
from_servers() {
    ctl show >"$T/show.txt"
    grep '^  server s[12] flows: ' "$T/show.txt"
    [ "$(grep -c '^  server s[12] flows: .*packets [0-9]* in 0 out' \
        "$T/show.txt")" -eq 4 ]
}
CHECK "the replies went straight to the client (none through lb)" \
    from_servers
CHECK "lb show says direct-routing" \
    grep -q '^  l4: direct-routing tcp, forwarding;' "$T/show.txt"
CHECK "the engine answered ARP and neighbour solicitations" \
    eval "[ \"\$(lstat l4.arp-replies)\" -gt 0 ] &&
        [ \"\$(lstat l4.nd-replies)\" -gt 0 ]"
stop "$LB_PID"
finish

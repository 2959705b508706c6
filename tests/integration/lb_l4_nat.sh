#!/bin/bash
# lb_l4_nat.sh - twin-lb's l4 clusters in NAT mode between real kernels.
# Client c fetches from the clusters web 198.18.0.100 and web6
# 2001:2::100, port 80, on lb, whose twin-lb forwards to nginx on s1 and
# s2 (a second subnet, routed through lb, whose kernel forwards too: the
# engine's nftables rules must keep it off). Counters come from `twinctl
# lb stats`. Checks:
#   - a 100 MB download arrives whole (sha256), IPv4 and IPv6;
#   - round robin: 10 requests are split 5/5 between the servers, which
#     see the client's own address;
#   - the kernel never answers for the cluster address: no ping reply, no
#     RST or ICMP for other ports, nothing but a control RST from lb's own
#     address in a capture on c;
#   - Path MTU discovery: with lb's client-side link at MTU 1280, the
#     engine tells the servers (fragmentation needed / packet too big) and
#     the downloads still complete;
#   - a SYN flood from spoofed sources fills the table to its bound: new
#     flows are refused and counted, the established download goes on, and
#     new connections work again once the half-open flows time out;
#   - the engine alone (lb_pkt_drive -c, an option twin-lb does not set:
#     it leaves partial checksums to the kernel): completing partial
#     checksums itself, 100 MB still arrive whole.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/lb_l4_lib.sh"

need_cmd nginx curl nft tcpdump sha256sum /usr/bin/python3

l4_topo_nat
proxy_dirs
l4_www
l4_nginx s1
l4_nginx s2
wait_port s1 "$L4_S1" 80
wait_port s2 "$L4_S2" 80

# The clusters web and web6; "$@" are further settings of web.
WEB_SET=()
SIX=1
lb_conf() {
    l4_peer
    conf_block "cluster web" "mode l4" "listen $L4_VIP:80" \
        "server s1 $L4_S1:80" "server s2 $L4_S2:80" "icmp-check no" \
        "check-interval 500ms" "check-timeout 300ms" "${WEB_SET[@]}"
    [ "$SIX" = 1 ] || return 0
    conf_block "cluster web6" "mode l4" "listen [$L4_VIP6]:80" \
        "server s1 [$L4_S16]:80" "server s2 [$L4_S26]:80" "icmp-check no" \
        "check-interval 500ms" "check-timeout 300ms"
}
# lb_up LOG: twin-lb with lb_conf, once its servers are all up.
lb_up() {
    local n=$((SIX ? 4 : 2))
    l4_lb "$1" lb_conf
    wait_until 10 eval "[ \$(l4_ctl servers 2>/dev/null | grep -c ' up ') -eq $n ]" ||
        ERROR "the servers never came up"
}
lb_up lb.log

# ---- the kernel stays off the cluster address (capture on c) -------------

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
    grep -q "^$L4_C - .*GET /small" "$T/logs/s1-access.log"
CHECK "IPv6: the servers see the client's own address" \
    eval "grep -q '^$L4_C6 - .*GET /big' $T/logs/s1-access.log $T/logs/s2-access.log"

CHECK "no ping reply from the cluster address" \
    not on c ping -c 2 -i 0.2 -W 1 "$L4_VIP"
CHECK "no answer on a port the cluster does not have" \
    not on c curl -sS --max-time 2 -o /dev/null "http://$L4_VIP:81/"
on c bash -c "echo x >/dev/udp/$L4_VIP/53" 2>/dev/null
on c bash -c "echo x >/dev/udp/$L4_VIP6/53" 2>/dev/null
# Control: lb's own address answers a closed port with a RST.
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
    eval "[ \$(l4_lstat flows-created) -eq 12 ]"
stop "$LB_PID"

# ---- Path MTU discovery through the engine ----------------------------------

# The engine reads the links' MTU when it starts.
ip -n lb link set eth0 mtu 1280 || ERROR "cannot set lb's MTU"
lb_up lb-mtu.log
CHECK "IPv4, client side at MTU 1280: 100 MB, sha256 matches" \
    big_ok c "http://$L4_VIP/big"
CHECK "IPv6, client side at MTU 1280: 100 MB, sha256 matches" \
    big_ok c "http://[$L4_VIP6]/big"
pmtu_learnt() {
    on s1 ip route get "$L4_C" | grep -q 'mtu 1280' ||
        on s2 ip route get "$L4_C" | grep -q 'mtu 1280'
}
CHECK "a server learnt the path MTU 1280 towards the client" pmtu_learnt
CHECK "the engine sent the ICMP errors, counting the packets too big" \
    eval "[ \$(l4_lstat icmp-sent) -gt 0 ] && [ \$(l4_lstat drop-too-big) -gt 0 ]"
stop "$LB_PID"
ip -n lb link set eth0 mtu 1500

# ---- a SYN flood fills the table; established flows go on -----------------

SIX=0
WEB_SET=("flow-table-size 200" "syn-timeout 4s")
lb_up lb-flood.log
CHECK "the table's bound is web's flow-table-size (200)" \
    eval "[ \$(l4_lstat flows-max) -eq 200 ]"
LBMAC=$(mac_of lb eth0)
spawn c slow.log bash -c "curl -sS --max-time 60 --limit-rate 15M \
    http://$L4_VIP/big | sha256sum >$T/slow.sha"
SLOW_PID=$SPAWN_PID
wait_until 5 eval "[ \$(grep -c '\"GET /big' $T/logs/s1-access.log \
    $T/logs/s2-access.log | awk -F: '{ s += \$2 } END { print s }') -ge 5 ]"
sleep 0.5
l4_syn_flood "$LBMAC" "$L4_VIP" 1500
CHECK "the flood filled the table to its bound (200)" \
    eval "[ \$(l4_lstat flows) -eq 200 ]"
CHECK "new flows were refused and counted" \
    eval "[ \$(l4_lstat drop-table-full) -gt 1000 ]"
CHECK "a new connection is refused while the table is full" \
    not on c curl -sS --max-time 1 -o /dev/null "http://$L4_VIP/small"
# At most one line per 10 s: the second, if any, 10 s or more after the first.
full_logged() {
    awk '/connection table full/ {
            split($2, t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3]
            if (n++ && s - first < 10) bad = 1
            if (n == 1) first = s
        }
        END { exit !(n >= 1 && !bad) }' "$T/logs/lb-flood.log"
}
CHECK "the full table was logged, at most once in 10 s" full_logged
wait_until 60 not _tp_alive "$SLOW_PID"
CHECK "the established download went on: 100 MB, sha256 matches" \
    grep -q "^$BIG_SHA " "$T/slow.sha"
CHECK "half-open flows time out and new connections work again" \
    wait_until 10 on c curl -sS --max-time 1 -o /dev/null "http://$L4_VIP/small"
stop "$LB_PID"

# ---- the engine alone: partial checksums completed by it --------------------

l4_drive drive-c.log -c -i eth0 -i eth1 -a "$L4_VIP" -a "$L4_VIP6" -P 80 \
    -m nat "$L4_S1" "$L4_S2" "$L4_S16" "$L4_S26"
CHECK "IPv4 with -c: 100 MB, sha256 matches" big_ok c "http://$L4_VIP/big"
CHECK "IPv6 with -c: 100 MB, sha256 matches" big_ok c "http://[$L4_VIP6]/big"
l4_dump drive-c.log
CHECK "the engine completed partial checksums" \
    eval "[ \$(l4_stat drive-c.log 'stats csum_fixed') -gt 0 ]"
stop "$DRIVE_PID"
finish

#!/bin/bash
# lb_l4_lib.sh - topology and helpers for the L4 engine scenarios and the
# benchmark (sourced after lib.sh).
#
# lib.sh's hosts have one interface on br0 and no IPv6; the L4 scenarios
# need a second subnet behind the balancer and IPv6 (inside 2001:2::/48),
# so their hosts are built here, in the same switch namespace "sw":
#
#   l4_bridge BR                 another bridge in sw
#   l4_host NAME BR IF ADDR...   interface IF of host NAME (created on
#                                first use) on bridge BR, with addresses
#                                in 198.18.0.0/15 or 2001:2::/48
#   l4_topo_nat                  c on br0; lb on br0 and br1; s1, s2 on
#                                br1 routing through lb
#   l4_topo_dr                   c, lb, s1, s2 all on br0; the servers
#                                hold the cluster address on lo
#   l4_nginx NAME                nginx on NAME serving $WWW, logs in
#                                $T/logs/NAME-access.log
#   l4_drive LOG ARGS...         the engine on lb; waits for "ready"
#   l4_stat LOG NAME             a counter from the driver's last dump
#   l4_walk LOG                  the driver's flows and persist table now
#   l4_lb LOG FN                 twin-lb on lb with the config FN prints
#                                (proxy_lib.sh's conf_write to $CONF);
#                                waits until it forwards and answers
#   l4_peer                      the peer block for l4_lb's configs
#   l4_ctl ARGS...               twinctl lb ARGS... against that twin-lb
#   l4_lstat NAME                counter l4.NAME of `twinctl lb stats`
#   l4_mobile PLACE...           a Mobile IPv6 node (lb_mip6_shim.py): mn
#                                on br0, its TCP on the home address in mna
#   l4_move                      the node moves to its next place
#
# Address plan (besides lib.sh's):
#   client LAN   198.18.0.0/24    2001:2::/64      c .11, lb .1
#   server LAN   198.18.1.0/24    2001:2:0:1::/64  lb .1, s1 .11, s2 .12
#   cluster      198.18.0.100     2001:2::100
#   DR servers   198.18.0.21/.22  2001:2::21/::22 (on the client LAN)
#   spoofed SYN flood sources: 198.19.0.0/16
#   mobile node: home 2001:2:0:99::5, care-of 2001:2:0:a,b,c:211:22ff:fe33:4455

# shellcheck disable=SC2034  # used by the scenarios
{
L4_C=198.18.0.11
L4_C6=2001:2::11
L4_LB=198.18.0.1
L4_LB6=2001:2::1
L4_LBS=198.18.1.1
L4_LBS6=2001:2:0:1::1
L4_S1=198.18.1.11
L4_S2=198.18.1.12
L4_S16=2001:2:0:1::11
L4_S26=2001:2:0:1::12
L4_VIP=198.18.0.100
L4_VIP6=2001:2::100
L4_D1=198.18.0.21
L4_D2=198.18.0.22
L4_D16=2001:2::21
L4_D26=2001:2::22
DRIVE=$TOP_BUILDDIR/tests/unit/lb_pkt_drive
WWW=$T/www
L4_HOA=2001:2:0:99::5
L4_COA1=2001:2:0:a:211:22ff:fe33:4455
L4_COA2=2001:2:0:b:211:22ff:fe33:4455
L4_COA3=2001:2:0:c:211:22ff:fe33:4455
}

# _l4_addr_ok ADDR/PREFIX: inside 198.18.0.0/15 or 2001:2::/48.
_l4_addr_ok() {
    case $1 in
        2001:2:*/*|2001:2::*/*)
            [[ $1 =~ ^2001:2:(:|0{0,4}:)[0-9a-f:]*/(4[89]|[5-9][0-9]|1[0-2][0-9])$ ]] ;;
        *) _tp_addr_ok "$1" ;;
    esac
}

# l4_bridge BR: a further bridge in the switch namespace.
l4_bridge() {
    ip -n sw link add "$1" type bridge stp_state 0 forward_delay 0 \
        mcast_snooping 0 && ip -n sw link set "$1" up ||
        ERROR "cannot create bridge $1"
}

# l4_host NAME BR IF ADDR...: interface IF of host NAME on bridge BR.
l4_host() {
    local ns=$1 br=$2 ifn=$3 a peer
    shift 3
    for a in "$@"; do
        _l4_addr_ok "$a" || ERROR "l4_host $ns: $a is outside the test ranges"
    done
    if [ ! -e "/run/netns/$ns" ]; then
        _tp_torn=0
        ip netns add "$ns" || ERROR "cannot create namespace $ns"
        _tp_sysctl "$ns" net.ipv6.conf.all.accept_dad=0 \
            net.ipv6.conf.default.accept_dad=0 \
            net.ipv6.conf.default.accept_ra=0 \
            net.ipv6.conf.all.accept_ra=0 ||
            ERROR "cannot set sysctls in $ns"
        ip -n "$ns" link set lo up
    fi
    peer="v-$ns-$ifn"
    ip -n sw link add "$peer" type veth peer name "$ifn" netns "$ns" &&
    ip -n sw link set "$peer" master "$br" &&
    ip -n sw link set "$peer" up ||
        ERROR "cannot wire $ns/$ifn to $br"
    _tp_sysctl "$ns" "net.ipv6.conf.$ifn.accept_dad=0" \
        "net.ipv6.conf.$ifn.accept_ra=0" ||
        ERROR "cannot set $ifn sysctls in $ns"
    for a in "$@"; do
        ip -n "$ns" addr add "$a" dev "$ifn" nodad 2>/dev/null ||
            ip -n "$ns" addr add "$a" dev "$ifn" ||
            ERROR "cannot add $a on $ns"
    done
    ip -n "$ns" link set "$ifn" up || ERROR "cannot bring up $ifn on $ns"
}

# l4_topo_nat: the NAT topology (see the header).
l4_topo_nat() {
    topo_init
    l4_bridge br1
    l4_host c br0 eth0 "$L4_C/24" "$L4_C6/64"
    l4_host lb br0 eth0 "$L4_LB/24" "$L4_LB6/64"
    l4_host lb br1 eth1 "$L4_LBS/24" "$L4_LBS6/64"
    l4_host s1 br1 eth0 "$L4_S1/24" "$L4_S16/64"
    l4_host s2 br1 eth0 "$L4_S2/24" "$L4_S26/64"
    local s
    for s in s1 s2; do
        ip -n "$s" route add default via "$L4_LBS" &&
        ip -n "$s" -6 route add default via "$L4_LBS6" ||
            ERROR "cannot route $s through lb"
    done
    # The kernel forwards whatever the engine does not take: the nftables
    # rules must keep it off the server replies.
    _tp_sysctl lb net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 ||
        ERROR "cannot enable forwarding on lb"
}

# l4_topo_dr: the direct-routing topology (see the header).
l4_topo_dr() {
    local s
    topo_init
    l4_host c br0 eth0 "$L4_C/24" "$L4_C6/64"
    l4_host lb br0 eth0 "$L4_LB/24" "$L4_LB6/64"
    l4_host s1 br0 eth0 "$L4_D1/24" "$L4_D16/64"
    l4_host s2 br0 eth0 "$L4_D2/24" "$L4_D26/64"
    for s in s1 s2; do
        # The cluster address on lo, never announced on eth0.
        _tp_sysctl "$s" net.ipv4.conf.all.arp_ignore=1 \
            net.ipv4.conf.all.arp_announce=2 \
            net.ipv4.conf.eth0.arp_ignore=1 \
            net.ipv4.conf.eth0.arp_announce=2 ||
            ERROR "cannot set ARP sysctls on $s"
        ip -n "$s" addr add "$L4_VIP/32" dev lo &&
        ip -n "$s" addr add "$L4_VIP6/128" dev lo nodad ||
            ERROR "cannot put the cluster address on $s's lo"
    done
}

# l4_www: the files the servers serve: big (100 MB), small.
l4_www() {
    mkdir -p "$WWW" || ERROR "cannot create $WWW"
    head -c 100000000 /dev/urandom >"$WWW/big" || ERROR "cannot write big"
    echo small >"$WWW/small"
    BIG_SHA=$(sha256sum <"$WWW/big" | cut -d' ' -f1)
}

# l4_nginx NAME: nginx on host NAME, port 80 on every address.
l4_nginx() {
    local d=$T/nginx-$1
    mkdir -p "$d" || ERROR "cannot create $d"
    cat >"$d/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
pid $d/nginx.pid;
error_log $T/logs/$1-error.log;
events { worker_connections 4096; }
http {
    access_log $T/logs/$1-access.log;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;
    keepalive_requests 1000000;
    server {
        listen 80 backlog=4096;
        listen [::]:80 backlog=4096;
        root $WWW;
    }
}
EOF
    spawn "$1" "$1-nginx.log" nginx -e "$T/logs/$1-error.log" -p "$d" \
        -c "$d/nginx.conf"
}

# l4_drive LOG ARGS...: start the engine on lb, wait until it is set up.
l4_drive() {
    local log=$1
    shift
    [ -x "$DRIVE" ] || ERROR "lb_pkt_drive not built: $DRIVE"
    spawn lb "$log" "$DRIVE" "$@"
    DRIVE_PID=$SPAWN_PID
    wait_log "$log" '^ready$' 10
}

# l4_peer: the peer block of the configs l4_lb runs (proxy_dirs first).
l4_peer() {
    echo "peer { name a; address $L4_LB; partner 198.18.0.2;" \
        "run-dir $PX/run; }"
}

# l4_lb LOG FN: write the config FN prints to $CONF, start twin-lb on lb
# with it; wait until its packet engine runs and its control socket
# answers. Sets LB_PID.
l4_lb() {
    conf_write "$CONF" "$2"
    spawn lb "$1" "$TOP_BUILDDIR/twin-lb" -d -v -f "$CONF"
    LB_PID=$SPAWN_PID
    wait_log "$1" 'l4: packet engine on' 10 ||
        ERROR "twin-lb did not start its packet engine"
    wait_until 10 eval 'l4_ctl show >/dev/null 2>&1' ||
        ERROR "twin-lb's control socket does not answer"
}

# l4_ctl ARGS...: twinctl lb ARGS... against l4_lb's twin-lb.
l4_ctl() { on lb "$TWINCTL" -f "$CONF" lb "$@"; }

# l4_lstat NAME: counter l4.NAME of `twinctl lb stats` (fails if absent).
l4_lstat() {
    l4_ctl stats | awk -v k="l4.$1" '$1 == k { v = $2 }
        END { if (v == "") exit 1; print v + 0 }'
}

# l4_dump LOG: ask the engine for its counters and wait for them.
l4_dump() {
    local f n
    f=$(logf "$1")
    n=$(grep -c '^end$' "$f")
    kill -USR1 "$DRIVE_PID"
    wait_until 5 eval "[ \$(grep -c '^end\$' '$f') -gt $n ]"
}

# l4_stat LOG WORDS: the number after "WORDS" in the last dump.
l4_stat() {
    awk -v k="$2 " 'index($0, k) == 1 { v = substr($0, length(k) + 1) }
        END { if (v == "") exit 1; print v + 0 }' "$(logf "$1")"
}

# fetch_sha NAME URL [CURL_ARGS...]: the sha256 of URL fetched from NAME.
fetch_sha() {
    local ns=$1 url=$2
    shift 2
    on "$ns" curl -sS --max-time 60 "$@" "$url" | sha256sum | cut -d' ' -f1
}

# big_ok NAME URL [CURL_ARGS...]: the 100 MB file arrives whole from URL.
big_ok() {
    local got
    got=$(fetch_sha "$@")
    [ "$got" = "$BIG_SHA" ] || { echo "sha256 $got, expected $BIG_SHA"; return 1; }
}

# hits NAME PATH: requests for PATH in NAME's access log.
hits() {
    local f=$T/logs/$1-access.log
    [ -f "$f" ] || { echo "no access log $f"; return 1; }
    grep -c "\"GET $2 " "$f"
}

# l4_walk LOG: ask the engine for its flows and persist table, wait for
# them, print them (one "flow ..." or "persist ..." a line).
l4_walk() {
    local f n
    f=$(logf "$1")
    n=$(grep -c '^end$' "$f")
    kill -USR2 "$DRIVE_PID"
    wait_until 5 eval "[ \$(grep -c '^end\$' '$f') -gt $n ]" || return 1
    awk -v n="$n" '/^end$/ { e++; next } e == n' "$f" |
        grep -E '^(flow|persist) '
}

# l4_mobile PLACE...: a mobile node. Its link side is host mn on br0,
# where lb_mip6_shim.py (log mn-shim.log) turns what its TCP sends into
# route-optimised packets from the current PLACE ("home" or a care-of
# address) and back; its TCP side is host mna, holding the home address
# $L4_HOA on the shim's TUN device mip0, the only way out. The MTU leaves
# room for the home address option one way and the type 2 routing header
# the other. Sets SHIM_PID.
l4_mobile() {
    local i
    l4_host mn br0 eth0
    ip netns add mna || ERROR "cannot create namespace mna"
    ip -n mna link set lo up
    spawn mn mn-shim.log /usr/bin/python3 \
        "$TOP_SRCDIR/tests/integration/lb_mip6_shim.py" mip0 eth0 \
        "$(mac_of lb eth0)" "$L4_HOA" "$L4_VIP6" "$@"
    SHIM_PID=$SPAWN_PID
    wait_log mn-shim.log '^tun mip0$' 10
    ip -n mn link set mip0 netns mna &&
    ip -n mna link set mip0 mtu 1452 up &&
    ip -n mna addr add "$L4_HOA/128" dev mip0 nodad &&
    ip -n mna -6 route add default dev mip0 ||
        ERROR "cannot set up the mobile node's TUN device"
    for i in 1 2 3 4 5 6 7 8 9 10; do
        ip -n mna -6 addr show dev mip0 | grep -q tentative || break
        sleep 0.1
    done
}

# l4_move: the mobile node moves on (next PLACE); waits until it has.
l4_move() {
    local n
    n=$(grep -c '^at ' "$(logf mn-shim.log)")
    kill -USR1 "$SHIM_PID"
    wait_until 5 eval "[ \$(grep -c '^at ' '$(logf mn-shim.log)') -gt $n ]"
}

# l4_rr_split: the last 10 /small requests went 5 to s1 and 5 to s2 (the
# servers' access logs, emptied or fresh before the requests).
l4_rr_split() {
    local a b
    a=$(grep -c '"GET /small?' "$T/logs/s1-access.log") || return 1
    b=$(grep -c '"GET /small?' "$T/logs/s2-access.log") || return 1
    echo "s1 $a s2 $b"
    [ "$a" -eq 5 ] && [ "$b" -eq 5 ]
}

# l4_syn_flood MAC VIP N: N SYNs to VIP:80 from N sources of 198.19.0.0/16
# (random ports and sequence numbers), sent by c to the frame address MAC;
# the output goes to flood.log.
l4_syn_flood() {
    on c /usr/bin/python3 - "$1" "$2" "$3" <<'EOF' >"$T/logs/flood.log" 2>&1
import random, sys
from scapy.all import Ether, IP, TCP, sendp
mac, vip, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
random.seed(7)
pkts = [Ether(dst=mac) / IP(src="198.19.%d.%d" % (i // 250, 1 + i % 250),
        dst=vip) / TCP(sport=random.randint(1024, 65535), dport=80,
        flags="S", seq=random.randint(0, 2**32 - 1)) for i in range(n)]
sendp(pkts, iface="eth0", verbose=0)
print("sent", len(pkts))
EOF
}

#!/bin/bash
# lb_l4_bench.sh - the L4 engine (NAT) against its peers, in the network
# namespaces of the lb_l4 scenarios (tests/integration/lb_l4_lib.sh), one
# run each, same hosts. Not part of `make check`.
#
#   tcp    iperf3 throughput c -> s1: through the engine (cluster
#          address) vs the kernel's own IP forwarding (s1's address,
#          routed through lb)                              target >= 0.9
#   conn   new connections/s: wrk, one request per connection
#          ("Connection: close") for a 6-byte file on nginx s1+s2, through
#          the engine vs an nftables DNAT (round robin)   target >= 1.0
#          and vs HAProxy `mode tcp` on lb                target >= 1.2
#   udp    64-byte UDP datagrams/s received by s1 (iperf3 -u -l 64, no
#          rate limit): engine vs kernel forwarding        reported
#
# Usage: TOP_BUILDDIR=$PWD/build-rel [L4_DRIVE_OPTS=...] \
#            tests/bench/lb_l4_bench.sh [seconds]
# (as root, from a tree built without sanitizers; default 5 s a run).

set -u
here=$(cd "$(dirname "$0")" && pwd)
export TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$here/../.." && pwd)}
export TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR/build}
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/integration/lb_l4_lib.sh"

SECS=${1:-5}
need_cmd iperf3 wrk nginx haproxy nft awk

l4_topo_nat
# For the kernel-forwarding runs: the client routes to the servers via lb.
ip -n c route add 198.18.1.0/24 via "$L4_LB" || ERROR "cannot route c"
mkdir -p "$WWW" && echo small >"$WWW/small"
l4_nginx s1
l4_nginx s2
spawn s1 iperf3.log iperf3 -s -B "$L4_S1"
wait_port s1 "$L4_S1" 80
wait_port s2 "$L4_S2" 80
wait_port s1 "$L4_S1" 5201

# Extra driver options (e.g. "-B 131072", the ring's block size).
read -r -a ENGINE <<<"-i eth0 -i eth1 -a $L4_VIP ${L4_DRIVE_OPTS:-}"

# tcp_rate HOST: iperf3 receiver throughput in Gbit/s towards HOST.
tcp_rate() {
    on c iperf3 -c "$1" -t "$SECS" -J 2>/dev/null |
        /usr/bin/python3 -c 'import json, sys
print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'
}

# udp_rate HOST: 64-byte datagrams/s that arrived at HOST.
udp_rate() {
    on c iperf3 -c "$1" -u -l 64 -b 0 -t "$SECS" -J 2>/dev/null |
        /usr/bin/python3 -c 'import json, sys
s = json.load(sys.stdin)["end"]["sum"]
print("%d" % ((s["packets"] - s["lost_packets"]) / s["seconds"]))'
}

# conn_rate URL: wrk's requests/s, each on a new connection.
conn_rate() {
    on c wrk -t 1 -c 32 -d "${SECS}s" -H "Connection: close" "$1" 2>&1 |
        awk '/^Requests\/sec:/ { print int($2) }'
}

engine() {
    l4_drive "$1" "${ENGINE[@]}" "${@:2}"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# ---- TCP throughput --------------------------------------------------------
k_tcp=$(tcp_rate "$L4_S1")
engine tcp.log -P 5201 -m nat "$L4_S1"
e_tcp=$(tcp_rate "$L4_VIP")
stop "$DRIVE_PID"

# ---- UDP 64-byte datagrams (iperf3's control connection is TCP) ------------
k_udp=$(udp_rate "$L4_S1")
engine udp-tcp.log -T twin_lb_t -P 5201 -m nat "$L4_S1"
TCP_PID=$DRIVE_PID
engine udp.log -T twin_lb_u -p udp -P 5201 -m nat "$L4_S1"
e_udp=$(udp_rate "$L4_VIP")
stop "$DRIVE_PID"
stop "$TCP_PID"

# ---- new connections/s -------------------------------------------------------
engine conn.log -n 1000000 -P 80 -m nat "$L4_S1" "$L4_S2"
e_conn=$(conn_rate "http://$L4_VIP/small")
stop "$DRIVE_PID"

# The peers need the cluster address on lb itself.
ip -n lb addr add "$L4_VIP/32" dev eth0 || ERROR "cannot add $L4_VIP on lb"
on lb nft -f - <<EOF || ERROR "cannot load the DNAT rules"
table ip bench {
    chain pre {
        type nat hook prerouting priority -100;
        ip daddr $L4_VIP tcp dport 80 dnat to numgen inc mod 2 map { 0 : $L4_S1, 1 : $L4_S2 }
    }
}
EOF
n_conn=$(conn_rate "http://$L4_VIP/small")
on lb nft delete table ip bench

cat >"$T/haproxy.cfg" <<EOF
global
    maxconn 4000
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
listen l4
    bind $L4_VIP:80
    balance roundrobin
    server s1 $L4_S1:80
    server s2 $L4_S2:80
EOF
spawn lb haproxy.log haproxy -f "$T/haproxy.cfg" -db
HA_PID=$SPAWN_PID
wait_port c "$L4_VIP" 80
h_conn=$(conn_rate "http://$L4_VIP/small")
stop "$HA_PID"

printf '%-34s %12s %12s %7s %s\n' test engine peer ratio target
printf '%-34s %12s %12s %7s %s\n' "TCP Gbit/s vs kernel forwarding" \
    "$e_tcp" "$k_tcp" "$(ratio "$e_tcp" "$k_tcp")" ">= 0.9"
printf '%-34s %12s %12s %7s %s\n' "new conn/s vs nftables DNAT" \
    "$e_conn" "$n_conn" "$(ratio "$e_conn" "$n_conn")" ">= 1.0"
printf '%-34s %12s %12s %7s %s\n' "new conn/s vs HAProxy mode tcp" \
    "$e_conn" "$h_conn" "$(ratio "$e_conn" "$h_conn")" ">= 1.2"
printf '%-34s %12s %12s %7s %s\n' "UDP 64 B pkt/s vs kernel forwarding" \
    "$e_udp" "$k_udp" "$(ratio "$e_udp" "$k_udp")" "reported"
OK "benchmark ran"
finish

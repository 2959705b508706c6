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
#   mip6   Mobile IPv6 persistence (persist-keys spi,home-address,
#          interface-id,source; home-address translate) against plain
#          source persistence, same cluster [2001:2::100], same run:
#          64-byte datagrams of one flow from lb_mip6_blast on c that
#          reach s1, from a mobile node (home address option, translated)
#          and from a plain node; new conn/s as for conn    reported
#
# tcp and conn run the daemon, twin-lb (with its CPU time per GB and per
# connection); udp and mip6 the driver lb_pkt_drive. L4_BENCH_MIP6=N:
# rounds of the mip6 runs (default 3, 0: none).
#
# Usage: TOP_BUILDDIR=$PWD/build-rel [L4_DRIVE_OPTS=...] \
#            tests/bench/lb_l4_bench.sh [seconds]
# (as root, from a tree built without sanitizers; default 5 s a run).

set -u
here=$(cd "$(dirname "$0")" && pwd)
export TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$here/../.." && pwd)}
export TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR/build}
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/integration/proxy_lib.sh"
. "$TOP_SRCDIR/tests/integration/lb_l4_lib.sh"

SECS=${1:-5}
need_cmd iperf3 wrk nginx haproxy nft awk
BLAST=$TOP_BUILDDIR/tests/bench/lb_mip6_blast
[ -x "$BLAST" ] || ERROR "not built: $BLAST (make tests/bench/lb_mip6_blast)"

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

# The tcp and conn runs use the real daemon, twin-lb, on one cluster
# (LB_SET: its settings) with the same servers as the driver would.
proxy_dirs
LB_SET=()
bench_conf() {
    l4_peer
    conf_block "cluster b" "mode l4" "icmp-check no" "check none" \
        "flow-table-size 1000000" "${LB_SET[@]}"
}
daemon() {
    LB_SET=("${@:2}")
    l4_lb "$1" bench_conf
    DRIVE_PID=$LB_PID
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# cpu_ms PID: user + system CPU time of PID so far, in ms.
cpu_ms() {
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print int(($12 + $13) * 1000 / hz) }' \
        "/proc/$1/stat"
}

# conns URL: new connections/s (RATE) and engine CPU us each (NSPP).
conns() {
    local c0 c1
    c0=$(cpu_ms "$DRIVE_PID")
    RATE=$(conn_rate "$1")
    RATE=${RATE:-0}
    c1=$(cpu_ms "$DRIVE_PID")
    NSPP=$(( ${RATE:-0} > 0 ? (c1 - c0) * 1000 / (RATE * SECS) : 0 ))
}

# ---- TCP throughput --------------------------------------------------------
k_tcp=$(tcp_rate "$L4_S1")
daemon tcp.log "listen $L4_VIP:5201" "server s1 $L4_S1:5201"
c0=$(cpu_ms "$DRIVE_PID")
e_tcp=$(tcp_rate "$L4_VIP")
c1=$(cpu_ms "$DRIVE_PID")
# CPU ms of the daemon per GB forwarded.
e_tcp_cpu=$(awk -v c=$((c1 - c0)) -v g="$e_tcp" -v s="$SECS" \
    'BEGIN { if (g > 0) printf "%.1f", c / (g * s / 8); else print 0 }')
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
daemon conn.log "listen $L4_VIP:80" "server s1 $L4_S1:80" \
    "server s2 $L4_S2:80"
conns "http://$L4_VIP/small"
e_conn=$RATE e_conn_us=$NSPP
stop "$DRIVE_PID"

# ---- Mobile IPv6 persistence against source persistence --------------------
# The sender may be slower than the engine, so besides the rates this
# measures the engine's CPU time per packet (or per connection): the
# driver's user and system time over the run, divided by what it forwarded.

# rx_s1: packets s1's eth0 has received so far.
rx_s1() { on s1 cat /sys/class/net/eth0/statistics/rx_packets; }

# blast RUN ARGS...: lb_mip6_blast from c for SECS; sets RATE (datagrams
# per second that reached s1) and NSPP (engine CPU ns per datagram).
blast() {
    local a b c0 c1
    a=$(rx_s1)
    c0=$(cpu_ms "$DRIVE_PID")
    on c "$BLAST" eth0 "$(mac_of lb eth0)" "$SECS" "$@" >/dev/null ||
        ERROR "lb_mip6_blast failed"
    sleep 0.2
    b=$(rx_s1)
    c1=$(cpu_ms "$DRIVE_PID")
    RATE=$(( (b - a) / SECS ))
    NSPP=$(( b > a ? (c1 - c0) * 1000000 / (b - a) : 0 ))
}

MKEYS=spi,home-address,interface-id,source
read -r -a XOPTS <<<"${L4_DRIVE_OPTS:-}"
v6udp() {
    l4_drive "$1" -i eth0 -i eth1 -a "$L4_VIP6" -p udp -P 5201 -m nat \
        "${XOPTS[@]}" "${@:2}" "$L4_S16"
}
v6tcp() {
    l4_drive "$1" -i eth0 -i eth1 -a "$L4_VIP6" -n 1000000 -P 80 -m nat \
        "${XOPTS[@]}" "${@:2}" "$L4_S16" "$L4_S26"
}
# best NAME: keep the best RATE (highest) and NSPP (lowest) of run NAME.
best() {
    local r=${1}_rate n=${1}_ns
    [ "$RATE" -gt "${!r:-0}" ] && printf -v "$r" %s "$RATE"
    { [ -z "${!n:-}" ] || [ "$NSPP" -lt "${!n}" ]; } &&
        [ "$NSPP" -gt 0 ] && printf -v "$n" %s "$NSPP"
    return 0
}

# The runs alternate, best of three each: the host's other load varies.
for r in $(seq "${L4_BENCH_MIP6:-3}"); do
    v6udp "mip6-src-$r.log" -M source
    blast "$L4_COA1" "$L4_VIP6" 5201 && best su
    stop "$DRIVE_PID"
    v6udp "mip6-all-$r.log" -M "$MKEYS" -X translate
    blast "$L4_COA1" "$L4_VIP6" 5201 "$L4_HOA" && best mu
    blast "$L4_COA1" "$L4_VIP6" 5201 && best pu
    l4_dump "mip6-all-$r.log"
    [ "$(l4_stat "mip6-all-$r.log" 'stats mip6_strip')" -gt 0 ] ||
        ERROR "the engine translated no home address option"
    stop "$DRIVE_PID"
    v6tcp "mip6-csrc-$r.log" -M source
    conns "http://[$L4_VIP6]/small" && best sc
    stop "$DRIVE_PID"
    v6tcp "mip6-call-$r.log" -M "$MKEYS" -X translate
    conns "http://[$L4_VIP6]/small" && best mc
    stop "$DRIVE_PID"
done

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
printf '%-34s %12s %12s %7s %s\n' "twin-lb CPU ms per GB (TCP)" \
    "$e_tcp_cpu" - - reported
printf '%-34s %12s %12s %7s %s\n' "twin-lb CPU us per connection" \
    "$e_conn_us" - - reported
printf '%-34s %12s %12s %7s %s\n' "UDP 64 B pkt/s vs kernel forwarding" \
    "$e_udp" "$k_udp" "$(ratio "$e_udp" "$k_udp")" "reported"
row() {
    printf '%-34s %12s %12s %7s %s\n' "$1" "${2:-0}" "${3:-0}" \
        "$(ratio "${2:-0}" "${3:-0}")" "${4:-reported}"
}
row "mip6 pkt/s, mobile node vs source" "${mu_rate:-}" "${su_rate:-}"
row "mip6 pkt/s, plain node vs source" "${pu_rate:-}" "${su_rate:-}"
row "mip6 ns/pkt, mobile node vs source" "${mu_ns:-}" "${su_ns:-}"
row "mip6 ns/pkt, plain node vs source" "${pu_ns:-}" "${su_ns:-}"
row "mip6 new conn/s vs source" "${mc_rate:-}" "${sc_rate:-}"
row "mip6 us/conn vs source" "${mc_ns:-}" "${sc_ns:-}"
OK "benchmark ran"
finish

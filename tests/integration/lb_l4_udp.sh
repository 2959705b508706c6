#!/bin/bash
# lb_l4_udp.sh - twin-lb's l4 clusters with protocol udp (NAT) between real
# kernels: client c sends datagrams to 198.18.0.100 / 2001:2::100 port 53
# on lb, whose twin-lb forwards them to a UDP echo server (python3) on
# port 5353 of s1 and s2, checked by ICMP echo alone. Checks:
#   - round robin over UDP flows: 10 datagrams from 10 source ports are
#     split 5/5 between the servers, IPv4 and IPv6; every one is answered,
#     the answer coming from the cluster address and port;
#   - the servers see the client's own address;
#   - a flow is the client's address and port pair: 4 datagrams from one
#     socket all reach one server, and `twinctl lb flows` lists that one
#     udp flow;
#   - `twinctl lb stats` counts the flows (11 IPv4, 10 IPv6).

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/lb_l4_lib.sh"

need_cmd nft /usr/bin/python3

l4_topo_nat
proxy_dirs
for s in s1 s2; do
    spawn "$s" "udp-$s.log" /usr/bin/python3 -c '
import socket, sys
name = sys.argv[1]
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 5353))
print("listening", flush=True)
while True:
    d, a = s.recvfrom(2048)
    src = a[0][7:] if a[0].startswith("::ffff:") else a[0]
    print("got %s from %s" % (d.decode(), src), flush=True)
    s.sendto(name.encode() + b" " + d, a)' "$s"
    wait_log "udp-$s.log" '^listening$' 10
done

lb_conf() {
    l4_peer
    conf_block "cluster dns" "mode l4" "protocol udp" "listen $L4_VIP:53" \
        "server s1 $L4_S1:5353" "server s2 $L4_S2:5353" "check none" \
        "check-interval 500ms" "check-timeout 300ms"
    conf_block "cluster dns6" "mode l4" "protocol udp" \
        "listen [$L4_VIP6]:53" "server s1 [$L4_S16]:5353" \
        "server s2 [$L4_S26]:5353" "check none" "check-interval 500ms" \
        "check-timeout 300ms"
}
l4_lb lb.log lb_conf
wait_until 10 eval "[ \$(l4_ctl servers 2>/dev/null | grep -c ' up ') -eq 4 ]" ||
    ERROR "the servers never came up (ICMP echo)"

# udp_send ADDR TAG N SAME: N datagrams "TAG-i" to ADDR port 53 from c,
# each from a new socket (SAME 0) or all from one (SAME 1); prints each
# answer as "ANSWER from ADDR PORT", or "timeout TAG-i".
udp_send() {
    on c /usr/bin/python3 - "$@" <<'EOF'
import socket, sys
addr, tag, n, same = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = None
for i in range(n):
    if s is None or same == "0":
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.settimeout(2)
    s.sendto(("%s-%d" % (tag, i)).encode(), (addr, 53))
    try:
        d, a = s.recvfrom(2048)
        print("%s from %s %d" % (d.decode(), a[0], a[1]), flush=True)
    except socket.timeout:
        print("timeout %s-%d" % (tag, i), flush=True)
    if same == "1":
        print("port", s.getsockname()[1], flush=True)
EOF
}
udp_send "$L4_VIP" four 10 0 >"$T/four.txt"
udp_send "$L4_VIP6" six 10 0 >"$T/six.txt"
udp_send "$L4_VIP" same 4 1 >"$T/same.txt"

# udp_split FILE TAG VIP: 10 answers, all from VIP port 53, 5 from each server,
# and the servers logged as many datagrams of TAG.
udp_split() {
    local a b
    cat "$1"
    [ "$(grep -c "^s[12] $2-[0-9] from $3 53\$" "$1")" -eq 10 ] || return 1
    a=$(grep -c "^got $2-" "$T/logs/udp-s1.log")
    b=$(grep -c "^got $2-" "$T/logs/udp-s2.log")
    echo "s1 $a s2 $b"
    [ "$a" -eq 5 ] && [ "$b" -eq 5 ] &&
        [ "$(grep -c "^s1 $2-" "$1")" -eq 5 ]
}
CHECK "IPv4: 10 UDP flows split 5/5, every answer from the cluster address" \
    udp_split "$T/four.txt" four "$L4_VIP"
CHECK "IPv6: 10 UDP flows split 5/5, every answer from the cluster address" \
    udp_split "$T/six.txt" six "$L4_VIP6"
CHECK "the servers see the client's own address" \
    eval "grep -q '^got four-[0-9] from $L4_C\$' $T/logs/udp-s1.log &&
        grep -q '^got six-[0-9] from $L4_C6\$' $T/logs/udp-s2.log"
PORT=$(awk '$1 == "port" { print $2; exit }' "$T/same.txt")
one_flow() {
    cat "$T/same.txt"
    [ "$(grep -c '^s1 same-[0-3] from ' "$T/same.txt")" -eq 4 ] ||
        [ "$(grep -c '^s2 same-[0-3] from ' "$T/same.txt")" -eq 4 ]
}
CHECK "one socket, 4 datagrams: one flow, one server" one_flow
flows_listed() {
    l4_ctl flows dns | tee "$T/flows.txt"
    [ "$(grep -c " udp $L4_C:$PORT > $L4_VIP:53 " "$T/flows.txt")" -eq 1 ] &&
        [ "$(grep -c " udp $L4_C:" "$T/flows.txt")" -eq 11 ]
}
CHECK "lb flows lists that udp flow once, 11 flows in all" flows_listed
CHECK "lb stats: 21 flows created (11 IPv4, 10 IPv6)" \
    eval "[ \$(l4_lstat flows-created) -eq 21 ]"
stop "$LB_PID"
finish

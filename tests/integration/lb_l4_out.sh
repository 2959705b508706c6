#!/bin/bash
# lb_l4_out.sh - outbound NAT of twin-lb's l4 clusters: connections the
# servers open themselves. Server s1 (behind lb, routed through it) fetches
# from a web server on c, an outside host; c logs the address and port
# each request came from. Checks, one twin-lb run per setting:
#   - outbound-address cluster, outbound-ports 40000-40099: c sees the
#     cluster address and a port of the range, s1 gets the answer, and
#     twinctl lb flows lists the flow as outbound;
#   - outbound-address default: c sees lb's own address on its side
#     (IPv4 and IPv6), ports from the default range 61000-65535;
#   - the cluster itself still forwards c's requests to s1;
#   - twinctl check refuses outbound ports inside the cluster's range.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/lb_l4_lib.sh"

need_cmd nginx curl nft /usr/bin/python3

l4_topo_nat
proxy_dirs
mkdir -p "$WWW" && echo small >"$WWW/small"
l4_nginx s1
wait_port s1 "$L4_S1" 80

# The outside host: answers "hello ADDR PORT" with the peer it saw.
cat >"$T/outside.py" <<'PY'
import http.server, socket, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        a, p = self.client_address[:2]
        body = ("hello %s %d\n" % (a, p)).encode()
        print("from %s %d" % (a, p), flush=True)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
class S(http.server.HTTPServer):
    address_family = socket.AF_INET6
    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()
S(("::", 8000), H).serve_forever()
PY
spawn c outside.log /usr/bin/python3 -u "$T/outside.py"
wait_port c "$L4_C" 8000

OUT_SET=()
lb_conf() {
    l4_peer
    conf_block "cluster web" "mode l4" "listen $L4_VIP:80" \
        "server s1 $L4_S1:80" "icmp-check no" "check-interval 500ms" \
        "check-timeout 300ms" "${OUT_SET[@]}"
    conf_block "cluster web6" "mode l4" "listen [$L4_VIP6]:80" \
        "server s1 [$L4_S16]:80" "icmp-check no" "check-interval 500ms" \
        "check-timeout 300ms" "${OUT_SET[@]}"
}

# fetch_out HOST: s1 fetches from the outside host; prints its answer.
fetch_out() { on s1 curl -sS --max-time 5 "http://$1:8000/x"; }

# seen_from ADDR LO HI HOST: s1's fetch of HOST is answered, and the
# outside host saw ADDR and a port in [LO, HI].
seen_from() {
    local got a p
    got=$(fetch_out "$4") || return 1
    echo "s1 got: $got"
    read -r _ a p <<<"$got"
    a=${a#::ffff:}
    [ "$a" = "$1" ] && [ "$p" -ge "$2" ] && [ "$p" -le "$3" ] &&
        grep -q "^from \(::ffff:\)\?$1 $p\$" "$(logf outside.log)"
}

OUT_SET=("outbound-address cluster" "outbound-ports 40000-40099")
l4_lb lb.log lb_conf
wait_until 10 eval "[ \$(l4_ctl servers 2>/dev/null | grep -c ' up ') -eq 2 ]" ||
    ERROR "the servers never came up"
CHECK "outbound-address cluster: c sees $L4_VIP, a port of 40000-40099" \
    seen_from "$L4_VIP" 40000 40099 "$L4_C"
CHECK "IPv6: c sees $L4_VIP6, a port of 40000-40099" \
    seen_from "$L4_VIP6" 40000 40099 "[$L4_C6]"
outbound_listed() {
    l4_ctl flows web | tee "$T/flows.txt"
    grep -q " outbound" "$T/flows.txt"
}
CHECK "lb flows lists the server's connection as outbound" outbound_listed
CHECK "the cluster still forwards c's requests to s1" \
    eval "[ \"\$(on c curl -sS --max-time 5 http://$L4_VIP/small)\" = small ]"
stop "$LB_PID"

OUT_SET=("outbound-address default")
l4_lb lb2.log lb_conf
wait_until 10 eval "[ \$(l4_ctl servers 2>/dev/null | grep -c ' up ') -eq 2 ]" ||
    ERROR "the servers never came up"
CHECK "outbound-address default: c sees lb's $L4_LB, a port of 61000-65535" \
    seen_from "$L4_LB" 61000 65535 "$L4_C"
CHECK "IPv6: c sees lb's $L4_LB6, a port of 61000-65535" \
    seen_from "$L4_LB6" 61000 65535 "[$L4_C6]"
CHECK "the cluster still forwards c's requests to s1" \
    eval "[ \"\$(on c curl -sS --max-time 5 http://$L4_VIP/small)\" = small ]"
stop "$LB_PID"

# twinctl check on a cluster whose range holds the outbound ports.
overlap_conf() {
    l4_peer
    conf_block "cluster r" "mode l4" "listen $L4_VIP:60000-62000" \
        "server s1 $L4_S1:80" "outbound-address default"
}
conf_write "$T/overlap.conf" overlap_conf
overlap_refused() {
    local out
    out=$(on lb "$TWINCTL" -f "$T/overlap.conf" check 2>&1) && return 1
    echo "$out"
    grep -q "outbound ports 61000-65535 overlap the cluster's ports" <<<"$out"
}
CHECK "twinctl check refuses outbound ports inside the cluster's range" \
    overlap_refused
finish

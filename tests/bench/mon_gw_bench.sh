#!/bin/bash
# mon_gw_bench.sh - the gateway against a direct TCP connection, in the
# same namespaces as tests/integration/mon_gw.sh: the center (ctr), the
# operator (op) and peer b, whose only way out is CONNECT to 443 through
# its own twin-proxy. Not part of `make check` (root).
#
#   throughput  SIZE bytes (default 200 MB) from a server on b, read by
#               the operator through twinctl center connect (agent, b's
#               proxy, center), against the same server read directly
#               from the center's host; RUNS runs each (default 3), the
#               best kept; ratio gateway/direct
#   latency     PINGS one-byte round trips (default 500) through each;
#               the gateway's mean minus the direct one is what it adds
#
# Usage: TOP_BUILDDIR=$PWD/build-rel tests/bench/mon_gw_bench.sh
#        (SIZE=, RUNS=, PINGS= to change the defaults)

set -u
here=$(cd "$(dirname "$0")" && pwd)
export TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$here/../.." && pwd)}
export TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR/build}
SIZE=${SIZE:-200000000}
RUNS=${RUNS:-3}
PINGS=${PINGS:-500}
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/integration/mon_lib.sh"

need_cmd /usr/bin/python3
TWIN_PROXY=$TOP_BUILDDIR/twin-proxy
PEER=$TOP_SRCDIR/tests/bench/mon_gw_peer.py
note() { _tp_say "# $*"; }

topo_init
topo_host b "$B/24"
mon_topo_center
mon_site_routes b
mon_certs
mon_operator
mon_center_conf "operator-ca-file \"$T/opca.crt\"" \
    "gateway-operator \"operator-1=$OPHASH\""
mon_center_start
mon_register "$SITE" b || ERROR "registration failed"

mkdir -p "$T/run-b" "$T/plogs"
chown nobody "$T/plogs"
cat >"$T/b.conf" <<CONF
peer { name b; address $B; run-dir "$T/run-b"; user nobody; }
proxy { listen $B:8081; allow 198.18.0.0/24; access-log "$T/plogs/access-b.log"; }
report {
    center $CTR:443; proxy $B:8081; site-id $SITE;
    device-id-file "$T/b.devid"; certificate "$T/site.pem";
    ca-file "$T/ca.crt"; spool-dir "$T/spool-b"; user daemon;
    alive-interval 60s; timeout 5s;
    gateway on; gateway-allow 127.0.0.1:5001;
}
CONF
spawn b proxy-b.log "$TWIN_PROXY" -d -f "$T/b.conf"
wait_port b "$B" 8081
mon_agent_start b
# The server runs as nobody: b routes the center's network for that
# user only (mon_site_routes), so the direct connection can be answered.
spawn b peer.log setpriv --reuid=65534 --regid=65534 --clear-groups \
    /usr/bin/python3 "$PEER" serve 5001
wait_port b "$B" 5001
wait_until 10 grep -q "gateway: $SITE/b polls from" "$T/logs/center.log" ||
    ERROR "the agent does not poll the center"

GW=(on op "$TWINCTL" -f "$T/center.conf" center connect -a "$T/ca.crt"
    -c "$T/operator.pem" -i "$T/operator.id" "$SITE" b 5001)
best() { sort -g | tail -1; }
least() { sort -g | head -1; }

direct_mb=$(for ((i = 0; i < RUNS; i++)); do
    on ctr timeout 120 /usr/bin/python3 "$PEER" bulk "$SIZE" "$B:5001"; done | best)
gw_mb=$(for ((i = 0; i < RUNS; i++)); do
    on op timeout 300 /usr/bin/python3 "$PEER" bulk "$SIZE" -- "${GW[@]:2}"; done | best)
CHECK "every throughput run moved all its bytes" test -n "$direct_mb" -a -n "$gw_mb"
direct_us=$(for ((i = 0; i < RUNS; i++)); do
    on ctr timeout 120 /usr/bin/python3 "$PEER" ping "$PINGS" "$B:5001"; done | least)
gw_us=$(for ((i = 0; i < RUNS; i++)); do
    on op timeout 300 /usr/bin/python3 "$PEER" ping "$PINGS" -- "${GW[@]:2}"; done | least)
CHECK "every latency run completed" test -n "$direct_us" -a -n "$gw_us"

note "throughput direct ${direct_mb} MB/s, through the gateway ${gw_mb} MB/s" \
    "(best of $RUNS, $SIZE bytes)"
note "ratio gateway/direct $(awk -v g="$gw_mb" -v d="$direct_mb" 'BEGIN { printf "%.3f", g / d }')"
note "round trip direct ${direct_us} us, through the gateway ${gw_us} us" \
    "(mean of $PINGS, best of $RUNS)"
note "added latency $((gw_us - direct_us)) us per round trip," \
    "ratio $(awk -v g="$gw_us" -v d="$direct_us" 'BEGIN { printf "%.1f", g / d }')"
grep -c "gateway: center session" "$T/logs/center.log" |
    sed 's/^/# sessions logged by the center: /' >&"$TP_FD_OUT"
finish

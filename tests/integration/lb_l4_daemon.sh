#!/bin/bash
# lb_l4_daemon.sh - twin-lb itself forwards its l4 clusters (the packet
# engine in the daemon, NAT mode), between real kernels: client c, the
# balancer lb, nginx on s1 and s2 behind it (lb_l4_lib.sh's topology).
# Checks:
#   - twin-lb runs as PROXY_USER and still forwards (it keeps CAP_NET_RAW
#     and CAP_NET_ADMIN alone); 100 MB arrive whole over IPv4 and IPv6;
#   - round robin through the shared selection module: 10 requests 5/5;
#     the servers see the client's own address;
#   - persist sticky on the IPv6 cluster: every request on one server, the
#     entry listed by `twinctl lb persist` (kind, key, server, lifetime);
#   - `lb show` has the flows, packets and bytes per server and the drops
#     by reason; `lb flows` lists a download in progress;
#   - SIGHUP that changes another cluster keeps an established download
#     going; a reload naming a server with no route keeps the running
#     configuration;
#   - health: a server whose nginx stops goes down, and new flows go to
#     the other one;
#   - maxconn, hot spare and quiesce on held connections: at s1's cap of 1
#     the next client goes to the hot spare s2; quiesced s1 takes no new
#     client while s2 is up;
#   - pair: with a floating IP this peer does not hold, it stands by and
#     forwards nothing; once it holds the address it forwards;
#   - a SYN flood fills the table to its bound (flow-table-size): new flows
#     are refused and counted, an established download goes on.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/lb_l4_lib.sh"

need_cmd nginx curl nft sha256sum /usr/bin/python3

TWIN_LB=$TOP_BUILDDIR/twin-lb
FIP=198.18.0.50

l4_topo_nat
proxy_dirs
l4_www
l4_nginx s1
l4_nginx s2
NG2=$SPAWN_PID
wait_port s1 "$L4_S1" 80
wait_port s2 "$L4_S2" 80

# The clusters; "$@" are further blocks or settings (see below).
EXTRA_WEB=()
EXTRA_CONF=()
lb_conf() {
    echo "peer { name a; address $L4_LB; partner 198.18.0.2;" \
        "run-dir $PX/run; }"
    conf_block "cluster web" "mode l4" "listen $L4_VIP:80" \
        "server s1 $L4_S1:80" "server s2 $L4_S2:80" "icmp-check no" \
        "check-interval 500ms" "check-timeout 300ms" "${EXTRA_WEB[@]}"
    conf_block "cluster web6" "mode l4" "listen [$L4_VIP6]:80" \
        "server s1 [$L4_S16]:80" "server s2 [$L4_S26]:80" "icmp-check no" \
        "persist sticky" "sticky-netmask6 64" "check-interval 500ms" \
        "check-timeout 300ms"
    local b
    for b in "${EXTRA_CONF[@]}"; do echo "$b"; done
}
conf_write "$CONF" lb_conf
add_ha() {
    { cat "$CONF"; echo "ha { floating-ip $FIP/24; }"; } >"$CONF.new" ||
        return 1
    mv "$CONF.new" "$CONF"
}

ctl() { on lb "$TWINCTL" -f "$CONF" lb "$@" 2>/dev/null; }
lstat() { ctl stats | awk -v k="$1" '$1 == k { print $2 }'; }
reloaded() {
    [ "$(grep -c 'reload: configuration from .* in effect' "$(logf lb.log)")" -ge "$1" ]
}
small() { on c curl -sS --max-time 3 -o /dev/null "$@"; }

spawn lb lb.log "$TWIN_LB" -d -v -f "$CONF"
LB_PID=$SPAWN_PID
CHECK "twin-lb starts the packet engine for its l4 clusters" \
    wait_log lb.log 'l4: packet engine on' 10
wait_until 10 small "http://$L4_VIP/small" || ERROR "the cluster never answered"
uid_of() { awk '/^Uid:/ { print $2 }' "/proc/$1/status"; }
CHECK "twin-lb runs as $PROXY_USER" \
    test "$(uid_of "$LB_PID")" = "$(id -u "$PROXY_USER")"
caps_of() { awk '/^CapEff:/ { print $2 }' "/proc/$1/status"; }
# CAP_NET_RAW (13) and CAP_NET_ADMIN (12): 0x3000, nothing else.
CHECK "it holds CAP_NET_RAW and CAP_NET_ADMIN, nothing else" \
    test "$(caps_of "$LB_PID")" = 0000000000003000

CHECK "IPv4: 100 MB through twin-lb, sha256 matches" \
    big_ok c "http://$L4_VIP/big"
CHECK "IPv6: 100 MB through twin-lb, sha256 matches" \
    big_ok c "http://[$L4_VIP6]/big"

: >"$T/logs/s1-access.log"
: >"$T/logs/s2-access.log"
for i in 1 2 3 4 5 6 7 8 9 10; do small "http://$L4_VIP/small?$i"; done
CHECK "round robin: 10 requests split 5/5 over s1 and s2" l4_rr_split
CHECK "the servers see the client's own address" \
    grep -q "^$L4_C - .*GET /small" "$T/logs/s1-access.log"

for i in 1 2 3 4 5 6; do small "http://[$L4_VIP6]/small?six$i"; done
sticky_one() {
    local a b
    a=$(grep -c '"GET /small?six' "$T/logs/s1-access.log")
    b=$(grep -c '"GET /small?six' "$T/logs/s2-access.log")
    echo "s1 $a s2 $b"
    { [ "$a" -eq 6 ] && [ "$b" -eq 0 ]; } || { [ "$a" -eq 0 ] && [ "$b" -eq 6 ]; }
}
CHECK "persist sticky: six IPv6 requests, one server" sticky_one
persist_entry() {
    ctl persist web6 | tee /dev/stderr |
        grep -Eq '^source 2001:2:: server s[12] left [0-9]+ms$'
}
CHECK "lb persist lists the /64 entry: kind, key, server, lifetime" \
    persist_entry
CHECK "lb persist refuses a cluster without a table" \
    not ctl persist web

show_l4() {
    ctl show >"$T/show.txt"
    cat "$T/show.txt"
    grep -Eq '^  l4: nat tcp, forwarding; flows [0-9]+, refused 0' "$T/show.txt" &&
    grep -Eq '^  server s1 flows: active [0-9]+, total [1-9][0-9]*, packets [1-9][0-9]* in [1-9][0-9]* out, bytes [1-9][0-9]* in [1-9][0-9]* out$' "$T/show.txt" &&
    grep -q '^l4 engine on eth0 eth1: forwarding; flows' "$T/show.txt" &&
    grep -q '^  drops: ' "$T/show.txt"
}
CHECK "lb show: l4 flows, packets and bytes per server, drops" show_l4

# ---- a download across reloads --------------------------------------------

spawn c slow.log bash -c "curl -sS --max-time 60 --limit-rate 20M \
    http://$L4_VIP/big | sha256sum >$T/slow.sha"
SLOW_PID=$SPAWN_PID
sleep 1
flows_listed() {
    ctl flows web | tee /dev/stderr |
        grep -Eq "^s[12] ESTABLISHED tcp $L4_C:[0-9]+ > $L4_VIP:80 \| .* pkts [0-9]+/[0-9]+ bytes [0-9]+/[0-9]+ age [0-9]+ms expires [0-9]+ms$"
}
CHECK "lb flows lists the download in progress" flows_listed
EXTRA_CONF=("$(conf_block "cluster extra" "mode l4" "listen $L4_VIP:8080" \
    "server s1 $L4_S1:80" "icmp-check no")")
conf_write "$CONF" lb_conf
kill -HUP "$LB_PID"
CHECK "a reload adding a cluster takes effect" wait_until 10 reloaded 1
CHECK "the new cluster forwards" \
    wait_until 5 small "http://$L4_VIP:8080/small"
EXTRA_CONF=("$(conf_block "cluster bad" "mode l4" "listen $L4_VIP:8081" \
    "server s1 198.19.200.1:80" "icmp-check no")")
conf_write "$CONF" lb_conf
ip -n lb route add unreachable 198.19.200.1/32 ||
    ERROR "cannot make 198.19.200.1 unreachable"
kill -HUP "$LB_PID"
CHECK "a reload with an unreachable server keeps the running config" \
    wait_log lb.log 'reload: .*server s1.*keeping the running configuration' 10
CHECK "the cluster it would have removed still forwards" \
    small "http://$L4_VIP:8080/small"
wait_until 70 not _tp_alive "$SLOW_PID"
CHECK "the download went on through both reloads: sha256 matches" \
    grep -q "^$BIG_SHA " "$T/slow.sha"

# ---- health -----------------------------------------------------------------

EXTRA_CONF=()
conf_write "$CONF" lb_conf
kill -HUP "$LB_PID"
wait_until 10 reloaded 2 || ERROR "reload 2 did not take effect"
stop "$NG2"
state_of() { ctl servers | awk -v c="$1" -v s="$2" '$1 == c && $2 == s { print $3 }'; }
state_is() { local g; g=$(state_of "$1" "$2"); echo "$1 $2 $g"; [ "$g" = "$3" ]; }
CHECK "s2 goes down once its nginx stops" wait_until 10 state_is web s2 down
all_s1() {
    local i
    : >"$T/logs/s1-access.log"
    for i in 1 2 3 4; do small "http://$L4_VIP/small?h$i" || return 1; done
    [ "$(grep -c '"GET /small?h' "$T/logs/s1-access.log")" -eq 4 ]
}
CHECK "new flows all go to s1, the one up" all_s1
l4_nginx s2
wait_port s2 "$L4_S2" 80
CHECK "s2 comes back up" wait_until 10 state_is web s2 up

# ---- maxconn, hot spare, quiesce on held connections -------------------------

EXTRA_WEB=()
EXTRA_CONF=("$(conf_block "cluster cap" "mode l4" "listen $L4_VIP:81" \
    "server s1 $L4_S1:80 maxconn 1" "server s2 $L4_S2:80 hotspare" \
    "icmp-check no" "check-interval 500ms" "check-timeout 300ms")")
conf_write "$CONF" lb_conf
kill -HUP "$LB_PID"
wait_until 10 reloaded 3 || ERROR "reload 3 did not take effect"
wait_until 10 state_is cap s1 up || ERROR "cap s1 not up"
wait_until 10 state_is cap s2 up || ERROR "cap s2 not up"
served_by() {
    # The server whose log has the request for TAG.
    if grep -q "\"GET /small?$1 " "$T/logs/s1-access.log"; then echo s1
    elif grep -q "\"GET /small?$1 " "$T/logs/s2-access.log"; then echo s2
    else echo none; fi
}
spawn c held.log curl -sS --max-time 30 --limit-rate 2M -o /dev/null \
    "http://$L4_VIP:81/big?held"
HELD=$SPAWN_PID
sleep 1
small "http://$L4_VIP:81/small?spare1"
sleep 0.3
CHECK "s1 at its maxconn (1 held): the next client goes to hot spare s2" \
    test "$(served_by spare1)" = s2
CHECK "lb show counts it as hot spare (all full)" \
    eval "ctl show cap | grep -q 'hot spare (all down) 0, (all full) 1'"
stop "$HELD"
s1_free() { [ "$(ctl servers | awk '$1 == "cap" && $2 == "s1" { print $4 }')" = 0 ]; }
CHECK "the held connection closed: s1 has no active flow" wait_until 5 s1_free
small "http://$L4_VIP:81/small?free1"
sleep 0.3
CHECK "with s1 free again, it takes the client (not the spare)" \
    test "$(served_by free1)" = s1
ctl server web s1 quiesce >/dev/null
for i in 1 2 3; do small "http://$L4_VIP/small?q$i"; done
sleep 0.3
quiesced_none() {
    local i
    for i in 1 2 3; do [ "$(served_by "q$i")" = s2 ] || return 1; done
}
CHECK "quiesced s1 takes no new client while s2 is up" quiesced_none
ctl server web s1 enable >/dev/null

# ---- the pair: only the holder of the floating IP forwards ------------------

conf_write "$CONF" lb_conf
add_ha || ERROR "cannot add the ha block"
kill -HUP "$LB_PID"
wait_until 10 reloaded 4 || ERROR "reload 4 did not take effect"
CHECK "without the floating IP, twin-lb stands by" \
    wait_log lb.log 'l4: no longer holding the floating IP' 5
CHECK "lb show says it stands by" \
    eval "ctl show | grep -q '^l4 engine on .*: standing by'"
CHECK "the standby forwards nothing" not small "http://$L4_VIP/small"
HELD_N=$(grep -c 'l4: holding the floating IP' "$(logf lb.log)")
ip -n lb addr add "$FIP/24" dev eth0 || ERROR "cannot add $FIP"
CHECK "holding the floating IP, it forwards again" \
    wait_until 5 small "http://$L4_VIP/small"
CHECK "and says so" eval "[ \$(grep -c 'l4: holding the floating IP' \
    '$(logf lb.log)') -gt $HELD_N ]"

# ---- a SYN flood fills the table; an established download goes on -----------

EXTRA_WEB=("flow-table-size 100" "syn-timeout 4s")
conf_write "$CONF" lb_conf
add_ha || ERROR "cannot add the ha block"
kill -HUP "$LB_PID"
wait_until 10 reloaded 5 || ERROR "reload 5 did not take effect"
CHECK "the table's bound is the sum of the flow-table-sizes" \
    eval "[ \"\$(lstat l4.flows-max)\" = \$((100 + 65536 + 65536)) ]"
# One cluster alone then: only web, 100 flows.
EXTRA_WEB=("flow-table-size 100" "syn-timeout 4s")
lb_conf_small() {
    echo "peer { name a; address $L4_LB; partner 198.18.0.2;" \
        "run-dir $PX/run; }"
    conf_block "cluster web" "mode l4" "listen $L4_VIP:80" \
        "server s1 $L4_S1:80" "server s2 $L4_S2:80" "icmp-check no" \
        "check-interval 500ms" "check-timeout 300ms" "${EXTRA_WEB[@]}"
}
conf_write "$CONF" lb_conf_small
kill -HUP "$LB_PID"
wait_until 10 reloaded 6 || ERROR "reload 6 did not take effect"
restarts() { grep -c 'l4: restarting the packet engine' "$(logf lb.log)"; }
CHECK "no reload restarted the engine (same interfaces)" \
    eval "[ \"\$(restarts)\" = 0 ]"
CHECK "the table's bound is now 100" \
    eval "[ \"\$(lstat l4.flows-max)\" = 100 ]"
wait_until 10 state_is web s1 up
wait_until 10 small "http://$L4_VIP/small" || ERROR "web does not answer"
spawn c slow2.log bash -c "curl -sS --max-time 60 --limit-rate 15M \
    http://$L4_VIP/big | sha256sum >$T/slow2.sha"
SLOW_PID=$SPAWN_PID
sleep 1
LBMAC=$(mac_of lb eth0)
l4_syn_flood "$LBMAC" "$L4_VIP" 600
CHECK "the flood filled the table to its bound (100)" \
    eval "[ \"\$(lstat l4.flows)\" = 100 ]"
CHECK "new flows were refused, counted as table-full" \
    eval "[ \"\$(lstat l4.drop-table-full)\" -gt 400 ]"
CHECK "lb show names the drop reason" \
    eval "ctl show | grep -q '^  drops: .*table-full [0-9]'"
wait_until 70 not _tp_alive "$SLOW_PID"
CHECK "the established download went on: 100 MB, sha256 matches" \
    grep -q "^$BIG_SHA " "$T/slow2.sha"
CHECK "half-open flows time out and new connections work again" \
    wait_until 10 small "http://$L4_VIP/small"

stop "$LB_PID"
CHECK "twin-lb removes its nftables table when it stops" \
    not on lb nft list table netdev twin_lb

# ---- with the rights its systemd unit gives, and those alone ---------------

UNIT=$TOP_SRCDIR/etc/systemd/twin-lb.service
unit_get() { sed -n "s/^$1=//p" "$UNIT" | tail -n 1; }
caps_list() {
    local c out=-all
    for c in $1; do c=${c#CAP_}; out+=",+${c,,}"; done
    printf '%s' "$out"
}
CAPS=$(caps_list "$(unit_get AmbientCapabilities)")
BOUND=$(caps_list "$(unit_get CapabilityBoundingSet)")
CHECK "the unit runs twin-lb as $PROXY_USER" \
    test "$(unit_get User)" = "$PROXY_USER"
# Its RuntimeDirectory, the user's as systemd makes it.
unit_conf() {
    mkdir -p "$PX/run-unit" && chown "$PROXY_USER:" "$PX/run-unit" ||
        return 1
    sed "s|run-dir $PX/run;|run-dir $PX/run-unit;|" "$CONF" >"$PX/unit.conf"
    grep -q "run-dir $PX/run-unit;" "$PX/unit.conf"
}
unit_conf || ERROR "cannot write the unit's config"
spawn lb lb-unit.log setpriv --reuid="$(unit_get User)" \
    --regid="$(unit_get Group)" --init-groups --bounding-set="$BOUND" \
    --inh-caps="$CAPS" --ambient-caps="$CAPS" --no-new-privs \
    "$TWIN_LB" -d -v -f "$PX/unit.conf"
UNIT_PID=$SPAWN_PID
CHECK "started with the unit's rights, twin-lb forwards its l4 cluster" \
    wait_until 10 small "http://$L4_VIP/small"
CHECK "and did not warn about missing capabilities" \
    no_line lb-unit.log 'cannot forward'
CHECK "its nftables table is in place" on lb nft list table netdev twin_lb
stop "$UNIT_PID"
finish

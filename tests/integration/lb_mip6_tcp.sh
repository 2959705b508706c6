#!/bin/bash
# lb_mip6_tcp.sh - Mobile IPv6 persistence in twin-lb's l4 clusters (NAT),
# with real TCP. A mobile node (l4_mobile: the kernel's TCP on its home
# address, route-optimised by lb_mip6_shim.py) moves from home through
# three care-of addresses and back; nginx on s1 and s2. One twin-lb runs
# three clusters on 2001:2::100, each with persist mobile-ipv6: hoa (port
# 80, persist-keys home-address, home-address translate), iid (port 81,
# interface-id,source) and src (port 82, source). Checks:
#   - home-address, translated: every request, at home and from each
#     care-of address, lands on the one server, which sees the home
#     address; the engine removed the options and sent the replies to the
#     care-of address with a type 2 routing header (`twinctl lb stats`);
#     `twinctl lb persist hoa` holds one entry, for the home address;
#   - a 20 MB download goes on across two moves, sha256 matching, on one
#     connection;
#   - interface-id: a SLAAC client (no Mobile IPv6) moving between three
#     prefixes keeps its server, under the interface identifier's entry;
#   - the negative control, source persistence: the same moves send the
#     client to the other server.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/lb_l4_lib.sh"

need_cmd nginx curl nft sha256sum /usr/bin/python3

l4_topo_nat
proxy_dirs
mkdir -p "$WWW" || ERROR "cannot create $WWW"
echo small >"$WWW/small"
head -c 20000000 /dev/urandom >"$WWW/mid" || ERROR "cannot write mid"
MID_SHA=$(sha256sum <"$WWW/mid" | cut -d' ' -f1)
l4_nginx s1
l4_nginx s2
wait_port s1 "$L4_S16" 80
wait_port s2 "$L4_S26" 80
l4_mobile home "$L4_COA1" "$L4_COA2" "$L4_COA3"

# mcluster NAME PORT KEYS [SETTING...]: a persist mobile-ipv6 cluster.
mcluster() {
    conf_block "cluster $1" "mode l4" "listen [$L4_VIP6]:$2" \
        "server s1 [$L4_S16]:80" "server s2 [$L4_S26]:80" "check none" \
        "icmp-check no" "persist mobile-ipv6" "persist-keys $3" "${@:4}"
}
lb_conf() {
    l4_peer
    mcluster hoa 80 home-address "home-address translate"
    mcluster iid 81 interface-id,source
    mcluster src 82 source
}
l4_lb lb.log lb_conf

# get HOST TAG [CURL_ARGS...]: one request for /small?TAG from HOST, to
# port $PORT.
PORT=80
get() {
    on "$1" curl -sS --max-time 5 -o /dev/null "${@:3}" \
        "http://[$L4_VIP6]:$PORT/small?$2"
}

# where TAG: the servers that served /small?TAG (s1, s2 or both).
where() {
    local s out=
    for s in s1 s2; do
        [ -f "$T/logs/$s-access.log" ] || { echo "no $s-access.log"; return 1; }
        grep -q "\"GET /small?$1 " "$T/logs/$s-access.log" && out="$out $s"
    done
    echo "${out# }"
}

# one_server TAG... : every TAG was served, all by the same one server.
one_server() {
    local t w first=
    for t in "$@"; do
        w=$(where "$t")
        echo "$t: $w"
        case $w in s1|s2) ;; *) return 1 ;; esac
        [ -z "$first" ] && first=$w
        [ "$w" = "$first" ] || return 1
    done
}

# ---- home-address, translated: home, three care-of addresses, home ----------

tags=()
for place in home coa1 coa2 coa3 back; do
    for i in 1 2; do
        get mna "hoa-$place-$i" || FAIL "request hoa-$place-$i"
        tags+=("hoa-$place-$i")
    done
    l4_move
done
CHECK "home-address: 10 requests, at home and from three care-of addresses, on one server" \
    one_server "${tags[@]}"
CHECK "the server saw the home address, never a care-of address" \
    eval "grep -h 'GET /small?hoa-' $T/logs/s1-access.log $T/logs/s2-access.log |
        awk '{ print \$1 }' | sort -u | grep -qx '$L4_HOA' &&
        no_line $T/logs/s1-access.log '2001:2:0:[abc]:' &&
        no_line $T/logs/s2-access.log '2001:2:0:[abc]:'"
l4_ctl persist hoa >"$T/persist-hoa.txt"
CHECK "lb persist: the table holds one entry, the home address's" \
    eval "cat $T/persist-hoa.txt; [ \$(wc -l <$T/persist-hoa.txt) -eq 1 ] &&
        grep -Eq '^home-address $L4_HOA server s[12] left [0-9]+ms\$' $T/persist-hoa.txt"
CHECK "it names the server that served the requests" \
    eval "grep -q \" server \$(where hoa-home-1) \" $T/persist-hoa.txt"
CHECK "the engine translated home address options and sent replies with a type 2 routing header" \
    eval "[ \$(l4_lstat mip6-strip) -gt 0 ] && [ \$(l4_lstat mip6-rh2) -gt 0 ]"
CHECK "the node received replies by its routing header" \
    eval "kill -USR2 $SHIM_PID; wait_log mn-shim.log 'in_rh2 [1-9]' 5"

# ---- a long download across two moves -------------------------------------------

# The node is home again; go away first.
l4_move
spawn mna dl.log bash -c "curl -sS --max-time 40 --limit-rate 4M \
    -o $T/mid.out http://[$L4_VIP6]:80/mid && echo done"
DL_PID=$SPAWN_PID
wait_until 10 eval "[ \$(stat -c %s $T/mid.out 2>/dev/null || echo 0) -gt 3000000 ]" ||
    FAIL "the download did not start"
l4_move
wait_until 10 eval "[ \$(stat -c %s $T/mid.out) -gt 9000000 ]" ||
    FAIL "the download stalled after the first move"
l4_move
wait_until 30 not _tp_alive "$DL_PID"
CHECK "20 MB downloaded across two moves, sha256 matches" \
    eval "grep -q '^done$' $T/logs/dl.log &&
        [ \"\$(sha256sum <$T/mid.out | cut -d' ' -f1)\" = '$MID_SHA' ]"
CHECK "on one connection, to one server" \
    eval "[ \$(grep -h '\"GET /mid ' $T/logs/s1-access.log $T/logs/s2-access.log |
        wc -l) -eq 1 ]"

# ---- interface-id: a SLAAC client on three prefixes ---------------------------------

IID=211:22ff:fe33:4466
for p in a b c; do
    ip -n c addr add "2001:2:0:$p:$IID/64" dev eth0 nodad ||
        ERROR "cannot add a SLAAC address on c"
done
PORT=81
tags=()
for p in a b c; do
    for i in 1 2; do
        get c "iid-$p-$i" --interface "2001:2:0:$p:$IID" ||
            FAIL "request iid-$p-$i"
        tags+=("iid-$p-$i")
    done
done
CHECK "interface-id: 6 requests from three prefixes on one server" \
    one_server "${tags[@]}"
l4_ctl persist iid >"$T/persist-iid.txt"
CHECK "lb persist iid has the interface identifier, on the server that served" \
    eval "cat $T/persist-iid.txt; grep -Eq '^interface-id ::$IID server '\$(where iid-a-1)' left [0-9]+ms\$' $T/persist-iid.txt"

# ---- the negative control: source persistence loses the moved client -----------------

PORT=82
for p in a b c; do
    get c "src-$p" --interface "2001:2:0:$p:$IID" || FAIL "request src-$p"
    get c "src-$p-again" --interface "2001:2:0:$p:$IID" ||
        FAIL "request src-$p-again"
done
CHECK "source: each address keeps its server" \
    eval "one_server src-a src-a-again && one_server src-b src-b-again &&
        one_server src-c src-c-again"
CHECK "source: the moved client is sent to the other server" \
    not one_server src-a src-b src-c
CHECK "lb persist src: one source entry for each of the three addresses" \
    eval "l4_ctl persist src | tee $T/persist-src.txt; [ \$(grep -c '^source 2001:2:0:[abc]:$IID server s[12] left ' $T/persist-src.txt) -eq 3 ]"
stop "$LB_PID"
finish

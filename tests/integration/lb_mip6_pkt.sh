#!/bin/bash
# lb_mip6_pkt.sh - Mobile IPv6 persistence in twin-lb's l4 clusters at the
# packet level: crafted packets (lb_mip6_send.py, scapy) from c to the
# cluster 2001:2::100 port 80 (persist mobile-ipv6, check none: nothing
# listens), servers s1 and s2 behind lb (NAT), holding the cluster address
# on lo too for ESP, which goes by direct routing. One twin-lb for each
# part, the counters from `twinctl lb stats`, the flows and entries from
# `lb flows` and `lb persist`. Checks:
#   - translate: a SYN with a home address option reaches a server from
#     the home address, options gone; the server's answer leaves lb for
#     the care-of address with a type 2 routing header;
#   - spi: ESP of one SPI from three addresses reaches one server (counted
#     by a raw ESP socket on each), another SPI the other server;
#   - a malformed home address option is dropped and counted;
#   - pass: the option reaches the server as it was, the flow is keyed on
#     the home address;
#   - binding updates (source keys): the update copies the old care-of
#     address's entry to the new one, naming its origin; a new connection
#     from the new address lands on the old server (without an update, a
#     third address goes elsewhere); replayed, corrupt and redundant
#     updates change nothing; the old entry expires on time, and so does
#     a copy no packet uses (persist-lifetime 3s).

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/lb_l4_lib.sh"

need_cmd nft tcpdump /usr/bin/python3

l4_topo_nat
proxy_dirs
for s in s1 s2; do
    ip -n "$s" addr add "$L4_VIP6/128" dev lo nodad ||
        ERROR "cannot put the cluster address on $s's lo"
    spawn "$s" "esp-$s.log" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 50)
print("listening", flush=True)
while True:
    d, a = s.recvfrom(2048)
    print("esp 0x%s from %s" % (d[:4].hex(), a[0]), flush=True)'
    wait_log "esp-$s.log" '^listening$' 10
    spawn "$s" "cap-$s.log" tcpdump --immediate-mode -i eth0 -n -U \
        -w "$T/$s.pcap" ip6
    wait_log "cap-$s.log" 'listening on' 5
done
spawn c cap-c.log tcpdump --immediate-mode -i eth0 -n -U -w "$T/c.pcap" \
    'ip6 and ip6[6] == 43'
wait_log cap-c.log 'listening on' 5

mkfifo "$T/send.fifo" || ERROR "cannot make the fifo"
spawn c send.log /usr/bin/python3 \
    "$TOP_SRCDIR/tests/integration/lb_mip6_send.py" "$T/send.fifo" eth0 \
    "$(mac_of lb eth0)" "$L4_VIP6" "$L4_HOA"
wait_log send.log '^ready$' 20

# send CMD...: have lb_mip6_send.py send, wait until it has.
send() {
    local n
    n=$(grep -c '^ok ' "$T/logs/send.log")
    echo "$*" >"$T/send.fifo"
    wait_until 10 eval "[ \$(grep -c '^ok ' '$T/logs/send.log') -gt $n ]" ||
        { echo "send $*: no answer"; return 1; }
}

# lb_run LOG SETTING...: twin-lb with one cluster m, persist mobile-ipv6 and
# the settings given.
LB_SET=()
lb_conf() {
    l4_peer
    conf_block "cluster m" "mode l4" "listen [$L4_VIP6]:80" \
        "server s1 [$L4_S16]:80" "server s2 [$L4_S26]:80" "check none" \
        "icmp-check no" "persist mobile-ipv6" "${LB_SET[@]}"
}
lb_run() {
    LB_SET=("${@:2}")
    l4_lb "$1" lb_conf
}

# caps: stop the captures, print them in text.
caps() {
    local p
    sleep 0.3
    for p in $(pgrep -x tcpdump); do stop "$p"; done
    for p in s1 s2 c; do
        tcpdump -n -v -r "$T/$p.pcap" >"$T/$p.txt" 2>/dev/null
    done
}

# ---- translate, spi -----------------------------------------------------------

lb_run lb-t.log "persist-keys spi,home-address" "home-address translate"
send syn-hao "$L4_COA1" 40001 || FAIL "syn-hao"
for a in "$L4_COA1" "$L4_COA2" "$L4_COA3"; do
    send esp "$a" 0x1234 5 || FAIL "esp from $a"
done
send esp 2001:2::77 0x5678 5 || FAIL "esp 0x5678"
sleep 0.3
l4_ctl stats >"$T/stats-t1.txt"
send bad-hao "$L4_COA1" 40002 || FAIL "bad-hao"
sleep 0.3
l4_ctl stats >"$T/stats-t2.txt"
l4_ctl persist m >"$T/persist-t.txt"
stop "$LB_PID"

# ---- pass -------------------------------------------------------------------

lb_run lb-p.log "persist-keys home-address" "home-address pass"
send syn-hao "$L4_COA2" 40003 || FAIL "syn-hao, pass"
sleep 0.3
l4_ctl flows m >"$T/flows-p.txt"
l4_ctl persist m >"$T/persist-p.txt"
stop "$LB_PID"
caps

# esp_at SERVER SPI: packets of SPI the server's raw socket counted.
esp_at() { grep -c "^esp $2 " "$T/logs/esp-$1.log"; }
esp_one() {
    local a b c d
    a=$(esp_at s1 0x00001234); b=$(esp_at s2 0x00001234)
    c=$(esp_at s1 0x00005678); d=$(esp_at s2 0x00005678)
    echo "0x1234: s1 $a s2 $b; 0x5678: s1 $c s2 $d"
    { [ "$a" -eq 15 ] && [ "$b" -eq 0 ] && [ "$c" -eq 0 ] && [ "$d" -eq 5 ]; } ||
        { [ "$a" -eq 0 ] && [ "$b" -eq 15 ] && [ "$c" -eq 5 ] && [ "$d" -eq 0 ]; }
}
CHECK "translate: the SYN reached a server from the home address, no options left" \
    eval "grep -h '$L4_HOA.40001 > 2001:2:0:1::1[12].80: Flags \[S\]' $T/s1.txt $T/s2.txt &&
        no_line $T/s1.txt 'DSTOPT.* 40001 >' &&
        no_line $T/s2.txt 'DSTOPT.* 40001 >'"
CHECK "the server's answer left lb for the care-of address, type 2 routing header to the home address" \
    grep -F "$L4_VIP6 > $L4_COA1: RT6 (len=2, type=2, segleft=1, rsv=0x0, [0]$L4_HOA) 80 > 40001:" "$T/c.txt"
CHECK "spi: one SPI from three addresses on one server, the other SPI on the other" \
    esp_one
CHECK "the ESP went by direct routing (to the cluster address)" \
    eval "grep -q '^esp 0x00001234 from $L4_COA2' $T/logs/esp-s1.log ||
        grep -q '^esp 0x00001234 from $L4_COA2' $T/logs/esp-s2.log"
# st FILE NAME: counter l4.NAME in a saved `lb stats`.
st() {
    awk -v k="l4.$2" '$1 == k { v = $2 } END { if (v == "") exit 1; print v + 0 }' "$1"
}
CHECK "the engine counted the ESP it forwarded" \
    eval "[ \$(st $T/stats-t2.txt mip6-esp) -eq 20 ]"
CHECK "lb persist: the SYN's home address and the SPIs, each on its server" \
    eval "cat $T/persist-t.txt;
        grep -Eq '^home-address $L4_HOA server s[12] left [0-9]+ms\$' $T/persist-t.txt &&
        grep -Eq '^spi 0x0*1234 server s[12] left ' $T/persist-t.txt &&
        grep -Eq '^spi 0x0*5678 server s[12] left ' $T/persist-t.txt"
CHECK "the malformed home address option was dropped and counted as malformed" \
    eval "[ \$((\$(st $T/stats-t2.txt drop-malformed) - \$(st $T/stats-t1.txt drop-malformed))) -eq 1 ] &&
        no_line $T/s1.txt '[ .]40002[ :>]' &&
        no_line $T/s2.txt '[ .]40002[ :>]'"
CHECK "pass: the option reached the server as it was" \
    eval "grep -h -E '$L4_COA2 > 2001:2:0:1::1[12]: DSTOPT \(padn\)\(homeaddr: $L4_HOA\) 40003 > 80: Flags \[S\]' $T/s1.txt $T/s2.txt"
CHECK "pass: the flow is keyed on the home address" \
    eval "cat $T/flows-p.txt; grep -Eq '^s[12] [A-Z_]+ tcp \[$L4_HOA\]:40003 > \[$L4_VIP6\]:80 ' $T/flows-p.txt"
CHECK "pass: lb persist has the home address's entry" \
    grep -Eq "^home-address $L4_HOA server s[12] left [0-9]+ms\$" "$T/persist-p.txt"

# ---- binding updates ------------------------------------------------------------

lb_run lb-bu.log "persist-keys source" "binding-updates yes" "persist-lifetime 3s"
# copied N: the binding updates twin-lb logged with N entries copied.
copied() { grep -c "cluster m: binding update, $1 entries copied" "$(logf lb-bu.log)"; }
T0=$(now_us)
send syn "$L4_COA1" 41001 || FAIL "syn from COA1"
l4_ctl persist m >"$T/persist-1.txt"
S=$(awk '$1 == "source" { print $4; exit }' "$T/persist-1.txt")
case $S in s1) O=s2 ;; s2) O=s1 ;; *) ERROR "no entry for the first SYN" ;; esac
send bu "$L4_COA1" 1 || FAIL "bu 1"
send bu "$L4_COA2" 2 || FAIL "bu 2"
l4_ctl persist m >"$T/persist-2.txt"
CHECK "lb persist: the update copied the old address's entry to the new one, naming its origin" \
    eval "cat $T/persist-2.txt; grep -Eq '^source $L4_COA1 server $S left [0-9]+ms\$' $T/persist-2.txt &&
        grep -Eq '^source $L4_COA2 server $S left [0-9]+ms from source $L4_COA1\$' $T/persist-2.txt &&
        [ \$(copied 1) -eq 1 ]"
send syn "$L4_COA2" 41002 || FAIL "syn from COA2"
send syn "$L4_COA3" 41003 || FAIL "syn from COA3"
sleep 0.2
l4_ctl flows m >"$T/flows-3.txt"
CHECK "a new connection from the new address lands on the old server" \
    eval "cat $T/flows-3.txt; grep -q '^$S [A-Z_]* tcp \[$L4_COA2\]:41002 ' $T/flows-3.txt"
CHECK "without an update, another address goes to the other server" \
    grep -q "^$O [A-Z_]* tcp \[$L4_COA3\]:41003 " "$T/flows-3.txt"
send bu "$L4_COA2" 1 || FAIL "bu replayed"
send bu "$L4_COA3" 3 badsum || FAIL "bu badsum"
send bu "$L4_COA2" 3 "alt=$L4_COA3" || FAIL "bu alt"
sleep 0.2
CHECK "updates followed 3, refused 2 (replayed, bad checksum)" \
    eval "[ \$(l4_lstat mip6-bu) -eq 3 ] && [ \$(l4_lstat mip6-bu-bad) -eq 2 ]"
l4_ctl persist m >"$T/persist-4.txt"
CHECK "an update to an address with an entry changes nothing" \
    eval "cat $T/persist-4.txt; grep -Eq '^source $L4_COA3 server $O left [0-9]+ms\$' $T/persist-4.txt &&
        [ \$(copied 0) -eq 2 ]"
# The old entry was last used by the first SYN: it goes 3 s after it.
gone() {
    l4_ctl persist m >"$T/persist-5.txt" || return 1
    ! grep -q "^source $1 " "$T/persist-5.txt"
}
wait_until 8 gone "$L4_COA1"
CHECK "the old entry expired on time (3 s lifetime)" elapsed_within "$T0" 2.9 4.2
CHECK "while the new address's entry lives on" \
    grep -q "^source $L4_COA2 server $S " "$T/persist-5.txt"
# A copy no packet uses: from the last care-of address known (COA3, the
# alternate one) to a fourth address, once, then it runs out.
COA4=2001:2:0:d:211:22ff:fe33:4455
T4=$(now_us)
send bu "$L4_COA2" 4 "alt=$COA4" || FAIL "bu 4"
l4_ctl persist m >"$T/persist-6.txt"
CHECK "lb persist shows the copy, its server and its origin" \
    eval "cat $T/persist-6.txt; grep -Eq '^source $COA4 server $O left [0-9]+ms from source $L4_COA3\$' $T/persist-6.txt &&
        [ \$(copied 1) -eq 2 ]"
wait_until 8 gone "$COA4"
CHECK "the copy expired after persist-lifetime (3 s)" elapsed_within "$T4" 2.9 4.2
CHECK "lb persist no longer lists it" \
    eval "cat $T/persist-5.txt; no_line $T/persist-5.txt '^source $COA4 '"
stop "$LB_PID"
finish

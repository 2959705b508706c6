#!/bin/bash
# pair_v6.sh - the pair over IPv6 end to end, in 2001:2::/64: heartbeats
# between the peers' IPv6 addresses, a floating IPv6 address per proxy
# (FIPA6 on a, FIPB6 on b) and the WPAD address FIP6, proxies and WPAD
# listening on them before they arrive, scripts naming the IPv6 proxies
# and splitting IPv6 clients by their last bit, the origin reached over
# IPv6. Checks:
#   - each peer holds its own IPv6 address, heartbeats over IPv6 agree;
#   - c2 (even, 2001:2::12) and c1 (odd) load wpad.dat from [FIP6] and
#     get their own first proxy; c2 fetches through [FIPA6]:8080 from the
#     origin's IPv6 address, and a's access log shows it; c2's neighbour
#     cache (ip -6 neigh) points FIPA6 at a's MAC;
#   - another host advertising FIPA6 (an unsolicited neighbour
#     advertisement) is detected as a foreign claim and a keeps the
#     address;
#   - a's host dies: b takes FIPA6 and FIP6, announces them with
#     neighbour advertisements, c2's neighbour entry moves to b's MAC,
#     requests through [FIPA6]:8080 pause under 1 s, and b's WPAD server
#     answers over IPv6;
#   - a returns: FIPA6 goes back, and c2's entry with it.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
export PAIR_INTERVAL_MS=100 PAIR_COUNT=3 PAIR_V6=1 PAIR_PAC6=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"
# shellcheck disable=SC2034  # read by pair_lib.sh
PAIR_WPAD="[$FIP6]" PAIR_ORIGIN="[$O6]"
. "$(dirname "$0")/pair_lib.sh"

need_cmd curl python3 pactester

order_is() {
    local got
    got=$(pac_order "$1" | tr '\n' ' ') || return 1
    echo "$1 gets: $got"
    [ "$got" = "$2 " ]
}

pair_topo
pair_conf fip a "$A6" "$B6" primary
pair_conf fip b "$B6" "$A6" backup
PA="[$FIPA6]:8080"
PB="[$FIPB6]:8080"
CHECK "twinctl check: the two IPv6 files make one pair" \
    "$TWINCTL" check -q -f "$T/a.conf" -p "$T/b.conf"
pair_start a
pair_start b

# ---- both up ---------------------------------------------------------------
CHECK "a holds FIPA6" wait_until 8 only_holder "$FIPA6" a
CHECK "b holds FIPB6" wait_until 8 only_holder "$FIPB6" b
CHECK "a holds the IPv6 WPAD address" wait_until 3 only_holder "$FIP6" a
CHECK "heartbeats over IPv6: a hears b at $B6, configs match" \
    sh -c "'$TWINCTL' -f '$T/a.conf' status >'$T/logs/st-a' &&
        grep -q '^partner $B6 state ACTIVE' '$T/logs/st-a' &&
        grep -q '^partner-config matches' '$T/logs/st-a' &&
        grep -q '^floating-ip $FIPA6/64 on eth0 held holder self' '$T/logs/st-a'"
CHECK "the heartbeats really are IPv6 datagrams" \
    on b ss -Hnu state all "( sport = :7900 )" src "[$B6]"
CHECK "even IPv6 client c2 gets FIPA6 first" \
    wait_until 3 order_is c2 "$PA $PB"
CHECK "odd IPv6 client c1 gets FIPB6 first" \
    wait_until 3 order_is c1 "$PB $PA"
CHECK "a's WPAD server saw c2 over IPv6" grep -q "from $C26" "$T/logs/wpad-a.log"
CHECK "c2 browses through FIPA6" test "$(browse c2 s1)" = "$PA"
CHECK "a served it, for c2's IPv6 address, from the origin's" \
    wait_until 3 grep -q "$C26 TCP_MISS/200 .*\[$O6\]/hello?s1 .*HIER_DIRECT/$O6" \
        "$T/logs/access-a.log"
CHECK "c1 browses through FIPB6, served by b" \
    sh -c "test \"\$1\" = '$PB'" _ "$(browse c1 s2)"
CHECK "c2's IPv6 neighbour entry for FIPA6 is a's MAC" mac_for c2 "$FIPA6" a

# ---- a foreign neighbour advertisement --------------------------------------
cat >"$T/na.py" <<'EOP'
# na.py ADDR: send an unsolicited neighbour advertisement (override) for
# ADDR from this host's eth0 MAC, as a rogue host would.
import socket, struct, sys
tgt = socket.inet_pton(socket.AF_INET6, sys.argv[1])
allnodes = socket.inet_pton(socket.AF_INET6, "ff02::1")
mac = bytes.fromhex(open("/sys/class/net/eth0/address").read().strip()
                    .replace(":", ""))
icmp = bytearray(struct.pack("!BBHI", 136, 0, 0, 0x20000000) + tgt +
                 bytes([2, 1]) + mac)
pseudo = tgt + allnodes + struct.pack("!IxxxB", len(icmp), 58)
data = pseudo + bytes(icmp)
s = sum(data[i] << 8 | data[i + 1] for i in range(0, len(data), 2))
while s >> 16:
    s = (s & 0xffff) + (s >> 16)
icmp[2:4] = struct.pack("!H", ~s & 0xffff)
ip6 = struct.pack("!IHBB", 6 << 28, len(icmp), 58, 255) + tgt + allnodes
eth = bytes.fromhex("333300000001") + mac + b"\x86\xdd"
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sock.bind(("eth0", 0))
for _ in range(2):
    sock.send(eth + ip6 + bytes(icmp))
EOP
CHECK "c1 advertises FIPA6 as its own" on c1 python3 "$T/na.py" "$FIPA6"
# A busy machine may drop a frame on the way to a's capture: advertise
# again while waiting, as a real conflicting host keeps doing.
claim_seen() {
    grep -q "SPLIT BRAIN: .* also claims floating IP $FIPA6" "$T/logs/a.log" ||
        { on c1 python3 "$T/na.py" "$FIPA6"; return 1; }
}
CHECK "a detects the foreign claim of FIPA6" wait_until 3 claim_seen
CHECK "a keeps FIPA6 and re-announces it" \
    wait_until 3 grep -q "sent for $FIPA6 .*another MAC claimed" "$T/logs/a.log"
CHECK "c2's entry for FIPA6 is a's MAC after the re-announcement" \
    wait_until 3 mac_for c2 "$FIPA6" a

# ---- a's host dies ----------------------------------------------------------
LOOP_PAUSE=0.02 LOOP_CONNECT_TIMEOUT=0.2 loop_start c2 "$PA"
wait_until 5 loop_ok_after 0 || ERROR "the client loop gets no answer"
t_kill=$(now_ms)
link_down a
pair_kill a KILL
CHECK "b takes FIPA6" wait_until 5 holds_addr b "$FIPA6"
CHECK "b takes the IPv6 WPAD address" wait_until 3 holds_addr b "$FIP6"
CHECK "b announced FIPA6 with neighbour advertisements" \
    grep -q "unsolicited neighbour advertisement sent for $FIPA6" "$T/logs/b.log"
CHECK "b logged the reference takeover line for FIPA6" \
    grep -q "\[$FIPA6\] Standby System($A6) is an Active System renew\." "$T/logs/b.log"
CHECK "c2's IPv6 neighbour entry for FIPA6 is now b's MAC" \
    wait_until 3 mac_for c2 "$FIPA6" b
CHECK "c2's requests through FIPA6 succeed again" \
    wait_until 5 loop_ok_after $(( t_kill + 200 ))
sleep 0.5
outage=$(loop_gap_ms $(( t_kill - 1000 )))
echo "# client-side outage through FIPA6: ${outage} ms"
# Bounded well below a stale neighbour entry (tens of seconds): the
# client recovers because of the announcements. The outage itself is a
# speed figure, measured by tests/bench/ha_outage.sh.
CHECK "client-side outage through FIPA6 is bounded (< 3 s)" \
    test "$outage" -lt 3000
kill "$LOOP_PID" 2>/dev/null
CHECK "b's proxy served them" wait_until 3 grep -q 'hello?loop-' "$T/logs/access-b.log"
CHECK "c2 loads its script from b over IPv6, FIPA6 still first" \
    wait_until 3 order_is c2 "$PA $PB"
CHECK "b's WPAD server served it" grep -q "from $C26" "$T/logs/wpad-b.log"

# ---- a returns --------------------------------------------------------------
ip -n a addr flush dev eth0 scope global
ip -n a addr add "$A/$PFX" dev eth0
ip -n a addr add "$A6/$PFX6" dev eth0
link_up a
pair_start a
CHECK "a takes FIPA6 back (failback)" wait_until 8 only_holder "$FIPA6" a
CHECK "c2's entry for FIPA6 is a's MAC again" wait_until 3 mac_for c2 "$FIPA6" a
through_a() { test "$(browse c2 "$1")" = "$PA" && served_by a "$1"; }
CHECK "c2 browses through a again" wait_until 3 through_a s3

finish

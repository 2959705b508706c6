#!/bin/bash
# lib_check_icmp.sh - the ICMP echo check (lib/check_icmp.c) against real
# kernels.  Host a runs check_probe, which drives one checker and prints
# every result and change of state, towards host b.  Checks:
#   - b answers: UP after rise (2) replies, over a raw socket while a's
#     net.ipv4.ping_group_range admits nobody (the default), and a
#     ping-only check says why it cannot run;
#   - b's interface goes down: DOWN after fall (3) rounds without reply,
#     and UP again once it is back;
#   - with ping_group_range open, the check uses a ping socket instead;
#   - the source address: b drops echo requests from a's first address,
#     so only a check from a's second address is answered;
#   - IPv6 on a's loopback (the only IPv6 the test network has): ::1
#     answers over both sockets, and stops answering when nftables drops
#     echo requests.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"

need_cmd nft awk
PROBE=$TOP_BUILDDIR/tests/unit/check_probe
[ -x "$PROBE" ] || ERROR "check_probe not built: $PROBE"

A2=198.18.0.21          # a second address on a, for the source check

topo_init
topo_host a "$A/$PFX" "$A2/$PFX"
topo_host b "$B/$PFX"

# probe ARGS...: one bounded run of check_probe on a.
probe() { on a "$PROBE" -T 5000 "$@"; }

# nth LOG STATE_REGEX N KIND: the first line matching STATE_REGEX in LOG
# came with the N-th "result KIND" in a row.  A change is printed just
# before the result that made it, so the N-1 lines before the state line
# and the one after it are all "result KIND" lines.
nth() {
    awk -v re="$2" -v n="$3" -v kind="result $4:" '
        at && NR == at + 1 { after = index($0, kind) == 1; exit }
        !at && $0 ~ re { at = NR; next }
        { line[NR] = $0 }
        END {
            if (!at || !after || at - 1 < n - 1) exit 1
            for (i = at - n + 1; i < at; i++)
                if (index(line[i], kind) != 1) exit 1
            if (at - n >= 1 && index(line[at - n], kind) == 1) exit 1
        }' "$(logf "$1")"
}

# ---- b answers, then its interface goes down ----------------------------------

CHECK "a ping-only check says ping sockets are not allowed" \
    eval "probe -k icmp -m ping -n 1 $B | grep -q '^result fail: cannot open a ping socket: permission denied'"

spawn a probe.log "$PROBE" -k icmp -i 200 -t 300 -r 2 -f 3 -T 60000 "$B"
PROBE_PID=$SPAWN_PID
CHECK "b answers: UP, over a raw socket" \
    wait_until 5 grep -Eq '^state UNKNOWN -> UP: echo reply in [0-9]+ ms \(raw socket\)$' "$(logf probe.log)"
CHECK "UP only after two replies (rise 2)" \
    nth probe.log '^state UNKNOWN -> UP' 2 ok

ip -n b link set eth0 down
CHECK "b's interface is down: DOWN, no echo reply" \
    wait_until 5 grep -q '^state UP -> DOWN: no echo reply within 300 ms$' "$(logf probe.log)"
CHECK "DOWN only after three rounds without reply (fall 3)" \
    nth probe.log '^state UP -> DOWN' 3 fail

ip -n b link set eth0 up
CHECK "b's interface is back: UP again" \
    wait_until 10 grep -q '^state DOWN -> UP: echo reply' "$(logf probe.log)"
stop "$PROBE_PID"
CHECK "the checker ran to the end without error" \
    not grep -Eqi 'sanitizer|runtime error|fatal' "$(logf probe.log)"

# ---- ping sockets -----------------------------------------------------------------

_tp_sysctl a net.ipv4.ping_group_range="0 2147483647" ||
    ERROR "cannot open ping_group_range on a"
CHECK "ping_group_range open: the check uses a ping socket" \
    eval "probe -k icmp -n 1 $B | grep -Eq '^result ok: echo reply in [0-9]+ ms \(ping socket\)$'"
CHECK "a raw socket can still be asked for" \
    eval "probe -k icmp -m raw -n 1 $B | grep -q '(raw socket)$'"

# ---- source address -------------------------------------------------------------

on b nft -f - <<EOF || ERROR "cannot load nftables rules on b"
table inet t {
    chain in {
        type filter hook input priority 0;
        ip saddr $A icmp type echo-request drop
    }
}
EOF
CHECK "from a's first address: no echo reply" \
    eval "probe -k icmp -t 300 -n 1 $B | grep -q '^result fail: no echo reply within 300 ms$'"
CHECK "from a's second address (-s $A2): answered (ping socket)" \
    eval "probe -k icmp -s $A2 -n 1 $B | grep -q '^result ok: echo reply.*(ping socket)$'"
CHECK "from a's second address (-s $A2): answered (raw socket)" \
    eval "probe -k icmp -m raw -s $A2 -n 1 $B | grep -q '^result ok: echo reply.*(raw socket)$'"
CHECK "a source address a does not hold is refused" \
    eval "probe -k icmp -s 198.18.0.99 -n 1 $B | grep -q '^result fail: cannot bind source address 198.18.0.99'"

# ---- IPv6 on loopback -----------------------------------------------------------

for m in ping raw; do
    CHECK "::1 answers ($m socket)" \
        eval "probe -k icmp -m $m -n 1 ::1 | grep -q '^result ok: echo reply.*($m socket)$'"
done
on a nft -f - <<EOF || ERROR "cannot load nftables rules on a"
table inet t {
    chain in {
        type filter hook input priority 0;
        ip6 daddr ::1 icmpv6 type echo-request drop
    }
}
EOF
for m in ping raw; do
    CHECK "::1 with echo requests dropped: no echo reply ($m socket)" \
        eval "probe -k icmp -m $m -t 300 -n 1 ::1 | grep -q '^result fail: no echo reply within 300 ms$'"
done
finish

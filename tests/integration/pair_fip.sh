#!/bin/bash
# pair_fip.sh - active-active with a floating address per proxy, through
# the death of a whole host.
#
# a normally holds FIPA (its proxy's address) and the WPAD address FIP, b
# holds FIPB; both proxies listen on FIPA, FIPB and their real address;
# the script names FIPA and FIPB. Heartbeat 100 ms x 3. Checks:
#   - each peer holds its own address, status and logs show every address
#     and its holder; twinctl check catches a mismatched pair;
#   - even client c2's script names FIPA first, and c2 browses through a;
#   - a's host dies (switch port down, every daemon kill -9): b takes
#     FIPA and the WPAD address, logs the reference line per address,
#     c2's neighbour entry for FIPA moves to b's MAC, and c2 requesting
#     through FIPA all along sees an outage under 1 s;
#   - the same client with the script of the real-address form (a's real
#     address first) stalls for its connect timeout before falling back;
#   - twinctl release/takeover of one address moves only that address;
#   - a returns: failback gives FIPA and FIP back, the reference failback
#     line per address on both sides, c2's entry points at a again.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
export PAIR_INTERVAL_MS=100 PAIR_COUNT=3
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"
. "$(dirname "$0")/pair_lib.sh"

need_cmd curl python3 pactester

order_is() {
    local got
    got=$(pac_order "$1" | tr '\n' ' ') || return 1
    echo "$1 gets: $got"
    [ "$got" = "$2 " ]
}

pair_topo
pair_conf fip a "$A" "$B" primary
pair_conf fip b "$B" "$A" backup
# The real-address form of the same pair, for its script only.
mkdir -p "$T/real"
pair_conf wpad real "$A" "$B" primary
PA=$FIPA:8080
PB=$FIPB:8080

CHECK "twinctl check accepts both files" \
    sh -c "'$TWINCTL' check -q -f '$T/a.conf' && '$TWINCTL' check -q -f '$T/b.conf'"
# b's file with FIPA made its own too (and no wpad block naming it).
sed -e 's/prefer partner;/prefer self;/' -e '/^wpad {/,/^}/d' "$T/b.conf" \
    >"$T/bad.conf"
pair_check() {
    "$TWINCTL" check -q -f "$T/a.conf" -p "$T/$1.conf" 2>&1
}
mismatch() {
    local out
    out=$(pair_check bad) && { echo "$out"; return 1; }
    echo "$out"
    grep -q "floating-ip $FIPA: both peers would hold it" <<<"$out"
}
CHECK "twinctl check -p: a's and b's files make one pair" pair_check b
CHECK "twinctl check -p catches a mismatched pair" mismatch

pair_start a
pair_start b

# ---- both up: each holds its own address -----------------------------------
CHECK "a holds FIPA" wait_until 8 only_holder "$FIPA" a
CHECK "b holds FIPB (failback from a, which started first)" \
    wait_until 8 only_holder "$FIPB" b
CHECK "a holds the WPAD address" wait_until 3 only_holder "$FIP" a
CHECK "a's status lists every address with its holder" \
    sh -c "'$TWINCTL' -f '$T/a.conf' status >'$T/logs/st-a' &&
        grep -q '^floating-ip $FIPA/24 on eth0 held holder self normally self' '$T/logs/st-a' &&
        grep -q '^floating-ip $FIPB/24 on eth0 not-held holder partner normally partner' '$T/logs/st-a' &&
        grep -q '^floating-ip $FIP/24 on eth0 held holder self normally self' '$T/logs/st-a' &&
        grep -q '^partner-config matches' '$T/logs/st-a' &&
        grep -q '^This server: running as active\.' '$T/logs/st-a' &&
        grep -q '^Partner server: running as active\.' '$T/logs/st-a'"
CHECK "wpad on a has seen the partner's proxy up" \
    wait_log wpad-a.log "proxy $FIPB:8080 is up"
CHECK "even client c2 gets FIPA first, then FIPB" \
    wait_until 3 order_is c2 "$PA $PB"
CHECK "odd client c1 gets FIPB first, then FIPA" \
    wait_until 3 order_is c1 "$PB $PA"
CHECK "c2 browses through a" test "$(browse c2 f1)" = "$PA"
CHECK "a served it" wait_until 3 served_by a f1
CHECK "c1 browses through b" test "$(browse c1 f2)" = "$PB"
CHECK "b served it" wait_until 3 served_by b f2
CHECK "c2's neighbour entry for FIPA is a's MAC" mac_for c2 "$FIPA" a
# What the real-address script would give c2.
"$TWINCTL" -f "$T/real.conf" pac --client "$C2" >"$T/real.pac" ||
    ERROR "twinctl pac on the real-address config failed"
real_order=$(pactester -p "$T/real.pac" -c "$C2" -u "http://$O/hello" |
    tr ';' '\n' | sed -n 's/^ *PROXY //p' | tr '\n' ' ')
CHECK "the real-address script names a's real address first for c2" \
    test "$real_order" = "$A:8080 $B:8080 "

# ---- a's host dies -----------------------------------------------------------
LOOP_PAUSE=0.02 LOOP_CONNECT_TIMEOUT=0.2 loop_start c2 "$PA"
wait_until 5 loop_ok_after 0 || ERROR "the client loop gets no answer"
t_kill=$(now_ms)
link_down a
pair_kill a KILL
CHECK "b takes FIPA" wait_until 5 holds_addr b "$FIPA"
CHECK "b takes the WPAD address" wait_until 3 holds_addr b "$FIP"
echo "# FIPA on b $(( $(now_ms) - t_kill )) ms after a's host died"
CHECK "c2's requests through FIPA succeed again" \
    wait_until 5 loop_ok_after $(( t_kill + 200 ))
sleep 0.5
outage=$(loop_gap_ms $(( t_kill - 1000 )))
echo "# client-side outage through FIPA: ${outage} ms"
# Bounded well below a stale neighbour entry (tens of seconds): the
# client recovers because of the announcements. The outage itself is a
# speed figure, measured by tests/bench/ha_outage.sh.
CHECK "client-side outage through FIPA is bounded (< 3 s)" \
    test "$outage" -lt 3000
kill "$LOOP_PID" 2>/dev/null
CHECK "b's proxy served c2's requests for FIPA" \
    wait_until 3 grep -q 'hello?loop-' "$T/logs/access-b.log"
CHECK "c2's neighbour entry for FIPA is now b's MAC" \
    wait_until 3 mac_for c2 "$FIPA" b
CHECK "b logged the reference takeover line for FIPA" \
    grep -q "\[$FIPA\] Standby System($A) is an Active System renew\." "$T/logs/b.log"
CHECK "b logged the reference takeover line for the WPAD address" \
    grep -q "\[$FIP\] Standby System($A) is an Active System renew\." "$T/logs/b.log"
CHECK "b's status: it holds all three addresses" \
    sh -c "'$TWINCTL' -f '$T/b.conf' status >'$T/logs/st-b' &&
        test \$(grep -c '^floating-ip .* held holder self' '$T/logs/st-b') -eq 3"
# c2 as a browser with its loaded script: FIPA answers at once.
t0=$(now_us)
CHECK "c2 browses through FIPA (now on b)" test "$(browse c2 f3)" = "$PA"
CHECK "...without waiting for a connect timeout" elapsed_within "$t0" 0 0.7
CHECK "b served it" wait_until 3 served_by b f3
# The same client with the real-address script: a's real address first.
real_browse() {
    local p
    for p in $real_order; do
        fetch_via c2 "$p" "$1" >/dev/null 2>&1 && { echo "$p"; return 0; }
    done
    return 1
}
t0=$(now_us)
CHECK "with the real-address script c2 falls back to b's real address" \
    test "$(real_browse f4)" = "$B:8080"
CHECK "...after stalling for its connect timeout (1 s)" \
    elapsed_within "$t0" 1 3

# ---- one address by hand -----------------------------------------------------
CHECK "twinctl release of an address nobody else can take is refused" \
    refused b release "$FIPB"
CHECK "twinctl takeover of an unknown address is refused" \
    refused b takeover 198.18.0.99

# ---- a returns ---------------------------------------------------------------
# A host that comes back after losing power has none of its old addresses.
ip -n a addr flush dev eth0 scope global
ip -n a addr add "$A/$PFX" dev eth0
link_up a
: >"$T/logs/a.log"
: >"$T/logs/b.log"
pair_start a
CHECK "a takes FIPA back (failback)" wait_until 8 only_holder "$FIPA" a
CHECK "a takes the WPAD address back" wait_until 5 only_holder "$FIP" a
CHECK "b keeps FIPB" only_holder "$FIPB" b
CHECK "a logged the reference failback line for FIPA" \
    wait_until 3 grep -q "\[$FIPA\] Standby System($B) is a Enable\." "$T/logs/a.log"
CHECK "b logged the reference failback line for FIPA" \
    wait_until 3 grep -q "\[$FIPA\] Standby System($B) is a Enable\." "$T/logs/b.log"
CHECK "c2's neighbour entry for FIPA is a's MAC again" \
    wait_until 3 mac_for c2 "$FIPA" a
through_a() { test "$(browse c2 "$1")" = "$PA" && served_by a "$1"; }
CHECK "c2 browses through a again" wait_until 3 through_a f5

# ---- one address moved by hand ----------------------------------------------
CHECK "twinctl release FIPB on b" ctl b release "$FIPB"
CHECK "a now holds FIPB" wait_until 3 only_holder "$FIPB" a
CHECK "the WPAD address stays on a" only_holder "$FIP" a
CHECK "b's status says FIPB was released by hand" \
    status_has b "^instance $FIPB state STANDBY .*released-by-hand"
CHECK "twinctl takeover FIPB on b" ctl b takeover "$FIPB"
own_again() { only_holder "$FIPB" b && only_holder "$FIPA" a; }
CHECK "b holds FIPB again, a keeps FIPA" wait_until 3 own_again

finish

#!/bin/bash
# pair.sh - the demo: a twinproxy pair at work, told in plain words.
#
# Builds a small office in network namespaces (peers a and b, two clients,
# an origin web server; addresses of 198.18.0.0/24 only), runs the pair in
# active-standby mode through a failure and a failback, then in
# active-active mode with WPAD and a floating address per proxy through
# the death of a host, and removes everything when it ends.
# Run by scripts/demo.sh; needs root (or user namespaces).

set -u
export TP_QUIET=1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib.sh"
. "$here/../integration/ha_lib.sh"
. "$here/../integration/pair_lib.sh"

need_cmd curl python3 pactester
DEMO_BAD=0

say() { printf '   %s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }
quote() { sed 's/^/      | /'; }
# expect DESC CMD...: run a check quietly; say so if it does not hold.
expect() {
    local d=$1
    shift
    if ! "$@" >/dev/null 2>&1; then
        say "!! this did not happen as it should: $d"
        DEMO_BAD=1
    fi
}
logline() { grep -m1 -E "$2" "$T/logs/$1" | sed 's/^[0-9-]* [0-9:.]* //'; }
lastline() { grep -E "$2" "$T/logs/$1" | tail -n 1 | sed 's/^[0-9-]* [0-9:.]* //'; }
holder() { local h; h=$(holders); h=${h% }; echo "${h:-nobody}"; }

step "The office network"
pair_topo
say "Built in network namespaces, joined by one switch:"
say "  peer a  $A   (default active)      peer b  $B   (default standby)"
say "  client c1  $C1 (odd)   client c2  $C2 (even)   origin web server $O"
say "  floating IP $FIP: held by whichever peer is active."

step "Part 1: active-standby - clients use $FIP:8081 as their proxy"
pair_conf standby a "$A" "$B" primary
pair_conf standby b "$B" "$A" backup
pair_start a
pair_start b
expect "a holds the floating IP" wait_until 5 one_holder a
say "Both peers run twin-ha and twin-proxy. The floating IP is on: $(holder)"
say "twinctl status on a:"
"$TWINCTL" -f "$T/a.conf" status | head -n 2 | quote
say "twinctl status on b:"
"$TWINCTL" -f "$T/b.conf" status | head -n 2 | quote
expect "c1 gets the page" fetch_via c1 "$FIP:8081" demo1
say "c1 asks for http://$O/hello through $FIP:8081 and gets:"
on c1 curl -s -m 3 -x "http://$FIP:8081" "http://$O/hello?demo2" | quote
wait_until 3 served_by a demo2 >/dev/null
say "a's access log (Squid format) shows who served it:"
lastline access-a.log 'demo2' | quote
expect "c2 gets the same page" fetch_via c2 "$FIP:8081" demo2
wait_until 3 grep -q 'TCP_MEM_HIT.*demo2' "$T/logs/access-a.log" >/dev/null
expect "the second request is a cache hit" \
    grep -q 'TCP_MEM_HIT.*demo2' "$T/logs/access-a.log"
say "c2 asks for the same page; a answers from its memory cache:"
lastline access-a.log 'TCP_MEM_HIT.*demo2' | quote

step "Peer a fails: all its daemons are killed with kill -9"
loop_start c1 "$FIP:8081"
wait_until 5 loop_ok_after 0 >/dev/null
say "c1 now sends a request every 100 ms."
t_kill=$(now_ms)
pair_kill a KILL
expect "b takes over" wait_until 5 holds b
took=$(( $(now_ms) - t_kill ))
say "b took the floating IP over $took ms later" \
    "(heartbeat every ${PAIR_INTERVAL_MS} ms, $PAIR_COUNT missed)."
say "b's log:"
{ logline b.log 'Active System renew'; logline b.log 'gratuitous ARP sent'; } |
    quote
expect "c1's requests succeed again" wait_until 5 loop_ok_after "$t_kill"
sleep 0.5
say "c1's requests went through again; the longest time without an answer" \
    "was $(loop_gap_ms "$t_kill") ms."
say "They are now in b's access log:"
lastline access-b.log 'loop-' | quote
kill "$LOOP_PID" 2>/dev/null
say "twinctl status on b:"
"$TWINCTL" -f "$T/b.conf" status | head -n 2 | quote

step "Peer a comes back (failback yes, after 1 s)"
pair_start a
expect "a takes the floating IP back" wait_until 8 one_holder a
say "a started as standby, then took the service back. Floating IP on: $(holder)"
say "a's log:"
{ lastline a.log 'state INIT -> '; lastline a.log 'state STANDBY -> ACTIVE';
  lastline a.log 'is a Enable'; } | quote
say "b's log:"
logline b.log 'is a Enable' | quote
expect "c2 gets the page through a" wait_until 3 fetch_via c2 "$FIP:8081" demo3
expect "a served it" wait_until 3 served_by a demo3
say "c2's next request is served by a again:"
lastline access-a.log 'demo3' | quote
pair_kill a TERM
pair_kill b TERM

step "Part 2: active-active with WPAD - browsers load http://$FIP/wpad.dat"
pair_conf fip a "$A" "$B" primary
pair_conf fip b "$B" "$A" backup
pair_start a
pair_start b
expect "a holds FIPA" wait_until 8 only_holder "$FIPA" a
expect "b holds FIPB" wait_until 8 only_holder "$FIPB" b
expect "a holds the WPAD address" wait_until 3 only_holder "$FIP" a
order_ok() { [ "$(pac_order c2 | head -n 1)" = "$FIPA:8080" ]; }
expect "wpad sees both proxies" wait_until 5 order_ok
say "Each proxy has a floating address of its own, normally on its own peer:"
say "  a's proxy $FIPA on: $(holders_of "$FIPA")  b's proxy $FIPB on: $(holders_of "$FIPB")"
say "  the WPAD server $FIP on: $(holders_of "$FIP")"
say "Both proxies listen on both addresses; twinctl status on a says:"
"$TWINCTL" -f "$T/a.conf" status | grep '^floating-ip' | quote
for c in c2 c1; do
    pac_fetch "$c"
    order=$(pac_cached_order "$c" | tr '\n' ' ')
    say "$c ($(pac_client_ip "$c")) loads wpad.dat; pactester says: ${order% }"
done
same_on_b() {
    "$TWINCTL" -f "$T/b.conf" pac --client "$C2" | grep -v '^//' |
        cmp -s - <(grep -v '^//' "$T/c2.pac")
}
expect "peer b generates the same script for c2" same_on_b
say "Even clients use a first, odd clients b first, each falling back to"
say "the other; peer b's own generator gives c2 the very same script."
p2=$(browse c2 demo4)
p1=$(browse c1 demo5)
say "c2 browses through $p2, c1 through $p1:"
wait_until 3 served_by a demo4 >/dev/null
wait_until 3 served_by b demo5 >/dev/null
{ lastline access-a.log 'demo4' | sed 's/^/a: /'
  lastline access-b.log 'demo5' | sed 's/^/b: /'; } | quote

step "a's whole host dies (cable pulled, every daemon killed)"
link_down a
pair_kill a KILL
expect "b takes FIPA" wait_until 5 holds_addr b "$FIPA"
say "b takes a's proxy address too:"
logline b.log "\[$FIPA\] Standby System" | quote
t0=$(now_ms)
p2=$(browse c2 demo6)
took=$(( $(now_ms) - t0 ))
expect "c2 got through FIPA, on b" test "$p2" = "$FIPA:8080"
expect "b served it" wait_until 3 served_by b demo6
say "c2 keeps the script it loaded (a browser never reloads it) and still"
say "uses $p2 first: the page came from b in $took ms, no connect timeout:"
lastline access-b.log 'demo6' | sed 's/^/b: /' | quote
say "(A script naming a's real address would have made c2 wait for its"
say "connect timeout: about 8 s in Chromium, 90 s in Firefox.)"

step "The end"
if [ "$DEMO_BAD" = 0 ]; then
    say "Everything happened as described. Cleaning up: every namespace,"
    say "process and file of the demo is removed."
else
    say "Something above did not happen as it should (marked !!)."
fi
exit "$DEMO_BAD"

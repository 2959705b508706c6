#!/bin/bash
# pair_standby.sh - the pair in active-standby mode, end to end.
#
# Both proxies listen on F-IP:8081 and their real IP; clients use
# F-IP:8081. Checks, from real client traffic, logs and status:
#   - requests go through a (the default active) and appear in a's log;
#   - twinctl status on each peer shows both roles;
#   - kill -9 of all a's daemons: b takes over within interval x count +
#     one interval (plus documented slack), logs the reference line,
#     requests succeed again and appear in b's log; the outage is printed;
#   - a restarts: failback after failback-delay, the reference failback
#     line on both sides, requests through a again;
#   - a's link goes down: b takes over; the link comes back: failback.
# Heartbeat 200 ms x 3: takeover bound 800 ms, with 400 ms of slack for a
# sanitizer build on a busy machine (bound 1200 ms).

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"
. "$(dirname "$0")/pair_lib.sh"

need_cmd curl python3
BOUND=$(( PAIR_INTERVAL_MS * (PAIR_COUNT + 1) + 400 ))

pair_topo
pair_conf standby a "$A" "$B" primary
pair_conf standby b "$B" "$A" backup
pair_start a
pair_start b

# ---- normal operation ------------------------------------------------------
CHECK "a, the default active, holds the floating IP" wait_until 5 one_holder a
CHECK "c1 gets the page through F-IP:8081" fetch_via c1 "$FIP:8081" n1
CHECK "c2 gets the page through F-IP:8081" fetch_via c2 "$FIP:8081" n2
CHECK "a's access log shows both requests" \
    wait_until 3 sh -c "grep -q 'hello?n1 ' '$T/logs/access-a.log' &&
        grep -q 'hello?n2 ' '$T/logs/access-a.log'"
CHECK "b's access log shows none of them" not_served_by b n1
CHECK "a's status: running as active" \
    status_has a '^This server: running as active\.$'
CHECK "a's status: partner running as standby" \
    status_has a '^Partner server: running as standby\.$'
CHECK "b's status: running as standby, partner active" \
    sh -c "'$TWINCTL' -f '$T/b.conf' status | grep -q '^This server: running as standby\.' &&
        '$TWINCTL' -f '$T/b.conf' status | grep -q '^Partner server: running as active\.'"

# ---- a dies ---------------------------------------------------------------
loop_start c1 "$FIP:8081"
wait_until 5 loop_ok_after 0 || ERROR "the client loop gets no answer"
t_kill=$(now_ms)
pair_kill a KILL
CHECK "b holds the floating IP after a's daemons are killed" \
    wait_until 5 holds b
took=$(( $(now_ms) - t_kill ))
echo "# takeover seen ${took} ms after kill -9 (bound ${BOUND} ms)"
CHECK "takeover within interval x count + interval (+slack)" \
    test "$took" -le "$BOUND"
CHECK "b logged the reference takeover line" \
    grep -q "Standby System($A) is an Active System renew\." "$T/logs/b.log"
CHECK "b logged the gratuitous ARP" \
    grep -q "gratuitous ARP sent for $FIP" "$T/logs/b.log"
CHECK "the client's requests succeed again" wait_until 5 loop_ok_after "$t_kill"
outage=$(loop_gap_ms "$t_kill")
echo "# client-side outage: ${outage} ms without a successful request"
CHECK "client-side outage below interval x count + 1 s" \
    test "$outage" -le $(( PAIR_INTERVAL_MS * PAIR_COUNT + 1000 ))
CHECK "requests after the takeover appear in b's access log" \
    wait_until 3 grep -q 'hello?loop-' "$T/logs/access-b.log"
CHECK "c2 gets the page through F-IP:8081 from b" fetch_via c2 "$FIP:8081" n3
CHECK "b served it" wait_until 3 served_by b n3
CHECK "b's status: running as active, partner communication error" \
    sh -c "'$TWINCTL' -f '$T/b.conf' status | grep -q '^This server: running as active\.' &&
        '$TWINCTL' -f '$T/b.conf' status | grep -q '^Partner server: communication error'"
kill "$LOOP_PID" 2>/dev/null

# ---- a comes back: failback ------------------------------------------------
: >"$T/logs/a.log"
pair_start a
CHECK "a takes the floating IP back after failback-delay" \
    wait_until 6 one_holder a
CHECK "a logged the reference failback line" \
    wait_until 3 grep -q "Standby System($B) is a Enable\." "$T/logs/a.log"
CHECK "b logged the reference failback line" \
    wait_until 3 grep -q "Standby System($B) is a Enable\." "$T/logs/b.log"
CHECK "c1 gets the page through F-IP:8081 again" \
    wait_until 3 fetch_via c1 "$FIP:8081" n4
CHECK "a served it" wait_until 3 served_by a n4

# ---- a's link goes down ----------------------------------------------------
t_down=$(now_ms)
link_down a
CHECK "b takes over when a's link goes down" wait_until 5 one_holder b
echo "# takeover $(( $(now_ms) - t_down )) ms after a's link went down"
CHECK "c2 gets the page through F-IP:8081 from b" \
    wait_until 3 fetch_via c2 "$FIP:8081" n5
CHECK "b served it" wait_until 3 served_by b n5
link_up a
CHECK "a takes the floating IP back when its link returns" \
    wait_until 8 one_holder a
CHECK "c1 gets the page through a again" \
    wait_until 3 fetch_via c1 "$FIP:8081" n6
CHECK "a served it" wait_until 3 served_by a n6

finish

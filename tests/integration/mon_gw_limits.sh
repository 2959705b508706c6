#!/bin/bash
# mon_gw_limits.sh - the gateway's safety limits, in the set-up of
# mon_gw.sh (peer b reaches the center only by CONNECT through its own
# twin-proxy) with small targets on b's loopback (mon_gw_targets.py):
#   - 20 MB from the operator's standard input, a regular file, reach
#     the target whole (sha256);
#   - a stalled operator (twinctl center connect whose standard output
#     nobody reads) while the target sends zeros as fast as it is let:
#     the target is held back, and the agent's and the center's RSS stay
#     within 16 MB of what they were, for 6 s of it;
#   - the idle timeout (the agent's 2s, smaller than the center's) ends a
#     silent session, logged at both ends as idle-timeout, after 2 to 4 s;
#   - the absolute limit (the agent's 4s) ends a session that a byte
#     every 300 ms keeps from idling, logged at both ends as max-time,
#     after 4 to 6 s;
#   - the agent's gateway turned off (reload): the operator is refused at
#     once (not after gateway-connect-timeout, 10s) and told why.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mon_lib.sh"

need_cmd /usr/bin/python3
# Under AddressSanitizer, freed memory would stay in its quarantine and
# pass for buffering in the RSS figures.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"
TWIN_PROXY=$TOP_BUILDDIR/twin-proxy
TARGETS=$TOP_SRCDIR/tests/integration/mon_gw_targets.py

topo_init
topo_host b "$B/24"
mon_topo_center
mon_site_routes b

mon_certs
mon_operator

mon_center_conf "operator-ca-file \"$T/opca.crt\"" \
    "gateway-operator \"operator-1=$OPHASH\"" "gateway-connect-timeout 10s" \
    "gateway-idle-timeout 60s" "gateway-max-time 1h"
mon_center_start
mon_register "$SITE" b || ERROR "registration failed: $(cat "$T/logs/register.log")"

mkdir -p "$T/run-b" "$T/plogs"
chown nobody "$T/plogs"
# b_conf GATEWAY-SETTING...: b's config, its proxy and its agent.
b_conf() {
    local s
    {
        echo "peer { name b; address $B; run-dir \"$T/run-b\"; user nobody; }"
        echo "proxy { listen $B:8081; allow 198.18.0.0/24; access-log \"$T/plogs/access-b.log\"; }"
        echo "report {"
        echo "    center $CTR:443; proxy $B:8081; site-id $SITE;"
        echo "    device-id-file \"$T/b.devid\"; certificate \"$T/site.pem\";"
        echo "    ca-file \"$T/ca.crt\"; spool-dir \"$T/spool-b\"; user daemon;"
        echo "    alive-interval 60s; timeout 3s;"
        echo "    gateway-allow 127.0.0.1:5001; gateway-allow 127.0.0.1:5002;"
        echo "    gateway-allow 127.0.0.1:5003; gateway-allow 127.0.0.1:5004;"
        for s in "$@"; do echo "    $s;"; done
        echo "}"
    } >"$T/b.conf.new" && mv "$T/b.conf.new" "$T/b.conf"
}
b_conf "gateway on" "gateway-idle-timeout 60s"
spawn b proxy-b.log "$TWIN_PROXY" -d -f "$T/b.conf"
wait_port b "$B" 8081
mon_agent_start b
spawn b targets.log /usr/bin/python3 "$TARGETS" 5001 "$T/logs/zeros.log" 60
wait_port b 127.0.0.1 5004
polls() { grep -q "gateway: $SITE/b polls from" "$T/logs/center.log"; }
wait_until 10 polls || ERROR "the agent does not poll the center"

OPARGS=(-f "$T/center.conf" center connect -a "$T/ca.crt" -c "$T/operator.pem"
    -i "$T/operator.id" "$SITE" b)
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
sent() { awk '$1 == "sent" { n = $2 } END { print n + 0 }' "$T/logs/zeros.log"; }

# --- An upload from a regular file --------------------------------------
head -c 20000000 /dev/urandom >"$T/big" || ERROR "cannot write the big file"
SUM=$(sha256sum <"$T/big" | cut -d' ' -f1)
upload() {
    on op timeout 60 "$TWINCTL" "${OPARGS[@]}" 5004 <"$T/big" >/dev/null
}
CHECK "twinctl sends a 20 MB file (standard input a regular file)" upload
sunk() { grep -q "^sink $SUM 20000000\$" "$T/logs/zeros.log"; }
CHECK "the target got it whole (sha256)" wait_until 10 sunk

# --- A stalled operator -------------------------------------------------
# Its standard input stays open (no end of session), its standard output
# is a pipe held open here and never read.
AGENT=${AGENT_PID[b]}
agent_rss0=$(rss_kb "$AGENT")
center_rss0=$(rss_kb "$CENTER_PID")
mkfifo "$T/stall.in" "$T/stall.out"
exec {hold_in}<>"$T/stall.in" {hold_out}<>"$T/stall.out"
: >"$T/logs/zeros.log"
spawn op stall.log bash -c 'i=$1 o=$2; shift 2; exec "$@" <"$i" >"$o"' - "$T/stall.in" \
    "$T/stall.out" "$TWINCTL" "${OPARGS[@]}" 5001
STALL=$SPAWN_PID
stalled_open() {
    grep -q "gateway: session [0-9a-f]* open: operator operator-1 site $SITE peer b target 127.0.0.1:5001" \
        "$T/logs/center.log" && [ "$(sent)" -gt 0 ]
}
CHECK "the stalled operator's session opens and the target sends" \
    wait_until 10 stalled_open
# bounded: 24 samples, 250 ms apart; every one within 16 MB of the start.
bounded() {
    local i a c worst_a=0 worst_c=0
    for ((i = 0; i < 24; i++)); do
        kill -0 "$STALL" 2>/dev/null || { echo "twinctl ended"; return 1; }
        a=$(( $(rss_kb "$AGENT") - agent_rss0 ))
        c=$(( $(rss_kb "$CENTER_PID") - center_rss0 ))
        [ "$a" -gt "$worst_a" ] && worst_a=$a
        [ "$c" -gt "$worst_c" ] && worst_c=$c
        sleep 0.25
    done
    echo "# RSS growth at most: agent ${worst_a} kB, center ${worst_c} kB; target sent $(sent) bytes" |
        tee /dev/fd/"$TP_FD_OUT"
    [ "$worst_a" -le 16384 ] && [ "$worst_c" -le 16384 ]
}
CHECK "for 6 s of a stalled operator, the agent's and the center's RSS stay within 16 MB" \
    bounded
held_back() {
    local n
    n=$(sent)
    echo "# the target could send $n bytes"
    [ "$n" -lt 67108864 ]
}
CHECK "the target is held back (under 64 MB sent in all that time)" held_back
s1=$(sent)
sleep 1
CHECK "and sends nothing more while the operator does not read" test "$(sent)" -lt $((s1 + 4194304))
stop "$STALL"
exec {hold_in}>&- {hold_out}>&-
stall_end() {
    grep -q "gateway: center session .* target 127.0.0.1:5001 .* end operator closed" \
        "$T/logs/center.log"
}
CHECK "the operator's end ends the session" wait_until 10 stall_end

# --- The agent's smaller limits ----------------------------------------
b_conf "gateway on" "gateway-idle-timeout 2s" "gateway-max-time 4s"
kill -HUP "$AGENT"
sleep 1
wait_until 10 polls || ERROR "the agent does not poll the center"

# session PORT SECONDS: an operator that sends nothing for up to SECONDS
# (standard input open), its output to $T/out.PORT; true if it ended.
session() {
    on op timeout "$2" bash -c 'exec "$@" < <(exec sleep "$0")' "$2" "$TWINCTL" \
        "${OPARGS[@]}" "$1" >"$T/out.$1" 2>"$T/err.$1"
    [ $? -ne 124 ]
}
# ended SIDE LOG PORT WHY LOW HIGH: SIDE logged the session to PORT as
# ended for WHY, with a duration from LOW to HIGH seconds.
ended() {
    local line d
    line=$(grep -E "gateway: $1 session [0-9a-f]{32} operator operator-1 site $SITE peer b target 127.0.0.1:$3 bytes up [0-9]+ down [0-9]+ duration [0-9.]+s end $4\$" \
        "$T/logs/$2" | tail -1)
    [ -n "$line" ] || { echo "no such line in $2"; return 1; }
    d=${line##*duration }
    d=${d%%s end*}
    echo "# $1: duration $d s (want $5 to $6)"
    awk -v d="$d" -v l="$5" -v h="$6" 'BEGIN { exit !(d >= l && d <= h) }'
}

t0=$(now_us)
CHECK "a silent session ends by itself" session 5002 12
CHECK "after the idle timeout (2 to 5 s)" elapsed_within "$t0" 2 5
CHECK "the center logged it: idle-timeout, after 2 to 4 s" \
    wait_until 3 ended center center.log 5002 idle-timeout 2 4
CHECK "the agent logged it: idle-timeout" \
    wait_until 3 ended site report-b.log 5002 idle-timeout 2 4

t0=$(now_us)
CHECK "a session kept busy (a byte every 300 ms) ends by itself" session 5003 15
CHECK "after the absolute limit (4 to 7 s)" elapsed_within "$t0" 4 7
CHECK "the bytes kept coming until then (at least 8)" \
    test "$(stat -c %s "$T/out.5003")" -ge 8
CHECK "the center logged it: max-time, after 4 to 6 s" \
    wait_until 3 ended center center.log 5003 max-time 4 6
CHECK "the agent logged it: max-time" \
    wait_until 3 ended site report-b.log 5003 max-time 4 6

# --- Gateway off ----------------------------------------------------------
b_conf "gateway off"
kill -HUP "$AGENT"
said_off() { grep -q "gateway: $SITE/b says its gateway is off" "$T/logs/center.log"; }
CHECK "the agent, reloaded with gateway off, tells the center" wait_until 10 said_off
refused_off() {
    local rv
    on op timeout 20 "$TWINCTL" "${OPARGS[@]}" 5002 </dev/null >/dev/null \
        2>"$T/off.err"
    rv=$?
    cat "$T/off.err"
    [ "$rv" -ne 0 ] && grep -q "answered 502: gateway: site $SITE peer b has its gateway off" "$T/off.err"
}
t0=$(now_us)
CHECK "an operator is refused: the gateway is off" refused_off
CHECK "at once (under 2 s, not the 10 s connect timeout)" elapsed_within "$t0" 0 2
CHECK "the center logged the refusal" \
    grep -q "gateway: operator operator-1 from $OPS:[0-9]*: site $SITE peer b has its gateway off" \
        "$T/logs/center.log"
CHECK "the agent reports gateway off" bash -c "'$TWINCTL' -f '$T/b.conf' report status | grep -qx 'gateway off'"

finish

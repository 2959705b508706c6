#!/bin/bash
# lb_reload.sh - twin-lb's reload and drain, with real nginx servers:
#   - SIGHUP carries each server's state over by name: a server down
#     before the reload is down after it (not revived), its counters go
#     on;
#   - reloads under load (a bounded request loop, new and keep-alive
#     connections) lose no request, while servers are added and removed
#     and a listener comes and goes;
#   - a request in flight to a server the reload removes completes;
#   - a broken config is refused and the running one kept;
#   - SIGTERM stops accepting, lets the request in progress finish and
#     exits 0 with the access log written.

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl python3 nginx
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/lb_lib.sh"

lb_topo a c1 c2 s1 s2 s3
lb_nginx s1 "$S1"
lb_nginx s2 "$S2"
lb_nginx s3 "$S3"
lb_secret

EXTRA=("server s3 $S3:80")
SCHED=round-robin
lb_conf() {
    conf_peer
    conf_block "cluster web" "listen $A:80" "${LISTEN2[@]}" \
        "server s1 $S1:80" "server s2 $S2:80" "${EXTRA[@]}" \
        "scheduler $SCHED" "persist cookie" "cookie-always yes" \
        "secret-file $PX/lb.key" "check tcp" "icmp-check no" \
        "check-interval 300ms" "check-timeout 200ms" "check-strikeout 2" \
        "check-rise 2" "access-log $PX/access.log"
}
LISTEN2=()
conf_write "$CONF" lb_conf
lb_start
U=http://$A
nreload=0
# reload: write the config from the variables, SIGHUP, wait for it.
reload() {
    conf_write "$CONF" lb_conf
    kill -HUP "$LB_PID"
    nreload=$((nreload + 1))
    wait_until 5 reloaded "$nreload" ||
        ERROR "reload $nreload did not take effect"
}
requests_of() { lb_ctl servers | awk -v s="$1" '$2 == s { print $5 }'; }

# ---- state across a reload ----------------------------------------------------------

for i in 1 2 3 4 5 6; do get c1 "$U/" >/dev/null; done
lb_nginx_stop s2
CHECK "s2 stopped: down" wait_until 5 state_is web s2 down
before=$(requests_of s1)
SCHED=static-weight
reload
CHECK "right after a reload, the down server is still down" state_is web s2 down
CHECK "and its checks were carried: it is not revived" \
    not grep -q 'server s2 is up' "$(logf lb.log)"
CHECK "the counters go on" test "$(requests_of s1)" -ge "$before"
lb_nginx s2 "$S2"
CHECK "s2 restarted: up" wait_until 5 state_is web s2 up

# ---- a request in flight to a server the reload removes ------------------------------

jar_s3() {
    local i
    for i in 1 2 3 4 5 6; do
        [ "$(get c1 "$U/" -c "$T/jar3")" = s3 ] && return 0
    done
    return 1
}
CHECK "a cookie for s3" jar_s3
on c1 curl -sS -m 20 -b "$T/jar3" -o "$T/slow.out" -w '%{http_code}' \
    "$U/slow/5k" >"$T/slow.code" 2>&1 &
SLOW=$!
# active_on SERVER: lb servers shows a connection on SERVER (a regex); the
# last answer stays in $T/servers.out for the log when it never does.
active_on() {
    lb_ctl servers >"$T/servers.out" 2>&1
    grep -Eq "^web $1 [a-z]+ [1-9]" "$T/servers.out"
}
servers_said() { sed "s/^/#   lb servers: /" "$T/servers.out" >&"$TP_FD_OUT"; }
CHECK "a slow download from s3 is under way" wait_until 3 active_on s3 ||
    servers_said
EXTRA=()
reload
CHECK "s3 is gone from the cluster" not state_is web s3 up
wait "$SLOW"
CHECK "the download from the removed server completed" \
    bash -c '[ "$(cat "$1")" = 200 ] && [ "$(wc -c <"$2")" = 5120 ]' _ "$T/slow.code" "$T/slow.out"

# ---- reloads under load ------------------------------------------------------------

on c1 python3 "$LB_CLIENT" load "$A" 80 / 1500 40 >"$T/load1.out" 2>&1 &
L1=$!
on c2 python3 "$LB_CLIENT" load "$A" 80 /hdr 1500 40 >"$T/load2.out" 2>&1 &
L2=$!
for step in 1 2 3 4 5 6; do
    sleep 0.3
    case $step in
        1) EXTRA=("server s3 $S3:80") ;;
        2) LISTEN2=("listen $A:8080") ;;
        3) EXTRA=() SCHED=least-connections ;;
        4) EXTRA=("server s3 $S3:80 weight 3") SCHED=static-weight ;;
        5) LISTEN2=() ;;
        6) SCHED=round-robin ;;
    esac
    reload
    [ "$step" = 2 ] && CHECK "a listener added by a reload accepts" \
        test "$(status c1 "http://$A:8080/")" = 200
done
wait "$L1"
r1=$?
wait "$L2"
r2=$?
cat "$T/load1.out" "$T/load2.out" | sed 's/^/# /'
CHECK "six reloads under load: every request of client 1 answered" test "$r1" = 0
CHECK "and of client 2" test "$r2" = 0
CHECK "a listener a reload dropped is closed" not port_open c1 "$A" 8080

# ---- a broken config ------------------------------------------------------------------

echo "cluster web { listen $A:80; server ; }" >"$CONF"
kill -HUP "$LB_PID"
CHECK "a broken config is refused" \
    wait_log lb.log 'has errors; keeping the running configuration' 5
CHECK "and the running one kept" test "$(status c1 "$U/")" = 200
conf_write "$CONF" lb_conf

# ---- drain ---------------------------------------------------------------------------

on c1 curl -sS -m 20 -o /dev/null -w '%{http_code}' "$U/slow/5k" \
    >"$T/drain.code" 2>&1 &
SLOW=$!
# Round robin over every server of the config (s3 is back in it).
CHECK "a slow download is under way" wait_until 3 active_on 's[0-9]+' ||
    servers_said
kill -TERM "$LB_PID"
closed() { not port_open c1 "$A" 80; }
CHECK "after SIGTERM no new connection is accepted" wait_until 2 closed
CHECK "twin-lb is still running while the download goes on" _tp_alive "$LB_PID"
wait "$SLOW"
CHECK "the download in progress at SIGTERM completed" grep -qx 200 "$T/drain.code"
CHECK "then twin-lb exits" wait_until 5 not _tp_alive "$LB_PID"
wait "$LB_PID"
CHECK "with status 0" test "$?" -eq 0
slow_logged() {
    grep '"GET /slow/5k HTTP/1.1"' "$PX/access.log"
    [ "$(grep -c '"GET /slow/5k HTTP/1.1" 200 5120 ' "$PX/access.log")" = 2 ]
}
CHECK "the access log was written at exit" slow_logged

finish

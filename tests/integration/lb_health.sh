#!/bin/bash
# lb_health.sh - twin-lb's health checks against real nginx servers:
#   - TCP connect: a stopped server is down after check-strikeout failed
#     checks (logged with the reason, shown by `lb show` and `lb
#     servers`), takes no requests, and is up again after check-rise good
#     ones;
#   - dont-probe: no TCP check, so a server whose port closed stays up,
#     but the ICMP check still runs: when its address goes away, it is
#     down ("icmp: no echo reply"), and up again when it comes back;
#   - ACV: the check sends a request and expects a string in the answer;
#     a server that answers something else is down with that reason.

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl python3 nginx
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/lb_lib.sh"

lb_topo a c1 s1 s2 s3
lb_nginx s1 "$S1"
lb_nginx s2 "$S2"
lb_nginx s3 "$S3"

checks=("check-interval 300ms" "check-timeout 200ms" "check-strikeout 2"
    "check-rise 2" "access-log $PX/access.log")
lb_conf() {
    conf_peer
    conf_block "cluster web" "listen $A:80" "server s1 $S1:80" \
        "server s2 $S2:80 dont-probe" "check tcp" "icmp-check yes" \
        "${checks[@]}"
    conf_block "cluster acv" "listen $A:81" "server s1 $S1:80" \
        "server s3 $S3:80" "check acv" "icmp-check no" \
        'check-send "GET /health HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n"' \
        'check-expect "s1 healthy"' "${checks[@]}"
}
conf_write "$CONF" lb_conf
lb_start

reason() { lb_ctl show "$1" | grep -A1 "^  server $2 " | tail -n 1; }
reason_has() {
    local r
    r=$(reason "$1" "$2")
    echo "reason: $r"
    [[ $r == *"$3"* ]]
}
# all_to PORT SERVER: five requests, all served by SERVER.
all_to() {
    local i got
    for i in 1 2 3 4 5; do
        got=$(get c1 "http://$A:$1/")
        [ "$got" = "$2" ] || { echo "request $i went to '$got'"; return 1; }
    done
}

CHECK "first verdicts: s1 up by its TCP check" \
    wait_until 3 reason_has web s1 'tcp: TCP connect succeeded'
CHECK "dont-probe: s2 is judged by ICMP alone" \
    wait_until 3 reason_has web s2 'icmp: '

# ---- ACV ----------------------------------------------------------------------

CHECK "ACV: a server answering something else goes down" \
    wait_until 5 state_is acv s3 down
CHECK "with the reason" reason_has acv s3 'acv: expected string not found'
CHECK "the server answering what is expected stays up" state_is acv s1 up
CHECK "the down one gets no requests" all_to 81 s1
CHECK "the change is logged" \
    grep -q 'cluster acv: server s3 is down: acv: ' "$(logf lb.log)"

# ---- TCP ----------------------------------------------------------------------

t0=$(now_us)
lb_nginx_stop s1
CHECK "a stopped server goes down" wait_until 5 state_is web s1 down
CHECK "after two failed checks (strikeout 2, every 300 ms)" \
    elapsed_within "$t0" 0.3 3
CHECK "logged with the reason" grep -q \
    'cluster web: server s1 is down: tcp: .*refused' "$(logf lb.log)"
CHECK "and shown by lb show" reason_has web s1 'tcp: '
CHECK "its requests go to the other server" all_to 80 s2
lb_nginx s1 "$S1"
t0=$(now_us)
CHECK "restarted, it comes back" wait_until 5 state_is web s1 up
CHECK "after two good checks (rise 2)" elapsed_within "$t0" 0.2 3
CHECK "logged" grep -q 'cluster web: server s1 is up: tcp: ' "$(logf lb.log)"

# ---- dont-probe and ICMP --------------------------------------------------------

lb_nginx_stop s2
sleep 1
CHECK "dont-probe: with its port closed, s2 stays up (no TCP check)" \
    state_is web s2 up
on s2 ip addr del "$S2/$PFX" dev eth0 || ERROR "cannot remove $S2"
CHECK "but ICMP still runs: without its address s2 goes down" \
    wait_until 5 state_is web s2 down
CHECK "with the ICMP check's reason" reason_has web s2 'icmp: no echo reply'
on s2 ip addr add "$S2/$PFX" dev eth0 || ERROR "cannot add $S2 back"
CHECK "its address back, s2 is up again" wait_until 5 state_is web s2 up

finish

#!/bin/bash
# lb_equalizer.sh - the per-server settings of an l7 cluster, as the
# Equalizer guide (4-8) defines them, against real nginx servers; slow
# downloads (nginx limit_rate) hold connections open to reach maxconn:
#   - max connection: a server at its cap gets no new client, but a
#     request with that server's cookie still goes to it; with every
#     server at its cap, the hot spare takes the requests;
#   - hotspare: no traffic while another server is up; when all are down
#     it takes them, and its persistent clients stay with it after the
#     others are back, unless it is dont-persist;
#   - quiesce: persistent clients still reach it, new ones do not, unless
#     only quiesced servers are up;
#   - disabled: nothing at all, persistent or not;
#   - dont-persist: no cookie for that server, even with cookie-always;
#   - twinctl lb server ... enable|disable|quiesce|maxconn while running.

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
lb_secret

SPARE_OPTS=hotspare
lb_conf() {
    conf_peer
    conf_block "cluster eq" "listen $A:80" "server s1 $S1:80 maxconn 1" \
        "server s2 $S2:80 maxconn 1" "server s3 $S3:80 $SPARE_OPTS" \
        "persist cookie" "cookie-always yes" "secret-file $PX/lb.key" \
        "check tcp" "icmp-check no" "check-interval 300ms" \
        "check-timeout 200ms" "check-strikeout 2" "check-rise 2" \
        "access-log $PX/access.log"
    conf_block "cluster np" "listen $A:81" "server n1 $S1:80 dont-persist" \
        "persist cookie" "cookie-always yes" "secret-file $PX/lb.key" \
        "check none" "icmp-check no" "access-log $PX/access.log"
}
conf_write "$CONF" lb_conf
lb_start
U=http://$A

# jar_for SERVER: a cookie jar $T/jar-SERVER whose cookie names SERVER.
jar_for() {
    local i got
    for i in 1 2 3 4 5 6; do
        got=$(get c1 "$U/" -c "$T/jar.tmp")
        if [ "$got" = "$1" ]; then
            mv "$T/jar.tmp" "$T/jar-$1"
            grep -q twinlb "$T/jar-$1"
            return
        fi
    done
    echo "no response from $1 in six tries"
    return 1
}
# goes_to WANT [CURL ARGS]: a request is served by WANT.
goes_to() {
    local want=$1 got
    shift
    got=$(get c1 "$U/" "$@")
    echo "served by '$got', want '$want'"
    [ "$got" = "$want" ]
}
# never_to SERVER: six new clients, none served by SERVER.
never_to() {
    local i got
    for i in 1 2 3 4 5 6; do
        got=$(get c1 "$U/")
        [ "$got" != "$1" ] && [ -n "$got" ] ||
            { echo "request $i served by '$got'"; return 1; }
    done
}
active_is() {
    lb_ctl servers | grep -qx "eq $1 [a-z]* $2 [0-9]*"
}
logged() { wait_until 3 grep -qE "\"GET / HTTP/1.1\" 200 [0-9]+ \"-\" \"curl/[^\"]*\" eq $1 [0-9]+ $2\$" "$PX/access.log"; }

CHECK "a cookie naming s1" jar_for s1
CHECK "a cookie naming s2" jar_for s2

# ---- max connection -------------------------------------------------------------

hold c1 "$U/slow/5k" -b "$T/jar-s1"
H1=$HOLD_PID
hold c1 "$U/slow/5k" -b "$T/jar-s2"
H2=$HOLD_PID
CHECK "a slow download holds s1's one connection" wait_until 3 active_is s1 1
CHECK "and one holds s2's" wait_until 3 active_is s2 1
CHECK "both at their cap: a new client goes to the hot spare" goes_to s3
CHECK "logged as hot spare (all full)" logged s3 spare-full
CHECK "a request with s1's cookie still goes to s1, at its cap" \
    goes_to s1 -b "$T/jar-s1"
wait "$H1" "$H2"
CHECK "the downloads done, new clients go to s1 and s2 again" never_to s3

# ---- hot spare ------------------------------------------------------------------

lb_nginx_stop s1
lb_nginx_stop s2
CHECK "s1 down" wait_until 5 state_is eq s1 down
CHECK "s2 down" wait_until 5 state_is eq s2 down
CHECK "all down: the hot spare takes the requests" goes_to s3 -c "$T/jar-s3"
CHECK "logged as hot spare (all down)" logged s3 spare-down
CHECK "and sets its cookie" grep -q twinlb "$T/jar-s3"
lb_nginx s1 "$S1"
lb_nginx s2 "$S2"
CHECK "s1 back" wait_until 5 state_is eq s1 up
CHECK "s2 back" wait_until 5 state_is eq s2 up
CHECK "a new client goes to an active server again" never_to s3
CHECK "the hot spare's persistent client stays with it" \
    goes_to s3 -b "$T/jar-s3"
SPARE_OPTS="hotspare dont-persist"
conf_write "$CONF" lb_conf
kill -HUP "$LB_PID"
wait_until 5 reloaded 1 || ERROR "the reload did not take effect"
moved() {
    local got
    got=$(get c1 "$U/" -b "$T/jar-s3")
    echo "served by $got"
    [ "$got" = s1 ] || [ "$got" = s2 ]
}
CHECK "with the hot spare dont-persist, that client goes back" moved

# ---- quiesce --------------------------------------------------------------------

quiesce() { lb_ctl server eq s1 quiesce | grep -qx 'cluster eq server s1: quiesced'; }
CHECK "twinctl quiesces s1" quiesce
CHECK "lb servers shows it" state_is eq s1 quiesced
CHECK "quiesced: s1's persistent client still reaches it" \
    goes_to s1 -b "$T/jar-s1"
CHECK "but no new client does" never_to s1
lb_ctl server eq s2 quiesce >/dev/null 2>&1
only_quiesced() {
    local got
    got=$(get c1 "$U/")
    echo "served by $got"
    { [ "$got" = s1 ] || [ "$got" = s2 ]; } &&
        wait_until 3 grep -qE "eq $got [0-9]+ quiesced\$" "$PX/access.log"
}
CHECK "only quiesced servers up: they take new clients (not the spare)" \
    only_quiesced

# ---- disabled, maxconn ------------------------------------------------------------

lb_ctl server eq s2 enable >/dev/null 2>&1
lb_ctl server eq s1 disable >/dev/null 2>&1
CHECK "lb servers shows s1 disabled" state_is eq s1 disabled
CHECK "disabled: s1's persistent client goes elsewhere" \
    goes_to s2 -b "$T/jar-s1"
lb_ctl server eq s1 enable >/dev/null 2>&1
CHECK "enabled again, s1 has its client back" goes_to s1 -b "$T/jar-s1"
maxconn() {
    lb_ctl server eq s1 maxconn 5 | grep -qx 'cluster eq server s1: maxconn 5' &&
        lb_ctl show eq | grep -q "server s1 $S1:80: up (enabled), active 0/5,"
}
CHECK "twinctl sets a new maxconn" maxconn
CHECK "twinctl refuses an unknown server" not lb_ctl server eq s9 enable

# ---- dont-persist -------------------------------------------------------------------

nocookie() {
    on c1 curl -sS -m 5 -D - -o /dev/null "http://$A:81/" | tr -d '\r' >"$T/np.h"
    cat "$T/np.h"
    grep -q '^HTTP/1.1 200' "$T/np.h" && ! grep -qi '^set-cookie: twinlb=' "$T/np.h"
}
CHECK "dont-persist: no cookie for that server, even with cookie-always" nocookie

finish

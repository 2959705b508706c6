#!/bin/bash
# proxy_lib.sh - the set-up the twin-proxy scenarios share (sourced after
# lib.sh): hosts, a config written from a few settings, the origin server,
# the daemon started and waited for. Nothing in it is proxy-only but
# proxy_start: a scenario for another daemon that reads a twinproxy.conf
# and serves a port (twin-lb with cluster blocks in front of several
# servers) uses the same calls.
#
# proxy_topo HOST[=ADDR]...  topo_init, then each HOST at ADDR, or at its
#                            address of the plan (a b c1 c2 origin)
# proxy_user                 the daemons' user, PROXY_USER (twinproxy, the
#                            default of the peer block's user): when the
#                            host has no such account, copies of
#                            /etc/passwd and /etc/group that add it are
#                            bind-mounted over the real ones, in this
#                            test's mount namespace only
# proxy_dirs                 proxy_user; PX (default $T/px), owned by
#                            PROXY_USER (the daemons write their logs
#                            there), with run/ (root's) and cache/
#                            (PROXY_USER's, mode 0700); CONF
#                            ($PX/twinproxy.conf); REC ($T/origin.rec, empty)
# conf_peer [RUNDIR]         print host a's peer block (run-dir RUNDIR,
#                            default $PX/run)
# conf_block HEAD SETTING... print "HEAD {", each SETTING as a statement of
#                            its own ("listen $A:3128"), and "}"
# conf_write FILE CMD...     write what CMD (a function) prints to FILE at
#                            once: a reload never reads half a file
# proxy_conf [-f FILE] [-r RUNDIR] SETTING...
#                            write FILE (default $CONF): conf_peer (with
#                            RUNDIR) and a proxy block of the SETTINGs
# origin_start HOST LOG RECORD ADDR:PORT...
#                            proxy_origin.py on HOST, recording in RECORD;
#                            ORIGIN_PID; waits until it listens on each
# origin_peer_is ADDR        the last connection proxy_origin.py accepted
#                            (in $REC) came from ADDR
# daemon_start HOST LOG FROM ADDR PORT CMD...
#                            spawn CMD on HOST (log LOG), DAEMON_PID; waits
#                            until host FROM connects to ADDR:PORT
# proxy_start [CONF]         twin-proxy "${PROXY_OPTS[@]}" -f CONF on a (log
#                            proxy.log, environment PROXY_ENV...), PROXY_PID;
#                            waits until c1 reaches $A:3128
#
# Another daemon in front of several servers, for example:
#     proxy_topo a c1 s1=198.18.0.201 s2=198.18.0.202
#     proxy_dirs
#     lb_conf() { conf_peer; conf_block "cluster web" "mode l7" \
#         "listen $A:80" "server s1 198.18.0.201:80" \
#         "server s2 198.18.0.202:80"; }
#     conf_write "$CONF" lb_conf
#     daemon_start s1 nginx-s1.log s1 198.18.0.201 80 nginx -c "$T/s1.conf"
#     daemon_start a lb.log c1 "$A" 80 "$TWIN_LB" -d -f "$CONF"

ORIGIN_PY=$TOP_SRCDIR/tests/integration/proxy_origin.py
PROXY_OPTS=(-d -v)
PROXY_ENV=()

proxy_topo() {
    local h name addr
    topo_init
    for h in "$@"; do
        name=${h%%=*}
        case $h in
            *=*) addr=${h#*=} ;;
            a) addr=$A ;;
            b) addr=$B ;;
            c1) addr=$C1 ;;
            c2) addr=$C2 ;;
            origin) addr=$O ;;
            *) ERROR "proxy_topo: no address for host $h" ;;
        esac
        topo_host "$name" "$addr/$PFX"
    done
}

PROXY_USER=twinproxy
PROXY_USER_UID=64990

proxy_user() {
    local e=$T/etc-user
    getent passwd "$PROXY_USER" >/dev/null && return 0
    mkdir -p "$e" || ERROR "cannot create $e"
    {
        grep -v "^$PROXY_USER:" /etc/passwd
        echo "$PROXY_USER:x:$PROXY_USER_UID:$PROXY_USER_UID:twinproxy daemons (test):/nonexistent:/usr/sbin/nologin"
    } >"$e/passwd" &&
    {
        grep -v "^$PROXY_USER:" /etc/group
        echo "$PROXY_USER:x:$PROXY_USER_UID:"
    } >"$e/group" && chmod 0644 "$e/passwd" "$e/group" &&
        mount --bind "$e/passwd" /etc/passwd &&
        mount --bind "$e/group" /etc/group ||
        ERROR "cannot add the user $PROXY_USER in this test"
    getent passwd "$PROXY_USER" >/dev/null ||
        ERROR "the user $PROXY_USER is still unknown"
}

proxy_dirs() {
    PX=${PX:-$T/px}
    CONF=$PX/twinproxy.conf
    REC=$T/origin.rec
    proxy_user
    mkdir -p "$PX/run" "$PX/cache" || ERROR "cannot create $PX"
    # The daemons run as PROXY_USER: their logs go to $PX, the cache
    # to $PX/cache; both must be theirs and no one else's to write.
    chmod 755 "$T"
    chown "$PROXY_USER:" "$PX" "$PX/cache" && chmod 755 "$PX" &&
        chmod 700 "$PX/cache" || ERROR "cannot set up $PX"
    : >"$REC"
    chmod 666 "$REC"
}

conf_peer() {
    echo "peer { name a; address $A; partner $B; run-dir ${1:-$PX/run}; }"
}

conf_block() {
    local s
    echo "$1 {"
    shift
    for s in "$@"; do
        printf '\t%s;\n' "$s"
    done
    echo "}"
}

conf_write() {
    local f=$1
    shift
    "$@" >"$f.new" || ERROR "cannot write $f.new"
    mv "$f.new" "$f" || ERROR "cannot write $f"
}

# _proxy_conf_text RUNDIR SETTING...: the text proxy_conf writes.
_proxy_conf_text() {
    conf_peer "$1"
    shift
    conf_block proxy "$@"
}

proxy_conf() {
    local f=$CONF rundir=$PX/run
    while [ $# -gt 0 ]; do
        case $1 in
            -f) f=$2; shift 2 ;;
            -r) rundir=$2; shift 2 ;;
            *) break ;;
        esac
    done
    conf_write "$f" _proxy_conf_text "$rundir" "$@"
}

origin_start() {
    local host=$1 log=$2 rec=$3 spec re
    shift 3
    [ -e "$rec" ] || : >"$rec"
    spawn "$host" "$log" python3 -u "$ORIGIN_PY" "$rec" "$@"
    # shellcheck disable=SC2034  # for the scenarios
    ORIGIN_PID=$SPAWN_PID
    for spec in "$@"; do
        re=$(printf '%s' "$spec" | sed 's/[].[]/\\&/g')
        wait_log "$log" "^listening on $re\$"
    done
}

origin_peer_is() {
    local peer
    peer=$(grep '^conn' "$REC" | tail -n 1 | awk '{ print $3 }')
    echo "the origin's last connection came from ${peer:-nowhere}"
    [ "$peer" = "$1" ]
}

daemon_start() {
    local host=$1 log=$2 from=$3 addr=$4 port=$5
    shift 5
    spawn "$host" "$log" "$@"
    DAEMON_PID=$SPAWN_PID
    wait_port "$from" "$addr" "$port"
}

proxy_start() {
    daemon_start a proxy.log c1 "$A" 3128 env "${PROXY_ENV[@]}" \
        "$TWIN_PROXY" "${PROXY_OPTS[@]}" -f "${1:-$CONF}"
    # shellcheck disable=SC2034  # for the scenarios
    PROXY_PID=$DAEMON_PID
}

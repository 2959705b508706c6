#!/bin/bash
# harden_units.sh - the shipped systemd units work as shipped.
#
# Each daemon runs under setpriv(1) with exactly what its unit in
# etc/systemd/ gives it (User=, Group=, CapabilityBoundingSet=,
# AmbientCapabilities=, NoNewPrivileges=), in folders made as the unit's
# RuntimeDirectory=, LogsDirectory= and CacheDirectory= make them, from
# one configuration file as on a real peer. Hosts: a (twin-proxy on
# A:3128, twin-wpad on A:80, twin-ha), b (the partner's address, nothing
# running), c1 (client), origin (proxy_origin.py on O:8000).
# Checks: each unit's ExecStartPre check passes; each daemon starts, binds
# what it must (port 80, the floating IP, gratuitous ARP) and reloads;
# the access log is rotated by logrotate with etc/logrotate.d/twinproxy
# (create mode, SIGUSR1 as its postrotate) and every line is kept; a
# reopen that fails is loud (logged each time, counted in twinctl proxy
# stats), is tried again and recovers, still keeping every line.
# Needs real root (setpriv switches to the test's own twinproxy user).

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl python3 setpriv logrotate
. "$(dirname "$0")/proxy_lib.sh"

[ "${TP_MODE:-}" = "as root" ] ||
    SKIP "setpriv must switch users: needs real root, not a user namespace"

UNITS=$TOP_SRCDIR/etc/systemd
LOGROTATE_CONF=$TOP_SRCDIR/etc/logrotate.d/twinproxy

# log_has LOG REGEX [TIMEOUT_S=5]: LOG gets a line matching REGEX in time
# (wait_log, but a failed check rather than a hard error).
log_has() { wait_until "${3:-5}" grep -Eq -- "$2" "$(logf "$1")"; }

# unit_get UNIT KEY: the value of the last KEY= line of UNIT.
unit_get() { sed -n "s/^$2=//p" "$UNITS/$1" | tail -n 1; }

# caps_list "CAP_A CAP_B": setpriv's "-all,+a,+b".
caps_list() {
    local c out=-all
    for c in $1; do c=${c#CAP_}; out+=",+${c,,}"; done
    printf '%s' "$out"
}

# unit_setpriv UNIT: SETPRIV, the setpriv arguments giving UNIT's rights.
unit_setpriv() {
    local caps amb
    caps=$(unit_get "$1" CapabilityBoundingSet)
    amb=$(unit_get "$1" AmbientCapabilities)
    SETPRIV=(--reuid="$(unit_get "$1" User)" --regid="$(unit_get "$1" Group)"
        --init-groups --bounding-set="$(caps_list "$caps")")
    [ -n "$amb" ] && SETPRIV+=(--inh-caps="$(caps_list "$amb")"
        --ambient-caps="$(caps_list "$amb")")
    [ "$(unit_get "$1" NoNewPrivileges)" = yes ] && SETPRIV+=(--no-new-privs)
    [ -n "$(unit_get "$1" User)" ] || ERROR "$1 has no User="
}

# unit_dir UNIT KIND: make KIND (Runtime, Logs, Cache)Directory= of UNIT
# under $T/KIND as systemd would (owner User=, mode KINDDirectoryMode=,
# default 0755) and print its path.
unit_dir() {
    local name mode d
    name=$(unit_get "$1" "${2}Directory")
    mode=$(unit_get "$1" "${2}DirectoryMode")
    [ -n "$name" ] || ERROR "$1 has no ${2}Directory="
    d=$T/unit-${2,,}/$name
    mkdir -p "$d" && chown "$(unit_get "$1" User):$(unit_get "$1" Group)" "$d" &&
        chmod "${mode:-0755}" "$d" || ERROR "cannot make $d"
    printf '%s' "$d"
}

proxy_topo a b c1 origin
proxy_user
RUNDIR=$(unit_dir twin-proxy.service Runtime)
LOGDIR=$(unit_dir twin-proxy.service Logs)
CACHEDIR=$(unit_dir twin-proxy.service Cache)
[ "$(unit_dir twin-wpad.service Runtime)" = "$RUNDIR" ] &&
    [ "$(unit_dir twin-ha.service Runtime)" = "$RUNDIR" ] ||
    ERROR "the units do not share their runtime folder"
chmod 755 "$T"
CONF=$T/twinproxy.conf
REC=$T/origin.rec
: >"$REC"
chmod 666 "$REC"
printf 'twinproxy-units-key-%s%s\n' "$RANDOM" "$RANDOM" >"$T/ha.key"
chown "$PROXY_USER:" "$T/ha.key" && chmod 600 "$T/ha.key"
conf_all() {
    echo "peer { name a; address $A; partner $B; run-dir $RUNDIR; user $PROXY_USER; }"
    conf_block ha "redundancy yes" "role primary" "interface eth0" \
        "floating-ip $FIP/$PFX" "interval 200ms" "count 3" \
        "garp-count 2" "garp-interval 100ms" "secret-file $T/ha.key"
    conf_block proxy "listen $A:3128" "allow $C1/32" "outgoing-address $A" \
        "access-log $LOGDIR/access.log" "cache-dir $CACHEDIR 16M"
    conf_block wpad "listen $A:80" "proxy $A:3128"
}
conf_write "$CONF" conf_all
origin_start origin origin.log "$REC" "$O:8000"

# Every unit's check, then the daemon, with the unit's rights.
declare -A PID
for d in twin-proxy twin-wpad twin-ha; do
    unit_setpriv "$d.service"
    CHECK "$d: the unit's ExecStartPre check passes as its user" \
        on a setpriv "${SETPRIV[@]}" -- "$TOP_BUILDDIR/$d" -n -f "$CONF"
    spawn a "$d.log" setpriv "${SETPRIV[@]}" -- "$TOP_BUILDDIR/$d" -d -v \
        -f "$CONF"
    PID[$d]=$SPAWN_PID
done
wait_port c1 "$A" 3128
wait_port c1 "$A" 80

runs_as() {
    local u
    u=$(awk '/^Uid:/ { print $2 }' "/proc/$1/status")
    echo "uid $u, capabilities $(awk '/^CapEff:/ { print $2 }' "/proc/$1/status")"
    [ "$u" = "$PROXY_USER_UID" ]
}
for d in twin-proxy twin-wpad twin-ha; do
    CHECK "$d runs as $PROXY_USER" runs_as "${PID[$d]}"
done
holds_fip() { ip -n a -o addr show dev eth0 | grep -q " $FIP/"; }
CHECK "twin-ha takes the floating IP and announces it (CAP_NET_ADMIN, CAP_NET_RAW)" \
    wait_until 10 eval 'holds_fip && grep -q "gratuitous ARP sent" "$(logf twin-ha.log)"'
CHECK "twin-wpad serves on port 80 (CAP_NET_BIND_SERVICE)" \
    on c1 curl -sS -f -o /dev/null -m 5 "http://$A/wpad.dat"

# NREQ requests, numbered, through the proxy.
N=0
requests() {
    local i
    for ((i = 0; i < $1; i++)); do
        N=$((N + 1))
        on c1 curl -sS -f -o /dev/null -m 5 -x "http://$A:3128" \
            "http://$O:8000/hello?n=$N" || return 1
    done
}
# logged_all: every numbered request is in the access log files, once.
logged_all() {
    local got
    got=$(cat "$LOGDIR"/access.log* 2>/dev/null | grep -oE 'hello\?n=[0-9]+' |
        sort -u | wc -l)
    echo "$got of $N requests logged"
    [ "$got" -eq "$N" ] &&
        [ "$(cat "$LOGDIR"/access.log* | grep -c 'hello?n=')" -eq "$N" ]
}
CHECK "requests are logged" eval 'requests 5 && wait_until 5 logged_all'

# Reload (ExecReload: SIGHUP) under the same rights.
kill -HUP "${PID[twin-proxy]}" "${PID[twin-wpad]}"
CHECK "twin-proxy reloads" log_has twin-proxy.log "reload: configuration from .* in effect" 5
CHECK "twin-wpad reloads" log_has twin-wpad.log "reloaded " 5

# Rotation as etc/logrotate.d/twinproxy does it, for the test's folder,
# with its postrotate signal sent to our daemon.
sed -e "s|/var/log/twinproxy/|$LOGDIR/|" \
    -e "s|systemctl kill -s USR1 twin-proxy.service|kill -USR1 ${PID[twin-proxy]}|" \
    "$LOGROTATE_CONF" >"$T/logrotate.conf"
rotate() { logrotate -f -s "$T/logrotate.state" "$T/logrotate.conf"; }
rotated() {
    ls -l "$LOGDIR"
    [ -f "$LOGDIR/access.log.1" ] && [ -f "$LOGDIR/access.log" ] &&
        [ "$(stat -c %U "$LOGDIR/access.log")" = "$PROXY_USER" ]
}
CHECK "logrotate rotates the access log as the twinproxy user" \
    eval 'rotate && rotated'
CHECK "twin-proxy reopens its log on SIGUSR1" \
    log_has twin-proxy.log "access log .*/access.log reopened"
new_file_used() {
    echo "$(wc -l <"$LOGDIR/access.log") lines in the new file"
    grep -q "hello?n=$N " "$LOGDIR/access.log"
}
CHECK "every line is kept across the rotation, new ones in the new file" \
    eval 'requests 5 && wait_until 5 logged_all && new_file_used'

# A reopen that fails: the new name is a link someone planted.
echo precious >"$T/precious"
mv "$LOGDIR/access.log" "$LOGDIR/access.log.0"
ln -s "$T/precious" "$LOGDIR/access.log"
kill -USR1 "${PID[twin-proxy]}"
CHECK "a failed reopen is logged" \
    log_has twin-proxy.log "cannot reopen: .*a symbolic link"
stats_failures() {
    local n
    n=$("$TWINCTL" -f "$CONF" proxy stats | awk '$1 == "log-reopen-failures" { print $2 }')
    echo "log-reopen-failures ${n:-none}"
    [ "${n:-0}" -ge "$1" ]
}
CHECK "and counted in twinctl proxy stats" stats_failures 1
CHECK "it is tried again, loudly each time" \
    eval 'wait_until 8 stats_failures 2 && [ "$(grep -c "cannot reopen" "$(logf twin-proxy.log)")" -ge 2 ]'
CHECK "lines still go to the file in use meanwhile" \
    eval 'requests 3 && wait_until 5 logged_all'
CHECK "the planted link's target is untouched" \
    eval '[ "$(cat "$T/precious")" = precious ]'
rm -f "$LOGDIR/access.log"
CHECK "once the name is free, the retry reopens it" \
    log_has twin-proxy.log "reopened after [0-9]+ failures" 8
CHECK "and no line was lost" \
    eval 'requests 3 && wait_until 5 logged_all && new_file_used'

for d in twin-proxy twin-wpad twin-ha; do
    stop "${PID[$d]}" 5
    CHECK "$d stops cleanly" test "$STOP_STATUS" -eq 0
done
finish

#!/bin/bash
# harden_files.sh - started as root, no daemon trusts a file or folder
# that a less privileged user could have prepared.
#
# Host: a (twin-proxy and twin-wpad started as root, switching to the
# test's twinproxy user; c1 is their client). Each case plants what the
# service user (or anyone) could have planted and starts a daemon: it
# must refuse to start, naming what is wrong, and leave root's files as
# they were. The cases: the access log a symbolic link to a root file, or
# a second hard link of one; a run directory, or a cache directory,
# anyone may write; a cache directory of another user; twin-wpad's pid
# file a link to a root file. A safe set-up, last, starts and serves.
# Needs real root (the daemons switch to another user).

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl
. "$(dirname "$0")/proxy_lib.sh"

[ "${TP_MODE:-}" = "as root" ] ||
    SKIP "the daemons switch users: needs real root, not a user namespace"

proxy_topo a c1
proxy_dirs

# conf NAME SETTING...: $PX/NAME.conf, run-dir $RUN (default $PX/run).
conf() {
    local f=$PX/$1.conf
    shift
    proxy_conf -f "$f" -r "${RUN:-$PX/run}" "listen $A:3128" "allow $C1/32" \
        "$@"
}

# refuses NAME DAEMON PATTERN: DAEMON with $PX/NAME.conf exits at once
# (status 1, not killed by the 5 s bound) with a line matching PATTERN.
refuses() {
    local log=$T/logs/refuse-$1.log rc
    on a timeout 5 "$2" -d -f "$PX/$1.conf" >"$log" 2>&1
    rc=$?
    tail -n 3 "$log"
    echo "exit status $rc"
    [ "$rc" -eq 1 ] && grep -Eq -- "$3" "$log"
}

# root_file PATH: a file of root's, mode 0600, that must stay as it is.
root_file() { echo "root's own" >"$1" && chmod 600 "$1"; }
# intact PATH: still root's, still mode 0600, still its content.
intact() {
    stat -c '%U %a %s' "$1"
    [ "$(stat -c '%U %a' "$1")" = "root 600" ] &&
        [ "$(cat "$1")" = "root's own" ]
}

root_file "$T/secret1"
ln -s "$T/secret1" "$PX/link.log"
conf link "access-log $PX/link.log"
CHECK "an access log that is a symbolic link is refused, naming it" \
    refuses link "$TWIN_PROXY" "access log: $PX/link.log: a symbolic link"
CHECK "the link's target is untouched (owner, mode, content)" intact "$T/secret1"

# A file anyone may write, but root's: through a second name of it, the
# daemon's lines would land in it.
root_file "$T/secret2"
chmod 666 "$T/secret2"
ln "$T/secret2" "$PX/hard.log"
conf hard "access-log $PX/hard.log"
CHECK "an access log with a second hard link is refused" \
    refuses hard "$TWIN_PROXY" "hard.log: has 2 hard links"
CHECK "the other name's file is untouched" \
    eval 'chmod 600 "$T/secret2" && intact "$T/secret2"'


mkdir -m 0777 "$PX/run777"
chmod 0777 "$PX/run777"
RUN=$PX/run777 conf run777 "access-log $PX/access.log"
CHECK "a run directory anyone may write is refused, naming it" \
    refuses run777 "$TWIN_PROXY" "run777: writable by everyone"

mkdir "$PX/cache777"
chown "$PROXY_USER:" "$PX/cache777"
chmod 0777 "$PX/cache777"
conf cache777 "access-log $PX/access.log" "cache-dir $PX/cache777 1M"
CHECK "a cache directory others may write is refused, naming it" \
    refuses cache777 "$TWIN_PROXY" "cache777: writable by group or others"

mkdir -m 0700 "$PX/cacheother"
chown 61234:61234 "$PX/cacheother"
conf cacheother "access-log $PX/access.log" "cache-dir $PX/cacheother 1M"
CHECK "a cache directory of another user is refused, naming it" \
    refuses cacheother "$TWIN_PROXY" "cacheother: owned by uid 61234, not by $PROXY_USER"

# twin-wpad writes its pid file as root, before it switches users.
mkdir -m 0755 "$PX/wrun"
chown "$PROXY_USER:" "$PX/wrun"
root_file "$T/secret3"
ln -s "$T/secret3" "$PX/wrun/twin-wpad.pid"
wpad_conf() {
    conf_peer "$PX/wrun"
    conf_block wpad "listen $A:80" "proxy $A:3128"
}
conf_write "$PX/wpad.conf" wpad_conf
CHECK "twin-wpad refuses a pid file that is a symbolic link, naming it" \
    refuses wpad "$TWIN_WPAD" "pid file: $PX/wrun/twin-wpad.pid: a symbolic link"
CHECK "the pid file link's target is untouched" intact "$T/secret3"

# The same daemons start from safe folders, and serve.
conf good "access-log $PX/access.log" "cache-dir $PX/cache 1M"
proxy_start "$PX/good.conf"
CHECK "a safe set-up starts and serves (the checks refuse only the unsafe)" \
    on c1 curl -sS -o /dev/null -w '%{http_code}\n' -m 5 \
    -x "http://$A:3128" "http://$A:9/"
CHECK "its access log is the service user's" \
    eval 'wait_until 3 test -s "$PX/access.log" && [ "$(stat -c %U "$PX/access.log")" = "$PROXY_USER" ]'
finish

#!/bin/bash
# ftp_lib.sh - a real FTP server (vsftpd) for the FTP scenarios.
#
# Source it after lib.sh:
#
#     . "$(dirname "$0")/lib.sh"
#     . "$(dirname "$0")/ftp_lib.sh"
#     topo_init
#     topo_host o "$O/$PFX"
#     ftp_server_start o "$O"
#
# ftp_server_start runs vsftpd on a host with both passive and active
# data connections (passive ports FTP_PASV_MIN-FTP_PASV_MAX), an anonymous
# read-only area ($FTP_ANON, with pub/ in it) and one local user
# ($FTP_USER, password $FTP_PASS) who may upload into $FTP_HOME. vsftpd
# logs every command and reply to $T/logs/vsftpd.log (ftp_log_has reads
# it).
#
# The local user exists only inside the test: lib.sh runs the scenario in
# a private mount namespace, so /etc/passwd, /etc/shadow, /etc/group and
# /etc/pam.d are bind-mounted over with copies that add the test's users
# and a PAM service of its own ("twinftp": pam_unix, nothing else). The
# mounts go away with the namespace; nothing outside the test changes.
# vsftpd needs real root for this (chroot, setuid to the test users), so a
# run inside a user namespace skips.
#
# Commands used: vsftpd, openssl (password hash), sha256sum, mount.

FTP_DIR=$T/ftp
FTP_ANON=$FTP_DIR/anon
FTP_HOME=$FTP_DIR/home/tpuser
FTP_USER=tpuser
FTP_PASS=tp-Secret.1
FTP_ANON_UID=64000
FTP_USER_UID=64001
FTP_PASV_MIN=30000
FTP_PASV_MAX=30019
FTP_PORT=21
FTP_PID=

# _ftp_private_etc: bind-mount copies of the account files and of
# /etc/pam.d that know the test's users, in this mount namespace only.
_ftp_private_etc() {
    local e=$FTP_DIR/etc hash f
    mkdir -p "$e" || return 1
    hash=$(openssl passwd -6 -salt tpftpsalt "$FTP_PASS") || return 1
    {
        grep -v -e '^tpftp:' -e "^$FTP_USER:" /etc/passwd
        echo "tpftp:x:$FTP_ANON_UID:$FTP_ANON_UID:test anonymous FTP:$FTP_ANON:/usr/sbin/nologin"
        echo "$FTP_USER:x:$FTP_USER_UID:$FTP_USER_UID:test FTP user:$FTP_HOME:/bin/sh"
    } >"$e/passwd" || return 1
    {
        grep -v -e '^tpftp:' -e "^$FTP_USER:" /etc/group
        echo "tpftp:x:$FTP_ANON_UID:"
        echo "$FTP_USER:x:$FTP_USER_UID:"
    } >"$e/group" || return 1
    {
        grep -v -e '^tpftp:' -e "^$FTP_USER:" /etc/shadow
        echo "tpftp:*:19000:0:99999:7:::"
        echo "$FTP_USER:$hash:19000:0:99999:7:::"
    } >"$e/shadow" || return 1
    chmod 0644 "$e/passwd" "$e/group" && chmod 0640 "$e/shadow" || return 1
    cp -a /etc/pam.d "$e/pam.d" || return 1
    printf '%s\n' "# twinproxy test service: the private /etc/shadow only" \
        "auth required pam_unix.so" "account required pam_unix.so" \
        "session required pam_permit.so" >"$e/pam.d/twinftp" || return 1
    for f in passwd group shadow pam.d; do
        mount --bind "$e/$f" "/etc/$f" || return 1
    done
    # Whatever PAM says to syslog stays in the test.
    if [ -e /dev/log ] || [ -L /dev/log ]; then
        mount --bind /dev/null /dev/log 2>/dev/null || true
    fi
}

# _ftp_check_private: the private files are the ones in use.
_ftp_check_private() {
    getent passwd "$FTP_USER" | grep -q ":$FTP_HOME:" &&
        [ -f /etc/pam.d/twinftp ]
}

# ftp_server_start HOST ADDR [CONF_LINE...]: start vsftpd on HOST listening
# on ADDR port $FTP_PORT, wait for its banner.  Extra vsftpd.conf lines
# (name=value) are appended and override the defaults.  Sets FTP_PID.
ftp_server_start() {
    local ns=$1 addr=$2 conf=$FTP_DIR/vsftpd.conf l
    shift 2
    need_cmd vsftpd openssl sha256sum mount getent
    if [ "$(id -u)" -ne 0 ] || [ "${TP_MODE:-}" != "as root" ]; then
        SKIP "vsftpd needs real root (chroot and the test's own users)"
    fi
    [ -n "$FTP_PID" ] && ERROR "ftp_server_start: vsftpd runs already"
    mkdir -p "$FTP_ANON/pub" "$FTP_HOME" "$FTP_DIR/empty" ||
        ERROR "cannot create the FTP tree under $FTP_DIR"
    # The users must get through $T to the areas chroot() puts them in.
    chmod 0711 "$T" "$FTP_DIR" "$FTP_DIR/home" &&
    chmod 0755 "$FTP_ANON" "$FTP_ANON/pub" "$FTP_DIR/empty" &&
    chown "$FTP_USER_UID:$FTP_USER_UID" "$FTP_HOME" &&
    chmod 0755 "$FTP_HOME" || ERROR "cannot set up the FTP tree"
    if ! _ftp_check_private; then
        _ftp_private_etc || ERROR "cannot set up the private /etc for vsftpd"
        _ftp_check_private || ERROR "the private /etc is not in effect"
    fi
    {
        cat <<EOF
# vsftpd.conf written by ftp_lib.sh
listen=YES
listen_ipv6=NO
listen_address=$addr
listen_port=$FTP_PORT
background=NO
anonymous_enable=YES
ftp_username=tpftp
anon_root=$FTP_ANON
no_anon_password=YES
anon_upload_enable=NO
anon_mkdir_write_enable=NO
anon_other_write_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
chroot_local_user=YES
allow_writeable_chroot=YES
pam_service_name=twinftp
userlist_enable=NO
pasv_enable=YES
pasv_min_port=$FTP_PASV_MIN
pasv_max_port=$FTP_PASV_MAX
port_enable=YES
connect_from_port_20=NO
secure_chroot_dir=$FTP_DIR/empty
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
ssl_enable=NO
syslog_enable=NO
xferlog_enable=YES
xferlog_std_format=NO
log_ftp_protocol=YES
vsftpd_log_file=$T/logs/vsftpd.log
idle_session_timeout=60
data_connection_timeout=30
use_localtime=NO
EOF
        for l in "$@"; do
            printf '%s\n' "$l"
        done
    } >"$conf" || ERROR "cannot write $conf"
    chmod 0600 "$conf"
    : >"$T/logs/vsftpd.log"
    spawn "$ns" vsftpd.out vsftpd "$conf"
    FTP_PID=$SPAWN_PID
    wait_until 10 ftp_banner "$ns" "$addr" ||
        ERROR "vsftpd on $ns ($addr:$FTP_PORT) sent no 220 banner in 10 s"
}

# ftp_banner NAME ADDR: read the greeting of ADDR:$FTP_PORT from host NAME.
ftp_banner() {
    timeout 3 ip netns exec "$1" bash -c '
        exec 3<>"/dev/tcp/$1/$2" || exit 1
        read -r -t 2 line <&3 || exit 1
        printf "QUIT\r\n" >&3
        [[ $line == 220* ]]' _ "$2" "$FTP_PORT" 2>/dev/null
}

# ftp_server_stop: stop vsftpd (teardown would too).
ftp_server_stop() {
    [ -n "$FTP_PID" ] || return 0
    stop "$FTP_PID"
    FTP_PID=
}

# ftp_mkfile PATH KIB: write KIB KiB of random bytes to PATH, readable by
# all (vsftpd serves anonymous users world-readable files only).
ftp_mkfile() {
    head -c "$(( $2 * 1024 ))" /dev/urandom >"$1" && chmod 0644 "$1"
}

# ftp_sha256 FILE: print the SHA-256 of FILE.
ftp_sha256() {
    local s
    s=$(sha256sum <"$1") || return 1
    printf '%s\n' "${s%% *}"
}

# ftp_same FILE1 FILE2: both exist and have the same SHA-256.
ftp_same() {
    [ -f "$1" ] && [ -f "$2" ] &&
        [ "$(ftp_sha256 "$1")" = "$(ftp_sha256 "$2")" ]
}

# ftp_log_has REGEX: vsftpd's log has a line matching the extended REGEX.
ftp_log_has() {
    [ -f "$T/logs/vsftpd.log" ] && grep -Eq -- "$1" "$T/logs/vsftpd.log"
}

# ftp_log_count REGEX: print how many lines of vsftpd's log match.
ftp_log_count() {
    [ -f "$T/logs/vsftpd.log" ] || { echo 0; return 1; }
    grep -Ec -- "$1" "$T/logs/vsftpd.log"
}

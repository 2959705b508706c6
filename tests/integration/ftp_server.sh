#!/bin/bash
# ftp_server.sh - the FTP test bed itself: real curl and lftp against the
# vsftpd of ftp_lib.sh, with no proxy in between. Passive (EPSV, PASV) and
# active (EPRT, PORT) downloads with matching SHA-256, a directory
# listing, uploads by the local user, and the refusals the FTP proxy will
# have to match (anonymous upload, a wrong password, PORT to a third
# host).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ftp_lib.sh"

need_cmd curl lftp timeout stat

topo_init
topo_host o "$O/$PFX"
topo_host c1 "$C1/$PFX"

ftp_server_start o "$O"

# Content: a binary file, a name with a space, a subdirectory.
ftp_mkfile "$FTP_ANON/pub/file.bin" 1024 || ERROR "cannot write file.bin"
printf 'hello over FTP\n' >"$FTP_ANON/pub/read me.txt" &&
    chmod 0644 "$FTP_ANON/pub/read me.txt" &&
    mkdir -m 0755 "$FTP_ANON/pub/sub" || ERROR "cannot fill pub/"
ftp_mkfile "$T/up.bin" 256 || ERROR "cannot write up.bin"
mkdir -p "$T/dl" "$T/client-home" || ERROR "cannot create $T/dl"

# lftp keeps history and a transfer log under its home: keep them here.
lftp_on() {
    local ns=$1
    shift
    HOME=$T/client-home LFTP_HOME=$T/client-home/lftp \
        XDG_DATA_HOME=$T/client-home XDG_CONFIG_HOME=$T/client-home \
        timeout 30 ip netns exec "$ns" lftp -c "set cmd:fail-exit yes;
            set ftp:ssl-allow no; set net:timeout 5; set net:max-retries 1;
            set net:reconnect-interval-base 1; set xfer:clobber on; $*"
}
curl_on() {
    local ns=$1
    shift
    timeout 30 ip netns exec "$ns" curl -sS --max-time 20 "$@"
}

# dl_same NAME: the download NAME matches pub/file.bin.
dl_same() { ftp_same "$FTP_ANON/pub/file.bin" "$T/dl/$1"; }

# pasv_ports_in_range: every 227 and 229 reply named a port of the range.
pasv_ports_in_range() {
    local l p n=0 h
    while read -r l; do
        if [[ $l =~ \(\|\|\|([0-9]+)\|\) ]]; then
            p=${BASH_REMATCH[1]}
        elif [[ $l =~ \(([0-9]+,){4}([0-9]+),([0-9]+)\) ]]; then
            h=${BASH_REMATCH[2]}
            p=$(( h * 256 + BASH_REMATCH[3] ))
        else
            continue
        fi
        n=$((n + 1))
        [ "$p" -ge "$FTP_PASV_MIN" ] && [ "$p" -le "$FTP_PASV_MAX" ] || {
            echo "port $p outside $FTP_PASV_MIN-$FTP_PASV_MAX: $l"
            return 1
        }
    done < <(grep -E '"22[79] ' "$T/logs/vsftpd.log")
    echo "$n passive replies checked"
    [ "$n" -ge 3 ]
}

# --- downloads: passive and active, both clients ---------------------------
CHECK "curl passive (EPSV) download, anonymous" \
    curl_on c1 -o "$T/dl/epsv.bin" "ftp://$O/pub/file.bin"
CHECK "  SHA-256 matches" dl_same epsv.bin
CHECK "  vsftpd saw EPSV" ftp_log_has 'FTP command: Client "'"$C1"'", "EPSV"'
CHECK "curl passive (PASV) download" \
    curl_on c1 --disable-epsv -o "$T/dl/pasv.bin" "ftp://$O/pub/file.bin"
CHECK "  SHA-256 matches" dl_same pasv.bin
CHECK "  vsftpd saw PASV" ftp_log_has '"PASV"'
CHECK "curl active (EPRT) download" \
    curl_on c1 -P "$C1" -o "$T/dl/eprt.bin" "ftp://$O/pub/file.bin"
CHECK "  SHA-256 matches" dl_same eprt.bin
CHECK "  vsftpd saw EPRT to the client" \
    ftp_log_has '"EPRT \|1\|'"$C1"'\|[0-9]+\|"'
CHECK "  and said 200 to it" ftp_log_has '"200 EPRT command successful'
CHECK "curl active (PORT) download" \
    curl_on c1 -P "$C1" --disable-eprt -o "$T/dl/port.bin" \
    "ftp://$O/pub/file.bin"
CHECK "  SHA-256 matches" dl_same port.bin
CHECK "  vsftpd saw PORT" ftp_log_has '"PORT 198,18,0,11,[0-9]+,[0-9]+"'
CHECK "lftp passive download" lftp_on c1 "set ftp:passive-mode on;
    open ftp://$O; get pub/file.bin -o $T/dl/lftp-pasv.bin"
CHECK "  SHA-256 matches" dl_same lftp-pasv.bin
n_port=$(ftp_log_count '"(PORT|EPRT) ')
CHECK "lftp active download" lftp_on c1 "set ftp:passive-mode off;
    open ftp://$O; get pub/file.bin -o $T/dl/lftp-port.bin"
CHECK "  SHA-256 matches" dl_same lftp-port.bin
CHECK "  it went active" test "$(ftp_log_count '"(PORT|EPRT) ')" -gt "$n_port"
CHECK "passive replies use the configured port range" pasv_ports_in_range
CHECK "vsftpd logged the transfers" \
    ftp_log_has 'OK DOWNLOAD: Client "'"$C1"'", "/pub/file.bin", 1048576 bytes'

# --- listings ---------------------------------------------------------------
CHECK "curl lists pub/" curl_on c1 -o "$T/dl/list.txt" "ftp://$O/pub/"
CHECK "  ls -l lines with the names" grep -Eq \
    '^-rw-r--r-- .* 1048576 .* file\.bin.?$' "$T/dl/list.txt"
CHECK "  a name with a space" grep -Eq ' read me\.txt.?$' "$T/dl/list.txt"
CHECK "  a directory" grep -Eq '^d.* sub.?$' "$T/dl/list.txt"
CHECK "lftp lists pub/ (names)" lftp_on c1 "open ftp://$O; cls -1 pub/ > \
    $T/dl/cls.txt"
CHECK "  all three names" bash -c 'grep -qx "pub/file.bin" "$1" &&
    grep -qx "pub/read me.txt" "$1" && grep -qx "pub/sub/" "$1"' _ \
    "$T/dl/cls.txt"

# --- uploads by the local user ----------------------------------------------
CHECK "curl upload by $FTP_USER" curl_on c1 -u "$FTP_USER:$FTP_PASS" \
    -T "$T/up.bin" "ftp://$O/up.bin"
CHECK "  the file arrived whole" ftp_same "$T/up.bin" "$FTP_HOME/up.bin"
CHECK "  owned by $FTP_USER" \
    test "$(stat -c %u "$FTP_HOME/up.bin")" = "$FTP_USER_UID"
CHECK "lftp upload (active) by $FTP_USER" lftp_on c1 \
    "set ftp:passive-mode off; open -u $FTP_USER,$FTP_PASS ftp://$O;
    put $T/up.bin -o up2.bin"
CHECK "  the file arrived whole" ftp_same "$T/up.bin" "$FTP_HOME/up2.bin"
CHECK "the user reads back the upload" curl_on c1 -u "$FTP_USER:$FTP_PASS" \
    -o "$T/dl/back.bin" "ftp://$O/up.bin"
CHECK "  SHA-256 matches" ftp_same "$T/up.bin" "$T/dl/back.bin"

# --- refusals ---------------------------------------------------------------
CHECK "anonymous upload is refused" not curl_on c1 -T "$T/up.bin" \
    "ftp://$O/pub/anon.bin"
CHECK "  and wrote nothing" bash -c '[ -d "$1" ] && [ ! -e "$1/anon.bin" ]' \
    _ "$FTP_ANON/pub"
CHECK "  vsftpd answered 550" ftp_log_has '"550 Permission denied."'
CHECK "a wrong password is refused" not curl_on c1 -u "$FTP_USER:wrong" \
    -o "$T/dl/none.bin" "ftp://$O/up.bin"
CHECK "  with 530" ftp_log_has 'FAIL LOGIN: Client "'"$C1"'"'
CHECK "PORT naming a third host is refused (no bounce)" not curl_on c1 \
    -P "$C2" --disable-eprt -o "$T/dl/bounce.bin" "ftp://$O/pub/file.bin"
CHECK "  vsftpd said so" ftp_log_has '"500 Illegal PORT command."'
CHECK "  and sent nothing" test ! -s "$T/dl/bounce.bin"
CHECK "a missing file is 550" not curl_on c1 -o "$T/dl/missing.bin" \
    "ftp://$O/pub/missing.bin"
CHECK "  vsftpd answered 550" ftp_log_has '"550 (Failed to open file|Could not get file size)\."'

ftp_server_stop
CHECK "vsftpd stopped cleanly" test "$STOP_STATUS" -ne 137
finish

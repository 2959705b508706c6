#!/bin/bash
# proxy_ftp_gw.sh - the ftp:// gateway of twin-proxy: HTTP clients (curl
# with -x, wget with ftp_proxy) ask the HTTP proxy for ftp:// URLs and
# get files and directory listings from a real vsftpd (ftp_lib.sh).
#
# Hosts: a (twin-proxy on A:3128), c1 (an allowed client), origin
# (vsftpd on O:21). Checks: a 50 MB file with matching SHA-256, its
# Content-Length, Last-Modified and Content-Type; wget; a directory as an
# HTML page with links (with and without the trailing slash); HEAD;
# ranges (bounded, open, suffix, unsatisfiable: 206 and 416); a login in
# the URL and in Authorization: Basic, a wrong password (401 with a Basic
# challenge), a missing file (404 naming the FTP reply); the password in
# no log; a login with a control byte refused (400); a denied server
# (403); ftp-cache (off: every request to the server; on: a hit for an
# anonymous one, none with a login); the server reached actively
# (ftp-server-data active, and as the fallback when the server refuses
# passive mode); ftp-gateway no (400).

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ftp_lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

need_cmd curl wget python3 timeout cmp dd

proxy_topo a c1 origin
proxy_dirs
ftp_server_start origin "$O"

gw_conf() {
    proxy_conf "listen $A:3128" "allow $C1/32" "allow $A/32" \
        "deny-domain .blocked.test" "outgoing-address $A" \
        "ftp-data-ports 41000-41049" "access-log $PX/access.log" "$@"
}
gw_conf
proxy_start

ftp_mkfile "$FTP_ANON/pub/big.bin" 51200 || ERROR "cannot write big.bin"
touch -d '2024-01-31 23:59:59 UTC' "$FTP_ANON/pub/big.bin"
printf 'hello through the gateway\n' >"$FTP_ANON/pub/read me.txt" &&
    chmod 0644 "$FTP_ANON/pub/read me.txt" &&
    mkdir -m 0755 "$FTP_ANON/pub/sub" ||
    ERROR "cannot fill pub/"
printf 'for the user only\n' >"$FTP_HOME/mine.txt" &&
    chown "$FTP_USER_UID:$FTP_USER_UID" "$FTP_HOME/mine.txt" ||
    ERROR "cannot write mine.txt"
mkdir -p "$T/dl" || ERROR "cannot create $T/dl"
chmod 0777 "$T/dl"

PX_URL=http://$A:3128
U=ftp://$O

# pc ARGS...: curl through the proxy from c1.
pc() { timeout 40 ip netns exec c1 curl -sS -m 30 -x "$PX_URL" "$@"; }
# hdr FILE NAME: the value of header NAME in a dumped head.
hdr() {
    tr -d '\r' <"$1" | awk -v n="$2" 'BEGIN { IGNORECASE = 1 }
        index(tolower($0), tolower(n) ":") == 1 {
            sub(/^[^:]*: */, ""); print; exit }'
}
acc() { wait_until 3 grep -qE -- "$1" "$PX/access.log"; }
# reloads N: the proxy has taken N reloads.
reloads() {
    [ "$(grep -c 'reload: configuration from' "$T/logs/proxy.log")" -ge "$1" ]
}
# part FIRST COUNT: COUNT bytes of big.bin from FIRST.
part() {
    dd if="$FTP_ANON/pub/big.bin" bs=1M iflag=skip_bytes,count_bytes \
        skip="$1" count="$2" status=none
}
same_part() { cmp <(part "$2" "$3") "$1"; }

# --- files ----------------------------------------------------------------
CHECK "curl -x: a 50 MB file" pc -D "$T/big.h" -o "$T/dl/big.bin" \
    "$U/pub/big.bin"
CHECK "  SHA-256 matches" ftp_same "$FTP_ANON/pub/big.bin" "$T/dl/big.bin"
CHECK "  200 with Content-Length from SIZE" bash -c '
    head -n 1 "$1" | grep -q "^HTTP/1.1 200 " &&
    tr -d "\r" <"$1" | grep -qix "content-length: 52428800"' _ "$T/big.h"
CHECK "  Last-Modified from MDTM" \
    test "$(hdr "$T/big.h" last-modified)" = "Wed, 31 Jan 2024 23:59:59 GMT"
CHECK "  Content-Type application/octet-stream" \
    test "$(hdr "$T/big.h" content-type)" = "application/octet-stream"
CHECK "  Via names the proxy" bash -c 'hdr() { tr -d "\r" <"$1" |
    grep -i "^via:"; }; hdr "$1" | grep -q "twin-proxy"' _ "$T/big.h"
CHECK "a text file: text/plain" bash -c '
    [ "$(timeout 20 ip netns exec c1 curl -sS -m 10 -x "$1" -D "$3" \
        "$2/pub/read%20me.txt")" = "hello through the gateway" ] &&
    tr -d "\r" <"$3" | grep -qix "content-type: text/plain"' _ \
    "$PX_URL" "$U" "$T/txt.h"
CHECK "wget with ftp_proxy: the file" timeout 40 ip netns exec c1 env \
    ftp_proxy="$PX_URL" wget -q -t 1 -T 20 -O "$T/dl/wget.bin" \
    "$U/pub/big.bin"
CHECK "  SHA-256 matches" ftp_same "$FTP_ANON/pub/big.bin" "$T/dl/wget.bin"
CHECK "a log line: TCP_MISS/200, the bytes, the URL, the server" \
    acc " $C1 TCP_MISS/200 5242[0-9]{4} GET ftp://$O/pub/big.bin - HIER_DIRECT/$O application/octet-stream$"

# --- directories ------------------------------------------------------------
CHECK "a directory: an HTML listing" pc -D "$T/dir.h" -o "$T/dl/dir.html" \
    "$U/pub/"
CHECK "  text/html" bash -c 'tr -d "\r" <"$1" |
    grep -qi "^content-type: text/html"' _ "$T/dir.h"
CHECK "  links to each entry, encoded" bash -c 'grep -q "href=\"big.bin\"" "$1" &&
    grep -q "href=\"read%20me.txt\"" "$1" && grep -q "href=\"sub/\"" "$1" &&
    grep -q "href=\"../\"" "$1" && grep -q "52428800" "$1"' _ \
    "$T/dl/dir.html"
CHECK "  a base for the links" grep -q "<base href=\"ftp://$O/pub/\">" \
    "$T/dl/dir.html"
CHECK "without the trailing slash: the same listing" bash -c '
    timeout 20 ip netns exec c1 curl -sS -m 10 -x "$1" "$2/pub" |
    grep -q "href=\"read%20me.txt\""' _ "$PX_URL" "$U"
CHECK "the root: no ../ link" bash -c '
    out=$(timeout 20 ip netns exec c1 curl -sS -m 10 -x "$1" "$2/") &&
    grep -q "href=\"pub/\"" <<<"$out" && ! grep -q "href=\"../\"" <<<"$out"' \
    _ "$PX_URL" "$U"
CHECK "wget with ftp_proxy: the listing" bash -c 'timeout 20 ip netns exec \
    c1 env ftp_proxy="$1" wget -q -t 1 -T 10 -O - "$2/pub/" |
    grep -q "href=\"big.bin\""' _ "$PX_URL" "$U"

# --- HEAD and ranges --------------------------------------------------------
CHECK "HEAD: the head only" bash -c '
    timeout 20 ip netns exec c1 curl -sS -m 10 -x "$1" -I "$2/pub/big.bin" \
        -o "$3" && tr -d "\r" <"$3" | grep -qix "content-length: 52428800" &&
    head -n 1 "$3" | grep -q " 200 "' _ "$PX_URL" "$U" "$T/head.h"
CHECK "  and the server was asked for no data" no_line vsftpd.log \
    'OK DOWNLOAD.*big\.bin", 0 bytes'
CHECK "Range 100-199: 206 and those bytes" bash -c '
    timeout 20 ip netns exec c1 curl -sS -m 10 -x "$1" -r 100-199 \
        -D "$3" -o "$4" "$2/pub/big.bin" && head -n 1 "$3" | grep -q " 206 " &&
    tr -d "\r" <"$3" | grep -qix "content-range: bytes 100-199/52428800"' _ \
    "$PX_URL" "$U" "$T/r1.h" "$T/dl/r1"
CHECK "  the bytes match" same_part "$T/dl/r1" 100 100
CHECK "  the server restarted the transfer (REST 100)" \
    ftp_log_has '"REST 100"'
CHECK "Range 52428000- (open)" pc -r 52428000- -o "$T/dl/r2" "$U/pub/big.bin"
CHECK "  the bytes match" same_part "$T/dl/r2" 52428000 800
CHECK "Range -300 (suffix)" pc -r -300 -o "$T/dl/r3" "$U/pub/big.bin"
CHECK "  the bytes match" same_part "$T/dl/r3" $((52428800 - 300)) 300
CHECK "Range past the end: 416 with the length" bash -c '
    code=$(timeout 20 ip netns exec c1 curl -s -m 10 -x "$1" -r 60000000- \
        -D "$3" -o /dev/null -w "%{http_code}" "$2/pub/big.bin");
    [ "$code" = 416 ] &&
    tr -d "\r" <"$3" | grep -qix "content-range: bytes \*/52428800"' _ \
    "$PX_URL" "$U" "$T/r4.h"

# --- logins and errors --------------------------------------------------------
CHECK "a login in the URL" bash -c '[ "$(timeout 20 ip netns exec c1 curl \
    -sS -m 10 -x "$1" "ftp://$2:$3@$4/mine.txt")" = "for the user only" ]' \
    _ "$PX_URL" "$FTP_USER" "$FTP_PASS" "$O"
CHECK "  logged with the user, never the password" \
    acc " TCP_MISS/200 [0-9]+ GET ftp://$FTP_USER@$O/mine.txt "
CHECK "a login in Authorization: Basic" bash -c '[ "$(timeout 20 ip netns \
    exec c1 curl -sS -m 10 -x "$1" -H "Authorization: Basic $(printf %s \
    "$2:$3" | base64)" "ftp://$4/mine.txt")" = "for the user only" ]' \
    _ "$PX_URL" "$FTP_USER" "$FTP_PASS" "$O"
CHECK "  logged with that user" \
    acc " TCP_MISS/200 [0-9]+ GET ftp://$FTP_USER@$O/mine.txt .* text/plain$"
CHECK "a wrong password: 401 with a Basic challenge" bash -c '
    code=$(timeout 20 ip netns exec c1 curl -s -m 10 -x "$1" -D "$3" \
        -o /dev/null -w "%{http_code}" "ftp://$2:wrong@$4/mine.txt");
    [ "$code" = 401 ] && tr -d "\r" <"$3" |
    grep -qix "www-authenticate: basic realm=\"FTP server $4\""' _ \
    "$PX_URL" "$FTP_USER" "$T/401.h" "$O"
CHECK "the password is in no log" bash -c '! grep -rF -e "$1" -e wrong \
    "$2" "$3"' _ "$FTP_PASS" "$PX/access.log" "$T/logs/proxy.log"
CHECK "  (while the logs are there)" test -s "$PX/access.log"
CHECK "a missing file: 404 naming the FTP reply" bash -c '
    out=$(timeout 20 ip netns exec c1 curl -s -m 10 -x "$1" -w "%{http_code}" \
        "$2/pub/none.bin"); echo "$out";
    [ "${out: -3}" = 404 ] && grep -q "FTP file not found (the FTP server answered 550)" \
        <<<"$out"' _ "$PX_URL" "$U"
# (curl refuses to send such a URL: a request of our own.)
CHECK "a login with a CR LF in it is refused (400)" bash -c '
    timeout 10 ip netns exec c1 bash -c "exec 3<>/dev/tcp/\$1/3128 &&
        printf \"GET ftp://u%%0D%%0ADELE%%20x@\$2/a HTTP/1.1\r\nHost: \$2\r\n\r\n\" >&3 &&
        read -r -t 5 l <&3 && echo \"\$l\" && [[ \$l == \"HTTP/1.1 400 \"* ]]" _ \
        "$1" "$2"' _ "$A" "$O"
CHECK "  and nothing reached the server" no_line vsftpd.log 'DELE'
CHECK "a denied server: 403" bash -c '[ "$(timeout 20 ip netns exec c1 \
    curl -s -m 10 -x "$1" -o /dev/null -w "%{http_code}" \
    ftp://ftp.blocked.test/x)" = 403 ]' _ "$PX_URL"
CHECK "PUT is not served: 501" bash -c '[ "$(timeout 20 ip netns exec c1 \
    curl -s -m 10 -x "$1" -X PUT -d x -o /dev/null -w "%{http_code}" \
    "$2/pub/x")" = 501 ]' _ "$PX_URL" "$U"

# --- ftp-cache ---------------------------------------------------------------
retrs() { ftp_log_count '"RETR read me.txt"'; }
cached_twice() {
    local n i
    n=$(retrs)
    for i in 1 2; do
        [ "$(timeout 20 ip netns exec c1 curl -sS -m 10 -x "$PX_URL" \
            "$@")" = "hello through the gateway" ] || return 1
    done
    echo "the server was asked $(( $(retrs) - n )) times"
    [ "$(retrs)" -eq $((n + 1)) ]
}
CHECK "without ftp-cache, each request goes to the server" \
    not cached_twice "$U/pub/read%20me.txt"
gw_conf "ftp-cache yes"
kill -HUP "$PROXY_PID"
wait_until 5 reloads 1 ||
    ERROR "the ftp-cache reload did not take effect"
touch -d '30 days ago' "$FTP_ANON/pub/read me.txt"
CHECK "with ftp-cache, the second answer comes from the cache" \
    cached_twice "$U/pub/read%20me.txt"
CHECK "  a TCP_MEM_HIT" acc " TCP_MEM_HIT/200 [0-9]+ GET ftp://$O/pub/read%20me.txt "
CHECK "  but not with a login" not cached_twice \
    "ftp://anonymous:x@$O/pub/read%20me.txt"

# --- the server reached actively ----------------------------------------------
gw_conf "ftp-server-data active"
kill -HUP "$PROXY_PID"
wait_until 5 reloads 2 ||
    ERROR "the second reload did not take effect"
nport=$(ftp_log_count '"(PORT|EPRT) ')
CHECK "ftp-server-data active: the 50 MB file" pc -o "$T/dl/active.bin" \
    "$U/pub/big.bin"
CHECK "  SHA-256 matches" ftp_same "$FTP_ANON/pub/big.bin" "$T/dl/active.bin"
CHECK "  the proxy used PORT or EPRT" \
    test "$(ftp_log_count '"(PORT|EPRT) ')" -gt "$nport"
CHECK "  a listing, actively" bash -c 'timeout 20 ip netns exec c1 curl -sS \
    -m 10 -x "$1" "$2/pub/" | grep -q "href=\"big.bin\""' _ "$PX_URL" "$U"

# A server that refuses passive mode: the gateway falls back to active.
gw_conf
kill -HUP "$PROXY_PID"
wait_until 5 reloads 3 || ERROR "the third reload did not take effect"
ftp_server_stop
ftp_server_start origin "$O" "pasv_enable=NO"
nport=$(ftp_log_count '"(PORT|EPRT) ')
CHECK "passive refused by the server: active as the fallback" \
    pc -o "$T/dl/fallback.bin" "$U/pub/big.bin"
CHECK "  SHA-256 matches" ftp_same "$FTP_ANON/pub/big.bin" \
    "$T/dl/fallback.bin"
CHECK "  after EPSV and PASV were refused" bash -c 'grep -q "\"EPSV\"" "$1" &&
    grep -q "\"PASV\"" "$1"' _ "$T/logs/vsftpd.log"
CHECK "  the proxy used PORT or EPRT" \
    test "$(ftp_log_count '"(PORT|EPRT) ')" -gt "$nport"

gw_conf "ftp-gateway no"
kill -HUP "$PROXY_PID"
wait_until 5 reloads 4 ||
    ERROR "the fourth reload did not take effect"
CHECK "ftp-gateway no: 400" bash -c '[ "$(timeout 20 ip netns exec c1 \
    curl -s -m 10 -x "$1" -o /dev/null -w "%{http_code}" \
    "$2/pub/read%20me.txt")" = 400 ]' _ "$PX_URL" "$U"

stop "$PROXY_PID"
CHECK "twin-proxy stopped cleanly" test "$STOP_STATUS" -eq 0
finish

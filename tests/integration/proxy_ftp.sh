#!/bin/bash
# proxy_ftp.sh - the native FTP proxy of twin-proxy with real clients
# (curl, lftp) and a real server (vsftpd, ftp_lib.sh).
#
# Hosts: a (twin-proxy: HTTP on A:3128, FTP on A:21), c1 (an allowed
# client), c2 (a host that is not allowed, and the third host of the
# bounce and theft attempts), origin (vsftpd on O:21, passive and active
# enabled). Clients log in as user@server. Checks: 50 MB downloads and
# uploads with matching SHA-256 in passive (EPSV, PASV) and active (EPRT,
# PORT) modes on the client side, against a server reached passively and
# then (after a reload) actively; listings; the access log (one line a
# transfer, the server's reply code, no password anywhere); the data
# ports in ftp-data-ports; the outgoing address; FEAT filtered; AUTH TLS
# refused (534) and lftp going on without it; PORT to a third host and
# to a privileged port refused (504, logged, never sent on); a third
# host connecting to a client's passive port refused while the client's
# own transfer goes through; a client not allowed (421), a denied domain
# and a denied port (530 with the reason); strict parsing (bare LF,
# unknown and refused commands); ABOR during a download; a passive
# client that never connects (ftp-data-timeout); the control timeout;
# the counters; SIGTERM with an idle session (421, no wait).

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ftp_lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/metrics_lib.sh"

need_cmd curl lftp python3 timeout promtool
RAW=$TOP_SRCDIR/tests/integration/proxy_ftp_raw.py

proxy_topo a c1 c2 origin
proxy_dirs
ftp_server_start origin "$O"

DATA_MIN=40000
DATA_MAX=40049
CTRL_TIMEOUT=3
ftp_conf() {
    proxy_conf "listen $A:3128" "ftp-listen $A:21" "allow $C1/32" \
        "allow $A/32" "deny-domain .blocked.test" "deny-port 2121" \
        "outgoing-address $A" "ftp-data-ports $DATA_MIN-$DATA_MAX" \
        "ftp-control-timeout ${CTRL_TIMEOUT}s" "ftp-data-timeout 5s" \
        "access-log $PX/access.log" "$@"
    printf 'metrics { listen %s; allow %s/32; }\n' "$A" "$C1" >>"$CONF"
}
ftp_conf
proxy_start
wait_port c1 "$A" 21

# Content: 50 MB to move both ways, a small file, a directory.
ftp_mkfile "$FTP_ANON/pub/big.bin" 51200 || ERROR "cannot write big.bin"
printf 'hello through the proxy\n' >"$FTP_ANON/pub/read me.txt" &&
    chmod 0644 "$FTP_ANON/pub/read me.txt" &&
    mkdir -m 0755 "$FTP_ANON/pub/sub" || ERROR "cannot fill pub/"
cp "$FTP_ANON/pub/big.bin" "$T/up.bin" || ERROR "cannot copy big.bin"
mkdir -p "$T/dl" "$T/client-home" || ERROR "cannot create $T/dl"
chmod 0777 "$T/dl"

ANON="anonymous@$O"
USR="$FTP_USER@$O"
P=ftp://$A

curl_on() {
    local ns=$1
    shift
    timeout 40 ip netns exec "$ns" curl -sS --max-time 30 "$@"
}
lftp_on() {
    local ns=$1
    shift
    HOME=$T/client-home LFTP_HOME=$T/client-home/lftp \
        XDG_DATA_HOME=$T/client-home XDG_CONFIG_HOME=$T/client-home \
        timeout 40 ip netns exec "$ns" lftp -c "set cmd:fail-exit yes;
            set net:timeout 10; set net:max-retries 1;
            set net:reconnect-interval-base 1; set xfer:clobber on; $*"
}
# curl_v NAME ARGS...: curl_on c1 -v, its trace kept in $T/curl-NAME.err.
curl_v() {
    local name=$1
    shift
    curl_on c1 -v "$@" 2>"$T/curl-$name.err"
}
big_same() { ftp_same "$FTP_ANON/pub/big.bin" "$T/dl/$1"; }
# acc REGEX: the access log has (or soon has: it is written once a
# second) a line matching REGEX.
acc() { wait_until 3 grep -qE -- "$1" "$PX/access.log"; }
stat_of() {
    on a "$TWINCTL" -f "$CONF" proxy stats | awk -v n="$1" '$1 == n { print $2 }'
}

# data_ports_in_range: every 227/229 the proxy gave c1 named a port of
# ftp-data-ports (curl -v prints them).
data_ports_in_range() {
    local l p n=0
    while read -r l; do
        if [[ $l =~ \(\|\|\|([0-9]+)\|\) ]]; then
            p=${BASH_REMATCH[1]}
        elif [[ $l =~ \(([0-9]+,){4}([0-9]+),([0-9]+)\) ]]; then
            p=$(( BASH_REMATCH[2] * 256 + BASH_REMATCH[3] ))
        else
            continue
        fi
        n=$((n + 1))
        [ "$p" -ge "$DATA_MIN" ] && [ "$p" -le "$DATA_MAX" ] ||
            { echo "port $p outside the range: $l"; return 1; }
    done < <(grep -hE '^< 22[79] ' "$T"/curl-*.err)
    echo "$n passive replies checked"
    [ "$n" -ge 2 ]
}

# --- downloads: the client side in each mode, the server passive --------
CHECK "curl, passive (EPSV): 50 MB download as $ANON" \
    curl_v epsv -u "$ANON:x" -o "$T/dl/epsv.bin" "$P/pub/big.bin"
CHECK "  SHA-256 matches" big_same epsv.bin
CHECK "  the server saw the proxy's real address" \
    ftp_log_has 'OK DOWNLOAD: Client "'"$A"'", "/pub/big.bin", 52428800 bytes'
CHECK "  the proxy went passive with the server (EPSV)" \
    ftp_log_has 'Client "'"$A"'", "EPSV"'
CHECK "curl, passive (PASV): 50 MB download" \
    curl_v pasv --disable-epsv -u "$ANON:x" -o "$T/dl/pasv.bin" \
    "$P/pub/big.bin"
CHECK "  SHA-256 matches" big_same pasv.bin
CHECK "  the proxy's passive ports are in ftp-data-ports" data_ports_in_range
CHECK "curl, active (EPRT): 50 MB download" \
    curl_on c1 -P "$C1" -u "$ANON:x" -o "$T/dl/eprt.bin" "$P/pub/big.bin"
CHECK "  SHA-256 matches" big_same eprt.bin
CHECK "curl, active (PORT): 50 MB download" \
    curl_on c1 -P "$C1" --disable-eprt -u "$ANON:x" -o "$T/dl/port.bin" \
    "$P/pub/big.bin"
CHECK "  SHA-256 matches" big_same port.bin
CHECK "a name with a space" bash -c '[ "$(timeout 20 ip netns exec c1 \
    curl -sS -m 10 -u "$1:x" "$2/pub/read%20me.txt")" = \
    "hello through the proxy" ]' _ "$ANON" "$P"
CHECK "lftp, passive: download" lftp_on c1 "set ftp:passive-mode on;
    set ftp:ssl-allow no; open -u $ANON,x $P;
    get pub/big.bin -o $T/dl/lftp-pasv.bin"
CHECK "  SHA-256 matches" big_same lftp-pasv.bin
CHECK "lftp, active: download" lftp_on c1 "set ftp:passive-mode off;
    set ftp:ssl-allow no; open -u $ANON,x $P;
    get pub/big.bin -o $T/dl/lftp-port.bin"
CHECK "  SHA-256 matches" big_same lftp-port.bin

# --- uploads by the local user ------------------------------------------
CHECK "curl, passive: 50 MB upload as $USR" \
    curl_on c1 -u "$USR:$FTP_PASS" -T "$T/up.bin" "$P/up-pasv.bin"
CHECK "  the file arrived whole" ftp_same "$T/up.bin" "$FTP_HOME/up-pasv.bin"
CHECK "curl, active: 50 MB upload" \
    curl_on c1 -P "$C1" -u "$USR:$FTP_PASS" -T "$T/up.bin" "$P/up-port.bin"
CHECK "  the file arrived whole" ftp_same "$T/up.bin" "$FTP_HOME/up-port.bin"
CHECK "lftp, passive: upload" lftp_on c1 "set ftp:passive-mode on;
    set ftp:ssl-allow no; open -u $USR,$FTP_PASS $P;
    put $T/up.bin -o up-lftp.bin"
CHECK "  the file arrived whole" ftp_same "$T/up.bin" "$FTP_HOME/up-lftp.bin"

# --- listings -----------------------------------------------------------
CHECK "curl lists pub/" curl_on c1 -u "$ANON:x" -o "$T/dl/list.txt" "$P/pub/"
CHECK "  ls -l lines with the names" bash -c 'grep -Eq \
    "^-rw-r--r-- .* 52428800 .* big\.bin.?$" "$1" &&
    grep -Eq " read me\.txt.?$" "$1" && grep -Eq "^d.* sub.?$" "$1"' _ \
    "$T/dl/list.txt"
CHECK "lftp lists pub/ (names)" lftp_on c1 "set ftp:ssl-allow no;
    open -u $ANON,x $P; cls -1 pub/ > $T/dl/cls.txt"
CHECK "  all three names" bash -c 'grep -qx "pub/big.bin" "$1" &&
    grep -qx "pub/read me.txt" "$1" && grep -qx "pub/sub/" "$1"' _ \
    "$T/dl/cls.txt"

# --- the access log -------------------------------------------------------
CHECK "a log line per transfer: TCP_MISS/226, bytes, URL, server" \
    acc " $C1 TCP_MISS/226 52428800 RETR ftp://anonymous@$O/pub/big.bin - HIER_DIRECT/$O -$"
CHECK "  the upload too" acc " TCP_MISS/226 52428800 STOR ftp://$FTP_USER@$O/up-pasv.bin - HIER_DIRECT/$O "
CHECK "  and the listing" acc " TCP_MISS/226 [0-9]+ LIST ftp://anonymous@$O/pub/ "
CHECK "the password is in no log" bash -c '! grep -rF -- "$1" "$2" "$3"' _ \
    "$FTP_PASS" "$PX/access.log" "$T/logs/proxy.log"
CHECK "  (while the log files are there)" test -s "$T/logs/proxy.log"

# --- the server's side of the protocol ------------------------------------
CHECK "FEAT after login: the server's, with EPSV, without AUTH" \
    bash -c 'out=$(timeout 20 ip netns exec c1 python3 "$1" talk "$2" 21 \
        "USER $3" FEAT QUIT) && echo "$out" &&
        grep -q "^ EPSV" <<<"$out" && grep -q "^ MDTM" <<<"$out" &&
        ! grep -q "AUTH" <<<"$out"' _ "$RAW" "$A" "$ANON"
CHECK "AUTH TLS is refused (534), the session goes on" \
    bash -c 'out=$(timeout 20 ip netns exec c1 python3 "$1" talk "$2" 21 \
        "AUTH TLS" "USER $3" PWD QUIT) && echo "$out" &&
        grep -q "^534 " <<<"$out" && grep -q "^257 " <<<"$out"' _ \
        "$RAW" "$A" "$ANON"
CHECK "lftp with TLS allowed goes on without it" lftp_on c1 \
    "set ftp:ssl-allow yes; open -u $ANON,x $P; cat pub/read\ me.txt"
CHECK "strict parsing: bare LF, unknown and refused commands" \
    bash -c 'out=$(timeout 20 ip netns exec c1 python3 "$1" talk "$2" 21 \
        "USER $3" "raw:NOOP\n" "XYZZ" "SITE CHMOD 777 x" "HOST x" \
        "REIN" QUIT) && echo "$out" &&
        grep -q "^500 bare LF in command" <<<"$out" &&
        grep -q "^500 unknown command" <<<"$out" &&
        grep -Eq "^(500|550) " <<<"$(sed -n "/SITE/{n;p}" <<<"$out")" &&
        [ "$(grep -c "^502 " <<<"$out")" -eq 2 ]' _ "$RAW" "$A" "$ANON"

# --- no FTP bounce, no data-port theft ------------------------------------
nport=$(ftp_log_count '"(PORT|EPRT) ')
CHECK "PORT to a third host is refused (504)" bash -c 'out=$(timeout 20 \
    ip netns exec c1 python3 "$1" talk "$2" 21 "USER $3" \
    "PORT 198,18,0,12,156,64" "EPRT |1|198.18.0.200|21|" QUIT) &&
    echo "$out" && [ "$(grep -c "^504 " <<<"$out")" -eq 2 ]' _ \
    "$RAW" "$A" "$ANON"
CHECK "  a PORT to the client's own privileged port too" bash -c 'out=$( \
    timeout 20 ip netns exec c1 python3 "$1" talk "$2" 21 "USER $3" \
    "PORT 198,18,0,11,0,25" QUIT) && echo "$out" &&
    grep -q "^504 PORT refused: data port below 1024" <<<"$out"' _ \
    "$RAW" "$A" "$ANON"
CHECK "  it is logged" wait_log proxy.log "PORT 198.18.0.12:40000 refused"
CHECK "  with a TCP_DENIED line" acc " TCP_DENIED/504 0 PORT ftp://anonymous@$O/ "
CHECK "  and nothing reached the server" \
    test "$(ftp_log_count '"(PORT|EPRT) ')" -eq "$nport"
CHECK "curl with -P naming a third host gets no data" not curl_on c1 \
    -P "$C2" --disable-eprt -u "$ANON:x" -o "$T/dl/bounce.bin" \
    "$P/pub/read%20me.txt"
CHECK "  and nothing was sent" test ! -s "$T/dl/bounce.bin"

theft() {
    local port
    rm -f "$T/theft.port" "$T/theft.go"
    timeout 40 ip netns exec c1 python3 "$RAW" theft "$A" 21 "$ANON" \
        "pub/read me.txt" "$T/theft.port" "$T/theft.go" "$T/dl/theft.txt" \
        >"$T/theft.out" 2>&1 &
    local pid=$!
    wait_until 10 test -s "$T/theft.port" || return 1
    read -r _ port <"$T/theft.port"
    # The thief's connection is taken and closed at once: it reads EOF.
    timeout 5 ip netns exec c2 bash -c 'exec 3<>"/dev/tcp/$1/$2" &&
        ! read -r -t 3 x <&3' _ "$A" "$port" || { echo thief got data; return 1; }
    touch "$T/theft.go"
    wait "$pid" || { cat "$T/theft.out"; return 1; }
    cat "$T/theft.out"
    [ "$(cat "$T/dl/theft.txt")" = "hello through the proxy" ]
}
CHECK "a third host on a client's passive port is refused; the client's own transfer works" theft
CHECK "  it is logged" wait_log proxy.log "connection from $C2:[0-9]+ refused"
CHECK "  and counted" test "$(stat_of ftp-data-theft-refused)" = 1

# /metrics says what twinctl says (nothing is in flight here).
ftp_metrics() {
    local n
    scrape c1 "$A" 9712 ftp && promok ftp || return 1
    for n in logins transfers transfers-failed bytes-down bytes-up \
        gateway-requests; do
        case $n in
        bytes-*) mis ftp "twinproxy_proxy_ftp_data_bytes_total{direction=\"${n#bytes-}\"}" \
            "$(stat_of "ftp-$n")" ;;
        *) mis ftp "twinproxy_proxy_ftp_$(echo "$n" | tr - _)_total" \
            "$(stat_of "ftp-$n")" ;;
        esac || return 1
    done
    mis ftp 'twinproxy_proxy_ftp_refused_total{reason="theft"}' 1 &&
        mge ftp 'twinproxy_proxy_ftp_refused_total{reason="bounce"}' 1 &&
        mge ftp 'twinproxy_proxy_ftp_data_bytes_total{direction="up"}' \
            $((3 * 52428800)) &&
        mge ftp twinproxy_proxy_ftp_connections_accepted_total 10
}
CHECK "the FTP counters in /metrics (promtool), as twinctl gives them" ftp_metrics

# --- access control -------------------------------------------------------
CHECK "a client not allowed gets 421" bash -c 'timeout 5 ip netns exec c2 \
    bash -c "exec 3<>/dev/tcp/$1/21 && read -r l <&3 && echo \"\$l\" &&
    [[ \$l == 421* ]]"' _ "$A"
CHECK "a denied domain: 530 with the reason" bash -c 'out=$(timeout 20 \
    ip netns exec c1 python3 "$1" talk "$2" 21 "USER x@ftp.blocked.test" \
    QUIT) && echo "$out" &&
    grep -q "^530 Login refused: destination domain is denied (ftp.blocked.test)" \
    <<<"$out"' _ "$RAW" "$A"
CHECK "a denied port: 530" bash -c 'out=$(timeout 20 ip netns exec c1 \
    python3 "$1" talk "$2" 21 "USER x@$3:2121" QUIT) && echo "$out" &&
    grep -q "^530 Login refused: destination port is denied" <<<"$out"' _ \
    "$RAW" "$A" "$O"
CHECK "  logged TCP_DENIED/530" acc " TCP_DENIED/530 0 USER ftp://x@ftp.blocked.test/ "
CHECK "curl with a denied server fails" not curl_on c1 \
    -u "anonymous@ftp.blocked.test:x" -o "$T/dl/denied" "$P/pub/big.bin"
CHECK "a login without a server: 530 naming the form" bash -c 'out=$( \
    timeout 20 ip netns exec c1 python3 "$1" talk "$2" 21 "USER anonymous" \
    QUIT) && echo "$out" && grep -q "^530 .*user@server" <<<"$out"' _ \
    "$RAW" "$A"

# --- ABOR, and a client that never connects -------------------------------
CHECK "ABOR during a download: 426, then ABOR's reply; the session goes on" \
    bash -c 'out=$(timeout 30 ip netns exec c1 python3 "$1" abor "$2" 21 \
        "$3" pub/big.bin) && echo "$out" && grep -q "^426 " <<<"$out" &&
        grep -Eq "^22[56] " <<<"$out" && grep -q "^257 " <<<"$out"' _ \
    "$RAW" "$A" "$ANON"
CHECK "  logged as cut short" acc " TCP_MISS_ABORTED/426 [0-9]+ RETR ftp://anonymous@$O/pub/big.bin "
nodata() {
    local t0
    t0=$(now_us)
    timeout 30 ip netns exec c1 python3 "$RAW" nodata "$A" 21 "$ANON" \
        pub/big.bin >"$T/nodata.out" || { cat "$T/nodata.out"; return 1; }
    cat "$T/nodata.out"
    grep -Eq "^42[56] " "$T/nodata.out" && elapsed_within "$t0" 4 10
}
CHECK "a passive client that never connects: 425/426 after ftp-data-timeout" \
    nodata

# --- timeouts -------------------------------------------------------------
idle_closed() {
    local t0
    t0=$(now_us)
    timeout 20 ip netns exec c1 python3 "$RAW" wait "$A" 21 "$ANON" \
        >"$T/idle.out" || return 1
    cat "$T/idle.out"
    grep -q "^421 Timeout" "$T/idle.out" &&
        elapsed_within "$t0" "$CTRL_TIMEOUT" $((CTRL_TIMEOUT + 3))
}
CHECK "an idle session is closed after ftp-control-timeout (421)" idle_closed

# --- the server reached actively (reload) ---------------------------------
ftp_conf "ftp-server-data active"
kill -HUP "$PROXY_PID"
wait_log proxy.log "reload: configuration from"
nport=$(ftp_log_count '"(PORT|EPRT) \|?1?\|?198[,.]18[,.]0[,.]1[,|]')
CHECK "client passive, server active: 50 MB download" \
    curl_on c1 -u "$ANON:x" -o "$T/dl/srv-active.bin" "$P/pub/big.bin"
CHECK "  SHA-256 matches" big_same srv-active.bin
CHECK "  the proxy sent the server PORT or EPRT to itself" \
    test "$(ftp_log_count '"(PORT|EPRT) \|?1?\|?198[,.]18[,.]0[,.]1[,|]')" -gt "$nport"
# srv_ports_in_range: the ports the proxy named in its PORT and EPRT are
# of ftp-data-ports (the server connects to them).
srv_ports_in_range() {
    local l p n=0
    while read -r l; do
        if [[ $l =~ \"EPRT\ \|1\|[0-9.]+\|([0-9]+)\|\" ]]; then
            p=${BASH_REMATCH[1]}
        elif [[ $l =~ \"PORT\ ([0-9]+,){4}([0-9]+),([0-9]+)\" ]]; then
            p=$(( BASH_REMATCH[2] * 256 + BASH_REMATCH[3] ))
        else
            continue
        fi
        n=$((n + 1))
        [ "$p" -ge "$DATA_MIN" ] && [ "$p" -le "$DATA_MAX" ] ||
            { echo "port $p outside the range: $l"; return 1; }
    done < <(grep -F "Client \"$A\"" "$T/logs/vsftpd.log" | grep -E '"(PORT|EPRT) ')
    echo "$n PORT/EPRT commands checked"
    [ "$n" -ge 1 ]
}
CHECK "  on a port of ftp-data-ports" srv_ports_in_range
CHECK "client active, server active: 50 MB upload" \
    curl_on c1 -P "$C1" -u "$USR:$FTP_PASS" -T "$T/up.bin" "$P/up-aa.bin"
CHECK "  the file arrived whole" ftp_same "$T/up.bin" "$FTP_HOME/up-aa.bin"

# --- counters -------------------------------------------------------------
CHECK "twinctl proxy stats counts the FTP side" bash -c '
    out=$(ip netns exec a "$1" -f "$2" proxy stats) && echo "$out" | grep ftp- &&
    awk "\$1 == \"ftp-transfers\" && \$2 >= 12 { t = 1 }
         \$1 == \"ftp-bounce-refused\" && \$2 == 4 { b = 1 }
         \$1 == \"ftp-tls-refused\" && \$2 >= 1 { s = 1 }
         \$1 == \"ftp-denied\" && \$2 >= 3 { d = 1 }
         END { exit !(t && b && s && d) }" <<<"$out"' _ "$TWINCTL" "$CONF"

# --- drain: an idle session is told, and does not hold the exit ------------
timeout 20 ip netns exec c1 python3 "$RAW" wait "$A" 21 "$ANON" \
    >"$T/drain.out" 2>&1 &
DRAIN_CLIENT=$!
wait_until 10 grep -q "^230 " "$T/drain.out" ||
    ERROR "the session for the drain did not log in"
t0=$(now_us)
stop "$PROXY_PID" 5
CHECK "SIGTERM: twin-proxy stops at once" elapsed_within "$t0" 0 3
CHECK "  cleanly" test "$STOP_STATUS" -eq 0
wait "$DRAIN_CLIENT"
CHECK "  the idle session was told 421" \
    grep -q "^421 The proxy is shutting down" "$T/drain.out"
finish

#!/bin/bash
# proxy_ftp_pair.sh - the FTP proxy in an active-standby pair.
#
# Both peers' proxies listen for FTP on the floating IP (bound before the
# address arrives, IP_FREEBIND) and on their real IP; clients use F-IP:21
# and log in as user@server. Checks: the standby listens on the floating
# IP it does not hold; a download through the floating IP is served by a
# (its access log) from a's real address; a download under way when all
# of a's daemons are killed (kill -9, its cable pulled) fails, and the retry
# (curl --retry) through the floating IP is served by
# b, the file whole; b's real-IP listener serves as well.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"
. "$(dirname "$0")/pair_lib.sh"
. "$(dirname "$0")/ftp_lib.sh"

need_cmd curl python3 ss timeout

pair_topo
# The server sends at most 4 MB/s, so that a's proxy cannot have fetched
# the whole file (and handed it to its kernel) before a dies.
ftp_server_start origin "$O" anon_max_rate=4000000
for p in a b; do
    [ "$p" = a ] && addr=$A || addr=$B
    pair_conf standby "$p" "$addr" "$([ "$p" = a ] && echo "$B" || echo "$A")" \
        "$([ "$p" = a ] && echo primary || echo backup)" \
        "ftp-listen $FIP:21" "ftp-listen $addr:21" \
        "ftp-data-ports 42000-42099"
done
pair_start a
pair_start b

# 16 MB, fetched at 2 MB/s: the kill comes in the middle.
ftp_mkfile "$FTP_ANON/pub/f.bin" 16384 || ERROR "cannot write f.bin"
mkdir -p "$T/dl" || ERROR "cannot create $T/dl"

ANON="anonymous@$O"
fetch() {
    local host=$1 out=$2
    shift 2
    timeout 60 ip netns exec c1 curl -sS --max-time 50 -u "$ANON:x" \
        -o "$T/dl/$out" "$@" "ftp://$host/pub/f.bin"
}
same() { ftp_same "$FTP_ANON/pub/f.bin" "$T/dl/$1"; }
ftp_served_by() {
    wait_until 3 grep -q " RETR ftp://anonymous@$O/pub/f.bin " \
        "$T/logs/access-$1.log"
}

CHECK "a holds the floating IP" wait_until 5 one_holder a
CHECK "b, the standby, listens for FTP on the floating IP it lacks" \
    bash -c 'ip netns exec b ss -Hltn "sport = :21" | grep -q "$1:21" &&
        ! ip -n b addr show dev eth0 | grep -q "$1/"' _ "$FIP"
CHECK "a download through F-IP:21" fetch "$FIP" first.bin
CHECK "  SHA-256 matches" same first.bin
CHECK "  a served it" ftp_served_by a
CHECK "  from its real address" \
    ftp_log_has 'OK DOWNLOAD: Client "'"$A"'", "/pub/f.bin"'
CHECK "  b did not" no_line -F access-b.log "RETR"

# The download under way when a dies; curl tries again (from the start).
timeout 90 ip netns exec c1 curl -sS --max-time 60 --limit-rate 2M \
    --retry 20 --retry-delay 1 --retry-all-errors -u "$ANON:x" \
    -o "$T/dl/failover.bin" "ftp://$FIP/pub/f.bin" \
    >"$T/logs/curl-failover.log" 2>&1 &
CURL_PID=$!
wait_until 10 test -s "$T/dl/failover.bin" ||
    ERROR "the download through a did not start"
sleep 1
size_at_kill=$(stat -c %s "$T/dl/failover.bin")
# a's whole host goes: with its cable in, the kernel would still deliver
# what a's proxy had already handed it, and the first try could finish.
link_down a
pair_kill a KILL
echo "# $size_at_kill bytes had arrived when a died"
CHECK "the download was under way at the kill" \
    test "$size_at_kill" -gt 0 -a "$size_at_kill" -lt $((16384 * 1024))
CHECK "b takes the floating IP" wait_until 5 holds b
CHECK "the client's retry completes the download" wait "$CURL_PID"
cat "$T/logs/curl-failover.log"
CHECK "  SHA-256 matches" same failover.bin
CHECK "  b served the retry" ftp_served_by b
CHECK "  after the first try broke with a" \
    grep -q "^curl: ([0-9]*) " "$T/logs/curl-failover.log"
CHECK "b's real-IP FTP listener serves too" fetch "$B" real-b.bin
CHECK "  SHA-256 matches" same real-b.bin
finish

#!/bin/bash
# ftp_bench.sh - FTP throughput through twin-proxy, in network namespaces
# (root: vsftpd needs it), against peers in the same run:
#
#   1. a 1 GiB passive (EPSV) download by curl on c1 from vsftpd on
#      origin, directly and through the native FTP proxy on a (login
#      anonymous@origin): the ratio proxy/direct, which should be at
#      least 0.9 (the data relay splices);
#   2. the same file through the ftp:// gateways of Squid and of
#      twin-proxy, both on a (curl -x): the ratio twin-proxy/Squid.
#
# Each figure is the best of ROUNDS (default 3) downloads, bounded to
# 60 s each, the four kinds taking turns. In namespaces the CPU is the
# limit, and the proxied path does twice the TCP work (two connections
# instead of one): on a busy machine it suffers first, so run it on a
# quiet one, or with LINK_RATE=1gbit to ask what a LAN asks. Not part of
# `make check`. Build without sanitizers first:
#
#   TOP_BUILDDIR=$PWD/build-rel tests/bench/ftp_bench.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
export TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$here/../.." && pwd)}
export TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR/build}
ROUNDS=${ROUNDS:-3}
SIZE_MB=${SIZE_MB:-1024}
# LINK_RATE=1gbit shapes every host's link (tc tbf), as an office LAN
# would: then the question is whether the proxy keeps up with the line.
LINK_RATE=${LINK_RATE:-}
# lib.sh re-runs this script inside private namespaces.
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/integration/ftp_lib.sh"
. "$TOP_SRCDIR/tests/integration/proxy_lib.sh"

need_cmd curl squid awk truncate
PROXY_OPTS=(-d)
proxy_topo a c1 origin
proxy_dirs
if [ -n "$LINK_RATE" ]; then
    need_cmd tc
    for h in a c1 origin; do
        ip netns exec "$h" tc qdisc add dev eth0 root tbf rate "$LINK_RATE" \
            burst 512kb latency 20ms || ERROR "tc on $h failed"
    done
fi
ftp_server_start origin "$O"
# A sparse file: the server's disk is not what is measured.
truncate -s "${SIZE_MB}M" "$FTP_ANON/pub/big.bin" &&
    chmod 0644 "$FTP_ANON/pub/big.bin" || ERROR "cannot make big.bin"

proxy_conf "listen $A:3128" "ftp-listen $A:21" "allow $C1/32" \
    "outgoing-address $A" "access-log none"
proxy_start
wait_port c1 "$A" 21

# Squid's ftp:// gateway on a, port 3129: no cache, passive first.
mkdir -p "$T/squid" && chmod 0777 "$T/squid" || ERROR "cannot make $T/squid"
cat >"$T/squid/squid.conf" <<EOF
http_port $A:3129
http_access allow all
cache deny all
cache_mem 8 MB
cache_dir null /tmp
ftp_passive on
ftp_epsv on
dns_nameservers 127.0.0.1
visible_hostname ftp-bench
pid_filename $T/squid/squid.pid
access_log stdio:$T/squid/access.log
cache_log $T/squid/cache.log
coredump_dir $T/squid
shutdown_lifetime 0 seconds
workers 1
EOF
spawn a squid.log squid -N -f "$T/squid/squid.conf"
wait_port c1 "$A" 3129 20

# speed ARGS...: the speed (bytes/s) of one download by curl on c1.
speed() {
    local s
    s=$(timeout 70 ip netns exec c1 curl -sS --max-time 60 \
        -o /dev/null -w '%{size_download} %{speed_download}\n' "$@") ||
        ERROR "download failed: curl $*"
    [ "${s%% *}" -eq $((SIZE_MB * 1024 * 1024)) ] ||
        ERROR "short download (${s%% *} bytes): curl $*"
    s=${s#* }
    echo "${s%.*}"
}
mbs() { awk -v b="$1" 'BEGIN { printf "%.0f MB/s", b / 1048576 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# The four kinds take turns, so a busy moment costs each alike; the best
# of each counts.
declare -A best=([direct]=0 [native]=0 [squid]=0 [twin]=0)
for ((r = 0; r < ROUNDS; r++)); do
    for k in direct native squid twin; do
        case $k in
            direct) v=$(speed "ftp://$O/pub/big.bin") ;;
            native) v=$(speed -u "anonymous@$O:x" "ftp://$A/pub/big.bin") ;;
            squid) v=$(speed -x "http://$A:3129" "ftp://$O/pub/big.bin") ;;
            twin) v=$(speed -x "http://$A:3128" "ftp://$O/pub/big.bin") ;;
        esac
        [ -n "$v" ] || ERROR "the $k download failed"
        [ "$v" -gt "${best[$k]}" ] && best[$k]=$v
    done
done
direct=${best[direct]}
native=${best[native]}
squid_gw=${best[squid]}
twin_gw=${best[twin]}

echo "# ${SIZE_MB} MiB passive download, best of $ROUNDS${LINK_RATE:+, links shaped to $LINK_RATE}"
printf '%-34s %s\n' "direct (c1 -> vsftpd)" "$(mbs "$direct")"
printf '%-34s %s\n' "native FTP proxy (twin-proxy)" "$(mbs "$native")"
printf '%-34s %s\n' "ftp:// gateway, Squid" "$(mbs "$squid_gw")"
printf '%-34s %s\n' "ftp:// gateway, twin-proxy" "$(mbs "$twin_gw")"
r1=$(ratio "$native" "$direct")
r2=$(ratio "$twin_gw" "$squid_gw")
echo "ratio native/direct:          $r1 (want >= 0.90)"
echo "ratio twin gateway/Squid:     $r2"
CHECK "the native proxy reaches 0.9 of a direct download" \
    awk -v r="$r1" 'BEGIN { exit !(r >= 0.9) }'
finish

#!/bin/bash
# mon_bench.sh - the monitoring center under a thousand sites. Not part of
# `make check`; runs in its own namespaces (root), on 127.0.0.1 of one of
# them.
#
#   steady   SITES sites (default 1000, each its own client certificate
#            made with twin-cert ca issue, its own device ID) send an
#            alive report every 10 s for STEADY seconds (default 75), as
#            twin-report does (one TLS connection per report, the last
#            session resumed); the center's alive-timeout is 15 s. After
#            40 s, QUIET of them (default 50) stop. Expected: exactly those
#            sites' alarms, none other (no false alarm), raised on time
#            (the center's own lateness after each deadline, and when the
#            notify program ran), and the center's RSS flat.
#   max      as fast as CONC connections in flight allow (default 32),
#            for MAX seconds (default 20): reports/s with resumed sessions
#            and with full handshakes, against nginx answering the same
#            requests with mutual TLS and nothing else in the same run (the
#            TLS and HTTP ceiling of this machine): the ratio is the cost
#            of the two factors, the store and the timers.
#
# Usage: TOP_BUILDDIR=$PWD/build-rel tests/bench/mon_bench.sh
#        (SITES=, STEADY=, QUIET=, QUIET_AFTER=, MAX=, CONC= to change the
#        defaults)

set -u
here=$(cd "$(dirname "$0")" && pwd)
export TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$here/../.." && pwd)}
export TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR/build}
SITES=${SITES:-1000}
STEADY=${STEADY:-75}
QUIET=${QUIET:-50}
MAX=${MAX:-20}
CONC=${CONC:-32}
QUIET_AFTER=${QUIET_AFTER:-40}
. "$TOP_SRCDIR/tests/integration/lib.sh"

need_cmd nginx awk
# The quiet sites' alarms (15 s after their last report) within the run.
[ "$STEADY" -ge $((QUIET_AFTER + 25)) ] || ERROR "STEADY must be QUIET_AFTER + 25 s at least"
LOAD=$TOP_BUILDDIR/tests/bench/mon_load
CERT=$TOP_BUILDDIR/twin-cert
[ -x "$LOAD" ] || ERROR "no $LOAD (make check builds it)"
topo_init
topo_host ctr 198.18.0.10/24
mkdir -p "$T/run" "$T/db" "$T/ids" "$T/certs"
chmod 755 "$T"
chmod 777 "$T/logs"
note() { _tp_say "# $*"; }

# ---- certificates and registration ---------------------------------------------
t0=$(now_us)
"$CERT" ca init -d "$T/ca" -s /CN=bench-CA -t ec >/dev/null 2>&1 &&
"$CERT" ca issue -d "$T/ca" --server -a IP:127.0.0.1 -t ec -n center.bench \
    -o "$T/center.pem" >/dev/null 2>&1 || ERROR "cannot make the center's certificate"
cp "$T/ca/ca.crt" "$T/ca/crl.pem" "$T/"
for ((i = 0; i < SITES; i++)); do
    "$CERT" ca issue -d "$T/ca" -t ec -n "site-$i" -o "$T/certs/site-$i.pem" \
        >/dev/null 2>&1 || ERROR "cannot issue site-$i's certificate"
done
note "issued $SITES site certificates in $(( ($(now_us) - t0) / 1000 )) ms"

cat >"$T/notify.sh" <<EOF
#!/bin/sh
[ "\$1" = alarm ] && [ "\$4" = silent ] && [ -z "\$3" ] &&
    echo "\$(date +%s%3N) \$2 \$6" >>"$T/logs/alarms.log"
exit 0
EOF
chmod 755 "$T/notify.sh"
cat >"$T/center.conf" <<EOF
peer { name center; address 127.0.0.1; run-dir "$T/run"; user root; }
center {
    listen 127.0.0.1:443;
    certificate "$T/center.pem";
    ca-file "$T/ca.crt";
    crl-file "$T/crl.pem";
    database "$T/db/center.db";
    alive-timeout 15s;
    max-connections 4000;
    notify "$T/notify.sh";
}
EOF
center_start() {
    spawn ctr center.log "$TOP_BUILDDIR/twin-monitord" -d -f "$T/center.conf"
    CENTER_PID=$SPAWN_PID
    wait_until 10 test -S "$T/run/center.sock" || ERROR "the center did not start"
}
center() { "$TOP_BUILDDIR/twinctl" -f "$T/center.conf" center "$@" 2>/dev/null; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$CENTER_PID/status"; }
center_start
t0=$(now_us)
: >"$T/sites"
for ((i = 0; i < SITES; i++)); do
    center register "site-$i" "a=$T/ids/site-$i.id" >/dev/null 2>&1 ||
        ERROR "cannot register site-$i"
    echo "site-$i a $(cat "$T/ids/site-$i.id") $T/certs/site-$i.pem" >>"$T/sites"
done
note "registered $SITES sites in $(( ($(now_us) - t0) / 1000 )) ms"
# A fresh start: every site's first timeout counts from now.
stop "$CENTER_PID"
center_start
rss_start=$(rss_kb)

# ---- steady: alive reports every 10 s ------------------------------------------
(while :; do
    echo "$(date +%s) $(awk '/^VmRSS:/ { print $2 }' "/proc/$CENTER_PID/status" 2>/dev/null)"
    sleep 1
done) >"$T/rss.log" 2>/dev/null &
RSS_PID=$!
echo "$RSS_PID" >>"$T/pids"
on ctr "$LOAD" steady 127.0.0.1:443 "$T/ca.crt" "$T/sites" 10000 "$STEADY" \
    "$QUIET" "$QUIET_AFTER" >"$T/steady.out" 2>"$T/logs/steady.err"
steady_rc=$?
kill "$RSS_PID"
wait "$RSS_PID" 2>/dev/null
note "steady: $(tail -n 1 "$T/steady.out")"
center stats >"$T/stats.steady"
raised=$(awk '$1 == "alarms-raised" { print $2 }' "$T/stats.steady")
late=$(awk '$1 == "alarm-lateness"' "$T/stats.steady")
center alarms | awk '$1 == "alarm" && $3 == "-" { print $2 }' | sort >"$T/alarmed"
grep '^quiet ' "$T/steady.out" | awk '{ print $2 }' | sort >"$T/quieted"
note "steady: $QUIET sites went quiet; site alarms raised: $raised; $late (ms after the deadline, in the center)"
# The notify program's own delay: when it ran, against the deadline.
touch "$T/logs/alarms.log"
notify_delay=$(while read -r at _ when; do
    d=$(date -u -d "$when" +%s%3N)
    echo $(( at - d ))
done <"$T/logs/alarms.log" | sort -n | awk '{ v[NR] = $1 } END {
    if (NR) printf "n %d p50 %d max %d", NR, v[int((NR + 1) / 2)], v[NR] }')
note "steady: notify program ran after the deadline (ms): ${notify_delay:-none}"
rss_steady=$(awk '{ print $2 }' "$T/rss.log" | sort -n | tail -n 1)
rss_mid=$(awk -v n="$STEADY" 'NR == int(n / 3) { print $2 }' "$T/rss.log")
rss_two=$(awk -v n="$STEADY" 'NR == int(2 * n / 3) { print $2 }' "$T/rss.log")
rss_end=$(awk 'END { print $2 }' "$T/rss.log")
note "steady: center RSS start ${rss_start} kB, at a third ${rss_mid} kB, two thirds ${rss_two} kB, end ${rss_end} kB, max ${rss_steady} kB"
CHECK "every report of the steady phase answered 200" test "$steady_rc" = 0
CHECK "the generator stayed on its schedule (under 1 s behind)" \
    awk '{ for (i = 1; i < NF; i++) if ($i == "behind-max-ms") exit !($(i + 1) < 1000) }' \
        <(tail -n 1 "$T/steady.out")
CHECK "the $QUIET quiet sites raised their alarms" \
    test "$(wc -l <"$T/alarmed")" = "$QUIET"
CHECK "no false alarm: the alarmed sites are exactly the quiet ones" \
    cmp "$T/alarmed" "$T/quieted"
CHECK "every alarm within 1 s of its deadline" \
    awk '$1 == "alarm-lateness" { exit !($7 < 1000) }' "$T/stats.steady"
CHECK "memory flat: RSS grew by less than 8 MB from a third of the run to its end" \
    test $(( rss_end - rss_mid )) -lt 8192

# ---- max: reports/s ------------------------------------------------------------
cat >"$T/nginx.conf" <<EOF
worker_processes 1; daemon off; pid $T/nginx.pid; error_log $T/logs/nginx.err;
events { worker_connections 4096; }
http { access_log off;
  server { listen 127.0.0.1:8443 ssl; ssl_certificate $T/center.pem;
    ssl_certificate_key $T/center.pem; ssl_client_certificate $T/ca.crt;
    ssl_verify_client on; ssl_protocols TLSv1.2 TLSv1.3;
    location / { return 200 "twinproxy-ack 1\n"; } } }
EOF
spawn ctr nginx.log nginx -c "$T/nginx.conf"
NGINX_PID=$SPAWN_PID
wait_until 5 port_open ctr 127.0.0.1 8443 || ERROR "nginx did not start"
idle() { center stats | grep -q '^agents open 0 '; }
max_run() {
    # Each run starts on an idle center: no backlog of the one before.
    wait_until 60 idle || ERROR "the center does not drain its connections"
    on ctr "$LOAD" max "$1" "$T/ca.crt" "$T/sites" "$MAX" "$CONC" ${2:+"$2"} 2>>"$T/logs/max.err" |
        tail -n 1
}
per_s() { awk '{ for (i = 1; i < NF; i++) if ($i == "per-second") print $(i + 1) }' <<<"$1"; }
# The center's two runs first, back to back: while nginx runs, the sites
# are silent for the center, and their alarms are not what is measured.
m_res=$(max_run 127.0.0.1:443)
m_full=$(max_run 127.0.0.1:443 full)
rss_max=$(rss_kb)
center stats >"$T/stats.max"
n_res=$(max_run 127.0.0.1:8443)
n_full=$(max_run 127.0.0.1:8443 full)
note "max, sessions resumed: twin-monitord $m_res"
note "max, sessions resumed: nginx (mTLS only)   $n_res"
note "max, full handshakes:  twin-monitord $m_full"
note "max, full handshakes:  nginx (mTLS only)   $n_full"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
note "max: twin-monitord/nginx reports/s: resumed $(ratio "$(per_s "$m_res")" "$(per_s "$n_res")"), full $(ratio "$(per_s "$m_full")" "$(per_s "$n_full")")"
note "max: center RSS after ${rss_max} kB"
sed 's/^/# /' "$T/stats.max"
CHECK "the center answered reports in the max phase" \
    test "$(awk -v x="$(per_s "$m_res")" 'BEGIN { print (x > 0) }')" = 1
stop "$NGINX_PID"
finish

#!/bin/bash
# ha_outage.sh - client-side outage of a failover, twin-ha against
# keepalived (VRRP) in the same run, same namespaces, same timing:
# heartbeat / advertisement every 100 ms, the partner declared down after
# 3 missed (keepalived: advert_int 0.1, VRRPv3, unicast peers, the
# standby's priority close to the master's so its skew time is 6 ms).
# Not part of `make check`.
#
# The service is an HTTP server on port 8081 of each peer, standing for
# the proxy. c1 sends a request to the floating IP every 10 ms (a 100 ms
# connect and read limit each) and the outage is the longest time
# without a successful answer. Two failures are measured, ROUNDS times
# each (default 5) for each daemon:
#   host     the active's whole host dies: its switch port goes down and
#            its daemons are killed (-9): nothing answers until the
#            standby has noticed the silence, taken over and announced;
#   process  only the service dies on a live host: the monitor must see
#            it (twin-ha: its TCP check, track-interval 100ms) and hand the
#            address over. keepalived 2.2 runs a vrrp_script at most once a
#            second (interval is whole seconds: "interval 0.1" is refused
#            and becomes 1), so it gets the best reasonable equivalent: a
#            checker connecting to the port every 100 ms and writing the
#            verdict to a track_file (weight 0: non-zero is FAULT), which
#            keepalived reads as soon as it changes (inotify).
# twin-ha's mean outage must be no worse than keepalived's for a host
# failure and better for a dead process; the ratios are printed.
#
# Usage: tests/bench/ha_outage.sh   (as root, from a built tree; set
# TOP_BUILDDIR if the build is not in ./build)

# shellcheck disable=SC2317  # helpers are called through wait_until
set -u
here=$(cd "$(dirname "$0")" && pwd)
export TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$here/../.." && pwd)}
export TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR/build}
export HA_INTERVAL_MS=100 HA_COUNT=3
ROUNDS=${ROUNDS:-5}
# lib.sh re-runs this script inside private namespaces.
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/integration/ha_lib.sh"

need_cmd keepalived python3 awk
ha_topo
for h in a b; do
    addr=$A; [ "$h" = b ] && addr=$B
    ha_conf "$h" "$addr" "$([ "$h" = a ] && echo "$B" || echo "$A")" \
        "$([ "$h" = a ] && echo primary || echo backup)" "failback no" \
        "track $addr:8081" "track-interval 100ms" "track-timeout 100ms"
done
mkdir -p "$T/www"
echo ok >"$T/www/index.html"

# keepalived: one instance, unicast between the real addresses.
ka_conf() {
    local name=$1 addr=$2 peer=$3 prio=$4
    cat >"$T/ka-$name.sh" <<EOS
#!/bin/bash
# Every 100 ms: 0 to the track file if the service answers a TCP
# connection within 100 ms, else 1 (written on change; bounded).
last=
for ((i = 0; i < 100000; i++)); do
    if timeout 0.1 bash -c 'exec 3<>/dev/tcp/$addr/8081' 2>/dev/null; then
        v=0
    else
        v=1
    fi
    [ "\$v" != "\$last" ] && echo "\$v" >"$T/ka-$name.state"
    last=\$v
    sleep 0.1
done
EOS
    chmod 755 "$T/ka-$name.sh"
    echo 0 >"$T/ka-$name.state"
    cat >"$T/ka-$name.conf" <<EOC
global_defs {
    router_id $name
    vrrp_version 3
    vrrp_garp_master_delay 5
    vrrp_garp_master_repeat 5
}
track_file service {
    file "$T/ka-$name.state"
    weight 0
}
vrrp_instance fip {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority $prio
    advert_int 0.1
    nopreempt
    unicast_src_ip $addr
    unicast_peer {
        $peer
    }
    virtual_ipaddress {
        $FIP/$PFX dev eth0
    }
    track_file {
        service
    }
}
EOC
}
ka_conf a "$A" "$B" 250
ka_conf b "$B" "$A" 240
chmod 755 "$T"

cat >"$T/probe.py" <<'EOP'
# probe.py ADDR: GET / from ADDR:8081 every 10 ms (at most 3000 times);
# one line "ms ok" each.
import socket, sys, time
for i in range(3000):
    t = time.time()
    ok = 0
    try:
        s = socket.create_connection((sys.argv[1], 8081), timeout=0.1)
        s.settimeout(0.1)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        ok = int(s.recv(12).startswith(b"HTTP/1.0 200"))
        s.close()
    except OSError:
        pass
    print("%d %d" % (t * 1000, ok), flush=True)
    time.sleep(max(0, 0.01 - (time.time() - t)))
EOP

declare -A SVC MON CHK
svc_start() {
    local addr=$A
    [ "$1" = b ] && addr=$B
    spawn "$1" "svc-$1.log" python3 -m http.server --bind 0.0.0.0 \
        --directory "$T/www" 8081
    SVC[$1]=$SPAWN_PID
    wait_port c1 "$addr" 8081
}
mon_start() {
    if [ "$1" = twin-ha ]; then
        ha_start "$2"
        MON[$2]=${HA_PID[$2]}
    else
        spawn "$2" "check-$2.log" bash "$T/ka-$2.sh"
        CHK[$2]=$SPAWN_PID
        spawn "$2" "ka-$2.log" keepalived -n -l -D --vrrp \
            -f "$T/ka-$2.conf" -p "$T/ka-$2.pid" -r "$T/ka-$2-vrrp.pid"
        MON[$2]=$SPAWN_PID
    fi
}
ok_since() {
    awk -v t="$1" '$1 > t && $2 == 1 { n++ } END { exit !(n >= 20) }' \
        "$T/logs/probe.log"
}
outage_ms() {
    awk -v from="$1" '$2 == 1 {
            if ($1 > from && last != "" && $1 - last > max) max = $1 - last
            last = $1
        }
        END { printf "%d\n", max }' "$T/logs/probe.log"
}

# round DAEMON MODE: one failover from a to b; records the outage in ms.
round() {
    local d=$1 mode=$2 t0 h
    svc_start a
    svc_start b
    mon_start "$d" a
    wait_until 5 holds a || ERROR "$d: a did not take the floating IP"
    mon_start "$d" b
    sleep 1
    one_holder a >/dev/null || ERROR "$d: a is not the only holder"
    : >"$T/logs/probe.log"
    spawn c1 probe.log python3 "$T/probe.py" "$FIP"
    local probe=$SPAWN_PID
    wait_until 5 ok_since 0 || ERROR "$d: the probe gets no answer"
    t0=$(now_ms)
    if [ "$mode" = host ]; then
        link_down a
        kill -KILL "${MON[a]}" "${SVC[a]}" ${CHK[a]:+"${CHK[a]}"}
    else
        kill -KILL "${SVC[a]}"
    fi
    wait_until 5 holds b || ERROR "$d $mode: b did not take over"
    wait_until 5 ok_since "$(now_ms)" || ERROR "$d $mode: no answers after"
    stop "$probe" >/dev/null
    printf '%s %s %s\n' "$d" "$mode" "$(outage_ms $(( t0 - 500 )))" \
        >>"$T/results"
    for h in a b; do
        stop "${MON[$h]}" >/dev/null
        stop "${SVC[$h]}" >/dev/null
        [ -n "${CHK[$h]:-}" ] && stop "${CHK[$h]}" >/dev/null
        CHK[$h]=
        echo 0 >"$T/ka-$h.state"
    done
    [ "$mode" = host ] && link_up a
    for h in a b; do
        ip -n "$h" addr del "$FIP/$PFX" dev eth0 2>/dev/null
    done
    ip -n c1 neigh flush dev eth0
}

for mode in host process; do
    for ((r = 0; r < ROUNDS; r++)); do
        round twin-ha "$mode"
        round keepalived "$mode"
    done
done
grep -qiE "invalid|unknown keyword|WARNING" "$T/logs/ka-a.log" &&
    echo "# note: keepalived warned about its configuration (see ka-a.log)"
awk '{ k = $1 " " $2; n[k]++; s[k] += $3; if ($3 > m[k]) m[k] = $3; v[k] = v[k] " " $3 }
     END { for (k in n) printf "# %-18s outage over %d rounds: mean %d ms, max %d ms (ms:%s)\n",
                  k, n[k], s[k] / n[k], m[k], v[k] }' "$T/results" | sort
mean() { awk -v d="$1" -v m="$2" '$1 == d && $2 == m { s += $3; n++ }
    END { printf "%d\n", n ? s / n : 0 }' "$T/results"; }
for mode in host process; do
    tw=$(mean twin-ha "$mode")
    ka=$(mean keepalived "$mode")
    awk -v m="$mode" -v t="$tw" -v k="$ka" 'BEGIN {
        printf "# %-7s twin-ha / keepalived mean outage: %d / %d ms = %.2f\n",
            m, t, k, k ? t / k : 0 }'
    eval "TW_$mode=$tw KA_$mode=$ka"
done
# shellcheck disable=SC2154  # set by the eval above
{
CHECK "host failure: twin-ha's outage no worse than keepalived's (+10 ms)" \
    test "$TW_host" -le $(( KA_host + 10 ))
CHECK "dead service: twin-ha's outage shorter than keepalived's" \
    test "$TW_process" -lt "$KA_process"
}
finish

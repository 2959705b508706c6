#!/bin/bash
# ha_lib.sh - shared setup for the twin-ha scenarios (sourced after lib.sh).
#
# ha_topo            hosts a (A), b (B) and client c1 (C1) on the switch
# ha_conf NAME ADDR PARTNER ROLE [SETTING...]
#                    write $T/NAME.conf; SETTINGs are extra ha-block lines
#                    ("failback no", "track 198.18.0.1:8081", ...); a
#                    setting starting with "proxy:" goes to a proxy block
# ha_start NAME      start twin-ha on host NAME with $T/NAME.conf (log NAME.log)
# ha_kill NAME SIG   send SIG to NAME's twin-ha
# holds NAME         NAME's eth0 holds the floating IP
# lacks_fip NAME     NAME's eth0 could be read and holds no floating IP
# holders            print the hosts holding the floating IP
# one_holder NAME    exactly one host holds it, and it is NAME
# ctl NAME CMD       run twinctl CMD against NAME's twin-ha
# status_has NAME REGEX   NAME's status has a line matching REGEX
# status_lacks NAME REGEX  NAME answered status, with no line matching REGEX
# refused NAME CMD...      twin-ha on NAME answered CMD with .ERR
# counter NAME KEY   print one counter of NAME's status
# client_mac_is NAME c1's ARP entry for the floating IP is NAME's MAC
# ping_start         ping the floating IP from c1 every 20 ms (log ping.log)
# ping_outage_ms     print the longest gap between two replies, in ms
# ping_replies_since EPOCH_S  number of replies after a given time
# replies_after EPOCH_S N  more than N replies after a given time
# now_ms             milliseconds since the epoch
#
# Default timing: interval 200ms, count 3 (failover after 600 ms), garp
# burst 5 x 100ms, failback-delay 1s. Scenarios pass extra settings.

HA_INTERVAL_MS=${HA_INTERVAL_MS:-200}
HA_COUNT=${HA_COUNT:-3}
declare -A HA_PID

ha_topo() {
    topo_init
    topo_host a "$A/$PFX"
    topo_host b "$B/$PFX"
    topo_host c1 "$C1/$PFX"
    printf 'twinproxy-test-heartbeat-key-%s\n' "$RANDOM$RANDOM" >"$T/ha.key"
    chmod 600 "$T/ha.key"
    cat >"$T/notify.sh" <<'EON'
#!/bin/sh
# Record each call: state, floating IP, reason.
echo "$1|$2|$3" >>"$NOTIFY_LOG"
EON
    chmod 755 "$T/notify.sh"
}

ha_conf() {
    local name=$1 addr=$2 partner=$3 role=$4 s
    shift 4
    mkdir -p "$T/run-$name"
    {
        echo "peer {"
        echo "    name $name; address $addr; partner $partner;"
        echo "    run-dir \"$T/run-$name\";"
        echo "}"
        echo "ha {"
        echo "    redundancy yes; role $role; interface eth0;"
        echo "    floating-ip $FIP/$PFX;"
        echo "    interval ${HA_INTERVAL_MS}ms; count $HA_COUNT;"
        echo "    failback-delay 1s;"
        echo "    garp-count 5; garp-interval 100ms;"
        echo "    secret-file \"$T/ha.key\";"
        echo "    notify \"$T/notify-$name.sh\";"
        for s in "$@"; do
            case $s in proxy:*) ;; *) echo "    $s;" ;; esac
        done
        echo "}"
        for s in "$@"; do
            case $s in proxy:*) echo "proxy { ${s#proxy:}; }" ;; esac
        done
    } >"$T/$name.conf"
    printf '#!/bin/sh\nNOTIFY_LOG=%s exec %s "$@"\n' \
        "$T/notify-$name.log" "$T/notify.sh" >"$T/notify-$name.sh"
    chmod 755 "$T/notify-$name.sh"
}

ha_start() {
    spawn "$1" "$1.log" "$TWIN_HA" -d -v -f "$T/$1.conf"
    HA_PID[$1]=$SPAWN_PID
    wait_until 10 test -S "$T/run-$1/ha.sock" ||
        ERROR "twin-ha on $1 did not open its control socket"
}

ha_kill() { kill -"$2" "${HA_PID[$1]}"; }

holds() { ip -n "$1" -o addr show dev eth0 | grep -q " $FIP/"; }
# lacks_fip NAME: NAME's addresses could be listed and hold no floating IP.
lacks_fip() {
    local a
    a=$(ip -n "$1" -o addr show dev eth0) || return 2
    echo "$a"
    [[ $a != *" $FIP/"* ]]
}

holders() {
    local h
    for h in a b; do
        holds "$h" && printf '%s ' "$h"
    done
    echo
}

one_holder() {
    local got
    got=$(holders)
    echo "holders: ${got:-none}"
    [ "$got" = "$1 " ]
}

ctl() {
    local n=$1
    shift
    "$TWINCTL" -f "$T/$n.conf" "$@"
}

status_has() {
    local out
    out=$(ctl "$1" status) || return 1
    echo "$out"
    grep -Eq -- "$2" <<<"$out"
}

# refused [-f CONF] NAME CMD...: twin-ha answered CMD with .ERR: twinctl
# exits 1 with the daemon's own message, not one about reaching the
# socket (nor 2, a usage error). -f names another config than NAME's.
refused() {
    local out rc
    if [ "$1" = -f ]; then
        out=$("$TWINCTL" -f "$2" "${@:3}" 2>&1)
    else
        out=$(ctl "$@" 2>&1)
    fi
    rc=$?
    echo "exit $rc: $out"
    [ "$rc" -eq 1 ] && [[ $out == *"twinctl: ha: "* ]] &&
        [[ $out != *"ha.sock: "* ]]
}

# status_lacks NAME REGEX: NAME answered status, with no line matching.
status_lacks() {
    local out rc
    out=$(ctl "$1" status) || return 2
    echo "$out"
    grep -Eq -- "$2" <<<"$out"
    rc=$?
    [ "$rc" -eq 1 ]
}

counter() {
    ctl "$1" status | grep '^counters' |
        awk -v k="$2" '{ for (i = 2; i < NF; i++) if ($i == k) print $(i + 1) }'
}

client_mac_is() {
    local want got
    want=$(mac_of "$1") || return 1
    got=$(neigh_mac c1 "$FIP")
    echo "$1: $want, c1 neighbour entry for $FIP: ${got:-none}"
    [ "$got" = "$want" ]
}

now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $(( 10#$t / 1000 )); }

ping_start() {
    spawn c1 ping.log ping -n -D -i 0.02 -W 1 "$FIP"
    PING_PID=$SPAWN_PID
}

ping_outage_ms() {
    awk -F'[][]' '/bytes from/ {
            t = $2 * 1000
            if (last != "" && t - last > max) max = t - last
            last = t
        }
        END { printf "%d\n", max }' "$T/logs/ping.log"
}

ping_replies_since() {
    awk -F'[][]' -v s="$1" '/bytes from/ && $2 > s { n++ } END { print n + 0 }' \
        "$T/logs/ping.log"
}

replies_after() {
    local n
    n=$(ping_replies_since "$1")
    echo "replies after $1: $n"
    [ "$n" -gt "$2" ]
}

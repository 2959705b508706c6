#!/bin/bash
# pair_lib.sh - the whole pair: both peers running twin-ha and twin-proxy
# (and twin-wpad in active-active mode), two clients and an origin server.
# Sourced after lib.sh and ha_lib.sh, by the pair_* scenarios and the demo.
#
# pair_topo                 hosts a, b, c1 (odd), c2 (even) and origin; a
#                           shared heartbeat key; an HTTP origin on $O:80
#                           (PAIR_V6=1: every host also gets its IPv6
#                           address, and the origin listens on [$O6]:80)
# pair_conf MODE NAME ADDR PARTNER ROLE [proxy-setting...]
#                           write $T/NAME.conf for MODE standby (proxies on
#                           F-IP:8081 and the real IP), wpad (proxies on
#                           the real IP:8080, WPAD on F-IP:80) or fip (wpad
#                           with a floating address per proxy: FIPA held
#                           by a, FIPB by b, each proxy listening on both
#                           and its real IP; the script names FIPA and
#                           FIPB; PAIR_V6=1 adds FIPA6, FIPB6 and the WPAD
#                           address FIP6, and ADDR/PARTNER may be IPv6)
# pair_start NAME           start NAME's daemons, wait until they listen
# pair_kill NAME SIG        send SIG to all of NAME's daemons
# fetch_via CLIENT PROXY TAG  GET the origin page through PROXY (host:port)
#                           from CLIENT, tagged ?TAG; fails unless 200 with
#                           the origin's content
# served_by NAME TAG        NAME's access log has the request tagged TAG
# not_served_by NAME TAG    NAME's access log exists and lacks that request
# pac_fetch CLIENT          CLIENT loads http://F-IP/wpad.dat ($T/CLIENT.pac)
# pac_cached_order CLIENT   print the proxies (host:port, one a line) the
#                           loaded script gives CLIENT, in order
# pac_order CLIENT          pac_fetch, then pac_cached_order
# browse CLIENT TAG         behave like a browser with the loaded script:
#                           try its proxies in order; print the one that
#                           served the request
# loop_start CLIENT PROXY   request through PROXY every 100 ms (bounded:
#                           600 requests), one line "ms seq code" each;
#                           LOOP_PAUSE and LOOP_CONNECT_TIMEOUT change the
#                           pause and curl's connect timeout
# holds_addr NAME ADDR      NAME's eth0 holds ADDR
# holders_of ADDR           print the hosts (a, b) holding ADDR
# only_holder ADDR NAME     exactly one of a and b holds ADDR: NAME
# mac_for CLIENT ADDR NAME  CLIENT's neighbour entry for ADDR is NAME's MAC
# PAIR_ORIGIN               the origin as fetch_via names it ($O)
# loop_ok_after MS          the loop has a success after time MS
# loop_gap_ms FROM          longest time without success since FROM (ms)

PAIR_INTERVAL_MS=${PAIR_INTERVAL_MS:-200}
PAIR_COUNT=${PAIR_COUNT:-3}
declare -A PAIR_MODE PAIR_PIDS PAIR_ADDR

PAIR_V6=${PAIR_V6:-0}

pair_topo() {
    local v6a="" v6b="" v6c1="" v6c2="" v6o=""
    if [ "$PAIR_V6" = 1 ]; then
        v6a=$A6/$PFX6 v6b=$B6/$PFX6 v6c1=$C16/$PFX6 v6c2=$C26/$PFX6
        v6o=$O6/$PFX6
    fi
    topo_init
    topo_host a "$A/$PFX" ${v6a:+"$v6a"}
    topo_host b "$B/$PFX" ${v6b:+"$v6b"}
    topo_host c1 "$C1/$PFX" ${v6c1:+"$v6c1"}
    topo_host c2 "$C2/$PFX" ${v6c2:+"$v6c2"}
    topo_host origin "$O/$PFX" ${v6o:+"$v6o"}
    printf 'twinproxy-pair-key-%s%s\n' "$RANDOM" "$RANDOM" >"$T/ha.key"
    chmod 600 "$T/ha.key"
    # Daemons that drop to nobody read their config and write their logs
    # (sticky: the daemons refuse a log folder others could rename in).
    chmod 755 "$T"
    chmod 1777 "$T/logs"
    mkdir -p "$T/www"
    echo "hello from the origin server" >"$T/www/hello"
    # Last modified a month ago: heuristically fresh for a day in a cache.
    touch -d '30 days ago' "$T/www/hello"
    spawn origin origin.log python3 -m http.server --bind "$O" \
        --directory "$T/www" 80
    wait_port c1 "$O" 80
    if [ "$PAIR_V6" = 1 ]; then
        spawn origin origin6.log python3 -m http.server --bind "$O6" \
            --directory "$T/www" 80
        wait_port c1 "$O6" 80
    fi
}

# pair_host ADDR: print [ADDR] for an IPv6 address, ADDR otherwise.
pair_host() { case $1 in *:*) echo "[$1]" ;; *) echo "$1" ;; esac; }

pair_conf() {
    local mode=$1 name=$2 addr=$3 partner=$4 role=$5 s own oth f
    local -a fips=()
    shift 5
    PAIR_MODE[$name]=$mode
    PAIR_ADDR[$name]=$addr
    mkdir -p "$T/run-$name"
    if [ "$mode" = fip ]; then
        # a normally holds FIPA, b FIPB; the WPAD address follows the role.
        if [ "$name" = a ]; then own=A oth=B; else own=B oth=A; fi
        fips=("$FIP/$PFX" "$(pair_fipv "FIP$own")/$PFX prefer self"
              "$(pair_fipv "FIP$oth")/$PFX prefer partner")
        if [ "$PAIR_V6" = 1 ]; then
            fips+=("$FIP6/$PFX6" "$(pair_fipv "FIP${own}6")/$PFX6 prefer self"
                   "$(pair_fipv "FIP${oth}6")/$PFX6 prefer partner")
        fi
    else
        fips=("$FIP/$PFX")
    fi
    {
        echo "peer {"
        echo "    name $name; address $addr; partner $partner;"
        echo "    run-dir \"$T/run-$name\"; user nobody;"
        echo "}"
        echo "ha {"
        echo "    redundancy yes; role $role; interface eth0;"
        for f in "${fips[@]}"; do echo "    floating-ip $f;"; done
        echo "    interval ${PAIR_INTERVAL_MS}ms; count $PAIR_COUNT;"
        echo "    failback yes; failback-delay 1s;"
        echo "    garp-count 5; garp-interval 100ms;"
        echo "    secret-file \"$T/ha.key\";"
        echo "    track-interval 200ms; track-timeout 200ms;"
        echo "}"
        echo "proxy {"
        case $mode in
        standby) echo "    listen $FIP:8081; listen $addr:8081;" ;;
        fip)
            echo "    listen $(pair_host "$addr"):8080;"
            echo "    listen $FIPA:8080; listen $FIPB:8080;"
            [ "$PAIR_V6" = 1 ] &&
                echo "    listen [$FIPA6]:8080; listen [$FIPB6]:8080;" ;;
        *) echo "    listen $(pair_host "$addr"):8080;" ;;
        esac
        echo "    allow 198.18.0.0/24;"
        [ "$PAIR_V6" = 1 ] && echo "    allow 2001:2::/64;"
        echo "    access-log \"$T/logs/access-$name.log\";"
        for s in "$@"; do echo "    $s;"; done
        echo "}"
        if [ "$mode" = wpad ] || [ "$mode" = fip ]; then
            echo "wpad {"
            echo "    listen $FIP:80;"
            [ "$PAIR_V6" = 1 ] && [ "$mode" = fip ] &&
                echo "    listen [$FIP6]:80;"
            if [ "$mode" = fip ] && [ "${PAIR_PAC6:-0}" = 1 ]; then
                echo "    proxy [$(pair_fipv "FIP${own}6")]:8080;"
                echo "    partner-proxy [$(pair_fipv "FIP${oth}6")]:8080;"
            elif [ "$mode" = fip ]; then
                echo "    proxy $(pair_fipv "FIP$own"):8080;"
                echo "    partner-proxy $(pair_fipv "FIP$oth"):8080;"
            else
                echo "    proxy $(pair_host "$addr"):8080;"
                echo "    partner-proxy $(pair_host "$partner"):8080;"
            fi
            echo "    direct 127.0.0.0/255.255.255.0;"
            echo "    balance yes;"
            echo "    check-interval 200ms; check-timeout 200ms;"
            echo "}"
        fi
    } >"$T/$name.conf"
    chmod 644 "$T/$name.conf"
}

# pair_fipv NAME: the value of variable NAME (FIPA, FIPB6, ...).
pair_fipv() { printf '%s' "${!1}"; }



pair_start() {
    local name=$1 addr port
    addr=${PAIR_ADDR[$name]}
    [ "${PAIR_MODE[$name]}" = standby ] && port=8081 || port=8080
    PAIR_PIDS[$name]=""
    spawn "$name" "proxy-$name.log" "$TWIN_PROXY" -d -f "$T/$name.conf"
    PAIR_PIDS[$name]+=" $SPAWN_PID"
    wait_port "$name" "$addr" "$port"
    if [ "${PAIR_MODE[$name]}" != standby ]; then
        spawn "$name" "wpad-$name.log" "$TWIN_WPAD" -d -f "$T/$name.conf"
        PAIR_PIDS[$name]+=" $SPAWN_PID"
        wait_until 10 test -S "$T/run-$name/wpad.sock" ||
            ERROR "twin-wpad on $name did not open its control socket"
    fi
    spawn "$name" "$name.log" "$TWIN_HA" -d -f "$T/$name.conf"
    PAIR_PIDS[$name]+=" $SPAWN_PID"
    wait_until 10 test -S "$T/run-$name/ha.sock" ||
        ERROR "twin-ha on $name did not open its control socket"
}

pair_kill() {
    local p
    # shellcheck disable=SC2086
    for p in ${PAIR_PIDS[$1]}; do
        kill -"$2" "$p" 2>/dev/null
    done
    # SIGKILL cannot be caught: wait for the daemons at once, which also
    # keeps the shell from reporting them as killed jobs later. Other
    # signals may take a while (a proxy drains), so wait boundedly first.
    if [ "$2" != KILL ]; then
        # shellcheck disable=SC2086
        wait_until 5 pids_gone ${PAIR_PIDS[$1]} ||
            ERROR "$1's daemons did not stop on SIG$2"
    fi
    # shellcheck disable=SC2086
    wait ${PAIR_PIDS[$1]} 2>/dev/null
    return 0
}

pids_gone() { [ -z "$(procs_alive "$@")" ]; }

PAIR_ORIGIN=${PAIR_ORIGIN:-$O}

fetch_via() {
    local body
    body=$(on "$1" curl -sS -f --connect-timeout 1 -m 3 -x "http://$2" \
        "http://$PAIR_ORIGIN/hello?$3") || return 1
    echo "$1 via $2 ($3): $body"
    [ "$body" = "hello from the origin server" ]
}

served_by() { grep -q "/hello?$2 " "$T/logs/access-$1.log"; }
not_served_by() { no_line -F "access-$1.log" "/hello?$2 "; }

PAIR_WPAD=${PAIR_WPAD:-$FIP}

pac_fetch() {
    on "$1" curl -sS -f -m 3 --noproxy '*' -o "$T/$1.pac" \
        "http://$PAIR_WPAD/wpad.dat"
}

pac_order() {
    pac_fetch "$1" || return 1
    pac_cached_order "$1"
}

pac_cached_order() {
    pactester -p "$T/$1.pac" -c "$(pac_client_ip "$1")" \
        -u "http://$O/hello" | tr ';' '\n' |
        sed -n 's/^ *PROXY //p'
}

holds_addr() { ip -n "$1" -o addr show dev eth0 | grep -q " $2/"; }

holders_of() {
    local h
    for h in a b; do
        holds_addr "$h" "$1" && printf '%s ' "$h"
    done
    echo
}

only_holder() {
    local got
    got=$(holders_of "$1")
    echo "holders of $1: ${got:-none}"
    [ "$got" = "$2 " ]
}

mac_for() {
    local want got
    want=$(mac_of "$3") || return 1
    got=$(neigh_mac "$1" "$2")
    echo "$3: $want, $1's neighbour entry for $2: ${got:-none}"
    [ "$got" = "$want" ]
}

# The client's address as the WPAD server sees it (PAIR_WPAD decides the
# family).
pac_client_ip() {
    case $PAIR_WPAD:$1 in
        *:*:c1) echo "$C16" ;; *:*:c2) echo "$C26" ;;
        *:c1) echo "$C1" ;; *:c2) echo "$C2" ;;
    esac
}

browse() {
    local client=$1 tag=$2 p
    for p in $(pac_cached_order "$client"); do
        if fetch_via "$client" "$p" "$tag" >/dev/null 2>&1; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

loop_start() {
    cat >"$T/loop.sh" <<'EOL'
#!/bin/bash
# One request every 100 ms through the proxy $1, at most 600.
for ((i = 1; i <= 600; i++)); do
    t=${EPOCHREALTIME/[.,]/}
    code=$(curl -s -o /dev/null -w '%{http_code}' --connect-timeout "$3" \
        -m 2 -x "http://$1" "http://$2/hello?loop-$i")
    echo "$(( 10#$t / 1000 )) $i $code"
    sleep "$4"
done
EOL
    spawn "$1" loop.log bash "$T/loop.sh" "$2" "$PAIR_ORIGIN" \
        "${LOOP_CONNECT_TIMEOUT:-0.3}" "${LOOP_PAUSE:-0.1}"
    LOOP_PID=$SPAWN_PID
}

loop_ok_after() { awk -v t="$1" '$1 > t && $3 == 200 { f = 1 } END { exit !f }' \
    "$T/logs/loop.log"; }

loop_gap_ms() {
    awk -v from="$1" '$3 == 200 {
            if ($1 > from && last != "" && $1 - last > max) max = $1 - last
            last = $1
        }
        END { printf "%d\n", max }' "$T/logs/loop.log"
}

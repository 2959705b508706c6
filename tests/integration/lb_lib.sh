#!/bin/bash
# lb_lib.sh - the set-up the twin-lb scenarios share (sourced after lib.sh
# and proxy_lib.sh): the balancer on host a, servers s1 s2 s3 running real
# nginx, clients c1 c2.
#
# lb_topo [HOST...]          proxy_topo with a c1 c2 s1 s2 s3 (or HOSTs);
#                            proxy_dirs; opens ping sockets on a (ICMP
#                            checks as PROXY_USER)
# lb_nginx NAME ADDR [PORT [TLS]]
#                            nginx on host NAME at ADDR:PORT (80), its files
#                            under $T/www-NAME: "/" answers "NAME", /hdr the
#                            request fields the balancer touches, /setc
#                            sets a cookie of its own, /health "healthy",
#                            /slow/5k a 5 KiB file sent at 1 KiB/s (holds
#                            a connection about 4 s), /big/1m a 1 MiB file;
#                            TLS="CERT KEY" serves HTTPS. NGINX_PID_NAME
# lb_nginx_stop NAME         stop that nginx (and wait)
# lb_secret                  $PX/lb.key, 32 random bytes, owned by PROXY_USER
# lb_start [CONF]            twin-lb -d -v -f CONF on a (log lb.log),
#                            LB_PID; waits until it reaches LB_WAIT
#                            (default $A:80) from c1
# lb_ctl ARGS...             twinctl lb ARGS on a (config warnings hidden)
# lb_state CLUSTER SERVER    the STATE column of `lb servers`
# state_is CLUSTER SERVER S  lb_state is S (for wait_until)
# get HOST URL [CURL ARGS]   the first word of the body curl fetches
# status HOST URL [CURL ARGS] the status code
# hold HOST URL [CURL ARGS]  a background curl of URL; HOLD_PID
# reloaded N                 lb.log says N reloads took effect

# shellcheck disable=SC2034  # for the scenarios
{
TWIN_LB=$TOP_BUILDDIR/twin-lb
LB_CLIENT=$TOP_SRCDIR/tests/integration/lb_client.py
S1=198.18.0.201
S2=198.18.0.202
S3=198.18.0.203
}
LB_WAIT=${LB_WAIT:-$A:80}

lb_topo() {
    local -a hosts=("$@")
    [ ${#hosts[@]} -gt 0 ] || hosts=(a c1 c2 s1 s2 s3)
    local -a spec=()
    local h
    for h in "${hosts[@]}"; do
        case $h in
            s1) spec+=("s1=$S1") ;;
            s2) spec+=("s2=$S2") ;;
            s3) spec+=("s3=$S3") ;;
            *) spec+=("$h") ;;
        esac
    done
    proxy_topo "${spec[@]}"
    proxy_dirs
    _tp_sysctl a net.ipv4.ping_group_range="0 2147483647" ||
        ERROR "cannot open ping sockets on a"
}

lb_nginx() {
    local name=$1 addr=$2 port=${3:-80} tls=${4:-} w=$T/www-$1 l
    mkdir -p "$w/slow" "$w/big" || ERROR "cannot make $w"
    head -c 5120 /dev/zero | tr '\0' x >"$w/slow/5k"
    head -c 1048576 /dev/zero | tr '\0' y >"$w/big/1m"
    l="listen $addr:$port"
    [ -n "$tls" ] && l="$l ssl"
    {
        echo "master_process off; daemon off; pid $T/nginx-$name-$port.pid;"
        echo "error_log $T/logs/nginx-$name.err;"
        echo "events { worker_connections 256; }"
        echo "http { access_log $T/logs/nginx-$name-$port.log;"
        echo "  keepalive_timeout 60s; keepalive_requests 100000;"
        echo "  client_max_body_size 16m;"
        echo "  server { $l; root $w;"
        if [ -n "$tls" ]; then
            set -- $tls
            echo "    ssl_certificate $1; ssl_certificate_key $2;"
        fi
        echo "    location = / { return 200 \"$name\\n\"; }"
        echo "    location = /hdr { return 200 \"$name xff=\$http_x_forwarded_for via=\$http_via fwd=\$http_forwarded cookie=\$http_cookie host=\$http_host\\n\"; }"
        echo "    location = /src { return 200 \"$name \$remote_addr\\n\"; }"
        echo "    location = /setc { add_header Set-Cookie \"app=$name\"; return 200 \"$name\\n\"; }"
        echo "    location = /health { return 200 \"$name healthy\\n\"; }"
        echo "    location /slow/ { limit_rate 1k; }"
        echo "  } }"
    } >"$T/nginx-$name-$port.conf"
    spawn "$name" "nginx-$name.out" nginx -c "$T/nginx-$name-$port.conf"
    eval "NGINX_PID_${name}_$port=\$SPAWN_PID"
    wait_port "$name" "$addr" "$port"
}

lb_nginx_stop() {
    local name=$1 port=${2:-80} pid
    eval "pid=\${NGINX_PID_${name}_$port:-}"
    [ -n "$pid" ] || ERROR "no nginx of $name on port $port"
    stop "$pid"
}

lb_secret() {
    head -c 32 /dev/urandom | base64 >"$PX/lb.key" &&
        chown "$PROXY_USER" "$PX/lb.key" && chmod 600 "$PX/lb.key" ||
        ERROR "cannot write $PX/lb.key"
}

lb_start() {
    local addr=${LB_WAIT%:*} port=${LB_WAIT##*:}
    daemon_start a lb.log c1 "$addr" "$port" "$TWIN_LB" -d -v \
        -f "${1:-$CONF}"
    # shellcheck disable=SC2034  # for the scenarios
    LB_PID=$DAEMON_PID
}

lb_ctl() { on a "$TWINCTL" -f "$CONF" lb "$@" 2>/dev/null; }

lb_state() {
    lb_ctl servers | awk -v c="$1" -v s="$2" '$1 == c && $2 == s { print $3 }'
}

state_is() {
    local got
    got=$(lb_state "$1" "$2")
    echo "$1 $2 is ${got:-missing}, want $3"
    [ "$got" = "$3" ]
}

get() {
    local host=$1 url=$2
    shift 2
    on "$host" curl -sS -m 10 "$@" "$url" | head -n 1 | awk '{ print $1 }'
}

status() {
    local host=$1 url=$2
    shift 2
    on "$host" curl -sS -m 10 -o /dev/null -w '%{http_code}' "$@" "$url"
}

hold() {
    local host=$1 url=$2
    shift 2
    on "$host" curl -sS -m 30 -o /dev/null "$@" "$url" &
    # shellcheck disable=SC2034  # for the scenarios
    HOLD_PID=$!
}

reloaded() {
    [ "$(grep -c 'reload: configuration from .* in effect' "$(logf lb.log)")" -ge "$1" ]
}

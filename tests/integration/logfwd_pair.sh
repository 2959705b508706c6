#!/bin/bash
# logfwd_pair.sh - both peers forward their access logs to one log server.
#
# Hosts: a and b (twin-proxy each, on A:3128 and B:3128, peer names a and
# b, no access-log-tag: the default is the peer's name), c1 (client),
# origin (proxy_origin.py on O:8000), logs (rsyslog with imtcp on
# L:6514, filing messages by HOSTNAME, one file per sender). Checks:
#   - requests with unique URLs through each peer: every line arrives
#     exactly once, in its own peer's file only, with the daemon's name
#     and the same text as the peer's own access log file;
#   - twin-lb on both peers, an l7 cluster forwarding instead of a file
#     (access-log none): its lines arrive once each, under its peer's
#     name, with APP-NAME twin-lb;
#   - the log server stops: requests are still answered, all of them,
#     within generous bounds; each proxy logs the server down once, and
#     once its small queue is full, the lines it drops with their count;
#   - the server comes back: each proxy logs "up again" with what it
#     dropped, and new lines arrive again, each once;
#   - SIGHUP to a destination whose SYNs are black-holed (nft drop on
#     the log host): requests are not slowed, the connect times out and
#     the server is logged down;
#   - TLS (RFC 5425) to openssl s_server, its certificate checked: b's
#     lines arrive there as strictly octet-counted frames, each once; a
#     server whose certificate the CA file does not vouch for is refused
#     (logged down, nothing sent).

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl python3 rsyslogd nft openssl
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/metrics_lib.sh"

TWIN_LB=$TOP_BUILDDIR/twin-lb
L=198.18.0.9
proxy_topo a b c1 origin logs=$L
proxy_dirs
RS=$T/rsyslog
REMOTE=$T/remote
mkdir -p "$RS" "$REMOTE" || ERROR "cannot create $RS"

# rsyslog: TCP on L:6514 (octet counting and LF framing both accepted),
# each sender's lines to remote/HOSTNAME.log as "APP-NAME MSG".
cat >"$RS/rsyslog.conf" <<EOF || ERROR "cannot write rsyslog.conf"
global(workDirectory="$RS")
module(load="imtcp")
template(name="perhost" type="string" string="$REMOTE/%HOSTNAME%.log")
template(name="line" type="string" string="%APP-NAME% %msg%\n")
ruleset(name="fwd") {
	action(type="omfile" dynaFile="perhost" template="line")
}
input(type="imtcp" address="$L" port="6514" ruleset="fwd")
EOF

rsyslog_start() {
    rm -f "$RS/rsyslogd.pid"
    spawn logs rsyslog.log rsyslogd -n -f "$RS/rsyslog.conf" \
        -i "$RS/rsyslogd.pid"
    RSYSLOG_PID=$SPAWN_PID
    wait_port c1 "$L" 6514
}

# peer_conf NAME ADDR SERVER [SETTING...]: the config of peer NAME,
# forwarding to SERVER (address:port) with a queue of 4K.
peer_conf() {
    local name=$1 addr=$2 server=$3
    shift 3
    echo "peer { name $name; address $addr; run-dir $PX/run-$name; }"
    conf_block proxy "listen $addr:3128" "allow $C1/32" \
        "access-log $PX/access-$name.log" "access-log-server $server" \
        "access-log-queue 4K" "$@"
}

origin_start origin origin.log "$REC" "$O:8000"
rsyslog_start
mkdir -p "$PX/run-a" "$PX/run-b" || ERROR "cannot create run dirs"
conf_write "$T/a.conf" peer_conf a "$A" "$L:6514"
conf_write "$T/b.conf" peer_conf b "$B" "$L:6514"
echo "metrics { listen $A; allow $C1/32; }" >>"$T/a.conf" ||
    ERROR "cannot write a.conf"
daemon_start a proxy-a.log c1 "$A" 3128 "$TWIN_PROXY" -d -v -f "$T/a.conf"
PID_A=$DAEMON_PID
daemon_start b proxy-b.log c1 "$B" 3128 "$TWIN_PROXY" -d -v -f "$T/b.conf"
PID_B=$DAEMON_PID

# fetch PEER TAG N: N requests for /hello?TAG-I through PEER, in one curl
# (one connection); prints the status codes, one a line.
fetch() {
    local peer=$1 tag=$2 n=$3 i addr
    [ "$peer" = a ] && addr=$A || addr=$B
    for ((i = 1; i <= n; i++)); do
        printf 'url = "http://%s:8000/hello?%s-%d"\nwrite-out = "%%{http_code}\\n"\noutput = /dev/null\n' \
            "$O" "$tag" "$i"
    done >"$T/curl-$tag.cfg"
    on c1 curl -sS -m 60 -x "http://$addr:3128" -K "$T/curl-$tag.cfg"
}

# all_ok PEER TAG N: fetch answers N times 200.
all_ok() {
    local got
    got=$(fetch "$@" | grep -c '^200$')
    echo "$got of $3 requests through $1 answered 200"
    [ "$got" -eq "$3" ]
}

# once_each FILE TAG N: FILE has each of /hello?TAG-1..N exactly once.
once_each() {
    local f=$1 i c bad=0
    [ -f "$f" ] || { echo "$f: missing"; return 1; }
    for ((i = 1; i <= $3; i++)); do
        c=$(grep -c -- "/hello?$2-$i " "$f")
        [ "$c" -eq 1 ] || { echo "$f: /hello?$2-$i $c times"; bad=1; }
    done
    return "$bad"
}

# has_n FILE TAG N: FILE has N lines for TAG (poll for it).
has_n() { [ -f "$1" ] && [ "$(grep -c -- "/hello?$2-" "$1")" -ge "$3" ]; }

# same_lines PEER TAG: the forwarded lines for TAG are the file's lines,
# behind the daemon's name.
same_lines() {
    diff <(grep -- "/hello?$2-" "$REMOTE/$1.log") \
        <(grep -- "/hello?$2-" "$PX/access-$1.log" | sed 's/^/twin-proxy /')
}

# stat PEER NAME: counter NAME of PEER's twinctl proxy stats.
stat() {
    on "$1" "$TWINCTL" -f "$T/$1.conf" proxy stats |
        awk -v n="$2" '$1 == n { print $2 }'
}
# stat_is PEER NAME OP VALUE: that counter compares so ("-gt", "-eq").
stat_is() {
    local v
    v=$(stat "$1" "$2")
    echo "$1's $2 is ${v:-missing}"
    [ -n "$v" ] && test "$v" "$3" "$4"
}

# ---- both peers, one log server ----------------------------------------------
N=20
CHECK "a's proxy reaches the log server" \
    wait_log proxy-a.log "log server $L:6514 connected"
CHECK "b's proxy reaches the log server" \
    wait_log proxy-b.log "log server $L:6514 connected"
t0=$(now_us)
CHECK "$N requests through a" all_ok a ra $N
CHECK "a's $N requests took a normal time" elapsed_within "$t0" 0 20
CHECK "$N requests through b" all_ok b rb $N
CHECK "a's lines reach the server" wait_until 10 has_n "$REMOTE/a.log" ra $N
CHECK "b's lines reach the server" wait_until 10 has_n "$REMOTE/b.log" rb $N
CHECK "each of a's lines arrived exactly once, as a's" \
    once_each "$REMOTE/a.log" ra $N
CHECK "each of b's lines arrived exactly once, as b's" \
    once_each "$REMOTE/b.log" rb $N
CHECK "none of b's lines is in a's file" no_line -F "$REMOTE/a.log" "?rb-"
CHECK "none of a's lines is in b's file" no_line -F "$REMOTE/b.log" "?ra-"
CHECK "the server has a file for each peer and no other" \
    test "$(cd "$REMOTE" && echo *)" = "a.log b.log"
# The files are written once a second.
wait_until 5 has_n "$PX/access-a.log" ra $N
wait_until 5 has_n "$PX/access-b.log" rb $N
CHECK "a's forwarded lines are its access log's, after APP-NAME" \
    same_lines a ra
CHECK "b's forwarded lines are its access log's" same_lines b rb

# ---- twin-lb clusters forward too, instead of a file ---------------------------
# lb_conf NAME ADDR: an l7 cluster on ADDR:80 in front of the origin.
lb_conf() {
    echo "peer { name $1; address $2; run-dir $PX/run-$1; }"
    conf_block "cluster web" "listen $2:80" "server o $O:8000" \
        "icmp-check no" "check-interval 1s" "check-timeout 500ms" \
        "access-log none" \
        "access-log-server $L:6514"
}
conf_write "$T/lb-a.conf" lb_conf a "$A"
conf_write "$T/lb-b.conf" lb_conf b "$B"
daemon_start a lb-a.log c1 "$A" 80 "$TWIN_LB" -d -v -f "$T/lb-a.conf"
daemon_start b lb-b.log c1 "$B" 80 "$TWIN_LB" -d -v -f "$T/lb-b.conf"
# lb_get ADDR TAG N: N requests to the cluster on ADDR; all 200.
lb_get() {
    local i got=0
    for ((i = 1; i <= $3; i++)); do
        [ "$(on c1 curl -sS -m 10 -o /dev/null -w '%{http_code}' \
            "http://$1/hello?$2-$i")" = 200 ] && got=$((got + 1))
    done
    echo "$got of $3 requests to $1 answered 200"
    [ "$got" -eq "$3" ]
}
up_lb() { on c1 curl -sS -m 2 -o /dev/null "http://$1/hello?probe"; }
wait_until 10 up_lb "$A"
wait_until 10 up_lb "$B"
CHECK "a's cluster answers" lb_get "$A" la 10
CHECK "b's cluster answers" lb_get "$B" lb 10
CHECK "a's cluster lines reach the server" \
    wait_until 10 has_n "$REMOTE/a.log" la 10
CHECK "b's cluster lines reach the server" \
    wait_until 10 has_n "$REMOTE/b.log" lb 10
CHECK "each of a's cluster lines arrived once, from twin-lb" \
    once_each "$REMOTE/a.log" la 10
CHECK "each of b's cluster lines arrived once" once_each "$REMOTE/b.log" lb 10
lb_app() { [ "$(grep -c -- "^twin-lb .*/hello?$1-" "$REMOTE/$2.log")" -eq 10 ]; }
CHECK "the cluster's lines carry APP-NAME twin-lb" lb_app la a
lb_fwd_shown() {
    on a "$TWINCTL" -f "$T/lb-a.conf" lb show >"$T/lb-show.txt" || return 1
    grep 'access log forwarded' "$T/lb-show.txt"
    grep -Eq 'access log forwarded: log server connected, (1[0-9]|[2-9][0-9]|[0-9]{3,}) lines sent, 0 dropped' \
        "$T/lb-show.txt"
}
CHECK "twinctl lb show: a's cluster forwards, 10 lines or more sent" \
    lb_fwd_shown
CHECK "none of b's cluster lines is in a's file" \
    no_line -F "$REMOTE/a.log" "?lb-"

# ---- the log server stops ----------------------------------------------------
stop "$RSYSLOG_PID"
CHECK "a logs the server down once" \
    wait_log proxy-a.log "log server $L:6514 down: "
CHECK "b logs the server down" \
    wait_log proxy-b.log "log server $L:6514 down: "
M=60
t0=$(now_us)
CHECK "$M requests through a with the server down" all_ok a da $M
CHECK "they took a normal time" elapsed_within "$t0" 0 20
CHECK "$M requests through b with the server down" all_ok b db $M
CHECK "a counts and reports lines dropped (queue of 4K full)" \
    wait_log proxy-a.log "log server $L:6514: [0-9]+ lines? dropped \(server down, queue of 4096 bytes full\)" 15
CHECK "b reports lines dropped" \
    wait_log proxy-b.log "log server $L:6514: [0-9]+ lines? dropped" 15
CHECK "twinctl: a is not connected" stat_is a log-forward-connected -eq 0
CHECK "twinctl: a counts the lines dropped" \
    stat_is a log-forward-dropped -gt 0
# a_mge SERIES MIN, a_mis SERIES VALUE: a's twin-proxy endpoint, scraped
# into $T/ma.prom, has SERIES at least MIN / at VALUE.
a_mge() { scrape c1 "$A" 9712 ma && mge ma "$1" "$2"; }
a_mis() { scrape c1 "$A" 9712 ma && mis ma "$1" "$2"; }
CHECK "metrics: a counts the lines dropped" \
    a_mge 'twinproxy_proxy_log_forward_lines_total{result="dropped"}' 1
CHECK "metrics: a is not connected to the log server" \
    a_mis twinproxy_proxy_log_forward_connected 0
CHECK "metrics: a counts the lines sent before" \
    a_mge 'twinproxy_proxy_log_forward_lines_total{result="sent"}' "$N"
CHECK "a said 'down' only once while down" \
    test "$(grep -c "log server $L:6514 down: " "$T/logs/proxy-a.log")" -eq 1
wait_until 5 has_n "$PX/access-a.log" da $M
CHECK "a's own file has every line still" \
    once_each "$PX/access-a.log" da $M

# ---- the log server is back --------------------------------------------------
rsyslog_start
CHECK "a logs the server up again with the count dropped" \
    wait_log proxy-a.log "log server $L:6514 up again, [1-9][0-9]* lines dropped while down" 40
CHECK "b logs the server up again" \
    wait_log proxy-b.log "log server $L:6514 up again" 40
CHECK "metrics: a is connected again" \
    a_mis twinproxy_proxy_log_forward_connected 1
CHECK "promtool accepts a's families" promok ma
CHECK "twinctl: a is connected again" stat_is a log-forward-connected -eq 1
CHECK "twinctl: a counts the lines sent" \
    stat_is a log-forward-sent -ge $((N + 10))
CHECK "requests through a, server back" all_ok a ua $N
CHECK "requests through b, server back" all_ok b ub $N
CHECK "a's new lines arrive" wait_until 10 has_n "$REMOTE/a.log" ua $N
CHECK "b's new lines arrive" wait_until 10 has_n "$REMOTE/b.log" ub $N
CHECK "each of a's new lines arrived once" once_each "$REMOTE/a.log" ua $N
CHECK "each of b's new lines arrived once" once_each "$REMOTE/b.log" ub $N
CHECK "no line of a's reached b's file" no_line -F "$REMOTE/b.log" "?ua-"

# ---- a black-holed server (SYNs dropped), set by SIGHUP ------------------------
on logs nft -f - <<EOF || ERROR "cannot load the nft rule"
table inet bh {
	chain in {
		type filter hook input priority 0;
		tcp dport 6515 tcp flags & (syn | ack) == syn drop
	}
}
EOF
conf_write "$T/a.conf" peer_conf a "$A" "$L:6515"
kill -HUP "$PID_A"
CHECK "a's reload takes the new server" \
    wait_log proxy-a.log "reload: configuration from .* in effect"
t0=$(now_us)
CHECK "$M requests through a, server black-holed" all_ok a ba $M
CHECK "they took a normal time" elapsed_within "$t0" 0 20
CHECK "a logs the black-holed server down (connect timed out)" \
    wait_log proxy-a.log "log server $L:6515 down: connect timed out" 15
CHECK "a's lines stop reaching the old server" \
    no_line -F "$REMOTE/a.log" "?ba-"
CHECK "b still forwards to the server" all_ok b bb 5
CHECK "b's lines still arrive" wait_until 10 has_n "$REMOTE/b.log" bb 5

# ---- TLS to openssl s_server, the certificate checked -------------------------
# cert NAME: a self-signed certificate for the log host's address.
cert() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$T/$1.key" -out "$T/$1.crt" -subj "/CN=$1" \
        -addext "subjectAltName=IP:$L" -days 2 2>/dev/null ||
        ERROR "cannot make the certificate $1"
}
cert tls-good
cert tls-other
# What s_server receives goes to its log as it comes (-quiet); its stdin
# is a pipe that stays open (at EOF it would close the connection).
tls_server() {
    # shellcheck disable=SC2016  # expanded by the inner bash
    spawn logs "tls-$1.log" bash -c 'sleep 900 | exec openssl s_server \
        -quiet -accept "$1" -cert "$2" -key "$3"' _ "$L:$1" \
        "$T/tls-good.crt" "$T/tls-good.key"
    wait_until 10 tls_listening "$1" || ERROR "s_server on $1 is not up"
}
tls_listening() { on logs ss -ltn "sport = :$1" | grep -q LISTEN; }
tls_server 6516
tls_server 6517
conf_write "$T/b.conf" peer_conf b "$B" "$L:6516" "access-log-tls yes" \
    "access-log-ca-file $T/tls-good.crt"
kill -HUP "$PID_B"
CHECK "b connects to the TLS server, its certificate accepted" \
    wait_log proxy-b.log "log server $L:6516 connected"
CHECK "$N requests through b" all_ok b tb $N
FRAMES=$TOP_SRCDIR/tests/integration/logfwd_frames.py
tls_got() {
    python3 "$FRAMES" "$T/logs/tls-6516.log" >"$T/tls-frames" &&
        has_n "$T/tls-frames" tb "$N"
}
CHECK "b's lines reach the TLS server as octet-counted frames" \
    wait_until 10 tls_got
CHECK "each arrived once" once_each "$T/tls-frames" tb $N
CHECK "each as b's, from twin-proxy" \
    test "$(grep -c -- '^<134>1 [^ ]* b twin-proxy [0-9]* access - .*/hello?tb-' \
        "$T/tls-frames")" -eq "$N"
conf_write "$T/a.conf" peer_conf a "$A" "$L:6517" "access-log-tls yes" \
    "access-log-ca-file $T/tls-other.crt"
kill -HUP "$PID_A"
CHECK "a refuses a server its CA file does not vouch for" \
    wait_log proxy-a.log "log server $L:6517 down: tls: server certificate not accepted"
CHECK "requests through a still succeed" all_ok a xa 5
CHECK "nothing reached the untrusted server" \
    no_line -F tls-6517.log "hello?xa-"

CHECK "the proxies are still running" \
    test "$(procs_alive "$PID_A" "$PID_B" | wc -l)" -eq 2

finish

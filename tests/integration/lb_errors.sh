#!/bin/bash
# lb_errors.sh - what twin-lb answers when a server fails, and when it
# sends a request on to the next server (checks are off here, so the
# balancer itself meets every failure):
#   - a server that refuses the connection: nothing was sent, so any
#     request goes on to the next server; with no other, 502;
#   - a server that drops the SYN: after connect-timeout, the next
#     server; with no other, 504;
#   - a server that closes without answering: an idempotent request
#     without a body goes on to the next server, a POST does not (502);
#   - a server that never answers: 504 after server-timeout, and the
#     request is not sent again (the server may be working on it);
#   - a client whose request head stops half-way: 408 after
#     client-timeout.

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl python3 nginx nft
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/lb_lib.sh"

BAD=$TOP_SRCDIR/tests/integration/lb_badserver.py
lb_topo a c1 s1 s2 s3
lb_nginx s2 "$S2"
spawn s3 bad-close.log python3 -u "$BAD" "$S3" 80 close
wait_log bad-close.log "^listening on "
spawn s3 bad-silent.log python3 -u "$BAD" "$S3" 81 silent
wait_log bad-silent.log "^listening on "
on s3 nft -f - <<NFT || ERROR "cannot load the nftables rule on s3"
table inet lbtest {
	chain in {
		type filter hook input priority 0;
		tcp dport 82 drop
	}
}
NFT

# cluster NAME PORT SERVER...: a cluster without checks, static weights.
cluster() {
    local name=$1 port=$2
    shift 2
    conf_block "cluster $name" "listen $A:$port" "$@" "check none" \
        "icmp-check no" "scheduler static-weight" "connect-timeout 500ms" \
        "server-timeout 1s" "access-log $PX/access.log"
}
lb_conf() {
    conf_peer
    cluster refused 80 "server r1 $S1:80 weight 1000" "server s2 $S2:80"
    cluster closer 81 "server c3 $S3:80 weight 1000" "server s2 $S2:80"
    cluster silent 82 "server q3 $S3:81 weight 1000" "server s2 $S2:80"
    cluster drop 83 "server d3 $S3:82 weight 1000" "server s2 $S2:80"
    cluster alone 84 "server r1 $S1:80" "client-timeout 1s"
    cluster dropalone 85 "server d3 $S3:82"
}
conf_write "$CONF" lb_conf
lb_start

# answers PORT WANT [CURL ARGS]: a request gets WANT ("200 s2", "502").
answers() {
    local port=$1 want=$2 out
    shift 2
    out=$(on c1 curl -sS -m 10 -w ' %{http_code}' "$@" "http://$A:$port/" 2>&1)
    out=$(printf '%s' "$out" | tr '\n' ' ' | awk '{ if (NF >= 2 && $NF == 200) print $NF, $1; else print $NF }')
    echo "got '$out', want '$want'"
    [ "$out" = "$want" ]
}

CHECK "refused: the request goes on to the next server" answers 80 "200 s2"
CHECK "and the log says so" grep -q 'client 198.18.0.11: GET / HTTP/1.1 sent on to server s2' "$(logf lb.log)"
CHECK "with the reason" grep -q 'server r1: connect: Connection refused' "$(logf lb.log)"
CHECK "refused, and no other server: 502" answers 84 502

t0=$(now_us)
CHECK "SYN dropped: after connect-timeout, the next server" answers 83 "200 s2"
CHECK "half a second later" elapsed_within "$t0" 0.4 3
t0=$(now_us)
CHECK "SYN dropped, and no other server: 504" answers 85 504
CHECK "after connect-timeout" elapsed_within "$t0" 0.4 3

CHECK "closed without an answer: a GET goes on to the next server" answers 81 "200 s2"
n0=$(grep -c 'sent on to server' "$(logf lb.log)")
CHECK "closed without an answer: a POST is not sent again: 502" \
    answers 81 502 -d 'x=1'
CHECK "(the log shows no second try)" \
    test "$(grep -c 'sent on to server' "$(logf lb.log)")" = "$n0"

t0=$(now_us)
CHECK "no answer: 504" answers 82 504
CHECK "after server-timeout" elapsed_within "$t0" 0.9 3
CHECK "(not sent on to another server)" \
    test "$(grep -c 'sent on to server' "$(logf lb.log)")" = "$n0"

t0=$(now_us)
half() {
    on c1 python3 "$TOP_SRCDIR/tests/integration/proxy_rawclient.py" "$A" 84 \
        'GET / HTTP/1.1\r\nHost: x\r\n' >"$T/half.out" 2>&1
    head -n 1 "$T/half.out"
    grep -q '^HTTP/1.1 408 ' "$T/half.out"
}
CHECK "a request head that stops half-way: 408" half
CHECK "after client-timeout" elapsed_within "$t0" 0.9 4

logged() { grep -qE '"POST / HTTP/1.1" 502 [0-9]+ "-" "curl/[^"]*" closer c3 [0-9]+ scheduled$' "$PX/access.log"; }
CHECK "the access log names the server that failed" wait_until 3 logged
fails() { lb_ctl show refused | grep -q 'server r1 .*failures [1-9]'; }
CHECK "lb show counts the server's failures" fails
stats() { lb_ctl stats | grep -qx 'silent.errors-timeout 1'; }
CHECK "lb stats counts the timeout" stats

finish

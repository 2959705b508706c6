#!/bin/bash
# proxy_forward.sh - twin-proxy forwarding, CONNECT and access control with
# real curl against a real origin.
#
# Hosts: a (twin-proxy on A:3128), c1 (allowed client), c2 (not allowed),
# origin (proxy_origin.py on O:8000 and O:443, recording what reaches it).
# A second origin on a's own loopback ([::1]:8001) serves the IPv6 and
# name-resolution checks. Checks cover GET/HEAD/POST with both body
# framings, chunked and close-delimited responses, 1xx, 204/304,
# keep-alive reuse on both sides, header rewriting (Via, X-Forwarded-For,
# hop-by-hop), Max-Forwards, CONNECT to an allowed and a forbidden port, a
# denied client, denied destinations, an unreachable origin (502, 504), a
# slow origin (504), an invalid response (502), the access log read by
# calamaris, log reopening on SIGUSR1 and the counters through twinctl.

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl python3 calamaris

topo_init
topo_host a "$A/$PFX"
topo_host c1 "$C1/$PFX"
topo_host c2 "$C2/$PFX"
topo_host origin "$O/$PFX"

ORIGIN_PY=$TOP_SRCDIR/tests/integration/proxy_origin.py
PX=$T/px
mkdir -p "$PX/run"
chmod 755 "$T"
chmod 777 "$PX"
REC=$T/origin.rec
REC6=$T/origin6.rec
: >"$REC"
: >"$REC6"

cat >"$PX/twinproxy.conf" <<EOF
peer { name a; address $A; partner $B; run-dir $PX/run; }
proxy {
	listen $A:3128;
	allow $C1/32;
	allow $A/32;
	deny-domain .blocked.test;
	deny-port 8081;
	connect-port 443;
	outgoing-address $A;
	connect-timeout 1s;
	read-timeout 2s;
	access-log $PX/access.log;
}
EOF

spawn origin origin.log python3 -u "$ORIGIN_PY" "$REC" "$O:8000" "$O:443"
wait_port origin "$O" 8000
wait_port origin "$O" 443
spawn a origin6.log python3 -u "$ORIGIN_PY" "$REC6" "[::1]:8001"
wait_log origin6.log "listening on"
# A name with an IPv4 and an IPv6 address, for the resolver (this mount
# namespace is the test's own, so the real /etc/hosts is untouched).
printf '127.0.0.1 localhost\n127.0.0.1 origin6.test\n::1 origin6.test\n' >"$T/hosts"
mount --bind "$T/hosts" /etc/hosts || ERROR "cannot bind-mount /etc/hosts"
spawn a proxy.log "$TWIN_PROXY" -d -v -f "$PX/twinproxy.conf"
PROXY_PID=$SPAWN_PID
wait_port c1 "$A" 3128

P=http://$A:3128
U=http://$O:8000

# pcurl HOST ARGS...: curl through the proxy from HOST.
pcurl() {
    local h=$1
    shift
    on "$h" curl -sS -m 10 -x "$P" "$@"
}

# nreq: requests recorded by the origin so far.
nreq() { grep -c '^{' "$REC"; }
# last_req: the last request the origin recorded (JSON).
last_req() { grep '^{' "$REC" | tail -n 1; }
# jq_py EXPR: evaluate a Python expression on the last request as r.
jq_py() {
    last_req | python3 -c 'import json,sys; r=json.load(sys.stdin); print('"$1"')'
}

# ---- plain forwarding -------------------------------------------------------

get_ok() {
    local got
    got=$(pcurl c1 "$U/hello") || return 1
    echo "body: $got"
    [ "$got" = hello ]
}
CHECK "GET through the proxy returns the origin's body" get_ok

echo_headers() {
    local r
    pcurl c1 -o /dev/null -H 'Proxy-Connection: keep-alive' \
        -H 'X-Drop: 1' -H 'Connection: X-Drop' "$U/echo?x=1" || return 1
    r=$(last_req)
    echo "$r"
    # Origin-form target, Via and X-Forwarded-For added, hop-by-hop gone.
    [[ $r == *'"target": "/echo?x=1"'* ]] &&
        [[ $r == *'["Via", "1.1 a (twin-proxy)"]'* ]] &&
        [[ $r == *"[\"X-Forwarded-For\", \"$C1\"]"* ]] &&
        [[ $r != *Proxy-Connection* ]] && [[ $r != *X-Drop* ]] &&
        [[ $r == *"[\"Host\", \"$O:8000\"]"* ]]
}
CHECK "request reaches the origin rewritten (origin-form, Via, XFF, no hop-by-hop)" echo_headers

xff_append() {
    pcurl c1 -o /dev/null -H 'X-Forwarded-For: 203.0.113.9' "$U/echo" ||
        return 1
    last_req
    [[ $(last_req) == *"[\"X-Forwarded-For\", \"203.0.113.9, $C1\"]"* ]]
}
CHECK "X-Forwarded-For is appended to" xff_append

from_real_ip() {
    local peer
    peer=$(grep '^conn' "$REC" | tail -n 1 | awk '{ print $3 }')
    echo "origin saw connections from $peer"
    [ "$peer" = "$A" ]
}
CHECK "origin connections come from the real address (outgoing-address)" from_real_ip

head_ok() {
    local out
    out=$(pcurl c1 -I "$U/size/1234") || return 1
    echo "$out"
    [[ $out == *"HTTP/1.1 200"* ]] && [[ $out == *"Content-Length: 1234"* ]] &&
        [ "$(jq_py 'r["method"]')" = HEAD ]
}
CHECK "HEAD returns the head only" head_ok

# size_of URL [CURLARGS...]: bytes of body curl received.
size_of() {
    local url=$1
    shift
    pcurl c1 -o /dev/null -w '%{size_download}' "$@" "$url"
}
body_sizes() {
    local s1 s2 s3 s4
    s1=$(size_of "$U/size/300000") || return 1
    s2=$(size_of "$U/chunked/250000") || return 1
    s3=$(size_of "$U/close/200000") || return 1
    s4=$(size_of "$U/chunked/5000" -0) || return 1
    echo "length: $s1, chunked: $s2, close: $s3, chunked to HTTP/1.0: $s4"
    [ "$s1" = 300000 ] && [ "$s2" = 250000 ] && [ "$s3" = 200000 ] &&
        [ "$s4" = 5000 ]
}
CHECK "response bodies arrive whole: Content-Length, chunked, until-close, de-chunked for HTTP/1.0" body_sizes

head -c 200000 /dev/urandom >"$T/body.bin"
post_length() {
    pcurl c1 -o /dev/null --data-binary @"$T/body.bin" "$U/echo" || return 1
    jq_py 'r["method"], r["body"], r["headers"]'
    [ "$(jq_py 'r["body"]')" = 200000 ] && [ "$(jq_py 'r["method"]')" = POST ]
}
CHECK "POST with Content-Length streams the body to the origin" post_length

post_chunked() {
    pcurl c1 -o /dev/null -H 'Transfer-Encoding: chunked' \
        --data-binary @"$T/body.bin" "$U/echo" || return 1
    jq_py 'r["body"], r["headers"]'
    [ "$(jq_py 'r["body"]')" = 200000 ] &&
        [ "$(jq_py '[h for h in r["headers"] if h[0] == "Transfer-Encoding"]')" = "[['Transfer-Encoding', 'chunked']]" ]
}
CHECK "POST with chunked body is passed through chunked" post_chunked

expect_100() {
    local out
    out=$(pcurl c1 -v -o /dev/null -H 'Expect: 100-continue' \
        --data-binary @"$T/body.bin" "$U/echo" 2>&1) || return 1
    echo "$out" | grep -E '^< HTTP'
    echo "$out" | grep -q '^< HTTP/1.1 100 Continue' &&
        [ "$(jq_py 'r["body"]')" = 200000 ]
}
CHECK "Expect: 100-continue gets the origin's 100 and the body goes through" expect_100

no_body_statuses() {
    local a b
    a=$(pcurl c1 -o /dev/null -w '%{http_code} %{size_download}' "$U/status/204") || return 1
    b=$(pcurl c1 -o /dev/null -w '%{http_code} %{size_download}' "$U/status/304") || return 1
    echo "204: $a, 304: $b"
    [ "$a" = "204 0" ] && [ "$b" = "304 0" ]
}
CHECK "204 and 304 come through without a body" no_body_statuses

keepalive_both() {
    local out before conns
    before=$(nreq)
    out=$(pcurl c1 -o /dev/null -o /dev/null -o /dev/null \
        -w '%{num_connects}\n' "$U/echo?k=1" "$U/echo?k=2" "$U/echo?k=3") ||
        return 1
    echo "client connections opened per request: $(echo "$out" | tr '\n' ' ')"
    [ "$(echo "$out" | tr -d '\n')" = 100 ] || return 1
    conns=$(grep '^{' "$REC" | tail -n 3 | python3 -c '
import json, sys
print(len({json.loads(l)["conn"] for l in sys.stdin}))')
    echo "origin connections used by the 3 requests: $conns"
    [ "$(nreq)" -eq $((before + 3)) ] && [ "$conns" = 1 ]
}
CHECK "keep-alive: 3 requests share one client and one origin connection" keepalive_both

pipelined() {
    local out
    out=$(on c1 python3 "$TOP_SRCDIR/tests/integration/proxy_rawclient.py" "$A" 3128 \
        "GET $U/size/10 HTTP/1.1\r\nHost: $O:8000\r\n\r\nGET $U/size/20 HTTP/1.1\r\nHost: $O:8000\r\nConnection: close\r\n\r\n")
    echo "$out" | grep -E 'HTTP/1.1|^Content-Length'
    [ "$(echo "$out" | grep -o 'HTTP/1.1 200' | wc -l)" = 2 ] &&
        [[ $out == *"Content-Length: 10"*"Content-Length: 20"* ]] &&
        [[ $out == *$'\r\n\r\n'xxxxxxxxxxxxxxxxxxxx ]]
}
CHECK "pipelined requests are answered in order" pipelined

max_forwards() {
    local before out
    before=$(nreq)
    out=$(pcurl c1 -i -X OPTIONS -H 'Max-Forwards: 0' "$U/echo") || return 1
    echo "$out" | head -n 3
    [[ $out == *"HTTP/1.1 200"* ]] && [[ $out == *"Allow:"* ]] || return 1
    out=$(pcurl c1 -X TRACE -H 'Max-Forwards: 0' "$U/trace") || return 1
    echo "$out" | head -n 1
    [[ $out == "TRACE /trace HTTP/1.1"* || $out == "TRACE $U/trace HTTP/1.1"* ]] || return 1
    [ "$(nreq)" -eq "$before" ] || return 1
    pcurl c1 -o /dev/null -X OPTIONS -H 'Max-Forwards: 5' "$U/echo" || return 1
    jq_py '[h for h in r["headers"] if h[0] == "Max-Forwards"]'
    [ "$(jq_py '[h[1] for h in r["headers"] if h[0] == "Max-Forwards"]')" = "['4']" ]
}
CHECK "Max-Forwards: 0 is answered by the proxy, otherwise decremented" max_forwards

ipv6_origin() {
    local got
    got=$(pcurl c1 "http://[::1]:8001/hello") || return 1
    echo "IPv6 literal: $got"
    [ "$got" = hello ] || return 1
    got=$(pcurl c1 "http://origin6.test:8001/hello") || return 1
    echo "origin6.test (127.0.0.1 refuses, ::1 answers): $got"
    [ "$got" = hello ]
}
CHECK "IPv6 origin, by literal and by name" ipv6_origin

# ---- CONNECT ------------------------------------------------------------------

connect_allowed() {
    local got
    got=$(pcurl c1 -p "http://$O:443/hello") || return 1
    echo "through the tunnel: $got"
    [ "$got" = hello ]
}
CHECK "CONNECT to an allowed port (443) tunnels" connect_allowed

connect_denied() {
    local before code
    before=$(grep -c '^conn' "$REC")
    code=$(pcurl c1 -p -o /dev/null -w '%{http_connect}' "$U/hello" 2>/dev/null)
    echo "CONNECT answer: $code"
    [ "$code" = 403 ] && [ "$(grep -c '^conn' "$REC")" -eq "$before" ]
}
CHECK "CONNECT to another port is refused with 403 and not opened" connect_denied

# ---- access control -----------------------------------------------------------

denied_client() {
    local before out
    before=$(grep -c . "$REC")
    out=$(pcurl c2 -i "$U/hello" 2>&1)
    echo "$out" | head -n 1
    [[ $out == "HTTP/1.1 403"* ]] && [[ $out == *"not allowed"* ]] &&
        [ "$(grep -c . "$REC")" -eq "$before" ]
}
CHECK "a client outside the allow networks gets 403, nothing reaches the origin" denied_client

denied_dest() {
    local a b
    a=$(pcurl c1 -o /dev/null -w '%{http_code}' "http://www.blocked.test/") || return 1
    b=$(pcurl c1 -o /dev/null -w '%{http_code}' "http://$O:8081/") || return 1
    echo "denied domain: $a, denied port: $b"
    [ "$a" = 403 ] && [ "$b" = 403 ]
}
CHECK "denied destination domain and port get 403" denied_dest

# ---- failures -------------------------------------------------------------------

status_page() {   # URL EXPECTED-CODE WORDS
    local out
    out=$(pcurl c1 -i "$1" 2>&1)
    echo "$out" | grep -E '^HTTP|<p>'
    [[ $out == "HTTP/1.1 $2"* ]] && [[ $out == *"$3"* ]]
}
CHECK "refused origin port gives 502 naming the reason" \
    status_page "http://$O:9/" 502 "Connection refused"
# 198.18.0.250 is on the test subnet but no host answers ARP for it.
CHECK "unreachable origin gives 504 after connect-timeout" \
    status_page "http://198.18.0.250/" 504 "timed out"
CHECK "slow origin gives 504 after read-timeout" \
    status_page "$U/slow/4000" 504 "did not answer"
CHECK "invalid origin response gives 502" \
    status_page "$U/bad" 502 "invalid response"
CHECK "a request to the proxy itself is a loop: 403" \
    status_page "$P/hello" 403 "loop"
origin_form() {
    local out
    out=$(on c1 python3 "$TOP_SRCDIR/tests/integration/proxy_rawclient.py" "$A" 3128 \
        "GET /hello HTTP/1.1\r\nHost: $O:8000\r\n\r\n")
    echo "$out" | grep -E '^HTTP|<p>'
    [[ $out == "HTTP/1.1 400"* ]] && [[ $out == *absolute* ]]
}
CHECK "a non-proxy request (origin-form target) gets 400" origin_form

still_up() {
    local got
    got=$(pcurl c1 "$U/hello") || return 1
    [ "$got" = hello ]
}
CHECK "the proxy still serves after the failures" still_up

# ---- access log, counters -------------------------------------------------------

# The log is flushed at least once a second.
CHECK "access log has a TCP_MISS/200 line with HIER_DIRECT" \
    wait_until 3 grep -qE "^[0-9]+\.[0-9]{3} +[0-9]+ $C1 TCP_MISS/200 [0-9]+ GET $U/hello - HIER_DIRECT/$O text/plain$" "$PX/access.log"
CHECK "access log has the tunnel (TCP_TUNNEL/200)" \
    grep -qE " TCP_TUNNEL/200 [0-9]+ CONNECT $O:443 - HIER_DIRECT/$O -$" "$PX/access.log"
CHECK "access log has the denied client (TCP_DENIED/403)" \
    grep -qE " $C2 TCP_DENIED/403 [0-9]+ GET $U/hello - HIER_NONE/- -$" "$PX/access.log"

calamaris_reads() {
    local out lines
    cp "$PX/access.log" "$T/access.snapshot"
    lines=$(grep -c . "$T/access.snapshot")
    echo "$lines lines in the log"
    out=$(calamaris -a <"$T/access.snapshot" 2>&1) || return 1
    echo "$out" | grep -iE 'lines parsed|invalid' | head -n 5
    # calamaris counts every line it understood and the ones it did not.
    echo "$out" | grep -qE "lines parsed: +lines +$lines\b" &&
        echo "$out" | grep -qE 'invalid lines: +lines +0\b'
}
CHECK "calamaris parses every access log line" calamaris_reads

reopen() {
    mv "$PX/access.log" "$PX/access.log.1"
    kill -USR1 "$PROXY_PID"
    wait_until 3 test -e "$PX/access.log" || return 1
    pcurl c1 -o /dev/null "$U/after-rotate" || return 1
    wait_until 3 grep -q after-rotate "$PX/access.log"
}
CHECK "SIGUSR1 reopens the access log" reopen

stats() {
    local out
    out=$(on a "$TWINCTL" -f "$PX/twinproxy.conf" proxy stats) || return 1
    echo "$out" | tr '\n' ' '
    echo
    echo "$out" | grep -qE '^requests [1-9][0-9]+$' &&
        echo "$out" | grep -qE '^errors-denied [1-9]' &&
        echo "$out" | grep -qE '^errors-connect [1-9]$' &&
        echo "$out" | grep -qE '^errors-connect-timeout 1$' &&
        echo "$out" | grep -qE '^errors-timeout 1$' &&
        echo "$out" | grep -qE '^origin-reused [1-9]' &&
        echo "$out" | grep -qE '^bytes-out [1-9][0-9]{5,}$'
}
CHECK "twinctl proxy stats shows the counters" stats

CHECK "twin-proxy is still running" _tp_alive "$PROXY_PID"
stop "$PROXY_PID" 5
CHECK "twin-proxy exits 0 on SIGTERM" test "$STOP_STATUS" -eq 0

finish

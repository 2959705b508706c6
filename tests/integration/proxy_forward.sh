#!/bin/bash
# proxy_forward.sh - twin-proxy forwarding, CONNECT and access control with
# real curl against a real origin.
#
# Hosts: a (twin-proxy on A:3128), c1 (allowed client), c2 (not allowed),
# origin (proxy_origin.py on O:8000 and O:443, recording what reaches it).
# A second origin on a's own loopback ([::1]:8001) serves the IPv6 and
# name-resolution checks. Checks cover GET/HEAD/POST with both body
# framings, chunked and close-delimited responses, 1xx, 204/304,
# keep-alive reuse on both sides, pipelining, header rewriting (Via,
# X-Forwarded-For in its three modes, hop-by-hop both ways), Max-Forwards,
# IPv6 clients and origins, backpressure (memory stays flat with a slow
# client or a slow origin), CONNECT to an allowed and a forbidden port,
# tunnel idle timeout, a denied client, denied destinations, a refused,
# unreachable, unresolvable, slow or broken origin (502, 504, 503, 504,
# 502), request and idle timeouts, the access log read by calamaris, log
# reopening on SIGUSR1 and the counters through twinctl.

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl python3 calamaris
. "$(dirname "$0")/proxy_lib.sh"

proxy_topo a c1 c2 origin
proxy_dirs
REC6=$T/origin6.rec

# The timeouts, also for the checks that time them.
REQUEST_TIMEOUT=1
IDLE_TIMEOUT=2
# The proxy's resolver gives up after 2 attempts of 2 s (proxy_main.c).
DNS_TIMEOUT=4
proxy_conf "listen $A:3128" "listen [::1]:3128" \
    "allow $C1/32" "allow $A/32" "allow ::1/128" \
    "deny-domain .blocked.test" "deny-port 8081" "connect-port 443" \
    "outgoing-address $A" "connect-timeout 1s" "read-timeout 2s" \
    "request-timeout ${REQUEST_TIMEOUT}s" "idle-timeout ${IDLE_TIMEOUT}s" \
    "access-log $PX/access.log"

origin_start origin origin.log "$REC" "$O:8000" "$O:443"
origin_start a origin6.log "$REC6" "[::1]:8001"
# A name with an IPv4 and an IPv6 address, for the resolver (this mount
# namespace is the test's own, so the real /etc/hosts is untouched).
printf '127.0.0.1 localhost\n127.0.0.1 origin6.test\n::1 origin6.test\n' >"$T/hosts"
mount --bind "$T/hosts" /etc/hosts || ERROR "cannot bind-mount /etc/hosts"
# A name server on the test range that no host can reach (no route): every
# query fails at once and resolution ends on the resolver's own timeout.
printf 'nameserver 198.19.255.53\n' >"$T/resolv.conf"
if [ -L /etc/resolv.conf ]; then
    # A link into /run, which is this test's own tmpfs: fill in its target.
    rc_target=$(readlink -m /etc/resolv.conf)
    case $rc_target in
        /run/*) mkdir -p "${rc_target%/*}" && cp "$T/resolv.conf" "$rc_target" ||
            ERROR "cannot write $rc_target" ;;
        *) ERROR "/etc/resolv.conf links outside /run: $rc_target" ;;
    esac
else
    mount --bind "$T/resolv.conf" /etc/resolv.conf ||
        ERROR "cannot bind-mount /etc/resolv.conf"
fi
# No ASan quarantine: the memory checks below measure buffering.
PROXY_ENV=(ASAN_OPTIONS=quarantine_size_mb=0)
proxy_start

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

resp_hop() {
    local out
    out=$(pcurl c1 -sS -D - -o /dev/null "$U/hop") || return 1
    echo "$out"
    [[ $out == *"X-Kept: 1"* ]] && [[ $out != *X-Secret* ]] &&
        [[ $out != *Keep-Alive* ]] && [[ $out != *Upgrade* ]] &&
        [[ $out == *"Via: 1.1 a (twin-proxy)"* ]]
}
CHECK "response hop-by-hop fields (and those named in Connection) are removed" resp_hop

# A second proxy with x-forwarded-for delete and via no, then (reloaded)
# x-forwarded-for off.
xff_conf() {
    proxy_conf -f "$PX/second.conf" -r "$PX/run2" "listen $A:3130" \
        "allow $C1/32" "x-forwarded-for $1" "via no" \
        "access-log $PX/access2.log"
}
mkdir -p "$PX/run2"
xff_conf delete
daemon_start a proxy2.log c1 "$A" 3130 "$TWIN_PROXY" -d -f "$PX/second.conf"
PROXY2_PID=$DAEMON_PID
xff_mode() {   # WANT-HEADERS
    on c1 curl -sS -m 10 -x "$A:3130" -o /dev/null \
        -H 'X-Forwarded-For: 203.0.113.9' "$U/echo" || return 1
    jq_py '[h for h in r["headers"] if h[0] in ("X-Forwarded-For", "Via")]'
    [ "$(jq_py '[h for h in r["headers"] if h[0] in ("X-Forwarded-For", "Via")]')" = "$1" ]
}
CHECK "x-forwarded-for delete and via no: neither header reaches the origin" \
    xff_mode "[]"
xff_conf off
kill -HUP "$PROXY2_PID"
wait_log proxy2.log "in effect" 5
CHECK "x-forwarded-for off (after a reload): the client's header passes unchanged" \
    xff_mode "[['X-Forwarded-For', '203.0.113.9']]"
stop "$PROXY2_PID" 5

CHECK "origin connections come from the real address (outgoing-address)" \
    origin_peer_is "$A"

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

# answers FORMAT URL...: curl's -w FORMAT for each URL fetched through the
# proxy from c1, on one line.
answers() {
    local fmt=$1 u got all=()
    shift
    for u in "$@"; do
        got=$(pcurl c1 -o /dev/null -w "$fmt" "$u") || return 1
        all+=("$got")
    done
    echo "${all[*]}"
}
no_body_statuses() {
    local got
    got=$(answers '%{http_code}/%{size_download}' "$U/status/204" \
        "$U/status/304") || return 1
    echo "204, 304 (status/bytes): $got"
    [ "$got" = "204/0 304/0" ]
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

# rss_kb: resident memory of twin-proxy.
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$PROXY_PID/status"; }
# stat NAME: one counter of twin-proxy.
stat() {
    on a "$TWINCTL" -f "$CONF" proxy stats | awk -v n="$1" '$1 == n { print $2 }'
}
# grown NAME FROM BYTES: counter NAME has grown by BYTES since FROM.
grown() { [ "$(stat "$1")" -ge $(($2 + $3)) ]; }
# flat_memory COUNTER CURLARGS...: a transfer from c1 through the proxy in
# the background; once COUNTER has grown by 2 MB, twin-proxy's memory has
# grown by less than 16 MB.
flat_memory() {
    local counter=$1 before during bg
    shift
    before=$(rss_kb)
    bg=$(stat "$counter")
    on c1 curl -sS -m 4 -x "$P" -o /dev/null "$@" 2>/dev/null &
    wait_until 4 grown "$counter" "$bg" 2000000 || return 1
    during=$(rss_kb)
    wait "$!"
    echo "twin-proxy RSS before: ${before} kB, during: ${during} kB"
    [ $((during - before)) -lt 16384 ]
}
# The origin could send 60 MB at once; the client takes 1 MB/s.
slow_download() { flat_memory bytes-out --limit-rate 1M "$U/size/60000000"; }
CHECK "a fast origin and a slow client: the response is not buffered" slow_download
head -c 60000000 /dev/zero >"$T/big.bin"
# The origin reads at about 1 MB/s.
slow_upload() { flat_memory bytes-in --data-binary @"$T/big.bin" "$U/slowsink"; }
CHECK "a fast client and a slow origin: the request body is not buffered" slow_upload

ipv6_client() {
    local got
    got=$(on a curl -sS -m 10 -x "http://[::1]:3128" -o /dev/null -w '%{http_code}' "$U/echo") ||
        return 1
    echo "status $got; origin saw: $(jq_py '[h for h in r["headers"] if h[0] == "X-Forwarded-For"]')"
    [ "$got" = 200 ] &&
        [ "$(jq_py '[h[1] for h in r["headers"] if h[0] == "X-Forwarded-For"]')" = "['::1']" ]
}
CHECK "an IPv6 client on an IPv6 listener" ipv6_client

# ---- CONNECT ------------------------------------------------------------------

connect_allowed() {
    local got
    got=$(pcurl c1 -p "http://$O:443/hello") || return 1
    echo "through the tunnel: $got"
    [ "$got" = hello ]
}
CHECK "CONNECT to an allowed port (443) tunnels" connect_allowed

connect_both_ways() {
    local got
    got=$(pcurl c1 -p -o /dev/null -w '%{size_download}' "http://$O:443/size/3000000") ||
        return 1
    echo "downloaded through the tunnel: $got"
    [ "$got" = 3000000 ] || return 1
    pcurl c1 -p -o /dev/null --data-binary @"$T/body.bin" "http://$O:443/echo" ||
        return 1
    echo "uploaded through the tunnel: $(jq_py 'r["body"]')"
    [ "$(jq_py 'r["body"]')" = 200000 ]
}
CHECK "CONNECT relays large transfers both ways" connect_both_ways

# timed TIMEOUT_S: the time since T0 is TIMEOUT_S, less a little for the
# timer's own rounding, and not much more (slack for sanitizers and load;
# still below the 5 s the raw client waits before giving up by itself).
timed() {
    elapsed_within "$T0" "$(($1 - 1)).75" "$(($1 + 2)).5"
}
tunnel_idle() {
    local out rc
    # The raw client waits 5 s for the close; idle-timeout is 2 s.
    T0=$(now_us)
    out=$(on c1 python3 "$TOP_SRCDIR/tests/integration/proxy_rawclient.py" "$A" 3128 \
        "CONNECT $O:443 HTTP/1.1\r\nHost: $O:443\r\n\r\n")
    rc=$?
    echo "answer: ${out%%$'\r'*}; raw client status $rc (0: proxy closed)"
    # ($(...) drops the last newline.)
    [[ $out == "HTTP/1.1 200 Connection established"$'\r\n\r' ]] &&
        [ "$rc" = 0 ] && timed "$IDLE_TIMEOUT"
}
CHECK "a tunnel silent both ways is closed after idle-timeout" tunnel_idle

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
    local got
    got=$(answers '%{http_code}' "http://www.blocked.test/" "http://$O:8081/") ||
        return 1
    echo "denied domain, denied port: $got"
    [ "$got" = "403 403" ]
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
dns_fail() {
    T0=$(now_us)
    status_page "http://no-such-host.invalid/" 503 "cannot resolve" || return 1
    timed "$DNS_TIMEOUT"
}
CHECK "a name that does not resolve gives 503 after the resolver's timeout" dns_fail
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

raw() {
    on c1 python3 "$TOP_SRCDIR/tests/integration/proxy_rawclient.py" "$A" 3128 "$1"
}
slow_head() {
    local out
    T0=$(now_us)
    out=$(raw "GET $U/hello HTTP/1.1\r\nHost: $O:8000\r\n")
    echo "${out%%$'\r'*}"
    [[ $out == "HTTP/1.1 408 "* ]] && timed "$REQUEST_TIMEOUT"
}
CHECK "an incomplete head gets 408 after request-timeout" slow_head
idle_close() {
    local out rc
    T0=$(now_us)
    out=$(raw "")
    rc=$?
    echo "${#out} bytes; raw client status $rc (0: proxy closed)"
    [ -z "$out" ] && [ "$rc" = 0 ] && timed "$IDLE_TIMEOUT"
}
CHECK "an idle connection is closed after idle-timeout" idle_close

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
    out=$(on a "$TWINCTL" -f "$CONF" proxy stats) || return 1
    echo "$out" | tr '\n' ' '
    echo
    echo "$out" | grep -qE '^requests [1-9][0-9]+$' &&
        echo "$out" | grep -qE '^errors-denied [1-9]' &&
        echo "$out" | grep -qE '^errors-connect [1-9]$' &&
        echo "$out" | grep -qE '^errors-connect-timeout 1$' &&
        echo "$out" | grep -qE '^errors-timeout 1$' &&
        echo "$out" | grep -qE '^errors-dns 1$' &&
        echo "$out" | grep -qE '^origin-reused [1-9]' &&
        echo "$out" | grep -qE '^bytes-out [1-9][0-9]{5,}$'
}
CHECK "twinctl proxy stats shows the counters" stats

CHECK "twin-proxy is still running" _tp_alive "$PROXY_PID"
stop "$PROXY_PID" 5
CHECK "twin-proxy exits 0 on SIGTERM" test "$STOP_STATUS" -eq 0

finish

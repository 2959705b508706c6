#!/bin/bash
# proxy_malformed.sh - malformed and smuggling requests never reach the
# origin.
#
# A raw socket client on c1 sends each request to twin-proxy on A:3128 and
# the scenario asserts a 400 (the page names the precise reason) and that the
# origin on O:8000 recorded no connection at all. A well-formed request at
# the end shows the same path does reach the origin, so the checks can
# fail. Finally 400 rounds of random bytes and mutated requests must leave
# the daemon (built with sanitizers under make check) running and serving.

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd python3
. "$(dirname "$0")/proxy_lib.sh"

proxy_topo a c1 origin
proxy_dirs
proxy_conf "listen $A:3128" "allow $C1/32" "connect-port 443" \
    "request-timeout 1s" "access-log $PX/access.log"

origin_start origin origin.log "$REC" "$O:8000"
PROXY_OPTS=(-d)
proxy_start

U=http://$O:8000
H="Host: $O:8000"

# send REQUEST: the proxy's answer to REQUEST (a Python bytes literal).
send() {
    on c1 python3 "$TOP_SRCDIR/tests/integration/proxy_rawclient.py" "$A" 3128 "$1"
}

# rejected STATUS REQUEST: the proxy answers STATUS and closes, and the
# origin has seen nothing at all.
rejected() {
    local want=$1 out first
    out=$(send "$2")
    first=${out%%$'\r'*}
    echo "answer: $first"
    echo "$out" | grep '<p>'
    [ "$first" = "HTTP/1.1 $want $(status_text "$want")" ] || return 1
    # No request and no connection, but one from the origin host itself
    # (a readiness probe).
    no_line -v "$REC" "^conn [0-9]* $O\$"
}
status_text() {
    case $1 in
        400) echo "Bad Request" ;;
        414) echo "URI Too Long" ;;
        431) echo "Request Header Fields Too Large" ;;
        501) echo "Not Implemented" ;;
    esac
}

long=$(printf 'a%.0s' $(seq 1 9000))
bighdr=$(printf 'b%.0s' $(seq 1 70000))
many=$(for i in $(seq 1 120); do printf 'X-H%d: v\\r\\n' "$i"; done)

CHECK "bare LF line ends" \
    rejected 400 "GET $U/ HTTP/1.1\n$H\n\n"
CHECK "bare LF after one header" \
    rejected 400 "GET $U/ HTTP/1.1\r\n$H\nX-A: b\r\n\r\n"
CHECK "obs-fold (continuation line)" \
    rejected 400 "GET $U/ HTTP/1.1\r\n$H\r\nX-A: a\r\n b\r\n\r\n"
CHECK "whitespace before the colon" \
    rejected 400 "GET $U/ HTTP/1.1\r\n$H\r\nX-A : b\r\n\r\n"
CHECK "duplicate Content-Length (equal values)" \
    rejected 400 "POST $U/ HTTP/1.1\r\n$H\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"
CHECK "Content-Length list" \
    rejected 400 "POST $U/ HTTP/1.1\r\n$H\r\nContent-Length: 5, 5\r\n\r\nhello"
CHECK "signed Content-Length (+5)" \
    rejected 400 "POST $U/ HTTP/1.1\r\n$H\r\nContent-Length: +5\r\n\r\nhello"
CHECK "negative Content-Length" \
    rejected 400 "POST $U/ HTTP/1.1\r\n$H\r\nContent-Length: -1\r\n\r\n"
CHECK "non-numeric Content-Length" \
    rejected 400 "POST $U/ HTTP/1.1\r\n$H\r\nContent-Length: 5x\r\n\r\nhello"
CHECK "Transfer-Encoding not ending in chunked (chunked, gzip)" \
    rejected 400 "POST $U/ HTTP/1.1\r\n$H\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"
CHECK "Transfer-Encoding with an unknown coding only" \
    rejected 400 "POST $U/ HTTP/1.1\r\n$H\r\nTransfer-Encoding: gzip\r\n\r\n"
CHECK "Transfer-Encoding chunked given twice" \
    rejected 400 "POST $U/ HTTP/1.1\r\n$H\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
CHECK "Transfer-Encoding obfuscated (xchunked)" \
    rejected 400 "POST $U/ HTTP/1.1\r\n$H\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"
CHECK "Transfer-Encoding in HTTP/1.0" \
    rejected 400 "POST $U/ HTTP/1.0\r\n$H\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
CHECK "Content-Length together with Transfer-Encoding (CL.TE)" \
    rejected 400 "POST $U/ HTTP/1.1\r\n$H\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG"
CHECK "Transfer-Encoding together with Content-Length (TE.CL)" \
    rejected 400 "POST $U/ HTTP/1.1\r\n$H\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n"
CHECK "invalid chunk size (not hex)" \
    rejected 400 "POST $U/ HTTP/1.1\r\n$H\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
CHECK "invalid chunk size (0x prefix)" \
    rejected 400 "POST $U/ HTTP/1.1\r\n$H\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n"
CHECK "chunk size overflowing 64 bits" \
    rejected 400 "POST $U/ HTTP/1.1\r\n$H\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n"
CHECK "chunk data longer than its size" \
    rejected 400 "POST $U/ HTTP/1.1\r\n$H\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n"
CHECK "oversized request line (9000-byte URL)" \
    rejected 400 "GET $U/$long HTTP/1.1\r\n$H\r\n\r\n"
CHECK "oversized header section (70000-byte field)" \
    rejected 400 "GET $U/ HTTP/1.1\r\n$H\r\nX-Big: $bighdr\r\n\r\n"
CHECK "too many header fields (121)" \
    rejected 400 "GET $U/ HTTP/1.1\r\n$H\r\n$many\r\n"
CHECK "invalid character in the method" \
    rejected 400 "G(T $U/ HTTP/1.1\r\n$H\r\n\r\n"
CHECK "invalid character in the URI (<, >)" \
    rejected 400 "GET $U/a<b>c HTTP/1.1\r\n$H\r\n\r\n"
CHECK "control character in the URI" \
    rejected 400 "GET $U/a\x01b HTTP/1.1\r\n$H\r\n\r\n"
CHECK "two spaces in the request line" \
    rejected 400 "GET  $U/ HTTP/1.1\r\n$H\r\n\r\n"
CHECK "missing Host on HTTP/1.1" \
    rejected 400 "GET $U/ HTTP/1.1\r\n\r\n"
CHECK "Host conflicting with the target" \
    rejected 400 "GET $U/ HTTP/1.1\r\nHost: other.example\r\n\r\n"
CHECK "duplicate Host" \
    rejected 400 "GET $U/ HTTP/1.1\r\n$H\r\n$H\r\n\r\n"
CHECK "userinfo in the target" \
    rejected 400 "GET http://user@$O:8000/ HTTP/1.1\r\n$H\r\n\r\n"
CHECK "NUL in a header value" \
    rejected 400 "GET $U/ HTTP/1.1\r\n$H\r\nX-A: a\x00b\r\n\r\n"

CHECK "every rejection was logged with its reason" \
    wait_until 3 grep -q "rejected request: .*Content-Length" "$(logf proxy.log)"
nrejected() { test "$(grep -cE ' TAG_NONE/(4|5)[0-9]{2} ' "$PX/access.log")" -eq 32; }
CHECK "every rejection is in the access log" wait_until 3 nrejected

# An invalid chunk that comes after a valid head and a valid first chunk
# (sent 0.3 s later): the origin may have the start of the body, but the
# request is cut off there, never completed, and nothing after it is
# forwarded.
late_bad_chunk() {
    local out
    out=$(on c1 python3 "$TOP_SRCDIR/tests/integration/proxy_rawclient.py" "$A" 3128 \
        "POST $U/echo HTTP/1.1\r\n$H\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n" \
        "zz\r\nSMUGGLED\r\n0\r\n\r\nGET $U/admin HTTP/1.1\r\n$H\r\n\r\n")
    echo "answer: ${out%%$'\r'*}"
    [[ $out == "HTTP/1.1 400 Bad Request"* ]] || return 1
    no_line "$REC" '^[{]' 
}
CHECK "an invalid chunk after the request was passed on cuts it off" late_bad_chunk

# The control: the same client and path do reach the origin.
good() {
    local out
    out=$(send "GET $U/echo HTTP/1.1\r\n$H\r\nConnection: close\r\n\r\n")
    echo "${out%%$'\r'*}"
    [[ $out == "HTTP/1.1 200 OK"* ]] && grep -q '"target": "/echo"' "$REC"
}
CHECK "a well-formed request on the same path reaches the origin" good

garbage() {
    on c1 timeout 120 python3 "$TOP_SRCDIR/tests/integration/proxy_garbage.py" \
        "$A" 3128 "$O:8000" 400 20261122
}
CHECK "400 rounds of random and mutated requests" garbage
CHECK "the proxy still serves well-formed requests after them" good
CHECK "twin-proxy kept running through all of it" _tp_alive "$PROXY_PID"
stop "$PROXY_PID" 5
CHECK "and exits 0 on SIGTERM (no sanitizer report)" test "$STOP_STATUS" -eq 0

finish

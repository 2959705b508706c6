#!/bin/bash
# wpad_pair.sh - both peers' twin-wpad servers, fetched with curl.
#
# Hosts a and b each run twin-wpad (mirrored configs: proxy = own real IP,
# partner-proxy = the other) listening on their real IP, on the floating IP
# (which neither holds at start: IP_FREEBIND) and on ::1; each runs a
# stand-in proxy on port 8080 (a plain TCP listener is all the probes
# need).  Clients c1 (odd) and c2 (even) fetch the scripts with curl, and
# pactester evaluates them.  Checks:
#   - A and B serve the same client the same order and the same script;
#   - /wpad.dat and /proxy.pac, GET and HEAD, content type, cache control;
#     every other path is 404, no redirects, other methods refused;
#   - the server dropped root, logs each fetch with the first proxy;
#   - the floating IP is served as soon as it arrives, on either peer;
#   - IPv6 clients by the lowest bit;
#   - a proxy that stops is listed last for everyone, and back when it
#     returns; with both down the scripts stay valid;
#   - the control socket reports status and the script a client gets;
#   - malformed requests, and running out of descriptors (the server
#     pauses accepting, then serves again), do not hurt the server;
#   - reload (SIGHUP) applies balance off; a broken config is refused and
#     the old scripts stay; SIGTERM exits cleanly, with no sanitizer report.

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl pactester python3 prlimit

[ -x "$TWIN_WPAD" ] || ERROR "twin-wpad not built: $TWIN_WPAD"

PA="PROXY $A:8080"
PB="PROXY $B:8080"
AB="$PA; $PB"
BA="$PB; $PA"
URL=http://www.example.com/

topo_init
topo_host a "$A/$PFX"
topo_host b "$B/$PFX"
topo_host c1 "$C1/$PFX"
topo_host c2 "$C2/$PFX"

# Everything under $T must be readable by the unprivileged user the
# daemons switch to, so that a reload can read the config again.
chmod 755 "$T"

# mkconf PEER SELF PARTNER EXTRA...: write $T/PEER.conf.
mkconf() {
    local peer=$1 self=$2 partner=$3
    shift 3
    cat >"$T/$peer.conf" <<EOF
peer { name $peer; address $self; partner $partner; run-dir $T/run-$peer;
	user nobody; }
wpad {
	listen $self:80;
	listen $FIP:80;
	listen [::1]:80;
	proxy $self:8080;
	partner-proxy $partner:8080;
	direct 127.0.0.0/255.255.255.0;
	direct 198.19.0.0/16;
	check-interval 200ms;
	check-timeout 1s;
	max-age 2m;
	$*
}
EOF
    chmod 644 "$T/$peer.conf"
}
mkconf a "$A" "$B"
mkconf b "$B" "$A"

# Stand-in proxies: a TCP listener on each real IP, port 8080.
cat >"$T/proxy.py" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8080))
s.listen(64)
print("listening", flush=True)
while True:
    c, _ = s.accept()
    c.close()
EOF
start_proxy() {
    local h=$1 ip=$2
    spawn "$h" "proxy-$h.log" python3 "$T/proxy.py" "$ip"
    eval "PROXY_$h=\$SPAWN_PID"
    wait_port "$h" "$ip" 8080
}
start_proxy a "$A"
start_proxy b "$B"

spawn a wpad-a.log "$TWIN_WPAD" -d -f "$T/a.conf"
WPAD_a=$SPAWN_PID
spawn b wpad-b.log "$TWIN_WPAD" -d -f "$T/b.conf"
WPAD_b=$SPAWN_PID
wait_port c1 "$A" 80
wait_port c1 "$B" 80
wait_log wpad-a.log "proxy $B:8080 is up"
wait_log wpad-b.log "proxy $A:8080 is up"

# fetch HOST URL: fetch URL from host HOST into $T/got.pac (headers in
# $T/got.hdr); fails unless the status is 200.
fetch() {
    local code
    code=$(on "$1" curl -sS -m 5 --noproxy '*' -g -D "$T/got.hdr" \
        -o "$T/got.pac" -w '%{http_code}' "$2") || return 1
    echo "$2 from $1: $code"
    [ "$code" = 200 ]
}

# expect WANT HOST URL: the script HOST fetches from URL returns WANT.
expect() {
    local want=$1 got
    fetch "$2" "$3" || return 1
    got=$(pactester -p "$T/got.pac" -u "$URL") || return 1
    echo "got '$got', want '$want'"
    [ "$got" = "$want" ]
}

# ---- privileges -----------------------------------------------------------

uid_of() { awk '/^Uid:/ { print $2 }' "/proc/$1/status"; }
dropped() { local u; u=$(uid_of "$1"); echo "uid $u"; [ "$u" = "$(id -u nobody)" ]; }
CHECK "twin-wpad on a runs as nobody after binding port 80" dropped "$WPAD_a"
CHECK "twin-wpad on b runs as nobody after binding port 80" dropped "$WPAD_b"

# ---- same order from both peers ---------------------------------------------

for srv in "$A" "$B"; do
    CHECK "odd client c1 gets B first from $srv" \
        expect "$BA" c1 "http://$srv/wpad.dat"
    CHECK "even client c2 gets A first from $srv" \
        expect "$AB" c2 "http://$srv/wpad.dat"
done
same() {
    fetch "$1" "http://$A/wpad.dat" && cp "$T/got.pac" "$T/from-a.pac" &&
    fetch "$1" "http://$B/wpad.dat" && cmp "$T/from-a.pac" "$T/got.pac"
}
CHECK "A and B serve c1 byte-identical scripts" same c1
CHECK "A and B serve c2 byte-identical scripts" same c2
CHECK "c1 and c2 get different scripts" \
    not cmp -s <(on c1 curl -sS --noproxy '*' "http://$A/wpad.dat") \
               <(on c2 curl -sS --noproxy '*' "http://$A/wpad.dat")
CHECK "a's script for c1 says 198.19.0.0/16 is DIRECT" \
    eval "fetch c1 http://$A/wpad.dat && test \"\$(pactester -p $T/got.pac -u http://198.19.1.1/)\" = DIRECT"
CHECK "a logs c1's fetch with its first proxy" \
    wait_until 5 grep -q "GET /wpad.dat from $C1: odd client, $B:8080 first" \
        "$(logf wpad-a.log)"
CHECK "b logs c2's fetch with its first proxy" \
    wait_until 5 grep -q "GET /wpad.dat from $C2: even client, $A:8080 first" \
        "$(logf wpad-b.log)"

# ---- HTTP surface -----------------------------------------------------------

header() { grep -i "^$1:" "$T/got.hdr" | tr -d '\r' | sed 's/^[^:]*: *//'; }
ctype() {
    fetch c1 "http://$A$1" || return 1
    local t c
    t=$(header Content-Type)
    c=$(header Cache-Control)
    echo "Content-Type: $t; Cache-Control: $c"
    [ "$t" = application/x-ns-proxy-autoconfig ] && [ "$c" = max-age=120 ]
}
CHECK "/wpad.dat: 200, PAC content type, max-age from the config" ctype /wpad.dat
CHECK "/proxy.pac: 200, PAC content type" ctype /proxy.pac
CHECK "a query string does not change the path" ctype '/wpad.dat?v=1'
both_paths() {
    fetch c2 "http://$B/proxy.pac" && cp "$T/got.pac" "$T/pp.pac" &&
    fetch c2 "http://$B/wpad.dat" && cmp "$T/pp.pac" "$T/got.pac"
}
CHECK "/proxy.pac and /wpad.dat are the same script" both_paths

# raw HOST REQUEST: send REQUEST bytes to $A:80 from HOST, print the answer.
raw() {
    on "$1" python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 80), timeout=5)
s.sendall(sys.argv[2].encode("latin-1"))
out = b""
while True:
    try:
        d = s.recv(65536)
    except socket.timeout:
        break
    if not d:
        break
    out += d
sys.stdout.write(out.decode("latin-1") + "<EOF>")
' "$A" "$2"
}
head_ok() {
    local r len
    r=$(raw c1 $'HEAD /wpad.dat HTTP/1.1\r\nHost: wpad\r\nConnection: close\r\n\r\n') || return 1
    printf '%s\n' "$r"
    fetch c1 "http://$A/wpad.dat" || return 1
    len=$(stat -c %s "$T/got.pac")
    [[ $r == "HTTP/1.1 200 OK"* ]] &&
    grep -qi "^Content-Type: application/x-ns-proxy-autoconfig" <<<"$r" &&
    grep -qi "^Content-Length: $len" <<<"$r" &&
    [[ $r == *$'\r\n\r\n<EOF>' ]]
}
CHECK "HEAD: 200, same headers and length, no body" head_ok

status() {
    local code
    code=$(on c1 curl -sS -m 5 --noproxy '*' -o /dev/null -D "$T/st.hdr" \
        -w '%{http_code}' "${@:2}") || return 1
    echo "$code for ${*:2}"
    [ "$code" = "$1" ] && no_line -i "$T/st.hdr" '^Location:'
}
for p in / /index.html /WPAD.DAT /wpad.da /wpad.dat/ /wpad.dat.bak /proxy.pac/x \
        /x/wpad.dat //wpad.dat /wpad%2edat; do
    CHECK "GET $p is 404 without redirect" status 404 "http://$A$p"
done
CHECK "HEAD /nothing is 404" status 404 -I "http://$A/nothing"
CHECK "POST /wpad.dat is refused (501)" status 501 -X POST -d x "http://$A/wpad.dat"
CHECK "PUT /wpad.dat is refused (501)" status 501 -X PUT -d x "http://$A/wpad.dat"

# ---- control socket ----------------------------------------------------------

# ctl PEER COMMAND: send COMMAND to PEER's control socket, print the answer.
ctl() {
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
out = b""
while not out.endswith(b".OK\n") and b"\n.ERR" not in b"\n" + out:
    d = s.recv(65536)
    if not d:
        break
    out += d
sys.stdout.write(out.decode())
' "$T/run-$1/wpad.sock" "$2"
}
ctl_status() {
    local r
    r=$(ctl a status) || return 1
    echo "$r"
    grep -q "^proxy $B:8080 (partner): up" <<<"$r" &&
    grep -q "^odd clients: $BA" <<<"$r" && grep -q '^\.OK' <<<"$r"
}
CHECK "control socket: status shows the partner up and the odd order" ctl_status
ctl_pac() {
    ctl a "pac $C1" | sed -e '1d' -e '$d' >"$T/ctl.pac" || return 1
    fetch c1 "http://$A/wpad.dat" && cmp "$T/ctl.pac" "$T/got.pac"
}
CHECK "control socket: pac ADDR gives what the client is served" ctl_pac

# ---- IPv6 client --------------------------------------------------------------

CHECK "IPv6 client ::1 (low bit 1) gets B first from a" \
    expect "$BA" a 'http://[::1]/wpad.dat'
CHECK "IPv6 client ::1 gets B first from b as well" \
    expect "$BA" b 'http://[::1]/wpad.dat'
CHECK "a logs the IPv6 fetch" \
    wait_until 5 grep -q "GET /wpad.dat from ::1: odd client, $B:8080 first" \
        "$(logf wpad-a.log)"

# ---- the floating IP ------------------------------------------------------------

CHECK "nobody holds the floating IP yet" not port_open c1 "$FIP" 80
on a ip addr add "$FIP/$PFX" dev eth0
# c1's failed ARP for it (just above) would hold its next connect back
# for a while; without twin-ha's gratuitous ARP, forget it.
on c1 ip neigh flush dev eth0
CHECK "floating IP on a: c1 gets B first at once" \
    expect "$BA" c1 "http://$FIP/wpad.dat"
on a ip addr del "$FIP/$PFX" dev eth0
on b ip addr add "$FIP/$PFX" dev eth0
# No gratuitous ARP here (that is twin-ha's job): forget the old MAC.
on c1 ip neigh flush dev eth0
on c2 ip neigh flush dev eth0
CHECK "floating IP moved to b: c1 still gets B first" \
    expect "$BA" c1 "http://$FIP/wpad.dat"
CHECK "floating IP moved to b: c2 still gets A first" \
    expect "$AB" c2 "http://$FIP/wpad.dat"
CHECK "b served the floating IP fetch" \
    wait_until 5 grep -q "GET /wpad.dat from $C2: even client" "$(logf wpad-b.log)"

# ---- health ---------------------------------------------------------------------

stop "$PROXY_b"
CHECK "a notices that B's proxy is down" \
    wait_until 10 grep -q "proxy $B:8080 is down" "$(logf wpad-a.log)"
CHECK "b notices that its own proxy is down" \
    wait_until 10 grep -q "proxy $B:8080 is down" "$(logf wpad-b.log)"
for srv in "$A" "$B"; do
    CHECK "B down: odd c1 gets A first from $srv" \
        expect "$AB" c1 "http://$srv/wpad.dat"
    CHECK "B down: even c2 gets A first from $srv" \
        expect "$AB" c2 "http://$srv/wpad.dat"
done
stop "$PROXY_a"
CHECK "a notices that both proxies are down" \
    wait_until 10 grep -q "both proxies are down" "$(logf wpad-a.log)"
CHECK "both down: the script is valid and keeps the normal order (c1)" \
    expect "$BA" c1 "http://$A/wpad.dat"
CHECK "both down: the script is valid and keeps the normal order (c2)" \
    expect "$AB" c2 "http://$A/wpad.dat"
start_proxy a "$A"
start_proxy b "$B"
CHECK "a notices that B's proxy is back" \
    wait_until 10 grep -q "proxy $B:8080 is up (TCP connect succeeded): back" \
        "$(logf wpad-a.log)"
back() { wait_until 10 expect "$BA" c1 "http://$A/wpad.dat"; }
CHECK "B back: odd c1 gets B first again" back

# ---- bad requests ------------------------------------------------------------------

CHECK "garbage request line gets 400" \
    eval "raw c1 \$'GARBAGE\r\n\r\n' | head -n 1 | grep -q '^HTTP/1.1 400'"
big=$(head -c 20000 /dev/zero | tr '\0' a)
CHECK "oversized header is refused" \
    eval "raw c1 \$'GET /wpad.dat HTTP/1.1\r\nX: $big\r\n\r\n' | head -n 1 | grep -Eq '^HTTP/1.1 (400|413|431)'"
CHECK "half a request and a hang-up do no harm" \
    eval "raw c1 'GET /wpad.d' >/dev/null; true"
CHECK "the server still answers after bad input" \
    expect "$BA" c1 "http://$A/wpad.dat"

# ---- out of descriptors -----------------------------------------------------------

# A third server on c2 with only 20 descriptors: a crowd of idle
# connections exhausts them; it must pause accepting, say so, and serve
# again once they are gone.
cat >"$T/e.conf" <<EOF
peer { name e; address $C2; run-dir $T/run-e; user nobody; }
wpad { listen $C2:80; proxy $A:8080; partner-proxy $B:8080; }
EOF
chmod 644 "$T/e.conf"
spawn c2 wpad-e.log prlimit --nofile=20 "$TWIN_WPAD" -d -f "$T/e.conf"
WPAD_e=$SPAWN_PID
wait_port c1 "$C2" 80
crowd() {
    on c1 python3 -c '
import socket, sys, time
socks = []
for i in range(40):
    try:
        socks.append(socket.create_connection((sys.argv[1], 80), timeout=2))
    except OSError:
        break
time.sleep(1.5)
' "$C2"
}
CHECK "40 idle connections against 20 descriptors" crowd
CHECK "the server pauses accepting and logs why" \
    grep -q "Too many open files; not accepting" "$(logf wpad-e.log)"
CHECK "the server serves again once they are gone" \
    wait_until 10 expect "$BA" c1 "http://$C2/wpad.dat"
CHECK "the server on c2 is still running" _tp_alive "$WPAD_e"

# ---- reload -------------------------------------------------------------------------

mkconf a "$A" "$B" "balance no;"
kill -HUP "$WPAD_a"
CHECK "a reloads on SIGHUP" \
    wait_until 10 grep -q "reloaded $T/a.conf" "$(logf wpad-a.log)"
CHECK "balance off on a: odd c1 gets A first" \
    expect "$AB" c1 "http://$A/wpad.dat"
CHECK "balance off on a: even c2 gets A first" \
    expect "$AB" c2 "http://$A/wpad.dat"
CHECK "b (balance on) still gives c1 B first" \
    expect "$BA" c1 "http://$B/wpad.dat"
echo 'wpad { bogus yes; }' >>"$T/a.conf"
kill -HUP "$WPAD_a"
CHECK "a refuses a broken config and says so" \
    wait_until 10 grep -q "keeping the running configuration" "$(logf wpad-a.log)"
CHECK "after the refused reload a still serves balance off" \
    expect "$AB" c1 "http://$A/wpad.dat"

# ---- shutdown -------------------------------------------------------------------------

CHECK "twin-wpad on a is still running" _tp_alive "$WPAD_a"
stopped() { stop "$WPAD_a" && echo "status $STOP_STATUS" && [ "$STOP_STATUS" = 0 ]; }
CHECK "twin-wpad on a exits cleanly on SIGTERM" stopped
CHECK "no sanitizer report in a's log" \
    no_line wpad-a.log "AddressSanitizer|LeakSanitizer|runtime error"

finish

#!/bin/bash
# lb_persist.sh - cookie persistence of an l7 cluster with real nginx
# servers:
#   - Set-Cookie carries cookie-path, cookie-domain, and with a cookie-age
#     Max-Age and Expires (age 0: a session cookie, without them); the
#     cookie is inserted only when the server sets one of its own, unless
#     cookie-always;
#   - a cookie with an age is renewed on each response to a request that
#     carried it; a session cookie is not sent again;
#   - the value is opaque: 24 bytes of base64url that hold neither the
#     server's address nor its name;
#   - the servers never see the cookie: it is taken out of the Cookie
#     field they get, the client's other cookies kept;
#   - once-only: the requests after the first of a keep-alive connection
#     go to the same server unexamined (even with another server's
#     cookie), and a debug line explains what that means for cookie-age;
#     without it, every request of a connection is examined;
#   - a new cookie-generation (reload) orphans every cookie: clients are
#     balanced anew and get a new cookie; forged ones are counted.

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl python3 nginx
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/lb_lib.sh"

lb_topo a c1 s1 s2
lb_nginx s1 "$S1"
lb_nginx s2 "$S2"
lb_secret

GEN=1
cluster() {
    local name=$1 port=$2
    shift 2
    conf_block "cluster $name" "listen $A:$port" "server s1 $S1:80" \
        "server s2 $S2:80" "persist cookie" "secret-file $PX/lb.key" \
        "check tcp" "icmp-check no" "check-interval 500ms" \
        "check-timeout 300ms" "access-log $PX/access.log" "$@"
}
lb_conf() {
    conf_peer
    cluster age 80 "cookie-age 1h" "cookie-path /" \
        "cookie-domain lb.example.test"
    cluster sess 81 "cookie-always yes" "cookie-generation $GEN"
    cluster once 82 "once-only yes" "cookie-age 1h" "cookie-always yes"
}
conf_write "$CONF" lb_conf
lb_start

# setc PORT PATH [CURL ARGS]: our Set-Cookie field of the response, or "".
setc() {
    local port=$1 path=$2
    shift 2
    on c1 curl -sS -m 5 -D - -o /dev/null "$@" "http://$A:$port$path" |
        tr -d '\r' | grep -i '^set-cookie: twinlb=' | sed 's/^[^:]*: //'
}
# val SETCOOKIE: the cookie's value.
val() { printf '%s' "$1" | sed 's/^twinlb=\([^;]*\).*/\1/'; }

# ---- attributes -------------------------------------------------------------------

CHECK "no cookie when the server sets none (cookie-always no)" \
    test -z "$(setc 80 /)"
sc=$(setc 80 /setc)
echo "# $sc"
CHECK "a cookie when the server sets one of its own" test -n "$sc"
attrs() {
    [[ $sc =~ ^twinlb=[A-Za-z0-9_-]{32}\;\ Path=/\;\ Domain=lb.example.test\;\ Max-Age=3600\;\ Expires=[A-Z][a-z]{2},\ [0-9]{2}\ [A-Z][a-z]{2}\ [0-9]{4}\ [0-9:]{8}\ GMT\;\ HttpOnly$ ]]
}
CHECK "with Path, Domain, Max-Age and Expires (cookie-age 1h), HttpOnly" attrs
V=$(val "$sc")
opaque() {
    python3 - "$V" "$S1" "$S2" <<'PY'
import base64, socket, sys
raw = base64.urlsafe_b64decode(sys.argv[1])
assert len(raw) == 24, len(raw)
for a in sys.argv[2:]:
    assert socket.inet_aton(a) not in raw, a
for word in (b"s1", b"s2", b"198.18"):
    assert word not in raw and word not in sys.argv[1].encode(), word
print("24 opaque bytes")
PY
}
CHECK "the value names no address or server" opaque
renew=$(setc 80 /setc -H "Cookie: twinlb=$V")
CHECK "a cookie with an age is renewed by the next response" \
    test "$(val "$renew")" = "$V"

# ---- stripping ----------------------------------------------------------------------

hdr=$(on c1 curl -sS -m 5 -H "Cookie: app=1; twinlb=$V; x=2" "http://$A/hdr")
echo "# $hdr"
CHECK "the server does not see the cookie, only the client's own" \
    grep -q 'cookie=app=1; x=2 host=' <<<"$hdr"
only=$(on c1 curl -sS -m 5 -H "Cookie: twinlb=$V" "http://$A/hdr")
CHECK "a Cookie field with ours alone is dropped" \
    grep -q 'cookie= host=' <<<"$only"

# ---- session cookies, per-request examination ------------------------------------------

s1c=$(setc 81 /)
echo "# $s1c"
CHECK "cookie-age 0: a session cookie, no Max-Age or Expires" \
    bash -c '[[ $1 =~ ^twinlb=[A-Za-z0-9_-]{32}\;\ Path=/\;\ HttpOnly$ ]]' _ "$s1c"
CHECK "a session cookie is not sent again" \
    test -z "$(setc 81 / -H "Cookie: $(printf '%s' "$s1c" | cut -d';' -f1)")"
# cookies for s1 and s2 of cluster sess
for i in 1 2 3 4; do
    out=$(on c1 python3 "$LB_CLIENT" ka "$A" 81 / -)
    srv=$(echo "$out" | awk 'NR == 1 { print $2 }')
    eval "SESS_$srv=\$(echo \"\$out\" | awk 'NR == 1 { print \$3 }')"
done
[ -n "${SESS_s1:-}" ] && [ -n "${SESS_s2:-}" ] || ERROR "no cookies for s1 and s2"
perreq() {
    on c1 python3 "$LB_CLIENT" ka "$A" 81 / "twinlb=$SESS_s1" \
        "twinlb=$SESS_s2" "twinlb=$SESS_s1" >"$T/perreq.out"
    cat "$T/perreq.out"
    [ "$(awk '{ print $2 }' "$T/perreq.out" | paste -sd' ')" = "s1 s2 s1 1" ]
}
CHECK "without once-only, each request of a connection is examined" perreq

# ---- once-only ------------------------------------------------------------------------

once() {
    on c1 python3 "$LB_CLIENT" ka "$A" 82 / - "$OTHER" - >"$T/once.out"
    cat "$T/once.out"
    local first
    first=$(awk 'NR == 1 { print $2 }' "$T/once.out")
    [ "$(awk 'NR <= 3 { print $2 }' "$T/once.out" | sort -u | wc -l)" = 1 ] &&
        [ "$(awk 'NR == 1 { print $3 }' "$T/once.out")" != - ] &&
        [ "$(awk 'NR == 2 || NR == 3 { print $3 }' "$T/once.out" | sort -u)" = - ] &&
        grep -qx 'connections 1' "$T/once.out" && [ -n "$first" ]
}
# Another server's cookie for cluster once: a connection of its own.
for i in 1 2 3; do
    out=$(on c1 python3 "$LB_CLIENT" ka "$A" 82 / -)
    [ "$(echo "$out" | awk 'NR == 1 { print $2 }')" = s2 ] &&
        OTHER="twinlb=$(echo "$out" | awk 'NR == 1 { print $3 }')" && break
done
[ -n "${OTHER:-}" ] || ERROR "no cookie of s2 for cluster once"
CHECK "once-only: later requests go to the first one's server, unexamined, no cookie" once
note() {
    grep -q 'cluster once: client 198.18.0.11: once-only: later requests of this connection go to s[12] unexamined, and their responses do not renew the cookie; should it expire (cookie-age 3600s) while the connection lasts, the client.s next connection loses its server' "$(logf lb.log)"
}
CHECK "a debug line says why a new connection can lose persistence" note

# ---- generation ---------------------------------------------------------------------

GEN=2
conf_write "$CONF" lb_conf
kill -HUP "$LB_PID"
wait_until 5 reloaded 1 || ERROR "the reload did not take effect"
newgen=$(setc 81 / -H "Cookie: twinlb=$SESS_s1")
echo "# $newgen"
CHECK "a new generation: the old cookie gets a new one" \
    bash -c '[ -n "$1" ] && [ "$1" != "$2" ]' _ "$(val "$newgen")" "$SESS_s1"
stale() { lb_ctl show sess | grep -E 'generation 2, .* [1-9][0-9]* stale'; }
CHECK "and is counted stale" stale
forged=$(setc 81 / -H 'Cookie: twinlb=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')
bad() { lb_ctl show sess | grep -E ' [1-9][0-9]* bad$'; }
CHECK "a forged cookie is ignored (a new one set) and counted" \
    bash -c '[ -n "$1" ] && [ "$1" != "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" ]' _ "$(val "$forged")"
CHECK "(counted bad)" bad

finish

#!/bin/bash
# lb_https.sh - twin-lb's https clusters, with files made by twin-cert,
# judged by curl and `openssl s_client`:
#   - TLS termination from composite PEM files (key, certificate, CA),
#     one of them with an encrypted key opened with passphrase-file; SNI
#     picks the file whose certificate names the host, the first file
#     otherwise; the cookie is Secure and Forwarded says proto=https;
#   - re-encryption to nginx over TLS, the server verified against
#     server-ca-file and its address; a server whose certificate another
#     CA signed is refused (502, the reason logged) unless verify no;
#   - ACV over TLS: the same verification, so the refused server is down
#     with the reason, the good one up;
#   - a reload serves a renewed certificate to new connections while a
#     connection opened before it carries on; a broken file is refused
#     and the running certificates kept.

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd curl python3 nginx openssl timeout
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/lb_lib.sh"

TC=$TOP_BUILDDIR/twin-cert
[ -x "$TC" ] || ERROR "$TC not built"
lb_topo a c1 s1 s2

# ---- certificates, by twin-cert ----------------------------------------------------

D=$T/pki
mkdir -p "$D" && cd "$D" || ERROR "cannot make $D"
q() { "$@" >>"$T/logs/twin-cert.log" 2>&1 || ERROR "failed: $*"; }
q "$TC" ca init -d ca -s "/CN=Test Site CA"
q "$TC" ca init -d ca2 -s "/CN=Another CA"
q "$TC" key -o www.key
q "$TC" csr -k www.key -s /CN=www.lb.test -a DNS:www.lb.test -o www.csr
q "$TC" ca sign -d ca www.csr --server -o www.crt
q "$TC" compose www.key www.crt ca/ca.crt -o www.pem
printf 'a passphrase for tests\n' >pass && chmod 600 pass
q "$TC" key -t ec -p pass -o other.key
q "$TC" csr -k other.key -p pass -s /CN=other.lb.test -o other.csr
q "$TC" ca sign -d ca other.csr --server -o other.crt
q "$TC" compose -p pass other.key other.crt ca/ca.crt -o other.pem
for s in s1 s2; do
    q "$TC" key -o $s.key
    addr=$S1
    [ $s = s2 ] && addr=$S2
    q "$TC" csr -k $s.key -s "/CN=$s" -a "IP:$addr" -o $s.csr
done
q "$TC" ca sign -d ca s1.csr --server -o s1.crt
q "$TC" ca sign -d ca2 s2.csr --server -o s2.crt
# twin-lb reads its files as PROXY_USER, the user it runs as; the CA keeps
# its directory to itself.
chown "$PROXY_USER" www.pem other.pem pass || ERROR "cannot chown the PEM files"
cp ca/ca.crt ca.crt || ERROR "cannot copy the CA certificate"
chmod 755 "$D"
cd "$T" || ERROR "cannot enter $T"

lb_nginx s1 "$S1"
lb_nginx s2 "$S2"
lb_nginx s1 "$S1" 443 "$D/s1.crt $D/s1.key"
lb_nginx s2 "$S2" 443 "$D/s2.crt $D/s2.key"
lb_secret

lb_conf() {
    conf_peer
    conf_block "cluster tls" "mode https" "listen $A:443" \
        "certificate $D/www.pem" "certificate $D/other.pem" \
        "passphrase-file $D/pass" "server s1 $S1:80" "server s2 $S2:80" \
        "persist cookie" "cookie-always yes" "secret-file $PX/lb.key" \
        "forwarded yes" "icmp-check no" "access-log $PX/access.log"
    conf_block "cluster re" "mode https" "listen $A:8443" \
        "certificate $D/www.pem" "server s1 $S1:443 tls" \
        "server-ca-file $D/ca.crt" "icmp-check no" \
        "access-log $PX/access.log"
    conf_block "cluster acv" "listen $A:81" "server s1 $S1:443 tls" \
        "server s2 $S2:443 tls" "server-ca-file $D/ca.crt" \
        "check acv" "check-tls yes" "icmp-check no" \
        'check-send "GET /health HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n"' \
        'check-expect "healthy"' "check-interval 300ms" \
        "check-timeout 200ms" "check-strikeout 2" \
        "access-log $PX/access.log"
    conf_block "cluster bad" "listen $A:82" "server s2 $S2:443 tls" \
        "server-ca-file $D/ca.crt" "check none" "icmp-check no" \
        "access-log $PX/access.log"
    conf_block "cluster nov" "listen $A:83" \
        "server s2 $S2:443 tls verify no" "check none" "icmp-check no" \
        "access-log $PX/access.log"
}
conf_write "$CONF" lb_conf
LB_WAIT=$A:443 lb_start

hs() { on c1 curl -sS -m 5 --cacert "$D/ca.crt" --resolve "$1:$2:$A" "${@:4}" "https://$1:$2$3"; }
# subject SNI...: the subject of the certificate s_client is shown.
subject() {
    timeout 10 ip netns exec c1 openssl s_client -connect "$A:443" \
        -CAfile "$D/ca.crt" "$@" </dev/null 2>/dev/null |
        openssl x509 -noout -subject 2>/dev/null
}
serial() {
    timeout 10 ip netns exec c1 openssl s_client -connect "$A:443" \
        -servername www.lb.test </dev/null 2>/dev/null |
        openssl x509 -noout -serial 2>/dev/null
}

# ---- termination --------------------------------------------------------------------

ok_body() {
    local got
    got=$(hs www.lb.test 443 / | head -n 1)
    echo "got '$got'"
    [ "$got" = s1 ] || [ "$got" = s2 ]
}
CHECK "https: curl verifies the composite file's chain and gets an answer" ok_body
# Replies that fit a TLS record are written at once (flow_send); a big one
# to a client reading slowly waits for the socket (OpenSSL's retry of a
# record it could not finish). Every byte arrives, in order.
keepalive_many() {
    local n c urls=()
    for n in $(seq 1 20); do urls+=("https://www.lb.test/"); done
    on c1 curl -sS -m 10 --cacert "$D/ca.crt" -w 'connects=%{num_connects}\n' \
        --resolve "www.lb.test:443:$A" "${urls[@]}" >"$T/ka.out" || return 1
    n=$(grep -c '^s[12]$' "$T/ka.out")
    c=$(awk -F= '/^connects=/ { c += $2 } END { print c + 0 }' "$T/ka.out")
    echo "answers: $n of 20, connections opened: $c"
    [ "$n" = 20 ] && [ "$c" = 1 ]
}
CHECK "20 requests on one TLS connection, all answered" keepalive_many
big_slow() {
    rm -f "$T/big.out"
    hs www.lb.test 443 /big/1m --limit-rate 400k -m 30 -o "$T/big.out" ||
        return 1
    cmp "$T/big.out" "$T/www-s1/big/1m"
}
CHECK "1 MiB to a client reading at 400 kB/s: intact" big_slow
CHECK "SNI www.lb.test: its certificate" \
    test "$(subject -servername www.lb.test)" = "subject=CN = www.lb.test"
CHECK "SNI other.lb.test: the file with the encrypted key" \
    test "$(subject -servername other.lb.test)" = "subject=CN = other.lb.test"
CHECK "no SNI: the first file" test "$(subject)" = "subject=CN = www.lb.test"
secure() {
    hs www.lb.test 443 / -D - -o /dev/null | tr -d '\r' |
        grep -i '^set-cookie: twinlb=' | grep -q '; HttpOnly; Secure$'
}
CHECK "the cookie of an https cluster is Secure" secure
CHECK "Forwarded says proto=https" \
    bash -c '[[ $1 == *"fwd=for=198.18.0.11;proto=https "* ]]' _ "$(hs www.lb.test 443 /hdr)"

# ---- re-encryption ---------------------------------------------------------------------

CHECK "re-encryption: the TLS server verified against server-ca-file" \
    test "$(hs www.lb.test 8443 / | head -n 1)" = s1
CHECK "(nginx served it over TLS)" \
    wait_until 3 grep -q '"GET / HTTP/1.1" 200' "$T/logs/nginx-s1-443.log"
CHECK "a server certificate of another CA is refused: 502" \
    test "$(status c1 "http://$A:82/")" = 502
CHECK "with the reason logged" grep -q \
    'cluster bad: client 198.18.0.11: server s2: tls: server certificate not accepted: ' "$(logf lb.log)"
CHECK "verify no accepts it" test "$(get c1 "http://$A:83/")" = s2

# ---- ACV over TLS ------------------------------------------------------------------------

reason_has() { lb_ctl show acv | grep -A1 "^  server $1 " | tail -n 1 | grep -q -- "$2"; }
CHECK "ACV over TLS: the server the CA vouches for is up" \
    wait_until 5 reason_has s1 'acv over tls: expected string found'
CHECK "the other one is down" wait_until 5 state_is acv s2 down
CHECK "because its certificate is not accepted" \
    reason_has s2 'tls: server certificate not accepted'

# ---- reload ----------------------------------------------------------------------------

old=$(serial)
echo "# serving $old"
mkfifo "$T/req"
( timeout 20 ip netns exec c1 openssl s_client -connect "$A:443" \
    -servername www.lb.test -CAfile "$D/ca.crt" -quiet <"$T/req" \
    >"$T/long.out" 2>&1 ) &
LONG=$!
exec 7>"$T/req"
printf 'GET / HTTP/1.1\r\nHost: www.lb.test\r\n\r\n' >&7
wait_until 5 grep -q '^HTTP/1.1 200' "$T/long.out" ||
    ERROR "the long connection got no first answer"
(cd "$D" && q "$TC" ca sign -d ca www.csr --server -o www2.crt &&
    q "$TC" compose www.key www2.crt ca/ca.crt -o www2.pem) ||
    ERROR "cannot renew www"
cp "$D/www2.pem" "$D/www.pem.new" && chown "$PROXY_USER" "$D/www.pem.new" &&
    chmod 600 "$D/www.pem.new" && mv "$D/www.pem.new" "$D/www.pem"
kill -HUP "$LB_PID"
wait_until 5 reloaded 1 || ERROR "the reload did not take effect"
new=$(serial)
echo "# now serving $new"
CHECK "after the reload, new connections get the renewed certificate" \
    bash -c '[ -n "$1" ] && [ "$1" != "$2" ]' _ "$new" "$old"
printf 'GET / HTTP/1.1\r\nHost: www.lb.test\r\nConnection: close\r\n\r\n' >&7
exec 7>&-
wait "$LONG"
CHECK "the connection opened before the reload carried on" \
    test "$(grep -c '^HTTP/1.1 200' "$T/long.out")" = 2
cp "$D/www.key" "$D/www.pem.new" && chown "$PROXY_USER" "$D/www.pem.new" &&
    chmod 600 "$D/www.pem.new" && mv "$D/www.pem.new" "$D/www.pem"
kill -HUP "$LB_PID"
CHECK "a broken composite file is refused at reload" \
    wait_log lb.log 'keeping the running configuration' 5
CHECK "and the running certificate kept" test "$(serial)" = "$new"

finish

#!/bin/bash
# tls_cert.sh - twin-cert's files served by lib/tls.c, judged by openssl.
#
# twin-cert makes a site CA, server keys (one encrypted) and requests,
# signs them and composes the PEM files; `openssl verify` checks what it
# issued.  tls_echo (lib/tls.c on libevent's OpenSSL bufferevents) serves
# the composite files on loopback in a namespace of its own, and the real
# `openssl s_client` proves:
#   - a handshake with the composite file, chain and host name verified;
#   - SNI (-servername) picks the file whose certificate names the host,
#     no SNI or an unknown name gets the first file;
#   - TLS 1.1 is refused (while the same client does get TLS 1.1 from an
#     `openssl s_server` that allows it: the refusal is ours), TLS 1.2 and
#     1.3 are accepted;
#   - a reload (SIGHUP) serves a renewed certificate to new connections
#     while an open connection carries on, and a reload of a broken file
#     keeps the old one;
#   - with client certificates required: no certificate is refused, one
#     signed by the CA is accepted (the server greets it by CN), and after
#     `twin-cert ca revoke` and a reload it is refused as revoked.

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd openssl timeout
TC=$TOP_BUILDDIR/twin-cert
ECHO=$TOP_BUILDDIR/tests/integration/tls_echo
[ -x "$TC" ] || ERROR "$TC not built"
[ -x "$ECHO" ] || ERROR "$ECHO not built"

# One namespace with loopback alone.
ip netns add tls || ERROR "cannot create namespace tls"
ip -n tls link set lo up || ERROR "cannot bring up lo in tls"

D=$T/pki
mkdir -p "$D" || ERROR "cannot make $D"
cd "$D" || ERROR "cannot enter $D"
OUT=$T/sclient.out

# mode_is FILE MODE: FILE has permissions MODE (octal, e.g. 600).
mode_is() {
    local m
    m=$(stat -c %a "$1") || return 1
    echo "$1: mode $m, want $2"
    [ "$m" = "$2" ]
}

# pem_order FILE TYPE...: the PEM blocks of FILE are exactly TYPE... in order.
pem_order() {
    local f=$1 got
    shift
    got=$(sed -n 's/^-----BEGIN \(.*\)-----$/\1/p' "$f" | paste -sd,)
    echo "$f: blocks $got, want $(IFS=,; echo "$*")"
    [ "$got" = "$(IFS=,; echo "$*")" ]
}

# sclient PORT ARGS...: openssl s_client on host tls, sending "ping" and
# "bye" (tls_echo closes after "bye"); output in $OUT. What the server
# sends may land in the middle of a line s_client prints about the session
# (its output is not synchronised), so the checks below anchor only the
# end of a line.
sclient() {
    local port=$1
    shift
    printf 'ping\nbye\n' | timeout 10 ip netns exec tls openssl s_client \
        -connect "127.0.0.1:$port" -CAfile "$D/ca/ca.crt" \
        -verify_return_error -ign_eof "$@" >"$OUT" 2>&1
}

# served PORT WANT ARGS...: s_client completes, was shown a certificate
# whose subject is WANT, verified it, and got the greeting and its echo.
served() {
    local port=$1 want=$2
    shift 2
    sclient "$port" "$@"
    grep -E '^subject=|Verify return code|hello|ping$' "$OUT"
    grep -qx "subject=$want" "$OUT" &&
        grep -q 'Verify return code: 0 (ok)' "$OUT" &&
        grep -q 'hello anonymous$' "$OUT" && grep -q 'ping$' "$OUT"
}

# refused PORT ALERT ARGS...: the handshake fails with the TLS alert ALERT
# and no application data comes through.
refused() {
    local port=$1 alert=$2
    shift 2
    sclient "$port" "$@"
    grep -E 'alert|hello|ping$|Protocol' "$OUT"
    [ -s "$OUT" ] && grep -q "alert $alert" "$OUT" &&
        ! grep -q 'hello' "$OUT" && ! grep -q 'ping$' "$OUT"
}

# greeted PORT CN ARGS...: with a client certificate, the server greets CN.
greeted() {
    local port=$1 cn=$2
    shift 2
    sclient "$port" "$@"
    grep -E 'alert|hello|ping$' "$OUT"
    grep -q "hello CN=$cn\$" "$OUT" && grep -q 'ping$' "$OUT"
}

# protocol PORT VERSION ARGS...: s_client negotiated VERSION.
protocol() {
    local port=$1 v=$2
    shift 2
    sclient "$port" "$@"
    grep -E 'Protocol|alert' "$OUT"
    grep -Eq "Protocol *: $v\$" "$OUT"
}

# serial_served PORT SERIAL: the certificate now served has SERIAL.
serial_served() {
    sclient "$1" -servername center.test
    openssl x509 -in "$OUT" -noout -serial
    [ "$(openssl x509 -in "$OUT" -noout -serial)" = "serial=$2" ]
}

# problem PATTERN ARGS...: `twin-cert ARGS` exits 1 and says PATTERN.
problem() {
    local pat=$1 rc=0
    shift
    "$TC" "$@" >"$OUT" 2>&1 || rc=$?
    cat "$OUT"
    echo "exit status $rc"
    [ "$rc" = 1 ] && grep -q -- "$pat" "$OUT"
}

# serial_of CERT: the serial number of CERT, as openssl prints it.
serial_of() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//'; }

# ---- the CA and the certificates, by twin-cert --------------------------

CHECK "ca init: CA key, certificate, serial, index and CRL" \
    "$TC" ca init -d ca -s "/CN=Test Site CA/O=twinproxy tests"
CHECK "ca init: the CA key is mode 0600" mode_is ca/ca.key 600
CHECK "ca init: the CA certificate is self-signed and valid" \
    openssl verify -CAfile ca/ca.crt ca/ca.crt
CHECK "ca init: the empty CRL verifies" \
    openssl crl -in ca/crl.pem -CAfile ca/ca.crt -noout
CHECK "ca init refuses a directory that holds a CA" \
    not "$TC" ca init -d ca -s /CN=Again

CHECK "key: RSA 2048 by default" "$TC" key -o center.key
CHECK "key: mode 0600" mode_is center.key 600
CHECK "key: RSA 2048 bits, as openssl reads it" \
    bash -c "openssl pkey -in center.key -noout -text | grep -q '2048 bit'"
CHECK "key refuses to replace an existing key" not "$TC" key -o center.key
CHECK "csr: with DNS and IP names" \
    "$TC" csr -k center.key -s "/CN=center.test/O=twinproxy tests" \
    -a DNS:center.test -a DNS:www.center.test -a IP:127.0.0.1 -o center.csr
CHECK "csr: openssl verifies its signature" \
    openssl req -in center.csr -noout -verify
CHECK "ca sign --server" \
    "$TC" ca sign -d ca center.csr -days 365 --server -o center.crt
CHECK "openssl verify: the server certificate" \
    openssl verify -CAfile ca/ca.crt -purpose sslserver center.crt
CHECK "ca sign: serverAuth and the names of the request" bash -c \
    "openssl x509 -in center.crt -noout -ext extendedKeyUsage,subjectAltName |
     tr -d '\n' | grep -q 'Server Authentication.*DNS:center.test, DNS:www.center.test, IP Address:127.0.0.1'"
CHECK "ca sign: only the CN of the request is copied" \
    bash -c "[ \"\$(openssl x509 -in center.crt -noout -subject)\" = 'subject=CN = center.test' ]"
CHECK "compose: inputs in the wrong order" \
    "$TC" compose ca/ca.crt center.crt center.key -o center.pem
CHECK "compose: key, certificate, CA in that order" \
    pem_order center.pem "PRIVATE KEY" CERTIFICATE CERTIFICATE
CHECK "compose: mode 0600" mode_is center.pem 600
CHECK "check: ok against the CA" "$TC" check -c ca/ca.crt center.pem
CHECK "check: reports the days left" \
    bash -c "'$TC' check center.pem | grep -Eq 'valid until .*, 36[45] days left'"

# A second server, its key encrypted, for SNI.
printf 'a passphrase for tests\n' >pass && chmod 600 pass
CHECK "key: EC, encrypted with a passphrase" \
    "$TC" key -t ec -p pass -o other.key
CHECK "key: the encrypted key opens with the passphrase" \
    openssl pkey -in other.key -passin file:pass -noout
CHECK "key: and not without it" \
    not openssl pkey -in other.key -passin pass:wrong -noout
CHECK "csr: from the encrypted key" \
    "$TC" csr -k other.key -p pass -s /CN=other.test -o other.csr
CHECK "ca sign: the CN becomes the DNS name" \
    "$TC" ca sign -d ca other.csr --server -o other.crt
CHECK "compose: the encrypted key stays encrypted" bash -c \
    "'$TC' compose -p pass other.key other.crt -o other.pem &&
     head -1 other.pem | grep -q 'BEGIN ENCRYPTED PRIVATE KEY'"
CHECK "check: the encrypted file with its passphrase" \
    "$TC" check -p pass -c ca/ca.crt other.pem
CHECK "check: the encrypted file without it is a problem" \
    not "$TC" check other.pem

# What twin-cert refuses.
"$TC" ca init -d ca2 -s "/CN=Other CA" >/dev/null || ERROR "cannot make ca2"
CHECK "compose refuses a key that matches no certificate" \
    problem "matches none of the certificates" \
    compose -p pass other.key center.crt -o bad.pem
CHECK "compose asks for the passphrase of an encrypted key" \
    problem "encrypted and no passphrase" \
    compose other.key other.crt -o bad.pem
CHECK "compose refuses a certificate outside the chain" \
    problem "does not belong to the chain of CN=center.test" \
    compose center.key center.crt ca2/ca.crt -o bad.pem
CHECK "compose wrote nothing when it refused" not test -e bad.pem
cp center.pem world.pem && chmod 644 world.pem
CHECK "check: a file others can read is a problem" \
    problem "chmod 600" check world.pem
# mkmis: the certificate first, then the key.
mkmis() {
    sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' center.crt >mis.pem &&
        cat center.key >>mis.pem && chmod 600 mis.pem
}
mkmis || ERROR "cannot make mis.pem"
CHECK "check: a misordered file is a problem" \
    problem "comes before the private key" check mis.pem
CHECK "check: a certificate of another CA is a problem with -c" \
    problem "which ca2/ca.crt does not hold" check -c ca2/ca.crt center.pem
CHECK "check: a certificate expiring within -w days is a problem" \
    problem "less than 400" check -w 400 center.pem

# ---- served by lib/tls.c ------------------------------------------------

spawn tls echo "$ECHO" -l 127.0.0.1:8443 -c center.pem -c other.pem \
    -p pass -A ca/ca.crt
ECHO_PID=$SPAWN_PID
wait_log echo "listening on 127.0.0.1:8443"

CHECK "handshake: composite file, chain and host name verified" \
    served 8443 "CN = center.test" -servername center.test \
    -verify_hostname center.test
CHECK "handshake: the IP name verifies too" \
    served 8443 "CN = center.test" -verify_ip 127.0.0.1
CHECK "handshake: a wrong host name fails verification" bash -c \
    "! printf 'bye\n' | timeout 10 ip netns exec tls openssl s_client \
        -connect 127.0.0.1:8443 -CAfile '$D/ca/ca.crt' -verify_return_error \
        -verify_hostname wrong.test >'$OUT' 2>&1 &&
     grep -q 'hostname mismatch' '$OUT'"
CHECK "SNI other.test: the second file" \
    served 8443 "CN = other.test" -servername other.test
CHECK "SNI OTHER.test: case does not matter" \
    served 8443 "CN = other.test" -servername OTHER.test
CHECK "SNI unknown.test: the first file" \
    served 8443 "CN = center.test" -servername unknown.test
CHECK "no SNI: the first file" served 8443 "CN = center.test" -noservername

spawn tls old openssl s_server -accept 127.0.0.1:8445 -tls1_1 \
    -cipher DEFAULT:@SECLEVEL=0 -cert center.crt -key center.key -naccept 1
wait_log old '^ACCEPT$'
CHECK "control: this s_client speaks TLS 1.1 to a server that allows it" \
    protocol 8445 TLSv1.1 -tls1_1 -cipher DEFAULT:@SECLEVEL=0 -no_ign_eof
CHECK "TLS 1.1 is refused" \
    refused 8443 "protocol version" -tls1_1 -cipher DEFAULT:@SECLEVEL=0
CHECK "TLS 1.2 is accepted" protocol 8443 TLSv1.2 -tls1_2
CHECK "TLS 1.3 is accepted" protocol 8443 TLSv1.3 -tls1_3

# reload_keeps_open: a connection opened before a reload still echoes
# after it, while new connections get the renewed certificate.
reload_keeps_open() {
    local line old new
    old=$(serial_of center.crt)
    coproc SC { exec ip netns exec tls timeout 30 openssl s_client -quiet \
        -connect 127.0.0.1:8443 -CAfile "$D/ca/ca.crt" -verify_return_error \
        -servername center.test 2>/dev/null; }
    read -r -t 10 line <&"${SC[0]}" && echo "before: $line" &&
        [ "$line" = "hello anonymous" ] || return 1
    # Renew: a new certificate for the same key, composed in place.
    "$TC" ca sign -d ca center.csr --server -o center2.crt &&
        "$TC" compose center.key center2.crt ca/ca.crt -o center.pem || return 1
    new=$(serial_of center2.crt)
    echo "serials: old $old, new $new"
    [ "$old" != "$new" ] || return 1
    kill -HUP "$ECHO_PID"
    wait_until 10 grep -q "reloaded (generation 2)" "$(logf echo)" || return 1
    echo after >&"${SC[1]}"
    read -r -t 10 line <&"${SC[0]}" && echo "old connection: $line" &&
        [ "$line" = after ] || return 1
    echo bye >&"${SC[1]}"
    read -r -t 10 line <&"${SC[0]}"
    [ "$line" = bye ] || return 1
    serial_served 8443 "$new"
}
CHECK "reload: an open connection carries on, new ones get the renewal" \
    reload_keeps_open

# broken_reload: a reload of a broken file fails and keeps the running one.
broken_reload() {
    local serial
    serial=$(serial_of center2.crt)
    cp center.pem center.pem.good
    head -c 300 center.pem.good >center.pem
    kill -HUP "$ECHO_PID"
    wait_until 10 grep -q "reload failed, keeping the old certificates: .*center.pem: PEM block 1 is truncated" \
        "$(logf echo)" || return 1
    serial_served 8443 "$serial" || return 1
    mv center.pem.good center.pem
}
CHECK "reload: a truncated file is refused, the old certificate stays" \
    broken_reload

# ---- client certificates: the monitoring center's mode ------------------

# mkreq FILE [CN]: key and request for CN (default FILE), in FILE.key, FILE.csr.
mkreq() {
    "$TC" key -t ec -o "$1.key" >/dev/null &&
        "$TC" csr -k "$1.key" -s "/CN=${2:-$1}" -o "$1.csr" >/dev/null
}
for s in site-1 site-2; do
    mkreq "$s" || ERROR "cannot make the key and request of $s"
done
CHECK "ca sign --client: site-1" \
    "$TC" ca sign -d ca site-1.csr --client -o site-1.crt
CHECK "ca sign --client: site-2" \
    "$TC" ca sign -d ca site-2.csr --client -o site-2.crt
CHECK "openssl verify: the client certificate, for clients only" bash -c \
    "openssl verify -CAfile ca/ca.crt -purpose sslclient site-1.crt &&
     ! openssl verify -CAfile ca/ca.crt -purpose sslserver site-1.crt"
CHECK "compose: the site's composite file" \
    "$TC" compose site-1.key site-1.crt -o site-1.pem

spawn tls center "$ECHO" -l 127.0.0.1:8444 -c center.pem \
    -C ca/ca.crt -R ca/crl.pem
CENTER_PID=$SPAWN_PID
wait_log center "listening on 127.0.0.1:8444"

CHECK "client certificate required: none is refused" \
    refused 8444 "certificate required"
CHECK "client certificate of the CA: accepted, greeted by its CN" \
    greeted 8444 site-1 -cert site-1.crt -key site-1.key
CHECK "the site's composite file works as s_client's certificate" \
    greeted 8444 site-1 -cert site-1.pem
mkreq stray site-1 || ERROR "cannot make the stray request"
"$TC" ca sign -d ca2 stray.csr --client -o stray.crt >/dev/null ||
    ERROR "cannot make a certificate of ca2"
CHECK "a certificate of another CA, same CN, is refused" \
    refused 8444 "unknown ca" -cert stray.crt -key stray.key

CHECK "before revocation: openssl verify -crl_check passes" \
    openssl verify -crl_check -CAfile ca/ca.crt -CRLfile ca/crl.pem site-1.crt
CHECK "ca revoke site-1" "$TC" ca revoke -d ca site-1.crt
CHECK "ca revoke: the index marks it R" bash -c \
    "grep -P '^R\t.*\t$(serial_of site-1.crt)\tunknown\t/CN=site-1\$' ca/index.txt"
CHECK "after revocation: openssl verify -crl_check says revoked" bash -c \
    "! openssl verify -crl_check -CAfile ca/ca.crt -CRLfile ca/crl.pem \
        site-1.crt >'$OUT' 2>&1; cat '$OUT'; grep -q 'certificate revoked' '$OUT'"
kill -HUP "$CENTER_PID"
wait_log center "reloaded \(generation 2\)"
CHECK "after revoke and reload: site-1 is refused as revoked" \
    refused 8444 "certificate revoked" -cert site-1.crt -key site-1.key
CHECK "after revoke and reload: the log says why" \
    grep -q "client certificate refused: certificate revoked" \
    "$(logf center)"
CHECK "after revoke and reload: site-2 is still accepted" \
    greeted 8444 site-2 -cert site-2.crt -key site-2.key
CHECK "ca revoke by serial: site-2" \
    "$TC" ca revoke -d ca "$(serial_of site-2.crt)"
CHECK "ca crl: a CRL with both, written where asked" bash -c \
    "'$TC' ca crl -d ca -o crl-copy.pem &&
     [ \"\$(openssl crl -in crl-copy.pem -noout -text | grep -c 'Serial Number')\" = 2 ]"

stop "$ECHO_PID"
stop "$CENTER_PID"
finish

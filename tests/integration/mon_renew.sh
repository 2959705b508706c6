#!/bin/bash
# mon_renew.sh - a site's client certificate is renewed before it ends,
# the old one is revoked, and a certificate left to run out raises an
# alarm.
#
# Two devices of one site report straight to the center (no proxies):
# a holds a certificate of 40 days and runs with its clock 15 days ahead
# (libfaketime), so with cert-renew-before 30d its certificate is due; b
# holds one of 10 days and does not renew (cert-renew-before 0). The
# center has the site CA (ca-dir) and signs with twin-cert. Checks:
#   - a renews: a new key and request over its authenticated session,
#     signed by the site CA for a's site, the composite file replaced, the
#     old kept as .old until a report passed with the new one, then
#     removed; a cert-renewed event; a reports on with the new serial;
#   - before revocation the old certificate still passes TLS; after
#     "twinctl center cert-revoke" it is refused during the handshake
#     (certificate-revoked in the center's log) and a keeps reporting;
#   - b's certificate, within certificate-alarm, is an open alarm of kind
#     "certificate" at the center; a's new one is not.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mon_lib.sh"

need_cmd curl openssl faketime
FAKETIME_LIB=
for f in /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 \
    /usr/lib/*/faketime/libfaketime.so.1; do
    [ -r "$f" ] && { FAKETIME_LIB=$f; break; }
done
[ -n "$FAKETIME_LIB" ] || SKIP "libfaketime not found"

topo_init
topo_host a "$A/$PFX"
topo_host b "$B/$PFX"
mon_topo_center
ip -n a route add 198.19.0.0/24 dev eth0 || ERROR "cannot route a to the center"
ip -n b route add 198.19.0.0/24 dev eth0 || ERROR "cannot route b to the center"

mon_certs
mkdir -p "$T/cert-a" "$T/cert-b"
"$TWIN_CERT" ca issue -d "$T/ca" -t ec -days 40 -n "$SITE" -o "$T/cert-a/site.pem" \
    >>"$T/logs/cert.log" 2>&1 || ERROR "cannot issue a's certificate"
"$TWIN_CERT" ca issue -d "$T/ca" -t ec -days 10 -n "$SITE" -o "$T/cert-b/site.pem" \
    >>"$T/logs/cert.log" 2>&1 || ERROR "cannot issue b's certificate"
cp "$T/cert-a/site.pem" "$T/old-a.pem"
serial_of() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//'; }
OLD=$(serial_of "$T/cert-a/site.pem")
[ -n "$OLD" ] || ERROR "no serial in a's certificate"
# The center holds the site CA. Its listener reads a copy of the CA's CRL
# in a folder of its own, which cert-revoke writes anew.
chown -R nobody "$T/ca"
mon_center_conf "ca-dir \"$T/ca\"" "twin-cert \"$TWIN_CERT\"" \
    "certificate-alarm 14d" "dist-dir \"$T/dist\""
mkdir -p "$T/crlpub" && cp "$T/ca/crl.pem" "$T/crlpub/crl.pem" &&
    chown -R nobody "$T/crlpub" || ERROR "cannot set up $T/crlpub"
sed -i "s|crl-file \"$T/crl.pem\"|crl-file \"$T/crlpub/crl.pem\"|" \
    "$T/center.conf"
grep -q "crl-file \"$T/crlpub/crl.pem\"" "$T/center.conf" ||
    ERROR "the center's crl-file was not changed"
mkdir -p "$T/dist"
chown nobody "$T/dist" "$T/center.pem"
# From its first instruction as nobody: a reload (the CRL) reads its key.
CENTER_UID=65534
mon_center_start
mon_register "$SITE" a b || ERROR "registration failed: $(cat "$T/logs/register.log")"

# agent_conf NAME RENEW-BEFORE: a report block straight to the center.
agent_conf() {
    cat >"$T/$1.conf" <<EOF
peer { name $1; address $([ "$1" = a ] && echo "$A" || echo "$B"); run-dir "$T/run-$1"; }
report {
    center $CTR:443;
    site-id $SITE;
    device-id-file "$T/$1.devid";
    certificate "$T/cert-$1/site.pem";
    ca-file "$T/ca.crt";
    alive-interval 1s;
    poll-interval 250ms;
    timeout 2s;
    spool-dir "$T/spool-$1";
    cert-renew-before $2;
    user daemon;
}
EOF
    mkdir -p "$T/run-$1"
    # The folder stays root's: the agent's privileged helper writes it.
    chmod 755 "$T/cert-$1"
}
agent_conf a 30d
agent_conf b 0
# a lives 15 days ahead: its 40-day certificate has 25 left.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    LD_PRELOAD="$FAKETIME_LIB" FAKETIME="+15d" mon_agent_start a
mon_agent_start b

reports_of() {
    "$TWINCTL" -f "$T/$1.conf" report status 2>/dev/null |
        awk '$1 == "reports" && $2 == "ok" { print $3 }'
}
reports_grow() {
    local n
    n=$(reports_of "$1")
    sleep 2
    echo "reports of $1: $n then $(reports_of "$1")"
    [ -n "$n" ] && [ "$(reports_of "$1")" -gt "$n" ]
}
# tls_with FILE: curl's exit status for a request with that certificate.
tls_with() {
    on a curl -s -o /dev/null --max-time 5 --cacert "$T/ca.crt" --cert "$1" \
        -X POST --data-binary x "https://$CTR/report"
}

CHECK "a's agent is 15 days ahead" \
    sh -c "LD_PRELOAD='$FAKETIME_LIB' FAKETIME='+15d' date +%s |
        awk -v now=\$(date +%s) '{ exit !(\$1 - now > 14 * 86400) }'"
CHECK "a renews its certificate (cert-renewed at the center)" \
    wait_until 20 center_has_event "$SITE" a cert-renewed
NEW=$(serial_of "$T/cert-a/site.pem")
CHECK "a's composite file holds a new serial ($OLD -> $NEW)" \
    sh -c "[ -n '$NEW' ] && [ '$NEW' != '$OLD' ]"
CHECK "the new certificate is of the site CA, for the site" \
    sh -c "openssl verify -CAfile '$T/ca.crt' '$T/cert-a/site.pem' &&
        openssl x509 -in '$T/cert-a/site.pem' -noout -subject | grep -q 'CN *= *$SITE'"
CHECK "the new certificate runs a year" \
    sh -c "openssl x509 -in '$T/cert-a/site.pem' -noout -checkend $((300 * 86400))"
CHECK "the key in the file is the new certificate's" \
    sh -c "[ \"\$(openssl x509 -in '$T/cert-a/site.pem' -noout -pubkey)\" = \
        \"\$(openssl pkey -in '$T/cert-a/site.pem' -pubout)\" ]"
CHECK "the composite file is root's, mode 0600 (the helper wrote it)" \
    sh -c "[ \"\$(stat -c %U:%a '$T/cert-a/site.pem')\" = root:600 ]"
CHECK "the old file was kept until the new one worked, then removed" \
    sh -c "grep -q 'old one kept as $T/cert-a/site.pem.old' '$T/logs/report-a.log' &&
        ! test -e '$T/cert-a/site.pem.old'"
CHECK "the center signed it for site $SITE device a" \
    grep -q "renewed the certificate of site $SITE device a: serial $NEW" \
        "$T/logs/center.log"
CHECK "the CA's index lists the new serial" grep -q "	$NEW	" "$T/ca/index.txt"
CHECK "a keeps reporting with the new certificate" reports_grow a
CHECK "the center's event names both serials" \
    sh -c "'$TWINCTL' -f '$T/center.conf' center events 2>/dev/null |
        grep -q 'cert-renewed certificate of site $SITE renewed: serial $NEW until [0-9]*, replacing serial $OLD'"

# ---- revocation ------------------------------------------------------------------
CHECK "before revocation the old certificate passes TLS" tls_with "$T/old-a.pem"
CHECK "the center revokes the old serial" \
    sh -c "'$TWINCTL' -f '$T/center.conf' center cert-revoke '$OLD' | grep -q 'revoked serial $OLD'"
CHECK "the center reloaded its TLS files" \
    wait_until 5 grep -q "SIGHUP received" "$T/logs/center.log"
CHECK "the old certificate is refused during the handshake" \
    wait_until 5 not tls_with "$T/old-a.pem"
CHECK "the center's log names it revoked" \
    wait_until 5 grep -q "certificate-revoked: client certificate revoked" \
        "$T/logs/center.log"
CHECK "a keeps reporting after the revocation" reports_grow a
CHECK "the CA's CRL lists the old serial" \
    sh -c "openssl crl -in '$T/ca/crl.pem' -noout -text | grep -q 'Serial Number: $OLD'"
CHECK "the listener's copy (crl-file) is the CA's new CRL, mode 644" \
    sh -c "cmp '$T/ca/crl.pem' '$T/crlpub/crl.pem' &&
        [ \"\$(stat -c %a '$T/crlpub/crl.pem')\" = 644 ]"

# ---- a restart with the renewed file ---------------------------------------------
# serial_is SERIAL: a's agent reports with that certificate.
serial_is() {
    local s
    s=$("$TWINCTL" -f "$T/a.conf" report status 2>/dev/null |
        awk '$1 == "cert-serial" { print $2 }')
    echo "serial in use: ${s:-none}"
    [ -n "$s" ] && [ "$s" = "$1" ]
}
CHECK "a reports with serial $NEW before the restart" serial_is "$NEW"
# The log goes on: the new start's lines are those after $before.
before=$(wc -l <"$T/logs/report-a.log")
kill -TERM "${AGENT_PID[a]}"
CHECK "a's agent stops on SIGTERM" \
    wait_until 10 not kill -0 "${AGENT_PID[a]}"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    LD_PRELOAD="$FAKETIME_LIB" FAKETIME="+15d" mon_agent_start a
started_again() {
    tail -n +"$((before + 1))" "$T/logs/report-a.log" |
        grep -q "site $SITE peer a reporting to"
}
CHECK "a's agent starts again with the renewed file" wait_until 10 started_again
CHECK "its TLS loader took the file (no ownership complaint)" \
    no_line "$T/logs/report-a.log" "owned by another|holds a secret|cannot set up"
CHECK "after the restart a reports with serial $NEW" \
    wait_until 5 serial_is "$NEW"
CHECK "and its reports pass (the old serial is revoked)" reports_grow a
CHECK "the file is still root's, mode 0600" \
    sh -c "[ \"\$(stat -c %U:%a '$T/cert-a/site.pem')\" = root:600 ]"

# ---- the alarm for a certificate left to run out -------------------------------
CHECK "b's 10-day certificate is an open certificate alarm" \
    wait_until 10 sh -c "'$TWINCTL' -f '$T/center.conf' center alarms 2>/dev/null |
        grep -q '^alarm $SITE b certificate opened .* closed - client certificate serial .* ends in [0-9]* days'"
CHECK "a's renewed certificate raises none" \
    sh -c "'$TWINCTL' -f '$T/center.conf' center alarms --all 2>/dev/null > '$T/alarms.txt';
        grep -q 'certificate' '$T/alarms.txt' && ! grep -q '^alarm $SITE a certificate' '$T/alarms.txt'"
CHECK "b did not renew" not test -e "$T/cert-b/site.pem.old"

center events --limit 30 | sed 's/^/# /'
finish

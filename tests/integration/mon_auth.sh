#!/bin/bash
# mon_auth.sh - both factors, both required: the center refuses every bad
# combination of certificate and device ID, and logs why.
#
# A client host x posts reports with curl (its own client certificate
# and device ID header) straight to the center. Sites osaka-01 (devices
# a, b: the two peers of one pair, one certificate) and kyoto-02
# (device k). Checks, each with the reason in the center's log:
#   - a's and b's IDs with the site's certificate: accepted (200, ack);
#   - a wrong ID with a good certificate: 403 wrong-device-id;
#   - a good ID with another site's certificate: 403 device-of-other-site;
#   - no ID at all: 403 malformed-device-id;
#   - a report of peer b sent with a's ID: 403 device-mismatch;
#   - a device revoked at the center: 403 device-revoked;
#   - a certificate revoked with twin-cert (new CRL, SIGHUP): TLS refuses
#     it, certificate-revoked;
#   - an expired certificate: certificate-expired; a certificate of
#     another CA: certificate-untrusted; none: no-certificate;
#   - the refusals are counted by reason in twinctl center stats;
#   - with operator-ca-file, the operators' views need a certificate of
#     the operators' CA: none, or a site's, is refused and logged.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mon_lib.sh"

need_cmd curl faketime
X=198.19.0.20

topo_init
mon_topo_center
topo_host x "$X/24"

mon_certs
issue() {
    "$TWIN_CERT" ca issue -d "$T/ca" -t ec -n "$1" -o "$T/$2" \
        >>"$T/logs/cert.log" 2>&1 || ERROR "twin-cert ca issue $2 failed"
}
issue kyoto-02 kyoto.pem
issue "$SITE" revoked.pem
# Issued two years ago for one year: expired for a year now.
ASAN_OPTIONS=verify_asan_link_order=0 faketime -f '-730d' "$TWIN_CERT" ca issue -d "$T/ca" -t ec -n "$SITE" \
    -o "$T/expired.pem" >>"$T/logs/cert.log" 2>&1 ||
    ERROR "cannot issue the expired certificate"
"$TWIN_CERT" ca init -d "$T/ca2" -s /CN=another-CA -t ec \
    >>"$T/logs/cert.log" 2>&1 ||
    ERROR "cannot make another CA"
"$TWIN_CERT" ca issue -d "$T/ca2" -t ec -n "$SITE" -o "$T/foreign.pem" \
    >>"$T/logs/cert.log" 2>&1 || ERROR "cannot issue the foreign certificate"
# The operators' CA, and one operator's certificate.
"$TWIN_CERT" ca init -d "$T/opca" -s /CN=operators-CA -t ec \
    >>"$T/logs/cert.log" 2>&1 ||
    ERROR "cannot make the operators' CA"
"$TWIN_CERT" ca issue -d "$T/opca" -t ec -n operator-1 -o "$T/operator.pem" \
    >>"$T/logs/cert.log" 2>&1 || ERROR "cannot issue the operator's certificate"
cp "$T/opca/ca.crt" "$T/opca.crt"
chmod 644 "$T/opca.crt"
# The center runs as nobody from the start, so that a reload reads its
# certificate and the new CRL as the same user.
chown nobody "$T/center.pem"
# shellcheck disable=SC2034  # read by mon_center_start
CENTER_UID=65534

mon_center_conf "operator-ca-file \"$T/opca.crt\""
mon_center_start
mon_register "$SITE" a b || ERROR "registration of $SITE failed"
mon_register kyoto-02 k || ERROR "registration of kyoto-02 failed"
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/wrong.id"

# report SITE PEER: a report body, written to $T/report-SITE-PEER.
report() {
    local f=$T/report-$1-$2
    {
        echo "twinproxy-report 1"
        echo "site: $1"
        echo "peer: $2"
        echo "sent: $(date -u +%Y-%m-%dT%H:%M:%S.000Z)"
        echo "software: 0.1.0"
        echo "uptime: 100"
        echo "role: active"
        echo "partner: up"
        echo "proxy: up"
        echo "proxy-requests: 0"
        echo "proxy-connections: 0"
        echo "cache-hits: 0"
        echo "cache-misses: 0"
        echo "cache-objects: 0"
        echo "cache-bytes: 0"
        echo "wpad: off"
    } >"$f"
    printf '%s' "$f"
}

# post CERT|- IDFILE|- SITE PEER: POST a report from x; prints the status
# code (000 when TLS or the connection failed) and keeps the body.
post() {
    local -a opts=(-sS -o "$T/answer" -w '%{http_code}' --max-time 5
                   --cacert "$T/ca.crt" --data-binary "@$(report "$3" "$4")")
    [ "$1" != - ] && opts+=(--cert "$T/$1")
    [ "$2" != - ] && opts+=(-H "Twinproxy-Device-ID: $(cat "$T/$2")")
    : >"$T/answer"
    on x curl "${opts[@]}" "https://$CTR/report" 2>"$T/curl.err"
}

# accepted CERT IDFILE SITE PEER: 200 with an acknowledgement.
accepted() {
    local code
    code=$(post "$@")
    echo "HTTP $code: $(head -n 2 "$T/answer" | tr '\n' ' ')"
    [ "$code" = 200 ] && grep -q '^twinproxy-ack 1$' "$T/answer" &&
        grep -q '^ack: 0$' "$T/answer"
}

# refused_with CODE REASON CERT IDFILE SITE PEER: the center answers CODE
# (000: TLS refused) and logs the refusal with REASON.
refused_with() {
    local want=$1 reason=$2 code n
    shift 2
    n=$(grep -c "refused $X:[0-9]*: $reason: " "$T/logs/center.log")
    code=$(post "$@")
    echo "HTTP $code ($(head -c 200 "$T/curl.err" | tr '\n' ' '))"
    [ "$code" = "$want" ] || return 1
    wait_until 3 sh -c "[ \$(grep -c 'refused $X:[0-9]*: $reason: ' '$T/logs/center.log') -gt $n ]" ||
        { echo "no new 'refused ... $reason' line in center.log"; return 1; }
    grep "refused $X:[0-9]*: $reason: " "$T/logs/center.log" | tail -n 1
}

stat_refused() {
    center stats | awk -v r="$1" -v n="$2" '
        $1 == "refused" && $2 == r { found = 1; print; exit !($3 == n) }
        END { if (!found) exit 1 }'
}

# ---- the right factors ---------------------------------------------------------
CHECK "a: the site's certificate and a's ID: accepted" \
    accepted site.pem a.devid "$SITE" a
CHECK "b, the other peer, with the same certificate and b's ID: accepted" \
    accepted site.pem b.devid "$SITE" b
CHECK "kyoto-02's device with its own certificate: accepted" \
    accepted kyoto.pem k.devid kyoto-02 k

# ---- one factor wrong --------------------------------------------------------------
CHECK "a wrong ID with a good certificate: 403, wrong-device-id" \
    refused_with 403 wrong-device-id site.pem wrong.id "$SITE" a
CHECK "a good ID with another site's certificate: 403, device-of-other-site" \
    refused_with 403 device-of-other-site kyoto.pem a.devid kyoto-02 a
CHECK "a good certificate and no ID: 403, malformed-device-id" \
    refused_with 403 malformed-device-id site.pem - "$SITE" a
CHECK "b's report sent with a's ID: 403, device-mismatch" \
    refused_with 403 device-mismatch site.pem a.devid "$SITE" b
CHECK "a report for another site than the certificate's: 403, site-mismatch" \
    refused_with 403 site-mismatch site.pem a.devid kyoto-02 a
"$TWINCTL" -f "$T/center.conf" center revoke "$SITE" b >/dev/null 2>&1 ||
    ERROR "twinctl center revoke failed"
CHECK "a device revoked at the center: 403, device-revoked" \
    refused_with 403 device-revoked site.pem b.devid "$SITE" b
CHECK "the revocation shows in the site view" \
    sh -c "'$TWINCTL' -f '$T/center.conf' center site '$SITE' 2>/dev/null |
        grep -q '^device b .* revoked yes$'"

# ---- the certificate wrong: TLS refuses it --------------------------------------
CHECK "the certificate to be revoked works before" \
    accepted revoked.pem a.devid "$SITE" a
"$TWIN_CERT" ca revoke -d "$T/ca" "$T/revoked.pem" >>"$T/logs/cert.log" 2>&1 ||
    ERROR "twin-cert ca revoke failed"
mon_publish
kill -HUP "$CENTER_PID"
wait_log center.log "configuration reloaded"
CHECK "a revoked certificate (new CRL, SIGHUP): TLS refused, certificate-revoked" \
    refused_with 000 certificate-revoked revoked.pem a.devid "$SITE" a
CHECK "an expired certificate: TLS refused, certificate-expired" \
    refused_with 000 certificate-expired expired.pem a.devid "$SITE" a
CHECK "a certificate of another CA: TLS refused, certificate-untrusted" \
    refused_with 000 certificate-untrusted foreign.pem a.devid "$SITE" a
CHECK "no certificate at all: TLS refused, no-certificate" \
    refused_with 000 no-certificate - a.devid "$SITE" a
CHECK "the site's own certificate still works after the reload" \
    accepted site.pem a.devid "$SITE" a

# ---- the operators' side, with operator certificates ------------------------------
# op CERT|-: the operator terminal fetches the site list over HTTPS.
op_get() {
    local -a opts=(-sS -f -o "$T/op.json" --max-time 5 --cacert "$T/ca.crt")
    [ "$1" != - ] && opts+=(--cert "$T/$1")
    on op curl "${opts[@]}" "https://$OPS_CTR:8080/api/sites" 2>"$T/curl.err"
}
op_count() { grep -c "operator refused $OPS:[0-9]*: $1 " "$T/logs/center.log"; }
op_more() { [ "$(op_count "$1")" -gt "$2" ]; }
op_refused() {
    local n
    n=$(op_count "$2")
    not op_get "$1" || return 1
    wait_until 3 op_more "$2" "$n" ||
        { echo "no new 'operator refused ... $2' line"; return 1; }
    grep "operator refused $OPS:" "$T/logs/center.log" | tail -n 1
}
op_reads() { op_get operator.pem && grep -q "\"site\":\"$SITE\"" "$T/op.json"; }
CHECK "an operator with a certificate of the operators' CA reads the views" \
    op_reads
CHECK "an operator without a certificate is refused and logged" \
    op_refused - "no client certificate"
CHECK "a site's certificate does not open the operators' views" \
    op_refused site.pem "certificate not of the operators' CA"

# ---- counted ------------------------------------------------------------------------
CHECK "stats: one wrong-device-id" stat_refused wrong-device-id 1
CHECK "stats: one device-of-other-site" stat_refused device-of-other-site 1
CHECK "stats: one certificate-revoked" stat_refused certificate-revoked 1
CHECK "stats: one no-certificate" stat_refused no-certificate 1
CHECK "no device ID reached the log" \
    no_line -F center.log "$(cat "$T/a.devid")"

finish

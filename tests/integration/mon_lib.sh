#!/bin/bash
# mon_lib.sh - remote monitoring scenarios (sourced after lib.sh, and
# pair_lib.sh when the pair runs): a monitoring center, a site CA, the
# site's peers with their agents.
#
# Addresses (all inside 198.18.0.0/15, on the one switch):
#   the site     a=198.18.0.1 b=198.18.0.2 (F-IP 198.18.0.100), as lib.sh
#   the center   CTR=198.19.0.10 (agents' listener, port 443)
#   operators    OPS_CTR=198.18.1.1 (the center's operator listener, 8080)
#                OPS=198.18.1.10 (an operator's terminal)
# The peers have no route to 198.19.0.0/24 except for the proxies' user:
# policy routing sends only uid nobody (twin-proxy after it dropped root)
# to the center's network, so the agents (user daemon) reach the center
# through CONNECT alone. Nothing on the site's network routes to the
# operators' network.
#
# mon_certs               site CA in $T/ca, the center's server
#                         certificate $T/center.pem (IP:$CTR, IP:$OPS_CTR) and the
#                         site's client certificate $T/site.pem; then
# mon_publish             copies the CA's certificate and CRL to
#                         $T/ca.crt and $T/crl.pem
# mon_topo_center         hosts ctr (both center addresses) and op
# mon_site_routes NAME    policy routing on peer NAME (see above)
# mon_center_conf [SETTING...]  write $T/center.conf (alive-timeout 3s,
#                         notify and sendmail stand-ins logging to
#                         $T/logs/notify.log and $T/logs/mail.log)
# mon_center_start        twin-monitord on ctr (log center.log), CENTER_PID;
#                         with CENTER_UID set it starts as that user from
#                         the first instruction (port 443 opened to users
#                         in ctr's namespace), as a unit with
#                         CAP_NET_BIND_SERVICE would run it
# mon_register SITE NAME... register devices NAME with ID files
#                         $T/NAME.devid (made if missing)
# mon_report_block NAME [SETTING...]  print peer NAME's report block
# mon_agent_start NAME    twin-report on NAME with $T/NAME.conf (log
#                         report-NAME.log), AGENT_PID[NAME]
# center CMD...           twinctl center CMD on the center's socket
# agent_status NAME       twinctl report status of NAME's agent
# center_event_count SITE DEVICE KIND   events of that kind at the center
# center_has_event SITE DEVICE KIND     at least one

SITE=${SITE:-osaka-01}
CTR=198.19.0.10
OPS_CTR=198.18.1.1
OPS=198.18.1.10
TWIN_MONITORD=$TOP_BUILDDIR/twin-monitord
TWIN_REPORT=$TOP_BUILDDIR/twin-report
TWIN_CERT=$TOP_BUILDDIR/twin-cert
declare -A AGENT_PID

# mon_newid FILE: a fresh 16-byte operator ID, hex, mode 0600.
mon_newid() {
    (umask 077; head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$1")
}

# mon_operator: the operators' CA ($T/opca, its certificate in
# $T/opca.crt), operator-1's certificate ($T/operator.pem) and ID
# ($T/operator.id), and OPHASH, the ID's SHA-256 as the center's
# gateway-operator setting takes it.
mon_operator() {
    "$TWIN_CERT" ca init -d "$T/opca" -s /CN=operators-CA -t ec \
        >>"$T/logs/cert.log" 2>&1 || ERROR "cannot make the operators' CA"
    "$TWIN_CERT" ca issue -d "$T/opca" -t ec -n operator-1 \
        -o "$T/operator.pem" >>"$T/logs/cert.log" 2>&1 ||
        ERROR "cannot issue the operator's certificate"
    cp "$T/opca/ca.crt" "$T/opca.crt" ||
        ERROR "cannot copy the operators' CA certificate"
    chmod 644 "$T/opca.crt"
    mon_newid "$T/operator.id"
    OPHASH=$(/usr/bin/python3 -c 'import hashlib, sys
print(hashlib.sha256(bytes.fromhex(open(sys.argv[1]).read().strip())).hexdigest())' \
        "$T/operator.id") || ERROR "cannot hash the operator ID"
}

mon_certs() {
    "$TWIN_CERT" ca init -d "$T/ca" -s /CN=twinproxy-test-site-CA -t ec \
        >"$T/logs/cert.log" 2>&1 || ERROR "twin-cert ca init failed"
    "$TWIN_CERT" ca issue -d "$T/ca" --server -a "IP:$CTR" -a "IP:$OPS_CTR" -t ec \
        -n center.test -o "$T/center.pem" >>"$T/logs/cert.log" 2>&1 ||
        ERROR "twin-cert ca issue (center) failed"
    "$TWIN_CERT" ca issue -d "$T/ca" -t ec -n "$SITE" -o "$T/site.pem" \
        >>"$T/logs/cert.log" 2>&1 || ERROR "twin-cert ca issue (site) failed"
    mon_publish
}

# mon_publish: what the CA folder (root's, mode 0700) gives out: its
# certificate and its current CRL, for the center and the agents.
mon_publish() {
    cp "$T/ca/ca.crt" "$T/ca.crt" && cp "$T/ca/crl.pem" "$T/crl.new" &&
        chmod 644 "$T/ca.crt" "$T/crl.new" && mv "$T/crl.new" "$T/crl.pem" ||
        ERROR "cannot publish the CA's certificate and CRL"
}

mon_topo_center() {
    topo_host ctr "$CTR/24" "$OPS_CTR/24"
    topo_host op "$OPS/24"
    # The center answers the site's network on the same wire.
    ip -n ctr route add 198.18.0.0/24 dev eth0 ||
        ERROR "cannot route the site's network on ctr"
    mkdir -p "$T/run-ctr" "$T/db"
    chmod 755 "$T"
    # Sticky: the daemons refuse log folders anyone may replace files in.
    # Sticky: twin-proxy refuses an access-log folder others may rename in.
    chmod 1777 "$T/logs"
}

mon_site_routes() {
    ip -n "$1" route add 198.19.0.0/24 dev eth0 table 100 &&
    ip -n "$1" rule add uidrange 65534-65534 lookup 100 pref 100 ||
        ERROR "cannot set the policy routes on $1"
}

mon_center_conf() {
    local s
    cat >"$T/notify.sh" <<EOF
#!/bin/sh
echo "\$*" >>"$T/logs/notify.log"
EOF
    cat >"$T/sendmail.sh" <<EOF
#!/bin/sh
{ echo "=== sendmail \$*"; cat; } >>"$T/logs/mail.log"
EOF
    chmod 755 "$T/notify.sh" "$T/sendmail.sh"
    : >"$T/logs/notify.log"
    : >"$T/logs/mail.log"
    chmod 666 "$T/logs/notify.log" "$T/logs/mail.log"
    {
        echo "peer { name center; address $CTR; run-dir \"$T/run-ctr\"; user nobody; }"
        echo "center {"
        echo "    listen $CTR:443;"
        echo "    certificate \"$T/center.pem\";"
        echo "    ca-file \"$T/ca.crt\";"
        echo "    crl-file \"$T/crl.pem\";"
        echo "    database \"$T/db/center.db\";"
        echo "    alive-timeout 3s;"
        echo "    timeout 5s;"
        echo "    notify \"$T/notify.sh\";"
        echo "    mail-to ops@example.net;"
        echo "    sendmail \"$T/sendmail.sh\";"
        echo "    operator-listen $OPS_CTR:8080;"
        for s in "$@"; do echo "    $s;"; done
        echo "}"
    } >"$T/center.conf"
    chmod 644 "$T/center.conf"
}

mon_center_start() {
    local -a as=()
    if [ -n "${CENTER_UID:-}" ]; then
        on ctr sysctl -q -w net.ipv4.ip_unprivileged_port_start=0 ||
            ERROR "cannot open port 443 to users on ctr"
        chown "$CENTER_UID" "$T/run-ctr" "$T/db"
        as=(setpriv --reuid="$CENTER_UID" --regid="$CENTER_UID" --clear-groups)
    fi
    spawn ctr center.log "${as[@]}" "$TWIN_MONITORD" -d -v -f "$T/center.conf"
    # shellcheck disable=SC2034  # for the scenarios
    CENTER_PID=$SPAWN_PID
    wait_port ctr "$CTR" 443
    wait_until 10 test -S "$T/run-ctr/center.sock" ||
        ERROR "twin-monitord did not open its control socket"
}

center() { "$TWINCTL" -f "$T/center.conf" center "$@" 2>/dev/null; }

mon_register() {
    local site=$1 n args=()
    shift
    for n in "$@"; do args+=("$n=$T/$n.devid"); done
    "$TWINCTL" -f "$T/center.conf" center register "$site" "${args[@]}" \
        >>"$T/logs/register.log" 2>&1
}

mon_report_block() {
    local name=$1 own other s
    shift
    [ "$name" = a ] && { own=$A; other=$B; } || { own=$B; other=$A; }
    echo "report {"
    echo "    center $CTR:443;"
    echo "    proxy $own:8081;"
    echo "    proxy $other:8081;"
    echo "    site-id $SITE;"
    echo "    device-id-file \"$T/$name.devid\";"
    echo "    certificate \"$T/site.pem\";"
    echo "    ca-file \"$T/ca.crt\";"
    echo "    alive-interval 1s;"
    echo "    poll-interval 250ms;"
    echo "    timeout 900ms;"
    echo "    spool-dir \"$T/spool-$name\";"
    echo "    user daemon;"
    for s in "$@"; do echo "    $s;"; done
    echo "}"
}

mon_agent_start() {
    # A socket left by a killed agent must not pass for the new one's.
    rm -f "$T/run-$1/report.sock"
    spawn "$1" "report-$1.log" "$TWIN_REPORT" -d -v -f "$T/$1.conf"
    # shellcheck disable=SC2034  # for the scenarios
    AGENT_PID[$1]=$SPAWN_PID
    wait_until 10 test -S "$T/run-$1/report.sock" ||
        ERROR "twin-report on $1 did not open its control socket"
    # Its privileged helper is ours to stop too.
    pgrep -P "$SPAWN_PID" >>"$T/pids"
}

agent_status() { "$TWINCTL" -f "$T/$1.conf" report status 2>/dev/null; }

center_event_count() {
    center events --limit 100000 | awk -v s="$1" -v d="$2" -v k="$3" \
        '$1 == "event" && $3 == s && $4 == d && $7 == k { n++ } END { print n + 0 }'
}

center_has_event() { [ "$(center_event_count "$@")" -gt 0 ]; }

#!/bin/bash
# mon_gw.sh - the gateway: an operator at the center runs a real ssh to
# the sshd of the site's peer b, whose only way out is CONNECT to port
# 443 through its own twin-proxy; the agent's two HTTPS streams carry
# the session. Checks:
#   - ssh (ProxyCommand twinctl center connect) runs a command on b;
#   - a 20 MB file comes back through ssh cat with the same sha256;
#   - the agent's streams went through b's proxy (CONNECT 443 lines);
#   - the session is logged at both ends with operator, site, peer,
#     target, bytes and duration;
#   - a target outside gateway-allow (sshd listens there too) is refused:
#     ssh fails, twinctl says why, the agent logs the refusal;
#   - an operator with a wrong operator ID, and one with a certificate not
#     of the operators' CA, are refused, each logged by the center.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mon_lib.sh"

need_cmd ssh sshd ssh-keygen sha256sum /usr/bin/python3
TWIN_PROXY=$TOP_BUILDDIR/twin-proxy

topo_init
topo_host b "$B/24"
mon_topo_center
mon_site_routes b

mon_certs
mon_operator
mon_newid "$T/wrong.id"

mon_center_conf "operator-ca-file \"$T/opca.crt\"" \
    "gateway-operator \"operator-1=$OPHASH\"" "gateway-connect-timeout 5s"
mon_center_start
mon_register "$SITE" b || ERROR "registration failed: $(cat "$T/logs/register.log")"

# Peer b: its proxy (CONNECT to 443 only, the default) and its agent.
mkdir -p "$T/run-b" "$T/plogs"
chown nobody "$T/plogs"
{
    echo "peer { name b; address $B; run-dir \"$T/run-b\"; user nobody; }"
    echo "proxy {"
    echo "    listen $B:8081;"
    echo "    allow 198.18.0.0/24;"
    echo "    access-log \"$T/plogs/access-b.log\";"
    echo "}"
    echo "report {"
    echo "    center $CTR:443;"
    echo "    proxy $B:8081;"
    echo "    site-id $SITE;"
    echo "    device-id-file \"$T/b.devid\";"
    echo "    certificate \"$T/site.pem\";"
    echo "    ca-file \"$T/ca.crt\";"
    echo "    alive-interval 5s;"
    echo "    timeout 3s;"
    echo "    spool-dir \"$T/spool-b\";"
    echo "    user daemon;"
    echo "    gateway on;"
    echo "    gateway-idle-timeout 60s;"
    echo "}"
} >"$T/b.conf"
spawn b proxy-b.log "$TWIN_PROXY" -d -f "$T/b.conf"
wait_port b "$B" 8081
mon_agent_start b

# sshd on b's loopback, on 22 (allowed) and 2222 (not), with a
# throwaway host key and an operator key made for this run.
mkdir -p /run/sshd && chmod 755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$T/ssh_host" || ERROR "ssh-keygen host"
ssh-keygen -q -t ed25519 -N '' -f "$T/op_key" || ERROR "ssh-keygen operator"
cp "$T/op_key.pub" "$T/authorized_keys"
cat >"$T/sshd_config" <<EOF
ListenAddress 127.0.0.1:22
ListenAddress 127.0.0.1:2222
HostKey $T/ssh_host
AuthorizedKeysFile $T/authorized_keys
PidFile $T/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
LogLevel VERBOSE
EOF
spawn b sshd.log /usr/sbin/sshd -D -e -f "$T/sshd_config"
wait_port b 127.0.0.1 22
head -c 20000000 /dev/urandom >"$T/big" || ERROR "cannot write the big file"
SUM=$(sha256sum <"$T/big" | cut -d' ' -f1)

# connect ARGS...: twinctl center connect as the operator on host op.
connect() {
    on op "$TWINCTL" -f "$T/center.conf" center connect -a "$T/ca.crt" "$@"
}
# opssh PORT CMD...: ssh through the gateway to b's loopback PORT.
opssh() {
    local port=$1
    shift
    on op timeout 60 ssh -F /dev/null -i "$T/op_key" -o IdentitiesOnly=yes \
        -o BatchMode=yes -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
        -o ProxyCommand="$TWINCTL -f $T/center.conf center connect -a $T/ca.crt -c $T/operator.pem -i $T/operator.id $SITE b $port" \
        root@b "$@"
}
agent_polls() { grep -q "gateway: $SITE/b polls from" "$T/logs/center.log"; }

CHECK "the agent polls the center for gateway orders" wait_until 10 agent_polls
on_b() { opssh 22 ip -o -4 addr show dev eth0 | grep -q " $B/"; }
CHECK "ssh through the gateway runs a command on b (b's address)" on_b
copy_big() {
    local got
    got=$(opssh 22 cat "$T/big" | sha256sum | cut -d' ' -f1)
    echo "# sha256 through the gateway $got, of the file $SUM"
    [ "$got" = "$SUM" ]
}
t0=$(now_us)
CHECK "a 20 MB file comes back through ssh cat, sha256 matching" copy_big
echo "# 20 MB in $(( ($(now_us) - t0) / 1000 )) ms"
CHECK "the streams went through b's proxy (CONNECT $CTR:443 from b)" \
    grep -q " $B TCP_TUNNEL/200 .* CONNECT $CTR:443 " "$T/plogs/access-b.log"
big_logged() {
    grep -E "gateway: $1 session [0-9a-f]{32} operator operator-1 site $SITE peer b target 127.0.0.1:22 bytes up [0-9]{8,} down [0-9]+ duration [0-9.]+s end " \
        "$T/logs/$2"
}
CHECK "the center logged the session (operator, site, peer, target, bytes, duration)" \
    wait_until 5 big_logged center center.log
CHECK "the agent logged it too" wait_until 5 big_logged site report-b.log

# Outside the allow-list: sshd answers on 2222, the gateway does not.
# ssh_fails PORT [CERT]: ssh through the gateway exits 255 (its own
# failure: here the ProxyCommand's), not for any other reason.
ssh_fails() {
    local port=$1 cert=${2:-$T/operator.pem} rv
    on op timeout 60 ssh -F /dev/null -i "$T/op_key" -o IdentitiesOnly=yes \
        -o BatchMode=yes -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
        -o ProxyCommand="$TWINCTL -f $T/center.conf center connect -a $T/ca.crt -c $cert -i $T/operator.id $SITE b $port" \
        root@b true
    rv=$?
    echo "# ssh exited $rv"
    [ "$rv" -eq 255 ]
}
CHECK "ssh to port 2222 through the gateway fails" ssh_fails 2222
refused_2222() {
    connect -c "$T/operator.pem" -i "$T/operator.id" "$SITE" b 2222 \
        </dev/null >/dev/null 2>"$T/refused.err"
    local rv=$?
    cat "$T/refused.err"
    [ "$rv" -ne 0 ] && grep -q "502.*target 127.0.0.1:2222 not in gateway-allow" "$T/refused.err"
}
CHECK "twinctl fails and says the target is not allowed" refused_2222
CHECK "the agent logged the refusal" \
    grep -q "gateway: session [0-9a-f]* refused: operator operator-1: target 127.0.0.1:2222 not in gateway-allow" \
        "$T/logs/report-b.log"
CHECK "sshd never saw a connection on 2222" \
    no_line sshd.log "Connection from 127.0.0.1 port [0-9]* on 127.0.0.1 port 2222"
CHECK "yet sshd does answer on 127.0.0.1:2222 (on b itself)" \
    on b timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/2222; head -c 4 <&3 | grep -q SSH-'

wrong_id() {
    connect -c "$T/operator.pem" -i "$T/wrong.id" "$SITE" b 22 \
        </dev/null >/dev/null 2>"$T/wrong.err"
    local rv=$?
    cat "$T/wrong.err"
    [ "$rv" -ne 0 ] && grep -q "answered 403: refused: wrong-operator-id" "$T/wrong.err"
}
CHECK "a wrong operator ID is refused (403)" wrong_id
CHECK "the center logged it" \
    grep -q "gateway: operator refused $OPS:[0-9]*: wrong-operator-id (certificate CN=operator-1)" \
        "$T/logs/center.log"
site_cert() {
    ! connect -c "$T/site.pem" -i "$T/operator.id" "$SITE" b 22 \
        </dev/null >/dev/null 2>"$T/sitecert.err"
}
CHECK "a certificate not of the operators' CA is refused" site_cert
CHECK "the center logged it" \
    wait_until 3 grep -q "operator refused $OPS:[0-9]*: certificate not of the operators' CA (certificate CN=$SITE" \
        "$T/logs/center.log"
CHECK "ssh with the site's certificate as operator fails too" \
    ssh_fails 22 "$T/site.pem"
CHECK "no session went to a target but 127.0.0.1:22" \
    no_line center.log "gateway: center session .* target 127.0.0.1:2222 .* end target closed"

finish

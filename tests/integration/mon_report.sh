#!/bin/bash
# mon_report.sh - a site reports to its monitoring center through its
# own proxy pair.
#
# The pair runs active-standby (twin-ha, twin-proxy on a and b), each peer
# has its agent (twin-report, user daemon), and the center (twin-monitord)
# sits on another network that only the proxies' user may route to, so
# the agents reach it with CONNECT alone. Checks:
#   - the agents cannot reach the center themselves; the proxies can;
#   - both peers report; the center shows the pair: a active, b standby;
#   - the reports went through the proxies (CONNECT in their access logs);
#   - kill -9 of a's daemons: b's takeover event is at the center within
#     seconds (b reports through its own proxy), a's agent reports its
#     daemons down through b's proxy, and the center shows b active;
#   - a comes back: its failback event arrives;
#   - every device's events arrived once each, in sequence order.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"
. "$(dirname "$0")/pair_lib.sh"
. "$(dirname "$0")/mon_lib.sh"

need_cmd curl setpriv

topo_init
topo_host a "$A/$PFX"
topo_host b "$B/$PFX"
mon_topo_center
mon_site_routes a
mon_site_routes b
printf 'twinproxy-pair-key-%s%s\n' "$RANDOM" "$RANDOM" >"$T/ha.key"
chmod 600 "$T/ha.key"

mon_certs
mon_center_conf
mon_center_start
mon_register "$SITE" a b || ERROR "registration failed: $(cat "$T/logs/register.log")"

pair_conf standby a "$A" "$B" primary
pair_conf standby b "$B" "$A" backup
mon_report_block a >>"$T/a.conf"
mon_report_block b >>"$T/b.conf"
pair_start a
pair_start b
wait_until 5 one_holder a || ERROR "a did not become active"
mon_agent_start a
mon_agent_start b

# uid_connect HOST UID: a TCP connection to the center's 443 as UID.
uid_connect() {
    on "$1" setpriv --reuid="$2" --regid="$2" --clear-groups \
        timeout 3 bash -c "exec 3<>/dev/tcp/$CTR/443" 2>&1
}
site_device_is() {
    center site "$SITE" | grep -Eq "^device $1 state ok role $2 "
}
seqs_in_order() {
    center events --limit 100000 | awk -v d="$1" '
        $1 == "event" && $4 == d {
            if ($5 != last + 1) { print "seq " $5 " after " last; bad = 1 }
            last = $5; n++
        }
        END { print n " events of " d; exit bad || n == 0 }'
}

# ---- the way out ------------------------------------------------------------
CHECK "the agents' user (daemon) has no route to the center" \
    not uid_connect a 1
CHECK "the proxies' user (nobody) has one" uid_connect a 65534

# ---- both peers report -------------------------------------------------------
CHECK "a reports: active" wait_until 10 site_device_is a active
CHECK "b reports: standby" wait_until 10 site_device_is b standby
CHECK "the center shows the pair with a active" \
    sh -c "'$TWINCTL' -f '$T/center.conf' center sites 2>/dev/null |
        grep -q '^$SITE state ok active a alarms 0 devices a:active:.* b:standby:'"
CHECK "a's reports went through a's proxy (CONNECT from a)" \
    wait_until 3 grep -q " $A TCP_TUNNEL/200 .* CONNECT $CTR:443 " \
        "$T/logs/access-a.log"
CHECK "b's reports went through b's proxy (CONNECT from b)" \
    wait_until 3 grep -q " $B TCP_TUNNEL/200 .* CONNECT $CTR:443 " \
        "$T/logs/access-b.log"
CHECK "the center logged no refusal" no_line center.log 'refused '

# ---- a's daemons die -----------------------------------------------------------
t_kill=$(now_us)
pair_kill a KILL
CHECK "b's takeover event reaches the center" \
    wait_until 10 center_has_event "$SITE" b takeover
echo "# takeover event at the center $(( ($(now_us) - t_kill) / 1000 )) ms after the kill"
CHECK "within 5 seconds of the kill" elapsed_within "$t_kill" 0 5
CHECK "b's partner-error event reaches the center" \
    wait_until 5 center_has_event "$SITE" b partner-error
CHECK "a's agent reports its twin-ha down (through b's proxy)" \
    wait_until 5 center_has_event "$SITE" a service-down
CHECK "a's agent reports its proxy down" \
    wait_until 5 center_has_event "$SITE" a proxy-down
CHECK "the center shows b active" \
    wait_until 5 sh -c "'$TWINCTL' -f '$T/center.conf' center sites 2>/dev/null |
        grep -q '^$SITE state ok active b '"
CHECK "a's agent then reports through b's proxy (CONNECT from a)" \
    wait_until 3 grep -q " $A TCP_TUNNEL/200 .* CONNECT $CTR:443 " \
        "$T/logs/access-b.log"
CHECK "the takeover text names the peers" \
    sh -c "'$TWINCTL' -f '$T/center.conf' center events 2>/dev/null |
        grep -q ' $SITE b [0-9]* warning takeover b took over from $A: '"
CHECK "the center ran the notify script for the takeover" \
    wait_until 3 grep -q "^event $SITE b takeover warning " "$T/logs/notify.log"

# ---- a comes back ---------------------------------------------------------------
pair_start a
CHECK "a's failback event reaches the center" \
    wait_until 10 center_has_event "$SITE" a failback
CHECK "a's agent reports its daemons answering again" \
    wait_until 5 center_has_event "$SITE" a service-up
CHECK "the center shows a active again" \
    wait_until 5 sh -c "'$TWINCTL' -f '$T/center.conf' center sites 2>/dev/null |
        grep -q '^$SITE state ok active a '"

# ---- nothing twice, nothing out of order --------------------------------------
CHECK "a's events arrived once each, in order" seqs_in_order a
CHECK "b's events arrived once each, in order" seqs_in_order b
CHECK "no agent's spool holds anything back" \
    wait_until 3 sh -c "'$TWINCTL' -f '$T/a.conf' report status | grep -q '^spool pending 0 ' &&
        '$TWINCTL' -f '$T/b.conf' report status | grep -q '^spool pending 0 '"

center events --limit 50 | sed 's/^/# /'
finish

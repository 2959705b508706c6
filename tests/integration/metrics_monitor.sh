#!/bin/bash
# metrics_monitor.sh - the /metrics endpoints of twin-report and
# twin-monitord.
#
# Peer a (twin-ha, twin-proxy) runs its agent, reporting through its
# proxy to the center on its own network (as in mon_report.sh). Checks:
#   - both endpoints answer with the 0.0.4 content type and promtool
#     accepts their scrapes;
#   - the agent counts the reports the center took, and its spool;
#   - the center counts the site, the reports, and the agent refused by
#     allow (the center's block allows only its own host);
#   - the agent stops: the site falls silent, the alarm is counted; it
#     comes back: the site is ok and the alarm counted as cleared.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"
. "$(dirname "$0")/pair_lib.sh"
. "$(dirname "$0")/mon_lib.sh"
. "$(dirname "$0")/metrics_lib.sh"

need_cmd curl setpriv promtool

topo_init
topo_host a "$A/$PFX"
mon_topo_center
mon_site_routes a
printf 'twinproxy-pair-key-%s%s\n' "$RANDOM" "$RANDOM" >"$T/ha.key"
chmod 600 "$T/ha.key"

mon_certs
mon_center_conf
echo "metrics { listen $CTR; }" >>"$T/center.conf"
mon_center_start
mon_register "$SITE" a || ERROR "registration failed: $(cat "$T/logs/register.log")"
pair_conf standby a "$A" "$B" primary
mon_report_block a >>"$T/a.conf"
echo "metrics { listen $A; }" >>"$T/a.conf"
pair_start a
mon_agent_start a
wait_port a "$A" 9715
wait_port ctr "$CTR" 9716

rep() { scrape a "$A" 9715 r && mge r "$1" "$2"; }
ctr() { scrape ctr "$CTR" 9716 c && mis c "$1" "$2"; }
ctr_ge() { scrape ctr "$CTR" 9716 c && mge c "$1" "$2"; }

CHECK "the agent's endpoint answers" scrape a "$A" 9715 r0
CHECK "promtool check metrics accepts the agent's scrape" promok r0
CHECK "the center's endpoint answers" scrape ctr "$CTR" 9716 c0
CHECK "promtool check metrics accepts the center's scrape" promok c0

CHECK "the agent counts reports the center took" wait_until 10 \
    rep 'twinproxy_report_reports_total{outcome="sent"}' 1
CHECK "the agent's spool is open" mis r twinproxy_report_spool_open 1
CHECK "and its depth is served" mval r twinproxy_report_spool_pending_events
CHECK "the center knows one site" ctr twinproxy_center_sites 1
CHECK "the site is ok" wait_until 5 ctr 'twinproxy_center_sites_by_state{state="ok"}' 1
CHECK "the center counts the reports" ctr_ge twinproxy_center_reports_total 1
CHECK "no alarm raised yet" mis c twinproxy_center_alarms_raised_total 0
CHECK "a is refused by the center's endpoint (default allow)" \
    not on a curl -sS --noproxy '*' -m 3 -o /dev/null "http://$CTR:9716/metrics"

stop "${AGENT_PID[a]}"
CHECK "the agent stopped: the site falls silent" wait_until 8 \
    ctr 'twinproxy_center_sites_by_state{state="silent"}' 1
CHECK "the alarm is counted" mis c twinproxy_center_alarms_raised_total 1
mon_agent_start a
CHECK "the agent is back: the site is ok again" wait_until 10 \
    ctr 'twinproxy_center_sites_by_state{state="ok"}' 1
CHECK "the alarm is counted as cleared" mis c \
    twinproxy_center_alarms_cleared_total 1
CHECK "promtool still accepts the center's scrape" promok c

finish

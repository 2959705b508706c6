#!/bin/bash
# mon_silence.sh - a site falls silent and comes back.
#
# The pair and its agents as in mon_report.sh (alive reports every 1 s,
# the center's alive-timeout 3 s). Both peers' cables are pulled. Checks:
#   - the center raises the site's silence alarm after the alive timeout
#     (and each device's), logs it, runs the notify script and mails;
#   - meanwhile the peers lose each other: their events are spooled; b's
#     agent is killed with SIGKILL and restarted with events waiting;
#   - the cables come back: the alarm clears (notify, mail), and every
#     event spooled arrives at the center once, in sequence order, with
#     the time it happened rather than the time it arrived.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"
. "$(dirname "$0")/pair_lib.sh"
. "$(dirname "$0")/mon_lib.sh"

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
mon_register "$SITE" a b || ERROR "registration failed"
pair_conf standby a "$A" "$B" primary
pair_conf standby b "$B" "$A" backup
mon_report_block a >>"$T/a.conf"
mon_report_block b >>"$T/b.conf"
pair_start a
pair_start b
wait_until 5 one_holder a || ERROR "a did not become active"
mon_agent_start a
mon_agent_start b

site_ok() {
    center sites | grep -q "^$SITE state ok active a alarms 0 devices a:active:[0-9.]*s b:standby:[0-9.]*s$"
}
site_alarm_open() { center alarms | grep -q "^alarm $SITE - silent opened "; }
device_alarm_open() { center alarms | grep -q "^alarm $SITE $1 silent opened "; }
both_devices_silent() { device_alarm_open a && device_alarm_open b; }
pending() { agent_status "$1" | awk '$1 == "spool" && $2 == "pending" { print $3 }'; }
has_pending() { [ "$(pending "$1")" -gt 0 ]; }
pending_at_least() { [ "$(pending "$1")" -ge "$2" ]; }
drained() { [ "$(pending a)" = 0 ] && [ "$(pending b)" = 0 ]; }
# all_delivered NAME: the agent's log names every event it spooled
# ("event SEQ KIND: ..."); the center has each once, in order, same kind.
all_delivered() {
    local name=$1
    grep -Eo 'twin-report: event [0-9]+ [a-z-]+:' "$T/logs/report-$name.log" |
        awk '{ print $3, $4 }' | tr -d ':' >"$T/spooled-$name"
    center events --limit 100000 | awk -v d="$name" '$1 == "event" && $4 == d { print $5, $7 }' \
        >"$T/stored-$name"
    echo "spooled by $name's agent: $(wc -l <"$T/spooled-$name"), stored: $(wc -l <"$T/stored-$name")"
    [ -s "$T/spooled-$name" ] && diff "$T/spooled-$name" "$T/stored-$name" &&
        awk '$1 != NR { exit 1 }' "$T/stored-$name"
}
# happened_before NAME KIND EPOCH_US: the center dates NAME's last KIND
# event before EPOCH_US (when it happened, not when it was delivered).
happened_before() {
    local t s
    t=$(center events --limit 100000 | awk -v d="$1" -v k="$2" \
        '$1 == "event" && $4 == d && $7 == k { t = $2 } END { print t }')
    [ -n "$t" ] || { echo "no $2 event of $1"; return 1; }
    s=$(date -u -d "$t" +%s%6N) || return 1
    echo "$1 $2 happened at $t"
    [ "$s" -lt "$3" ]
}

CHECK "both peers report" wait_until 10 site_ok

# ---- the site's cables are pulled ------------------------------------------
t_cut=$(now_us)
link_down a
link_down b
CHECK "the center raises the site's silence alarm" wait_until 10 site_alarm_open
CHECK "after the alive timeout (3 s, last report up to 1 s before)" \
    elapsed_within "$t_cut" 1.9 6
CHECK "and each device's" both_devices_silent
CHECK "the center logged the alarm" \
    grep -q "ALARM site $SITE silent: no report from any device for " \
        "$T/logs/center.log"
CHECK "the notify script heard it" \
    wait_until 3 grep -q "^alarm $SITE  silent critical [0-9T:.Z-]* no report from any device" \
        "$T/logs/notify.log"
CHECK "a mail went out" \
    wait_until 3 grep -q "^Subject: \[twinproxy\] $SITE: SILENT, alarm raised$" \
        "$T/logs/mail.log"
CHECK "the dashboard's site list shows it silent" \
    sh -c "'$TWINCTL' -f '$T/center.conf' center sites 2>/dev/null |
        grep -q '^$SITE state silent '"

# The peers lose each other too: events pile up in the spools.
CHECK "b's agent spools its fault and the partner error" \
    wait_until 8 has_pending b
CHECK "a's agent spools the partner error" wait_until 8 has_pending a
before=$(pending b)
{ kill -KILL "${AGENT_PID[b]}"; wait "${AGENT_PID[b]}"; } 2>/dev/null
mon_agent_start b
CHECK "b's agent restarted after SIGKILL with its $before events waiting" \
    wait_until 5 pending_at_least b "$before"
CHECK "and said so" wait_until 3 grep -Eq \
    "spool .*: $before events? waiting, next sequence number $((before + 1))" \
    "$T/logs/report-b.log"

# ---- the cables come back ------------------------------------------------------
t_up=$(now_us)
link_up a
link_up b
CHECK "the alarm clears once reports resume" \
    wait_until 10 not site_alarm_open
CHECK "the center logged it" \
    grep -q "ALARM CLEARED site $SITE" "$T/logs/center.log"
CHECK "the notify script heard it" \
    wait_until 3 grep -q "^alarm $SITE  ok info " "$T/logs/notify.log"
CHECK "a mail went out" \
    wait_until 3 grep -q "^Subject: \[twinproxy\] $SITE: reporting again, alarm cleared$" \
        "$T/logs/mail.log"
CHECK "the spools drain" wait_until 10 drained
# Polled: the peers still make events (b's return is a's partner-restored)
# between the reading of an agent's log and of the center's list.
CHECK "every event a spooled arrived once, in order" \
    wait_until 5 all_delivered a
CHECK "every event b spooled arrived once, in order (across the SIGKILL)" \
    wait_until 5 all_delivered b
CHECK "b's partner error is dated when it happened, during the outage" \
    happened_before b partner-error "$t_up"
CHECK "a's too" happened_before a partner-error "$t_up"

center events --limit 50 | sed 's/^/# /'
finish

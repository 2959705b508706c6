#!/bin/bash
# mon_dashboard.sh - the center's operator views, in a real browser.
#
# Two sites: osaka-01 reports (a active, b standby, posted with curl from
# a client host x like agents do), kyoto-02 never does. One of a's events
# carries markup in its text. The operator terminal op loads the page in
# headless Chromium. Checks:
#   - the page (--dump-dom) names both sites, osaka-01 ok with a active,
#     kyoto-02 SILENT, the open alarm, the recent events; it reloads
#     itself; the event's markup shows as text, no element was made of it;
#   - the screenshot shows the table: rows in the ok and silent colours;
#   - the JSON API (sites, site, events, alarms) parses, carries the same
#     and escapes the markup; it is read-only;
#   - the views are not served on the agents' side: x has no route to the
#     operator listener, and the agents' listener answers 404 for "/".

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mon_lib.sh"

need_cmd curl python3
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || ERROR "no Chromium at $CHROMIUM"
X=198.19.0.20
MARKUP='<script>alert("x")</script> & <b>bold</b>'

topo_init
mon_topo_center
topo_host x "$X/24"
mon_certs
"$TWIN_CERT" ca issue -d "$T/ca" -t ec -n kyoto-02 -o "$T/kyoto.pem" \
    >>"$T/logs/cert.log" 2>&1 || ERROR "twin-cert ca issue failed"
mon_center_conf
mon_center_start
mon_register "$SITE" a b || ERROR "registration of $SITE failed"
mon_register kyoto-02 k || ERROR "registration of kyoto-02 failed"

# post PEER ROLE [EVENT-LINE]: one report of osaka-01's peer PEER.
post() {
    {
        echo "twinproxy-report 1"
        echo "site: $SITE"
        echo "peer: $1"
        echo "sent: $(date -u +%Y-%m-%dT%H:%M:%S.000Z)"
        echo "software: 0.1.0"
        echo "uptime: 100"
        echo "role: $2"
        echo "partner: up"
        echo "proxy: up"
        echo "proxy-requests: 42"
        echo "proxy-connections: 3"
        echo "cache-hits: 7"
        echo "cache-misses: 9"
        echo "cache-objects: 5"
        echo "cache-bytes: 4096"
        echo "wpad: off"
        [ $# -gt 2 ] && echo "event: $3"
    } >"$T/report-$1"
    on x curl -sS -f -o /dev/null --max-time 5 --cacert "$T/ca.crt" \
        --cert "$T/site.pem" -H "Twinproxy-Device-ID: $(cat "$T/$1.devid")" \
        --data-binary "@$T/report-$1" "https://$CTR/report"
}
chrome() {
    on op "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync \
        --user-data-dir="$(mktemp -d "$T/chrome.XXXXXX")" \
        --window-size=1280,900 "$@" "http://$OPS_CTR:8080/" 2>>"$T/logs/chrome.log"
}
# json PATH CODE [ARG...]: GET PATH from op, run python CODE on it as d
# (ARGs in sys.argv[2:]).
json() {
    local path=$1 code=$2
    shift 2
    on op curl -sS -f --max-time 5 "http://$OPS_CTR:8080$path" >"$T/api.json" &&
        python3 -c "import json, sys; d = json.load(open(sys.argv[1])); $code" \
            "$T/api.json" "$@"
}
# http_code HOST URL [CURL-OPTION...]: print the status code HOST gets.
http_is() {
    local want=$1 host=$2 url=$3 code
    shift 3
    code=$(on "$host" curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
        "$@" "$url")
    echo "$url: $code (want $want)"
    [ "$code" = "$want" ]
}

now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
post a active "1 $now takeover $MARKUP" || ERROR "a's report was refused"
post b standby || ERROR "b's report was refused"
# osaka-01 keeps reporting (bounded: 60 rounds of 0.5 s) ...
(for ((i = 0; i < 60; i++)); do
    [ -e "$T/stop-loop" ] && break
    post a active; post b standby; sleep 0.5
done) >/dev/null 2>&1 &
LOOP_PID=$!
echo "$LOOP_PID" >>"$T/pids"
# ... while kyoto-02 never does: silent after the alive timeout (3 s).
wait_until 8 sh -c "'$TWINCTL' -f '$T/center.conf' center alarms 2>/dev/null |
    grep -q '^alarm kyoto-02 - silent '" || ERROR "kyoto-02 did not fall silent"

# ---- the page -------------------------------------------------------------------
chrome --dump-dom >"$T/dom.html" || ERROR "chromium --dump-dom failed"
chrome --screenshot="$T/dash.png" >/dev/null || ERROR "chromium --screenshot failed"
dom_row() { grep -Eq "$1" "$T/dom.html"; }
CHECK "the page is the dashboard" dom_row '<h1>twinproxy monitoring center</h1>'
CHECK "it reloads itself" dom_row '<meta http-equiv="refresh" content="5">'
CHECK "osaka-01: ok, a active, both peers with their roles" \
    dom_row '<tr class="ok"><td>osaka-01</td><td>ok</td><td>a</td><td>a: active, [0-9.]+s ago<br>b: standby, [0-9.]+s ago</td><td>0</td></tr>'
CHECK "kyoto-02: SILENT, never heard, one open alarm" \
    dom_row '<tr class="silent"><td>kyoto-02</td><td>SILENT</td><td>none</td><td>k: -, never</td><td>1</td></tr>'
CHECK "the open alarm is listed" \
    dom_row '<td>kyoto-02</td><td>\(site\)</td><td>silent</td>'
CHECK "the summary counts" dom_row '2 sites, 1 silent, 1 open alarm;'
CHECK "the event's markup shows as text" \
    dom_row '<td>takeover</td><td>&lt;script&gt;alert\("x"\)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;</td>'
CHECK "no element was made of it" no_line -i "$T/dom.html" '<script|<b>'
CHECK "the screenshot is a page of 1280x900" \
    sh -c "python3 '$TOP_SRCDIR/tests/integration/mon_png.py' '$T/dash.png' ddffdd ffdddd >'$T/png.txt' &&
        cat '$T/png.txt' && head -n 1 '$T/png.txt' | grep -qx 1280x900"
CHECK "it shows the ok site's row in the ok colour" \
    awk '$1 == "ddffdd" && $2 > 2000 { f = 1 } END { exit !f }' "$T/png.txt"
CHECK "and the silent site's row (and the alarm) in the alarm colour" \
    awk '$1 == "ffdddd" && $2 > 2000 { f = 1 } END { exit !f }' "$T/png.txt"

# ---- the JSON API -----------------------------------------------------------------
CHECK "api/sites: both sites, osaka-01 ok with a active, kyoto-02 silent" \
    json /api/sites "s = {x['site']: x for x in d['sites']}; \
        assert s['osaka-01']['state'] == 'ok' and s['osaka-01']['active'] == ['a']; \
        assert s['kyoto-02']['state'] == 'silent' and s['kyoto-02']['open_alarms'] == 1; \
        assert [x['role'] for x in s['osaka-01']['devices']] == ['active', 'standby']"
CHECK "api/site/osaka-01: each device's latest status" \
    json /api/site/osaka-01 "assert d['status']['a']['proxy-requests'] == '42'; \
        assert d['status']['b']['role'] == 'standby'"
CHECK "api/events: the event with its text as sent" \
    json /api/events "assert [e for e in d['events'] if e['text'] == sys.argv[2]]" \
        "$MARKUP"
CHECK "which is escaped in the JSON bytes" \
    grep -q '\\u003cscript\\u003ealert' "$T/api.json"
CHECK "api/alarms: kyoto-02's" \
    json /api/alarms "assert [a for a in d['alarms'] if a['site'] == 'kyoto-02']"
CHECK "an unknown site: 404" \
    http_is 404 op "http://$OPS_CTR:8080/api/site/nowhere"
CHECK "read-only: POST gets 405" \
    http_is 405 op "http://$OPS_CTR:8080/api/sites" -d x

# ---- not on the agents' side ------------------------------------------------------
CHECK "the site's side has no route to the operator listener" \
    not on x curl -s -o /dev/null --max-time 3 "http://$OPS_CTR:8080/"
CHECK "the agents' listener does not serve the page" \
    http_is 404 x "https://$CTR/" --cacert "$T/ca.crt" --cert "$T/site.pem"

touch "$T/stop-loop"
wait "$LOOP_PID"
finish

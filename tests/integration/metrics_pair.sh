#!/bin/bash
# metrics_pair.sh - every daemon's /metrics endpoint during a pair run.
#
# Peers a and b run twin-proxy, twin-wpad and twin-ha (the wpad form of
# the pair), a also twin-lb with an l7 cluster in front of the origin.
# Each peer's metrics block listens on its real address: a with the
# default allow (itself and loopback), b allowing c2 too. Checks:
#   - -n refuses a wildcard metrics address, naming why;
#   - every endpoint answers GET /metrics with the 0.0.4 content type, and
#     promtool check metrics accepts every scrape;
#   - counters move with traffic: proxy requests by result code (a
#     TCP_MEM_HIT after a repeated cacheable GET), wpad scripts by
#     variant, lb requests per cluster and server;
#   - a client outside allow is refused (and counted); HEAD, 404, 405,
#     garbage (400) and an over-long request line (414) are answered and
#     the daemon keeps serving; max-connections idle connections hold
#     the next scrape back until they close;
#   - kill -9 of a's daemons: b's ha state and transitions change; when
#     a is back and fails back, both peers' metrics say so;
#   - a reload moves an endpoint, and one that cannot bind changes
#     nothing.
# twin-report and twin-monitord: metrics_monitor.sh.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"
. "$(dirname "$0")/pair_lib.sh"
. "$(dirname "$0")/metrics_lib.sh"

need_cmd curl python3 promtool
TWIN_LB=$TOP_BUILDDIR/twin-lb

pair_topo
pair_conf wpad a "$A" "$B" primary
pair_conf wpad b "$B" "$A" backup
cat >>"$T/a.conf" <<EOF
cluster web {
    listen $A:8090;
    server o1 $O:80;
    icmp-check no; check-interval 300ms; check-timeout 200ms;
    access-log "$T/logs/lb-access-a.log";
}
metrics { listen $A; }
EOF
cp "$T/b.conf" "$T/b.base"
printf 'metrics { listen %s; allow %s/32; }\n' "$B" "$C2" >>"$T/b.conf"

# ---- -n -------------------------------------------------------------------
sed "s/^metrics { listen $A; }/metrics { listen 0.0.0.0; }/" "$T/a.conf" \
    >"$T/wild.conf"
wild() {
    grep -q '^metrics { listen 0.0.0.0; }' "$T/wild.conf" || return 1
    not "$TWIN_PROXY" -n -f "$T/wild.conf" >"$T/wild.out" 2>&1 || return 1
    cat "$T/wild.out"
    grep -q 'metrics listen must be a management address, not a wildcard' \
        "$T/wild.out"
}
CHECK "-n refuses a wildcard metrics address: a management one is needed" wild
CHECK "-n accepts the management address" \
    "$TWIN_PROXY" -n -f "$T/a.conf"

pair_start a
pair_start b
spawn a lb-a.log "$TWIN_LB" -d -f "$T/a.conf"
LB_PID=$SPAWN_PID
wait_port c1 "$A" 8090
for p in 9711 9712 9713 9714; do wait_port a "$A" "$p"; done
for p in 9711 9712 9713; do wait_port b "$B" "$p"; done


# ---- every endpoint, through promtool --------------------------------------
for d in ha:9711 proxy:9712 wpad:9713 lb:9714; do
    CHECK "a's ${d%:*} endpoint answers with the 0.0.4 content type" \
        scrape a "$A" "${d#*:}" "a-${d%:*}"
    CHECK "promtool check metrics accepts a's ${d%:*} scrape" \
        promok "a-${d%:*}"
done
for d in ha:9711 proxy:9712 wpad:9713; do
    CHECK "b's ${d%:*} endpoint answers c2 (allowed)" \
        scrape c2 "$B" "${d#*:}" "b-${d%:*}"
    CHECK "promtool check metrics accepts b's ${d%:*} scrape" \
        promok "b-${d%:*}"
done
CHECK "a's ha: active" wait_until 5 scrape_is a "$A" 9711 a-ha \
    'twinproxy_ha_state{state="active"}' 1
CHECK "b's ha: standby" wait_until 5 scrape_is c2 "$B" 9711 b-ha \
    'twinproxy_ha_state{state="standby"}' 1
CHECK "b's ha: the partner is active" mis b-ha \
    'twinproxy_ha_partner_state{state="active"}' 1
CHECK "a's ha: the floating IP is held" mis a-ha \
    "twinproxy_ha_floating_ip_held{address=\"$FIP/$PFX\"}" 1
CHECK "a's ha: heartbeats received" mge a-ha \
    twinproxy_ha_heartbeats_received_total 1
CHECK "a's ha: none rejected as forged" mis a-ha \
    'twinproxy_ha_heartbeats_rejected_total{reason="forged"}' 0

# ---- twin-proxy: requests by result code ------------------------------------
scrape a "$A" 9712 p0 || ERROR "cannot scrape a's proxy"
miss0=$(mval p0 'twinproxy_proxy_requests_total{code="TCP_MISS"}' || echo 0)
CHECK "c1 gets the page through a's proxy" fetch_via c1 "$A:8080" m1
CHECK "the request counts as a TCP_MISS" \
    scrape_is a "$A" 9712 p1 'twinproxy_proxy_requests_total{code="TCP_MISS"}' \
    $((miss0 + 1))
CHECK "and as a 2xx response" mge p1 \
    'twinproxy_proxy_responses_total{class="2xx"}' 1
CHECK "bytes sent to clients are counted" mge p1 \
    twinproxy_proxy_sent_bytes_total 29
get_plain() {
    on c1 curl -sS -f -m 3 -x "http://$A:8080" "http://$O/hello" |
        grep -qx 'hello from the origin server'
}
twice() { get_plain && get_plain; }
CHECK "a cacheable GET, twice" twice
CHECK "the repeated GET is a TCP_MEM_HIT" \
    scrape_is a "$A" 9712 p2 'twinproxy_proxy_requests_total{code="TCP_MEM_HIT"}' 1
CHECK "the object is in the memory tier" mge p2 \
    'twinproxy_proxy_cache_objects{tier="memory"}' 1

# ---- twin-wpad: scripts by variant ------------------------------------------
CHECK "no script served yet to odd clients" mis a-wpad \
    'twinproxy_wpad_scripts_served_total{variant="odd"}' 0
CHECK "c1 (odd) loads wpad.dat from the active" pac_fetch c1
CHECK "a's wpad counts one odd script" scrape_is a "$A" 9713 w1 \
    'twinproxy_wpad_scripts_served_total{variant="odd"}' 1
CHECK "and no even one" mis w1 \
    'twinproxy_wpad_scripts_served_total{variant="even"}' 0

# ---- twin-lb: per cluster and server ----------------------------------------
CHECK "the lb server is up" wait_until 5 scrape_is a "$A" 9714 l0 \
    'twinproxy_lb_server_up{cluster="web",server="o1"}' 1
conn0=$(mval l0 'twinproxy_lb_cluster_connections_total{cluster="web"}') ||
    ERROR "no connections_total for cluster web"
CHECK "c1 gets the page through the l7 cluster" sh -c \
    "ip netns exec c1 curl -sS -f -m 3 http://$A:8090/hello | grep -qx 'hello from the origin server'"
CHECK "the cluster counts the request" scrape_is a "$A" 9714 l1 \
    'twinproxy_lb_cluster_requests_total{cluster="web"}' 1
CHECK "and the server" mis l1 \
    'twinproxy_lb_server_requests_total{cluster="web",server="o1"}' 1
CHECK "one connection more accepted" mis l1 \
    'twinproxy_lb_cluster_connections_total{cluster="web"}' $((conn0 + 1))

# ---- allow, and requests that are not scrapes ---------------------------------
refused() {
    not on "$1" curl -sS --noproxy '*' -m 3 -o /dev/null \
        "http://$2:$3/metrics"
}
CHECK "c1 is refused by a's proxy endpoint (default allow)" \
    refused c1 "$A" 9712
CHECK "c1 is refused by b's endpoint (allow names c2 only)" \
    refused c1 "$B" 9711
CHECK "the refusal is counted" scrape_is a "$A" 9712 p3 \
    'twinproxy_proxy_metrics_errors_total{reason="refused"}' 1
# raw HOST ADDR PORT BYTES: send BYTES (printf format), print the status line.
raw() {
    on "$1" python3 - "$2" "$3" "$4" <<'EOP'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
s.sendall(sys.argv[3].encode().decode('unicode_escape').encode('latin-1'))
buf = b''
while b'\r\n' not in buf:
    d = s.recv(4096)
    if not d:
        break
    buf += d
print(buf.split(b'\r\n')[0].decode('latin-1'))
EOP
}
status_of() {
    local got
    got=$(raw a "$A" 9712 "$1")
    echo "sent $(printf '%.40s' "$1"): got '$got' (want $2)"
    case $got in "HTTP/1.1 $2 "*) return 0 ;; esac
    return 1
}
long=$(printf 'GET /%02000d HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' 0)
CHECK "garbage gets 400" status_of 'GARBAGE \x01\x02\r\n\r\n' 400
CHECK "an over-long request line gets 414" status_of "$long" 414
CHECK "another path gets 404" status_of 'GET /other HTTP/1.1\r\nHost: x\r\n\r\n' 404
CHECK "POST gets 405" status_of 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n' 405
headok() {
    on a curl -sS -f --noproxy '*' -m 3 -I "http://$A:9712/metrics" \
        >"$T/head.out" || return 1
    tr -d '\r' <"$T/head.out" | grep -qix "content-type: $CT"
}
CHECK "HEAD is answered with the content type" headok
CHECK "twin-proxy still answers scrapes after all that" scrape_is a "$A" \
    9712 p4 'twinproxy_proxy_metrics_errors_total{reason="bad_request"}' 4
CHECK "promtool still accepts the scrape" promok p4

# cap HOST ADDR PORT N: with N idle connections held open, a scrape gets
# no answer within 1 s; once they close, one does.
cap() {
    on "$1" python3 - "$2" "$3" "$4" <<'EOP'
import socket, subprocess, sys, time
addr, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
held = [socket.create_connection((addr, port), timeout=3) for _ in range(n)]
time.sleep(0.2)
url = "http://%s:%d/metrics" % (addr, port)
r = subprocess.run(["curl", "-sS", "--noproxy", "*", "-m", "1", "-o",
    "/dev/null", url])
print("scrape with %d held: curl exit %d" % (n, r.returncode))
for s in held:
    s.close()
r2 = subprocess.run(["curl", "-sS", "-f", "--noproxy", "*", "-m", "3",
    "-o", "/dev/null", url])
print("scrape after closing them: curl exit %d" % r2.returncode)
sys.exit(0 if r.returncode == 28 and r2.returncode == 0 else 1)
EOP
}
CHECK "max-connections (8) idle connections hold the next scrape back" \
    cap a "$A" 9712 8

# ---- failover --------------------------------------------------------------
scrape c2 "$B" 9711 f0 || ERROR "cannot scrape b's ha"
tr0=$(mval f0 twinproxy_ha_transitions_total) || ERROR "no transitions"
pair_kill a KILL
CHECK "b's ha: active after a's daemons are killed" \
    wait_until 5 scrape_is c2 "$B" 9711 f1 'twinproxy_ha_state{state="active"}' 1
CHECK "b's ha: the transition is counted" mge f1 \
    twinproxy_ha_transitions_total $((tr0 + 1))
CHECK "b's ha: standby no more" mis f1 'twinproxy_ha_state{state="standby"}' 0
CHECK "b's ha: the partner is not heard" mis f1 twinproxy_ha_partner_alive 0
CHECK "b's ha: b holds the floating IP" mis f1 \
    "twinproxy_ha_floating_ip_held{address=\"$FIP/$PFX\"}" 1
pair_start a
CHECK "a's ha: active again after failback" wait_until 8 scrape_is a "$A" \
    9711 f2 'twinproxy_ha_state{state="active"}' 1
CHECK "a's ha: its partner is standby" wait_until 3 scrape_is a "$A" 9711 f2 \
    'twinproxy_ha_partner_state{state="standby"}' 1
CHECK "b's ha: standby again, two transitions more" \
    wait_until 3 scrape_is c2 "$B" 9711 f3 'twinproxy_ha_state{state="standby"}' 1
CHECK "b's ha: transitions counted" mge f3 twinproxy_ha_transitions_total \
    $((tr0 + 2))

# ---- reload ----------------------------------------------------------------
bpx=${PAIR_PIDS[b]# }
bpx=${bpx%% *}
reload_b() {
    cp "$T/b.base" "$T/b.conf"
    printf 'metrics { listen %s; allow %s/32; %s }\n' "$B" "$C2" "$1" \
        >>"$T/b.conf"
    kill -HUP "$bpx"
}
reload_b "proxy-port 9722;"
CHECK "after a reload b's proxy metrics are on the new port" \
    wait_until 5 scrape c2 "$B" 9722 r1
CHECK "and no longer on the old one" refused c2 "$B" 9712
# The proxy's own listener holds B:8080: the endpoint cannot bind there.
reload_b "proxy-port 8080;"
CHECK "a reload whose endpoint cannot bind is refused" wait_until 5 \
    grep -Eq 'reload: listen .*8080.*keeping the running' \
    "$T/logs/proxy-b.log"
CHECK "the endpoint stays where it was" scrape c2 "$B" 9722 r2
CHECK "twin-lb still answers" scrape a "$A" 9714 l2
kill "$LB_PID" 2>/dev/null

finish

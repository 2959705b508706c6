#!/bin/bash
# smoke_bridge.sh - checks the integration harness itself.
#
# Builds the standard topology (switch sw with br0; hosts a, b, c1, c2 and
# origin on 198.18.0.0/24, see lib.sh for the address plan), then checks that:
#   - the test runs in its own namespaces (pid 1, top namespace holds only lo);
#   - every host reaches every other one (one bounded ping each way);
#   - hosts have no route off the test subnet;
#   - an HTTP listener on origin is reachable with curl from c1;
#   - c1's ARP cache then holds origin's eth0 MAC address;
#   - the negative checks fail when they should: no_line on a missing file,
#     on a file with the line and with a bad pattern; not on a command that
#     says yes, that cannot run, that is killed, and on grep's trouble;
#   - elapsed_within takes both bounds;
#   - after teardown no namespace, no link and no process is left behind.
# No twinproxy daemon is involved.

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd ping curl python3

# ---- isolation ------------------------------------------------------------

CHECK "the test shell is pid 1 of its own pid namespace" test "$$" -eq 1
only_lo() { [ "$(ip -o link show | awk -F': ' '{ print $2 }')" = lo ]; }
CHECK "the top network namespace holds nothing but lo" only_lo

# ---- topology -------------------------------------------------------------

topo_init
declare -A IP=([a]=$A [b]=$B [c1]=$C1 [c2]=$C2 [origin]=$O)
HOSTS=(a b c1 c2 origin)
for h in "${HOSTS[@]}"; do
    topo_host "$h" "${IP[$h]}/$PFX"
done

for src in "${HOSTS[@]}"; do
    for dst in "${HOSTS[@]}"; do
        [ "$src" = "$dst" ] && continue
        CHECK "$src pings $dst (${IP[$dst]})" \
            on "$src" ping -n -q -c 1 -W 1 -w 2 "${IP[$dst]}"
    done
done

# A documentation address (TEST-NET-3): only a route lookup, nothing is sent.
CHECK "c1 has no route off the test subnet" not on c1 ip route get 203.0.113.1

# ---- a TCP service on origin ----------------------------------------------

mkdir -p "$T/www"
token="twinproxy-smoke-$RANDOM$RANDOM"
printf '%s\n' "$token" >"$T/www/hello.txt"

spawn origin origin-http.log env PYTHONUNBUFFERED=1 \
    python3 -m http.server --bind "$O" --directory "$T/www" 8000
http_pid=$SPAWN_PID
wait_log origin-http.log "Serving HTTP on" 10
wait_port origin "$O" 8000 10

fetch_token() {
    local got
    got=$(on c1 curl -sS -m 5 --noproxy '*' "http://$O:8000/hello.txt") || return 1
    echo "got: $got"
    [ "$got" = "$token" ]
}
CHECK "c1 fetches a file from origin with curl" fetch_token
CHECK "origin logged the request" \
    wait_until 5 grep -q 'GET /hello.txt HTTP/1.1" 200' "$(logf origin-http.log)"

arp_matches() {
    local want got
    want=$(mac_of origin) || return 1
    got=$(neigh_mac c1 "$O")
    echo "origin eth0: $want, c1 neighbour entry: ${got:-none}"
    [ -n "$got" ] && [ "$got" = "$want" ]
}
CHECK "c1's ARP cache holds origin's eth0 MAC" arp_matches

CHECK "the HTTP listener is still running" _tp_alive "$http_pid"

# ---- the negative checks can fail --------------------------------------------

# status_is N CMD...: CMD exits with status N exactly.
status_is() {
    local want=$1 rc
    shift
    "$@"
    rc=$?
    echo "exit $rc (want $want)"
    [ "$rc" -eq "$want" ]
}
printf 'alpha\nbeta\n' >"$T/logs/self.log"
CHECK "no_line: a file without the line passes" no_line self.log gamma
CHECK "no_line: a file with the line fails" status_is 1 no_line self.log beta
CHECK "no_line: a missing file is an error, not a pass" \
    status_is 2 no_line nosuch.log gamma
CHECK "no_line: a bad pattern is an error, not a pass" \
    status_is 2 no_line self.log 'a('
CHECK "no_line: the pattern is an extended regular expression" \
    status_is 1 no_line self.log 'al(p|q)ha'
CHECK "no_line -F takes the pattern literally" no_line -F self.log 'al(p|q)ha'
CHECK "no_line -v: every line matches" no_line -v self.log 'a'
CHECK "not: a command that says no passes" not grep -q gamma "$T/logs/self.log"
CHECK "not: a command that says yes fails" \
    status_is 1 not grep -q beta "$T/logs/self.log"
CHECK "not: grep on a missing file is an error, not a pass" \
    status_is 2 not grep -q beta "$T/logs/nosuch.log"
CHECK "not: grep's trouble is seen behind on HOST and timeout" \
    status_is 2 not on c1 timeout 5 grep -q beta "$T/logs/nosuch.log"
CHECK "not: a command that is not there is an error" \
    status_is 2 not no-such-command-tp
CHECK "not: a command killed by a signal is an error" \
    status_is 2 not sh -c 'kill -TERM $$'
CHECK "not: a test with a syntax error is an error" status_is 2 not test 1 -eq
# ip's own status 2 means "no route": a plain no.
CHECK "not: status 2 of other commands is a no" \
    not on c1 ip route get 203.0.113.1
t0=$(now_us)
sleep 0.3
CHECK "elapsed_within: inside both bounds" elapsed_within "$t0" 0.2 5
CHECK "elapsed_within: under the lower bound fails" \
    status_is 1 elapsed_within "$t0" 4 5
CHECK "elapsed_within: over the upper bound fails" \
    status_is 1 elapsed_within "$t0" 0 0.1

# ---- teardown leaves nothing behind ----------------------------------------

recorded=$(cat "$T/pids")
tmpdir=$T
teardown

no_netns() { local l; l=$(ip netns list); echo "$l"; [ -z "$l" ]; }
CHECK "no namespace remains" no_netns
no_links() {
    local l
    l=$(ip -o link show type veth; ip -o link show type bridge)
    echo "$l"
    [ -z "$l" ]
}
CHECK "no veth or bridge link remains in the top namespace" no_links
CHECK "the top namespace holds nothing but lo again" only_lo
none_alive() { local l; l=$(procs_alive "$@"); echo "$l"; [ -z "$l" ]; }
# shellcheck disable=SC2086  # one pid per word
CHECK "no recorded process remains" none_alive $recorded
no_procs() { local l; l=$(tp_procs); echo "$l"; [ -z "$l" ]; }
CHECK "nothing but the test shell remains in its pid namespace" no_procs
if [ "${KEEP:-0}" = 1 ]; then
    CHECK "KEEP=1 keeps the temp dir" test -d "$tmpdir"
else
    CHECK "the temp dir is removed" not test -e "$tmpdir"
fi

finish

#!/bin/bash
# pair_migration.sh - moving a site from a fixed proxy address to WPAD.
#
# The pair runs in active-active mode with WPAD on the floating IP, and the
# proxies still also listen on F-IP:8081, the address the site used as its
# fixed proxy. Client c2 keeps F-IP:8081 configured; client c1 already
# uses WPAD. Checks that both work at the same time, against the same pair,
# that each request lands where it should (c2's at the floating IP's
# holder, c1's at the proxy its script names first), and that both keep
# working when the holder of the floating IP fails.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"
. "$(dirname "$0")/pair_lib.sh"

need_cmd curl python3 pactester

pair_topo
pair_conf wpad a "$A" "$B" primary "listen $FIP:8081"
pair_conf wpad b "$B" "$A" backup "listen $FIP:8081"
pair_start a
pair_start b
PB=$B:8080

CHECK "a holds the floating IP" wait_until 5 one_holder a
CHECK "c1 loads wpad.dat from the floating IP" pac_fetch c1
CHECK "c1's script names b first (odd client)" \
    test "$(pac_cached_order c1 | head -n 1)" = "$PB"
CHECK "c2 (fixed proxy F-IP:8081) gets the page" fetch_via c2 "$FIP:8081" m1
CHECK "c1 (WPAD) gets the page at the same time" \
    test "$(browse c1 m2)" = "$PB"
CHECK "c2's request was served by a, the floating IP's holder" \
    wait_until 3 served_by a m1
CHECK "c1's request was served by b, its script's first proxy" \
    wait_until 3 served_by b m2

# The holder fails: the fixed-proxy client follows the floating IP to b,
# the WPAD client keeps its script and its proxy.
pair_kill a KILL
CHECK "b takes the floating IP" wait_until 5 holds b
CHECK "c2's fixed proxy F-IP:8081 works again, now at b" \
    wait_until 5 fetch_via c2 "$FIP:8081" m3
CHECK "b served c2's request" wait_until 3 served_by b m3
CHECK "c1 (WPAD) still gets through" test "$(browse c1 m4)" = "$PB"
CHECK "b served c1's request" wait_until 3 served_by b m4

finish

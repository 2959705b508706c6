#!/bin/bash
# mon_dist.sh - signed distribution to a pair, through the center.
#
# The pair runs active-standby (a active, b standby), each peer with its
# agent; the center relays bundles signed with a distribution key that
# only the test holds. Each peer's dist-root is a folder of its own with
# an "app" (version file, health script). b checks health with the
# bundle's own script (dist-health), a with its daemons' control sockets.
# Checks:
#   - app 1.1 rolls out standby first: b installs and reports healthy,
#     only then does the center offer it to a (center log order, event
#     times, restart times), and both hold 1.1 with its files;
#   - app 1.2, whose health script fails, is rolled back on b (files put
#     back, a new file removed, restarted again), reported update-failed,
#     and never offered to a;
#   - refusals, each an update-refused event naming the reason, nothing
#     installed: a bad signature (another key), a wrong digest (payload
#     changed after signing), a downgrade (1.0 by hand) and a bundle for
#     another site (by hand);
#   - an agent killed in the middle of an install rolls it back when it
#     starts again, and reports it failed.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"
. "$(dirname "$0")/pair_lib.sh"
. "$(dirname "$0")/mon_lib.sh"

need_cmd curl setpriv tar

topo_init
topo_host a "$A/$PFX"
topo_host b "$B/$PFX"
mon_topo_center
mon_site_routes a
mon_site_routes b
printf 'twinproxy-pair-key-%s%s\n' "$RANDOM" "$RANDOM" >"$T/ha.key"
chmod 600 "$T/ha.key"

mon_certs
"$TWIN_CERT" dist key -o "$T/dist.key" -P "$T/dist.pub" >>"$T/logs/cert.log" 2>&1 ||
    ERROR "twin-cert dist key failed"
"$TWIN_CERT" dist key -o "$T/other.key" >>"$T/logs/cert.log" 2>&1 ||
    ERROR "twin-cert dist key (other) failed"
chmod 644 "$T/dist.pub"
mkdir -p "$T/dist" "$T/bundles"
chown nobody "$T/dist"
chmod 755 "$T/bundles"

# What a peer runs: app/version and app/check.sh under its dist-root.
for p in a b; do
    mkdir -p "$T/root-$p/app"
    echo 1.0 >"$T/root-$p/app/version"
    printf '#!/bin/sh\nexit 0\n' >"$T/root-$p/app/check.sh"
    # root's, as system paths are: the agent (user daemon) cannot write
    # them; its privileged helper installs.
    chmod -R go-w "$T/root-$p"
done
VER_INO_B=$(stat -c %i "$T/root-b/app/version")
# The restart command notes when it ran, for what, with a clock of ms.
cat >"$T/restart.sh" <<EOF
#!/bin/sh
echo "\$(date +%s%3N) \$(basename "\$TWIN_DIST_ROOT") \$TWIN_DIST_NAME \$TWIN_DIST_VERSION \$TWIN_DIST_ACTION" >>"$T/logs/restart.log"
EOF
chmod 755 "$T/restart.sh"
: >"$T/logs/restart.log"
chmod 666 "$T/logs/restart.log"

# bundle VERSION CHECK-EXIT KEY [SITE] [EXTRA-FILE]: $T/bundles/app-VERSION
bundle() {
    local v=$1 rc=$2 key=$3 site=${4:-$SITE} extra=${5:-} d
    d=$T/payload-$v
    mkdir -p "$d/app"
    echo "$v" >"$d/app/version"
    printf '#!/bin/sh\nexit %s\n' "$rc" >"$d/app/check.sh"
    [ -n "$extra" ] && echo extra >"$d/app/$extra"
    tar -cf "$T/payload-$v.tar" -C "$d" app &&
        "$TWIN_CERT" dist sign -k "$key" -n app -V "$v" -r '*' -s "$site" \
            -m "app $v" -o "$T/bundles/app-$v" "$T/payload-$v.tar" \
            >>"$T/logs/cert.log" 2>&1 && chmod 644 "$T/bundles/app-$v"
}

mon_center_conf "dist-dir \"$T/dist\""
mon_center_start
mon_register "$SITE" a b || ERROR "registration failed: $(cat "$T/logs/register.log")"

pair_conf standby a "$A" "$B" primary
pair_conf standby b "$B" "$A" backup
mon_report_block a "dist-key \"$T/dist.pub\"" "dist-interval 1s" \
    "dist-root \"$T/root-a\"" "dist-restart \"$T/restart.sh\"" \
    "dist-health-timeout 5s" >>"$T/a.conf"
mon_report_block b "dist-key \"$T/dist.pub\"" "dist-interval 1s" \
    "dist-root \"$T/root-b\"" "dist-restart \"$T/restart.sh\"" \
    "dist-health \"sh $T/root-b/app/check.sh\"" "dist-health-timeout 3s" \
    >>"$T/b.conf"
pair_start a
pair_start b
wait_until 5 one_holder a || ERROR "a did not become active"
mon_agent_start a
mon_agent_start b

site_device_is() {
    center site "$SITE" | grep -Eq "^device $1 state ok role $2 "
}
# event_time DEVICE KIND PATTERN: the time of the first such event.
event_time() {
    center events --limit 100000 | awk -v s="$SITE" -v d="$1" -v k="$2" \
        -v p="$3" '$1 == "event" && $3 == s && $4 == d && $7 == k &&
        index($0, p) { print $2; exit }'
}
has_event() { [ -n "$(event_time "$@")" ]; }
holds() { center dist-list | grep -q "^device $SITE $1 bundle app installed $2 "; }
# restart_ms PEER VERSION ACTION: when the restart command ran for it.
restart_ms() {
    awk -v p="root-$1" -v v="$2" -v a="$3" \
        '$2 == p && $4 == v && $5 == a { print $1; exit }' "$T/logs/restart.log"
}
# ordered A B: both present and A before B (ISO times sort as text).
ordered() {
    echo "first: ${1:-none} then: ${2:-none}"
    [ -n "$1" ] && [ -n "$2" ] && [[ "$1" < "$2" ]]
}
# log_before FILE PATTERN1 PATTERN2: the first line matching 1 precedes
# the first matching 2, both present.
log_before() {
    local l1 l2
    l1=$(grep -n -m1 -F -- "$2" "$1" | cut -d: -f1)
    l2=$(grep -n -m1 -F -- "$3" "$1" | cut -d: -f1)
    echo "lines: ${l1:-none} ${l2:-none}"
    [ -n "$l1" ] && [ -n "$l2" ] && [ "$l1" -lt "$l2" ]
}

CHECK "a reports: active" wait_until 10 site_device_is a active
CHECK "b reports: standby" wait_until 10 site_device_is b standby

# ---- a good bundle, standby first ---------------------------------------------
bundle 1.1 0 "$T/dist.key" || ERROR "cannot make bundle 1.1"
CHECK "the center publishes app 1.1" \
    sh -c "'$TWINCTL' -f '$T/center.conf' center dist-publish '$T/bundles/app-1.1' |
        grep -q 'published bundle app 1.1'"
CHECK "b installs 1.1 and reports it healthy" \
    wait_until 20 has_event b update-installed "bundle app 1.1 installed (was none), healthy"
CHECK "a installs 1.1 after b" \
    wait_until 20 has_event a update-installed "bundle app 1.1 installed (was none), healthy"
CHECK "the center offered 1.1 to a only after b's update-installed came in" \
    log_before "$T/logs/center.log" "update-installed: bundle app 1.1" \
        "dist: bundle app 1.1 to site $SITE device a"
CHECK "the center offered 1.1 to b before a" \
    log_before "$T/logs/center.log" "dist: bundle app 1.1 to site $SITE device b" \
        "dist: bundle app 1.1 to site $SITE device a"
CHECK "the events' times: b healthy on 1.1 before a" \
    ordered "$(event_time b update-installed "app 1.1")" \
        "$(event_time a update-installed "app 1.1")"
b_ok=$(event_time b update-installed "app 1.1")
b_ok_ms=$(date -d "$b_ok" +%s%3N 2>/dev/null)
a_restart=$(restart_ms a 1.1 install)
CHECK "a restarted for 1.1 only after b reported healthy ($b_ok)" \
    sh -c "[ -n '$b_ok_ms' ] && [ -n '$a_restart' ] && [ '$a_restart' -ge '$b_ok_ms' ]"
CHECK "both peers hold app 1.1's files" \
    sh -c "grep -qx 1.1 '$T/root-a/app/version' && grep -qx 1.1 '$T/root-b/app/version'"
CHECK "b's agent runs as daemon, not root" \
    sh -c "[ \"\$(ps -o user= -p '${AGENT_PID[b]}')\" = daemon ]"
CHECK "the file it installed (a new inode) is root's: the helper placed it" \
    sh -c "[ \"\$(stat -c %i '$T/root-b/app/version')\" != '$VER_INO_B' ] &&
        [ \"\$(stat -c %U '$T/root-b/app/version')\" = root ]"
CHECK "the center knows both hold 1.1" \
    wait_until 5 sh -c "'$TWINCTL' -f '$T/center.conf' center dist-list 2>/dev/null |
        grep -q '^device $SITE a bundle app installed 1.1 ' &&
        '$TWINCTL' -f '$T/center.conf' center dist-list 2>/dev/null |
        grep -q '^device $SITE b bundle app installed 1.1 '"
CHECK "the agents' status shows 1.1" \
    sh -c "'$TWINCTL' -f '$T/b.conf' report status | grep -q '^bundle app installed 1.1 '"

# ---- a broken bundle rolls back -------------------------------------------------
bundle 1.2 1 "$T/dist.key" "$SITE" extra || ERROR "cannot make bundle 1.2"
center dist-publish "$T/bundles/app-1.2" >/dev/null || ERROR "cannot publish 1.2"
CHECK "b reports 1.2 failed and rolled back to 1.1" \
    wait_until 25 has_event b update-failed "bundle app 1.2 rolled back to 1.1: dist-health did not pass in time"
CHECK "b's files are 1.1's again" grep -qx 1.1 "$T/root-b/app/version"
CHECK "b's health script is 1.1's again" grep -qx "exit 0" "$T/root-b/app/check.sh"
CHECK "the file 1.2 added is gone" not test -e "$T/root-b/app/extra"
CHECK "b was restarted for the rollback" \
    sh -c "[ -n \"\$(awk '\$2 == \"root-b\" && \$4 == \"1.2\" && \$5 == \"rollback\"' '$T/logs/restart.log')\" ]"
sleep 3
CHECK "1.2 was never offered to a" \
    no_line "$T/logs/center.log" "dist: bundle app 1.2 to site $SITE device a"
CHECK "a still runs 1.1" grep -qx 1.1 "$T/root-a/app/version"
CHECK "the center saw the failure as critical" \
    sh -c "'$TWINCTL' -f '$T/center.conf' center events 2>/dev/null |
        grep -q ' $SITE b [0-9]* critical update-failed bundle app 1.2 '"

# ---- refusals ----------------------------------------------------------------
bundle 1.3 0 "$T/other.key" || ERROR "cannot make bundle 1.3"
center dist-publish "$T/bundles/app-1.3" >/dev/null || ERROR "cannot publish 1.3"
CHECK "a bundle signed with another key is refused: bad-signature" \
    wait_until 15 has_event b update-refused "bundle app 1.3 from the center refused: bad-signature"

bundle 1.4 0 "$T/dist.key" || ERROR "cannot make bundle 1.4"
# One byte of the payload changed after signing: the manifest still verifies.
python3 - "$T/bundles/app-1.4" <<'EOF' || ERROR "cannot damage bundle 1.4"
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-1] ^= 0x01
open(sys.argv[1], "wb").write(bytes(b))
EOF
center dist-publish "$T/bundles/app-1.4" >/dev/null || ERROR "cannot publish 1.4"
CHECK "a payload changed after signing is refused: bad-digest" \
    wait_until 15 has_event b update-refused "bundle app 1.4 from the center refused: bad-digest"

bundle 1.0 0 "$T/dist.key" || ERROR "cannot make bundle 1.0"
CHECK "the agent refuses an older version by hand" \
    sh -c "'$TWINCTL' -f '$T/a.conf' report dist-install '$T/bundles/app-1.0' 2>&1 |
        grep -q 'refused: downgrade (1.1 installed)'"
CHECK "the downgrade is reported" \
    wait_until 10 has_event a update-refused "bundle app 1.0 from $T/bundles/app-1.0 refused: downgrade"

bundle 1.5 0 "$T/dist.key" kyoto-02 || ERROR "cannot make bundle 1.5"
CHECK "the agent refuses another site's bundle" \
    sh -c "'$TWINCTL' -f '$T/a.conf' report dist-install '$T/bundles/app-1.5' 2>&1 |
        grep -q 'refused: other-site'"
CHECK "the other-site refusal is reported" \
    wait_until 10 has_event a update-refused "bundle app 1.5 from $T/bundles/app-1.5 refused: other-site"
center dist-publish "$T/bundles/app-1.5" >/dev/null || ERROR "cannot publish 1.5"
sleep 3
CHECK "the center never offers another site's bundle" \
    no_line "$T/logs/center.log" "dist: bundle app 1.5 to site"
CHECK "a refused bundle is not offered again, nor an older one" \
    sh -c "[ \"\$(grep -c 'dist: bundle app 1.3 to site $SITE device b' '$T/logs/center.log')\" = 1 ] &&
        [ \"\$(grep -c 'dist: bundle app 1.4 to site $SITE device b' '$T/logs/center.log')\" = 1 ]"
CHECK "nothing refused was installed: both still at 1.1" \
    sh -c "grep -qx 1.1 '$T/root-a/app/version' && grep -qx 1.1 '$T/root-b/app/version'"
CHECK "no restart for a refused bundle" \
    no_line "$T/logs/restart.log" " app 1\.[345] "

# ---- an agent stopped during an install -------------------------------------------
bundle 1.6 1 "$T/dist.key" "$SITE" extra6 || ERROR "cannot make bundle 1.6"
center dist-publish "$T/bundles/app-1.6" >/dev/null || ERROR "cannot publish 1.6"
CHECK "b puts 1.6 in place" \
    wait_until 15 grep -q "bundle app 1.6 in place" "$T/logs/report-b.log"
kill -9 "${AGENT_PID[b]}"
wait "${AGENT_PID[b]}" 2>/dev/null
CHECK "the half-done install is what b's files hold" grep -qx 1.6 "$T/root-b/app/version"
mon_agent_start b
CHECK "b's agent, started again, rolls 1.6 back and reports it" \
    wait_until 15 has_event b update-failed "bundle app 1.6 rolled back to 1.1: the agent stopped during the install"
CHECK "b's files are 1.1's after that rollback" \
    sh -c "grep -qx 1.1 '$T/root-b/app/version' && ! test -e '$T/root-b/app/extra6'"
CHECK "1.6 is not offered again" \
    sh -c "[ \"\$(grep -c 'dist: bundle app 1.6 to site $SITE device b' '$T/logs/center.log')\" = 1 ]"

center events --limit 60 | grep update | sed 's/^/# /'
finish

#!/bin/bash
# lib.sh - harness for the twinproxy integration scenarios.
#
# A scenario is a bash script run by automake's test driver.  It starts with
#
#     #!/bin/bash
#     set -u
#     . "$(dirname "$0")/lib.sh"
#     topo_init
#     topo_host a "$A/$PFX"
#     ...
#     CHECK "something works" some_command args...
#     finish
#
# Exit codes follow automake: 0 pass, 1 fail, 77 skip, 99 hard error.
# Skip (77) is used only when namespaces cannot be created at all; every
# other setup problem is a hard error (99).
#
# ISOLATION
#   Sourcing this file re-runs the calling script inside fresh mount, network
#   and pid namespaces (unshare; as root directly, otherwise inside a user
#   namespace with -r).  Inside, the script is pid 1 of its own pid namespace,
#   /proc shows only the test's processes, and /run is a private tmpfs, so
#   the "ip netns add" entries (/run/netns) never appear on the real host.
#   Even the network namespace the script itself runs in (the "top"
#   namespace) is private and holds nothing but lo.  Every test host, and
#   the switch joining them, is a further namespace created from there.
#   Several scenarios can therefore run in parallel with the same names.
#
#   Cleanup happens twice over: an EXIT/INT/TERM/HUP trap runs teardown(),
#   which stops every process the script started and deletes every namespace
#   and the temp dir; and when the script's pid namespace ends, the kernel
#   kills whatever is left in it and releases all its namespaces.
#   The outer process (the one the test driver started) stays outside,
#   forwards INT/TERM/HUP to the inner run, waits a bounded time for it to
#   tear down, and removes the temp dir as a last resort.
#
# TOPOLOGY
#   namespace "sw" holds a Linux bridge br0 (no STP, no multicast snooping,
#   no IPv6 of its own: it forwards IPv6 frames as any others).  Each host
#   NAME is a namespace with lo and "eth0", a veth whose peer "v-NAME" sits
#   in sw and is enslaved to br0.  Hosts have no default route: anything
#   outside the test subnets is unreachable by construction.
#
# ADDRESS PLAN (only 198.18.0.0/15 and 2001:2::/48, the benchmarking
# ranges, and loopback may ever be used; topo_host refuses anything else)
#   PFX=24            prefix length of the test subnet 198.18.0.0/24
#   A=198.18.0.1      peer A, real address
#   B=198.18.0.2      peer B, real address
#   FIP=198.18.0.100  floating address held by whichever peer is active
#   C1=198.18.0.11    client with an odd last octet
#   C2=198.18.0.12    client with an even last octet
#   O=198.18.0.200    origin server
#   FIPA=198.18.0.101, FIPB=198.18.0.102
#                     per-proxy floating addresses, normally on A and B
#   PFX6=64, and the same hosts in 2001:2::/64: A6=2001:2::1, B6=2001:2::2,
#   FIP6=2001:2::100, FIPA6=2001:2::101, FIPB6=2001:2::102,
#   C16=2001:2::11 (odd), C26=2001:2::12 (even), O6=2001:2::200
#
# IPv6 is opt-in per host: a host given an address of 2001:2::/48
# (topo_host NAME ADDR/PFX ADDR6/PFX6) has IPv6 on its eth0, with no
# link-local address (addr_gen_mode none), no router solicitations or
# advertisements accepted and no DAD, so it sends nothing outside
# 2001:2::/48; every other host keeps IPv6 disabled on eth0, as before,
# so not even link-local traffic is sent.  Inside each host ::1 on lo is
# available at once (DAD is off).
#
# ENVIRONMENT
#   TOP_SRCDIR, TOP_BUILDDIR  absolute paths (default: two levels above here)
#   KEEP=1                    keep the temp dir $T (logs) and say where it is
#   TP_QUIET=1                hide the harness's own notes (used by the demo)
#
# Commands used: iproute2, procps, util-linux, coreutils, curl, iputils-ping.

# --------------------------------------------------------------------------
# Outer part: runs in the caller's namespaces and only starts the inner run.
# --------------------------------------------------------------------------

# _tp_outer ARGS...: re-run "$0" inside fresh namespaces; never returns.
# unshare is not exec'd: with --fork it blocks INT/TERM while it waits, so a
# SIGTERM sent to the test would otherwise be held until the end.  Instead
# this shell stays in between and forwards signals to the inner pid 1.
_tp_outer() {
    local -a flags=(--mount --net --pid --fork --mount-proc
                    --propagation private --kill-child=SIGTERM)
    local err upid rc i child t

    if ! command -v unshare >/dev/null 2>&1; then
        echo "SKIP: unshare(1) not found, cannot create namespaces"
        exit 77
    fi
    if ! command -v ip >/dev/null 2>&1; then
        echo "ERROR: ip(8) (iproute2) not found"
        exit 99
    fi
    local mode="as root"
    if [ "$(id -u)" -ne 0 ]; then
        flags=(--map-root-user "${flags[@]}")
        mode="in a user namespace"
    fi

    # Probe with the very same flags; tell "not available here" from misuse.
    if ! err=$(unshare "${flags[@]}" true 2>&1); then
        case $err in
            *"not permitted"*|*"Invalid argument"*|*"not implemented"*|\
            *"Permission denied"*|*"No such file"*|*"No space left"*)
                echo "SKIP: namespaces unavailable: unshare ${flags[*]}: $err"
                exit 77 ;;
        esac
        echo "ERROR: unshare ${flags[*]} failed: $err"
        exit 99
    fi

    if ! t=$(mktemp -d "${TMPDIR:-/tmp}/twinproxy-it.XXXXXX"); then
        echo "ERROR: mktemp -d failed"
        exit 99
    fi

    # Forward as SIGTERM whatever arrived: unshare runs as a background job,
    # so it and the inner shell start with SIGINT ignored, which no trap can
    # undo there.
    # shellcheck disable=SC2317  # invoked from the traps below
    _tp_outer_sig() {
        local c
        for c in $(pgrep -P "$upid" 2>/dev/null); do
            kill -TERM "$c" 2>/dev/null
        done
    }
    TP_INNER=1 TP_T=$t TP_MODE=$mode unshare "${flags[@]}" "${BASH:-bash}" "$0" "$@" &
    upid=$!
    trap _tp_outer_sig TERM INT HUP

    # wait returns early (>128) when a trapped signal arrives; loop until
    # unshare is really gone.  Bounded: at most a few signals are expected.
    for ((i = 0; i < 100; i++)); do
        wait "$upid"
        rc=$?
        kill -0 "$upid" 2>/dev/null || break
        # A signal was forwarded: allow the inner run 30 s to tear down.
        local j
        for ((j = 0; j < 300; j++)); do
            kill -0 "$upid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$upid" 2>/dev/null; then
            echo "# inner run did not stop in time, killing its pid namespace"
            for child in $(pgrep -P "$upid" 2>/dev/null); do
                kill -KILL "$child" 2>/dev/null
            done
            kill -KILL "$upid" 2>/dev/null
        fi
    done
    trap - TERM INT HUP

    if [ "${KEEP:-0}" = 1 ]; then
        # The inner teardown already said so, unless it never got there.
        case $rc in 0|1) ;; *) [ -d "$t" ] && echo "# KEEP=1: test files kept in $t" ;; esac
    else
        rm -rf -- "$t"
    fi
    case $rc in
        0|1|77|99) ;;
        *) echo "# inner run ended with status $rc"; rc=99 ;;
    esac
    exit "$rc"
}

if [ "${TP_INNER:-}" != 1 ]; then
    _tp_outer "$@"
fi

# --------------------------------------------------------------------------
# Inner part: we are pid 1 of a private pid namespace from here on.
# --------------------------------------------------------------------------

if [ "$$" -ne 1 ]; then
    # Never touch the real host's network: refuse if the guard variable was
    # inherited by accident instead of set by _tp_outer.
    echo "ERROR: TP_INNER is set but this is not the test's own pid namespace"
    exit 99
fi
export -n TP_INNER TP_T TP_MODE
set -u

# Proxy settings from the caller's environment must not leak into tests.
unset http_proxy https_proxy ftp_proxy all_proxy no_proxy \
      HTTP_PROXY HTTPS_PROXY FTP_PROXY ALL_PROXY NO_PROXY

# Keep the real stdout/stderr: CHECK redirects the commands it runs, and
# messages from traps or ERROR must not vanish into that capture.
exec {TP_FD_OUT}>&1 {TP_FD_ERR}>&2

_tp_say() { printf '%s\n' "$*" >&"$TP_FD_OUT"; }
# _tp_info MSG: a note about the harness itself; TP_QUIET=1 hides it (the
# demo, which narrates in its own words).
_tp_info() { [ -n "${TP_QUIET:-}" ] || _tp_say "$@"; }

if ! mount -t tmpfs -o mode=0755,size=64m tp-run /run; then
    _tp_say "ERROR: cannot mount a private tmpfs on /run"
    exit 99
fi
TP_SCRATCH=/run/tp
mkdir -p "$TP_SCRATCH" /run/netns
if ! _tp_err=$(ip netns add tp-probe 2>&1); then
    _tp_say "SKIP: network namespaces unavailable: ip netns add: $_tp_err"
    exit 77
fi
ip netns del tp-probe
unset _tp_err
ip link set lo up

TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
# shellcheck disable=SC2034  # the variables below are for the scenarios
{
TWIN_PROXY=$TOP_BUILDDIR/twin-proxy
TWIN_WPAD=$TOP_BUILDDIR/twin-wpad
TWIN_HA=$TOP_BUILDDIR/twin-ha
TWINCTL=$TOP_BUILDDIR/twinctl

# Address plan (see header).
PFX=24
A=198.18.0.1
B=198.18.0.2
FIP=198.18.0.100
C1=198.18.0.11
C2=198.18.0.12
O=198.18.0.200
FIPA=198.18.0.101
FIPB=198.18.0.102
PFX6=64
A6=2001:2::1
B6=2001:2::2
FIP6=2001:2::100
FIPA6=2001:2::101
FIPB6=2001:2::102
C16=2001:2::11
C26=2001:2::12
O6=2001:2::200
}

# Per-test temp dir: created by the outer part, logs go to $T/logs.
T=${TP_T:-}
if [ -z "$T" ] && ! T=$(mktemp -d "${TMPDIR:-/tmp}/twinproxy-it.XXXXXX"); then
    _tp_say "ERROR: mktemp -d failed"
    exit 99
fi
mkdir -p "$T/logs" || { _tp_say "ERROR: cannot create $T/logs"; exit 99; }
: >"$T/pids"

TP_N=0          # checks run
TP_PASSED=0
TP_FAILED=0
SPAWN_PID=      # pid of the last spawn
STOP_STATUS=    # exit status collected by the last stop
_tp_torn=0      # 1 once teardown has run and nothing new was created

_tp_on_signal() {
    trap '' INT TERM HUP
    _tp_say "# interrupted by SIG$1"
    exit 99
}
_tp_traps() {
    trap '_tp_on_signal INT' INT
    trap '_tp_on_signal TERM' TERM
    trap '_tp_on_signal HUP' HUP
}
_tp_on_exit() {
    local rc=$?
    trap - EXIT
    exec 1>&"$TP_FD_OUT" 2>&"$TP_FD_ERR"
    teardown "$rc"
    exit "$rc"
}
trap _tp_on_exit EXIT
_tp_traps

_tp_info "# isolated run: pid 1 of private mount+net+pid namespaces (${TP_MODE:-?})"

# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------

# OK DESC: record a passing check.
OK() {
    TP_N=$((TP_N + 1)); TP_PASSED=$((TP_PASSED + 1))
    _tp_say "ok $TP_N - $*"
}

# FAIL DESC: record a failing check and carry on.
FAIL() {
    TP_N=$((TP_N + 1)); TP_FAILED=$((TP_FAILED + 1))
    _tp_say "not ok $TP_N - $*"
}

# SKIP WHY: give up with status 77 (only for a feature that is truly absent).
SKIP() {
    _tp_say "# SKIP: $*"
    exit 77
}

# ERROR WHY: give up with status 99 (setup or harness failure).
ERROR() {
    _tp_say "# ERROR: $*"
    exit 99
}

# CHECK DESC CMD...: run CMD in this shell (functions allowed), print
# "ok N - DESC" or "not ok N - DESC" followed by CMD's output; returns
# CMD's status, so that "CHECK ... || more" can say more on a failure.
CHECK() {
    local desc=$1 rc
    shift
    local out=$TP_SCRATCH/check.out
    if "$@" >"$out" 2>&1; then
        OK "$desc"
        return 0
    else
        rc=$?
        FAIL "$desc (exit $rc)"
        head -n 40 "$out" | sed 's/^/#   /' >&"$TP_FD_OUT"
        return "$rc"
    fi
}

# not CMD...: succeed when CMD ran and said no (CHECK cannot take a bare
# "!"). Fail (status 1) when CMD said yes, and also (status 2) when it
# could not say anything: not executable or not found (126, 127), killed
# by a signal (above 128), or status 2 from a command for which 2 means
# trouble rather than no (grep, cmp, diff, test and [: a missing file, a
# bad pattern, a syntax error). The command is found behind "on HOST",
# "ip netns exec HOST", "timeout [OPTIONS] DURATION" and "env VAR=...".
# For "FILE has no line matching ..." use no_line, which also refuses a
# file that is not there.
not() {
    local rc name
    "$@"
    rc=$?
    [ "$rc" -eq 0 ] && return 1
    name=$(_tp_cmdname "$@")
    if [ "$rc" -eq 126 ] || [ "$rc" -eq 127 ]; then
        echo "not: $name could not be run (exit $rc)"
        return 2
    fi
    if [ "$rc" -gt 128 ]; then
        echo "not: $name was killed by signal $((rc - 128))"
        return 2
    fi
    case $rc:${name##*/} in
        2:grep|2:egrep|2:fgrep|2:cmp|2:diff|2:test|2:\[)
            echo "not: $name could not do its job (exit 2)"
            return 2 ;;
    esac
    return 0
}

# _tp_cmdname CMD...: the command a command line runs, behind wrappers.
_tp_cmdname() {
    local i
    for ((i = 0; i < 8 && $# > 0; i++)); do
        case $1 in
            on) shift 2 ;;
            ip) [ "${2:-}" = netns ] && [ "${3:-}" = exec ] || break
                shift 4 ;;
            timeout) shift
                while [[ ${1:-} == -* ]]; do
                    case $1 in -s|-k) shift 2 ;; *) shift ;; esac
                done
                shift ;;
            env) shift
                while [[ ${1:-} == -* || ${1:-} == *=* ]]; do shift; done ;;
            *) break ;;
        esac
    done
    printf '%s' "${1:-?}"
}

# no_line [GREP_OPTION...] FILE PATTERN: succeed only when FILE (a name
# under $T/logs, or a path) exists, grep read it and found no line matching
# the extended regular expression PATTERN (options such as -F, -P, -i, -v
# or -x change what matches, as for grep). Status 1 when a line matches
# (those lines are printed), 2 when the file is missing or unreadable or
# grep fails (a bad pattern): a negative check that cannot pass by
# accident.
no_line() {
    local -a opts=()
    local f rc matcher=-E
    while [ $# -gt 2 ] && [[ $1 == -* ]]; do
        case $1 in -F|-G|-P|-E) matcher= ;; esac
        opts+=("$1")
        shift
    done
    if [ $# -ne 2 ]; then
        echo "no_line: usage: no_line [GREP_OPTION...] FILE PATTERN"
        return 2
    fi
    f=$(logf "$1")
    if [ ! -f "$f" ] || [ ! -r "$f" ]; then
        echo "no_line: $f: not a readable file"
        return 2
    fi
    grep -n ${matcher:+"$matcher"} "${opts[@]}" -- "$2" "$f"
    rc=$?
    case $rc in
        0) echo "no_line: $f has the line(s) above matching /$2/"; return 1 ;;
        1) return 0 ;;
        *) echo "no_line: grep failed on $f (exit $rc)"; return 2 ;;
    esac
}

# now_us: a clock for elapsed_within (microseconds).
now_us() { _tp_now; }

# elapsed_within START_US LOW_S HIGH_S: the time since START_US (from
# now_us) is at least LOW_S and at most HIGH_S seconds; says how long.
elapsed_within() {
    local d
    d=$(( $(_tp_now) - $1 ))
    printf 'took %d.%03d s (want %s to %s s)\n' "$((d / 1000000))" \
        "$((d % 1000000 / 1000))" "$2" "$3"
    [ "$d" -ge "$(_tp_usec "$2")" ] && [ "$d" -le "$(_tp_usec "$3")" ]
}

# finish: tear down, print "N passed, N failed" as the last line and exit
# 0 if nothing failed, 1 otherwise (99 if no check ran at all).
finish() {
    local rc=0
    [ "$TP_FAILED" -eq 0 ] || rc=1
    [ "$TP_N" -gt 0 ] || ERROR "no check was run"
    teardown "$rc"
    _tp_say "$TP_PASSED passed, $TP_FAILED failed"
    exit "$rc"
}

# need_cmd CMD...: hard error (99) unless every CMD is in PATH.
need_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || ERROR "required command not found: $c"
    done
}

# --------------------------------------------------------------------------
# Polling (every loop bounded in count and in time)
# --------------------------------------------------------------------------

# _tp_now: microseconds since the epoch.
_tp_now() { local t=${EPOCHREALTIME/[.,]/}; printf '%s' "$((10#$t))"; }

# _tp_usec SECONDS: "2" or "1.5" as microseconds.
_tp_usec() {
    local s=${1%%.*} f=
    [[ $1 == *.* ]] && f=${1#*.}
    f=${f}000000
    printf '%s' "$(( 10#${s:-0} * 1000000 + 10#${f:0:6} ))"
}

# wait_until TIMEOUT_S CMD...: run CMD (output discarded) every 50 ms until it
# succeeds; return 0 then, 1 after TIMEOUT_S seconds.
wait_until() {
    local timeout=$1 deadline i max
    shift
    deadline=$(( $(_tp_now) + $(_tp_usec "$timeout") ))
    max=$(( $(_tp_usec "$timeout") / 50000 + 2 ))
    for ((i = 0; i < max; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        [ "$(_tp_now)" -lt "$deadline" ] || break
        sleep 0.05
    done
    return 1
}

# port_open NAME ADDR PORT: one TCP connect attempt from host NAME (pure bash).
port_open() {
    timeout 2 ip netns exec "$1" bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$2" "$3" \
        2>/dev/null
}

# wait_port NAME ADDR PORT [TIMEOUT_S=10]: poll until ADDR:PORT accepts a TCP
# connection from host NAME; hard error (99) after the timeout.
wait_port() {
    local t=${4:-10}
    wait_until "$t" port_open "$1" "$2" "$3" ||
        ERROR "$2 port $3 not accepting connections from $1 after ${t}s"
}

# logf NAME: path of log NAME under $T/logs (an argument with a / is kept).
logf() {
    case $1 in */*) printf '%s' "$1" ;; *) printf '%s' "$T/logs/$1" ;; esac
}

# wait_log FILE REGEX [TIMEOUT_S=10]: poll until FILE (a name under $T/logs or
# a path) has a line matching the extended REGEX; hard error after timeout.
wait_log() {
    local f t=${3:-10}
    f=$(logf "$1")
    wait_until "$t" grep -Eq -- "$2" "$f" ||
        ERROR "no line matching /$2/ in $f after ${t}s"
}

# --------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------

# _tp_alive PID: true if PID exists in our pid namespace and is not a zombie.
# (Builtins only: no helper process may show up while /proc is scanned.)
_tp_alive() {
    local st
    { read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
    st=${st##*) }
    [ "${st%% *}" != Z ]
}

# _tp_ppid PID: print the parent pid of PID (builtins only).
_tp_ppid() {
    local st
    { read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
    st=${st##*) }
    st=${st#* }
    printf '%s' "${st%% *}"
}

# procs_alive PID...: print those PIDs that are still running.
procs_alive() {
    local p
    for p in "$@"; do
        _tp_alive "$p" && echo "$p"
    done
    return 0
}

# tp_procs: print every live process of the pid namespace except this shell
# and its ancestors (so it also works inside $(...)).
tp_procs() {
    local p d self=" " pp i
    pp=$BASHPID
    for ((i = 0; i < 64 && pp > 0; i++)); do
        self+="$pp "
        pp=$(_tp_ppid "$pp") || break
        [[ $pp =~ ^[0-9]+$ ]] || break
    done
    for d in /proc/[0-9]*; do
        p=${d#/proc/}
        [[ $self == *" $p "* ]] && continue
        _tp_alive "$p" && echo "$p"
    done
    return 0
}

# spawn NAME LOG CMD...: start CMD (an executable, not a shell function) in
# the background on host NAME, stdin from /dev/null, stdout+stderr appended
# to LOG (a name under $T/logs, or a path).  Sets SPAWN_PID; the pid is also
# recorded in $T/pids so that teardown stops it.
spawn() {
    local ns=$1 log
    log=$(logf "$2")
    shift 2
    [ -e "/run/netns/$ns" ] || ERROR "spawn: no host named $ns"
    _tp_torn=0
    ip netns exec "$ns" "$@" </dev/null >>"$log" 2>&1 \
        {TP_FD_OUT}>&- {TP_FD_ERR}>&- &
    SPAWN_PID=$!
    echo "$SPAWN_PID" >>"$T/pids"
    _tp_info "# spawned pid $SPAWN_PID on $ns: $* (log: ${log##*/})"
}

# stop PID [GRACE_S=3]: SIGTERM, wait up to GRACE_S, then SIGKILL; reap it.
# Sets STOP_STATUS to its exit status; returns 1 if SIGKILL was needed.
stop() {
    local pid=$1 grace=${2:-3} r=0
    kill -TERM "$pid" 2>/dev/null
    if ! wait_until "$grace" not _tp_alive "$pid"; then
        kill -KILL "$pid" 2>/dev/null
        wait_until 5 not _tp_alive "$pid"
        r=1
    fi
    wait "$pid" 2>/dev/null
    # shellcheck disable=SC2034  # read by the scenarios
    STOP_STATUS=$?
    return "$r"
}

# --------------------------------------------------------------------------
# Topology
# --------------------------------------------------------------------------

# on NAME CMD...: run CMD on host NAME ("in" is a bash reserved word).
on() {
    local ns=$1
    shift
    ip netns exec "$ns" "$@"
}

# _tp_sysctl NAME KEY=VALUE...: set sysctls inside namespace NAME only.
_tp_sysctl() {
    local ns=$1
    shift
    ip netns exec "$ns" sysctl -q -w "$@" >/dev/null
}

# topo_init: create the switch namespace "sw" with bridge br0 (up), and make
# sure $T/logs exists.  Call once, before topo_host.
topo_init() {
    [ -e /run/netns/sw ] && ERROR "topo_init: already done"
    _tp_torn=0
    mkdir -p "$T/logs"
    ip netns add sw || ERROR "cannot create namespace sw"
    _tp_sysctl sw net.ipv6.conf.all.disable_ipv6=1 \
                  net.ipv6.conf.default.disable_ipv6=1 ||
        ERROR "cannot set sysctls in sw"
    ip -n sw link set lo up &&
    ip -n sw link add br0 type bridge stp_state 0 forward_delay 0 \
        mcast_snooping 0 &&
    ip -n sw link set br0 up ||
        ERROR "cannot create bridge br0 in sw"
}

# _tp_addr6_ok ADDR/PREFIX: true for an IPv6 address inside 2001:2::/48,
# prefix 48 to 128.
_tp_addr6_ok() {
    [[ $1 =~ ^[0-9a-fA-F:]+/[0-9]{1,3}$ ]] || return 1
    python3 - "$1" <<'EOP'
import ipaddress, sys
try:
    i = ipaddress.IPv6Interface(sys.argv[1])
except ValueError:
    sys.exit(1)
ok = i.network.prefixlen >= 48 and \
    i.ip in ipaddress.IPv6Network("2001:2::/48")
sys.exit(0 if ok else 1)
EOP
}

# _tp_addr_ok ADDR/PREFIX: true for an IPv4 address inside 198.18.0.0/15.
_tp_addr_ok() {
    [[ $1 =~ ^198\.(18|19)\.([0-9]{1,3})\.([0-9]{1,3})/([0-9]{1,2})$ ]] || return 1
    [ "${BASH_REMATCH[2]}" -le 255 ] && [ "${BASH_REMATCH[3]}" -le 255 ] &&
        [ "${BASH_REMATCH[4]}" -ge 15 ] && [ "${BASH_REMATCH[4]}" -le 32 ]
}

# topo_host NAME ADDR/PREFIX...: create host namespace NAME with lo up and
# eth0 (veth, peer v-NAME on br0 in sw) carrying the given addresses, each
# inside 198.18.0.0/15 or 2001:2::/48.  IPv6 is off on eth0 unless an IPv6
# address is given (see IPv6 in the header); DAD off; ::1 works on lo.
topo_host() {
    local ns=$1 a v6=0
    shift
    [ -e /run/netns/sw ] || ERROR "topo_host: call topo_init first"
    [[ $ns =~ ^[a-z][a-z0-9]{0,12}$ ]] && [ "$ns" != sw ] ||
        ERROR "topo_host: bad host name '$ns' (lower case, at most 13 chars)"
    [ $# -ge 1 ] || ERROR "topo_host $ns: no address given"
    for a in "$@"; do
        if [[ $a == *:* ]]; then
            _tp_addr6_ok "$a" ||
                ERROR "topo_host $ns: $a is not an ADDR/PREFIX inside 2001:2::/48"
            v6=1
        else
            _tp_addr_ok "$a" ||
                ERROR "topo_host $ns: $a is not an ADDR/PREFIX inside 198.18.0.0/15"
        fi
    done
    [ -e "/run/netns/$ns" ] && ERROR "topo_host: $ns exists already"
    _tp_torn=0
    ip netns add "$ns" || ERROR "cannot create namespace $ns"
    _tp_sysctl "$ns" net.ipv6.conf.default.disable_ipv6=1 \
                     net.ipv6.conf.all.accept_dad=0 \
                     net.ipv6.conf.default.accept_dad=0 \
                     net.ipv6.conf.lo.accept_dad=0 ||
        ERROR "cannot set sysctls in $ns"
    ip -n "$ns" link set lo up &&
    ip -n sw link add "v-$ns" type veth peer name eth0 netns "$ns" &&
    ip -n sw link set "v-$ns" master br0 &&
    ip -n sw link set "v-$ns" up ||
        ERROR "cannot wire $ns to the switch"
    _tp_sysctl "$ns" net.ipv6.conf.eth0.disable_ipv6=1 \
                     net.ipv6.conf.eth0.accept_dad=0 ||
        ERROR "cannot set eth0 sysctls in $ns"
    if [ "$v6" = 1 ]; then
        # No link-local address and nothing from routers: the host's IPv6
        # traffic stays within the addresses it is given.
        _tp_sysctl "$ns" net.ipv6.conf.eth0.addr_gen_mode=1 \
                         net.ipv6.conf.eth0.accept_ra=0 \
                         net.ipv6.conf.eth0.router_solicitations=0 \
                         net.ipv6.conf.eth0.disable_ipv6=0 ||
            ERROR "cannot enable IPv6 on eth0 in $ns"
    fi
    for a in "$@"; do
        ip -n "$ns" addr add "$a" dev eth0 || ERROR "cannot add $a on $ns"
    done
    ip -n "$ns" link set eth0 up || ERROR "cannot bring up eth0 on $ns"
}

# link_down NAME / link_up NAME: pull / plug host NAME's cable (its switch
# port v-NAME); eth0 inside NAME loses / regains carrier.
link_down() { ip -n sw link set "v-$1" down; }
link_up()   { ip -n sw link set "v-$1" up; }

# mac_of NAME [DEV=eth0]: print the MAC address of DEV on host NAME.
mac_of() {
    local l
    l=$(ip -n "$1" -o link show dev "${2:-eth0}") || return 1
    [[ $l =~ link/ether\ ([0-9a-f:]{17}) ]] || return 1
    printf '%s\n' "${BASH_REMATCH[1]}"
}

# neigh_mac NAME ADDR [DEV=eth0]: print the MAC that host NAME's neighbour
# cache (ARP, or IPv6 neighbour discovery for an IPv6 ADDR) holds for
# ADDR; fails if there is none.
neigh_mac() {
    local l
    l=$(ip -n "$1" neigh show "$2" dev "${3:-eth0}") || return 1
    [[ $l =~ lladdr\ ([0-9a-f:]{17}) ]] || return 1
    printf '%s\n' "${BASH_REMATCH[1]}"
}

# --------------------------------------------------------------------------
# Teardown
# --------------------------------------------------------------------------

# _tp_dump_logs: print the tail of every non-empty log under $T/logs.
_tp_dump_logs() {
    local f
    for f in "$T"/logs/*; do
        [ -s "$f" ] || continue
        _tp_say "# ---- last lines of ${f##*/} ----"
        tail -n 50 "$f" | sed 's/^/#   /' >&"$TP_FD_OUT"
    done
}

# teardown [RC]: stop every process the test started (recorded ones, then
# any stray left in the pid namespace: SIGTERM, bounded wait, SIGKILL),
# delete every namespace and any link left in the top namespace, remove $T
# unless KEEP=1.  Dumps the logs first if RC or the results show a failure.
# Idempotent, and safe whatever point the script had reached.
teardown() {
    local rc=${1:-0} p pids=() stray=() ns l i
    [ "$_tp_torn" = 1 ] && return 0
    trap '' INT TERM HUP

    if [ -d "$T/logs" ] && { [ "$TP_FAILED" -gt 0 ] ||
            { [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; }; }; then
        _tp_dump_logs
    fi

    if [ -r "$T/pids" ]; then
        while read -r p; do
            [[ $p =~ ^[0-9]+$ ]] && _tp_alive "$p" && pids+=("$p")
        done <"$T/pids"
    fi
    for p in $(tp_procs); do
        [[ " ${pids[*]} " == *" $p "* ]] && continue
        _tp_say "# teardown: stray process $p: $(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline")"
        stray+=("$p")
    done
    pids+=("${stray[@]}")
    if [ "${#pids[@]}" -gt 0 ]; then
        kill -TERM "${pids[@]}" 2>/dev/null
        for ((i = 0; i < 60; i++)); do      # up to 3 s
            [ -z "$(procs_alive "${pids[@]}")" ] && break
            sleep 0.05
        done
        for p in $(procs_alive "${pids[@]}"); do
            _tp_say "# teardown: pid $p ignored SIGTERM, sending SIGKILL"
            kill -KILL "$p" 2>/dev/null
        done
        for p in "${pids[@]}"; do
            wait "$p" 2>/dev/null
        done
    fi

    for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
        ip netns del "$ns" 2>/dev/null ||
            _tp_say "# teardown: could not delete namespace $ns"
    done
    for l in $(ip -o link show 2>/dev/null | awk -F': ' '{ print $2 }'); do
        l=${l%%@*}
        [ "$l" = lo ] || ip link del "$l" 2>/dev/null
    done

    if [ -n "$T" ] && [ -d "$T" ]; then
        if [ "${KEEP:-0}" = 1 ]; then
            _tp_say "# KEEP=1: test files kept in $T"
        else
            rm -rf -- "$T"
        fi
    fi
    _tp_torn=1
    _tp_traps
}

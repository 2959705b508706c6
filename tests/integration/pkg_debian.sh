#!/bin/bash
# pkg_debian.sh - the Debian packages: built, checked, installed, run,
# upgraded and purged in a clean Debian 12 chroot.
#
# The test sends nothing beyond its own namespaces: the chroot is a
# Debian 12 minbase system with the packages' run-time dependencies,
# made from the apt mirror while packages are installed
# (scripts/pkg_base.sh, run by scripts/deps.sh) and unpacked here.
# Two parts. The first runs before lib.sh isolates the test, for the
# builds and mounts: it builds the packages of HEAD and of HEAD~1 from
# "git archive" (HEAD~1 without debian/ gets HEAD's, with a lower
# version), runs lintian on HEAD's (an E: line fails), unpacks the
# chroot and installs HEAD~1's packages in it with apt, in a network
# namespace of their own (no network: every dependency must be there).
# Everything stays in the test's temp dir, removed on exit with the
# chroot's mounts.
# The second runs isolated (lib.sh): in a namespace with only loopback
# and 198.18.0.1, it checks the user, the folders' owners and modes and
# the conffiles, writes a configuration, starts twin-ha, twin-proxy,
# twin-wpad and twin-lb inside the chroot as their installed units would
# (User=, capabilities, RuntimeDirectory=; systemd is not PID 1 there),
# fetches a page from an origin through the proxy and through an l7
# cluster, and the PAC script, asks twinctl status; stops them, upgrades to HEAD's packages (the modified
# conffile is kept), runs them again, verifies the units with
# systemd-analyze when the host has it, purges and checks that the
# folders the packages made are gone.
# Needs real root, git, dpkg-dev, debhelper, lintian and the chroot's
# tarball (scripts/deps.sh); skips outside a git checkout (a dist
# tarball) and without the tarball.

# Helper functions below are called through CHECK; dpkg-query's formats
# and the chroot's scripts are in single quotes on purpose:
# shellcheck disable=SC2317,SC2016
set -u

PKG_BASE=${PKG_BASE:-/var/cache/twinproxy-test/bookworm.tar}

# --------------------------------------------------------------------------
# Part one: on the host's network, before lib.sh isolates the test.
# --------------------------------------------------------------------------

# pkg_say MSG: a note on the test's output.
pkg_say() { printf '# %s\n' "$*"; }

# pkg_die STATUS MSG: give up before the isolated part (77 skip, 99 error,
# 1 failure).
pkg_die() {
	case $1 in
	77) printf '# SKIP: %s\n' "$2" ;;
	1) printf 'not ok - %s\n' "$2" ;;
	*) printf '# ERROR: %s\n' "$2" ;;
	esac
	exit "$1"
}

# pkg_cleanup: on exit, end what part one started, undo every mount left
# under the temp dir (none should be: the chroot's are made in private
# mount namespaces) and remove it, never crossing into a mount.
pkg_cleanup() {
	local p m
	for p in ${PKG_JOBS:-}; do
		kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null
	done
	for p in ${PKG_JOBS:-}; do
		wait "$p" 2>/dev/null
	done
	[ -n "${PKG_T:-}" ] && [ -d "$PKG_T" ] || return 0
	for m in $(findmnt -rn -o TARGET | grep -F "$PKG_T/" | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	if findmnt -rn -o TARGET | grep -qF "$PKG_T/"; then
		echo "# cleanup: mounts left under $PKG_T, not removing it"
		return 0
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		echo "# KEEP=1: packages and chroot kept in $PKG_T"
	else
		rm -rf --one-file-system -- "$PKG_T"
	fi
}


# pkg_tree REV DIR: the tree of REV in DIR (git archive).
pkg_tree() {
	mkdir -p "$2" &&
	git -C "$SRC" archive --format=tar "$1" | tar -x -C "$2"
}

# pkg_build NAME: build the binary packages of $PKG_T/NAME/src.
pkg_build() {
	(cd "$PKG_T/$1/src" &&
	    DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=2" \
	    TMPDIR=$PKG_T/tmp timeout 900 \
	    dpkg-buildpackage -us -uc -b) >"$PKG_T/$1/build.log" 2>&1
}

# pkg_in_chroot SECONDS CMD...: CMD in the chroot, with /proc and /dev
# mounted in a private mount namespace (so they go when CMD ends) and in
# a network namespace of its own (no network at all), killed after
# SECONDS.
pkg_in_chroot() {
	local t=$1
	shift
	timeout "$t" unshare --mount --propagation private --net -- sh -c '
	    r=$1; shift
	    mount -t proc proc "$r/proc" && mount --bind /dev "$r/dev" &&
	    exec chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"' \
	    _ "$R" "$@"
}

pkg_outer() {
	local v_cur v_prev note b rc

	SRC=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
	# The checkout's own top, not a tarball unpacked inside one (distcheck).
	[ "$(git -C "$SRC" rev-parse --show-toplevel 2>/dev/null)" = \
	    "$(cd "$SRC" && pwd -P)" ] ||
		pkg_die 77 "$SRC is not a git checkout (a dist tarball?): the packages are built from git archive"
	[ "$(id -u)" -eq 0 ] ||
		pkg_die 77 "needs real root (chroot, setpriv)"
	for b in git dpkg-buildpackage dh lintian python3 unshare findmnt; do
		command -v "$b" >/dev/null 2>&1 ||
			pkg_die 99 "required command not found: $b (scripts/deps.sh installs it)"
	done
	git -C "$SRC" rev-parse --verify -q HEAD~1 >/dev/null ||
		pkg_die 99 "no HEAD~1 (a shallow clone?): the upgrade needs the previous commit"

	PKG_T=$(mktemp -d "${TMPDIR:-/tmp}/twinproxy-pkg.XXXXXX") ||
		pkg_die 99 "mktemp -d failed"
	export PKG_T
	trap pkg_cleanup EXIT
	trap 'exit 99' INT TERM HUP
	mkdir -p "$PKG_T/tmp" "$PKG_T/cur" "$PKG_T/prev"
	R=$PKG_T/root

	[ -s "$PKG_BASE" ] ||
		pkg_die 77 "no Debian 12 chroot at $PKG_BASE (scripts/deps.sh makes it, with scripts/pkg_base.sh)"

	# The trees: HEAD, and HEAD~1 with a lower version.
	pkg_tree HEAD "$PKG_T/cur/src" || pkg_die 99 "git archive HEAD failed"
	pkg_tree HEAD~1 "$PKG_T/prev/src" ||
		pkg_die 99 "git archive HEAD~1 failed"
	[ -f "$PKG_T/cur/src/debian/control" ] ||
		pkg_die 99 "HEAD has no debian/control"
	note=""
	if [ ! -f "$PKG_T/prev/src/debian/control" ]; then
		rm -rf "$PKG_T/prev/src/debian"
		cp -a "$PKG_T/cur/src/debian" "$PKG_T/prev/src/debian"
		note="HEAD~1 has no debian/: built with HEAD's debian/ overlaid"
	fi
	v_cur=$(dpkg-parsechangelog -l "$PKG_T/cur/src/debian/changelog" -S Version)
	v_prev=$(dpkg-parsechangelog -l "$PKG_T/prev/src/debian/changelog" -S Version)
	if dpkg --compare-versions "$v_prev" ge "$v_cur"; then
		v_prev="$v_cur~prev"
		{
			printf 'twinproxy (%s) unstable; urgency=medium\n\n' "$v_prev"
			printf '  * The previous commit, for the upgrade test.\n\n'
			printf ' -- %s  %s\n\n' \
			    "$(dpkg-parsechangelog -l "$PKG_T/cur/src/debian/changelog" -S Maintainer)" \
			    "$(date -R)"
			cat "$PKG_T/prev/src/debian/changelog"
		} >"$PKG_T/prev/changelog" &&
		mv "$PKG_T/prev/changelog" "$PKG_T/prev/src/debian/changelog"
		note="${note:+$note; }HEAD~1 built as version $v_prev (below HEAD's $v_cur)"
	fi
	[ -n "$note" ] && pkg_say "$note"
	echo "$v_cur" >"$PKG_T/cur/version"
	echo "$v_prev" >"$PKG_T/prev/version"

	# Both builds at once, the chroot unpacked meanwhile.
	PKG_JOBS=""
	setsid bash -c "$(declare -f pkg_build); PKG_T='$PKG_T'; pkg_build cur" &
	PKG_JOBS="$PKG_JOBS $!"; b_cur=$!
	setsid bash -c "$(declare -f pkg_build); PKG_T='$PKG_T'; pkg_build prev" &
	PKG_JOBS="$PKG_JOBS $!"; b_prev=$!
	pkg_say "building $v_cur (HEAD) and $v_prev (HEAD~1); unpacking the chroot"
	mkdir -p "$R" && timeout 300 tar -C "$R" -xf "$PKG_BASE" ||
		pkg_die 99 "cannot unpack $PKG_BASE"
	pkg_say "chroot unpacked from $PKG_BASE: $(du -sh "$R" | cut -f1)"
	for b in cur prev; do
		if [ "$b" = cur ]; then wait "$b_cur"; else wait "$b_prev"; fi
		rc=$?
		if [ "$rc" -ne 0 ]; then
			tail -n 40 "$PKG_T/$b/build.log" | sed 's/^/#   /'
			pkg_die 1 "dpkg-buildpackage of $b failed (exit $rc)"
		fi
		echo "ok - dpkg-buildpackage -b of $b ($(cat "$PKG_T/$b/version"))" \
		    >>"$PKG_T/results"
	done
	PKG_JOBS=""

	# lintian on HEAD's packages: errors fail, the rest is shown.
	timeout 300 lintian "$PKG_T/cur/"*.changes >"$PKG_T/lintian.log" 2>&1
	rc=$?
	sed 's/^/#   lintian: /' "$PKG_T/lintian.log"
	# 0: clean, 1: tags at the failing level (errors); anything else
	# (a timeout, a crash) means it did not check.
	if [ "$rc" -gt 1 ]; then
		echo "not ok - lintian could not check (exit $rc)" >>"$PKG_T/results"
	elif grep -q '^E: ' "$PKG_T/lintian.log"; then
		echo "not ok - lintian: no error (E: lines above)" >>"$PKG_T/results"
	else
		echo "ok - lintian: no error" >>"$PKG_T/results"
	fi

	# HEAD~1's packages in the chroot, with apt and no network: the
	# dependencies come from the chroot's tarball.
	mkdir -p "$R/tmp/pkg/cur" "$R/tmp/pkg/prev"
	for b in cur prev; do
		cp "$PKG_T/$b/"*.deb "$R/tmp/pkg/$b/"
	done
	# No service may start while packages install (no systemd runs
	# there anyway: it is installed for its units and tools alone).
	[ ! -e "$R/run/systemd/system" ] ||
		pkg_die 99 "the chroot looks booted with systemd (/run/systemd/system)"
	printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
	chmod 755 "$R/usr/sbin/policy-rc.d"
	pkg_in_chroot 300 sh -c 'apt-get install -y -q \
	    /tmp/pkg/prev/twinproxy_*.deb /tmp/pkg/prev/twinproxy-lb_*.deb \
	    /tmp/pkg/prev/twinproxy-center_*.deb' >"$PKG_T/apt-prev.log" 2>&1
	rc=$?
	sed 's/^/#   apt: /' "$PKG_T/apt-prev.log" | tail -n 25
	if [ "$rc" -ne 0 ]; then
		pkg_die 1 "apt-get install of HEAD~1's packages in the chroot (exit $rc; a dependency missing from scripts/pkg_base.sh's list?)"
	fi
	echo "ok - apt-get install of $v_prev in a Debian 12 chroot" \
	    >>"$PKG_T/results"
}

if [ "${TP_INNER:-}" != 1 ]; then
	pkg_outer
fi

# --------------------------------------------------------------------------
# Part two: isolated (lib.sh), with no network but the test's own.
# --------------------------------------------------------------------------

. "$(dirname "$0")/lib.sh"

need_cmd curl python3 chroot
{ [ -n "${PKG_T:-}" ] && [ -d "$PKG_T/root" ]; } ||
	ERROR "PKG_T (the first part's temp dir) is not set"
R=$PKG_T/root
V_CUR=$(cat "$PKG_T/cur/version")
V_PREV=$(cat "$PKG_T/prev/version")
UNITDIR=/lib/systemd/system
PIDS=()

# The first part's results.
while IFS= read -r l; do
	case $l in
	"ok - "*) OK "${l#ok - }" ;;
	*) FAIL "${l#not ok - }" ;;
	esac
done <"$PKG_T/results"

# The chroot's kernel file systems, in this test's own mount namespace.
{ mount -t proc proc "$R/proc" && mount --bind /dev "$R/dev" &&
	mount -t tmpfs -o mode=0755,size=16m pkg-run "$R/run"; } ||
	ERROR "cannot mount /proc, /dev and /run in the chroot"

# in_root CMD...: CMD inside the chroot (this namespace).
in_root() {
	chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
	    DEBIAN_FRONTEND=noninteractive "$@"
}

# apt_root ARGS...: apt-get in the chroot, bounded, never prompting.
apt_root() {
	timeout 300 chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	    LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive apt-get -y -q \
	    -o Dpkg::Options::=--force-confdef \
	    -o Dpkg::Options::=--force-confold "$@" </dev/null
}

# stat_is PATH USER GROUP MODE: PATH in the chroot has them (compared as
# the chroot's numbers: the host may not know its names).
stat_is() {
	local got want
	got=$(stat -c '%u:%g %a' "$R$1") || return 1
	want="$(in_root id -u "$2"):$(in_root getent group "$3" |
	    cut -d: -f3) $4"
	echo "$1: $got, want $want"
	[ "$got" = "$want" ]
}

# user_ok: a system user and group twinproxy, no login, no home made.
user_ok() {
	local pw uid
	pw=$(in_root getent passwd twinproxy) || return 1
	echo "$pw"
	uid=$(echo "$pw" | cut -d: -f3)
	[ "$uid" -gt 0 ] && [ "$uid" -lt 1000 ] || return 1
	in_root getent group twinproxy || return 1
	[ "$(echo "$pw" | cut -d: -f7)" = /usr/sbin/nologin ] || return 1
	[ "$(in_root id -gn twinproxy)" = twinproxy ]
}

# conffiles_ok: twinproxy's conffiles are the starter and the logrotate
# snippet; the examples are in its doc folder.
conffiles_ok() {
	local c
	c=$(in_root dpkg-query -W -f='${Conffiles}\n' twinproxy) || return 1
	echo "$c"
	echo "$c" | grep -q '^ /etc/twinproxy/twinproxy.conf [0-9a-f]\{32\}$' &&
	echo "$c" | grep -q '^ /etc/logrotate.d/twinproxy [0-9a-f]\{32\}$' &&
	[ -f "$R/usr/share/doc/twinproxy/examples/a-standby.conf" ] &&
	[ -f "$R/usr/share/doc/twinproxy-center/examples/center.conf" ] &&
	[ -f "$R/usr/share/man/man5/twinproxy.conf.5.gz" ] &&
	[ -f "$R/usr/share/man/man8/twin-lb.8.gz" ]
}

# units_disabled: every unit installed, none enabled (nothing starts
# before the host is configured).
units_disabled() {
	local u
	for u in twin-proxy twin-wpad twin-ha twin-report twin-lb twin-monitord; do
		[ -f "$R$UNITDIR/$u.service" ] || { echo "no $u.service"; return 1; }
		[ -d "$R/etc" ] || return 1
		if [ -e "$R/etc/systemd/system/multi-user.target.wants/$u.service" ]; then
			echo "$u.service is enabled"
			return 1
		fi
		# systemctl reads the unit files when no systemd runs.
		[ "$(in_root systemctl is-enabled "$u.service")" = disabled ] || {
			echo "$u.service: $(in_root systemctl is-enabled "$u.service")"
			return 1
		}
	done
}

# starter_ok: the shipped configuration is accepted and serves no one
# but this host.
starter_ok() {
	local c=/etc/twinproxy/twinproxy.conf
	in_root twinctl check -f "$c" || return 1
	in_root twin-proxy -n -f "$c" >/dev/null || return 1
	grep -Eq '^[[:space:]]*listen 127\.0\.0\.1:' "$R$c" &&
	grep -Eq '^[[:space:]]*allow 127\.0\.0\.0/8;' "$R$c" &&
	not grep -Eq '^[[:space:]]*(allow|listen) (0\.0\.0\.0|::|\*)' "$R$c"
}

# unit_get UNIT KEY: the value of the last KEY= line of the installed UNIT.
unit_get() {
	sed -n "s/^$2=//p" "$R$UNITDIR/$1.service" | tail -n 1
}

# caps_list "CAP_A CAP_B": setpriv's "-all,+a,+b".
caps_list() {
	local c out=-all
	for c in $1; do c=${c#CAP_}; out+=",+${c,,}"; done
	printf '%s' "$out"
}

# unit_priv UNIT: PRIV, the setpriv arguments giving UNIT's rights.
unit_priv() {
	local caps amb user
	user=$(unit_get "$1" User)
	[ -n "$user" ] || ERROR "$1.service has no User="
	caps=$(unit_get "$1" CapabilityBoundingSet)
	amb=$(unit_get "$1" AmbientCapabilities)
	PRIV=(setpriv --reuid="$user" --regid="$(unit_get "$1" Group)"
	    --init-groups --bounding-set="$(caps_list "$caps")")
	[ -n "$amb" ] && PRIV+=(--inh-caps="$(caps_list "$amb")"
	    --ambient-caps="$(caps_list "$amb")")
	[ "$(unit_get "$1" NoNewPrivileges)" = yes ] && PRIV+=(--no-new-privs)
	return 0
}

# unit_start UNIT: what systemd does: RuntimeDirectory= (owned by User=),
# ExecStartPre= then ExecStart= as User= with the unit's capabilities,
# in the chroot, on host a. Sets the pid in PIDS.
unit_start() {
	local u=$1 rd pre cmd
	unit_priv "$u"
	rd=$(unit_get "$u" RuntimeDirectory)
	if [ -n "$rd" ]; then
		in_root install -d -o "$(unit_get "$u" User)" \
		    -g "$(unit_get "$u" Group)" -m 0755 "/run/$rd" || return 1
	fi
	pre=$(unit_get "$u" ExecStartPre)
	cmd=$(unit_get "$u" ExecStart)
	[ -n "$cmd" ] || { echo "$u.service: no ExecStart="; return 1; }
	if [ -n "$pre" ]; then
		# shellcheck disable=SC2086  # a unit's command line, split as systemd does
		timeout 20 ip netns exec a chroot "$R" "${PRIV[@]}" $pre || return 1
	fi
	# shellcheck disable=SC2086
	spawn a "$u-$ROUND" chroot "$R" "${PRIV[@]}" $cmd
	PIDS+=("$SPAWN_PID")
}

# proc_user PID USER: PID runs as USER of the chroot.
proc_user() {
	local want
	want=$(in_root id -u "$2") || return 1
	grep -E "^Uid:[[:space:]]+${want}[[:space:]]+${want}[[:space:]]" \
	    "/proc/$1/status"
}

# fetch_via_proxy WORD: the origin's page through twin-proxy.
fetch_via_proxy() {
	local got
	got=$(timeout 10 ip netns exec a curl -sS --max-time 8 -x "http://$A:3128" \
	    "http://$A:8000/page-$1.txt") || return 1
	echo "got: $got"
	[ "$got" = "page $1" ]
}

# pac_ok: twin-wpad serves a script naming the proxy.
pac_ok() {
	timeout 10 ip netns exec a curl -sS --max-time 8 "http://$A/wpad.dat" |
	    grep -F "PROXY $A:3128"
}

# lb_ok WORD: the origin's page through twin-lb's l7 cluster (its server
# is checked first: allow it a few seconds).
lb_ok() {
	wait_until 10 lb_get "$1" || { lb_get "$1"; return 1; }
	lb_get "$1"
}
lb_get() {
	[ "$(timeout 10 ip netns exec a curl -sS --max-time 8 \
	    "http://$A:8080/page-$1.txt")" = "page $1" ]
}

# status_ok: twinctl status answers from twin-ha's control socket.
status_ok() {
	timeout 10 ip netns exec a chroot "$R" twinctl -f /etc/twinproxy/twinproxy.conf \
	    status | grep -i redundancy
}

# logged WORD: the access log (in the package's log folder) has the fetch.
logged() {
	wait_until 5 grep -q "page-$1.txt" "$R/var/log/twinproxy/access.log" &&
	    grep "page-$1.txt" "$R/var/log/twinproxy/access.log"
}

# run_round NAME: start the units, check them, stop them.
run_round() {
	local u p
	ROUND=$1
	PIDS=()
	echo "page $1" >"$T/www/page-$1.txt"
	for u in twin-ha twin-proxy twin-wpad twin-lb; do
		CHECK "$1: $u started as its unit says (ExecStartPre, User=, capabilities)" \
		    unit_start "$u"
	done
	# A daemon that refuses its folders fails here, and the rest goes on.
	CHECK "$1: twin-proxy listens on port 3128" \
	    wait_until 10 port_open a "$A" 3128
	CHECK "$1: twin-wpad listens on port 80" wait_until 10 port_open a "$A" 80
	CHECK "$1: twin-lb listens on port 8080" \
	    wait_until 10 port_open a "$A" 8080
	CHECK "$1: twin-proxy runs as twinproxy" proc_user "${PIDS[1]}" twinproxy
	CHECK "$1: a page through the proxy" fetch_via_proxy "$1"
	CHECK "$1: the fetch is in /var/log/twinproxy/access.log" logged "$1"
	CHECK "$1: twin-wpad serves the PAC script on port 80" pac_ok
	CHECK "$1: twinctl status" status_ok
	CHECK "$1: a page through twin-lb (twinproxy-lb)" lb_ok "$1"
	for p in "${PIDS[@]}"; do
		CHECK "$1: pid $p stops on SIGTERM" stop "$p" 5
	done
}

# conf_kept: the upgrade kept the administrator's configuration.
conf_kept() {
	cmp "$T/twinproxy.conf" "$R/etc/twinproxy/twinproxy.conf"
}

# version_is VERSION: twinproxy's installed version.
version_is() {
	local v
	v=$(in_root dpkg-query -W -f='${Version} ${db:Status-Abbrev}\n' \
	    twinproxy twinproxy-lb twinproxy-center) || return 1
	echo "$v"
	[ "$(echo "$v" | grep -c "^$1 ii")" -eq 3 ]
}

# verify_units: systemd-analyze verify on the installed units.
verify_units() {
	local u units=()
	for u in twin-proxy twin-wpad twin-ha twin-report twin-lb twin-monitord; do
		units+=("$UNITDIR/$u.service")
	done
	timeout 60 systemd-analyze verify --man=no --root="$R" "${units[@]}" 2>&1 |
	    tee "$T/verify.out"
	[ "${PIPESTATUS[0]}" -eq 0 ] && [ ! -s "$T/verify.out" ]
}

# purged: the packages and what their postinst made are gone; the user
# stays (Debian leaves system users in place).
purged() {
	local d
	[ -d "$R/etc" ] && [ -d "$R/var/log" ] || return 1
	for d in /etc/twinproxy /var/log/twinproxy /var/cache/twinproxy \
	    /var/spool/twinproxy /var/lib/twinproxy; do
		if [ -e "$R$d" ]; then
			echo "$d is left"; ls -la "$R$d"
			return 1
		fi
	done
	for d in twinproxy twinproxy-lb twinproxy-center; do
		case $(in_root dpkg-query -W -f='${db:Status-Abbrev}' "$d" \
		    2>/dev/null) in
		i*|r*|h*|[a-z]F*|[a-z]U*|[a-z]H*)
			echo "$d is still known to dpkg"; return 1 ;;
		esac
	done
	for d in "$R"/var/lib/systemd/deb-systemd-helper-enabled/*twin*; do
		[ -e "$d" ] && { echo "systemd state left: $d"; return 1; }
	done
	in_root getent passwd twinproxy
}

topo_init
topo_host a "$A/$PFX"
mkdir -p "$T/www"
spawn a origin python3 -m http.server --bind "$A" --directory "$T/www" 8000
wait_port a "$A" 8000 10

CHECK "$V_PREV: system user and group twinproxy" user_ok
CHECK "/etc/twinproxy root's, 0755" stat_is /etc/twinproxy root root 755
CHECK "/var/log/twinproxy twinproxy's, 0750" \
    stat_is /var/log/twinproxy twinproxy twinproxy 750
CHECK "/var/cache/twinproxy twinproxy's, 0700" \
    stat_is /var/cache/twinproxy twinproxy twinproxy 700
CHECK "/var/spool/twinproxy twinproxy's, 0700" \
    stat_is /var/spool/twinproxy twinproxy twinproxy 700
CHECK "/var/lib/twinproxy (center) twinproxy's, 0750" \
    stat_is /var/lib/twinproxy twinproxy twinproxy 750
CHECK "conffiles, examples and manual pages" conffiles_ok
CHECK "units installed, none enabled" units_disabled
CHECK "the starter configuration is accepted and local only" starter_ok

# This peer's configuration: a proxy with a disk cache in the package's
# folder, a WPAD server on port 80, twin-ha without a partner, an l7
# cluster in front of the origin.
cat >"$R/etc/twinproxy/twinproxy.conf" <<EOF
# written by the administrator
peer {
	name a;
	address $A;
	user twinproxy;
}

ha {
	redundancy no;
}

proxy {
	listen $A:3128;
	allow 198.18.0.0/15;
	access-log /var/log/twinproxy/access.log;
	cache-memory 16M;
	cache-dir /var/cache/twinproxy 64M;
}

wpad {
	listen $A:80;
	proxy $A:3128;
}

cluster web {
	mode l7;
	listen $A:8080;
	server origin $A:8000;
	access-log /var/log/twinproxy/lb-access.log;
}
EOF
cp "$R/etc/twinproxy/twinproxy.conf" "$T/twinproxy.conf"
CHECK "twinctl check accepts the configuration" \
    in_root twinctl check -f /etc/twinproxy/twinproxy.conf

run_round prev

# The chroot's paths of HEAD's three packages.
CUR_DEBS=()
for f in "$R"/tmp/pkg/cur/twinproxy_*.deb "$R"/tmp/pkg/cur/twinproxy-lb_*.deb \
    "$R"/tmp/pkg/cur/twinproxy-center_*.deb; do
	[ -f "$f" ] || ERROR "no package $f"
	CUR_DEBS+=("${f#"$R"}")
done
CHECK "upgrade $V_PREV -> $V_CUR with apt, no prompt, no network" \
    apt_root install "${CUR_DEBS[@]}"
CHECK "all three packages at $V_CUR" version_is "$V_CUR"
CHECK "the modified conffile is kept" conf_kept
CHECK "/var/cache/twinproxy still twinproxy's, 0700" \
    stat_is /var/cache/twinproxy twinproxy twinproxy 700

run_round cur

if command -v systemd-analyze >/dev/null 2>&1; then
	CHECK "systemd-analyze verify the installed units" verify_units
else
	_tp_say "# systemd-analyze not found: the units are not verified"
fi

CHECK "apt-get purge" apt_root purge twinproxy twinproxy-lb twinproxy-center
CHECK "purge removed /etc/twinproxy, the log, cache, spool and state folders; the user stays" \
    purged

umount "$R/run" "$R/dev" "$R/proc" 2>/dev/null
finish

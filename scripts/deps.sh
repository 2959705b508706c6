#!/bin/sh
# deps.sh: install what twinproxy needs to build and test on Debian 12.
# Idempotent: installs only what is missing. Run as root. Also makes the
# Debian 12 chroot of the package scenario (scripts/pkg_base.sh).
#   deps.sh          build and "make check"
#   deps.sh --bench  also the peers tests/bench compares against (the
#                    benchmarks install nothing themselves; Traffic Server
#                    is optional there: without it they skip that peer)
set -eu

PKGS="autoconf automake make gcc pkg-config
	libevent-dev libssl-dev libpcap-dev libcunit1-dev libbsd-dev
	libsqlite3-dev
	iproute2 procps psmisc util-linux iputils-ping curl python3
	libpacparser1 calamaris tcpdump
	nftables faketime openssl vsftpd lftp wget chromium logrotate
	nginx-light iperf3 python3-scapy haproxy wrk openssh-client openssh-server
	prometheus rsyslog
	dpkg-dev debhelper dh-autoreconf fakeroot lintian mmdebstrap git"
if [ "${1:-}" = --bench ]; then
	PKGS="$PKGS squid keepalived trafficserver"
fi

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# The servers the tests run (vsftpd, nginx, haproxy, squid...) start
	# inside the tests' own namespaces; their packages' system-wide
	# services must not start on the host: policy-rc.d (Debian's
	# invoke-rc.d policy, honoured by systemd's deb-systemd-invoke too)
	# refuses every start while the packages install.
	prc=/usr/sbin/policy-rc.d
	if [ ! -e "$prc" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$prc"
		chmod 755 "$prc"
		trap 'rm -f "$prc"' EXIT
	fi
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi

# The Debian 12 chroot of tests/integration/pkg_debian.sh, made from the
# mirror now, with the packages, so that the test needs no network.
bash "$(dirname "$0")/pkg_base.sh"

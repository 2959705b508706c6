# etc/local.mk: example peer configurations.
EXTRA_DIST += etc/systemd/twin-proxy.service etc/systemd/twin-wpad.service \
	etc/systemd/twin-lb.service \
	etc/systemd/twin-ha.service etc/logrotate.d/twinproxy \
	etc/a-standby.conf etc/b-standby.conf etc/a-wpad.conf etc/b-wpad.conf

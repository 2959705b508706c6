# etc/local.mk: example peer configurations.
EXTRA_DIST += etc/systemd/twin-proxy.service etc/systemd/twin-wpad.service \
	etc/systemd/twin-lb.service \
	etc/systemd/twin-ha.service etc/logrotate.d/twinproxy \
	etc/systemd/twin-report.service etc/systemd/twin-monitord.service \
	etc/a-report.conf etc/b-report.conf etc/center.conf \
	etc/a-standby.conf etc/b-standby.conf etc/a-wpad.conf etc/b-wpad.conf
